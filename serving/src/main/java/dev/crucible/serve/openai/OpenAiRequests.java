package dev.crucible.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.crucible.runtime.ImageInput;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads OpenAI completion and chat bodies into validated requests. Fields OpenAI defines but this
 * server cannot honour are accepted only at their neutral value, anything else is a 400 naming it.
 * Fields that only concern OpenAI's platform ({@code store}, {@code metadata}, {@code service_tier},
 * {@code user}, {@code reasoning_effort}, {@code parallel_tool_calls}) are type-checked and change nothing.
 */
public final class OpenAiRequests {

    /** Where an image part puts the image in the prompt; the runtime expands it to image tokens. */
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private static final Set<String> COMMON = Set.of("model", "max_tokens", "temperature", "top_p", "top_k", "seed",
            "stop", "stream", "stream_options", "n", "user", "presence_penalty", "frequency_penalty", "logit_bias",
            "logprobs", "store", "metadata", "service_tier", "reasoning_effort");
    private static final Set<String> COMPLETION_ONLY = Set.of("prompt", "echo", "best_of", "suffix");
    private static final Set<String> CHAT_ONLY = Set.of("messages", "max_completion_tokens", "top_logprobs", "tools",
            "tool_choice", "parallel_tool_calls", "response_format");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private final int maxTokensCap;

    public OpenAiRequests(int maxTokensCap) {
        this.maxTokensCap = maxTokensCap;
    }

    public CompletionRequest completion(JsonNode body) {
        JsonFields f = object(body);
        f.rejectUnknown(union(COMMON, COMPLETION_ONLY));
        f.onlyNeutral("echo", BooleanNode.FALSE);
        f.onlyNeutral("best_of", IntNode.valueOf(1));
        f.onlyNeutral("suffix", NullNode.instance);
        String prompt = completionPrompt(f);
        SamplingOptions sampling = sampling(f, f.integer("max_tokens", 16, 1, maxTokensCap));
        return new CompletionRequest(prompt, sampling, f.bool("stream", false), includeUsage(f));
    }

    public ChatRequest chat(JsonNode body) {
        JsonFields f = object(body);
        f.rejectUnknown(union(COMMON, CHAT_ONLY));
        f.onlyNeutral("top_logprobs", IntNode.valueOf(0));
        if (f.has("tools") && !(f.raw("tools").isArray() && f.raw("tools").isEmpty())) {
            throw ApiException.invalid("tools", "'tools' is not supported by this server: it does not call tools;"
                    + " leave 'tools' out.");
        }
        f.onlyNeutral("tool_choice", NullNode.instance, TextNode.valueOf("none"));
        f.onlyNeutral("parallel_tool_calls", BooleanNode.FALSE, BooleanNode.TRUE);
        if (f.has("response_format")) {
            JsonNode format = f.raw("response_format");
            if (!format.isObject() || !"text".equals(format.path("type").asText())) {
                throw ApiException.invalid("response_format", "Only response_format {\"type\": \"text\"} is supported.");
            }
        }
        int fallbackMax = f.integer("max_completion_tokens", 0, 1, maxTokensCap);
        int maxTokens = f.integer("max_tokens", fallbackMax, 1, maxTokensCap);
        SamplingOptions sampling = sampling(f, maxTokens);
        JsonNode messages = f.raw("messages");
        if (messages == null || messages.isNull()) {
            throw ApiException.invalid("messages", "Missing required parameter: 'messages'.");
        }
        if (!messages.isArray()) {
            throw f.wrongType("messages", "an array", messages);
        }
        if (messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must contain at least one message.");
        }
        List<ChatMessage> parsed = new ArrayList<>();
        ImageInput[] image = new ImageInput[1];
        for (int i = 0; i < messages.size(); i++) {
            parsed.add(message(messages.get(i), "messages[" + i + "]", image));
        }
        return new ChatRequest(List.copyOf(parsed), image[0], sampling, f.bool("stream", false), includeUsage(f));
    }

