package dev.crucible.serve.inference;

import dev.crucible.serve.openai.ApiException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.runtime.TextTokenizer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A prompt's fit is decided in work linear in what is needed, never by tokenizing a huge prompt whole. */
class PromptBudgetTest {

    /** One token per word (runs of non-blank characters), plus BOS; counts every character it is given. */
    static final class WordTokenizer implements TextTokenizer {
        final AtomicLong charsEncoded = new AtomicLong();
        final AtomicLong longestCall = new AtomicLong();

        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            charsEncoded.addAndGet(text.length());
            longestCall.accumulateAndGet(text.length(), Math::max);
            String trimmed = text.strip();
            int words = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
            return new int[words + (addSpecialTokens ? 1 : 0)];
        }

        @Override
        public String decode(int[] ids) {
            return "";
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public Set<Integer> eosIds() {
            return Set.of(2);
        }

        @Override
        public int padId() {
            return 0;
        }
    }

    @Test
    void aPromptThatFitsIsCountedExactly() {
        WordTokenizer tokenizer = new WordTokenizer();
        String prompt = "word ".repeat(3000);
        assertThat(PromptBudget.promptTokens(tokenizer, 4096, prompt, 16, "prompt")).isEqualTo(3001);
    }

    @Test
    void aPromptLongerThanAnyContextCouldHoldIsRefusedWithoutTokenizing() {
        WordTokenizer tokenizer = new WordTokenizer();
        String twoMegabytes = "x".repeat(2 << 20);
        assertThatThrownBy(() -> PromptBudget.promptTokens(tokenizer, 4096, twoMegabytes, 0, "prompt"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("context_length_exceeded");
                    assertThat(e.param()).isEqualTo("prompt");
                    assertThat(e.getMessage()).contains("maximum context length is 4096 tokens").contains("2097152 characters");
                });
        assertThat(tokenizer.charsEncoded.get()).isZero();
    }

    @Test
    void aLongPromptUnderTheCharacterBoundIsCountedInChunksAndStopsOncePastTheContext() {
        WordTokenizer tokenizer = new WordTokenizer();
        // 100k words of 4 characters: 500,000 characters, under 4096 * 128, but 25x the context in tokens.
        String prompt = "word ".repeat(100_000);
        assertThatThrownBy(() -> PromptBudget.promptTokens(tokenizer, 4096, prompt, 0, "messages"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("context_length_exceeded");
                    assertThat(e.param()).isEqualTo("messages");
                });
        // Counting stops within a chunk of the context (4096 words = 20,480 characters), never reaching the whole prompt.
        assertThat(tokenizer.charsEncoded.get()).isLessThanOrEqualTo(4096L * 5 + 2L * PromptBudget.CHUNK_CHARS);
        assertThat(tokenizer.longestCall.get()).isLessThanOrEqualTo(PromptBudget.CHUNK_CHARS);
    }

    @Test
    void chunksAreCutAtWhitespaceSoWordsStayWhole() {
        WordTokenizer tokenizer = new WordTokenizer();
        // 7-character words: a cut inside a word would count it twice and push the sum over the exact count.
        String prompt = "abcdef ".repeat(5000);
        assertThat(PromptBudget.promptTokens(tokenizer, 5002, prompt, 1, "prompt")).isEqualTo(5001);
    }
}
