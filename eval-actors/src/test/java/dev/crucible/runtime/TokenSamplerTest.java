package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Greedy, top-k, top-p and seeding behave as documented. */
class TokenSamplerTest {

    private static final float[] LOGITS = {0.5f, 3f, 2.9f, -1f, 2.8f};

    @Test
    void zeroTemperatureIsArgmaxWithFirstIndexOnTies() {
        assertThat(new TokenSampler(0, 1, 0, 1).next(LOGITS, 0, LOGITS.length)).isEqualTo(1);
        assertThat(TokenSampler.argmax(new float[] {9, 1, 7, 7}, 1, 3)).isEqualTo(1);
    }

    @Test
    void topKOfOneAlwaysPicksTheMostLikelyToken() {
        TokenSampler s = new TokenSampler(5.0, 1, 1, 3);
        for (int i = 0; i < 50; i++) {
            assertThat(s.next(LOGITS, 0, LOGITS.length)).isEqualTo(1);
        }
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        TokenSampler topK = new TokenSampler(10.0, 1, 3, 4);
        TokenSampler topP = new TokenSampler(1.0, 0.5, 0, 5);
        Set<Integer> k = new HashSet<>();
        Set<Integer> p = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            k.add(topK.next(LOGITS, 0, LOGITS.length));
            p.add(topP.next(LOGITS, 0, LOGITS.length));
        }
        assertThat(k).containsExactlyInAnyOrder(1, 2, 4);
        // token 1 has ~37% of the mass, with token 2 the nucleus passes 0.5
        assertThat(p).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void theSameSeedDrawsTheSameSequence() {
        TokenSampler a = new TokenSampler(1.0, 0.95, 0, 42);
        TokenSampler b = new TokenSampler(1.0, 0.95, 0, 42);
        for (int i = 0; i < 100; i++) {
            assertThat(a.next(LOGITS, 0, LOGITS.length)).isEqualTo(b.next(LOGITS, 0, LOGITS.length));
        }
    }
}
