/**
 * LoRA adapters in PEFT's format: applying one to a model as it is loaded ({@code model: BASE+LORA_DIR} in a
 * recipe, as mergekit reads it) and extracting one from a fine-tune and its base ({@code crucible extract-lora},
 * as {@code mergekit-extract-lora} does).
 */
package dev.crucible.lora;
