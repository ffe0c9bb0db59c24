package dev.crucible.serve;

import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.serve.model.ModelServer;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The pieces of a starting {@link CrucibleServer} that a {@link ServerExtension} builds on.
 *
 * @param system      the server's actor system
 * @param modelServer the actor that owns the served model and swaps it
 * @param metrics     the registry {@code /metrics} exposes
 * @param blocking    the model dispatcher, for work that blocks (merging, loading, evaluating)
 */
public record ServerParts(ActorSystem<Void> system, ActorRef<ModelServer.Command> modelServer, CrucibleMetrics metrics,
                          Executor blocking) {
}
