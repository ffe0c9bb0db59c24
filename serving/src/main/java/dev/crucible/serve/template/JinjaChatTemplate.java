package dev.crucible.serve.template;

import dev.crucible.runtime.TextTokenizer;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.ChatMessage;
import dev.crucible.serve.openai.OpenAiRequests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's Jinja chat template, rendered as transformers' {@code apply_chat_template} does. A template
 * that loops over message content gets OpenAI-style parts ({@code {"type":"text","text":...}} and
 * {@code {"type":"image"}} where the image was), as vLLM's "openai" content format; others get the text
 * with the {@code <image>} marker. {@code raise_exception} becomes a 400, any other failure a 500.
 */
public final class JinjaChatTemplate implements ChatTemplate {

    private final TransformersChatTemplate template;
    private final String bosAddedByTokenizer;

    public JinjaChatTemplate(TransformersChatTemplate template) {
        this(template, null);
    }

    private JinjaChatTemplate(TransformersChatTemplate template, String bosAddedByTokenizer) {
        this.template = template;
        this.bosAddedByTokenizer = bosAddedByTokenizer;
    }

    /**
     * This template for a model whose tokenizer adds BOS itself: transformers and vLLM tokenize a rendered chat
     * without special tokens, but the runtime encodes prompts with them, so the template's own leading BOS text
     * is left out of {@link #render(List)} to keep one BOS, not two ({@code <s><s>[INST]} for Llama 2).
     */
    public JinjaChatTemplate forTokenizer(TextTokenizer tokenizer) {
        String bos = template.specialTokens().get("bos_token");
        int[] with = tokenizer.encode("a", true);
        int[] without = tokenizer.encode("a", false);
        boolean addsBos = with.length == without.length + 1 && with[0] == tokenizer.bosId();
        return new JinjaChatTemplate(template, addsBos && bos != null && !bos.isEmpty() ? bos : null);
    }

    @Override
    public String render(List<ChatMessage> messages) {
        String prompt = render(messages, true);
        return bosAddedByTokenizer != null && prompt.startsWith(bosAddedByTokenizer)
                ? prompt.substring(bosAddedByTokenizer.length()) : prompt;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> vars = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", template.usesContentParts() ? parts(m.content()) : m.content());
            vars.add(message);
        }
        try {
            return template.render(List.copyOf(vars), addGenerationPrompt);
        } catch (TemplateRaisedException e) {
            throw ApiException.invalid("messages", "The model's chat template refused the messages: " + e.getMessage());
        } catch (TemplateRenderException e) {
            throw new ApiException(500, "server_error", "The model's chat template failed: " + e.getMessage(), null,
                    "template_error");
        }
    }

    /** The text split at each image marker into text parts and image parts, in order. */
    private static List<Map<String, Object>> parts(String content) {
        List<Map<String, Object>> parts = new ArrayList<>();
        String marker = OpenAiRequests.IMAGE_PLACEHOLDER;
        int from = 0;
        for (int at = content.indexOf(marker); at >= 0; at = content.indexOf(marker, from)) {
            if (at > from) {
                parts.add(Map.of("type", "text", "text", content.substring(from, at)));
            }
            parts.add(Map.of("type", "image"));
            from = at + marker.length();
        }
        if (from < content.length() || parts.isEmpty()) {
            parts.add(Map.of("type", "text", "text", content.substring(from)));
        }
        return List.copyOf(parts);
    }
}
