package dev.crucible.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

/** The CLI's logging set-up in code: what logback.xml used to say, and stepping aside for a user's file. */
class CrucibleLoggingTest {

    @Test
    void logsGoToStderrAtWarnWithCrucibleAtItsOwnLevelAndDjlsCudaProbeQuiet() {
        LoggerContext context = new LoggerContext();

        CrucibleLogging.apply(context, "debug");

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class,
                a -> assertThat(a.getTarget()).isEqualTo("System.err"));
        assertThat(context.getLogger("dev.crucible").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("ai.djl.util.cuda").getLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("org.apache.pekko").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void crucibleLogsAtWarnWhenNoLevelIsGiven() {
        LoggerContext context = new LoggerContext();

        CrucibleLogging.apply(context, null);

        assertThat(context.getLogger("dev.crucible.stream").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void aLogbackTestFileOnTheClassPathIsReadInstead() {
        // This module's tests have a logback-test.xml, as a user may pass -Dlogback.configurationFile.
        assertThat(new CrucibleLogging().configure(new LoggerContext())).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    }
}
