package dev.crucible.evolve.cmaes;

import java.util.Arrays;

/**
 * The best point evaluated so far, its raw fitness (no bound penalty: the point is inside the
 * box) and the evaluation count at which it was found.
 */
public record Best(double[] x, double fitness, int evaluations) {

    public Best {
        x = x.clone();
    }

    @Override
    public double[] x() {
        return x.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Best b
                && Double.compare(b.fitness, fitness) == 0
                && b.evaluations == evaluations
                && Arrays.equals(b.x, x);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Double.hashCode(fitness) + evaluations) + Arrays.hashCode(x);
    }

    @Override
    public String toString() {
        return "Best[fitness=" + fitness + ", evaluations=" + evaluations + ", x=" + Arrays.toString(x) + "]";
    }
}
