package dev.crucible.moe;

/** The README.md of a built MoE: what it is, its sources, and the config that reproduces it. */
public final class MoeModelCard {

    private MoeModelCard() {
    }

    /** The card's Markdown text. */
    public static String text(MoeConfig config, String modelName) {
        StringBuilder sb = new StringBuilder();
        sb.append("---\nlibrary_name: transformers\ntags:\n- crucible\n- moe\n- merge\n---\n");
        sb.append("# ").append(modelName).append("\n\n");
        sb.append("A Mixtral-style mixture of experts built with `crucible moe` (mergekit-moe's config) from ")
                .append(config.experts().size()).append(" experts, ").append(config.expertsPerToken())
                .append(" per token, gates `").append(config.gateMode().yamlName()).append("`.\n\n## Sources\n\n");
        sb.append("- `").append(config.baseModel()).append("` (base: attention, norms, embeddings, LM head)\n");
        for (int e = 0; e < config.experts().size(); e++) {
            sb.append("- `").append(config.experts().get(e).sourceModel()).append("` (expert ").append(e)
                    .append(": its MLPs)\n");
        }
        sb.append("\n## Configuration\n\n```yaml\n").append(config.source());
        if (sb.charAt(sb.length() - 1) != '\n') {
            sb.append('\n');
        }
        sb.append("```\n");
        return sb.toString();
    }
}
