package dev.crucible.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Lowers library logging while the demo tells its story: its own lines say what happened, and the
 * engines' info and debug chatter (actor registrations, native library loading) would bury them.
 * Warnings still show; closing restores the previous levels.
 */
final class QuietLogs implements AutoCloseable {

    private static final Map<String, Level> LEVELS = Map.of(
            org.slf4j.Logger.ROOT_LOGGER_NAME, Level.WARN,
            // DJL warns on every engine start that no GPU was found, which is the normal case here.
            "ai.djl", Level.ERROR);

    private final Map<Logger, Level> previous = new LinkedHashMap<>();

    private QuietLogs() {
    }

    /** Applies the demo's levels when logging goes through logback; does nothing otherwise. */
    static QuietLogs install() {
        QuietLogs quiet = new QuietLogs();
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            LEVELS.forEach((name, level) -> {
                Logger logger = context.getLogger(name);
                quiet.previous.put(logger, logger.getLevel());
                logger.setLevel(level);
            });
        }
        return quiet;
    }

    @Override
    public void close() {
        previous.forEach(Logger::setLevel);
    }
}
