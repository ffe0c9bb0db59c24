package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    /** Writes an 8-byte length, the header text and {@code dataBytes} bytes counting up from 0. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return raw(json.length, json, dataBytes);
    }

    private Path raw(long declaredLength, byte[] json, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(json);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        Path p = dir.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    private void assertRejected(Path p, String... fragments) {
        assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining(fragments[0])
                .satisfies(e -> {
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }

    @Test
    void readsTensorsInDataOrderWithMetadataAndZeroCopyViews() throws IOException {
        Path p = file("{\"__metadata__\":{\"format\":\"pt\"}," + tensor("b", "U8", "[2,2]", 4, 8) + ","
                + tensor("a", "BF16", "[2]", 0, 4) + "}", 8);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.tensors()).extracting(TensorInfo::name).containsExactly("a", "b");
            assertThat(f.metadata()).containsEntry("format", "pt");
            Tensor b = f.tensor("b");
            assertThat(b.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(4, 5, 6, 7);
            assertThat(b.toFloats()).containsExactly(4f, 5f, 6f, 7f);
            assertThat(f.info("a").dtype()).isEqualTo(DType.BF16);
            assertThat(f.dataOffset("b") - f.dataOffset("a")).isEqualTo(4);
            assertThatThrownBy(() -> f.tensor("zzz")).isInstanceOf(CrucibleException.class).hasMessageContaining("zzz");
        }
    }

    @Test
    void emptyHeaderWithNoDataIsValid() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file("{}", 0))) {
            assertThat(f.tensors()).isEmpty();
        }
    }

    @Test
    void scalarAndZeroSizedTensorsAreAllowed() throws IOException {
        Path p = file("{" + tensor("s", "F32", "[]", 0, 4) + "," + tensor("z", "F32", "[0,3]", 4, 4) + "}", 4);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.tensor("s").toFloats()).hasSize(1);
            assertThat(f.tensor("z").toFloats()).isEmpty();
        }
    }

    @Test
    void mapsFilesLargerThanTwoGibibytes() throws IOException {
        long big = (1L << 31) + 4096;
        String header = "{" + tensor("huge", "U8", "[" + big + "]", 0, big) + "}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            f.write(json);
            f.setLength(8 + json.length + big); // sparse: takes no disk space
            f.seek(8 + json.length + big - 1);
            f.write(42);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            Tensor t = f.tensor("huge");
            assertThat(t.data().byteSize()).isEqualTo(big);
            assertThat(t.data().get(ValueLayout.JAVA_BYTE, big - 1)).isEqualTo((byte) 42);
        }
    }

    @Test
    void rejectsFileShorterThanEightBytes() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[5]);
        assertRejected(p, "too short");
    }

    @Test
    void rejectsHeaderLengthBeyondTheFile() throws IOException {
        assertRejected(raw(1000, "{}".getBytes(StandardCharsets.UTF_8), 0), "runs past the end");
    }

    @Test
    void rejectsAbsurdHeaderLength() throws IOException {
        assertRejected(raw(200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), 0), "100 MB");
        assertRejected(raw(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0), "100 MB");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        assertRejected(file("{\"a\":", 0), "not valid JSON");
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        assertRejected(raw(4, new byte[]{'{', (byte) 0xC3, (byte) 0x28, '}'}, 0), "UTF-8");
    }

    @Test
    void rejectsJsonThatIsNotAnObject() throws IOException {
        assertRejected(file("[1,2]", 0), "must be a JSON object");
    }

    @Test
    void rejectsDuplicateTensorNames() throws IOException {
        assertRejected(file("{" + tensor("a", "U8", "[1]", 0, 1) + "," + tensor("a", "U8", "[1]", 1, 2) + "}", 2),
                "not valid JSON", "a");
    }

    @Test
    void rejectsUnknownDtypeNamingTheTensor() throws IOException {
        assertRejected(file("{" + tensor("layer.w", "F12", "[1]", 0, 1) + "}", 1), "'layer.w'", "unknown dtype 'F12'");
    }

    @Test
    void rejectsNegativeShape() throws IOException {
        assertRejected(file("{" + tensor("w", "U8", "[-1]", 0, 1) + "}", 1), "'w'", "shape");
    }

    @Test
    void rejectsOverflowingShape() throws IOException {
        assertRejected(file("{" + tensor("w", "F32", "[4611686018427387904,4]", 0, 1) + "}", 1), "'w'", "overflows");
    }

    @Test
    void rejectsMalformedDataOffsets() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1), "'w'", "data_offsets");
        assertRejected(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[\"0\",1]}}", 1), "'w'", "data_offsets");
        assertRejected(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1), "'w'", "data_offsets");
    }

    @Test
    void rejectsDataOffsetsThatEndBeforeTheyBegin() throws IOException {
        assertRejected(file("{" + tensor("w", "U8", "[0]", 2, 1) + "}", 2), "'w'", "end before they begin");
    }

    @Test
    void rejectsDataOffsetsOutsideTheDataArea() throws IOException {
        assertRejected(file("{" + tensor("w", "U8", "[8]", 0, 8) + "}", 4), "'w'", "outside the data area");
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        assertRejected(file("{" + tensor("a", "U8", "[4]", 0, 4) + "," + tensor("b", "U8", "[4]", 2, 6) + "}", 6),
                "overlap", "'a'", "'b'");
    }

    @Test
    void rejectsHolesBetweenTensors() throws IOException {
        assertRejected(file("{" + tensor("a", "U8", "[2]", 0, 2) + "," + tensor("b", "U8", "[2]", 4, 6) + "}", 6),
                "not contiguous", "'b'");
    }

    @Test
    void rejectsTrailingBytesAfterTheLastTensor() throws IOException {
        assertRejected(file("{" + tensor("a", "U8", "[2]", 0, 2) + "}", 5), "not contiguous", "3 bytes");
    }

    @Test
    void rejectsByteLengthThatDisagreesWithShapeAndDtype() throws IOException {
        assertRejected(file("{" + tensor("w", "BF16", "[3]", 0, 4) + "}", 4), "'w'", "needs 6");
    }

    @Test
    void rejectsNonStringMetadata() throws IOException {
        assertRejected(file("{\"__metadata__\":{\"n\":1}}", 0), "__metadata__");
    }

    @Test
    void refusesPickleCheckpointsWithConversionAdvice() throws IOException {
        Path p = dir.resolve("pytorch_model.bin");
        Files.write(p, new byte[100]);
        assertRejected(p, "pickle", "safetensors", "save_pretrained");
    }

    @Test
    void missingFileIsAOneLineError() {
        assertRejected(dir.resolve("absent.safetensors"), "no such file");
    }
}
