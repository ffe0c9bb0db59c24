package dev.crucible.remerge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The re-merge admin API, behind the serving admin bearer token:
 * {@code POST /admin/bases {"path": ...}} lets a new base wait for re-merge, {@code GET /admin/bases}
 * lists the bases not decided yet (waiting and why, queued, merging, failed), {@code GET /admin/history}
 * lists every candidate and decision with the champion and those bases, {@code POST /admin/rollback}
 * returns to the previous champion, and {@code POST /admin/promote {"path": ...}} makes a model the
 * champion by hand through the re-merge state (history entry {@code MANUAL}, rollback target, kept
 * across restarts) instead of behind its back.
 * Meant to be placed before the serving routes, which answer everything else.
 */
public final class RemergeRoutes extends AllDirectives {

    /** Announce a new base. */
    public static final String BASES = "/admin/bases";
    /** Candidates, scores and decisions. */
    public static final String HISTORY = "/admin/history";
    /** Return to the previous champion. */
    public static final String ROLLBACK = "/admin/rollback";
    /** Promote a model by hand. */
    public static final String PROMOTE = "/admin/promote";
    /** Every path these routes answer. */
    public static final Set<String> PATHS = Set.of(BASES, HISTORY, ROLLBACK, PROMOTE);

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final RemergeService service;
    private final Optional<String> adminToken;
    private final CrucibleMetrics metrics;
    private final Executor blocking;

    public RemergeRoutes(RemergeService service, Optional<String> adminToken, CrucibleMetrics metrics, Executor blocking) {
        this.service = service;
        this.adminToken = adminToken;
        this.metrics = metrics;
        this.blocking = blocking;
    }

    public Route route() {
        return pathPrefix("admin", () -> extractRequest(request -> {
            long start = System.nanoTime();
            String path = request.getUri().path();
            String method = request.method().value();
            return mapResponse(response -> {
                if (PATHS.contains(path)) {
                    metrics.recordRequest(path, method, response.status().intValue(), Duration.ofNanos(System.nanoTime() - start));
                }
                return response;
            }, () -> concat(
                    path(PathMatchers.segment("bases"), () -> concat(
                            post(() -> admin(request.getHeader("Authorization"),
                                    () -> entity(Unmarshaller.entityToString(), body -> complete(announce(body))))),
                            get(() -> admin(request.getHeader("Authorization"), () -> complete(bases()))))),
                    path(PathMatchers.segment("promote"), () -> post(() -> admin(request.getHeader("Authorization"),
                            () -> entity(Unmarshaller.entityToString(), body -> completeWithFuture(promote(body)))))),
                    path(PathMatchers.segment("history"), () -> get(() -> admin(request.getHeader("Authorization"),
                            () -> complete(history())))),
                    path(PathMatchers.segment("rollback"), () -> post(() -> admin(request.getHeader("Authorization"),
                            () -> completeWithFuture(rollback()))))));
        }));
    }

