package dev.crucible.remerge;

import dev.crucible.error.CrucibleException;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.model.PromotionResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Promotes through the serving module's {@link ModelServer}: requests in flight finish on the old model. */
public final class ModelServerSwitch implements ChampionSwitch {

    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final Duration timeout;

    public ModelServerSwitch(ActorRef<ModelServer.Command> server, Scheduler scheduler, Duration timeout) {
        this.server = server;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    @Override
    public String promote(Path modelDir) {
        PromotionResult result;
        try {
            result = AskPattern.<ModelServer.Command, PromotionResult>ask(server,
                    replyTo -> new ModelServer.Promote(modelDir, replyTo), timeout, scheduler)
                    .toCompletableFuture().get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("interrupted while promoting " + modelDir, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new CrucibleException("the model server did not promote " + modelDir + " within "
                    + timeout.toSeconds() + " s", e);
        }
        return switch (result) {
            case PromotionResult.Promoted promoted -> promoted.version().id();
            case PromotionResult.Failed failed -> throw new CrucibleException("the server refused " + modelDir + ": "
                    + failed.message());
        };
    }
}
