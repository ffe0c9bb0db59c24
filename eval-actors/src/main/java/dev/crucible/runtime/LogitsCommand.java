package dev.crucible.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible logits}: prints the float32 logits of the last position for raw token ids, as JSON. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print {\"logits\":[...]} of the last position for the given token ids.")
public final class LogitsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder.")
    private Path modelDir;

    @Option(names = "--input-ids", required = true, split = ",", paramLabel = "ID",
            description = "Comma-separated token ids, BOS and (for VLMs) the expanded image tokens included.")
    private int[] inputIds;

    @Option(names = "--image", paramLabel = "PNG", description = "Image for a vision-language model.")
    private Path image;

    @Override
    public Integer call() {
        ImageInput img = image == null ? null : ImageInput.fromPng(image);
        float[] logits;
        try (LanguageModel model = LanguageModels.load(modelDir)) {
            logits = model.lastLogits(inputIds, img);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ArrayNode values = root.putArray("logits");
        for (float v : logits) {
            values.add(v);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(root.toString());
        out.flush();
        return 0;
    }
}
