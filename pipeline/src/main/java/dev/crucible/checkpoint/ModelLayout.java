package dev.crucible.checkpoint;

import dev.crucible.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The structure of a checkpoint read from its tensor names: decoder layers, embeddings, whether the
 * output head is tied, and which submodules (language model, vision tower, projector) it has.
 */
public final class ModelLayout {

    private final NavigableMap<Integer, List<String>> layers;
    private final List<String> embeddings;
    private final boolean tiedEmbeddings;
    private final Map<Submodule, SubmoduleSize> submodules;
    private final NamingScheme scheme;
    private final long parameters;

    private ModelLayout(NavigableMap<Integer, List<String>> layers, List<String> embeddings, boolean tiedEmbeddings,
                        Map<Submodule, SubmoduleSize> submodules, NamingScheme scheme, long parameters) {
        this.layers = layers;
        this.embeddings = embeddings;
        this.tiedEmbeddings = tiedEmbeddings;
        this.submodules = submodules;
        this.scheme = scheme;
        this.parameters = parameters;
    }

    /**
     * Builds the layout of {@code tensors}; {@code tieWordEmbeddings} is the config's flag
     * (the head also counts as tied when no {@code lm_head} tensor exists).
     */
    public static ModelLayout of(Collection<TensorInfo> tensors, boolean tieWordEmbeddings) {
        NavigableMap<Integer, List<String>> layers = new TreeMap<>();
        List<String> embeddings = new ArrayList<>();
        Map<Submodule, SubmoduleSize> subs = new EnumMap<>(Submodule.class);
        NamingScheme scheme = NamingScheme.PLAIN;
        boolean hasHead = false;
        long params = 0;
        for (TensorInfo t : tensors) {
            TensorName n = TensorName.parse(t.name());
            long count = t.elementCount();
            params += count;
            subs.merge(n.submodule(), new SubmoduleSize(1, count), (a, b) -> a.plus(b.parameters()));
            if (n.submodule() == Submodule.LANGUAGE_MODEL) {
                n.layer().ifPresent(l -> layers.computeIfAbsent(l, k -> new ArrayList<>()).add(t.name()));
                if (n.scheme() != NamingScheme.PLAIN) {
                    scheme = n.scheme();
                }
                if (n.canonical().startsWith("lm_head.") || n.canonical().startsWith("embed_out.")) {
                    hasHead = true;
                }
            }
            if (n.submodule() == Submodule.VISION_TOWER || n.submodule() == Submodule.PROJECTOR) {
                if (n.scheme() != NamingScheme.PLAIN && scheme == NamingScheme.PLAIN) {
                    scheme = n.scheme();
                }
            }
            if (n.isEmbedding()) {
                embeddings.add(t.name());
            }
        }
        layers.replaceAll((k, v) -> List.copyOf(v));
        return new ModelLayout(Collections.unmodifiableNavigableMap(layers), List.copyOf(embeddings),
                tieWordEmbeddings || !hasHead, Collections.unmodifiableMap(subs), scheme, params);
    }

    /** Number of decoder layers (highest layer index + 1). */
    public int layerCount() {
        return layers.isEmpty() ? 0 : layers.lastKey() + 1;
    }

    /** Tensor names of each language-model layer, by layer index. */
    public NavigableMap<Integer, List<String>> layers() {
        return layers;
    }

    /** Tensor names of one layer (empty if the layer has none). */
    public List<String> layer(int index) {
        return layers.getOrDefault(index, List.of());
    }

    /** Token embedding and output head tensor names. */
    public List<String> embeddings() {
        return embeddings;
    }

    /** Whether the output head shares the token embedding's weights. */
    public boolean tiedEmbeddings() {
        return tiedEmbeddings;
    }

    /** Tensor and parameter counts of each submodule present. */
    public Map<Submodule, SubmoduleSize> submodules() {
        return submodules;
    }

    /** Whether the model has a vision tower or projector. */
    public boolean hasVision() {
        return submodules.containsKey(Submodule.VISION_TOWER) || submodules.containsKey(Submodule.PROJECTOR);
    }

    /** The naming scheme of the checkpoint's tensor names. */
    public NamingScheme scheme() {
        return scheme;
    }

    /** Total parameter count. */
    public long parameters() {
        return parameters;
    }
}
