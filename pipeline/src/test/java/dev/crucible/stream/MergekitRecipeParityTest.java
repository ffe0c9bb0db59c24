package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.safetensors.Zoo;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * mergekit parity: every recipe of mergekit's {@code examples/} and every merge its {@code tests/test_basic_merges.py}
 * builds (test resources under {@code mergekit-recipes/}, adapted only in model paths and layer ranges) is merged
 * through the real planner, runner and safetensors writer, and every output tensor is compared with
 * {@link MergekitReference}, a double-precision transcription of mergekit.
 *
 * <p>An element matches when it is the reference rounded to the output dtype, give or take one unit in the last
 * place of that dtype plus float32 noise (1e-5 of the largest input at that element): Crucible computes in
 * float32 and rounds once, where mergekit computes in the recipe's dtype (a deliberate difference, see the README).
 * Elements whose outcome hangs on a decision that float32 and double rounding may take differently (a sign vote
 * whose sum is within 1e-6 of zero, a top-k or threshold cut within 1e-5) may differ; there must be few.
 */
class MergekitRecipeParityTest {

    private static final long SEED = 0;
    private static OpenedModels models;
    private static MergeRunner runner;

    /** The zoo's models (linked) plus {@code vlm-c}, a third VLM that mergekit's VLM tests need. */
    @TempDir
    static Path zoo;

    @TempDir
    Path out;

    @BeforeAll
    static void start() throws IOException {
        models = new OpenedModels();
        runner = new MergeRunner(models);
        try (Stream<Path> entries = Files.list(Zoo.root())) {
            for (Path entry : entries.toList()) {
                Files.createSymbolicLink(zoo.resolve(entry.getFileName()), entry.toAbsolutePath());
            }
        }
        changedCopy(Zoo.model("vlm"), zoo.resolve("vlm-c"), name -> true);
    }