    private Route admin(Optional<org.apache.pekko.http.javadsl.model.HttpHeader> authorization, Supplier<Route> inner) {
        if (adminToken.isEmpty()) {
            return complete(error(403, "admin_disabled",
                    "The admin API is disabled; set serve.admin_token_file or CRUCIBLE_ADMIN_TOKEN."));
        }
        String given = authorization.map(h -> h.value()).orElse("");
        if (!given.regionMatches(true, 0, "Bearer ", 0, 7) || !MessageDigest.isEqual(
                given.substring(7).trim().getBytes(StandardCharsets.UTF_8), adminToken.get().getBytes(StandardCharsets.UTF_8))) {
            return complete(error(401, "invalid_api_key", "Missing or wrong admin token; send 'Authorization: Bearer <token>'.")
                    .addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
        }
        return inner.get();
    }

    private HttpResponse announce(String body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return error(400, "invalid_json", "The body is not JSON; send {\"path\": \"/models/bases/new-base\"}.");
        }
        JsonNode path = json == null ? null : json.get("path");
        if (path == null || !path.isTextual() || path.textValue().isBlank()) {
            return error(400, "missing_path", "path: missing; send {\"path\": \"/models/bases/new-base\"}.");
        }
        return switch (service.announce(Path.of(path.textValue()))) {
            case Announcement.Accepted a -> json(202, JSON.createObjectNode().put("status", "queued")
                    .put("base", a.base()).put("queued", a.queued()));
            case Announcement.AlreadyKnown k -> json(409, JSON.createObjectNode().put("status", "known").put("base", k.base())
                    .put("message", "this base is already queued, decided or serving"));
            case Announcement.QueueFull f -> error(503, "queue_full", f.capacity()
                    + " bases are waiting already; announce " + f.base() + " again once some are done.");
            case Announcement.Starting s -> error(503, "starting", "The first champion is still being built; announce "
                    + s.base() + " again once /ready answers.");
            case Announcement.Invalid i -> error(400, "invalid_path", i.reason());
        };
    }

    private HttpResponse history() {
        ObjectNode out = JSON.createObjectNode();
        out.set("champion", JSON.valueToTree(service.champion().orElse(null)));
        List<HistoryEntry> entries = service.history();
        out.set("history", JSON.valueToTree(entries));
        out.set("bases", JSON.valueToTree(service.bases()));
        return json(200, out);
    }

    private HttpResponse bases() {
        ObjectNode out = JSON.createObjectNode();
        out.set("bases", JSON.valueToTree(service.bases()));
        return json(200, out);
    }

    private CompletionStage<HttpResponse> promote(String body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return CompletableFuture.completedFuture(
                    error(400, "invalid_json", "The body is not JSON; send {\"path\": \"/models/my-model\"}."));
        }
        JsonNode path = json == null ? null : json.get("path");
        if (path == null || !path.isTextual() || path.textValue().isBlank()) {
            return CompletableFuture.completedFuture(
                    error(400, "missing_path", "path: missing; send {\"path\": \"/models/my-model\"}."));
        }
        Path dir;
        try {
            dir = Path.of(path.textValue());
        } catch (java.nio.file.InvalidPathException e) {
            return CompletableFuture.completedFuture(error(400, "invalid_path", "path: " + e.getMessage()));
        }
        if (!java.nio.file.Files.isDirectory(dir)) {
            return CompletableFuture.completedFuture(error(400, "invalid_path",
                    "path " + dir.toAbsolutePath().normalize() + " is not a folder; give a model checkpoint folder"));
        }
        return CompletableFuture.supplyAsync(() -> service.promoteManually(dir), blocking).handle((entry, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                return cause instanceof CrucibleException
                        ? error(422, "promotion_failed", cause.getMessage())
                        : error(500, "promotion_failed", "promotion failed: " + cause);
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("version", entry.version());
            out.put("model", entry.id());
            out.put("path", entry.candidate());
            out.put("previous", entry.champion());
            out.set("history", JSON.valueToTree(entry));
            return json(200, out);
        });
    }

    private CompletionStage<HttpResponse> rollback() {
        return CompletableFuture.supplyAsync(service::rollback, blocking).handle((entry, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                return cause instanceof CrucibleException
                        ? error(502, "rollback_failed", cause.getMessage())
                        : error(500, "rollback_failed", "rollback failed: " + cause);
            }
            return entry.map(e -> json(200, JSON.valueToTree(e)))
                    .orElseGet(() -> error(409, "no_previous_champion", "There is no previous champion to roll back to."));
        });
    }

    private static HttpResponse json(int status, JsonNode body) {
        try {
            return HttpResponse.create().withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    private static HttpResponse error(int status, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode err = body.putObject("error");
        err.put("message", message);
        err.put("type", status >= 500 ? "server_error" : "invalid_request_error");
        err.putNull("param");
        err.put("code", code);
        return json(status, body);
    }
}

