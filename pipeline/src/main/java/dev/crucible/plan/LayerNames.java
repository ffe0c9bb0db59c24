package dev.crucible.plan;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decoder-layer tensor names: {@code PREFIX.layers.N.SUFFIX} (also {@code h}, {@code blocks}, {@code layer}). */
final class LayerNames {

    /** Groups: the prefix up to and including the layer container, the layer index, the rest. */
    static final Pattern LAYER = Pattern.compile("^(.*?\\.(?:layers|h|blocks|layer)\\.)(\\d+)(\\..*)$");

    private LayerNames() {
    }

    /** {@code canonical} with its layer index replaced by {@code layer}. */
    static String withLayer(String canonical, int layer) {
        Matcher m = LAYER.matcher(canonical);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a layer tensor: " + canonical);
        }
        return m.group(1) + layer + m.group(3);
    }
}
