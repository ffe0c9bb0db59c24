package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter values resolved for one tensor: the global map and one map per model (same order as
 * {@link MergeInput#models()}). Values are {@link Double} (any {@link Number} is accepted) or {@link Boolean}.
 * {@code modelNames} only serves error messages.
 */
public record MergeParameters(Map<String, Object> global, List<Map<String, Object>> perModel, List<String> modelNames) {

    public MergeParameters {
        global = freeze(global);
        List<Map<String, Object>> copies = new ArrayList<>(perModel.size());
        for (Map<String, Object> m : perModel) {
            copies.add(freeze(m));
        }
        perModel = Collections.unmodifiableList(copies);
        modelNames = List.copyOf(modelNames);
        if (modelNames.size() != perModel.size()) {
            throw new IllegalArgumentException(modelNames.size() + " model names for " + perModel.size() + " parameter maps");
        }
    }

    /** Parameters whose models are named by position ("model 0", "model 1", ...). */
    public MergeParameters(Map<String, Object> global, List<Map<String, Object>> perModel) {
        this(global, perModel, positionalNames(perModel.size()));
    }

    /** Number of (non-base) models these parameters describe. */
    public int modelCount() {
        return perModel.size();
    }

    /** Checks that these parameters hold one map per input model of {@code tensorName}. */
    void requireModelCount(String tensorName, int models) {
        if (modelCount() != models) {
            throw new IllegalArgumentException(tensorName + ": " + models + " models but parameters for "
                    + modelCount());
        }
    }

    /** The name of model {@code i}, for messages. */
    public String modelName(int i) {
        return modelNames.get(i);
    }

    /** Whether a global value is set. */
    public boolean hasGlobal(String key) {
        return global.get(key) != null;
    }

    /** A numeric global value, or {@code dflt} when unset. */
    public double global(String key, double dflt) {
        Object v = global.get(key);
        return v == null ? dflt : number(v, key, "");
    }

    /** A boolean global value, or {@code dflt} when unset. */
    public boolean flag(String key, boolean dflt) {
        Object v = global.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) {
            return n.doubleValue() == 1;
        }
        throw new CrucibleException("parameter '" + key + "' must be true or false, got " + v);
    }

    /** Whether model {@code i} has a value for {@code key}. */
    public boolean hasModel(int i, String key) {
        return perModel.get(i).get(key) != null;
    }

    /** A numeric value of model {@code i}, or {@code dflt} when unset. */
    public double model(int i, String key, double dflt) {
        Object v = perModel.get(i).get(key);
        return v == null ? dflt : number(v, key, " for model " + modelName(i));
    }

    /** A numeric value of model {@code i} that the method cannot do without. */
    public double requireModel(String method, int i, String key) {
        if (!hasModel(i, key)) {
            throw new CrucibleException(method + ": parameter '" + key + "' is required for model " + modelName(i)
                    + "; add it under that model's parameters or the top-level parameters");
        }
        return model(i, key, Double.NaN);
    }

    /** A numeric global value the method cannot do without. */
    public double requireGlobal(String method, String key) {
        if (!hasGlobal(key)) {
            throw new CrucibleException(method + ": parameter '" + key + "' is required; add it to the top-level parameters");
        }
        return global(key, Double.NaN);
    }

    private static double number(Object v, String key, String where) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new CrucibleException("parameter '" + key + "'" + where + " must be a number, got " + v);
    }

    private static Map<String, Object> freeze(Map<String, Object> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    private static List<String> positionalNames(int n) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add("model " + i);
        }
        return names;
    }
}
