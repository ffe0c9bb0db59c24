package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.serve.inference.Deadline;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.model.PromotionResult;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.PromotionRequests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * {@code POST /admin/promote {"path": ...}} (behind {@link AdminAuth}): asks the model server to load,
 * validate and switch to a checkpoint, and answers with the new version or why the old one still serves.
 */
final class PromotionRoute {

    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final Duration promoteTimeout;
    private final Duration requestTimeout;
    private final RequestBodies bodies;

    PromotionRoute(ActorRef<ModelServer.Command> server, Scheduler scheduler, Duration promoteTimeout,
            Duration requestTimeout, RequestBodies bodies) {
        this.server = server;
        this.scheduler = scheduler;
        this.promoteTimeout = promoteTimeout;
        this.requestTimeout = requestTimeout;
        this.bodies = bodies;
    }

    CompletionStage<HttpResponse> promote(HttpRequest http) {
        return bodies.readJson(http, Deadline.in(requestTimeout), false).thenCompose(body -> {
            Path path = PromotionRequests.path(body);
            CompletionStage<PromotionResult> result = AskPattern.ask(server,
                    replyTo -> new ModelServer.Promote(path, replyTo), promoteTimeout, scheduler);
            return result.thenApply(outcome -> switch (outcome) {
                case PromotionResult.Promoted p -> {
                    ObjectNode json = JsonNodeFactory.instance.objectNode();
                    json.put("version", p.version().id());
                    json.put("model", p.version().name());
                    json.put("path", p.version().path().toString());
                    p.previous().ifPresentOrElse(prev -> json.put("previous", prev.id()), () -> json.putNull("previous"));
                    json.put("load_seconds", p.took().toNanos() / 1e9);
                    yield HttpResponses.json(200, json);
                }
                case PromotionResult.Failed failed -> HttpResponses.error(new ApiException(failed.status(),
                        failed.status() >= 500 ? "server_error" : "invalid_request_error", failed.message(), "path", failed.code()));
            });
        });
    }
}
