package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.ScoringRequest;
import dev.crucible.runtime.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test double with the runtime's contract: one token per character, {@code add A B =} answered
 * with {@code " A+B"}, anything else with the prompt reversed. It sleeps {@code tokenDelayMillis}
 * per token, counts {@link #close()} calls and fails any call made after close, so a server that
 * closes a model too early shows up as failed requests.
 */
public final class FakeLanguageModel implements LanguageModel {

    private static final Pattern ADD = Pattern.compile("add (\\d+) (\\d+) =");

    private final String name;
    private final long tokenDelayMillis;
    private final boolean brokenLogits;
    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger batchedCalls = new AtomicInteger();
    private volatile boolean closed;

    public FakeLanguageModel(String name, long tokenDelayMillis, boolean brokenLogits) {
        this.name = name;
        this.tokenDelayMillis = tokenDelayMillis;
        this.brokenLogits = brokenLogits;
    }

    public int closeCount() {
        return closes.get();
    }

    public int callCount() {
        return calls.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean supportsImages() {
        return name.contains("vlm");
    }

    @Override
    public int contextLength() {
        return 64;
    }

    @Override
    public TextTokenizer tokenizer() {
        return new TextTokenizer() {
            @Override
            public int[] encode(String text, boolean addSpecialTokens) {
                int[] chars = text.codePoints().toArray();
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
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    if (id > 2) {
                        sb.appendCodePoint(id);
                    }
                }
                return sb.toString();
            }

            @Override
            public int bosId() {
                return 1;
            }

            @Override
            public Set<Integer> eosIds() {
                return Set.of(2);
            }

            @Override
            public int padId() {
                return 0;
            }
        };
    }

    @Override
    public List<Generation> generate(List<GenerationRequest> requests) {
        return generate(requests, i -> { });
    }

    /** One request after the other, reporting each one's first token; counts calls that carried more than one. */
    @Override
    public List<Generation> generate(List<GenerationRequest> requests, java.util.function.IntConsumer firstToken) {
        if (requests.size() > 1) {
            batchedCalls.incrementAndGet();
        }
        List<Generation> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            int index = i;
            boolean[] first = {true};
            out.add(generateStreaming(requests.get(i), piece -> {
                if (first[0]) {
                    first[0] = false;
                    firstToken.accept(index);
                }
            }));
        }
        return out;
    }

    public int batchedCallCount() {
        return batchedCalls.get();
    }

    @Override
    public Generation generateStreaming(GenerationRequest request, Consumer<String> onToken) {
        ensureOpen();
        calls.incrementAndGet();
        if (request.image() != null && !supportsImages()) {
            throw new CrucibleException("image given to a text-only model");
        }
        String answer = answer(request.prompt());
        StringBuilder text = new StringBuilder();
        int produced = 0;
        for (int i = 0; i < answer.length(); i++) {
            if (produced == request.maxNewTokens()) {
                return new Generation(text.toString(), promptTokens(request), produced, Generation.LENGTH);
            }
            sleep();
            ensureOpen();
            produced++;
            String piece = answer.substring(i, i + 1);
            String candidate = text + piece;
            for (String stop : request.stop()) {
                int at = candidate.indexOf(stop);
                if (at >= 0) {
                    return new Generation(candidate.substring(0, at), promptTokens(request), produced, Generation.STOP);
                }
            }
            text.append(piece);
            onToken.accept(piece);
        }
        if (produced == request.maxNewTokens()) {
            return new Generation(text.toString(), promptTokens(request), produced, Generation.LENGTH);
        }
        return new Generation(text.toString(), promptTokens(request), produced + 1, Generation.STOP);
    }

    private int promptTokens(GenerationRequest r) {
        return r.prompt().length() + 1;
    }

    private static String answer(String prompt) {
        Matcher m = ADD.matcher(prompt);
        if (m.find()) {
            return " " + (Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)));
        }
        return " " + new StringBuilder(prompt).reverse();
    }

    @Override
    public double[] logLikelihood(List<ScoringRequest> requests) {
        ensureOpen();
        return new double[requests.size()];
    }

    @Override
    public float[] lastLogits(int[] inputIds, ImageInput image) {
        ensureOpen();
        float[] logits = new float[8];
        if (brokenLogits) {
            logits[3] = Float.NaN;
        }
        return logits;
    }

    @Override
    public void close() {
        closes.incrementAndGet();
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model " + name + " used after close()");
        }
    }

    private void sleep() {
        if (tokenDelayMillis > 0) {
            try {
                Thread.sleep(tokenDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
