package dev.crucible.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.runtime.LanguageModel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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

    private static final Set<String> TOKENIZE_FIELDS = Set.of("model", "prompt", "messages", "add_generation_prompt",
            "add_special_tokens", "return_token_strs", "continue_final_message");
    private static final Set<String> DETOKENIZE_FIELDS = Set.of("model", "tokens");

    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final Executor blocking;
    private final OpenAiRequests requests;
    private final Function<HttpRequest, CompletionStage<JsonNode>> readJson;

    TokenizationRoutes(ActorRef<ModelServer.Command> server, Scheduler scheduler, Executor blocking, int maxTokensCap,
            Function<HttpRequest, CompletionStage<JsonNode>> readJson) {
        this.server = server;
        this.scheduler = scheduler;
        this.blocking = blocking;
        this.requests = new OpenAiRequests(maxTokensCap);
        this.readJson = readJson;
    }

    CompletionStage<HttpResponse> tokenize(HttpRequest http) {
        return readJson.apply(http).thenCompose(body -> {
            JsonFields f = object(body);
            f.rejectUnknown(TOKENIZE_FIELDS);
            f.string("model", null);
            f.onlyNeutral("return_token_strs", BooleanNode.FALSE);
            f.onlyNeutral("continue_final_message", BooleanNode.FALSE);
            boolean chat = f.has("messages");
            if (chat == f.has("prompt")) {
                throw ApiException.invalid("prompt",
                        "Give either 'prompt' (a string) or 'messages' (a chat), not " + (chat ? "both." : "neither."));
            }
            boolean addSpecialTokens = f.bool("add_special_tokens", !chat);
            boolean addGenerationPrompt = f.bool("add_generation_prompt", true);
            List<ChatMessage> messages = chat ? chatMessages(body.get("messages")) : null;
            String prompt = chat ? null : f.requiredString("prompt");
            return withModel(lease -> {
                String text = chat ? lease.chatTemplate().render(messages, addGenerationPrompt) : prompt;
                LanguageModel model = lease.model();
                int[] ids = model.tokenizer().encode(text, addSpecialTokens);
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
            JsonFields f = object(body);
            f.rejectUnknown(DETOKENIZE_FIELDS);
            f.string("model", null);
            JsonNode tokens = f.raw("tokens");
            if (tokens == null || tokens.isNull()) {
                throw ApiException.invalid("tokens", "Missing required parameter: 'tokens'.");
            }
            if (!tokens.isArray()) {
                throw f.wrongType("tokens", "an array of token ids", tokens);
            }
            int[] ids = new int[tokens.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = tokens.get(i);
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                    throw ApiException.invalid("tokens", "Invalid 'tokens[" + i + "]': expected a non-negative integer token id, got "
                            + id + ".");
                }
                ids[i] = id.intValue();
            }
            return withModel(lease -> JsonNodeFactory.instance.objectNode()
                    .put("prompt", lease.model().tokenizer().decode(ids, false)));
        });
    }

    /** Chat messages validated exactly as {@code /v1/chat/completions} validates them. */
    private List<ChatMessage> chatMessages(JsonNode messages) {
        ObjectNode chat = JsonNodeFactory.instance.objectNode();
        chat.set("messages", messages);
        return requests.chat(chat).messages();
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

    private static JsonFields object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(400, "invalid_request_error", "The request body must be a JSON object.", null, "invalid_json");
        }
        return new JsonFields(body, "");
    }
}
