package dev.crucible.stream;

import dev.crucible.safetensors.Checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares a TIES output with a reference made by another implementation. TIES keeps the
 * {@code k = int(density*n)} largest |delta|; when several deltas equal the k-th largest, which of
 * them survive is arbitrary (mergekit uses an unstable torch argsort). With bf16 inputs such ties are
 * common, so elements may differ, but only where some model's |delta| equals its threshold.
 */
record TiesComparison(long differing, long differingOffThreshold, long total) {

    double fractionDiffering() {
        return (double) differing / total;
    }

    static TiesComparison of(Path out, Path reference, Path base, List<Path> models, double density) {
        List<Checkpoint> open = new ArrayList<>();
        try {
            Checkpoint a = add(open, Checkpoint.open(out));
            Checkpoint ref = add(open, Checkpoint.open(reference));
            Checkpoint b = add(open, Checkpoint.open(base));
            List<Checkpoint> experts = new ArrayList<>();
            models.forEach(m -> experts.add(add(open, Checkpoint.open(m))));
            long differing = 0;
            long offThreshold = 0;
            long total = 0;
            for (String name : ref.tensorNames()) {
                float[] x = a.readFloats(name);
                float[] y = ref.readFloats(name);
                float[] baseValues = b.readFloats(name);
                List<float[]> absDeltas = new ArrayList<>();
                float[] thresholds = new float[experts.size()];
                for (int j = 0; j < experts.size(); j++) {
                    float[] d = experts.get(j).readFloats(name);
                    for (int i = 0; i < d.length; i++) {
                        d[i] = Math.abs(d[i] - baseValues[i]);
                    }
                    float[] sorted = d.clone();
                    Arrays.sort(sorted);
                    thresholds[j] = sorted[sorted.length - (int) (density * d.length)];
                    absDeltas.add(d);
                }
                for (int i = 0; i < x.length; i++) {
                    if (Math.abs(x[i] - y[i]) > 1e-6) {
                        differing++;
                        boolean atThreshold = false;
                        for (int j = 0; j < experts.size(); j++) {
                            atThreshold |= absDeltas.get(j)[i] == thresholds[j];
                        }
                        offThreshold += atThreshold ? 0 : 1;
                    }
                }
                total += x.length;
            }
            return new TiesComparison(differing, offThreshold, total);
        } finally {
            open.forEach(Checkpoint::close);
        }
    }

    private static Checkpoint add(List<Checkpoint> open, Checkpoint c) {
        open.add(c);
        return c;
    }
}
