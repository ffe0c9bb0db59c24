package dev.crucible.evolve.genome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The MoE genome's decoding, against values worked out by hand from the documented formulas. */
class MoeGenomeTest {

    @Test
    void startPointIsTheCalibratedTopOneMixtureOfEveryLayer() {
        MoeGenome g = new MoeGenome(2, 4, 2);
        assertThat(g.dimension()).isEqualTo(2 + 2 * 2);
        assertThat(g.initial()).containsExactly(0.25, 0.5, 0.5, 0.5, 0.75, 0.75);
        assertThat(g.lower()).containsOnly(0.0);
        assertThat(g.upper()).containsOnly(1.0);
        MoeCandidate c = g.decode(g.initial());
        assertThat(c.expertsPerToken()).isEqualTo(1);
        assertThat(c.l2()).isCloseTo(1e-3, offset(1e-15));
        assertThat(c.routerScale()).containsExactly(1.0, 1.0, 1.0, 1.0);
        assertThat(c.moeLayer()).containsExactly(true, true, true, true);
    }

    @Test
    void decodesEachGeneByItsFormula() {
        // 3 experts, 6 layers, 3 groups: layers {0,1}, {2,3}, {4,5}.
        MoeGenome g = new MoeGenome(3, 6, 3);
        double[] x = {0.5, 0.25, 0.0, 1.0, 2.0 / 3, 0.49, 0.5, 0.9};
        MoeCandidate c = g.decode(x);
        // k = 1 + floor(0.5 * 3) = 2; l2 = 10^(-5 + 4 * 0.25) = 1e-4.
        assertThat(c.expertsPerToken()).isEqualTo(2);
        assertThat(c.l2()).isCloseTo(1e-4, offset(1e-18));
        // scale = 2^(6u - 3): u = 0 -> 1/8, u = 1 -> 8, u = 2/3 -> 2.
        assertThat(c.routerScale().get(0)).isEqualTo(0.125);
        assertThat(c.routerScale().get(1)).isEqualTo(0.125);
        assertThat(c.routerScale().get(2)).isEqualTo(8.0);
        assertThat(c.routerScale().get(4)).isCloseTo(2.0, offset(1e-12));
        // MoE when u >= 0.5: 0.49 -> merge, 0.5 -> moe, 0.9 -> moe.
        assertThat(c.moeLayer()).containsExactly(false, false, true, true, true, true);
        Map<String, Object> d = g.describe(x);
        assertThat(d).containsEntry("experts_per_token", 2).containsEntry("l2", 1e-4)
                .containsEntry("layers", List.of("merge", "moe", "moe"));
        assertThat(d.get("router_scale")).isEqualTo(List.of(0.125, 8.0, 2.0));
    }

    @Test
    void topKBandsAndClippingAreDeterministic() {
        MoeGenome g = new MoeGenome(2, 4, 1);
        assertThat(g.decode(new double[] {0.4999, 0.5, 0.5, 1}).expertsPerToken()).isEqualTo(1);
        assertThat(g.decode(new double[] {0.5, 0.5, 0.5, 1}).expertsPerToken()).isEqualTo(2);
        assertThat(g.decode(new double[] {1.0, 0.5, 0.5, 1}).expertsPerToken()).isEqualTo(2);
        // Outside the box: clipped to its edges.
        MoeCandidate far = g.decode(new double[] {7, -3, 9, -1});
        assertThat(far.expertsPerToken()).isEqualTo(2);
        assertThat(far.l2()).isCloseTo(1e-5, offset(1e-20));
        assertThat(far.routerScale()).containsOnly(8.0);
        assertThat(far.moeLayer()).containsOnly(false);
        double[] x = {0.3, 0.7, 0.2, 0.6};
        assertThat(g.decode(x)).isEqualTo(g.decode(x.clone()));
        assertThat(g.describe(x)).isEqualTo(g.describe(x.clone()));
    }

    @Test
    void refusesPointsOfAnotherSizeAndMoreGroupsThanLayers() {
        assertThatThrownBy(() -> new MoeGenome(2, 4, 1).decode(new double[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 genes");
        assertThatThrownBy(() -> new MoeGenome(2, 2, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
