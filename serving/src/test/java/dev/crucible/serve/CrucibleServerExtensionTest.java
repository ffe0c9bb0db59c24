package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.junit.jupiter.api.Test;

/** The seam {@code crucible run} builds on: routes in front of the serving API, and what stops and closes with the server. */
class CrucibleServerExtensionTest {

    private static final AllDirectives ROUTES = new AllDirectives() { };

    @Test
    void extensionRoutesAnswerFirstAndTheServingApiStillAnswersTheRest() {
        AtomicReference<ServerParts> seen = new AtomicReference<>();
        AtomicInteger stopped = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        ServeConfig config = ServeConfig.defaults().withPort(0);

        CrucibleServer server = CrucibleServer.start(config, new FakeModels(0), Optional.empty(), parts -> {
            seen.set(parts);
            return new ServerExtension(ROUTES.path("hello", () -> ROUTES.complete("hi")), stopped::incrementAndGet);
        }, List.of(closed::incrementAndGet));
        try {
            ApiClient api = new ApiClient(server.baseUri());
            assertThat(api.get("/hello").body()).isEqualTo("hi");
            assertThat(api.get("/metrics").statusCode()).isEqualTo(200);
            assertThat(seen.get().modelServer()).isEqualTo(server.modelServer());
            assertThat(seen.get().metrics()).isSameAs(server.metrics());
            assertThat(stopped.get()).isZero();
        } finally {
            server.close();
        }

        assertThat(stopped.get()).isEqualTo(1);
        assertThat(closed.get()).isEqualTo(1);
    }

    @Test
    void aServerThatCannotStartStillClosesWhatItWasGiven() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServeConfig config = ServeConfig.defaults().withPort(taken.getLocalPort());

            assertThatThrownBy(() -> CrucibleServer.start(config, new FakeModels(0), Optional.empty(),
                    parts -> new ServerExtension(ROUTES.reject(), () -> { }), List.of(closed::incrementAndGet)))
                    .isInstanceOf(CrucibleException.class).hasMessageContaining("cannot listen on");
        }

        assertThat(closed.get()).isEqualTo(1);
    }
}
