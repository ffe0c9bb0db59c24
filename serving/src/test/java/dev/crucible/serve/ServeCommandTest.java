package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.error.CrucibleException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {

    @TempDir
    Path dir;

    @Test
    void aMissingModelFolderIsAOneLineUserError() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand());
        cli.setOut(new PrintWriter(out));
        Throwable[] failure = new Throwable[1];
        cli.setExecutionExceptionHandler((e, cl, parsed) -> {
            failure[0] = e;
            return 2;
        });
        int code = cli.execute(dir.resolve("no-model").toString(), "--port", "0");
        assertThat(code).isEqualTo(2);
        assertThat(failure[0]).isInstanceOf(CrucibleException.class).hasMessageContaining("no-model").hasMessageContaining("not a directory");
        assertThat(out.toString()).contains("loading");
    }

    @Test
    void optionsHaveDocumentedDefaults() {
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("model");
        assertThat(command.port).isEqualTo(8080);
        assertThat(command.host).isEqualTo("127.0.0.1");
        assertThat(command.adminTokenFile).isNull();
        assertThat(command.maxConcurrent).isEqualTo(4);
    }
}
