package dev.crucible.serve;

/** Thrown from the token callback to stop a generation whose client left or whose deadline passed. */
final class GenerationCancelled extends RuntimeException {

    GenerationCancelled(String reason) {
        super(reason, null, false, false);
    }
}
