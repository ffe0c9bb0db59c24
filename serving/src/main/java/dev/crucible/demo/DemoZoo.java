package dev.crucible.demo;

import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo's models and task files: the zoo in the repository's {@code fixtures/zoo}, checked
 * up front so a missing piece fails before any work starts.
 *
 * @param dir       the zoo folder
 * @param base      the base model the experts were fine-tuned from
 * @param baseV2    a newer release of the base, announced in the last step
 * @param expertAdd the base fine-tuned on {@code add}
 * @param expertRev the base fine-tuned on {@code rev}
 * @param addDev    {@code add} items for searching and gating
 * @param revDev    {@code rev} items for searching and gating
 * @param addTest   {@code add} items for reporting
 * @param revTest   {@code rev} items for reporting
 */
public record DemoZoo(Path dir, Path base, Path baseV2, Path expertAdd, Path expertRev, Path addDev, Path revDev,
                      Path addTest, Path revTest) {

    /** The zoo in {@code dir}; fails naming the first folder or file that is missing. */
    public static DemoZoo open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new CrucibleException("--zoo " + dir + ": not a folder; run from the repository root (the demo zoo is "
                    + "fixtures/zoo) or pass --zoo DIR");
        }
        DemoZoo zoo = new DemoZoo(abs, abs.resolve("base"), abs.resolve("base-v2"), abs.resolve("expert-add"),
                abs.resolve("expert-rev"), abs.resolve("add_dev.jsonl"), abs.resolve("rev_dev.jsonl"),
                abs.resolve("add_test.jsonl"), abs.resolve("rev_test.jsonl"));
        for (Path model : List.of(zoo.base, zoo.baseV2, zoo.expertAdd, zoo.expertRev)) {
            if (!Files.isRegularFile(model.resolve("config.json"))) {
                throw new CrucibleException("--zoo " + dir + ": model folder " + model.getFileName()
                        + "/ (with config.json) is missing; the demo needs base, base-v2, expert-add and expert-rev");
            }
        }
        for (Path task : List.of(zoo.addDev, zoo.revDev, zoo.addTest, zoo.revTest)) {
            if (!Files.isRegularFile(task)) {
                throw new CrucibleException("--zoo " + dir + ": task file " + task.getFileName() + " is missing; the demo "
                        + "needs add and rev, dev and test splits");
            }
        }
        return zoo;
    }
}
