package dev.crucible.remerge;

import java.nio.file.Path;

/** Makes the server answer with another model; the seam between re-merge and the model server. */
@FunctionalInterface
public interface ChampionSwitch {

    /** Loads, validates and switches to {@code modelDir}; returns the served version id ({@code v2}). */
    String promote(Path modelDir);
}
