package dev.crucible.serve.template;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.serve.FakeLanguageModel;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.ChatMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat templates as published on the Hugging Face hub, against what apply_chat_template renders. */
class JinjaChatTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    private static final String ZEPHYR = """
            {% for message in messages %}
            {% if message['role'] == 'user' %}
            {{ '<|user|>\\n' + message['content'] + eos_token }}
            {% elif message['role'] == 'system' %}
            {{ '<|system|>\\n' + message['content'] + eos_token }}
            {% elif message['role'] == 'assistant' %}
            {{ '<|assistant|>\\n'  + message['content'] + eos_token }}
            {% endif %}
            {% if loop.last and add_generation_prompt %}
            {{ '<|assistant|>' }}
            {% endif %}
            {% endfor %}""";

    private static JinjaChatTemplate template(String source, String bos, String eos) {
        return new JinjaChatTemplate(new TransformersChatTemplate(source, Map.of("bos_token", bos, "eos_token", eos)));
    }

    @Test
    void chatMlRendersEveryTurnThenTheAssistantPrompt() {
        String prompt = template(CHATML, "", "").render(List.of(
                new ChatMessage("system", "You are helpful."), new ChatMessage("user", "Hi")));
        assertThat(prompt).isEqualTo("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void llama2FoldsTheSystemPromptIntoTheFirstTurn() {
        String prompt = template(LLAMA2, "<s>", "</s>").render(List.of(new ChatMessage("system", "SYS"),
                new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello"), new ChatMessage("user", " Bye ")));
        assertThat(prompt).isEqualTo("<s>[INST] <<SYS>>\nSYS\n<</SYS>>\n\nHi [/INST] Hello </s><s>[INST] Bye [/INST]");
    }

    @Test
    void raiseExceptionBecomesABadRequest() {
        JinjaChatTemplate template = template(LLAMA2, "<s>", "</s>");
        assertThatThrownBy(() -> template.render(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b"))))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("roles must alternate");
                });
    }

    @Test
    void blockTagsTrimTheirNewlinesLikeTransformers() {
        String prompt = template(ZEPHYR, "<s>", "</s>").render(List.of(new ChatMessage("user", "Hi")));
        assertThat(prompt).isEqualTo("<|user|>\nHi</s>\n<|assistant|>\n");
    }

    @Test
    void whitespaceControlAndFiltersWork() {
        String source = "{%- for m in messages -%}\n  [{{ loop.index }}/{{ messages|length }}:{{ m.content|trim|upper }}]\n"
                + "{%- endfor %}{{ missing is defined }}{{ 'x' if messages|length > 1 else 'y' }}{{ messages[-1].role }}";
        String prompt = template(source, "", "").render(List.of(new ChatMessage("user", " a "),
                new ChatMessage("assistant", "b")));
        assertThat(prompt).isEqualTo("[1/2:A][2/2:B]Falsexassistant");
    }

    @Test
    void theModelFolderDecidesTheTemplate(@TempDir Path dir) throws Exception {
        assertThat(ChatTemplates.forModelDir(dir)).isInstanceOf(PlainChatTemplate.class);
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\":{\"content\":\"<s>\"},\"eos_token\":\"</s>\",\"chat_template\":" + JSON.writeValueAsString(LLAMA2) + "}");
        assertThat(ChatTemplates.forModelDir(dir).render(List.of(new ChatMessage("user", "Hi")))).isEqualTo("<s>[INST] Hi [/INST]");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\":\"{{ messages[0].content | nosuchfilter }}\"}");
        assertThatThrownBy(() -> ChatTemplates.forModelDir(dir)).as("no silent fallback for a model that has a template")
                .isInstanceOf(CrucibleException.class).hasMessageContaining("tokenizer_config.json: chat_template cannot be rendered");
        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}\n");
        assertThat(ChatTemplates.forModelDir(dir).render(List.of(new ChatMessage("user", "Hi")))).isEqualTo("<user>Hi");
    }

    @Test
    void aGenerationPromptLeavesOutTheBosTheTokenizerAddsItself() {
        ChatMessage hi = new ChatMessage("user", "Hi");
        JinjaChatTemplate llama2 = template(LLAMA2, "<s>", "</s>");
        // the fake tokenizer adds BOS (id 1) when asked for special tokens
        JinjaChatTemplate forModel = llama2.forTokenizer(new FakeLanguageModel("m", 0, false).tokenizer());
        assertThat(forModel.render(List.of(hi))).isEqualTo("[INST] Hi [/INST]");
        assertThat(forModel.render(List.of(hi), true)).as("the template's text is unchanged").isEqualTo("<s>[INST] Hi [/INST]");
        assertThat(template(CHATML, "", "").forTokenizer(new FakeLanguageModel("m", 0, false).tokenizer()).render(List.of(hi)))
                .startsWith("<|im_start|>user");
    }

    @Test
    void aListOfNamedTemplatesUsesTheDefaultOne(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\":[{\"name\":\"tool_use\",\"template\":\"T\"},"
                + "{\"name\":\"default\",\"template\":\"D{{ messages|length }}\"}]}");
        assertThat(ChatTemplates.forModelDir(dir).render(List.of(new ChatMessage("user", "Hi")))).isEqualTo("D1");
    }

    @Test
    void aTemplateThatLoopsOverContentGetsPartsWithTheImageWhereItWas() {
        String llava = "{% for message in messages %}{{ message['role'].upper() + ': '}}"
                + "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>\\n' }}{% endfor %}"
                + "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}{% endfor %}"
                + "{% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";
        String prompt = template(llava, "<s>", "</s>").render(List.of(new ChatMessage("user", "<image>What color?")));
        assertThat(prompt).isEqualTo("USER: <image>\nWhat color? ASSISTANT:");
        String parts = "{% for m in messages %}{% for p in m.content %}{{ p.type }}{% if p.text is defined %}={{ p.text }}{% endif %};"
                + "{% endfor %}{% endfor %}";
        assertThat(template(parts, "", "").render(List.of(new ChatMessage("user", "a<image>b<image>")), false))
                .isEqualTo("text=a;image;text=b;image;");
    }

    @Test
    void aTemplateFailureOtherThanARefusalIsAServerError() {
        JinjaChatTemplate template = template("{{ no_such_function(messages) }}", "", "");
        assertThatThrownBy(() -> template.render(List.of(new ChatMessage("user", "1"))))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.code()).isEqualTo("template_error");
                });
    }

    @Test
    void theZooModelsHaveNoTemplateSoChatsArePlain() {
        ChatTemplate zoo = ChatTemplates.forModelDir(Fixtures.zoo().resolve("expert-add"));
        assertThat(zoo).isInstanceOf(PlainChatTemplate.class);
        assertThat(zoo.render(List.of(new ChatMessage("system", "s"), new ChatMessage("user", "add 1 2 =")))).isEqualTo("s\nadd 1 2 =");
    }
}
