package dev.crucible.stream;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.plan.PlannedTensor;
import dev.crucible.tensor.Tensor;
import java.util.List;

/** One tensor moving through the stages; each stage fills what the next needs and drops the rest. */
final class TensorJob {

    // Chunk buffers a streamed tensor may hold on each thread working on it.
    private static final long STREAM_BUFFER_BYTES = 4L << 20;

    final PlannedTensor tensor;
    long granted;
    StreamingMerge streamer;
    MergeInput<ChunkedValues> streaming;
    long streamedBytes;
    List<Tensor> mapped;
    TensorValues base;
    List<TensorValues> models;
    TensorValues rebase;
    Tensor raw;
    float[] merged;

    TensorJob(PlannedTensor tensor) {
        this.tensor = tensor;
    }

    /**
     * Bytes of working memory while the tensor is merged: a streamed one holds a keep-mask bit per
     * element and model plus a few chunk buffers; an array merge holds its inputs and output as
     * float32 and two scratch arrays.
     */
    long workingBytes() {
        long n = tensor.output().elementCount();
        if (streaming != null) {
            return tensor.inputs().size() * (n / 8) + STREAM_BUFFER_BYTES;
        }
        // Laying out a vocabulary holds every input twice (as stored and in the output's rows).
        long copies = tensor.embeddings() != null ? 2L * tensor.inputs().size() : tensor.inputs().size();
        return (copies + 3L) * n * Float.BYTES;
    }
}
