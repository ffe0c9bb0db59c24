package dev.crucible.demo;

import java.nio.file.Path;

/**
 * How big a demo run is and how it ends.
 *
 * @param zoo                the models and tasks
 * @param zoo2               the MLP-only experts of the MoE chapter
 * @param work               the prepared folder everything is written into
 * @param port               HTTP port of the service (0 picks a free one)
 * @param testLimit          test items scored per task in the comparison tables
 * @param devLimit           dev items per task for the search's fitness and the service's gates
 * @param evolveEvaluations  candidates the evolutionary search evaluates
 * @param mergeThreads       threads a merge uses
 * @param exit               stop after the story instead of serving until Ctrl-C
 */
public record DemoSettings(DemoZoo zoo, MoeZoo zoo2, Path work, int port, int testLimit, int devLimit, int evolveEvaluations,
                           int mergeThreads, boolean exit) {
}
