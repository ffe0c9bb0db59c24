package dev.crucible.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * Reads the bodies of vLLM's {@code POST /tokenize} and {@code POST /detokenize} (the Tokenize/Detokenize
 * models of vllm/entrypoints/openai/protocol.py) with the same field rules and errors as the OpenAI bodies;
 * chat messages are validated exactly as {@code /v1/chat/completions} validates them.
 */
public final class TokenizationRequests {

    private static final Set<String> TOKENIZE_FIELDS = Set.of("model", "prompt", "messages", "add_generation_prompt",
            "add_special_tokens", "return_token_strs", "continue_final_message");
    private static final Set<String> DETOKENIZE_FIELDS = Set.of("model", "tokens");

    /** Text to tokenize: {@code prompt} as given, or {@code messages} to render with the served model's template. */
    public record Tokenize(String prompt, List<ChatMessage> messages, boolean addSpecialTokens, boolean addGenerationPrompt) {

        /** Whether the request is a chat ({@code messages}) rather than a plain {@code prompt}. */
        public boolean chat() {
            return messages != null;
        }
    }

    private final OpenAiRequests requests;

    public TokenizationRequests(int maxTokensCap) {
        this.requests = new OpenAiRequests(maxTokensCap);
    }

    public Tokenize tokenize(JsonNode body) {
        JsonFields f = OpenAiRequests.object(body);
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
        return new Tokenize(prompt, messages, addSpecialTokens, addGenerationPrompt);
    }

    /** The token ids to turn back into text. */
    public int[] detokenize(JsonNode body) {
        JsonFields f = OpenAiRequests.object(body);
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
        return ids;
    }

    private List<ChatMessage> chatMessages(JsonNode messages) {
        ObjectNode chat = JsonNodeFactory.instance.objectNode();
        chat.set("messages", messages);
        return requests.chat(chat).messages();
    }
}
