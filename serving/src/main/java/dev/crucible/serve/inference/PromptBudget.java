package dev.crucible.serve.inference;

import dev.crucible.runtime.TextTokenizer;
import dev.crucible.serve.openai.ApiException;

/**
 * Decides whether a prompt fits the model's context before it may take a model slot, in time linear in
 * the prompt: a character bound refuses what no tokenization could fit without tokenizing at all, and
 * longer prompts are counted a chunk at a time (cut at whitespace, so words stay whole), stopping as
 * soon as the count is past the context. Whole-prompt tokenization, which grows faster than linearly
 * on long inputs with some tokenizers, only runs on prompts already known to be about context-sized.
 */
public final class PromptBudget {

    /**
     * No token of a real vocabulary spans more characters than this (the longest in GPT-2, Llama 3 or
     * Qwen2 vocabularies are runs of 64 to 128 spaces, dashes or equals signs, and such runs appear only as
     * whole tokens in the middle of text), so a prompt longer than {@code context * 128} characters cannot fit.
     */
    public static final int MAX_CHARS_PER_TOKEN = 128;
    /** Characters counted per tokenizer call. */
    static final int CHUNK_CHARS = 16_384;

    private PromptBudget() {}

    /** The prompt's token count (special tokens included); a 400 {@code context_length_exceeded} if it cannot fit. */
    static int promptTokens(TextTokenizer tokenizer, int context, String prompt, int requestedMaxTokens, String param) {
        int reserve = Math.max(1, requestedMaxTokens);
        long room = Math.max(0, (long) context - reserve);
        if (prompt.length() > room * MAX_CHARS_PER_TOKEN) {
            throw exceeded(param, "This model's maximum context length is " + context + " tokens. However, your prompt has "
                    + prompt.length() + " characters, more than " + context + " tokens can hold"
                    + (requestedMaxTokens > 0 ? " with " + requestedMaxTokens + " for the completion" : "")
                    + ". Please reduce the prompt.");
        }
        if (prompt.length() > CHUNK_CHARS) {
            long counted = tokenizer.encode("", true).length;
            int chunks = 0;
            for (int start = 0; start < prompt.length(); ) {
                int end = cut(prompt, start);
                counted += tokenizer.encode(prompt.substring(start, end), false).length;
                chunks++;
                // Cutting may split what the whole prompt would merge: allow one token per cut before refusing.
                if (counted - chunks > room) {
                    throw exceeded(param, "This model's maximum context length is " + context + " tokens. However, your prompt has"
                            + " more than " + (counted - chunks) + " tokens (counted up to character " + end + " of "
                            + prompt.length() + "). Please reduce the prompt.");
                }
                start = end;
            }
        }
        return tokenizer.encode(prompt, true).length;
    }

    /** The end of the chunk starting at {@code start}: just before whitespace in its second half, else at the size. */
    private static int cut(String prompt, int start) {
        int end = Math.min(prompt.length(), start + CHUNK_CHARS);
        if (end == prompt.length()) {
            return end;
        }
        for (int i = end; i > start + CHUNK_CHARS / 2; i--) {
            if (Character.isWhitespace(prompt.charAt(i))) {
                return i;
            }
        }
        return Character.isLowSurrogate(prompt.charAt(end)) ? end - 1 : end;
    }

    public static ApiException exceeded(String param, String message) {
        return new ApiException(400, "invalid_request_error", message, param, "context_length_exceeded");
    }
}
