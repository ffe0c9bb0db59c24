package dev.crucible.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Locates the shared tiny model zoo fixtures for tests. */
public final class Zoo {

    private Zoo() {
    }

    /** The zoo folder: {@code crucible.shared} property, else ../shared from the module. */
    public static Path dir() {
        String shared = System.getProperty("crucible.shared");
        Path base = shared != null ? Path.of(shared) : Path.of("..", "..", "shared");
        if (shared == null && !base.toFile().isDirectory()) {
            base = Path.of("..", "shared");
        }
        return base.resolve("fixtures").resolve("zoo");
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
