package dev.crucible.checkpoint;

/** How a checkpoint spells its tensor names. */
public enum NamingScheme {
    /** A plain causal LM: {@code model.layers.N...}, {@code lm_head.weight}. */
    PLAIN,
    /** LLaVA as published on the hub: {@code language_model.model...}, {@code vision_tower...}, {@code multi_modal_projector...}. */
    LLAVA_CLASSIC,
    /** LLaVA as current transformers saves it: {@code model.language_model...}, {@code model.vision_tower...}, top-level {@code lm_head}. */
    LLAVA_CURRENT
}
