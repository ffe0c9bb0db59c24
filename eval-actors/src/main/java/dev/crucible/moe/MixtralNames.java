package dev.crucible.moe;

/**
 * Tensor names of a Mixtral checkpoint as transformers 4.x writes them (and as every Mixtral on the hub
 * is stored; transformers 5 converts them to its fused layout when it loads them). mergekit's current
 * Mixtral writer emits the transformers-5 names instead ({@code mlp.gate}, fused {@code mlp.experts.gate_up_proj});
 * we keep the stored-checkpoint names, which both versions load.
 */
public final class MixtralNames {

    private MixtralNames() {
    }

    /** The router of layer {@code layer}: [experts, hidden]. */
    public static String router(int layer) {
        return "model.layers." + layer + ".block_sparse_moe.gate.weight";
    }

    /** Expert {@code expert}'s {@code w} (w1 = gate_proj, w2 = down_proj, w3 = up_proj) of layer {@code layer}. */
    public static String expert(int layer, int expert, String w) {
        return "model.layers." + layer + ".block_sparse_moe.experts." + expert + "." + w + ".weight";
    }

    /** The expert weight a dense MLP projection becomes. */
    public static String expertWeightOf(String proj) {
        return switch (proj) {
            case "gate_proj" -> "w1";
            case "down_proj" -> "w2";
            case "up_proj" -> "w3";
            default -> throw new IllegalArgumentException(proj);
        };
    }
}
