package dev.crucible.plan;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.safetensors.Checkpoint;

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

    /** The model folder at {@code dir} (config and headers), opened on first use. */
    public ModelFolder folder(Path dir) {
        return folders.computeIfAbsent(dir.toAbsolutePath().normalize(), ModelFolder::open);
    }

    /** The weights at {@code dir}, mapped on first use. */
    public Checkpoint checkpoint(Path dir) {
        return folder(dir).weights();
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
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
