package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;

/**
 * A running inference server: actor system, model server, HTTP binding and metrics. Shutdown runs
 * through Pekko's coordinated shutdown (also on SIGTERM): stop accepting, let in-flight requests
 * finish within the drain timeout, then close the models.
 */
public final class CrucibleServer implements AutoCloseable {

    /** The dispatcher for model work, configured in the serving module's {@code application.conf}. */
    public static final String MODEL_DISPATCHER = "crucible.serve.model-dispatcher";
    private static final Duration PROMOTE_TIMEOUT = Duration.ofMinutes(10);

    private final ActorSystem<Void> system;
    private final ActorRef<ModelServer.Command> modelServer;
    private final ServerBinding binding;
    private final AdmissionControl admission;
    private final CrucibleMetrics metrics;

    private CrucibleServer(ActorSystem<Void> system, ActorRef<ModelServer.Command> modelServer, ServerBinding binding,
            AdmissionControl admission, CrucibleMetrics metrics) {
        this.system = system;
        this.modelServer = modelServer;
        this.binding = binding;
        this.admission = admission;
        this.metrics = metrics;
    }

    /**
     * Binds the HTTP port, then loads {@code modelDir} as version v1 (liveness answers while it loads,
     * readiness only after). Fails with a {@link CrucibleException} if the port or the model is unusable.
     */
    public static CrucibleServer start(ServeConfig config, ModelLoader loader, Path modelDir) {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "crucible-serve");
        try {
            CrucibleServer server = bind(system, config, loader);
            PromotionResult first = await(AskPattern.ask(server.modelServer,
                    replyTo -> new ModelServer.Promote(modelDir, replyTo), PROMOTE_TIMEOUT, system.scheduler()), PROMOTE_TIMEOUT);
            if (first instanceof PromotionResult.Failed failed) {
                throw new CrucibleException(failed.message());
            }
            return server;
        } catch (RuntimeException e) {
            system.terminate();
            await(system.getWhenTerminated(), Duration.ofSeconds(30));
            throw e;
        }
    }

    private static CrucibleServer bind(ActorSystem<Void> system, ServeConfig config, ModelLoader loader) {
        CrucibleMetrics metrics = new CrucibleMetrics();
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(MODEL_DISPATCHER));
        ActorRef<ModelServer.Command> modelServer = system.systemActorOf(
                ModelServer.create(loader, config.smokePrompt(), blocking, metrics), "model-server", Props.empty());
        AdmissionControl admission = new AdmissionControl(config.maxConcurrent(), config.maxQueued());
        metrics.trackAdmission(admission::queued, admission::inFlight);
        InferenceService inference = new InferenceService(modelServer, system.scheduler(), admission, blocking, metrics,
                config.maxNewTokensCap(), config.maxConcurrent());
        Materializer materializer = Materializer.matFromSystem(system);
        ServeRoutes routes = new ServeRoutes(config, inference, modelServer, system.scheduler(), metrics, materializer,
                PROMOTE_TIMEOUT);
        ServerSettings defaults = ServerSettings.create(Adapter.toClassic(system));
        // The route enforces the body limit itself with a JSON 413; the parser's own limit only has to be above it.
        ServerSettings settings = defaults.withParserSettings(
                defaults.getParserSettings().withMaxContentLength(Math.max(config.maxBodyBytes() * 2, config.maxBodyBytes() + 1)));
        ServerBinding binding;
        try {
            binding = await(Http.get(system).newServerAt(config.host(), config.port()).withSettings(settings)
                    .bind(routes.route()), Duration.ofSeconds(30));
        } catch (CrucibleException e) {
            throw new CrucibleException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage()
                    + "; pick another --port or --host");
        }
        CrucibleServer server = new CrucibleServer(system, modelServer, binding, admission, metrics);
        server.registerShutdown(config.drainTimeout());
        return server;
    }

    private void registerShutdown(Duration drain) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "crucible-stop-accepting", () -> {
            admission.close();
            return binding.unbind();
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "crucible-drain", () ->
                binding.terminate(drain).thenCompose(terminated -> modelWorkDone(System.nanoTime() + drain.toNanos())));
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "crucible-close-models", () ->
                AskPattern.<ModelServer.Command, Done>ask(modelServer, ModelServer.Shutdown::new, drain.plusSeconds(5),
                        system.scheduler()));
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "crucible-metrics", () -> {
            metrics.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
    }

    /** Completes once no request holds a model slot (a timed-out request may still be generating) or at the deadline. */
    private CompletionStage<Done> modelWorkDone(long deadlineNanos) {
        if (admission.inFlight() == 0 || System.nanoTime() - deadlineNanos >= 0) {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        return CompletableFuture.supplyAsync(() -> Done.getInstance(),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)).thenCompose(d -> modelWorkDone(deadlineNanos));
    }

    public int port() {
        return binding.localAddress().getPort();
    }

    /** {@code http://host:port} as bound (the real port when 0 was asked for). */
    public URI baseUri() {
        return URI.create("http://" + binding.localAddress().getHostString() + ":" + port());
    }

    public ActorRef<ModelServer.Command> modelServer() {
        return modelServer;
    }

    public ActorSystem<Void> system() {
        return system;
    }

    public CrucibleMetrics metrics() {
        return metrics;
    }

    /** Completes when the server has shut down, whoever started the shutdown (SIGTERM included). */
    public CompletionStage<Done> whenTerminated() {
        return system.getWhenTerminated();
    }

    /** Graceful shutdown: drains in-flight requests, closes the models, stops the actor system; waits for it. */
    @Override
    public void close() {
        CoordinatedShutdown.get(system).run(CoordinatedShutdown.unknownReason());
        await(system.getWhenTerminated(), Duration.ofMinutes(2));
    }

    private static <T> T await(CompletionStage<T> stage, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("interrupted while waiting for the server");
        } catch (TimeoutException e) {
            throw new CrucibleException("the server did not answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof CrucibleException ce) {
                throw ce;
            }
            throw new CrucibleException(String.valueOf(cause.getMessage()), cause);
        }
    }
}
