package dev.crucible.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The CLI's logging set-up, in code rather than a {@code logback.xml}: parsing XML through logback's Joran
 * configurator loads about 420 classes (a SAX parser, Joran's model) and costs every command a few hundred
 * milliseconds of CPU at start-up. Logback finds this class through {@code META-INF/services}. Logs go to stderr
 * (the CLI's own output is stdout) at WARN; {@code dev.crucible} at {@code CRUCIBLE_LOG_LEVEL} (a system property
 * or environment variable, default WARN); DJL's CUDA probe, which warns twice per engine start on a CPU-only
 * machine, at ERROR. A {@code -Dlogback.configurationFile=...} or a {@code logback-test.xml} on the class path
 * still wins: then this steps aside and logback reads that file as usual.
 */
public final class CrucibleLogging extends ContextAwareBase implements Configurator {

    private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || CrucibleLogging.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, System.getProperty("CRUCIBLE_LOG_LEVEL", System.getenv("CRUCIBLE_LOG_LEVEL")));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Installs the CLI's loggers and stderr appender into {@code context}; {@code crucibleLevel} may be null. */
    static void apply(LoggerContext context, String crucibleLevel) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("dev.crucible").setLevel(Level.toLevel(crucibleLevel, Level.WARN));
        context.getLogger("ai.djl.util.cuda").setLevel(Level.ERROR);
    }
}
