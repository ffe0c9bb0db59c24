package dev.crucible.evolve.cmaes;

import dev.crucible.error.CrucibleException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Ask/tell CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial") with default parameters,
 * IPOP restarts, a diagonal sep-CMA mode, box bounds and exactly resumable state ({@link #state()},
 * {@link #restore(CmaEsState)}; {@link CmaEsStateFile} keeps it on disk).
 *
 * <p>Bounds: each sample is clipped into the box and the clipped point is evaluated. For ranking,
 * {@code f + gamma * |clipped - raw|^2} is used with {@code gamma = 2 * IQR(f) / (sigma^2 * mean(diag C))}
 * (Hansen's boundary-penalty scale: one sigma outside costs about two fitness inter-quartile ranges),
 * while the distribution update learns from the raw, unclipped samples so step-size adaptation stays
 * unbiased. Failed or non-finite evaluations rank after every usable one and get no recombination
 * weight; a generation without any usable result leaves the mean in place and halves sigma.
 *
 * <p>IPOP: when a run meets a termination criterion and restarts remain, a new run starts with twice
 * the population and sigma0, from a point drawn uniformly in the box when every coordinate has both
 * bounds, otherwise from x0 again.
 *
 * <p>Not thread-safe: one driver calls {@link #ask()} and {@link #tell(List)} in turn, while the
 * candidates may be evaluated concurrently and reported in any order.
 */
public final class CmaEs {

    private static final int STATE_FORMAT = 1;
    private static final int HISTORY_CAP = 20_000;
    private static final double MAX_CONDITION = 1e14;

    private final CmaEsConfig config;
    private final int n;
    private final BoxBounds bounds;
    private final Xoshiro256StarStar rng;
    private StrategyParameters params;

    private int generation;
    private int runGeneration;
    private int evaluations;
    private int runEvaluations;
    private int restarts;
    private int eigenUpdatedAt;
    private int nextCandidateId;

    private double[] mean;
    private double sigma;
    private double[][] covariance;
    private double[] diagonalCovariance;
    private double[][] basis;
    private double[] axis;
    private double[] pathC;
    private double[] pathSigma;
    private final ArrayDeque<Double> bestHistory = new ArrayDeque<>();
    private final ArrayDeque<Double> medianHistory = new ArrayDeque<>();

    private List<PendingSample> pending = List.of();
    private Best best;
    private boolean stopped;
    private StopReason stopReason = StopReason.RUNNING;
    private StopReason lastRunStopReason = StopReason.RUNNING;

    private CmaEs(CmaEsConfig config, Xoshiro256StarStar rng) {
        this.config = config;
        this.n = config.dimension();
        this.bounds = new BoxBounds(config);
        this.rng = rng;
    }

    /** Starts a search at {@code config.x0()} with step size {@code config.sigma0()}. */
    public static CmaEs create(CmaEsConfig config) {
        CmaEs es = new CmaEs(config, Xoshiro256StarStar.seeded(config.seed()));
        int lambda = config.populationSize() == null
                ? StrategyParameters.defaultPopulationSize(config.dimension())
                : config.populationSize();
        es.startRun(config.x0(), lambda);
        return es;
    }

    private void startRun(double[] start, int lambda) {
        params = StrategyParameters.of(n, lambda, config.separable());
        mean = start;
        sigma = config.sigma0();
        pathC = new double[n];
        pathSigma = new double[n];
        axis = new double[n];
        Arrays.fill(axis, 1.0);
        if (config.separable()) {
            diagonalCovariance = new double[n];
            Arrays.fill(diagonalCovariance, 1.0);
            covariance = null;
            basis = null;
        } else {
            covariance = identity(n);
            basis = identity(n);
            diagonalCovariance = null;
        }
        runGeneration = 0;
        runEvaluations = 0;
        eigenUpdatedAt = 0;
        bestHistory.clear();
        medianHistory.clear();
    }

    /**
     * The candidates of the current generation, inside the box. Asking again before {@link #tell(List)}
     * returns the same candidates.
     *
     * @throws IllegalStateException when the search has stopped
     */
    public List<Candidate> ask() {
        if (stopped) {
            throw new IllegalStateException("CMA-ES has stopped (" + stopReason + "); check isStopped() before ask()");
        }
        if (pending.isEmpty()) {
            List<PendingSample> samples = new ArrayList<>(params.lambda());
            for (int k = 0; k < params.lambda(); k++) {
                double[] z = new double[n];
                for (int i = 0; i < n; i++) {
                    z[i] = rng.nextGaussian();
                }
                double[] y = scaleByRootC(z);
                double[] raw = new double[n];
                for (int i = 0; i < n; i++) {
                    raw[i] = mean[i] + sigma * y[i];
                }
                samples.add(new PendingSample(nextCandidateId++, raw, bounds.clip(raw)));
            }
            pending = List.copyOf(samples);
        }
        List<Candidate> out = new ArrayList<>(pending.size());
        for (PendingSample s : pending) {
            out.add(new Candidate(generation, s.id(), s.repaired()));
        }
        return out;
    }

    /** B * D * z: a N(0, C) sample from a N(0, I) one. */
    private double[] scaleByRootC(double[] z) {
        double[] y = new double[n];
        if (basis == null) {
            for (int i = 0; i < n; i++) {
                y[i] = axis[i] * z[i];
            }
            return y;
        }
        double[] dz = new double[n];
        for (int j = 0; j < n; j++) {
            dz[j] = axis[j] * z[j];
        }
        for (int i = 0; i < n; i++) {
            double sum = 0;
            double[] row = basis[i];
            for (int j = 0; j < n; j++) {
                sum += row[j] * dz[j];
            }
            y[i] = sum;
        }
        return y;
    }

    /** C^(-1/2) * y = B * D^-1 * B^T * y. */
    private double[] whiten(double[] y) {
        double[] out = new double[n];
        if (basis == null) {
            for (int i = 0; i < n; i++) {
                out[i] = y[i] / axis[i];
            }
            return out;
        }
        double[] t = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += basis[i][j] * y[i];
            }
            t[j] = sum / axis[j];
        }
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += basis[i][j] * t[j];
            }
            out[i] = sum;
        }
        return out;
    }

    /**
     * Reports the results of the current generation, in any order. A candidate without a result
     * counts as failed.
     *
     * @throws IllegalStateException when no generation is outstanding
     * @throws IllegalArgumentException for an id not in the outstanding generation or a repeated id
     */
    public void tell(List<Evaluation> results) {
        if (pending.isEmpty()) {
            throw new IllegalStateException("tell() without an outstanding generation; call ask() first");
        }
        Map<Integer, Integer> indexById = new HashMap<>();
        for (int k = 0; k < pending.size(); k++) {
            indexById.put(pending.get(k).id(), k);
        }
        int lambda = pending.size();
        double[] fitness = new double[lambda];
        boolean[] usable = new boolean[lambda];
        boolean[] seen = new boolean[lambda];
        for (Evaluation e : results) {
            Integer k = indexById.get(e.id());
            if (k == null) {
                throw new IllegalArgumentException("evaluation id " + e.id() + " is not in generation " + generation);
            }
            if (seen[k]) {
                throw new IllegalArgumentException("evaluation id " + e.id() + " reported twice");
            }
            seen[k] = true;
            usable[k] = e.usable();
            fitness[k] = e.fitness();
        }
        evaluations += lambda;
        runEvaluations += lambda;
        recordBest(fitness, usable);
        update(fitness, usable);
        pending = List.of();
        generation++;
        runGeneration++;
        StopReason reason = termination(fitness, usable);
        if (reason != null) {
            lastRunStopReason = reason;
            if (restarts < config.maxRestarts()) {
                restarts++;
                startRun(bounds.isFinite() ? bounds.uniform(rng) : config.x0(), params.lambda() * 2);
            } else {
                stopped = true;
                stopReason = config.maxRestarts() > 0 ? StopReason.MAX_RESTARTS : reason;
            }
        }
    }

    private void recordBest(double[] fitness, boolean[] usable) {
        int base = evaluations - pending.size();
        for (int k = 0; k < pending.size(); k++) {
            if (usable[k] && (best == null || fitness[k] < best.fitness())) {
                best = new Best(pending.get(k).repaired(), fitness[k], base + k + 1);
            }
        }
    }

    private void update(double[] fitness, boolean[] usable) {
        int lambda = pending.size();
        List<Integer> valid = new ArrayList<>();
        for (int k = 0; k < lambda; k++) {
            if (usable[k]) {
                valid.add(k);
            }
        }
        if (valid.isEmpty()) {
            sigma *= 0.5;
            return;
        }
        double[] ranking = new double[lambda];
        double[] sortedRaw = valid.stream().mapToDouble(k -> fitness[k]).sorted().toArray();
        double gamma = penaltyScale(sortedRaw);
        for (int k : valid) {
            PendingSample s = pending.get(k);
            ranking[k] = fitness[k] + gamma * BoxBounds.squaredDistance(s.raw(), s.repaired());
        }
        valid.sort((a, b) -> {
            int c = Double.compare(ranking[a], ranking[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });

        int selected = Math.min(params.mu(), valid.size());
        double[] w = Arrays.copyOf(params.weights(), selected);
        double wSum = 0;
        for (double v : w) {
            wSum += v;
        }
        double wSquares = 0;
        for (int i = 0; i < selected; i++) {
            w[i] /= wSum;
            wSquares += w[i] * w[i];
        }
        double mueff = 1 / wSquares;

        double[][] y = new double[selected][];
        double[] yw = new double[n];
        for (int r = 0; r < selected; r++) {
            double[] raw = pending.get(valid.get(r)).raw();
            y[r] = new double[n];
            for (int i = 0; i < n; i++) {
                y[r][i] = (raw[i] - mean[i]) / sigma;
                yw[i] += w[r] * y[r][i];
            }
        }
        for (int i = 0; i < n; i++) {
            mean[i] += sigma * yw[i];
        }

        double cs = params.cs();
        double cc = params.cc();
        double[] zw = whiten(yw);
        double psNorm = 0;
        double csFactor = Math.sqrt(cs * (2 - cs) * mueff);
        for (int i = 0; i < n; i++) {
            pathSigma[i] = (1 - cs) * pathSigma[i] + csFactor * zw[i];
            psNorm += pathSigma[i] * pathSigma[i];
        }
        psNorm = Math.sqrt(psNorm);
        double psCorrection = Math.sqrt(1 - Math.pow(1 - cs, 2.0 * (runGeneration + 1)));
        boolean hsig = psNorm / psCorrection / params.chiN() < 1.4 + 2.0 / (n + 1);
        double ccFactor = hsig ? Math.sqrt(cc * (2 - cc) * mueff) : 0;
        for (int i = 0; i < n; i++) {
            pathC[i] = (1 - cc) * pathC[i] + ccFactor * yw[i];
        }

        double c1 = params.c1();
        double cmu = params.cmu();
        double keep = 1 - c1 - cmu + (hsig ? 0 : c1 * cc * (2 - cc));
        if (covariance == null) {
            for (int i = 0; i < n; i++) {
                double rankMu = 0;
                for (int r = 0; r < selected; r++) {
                    rankMu += w[r] * y[r][i] * y[r][i];
                }
                diagonalCovariance[i] = keep * diagonalCovariance[i] + c1 * pathC[i] * pathC[i] + cmu * rankMu;
            }
        } else {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double rankMu = 0;
                    for (int r = 0; r < selected; r++) {
                        rankMu += w[r] * y[r][i] * y[r][j];
                    }
                    double v = keep * covariance[i][j] + c1 * pathC[i] * pathC[j] + cmu * rankMu;
                    covariance[i][j] = v;
                    covariance[j][i] = v;
                }
            }
        }

        sigma *= Math.exp((cs / params.damps()) * (psNorm / params.chiN() - 1));
        int flatIndex = Math.min(sortedRaw.length - 1, (int) Math.ceil(0.7 * lambda));
        if (sortedRaw.length > 1 && sortedRaw[0] == sortedRaw[flatIndex]) {
            // Flat fitness: no ranking information, so widen the search instead of collapsing.
            sigma *= Math.exp(0.2 + cs / params.damps());
        }
        pushHistory(bestHistory, sortedRaw[0]);
        pushHistory(medianHistory, sortedRaw[sortedRaw.length / 2]);
        refreshDecomposition();
    }

    private double penaltyScale(double[] sortedRaw) {
        if (!bounds.isBounded()) {
            return 0;
        }
        int m = sortedRaw.length;
        double iqr = sortedRaw[(3 * (m - 1)) / 4] - sortedRaw[(m - 1) / 4];
        if (!(iqr > 0) || !Double.isFinite(iqr)) {
            iqr = 1;
        }
        double meanDiag = 0;
        for (int i = 0; i < n; i++) {
            meanDiag += covariance == null ? diagonalCovariance[i] : covariance[i][i];
        }
        meanDiag /= n;
        return 2 * iqr / (sigma * sigma * meanDiag);
    }

    private static void pushHistory(ArrayDeque<Double> history, double value) {
        history.addLast(value);
        if (history.size() > HISTORY_CAP) {
            history.removeFirst();
        }
    }

    private void refreshDecomposition() {
        if (covariance == null) {
            for (int i = 0; i < n; i++) {
                axis[i] = Math.sqrt(Math.max(diagonalCovariance[i], Double.MIN_NORMAL));
            }
            return;
        }
        // Lazy update as in the tutorial: the O(n^3) decomposition every lambda/(c1+cmu)/n/10 evaluations.
        if (runEvaluations - eigenUpdatedAt <= params.lambda() / (params.c1() + params.cmu()) / n / 10) {
            return;
        }
        eigenUpdatedAt = runEvaluations;
        DMatrixRMaj c = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c.set(i, j, 0.5 * (covariance[i][j] + covariance[j][i]));
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(c)) {
            return;
        }
        for (int j = 0; j < n; j++) {
            DMatrixRMaj v = eig.getEigenVector(j);
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += v.get(i, 0) * v.get(i, 0);
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                basis[i][j] = v.get(i, 0) / norm;
            }
            axis[j] = Math.sqrt(Math.max(eig.getEigenvalue(j).getReal(), Double.MIN_NORMAL));
        }
    }

    private StopReason termination(double[] fitness, boolean[] usable) {
        int lambda = params.lambda();
        double maxStd = 0;
        boolean allBelowTolX = true;
        for (int i = 0; i < n; i++) {
            double std = Math.sqrt(covariance == null ? diagonalCovariance[i] : covariance[i][i]);
            maxStd = Math.max(maxStd, std);
            if (sigma * Math.max(Math.abs(pathC[i]), std) >= config.tolX()) {
                allBelowTolX = false;
            }
        }
        if (allBelowTolX) {
            return StopReason.TOL_X;
        }
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
            double direction = basis == null ? (i == axisIndex ? 1 : 0) : basis[i][axisIndex];
            if (mean[i] + 0.1 * sigma * axis[axisIndex] * direction != mean[i]) {
                axisNoEffect = false;
                break;
            }
        }
        if (axisNoEffect) {
            return StopReason.NO_EFFECT_AXIS;
        }
        for (int i = 0; i < n; i++) {
            double std = Math.sqrt(covariance == null ? diagonalCovariance[i] : covariance[i][i]);
            if (mean[i] + 0.2 * sigma * std == mean[i]) {
                return StopReason.NO_EFFECT_COORD;
            }
        }
        return stagnated() ? StopReason.STAGNATION : null;
    }

    /** Hansen's stagnation test: medians of best and median fitness over the last 20% stopped improving. */
    private boolean stagnated() {
        int minGenerations = 120 + (int) Math.ceil(30.0 * n / params.lambda());
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

    /** Whether the search has ended; {@link #ask()} must not be called after that. */
    public boolean isStopped() {
        return stopped;
    }

    /**
     * Why the search ended: the criterion of the final run, or {@link StopReason#MAX_RESTARTS} when
     * restarts were configured and all were used; {@link StopReason#RUNNING} while searching.
     */
    public StopReason stopReason() {
        return stopReason;
    }

    /** The criterion that ended the most recent run (the one before a restart, or the final one). */
    public StopReason lastRunStopReason() {
        return lastRunStopReason;
    }

    /** Whether any candidate has been evaluated successfully. */
    public boolean hasBest() {
        return best != null;
    }

    /**
     * The best evaluated point so far.
     *
     * @throws IllegalStateException before the first successful evaluation
     */
    public Best best() {
        if (best == null) {
            throw new IllegalStateException("no candidate has been evaluated successfully yet");
        }
        return best;
    }

    /** Generations told so far, over all runs. */
    public int generation() {
        return generation;
    }

    /** Candidates told so far (failed ones included), over all runs. */
    public int evaluations() {
        return evaluations;
    }

    /** IPOP restarts performed so far. */
    public int restarts() {
        return restarts;
    }

    /** The population size of the current run. */
    public int populationSize() {
        return params.lambda();
    }

    /** The current step size. */
    public double sigma() {
        return sigma;
    }

    /** The current distribution mean (may lie slightly outside the box). */
    public double[] mean() {
        return mean.clone();
    }

    /** The configuration this search was started with. */
    public CmaEsConfig config() {
        return config;
    }

    /** A deep snapshot of the search. */
    public CmaEsState state() {
        return new CmaEsState(
                STATE_FORMAT, config, params.lambda(), generation, runGeneration, evaluations, runEvaluations,
                restarts, eigenUpdatedAt, nextCandidateId, mean.clone(), sigma,
                copy(covariance), diagonalCovariance == null ? null : diagonalCovariance.clone(),
                copy(basis), axis.clone(), pathC.clone(), pathSigma.clone(),
                toArray(bestHistory), toArray(medianHistory),
                rng.state(), rng.hasSpare(), rng.spare(),
                pending.stream().map(s -> new PendingSample(s.id(), s.raw().clone(), s.repaired().clone())).toList(),
                best, stopped, stopReason, lastRunStopReason);
    }

    /**
     * Continues a search from a snapshot; candidates and results then match an uninterrupted search bit for bit.
     *
     * @throws CrucibleException when the snapshot is inconsistent
     */
    public static CmaEs restore(CmaEsState s) {
        if (s == null || s.config() == null) {
            throw new CrucibleException("CMA-ES state: the config is missing");
        }
        if (s.formatVersion() != STATE_FORMAT) {
            throw new CrucibleException("CMA-ES state: formatVersion " + s.formatVersion() + " is not supported (expected " + STATE_FORMAT + ")");
        }
        CmaEsConfig config = s.config();
        int n = config.dimension();
        requireLength("mean", s.mean(), n);
        requireLength("axisLengths", s.axisLengths(), n);
        requireLength("pathC", s.pathC(), n);
        requireLength("pathSigma", s.pathSigma(), n);
        if (config.separable()) {
            requireLength("diagonalCovariance", s.diagonalCovariance(), n);
        } else {
            requireSquare("covariance", s.covariance(), n);
            requireSquare("eigenBasis", s.eigenBasis(), n);
        }
        if (s.rngState() == null || s.rngState().length != 4) {
            throw new CrucibleException("CMA-ES state: rngState must hold 4 numbers");
        }
        if (s.populationSize() < 2) {
            throw new CrucibleException("CMA-ES state: populationSize " + s.populationSize() + " must be at least 2");
        }
        CmaEs es = new CmaEs(config, Xoshiro256StarStar.restore(s.rngState(), s.hasSpareGaussian(), s.spareGaussian()));
        es.params = StrategyParameters.of(n, s.populationSize(), config.separable());
        es.generation = s.generation();
        es.runGeneration = s.runGeneration();
        es.evaluations = s.evaluations();
        es.runEvaluations = s.runEvaluations();
        es.restarts = s.restarts();
        es.eigenUpdatedAt = s.eigenUpdatedAtEvaluation();
        es.nextCandidateId = s.nextCandidateId();
        es.mean = s.mean().clone();
        es.sigma = s.sigma();
        es.covariance = copy(s.covariance());
        es.diagonalCovariance = s.diagonalCovariance() == null ? null : s.diagonalCovariance().clone();
        es.basis = config.separable() ? null : copy(s.eigenBasis());
        es.axis = s.axisLengths().clone();
        es.pathC = s.pathC().clone();
        es.pathSigma = s.pathSigma().clone();
        if (s.bestHistory() != null) {
            for (double v : s.bestHistory()) {
                es.bestHistory.addLast(v);
            }
        }
        if (s.medianHistory() != null) {
            for (double v : s.medianHistory()) {
                es.medianHistory.addLast(v);
            }
        }
        List<PendingSample> pending = s.pending() == null ? List.of() : s.pending();
        for (PendingSample p : pending) {
            requireLength("pending.raw", p.raw(), n);
            requireLength("pending.repaired", p.repaired(), n);
        }
        es.pending = pending.stream().map(p -> new PendingSample(p.id(), p.raw().clone(), p.repaired().clone())).toList();
        es.best = s.best();
        es.stopped = s.stopped();
        es.stopReason = s.stopReason() == null ? StopReason.RUNNING : s.stopReason();
        es.lastRunStopReason = s.lastRunStopReason() == null ? StopReason.RUNNING : s.lastRunStopReason();
        return es;
    }

    private static void requireLength(String field, double[] values, int n) {
        if (values == null || values.length != n) {
            throw new CrucibleException("CMA-ES state: " + field + " must hold " + n + " values");
        }
    }

    private static void requireSquare(String field, double[][] values, int n) {
        if (values == null || values.length != n) {
            throw new CrucibleException("CMA-ES state: " + field + " must be a " + n + "x" + n + " matrix");
        }
        for (double[] row : values) {
            requireLength(field + " row", row, n);
        }
    }

    private static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    private static double[][] copy(double[][] m) {
        if (m == null) {
            return null;
        }
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }

    private static double[] toArray(ArrayDeque<Double> history) {
        return history.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
