package dev.crucible.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.safetensors.Zoo;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Zoo models with a different vocabulary, built for a test: a copy (float32) of a zoo model whose token embedding and
 * output head get extra rows (values from a fixed formula), whose config.json declares the new vocab_size and whose
 * tokenizer.json is edited by the test.
 */
final class VocabVariants {

    private static final ObjectMapper JSON = new ObjectMapper();

    private VocabVariants() {
    }

    /** Writes {@code root/name}: zoo model {@code from} with {@code vocabSize} embedding rows. */
    static Path variant(Path root, String name, String from, int vocabSize, Consumer<ObjectNode> editTokenizer)
            throws IOException {
        Path src = Zoo.model(from);
        Path dir = Files.createDirectories(root.resolve(name));
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        config.put("vocab_size", vocabSize);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(src.resolve("tokenizer.json").toFile());
        editTokenizer.accept(tokenizer);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        for (String file : List.of("tokenizer_config.json", "special_tokens_map.json", "generation_config.json")) {
            Files.copy(src.resolve(file), dir.resolve(file));
        }
        try (Checkpoint in = Checkpoint.open(src)) {
            List<TensorInfo> plan = new ArrayList<>();
            for (TensorInfo info : in.infos()) {
                long[] shape = info.shape();
                if (isVocabMatrix(info.name())) {
                    shape = new long[] {vocabSize, shape[1]};
                }
                plan.add(new TensorInfo(info.name(), DType.F32, shape));
            }
            try (SafetensorsWriter out = SafetensorsWriter.create(dir, plan, Long.MAX_VALUE, Map.of(), false)) {
                for (TensorInfo info : plan) {
                    float[] values = in.readFloats(info.name());
                    if (isVocabMatrix(info.name())) {
                        int cols = Math.toIntExact(info.shape()[1]);
                        float[] grown = Arrays.copyOf(values, vocabSize * cols);
                        for (int i = values.length; i < grown.length; i++) {
                            grown[i] = extraValue(name, info.name(), i);
                        }
                        values = grown;
                    }
                    out.write(info.name(), values);
                }
                out.finish();
            }
        }
        return dir;
    }

    /** An added token entry of tokenizer.json. */
    static ObjectNode addedToken(int id, String content, boolean special) {
        ObjectNode t = JSON.createObjectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", !special);
        t.put("special", special);
        return t;
    }

    private static boolean isVocabMatrix(String name) {
        return name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight");
    }

    /** A value of the order of the zoo's weights that differs per model, tensor and element. */
    private static float extraValue(String model, String tensor, int index) {
        return (float) (0.05 * Math.sin(0.37 * index + model.hashCode() % 97 + tensor.length()));
    }
}
