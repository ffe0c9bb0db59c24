package dev.crucible.serve.inference;

/** Thrown from the token callback to stop a generation whose client left or whose deadline passed. */
public final class GenerationCancelled extends RuntimeException {

    public GenerationCancelled(String reason) {
        super(reason, null, false, false);
    }
}
