package dev.crucible.serve;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A model's own {@code chat_template}, rendered with {@link MiniJinja} and the variables
 * {@code apply_chat_template} passes: {@code messages}, {@code bos_token}, {@code eos_token},
 * {@code add_generation_prompt = true} and {@code raise_exception}, whose message becomes a 400.
 */
public final class JinjaChatTemplate implements ChatTemplate {

    private final MiniJinja template;
    private final String bosToken;
    private final String eosToken;

    /** Compiles {@code source}; a template outside the supported subset fails here, at load time. */
    public JinjaChatTemplate(String source, String bosToken, String eosToken) {
        this.template = MiniJinja.compile(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    @Override
    public String render(List<ChatMessage> messages) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", messages.stream().map(m -> Map.<String, Object>of("role", m.role(), "content", m.content())).toList());
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        vars.put("add_generation_prompt", Boolean.TRUE);
        Function<List<Object>, Object> raise = args -> {
            throw ApiException.invalid("messages", "The model's chat template refused the messages: "
                    + (args.isEmpty() ? "no reason given" : args.getFirst()));
        };
        vars.put("raise_exception", raise);
        try {
            return template.render(vars);
        } catch (MiniJinja.TemplateException e) {
            throw new ApiException(500, "server_error", "The model's chat template failed: " + e.getMessage(), null, "template_error");
        }
    }
}
