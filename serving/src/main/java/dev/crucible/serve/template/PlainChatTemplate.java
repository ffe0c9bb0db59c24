package dev.crucible.serve.template;

import dev.crucible.serve.openai.ChatMessage;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The format for models that ship no chat template at all (no {@code chat_template} in
 * {@code tokenizer_config.json}, no {@code chat_template.jinja} or {@code chat_template.json}): the
 * messages' contents joined by newlines, without role markers. Task models such as the zoo's were
 * trained on bare prompts, so a one-message chat must equal a completion of that message's text.
 * A model that has a template never falls back to this: a template that cannot be rendered stops its load.
 */
public final class PlainChatTemplate implements ChatTemplate {

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return messages.stream().map(ChatMessage::content).collect(Collectors.joining("\n"));
    }
}
