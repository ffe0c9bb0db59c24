package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamedTensorTest {

    @TempDir
    Path dir;

    private static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return v;
    }

    @Test
    void rangesWrittenOutOfOrderFromManyThreadsReadBackAsOneWholeWrite() {
        // Larger than one encode buffer, with ranges that straddle its boundaries.
        TensorInfo bf16 = new TensorInfo("a", DType.BF16, new long[] {700_001});
        TensorInfo f32 = new TensorInfo("b", DType.F32, new long[] {3, 1000});
        float[] a = values(700_001, 1);
        float[] b = values(3000, 2);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, List.of(bf16, f32), 1L << 30, Map.of())) {
            StreamedTensor streamed = w.open("a");
            int range = 65_537;
            int ranges = (a.length + range - 1) / range;
            IntStream.range(0, ranges).map(i -> ranges - 1 - i).parallel().forEach(i -> {
                int from = i * range;
                int count = Math.min(range, a.length - from);
                float[] chunk = new float[count + 3];
                System.arraycopy(a, from, chunk, 3, count);
                streamed.write(from, chunk, 3, count);
            });
            streamed.complete();
            w.write("b", b);
            w.finish();
        }
        try (Checkpoint c = Checkpoint.open(dir)) {
            float[] expected = FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(a, DType.BF16)),
                    DType.BF16, a.length);
            assertThat(c.readFloats("a")).isEqualTo(expected);
            assertThat(c.readFloats("b")).isEqualTo(b);
        }
    }

    @Test
    void completeRefusesWhenTheRangesDoNotCoverTheTensor() {
        TensorInfo t = new TensorInfo("t", DType.F16, new long[] {100});
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, List.of(t), 1L << 20, Map.of())) {
            StreamedTensor streamed = w.open("t");
            streamed.write(0, new float[60], 0, 60);
            assertThatThrownBy(streamed::complete).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("'t': 60 elements written, planned 100");
            assertThatThrownBy(() -> streamed.write(90, new float[20], 0, 20))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[90, 110)");
        }
    }

    @Test
    void finishRefusesATensorOpenedButNeverCompleted() {
        TensorInfo t = new TensorInfo("t", DType.F32, new long[] {4});
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, List.of(t), 1L << 20, Map.of())) {
            w.open("t").write(0, new float[4], 0, 4);
            assertThatThrownBy(w::finish).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("1 tensors were opened but never completed").hasMessageContaining("[t]");
        }
    }

    @Test
    void aTensorCannotBeOpenedAfterItWasWritten() {
        TensorInfo t = new TensorInfo("t", DType.F32, new long[] {4});
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, List.of(t), 1L << 20, Map.of())) {
            w.write("t", new float[4]);
            assertThatThrownBy(() -> w.open("t")).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("written twice");
        }
    }
}
