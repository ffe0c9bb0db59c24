package dev.crucible.serve.template;

import dev.crucible.serve.openai.ChatMessage;
import java.util.List;

/** Turns chat messages into the single prompt string a causal model continues. */
public interface ChatTemplate {

    /**
     * The prompt a generation continues, ending where the assistant's reply should begin. The runtime
     * encodes it with the tokenizer's special tokens, so a template may leave out a BOS the tokenizer adds.
     */
    default String render(List<ChatMessage> messages) {
        return render(messages, true);
    }

    /** The template's text for {@code messages}; {@code addGenerationPrompt} appends the assistant turn's opening. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
