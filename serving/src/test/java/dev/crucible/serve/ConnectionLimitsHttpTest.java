package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle sockets cannot lock clients out: past the connection limit probes still answer and other requests get a
 * fast 503, and connections that never send a request head are closed after the header timeout.
 */
class ConnectionLimitsHttpTest {

    private static final String PREFIX = "crucible.serve.connections.";

    @TempDir
    Path dir;

    @Test
    void idleSocketsBeyondTheLimitLeaveProbesWorkingAndAreClosedAfterTheHeaderTimeout() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        System.setProperty(PREFIX + "max", "4");
        System.setProperty(PREFIX + "reserve", "8");
        System.setProperty(PREFIX + "header-timeout", "5s");
        ConfigFactory.invalidateCaches();
        List<Socket> idle = new ArrayList<>();
        try (CrucibleServer server = CrucibleServer.start(ServeConfig.defaults().withPort(0), new FakeModels(0), dir.resolve("m"))) {
            for (int i = 0; i < 5; i++) {
                idle.add(new Socket("127.0.0.1", server.port()));
            }
            // A slow client: half a request head, never finished.
            Socket slow = new Socket("127.0.0.1", server.port());
            OutputStream out = slow.getOutputStream();
            out.write("POST /v1/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            idle.add(slow);

            ApiClient client = new ApiClient(server.baseUri());
            awaitOpenConnections(client, idle.size() + 1);
            assertThat(client.get("/health").statusCode()).isEqualTo(200);
            assertThat(client.get("/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> refused = client.post("/v1/completions", "{\"prompt\":\"add 1 1 =\"}");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(ApiClient.json(refused).at("/error/code").asText()).isEqualTo("too_many_connections");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");

            for (Socket socket : idle) {
                assertThat(closedByServer(socket)).as("the server closes a connection that sends no request head").isTrue();
            }
            HttpResponse<String> served = new ApiClient(server.baseUri()).post("/v1/completions", "{\"prompt\":\"add 1 1 =\"}");
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
            System.clearProperty(PREFIX + "max");
            System.clearProperty(PREFIX + "reserve");
            System.clearProperty(PREFIX + "header-timeout");
            ConfigFactory.invalidateCaches();
        }
    }

    private static void awaitOpenConnections(ApiClient client, int atLeast) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            for (String line : client.get("/metrics").body().split("\n")) {
                if (line.startsWith("crucible_http_open_connections ") && Double.parseDouble(line.substring(31)) >= atLeast) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server never saw " + atLeast + " connections");
    }

    /** Whether the server closes the socket (end of stream or reset) within a generous bound. */
    private static boolean closedByServer(Socket socket) throws Exception {
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
