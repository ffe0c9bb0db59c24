package dev.crucible.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    private static List<TensorInfo> plan(int n) {
        List<TensorInfo> plan = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            plan.add(new TensorInfo("t" + i, i % 2 == 0 ? DType.BF16 : DType.F32, new long[]{10, i + 1}));
        }
        return plan;
    }

    private static float[] values(TensorInfo t, int seed) {
        Random r = new Random(seed);
        float[] v = new float[(int) t.elementCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void singleShardIsModelSafetensorsWithoutIndex() {
        List<TensorInfo> plan = plan(3);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, 1L << 30, Map.of("merged_by", "crucible"))) {
            for (TensorInfo t : plan) {
                w.write(t.name(), values(t, 1));
            }
            w.finish();
            assertThat(w.files()).containsExactly(dir.resolve("model.safetensors"));
        }
        assertThat(dir.resolve(Checkpoint.INDEX_FILE)).doesNotExist();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThat(f.tensors()).containsExactlyElementsOf(plan);
            assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("merged_by", "crucible");
        }
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOfEight() throws IOException {
        List<TensorInfo> plan = List.of(new TensorInfo("x", DType.U8, new long[]{3}));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, 100, Map.of())) {
            w.write("x", MemorySegment.ofArray(new byte[]{1, 2, 3}));
            w.finish();
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        assertThat(bytes[(int) (8 + n - 1)]).isIn((byte) ' ', (byte) '}');
        assertThat(bytes.length).isEqualTo(8 + n + 3);
    }

    @Test
    void tensorsWrittenInAnyOrderFromManyThreadsReadBackExactly() throws IOException {
        List<TensorInfo> plan = plan(24);
        SafetensorsWriter w = SafetensorsWriter.create(dir, plan, 600, Map.of());
        List<Integer> order = new ArrayList<>(IntStream.range(0, plan.size()).boxed().toList());
        Collections.shuffle(order, new Random(3));
        order.parallelStream().forEach(i -> w.write(plan.get(i).name(), values(plan.get(i), i)));
        w.finish();

        assertThat(w.files()).hasSizeGreaterThan(2);
        assertThat(w.files().getFirst().getFileName().toString())
                .isEqualTo(String.format("model-00001-of-%05d.safetensors", w.files().size()));
        JsonNode index = new ObjectMapper().readTree(dir.resolve(Checkpoint.INDEX_FILE).toFile());
        assertThat(index.path("metadata").path("total_size").asLong()).isEqualTo(w.totalBytes());
        assertThat(index.path("weight_map").size()).isEqualTo(plan.size());

        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertThat(cp.tensorNames()).hasSize(plan.size());
            for (int i = 0; i < plan.size(); i++) {
                TensorInfo t = plan.get(i);
                assertThat(cp.info(t.name())).isEqualTo(t);
                assertThat(cp.tensor(t.name()).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .isEqualTo(FloatCodec.encode(values(t, i), t.dtype()));
                assertThat(cp.fileOf(t.name()).getFileName().toString())
                        .isEqualTo(index.path("weight_map").path(t.name()).asText());
            }
        }
    }

    @Test
    void shardsFillInPlanOrderAndOversizedTensorsGetTheirOwnShard() {
        List<TensorInfo> plan = List.of(
                new TensorInfo("a", DType.U8, new long[]{40}),
                new TensorInfo("b", DType.U8, new long[]{50}),
                new TensorInfo("c", DType.U8, new long[]{300}),
                new TensorInfo("d", DType.U8, new long[]{10}));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, 100, Map.of())) {
            for (TensorInfo t : plan) {
                w.write(t.name(), MemorySegment.ofArray(new byte[(int) t.byteSize()]));
            }
            w.finish();
            assertThat(w.files()).hasSize(3);
        }
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertThat(cp.fileOf("a")).isEqualTo(cp.fileOf("b"));
            assertThat(cp.fileOf("c")).isNotEqualTo(cp.fileOf("b"));
            assertThat(cp.fileOf("d")).isNotEqualTo(cp.fileOf("c"));
        }
    }

    @Test
    void finishRefusesWhenATensorWasNeverWritten() {
        List<TensorInfo> plan = plan(3);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, 1L << 20, Map.of())) {
            w.write("t0", values(plan.get(0), 0));
            assertThatThrownBy(w::finish).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("2 planned tensors were never written").hasMessageContaining("t1");
        }
    }

    @Test
    void refusesUnplannedDuplicateAndMissizedWrites() {
        List<TensorInfo> plan = plan(2);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, 1L << 20, Map.of())) {
            assertThatThrownBy(() -> w.write("nope", new float[1])).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("'nope' is not in the output plan");
            assertThatThrownBy(() -> w.write("t0", new float[3])).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("planned 10");
            assertThatThrownBy(() -> w.write("t1", MemorySegment.ofArray(new byte[3])))
                    .isInstanceOf(CrucibleException.class).hasMessageContaining("planned 80");
            w.write("t0", new float[10]);
            assertThatThrownBy(() -> w.write("t0", new float[10])).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("written twice");
        }
    }

    @Test
    void refusesAPlanNamingATensorTwice() {
        List<TensorInfo> plan = List.of(new TensorInfo("a", DType.U8, new long[]{1}),
                new TensorInfo("a", DType.U8, new long[]{1}));
        assertThatThrownBy(() -> SafetensorsWriter.create(dir, plan, 100, Map.of()))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("planned twice");
    }

    @Test
    void acceptsSegmentsOverNonByteArraysAndTensorsLargerThanOneWriteChunk() {
        int n = 5_000_000; // 20 MB as F32: several internal write chunks
        float[] big = new float[n];
        for (int i = 0; i < n; i++) {
            big[i] = i * 0.5f;
        }
        float[] small = {1f, 2f, 3f};
        List<TensorInfo> plan = List.of(new TensorInfo("big", DType.F32, new long[]{n}),
                new TensorInfo("small", DType.F32, new long[]{3}));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, Long.MAX_VALUE, Map.of())) {
            w.write("big", big);
            // float[]-backed heap segments have no ByteBuffer view; the writer must still take them
            w.write("small", MemorySegment.ofArray(small));
            w.finish();
        }
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertThat(java.util.Arrays.equals(cp.readFloats("big"), big)).isTrue();
            assertThat(cp.readFloats("small")).containsExactly(small);
        }
    }
}
