package dev.crucible.serve;

import dev.crucible.serve.template.ChatTemplates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.cli.CrucibleMain;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A model whose chat template cannot be rendered never serves: the first load and a promotion fail with
 * one line naming the model folder, unless {@code --chat-template FILE} replaces the template.
 */
class ChatTemplateLoadHttpTest {

    private static final String UNCLOSED = "{% for message in messages %}{{ message['content'] }}";
    private static final String UNKNOWN_FILTER = "{% for message in messages %}{{ message['content'] | shout }}{% endfor %}";

    @TempDir
    Path dir;

    private Path model(String name, String template) throws IOException {
        Path model = Files.createDirectories(dir.resolve(name));
        Files.writeString(model.resolve("tokenizer_config.json"),
                ApiClient.JSON.createObjectNode().put("chat_template", template).toString());
        return model;
    }

    @Test
    void aTemplateThatCannotRenderStopsTheFirstLoadWithOneLine() throws IOException {
        Path bad = model("bad-template", UNCLOSED);
        assertThatThrownBy(() -> CrucibleServer.start(ServeConfig.defaults().withPort(0), new FakeModels(0), bad))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining(bad.resolve("tokenizer_config.json").toString())
                .hasMessageContaining("cannot be rendered")
                .hasMessageContaining("--chat-template")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void serveExitsWithTheLineNamingTheFolder() throws IOException {
        Path bad = model("bad-template", UNKNOWN_FILTER);
        CommandLine cli = new CommandLine(new ServeCommand());
        cli.setOut(new PrintWriter(new StringWriter()));
        Throwable[] failure = new Throwable[1];
        cli.setExecutionExceptionHandler((e, cl, parsed) -> {
            failure[0] = e;
            return 2;
        });
        assertThat(cli.execute(bad.toString(), "--port", "0")).isEqualTo(2);
        assertThat(failure[0]).isInstanceOf(CrucibleException.class).hasMessageContaining(bad.toString())
                .hasMessageContaining("shout");
    }

    @Test
    void theCliPrintsOneErrorLineAndExitsWithTwo() throws IOException {
        Path bad = model("bad-template", UNCLOSED);
        StringWriter err = new StringWriter();
        CommandLine cl = CrucibleMain.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("serve", bad.toString(), "--port", "0", "--chat-template", dir.resolve("missing.jinja").toString()))
                .isEqualTo(2);
        assertThat(cl.execute("serve", bad.toString(), "--port", "0")).isEqualTo(2);
        List<String> lines = err.toString().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("error: --chat-template " + dir.resolve("missing.jinja")
                + ": no such file; give a Jinja chat template file");
        assertThat(lines.get(1)).startsWith("error: " + bad.resolve("tokenizer_config.json") + ": chat_template cannot be rendered (")
                .endsWith("); fix the template or serve the model with --chat-template FILE");
    }

    @Test
    void aPromotionToABrokenTemplateIsRefusedAndTheServedModelStays() throws IOException {
        Path good = model("good", TokenizationHttpTest.CHATML);
        Path bad = model("bad-template", UNCLOSED);
        try (CrucibleServer server = CrucibleServer.start(ServeConfig.defaults().withPort(0).withAdminToken("t"),
                new FakeModels(0), good)) {
            ApiClient client = new ApiClient(server.baseUri());
            HttpResponse<String> refused = client.post("/admin/promote", "{\"path\":\"" + bad + "\"}", "Authorization", "Bearer t");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
            JsonNode error = ApiClient.json(refused).get("error");
            assertThat(error.get("code").asText()).isEqualTo("invalid_chat_template");
            assertThat(error.get("message").asText()).contains(bad.toString()).contains("cannot be rendered").doesNotContain("\n");
            JsonNode chat = ApiClient.json(client.post("/tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
            assertThat(chat.get("count").asInt()).as("still the good model's ChatML")
                    .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n".length());
        }
    }

    @Test
    void chatTemplateFileReplacesABrokenTemplate() throws IOException {
        Path bad = model("bad-template", UNCLOSED);
        Path file = dir.resolve("override.jinja");
        Files.writeString(file, "{% for m in messages %}[{{ m.role }}]{{ m.content.strip() }}{% endfor %}"
                + "{% if add_generation_prompt %}[assistant]{% endif %}\n");
        try (CrucibleServer server = CrucibleServer.start(ServeConfig.defaults().withPort(0).withChatTemplate(file),
                new FakeModels(0), bad)) {
            ApiClient client = new ApiClient(server.baseUri());
            JsonNode body = ApiClient.json(client.post("/tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\" Hi \"}]}"));
            assertThat(body.get("count").asInt()).isEqualTo("[user]Hi[assistant]".length());
        }
    }

    @Test
    void aMissingOrBrokenChatTemplateFileIsOneLineBeforeAnythingStarts() throws IOException {
        assertThatThrownBy(() -> ChatTemplates.readOverride(dir.resolve("nope.jinja")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("nope.jinja").hasMessageContaining("no such file");
        Path broken = dir.resolve("broken.jinja");
        Files.writeString(broken, UNCLOSED);
        assertThatThrownBy(() -> ChatTemplates.readOverride(broken))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("broken.jinja").hasMessageContaining("not a valid Jinja template");
    }
}
