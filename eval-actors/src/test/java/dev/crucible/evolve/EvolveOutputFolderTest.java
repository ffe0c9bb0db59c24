package dev.crucible.evolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import dev.crucible.evolve.config.EvolveConfig;
import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.runtime.Zoo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crucible evolve} refuses an OUT_DIR that is, holds or lies inside one of its models, touching nothing. */
class EvolveOutputFolderTest {

    @TempDir
    Path dir;

    private static Map<String, Long> listing(Path root) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.size(p) ^ Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    @Test
    void anOutDirOverlappingAModelIsRefused() throws IOException {
        Path zoo = Zoo.dir().toAbsolutePath().normalize();
        Files.createSymbolicLink(dir.resolve("zoo"), zoo);
        Path models = Files.createDirectories(dir.resolve("models"));
        for (String m : List.of("base", "expert-add")) {
            Path to = Files.createDirectories(models.resolve(m));
            try (Stream<Path> files = Files.list(zoo.resolve(m))) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
        }
        EvolveConfig config = EvolveConfigParser.parse(Files.writeString(dir.resolve("evolve.yml"), """
                base_model: models/base
                models: [models/expert-add]
                merge_method: task_arithmetic
                genome: {layer_groups: 1, filters: []}
                search: {population: 4, max_evaluations: 4, sigma: 0.1, seed: 1}
                tasks: [{name: add, path: zoo/add_dev.jsonl, limit: 2}]
                """));
        Map<String, Long> before = listing(models);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        EvolveOptions options = new EvolveOptions(1, false, 0, 1);
        for (Path out : List.of(models.resolve("base"), models, models.resolve("expert-add/search"))) {
            assertThatThrownBy(() -> Evolution.run(config, out, options, quiet)).as(out.toString())
                    .isInstanceOf(CrucibleException.class).hasMessageStartingWith("OUT_DIR " + out)
                    .hasMessageContaining("input");
        }
        assertThat(listing(models)).isEqualTo(before);
        assertThat(models.resolve("expert-add/search")).doesNotExist();
    }
}
