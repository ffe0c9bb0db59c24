package dev.crucible.stream;

import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.safetensors.StreamedTensor;
import dev.crucible.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes merged tensors as safetensors shards (plus index) into a folder, encoding to each tensor's dtype. */
public final class SafetensorsSink implements TensorSink, AutoCloseable {

    private final SafetensorsWriter writer;

    /** Creates the shard files for {@code outputs} in {@code dir}; {@link #finish()} syncs them to disk. */
    public SafetensorsSink(Path dir, List<TensorInfo> outputs, long maxShardBytes) {
        this(dir, outputs, maxShardBytes, true);
    }

    /** As {@link #SafetensorsSink(Path, List, long)}; {@code sync} false leaves write-back to the kernel. */
    public SafetensorsSink(Path dir, List<TensorInfo> outputs, long maxShardBytes, boolean sync) {
        this.writer = SafetensorsWriter.create(dir, outputs, maxShardBytes, Map.of("format", "pt"), sync);
    }

    @Override
    public void accept(TensorInfo info, float[] values) {
        writer.write(info.name(), values);
    }

    @Override
    public void acceptRaw(TensorInfo info, MemorySegment bytes) {
        writer.write(info.name(), bytes);
    }

    @Override
    public TensorWriter open(TensorInfo info) {
        StreamedTensor tensor = writer.open(info.name());
        return new TensorWriter() {
            @Override
            public void write(int from, float[] values, int count) {
                tensor.write(from, values, 0, count);
            }

            @Override
            public void complete() {
                tensor.complete();
            }
        };
    }

    @Override
    public void finish() {
        writer.finish();
    }

    /** The shard files written. */
    public List<Path> files() {
        return writer.files();
    }

    /** Closes the files; after a failure this leaves them incomplete (the output folder discards them). */
    @Override
    public void close() {
        writer.close();
    }
}
