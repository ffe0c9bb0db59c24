package dev.crucible.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class OpenAiRequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiRequests requests = new OpenAiRequests(256);

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static ApiException refusal(Runnable parse) {
        try {
            parse.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected an ApiException");
    }

    @Test
    void completionDefaultsFollowOpenAi() throws Exception {
        CompletionRequest r = requests.completion(json("{\"prompt\":\"hi\"}"));
        assertThat(r.prompt()).isEqualTo("hi");
        assertThat(r.sampling().maxTokens()).isEqualTo(16);
        assertThat(r.sampling().temperature()).isEqualTo(1.0);
        assertThat(r.sampling().topP()).isEqualTo(1.0);
        assertThat(r.sampling().stop()).isEmpty();
        assertThat(r.stream()).isFalse();
    }

    @Test
    void samplingFieldsAreRead() throws Exception {
        CompletionRequest r = requests.completion(json(
                "{\"prompt\":[\"hi\"],\"max_tokens\":5,\"temperature\":0.5,\"top_p\":0.9,\"top_k\":3,\"seed\":42,\"stop\":\"\\n\",\"n\":1,\"user\":\"u\"}"));
        assertThat(r.prompt()).isEqualTo("hi");
        assertThat(r.sampling()).isEqualTo(new SamplingOptions(5, 0.5, 0.9, 3, 42L, List.of("\n")));
    }

    @Test
    void unsupportedValuesOfKnownFieldsAreRefusedNotIgnored() {
        assertThat(refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"n\":2}"))).param()).isEqualTo("n");
        assertThat(refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"presence_penalty\":0.5}"))).param())
                .isEqualTo("presence_penalty");
        assertThat(refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"))).param())
                .isEqualTo("stop");
        assertThat(refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"max_tokens\":0}"))).param()).isEqualTo("max_tokens");
        assertThat(refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"max_tokens\":100000}"))).param()).isEqualTo("max_tokens");
        assertThat(refusal(() -> requests.completion(parse("{\"prompt\":[\"a\",\"b\"]}"))).param()).isEqualTo("prompt");
    }

    @Test
    void wrongTypesNameTheFieldAndTheTypes() {
        ApiException e = refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"seed\":1.5}")));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_type");
        assertThat(e.getMessage()).contains("'seed'").contains("an integer").contains("a decimal");
        ApiException nested = refusal(() -> requests.completion(parse("{\"prompt\":\"hi\",\"stream_options\":{\"include_usage\":\"yes\"}}")));
        assertThat(nested.param()).isEqualTo("stream_options.include_usage");
    }

    @Test
    void chatImagesBecomePlaceholdersAtTheirPosition() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 0, 0xFF0000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        ChatRequest r = requests.chat(json("{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}},"
                + "{\"type\":\"text\",\"text\":\"color =\"}]}]}"));
        assertThat(r.messages()).containsExactly(new ChatMessage("system", "be brief"), new ChatMessage("user", "<image>color ="));
        assertThat(r.image().width()).isEqualTo(3);
        assertThat(r.image().rgb()[1]).isEqualTo(0xFF0000);
        assertThat(r.sampling().maxTokens()).as("chat without max_tokens fills the context").isZero();
    }

    @Test
    void remoteImageUrlsAndBadPayloadsAreRefused() {
        String remote = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}";
        assertThat(refusal(() -> requests.chat(parse(remote))).param()).isEqualTo("messages[0].content[0].image_url.url");
        String garbage = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"data:image/png;base64,AAAA\"}]}]}";
        assertThat(refusal(() -> requests.chat(parse(garbage))).getMessage()).contains("not a readable image");
        String role = "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}";
        assertThat(refusal(() -> requests.chat(parse(role))).param()).isEqualTo("messages[0].role");
        assertThat(refusal(() -> requests.chat(parse("{\"messages\":[]}"))).param()).isEqualTo("messages");
    }

    @Test
    void errorsSerialiseInOpenAiShape() {
        JsonNode error = ApiException.invalid("top_p", "bad").toJson().get("error");
        assertThat(error.get("message").asText()).isEqualTo("bad");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").asText()).isEqualTo("top_p");
        assertThat(error.get("code").asText()).isEqualTo("invalid_value");
    }

    private static JsonNode parse(String text) {
        try {
            return json(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
