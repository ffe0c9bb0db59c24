package dev.crucible.plan;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.lora.LoraAdapter;
import dev.crucible.lora.LoraAppliedWeights;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.TensorStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model folders and their memory-mapped weights, opened once and shared by every plan and merge that
 * uses them (an evolutionary search merges hundreds of candidates from the same few sources).
 * The owner closes it, which unmaps every file.
 */
public final class OpenedModels implements AutoCloseable {

    private final Map<Path, ModelFolder> folders = new ConcurrentHashMap<>();
    private final Map<Path, LoraAdapter> adapters = new ConcurrentHashMap<>();
    private final Map<List<Path>, LoraAppliedWeights> adapted = new ConcurrentHashMap<>();

    /** The model folder at {@code dir} (config and headers), opened on first use. */
    public ModelFolder folder(Path dir) {
        return folders.computeIfAbsent(dir.toAbsolutePath().normalize(), ModelFolder::open);
    }

    /** The weights at {@code dir}, mapped on first use. */
    public Checkpoint checkpoint(Path dir) {
        return folder(dir).weights();
    }

    /**
     * The tensors of the model at {@code dir} as a merge reads them: its checkpoint, or with the LoRA adapter in
     * {@code adapterDir} applied when that is not null ({@code model: BASE+LORA_DIR}).
     */
    public TensorStore weights(Path dir, Path adapterDir) {
        Checkpoint base = checkpoint(dir);
        if (adapterDir == null) {
            return base;
        }
        Path model = dir.toAbsolutePath().normalize();
        Path lora = adapterDir.toAbsolutePath().normalize();
        return adapted.computeIfAbsent(List.of(model, lora), k -> new LoraAppliedWeights(base, model.toString(),
                adapters.computeIfAbsent(lora, LoraAdapter::open)));
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        adapters.values().forEach(LoraAdapter::close);
        adapters.clear();
        adapted.clear();
        for (ModelFolder f : folders.values()) {
            try {
                f.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        folders.clear();
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }
}
