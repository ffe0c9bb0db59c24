package dev.crucible.evolve.cmaes;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.files.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link CmaEsState} as a JSON file, so that a search survives its process: the record's components in
 * declaration order, non-finite numbers (an open bound) as {@code "-Infinity"}. Journals written by earlier
 * versions must keep resuming, so the layout changes only with {@link CmaEsState#formatVersion()}.
 */
public final class CmaEsStateFile {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private CmaEsStateFile() {
    }

    /**
     * Writes the state of {@code es}, atomically: a crash leaves either the old or the new state, never half
     * of one.
     */
    public static void save(CmaEs es, Path file) {
        CmaEsState state = es.state();
        try {
            AtomicFile.write(file, out -> JSON.writeValue(out, state));
        } catch (IOException e) {
            throw new CrucibleException("cannot write CMA-ES state " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a state written by {@link #save} and continues the search from it.
     *
     * @throws CrucibleException when the file is missing or not a CMA-ES state
     */
    public static CmaEs load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CrucibleException("CMA-ES state file " + file + " does not exist");
        }
        CmaEsState state;
        try {
            state = JSON.readValue(file.toFile(), CmaEsState.class);
        } catch (IOException e) {
            throw new CrucibleException("CMA-ES state file " + file + " is not valid: " + firstLine(e.getMessage()), e);
        }
        try {
            return CmaEs.restore(state);
        } catch (CrucibleException e) {
            throw new CrucibleException(file + ": " + e.getMessage(), e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable JSON";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
