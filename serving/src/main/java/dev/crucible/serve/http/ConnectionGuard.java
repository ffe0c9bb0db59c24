package dev.crucible.serve.http;

import com.typesafe.config.Config;
import dev.crucible.serve.openai.ApiException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;

/**
 * What keeps idle or slow clients from locking everyone out (the handler flow is materialized once per
 * TCP connection, so this sees every connection):
 * <ul>
 *   <li>a connection must deliver its first request head within {@code header-timeout}, or it is closed
 *       (idle sockets and slow-header clients do not hold a place for long);</li>
 *   <li>up to {@code max} connections are served normally; the next {@code reserve} ones still answer
 *       the probes and {@code /metrics}, and answer anything else with a fast 503 and {@code Connection: close},
 *       so health checks and new clients get an answer instead of a hung connect. Pekko's own
 *       {@code max-connections} is set to {@code max + reserve}.</li>
 * </ul>
 * Settings: {@code crucible.serve.connections} in {@code application.conf}.
 */
public final class ConnectionGuard {

    private static final Set<String> ALWAYS_SERVED = Set.of("/health", "/ready", "/metrics");

    private final int max;
    private final int reserve;
    private final Duration headerTimeout;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionGuard(int max, int reserve, Duration headerTimeout) {
        this.max = max;
        this.reserve = reserve;
        this.headerTimeout = headerTimeout;
    }

    public static ConnectionGuard fromConfig(Config connections) {
        return new ConnectionGuard(connections.getInt("max"), connections.getInt("reserve"),
                connections.getDuration("header-timeout"));
    }

    /** Pekko's hard cap on accepted connections. */
    public int acceptLimit() {
        return max + reserve;
    }

    public int openConnections() {
        return open.get();
    }

    /** The per-connection handler around {@code route}. */
    public Flow<HttpRequest, HttpResponse, NotUsed> flow(Route route, ClassicActorSystemProvider system) {
        Flow<HttpRequest, HttpResponse, NotUsed> normal = route.flow(system);
        Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> handler = route.handler(system);
        return Flow.<HttpRequest, HttpResponse, NotUsed>fromMaterializer((Materializer mat, org.apache.pekko.stream.Attributes attrs) -> {
            int count = open.incrementAndGet();
            Flow<HttpRequest, HttpResponse, NotUsed> serve = count <= max ? normal
                    : Flow.of(HttpRequest.class).mapAsync(1, request -> {
                        if (ALWAYS_SERVED.contains(request.getUri().path())) {
                            return handler.apply(request);
                        }
                        request.discardEntityBytes(mat);
                        return CompletableFuture.completedFuture(HttpResponses.error(new ApiException(503, "server_error",
                                "The server has too many open connections; retry shortly (reuse one connection per client).",
                                null, "too_many_connections")).addHeader(Connection.create("close"))
                                .addHeader(RawHeader.create("Retry-After", "1")));
                    });
            return Flow.of(HttpRequest.class)
                    .initialTimeout(headerTimeout)
                    .recoverWithRetries(1, TimeoutException.class, Source::empty)
                    .via(serve)
                    .watchTermination((notUsed, done) -> {
                        done.whenComplete((ok, failure) -> open.decrementAndGet());
                        return NotUsed.getInstance();
                    });
        }).mapMaterializedValue(ignored -> NotUsed.getInstance());
    }
}
