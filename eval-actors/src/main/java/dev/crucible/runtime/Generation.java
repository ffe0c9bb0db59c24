package dev.crucible.runtime;

/**
 * The outcome of one generation request.
 *
 * @param text             the generated continuation (without the prompt, EOS or stop string)
 * @param promptTokens     tokens the model read, image tokens included
 * @param completionTokens tokens the model produced, EOS included when it was produced
 * @param finishReason     {@code "stop"} (EOS or a stop string) or {@code "length"} (token limit)
 */
public record Generation(String text, int promptTokens, int completionTokens, String finishReason) {

    /** The finish reason for an EOS token or a stop string. */
    public static final String STOP = "stop";
    /** The finish reason for running into max_new_tokens or the context length. */
    public static final String LENGTH = "length";
}
