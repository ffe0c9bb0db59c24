package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.runtime.decoder.KvCache;
import dev.crucible.runtime.vision.LlavaImageEncoder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The forward passes of {@link TransformerLanguageModel} over a batch of token rows of different lengths:
 * rows are left padded to one length (padding masked out, as transformers pads decoder-only models on the
 * left), embedded, image features spliced in at the image-token slots, and run through the decoder against
 * a KV cache. Prefill and decode steps allocate in a sub-manager of the batch's, closed after the step.
 */
final class PaddedForward {

    private final CausalDecoder decoder;
    private final LlavaImageEncoder vision;
    private final int padId;
    private final int imageTokenId;

    /** {@code vision} is null for a text-only model. */
    PaddedForward(CausalDecoder decoder, LlavaImageEncoder vision, int padId, int imageTokenId) {
        this.decoder = decoder;
        this.vision = vision;
        this.padId = padId;
        this.imageTokenId = imageTokenId;
    }

    /** Prefills the rows into the cache and returns the logits after each row's last token, [B * vocab]. */
    float[] prefillLastLogits(NDManager batch, List<int[]> prompts, List<ImageInput> images, KvCache cache) {
        try (NDManager step = batch.newSubManager()) {
            NDArray hidden = runPadded(step, prompts, images, cache);
            NDArray last = hidden.get(":, -1, :");
            return decoder.logits(last).toFloatArray();
        }
    }

    /** Feeds one token per row ([B][1]) and returns the next logits, [B * vocab]. */
    float[] decodeStep(NDManager batch, int[][] next, KvCache cache) {
        try (NDManager step = batch.newSubManager()) {
            int b = next.length;
            NDArray ids = step.create(flatten(next, b, 1), new Shape(b, 1));
            boolean[][] valid = new boolean[b][1];
            for (boolean[] row : valid) {
                row[0] = true;
            }
            NDArray hidden = decoder.forward(decoder.embed(ids), valid, cache);
            return decoder.logits(hidden.reshape(b, -1)).toFloatArray();
        }
    }

    /** Left-pads the rows to one length, embeds them (image features spliced in) and runs the decoder: [B, T, H] in step. */
    NDArray runPadded(NDManager step, List<int[]> rows, List<ImageInput> images, KvCache cache) {
        int b = rows.size();
        int t = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[][] padded = new int[b][t];
        boolean[][] valid = new boolean[b][t];
        for (int i = 0; i < b; i++) {
            int[] r = rows.get(i);
            int pad = t - r.length;
            Arrays.fill(padded[i], 0, pad, padId);
            System.arraycopy(r, 0, padded[i], pad, r.length);
            Arrays.fill(valid[i], pad, t, true);
        }
        NDArray ids = step.create(flatten(padded, b, t), new Shape(b, t));
        NDArray embeds = decoder.embed(ids);
        if (images.stream().anyMatch(Objects::nonNull)) {
            embeds = spliceImages(step, embeds, padded, images);
        }
        return decoder.forward(embeds, valid, cache);
    }

    // Replaces the embeddings at image-token slots of rows with an image by that image's features, in order.
    private NDArray spliceImages(NDManager step, NDArray embeds, int[][] ids, List<ImageInput> images) {
        int b = ids.length;
        int t = ids[0].length;
        List<ImageInput> present = images.stream().filter(Objects::nonNull).toList();
        NDArray features = vision.encode(step, present);
        long[] index = new long[b * t];
        long next = (long) b * t;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                boolean image = images.get(i) != null && ids[i][j] == imageTokenId;
                index[i * t + j] = image ? next++ : (long) i * t + j;
            }
        }
        long h = embeds.getShape().get(2);
        NDArray table = embeds.reshape(-1, h).concat(features, 0);
        return table.get(step.create(index)).reshape(b, t, h);
    }

    private static long[] flatten(int[][] rows, int b, int t) {
        long[] out = new long[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                out[i * t + j] = rows[i][j];
            }
        }
        return out;
    }
}
