package dev.crucible.remerge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.crucible.error.Causes;
import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.serve.http.AdminAuth;
import dev.crucible.serve.http.HttpResponses;
import dev.crucible.serve.openai.ApiException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The re-merge admin API, behind the serving admin bearer token (the same {@link AdminAuth} check and
 * OpenAI-shaped errors as the serving routes):
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
    private final AdminAuth admin;
    private final CrucibleMetrics metrics;
    private final Executor blocking;

    public RemergeRoutes(RemergeService service, Optional<String> adminToken, CrucibleMetrics metrics, Executor blocking) {
        this.service = service;
        this.admin = new AdminAuth(adminToken, "set serve.admin_token_file or CRUCIBLE_ADMIN_TOKEN");
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
                            post(() -> admin.authorized(
                                    () -> entity(Unmarshaller.entityToString(), body -> complete(announce(body))))),
                            get(() -> admin.authorized(() -> complete(bases()))))),
                    path(PathMatchers.segment("promote"), () -> post(() -> admin.authorized(
                            () -> entity(Unmarshaller.entityToString(), body -> completeWithFuture(promote(body)))))),
                    path(PathMatchers.segment("history"), () -> get(() -> admin.authorized(() -> complete(history())))),
                    path(PathMatchers.segment("rollback"), () -> post(() -> admin.authorized(
                            () -> completeWithFuture(rollback()))))));
        }));
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
            case Announcement.Accepted a -> HttpResponses.json(202, JSON.createObjectNode().put("status", "queued")
                    .put("base", a.base()).put("queued", a.queued()));
            case Announcement.AlreadyKnown k -> HttpResponses.json(409, JSON.createObjectNode().put("status", "known")
                    .put("base", k.base())
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
        return HttpResponses.json(200, out);
    }

    private HttpResponse bases() {
        ObjectNode out = JSON.createObjectNode();
        out.set("bases", JSON.valueToTree(service.bases()));
        return HttpResponses.json(200, out);
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
                Throwable cause = Causes.unwrap(failure);
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
            return HttpResponses.json(200, out);
        });
    }

    private CompletionStage<HttpResponse> rollback() {
        return CompletableFuture.supplyAsync(service::rollback, blocking).handle((entry, failure) -> {
            if (failure != null) {
                Throwable cause = Causes.unwrap(failure);
                return cause instanceof CrucibleException
                        ? error(502, "rollback_failed", cause.getMessage())
                        : error(500, "rollback_failed", "rollback failed: " + cause);
            }
            return entry.map(e -> HttpResponses.json(200, JSON.valueToTree(e)))
                    .orElseGet(() -> error(409, "no_previous_champion", "There is no previous champion to roll back to."));
        });
    }

    /** The OpenAI error shape the serving routes use, with no {@code param}. */
    private static HttpResponse error(int status, String code, String message) {
        return HttpResponses.error(new ApiException(status, status >= 500 ? "server_error" : "invalid_request_error",
                message, null, code));
    }
}
