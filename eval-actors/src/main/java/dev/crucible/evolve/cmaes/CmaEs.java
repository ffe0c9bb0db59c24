package dev.crucible.evolve.cmaes;

import dev.crucible.error.CrucibleException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    private final CmaEsConfig config;
    private final int n;
    private final BoxBounds bounds;
    private final Xoshiro256StarStar rng;
    private final StopCriteria stopCriteria;
    private StrategyParameters params;

    private int generation;
    private int runGeneration;
    private int evaluations;
    private int runEvaluations;
    private int restarts;
    private int nextCandidateId;

    private double[] mean;
    private double sigma;
    private Covariance covariance;
    private double[] pathC;
    private double[] pathSigma;

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
        this.stopCriteria = new StopCriteria(config);
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
        covariance = Covariance.identity(n, config.separable());
        runGeneration = 0;
        runEvaluations = 0;
        stopCriteria.clear();
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
                double[] y = covariance.scaleByRootC(z);
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
        StopReason reason = stopCriteria.check(runGeneration, params.lambda(), mean, sigma, pathC, covariance,
                fitness, usable);
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
        double[] zw = covariance.whiten(yw);
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
        covariance.update(keep, c1, cmu, pathC, y, w);

        sigma *= Math.exp((cs / params.damps()) * (psNorm / params.chiN() - 1));
        int flatIndex = Math.min(sortedRaw.length - 1, (int) Math.ceil(0.7 * lambda));
        if (sortedRaw.length > 1 && sortedRaw[0] == sortedRaw[flatIndex]) {
            // Flat fitness: no ranking information, so widen the search instead of collapsing.
            sigma *= Math.exp(0.2 + cs / params.damps());
        }
        stopCriteria.record(sortedRaw[0], sortedRaw[sortedRaw.length / 2]);
        covariance.refresh(runEvaluations, params);
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
            meanDiag += covariance.variance(i);
        }
        meanDiag /= n;
        return 2 * iqr / (sigma * sigma * meanDiag);
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
                CmaEsState.FORMAT, config, params.lambda(), generation, runGeneration, evaluations, runEvaluations,
                restarts, covariance.eigenUpdatedAt(), nextCandidateId, mean.clone(), sigma,
                covariance.matrix(), covariance.diagonal(), covariance.basis(), covariance.axisLengths(),
                pathC.clone(), pathSigma.clone(), stopCriteria.bestHistory(), stopCriteria.medianHistory(),
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
        if (s == null) {
            throw new CrucibleException("CMA-ES state: the config is missing");
        }
        s.requireConsistent();
        CmaEsConfig config = s.config();
        int n = config.dimension();
        CmaEs es = new CmaEs(config, Xoshiro256StarStar.restore(s.rngState(), s.hasSpareGaussian(), s.spareGaussian()));
        es.params = StrategyParameters.of(n, s.populationSize(), config.separable());
        es.generation = s.generation();
        es.runGeneration = s.runGeneration();
        es.evaluations = s.evaluations();
        es.runEvaluations = s.runEvaluations();
        es.restarts = s.restarts();
        es.nextCandidateId = s.nextCandidateId();
        es.mean = s.mean().clone();
        es.sigma = s.sigma();
        es.covariance = Covariance.restore(s);
        es.pathC = s.pathC().clone();
        es.pathSigma = s.pathSigma().clone();
        es.stopCriteria.restore(s.bestHistory(), s.medianHistory());
        List<PendingSample> pending = s.pending() == null ? List.of() : s.pending();
        es.pending = pending.stream().map(p -> new PendingSample(p.id(), p.raw().clone(), p.repaired().clone())).toList();
        es.best = s.best();
        es.stopped = s.stopped();
        es.stopReason = s.stopReason() == null ? StopReason.RUNNING : s.stopReason();
        es.lastRunStopReason = s.lastRunStopReason() == null ? StopReason.RUNNING : s.lastRunStopReason();
        return es;
    }
}
