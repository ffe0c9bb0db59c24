package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.runtime.decoder.KvCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Crucible's side of the decode comparison in {@code bench/peers.sh} (not a test): loads a Llama folder as
 * {@code crucible generate} does (float32 weights in the DJL PyTorch runtime), writes the last-position logits of a
 * fixed prompt (ids {@code 5 + i % 50}, batch 1) to {@code LOGITS_OUT} for the agreement check, then times a
 * prefill of that prompt (prompt tokens/s) and {@code NEW} greedy decode steps after it at each batch size, and
 * prints one JSON line. {@code bench/peers/decode_peer.py} does the same in plain PyTorch.
 *
 * <p>Usage: {@code DecodePeerBench MODEL_DIR TOKENIZER_DIR LOGITS_OUT PROMPT NEW BATCH[,BATCH...]}
 */
public final class DecodePeerBench {

    private DecodePeerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int prompt = Integer.parseInt(args[3]);
        int newTokens = Integer.parseInt(args[4]);
        int[] batches = Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
        long t0 = System.nanoTime();
        LanguageModel model;
        try (ModelFolder folder = ModelFolder.open(dir)) {
            model = LanguageModels.load(folder.config(), Path.of(args[1]), folder.weights(), dir.getFileName().toString());
        }
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        try (model) {
            CausalDecoder d = ((TransformerLanguageModel) model).decoder();
            StringJoiner out = new StringJoiner(", ", "{", "}");
            out.add(String.format(Locale.ROOT, "\"load_s\": %.2f", loadSeconds));
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                float[] logits = run(d, manager, 1, prompt, 0, null);
                StringJoiner values = new StringJoiner(",", "[", "]");
                for (float v : logits) {
                    values.add(Float.toString(v));
                }
                Files.writeString(Path.of(args[2]), values.toString());
                run(d, manager, 1, 4, 2, null); // warm-up of the decode path
                for (int b : batches) {
                    long[] ns = new long[2];
                    run(d, manager, b, prompt, newTokens, ns);
                    if (b == 1) {
                        out.add(String.format(Locale.ROOT, "\"prompt_tok_s\": %.2f", prompt / (ns[0] / 1e9)));
                    }
                    out.add(String.format(Locale.ROOT, "\"decode_b%d_tok_s\": %.2f", b, (double) b * newTokens / (ns[1] / 1e9)));
                }
            }
            System.out.println(out);
        }
    }

    /** Prefill of b rows of the prompt, then newTokens greedy steps; the prefill's last logits of row 0. */
    private static float[] run(CausalDecoder d, NDManager manager, int b, int promptLen, int newTokens, long[] ns) {
        int vocab = d.config().vocabSize();
        long[] ids = new long[b * promptLen];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + (i % promptLen) % 50;
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
            float[] logits;
            try (NDManager step = req.newSubManager()) {
                NDArray h = d.forward(d.embed(step.create(ids, new Shape(b, promptLen))), valid, cache);
                logits = d.logits(h.get(":, -1, :")).toFloatArray();
            }
            long t1 = System.nanoTime();
            long[] next = new long[b];
            for (int r = 0; r < b; r++) {
                next[r] = TokenSampler.argmax(logits, r * vocab, vocab);
            }
            for (int s = 0; s < newTokens; s++) {
                try (NDManager step = req.newSubManager()) {
                    NDArray h = d.forward(d.embed(step.create(next, new Shape(b, 1))), one, cache);
                    float[] stepLogits = d.logits(h).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        next[r] = TokenSampler.argmax(stepLogits, r * vocab, vocab);
                    }
                }
            }
            if (ns != null) {
                ns[0] = t1 - t0;
                ns[1] = System.nanoTime() - t1;
            }
            return Arrays.copyOf(logits, vocab);
        }
    }
}
