package dev.crucible.checkpoint;

/** The part of a (possibly vision-language) model a tensor belongs to. */
public enum Submodule {
    LANGUAGE_MODEL("language_model"),
    VISION_TOWER("vision_tower"),
    PROJECTOR("multi_modal_projector"),
    OTHER("other");

    private final String label;

    Submodule(String label) {
        this.label = label;
    }

    /** The name transformers uses for this part, e.g. {@code multi_modal_projector}. */
    public String label() {
        return label;
    }
}
