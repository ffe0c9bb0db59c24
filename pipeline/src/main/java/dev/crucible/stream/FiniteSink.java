package dev.crucible.stream;

import dev.crucible.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;

/**
 * A {@link TensorSink} that refuses merged values stored as NaN or infinity in their dtype, before they reach the
 * sink it wraps; raw copies are checked where they are read ({@link MergeRunner}), where the model is known.
 */
final class FiniteSink implements TensorSink {

    private final TensorSink sink;

    FiniteSink(TensorSink sink) {
        this.sink = sink;
    }

    @Override
    public void accept(TensorInfo info, float[] values) {
        check(info, values, 0, values.length, 0);
        sink.accept(info, values);
    }

    @Override
    public void acceptRaw(TensorInfo info, MemorySegment bytes) {
        sink.acceptRaw(info, bytes);
    }

    @Override
    public TensorWriter open(TensorInfo info) {
        TensorWriter writer = sink.open(info);
        return new TensorWriter() {
            @Override
            public void write(int from, float[] values, int count) {
                check(info, values, 0, count, from);
                writer.write(from, values, count);
            }

            @Override
            public void complete() {
                writer.complete();
            }
        };
    }

    private static void check(TensorInfo info, float[] values, int off, int count, long firstIndex) {
        int bad = NonFinite.first(values, off, count, NonFinite.limitBits(info.dtype()));
        if (bad >= 0) {
            throw NonFinite.output(info.name(), info.dtype(), firstIndex + bad - off, values[bad]);
        }
    }

    @Override
    public void finish() {
        sink.finish();
    }
}
