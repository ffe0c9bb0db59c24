package dev.crucible.runtime.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.Zoo;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Pixels are normalised as preprocessor_config.json says and resized when the image size differs. */
class ImagePreprocessorTest {

    private static ImagePreprocessor zoo() throws IOException {
        JsonNode pre = new ObjectMapper().readTree(Zoo.model("vlm").resolve("preprocessor_config.json").toFile());
        return ImagePreprocessor.fromConfig(pre, 32, "vlm");
    }

    @Test
    void zooImageGivesTheReferencePixelSum() throws IOException {
        JsonNode ref = Zoo.reference("vlm_image");
        float[] px = zoo().pixels(ImageInput.fromPng(Zoo.dir().resolve(ref.get("image").asText())));
        assertThat(px).hasSize(3 * 32 * 32);
        double sum = 0;
        for (float v : px) {
            sum += v;
        }
        assertThat(sum).isCloseTo(ref.get("pixel_values_sum").asDouble(), org.assertj.core.api.Assertions.within(1e-2));
    }

    @Test
    void channelsAreRgbPlanesScaledToMinusOneToOne() throws IOException {
        float[] px = zoo().pixels(new ImageInput(32, 32, filled(32 * 32, 0xFF0080)));
        assertThat(px[0]).isEqualTo(1f);
        assertThat(px[32 * 32]).isEqualTo(-1f);
        assertThat(px[2 * 32 * 32]).isCloseTo(128 / 255f * 2 - 1, org.assertj.core.api.Assertions.within(1e-6f));
    }

    @Test
    void aLargerUniformImageIsResizedToTheTowerInput() throws IOException {
        float[] px = zoo().pixels(new ImageInput(64, 48, filled(64 * 48, 0x00FF00)));
        assertThat(px).hasSize(3 * 32 * 32);
        for (int i = 0; i < 32 * 32; i++) {
            assertThat(px[i]).isEqualTo(-1f);
            assertThat(px[32 * 32 + i]).isEqualTo(1f);
        }
    }

    private static int[] filled(int n, int rgb) {
        int[] out = new int[n];
        java.util.Arrays.fill(out, rgb);
        return out;
    }
}
