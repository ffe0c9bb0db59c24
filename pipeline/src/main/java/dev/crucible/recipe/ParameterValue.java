package dev.crucible.recipe;

import java.util.List;
import java.util.Optional;

/**
 * A recipe parameter as written: a scalar, a gradient over layers, or filter rules.
 * Evaluated per output tensor, following mergekit's {@code evaluate_setting}.
 */
public sealed interface ParameterValue permits ParameterValue.Scalar, ParameterValue.Gradient, ParameterValue.FilterRules {

    /**
     * The value for one tensor at relative layer position {@code t} in [0, 1]; empty when no
     * filter rule matches, so the caller falls back to the next precedence level.
     */
    Optional<Object> evaluate(String tensorName, double t);

    /** A single number ({@link Double}) or flag ({@link Boolean}). */
    record Scalar(Object value) implements ParameterValue {

        public Scalar {
            if (!(value instanceof Double) && !(value instanceof Boolean)) {
                throw new IllegalArgumentException("a scalar parameter is a Double or a Boolean, got " + value);
            }
        }

        /** A numeric scalar. */
        public static Scalar of(double value) {
            return new Scalar(value);
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(value);
        }
    }

    /**
     * Numbers spread evenly over a slice's layers; between two anchors the value is linear.
     * With {@code n} anchors, position {@code t} falls at {@code t*(n-1)}.
     */
    record Gradient(List<Double> points) implements ParameterValue {

        public Gradient {
            points = List.copyOf(points);
            if (points.isEmpty()) {
                throw new IllegalArgumentException("a gradient needs at least one value");
            }
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(at(t));
        }

        /** The interpolated value at {@code t} in [0, 1]. */
        public double at(double t) {
            double scaled = t * (points.size() - 1);
            int i0 = (int) scaled;
            int i1 = Math.min(points.size() - 1, i0 + 1);
            double frac = scaled - i0;
            return (1 - frac) * points.get(i0) + frac * points.get(i1);
        }
    }

    /** Rules tried in order; the first whose filter occurs in the tensor name supplies the value. */
    record FilterRules(List<FilterRule> rules) implements ParameterValue {

        public FilterRules {
            rules = List.copyOf(rules);
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            for (FilterRule rule : rules) {
                if (rule.matches(tensorName)) {
                    return rule.value().evaluate(tensorName, t);
                }
            }
            return Optional.empty();
        }
    }
}
