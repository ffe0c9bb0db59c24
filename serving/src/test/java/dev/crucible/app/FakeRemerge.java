package dev.crucible.app;

import dev.crucible.error.CrucibleException;
import dev.crucible.remerge.CandidateMerger;
import dev.crucible.remerge.CandidateScorer;
import dev.crucible.remerge.MergeMeter;
import dev.crucible.serve.FakeCheckpointLoaders;
import dev.crucible.stream.MergeStats;
import dev.crucible.task.TaskScore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code crucible run} whose merges and evaluations are stand-ins, so faults can be injected in
 * seconds: a base folder carries a {@code quality} file ("add rev" accuracies) that the "merge" copies
 * into the candidate and the "evaluation" reports. A {@code hold-merge} or {@code hold-evaluation} file
 * next to {@code app.yml} holds the stage until it is deleted (and a {@code merging}/{@code evaluating}
 * file says the stage has begun); weights shorter than 64 bytes fail the merge as a truncated shard.
 * {@link #main} runs it as its own process, for tests that kill it.
 */
public final class FakeRemerge {

    private FakeRemerge() {}

    /** Starts the app of {@code config} with the fake merger and scorer and the fake model loader. */
    public static RemergeApp start(AppConfig config, Path controlDir) {
        return RemergeApp.start(config, RemergeApp.serveConfig(config), FakeCheckpointLoaders.instant(), merger(controlDir),
                scorer(controlDir), () -> { });
    }

    /** {@code FakeRemerge APP.yml}: runs until SIGTERM, printing {@code ready URI} once the champion serves. */
    public static void main(String[] args) {
        Path app = Path.of(args[0]).toAbsolutePath();
        AppConfig config = AppConfigParser.parse(app);
        RemergeApp running = start(config, app.getParent());
        PrintStream out = System.out;
        out.println("ready " + running.baseUri());
        out.flush();
        running.whenTerminated().toCompletableFuture().join();
        running.close();
    }

    static CandidateMerger merger(Path control) {
        return new CandidateMerger() {
            @Override
            public MergeStats merge(Path base, Path target, MergeMeter meter) {
                hold(control, "merge");
                try {
                    if (Files.size(base.resolve("model.safetensors")) < 64) {
                        throw new CrucibleException(base.resolve("model.safetensors") + ": truncated");
                    }
                    Path staging = target.resolveSibling("." + target.getFileName() + ".tmp-fake");
                    Files.createDirectories(staging);
                    Files.writeString(staging.resolve("config.json"), "{}");
                    Files.copy(base.resolve("quality"), staging.resolve("quality"));
                    Files.move(staging, target);
                    meter.written(3, 192);
                    return new MergeStats(3, 192, 192, Duration.ofMillis(1));
                } catch (IOException e) {
                    throw new CrucibleException("fake merge failed: " + e);
                }
            }
        };
    }

    static CandidateScorer scorer(Path control) {
        return (base, modelDir) -> {
            hold(control, "evaluation");
            try {
                String[] q = Files.readString(modelDir.resolve("quality")).trim().split(" ");
                Map<String, TaskScore> scores = new LinkedHashMap<>();
                scores.put("add", new TaskScore("add", "accuracy", Double.parseDouble(q[0]), 200, 0, 1, 100, null));
                scores.put("rev", new TaskScore("rev", "accuracy", Double.parseDouble(q[1]), 200, 0, 1, 100, null));
                return scores;
            } catch (IOException e) {
                throw new CrucibleException("cannot score " + modelDir + ": " + e);
            }
        };
    }

    private static void hold(Path control, String stage) {
        Path hold = control.resolve("hold-" + stage);
        if (!Files.exists(hold)) {
            return;
        }
        try {
            Files.writeString(control.resolve(stage.equals("merge") ? "merging" : "evaluating"), "");
            while (Files.exists(hold)) {
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new CrucibleException("cannot write a marker in " + control + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("interrupted while held in " + stage);
        }
    }
}
