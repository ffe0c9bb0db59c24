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
        assertThat(ByteSize.parseSize("10b")).isEqualTo(10L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "big", "5XB", "-3MB", "0", "1.5", "0.5B", "5 G B", "99999999999TB"})
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
