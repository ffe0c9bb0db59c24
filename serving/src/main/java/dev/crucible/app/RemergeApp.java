package dev.crucible.app;

import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.remerge.CandidateMerger;
import dev.crucible.remerge.CandidateScorer;
import dev.crucible.remerge.ModelServerSwitch;
import dev.crucible.remerge.RemergeRoutes;
import dev.crucible.remerge.RemergeService;
import dev.crucible.remerge.RemergeState;
import dev.crucible.serve.AdmissionControl;
import dev.crucible.serve.CrucibleServer;
import dev.crucible.serve.InferenceService;
import dev.crucible.serve.ModelLoader;
import dev.crucible.serve.ModelServer;
import dev.crucible.serve.ServeConfig;
import dev.crucible.serve.ServeRoutes;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.Materializer;

/**
 * The running {@code crucible run} process: the serving module's HTTP API and model server with the
 * re-merge admin routes in front, the re-merge service, and the evaluator pool it scores with. The
 * port is bound first, so liveness answers while the first champion is built; readiness follows it.
 */
public final class RemergeApp implements AutoCloseable {

    private static final Duration PROMOTE_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SHUTDOWN_WAIT = Duration.ofMinutes(2);

    private final ActorSystem<Void> system;
    private final ServerBinding binding;
    private final RemergeService service;
    private final CrucibleMetrics metrics;
    private final AutoCloseable evaluation;

    private RemergeApp(ActorSystem<Void> system, ServerBinding binding, RemergeService service, CrucibleMetrics metrics,
            AutoCloseable evaluation) {
        this.system = system;
        this.binding = binding;
        this.service = service;
        this.metrics = metrics;
        this.evaluation = evaluation;
    }

