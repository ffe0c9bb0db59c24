package dev.crucible.serve;

import dev.crucible.serve.template.TemplateRaisedException;
import dev.crucible.serve.template.TemplateRenderException;
import dev.crucible.serve.template.TransformersChatTemplate;
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

    public JinjaChatTemplate(TransformersChatTemplate template) {
        this.template = template;
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
