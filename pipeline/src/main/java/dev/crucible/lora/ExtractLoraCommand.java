package dev.crucible.lora;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.ModelReference;
import dev.crucible.safetensors.ByteSize;
import dev.crucible.safetensors.OutputFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.concurrent.Callable;

/**
 * {@code crucible extract-lora}: {@code mergekit-extract-lora}'s command line (same options and defaults),
 * writing a PEFT adapter folder that {@code model: BASE+OUT} in a recipe applies.
 */
@Command(name = "extract-lora", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Extract a PEFT LoRA adapter from a fine-tuned model and its base (as mergekit-extract-lora):"
                + " a truncated SVD of each linear module's FT - BASE.")
public final class ExtractLoraCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FT", description = "Fine-tuned model folder.")
    String model;

    @Option(names = "--base-model", required = true, paramLabel = "BASE", description = "Base model folder.")
    String baseModel;

    @Option(names = "--out-path", required = true, paramLabel = "OUT",
            description = "Folder to create for the adapter.")
    Path outPath;

    @Option(names = "--max-rank", defaultValue = "128", paramLabel = "R",
            description = "Maximum rank for LoRA decomposition. Default: ${DEFAULT-VALUE}.")
    int maxRank;

    @Option(names = "--distribute-scale", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Distribute scale between A and B matrices (default; --no-distribute-scale puts the"
                    + " singular values in A).")
    boolean distributeScale;

    @Option(names = "--embed-lora", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Extract LoRA weights for embeddings (vs. in modules_to_save, the default).")
    boolean embedLora;

    @Option(names = "--save-module", paramLabel = "MODULE",
            description = "Save the specified module(s) at full rank (repeatable).")
    List<String> saveModules = new ArrayList<>();

    @Option(names = {"--exclude-regex", "-e"}, paramLabel = "REGEX",
            description = "Exclude modules matching the specified regex (repeatable).")
    List<String> excludeRegexes = new ArrayList<>();

    @Option(names = {"--include-regex", "-i"}, paramLabel = "REGEX",
            description = "Include modules matching the specified regex (repeatable; default all).")
    List<String> includeRegexes = new ArrayList<>();

    @Option(names = "--sv-epsilon", defaultValue = "0", paramLabel = "EPS",
            description = "Threshold for singular values to discard. Default: ${DEFAULT-VALUE}.")
    double svEpsilon;

    @Option(names = "--skip-undecomposable", description = "Skip saving undecomposable modules (norms, ...).")
    boolean skipUndecomposable;

    @Option(names = {"-j", "--num-threads"}, paramLabel = "N", description = "Modules decomposed at once."
            + " Default: one per core.")
    Integer threads;

    @Option(names = "--cuda", description = "Accepted for mergekit compatibility; Crucible computes on the CPU.")
    boolean cuda;

    @Option(names = "--trust-remote-code", description = "Accepted for mergekit compatibility; no code is run.")
    boolean trustRemoteCode;

    @Option(names = "--force", description = "Replace OUT if it exists and is not empty.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxRank < 1) {
            throw new CrucibleException("--max-rank: must be at least 1, got " + maxRank);
        }
        if (svEpsilon < 0 || !Double.isFinite(svEpsilon)) {
            throw new CrucibleException("--sv-epsilon: must be a number >= 0, got " + svEpsilon);
        }
        int threadCount = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (threadCount < 1) {
            throw new CrucibleException("--num-threads: must be at least 1, got " + threadCount);
        }
        if (cuda) {
            err.println("note: --cuda is ignored; Crucible computes on the CPU");
        }
        Path ftDir = folder("--model", model);
        Path baseDir = folder("--base-model", baseModel);
        refuseInputAsOutput(ftDir, baseDir);
        ExtractionOptions options = new ExtractionOptions(maxRank, distributeScale, embedLora, saveModules,
                patterns("--include-regex", includeRegexes), patterns("--exclude-regex", excludeRegexes),
                svEpsilon, skipUndecomposable, threadCount);
        long start = System.nanoTime();
        try (ModelFolder ft = ModelFolder.open(ftDir); ModelFolder base = ModelFolder.open(baseDir);
             OutputFolder folder = OutputFolder.create(outPath, force)) {
            LoraExtractor.Result result = LoraExtractor.extract(ft, base, baseModel, folder.staging(), options,
                    w -> {
                        err.println("warning: " + w);
                        err.flush();
                    }, progress());
            AdapterCard.write(folder.staging(), folder.target().getFileName().toString(), model, baseModel,
                    invocation());
            Path target = folder.commit();
            out.printf(Locale.ROOT, "extracted %d modules at rank <= %d and saved %d whole (%s) into %s in %.1f s%n",
                    result.decomposed(), result.rank(), result.savedWhole(), ByteSize.format(result.bytes()), target,
                    (System.nanoTime() - start) / 1e9);
            out.flush();
        }
        return 0;
    }

    private Path folder(String option, String value) {
        if (ModelReference.parse(value).hasLora()) {
            throw new CrucibleException(option + ": '" + value + "' names a LoRA; merge it into the model first"
                    + " (crucible merge with model: " + value + ")");
        }
        Path dir = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new CrucibleException(option + ": model folder not found: " + dir);
        }
        return dir;
    }

    /** The adapter must not land on, in or around an input: writing it would replace or hide that model. */
    private void refuseInputAsOutput(Path... inputs) {
        Path target = outPath.toAbsolutePath().normalize();
        for (Path input : inputs) {
            Path real = realPath(input);
            Path realTarget = realPath(target);
            if (realTarget.startsWith(real) || real.startsWith(realTarget)) {
                throw new CrucibleException("--out-path: " + target + (realTarget.equals(real) ? " is"
                        : realTarget.startsWith(real) ? " is inside" : " holds") + " the input model " + input
                        + "; choose another folder");
            }
        }
    }

    /** The real path of {@code p}, or of its nearest existing ancestor with the rest appended. */
    private static Path realPath(Path p) {
        Path existing = p;
        Path rest = Path.of("");
        while (existing != null && !Files.exists(existing)) {
            rest = existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        try {
            return existing == null ? p : existing.toRealPath().resolve(rest).normalize();
        } catch (IOException e) {
            return p;
        }
    }

    private static List<Pattern> patterns(String option, List<String> regexes) {
        List<Pattern> out = new ArrayList<>();
        for (String r : regexes) {
            try {
                out.add(Pattern.compile(r));
            } catch (PatternSyntaxException e) {
                throw new CrucibleException(option + ": '" + r + "' is not a valid regex ("
                        + e.getDescription() + ")");
            }
        }
        return out;
    }

    private String invocation() {
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        // Run through the crucible main, the arguments start with the subcommand's name.
        int from = original.indexOf(spec.name()) + 1;
        List<String> args = new ArrayList<>(List.of("crucible", spec.name()));
        args.addAll(original.subList(from, original.size()));
        return String.join(" ", args);
    }

    private static LoraExtractor.Progress progress() {
        if (System.console() == null || !System.console().isTerminal()) {
            return LoraExtractor.Progress.NONE;
        }
        PrintStream term = System.err;
        return new LoraExtractor.Progress() {
            private int width;

            @Override
            public synchronized void onModule(int done, int total, String module) {
                String line = String.format(Locale.ROOT, "extracting %d/%d modules %3.0f%%  %s", done, total,
                        100.0 * done / total, module);
                String pad = line.length() < width ? " ".repeat(width - line.length()) : "";
                width = line.length();
                term.print("\r" + line + pad + (done == total ? "\n" : ""));
                term.flush();
            }
        };
    }
}
