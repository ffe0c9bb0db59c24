package dev.crucible.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.safetensors.Zoo;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCommandTest {

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new InspectCommand());
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void jsonDescribesTheVisionLanguageModel() throws Exception {
        JsonNode j = new ObjectMapper().readTree(run("--json", Zoo.model("vlm").toString()));
        assertThat(j.path("architecture").asText()).isEqualTo("LlavaForConditionalGeneration");
        assertThat(j.path("model_type").asText()).isEqualTo("llava");
        assertThat(j.path("dtypes").path("BF16").asInt()).isEqualTo(82);
        assertThat(j.path("layers").asInt()).isEqualTo(4);
        assertThat(j.path("vision_language").asBoolean()).isTrue();
        assertThat(j.path("tied_embeddings").asBoolean()).isFalse();
        JsonNode subs = j.path("submodules");
        assertThat(subs.path("language_model").path("parameters").asLong()).isEqualTo(754_816L);
        assertThat(subs.has("vision_tower")).isTrue();
        assertThat(subs.path("multi_modal_projector").path("tensors").asInt()).isEqualTo(4);
        long total = subs.path("language_model").path("parameters").asLong()
                + subs.path("vision_tower").path("parameters").asLong()
                + subs.path("multi_modal_projector").path("parameters").asLong();
        assertThat(j.path("parameters").asLong()).isEqualTo(total);
        assertThat(j.path("tensors")).hasSize(82);
        JsonNode first = j.path("tensors").get(0);
        assertThat(first.path("name").asText()).isEqualTo("language_model.lm_head.weight");
        assertThat(first.path("dtype").asText()).isEqualTo("BF16");
        assertThat(first.path("shape").toString()).isEqualTo("[64,128]");
        assertThat(first.path("bytes").asLong()).isEqualTo(16384L);
    }

    @Test
    void textSummaryListsFactsAndTensors() {
        String text = run(Zoo.model("expert-rev").toString());
        assertThat(text).contains("LlamaForCausalLM", "F16 x39", "755K (754,816)", "layers        4",
                "model.layers.3.mlp.up_proj.weight", "[352, 128]");
    }

    @Test
    void humanCountsReadLikeModelCards() {
        assertThat(InspectCommand.humanCount(950)).isEqualTo("950");
        assertThat(InspectCommand.humanCount(1_234_567)).isEqualTo("1.2M");
        assertThat(InspectCommand.humanCount(6_738_415_616L)).isEqualTo("6.7B");
        assertThat(InspectCommand.humanCount(999_999)).isEqualTo("1.0M");
        assertThat(InspectCommand.humanCount(754_816)).isEqualTo("755K");
    }
}
