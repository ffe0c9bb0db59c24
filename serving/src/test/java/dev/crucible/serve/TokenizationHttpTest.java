package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vLLM's /tokenize and /detokenize over HTTP, on a model whose tokenizer_config.json carries a ChatML
 * template; the test double's tokenizer maps each character to its code point and adds BOS (id 1).
 */
class TokenizationHttpTest {

    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @TempDir
    static Path dir;

    private static CrucibleServer server;
    private static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        Path model = Files.createDirectories(dir.resolve("chatml"));
        Files.writeString(model.resolve("tokenizer_config.json"),
                ApiClient.JSON.createObjectNode().put("chat_template", CHATML).put("eos_token", "<|im_end|>").toString());
        server = CrucibleServer.start(ServeConfig.defaults().withPort(0), new FakeModels(0), model);
        client = new ApiClient(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static List<Integer> codePoints(String text) {
        return text.codePoints().boxed().toList();
    }

    private static List<Integer> tokens(JsonNode body) {
        List<Integer> ids = new ArrayList<>();
        body.get("tokens").forEach(t -> ids.add(t.asInt()));
        return ids;
    }

    @Test
    void aPromptGetsItsTokensWithBosByDefault() {
        HttpResponse<String> response = client.post("/tokenize", "{\"model\":\"chatml\",\"prompt\":\"abc\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = ApiClient.json(response);
        assertThat(tokens(body)).containsExactly(1, 97, 98, 99);
        assertThat(body.get("count").asInt()).isEqualTo(4);
        assertThat(body.get("max_model_len").asInt()).isEqualTo(64);
        assertThat(body.get("token_strs").isNull()).isTrue();
        JsonNode bare = ApiClient.json(client.post("/tokenize", "{\"prompt\":\"abc\",\"add_special_tokens\":false}"));
        assertThat(tokens(bare)).containsExactly(97, 98, 99);
    }

    @Test
    void messagesAreRenderedWithTheModelsTemplateWithoutSpecialTokensByDefault() {
        String rendered = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
        JsonNode body = ApiClient.json(client.post("/tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(tokens(body)).isEqualTo(codePoints(rendered));
        assertThat(body.get("count").asInt()).isEqualTo(rendered.length());
        JsonNode noPrompt = ApiClient.json(client.post("/tokenize",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"add_generation_prompt\":false,\"add_special_tokens\":true}"));
        List<Integer> expected = new ArrayList<>(List.of(1));
        expected.addAll(codePoints("<|im_start|>user\nHi<|im_end|>\n"));
        assertThat(tokens(noPrompt)).isEqualTo(expected);
    }

    @Test
    void detokenizeTurnsIdsBackIntoText() {
        HttpResponse<String> response = client.post("/detokenize", "{\"model\":\"chatml\",\"tokens\":[104,105,33]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(ApiClient.json(response).get("prompt").asText()).isEqualTo("hi!");
    }

    @Test
    void badBodiesGetOpenAiErrors() {
        assertError(client.post("/tokenize", "{}"), 400, "prompt");
        assertError(client.post("/tokenize", "{\"prompt\":\"a\",\"messages\":[]}"), 400, "prompt");
        assertError(client.post("/tokenize", "{\"prompt\":\"a\",\"temperature\":1}"), 400, "temperature");
        assertError(client.post("/tokenize", "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"), 400, "messages[0].role");
        assertError(client.post("/tokenize", "{\"prompt\":\"a\",\"return_token_strs\":true}"), 400, "return_token_strs");
        assertError(client.post("/tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"continue_final_message\":true}"),
                400, "continue_final_message");
        assertError(client.post("/detokenize", "{\"tokens\":[1,-2]}"), 400, "tokens");
        assertError(client.post("/detokenize", "{\"tokens\":\"abc\"}"), 400, "tokens");
        assertError(client.post("/detokenize", "{}"), 400, "tokens");
        assertThat(client.get("/tokenize").statusCode()).isEqualTo(405);
    }

    private static void assertError(HttpResponse<String> response, int status, String param) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = ApiClient.json(response).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("message").asText()).isNotBlank().doesNotContain("\n");
    }
}
