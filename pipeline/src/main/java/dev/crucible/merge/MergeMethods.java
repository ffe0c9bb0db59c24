package dev.crucible.merge;

import dev.crucible.config.ClosestName;
import dev.crucible.error.CrucibleException;
import dev.crucible.merge.kernels.TiesKernels;
import dev.crucible.merge.methods.ArceeFusionMerge;
import dev.crucible.merge.methods.KarcherMerge;
import dev.crucible.merge.methods.LinearMerge;
import dev.crucible.merge.methods.ModelStockMerge;
import dev.crucible.merge.methods.MultiSlerpMerge;
import dev.crucible.merge.methods.NearSwapMerge;
import dev.crucible.merge.methods.NuSlerpMerge;
import dev.crucible.merge.methods.PassthroughMerge;
import dev.crucible.merge.methods.RamMerge;
import dev.crucible.merge.methods.SceMerge;
import dev.crucible.merge.methods.SlerpMerge;
import dev.crucible.merge.methods.TaskArithmeticFamily;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.VectorWarmup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** The registry of merge methods by recipe name, with "did you mean" suggestions for typos. */
public final class MergeMethods {

    private static final Map<String, MergeMethod> BY_NAME = build();

    private MergeMethods() {
    }

    private static Map<String, MergeMethod> build() {
        List<MergeMethod> all = new ArrayList<>();
        all.add(new LinearMerge());
        all.add(new SlerpMerge());
        all.add(new NuSlerpMerge());
        all.add(new MultiSlerpMerge());
        all.add(new KarcherMerge());
        all.add(new NearSwapMerge());
        all.addAll(TaskArithmeticFamily.all());
        all.add(new ModelStockMerge());
        all.add(new SceMerge());
        all.add(new ArceeFusionMerge());
        all.addAll(RamMerge.all());
        all.add(new PassthroughMerge());
        Map<String, MergeMethod> map = new LinkedHashMap<>();
        for (MergeMethod m : all) {
            map.put(m.name(), m);
        }
        return map;
    }

    /** The method a recipe's {@code merge_method} names, if any (exact, lower-case name). */
    public static Optional<MergeMethod> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * The method named {@code name}, or a {@link CrucibleException} that names {@code where} (e.g. the
     * recipe file) and offers the closest known name or the full list.
     */
    public static MergeMethod require(String name, String where) {
        return byName(name).orElseThrow(() -> {
            String guess = suggest(name);
            String hint = guess != null ? "did you mean '" + guess + "'?" : "known methods: " + String.join(", ", names());
            return new CrucibleException(where + ": unknown merge_method '" + name + "'; " + hint);
        });
    }

    /** Every method's declaration, in registry order (for listings and the evolutionary genome). */
    public static List<MethodDefinition> definitions() {
        return BY_NAME.values().stream().map(MergeMethod::definition).toList();
    }

    /** The declaration of the method a recipe's {@code merge_method} names, if any. */
    public static Optional<MethodDefinition> definition(String name) {
        return byName(name).map(MergeMethod::definition);
    }

    /** All method names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /**
     * The known name closest to {@code unknown} by edit distance, treating case, {@code -} and {@code _}
     * alike ({@code dare-ties -> dare_ties}); null when nothing is within about a third of its length.
     */
    public static String suggest(String unknown) {
        return ClosestName.of(unknown, BY_NAME.keySet());
    }

    /** The methods that declare a parameter {@code name} (per model or global), in registry order. */
    public static List<String> methodsWithParameter(String name) {
        List<String> out = new ArrayList<>();
        for (MethodDefinition m : definitions()) {
            if (m.declares(name)) {
                out.add(m.name());
            }
        }

        return out;
    }

    /**
     * Starts compiling, in the background, the vector kernels that merges with {@code methods} use (see
     * {@link VectorWarmup}), so that they are ready when the first tensors arrive; kernels no method needs are left
     * alone, as warming one costs a fraction of a second of CPU. Returns whether all of them run compiled yet
     * (always false without the vector module).
     */
    public static BooleanSupplier prepareKernels(Collection<String> methods) {
        FloatCodec.vectorKernelsReady();
        boolean consensus = methods.stream()
                .anyMatch(m -> byName(m).orElse(null) instanceof TaskArithmeticFamily t && t.usesConsensus());
        if (!consensus) {
            return FloatCodec::vectorKernelsReady;
        }
        TiesKernels.vectors();
        return () -> FloatCodec.vectorKernelsReady() && TiesKernels.vectors();
    }

    /**
     * Waits until {@code ready} (from {@link #prepareKernels}) or {@link System#nanoTime()} passes
     * {@code deadlineNanos}. A large merge gains by it: until then it would run the scalar loops (2–5x slower), and
     * its own hot loops would keep the JIT from compiling the kernels sooner. Returns at once without the module.
     */
    public static void awaitKernels(BooleanSupplier ready, long deadlineNanos) {
        while (FloatCodec.SIMD && !ready.getAsBoolean() && System.nanoTime() - deadlineNanos < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
