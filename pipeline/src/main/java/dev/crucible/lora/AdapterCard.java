package dev.crucible.lora;

import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README.md of an extracted adapter, after mergekit's {@code generate_card_lora} ({@code mergekit/card.py}). */
final class AdapterCard {

    private AdapterCard() {
    }

    static String text(String name, String model, String baseModel, String invocation) {
        return "---\nlibrary_name: peft\ntags:\n- crucible\n- peft\n---\n# " + name + "\n\n"
                + "This is a LoRA extracted from a language model with Crucible's `extract-lora` (a port of"
                + " mergekit-extract-lora).\n\n## LoRA Details\n\n"
                + "This LoRA adapter was extracted from `" + model + "` and uses `" + baseModel + "` as a base.\n\n"
                + "### Parameters\n\nThe following command was used to extract this LoRA adapter:\n\n```sh\n"
                + invocation + "\n```\n";
    }

    static void write(Path dir, String name, String model, String baseModel, String invocation) {
        Path file = dir.resolve("README.md");
        try {
            Files.writeString(file, text(name, model, baseModel, invocation));
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
