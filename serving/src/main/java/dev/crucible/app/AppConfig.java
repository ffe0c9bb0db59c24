package dev.crucible.app;

import dev.crucible.task.TaskSelection;
import java.nio.file.Path;
import java.util.List;

/**
 * The always-on service's configuration ({@code crucible run APP.yml}); every path is already resolved
 * against the config file's folder. Read one with {@link AppConfigParser#parse(Path)}.
 *
 * @param configFile  the file this was read from
 * @param serve       HTTP listener and admin token
 * @param recipe      merge recipe whose {@code base_model} is {@code ${BASE}}
 * @param initialBase the base the first champion is merged onto at start-up
 * @param basesDir    folder where new base checkpoints appear, one sub-folder each
 * @param tasks       what candidates are scored on (at least one)
 * @param gates       when a candidate replaces the champion
 * @param stateDir    history, candidates and the champion pointer; survives restarts
 * @param watch       scan interval and completeness rule for {@code basesDir}
 * @param cluster     Pekko Cluster settings for distributed evaluation
 */
public record AppConfig(
        Path configFile,
        ServeSettings serve,
        Path recipe,
        Path initialBase,
        Path basesDir,
        List<TaskSelection> tasks,
        GateSettings gates,
        Path stateDir,
        WatchSettings watch,
        ClusterSettings cluster) {

    /** The placeholder in the recipe that names the base being merged onto. */
    public static final String BASE_PLACEHOLDER = "${BASE}";

    public AppConfig {
        tasks = List.copyOf(tasks);
    }
}
