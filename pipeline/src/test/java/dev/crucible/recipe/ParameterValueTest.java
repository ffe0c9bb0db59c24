package dev.crucible.recipe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ParameterValueTest {

    @Test
    void gradientInterpolatesLinearlyBetweenEvenlySpacedAnchors() {
        ParameterValue.Gradient g = new ParameterValue.Gradient(List.of(0.0, 1.0, 0.5));
        assertThat(g.at(0.0)).isEqualTo(0.0);
        assertThat(g.at(0.25)).isCloseTo(0.5, within(1e-12));
        assertThat(g.at(0.5)).isEqualTo(1.0);
        assertThat(g.at(0.75)).isCloseTo(0.75, within(1e-12));
        assertThat(g.at(1.0)).isEqualTo(0.5);
    }

    @Test
    void gradientOfOneValueIsConstant() {
        ParameterValue.Gradient g = new ParameterValue.Gradient(List.of(0.3));
        assertThat(g.at(0.0)).isEqualTo(0.3);
        assertThat(g.at(1.0)).isEqualTo(0.3);
    }

    @Test
    void firstMatchingFilterRuleWins() {
        ParameterValue rules = new ParameterValue.FilterRules(List.of(
                new FilterRule("self_attn", ParameterValue.Scalar.of(0.1)),
                new FilterRule("q_proj", ParameterValue.Scalar.of(0.2)),
                new FilterRule(null, ParameterValue.Scalar.of(0.9))));
        assertThat(rules.evaluate("model.layers.0.self_attn.q_proj.weight", 0)).contains(0.1);
        assertThat(rules.evaluate("model.layers.0.mlp.up_proj.weight", 0)).contains(0.9);
    }

    @Test
    void filterRulesWithoutMatchYieldNothingSoLowerLevelsApply() {
        ParameterValue rules = new ParameterValue.FilterRules(List.of(
                new FilterRule("mlp", ParameterValue.Scalar.of(0.1))));
        assertThat(rules.evaluate("model.norm.weight", 0)).isEmpty();
    }

    @Test
    void filterRuleValueMayBeAGradient() {
        ParameterValue rules = new ParameterValue.FilterRules(List.of(
                new FilterRule("*", new ParameterValue.Gradient(List.of(0.0, 1.0)))));
        assertThat(rules.evaluate("anything", 0.25)).contains(0.25);
    }
}
