package dev.crucible.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A staged output of a real process that is stopped: SIGTERM and SIGINT run the shutdown hook, which removes the
 * staging folder; after kill -9 the folder stays until the next run into the same target removes it.
 */
class OutputFolderProcessTest {

    @TempDir
    Path root;

    private record Holder(Process process, Path staging) {
    }

    private Holder startHolder(Path target) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HoldStaging.class.getName(), target.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the holder's staging folder").isNotNull();
        Path staging = Path.of(line);
        assertThat(staging.resolve("model.safetensors")).exists();
        return new Holder(p, staging);
    }

    private long leftovers() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".out.")).count();
        }
    }

    @Test
    void sigtermRemovesTheStagingFolder() throws Exception {
        Holder h = startHolder(root.resolve("out"));
        h.process().destroy();
        assertThat(h.process().waitFor()).isEqualTo(143);
        assertThat(h.staging()).doesNotExist();
        assertThat(leftovers()).isZero();
    }

    @Test
    void sigintRemovesTheStagingFolder() throws Exception {
        Holder h = startHolder(root.resolve("out"));
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(h.process().pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        assertThat(h.process().waitFor()).isEqualTo(130);
        assertThat(h.staging()).doesNotExist();
        assertThat(leftovers()).isZero();
    }

    @Test
    void afterKillNineTheNextRunIntoTheTargetRemovesTheLeftover() throws Exception {
        Path target = root.resolve("out");
        Holder h = startHolder(target);
        h.process().destroyForcibly();
        h.process().waitFor();
        assertThat(h.staging()).exists();
        try (OutputFolder next = OutputFolder.create(target, false)) {
            assertThat(h.staging()).doesNotExist();
            Files.writeString(next.staging().resolve("config.json"), "{}");
            next.commit();
        }
        assertThat(leftovers()).isZero();
        assertThat(target.resolve("config.json")).exists();
    }

    @Test
    void theStagingFolderOfALiveProcessIsLeftAlone() throws Exception {
        Path target = root.resolve("out");
        Holder h = startHolder(target);
        try {
            try (OutputFolder other = OutputFolder.create(target, false)) {
                assertThat(h.staging().resolve("model.safetensors")).exists();
                assertThat(other.staging()).isNotEqualTo(h.staging());
            }
        } finally {
            h.process().destroy();
            h.process().waitFor();
        }
        assertThat(leftovers()).isZero();
    }
}