    private SamplingOptions sampling(JsonFields f, int maxTokens) {
        f.string("model", null);
        platformFields(f);
        if (f.has("n") && !IntNode.valueOf(1).equals(f.raw("n")) && f.raw("n").asDouble() != 1.0) {
            throw ApiException.invalid("n", "'n' = " + f.raw("n") + " is not supported: this server returns one choice"
                    + " per request; send separate requests (with different seeds) for more.");
        }
        f.onlyNeutral("presence_penalty", IntNode.valueOf(0));
        f.onlyNeutral("frequency_penalty", IntNode.valueOf(0));
        if (f.has("logprobs") && !BooleanNode.FALSE.equals(f.raw("logprobs")) && f.raw("logprobs").asDouble(1) != 0.0) {
            throw ApiException.invalid("logprobs", "'logprobs' is not supported by this server yet; leave it out"
                    + " (log-likelihood scoring is available through 'crucible eval').");
        }
        if (f.has("logit_bias")) {
            JsonNode bias = f.raw("logit_bias");
            if (!bias.isObject() || !bias.isEmpty()) {
                throw ApiException.invalid("logit_bias", "'logit_bias' is not supported by this server.");
            }
        }
        double temperature = f.number("temperature", 1.0, 0.0, 2.0);
        double topP = f.number("top_p", 1.0, 0.0, 1.0);
        if (topP == 0.0) {
            throw ApiException.invalid("top_p", "Invalid 'top_p': must be greater than 0.");
        }
        int topK = f.integer("top_k", 0, 0, Integer.MAX_VALUE);
        long seed = f.longInteger("seed", ThreadLocalRandom.current().nextLong());
        List<String> stop = f.stringOrStrings("stop", 4);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("stop", "Invalid 'stop': stop sequences must not be empty.");
        }
        return new SamplingOptions(maxTokens, temperature, topP, topK, seed, stop);
    }

    /** The SDK's platform fields: accepted when well-typed, ignored (nothing is stored, tiers and effort do not apply). */
    private static void platformFields(JsonFields f) {
        f.string("user", null);
        f.string("service_tier", null);
        f.string("reasoning_effort", null);
        f.bool("store", false);
        if (f.has("metadata")) {
            JsonNode metadata = f.raw("metadata");
            if (!metadata.isObject()) {
                throw f.wrongType("metadata", "an object of strings", metadata);
            }
            metadata.properties().forEach(e -> {
                if (!e.getValue().isTextual()) {
                    throw ApiException.invalid("metadata." + e.getKey(), "Invalid 'metadata." + e.getKey()
                            + "': metadata values must be strings.");
                }
            });
        }
    }

    private static boolean includeUsage(JsonFields f) {
        if (!f.has("stream_options")) {
            return false;
        }
        JsonNode options = f.raw("stream_options");
        if (!options.isObject()) {
            throw f.wrongType("stream_options", "an object", options);
        }
        JsonFields o = new JsonFields(options, "stream_options.");
        o.rejectUnknown(Set.of("include_usage"));
        return o.bool("include_usage", false);
    }

    private static String completionPrompt(JsonFields f) {
        JsonNode prompt = f.raw("prompt");
        if (prompt == null || prompt.isNull()) {
            throw ApiException.invalid("prompt", "Missing required parameter: 'prompt'.");
        }
        if (prompt.isTextual()) {
            return prompt.textValue();
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).textValue();
        }
        if (prompt.isArray()) {
            throw ApiException.invalid("prompt", "'prompt' must be one string (or an array holding one); send one request per prompt.");
        }
        throw f.wrongType("prompt", "a string", prompt);
    }

    private static ChatMessage message(JsonNode node, String where, ImageInput[] image) {
        if (!node.isObject()) {
            throw new ApiException(400, "invalid_request_error", "Invalid type for '" + where + "': expected an object.",
                    where, "invalid_type");
        }
        JsonFields f = new JsonFields(node, where + ".");
        f.rejectUnknown(Set.of("role", "content", "name"));
        String role = f.requiredString("role");
        if (!ROLES.contains(role)) {
            throw ApiException.invalid(where + ".role", "Invalid '" + where + ".role': '" + role + "'; use one of " + ROLES + ".");
        }
        f.string("name", null);
        JsonNode content = node.get("content");
        if (content == null || content.isNull()) {
            if (role.equals("assistant")) {
                return new ChatMessage(role, "");
            }
            throw ApiException.invalid(where + ".content", "Missing required parameter: '" + where + ".content'.");
        }
        if (content.isTextual()) {
            return new ChatMessage(role, content.textValue());
        }
        if (!content.isArray()) {
            throw f.wrongType("content", "a string or an array of content parts", content);
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            String partWhere = where + ".content[" + j + "]";
            JsonNode part = content.get(j);
            if (!part.isObject()) {
                throw new ApiException(400, "invalid_request_error", "Invalid type for '" + partWhere + "': expected an object.",
                        partWhere, "invalid_type");
            }
            JsonFields p = new JsonFields(part, partWhere + ".");
            String type = p.requiredString("type");
            switch (type) {
                case "text" -> {
                    p.rejectUnknown(Set.of("type", "text"));
                    text.append(p.requiredString("text"));
                }
                case "image_url" -> {
                    p.rejectUnknown(Set.of("type", "image_url"));
                    if (image[0] != null) {
                        throw ApiException.invalid(partWhere, "Only one image per request is supported.");
                    }
                    image[0] = image(part.get("image_url"), partWhere + ".image_url");
                    text.append(IMAGE_PLACEHOLDER);
                }
                default -> throw ApiException.invalid(partWhere + ".type",
                        "Invalid '" + partWhere + ".type': '" + type + "'; use 'text' or 'image_url'.");
            }
        }
        return new ChatMessage(role, text.toString());
    }

    private static ImageInput image(JsonNode imageUrl, String where) {
        String url;
        if (imageUrl != null && imageUrl.isTextual()) {
            url = imageUrl.textValue();
        } else if (imageUrl != null && imageUrl.isObject()) {
            JsonFields f = new JsonFields(imageUrl, where + ".");
            f.rejectUnknown(Set.of("url", "detail"));
            f.string("detail", null);
            url = f.requiredString("url");
        } else {
            throw ApiException.invalid(where, "Missing required parameter: '" + where + ".url'.");
        }
        int comma = url.indexOf(',');
        if (!url.startsWith("data:image/") || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
            throw ApiException.invalid(where + ".url",
                    "Invalid '" + where + ".url': give the image inline as a data URL (data:image/png;base64,...); remote URLs are not fetched.");
        }
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(where + ".url", "Invalid '" + where + ".url': the base64 payload does not decode (" + e.getMessage() + ").");
        }
        try {
            return ImageInput.fromBytes(bytes);
        } catch (RuntimeException e) {
            throw ApiException.invalid(where + ".url", "Invalid '" + where + ".url': not a readable image (" + e.getMessage() + ").");
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        HashSet<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    /** The body's fields; a 400 unless the body is a JSON object (every endpoint's body is one). */
    static JsonFields object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(400, "invalid_request_error", "The request body must be a JSON object.", null, "invalid_json");
        }
        return new JsonFields(body, "");
    }
}
