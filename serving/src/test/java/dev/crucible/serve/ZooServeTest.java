package dev.crucible.serve;

import dev.crucible.serve.model.CheckpointLoader;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.runtime.LanguageModels;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The real runtime behind the HTTP API: the zoo's experts answer their tasks, and swap. */
class ZooServeTest {

    private static final String TOKEN = "zoo";

    static Path zoo() {
        return Fixtures.zoo();
    }

    @Test
    void expertAddAnswersOverHttpThenSwapsToExpertRev() throws Exception {
        List<CountingModel> loaded = new CopyOnWriteArrayList<>();
        CheckpointLoader loader = dir -> {
            CountingModel model = new CountingModel(LanguageModels.load(dir));
            loaded.add(model);
            return model;
        };
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdminToken(TOKEN);
        try (CrucibleServer server = CrucibleServer.start(config, loader, zoo().resolve("expert-add"))) {
            ApiClient api = new ApiClient(server.baseUri());

            JsonNode completion = ApiClient.json(api.post("/v1/completions",
                    "{\"prompt\":\"add 12 34 =\",\"max_tokens\":8,\"temperature\":0}"));
            assertThat(completion.at("/choices/0/text").asText()).isEqualTo(" 46");
            assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(completion.get("model").asText()).isEqualTo("expert-add");
            assertThat(completion.get("system_fingerprint").asText()).isEqualTo("v1");

            HttpResponse<String> stream = api.post("/v1/completions",
                    "{\"prompt\":\"add 12 34 =\",\"max_tokens\":8,\"temperature\":0,\"stream\":true}");
            List<JsonNode> events = ApiClient.events(stream.body());
            assertThat(events.getLast()).isNull();
            List<JsonNode> chunks = events.stream().filter(Objects::nonNull).toList();
            assertThat(chunks.size()).as("one event per token plus the closing one").isGreaterThanOrEqualTo(3);
            assertThat(chunks.stream().map(c -> c.at("/choices/0/text").asText()).collect(Collectors.joining())).isEqualTo(" 46");

            JsonNode chat = ApiClient.json(api.post("/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"add 12 34 =\"}],\"max_tokens\":8,\"temperature\":0}"));
            assertThat(chat.at("/choices/0/message/content").asText()).isEqualTo(" 46");

            HttpResponse<String> promoted = api.post("/admin/promote",
                    "{\"path\":\"" + zoo().resolve("expert-rev") + "\"}", "Authorization", "Bearer " + TOKEN);
            assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
            JsonNode rev = ApiClient.json(api.post("/v1/completions",
                    "{\"prompt\":\"rev hello =\",\"max_tokens\":8,\"temperature\":0}"));
            assertThat(rev.at("/choices/0/text").asText()).isEqualTo(" olleh");
            assertThat(rev.get("system_fingerprint").asText()).isEqualTo("v2");
            long until = System.nanoTime() + 10_000_000_000L;
            while (loaded.getFirst().closeCount() == 0 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(loaded.getFirst().closeCount()).as("expert-add released after the swap").isEqualTo(1);
        }
        assertThat(loaded).allSatisfy(m -> assertThat(m.closeCount()).isEqualTo(1));
    }

    @Test
    void theVlmSeesAnImageSentAsADataUrl() throws Exception {
        byte[] png = Files.readAllBytes(zoo().resolve("vqa/img_0201.png"));
        ServeConfig config = ServeConfig.defaults().withPort(0);
        try (CrucibleServer server = CrucibleServer.start(config, LanguageModels::load, zoo().resolve("vlm"))) {
            ApiClient api = new ApiClient(server.baseUri());
            HttpResponse<String> response = api.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(png)
                    + "\"}},{\"type\":\"text\",\"text\":\"shape =\"}]}],\"max_tokens\":10,\"temperature\":0}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(ApiClient.json(response).at("/choices/0/message/content").asText()).as("reference/vlm_image.json greedy_text").isEqualTo(" cross");
        }
    }
}
