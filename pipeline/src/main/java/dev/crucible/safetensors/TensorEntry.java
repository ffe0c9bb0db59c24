package dev.crucible.safetensors;

import dev.crucible.tensor.TensorInfo;

/** One tensor of a safetensors header: its facts and its byte range within the data area. */
public record TensorEntry(TensorInfo info, long begin, long end) {

    /** Bytes of data. */
    public long length() {
        return end - begin;
    }
}
