package dev.crucible.serve;

import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.ScoringRequest;
import dev.crucible.runtime.TextTokenizer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Wraps a real model to count {@link #close()} calls, so tests can see the server release it. */
final class CountingModel implements LanguageModel {

    private final LanguageModel model;
    private final AtomicInteger closes = new AtomicInteger();

    CountingModel(LanguageModel model) {
        this.model = model;
    }

    int closeCount() {
        return closes.get();
    }

    @Override
    public String name() {
        return model.name();
    }

    @Override
    public boolean supportsImages() {
        return model.supportsImages();
    }

    @Override
    public int contextLength() {
        return model.contextLength();
    }

    @Override
    public TextTokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public List<Generation> generate(List<GenerationRequest> requests) {
        return model.generate(requests);
    }

    @Override
    public List<Generation> generate(List<GenerationRequest> requests, java.util.function.IntConsumer firstToken) {
        return model.generate(requests, firstToken);
    }

    @Override
    public Generation generateStreaming(GenerationRequest request, Consumer<String> onToken) {
        return model.generateStreaming(request, onToken);
    }

    @Override
    public double[] logLikelihood(List<ScoringRequest> requests) {
        return model.logLikelihood(requests);
    }

    @Override
    public float[] lastLogits(int[] inputIds, ImageInput image) {
        return model.lastLogits(inputIds, image);
    }

    @Override
    public void close() {
        closes.incrementAndGet();
        model.close();
    }
}
