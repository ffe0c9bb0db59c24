package dev.crucible.serve;

import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.ScoringRequest;
import dev.crucible.runtime.TextTokenizer;
import java.util.List;
import java.util.function.Consumer;

/** Delegates every call to a {@link FakeLanguageModel}; tests override the calls they observe. */
public class ForwardingFake implements LanguageModel {

    private final FakeLanguageModel delegate;

    public ForwardingFake(FakeLanguageModel delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public boolean supportsImages() {
        return delegate.supportsImages();
    }

    @Override
    public int contextLength() {
        return delegate.contextLength();
    }

    @Override
    public TextTokenizer tokenizer() {
        return delegate.tokenizer();
    }

    @Override
    public List<Generation> generate(List<GenerationRequest> requests) {
        return requests.stream().map(r -> delegate.generateStreaming(r, piece -> {})).toList();
    }

    @Override
    public Generation generateStreaming(GenerationRequest request, Consumer<String> onToken) {
        return delegate.generateStreaming(request, onToken);
    }

    @Override
    public double[] logLikelihood(List<ScoringRequest> requests) {
        return delegate.logLikelihood(requests);
    }

    @Override
    public float[] lastLogits(int[] inputIds, ImageInput image) {
        return delegate.lastLogits(inputIds, image);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
