package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.runtime.decoder.KvCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Prefill and decode throughput of the runtime, next to the memory-bandwidth bound
 * (measured memcpy traffic per second / float32 weight bytes read per decoded token). RSS includes
 * the JVM heap, which holds float32 staging copies of the weights until the next collection.
 * Run: {@code java -cp <test classpath> dev.crucible.runtime.RuntimeBenchmark [zoo|1b|all]}.
 */
public final class RuntimeBenchmark {

    private RuntimeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        double bandwidth = memcpyBytesPerSecond();
        System.out.printf("memory bandwidth %.2f GB/s (memcpy of 256 MB: bytes read + written), %d cores%n",
                bandwidth / 1e9, Runtime.getRuntime().availableProcessors());
        if (which.equals("zoo") || which.equals("all")) {
            try (LanguageModel m = LanguageModels.load(Zoo.model("base"))) {
                report("zoo base", (TransformerLanguageModel) m, bandwidth, 32, 64,
                        new int[] {1, 32, ((TransformerLanguageModel) m).maxBatch()});
            }
            evaluation();
        }
        if (which.equals("1b") || which.equals("all")) {
            RandomBf16Weights w = new RandomBf16Weights(32000, 2048, 16, 32, 8, 64, 8192);
            ObjectNode c = new ObjectMapper().createObjectNode();
            c.putArray("architectures").add("LlamaForCausalLM");
            c.put("vocab_size", 32000).put("hidden_size", 2048).put("num_hidden_layers", 16)
                    .put("num_attention_heads", 32).put("num_key_value_heads", 8).put("head_dim", 64)
                    .put("intermediate_size", 8192).put("max_position_embeddings", 2048).put("rms_norm_eps", 1e-5)
                    .put("tie_word_embeddings", false).put("bos_token_id", 1).put("eos_token_id", 2);
            long t0 = System.nanoTime();
            try (LanguageModel m = LanguageModels.load(c, Zoo.model("base"), w, "llama-1b-random")) {
                System.out.printf("%nllama 1B random: %.2fB params, loaded from bf16 in %.1f s%n",
                        w.parameters() / 1e9, (System.nanoTime() - t0) / 1e9);
                report("llama 1B random", (TransformerLanguageModel) m, bandwidth, 32, 8, new int[] {1});
            }
        }
    }

    // Tokens per second of the 1000-item add evaluation through the public API.
    private static void evaluation() {
        try (LanguageModel m = LanguageModels.load(Zoo.model("expert-add"))) {
            java.util.List<GenerationRequest> rs = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                rs.add(GenerationRequest.greedy("add " + (10 + i % 90) + " " + (99 - i % 89) + " =", 8));
            }
            m.generate(rs.subList(0, 64));
            long t0 = System.nanoTime();
            m.generate(rs);
            System.out.printf("zoo expert-add: 1000 greedy add items (batches of %d) in %.2f s%n",
                    ((TransformerLanguageModel) m).maxBatch(), (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void report(String label, TransformerLanguageModel model, double bandwidth, int promptLen,
                               int newTokens, int[] batches) throws IOException {
        CausalDecoder d = model.decoder();
        var c = d.config();
        long weightBytes = 4L * (2L * c.vocabSize() * c.hiddenSize() + (long) c.numLayers()
                * ((long) c.hiddenSize() * c.headDim() * (2L * c.numHeads() + 2L * c.numKvHeads())
                + 3L * c.hiddenSize() * c.intermediateSize()));
        // the embedding is gathered, not streamed: a decoded token reads everything else once
        long perToken = weightBytes - 4L * c.vocabSize() * c.hiddenSize();
        System.out.printf("%s: float32 weights %.1f MB, RSS %d MB, torch intra-op threads %s%n", label,
                weightBytes / 1e6, rssMb(), System.getProperty(LanguageModels.THREADS_PROPERTY));
        for (int b : batches) {
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                run(d, manager, b, promptLen, 1); // warm-up
                long[] ns = run(d, manager, b, promptLen, newTokens);
                double prefill = (double) b * promptLen / (ns[0] / 1e9);
                double decode = (double) b * newTokens / (ns[1] / 1e9);
                double bound = bandwidth / perToken * b;
                System.out.printf("  batch %2d: prefill %.1f tok/s, decode %.1f tok/s, bandwidth bound %.1f tok/s "
                        + "(decode at %.0f%% of bound), RSS %d MB%n", b, prefill, decode, bound,
                        100 * decode / bound, rssMb());
            }
        }
    }

    // Nanoseconds for the prefill of b x promptLen tokens and for decoding newTokens steps.
    private static long[] run(CausalDecoder d, NDManager manager, int b, int promptLen, int newTokens) {
        long[] ids = new long[b * promptLen];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + i % 50;
        }
        boolean[][] valid = new boolean[b][promptLen];
        for (boolean[] row : valid) {
            Arrays.fill(row, true);
        }
        boolean[][] one = new boolean[b][1];
        for (boolean[] row : one) {
            row[0] = true;
        }
        try (NDManager req = manager.newSubManager(); KvCache cache = new KvCache(req, b, d.config().numLayers())) {
            long t0 = System.nanoTime();
            try (NDManager step = req.newSubManager()) {
                NDArray h = d.forward(d.embed(step.create(ids, new Shape(b, promptLen))), valid, cache);
                d.logits(h.get(":, -1, :")).toFloatArray();
            }
            long t1 = System.nanoTime();
            long[] next = new long[b];
            Arrays.fill(next, 7);
            for (int s = 0; s < newTokens; s++) {
                try (NDManager step = req.newSubManager()) {
                    NDArray h = d.forward(d.embed(step.create(next, new Shape(b, 1))), one, cache);
                    float[] logits = d.logits(h).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        next[r] = TokenSampler.argmax(logits, r * d.config().vocabSize(), d.config().vocabSize());
                    }
                }
            }
            return new long[] {t1 - t0, System.nanoTime() - t1};
        }
    }

    private static double memcpyBytesPerSecond() {
        float[] a = new float[64 << 20];
        float[] b = new float[a.length];
        Arrays.fill(a, 1f);
        System.arraycopy(a, 0, b, 0, a.length);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            best = Math.min(best, System.nanoTime() - t0);
        }
        // a copy reads and writes every byte; decoding mostly reads, so count both directions
        return 2 * 4.0 * a.length / (best / 1e9);
    }

    private static long rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
