package dev.crucible.serve.template;

import dev.crucible.recipe.NamedChatTemplates;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The chat templates a recipe's {@code chat_template: NAME} writes, rendered by the server as it renders a merged
 * model's template, give each format's prompt (the expected strings are written out by hand from the formats).
 */
class NamedChatTemplateRenderingTest {

    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "add 2 3 ="), new ChatMessage("assistant", "5"), new ChatMessage("user", "add 4 4 ="));

    private static String render(String name, List<ChatMessage> chat) {
        return new JinjaChatTemplate(new TransformersChatTemplate(NamedChatTemplates.text(name),
                Map.of("bos_token", "<s>", "eos_token", "</s>"))).render(chat);
    }

    @Test
    void chatml() {
        assertThat(render("chatml", CHAT)).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\nadd 2 3 =<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n"
                + "<|im_start|>user\nadd 4 4 =<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void llama3() {
        assertThat(render("llama3", CHAT)).isEqualTo("<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nadd 2 3 =<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n5<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nadd 4 4 =<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void mistralPutsTheSystemPromptIntoTheFirstInstructionAndRefusesUnorderedTurns() {
        assertThat(render("mistral", CHAT)).isEqualTo("<s> [INST] Be brief.\n\nadd 2 3 = [/INST] 5</s> [INST] add 4 4 = [/INST]");
        assertThatThrownBy(() -> render("mistral", List.of(new ChatMessage("assistant", "hi"))))
                .isInstanceOf(ApiException.class).hasMessageContaining("must alternate user/assistant");
    }

    @Test
    void exaone() {
        assertThat(render("exaone", CHAT)).isEqualTo("[|system|]Be brief.[|endofturn|]\n[|user|]add 2 3 =\n"
                + "[|assistant|]5[|endofturn|]\n[|user|]add 4 4 =\n[|assistant|]");
        assertThat(render("exaone", List.of(new ChatMessage("user", "hi"))))
                .isEqualTo("[|system|][|endofturn|]\n[|user|]hi\n[|assistant|]");
    }
}
