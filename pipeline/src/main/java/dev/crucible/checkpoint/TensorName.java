package dev.crucible.checkpoint;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tensor name understood: which submodule it belongs to, which decoder layer, and its canonical
 * spelling in plain-LM naming, so that a LLaVA language model lines up with the LM it came from.
 * Canonical names: {@code model.*} and {@code lm_head.*} for the language model,
 * {@code vision_tower.*} and {@code multi_modal_projector.*} for the vision parts.
 */
public record TensorName(String original, String canonical, Submodule submodule, NamingScheme scheme,
                         OptionalInt layer) {

    private static final Pattern LAYER = Pattern.compile("\\.(?:layers|h|blocks|layer)\\.(\\d+)\\.");

    private static final String CLASSIC_LM = "language_model.model.";
    private static final String CLASSIC_HEAD = "language_model.lm_head.";
    private static final String CLASSIC_LM_OTHER = "language_model.";
    private static final String CURRENT_LM = "model.language_model.";
    private static final String CURRENT_VISION = "model.vision_tower.";
    private static final String CURRENT_PROJECTOR = "model.multi_modal_projector.";
    private static final String VISION = "vision_tower.";
    private static final String PROJECTOR = "multi_modal_projector.";

    /** Classifies a tensor name as found in a checkpoint. */
    public static TensorName parse(String name) {
        if (name.startsWith(CLASSIC_LM)) {
            return lm(name, "model." + name.substring(CLASSIC_LM.length()), NamingScheme.LLAVA_CLASSIC);
        }
        if (name.startsWith(CLASSIC_HEAD)) {
            return lm(name, "lm_head." + name.substring(CLASSIC_HEAD.length()), NamingScheme.LLAVA_CLASSIC);
        }
        if (name.startsWith(CLASSIC_LM_OTHER)) {
            return lm(name, name.substring(CLASSIC_LM_OTHER.length()), NamingScheme.LLAVA_CLASSIC);
        }
        if (name.startsWith(CURRENT_LM)) {
            return lm(name, "model." + name.substring(CURRENT_LM.length()), NamingScheme.LLAVA_CURRENT);
        }
        if (name.startsWith(CURRENT_VISION)) {
            return new TensorName(name, name.substring("model.".length()), Submodule.VISION_TOWER,
                    NamingScheme.LLAVA_CURRENT, OptionalInt.empty());
        }
        if (name.startsWith(CURRENT_PROJECTOR)) {
            return new TensorName(name, name.substring("model.".length()), Submodule.PROJECTOR,
                    NamingScheme.LLAVA_CURRENT, OptionalInt.empty());
        }
        if (name.startsWith(VISION)) {
            return new TensorName(name, name, Submodule.VISION_TOWER, NamingScheme.LLAVA_CLASSIC, OptionalInt.empty());
        }
        if (name.startsWith(PROJECTOR)) {
            return new TensorName(name, name, Submodule.PROJECTOR, NamingScheme.LLAVA_CLASSIC, OptionalInt.empty());
        }
        if (name.startsWith("model.") || name.startsWith("lm_head.") || name.startsWith("transformer.")
                || name.startsWith("gpt_neox.") || name.startsWith("embed_out.")) {
            return lm(name, name, NamingScheme.PLAIN);
        }
        return new TensorName(name, name, Submodule.OTHER, NamingScheme.PLAIN, OptionalInt.empty());
    }

    private static TensorName lm(String original, String canonical, NamingScheme scheme) {
        Matcher m = LAYER.matcher(canonical);
        OptionalInt layer = m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
        return new TensorName(original, canonical, Submodule.LANGUAGE_MODEL, scheme, layer);
    }

    /** Whether this is a token embedding or output head (the tensors sized by the vocabulary). */
    public boolean isEmbedding() {
        if (submodule != Submodule.LANGUAGE_MODEL) {
            return false;
        }
        return canonical.contains("embed_tokens.") || canonical.contains(".wte.") || canonical.startsWith("lm_head.")
                || canonical.startsWith("embed_out.");
    }

    /** Spells a canonical name the way a checkpoint using {@code scheme} does. */
    public static String rename(String canonical, NamingScheme scheme) {
        return switch (scheme) {
            case PLAIN -> canonical;
            case LLAVA_CLASSIC -> {
                if (canonical.startsWith("model.")) {
                    yield CLASSIC_LM + canonical.substring("model.".length());
                }
                if (canonical.startsWith("lm_head.")) {
                    yield CLASSIC_HEAD + canonical.substring("lm_head.".length());
                }
                yield canonical;
            }
            case LLAVA_CURRENT -> {
                if (canonical.startsWith("model.")) {
                    yield CURRENT_LM + canonical.substring("model.".length());
                }
                if (canonical.startsWith(VISION) || canonical.startsWith(PROJECTOR)) {
                    yield "model." + canonical;
                }
                yield canonical;
            }
        };
    }
}
