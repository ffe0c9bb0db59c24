package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.cli.CliRun;
import dev.crucible.runtime.LanguageModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crucible moe} as a user runs it on zoo2 (experts fine-tuned in their MLPs only), then the MoE
 * through {@code crucible eval}, {@code crucible generate} and the HTTP API: with calibrated routers one
 * model answers both tasks.
 */
class ZooMoeServeTest {

    @TempDir
    Path tmp;

    private static Path zoo2() {
        return ZooServeTest.zoo().resolveSibling("zoo2");
    }

    private static String prompts(String task, int n) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(zoo2().resolve(task + "_dev.jsonl")).subList(0, n)) {
            JsonNode item = json.readTree(line);
            out.add(json.writeValueAsString(item.get("prompt").asText() + item.get("answer").asText()));
        }
        return "[" + String.join(", ", out) + "]";
    }

    @Test
    void aCalibratedMoeBuiltOnTheCommandLineAnswersBothTasksInEvalGenerateAndOverHttp() throws Exception {
        Path config = tmp.resolve("moe.yml");
        Files.writeString(config, "base_model: " + zoo2().resolve("base") + "\n"
                + "gate_mode: calibrated\nexperts_per_token: 1\nexperts:\n"
                + "  - source_model: " + zoo2().resolve("expert-add") + "\n    positive_prompts: " + prompts("add", 20) + "\n"
                + "  - source_model: " + zoo2().resolve("expert-rev") + "\n    positive_prompts: " + prompts("rev", 20) + "\n");
        Path moe = tmp.resolve("moe");

        CliRun built = CliRun.crucible("moe", config.toString(), moe.toString());
        assertThat(built.code()).as(built.err()).isZero();
        assertThat(built.out()).contains("built a 2-expert MoE (top-1, gates calibrated)");

        CliRun eval = CliRun.crucible("eval", moe.toString(), "--task", "add=" + zoo2().resolve("add_test.jsonl"),
                "--task", "rev=" + zoo2().resolve("rev_test.jsonl"), "--limit", "50", "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(eval.out());
        // each expert alone scores about 0.2 on the other's task (zoo2/README.md)
        assertThat(report.at("/tasks/add/score").asDouble()).isGreaterThan(0.8);
        assertThat(report.at("/tasks/rev/score").asDouble()).isGreaterThan(0.8);

        CliRun generated = CliRun.crucible("generate", moe.toString(), "--prompt", "add 12 34 =");
        assertThat(generated.out().strip()).isEqualTo("46");

        ServeConfig serve = ServeConfig.defaults().withPort(0).withAdminToken("moe");
        try (CrucibleServer server = CrucibleServer.start(serve, LanguageModels::load, moe)) {
            ApiClient api = new ApiClient(server.baseUri());
            JsonNode add = ApiClient.json(api.post("/v1/completions",
                    "{\"prompt\":\"add 12 34 =\",\"max_tokens\":8,\"temperature\":0}"));
            JsonNode rev = ApiClient.json(api.post("/v1/completions",
                    "{\"prompt\":\"rev hello =\",\"max_tokens\":8,\"temperature\":0}"));
            assertThat(add.at("/choices/0/text").asText()).isEqualTo(" 46");
            assertThat(rev.at("/choices/0/text").asText()).isEqualTo(" olleh");
        }
    }

    @Test
    void aConfigMistakeIsOneLineAndLeavesNoOutput() throws IOException {
        Path config = tmp.resolve("moe.yml");
        Files.writeString(config, "base_model: " + zoo2().resolve("base") + "\ngate_mode: hiden\nexperts: []\n");
        assertThat(CliRun.crucible("--help").out()).contains("moe");
        CliRun r = CliRun.crucible("moe", config.toString(), tmp.resolve("out").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains("gate_mode: unknown mode 'hiden'")
                .doesNotContain("\n");
        assertThat(tmp.resolve("out")).doesNotExist();
    }
}
