package dev.crucible.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.fixtures.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The tiny model zoo for tests: model folders and reference logits. */
public final class Zoo {

    private Zoo() {
    }

    /** The zoo folder (found by {@link Fixtures}). */
    public static Path dir() {
        return Fixtures.zoo();
    }

    public static Path model(String name) {
        return dir().resolve(name);
    }

    public static JsonNode reference(String name) {
        try {
            return new ObjectMapper().readTree(dir().resolve("reference").resolve(name + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }
}
