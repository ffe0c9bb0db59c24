package dev.crucible.serve.model;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One model the server has switched to: {@code id} is {@code v1}, {@code v2}, ... in promotion order
 * and is what responses report as {@code system_fingerprint}.
 */
public record ModelVersion(int number, String name, Path path, Instant loadedAt) {

    public String id() {
        return "v" + number;
    }
}
