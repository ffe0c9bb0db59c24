package dev.crucible.runtime;

import java.util.Set;

/** Text to token ids and back, with the model's special ids. */
public interface TextTokenizer {

    /** Token ids of the text; with addSpecialTokens the post-processor adds BOS (and whatever else it defines). */
    int[] encode(String text, boolean addSpecialTokens);

    /** Text of the ids, skipping special tokens. */
    String decode(int[] ids);

    /** Text of the ids; with {@code skipSpecialTokens} false special tokens are written out (as vLLM's /detokenize does). */
    default String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids);
    }

    /** The beginning-of-sequence id. */
    int bosId();

    /** Ids that end a generation. */
    Set<Integer> eosIds();

    /** The id used to fill left padding. */
    int padId();
}
