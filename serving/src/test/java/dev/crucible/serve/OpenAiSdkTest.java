package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the official {@code openai} npm package (installed once under {@code target/openai-sdk}):
 * models, retrieve, chat, streaming with usage, completions, and the SDK's own error classes for 404 and 400.
 * Skipped when node/npm or the package cannot be had (e.g. offline).
 */
class OpenAiSdkTest {

    private static final Path SDK_DIR = Path.of("target", "openai-sdk");

    @TempDir
    Path dir;

    @Test
    void theOfficialSdkTalksToTheServer() throws Exception {
        Path workDir = installSdk();
        try (InputStream script = OpenAiSdkTest.class.getResourceAsStream("/openai-sdk/client.mjs")) {
            Files.copy(script, workDir.resolve("client.mjs"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(dir.resolve("expert"));
        ServeConfig config = ServeConfig.defaults().withPort(0).withServedModelNames(List.of("adder"));
        try (CrucibleServer server = CrucibleServer.start(config, new FakeModels(0), dir.resolve("expert"))) {
            Run run = run(workDir, 120, "node", "client.mjs", server.baseUri().toString(), "adder");
            assertThat(run.exit()).as(run.output()).isZero();
            String lastLine = run.output().strip().lines().reduce((a, b) -> b).orElse("");
            JsonNode seen = ApiClient.JSON.readTree(lastLine);
            assertThat(seen.get("models").toString()).isEqualTo("[\"adder\",\"expert\"]");
            assertThat(seen.get("retrieved").asText()).isEqualTo("adder");
            assertThat(seen.get("retrieveMissing").asText()).isEqualTo("404 model_not_found true");
            assertThat(seen.get("chat").asText()).isEqualTo(" 4");
            assertThat(seen.get("chatFinish").asText()).isEqualTo("stop");
            assertThat(seen.get("chatUsage").asInt()).isEqualTo(10 + 3);
            assertThat(seen.get("streamed").asText()).isEqualTo(" 42");
            assertThat(seen.get("streamedTokens").asInt()).isEqualTo(4);
            assertThat(seen.get("completion").asText()).isEqualTo(" 7");
            assertThat(seen.get("wrongModel").asText()).isEqualTo("404 model_not_found true");
            assertThat(seen.get("twoChoices").asText()).isEqualTo("400 invalid_value true");
        }
    }

    /** {@code target/openai-sdk} with the package installed, or the test is skipped. */
    private static Path installSdk() throws Exception {
        Path workDir = SDK_DIR.toAbsolutePath();
        if (Files.isDirectory(workDir.resolve("node_modules/openai"))) {
            return workDir;
        }
        Files.createDirectories(workDir);
        try {
            Assumptions.assumeTrue(run(workDir, 30, "node", "--version").exit() == 0, "node does not run");
            Files.writeString(workDir.resolve("package.json"), "{\"name\":\"crucible-openai-sdk-test\",\"private\":true,\"type\":\"module\"}\n");
            Run install = run(workDir, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "openai@6");
            Assumptions.assumeTrue(install.exit() == 0 && Files.isDirectory(workDir.resolve("node_modules/openai")),
                    "npm could not install openai: " + install.output());
        } catch (IOException e) {
            Assumptions.abort("node/npm are not available: " + e.getMessage());
        }
        return workDir;
    }

    private record Run(int exit, String output) {}

    private static Run run(Path workDir, int seconds, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[][] output = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = new byte[0];
            }
        });
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            return new Run(-1, "timed out after " + seconds + " s");
        }
        reader.join(10_000);
        return new Run(process.exitValue(), output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8));
    }
}
