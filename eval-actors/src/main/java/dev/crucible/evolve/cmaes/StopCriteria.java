package dev.crucible.evolve.cmaes;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * When a run ends: Hansen's termination criteria (TolX, TolUpX, ConditionCov, TolFun, NoEffectAxis,
 * NoEffectCoord, Stagnation), with the best and median fitness of each generation of the run, which TolFun and
 * Stagnation look back on.
 */
final class StopCriteria {

    private static final int HISTORY_CAP = 20_000;
    private static final double MAX_CONDITION = 1e14;

    private final CmaEsConfig config;
    private final int n;
    private final ArrayDeque<Double> bestHistory = new ArrayDeque<>();
    private final ArrayDeque<Double> medianHistory = new ArrayDeque<>();

    StopCriteria(CmaEsConfig config) {
        this.config = config;
        this.n = config.dimension();
    }

    /** Forgets the history, for a new run. */
    void clear() {
        bestHistory.clear();
        medianHistory.clear();
    }

    /** Adds the best and median fitness of a generation. */
    void record(double best, double median) {
        push(bestHistory, best);
        push(medianHistory, median);
    }

    /** Continues with the histories of a snapshot. */
    void restore(double[] best, double[] median) {
        if (best != null) {
            for (double v : best) {
                bestHistory.addLast(v);
            }
        }
        if (median != null) {
            for (double v : median) {
                medianHistory.addLast(v);
            }
        }
    }

    double[] bestHistory() {
        return toArray(bestHistory);
    }

    double[] medianHistory() {
        return toArray(medianHistory);
    }

    /**
     * The criterion the run now meets, or null to go on; {@code fitness} and {@code usable} are the results of
     * the generation just told.
     */
    StopReason check(int runGeneration, int lambda, double[] mean, double sigma, double[] pathC, Covariance c,
            double[] fitness, boolean[] usable) {
        boolean allBelowTolX = true;
        for (int i = 0; i < n; i++) {
            double std = Math.sqrt(c.variance(i));
            if (sigma * Math.max(Math.abs(pathC[i]), std) >= config.tolX()) {
                allBelowTolX = false;
            }
        }
        if (allBelowTolX) {
            return StopReason.TOL_X;
        }
        double[] axis = c.axisLengths();
        double maxAxis = Arrays.stream(axis).max().orElse(1);
        double minAxis = Arrays.stream(axis).min().orElse(1);
        if (sigma * maxAxis > 1e4 * config.sigma0()) {
            return StopReason.TOL_X_UP;
        }
        if (maxAxis * maxAxis > MAX_CONDITION * minAxis * minAxis) {
            return StopReason.CONDITION_COV;
        }
        int window = 10 + (int) Math.ceil(30.0 * n / lambda);
        if (runGeneration >= window && bestHistory.size() >= window) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            var it = bestHistory.descendingIterator();
            for (int g = 0; g < window; g++) {
                double v = it.next();
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (int k = 0; k < fitness.length; k++) {
                if (usable[k]) {
                    lo = Math.min(lo, fitness[k]);
                    hi = Math.max(hi, fitness[k]);
                }
            }
            if (hi - lo < config.tolFun()) {
                return StopReason.TOL_FUN;
            }
        }
        int axisIndex = runGeneration % n;
        boolean axisNoEffect = true;
        for (int i = 0; i < n; i++) {
            if (mean[i] + 0.1 * sigma * axis[axisIndex] * c.axisDirection(i, axisIndex) != mean[i]) {
                axisNoEffect = false;
                break;
            }
        }
        if (axisNoEffect) {
            return StopReason.NO_EFFECT_AXIS;
        }
        for (int i = 0; i < n; i++) {
            double std = Math.sqrt(c.variance(i));
            if (mean[i] + 0.2 * sigma * std == mean[i]) {
                return StopReason.NO_EFFECT_COORD;
            }
        }
        return stagnated(runGeneration, lambda) ? StopReason.STAGNATION : null;
    }

    /** Hansen's stagnation test: medians of best and median fitness over the last 20% stopped improving. */
    private boolean stagnated(int runGeneration, int lambda) {
        int minGenerations = 120 + (int) Math.ceil(30.0 * n / lambda);
        if (runGeneration < minGenerations) {
            return false;
        }
        int span = Math.min(bestHistory.size(), Math.max(minGenerations, runGeneration / 5));
        return notImproving(bestHistory, span) && notImproving(medianHistory, span);
    }

    private static boolean notImproving(ArrayDeque<Double> history, int span) {
        double[] recent = history.stream().skip(history.size() - span).mapToDouble(Double::doubleValue).toArray();
        int part = Math.min(20, span / 2);
        double early = median(Arrays.copyOfRange(recent, 0, part));
        double late = median(Arrays.copyOfRange(recent, recent.length - part, recent.length));
        return late >= early;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length;
        return m % 2 == 1 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
    }

    private static void push(ArrayDeque<Double> history, double value) {
        history.addLast(value);
        if (history.size() > HISTORY_CAP) {
            history.removeFirst();
        }
    }

    private static double[] toArray(ArrayDeque<Double> history) {
        return history.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
