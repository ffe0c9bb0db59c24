package dev.crucible.safetensors;

import dev.crucible.fixtures.Fixtures;
import java.nio.file.Path;
import java.util.List;

/** The tiny-model zoo's model folders for tests (found by {@link Fixtures}). */
public final class Zoo {

    /** Every zoo model folder with weights. */
    public static final List<String> MODELS = List.of("base", "base-v2", "expert-add", "expert-rev", "vlm",
            "merges/linear", "merges/task_arithmetic", "merges/ties", "merges/remerge_v2_task_arithmetic",
            "merges/vlm_task_arithmetic_add");

    private Zoo() {
    }

    /** The zoo root folder. */
    public static Path root() {
        return Fixtures.zoo();
    }

    /** One model folder, e.g. {@code model("vlm")}. */
    public static Path model(String name) {
        return root().resolve(name);
    }
}
