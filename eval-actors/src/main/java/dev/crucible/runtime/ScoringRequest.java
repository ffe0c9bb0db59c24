package dev.crucible.runtime;

import dev.crucible.error.CrucibleException;

/**
 * A continuation whose log-likelihood is wanted given a context.
 *
 * @param context      the conditioning text (BOS is added by the tokenizer)
 * @param continuation the text to score
 * @param image        the image for a VLM, or null
 */
public record ScoringRequest(String context, String continuation, ImageInput image) {

    public ScoringRequest {
        if (context == null || continuation == null) {
            throw new CrucibleException("scoring request: context and continuation must both be given");
        }
    }

    /** A text-only request. */
    public static ScoringRequest of(String context, String continuation) {
        return new ScoringRequest(context, continuation, null);
    }
}
