package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The generate and logits commands print what the runtime computes. */
class RuntimeCommandsTest {

    private static String run(Object command, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void generatePrintsTheGreedyContinuation() {
        String out = run(new GenerateCommand(), Zoo.model("expert-add").toString(), "--prompt", "add 12 34 =",
                "--max-new-tokens", "8");
        assertThat(out).isEqualTo(" 46" + System.lineSeparator());
    }

    @Test
    void generateFeedsTheImageToAVlm() {
        JsonNode ref = Zoo.reference("vlm_image");
        String out = run(new GenerateCommand(), Zoo.model("vlm").toString(), "--prompt", ref.get("prompt").asText(),
                "--image", Zoo.dir().resolve(ref.get("image").asText()).toString(), "--max-new-tokens", "10");
        assertThat(out.strip()).isEqualTo(ref.get("greedy_text").asText().strip());
    }

    @Test
    void logitsPrintsTheReferenceLastPositionLogitsAsJson() throws Exception {
        JsonNode ref = Zoo.reference("base");
        StringBuilder ids = new StringBuilder();
        for (JsonNode id : ref.get("input_ids")) {
            ids.append(ids.isEmpty() ? "" : ",").append(id.asInt());
        }
        String out = run(new LogitsCommand(), Zoo.model("base").toString(), "--input-ids", ids.toString());
        JsonNode logits = new ObjectMapper().readTree(out).get("logits");
        assertThat(logits.size()).isEqualTo(ref.get("last_logits").size());
        for (int i = 0; i < logits.size(); i++) {
            assertThat(logits.get(i).asDouble()).isCloseTo(ref.get("last_logits").get(i).asDouble(),
                    org.assertj.core.api.Assertions.within(1e-3));
        }
    }
}
