package dev.crucible.app;

import dev.crucible.cluster.ClusterMembership;
import dev.crucible.cluster.ClusterNode;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.remerge.CandidateMerger;
import dev.crucible.remerge.CandidateScorer;
import dev.crucible.remerge.ModelServerSwitch;
import dev.crucible.remerge.PoolScorer;
import dev.crucible.remerge.RecipeMerger;
import dev.crucible.remerge.RemergeRoutes;
import dev.crucible.remerge.RemergeService;
import dev.crucible.remerge.RemergeState;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.serve.AdminTokens;
import dev.crucible.serve.CrucibleServer;
import dev.crucible.serve.ServeConfig;
import dev.crucible.serve.ServerExtension;
import dev.crucible.serve.model.CheckpointLoader;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;

/**
 * The running {@code crucible run} process: the inference server with the re-merge admin routes in
 * front, the re-merge service, and the evaluator pool it scores with (the coordinator of the cluster
 * when {@code cluster.enabled}). The port is bound first, so liveness answers while the first
 * champion is built; readiness follows it.
 */
public final class RemergeApp implements AutoCloseable {

    private static final Duration PROMOTE_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration EVALUATION_TIMEOUT = Duration.ofHours(1);

    private final CrucibleServer server;
    private final RemergeService service;

    private RemergeApp(CrucibleServer server, RemergeService service) {
        this.server = server;
        this.service = service;
    }

    /**
     * Binds {@code serve} and starts re-merging; returns once the champion serves. The merger and
     * scorer are given (the CLI passes the recipe merger and the evaluator pool; tests may pass doubles);
     * {@code evaluation} is closed with the server.
     */
    public static RemergeApp start(AppConfig config, ServeConfig serve, CheckpointLoader loader, CandidateMerger merger,
            CandidateScorer scorer, AutoCloseable evaluation) {
        AtomicReference<RemergeService> built = new AtomicReference<>();
        CrucibleServer server = CrucibleServer.start(serve, loader, Optional.empty(), parts -> {
            RemergeService service = new RemergeService(config, RemergeState.open(config.stateDir()), merger, scorer,
                    new ModelServerSwitch(parts.modelServer(), parts.system().scheduler(), PROMOTE_TIMEOUT),
                    new PipelineMetrics(parts.metrics().registry()), parts.blocking());
            built.set(service);
            RemergeRoutes routes = new RemergeRoutes(service, serve.adminToken(), parts.metrics(), parts.blocking());
            return new ServerExtension(routes.route(), service::close);
        }, List.of(evaluation));
        RemergeApp app = new RemergeApp(server, built.get());
        try {
            app.service.start(server.system());
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * Starts {@code crucible run} as configured: recipe merger, real models, and the evaluator pool; with
     * the cluster enabled that pool coordinates the cluster's {@code crucible worker} nodes, and
     * candidates travel to them as recipes.
     */
    public static RemergeApp start(AppConfig config, ServeConfig serve) {
        RecipeMerger merger = RecipeMerger.load(config.recipe(), Runtime.getRuntime().availableProcessors());
        EvaluationSession session = evaluationSession(config.cluster());
        CandidateScorer scorer;
        try {
            scorer = scorer(config, session, merger);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        return start(config, serve, LanguageModels::load, merger, scorer, session);
    }

    /** Scores through {@code session}; in a cluster each candidate goes out as its recipe, for whichever node evaluates it. */
    static PoolScorer scorer(AppConfig config, EvaluationSession session, RecipeMerger merger) {
        return new PoolScorer(session, config.tasks(), EVALUATION_TIMEOUT,
                Optional.of(merger).filter(m -> config.cluster().enabled()));
    }

    /** One local evaluator behind a pool; in a cluster, the pool also sends work to every worker's evaluators. */
    static EvaluationSession evaluationSession(ClusterSettings cluster) {
        dev.crucible.eval.ModelLoader models = dev.crucible.eval.ModelLoader.standard();
        if (!cluster.enabled()) {
            return EvaluationSession.start(1, models, EvaluationSession.defaultSettings());
        }
        ClusterMembership membership = cluster.membership();
        return ClusterNode.coordinator(membership, 1, models, EvaluationSession.defaultSettings(),
                ClusterJoin.hook(membership.joinMethod()));
    }

    /** {@code http://host:port} as bound. */
    public URI baseUri() {
        return server.baseUri();
    }

    /** The re-merge service: champion, history, candidates in flight. */
    public RemergeService service() {
        return service;
    }

    /** The registry {@code /metrics} exposes. */
    public CrucibleMetrics metrics() {
        return server.metrics();
    }

    /** Completes when the process has shut down, SIGTERM included. */
    public CompletionStage<Done> whenTerminated() {
        return server.whenTerminated();
    }

    /** Stops accepting, drains requests, closes models and evaluators. */
    @Override
    public void close() {
        server.close();
    }

    /** The server settings of {@code config}: its host, port and admin token, the serving defaults otherwise. */
    public static ServeConfig serveConfig(AppConfig config) {
        ServeConfig d = ServeConfig.defaults();
        Optional<String> token = AdminTokens.resolve(config.serve().adminTokenFile().orElse(null),
                System.getenv(AdminTokens.ENV));
        return new ServeConfig(config.serve().host(), config.serve().port(), token, d.maxConcurrent(), d.maxQueued(),
                d.requestTimeout(), d.maxBodyBytes(), d.maxNewTokensCap(), d.drainTimeout(), d.smokePrompt(),
                config.serve().servedModelNames(), config.serve().allowedOrigins());
    }
}
