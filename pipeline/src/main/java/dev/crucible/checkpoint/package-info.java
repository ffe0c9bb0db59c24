/**
 * Hugging Face model folders: config, weights and tokenizer files, the layer layout derived from tensor names
 * (including LLaVA-style sub-modules under either naming scheme), and {@code crucible inspect}.
 *
 * <p>Uses {@code safetensors}, {@code tensor} and {@code error}.
 */
package dev.crucible.checkpoint;
