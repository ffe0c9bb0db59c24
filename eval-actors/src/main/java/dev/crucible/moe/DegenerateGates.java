package dev.crucible.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * mergekit-moe's {@code warn_degenerate_gates} ({@code mergekit/moe/router.py}): a layer's routing is
 * degenerate when the condition number (largest over smallest singular value) of its [experts, hidden]
 * router matrix exceeds 5, i.e. some gate vectors are nearly parallel and one expert will be starved.
 */
public final class DegenerateGates {

    /** mergekit's threshold on the condition number. */
    public static final double THRESHOLD = 5.0;

    private DegenerateGates() {
    }

    /** The condition number of one layer's rows (infinite when they are linearly dependent). */
    public static double conditionNumber(double[][] rows) {
        int n = rows.length;
        double[][] gram = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double s = 0;
                for (int j = 0; j < rows[a].length; j++) {
                    s += rows[a][j] * rows[b][j];
                }
                gram[a][b] = s;
            }
        }
        double[] eig = SymmetricEigen.values(gram);
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double e : eig) {
            max = Math.max(max, e);
            min = Math.min(min, e);
        }
        // singular values of the rows are the square roots of the Gram matrix's eigenvalues
        return min <= max * 1e-15 ? Double.POSITIVE_INFINITY : Math.sqrt(max / min);
    }

    /** The layers whose condition number exceeds {@link #THRESHOLD}. */
    public static List<Integer> layers(double[][][] gates) {
        List<Integer> out = new ArrayList<>();
        for (int l = 0; l < gates.length; l++) {
            if (conditionNumber(gates[l]) > THRESHOLD) {
                out.add(l);
            }
        }
        return out;
    }

    /** mergekit's two warning lines for these layers, or an empty list when none is degenerate. */
    public static List<String> warnings(List<Integer> degenerate, int numLayers) {
        if (degenerate.isEmpty()) {
            return List.of();
        }
        String layers;
        String verb = "have";
        if (degenerate.size() == 1) {
            layers = "layer " + degenerate.getFirst();
            verb = "has";
        } else if (degenerate.size() == 2) {
            layers = "layers " + degenerate.get(0) + " and " + degenerate.get(1);
        } else if (degenerate.size() >= numLayers) {
            layers = "ALL layers";
        } else {
            layers = "layers " + degenerate.subList(0, degenerate.size() - 1).stream().map(String::valueOf)
                    .collect(Collectors.joining(", ")) + ", and " + degenerate.getLast();
        }
        return List.of(layers + " " + verb + " degenerate routing parameters - your prompts may be too similar.",
                "One or more experts will be underutilized in your model.");
    }
}
