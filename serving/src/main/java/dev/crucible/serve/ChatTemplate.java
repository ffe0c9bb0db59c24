package dev.crucible.serve;

import java.util.List;

/** Turns chat messages into the single prompt string a causal model continues. */
public interface ChatTemplate {

    /** The prompt for {@code messages}, ending where the assistant's reply should begin. */
    default String render(List<ChatMessage> messages) {
        return render(messages, true);
    }

    /** The prompt for {@code messages}; {@code addGenerationPrompt} appends the assistant turn's opening. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
