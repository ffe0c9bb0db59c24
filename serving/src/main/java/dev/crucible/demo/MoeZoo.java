package dev.crucible.demo;

import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo's second zoo ({@code fixtures/zoo2}): experts fine-tuned in their MLPs only, so both skills live in
 * the same weights. Checked up front, like {@link DemoZoo}.
 *
 * @param dir       the zoo folder
 * @param base      the shared base
 * @param expertAdd the base with its MLPs fine-tuned on {@code add}
 * @param expertRev the base with its MLPs fine-tuned on {@code rev}
 * @param addDev    {@code add} items the routers are calibrated on
 * @param revDev    {@code rev} items the routers are calibrated on
 * @param addTest   {@code add} items for reporting
 * @param revTest   {@code rev} items for reporting
 */
public record MoeZoo(Path dir, Path base, Path expertAdd, Path expertRev, Path addDev, Path revDev, Path addTest,
                     Path revTest) {

    /** The zoo in {@code dir}; fails naming the first folder or file that is missing. */
    public static MoeZoo open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new CrucibleException("--zoo2 " + dir + ": not a folder; run from the repository root (the MoE zoo is "
                    + "fixtures/zoo2) or pass --zoo2 DIR");
        }
        MoeZoo zoo = new MoeZoo(abs, abs.resolve("base"), abs.resolve("expert-add"), abs.resolve("expert-rev"),
                abs.resolve("add_dev.jsonl"), abs.resolve("rev_dev.jsonl"), abs.resolve("add_test.jsonl"),
                abs.resolve("rev_test.jsonl"));
        for (Path model : List.of(zoo.base, zoo.expertAdd, zoo.expertRev)) {
            if (!Files.isRegularFile(model.resolve("config.json"))) {
                throw new CrucibleException("--zoo2 " + dir + ": model folder " + model.getFileName()
                        + "/ (with config.json) is missing; the demo needs base, expert-add and expert-rev");
            }
        }
        for (Path task : List.of(zoo.addDev, zoo.revDev, zoo.addTest, zoo.revTest)) {
            if (!Files.isRegularFile(task)) {
                throw new CrucibleException("--zoo2 " + dir + ": task file " + task.getFileName() + " is missing; the "
                        + "demo needs add and rev, dev and test splits");
            }
        }
        return zoo;
    }
}
