package dev.crucible.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.serve.http.ConnectionGuard;
import dev.crucible.serve.http.ServeRoutes;
import dev.crucible.serve.inference.AdmissionControl;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.model.CheckpointLoader;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.model.PromotionResult;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
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
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;
import org.slf4j.LoggerFactory;

/**
 * A running inference server: actor system, model server, HTTP binding and metrics. Shutdown runs
 * through Pekko's coordinated shutdown (also on SIGTERM): stop accepting, let in-flight requests
 * finish within the drain timeout, then close the models.
 */
public final class CrucibleServer implements AutoCloseable {

    /** The dispatcher for model work, configured in the serving module's {@code application.conf}. */
    public static final String MODEL_DISPATCHER = "crucible.serve.model-dispatcher";
    /** The dispatcher that renders, tokenizes and checks prompts before they may take a model slot. */
    public static final String PROMPT_DISPATCHER = "crucible.serve.prompt-dispatcher";
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
    public static CrucibleServer start(ServeConfig config, CheckpointLoader loader, Path modelDir) {
        return launch(config, loader, Optional.of(modelDir), null, List.of());
    }

    /**
     * Binds the HTTP port with the routes of {@code extension} (built from the server's parts) in front of
     * the serving API, then loads {@code firstModel} if given; without one, readiness waits for the first
     * promotion. {@code closeOnShutdown} is closed, in order, after the models: on shutdown, or at once if
     * the server cannot start.
     */
    public static CrucibleServer start(ServeConfig config, CheckpointLoader loader, Optional<Path> firstModel,
            Function<ServerParts, ServerExtension> extension, List<AutoCloseable> closeOnShutdown) {
        return launch(config, loader, firstModel, Objects.requireNonNull(extension, "extension"), closeOnShutdown);
    }

    /** {@code extension} null: the serving API alone, with no routes in front. */
    private static CrucibleServer launch(ServeConfig config, CheckpointLoader loader, Optional<Path> firstModel,
            Function<ServerParts, ServerExtension> extension, List<AutoCloseable> closeOnShutdown) {
        Runnable closeExtras = closeOnce(List.copyOf(closeOnShutdown));
        ActorSystem<Void> system;
        try {
            // Shutdown phases must outlast the drain, whatever --drain-timeout says.
            long phase = config.drainTimeout().toSeconds() + 30;
            Config settings = ConfigFactory.parseString(
                    "pekko.coordinated-shutdown.phases.service-requests-done.timeout = " + phase + "s\n"
                            + "pekko.coordinated-shutdown.phases.service-stop.timeout = " + phase + "s")
                    .withFallback(ConfigFactory.load());
            system = ActorSystem.create(Behaviors.empty(), "crucible-serve", settings);
        } catch (RuntimeException e) {
            closeExtras.run();
            throw e;
        }
        try {
            CrucibleServer server = bind(system, config, loader, extension, closeExtras);
            if (firstModel.isPresent()) {
                PromotionResult first = await(AskPattern.ask(server.modelServer,
                        replyTo -> new ModelServer.Promote(firstModel.get(), replyTo), PROMOTE_TIMEOUT, system.scheduler()),
                        PROMOTE_TIMEOUT);
                if (first instanceof PromotionResult.Failed failed) {
                    throw new CrucibleException(failed.message());
                }
            }
            return server;
        } catch (RuntimeException e) {
            system.terminate();
            await(system.getWhenTerminated(), Duration.ofSeconds(30));
            closeExtras.run();
            throw e;
        }
    }

