package dev.crucible.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.NamedChatTemplates;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code chat_template:} as mergekit's {@code _set_chat_template} reads it, as written into the output folder. */
class ChatTemplateFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A copy of the zoo base (weights linked) whose tokenizer_config.json carries {@code template}, or none. */
    private Path model(String name, String template) throws IOException {
        Path model = Files.createDirectories(dir.resolve(name));
        Path base = Zoo.model("base");
        Files.copy(base.resolve("config.json"), model.resolve("config.json"));
        Files.copy(base.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        Files.createSymbolicLink(model.resolve("model.safetensors"), base.resolve("model.safetensors").toAbsolutePath());
        ObjectNode config = (ObjectNode) JSON.readTree(base.resolve("tokenizer_config.json").toFile());
        config.remove("chat_template");
        if (template != null) {
            config.put("chat_template", template);
        }
        JSON.writeValue(model.resolve("tokenizer_config.json").toFile(), config);
        return model;
    }

    private JsonNode mergedTokenizerConfig(String chatTemplateLine) throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        MergedModelFiles.write(MergePlanner.plan(RecipeParser.parse("""
                merge_method: linear
                models:
                  - {model: a, parameters: {weight: 1}}
                  - {model: b, parameters: {weight: 1}}
                  - {model: c, parameters: {weight: 1}}
                """ + chatTemplateLine + "\n", dir)), out);
        return JSON.readTree(out.resolve("tokenizer_config.json").toFile());
    }

    @Test
    void aNameWritesThatTemplatesJinjaText() throws IOException {
        model("a", null);
        model("b", null);
        model("c", null);
        JsonNode config = mergedTokenizerConfig("chat_template: chatml");
        String template = config.get("chat_template").asText();
        assertThat(template).isEqualTo(NamedChatTemplates.text("chatml")).contains("'<|im_start|>' + message['role']");
        // the rest of the source's tokenizer config is kept
        assertThat(config.get("bos_token").asText()).isEqualTo("<s>");
    }

    @Test
    void everyMergekitNameHasATemplateOfItsFormat() {
        assertThat(NamedChatTemplates.NAMES).containsExactly("alpaca", "chatml", "exaone", "llama3", "mistral");
        assertThat(NamedChatTemplates.text("alpaca")).contains("### Instruction:\\n", "### Response:\\n", "### Input:\\n");
        assertThat(NamedChatTemplates.text("exaone")).contains("[|endofturn|]", "'[|' + message['role'] + '|]'");
        assertThat(NamedChatTemplates.text("llama3")).contains("<|start_header_id|>", "<|eot_id|>", "bos_token");
        assertThat(NamedChatTemplates.text("mistral")).contains("' [INST] '", "' [/INST]'", "eos_token");
    }

    @Test
    void autoTakesTheTemplateMostInputsShare() throws IOException {
        model("a", "{{ 'B' }}{% for m in messages %}{{ m.content }}{% endfor %}");
        model("b", "{% for m in messages %}{{ m.content }}{% endfor %}\n");
        model("c", "  {% for m in messages %}{{ m.content }}{% endfor %}");
        // compared after stripping, as mergekit does: b and c share one template
        assertThat(mergedTokenizerConfig("chat_template: auto").get("chat_template").asText())
                .isEqualTo("{% for m in messages %}{{ m.content }}{% endfor %}");
    }

    @Test
    void autoReadsAChatTemplateJinjaFileAndDropsTheSourcesOwnFile() throws IOException {
        model("a", null);
        Path b = model("b", null);
        Path c = model("c", null);
        Files.writeString(b.resolve("chat_template.jinja"), "{% for m in messages %}[{{ m.content }}]{% endfor %}");
        Files.writeString(c.resolve("chat_template.jinja"), "{% for m in messages %}[{{ m.content }}]{% endfor %}");
        Files.writeString(dir.resolve("a").resolve("chat_template.jinja"), "{{ 'the base template, replaced' }}{{ x }}");
        assertThat(mergedTokenizerConfig("chat_template: auto").get("chat_template").asText())
                .isEqualTo("{% for m in messages %}[{{ m.content }}]{% endfor %}");
        // transformers would prefer a copied chat_template.jinja to the tokenizer_config entry
        assertThat(dir.resolve("out").resolve("chat_template.jinja")).doesNotExist();
    }

    @Test
    void autoWithoutAnyInputTemplateWritesNone() throws IOException {
        model("a", null);
        model("b", null);
        model("c", null);
        assertThat(mergedTokenizerConfig("chat_template: auto").has("chat_template")).isFalse();
    }

    @Test
    void aLiteralTemplatePassesThrough() throws IOException {
        model("a", null);
        model("b", null);
        model("c", null);
        assertThat(mergedTokenizerConfig("chat_template: \"{{messages[0]['content']}}\"").get("chat_template")
                .asText()).isEqualTo("{{messages[0]['content']}}");
    }

    @Test
    void anUnknownNameIsOneLineWithTheKnownNames() {
        assertThatThrownBy(() -> RecipeParser.parse("merge_method: linear\nmodels: [{model: a}]\nchat_template: chatmll\n",
                dir)).isInstanceOf(CrucibleException.class)
                .hasMessage("chat_template: unknown template 'chatmll'; known names: alpaca, chatml, exaone, llama3, "
                        + "mistral, auto (the template most inputs share), or a Jinja template");
    }
}
