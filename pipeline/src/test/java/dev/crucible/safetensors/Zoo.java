package dev.crucible.safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Locates the shared tiny-model zoo for tests (system property {@code crucible.shared}, else {@code ../shared}). */
public final class Zoo {

    /** Every zoo model folder with weights. */
    public static final List<String> MODELS = List.of("base", "base-v2", "expert-add", "expert-rev", "vlm",
            "merges/linear", "merges/task_arithmetic", "merges/ties", "merges/remerge_v2_task_arithmetic",
            "merges/vlm_task_arithmetic_add");

    private Zoo() {
    }

    /** The zoo root folder. */
    public static Path root() {
        String shared = System.getProperty("crucible.shared");
        Path base = shared != null ? Path.of(shared) : Path.of("..", "shared");
        Path zoo = base.resolve("fixtures").resolve("zoo");
        if (!Files.isDirectory(zoo)) {
            throw new IllegalStateException("zoo fixtures not found at " + zoo.toAbsolutePath());
        }
        return zoo;
    }

    /** One model folder, e.g. {@code model("vlm")}. */
    public static Path model(String name) {
        return root().resolve(name);
    }
}
