package dev.crucible.evolve.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir
    Path dir;

    private static JournalEntry ok(int id) {
        return new JournalEntry("parameter", 0, id, new double[] {0.1 * id, 1.0 / 3}, Map.of("add.weight", 0.5 + id),
                Map.of("add", 0.25, "rev", 0.75), -0.5, JournalEntry.OK, null, 1.5);
    }

    @Test
    void entriesRoundTripExactly() {
        Journal journal = new Journal(dir.resolve("journal.jsonl"));
        JournalEntry failed = new JournalEntry("dataflow", 3, 7, new double[] {-0.25}, Map.of("path", List.of("a:0")),
                Map.of(), Double.NaN, JournalEntry.FAILED, "merge failed: out of memory", 0.25);
        journal.append(ok(1));
        journal.append(failed);
        List<JournalEntry> read = journal.read();
        assertThat(read).hasSize(2);
        assertThat(read.get(0).genome()).containsExactly(0.1, 1.0 / 3);
        assertThat(read.get(0).dev()).isEqualTo(Map.of("add", 0.25, "rev", 0.75));
        assertThat(read.get(0).fitness()).isEqualTo(-0.5);
        assertThat(read.get(0).ok()).isTrue();
        assertThat(read.get(1).ok()).isFalse();
        assertThat(read.get(1).fitness()).isNaN();
        assertThat(read.get(1).error()).isEqualTo("merge failed: out of memory");
        assertThat(read.get(1).parameters()).isEqualTo(Map.of("path", List.of("a:0")));
    }

    @Test
    void aTornLastLineIsIgnoredButDamageElsewhereIsReported() throws IOException {
        Journal journal = new Journal(dir.resolve("journal.jsonl"));
        journal.append(ok(1));
        Files.writeString(journal.file(), "{\"stage\":\"param", StandardOpenOption.APPEND);
        assertThat(journal.read()).hasSize(1);
        journal.rewrite(journal.read());
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("journal.jsonl");
        }
        journal.append(ok(2));
        assertThat(journal.read()).extracting(JournalEntry::candidate).containsExactly(1, 2);

        Files.writeString(journal.file(), "not json\n" + Files.readString(journal.file()));
        assertThatThrownBy(journal::read).isInstanceOf(CrucibleException.class).hasMessageContaining("journal.jsonl:1:");
    }
}
