package dev.crucible.task;

import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.ScoringRequest;
import dev.crucible.runtime.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Test double for {@link LanguageModel}: one token per character, answers from scripted functions,
 * records what it was asked. Tests tweak its behaviour through the public fields before use.
 */
public final class ScriptedModel implements LanguageModel {

    /** Answers a generation request with a continuation. */
    public Function<GenerationRequest, String> answer = request -> "";
    /** Log-likelihood of a scoring request. */
    public ToDoubleFunction<ScoringRequest> logLikelihood = request -> -request.continuation().length();
    /** Last-position logit value returned by {@link #lastLogits}. */
    public float logit = 0.5f;
    /** The tokenizer's end-of-sequence ids. */
    public Set<Integer> eosIds = Set.of(2);
    /** Whether requests may carry images. */
    public boolean images;
    /** Milliseconds each batched call takes. */
    public long delayMillis;
    /** Called at the start of every batched call (e.g. to block or throw). */
    public Runnable onCall = () -> { };

    public final AtomicInteger batchedCalls = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicBoolean closed = new AtomicBoolean();
    public volatile List<GenerationRequest> lastGeneration;

    private final String name;

    public ScriptedModel(String name) {
        this.name = name;
    }

    /** A model that answers prompts {@code add A B =} with {@code " " + (A+B)}, and anything else with "". */
    public static ScriptedModel adder(String name) {
        ScriptedModel model = new ScriptedModel(name);
        model.answer = request -> {
            String[] parts = request.prompt().split(" ");
            if (parts.length == 4 && parts[0].equals("add")) {
                return " " + (Integer.parseInt(parts[1]) + Integer.parseInt(parts[2]));
            }
            return "";
        };
        return model;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean supportsImages() {
        return images;
    }

    @Override
    public int contextLength() {
        return 256;
    }

    @Override
    public TextTokenizer tokenizer() {
        return new CharTokenizer(eosIds);
    }

    @Override
    public List<Generation> generate(List<GenerationRequest> batch) {
        call(batch.size());
        lastGeneration = List.copyOf(batch);
        return batch.stream().map(request -> {
            String text = answer.apply(request);
            String cut = text.length() > request.maxNewTokens() ? text.substring(0, request.maxNewTokens()) : text;
            return new Generation(cut, request.prompt().length() + 1, cut.length(),
                    cut.length() < text.length() ? Generation.LENGTH : Generation.STOP);
        }).toList();
    }

    @Override
    public Generation generateStreaming(GenerationRequest request, Consumer<String> onToken) {
        Generation generation = generate(List.of(request)).getFirst();
        generation.text().chars().forEach(c -> onToken.accept(Character.toString(c)));
        return generation;
    }

    @Override
    public double[] logLikelihood(List<ScoringRequest> batch) {
        call(batch.size());
        return batch.stream().mapToDouble(logLikelihood).toArray();
    }

    @Override
    public float[] lastLogits(int[] inputIds, ImageInput image) {
        float[] logits = new float[64];
        Arrays.fill(logits, logit);
        return logits;
    }

    @Override
    public void close() {
        closed.set(true);
    }

    private void call(int size) {
        if (closed.get()) {
            throw new IllegalStateException("model " + name + " used after close");
        }
        batchedCalls.incrementAndGet();
        requests.addAndGet(size);
        onCall.run();
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One id per character (offset past the specials), like the zoo tokenizer. */
    record CharTokenizer(Set<Integer> eosIds) implements TextTokenizer {

        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            int[] chars = text.chars().map(c -> c + 5).toArray();
            if (!addSpecialTokens) {
                return chars;
            }
            int[] ids = new int[chars.length + 1];
            ids[0] = bosId();
            System.arraycopy(chars, 0, ids, 1, chars.length);
            return ids;
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder text = new StringBuilder();
            for (int id : ids) {
                if (id >= 5) {
                    text.append((char) (id - 5));
                }
            }
            return text.toString();
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public int padId() {
            return 0;
        }
    }
}
