package dev.crucible.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WriteBehindTest {

    @Test
    void closingWhileSyncingLeavesTheFileOpenAndComplete(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            WriteBehind behind = new WriteBehind(List.of(channel), 4096);
            ByteBuffer block = ByteBuffer.allocate(8192);
            for (int i = 0; i < 256; i++) {
                block.clear();
                channel.write(block, (long) i * block.capacity());
                behind.written(block.capacity());
                if (i == 128) {
                    behind.close();
                }
            }
            assertThat(channel.isOpen()).isTrue();
            channel.force(true);
        }
        assertThat(Files.size(file)).isEqualTo(256L * 8192);
    }
}
