package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model a client names is the model it gets: its own name or an alias, else 404 model_not_found, as OpenAI. */
class ModelNamesHttpTest {

    private static final String TOKEN = "names-token";

    @TempDir
    static Path dir;

    private static CrucibleServer server;
    private static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("first"));
        Files.createDirectories(dir.resolve("second"));
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdminToken(TOKEN)
                .withServedModelNames(List.of("crucible", "team/adder"));
        server = CrucibleServer.start(config, new FakeModels(0), dir.resolve("first"));
        client = new ApiClient(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> complete(String model) {
        return client.post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"add 2 3 =\",\"temperature\":0}");
    }

    private static void assertModelNotFound(HttpResponse<String> response, String model) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
        JsonNode error = ApiClient.json(response).get("error");
        assertThat(error.get("code").asText()).isEqualTo("model_not_found");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").isNull()).isTrue();
        assertThat(error.get("message").asText()).isEqualTo("The model `" + model + "` does not exist or you do not have access to it.");
    }

    @Test
    void theModelsOwnNameAndEveryAliasAreServed() {
        for (String name : List.of("first", "crucible", "team/adder")) {
            HttpResponse<String> response = complete(name);
            assertThat(response.statusCode()).as(name + ": " + response.body()).isEqualTo(200);
            assertThat(ApiClient.json(response).at("/choices/0/text").asText()).isEqualTo(" 5");
        }
        HttpResponse<String> unnamed = client.post("/v1/completions", "{\"prompt\":\"add 2 3 =\"}");
        assertThat(unnamed.statusCode()).as("no model field: the served one, as vLLM").isEqualTo(200);
    }

    @Test
    void anyOtherModelIs404ModelNotFoundOnBothEndpoints() {
        assertModelNotFound(complete("gpt-4o"), "gpt-4o");
        assertModelNotFound(client.post("/v1/chat/completions",
                "{\"model\":\"second\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}"), "second");
    }

    @Test
    void modelsListsEveryNameAndRetrieveAnswersOrSays404() {
        JsonNode listed = ApiClient.json(client.get("/v1/models"));
        List<String> ids = new ArrayList<>();
        listed.get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(Set.copyOf(ids)).isEqualTo(Set.of("first", "crucible", "team/adder"));
        listed.get("data").forEach(m -> assertThat(m.get("object").asText()).isEqualTo("model"));

        HttpResponse<String> alias = client.get("/v1/models/team/adder");
        assertThat(alias.statusCode()).as(alias.body()).isEqualTo(200);
        JsonNode card = ApiClient.json(alias);
        assertThat(card.get("id").asText()).isEqualTo("team/adder");
        assertThat(card.get("object").asText()).isEqualTo("model");
        assertThat(card.get("root").asText()).isEqualTo("first");
        assertThat(card.get("created").isNumber()).isTrue();
        assertThat(card.get("owned_by").asText()).isEqualTo("crucible");
        assertModelNotFound(client.get("/v1/models/gpt-4o"), "gpt-4o");
        assertThat(client.get("/metrics").body()).contains("route=\"/v1/models/{id}\"").doesNotContain("route=\"/v1/models/gpt-4o\"");
    }

    @Test
    void afterASwapTheOldNameIs404AndTheAliasFollowsTheNewModel() {
        HttpResponse<String> promoted = client.post("/admin/promote", "{\"path\":\"" + dir.resolve("second") + "\"}",
                "Authorization", "Bearer " + TOKEN);
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        try {
            assertModelNotFound(complete("first"), "first");
            HttpResponse<String> byAlias = complete("crucible");
            assertThat(byAlias.statusCode()).isEqualTo(200);
            assertThat(ApiClient.json(byAlias).get("model").asText()).isEqualTo("second");
            assertThat(complete("second").statusCode()).isEqualTo(200);
        } finally {
            assertThat(client.post("/admin/promote", "{\"path\":\"" + dir.resolve("first") + "\"}",
                    "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        }
    }
}