    private static CrucibleServer bind(ActorSystem<Void> system, ServeConfig config, CheckpointLoader loader,
            Function<ServerParts, ServerExtension> extension, Runnable closeExtras) {
        CrucibleMetrics metrics = new CrucibleMetrics();
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(MODEL_DISPATCHER));
        ActorRef<ModelServer.Command> modelServer = system.systemActorOf(
                ModelServer.create(loader, config.smokePrompt(), config.chatTemplate(), blocking, metrics), "model-server", Props.empty());
        AdmissionControl admission = new AdmissionControl(config.maxConcurrent(), config.maxQueued());
        metrics.trackAdmission(admission::queued, admission::inFlight);
        Executor prompts = system.dispatchers().lookup(DispatcherSelector.fromConfig(PROMPT_DISPATCHER));
        InferenceService inference = new InferenceService(modelServer, system.scheduler(), admission, blocking, prompts,
                metrics, config.maxNewTokensCap(), config.maxConcurrent());
        Materializer materializer = Materializer.matFromSystem(system);
        AtomicBoolean draining = new AtomicBoolean();
        ServeRoutes routes = new ServeRoutes(config, inference, modelServer, system.scheduler(), metrics, materializer,
                PROMOTE_TIMEOUT, draining::get);
        ServerExtension extra = extension == null ? null
                : extension.apply(new ServerParts(system, modelServer, metrics, blocking));
        Route route = extra == null ? routes.route() : routes.concat(extra.route(), routes.route());
        ServerSettings defaults = ServerSettings.create(Adapter.toClassic(system));
        ConnectionGuard guard = ConnectionGuard.fromConfig(system.settings().config().getConfig("crucible.serve.connections"));
        // The route enforces the body limit itself with a JSON 413; the parser's own limit only has to be above it.
        // A connection is idle while its request waits for the model, so the idle timeout must outlast the deadline.
        scala.concurrent.duration.Duration configuredIdle = defaults.getTimeouts().idleTimeout();
        long idleMillis = configuredIdle.isFinite()
                ? Math.max(configuredIdle.toMillis(), config.requestTimeout().plusSeconds(15).toMillis()) : -1;
        io.micrometer.core.instrument.Gauge.builder("crucible.http.open.connections", guard::openConnections)
                .description("Open HTTP connections (beyond crucible.serve.connections.max only probes are served)")
                .register(metrics.registry());
        ServerSettings settings = defaults.withParserSettings(
                        defaults.getParserSettings().withMaxContentLength(Math.max(config.maxBodyBytes() * 2, config.maxBodyBytes() + 1)))
                .withMaxConnections(guard.acceptLimit())
                .withTimeouts(idleMillis < 0 ? defaults.getTimeouts() : defaults.getTimeouts().withIdleTimeout(
                        scala.concurrent.duration.Duration.create(idleMillis, TimeUnit.MILLISECONDS)));
        ServerBinding binding;
        try {
            binding = await(Http.get(system).newServerAt(config.host(), config.port()).withSettings(settings)
                    .bindFlow(guard.flow(route, system)), Duration.ofSeconds(30));
        } catch (CrucibleException e) {
            throw new CrucibleException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage()
                    + "; pick another port or host (--port/--host, or serve.port/serve.host in APP.yml)");
        }
        CrucibleServer server = new CrucibleServer(system, modelServer, binding, admission, metrics);
        server.registerShutdown(config.drainTimeout(), draining, routes, extra == null ? () -> { } : extra.stopAccepting(),
                closeExtras);
        return server;
    }

    /** Closes each of {@code closeables} once, however often it is run; a failure is logged, not thrown, so the rest still close. */
    private static Runnable closeOnce(List<AutoCloseable> closeables) {
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                for (AutoCloseable closeable : closeables) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        LoggerFactory.getLogger(CrucibleServer.class).warn("closing {} failed: {}", closeable, e.toString());
                    }
                }
            }
        };
    }

    /**
     * SIGTERM (or {@link #close()}): {@code /ready} turns 503 and new work is refused with 503 at once, while the
     * port stays open for requests already running, streams included, until they have sent their last byte or
     * {@code drain} has passed; then the port closes, the models close, the extras close.
     */
    private void registerShutdown(Duration drain, AtomicBoolean draining, ServeRoutes routes, Runnable stopExtension,
            Runnable closeExtras) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "crucible-stop-accepting", () -> {
            draining.set(true);
            stopExtension.run();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "crucible-drain", () -> {
            long started = System.nanoTime();
            long deadline = started + drain.toNanos();
            LoggerFactory.getLogger(CrucibleServer.class).info("draining: {} responses open, {} requests on the model",
                    routes.openRequests(), admission.inFlight());
            return drained(routes, deadline).thenCompose(d -> {
                LoggerFactory.getLogger(CrucibleServer.class).info("drained in {} ms ({} responses still open)",
                        (System.nanoTime() - started) / 1_000_000, routes.openRequests());
                admission.close();
                return binding.unbind();
            }).thenCompose(unbound -> binding.terminate(Duration.ofSeconds(1)))
                    .thenCompose(terminated -> modelWorkDone(deadline));
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "crucible-close-models", () ->
                AskPattern.<ModelServer.Command, Done>ask(modelServer, ModelServer.Shutdown::new, drain.plusSeconds(5),
                        system.scheduler()));
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "crucible-close", () -> {
            closeExtras.run();
            metrics.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
    }

    /** Completes once every response has been sent to its last byte and no request holds a model slot, or at the deadline. */
    private CompletionStage<Done> drained(ServeRoutes routes, long deadlineNanos) {
        if ((routes.openRequests() == 0 && admission.inFlight() == 0) || System.nanoTime() - deadlineNanos >= 0) {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        return CompletableFuture.supplyAsync(() -> Done.getInstance(),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)).thenCompose(d -> drained(routes, deadlineNanos));
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
