package dev.crucible.stream;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.ActorSystem;

/**
 * The actor system a {@link MergeRunner} materializes its streams on: quiet, daemonic, two dispatcher threads
 * (the merge work runs on the runner's own pools), and only the stream extension loaded, so a merge starts
 * without paying for the cluster, HTTP and typed extensions the other modules put on the classpath.
 */
final class MergeActorSystem {

    private MergeActorSystem() {
    }

    /** Starts a system named {@code crucible-merge}; the caller terminates it. */
    static ActorSystem start() {
        return ActorSystem.create("crucible-merge", config());
    }

    private static Config config() {
        return ConfigFactory.parseString("""
                pekko.loglevel = "WARNING"
                pekko.stdout-loglevel = "OFF"
                pekko.log-dead-letters = off
                pekko.daemonic = on
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = 2
                # Only the materializer: the serializers, receptionist and typed extensions that the other
                # modules' reference.conf register load (and take most of a second) for nothing here.
                pekko.library-extensions = ["org.apache.pekko.stream.SystemMaterializer$"]
                """).withFallback(ConfigFactory.load());
    }
}
