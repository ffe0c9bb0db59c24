package dev.crucible.evolve.cmaes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Prints evaluation counts on the standard test functions over many seeds next to the published
 * figures for Hansen's reference implementation, and the optimiser's own cost per generation in the
 * full and separable modes. Run: {@code java -cp <test+main classpath> dev.crucible.evolve.cmaes.CmaEsBench}.
 */
public final class CmaEsBench {

    private static final int SEEDS = 21;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private CmaEsBench() {
    }

    public static void main(String[] args) {
        System.out.println("function              target  median   min    max  success  published");
        counts("sphere 10-D", seed -> CmaEsConfig.of(Benchmarks.filled(10, 1), 0.5, seed),
                Benchmarks::sphere, 1e-10, 100_000, "~1,500");
        counts("rosenbrock 10-D", seed -> CmaEsConfig.of(Benchmarks.filled(10, 0), 0.5, seed),
                Benchmarks::rosenbrock, 1e-8, 100_000, "~6,000-7,000");
        counts("ellipsoid 10-D", seed -> CmaEsConfig.of(Benchmarks.filled(10, 1), 1, seed),
                Benchmarks::ellipsoid, 1e-10, 100_000, "-");
        counts("sep ellipsoid 40-D", seed -> CmaEsConfig.of(Benchmarks.filled(40, 1), 1, seed).withSeparable(true),
                Benchmarks::ellipsoid, 1e-10, 200_000, "-");
        counts("rastrigin 5-D IPOP", seed -> CmaEsConfig.of(Benchmarks.filled(5, 3), 2, seed)
                        .withBounds(Benchmarks.filled(5, -5.12), Benchmarks.filled(5, 5.12)).withMaxRestarts(9),
                Benchmarks::rastrigin, 1e-6, 200_000, "-");
        System.out.println();
        overhead(100, false);
        overhead(100, true);
        overhead(4096, true);
    }

    private static void counts(String name, java.util.function.LongFunction<CmaEsConfig> config,
            ToDoubleFunction<double[]> f, double target, int budget, String published) {
        int[] evals = new int[SEEDS];
        int successes = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            CmaEs es = Benchmarks.minimise(CmaEs.create(config.apply(seed + 1)), f, target, budget);
            evals[seed] = es.evaluations();
            if (es.hasBest() && es.best().fitness() <= target) {
                successes++;
            }
        }
        Arrays.sort(evals);
        System.out.printf("%-20s %7.0e %7d %6d %6d %4d/%-4d %s%n", name, target, evals[SEEDS / 2], evals[0],
                evals[SEEDS - 1], successes, SEEDS, published);
    }

    /** CPU milliseconds of optimiser work (ask + tell, no fitness cost) per generation on the sphere; CPU time because the build machine is shared. */
    private static void overhead(int n, boolean separable) {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(n, 1), 0.5, 1).withSeparable(separable));
        int warmup = 50;
        int measured = 200;
        long start = 0;
        for (int g = 0; g < warmup + measured; g++) {
            if (g == warmup) {
                start = CPU.getCurrentThreadCpuTime();
            }
            List<Evaluation> results = new ArrayList<>();
            for (Candidate c : es.ask()) {
                results.add(Evaluation.of(c.id(), Benchmarks.sphere(c.x())));
            }
            es.tell(results);
        }
        double ms = (CPU.getCurrentThreadCpuTime() - start) / 1e6 / measured;
        System.out.printf("n=%-5d %-9s lambda=%-3d %8.3f CPU ms/generation %8.4f ms/candidate%n", n,
                separable ? "separable" : "full", es.populationSize(), ms, ms / es.populationSize());
    }
}
