package dev.crucible.runtime.vision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.ImageInput;

/**
 * Turns an RGB image into the CHW float pixels a CLIP tower expects, following
 * preprocessor_config.json: bilinear resize to the tower's square input when the image differs,
 * rescale (1/255), normalise by mean and std.
 */
public final class ImagePreprocessor {

    private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    private final int size;
    private final double rescale;
    private final boolean normalize;
    private final double[] mean;
    private final double[] std;

    /** A preprocessor for a size x size tower input with explicit settings. */
    public ImagePreprocessor(int size, double rescale, boolean normalize, double[] mean, double[] std) {
        this.size = size;
        this.rescale = rescale;
        this.normalize = normalize;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Reads the settings from preprocessor_config.json (null: CLIP defaults) for a tower of imageSize. */
    public static ImagePreprocessor fromConfig(JsonNode pre, int imageSize, String where) {
        if (pre == null) {
            return new ImagePreprocessor(imageSize, 1 / 255.0, true, CLIP_MEAN, CLIP_STD);
        }
        boolean doRescale = pre.path("do_rescale").asBoolean(true);
        double factor = doRescale ? pre.path("rescale_factor").asDouble(1 / 255.0) : 1.0;
        return new ImagePreprocessor(imageSize, factor, pre.path("do_normalize").asBoolean(true),
                triple(pre.get("image_mean"), CLIP_MEAN, where + ": image_mean"),
                triple(pre.get("image_std"), CLIP_STD, where + ": image_std"));
    }

    private static double[] triple(JsonNode node, double[] fallback, String field) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isNumber()) {
            return new double[] {node.asDouble(), node.asDouble(), node.asDouble()};
        }
        if (!node.isArray() || node.size() != 3) {
            throw new CrucibleException(field + ": expected three numbers (R, G, B)");
        }
        return new double[] {node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble()};
    }

    /** The tower's input edge in pixels. */
    public int size() {
        return size;
    }

    /** Pixels [3, size, size] channel-major. */
    public float[] pixels(ImageInput image) {
        int[] rgb = image.width() == size && image.height() == size ? image.rgb() : resize(image);
        int plane = size * size;
        float[] out = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            int p = rgb[i];
            for (int c = 0; c < 3; c++) {
                double v = ((p >> (16 - 8 * c)) & 0xFF) * rescale;
                if (normalize) {
                    v = (v - mean[c]) / std[c];
                }
                out[c * plane + i] = (float) v;
            }
        }
        return out;
    }

    // Bilinear with half-pixel centres (as PIL/torch align_corners=False), rounded back to bytes.
    private int[] resize(ImageInput image) {
        int w = image.width();
        int h = image.height();
        int[] src = image.rgb();
        int[] out = new int[size * size];
        double sx = (double) w / size;
        double sy = (double) h / size;
        for (int y = 0; y < size; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            double dy = fy - y0;
            for (int x = 0; x < size; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double dx = fx - x0;
                int packed = 0;
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    double top = ch(src[y0 * w + x0], shift) * (1 - dx) + ch(src[y0 * w + x1], shift) * dx;
                    double bottom = ch(src[y1 * w + x0], shift) * (1 - dx) + ch(src[y1 * w + x1], shift) * dx;
                    int v = (int) Math.round(top * (1 - dy) + bottom * dy);
                    packed |= Math.clamp(v, 0, 255) << shift;
                }
                out[y * size + x] = packed;
            }
        }
        return out;
    }

    private static int ch(int rgb, int shift) {
        return (rgb >> shift) & 0xFF;
    }
}
