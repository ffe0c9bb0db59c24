package dev.crucible.evolve.cmaes;

import java.util.Arrays;

/**
 * One point asked for evaluation; {@code x} already lies inside the configured box, and
 * {@code id} is unique across the whole search so stale results are recognised.
 */
public record Candidate(int generation, int id, double[] x) {

    public Candidate {
        x = x.clone();
    }

    @Override
    public double[] x() {
        return x.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Candidate c && c.generation == generation && c.id == id && Arrays.equals(c.x, x);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * generation + id) + Arrays.hashCode(x);
    }

    @Override
    public String toString() {
        return "Candidate[generation=" + generation + ", id=" + id + ", x=" + Arrays.toString(x) + "]";
    }
}
