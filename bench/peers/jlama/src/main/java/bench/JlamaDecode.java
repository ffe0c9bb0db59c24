package bench;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * Jlama's side of the decode comparison in bench/peers.sh: loads the folder with float32 working memory, writes
 * the last-position logits of the prompt ids 5 + i % 50 to LOGITS_OUT, then times a prefill of the prompt
 * (batchForward) and NEW greedy decode steps (forward, one token at a time). Jlama decodes one sequence per
 * KV buffer, so only batch 1 is measured. Prints one JSON line like DecodePeerBench.
 *
 * Usage: JlamaDecode MODEL_DIR LOGITS_OUT PROMPT NEW
 */
public final class JlamaDecode {

    public static void main(String[] args) throws Exception {
        int prompt = Integer.parseInt(args[2]);
        int newTokens = Integer.parseInt(args[3]);
        long t0 = System.nanoTime();
        AbstractModel model = ModelSupport.loadModel(new File(args[0]), DType.F32, DType.F32);
        double load = (System.nanoTime() - t0) / 1e9;
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            ids[i] = 5 + i % 50;
        }
        try (KvBufferCache cache = new KvBufferCache(model)) {
            float[] logits = model.getLogits(last(model.batchForward(ids, 0, cache.getKvBuffer(UUID.randomUUID()))));
            StringJoiner values = new StringJoiner(",", "[", "]");
            for (float v : logits) {
                values.add(Float.toString(v));
            }
            Files.writeString(Path.of(args[1]), values.toString());
            run(model, cache, new int[] {5, 6, 7, 8}, 2); // warm-up
            long[] ns = run(model, cache, ids, newTokens);
            System.out.println(String.format(Locale.ROOT,
                    "{\"load_s\": %.2f, \"prompt_tok_s\": %.2f, \"decode_b1_tok_s\": %.2f}",
                    load, prompt / (ns[0] / 1e9), newTokens / (ns[1] / 1e9)));
        }
        System.exit(0);
    }

    private static long[] run(AbstractModel model, KvBufferCache cache, int[] ids, int newTokens) {
        KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
        long t0 = System.nanoTime();
        AbstractTensor out = model.batchForward(ids, 0, kv);
        float[] logits = model.getLogits(last(out));
        long t1 = System.nanoTime();
        int next = argmax(logits);
        for (int s = 0; s < newTokens; s++) {
            out = model.forward(next, ids.length + s, kv, java.util.Optional.empty());
            next = argmax(model.getLogits(out));
        }
        return new long[] {t1 - t0, System.nanoTime() - t1};
    }

    /** The last position's row of a prefill's output (one row per prompt token). */
    private static AbstractTensor last(AbstractTensor out) {
        return out.shape().first() == 1 ? out : out.slice(out.shape().first() - 1);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
