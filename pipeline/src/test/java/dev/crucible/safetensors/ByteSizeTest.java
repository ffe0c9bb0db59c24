package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizeTest {

    @Test
    void parsesDecimalAndBinaryUnits() {
        assertThat(ByteSize.parseSize("5GB")).isEqualTo(5_000_000_000L);
        assertThat(ByteSize.parseSize("500MB")).isEqualTo(500_000_000L);
        assertThat(ByteSize.parseSize("1.5GiB")).isEqualTo(3L << 29);
        assertThat(ByteSize.parseSize("4096")).isEqualTo(4096L);
        assertThat(ByteSize.parseSize(" 2 kib ")).isEqualTo(2048L);
        assertThat(ByteSize.parseSize("1TB")).isEqualTo(1_000_000_000_000L);
    }

    /** mergekit's parse_kmb (mergekit/common.py): K, M, B are 10^3, 10^6, 10^9; a bare number is bytes. */
    @Test
    void readsMergekitsKmbSizes() {
        assertThat(ByteSize.parseSize("5B")).isEqualTo(5_000_000_000L);
        assertThat(ByteSize.parseSize("5b")).isEqualTo(5_000_000_000L);
        assertThat(ByteSize.parseSize("500M")).isEqualTo(500_000_000L);
        assertThat(ByteSize.parseSize("1000K")).isEqualTo(1_000_000L);
        assertThat(ByteSize.parseSize("1000000000")).isEqualTo(1_000_000_000L);
        assertThat(ByteSize.parseSize("0.5B")).isEqualTo(500_000_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "big", "5XB", "-3MB", "0", "1.5", "1.0000000001K", "5G", "5 G B", "99999999999TB"})
    void rejectsJunkWithAHint(String text) {
        assertThatThrownBy(() -> ByteSize.parseSize(text)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("size '" + text + "'");
    }

    @Test
    void formatsWithBinaryUnits() {
        assertThat(ByteSize.format(512)).isEqualTo("512 B");
        assertThat(ByteSize.format(1536)).isEqualTo("1.50 KiB");
        assertThat(ByteSize.format(3L << 30)).isEqualTo("3.00 GiB");
    }
}
