package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.serve.model.ModelLease;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.TokenizationRequests;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * vLLM's {@code POST /tokenize} and {@code POST /detokenize} (vllm/entrypoints/openai/serving_tokenization.py
 * and the Tokenize/Detokenize models of protocol.py): a prompt, or chat messages rendered with the served
 * model's chat template, to token ids ({@code {"count","max_model_len","tokens","token_strs"}}), and
 * token ids back to text ({@code {"prompt"}}). They lease the current model but take no generation slot;
 * the tokenizer runs on the model executor.
 */
final class TokenizationRoutes {

    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final Executor blocking;
    private final TokenizationRequests requests;
    private final Function<HttpRequest, CompletionStage<JsonNode>> readJson;

    TokenizationRoutes(ActorRef<ModelServer.Command> server, Scheduler scheduler, Executor blocking, int maxTokensCap,
            Function<HttpRequest, CompletionStage<JsonNode>> readJson) {
        this.server = server;
        this.scheduler = scheduler;
        this.blocking = blocking;
        this.requests = new TokenizationRequests(maxTokensCap);
        this.readJson = readJson;
    }

    CompletionStage<HttpResponse> tokenize(HttpRequest http) {
        return readJson.apply(http).thenCompose(body -> {
            TokenizationRequests.Tokenize request = requests.tokenize(body);
            return withModel(lease -> {
                String text = request.chat()
                        ? lease.chatTemplate().render(request.messages(), request.addGenerationPrompt())
                        : request.prompt();
                LanguageModel model = lease.model();
                int[] ids = model.tokenizer().encode(text, request.addSpecialTokens());
                ObjectNode json = JsonNodeFactory.instance.objectNode();
                json.put("count", ids.length);
                json.put("max_model_len", model.contextLength());
                ArrayNode tokens = json.putArray("tokens");
                for (int id : ids) {
                    tokens.add(id);
                }
                json.putNull("token_strs");
                return json;
            });
        });
    }

    CompletionStage<HttpResponse> detokenize(HttpRequest http) {
        return readJson.apply(http).thenCompose(body -> {
            int[] ids = requests.detokenize(body);
            return withModel(lease -> JsonNodeFactory.instance.objectNode()
                    .put("prompt", lease.model().tokenizer().decode(ids, false)));
        });
    }

    /** Runs {@code work} on the model executor with a lease on the current model, released when it ends. */
    private CompletionStage<HttpResponse> withModel(Function<ModelLease, JsonNode> work) {
        CompletionStage<ModelServer.LeaseReply> reply =
                AskPattern.ask(server, ModelServer.Acquire::new, Duration.ofSeconds(5), scheduler);
        return reply.thenCompose(r -> switch (r) {
            case ModelServer.Unavailable u -> CompletableFuture.failedFuture(new ApiException(503, "server_error",
                    "No model is available: " + u.reason() + ".", null, "model_unavailable"));
            case ModelServer.Leased leased -> CompletableFuture.supplyAsync(() -> {
                try (ModelLease lease = leased.lease()) {
                    return HttpResponses.json(200, work.apply(lease));
                }
            }, blocking);
        });
    }
}
