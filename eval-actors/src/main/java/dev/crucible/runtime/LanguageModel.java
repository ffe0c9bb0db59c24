package dev.crucible.runtime;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A loaded causal LM (text or vision+language) ready for scoring and generation.
 * Safe to share between threads: calls on one model are serialised internally, because they
 * share one native engine whose intra-op thread pool already uses every core.
 */
public interface LanguageModel extends AutoCloseable {

    /** The name the model was loaded under (folder name or the caller's label). */
    String name();

    /** Whether requests may carry an {@link ImageInput}. */
    boolean supportsImages();

    /** The longest sequence the model accepts ({@code max_position_embeddings}). */
    int contextLength();

    /** The tokenizer the model was trained with. */
    TextTokenizer tokenizer();

    /** Batched generation (greedy when temperature == 0); results in request order. */
    List<Generation> generate(List<GenerationRequest> requests);

    /**
     * Batched generation that also reports, by index in {@code requests}, the moment each request's first
     * token is sampled (servers measure time to first token with it). The default reports nothing.
     */
    default List<Generation> generate(List<GenerationRequest> requests, IntConsumer firstToken) {
        return generate(requests);
    }

    /** One request, calling onToken with each new piece of decoded text as it is produced (for SSE streaming). */
    Generation generateStreaming(GenerationRequest request, Consumer<String> onToken);

    /** Sum of log-probabilities of the continuation's tokens given the context, per request (batched). */
    double[] logLikelihood(List<ScoringRequest> requests);

    /** Float32 logits of the last position for raw input ids (image: pixel input for VLMs, may be null). */
    float[] lastLogits(int[] inputIds, ImageInput image);

    /** Frees all native memory held by the model. */
    @Override
    void close();
}
