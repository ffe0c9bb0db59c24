package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code mergekit-yaml} (mergekit/options.py, {@code MergeOptions} and {@code add_merge_options}) that
 * {@code crucible merge} takes with mergekit's meaning, so that a mergekit command line runs unchanged. Those that
 * steer a GPU, a download cache or pickle files have nothing to act on here: they are accepted and each prints a
 * one-line note saying so.
 */
public final class MergekitFlags {

    @Option(names = "--allow-crimes", negatable = true,
            description = "Merge models of different architectures (mergekit: \"Allow mixing architectures\").")
    boolean allowCrimes;

    @Option(names = "--random-seed", paramLabel = "N",
            description = "mergekit's name for --seed: seed of the randomised methods.")
    Long randomSeed;

    @Option(names = {"-j", "--num-threads"}, paramLabel = "N", description = "mergekit's name for --threads.")
    Integer numThreads;

    @Option(names = "--copy-tokenizer", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Copy the tokenizer (and generation_config.json) to the output (default; mergekit's"
                    + " --no-copy-tokenizer leaves them out unless the recipe builds a tokenizer).")
    boolean copyTokenizer;

    @Option(names = "--write-model-card", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write README.md with the recipe and mergekit_config.yml (default).")
    boolean writeModelCard;

    @Option(names = "-v", description = "More output: -v lists each tensor as it is written (mergekit: verbosity).")
    boolean[] verbosity = new boolean[0];

    @Option(names = "--quiet", negatable = true, description = "No progress line.")
    boolean quiet;

    @Option(names = "--cuda", negatable = true, description = "Accepted for mergekit; Crucible merges on the CPU.")
    boolean cuda;

    @Option(names = "--device", paramLabel = "DEVICE", description = "Accepted for mergekit; Crucible merges on the CPU.")
    String device;

    @Option(names = "--low-cpu-memory", negatable = true, description = "Accepted for mergekit (no accelerator here);"
            + " Crucible's memory stays at a few tensors anyway.")
    boolean lowCpuMemory;

    @Option(names = "--read-to-gpu", negatable = true, description = "Accepted for mergekit; Crucible merges on the CPU.")
    boolean readToGpu;

    @Option(names = "--multi-gpu", negatable = true, description = "Accepted for mergekit; Crucible merges on the CPU.")
    boolean multiGpu;

    @Option(names = "--gpu-rich", description = "Accepted for mergekit; Crucible merges on the CPU.")
    boolean gpuRich;

    @Option(names = "--lazy-unpickle", negatable = true,
            description = "Accepted for mergekit; Crucible reads only safetensors, memory-mapped (always lazy).")
    boolean lazyUnpickle;

    @Option(names = "--trust-remote-code", negatable = true,
            description = "Accepted for mergekit; Crucible never runs code from a model folder.")
    boolean trustRemoteCode;

    @Option(names = "--transformers-cache", paramLabel = "DIR",
            description = "Accepted for mergekit; Crucible works offline on local folders.")
    String transformersCache;

    @Option(names = "--lora-merge-cache", paramLabel = "DIR",
            description = "Accepted for mergekit; nothing is cached.")
    String loraMergeCache;

    @Option(names = "--lora-merge-dtype", paramLabel = "DTYPE",
            description = "Accepted for mergekit; Crucible computes in float32.")
    String loraMergeDtype;

    @Option(names = "--clone-tensors", negatable = true,
            description = "Accepted for mergekit; every output tensor is written from its own buffer anyway.")
    boolean cloneTensors;

    @Option(names = "--safe-serialization", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Accepted for mergekit; the output is always safetensors.")
    boolean safeSerialization;

    @Option(names = "--async-write", negatable = true,
            description = "Accepted for mergekit; Crucible always writes behind the merge.")
    boolean asyncWrite;

    @Option(names = "--write-threads", paramLabel = "N",
            description = "Accepted for mergekit; the writes share Crucible's I/O threads.")
    Integer writeThreads;

    /** The seed: {@code --seed} or mergekit's {@code --random-seed} (which must agree when both are given), else 0. */
    long seed(Long crucibleSeed) {
        if (crucibleSeed != null && randomSeed != null && !crucibleSeed.equals(randomSeed)) {
            throw new CrucibleException("--seed " + crucibleSeed + " and --random-seed " + randomSeed
                    + " disagree; give one of them");
        }
        return crucibleSeed != null ? crucibleSeed : randomSeed != null ? randomSeed : 0;
    }

    /** Merge threads: {@code --threads} or mergekit's {@code -j/--num-threads} (which must agree), else one per core. */
    int threads(Integer crucibleThreads) {
        if (crucibleThreads != null && numThreads != null && !crucibleThreads.equals(numThreads)) {
            throw new CrucibleException("--threads " + crucibleThreads + " and --num-threads " + numThreads
                    + " disagree; give one of them");
        }
        Integer n = crucibleThreads != null ? crucibleThreads : numThreads;
        int count = n == null ? Runtime.getRuntime().availableProcessors() : n;
        if (count < 1) {
            throw new CrucibleException((crucibleThreads != null ? "--threads" : "--num-threads")
                    + ": must be at least 1, got " + count);
        }
        return count;
    }

    /** How many times {@code -v} was given. */
    int verbosity() {
        return verbosity.length;
    }

    /** One line for each given flag that has nothing to act on here. */
    List<String> notes() {
        List<String> notes = new ArrayList<>();
        String cpu = ": Crucible merges on the CPU; ignored";
        if (cuda) {
            notes.add("--cuda" + cpu);
        }
        if (device != null && !device.equals("cpu") && !device.equals("auto")) {
            notes.add("--device " + device + cpu);
        }
        if (lowCpuMemory) {
            notes.add("--low-cpu-memory: no accelerator to hold the data; Crucible keeps a few tensors in memory"
                    + " anyway; ignored");
        }
        if (readToGpu) {
            notes.add("--read-to-gpu" + cpu);
        }
        if (multiGpu) {
            notes.add("--multi-gpu" + cpu);
        }
        if (gpuRich) {
            notes.add("--gpu-rich" + cpu);
        }
        if (lazyUnpickle) {
            notes.add("--lazy-unpickle: Crucible reads only safetensors, memory-mapped (lazy already); ignored");
        }
        if (trustRemoteCode) {
            notes.add("--trust-remote-code: Crucible never runs code from a model folder; ignored");
        }
        if (transformersCache != null) {
            notes.add("--transformers-cache: Crucible works offline on local folders; ignored");
        }
        if (loraMergeCache != null) {
            notes.add("--lora-merge-cache: nothing is cached; ignored");
        }
        if (loraMergeDtype != null) {
            notes.add("--lora-merge-dtype: Crucible computes in float32; ignored");
        }
        if (!safeSerialization) {
            notes.add("--no-safe-serialization: Crucible writes safetensors only (pickle files can run code when"
                    + " loaded); writing safetensors");
        }
        if (writeThreads != null) {
            notes.add("--write-threads: the writes share Crucible's I/O threads; ignored");
        }
        return notes;
    }
}
