package dev.crucible.evolve;

import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.evolve.report.ScoreRow;
import dev.crucible.evolve.report.SearchReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The evolution benchmark ({@code bench/evolve.sh}): runs the real search of a config (default
 * {@code bench/evolve-zoo.yml}) into a fresh folder and prints the report's table, the wall time as a
 * share of the 15-minute target, and whether the evolved merge beats the best default hand merge by at
 * least 5 points of mean test accuracy.
 */
public final class EvolveBench {

    private static final double TARGET_MINUTES = 15;
    private static final double TARGET_POINTS = 5;

    private EvolveBench() {
    }

    /** {@code EvolveBench [CONFIG.yml] [OUT_DIR]}. */
    public static void main(String[] args) throws IOException {
        Path config = Path.of(args.length > 0 ? args[0] : "bench/evolve-zoo.yml");
        Path out = Path.of(args.length > 1 ? args[1] : "/tmp/crucible-evolve-bench");
        deleteTree(out);
        long start = System.nanoTime();
        EvolutionOutcome outcome = Evolution.run(EvolveConfigParser.parse(config), out,
                new EvolveOptions(1, false, 0, Runtime.getRuntime().availableProcessors()), System.err);
        double minutes = (System.nanoTime() - start) / 6e10;
        SearchReport report = outcome.report();
        System.out.println(report.markdown().lines()
                .dropWhile(l -> !l.startsWith("## Scores")).takeWhile(l -> !l.startsWith("Dev tasks"))
                .reduce("", (a, b) -> a + b + "\n"));
        ScoreRow evolved = report.evolved();
        ScoreRow hand = report.bestHandMerge();
        double gain = 100 * (evolved.testMean() - hand.testMean());
        System.out.printf(Locale.ROOT, "cores: %d, load average at end: %.1f%n", Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "wall time: %.1f min = %.2f x the %.0f-minute target%n", minutes,
                minutes / TARGET_MINUTES, TARGET_MINUTES);
        System.out.printf(Locale.ROOT, "evolved vs best hand merge (%s): %+.1f points of mean test accuracy "
                + "(target +%.0f): %s%n", hand.name(), gain, TARGET_POINTS, gain >= TARGET_POINTS ? "met" : "NOT met");
        for (ScoreRow r : report.rows()) {
            if (r.kind().equals(ScoreRow.SOURCE)) {
                System.out.printf(Locale.ROOT, "evolved vs source %s: %+.1f points%n", r.name(),
                        100 * (evolved.testMean() - r.testMean()));
            }
        }
        System.out.println("outputs: " + out.toAbsolutePath());
        System.exit(0);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
