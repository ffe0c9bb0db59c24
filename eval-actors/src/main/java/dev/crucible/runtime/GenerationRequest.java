package dev.crucible.runtime;

import dev.crucible.error.CrucibleException;
import java.util.List;

/**
 * One prompt to continue, with its decoding settings.
 *
 * @param prompt       text; for VLMs may contain {@code <image>} where the image goes
 * @param image        the image for a VLM, or null
 * @param maxNewTokens upper bound on generated tokens (at least 1)
 * @param temperature  0 for greedy decoding, otherwise the softmax temperature
 * @param topP         nucleus mass in (0, 1]; 1 disables it
 * @param topK         keep only the k most likely tokens; 0 disables it
 * @param seed         seed of this request's random sampling, so results are reproducible
 * @param stop         strings that end the generation (not included in the text)
 */
public record GenerationRequest(String prompt, ImageInput image, int maxNewTokens, double temperature,
                                double topP, int topK, long seed, List<String> stop) {

    public GenerationRequest {
        if (prompt == null) {
            throw new CrucibleException("prompt: missing; give the text to continue");
        }
        if (maxNewTokens < 1) {
            throw new CrucibleException("max_new_tokens: " + maxNewTokens + " is not positive; use 1 or more");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new CrucibleException("temperature: " + temperature + " must be a finite number >= 0");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new CrucibleException("top_p: " + topP + " must be in (0, 1]");
        }
        if (topK < 0) {
            throw new CrucibleException("top_k: " + topK + " must be >= 0 (0 disables it)");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new CrucibleException("stop: empty stop strings are not allowed");
        }
    }

    /** Greedy decoding of a text prompt, no stop strings. */
    public static GenerationRequest greedy(String prompt, int maxNewTokens) {
        return new GenerationRequest(prompt, null, maxNewTokens, 0.0, 1.0, 0, 0L, List.of());
    }

    /** The same request with an image attached. */
    public GenerationRequest withImage(ImageInput newImage) {
        return new GenerationRequest(prompt, newImage, maxNewTokens, temperature, topP, topK, seed, stop);
    }
}
