package dev.crucible.plan;

import dev.crucible.error.CrucibleException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Recognises recipe model strings that name a Hugging Face hub model rather than a folder:
 * {@code org/name}, and anything with mergekit's {@code @revision} suffix ({@code org/name@main},
 * {@code ./model@v2}). Crucible never downloads, so these get one line telling the user what to do.
 */
final class HubReference {

    // mergekit's ModelReference.parse splits "path@revision"; a hub id is "owner/name" of [\w.-] characters.
    private static final Pattern HUB_ID = Pattern.compile("^[A-Za-z0-9][\\w.-]*/[\\w.-]+$");

    private HubReference() {
    }

    /**
     * Throws when {@code model} (as written in {@code field}) is not the local folder {@code dir} and looks like
     * a hub id or carries a revision; returns quietly otherwise (the caller reports a missing folder).
     */
    static void refuseIfHubReference(String field, String model, Path dir) {
        if (Files.isDirectory(dir)) {
            return;
        }
        int at = model.lastIndexOf('@');
        if (at > 0 && at < model.length() - 1) {
            throw new CrucibleException(field + ": '" + model + "' names revision '" + model.substring(at + 1)
                    + "' of a hub model, not a local folder (looked for " + dir
                    + "); offline: download the model and use a local folder");
        }
        if (!Path.of(model).isAbsolute() && !model.startsWith(".") && HUB_ID.matcher(model).matches()) {
            throw new CrucibleException(field + ": '" + model + "' is a hub id, not a local folder (looked for " + dir
                    + "); offline: download the model and use a local folder");
        }
    }
}
