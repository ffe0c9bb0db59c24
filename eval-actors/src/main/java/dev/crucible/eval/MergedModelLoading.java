package dev.crucible.eval;

import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.stream.MergedModelFiles;
import dev.crucible.tensor.WeightSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Loads a merge held in memory. Its tokenizer is usually a folder of the recipe; when the recipe gave the merge a
 * new vocabulary (a union tokenizer, added tokens), the tokenizer files exist nowhere yet, so they are written to a
 * temporary folder as a merge output would hold them, read while the model loads, and removed again.
 */
public final class MergedModelLoading {

    private MergedModelLoading() {
    }

    /** The merged model of {@code plan} with {@code weights}, named {@code name}. */
    public static LanguageModel load(MergePlan plan, WeightSource weights, String name) {
        if (plan.vocabulary() == null || !plan.vocabulary().rewritten()) {
            return LanguageModels.load(plan.config(), plan.tokenizerSource(), weights, name);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("crucible-tokenizer-");
        } catch (IOException e) {
            throw new CrucibleException("cannot create a temporary folder for " + name + "'s tokenizer ("
                    + e.getMessage() + ")", e);
        }
        try {
            MergedModelFiles.write(plan, dir);
            return LanguageModels.load(plan.config(), dir, weights, name);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A few kilobytes left in the temporary folder do no harm; the model loaded.
        }
    }
}
