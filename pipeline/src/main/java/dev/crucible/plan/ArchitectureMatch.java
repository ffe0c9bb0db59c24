package dev.crucible.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Refuses to merge models of different architectures unless the user allows it, as mergekit does
 * ({@code get_architecture_info} in {@code mergekit/architecture/__init__.py}: every input's
 * {@code architectures[0]} is looked up among mergekit's architecture definitions and any two that differ stop the
 * merge with "Must specify --allow-crimes to attempt to mix different architectures"). Names that mergekit files
 * under one definition count as one ({@code LLaMaForCausalLM} is {@code LlamaForCausalLM}); {@code PhiForCausalLM}
 * has two definitions, told apart by {@code model_type}.
 *
 * <p>Crucible's own extension: a LLaVA-style VLM merges with plain language models whose {@code model_type} is its
 * {@code text_config.model_type} (the language model inside the VLM is of their architecture).
 */
public final class ArchitectureMatch {

    /** Names mergekit's definitions list together, mapped to one of them. */
    private static final Map<String, String> SAME_DEFINITION = Map.of(
            "LLaMaForCausalLM", "LlamaForCausalLM",
            "BertForMultipleChoice", "BertForSequenceClassification",
            "BertForTokenClassification", "BertForSequenceClassification");

    private ArchitectureMatch() {
    }

    /** Checks the models of {@code plan}; does nothing when {@code allowCrimes}. */
    public static void check(MergePlan plan, OpenedModels models, boolean allowCrimes) {
        if (allowCrimes) {
            return;
        }
        Map<String, Arch> archs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : plan.models().entrySet()) {
            archs.put(e.getKey(), Arch.of(models.folder(e.getValue())));
        }
        String firstModel = archs.keySet().iterator().next();
        Arch first = archs.get(firstModel);
        for (Map.Entry<String, Arch> e : archs.entrySet()) {
            if (!compatible(first, e.getValue())) {
                throw new CrucibleException("models of different architectures: " + firstModel + " is "
                        + first.label() + ", " + e.getKey() + " is " + e.getValue().label()
                        + "; mergekit refuses this too: pass --allow-crimes to merge them anyway");
            }
        }
    }

    private static boolean compatible(Arch a, Arch b) {
        if (a.definition().equals(b.definition())) {
            return true;
        }
        // A VLM and a plain language model: compare the VLM's language model with the plain one.
        if (a.visionLanguage() != b.visionLanguage()) {
            Arch vlm = a.visionLanguage() ? a : b;
            Arch lm = a.visionLanguage() ? b : a;
            return vlm.textModelType() != null && vlm.textModelType().equals(lm.modelType());
        }
        return false;
    }

    /** What an input's config says about its architecture. */
    private record Arch(String name, String definition, String modelType, boolean visionLanguage,
                        String textModelType) {

        static Arch of(ModelFolder folder) {
            String name = folder.architecture();
            String modelType = folder.modelType();
            String definition = SAME_DEFINITION.getOrDefault(name, name);
            if (definition.equals("PhiForCausalLM")) {
                definition += "/" + modelType;
            }
            JsonNode text = folder.textConfig().path("model_type");
            return new Arch(name, definition, modelType, folder.isVisionLanguage(),
                    folder.isVisionLanguage() && text.isTextual() ? text.asText() : null);
        }

        String label() {
            return name.equals(modelType) ? name : name + " (model_type " + modelType + ")";
        }
    }
}
