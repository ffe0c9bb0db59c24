package dev.crucible.tensor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class FloatCodecTest {

    // ---- obviously-correct references -------------------------------------------------------

    /** Rounds to the nearer of the two bf16 neighbours, measured exactly; ties go to the even code. */
    static short referenceBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isInfinite(f)) {
            return (short) (bits >>> 16);
        }
        int sign = bits & 0x80000000;
        int absBits = bits & 0x7FFFFFFF;
        int lo = absBits >>> 16;
        int hi = lo + 1;
        BigDecimal x = new BigDecimal(Float.intBitsToFloat(absBits));
        BigDecimal loV = new BigDecimal(Float.intBitsToFloat(lo << 16));
        // Past the largest finite bf16 the next step is infinity, which IEEE places at 2^128.
        BigDecimal hiV = hi == 0x7F80 ? new BigDecimal(2).pow(128) : new BigDecimal(Float.intBitsToFloat(hi << 16));
        int cmp = x.subtract(loV).compareTo(hiV.subtract(x));
        int chosen = cmp < 0 ? lo : cmp > 0 ? hi : ((lo & 1) == 0 ? lo : hi);
        return (short) ((sign >>> 16) | chosen);
    }

    /** Brute force over every finite code of an 8-bit float: nearest value, ties to the even code. */
    static byte referenceF8(float f, boolean e4m3) {
        int sign = Float.floatToRawIntBits(f) < 0 ? 0x80 : 0;
        BigDecimal x = new BigDecimal(Math.abs(f));
        int best = -1;
        BigDecimal bestDist = null;
        for (int code = 0; code < 0x80; code++) {
            float v = e4m3 ? FloatCodec.f8e4m3ToFloat((byte) code) : FloatCodec.f8e5m2ToFloat((byte) code);
            BigDecimal value;
            if (Float.isNaN(v)) {
                continue;
            }
            if (Float.isInfinite(v)) {
                value = new BigDecimal(65536); // e5m2: the step after 57344 with unbounded exponent
            } else {
                value = new BigDecimal(v);
            }
            BigDecimal d = x.subtract(value).abs();
            if (best < 0 || d.compareTo(bestDist) < 0 || (d.compareTo(bestDist) == 0 && (code & 1) == 0)) {
                best = code;
                bestDist = d;
            }
        }
        return (byte) (sign | best);
    }

    // ---- 16-bit types, exhaustive ------------------------------------------------------------

    @Test
    void bf16DecodeEncodeIsIdentityForAllNonNanPatterns() {
        for (int b = 0; b < 65536; b++) {
            short bits = (short) b;
            float f = FloatCodec.bf16ToFloat(bits);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(f)))).isTrue();
            } else {
                assertThat(FloatCodec.floatToBf16(f)).as("pattern %04x", b).isEqualTo(bits);
            }
        }
    }

    @Test
    void f16DecodeEncodeIsIdentityForAllNonNanPatterns() {
        for (int b = 0; b < 65536; b++) {
            short bits = (short) b;
            float f = FloatCodec.f16ToFloat(bits);
            if (!Float.isNaN(f)) {
                assertThat(FloatCodec.floatToF16(f)).as("pattern %04x", b).isEqualTo(bits);
            }
        }
    }

    @Test
    void bulkDecodeEncodeOfAllSixteenBitPatternsIsBitExact() {
        for (DType t : new DType[]{DType.BF16, DType.F16}) {
            ByteBuffer bytes = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < 65536; b++) {
                float f = t == DType.BF16 ? FloatCodec.bf16ToFloat((short) b) : FloatCodec.f16ToFloat((short) b);
                if (!Float.isNaN(f)) {
                    bytes.putShort((short) b);
                }
            }
            byte[] patterns = java.util.Arrays.copyOf(bytes.array(), bytes.position());
            float[] decoded = FloatCodec.decode(MemorySegment.ofArray(patterns), t, patterns.length / 2);
            assertThat(FloatCodec.encode(decoded, t)).as("%s", t).isEqualTo(patterns);
        }
    }

    @Test
    void bulkSixteenBitDecodeAgreesBitForBitWithTheScalarDefinition() {
        ByteBuffer bytes = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < 65536; b++) {
            bytes.putShort((short) b);
        }
        MemorySegment all = MemorySegment.ofArray(bytes.array());
        float[] bf16 = FloatCodec.decode(all, DType.BF16, 65536);
        float[] f16 = FloatCodec.decode(all, DType.F16, 65536);
        for (int b = 0; b < 65536; b++) {
            // bf16 is by definition the upper half of a float32
            assertThat(Float.floatToRawIntBits(bf16[b])).isEqualTo(b << 16);
            assertThat(Float.floatToRawIntBits(f16[b]))
                    .isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat((short) b)));
        }
    }

    @Property
    void floatToBf16MatchesExactNearestEvenReference(@ForAll int bits) {
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f)) {
            assertThat(Float.isNaN(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(f)))).isTrue();
            return;
        }
        assertThat(FloatCodec.floatToBf16(f)).isEqualTo(referenceBf16(f));
    }

    @Test
    void floatToBf16HandlesTiesOverflowAndSubnormals() {
        float[] cases = {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE,
                0x1p-130f + 0x1p-138f, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.3895314e38f};
        for (float f : cases) {
            assertThat(FloatCodec.floatToBf16(f)).as("%s", f).isEqualTo(referenceBf16(f));
        }
        assertThat(FloatCodec.floatToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3F80); // tie to even: down
        assertThat(FloatCodec.floatToBf16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82); // tie to even: up
        assertThat(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.MAX_VALUE))).isInfinite();
    }

    @Test
    void nanStaysNanWithItsSign() {
        float negNaN = Float.intBitsToFloat(0xFFC00001);
        short b = FloatCodec.floatToBf16(negNaN);
        assertThat(Float.isNaN(FloatCodec.bf16ToFloat(b))).isTrue();
        assertThat(b & 0x8000).isEqualTo(0x8000);
        // a NaN whose payload lives only in the low bits must not collapse to infinity
        assertThat(Float.isNaN(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.intBitsToFloat(0x7F800001)))))
                .isTrue();
    }

    // ---- 8-bit floats -------------------------------------------------------------------------

    @Test
    void f8DecodeEncodeIsIdentityForAllNonNanPatterns() {
        for (int b = 0; b < 256; b++) {
            float e4 = FloatCodec.f8e4m3ToFloat((byte) b);
            if (Float.isNaN(e4)) {
                assertThat(FloatCodec.floatToF8e4m3(e4) & 0x7F).isEqualTo(0x7F);
            } else {
                assertThat(FloatCodec.floatToF8e4m3(e4)).as("e4m3 %02x", b).isEqualTo((byte) b);
            }
            float e5 = FloatCodec.f8e5m2ToFloat((byte) b);
            if (Float.isNaN(e5)) {
                assertThat(Float.isNaN(FloatCodec.f8e5m2ToFloat(FloatCodec.floatToF8e5m2(e5)))).isTrue();
            } else {
                assertThat(FloatCodec.floatToF8e5m2(e5)).as("e5m2 %02x", b).isEqualTo((byte) b);
            }
        }
    }

    @Test
    void f8KnownValues() {
        assertThat(FloatCodec.f8e4m3ToFloat((byte) 0x7E)).isEqualTo(448f);
        assertThat(FloatCodec.f8e4m3ToFloat((byte) 0x01)).isEqualTo(0x1p-9f);
        assertThat(FloatCodec.f8e4m3ToFloat((byte) 0x38)).isEqualTo(1f);
        assertThat(FloatCodec.f8e5m2ToFloat((byte) 0x7B)).isEqualTo(57344f);
        assertThat(FloatCodec.f8e5m2ToFloat((byte) 0x7C)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(FloatCodec.f8e5m2ToFloat((byte) 0x3C)).isEqualTo(1f);
        assertThat(FloatCodec.floatToF8e4m3(1e6f)).isEqualTo((byte) 0x7E);
        assertThat(FloatCodec.floatToF8e4m3(Float.NEGATIVE_INFINITY)).isEqualTo((byte) 0xFE);
        assertThat(FloatCodec.floatToF8e5m2(1e6f)).isEqualTo((byte) 0x7C);
    }

    @Property
    void floatToF8MatchesBruteForceReferenceInRange(@ForAll @FloatRange(min = -600f, max = 600f) float f) {
        assertThat(FloatCodec.floatToF8e4m3(f)).isEqualTo(referenceF8(f, true));
        assertThat(FloatCodec.floatToF8e5m2(f)).isEqualTo(referenceF8(f, false));
    }

    @Property
    void floatToF8MatchesBruteForceReferenceForAnyBits(@ForAll int bits) {
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            return;
        }
        assertThat(FloatCodec.floatToF8e4m3(f)).isEqualTo(referenceF8(f, true));
        if (Math.abs(f) < 1e6f) {
            assertThat(FloatCodec.floatToF8e5m2(f)).isEqualTo(referenceF8(f, false));
        } else {
            assertThat(FloatCodec.floatToF8e5m2(f) & 0x7F).isEqualTo(0x7C);
        }
    }

    @Test
    void f8TiesAndSubnormalsRoundToEven() {
        float[] probes = {0x1p-10f, 3 * 0x1p-10f, 5 * 0x1p-10f, 464f, 456f, 1.0625f, 1.1875f, 0x1p-17f, 3 * 0x1p-18f,
                61440f, 59392f, 1.125f, 1.375f};
        for (float f : probes) {
            assertThat(FloatCodec.floatToF8e4m3(f)).as("e4m3 %s", f).isEqualTo(referenceF8(f, true));
            assertThat(FloatCodec.floatToF8e5m2(f)).as("e5m2 %s", f).isEqualTo(referenceF8(f, false));
        }
    }

    // ---- wide floats and integers --------------------------------------------------------------

    @Property
    void f32AndF64RoundTripExactly(@ForAll int bits) {
        float f = Float.intBitsToFloat(bits);
        for (DType t : new DType[]{DType.F32, DType.F64}) {
            byte[] enc = FloatCodec.encode(new float[]{f}, t);
            float back = FloatCodec.decode(MemorySegment.ofArray(enc), t, 1)[0];
            assertThat(Float.floatToRawIntBits(back)).isEqualTo(Float.isNaN(f) && t == DType.F64
                    ? Float.floatToRawIntBits((float) (double) f) : bits);
        }
    }

    @Test
    void integerTypesRoundHalfEvenAndSaturate() {
        float[] in = {2.5f, 3.5f, -2.5f, 1e10f, -1e10f, Float.NaN, 0.49f, 300f, -3f};
        assertThat(FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(in, DType.I32)), DType.I32, in.length))
                .containsExactly(2f, 4f, -2f, 2147483647f, -2147483648f, 0f, 0f, 300f, -3f);
        assertThat(FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(in, DType.I8)), DType.I8, in.length))
                .containsExactly(2f, 4f, -2f, 127f, -128f, 0f, 0f, 127f, -3f);
        assertThat(FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(in, DType.U8)), DType.U8, in.length))
                .containsExactly(2f, 4f, 0f, 255f, 0f, 0f, 0f, 255f, 0f);
        assertThat(FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(in, DType.I16)), DType.I16, in.length))
                .containsExactly(2f, 4f, -2f, 32767f, -32768f, 0f, 0f, 300f, -3f);
        assertThat(FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(in, DType.I64)), DType.I64, in.length))
                .containsExactly(2f, 4f, -2f, 1e10f, -1e10f, 0f, 0f, 300f, -3f);
        assertThat(FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(in, DType.BOOL)), DType.BOOL, in.length))
                .containsExactly(1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f);
        assertThat(FloatCodec.encode(new float[]{0f, -0f}, DType.BOOL)).containsExactly(0, 0);
    }

    @Test
    void littleEndianLayoutOnDisk() {
        assertThat(FloatCodec.encode(new float[]{1f}, DType.BF16)).containsExactly(0x80, 0x3F);
        assertThat(FloatCodec.encode(new float[]{1f}, DType.F16)).containsExactly(0x00, 0x3C);
        assertThat(FloatCodec.encode(new float[]{1f}, DType.F32)).containsExactly(0, 0, 0x80, 0x3F);
        assertThat(FloatCodec.encode(new float[]{-2f}, DType.I32)).containsExactly(0xFE, 0xFF, 0xFF, 0xFF);
    }

    @Test
    void chunkedDecodeMatchesWholeDecodeAcrossStagingBoundaries() {
        Random r = new Random(7);
        float[] values = new float[20_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) r.nextGaussian();
        }
        for (DType t : DType.values()) {
            MemorySegment seg = MemorySegment.ofArray(FloatCodec.encode(values, t));
            float[] whole = FloatCodec.decode(seg, t, values.length);
            float[] pieces = new float[values.length + 3];
            int[] cuts = {0, 1, 8191, 8192, 8193, 16500, values.length};
            for (int c = 0; c + 1 < cuts.length; c++) {
                FloatCodec.decodeInto(seg, t, pieces, 3 + cuts[c], cuts[c], cuts[c + 1] - cuts[c]);
            }
            assertThat(java.util.Arrays.copyOfRange(pieces, 3, pieces.length)).as("%s", t).isEqualTo(whole);
        }
    }

    @Test
    void encodeIntoWritesAtTheGivenOffsetOnly() {
        byte[] buf = new byte[12];
        FloatCodec.encodeInto(new float[]{9f, 1f, 2f, 9f}, 1, 2, DType.F32, MemorySegment.ofArray(buf), 2);
        assertThat(buf).containsExactly(0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0);
    }
}
