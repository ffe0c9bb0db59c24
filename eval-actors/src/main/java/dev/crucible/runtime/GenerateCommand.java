package dev.crucible.runtime;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible generate}: continues a prompt with a model folder and prints the text as it is produced. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a model (greedy unless --temperature is set).")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder.")
    private Path modelDir;

    @Option(names = "--prompt", required = true, description = "Text to continue; for VLMs may contain <image>.")
    private String prompt;

    @Option(names = "--image", paramLabel = "PNG", description = "Image for a vision-language model.")
    private Path image;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    private int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE}).")
    private double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus mass (default ${DEFAULT-VALUE}).")
    private double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens, 0 = all (default ${DEFAULT-VALUE}).")
    private int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--stop", description = "Stop string (repeatable).")
    private List<String> stop;

    @Override
    public Integer call() {
        ImageInput img = image == null ? null : ImageInput.fromPng(image);
        GenerationRequest request = new GenerationRequest(prompt, img, maxNewTokens, temperature, topP, topK, seed, stop);
        PrintWriter out = spec.commandLine().getOut();
        try (LanguageModel model = LanguageModels.load(modelDir)) {
            model.generateStreaming(request, piece -> {
                out.print(piece);
                out.flush();
            });
        }
        out.println();
        out.flush();
        return 0;
    }
}
