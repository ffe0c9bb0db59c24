package dev.crucible.evolve.genome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MoE space: how to mix dense experts into one Mixtral model with calibrated routers. Every gene lives in
 * [0, 1] (so one CMA-ES step size fits all) and decodes as follows:
 * <ul>
 *   <li>{@code experts_per_token}: one gene u, k = 1 + floor(u * n) capped at n (each k owns an equal band);
 *       starts in the middle of k = 1's band, the calibrated top-1 mixture;</li>
 *   <li>{@code l2}: one gene u, l2 = 10^(-5 + 4u) in [1e-5, 1e-1]; starts at 0.5, the calibration default 1e-3;</li>
 *   <li>per layer group: {@code router_scale} u, scale = 2^(6u - 3) in [1/8, 8], starts at 0.5 (scale 1) —
 *       it multiplies the calibrated rows, so it sets how sharply top-k > 1 mixes (no effect at top-1, where
 *       Mixtral's renormalised weight is 1 whatever the logits);</li>
 *   <li>per layer group: {@code moe} u, the group's layers route between the experts when u >= 0.5, or hold
 *       the experts' averaged MLP in every slot (a weight merge, routing then irrelevant) when u < 0.5; starts
 *       at 0.75, all layers MoE.</li>
 * </ul>
 * Layer groups are contiguous blocks of layers (layer l is in group floor(l * groups / layers)). Decoding rounds
 * nothing away that matters: the same point always gives the same candidate.
 */
public final class MoeGenome implements GeneSpace {

    private static final double L2_LOG_MIN = -5;
    private static final double L2_LOG_SPAN = 4;
    private static final double SCALE_LOG2_MIN = -3;
    private static final double SCALE_LOG2_SPAN = 6;
    private static final double MOE_START = 0.75;

    private final int experts;
    private final int layers;
    private final int groups;

    /**
     * @param experts number of experts (at least 1)
     * @param layers  decoder layers of the model
     * @param groups  layer groups with their own scale and MoE genes (1 to layers)
     */
    public MoeGenome(int experts, int layers, int groups) {
        if (experts < 1 || layers < 1 || groups < 1 || groups > layers) {
            throw new IllegalArgumentException("experts " + experts + ", layers " + layers + ", groups " + groups);
        }
        this.experts = experts;
        this.layers = layers;
        this.groups = groups;
    }

    @Override
    public int dimension() {
        return 2 + 2 * groups;
    }

    @Override
    public double[] initial() {
        double[] x = new double[dimension()];
        x[0] = 0.5 / experts;
        x[1] = 0.5;
        for (int g = 0; g < groups; g++) {
            x[2 + g] = 0.5;
            x[2 + groups + g] = MOE_START;
        }
        return x;
    }

    @Override
    public double[] lower() {
        return new double[dimension()];
    }

    @Override
    public double[] upper() {
        double[] x = new double[dimension()];
        Arrays.fill(x, 1.0);
        return x;
    }

    /** The layer group layer {@code l} belongs to. */
    public int groupOf(int l) {
        return (int) ((long) l * groups / layers);
    }

    /** The mixture point {@code x} stands for; genes outside [0, 1] are clipped first. */
    public MoeCandidate decode(double[] x) {
        GeneValues.requireDimension(x, dimension());
        int k = Math.min(experts, 1 + (int) Math.floor(unit(x[0]) * experts));
        double l2 = Math.pow(10, L2_LOG_MIN + L2_LOG_SPAN * unit(x[1]));
        List<Double> scale = new ArrayList<>();
        List<Boolean> moe = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            int g = groupOf(l);
            scale.add(Math.pow(2, SCALE_LOG2_MIN + SCALE_LOG2_SPAN * unit(x[2 + g])));
            moe.add(unit(x[2 + groups + g]) >= 0.5);
        }
        return new MoeCandidate(k, l2, scale, moe);
    }

    @Override
    public Map<String, Object> describe(double[] x) {
        MoeCandidate c = decode(x);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("experts_per_token", c.expertsPerToken());
        out.put("l2", Double.parseDouble(String.format(Locale.ROOT, "%.3g", c.l2())));
        List<Double> scales = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            int first = firstLayer(g);
            scales.add(GeneValues.round(c.routerScale().get(first)));
            kinds.add(c.moeLayer().get(first) ? "moe" : "merge");
        }
        out.put("router_scale", groups == 1 ? scales.getFirst() : scales);
        out.put("layers", groups == 1 ? kinds.getFirst() : kinds);
        return out;
    }

    private int firstLayer(int g) {
        for (int l = 0; l < layers; l++) {
            if (groupOf(l) == g) {
                return l;
            }
        }
        throw new IllegalStateException("group " + g + " has no layer");
    }

    private static double unit(double x) {
        return GeneValues.clip(x, 0, 1);
    }
}
