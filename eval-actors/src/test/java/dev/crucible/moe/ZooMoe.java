package dev.crucible.moe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.runtime.Zoo;
import dev.crucible.safetensors.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** MoE configs over zoo2 (experts fine-tuned in their MLPs only) for the tests. */
final class ZooMoe {

    private ZooMoe() {
    }

    static Path zoo2() {
        return Zoo.dir().resolveSibling("zoo2");
    }

    /** The first {@code n} items of a zoo2 dev file from {@code from}, as prompt or prompt plus answer. */
    static List<String> prompts(String task, int from, int n, boolean withAnswer) {
        try {
            List<String> lines = Files.readAllLines(zoo2().resolve(task + "_dev.jsonl"));
            ObjectMapper json = new ObjectMapper();
            List<String> out = new ArrayList<>();
            for (String line : lines.subList(from, from + n)) {
                JsonNode item = json.readTree(line);
                out.add(item.get("prompt").asText() + (withAnswer ? item.get("answer").asText() : ""));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A config of expert-add and expert-rev over zoo2's base with 20 dev prompts each. */
    static String config(String gateMode, int topK, String dtype, boolean withAnswers) {
        return "base_model: " + zoo2().resolve("base") + "\n"
                + "gate_mode: " + gateMode + "\n"
                + "dtype: " + dtype + "\n"
                + "experts_per_token: " + topK + "\n"
                + "experts:\n"
                + "  - source_model: " + zoo2().resolve("expert-add") + "\n"
                + "    positive_prompts: " + yamlList(prompts("add", 0, 20, withAnswers)) + "\n"
                + "  - source_model: " + zoo2().resolve("expert-rev") + "\n"
                + "    positive_prompts: " + yamlList(prompts("rev", 0, 20, withAnswers)) + "\n";
    }

    static String yamlList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (String s : items) {
            sb.append(sb.length() > 1 ? ", " : "").append('"').append(s.replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }

    static MoeBuild.Result build(String yaml, Path out) {
        MoeConfig config = MoeConfigParser.parse(yaml, out.getParent(), "test.yml", false);
        return MoeBuild.build(config, out, new MoeBuild.Options(0, 5L << 30, false, false), ProgressPrinter.NONE);
    }

    /** Router rows [experts][hidden] of layer {@code layer} of a built MoE. */
    static double[][] router(Path moe, int layer) {
        try (Checkpoint c = Checkpoint.open(moe)) {
            float[] v = c.readFloats(MixtralNames.router(layer));
            long[] shape = c.info(MixtralNames.router(layer)).shape();
            double[][] rows = new double[(int) shape[0]][(int) shape[1]];
            for (int e = 0; e < rows.length; e++) {
                for (int j = 0; j < rows[e].length; j++) {
                    rows[e][j] = v[e * rows[e].length + j];
                }
            }
            return rows;
        }
    }
}
