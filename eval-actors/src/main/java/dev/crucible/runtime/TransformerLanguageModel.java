package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.runtime.decoder.KvCache;
import dev.crucible.runtime.vision.LlavaImageEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A {@link LanguageModel} over a {@link CausalDecoder}, optionally fed image features by a
 * {@link LlavaImageEncoder}. Requests are tokenised, sorted by length, cut into batches, left
 * padded, prefilled in one pass and decoded step by step against a KV cache. Each batch runs in
 * its own sub-manager and each step in a sub-manager of that, so native memory stays bounded by
 * one batch's cache. Calls are serialised on the model's monitor. The forward passes themselves (padding,
 * image splicing) are {@link PaddedForward}'s.
 */
public final class TransformerLanguageModel implements LanguageModel {

    private static final String IMAGE_PLACEHOLDER = "<image>";

    private final String name;
    private final NDManager manager;
    private final CausalDecoder decoder;
    private final LlavaImageEncoder vision;
    private final HuggingFaceTextTokenizer tokenizer;
    private final int imageTokenId;
    private final int maxBatch;
    private final PaddedForward forward;
    private boolean closed;

    /**
     * Wraps loaded parts; the model takes ownership of the manager and tokenizer.
     *
     * @param vision       null for a text-only model
     * @param imageTokenId the id image features replace (ignored without vision)
     * @param maxBatch     most rows run together in one forward pass
     */
    public TransformerLanguageModel(String name, NDManager manager, CausalDecoder decoder, LlavaImageEncoder vision,
                                    HuggingFaceTextTokenizer tokenizer, int imageTokenId, int maxBatch) {
        this.name = name;
        this.manager = manager;
        this.decoder = decoder;
        this.vision = vision;
        this.tokenizer = tokenizer;
        this.imageTokenId = imageTokenId;
        this.maxBatch = maxBatch;
        this.forward = new PaddedForward(decoder, vision, tokenizer.padId(), imageTokenId);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean supportsImages() {
        return vision != null;
    }

    @Override
    public int contextLength() {
        return decoder.config().maxPositions();
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** Most rows run together in one forward pass. */
    public int maxBatch() {
        return maxBatch;
    }

    /** The decoder, for benchmarks and tools that drive forward passes directly. */
    public CausalDecoder decoder() {
        return decoder;
    }

    /** Token ids the model sees for a prompt: BOS, image placeholder expanded to the image's tokens, text. */
    public int[] promptIds(String prompt, ImageInput image) {
        String text = prompt;
        int placeholders = count(text, IMAGE_PLACEHOLDER);
        if (image != null) {
            if (vision == null) {
                throw new CrucibleException(name + ": this model does not accept images; send text only");
            }
            if (placeholders == 0) {
                text = IMAGE_PLACEHOLDER + text;
            } else if (placeholders > 1) {
                throw new CrucibleException(name + ": prompt has " + placeholders
                        + " <image> placeholders but one image was given");
            }
            text = text.replace(IMAGE_PLACEHOLDER, IMAGE_PLACEHOLDER.repeat(vision.tokensPerImage()));
        } else if (vision != null && placeholders > 0) {
            throw new CrucibleException(name + ": prompt contains <image> but no image was given");
        }
        int[] ids = tokenizer.encode(text, true);
        if (image != null) {
            long n = Arrays.stream(ids).filter(i -> i == imageTokenId).count();
            if (n != vision.tokensPerImage()) {
                throw new CrucibleException(name + ": the tokenizer turned <image> into " + n + " copies of id "
                        + imageTokenId + ", expected " + vision.tokensPerImage() + "; check tokenizer.json");
            }
        }
        return ids;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    @Override
    public synchronized List<Generation> generate(List<GenerationRequest> requests) {
        return generate(requests, i -> { });
    }

    @Override
    public synchronized List<Generation> generate(List<GenerationRequest> requests, IntConsumer firstToken) {
        ensureOpen();
        List<int[]> prompts = requests.stream().map(r -> promptIds(r.prompt(), r.image())).toList();
        Generation[] out = new Generation[requests.size()];
        for (int[] chunk : chunks(prompts)) {
            List<GenerationRequest> rs = Arrays.stream(chunk).mapToObj(requests::get).toList();
            List<int[]> ps = Arrays.stream(chunk).mapToObj(prompts::get).toList();
            List<Generation> gs = runBatch(rs, ps, null, j -> firstToken.accept(chunk[j]));
            for (int i = 0; i < chunk.length; i++) {
                out[chunk[i]] = gs.get(i);
            }
        }
        return List.of(out);
    }

    @Override
    public synchronized Generation generateStreaming(GenerationRequest request, Consumer<String> onToken) {
        ensureOpen();
        int[] prompt = promptIds(request.prompt(), request.image());
        return runBatch(List.of(request), List.of(prompt), onToken, null).getFirst();
    }

    // Index groups of at most maxBatch, similar lengths together so little padding is computed.
    private List<int[]> chunks(List<int[]> sequences) {
        Integer[] order = IntStream.range(0, sequences.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(i -> sequences.get(i).length));
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < order.length; from += maxBatch) {
            int to = Math.min(order.length, from + maxBatch);
            out.add(Arrays.stream(order, from, to).mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    private List<Generation> runBatch(List<GenerationRequest> requests, List<int[]> prompts, Consumer<String> onToken,
            IntConsumer firstToken) {
        int b = requests.size();
        int vocab = decoder.config().vocabSize();
        int[] limit = new int[b];
        for (int i = 0; i < b; i++) {
            int room = contextLength() - prompts.get(i).length;
            if (room <= 0) {
                throw new CrucibleException(name + ": prompt is " + prompts.get(i).length
                        + " tokens but the context length is " + contextLength() + "; shorten the prompt");
            }
            limit[i] = Math.min(requests.get(i).maxNewTokens(), room);
        }
        TokenSampler[] samplers = requests.stream().map(TokenSampler::of).toArray(TokenSampler[]::new);
        StreamedText[] texts = requests.stream().map(r -> new StreamedText(r.stop())).toArray(StreamedText[]::new);
        List<List<Integer>> generated = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            generated.add(new ArrayList<>());
        }
        String[] finalText = new String[b];
        String[] reason = new String[b];
        int[] completion = new int[b];
        try (NDManager batch = manager.newSubManager();
             KvCache cache = new KvCache(batch, b, decoder.config().numLayers())) {
            float[] logits = forward.prefillLastLogits(batch, prompts, requests.stream().map(GenerationRequest::image).toList(), cache);
            int remaining = b;
            while (true) {
                int[][] next = new int[b][1];
                for (int i = 0; i < b; i++) {
                    if (reason[i] != null) {
                        next[i][0] = tokenizer.padId();
                        continue;
                    }
                    int token = samplers[i].next(logits, i * vocab, vocab);
                    completion[i]++;
                    if (completion[i] == 1 && firstToken != null) {
                        firstToken.accept(i);
                    }
                    next[i][0] = token;
                    boolean eos = tokenizer.eosIds().contains(token);
                    if (!eos) {
                        generated.get(i).add(token);
                    }
                    GenerationRequest r = requests.get(i);
                    boolean needText = onToken != null || !r.stop().isEmpty();
                    String text = needText || eos || completion[i] >= limit[i] ? decode(generated.get(i)) : null;
                    int stopAt = text == null ? -1 : texts[i].stopIndex(text);
                    if (stopAt >= 0) {
                        text = text.substring(0, stopAt);
                        reason[i] = Generation.STOP;
                    } else if (eos) {
                        reason[i] = Generation.STOP;
                    } else if (completion[i] >= limit[i]) {
                        reason[i] = Generation.LENGTH;
                    }
                    if (reason[i] != null) {
                        finalText[i] = text;
                        remaining--;
                    }
                    if (onToken != null) {
                        String piece = texts[i].delta(text, reason[i] != null);
                        if (!piece.isEmpty()) {
                            onToken.accept(piece);
                        }
                    }
                }
                if (remaining == 0) {
                    break;
                }
                logits = forward.decodeStep(batch, next, cache);
            }
        }
        List<Generation> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            out.add(new Generation(finalText[i], prompts.get(i).length, completion[i], reason[i]));
        }
        return out;
    }

    private String decode(List<Integer> ids) {
        return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public synchronized double[] logLikelihood(List<ScoringRequest> requests) {
        ensureOpen();
        List<int[]> wholes = new ArrayList<>();
        List<int[]> continuations = new ArrayList<>();
        for (ScoringRequest r : requests) {
            int[] context = promptIds(r.context(), r.image());
            int[] whole = promptIds(r.context() + r.continuation(), r.image());
            int n = whole.length - context.length;
            if (n <= 0 && !r.continuation().isEmpty()) {
                // the continuation merged into the context's last token: score it tokenised on its own
                int[] cont = tokenizer.encode(r.continuation(), false);
                whole = concat(context, cont);
                n = cont.length;
            }
            if (n > 0 && whole.length == n) {
                throw new CrucibleException(name + ": cannot score a continuation with an empty context and no BOS token");
            }
            if (whole.length > contextLength()) {
                throw new CrucibleException(name + ": scoring request is " + whole.length
                        + " tokens but the context length is " + contextLength());
            }
            wholes.add(whole);
            continuations.add(Arrays.copyOfRange(whole, whole.length - Math.max(n, 0), whole.length));
        }
        double[] out = new double[requests.size()];
        for (int[] chunk : chunks(wholes)) {
            List<int[]> ws = Arrays.stream(chunk).mapToObj(wholes::get).toList();
            List<int[]> cs = Arrays.stream(chunk).mapToObj(continuations::get).toList();
            List<ImageInput> images = Arrays.stream(chunk).mapToObj(i -> requests.get(i).image()).toList();
            double[] scores = scoreBatch(ws, cs, images);
            for (int i = 0; i < chunk.length; i++) {
                out[chunk[i]] = scores[i];
            }
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private double[] scoreBatch(List<int[]> wholes, List<int[]> continuations, List<ImageInput> images) {
        int b = wholes.size();
        int maxN = continuations.stream().mapToInt(c -> c.length).max().orElse(0);
        double[] out = new double[b];
        if (maxN == 0) {
            return out;
        }
        int vocab = decoder.config().vocabSize();
        try (NDManager batch = manager.newSubManager();
             KvCache cache = new KvCache(batch, b, decoder.config().numLayers());
             NDManager step = batch.newSubManager()) {
            NDArray hidden = forward.runPadded(step, wholes, images, cache);
            long t = hidden.getShape().get(1);
            NDArray scored = hidden.get(":, " + (t - 1 - maxN) + ":" + (t - 1) + ", :");
            NDArray logProbs = decoder.logits(scored).logSoftmax(-1).reshape(-1);
            List<Long> index = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                int[] c = continuations.get(i);
                for (int j = 0; j < c.length; j++) {
                    long slot = (long) i * maxN + (maxN - c.length + j);
                    index.add(slot * vocab + c[j]);
                }
            }
            float[] picked = logProbs.get(step.create(index.stream().mapToLong(Long::longValue).toArray())).toFloatArray();
            int at = 0;
            for (int i = 0; i < b; i++) {
                double sum = 0;
                for (int j = 0; j < continuations.get(i).length; j++) {
                    sum += picked[at++];
                }
                out[i] = sum;
            }
        }
        return out;
    }

    @Override
    public synchronized float[] lastLogits(int[] inputIds, ImageInput image) {
        ensureOpen();
        if (inputIds.length == 0 || inputIds.length > contextLength()) {
            throw new CrucibleException(name + ": input has " + inputIds.length + " ids; give 1 to "
                    + contextLength());
        }
        int vocab = decoder.config().vocabSize();
        for (int id : inputIds) {
            if (id < 0 || id >= vocab) {
                throw new CrucibleException(name + ": input id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (image != null) {
            if (vision == null) {
                throw new CrucibleException(name + ": this model does not accept images; send text only");
            }
            long n = Arrays.stream(inputIds).filter(i -> i == imageTokenId).count();
            if (n != vision.tokensPerImage()) {
                throw new CrucibleException(name + ": input has " + n + " image tokens (id " + imageTokenId
                        + "), the image needs exactly " + vision.tokensPerImage());
            }
        }
        try (NDManager batch = manager.newSubManager();
             KvCache cache = new KvCache(batch, 1, decoder.config().numLayers())) {
            List<ImageInput> images = new ArrayList<>();
            images.add(image);
            return forward.prefillLastLogits(batch, List.of(inputIds), images, cache);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new CrucibleException(name + ": model is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            manager.close();
            tokenizer.close();
        }
    }
}