    /**
     * Binds {@code serve} and starts re-merging; returns once the champion serves. The merger and
     * scorer are given (the CLI passes the recipe merger and the evaluator pool; tests may pass doubles).
     */
    public static RemergeApp start(AppConfig config, ServeConfig serve, ModelLoader loader, CandidateMerger merger,
            CandidateScorer scorer, AutoCloseable evaluation) {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "crucible-run");
        try {
            CrucibleMetrics metrics = new CrucibleMetrics();
            Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(CrucibleServer.MODEL_DISPATCHER));
            ActorRef<ModelServer.Command> modelServer = system.systemActorOf(
                    ModelServer.create(loader, serve.smokePrompt(), blocking, metrics), "model-server", Props.empty());
            AdmissionControl admission = new AdmissionControl(serve.maxConcurrent(), serve.maxQueued());
            metrics.trackAdmission(admission::queued, admission::inFlight);
            InferenceService inference = new InferenceService(modelServer, system.scheduler(), admission, blocking, metrics,
                    serve.maxNewTokensCap(), serve.maxConcurrent());
            ServeRoutes serveRoutes = new ServeRoutes(serve, inference, modelServer, system.scheduler(), metrics,
                    Materializer.matFromSystem(system), PROMOTE_TIMEOUT);
            RemergeService service = new RemergeService(config, RemergeState.open(config.stateDir()), merger, scorer,
                    new ModelServerSwitch(modelServer, system.scheduler(), PROMOTE_TIMEOUT),
                    new PipelineMetrics(metrics.registry()), blocking);
            RemergeRoutes remergeRoutes = new RemergeRoutes(service, serve.adminToken(), metrics, blocking);
            ServerSettings defaults = ServerSettings.create(Adapter.toClassic(system));
            // As in the serving module: the routes answer oversized bodies with a JSON 413 themselves.
            ServerSettings settings = defaults.withParserSettings(defaults.getParserSettings()
                    .withMaxContentLength(Math.max(serve.maxBodyBytes() * 2, serve.maxBodyBytes() + 1)));
            ServerBinding binding = await(Http.get(system).newServerAt(serve.host(), serve.port()).withSettings(settings)
                    .bind(remergeRoutes.concat(remergeRoutes.route(), serveRoutes.route())), Duration.ofSeconds(30),
                    "cannot listen on " + serve.host() + ":" + serve.port() + "; change serve.port or serve.host");
            RemergeApp app = new RemergeApp(system, binding, service, metrics, evaluation);
            app.registerShutdown(admission, modelServer, serve.drainTimeout());
            service.start(system);
            return app;
        } catch (RuntimeException e) {
            system.terminate();
            closeQuietly(evaluation);
            throw e;
        }
    }

    /** Starts {@code crucible run} as configured: recipe merger, evaluator pool (clustered if enabled), real models. */
    public static RemergeApp start(AppConfig config, ServeConfig serve) {
        CandidateMerger merger = dev.crucible.remerge.RecipeMerger.load(config.recipe(),
                Runtime.getRuntime().availableProcessors());
        EvaluationSession session = EvaluationSession.start(1, dev.crucible.eval.ModelLoader.standard(),
                EvaluationSession.defaultSettings(), ClusterConfig.forEvaluation(config.cluster()));
        try {
            ClusterJoin.start(session.system(), config.cluster());
            CandidateScorer scorer = new dev.crucible.remerge.PoolScorer(session, config.tasks(), Duration.ofHours(1));
            return start(config, serve, dev.crucible.runtime.LanguageModels::load, merger, scorer, session);
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private void registerShutdown(AdmissionControl admission, ActorRef<ModelServer.Command> modelServer, Duration drain) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "crucible-stop-remerge", () -> {
            service.close();
            admission.close();
            return binding.unbind();
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "crucible-drain",
                () -> binding.terminate(drain).thenApply(terminated -> Done.getInstance()));
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "crucible-close-models", () ->
                AskPattern.<ModelServer.Command, Done>ask(modelServer, ModelServer.Shutdown::new, drain.plusSeconds(5),
                        system.scheduler()));
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "crucible-close-evaluation", () -> {
            closeQuietly(evaluation);
            metrics.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
    }

    /** {@code http://host:port} as bound. */
    public URI baseUri() {
        return URI.create("http://" + binding.localAddress().getHostString() + ":" + binding.localAddress().getPort());
    }

    public RemergeService service() {
        return service;
    }

    public CrucibleMetrics metrics() {
        return metrics;
    }

    /** Completes when the process has shut down, SIGTERM included. */
    public CompletionStage<Done> whenTerminated() {
        return system.getWhenTerminated();
    }

    /** Stops accepting, drains requests, closes models and evaluators. */
    @Override
    public void close() {
        CoordinatedShutdown.get(system).run(CoordinatedShutdown.unknownReason());
        await(system.getWhenTerminated(), SHUTDOWN_WAIT, "the service did not stop within " + SHUTDOWN_WAIT.toSeconds() + " s");
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(RemergeApp.class).warn("closing {} failed: {}", closeable, e.toString());
        }
    }

    private static <T> T await(CompletionStage<T> stage, Duration timeout, String what) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException(what + " (interrupted)", e);
        } catch (TimeoutException e) {
            throw new CrucibleException(what + " (timed out)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new CrucibleException(what + ": " + cause.getMessage(), cause);
        }
    }

    /** The server settings of {@code config}: its host, port and admin token, the serving defaults otherwise. */
    public static ServeConfig serveConfig(AppConfig config) {
        ServeConfig d = ServeConfig.defaults();
        Optional<String> token = dev.crucible.serve.AdminTokens.resolve(config.serve().adminTokenFile().orElse(null),
                System.getenv(dev.crucible.serve.AdminTokens.ENV));
        return new ServeConfig(config.serve().host(), config.serve().port(), token, d.maxConcurrent(), d.maxQueued(),
                d.requestTimeout(), d.maxBodyBytes(), d.maxNewTokensCap(), d.drainTimeout(), d.smokePrompt());
    }
}