    /**
     * A copy of {@code source} whose tensors named by {@code change} are scaled by 0.75 and shifted by
     * {@code 0.01 sin(j)}, written as float32: a model of the same architecture with weights of its own.
     */
    private static void changedCopy(Path source, Path target, java.util.function.Predicate<String> change)
            throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().contains(".safetensors")).toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        try (Checkpoint in = Checkpoint.open(source)) {
            List<TensorInfo> infos = in.infos().stream()
                    .map(i -> new TensorInfo(i.name(), DType.F32, i.shape())).toList();
            try (SafetensorsWriter writer = SafetensorsWriter.create(target, infos, Long.MAX_VALUE, Map.of())) {
                for (TensorInfo info : infos) {
                    float[] v = in.readFloats(info.name());
                    if (change.test(info.name())) {
                        for (int j = 0; j < v.length; j++) {
                            v[j] = v[j] * 0.75f + 0.01f * (float) Math.sin(j);
                        }
                    }
                    writer.write(info.name(), v);
                }
                writer.finish();
            }
        }
    }

    @AfterAll
    static void stop() {
        runner.close();
        models.close();
    }

    static Stream<String> recipes() throws IOException, URISyntaxException {
        Path dir = Path.of(MergekitRecipeParityTest.class.getResource("/mergekit-recipes").toURI());
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".yml"))
                    .map(f -> dir.relativize(f).toString())
                    .filter(f -> !f.equals("tests/della_invalid_epsilon.yml"))
                    .sorted().toList().stream();
        }
    }

    private static String text(String recipe) throws IOException {
        try (InputStream in = MergekitRecipeParityTest.class.getResourceAsStream("/mergekit-recipes/" + recipe)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    void mergesLikeMergekit(String recipe) throws IOException {
        assertMergesLikeMergekit(recipe, text(recipe), zoo);
    }

    /**
     * Two VLMs merge their vision towers as mergekit merges each module of a multi-module model: the zoo's second
     * VLM shares the first one's tower, so this one gets a tower of its own, and a gradient spreads over the
     * tower's two layers while the projector and the tower's embeddings take t = 0.
     */
    @Test
    void twoDifferentVlmsMergeTheirVisionTowersLayerByLayer(@TempDir Path root) throws IOException {
        Files.createSymbolicLink(root.resolve("vlm"), Zoo.model("vlm").toAbsolutePath());
        changedCopy(Zoo.model("merges/vlm_task_arithmetic_add"), root.resolve("vlm-b"),
                name -> !name.startsWith("language_model."));
        assertMergesLikeMergekit("two VLMs, weight gradient", """
                merge_method: linear
                models:
                  - {model: vlm, parameters: {weight: [0.0, 1.0]}}
                  - {model: vlm-b, parameters: {weight: 1.0}}
                dtype: float32
                """, root);
    }

    private void assertMergesLikeMergekit(String recipe, String yaml, Path root) throws IOException {
        MergePlan plan = MergePlanner.plan(RecipeParser.parse(yaml, root), models);
        try (SafetensorsSink sink = new SafetensorsSink(out, plan.outputs(), Long.MAX_VALUE, false)) {
            runner.merge(plan, sink, new MergeOptions(SEED, 2, ProgressListener.NONE));
        }
        MergekitReference.Result expected = MergekitReference.merge(yaml, root, SEED);
        DType declared = declaredDtype(yaml);
        long elements = 0;
        long fragileDiffering = 0;
        double worst = 0;
        try (Checkpoint merged = Checkpoint.open(out)) {
            assertThat(new HashSet<>(merged.tensorNames())).as("tensor names")
                    .isEqualTo(expected.tensors().keySet());
            for (Map.Entry<String, double[]> e : expected.tensors().entrySet()) {
                String name = e.getKey();
                TensorInfo info = merged.info(name);
                assertThat(info.shape()).as(name).isEqualTo(expected.shapes().get(name));
                if (declared != null) {
                    assertThat(info.dtype()).as(name).isEqualTo(declared);
                }
                float[] actual = merged.readFloats(name);
                double[] want = e.getValue();
                boolean[] fragile = expected.fragile().get(name);
                double[] scale = expected.scales().get(name);
                for (int j = 0; j < want.length; j++) {
                    double ulp = ulp(info.dtype(), want[j]);
                    double error = Math.abs(actual[j] - want[j]);
                    double tolerance = ulp + 1e-5 * scale[j];
                    if (error > tolerance) {
                        assertThat(fragile[j]).as("%s: %s[%d] = %s, mergekit's math gives %s (%s ulps)", recipe,
                                name, j, actual[j], want[j], error / ulp).isTrue();
                        fragileDiffering++;
                    } else {
                        worst = Math.max(worst, error / tolerance);
                    }
                }
                elements += want.length;
            }
        }
        System.out.printf(Locale.ROOT, "%-52s %8d elements, worst error %.2f of the tolerance, %d on a decision "
                + "boundary differ%n", recipe, elements, worst, fragileDiffering);
        assertThat(fragileDiffering).as("elements differing on decision boundaries").isLessThanOrEqualTo(elements / 10_000);
    }

    @Test
    void dellaWithEpsilonBeyondDensityIsRefusedAsMergekitRefusesIt() throws IOException {
        // tests/test_basic_merges.py, test_della_invalid_epsilon: mergekit raises ValueError
        String yaml = text("tests/della_invalid_epsilon.yml");
        assertThatThrownBy(() -> MergePlanner.plan(RecipeParser.parse(yaml, zoo), models))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("epsilon");
    }

    @Test
    void everyExampleOfMergekitIsCovered() throws IOException, URISyntaxException {
        // mergekit's examples/ at v0.1.4 and main
        assertThat(recipes().filter(r -> r.startsWith("examples/")).toList()).containsExactly(
                "examples/arcee_fusion.yml", "examples/bio-merge.yml", "examples/gradient-slerp.yml",
                "examples/linear.yml", "examples/orcamini-platy-44layer.yml", "examples/ties.yml");
    }

    private static DType declaredDtype(String yaml) {
        for (String key : List.of("out_dtype: ", "dtype: ")) {
            for (String line : yaml.lines().toList()) {
                if (line.startsWith(key)) {
                    return switch (line.substring(key.length()).strip()) {
                        case "float16" -> DType.F16;
                        case "bfloat16" -> DType.BF16;
                        case "float32" -> DType.F32;
                        default -> throw new IllegalArgumentException(line);
                    };
                }
            }
        }
        return null;
    }

    /** One unit in the last place of {@code dtype} at {@code value}. */
    private static double ulp(DType dtype, double value) {
        float f = (float) Math.abs(value);
        return switch (dtype) {
            case BF16 -> Math.ulp(f) * 65536.0;
            case F16 -> f < 0x1p-14f ? 0x1p-24 : Math.scalb(1.0, Math.getExponent(f) - 10);
            default -> Math.ulp(f);
        };
    }
}
