package dev.crucible.moe;

import dev.crucible.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mergekit-moe configuration ({@code mergekit/moe/config.py}'s MoEMergeConfig), paths resolved.
 *
 * @param baseModel       the model whose non-MLP weights (and, for hidden gates, forward pass) are used
 * @param experts         the experts, in output order
 * @param gateMode        how the routers are made
 * @param dtype           output dtype, or null for the base's {@code torch_dtype}
 * @param expertsPerToken top-k of the routing
 * @param architecture    output architecture (only {@code mixtral})
 * @param tokenizerSource folder whose tokenizer files are copied (the base unless given)
 * @param calibration     settings of {@code gate_mode: calibrated}
 * @param source          the config text, written into the model card
 */
public record MoeConfig(Path baseModel, List<MoeExpert> experts, GateMode gateMode, DType dtype,
                        int expertsPerToken, String architecture, Path tokenizerSource,
                        CalibrationSettings calibration, String source) {

    public MoeConfig {
        experts = List.copyOf(experts);
    }

    /** Every model folder the config reads (base, experts, tokenizer source), without repeats. */
    public List<Path> inputs() {
        List<Path> all = new ArrayList<>();
        all.add(baseModel);
        experts.forEach(e -> all.add(e.sourceModel()));
        all.add(tokenizerSource);
        return all.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
    }
}
