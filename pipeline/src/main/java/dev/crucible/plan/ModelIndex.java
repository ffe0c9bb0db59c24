package dev.crucible.plan;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.checkpoint.NamingScheme;
import dev.crucible.checkpoint.TensorName;
import dev.crucible.tensor.TensorInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/** One model's tensors: the language model by canonical name, the other sub-modules as they are. */
record ModelIndex(String model, Path dir, ModelFolder folder, Map<String, TensorInfo> languageModel,
                          List<TensorInfo> otherSubmodules, Map<String, TensorInfo> visionByCanonical,
                          Map<String, TensorInfo> byName, int layers,
                          boolean visionLanguage, NamingScheme scheme) {

    static ModelIndex of(String model, Path dir, ModelFolder folder, List<TensorInfo> infos) {
        Map<String, TensorInfo> lm = new LinkedHashMap<>();
        List<TensorInfo> other = new ArrayList<>();
        Map<String, TensorInfo> vision = new LinkedHashMap<>();
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        NamingScheme scheme = null;
        for (TensorInfo info : infos) {
            byName.put(info.name(), info);
            TensorName name = TensorName.parse(info.name());
            switch (name.submodule()) {
                case VISION_TOWER, PROJECTOR -> {
                    other.add(info);
                    vision.put(name.canonical(), info);
                }
                default -> {
                    lm.put(name.canonical(), info);
                    if (scheme == null) {
                        scheme = name.scheme();
                    }
                }
            }
        }
        return new ModelIndex(model, dir, folder, lm, other, vision, byName, folder.numHiddenLayers(),
                folder.isVisionLanguage(), scheme);
    }

    TensorInfo info(String name) {
        return byName.get(name);
    }

    /** How many layers the vision tower has (mergekit infers it as the highest layer index + 1). */
    int visionLayers() {
        int layers = 0;
        for (TensorInfo info : otherSubmodules) {
            Matcher m = LayerNames.LAYER.matcher(TensorName.parse(info.name()).canonical());
            if (m.matches()) {
                layers = Math.max(layers, Integer.parseInt(m.group(2)) + 1);
            }
        }
        return layers;
    }
}
