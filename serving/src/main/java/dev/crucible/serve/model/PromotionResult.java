package dev.crucible.serve.model;

import java.time.Duration;
import java.util.Optional;

/** The answer to a promotion: the new version is serving, or the old one still is and why. */
public sealed interface PromotionResult {

    /** {@code version} now serves new requests; {@code previous} closes once its requests finish. */
    record Promoted(ModelVersion version, Optional<ModelVersion> previous, Duration took) implements PromotionResult {}

    /** Nothing changed; {@code status} is the HTTP status that fits {@code message}. */
    record Failed(int status, String code, String message) implements PromotionResult {}
}
