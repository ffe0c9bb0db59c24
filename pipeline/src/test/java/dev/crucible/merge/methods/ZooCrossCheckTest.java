package dev.crucible.merge.methods;

import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.TensorValues;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reproduces the zoo's reference merges (made with mergekit) from the zoo experts. */
class ZooCrossCheckTest {

    private static Checkpoint base;
    private static Checkpoint add;
    private static Checkpoint rev;

    @BeforeAll
    static void open() {
        base = Checkpoint.open(Zoo.model("base"));
        add = Checkpoint.open(Zoo.model("expert-add"));
        rev = Checkpoint.open(Zoo.model("expert-rev"));
    }

    @AfterAll
    static void close() {
        base.close();
        add.close();
        rev.close();
    }

    @Test
    void linearHalfAndHalfMatchesReference() {
        Result r = compare("linear", "merges/linear", false, List.of(Map.of("weight", 0.5), Map.of("weight", 0.5)));
        assertThat(r.worstRelative).isLessThan(1e-6);
    }

    @Test
    void taskArithmeticMatchesReference() {
        Result r = compare("task_arithmetic", "merges/task_arithmetic", true,
                List.of(Map.of("weight", 1.0), Map.of("weight", 1.0)));
        assertThat(r.worstRelative).isLessThan(1e-6);
    }

    /**
     * bf16 task vectors hold many equal magnitudes, and which of several elements tied at the trim
     * threshold torch keeps is unspecified; every other element must match.
     */
    @Test
    void tiesMatchesReferenceExceptAtThresholdTies() {
        Map<String, Object> p = Map.of("weight", 1.0, "density", 0.5);
        MergeMethod ties = MergeMethods.byName("ties").orElseThrow();
        MergeParameters params = new MergeParameters(Map.of(), List.of(p, p), List.of("expert-add", "expert-rev"));
        ties.validate(params);
        long total = 0;
        long tied = 0;
        try (Checkpoint expected = Checkpoint.open(Zoo.model("merges/ties"))) {
            for (String name : expected.tensorNames()) {
                TensorValues b = values(base, "base", name);
                TensorValues a = values(add, "expert-add", name);
                TensorValues r = values(rev, "expert-rev", name);
                float[] out = ties.merge(new MergeInput<>(name, b.shape(), b, List.of(a, r), params, 0L));
                float[] want = expected.readFloats(name);
                float thresholdA = trimThreshold(a.values(), b.values());
                float thresholdR = trimThreshold(r.values(), b.values());
                for (int j = 0; j < want.length; j++) {
                    double err = Math.abs(out[j] - want[j]) / Math.max(Math.abs(want[j]), 1e-6);
                    if (err > 1e-6) {
                        boolean atTie = Math.abs(a.values()[j] - b.values()[j]) == thresholdA
                                || Math.abs(r.values()[j] - b.values()[j]) == thresholdR;
                        assertThat(atTie).as("%s[%d]: %s vs reference %s", name, j, out[j], want[j]).isTrue();
                        tied++;
                    }
                }
                total += want.length;
            }
        }
        assertThat(tied).isLessThan(total / 100);
    }

    /** The smallest kept |d| at density 0.5, by a full sort. */
    private static float trimThreshold(float[] x, float[] b) {
        float[] mag = new float[b.length];
        for (int j = 0; j < b.length; j++) {
            mag[j] = Math.abs(x[j] - b[j]);
        }
        Arrays.sort(mag);
        return mag[b.length - (int) (0.5 * b.length)];
    }

    private record Result(long total, double worstRelative) {
    }

    private static Result compare(String method, String reference, boolean withBase, List<Map<String, Object>> perModel) {
        MergeMethod m = MergeMethods.byName(method).orElseThrow();
        long total = 0;
        double worst = 0;
        try (Checkpoint expected = Checkpoint.open(Zoo.model(reference))) {
            for (String name : expected.tensorNames()) {
                TensorValues b = values(base, "base", name);
                List<TensorValues> models = new ArrayList<>(List.of(values(add, "expert-add", name),
                        values(rev, "expert-rev", name)));
                MergeParameters params = new MergeParameters(Map.of(), perModel, List.of("expert-add", "expert-rev"));
                m.validate(params);
                float[] out = m.merge(new MergeInput<>(name, expected.info(name).shape(), withBase ? b : null, models,
                        params, 0L));
                float[] want = expected.readFloats(name);
                assertThat(out).hasSameSizeAs(want);
                for (int j = 0; j < want.length; j++) {
                    double err = Math.abs(out[j] - want[j]) / Math.max(Math.abs(want[j]), 1e-6);
                    worst = Math.max(worst, err);
                }
                total += want.length;
            }
        }
        assertThat(total).isPositive();
        return new Result(total, worst);
    }

    private static TensorValues values(Checkpoint c, String model, String name) {
        return new TensorValues(model, c.info(name).shape(), c.readFloats(name));
    }
}
