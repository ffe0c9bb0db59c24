package dev.crucible.serve;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The fallback for models whose {@code tokenizer_config.json} has no {@code chat_template}: the
 * messages' contents joined by newlines, without role markers. Task models such as the zoo's were
 * trained on bare prompts, so a one-message chat must equal a completion of that message's text.
 */
public final class PlainChatTemplate implements ChatTemplate {

    @Override
    public String render(List<ChatMessage> messages) {
        return messages.stream().map(ChatMessage::content).collect(Collectors.joining("\n"));
    }
}
