package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;

import java.nio.file.Path;
import java.util.Locale;

/** Recognises PyTorch pickle checkpoints, which Crucible refuses to load. */
public final class PickleCheckpoints {

    private PickleCheckpoints() {
    }

    /** Whether the file name looks like a pickle checkpoint ({@code .bin}, {@code .pt}, {@code .pth}, {@code .ckpt}). */
    public static boolean isPickle(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt");
    }

    /** The one-line refusal, naming what was found and how to convert it. */
    public static CrucibleException refusal(Path found) {
        return new CrucibleException(found + " is a pickle checkpoint; pickle files can run arbitrary code when"
                + " loaded, so Crucible reads only safetensors. Convert it once with: python -c \"from transformers"
                + " import AutoModelForCausalLM; AutoModelForCausalLM.from_pretrained('DIR').save_pretrained('OUT', safe_serialization=True)\"");
    }
}
