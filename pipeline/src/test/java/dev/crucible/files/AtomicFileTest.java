package dev.crucible.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-file replacement: old or new content, never a part, and no temporary file left behind. */
class AtomicFileTest {

    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theNewContentReplacesTheOldAndNothingElseIsLeftInTheFolder() throws IOException {
        Path file = dir.resolve("state.json");
        AtomicFile.write(file, utf8("{\"generation\":1}"));
        AtomicFile.write(file, utf8("{\"generation\":2}"));

        assertThat(Files.readString(file)).isEqualTo("{\"generation\":2}");
        assertThat(names()).containsExactly("state.json");
    }

    @Test
    void whileTheNewContentIsWrittenTheTargetStillHoldsAllOfTheOldContent() throws IOException {
        Path file = Files.writeString(dir.resolve("champions.json"), "old list");
        AtomicFile.write(file, out -> {
            out.write(utf8("new "));
            out.flush();
            assertThat(Files.readString(file)).isEqualTo("old list");
            assertThat(names()).hasSize(2).contains("champions.json")
                    .anySatisfy(name -> assertThat(name).startsWith(".champions.json.tmp-"));
            out.write(utf8("list"));
        });

        assertThat(Files.readString(file)).isEqualTo("new list");
        assertThat(names()).containsExactly("champions.json");
    }

    @Test
    void aWriteThatThrowsLeavesTheOldContentAndRemovesTheTemporaryFile() throws IOException {
        Path file = Files.writeString(dir.resolve("journal.jsonl"), "line 1\n");

        assertThatThrownBy(() -> AtomicFile.write(file, out -> {
            out.write(utf8("half a li"));
            throw new IOException("No space left on device");
        })).isInstanceOf(IOException.class).hasMessage("No space left on device");
        assertThatThrownBy(() -> AtomicFile.write(file, out -> {
            throw new IllegalStateException("serialiser broke");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(Files.readString(file)).isEqualTo("line 1\n");
        assertThat(names()).containsExactly("journal.jsonl");
    }

    @Test
    void aRenameThatFailsRemovesTheTemporaryFile() throws IOException {
        Path occupied = Files.createDirectories(dir.resolve("state.json"));
        Files.writeString(occupied.resolve("inside"), "keep");

        assertThatThrownBy(() -> AtomicFile.write(occupied, utf8("{}"))).isInstanceOf(IOException.class);

        assertThat(names()).containsExactly("state.json");
        assertThat(Files.readString(occupied.resolve("inside"))).isEqualTo("keep");
    }

    @Test
    void contentThatClosesItsStreamIsStillWrittenInFull() throws IOException {
        Path file = dir.resolve("closed.txt");
        AtomicFile.write(file, out -> {
            out.write(utf8("written, then closed"));
            out.close();
        });

        assertThat(Files.readString(file)).isEqualTo("written, then closed");
    }

    @Test
    void aMissingFolderIsCreated() throws IOException {
        Path file = dir.resolve("stage-1/search.json");
        AtomicFile.write(file, utf8("{}"));

        assertThat(Files.readString(file)).isEqualTo("{}");
    }
}
