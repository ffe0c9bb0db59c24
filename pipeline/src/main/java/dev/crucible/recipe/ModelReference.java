package dev.crucible.recipe;

import dev.crucible.error.CrucibleException;

/**
 * A recipe's model string split as mergekit's {@code ModelReference} splits it ({@code mergekit/common.py}):
 * {@code MODEL} or {@code MODEL+LORA}, where {@code LORA} is a PEFT LoRA adapter folder applied to the model
 * when it is loaded. As in mergekit, a {@code +} always separates the two (a folder name cannot hold one).
 *
 * @param model the model folder as written
 * @param lora  the adapter folder as written, or null
 */
public record ModelReference(String model, String lora) {

    /** Parses {@code MODEL} or {@code MODEL+LORA_DIR}. */
    public static ModelReference parse(String value) {
        String[] chunks = value.split("\\+", -1);
        if (chunks.length == 1) {
            return new ModelReference(value, null);
        }
        if (chunks.length == 2 && !chunks[0].isBlank() && !chunks[1].isBlank()) {
            return new ModelReference(chunks[0].strip(), chunks[1].strip());
        }
        throw new CrucibleException("'" + value + "' is not MODEL or MODEL+LORA_DIR (one '+' between a model folder"
                + " and a PEFT adapter folder)");
    }

    /** Whether a LoRA adapter is applied to the model. */
    public boolean hasLora() {
        return lora != null;
    }
}
