package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.runtime.Generation;
import dev.crucible.serve.model.ModelVersion;
import dev.crucible.serve.model.Served;
import java.util.List;
import java.util.UUID;

/** Builds OpenAI-shaped response bodies and stream chunks; every one names the serving version. */
public final class OpenAiResponses {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private OpenAiResponses() {}

    public static String completionId() {
        return "cmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    public static String chatId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    public static ObjectNode completion(String id, Served served) {
        ObjectNode root = envelope(id, "text_completion", served.version());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", served.generation().text());
        choice.putNull("logprobs");
        choice.put("finish_reason", served.generation().finishReason());
        root.set("usage", usage(served.generation()));
        return root;
    }

    public static ObjectNode chatCompletion(String id, Served served) {
        ObjectNode root = envelope(id, "chat.completion", served.version());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", served.generation().text());
        choice.putNull("logprobs");
        choice.put("finish_reason", served.generation().finishReason());
        root.set("usage", usage(served.generation()));
        return root;
    }

    /** A streamed completion piece; {@code finishReason} is null until the last chunk. */
    public static ObjectNode completionChunk(String id, ModelVersion version, String text, String finishReason) {
        ObjectNode root = envelope(id, "text_completion", version);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", text);
        choice.putNull("logprobs");
        putNullable(choice, "finish_reason", finishReason);
        return root;
    }

    /** A streamed chat delta: the first carries the role, the last an empty delta and the finish reason. */
    public static ObjectNode chatChunk(String id, ModelVersion version, String role, String content, String finishReason) {
        ObjectNode root = envelope(id, "chat.completion.chunk", version);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        choice.putNull("logprobs");
        putNullable(choice, "finish_reason", finishReason);
        return root;
    }

    /** The final chunk of {@code stream_options.include_usage}: no choices, only usage. */
    public static ObjectNode usageChunk(String id, String object, Served served) {
        ObjectNode root = envelope(id, object, served.version());
        root.putArray("choices");
        root.set("usage", usage(served.generation()));
        return root;
    }

    /**
     * {@code GET /v1/models}: the served model under its own name and under each alias
     * ({@code --served-model-name}), each with its version and folder.
     */
    public static ObjectNode models(List<ModelVersion> versions, List<String> aliases) {
        ObjectNode root = JSON.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (ModelVersion v : versions) {
            data.add(modelCard(v.name(), v));
            for (String alias : aliases) {
                if (!alias.equals(v.name())) {
                    data.add(modelCard(alias, v));
                }
            }
        }
        return root;
    }

    /** One model object as OpenAI's models endpoints answer it, served under {@code id}. */
    public static ObjectNode modelCard(String id, ModelVersion v) {
        ObjectNode m = JSON.objectNode();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", v.loadedAt().getEpochSecond());
        m.put("owned_by", "crucible");
        m.put("root", v.name());
        m.put("version", v.id());
        m.put("path", v.path().toString());
        return m;
    }

    private static ObjectNode envelope(String id, String object, ModelVersion version) {
        ObjectNode root = JSON.objectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", version.name());
        root.put("system_fingerprint", version.id());
        return root;
    }

    private static ObjectNode usage(Generation g) {
        ObjectNode usage = JSON.objectNode();
        usage.put("prompt_tokens", g.promptTokens());
        usage.put("completion_tokens", g.completionTokens());
        usage.put("total_tokens", g.promptTokens() + g.completionTokens());
        return usage;
    }

    private static void putNullable(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
