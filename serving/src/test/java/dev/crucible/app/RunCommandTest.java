package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.remerge.Champion;
import dev.crucible.remerge.RemergeState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crucible run} says whether it builds the first champion or restores the stored one. */
class RunCommandTest {

    @TempDir
    Path dir;

    @Test
    void theFirstStartBuildsAndALaterOneRestores() throws Exception {
        Path app = Files.writeString(dir.resolve("app.yml"), """
                recipe: recipe.yml
                initial_base: initial
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                """);
        AppConfig config = AppConfigParser.parse(app);

        assertThat(RunCommand.startLine(config)).isEqualTo("building the champion from " + dir.resolve("initial")
                + " (recipe " + dir.resolve("recipe.yml") + "); no champion stored in " + dir.resolve("state") + " yet ...");
        assertThat(dir.resolve("state")).as("only read").doesNotExist();

        Path champion = dir.resolve("state/candidates/c0001-initial");
        RemergeState.open(dir.resolve("state")).pushChampion(new Champion("c0001-initial", champion.toString(),
                dir.resolve("initial").toString(), Map.of()));

        assertThat(RunCommand.startLine(config)).isEqualTo("restoring the champion c0001-initial (" + champion + ") from "
                + dir.resolve("state") + " ...");
    }
}
