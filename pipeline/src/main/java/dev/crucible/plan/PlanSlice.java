package dev.crucible.plan;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.methods.PassthroughMerge;
import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.Slice;
import dev.crucible.recipe.SliceSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One slice of the output as planned ({@code field} names it for messages: {@code models} or {@code slices[i]}):
 * its sources, its own parameters and its length in layers. A {@code models:} recipe is one slice over all layers.
 */
record PlanSlice(String field, List<Source> sources, Map<String, ParameterValue> parameters, int length) {

    /** One source model of a slice: its first layer and its own parameters. */
    record Source(String model, int start, Map<String, ParameterValue> parameters) {
    }

    /** The recipe as slices (a {@code models:} recipe is one slice over all layers), checked. */
    static List<PlanSlice> all(Recipe recipe, MergeMethod method, Map<String, ModelIndex> indexes, BaseRoles roles) {
        boolean passthrough = method.name().equals(PassthroughMerge.DEFINITION.name());
        if (!recipe.usesSlices()) {
            if (passthrough && recipe.models().size() != 1) {
                throw new CrucibleException("models: passthrough takes exactly one model; use slices: to stack layers");
            }
            List<Source> sources = new ArrayList<>();
            boolean baseListed = false;
            for (int i = 0; i < recipe.models().size(); i++) {
                ModelEntry entry = recipe.models().get(i);
                baseListed |= entry.model().equals(roles.deltaBase());
                sources.add(new Source(entry.model(), 0, entry.parameters()));
            }
            if (roles.deltaBase() != null && !baseListed && !passthrough && !roles.baseIsOrdinarySource()) {
                sources.add(new Source(roles.deltaBase(), 0, Map.of()));
            }
            List<String> all = new ArrayList<>(sources.stream().map(Source::model).toList());
            if (roles.rebaseTarget() != null) {
                all.add(roles.rebaseTarget());
            }
            int layers = indexes.get(all.getFirst()).layers();
            for (String m : all) {
                if (indexes.get(m).layers() != layers) {
                    throw new CrucibleException("models with different layer counts: " + all.getFirst() + " has "
                            + layers + ", " + m + " has " + indexes.get(m).layers());
                }
            }
            return List.of(new PlanSlice("models", sources, Map.of(), layers));
        }
        List<PlanSlice> out = new ArrayList<>();
        for (int i = 0; i < recipe.slices().size(); i++) {
            Slice slice = recipe.slices().get(i);
            List<Source> sources = new ArrayList<>();
            boolean hasBase = false;
            for (int j = 0; j < slice.sources().size(); j++) {
                SliceSource src = slice.sources().get(j);
                int layers = indexes.get(src.model()).layers();
                if (src.end() > layers) {
                    throw new CrucibleException("slices[" + i + "].sources[" + j + "].layer_range: [" + src.start()
                            + ", " + src.end() + ") is out of bounds: " + src.model() + " has " + layers + " layers");
                }
                hasBase |= src.model().equals(roles.deltaBase());
                sources.add(new Source(src.model(), src.start(), src.parameters()));
            }
            if (method.requiresBase() && !hasBase) {
                throw new CrucibleException("slices[" + i + "].sources: base model " + roles.deltaBase()
                        + " must be one of the sources of every slice (" + method.name()
                        + " takes task vectors against it)");
            }
            if (roles.rebaseTarget() != null) {
                Source base = sources.stream().filter(s -> s.model().equals(roles.deltaBase())).findFirst().orElseThrow();
                int layers = indexes.get(roles.rebaseTarget()).layers();
                if (base.start() + slice.length() > layers) {
                    throw new CrucibleException("base_model: " + roles.rebaseTarget() + " has " + layers
                            + " layers but slices[" + i + "] needs layers up to " + (base.start() + slice.length()));
                }
            }
            out.add(new PlanSlice("slices[" + i + "]", sources, slice.parameters(), slice.length()));
        }
        return out;
    }
}
