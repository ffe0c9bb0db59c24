package dev.crucible.serve.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Fourteen chat templates copied from real models' {@code tokenizer_config.json} (see the corpus README),
 * each rendered for five conversations and compared byte for byte with what transformers'
 * {@code apply_chat_template} gives: the expected files were rendered by Jinja2 itself in transformers'
 * chat-template environment ({@code reference.py}), never by this renderer.
 */
class ChatTemplateCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Case(@JsonProperty("add_generation_prompt") boolean addGenerationPrompt, List<Map<String, String>> messages) {}

    static Path corpus() {
        try {
            return Path.of(ChatTemplateCorpusTest.class.getResource("/chat-templates/cases.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static TransformersChatTemplate load(Path dir) throws IOException {
        String source = Files.readString(dir.resolve("template.jinja"), StandardCharsets.UTF_8);
        Map<String, String> tokens = JSON.readValue(dir.resolve("special_tokens.json").toFile(), new TypeReference<>() {});
        return new TransformersChatTemplate(source, tokens);
    }

    private static List<Path> templates() throws IOException {
        try (Stream<Path> dirs = Files.list(corpus())) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        }
    }

    @Test
    void theCorpusHoldsTheFourteenModelFamilies() throws IOException {
        assertThat(templates().stream().map(p -> p.getFileName().toString())).containsExactly("chatml", "gemma", "gemma-2",
                "llama-2", "llama-3", "llama-3.1", "llava", "mistral-v0.1", "mistral-v0.3", "mixtral", "phi-3", "qwen2",
                "qwen2.5", "zephyr");
    }

    @Test
    void onlyTemplatesThatLoopOverContentGetContentParts() throws IOException {
        for (Path dir : templates()) {
            assertThat(load(dir).usesContentParts()).as(dir.getFileName().toString())
                    .isEqualTo(dir.getFileName().toString().equals("llava"));
        }
    }

    @TestFactory
    List<DynamicTest> everyTemplateRendersEveryCaseAsTransformersDoes() throws IOException {
        Map<String, Case> cases = JSON.readValue(corpus().resolve("cases.json").toFile(), new TypeReference<>() {});
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : templates()) {
            for (Map.Entry<String, Case> c : cases.entrySet()) {
                String name = dir.getFileName() + "/" + c.getKey();
                tests.add(DynamicTest.dynamicTest(name, () -> check(dir, c.getKey(), c.getValue())));
            }
        }
        assertThat(tests).hasSize(14 * 5);
        return tests;
    }

    private static void check(Path dir, String caseName, Case c) throws IOException {
        TransformersChatTemplate template = load(dir);
        List<Map<String, Object>> messages = c.messages().stream()
                .map(m -> Map.<String, Object>of("role", m.get("role"), "content", template.usesContentParts()
                        ? List.of(Map.of("type", "text", "text", m.get("content"))) : m.get("content")))
                .toList();
        Path expected = dir.resolve(caseName + ".txt");
        if (Files.exists(expected)) {
            assertThat(template.render(messages, c.addGenerationPrompt()))
                    .isEqualTo(Files.readString(expected, StandardCharsets.UTF_8));
        } else {
            String refusal = Files.readString(dir.resolve(caseName + ".error"), StandardCharsets.UTF_8);
            assertThatThrownBy(() -> template.render(messages, c.addGenerationPrompt()))
                    .isInstanceOf(TemplateRaisedException.class).hasMessage(refusal);
        }
    }
}
