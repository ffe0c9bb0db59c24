package dev.crucible.merge;

import java.util.Objects;

/**
 * One parameter a merge method reads, declared once with its name, scope, kind and default (mergekit's
 * {@code ConfigParameterDef}, {@code mergekit/merge_methods/base.py}): the planner resolves exactly the declared
 * names, the recipe parser warns about the rest, and the method reads its values through this declaration, so a
 * name or default is never written twice.
 *
 * @param name         the recipe key, e.g. {@code density}
 * @param scope        whether each model has its own value or the tensor has one
 * @param kind         a number or a true/false flag
 * @param defaultValue the value when unset: a {@link Double} for numbers, a {@link Boolean} for flags, or null when
 *                     the method cannot do without it (or decides itself what unset means)
 * @param searched     whether an evolutionary search varies it: a continuous knob that changes the result
 */
public record ParameterDefinition(String name, Scope scope, Kind kind, Object defaultValue, boolean searched) {

    /** Whether each model has its own value ({@code models[i].parameters}) or the tensor has one. */
    public enum Scope { PER_MODEL, GLOBAL }

    /** What the value is. */
    public enum Kind { NUMBER, FLAG }

    /** The per-model {@code weight} that averaging methods require. */
    public static final ParameterDefinition WEIGHT = perModel("weight", null).asSearched();

    public ParameterDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(kind, "kind");
        if (defaultValue != null && !(kind == Kind.NUMBER ? defaultValue instanceof Double : defaultValue instanceof Boolean)) {
            throw new IllegalArgumentException(name + ": default " + defaultValue + " is not a " + kind);
        }
    }

    /** A per-model number; {@code dflt} null when it has no default. */
    public static ParameterDefinition perModel(String name, Double dflt) {
        return new ParameterDefinition(name, Scope.PER_MODEL, Kind.NUMBER, dflt, false);
    }

    /** A global number; {@code dflt} null when it has no default. */
    public static ParameterDefinition global(String name, Double dflt) {
        return new ParameterDefinition(name, Scope.GLOBAL, Kind.NUMBER, dflt, false);
    }

    /** A global true/false flag. */
    public static ParameterDefinition flag(String name, boolean dflt) {
        return new ParameterDefinition(name, Scope.GLOBAL, Kind.FLAG, dflt, false);
    }

    /** This parameter, marked as one an evolutionary search varies. */
    public ParameterDefinition asSearched() {
        return new ParameterDefinition(name, scope, kind, defaultValue, true);
    }

    /** This parameter with another default (a family member's own). */
    public ParameterDefinition withDefault(Object dflt) {
        return new ParameterDefinition(name, scope, kind, dflt, searched);
    }

    /** Whether the method must be given a value (no default). */
    public boolean required() {
        return defaultValue == null;
    }

    /** The global value, or the default (NaN when there is none). */
    public double number(MergeParameters p) {
        return p.global(name, numericDefault());
    }

    /** Model {@code i}'s value, or the default (NaN when there is none). */
    public double number(MergeParameters p, int i) {
        return p.model(i, name, numericDefault());
    }

    /** The global flag, or the default; throws naming the parameter when the value is not true or false. */
    public boolean flag(MergeParameters p) {
        return p.flag(name, Boolean.TRUE.equals(defaultValue));
    }

    /** Whether the global value is set. */
    public boolean isSet(MergeParameters p) {
        return p.hasGlobal(name);
    }

    /** Whether model {@code i}'s value is set. */
    public boolean isSet(MergeParameters p, int i) {
        return p.hasModel(i, name);
    }

    /** The global value {@code method} cannot do without; throws saying where to add it. */
    public double require(String method, MergeParameters p) {
        return p.requireGlobal(method, name);
    }

    /** Model {@code i}'s value {@code method} cannot do without; throws saying where to add it. */
    public double require(String method, MergeParameters p, int i) {
        return p.requireModel(method, i, name);
    }

    private double numericDefault() {
        return defaultValue instanceof Double d ? d : Double.NaN;
    }
}
