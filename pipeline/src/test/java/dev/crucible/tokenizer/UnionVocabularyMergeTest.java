package dev.crucible.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import dev.crucible.stream.MergeCli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code tokenizer_source: union} and the {@code tokenizer:} block merge models with different vocabularies as
 * mergekit does: token ids as {@code mergekit/tokenizer/build.py} assigns them (worked out by hand below), and
 * embedding and output-head rows equal to an independent double-precision transcription of
 * {@code mergekit/tokenizer/embed.py} ({@code PermutedEmbeddings.execute}, {@code assign_embedding_sources},
 * {@code compute_default_embedding}) followed by mergekit's linear merge ({@code sum(w_i x_i) / sum(w_i)}).
 *
 * <p>Fixtures: {@code chatml} is expert-add with two added special tokens (ids 64, 65; vocab_size 66);
 * {@code plain} is expert-rev without {@code <extra_5>}, with an ordinary vocabulary token {@code zz} (id 64), the
 * added {@code <|im_start|>} (id 65) and an added token past its embedding ({@code <UNUSED>}, id 66; vocab_size 66),
 * which must not enter the union. So every rule of embed.py is met: a model's own row, the only owner's row
 * ({@code zz}, {@code <|im_end|>}), the base's row ({@code <extra_5>} for plain) and the mean of the owners
 * ({@code <|im_start|>} for the base).
 */
class UnionVocabularyMergeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> VOCAB_MATRICES = List.of("model.embed_tokens.weight", "lm_head.weight");

    @TempDir
    Path dir;
    private String base;

    @BeforeEach
    void buildVariants() throws IOException {
        base = Zoo.model("base").toAbsolutePath().toString();
        VocabVariants.variant(dir, "chatml", "expert-add", 66, tok -> {
            tok.withArray("added_tokens").add(VocabVariants.addedToken(64, "<|im_start|>", true));
            tok.withArray("added_tokens").add(VocabVariants.addedToken(65, "<|im_end|>", true));
        });
        VocabVariants.variant(dir, "plain", "expert-rev", 66, tok -> {
            ((ObjectNode) tok.get("model").get("vocab")).remove("<extra_5>");
            ((ObjectNode) tok.get("model").get("vocab")).put("zz", 64);
            tok.withArray("added_tokens").add(VocabVariants.addedToken(65, "<|im_start|>", true));
            tok.withArray("added_tokens").add(VocabVariants.addedToken(66, "<UNUSED>", true));
        });
    }

    @Test
    void unionGivesMergekitsIdsAndRowsAndAConfigWithTheNewVocabSize() throws IOException {
        Path out = merge("""
                merge_method: linear
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 1.0}}
                  - {model: chatml, parameters: {weight: 1.0}}
                  - {model: plain, parameters: {weight: 2.0}}
                dtype: float32
                tokenizer_source: union
                """.formatted(base, base));

        // build.py: the base's tokens keep their ids; ordinary tokens of the other models come first (plain's zz),
        // then their added tokens in model order; <UNUSED> sits past plain's embedding and is left out.
        Map<String, Integer> vocab = baseVocab();
        vocab.put("zz", 64);
        vocab.put("<|im_start|>", 65);
        vocab.put("<|im_end|>", 66);
        assertThat(outputVocab(out)).isEqualTo(vocab);
        JsonNode added = JSON.readTree(out.resolve("tokenizer.json").toFile()).get("added_tokens");
        assertThat(added.get(5).toString()).isEqualTo("{\"id\":64,\"content\":\"zz\",\"single_word\":false,"
                + "\"lstrip\":false,\"rstrip\":false,\"normalized\":true,\"special\":false}");
        assertThat(added.get(6).get("special").booleanValue()).isTrue();
        assertThat(JSON.readTree(out.resolve("tokenizer_config.json").toFile()).at("/added_tokens_decoder/66/content")
                .textValue()).isEqualTo("<|im_end|>");
        assertThat(JSON.readTree(out.resolve("config.json").toFile()).get("vocab_size").intValue()).isEqualTo(67);

        for (String tensor : VOCAB_MATRICES) {
            double[][] expected = linear(reference(tensor, vocab, Map.of(), null), Map.of(base, 1.0,
                    "chatml", 1.0, "plain", 2.0));
            assertRows(out, tensor, expected);
        }
        // A token only one model has comes from it, whatever the merge method does with the others' copies.
        assertThat(row(out, "model.embed_tokens.weight", 66)).containsExactly(
                row(dir.resolve("chatml"), "model.embed_tokens.weight", 65), org.assertj.core.api.Assertions.within(1e-6f));
    }

    @Test
    void tokensBlockForcesCopiesZeroesAndPadsAsMergekit() throws IOException {
        Path out = merge("""
                merge_method: linear
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 1.0}}
                  - {model: chatml, parameters: {weight: 3.0}}
                  - {model: plain, parameters: {weight: 1.0}}
                dtype: float32
                tokenizer:
                  source: union
                  tokens:
                    a: {source: chatml, force: true}
                    <|im_end|>: {source: {kind: model_token, model: %s, token: "<s>"}}
                    b: {source: {kind: model_token, model: plain, token_id: 64}, force: true}
                    <new>: {source: {kind: zero}}
                  pad_to_multiple_of: 8
                """.formatted(base, base, base));
        Map<String, Integer> vocab = baseVocab();
        vocab.put("zz", 64);
        vocab.put("<|im_start|>", 65);
        vocab.put("<|im_end|>", 66);
        vocab.put("<new>", 67);
        assertThat(outputVocab(out)).isEqualTo(vocab);
        assertThat(JSON.readTree(out.resolve("config.json").toFile()).get("vocab_size").intValue()).isEqualTo(72);
        Map<String, Cfg> cfg = new LinkedHashMap<>();
        cfg.put("a", new Cfg("model", "chatml", null, null, true));
        cfg.put("<|im_end|>", new Cfg("model_token", base, null, "<s>", false));
        cfg.put("b", new Cfg("model_token", "plain", 64, null, true));
        cfg.put("<new>", new Cfg("zero", null, null, null, false));
        for (String tensor : VOCAB_MATRICES) {
            double[][] expected = linear(reference(tensor, vocab, cfg, 8), Map.of(base, 1.0, "chatml", 3.0,
                    "plain", 1.0));
            assertThat(expected).hasNumberOfRows(72);
            assertRows(out, tensor, expected);
        }
        assertThat(row(out, "model.embed_tokens.weight", 67)).containsOnly(0f);
    }

    @Test
    void sameTokenizersKeepTheFilesAndTheRows() {
        MergePlan plan = MergePlanner.plan(RecipeParser.parse("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - {model: expert-add, parameters: {weight: 1.0}}
                tokenizer_source: base
                """, Zoo.root()));
        assertThat(plan.vocabulary().rewritten()).isFalse();
        assertThat(plan.vocabulary().rows()).isEqualTo(64);
        int[] identity = new int[64];
        for (int i = 0; i < 64; i++) {
            identity[i] = i;
        }
        assertThat(plan.vocabulary().permutations().get("expert-add")).containsExactly(identity);
    }

    @Test
    void aVisionLanguageMergeSetsItsLanguageModelsVocabSize() {
        String vlm = Zoo.model("vlm").toAbsolutePath().toString();
        MergePlan plan = plan("""
                merge_method: linear
                models:
                  - {model: %s, parameters: {weight: 1.0}}
                  - {model: chatml, parameters: {weight: 1.0}}
                tokenizer_source: union
                """.formatted(vlm));
        assertThat(plan.config().at("/text_config/vocab_size").intValue()).isEqualTo(66);
        assertThat(plan.config().has("vocab_size")).isFalse();
        assertThat(plan.tensors().stream().filter(t -> t.output().name().equals("language_model.model.embed_tokens.weight"))
                .findFirst().orElseThrow().output().shape()).containsExactly(66, 128);
    }

    @Test
    void tokenSourcesThatCannotGiveARowAreNamed() {
        String head = """
                merge_method: linear
                models:
                  - {model: %s, parameters: {weight: 1.0}}
                  - {model: chatml, parameters: {weight: 1.0}}
                tokenizer:
                  tokens:
                """.formatted(base);
        assertThatThrownBy(() -> plan(head + "    <|im_start|>: {source: %s}\n".formatted(base)))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("tokenizer.tokens.<|im_start|>.source: " + base + " has no token '<|im_start|>'");
        assertThatThrownBy(() -> plan(head + "    x: {source: plain}\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("tokenizer.tokens.x.source: 'plain' is not one of the recipe's models");
        assertThatThrownBy(() -> plan(head + "    x: {source: {kind: model_token, model: chatml, token_id: 66}}\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("tokenizer.tokens.x.source: token id 66 is out of range for chatml "
                        + "(model.embed_tokens.weight has 66 rows)");
        assertThatThrownBy(() -> plan(head.replace("  tokens:\n", "  source: meta-llama/Llama-3.2-1B\n")))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("tokenizer.source: 'meta-llama/Llama-3.2-1B' is a hub id, not a local folder")
                .hasMessageEndingWith("; offline: download the model and use a local folder");
    }

    // ---- helpers ----

    private MergePlan plan(String yaml) {
        return MergePlanner.plan(RecipeParser.parse(yaml, dir));
    }

    private Path merge(String yaml) throws IOException {
        Path recipe = dir.resolve("recipe.yml");
        Files.writeString(recipe, yaml);
        Path out = dir.resolve("out");
        MergeCli run = MergeCli.run(recipe.toString(), out.toString());
        assertThat(run.code()).as(run.err()).isZero();
        return out;
    }

    private static Map<String, Integer> baseVocab() throws IOException {
        return tokenizerVocab(Zoo.model("base"), 64);
    }

    /** get_vocab() of a tokenizer.json (model vocab, added tokens over it), ids below {@code limit}. */
    private static Map<String, Integer> tokenizerVocab(Path model, int limit) throws IOException {
        JsonNode tok = JSON.readTree(model.resolve("tokenizer.json").toFile());
        Map<String, Integer> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = tok.get("model").get("vocab").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().intValue());
        }
        tok.get("added_tokens").forEach(t -> out.put(t.get("content").textValue(), t.get("id").intValue()));
        out.values().removeIf(id -> id >= limit);
        return out;
    }

    private static Map<String, Integer> outputVocab(Path out) throws IOException {
        return tokenizerVocab(out, Integer.MAX_VALUE);
    }

    private Path folder(String model) {
        return model.equals(base) ? Zoo.model("base") : dir.resolve(model);
    }

    private int vocabSize(String model) throws IOException {
        return JSON.readTree(folder(model).resolve("config.json").toFile()).get("vocab_size").intValue();
    }

    private double[][] tensor(String model, String name) {
        try (Checkpoint c = Checkpoint.open(folder(model))) {
            float[] v = c.readFloats(name);
            int cols = Math.toIntExact(c.info(name).shape()[1]);
            double[][] out = new double[v.length / cols][cols];
            for (int i = 0; i < v.length; i++) {
                out[i / cols][i % cols] = v[i];
            }
            return out;
        }
    }

    private static float[] row(Path model, String name, int r) {
        try (Checkpoint c = Checkpoint.open(model)) {
            float[] v = c.readFloats(name);
            int cols = Math.toIntExact(c.info(name).shape()[1]);
            return java.util.Arrays.copyOfRange(v, r * cols, (r + 1) * cols);
        }
    }

    private static void assertRows(Path out, String tensor, double[][] expected) {
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.info(tensor).shape()).containsExactly(expected.length, expected[0].length);
            float[] v = c.readFloats(tensor);
            double worst = 0;
            for (int i = 0; i < v.length; i++) {
                double e = expected[i / expected[0].length][i % expected[0].length];
                worst = Math.max(worst, Math.abs(v[i] - e) / Math.max(1e-3, Math.abs(e)));
            }
            assertThat(worst).as(tensor + ": largest relative difference").isLessThan(1e-5);
        }
    }

    /** A {@code tokenizer.tokens} entry for the reference: kind model, model_token or zero. */
    private record Cfg(String kind, String model, Integer tokenId, String token, boolean force) {
    }

    /**
     * mergekit/tokenizer/build.py's permutations and mergekit/tokenizer/embed.py's PermutedEmbeddings.execute for
     * the three models [base, chatml, plain] (base_model = base), in double precision.
     */
    private Map<String, double[][]> reference(String tensor, Map<String, Integer> vocab, Map<String, Cfg> tokens,
                                              Integer padToMultipleOf) throws IOException {
        List<String> models = List.of(base, "chatml", "plain");
        Map<String, double[][]> tensors = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> originalVocabs = new LinkedHashMap<>();
        Map<String, int[]> permutations = new LinkedHashMap<>();
        for (String m : models) {
            tensors.put(m, tensor(m, tensor));
            int vocabSize = vocabSize(m);
            // build.py: the base's tokenizer is stripped to its vocab_size; the others are loaded whole.
            Map<String, Integer> modelVocab = tokenizerVocab(folder(m), m.equals(base) ? vocabSize : Integer.MAX_VALUE);
            originalVocabs.put(m, modelVocab);
            int[] p = new int[vocab.size()];
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                Integer orig = modelVocab.get(e.getKey());
                p[e.getValue()] = orig == null || orig >= vocabSize ? -1 : orig;
            }
            permutations.put(m, p);
        }
        int vocabSize = vocab.size();
        if (padToMultipleOf != null && vocabSize % padToMultipleOf != 0) {
            vocabSize = (vocabSize / padToMultipleOf + 1) * padToMultipleOf;
        }
        int embedSize = tensors.get(base)[0].length;

        // assign_embedding_sources
        Map<String, Cfg> tokenConfigs = new LinkedHashMap<>(tokens);
        Set<String> toAverage = new HashSet<>();
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String token = e.getKey();
            int id = e.getValue();
            if (tokenConfigs.containsKey(token)) {
                continue;
            }
            List<String> having = new ArrayList<>();
            for (String m : models) {
                if (permutations.get(m)[id] >= 0) {
                    having.add(m);
                }
            }
            if (having.size() == 1) {
                tokenConfigs.put(token, new Cfg("model", having.getFirst(), null, null, false));
            } else if (having.isEmpty()) {
                tokenConfigs.put(token, new Cfg("zero", null, null, null, false));
            } else if (permutations.get(base)[id] >= 0) {
                tokenConfigs.put(token, new Cfg("model", base, null, null, false));
            } else {
                toAverage.add(token);
            }
        }
        // default embeddings
        Map<String, double[]> defaults = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String token = e.getKey();
            int id = e.getValue();
            double[] embed = new double[embedSize];
            if (toAverage.contains(token)) {
                int count = 0;
                for (String m : models) {
                    int r = permutations.get(m)[id];
                    if (r >= 0) {
                        for (int c = 0; c < embedSize; c++) {
                            embed[c] += tensors.get(m)[r][c];
                        }
                        count++;
                    }
                }
                for (int c = 0; c < embedSize; c++) {
                    embed[c] /= count;
                }
            } else {
                Cfg cfg = tokenConfigs.get(token);
                switch (cfg.kind()) {
                    case "zero" -> {
                        // compute_default_embedding leaves a zero embedding's value unset; zeros are its intent.
                    }
                    case "model_token" -> {
                        int src = cfg.tokenId() != null ? cfg.tokenId() : originalVocabs.get(cfg.model()).get(cfg.token());
                        embed = tensors.get(cfg.model())[src].clone();
                    }
                    default -> embed = tensors.get(cfg.model())[permutations.get(cfg.model())[id]].clone();
                }
            }
            defaults.put(token, embed);
        }
        // per model
        Map<String, double[][]> result = new LinkedHashMap<>();
        for (String m : models) {
            int[] p = permutations.get(m);
            double[][] newEmbed = new double[vocabSize][embedSize];
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                String token = e.getKey();
                int id = e.getValue();
                boolean force = tokens.containsKey(token) && tokens.get(token).force();
                if (p[id] >= 0 && !force) {
                    newEmbed[id] = tensors.get(m)[p[id]].clone();
                } else {
                    newEmbed[id] = defaults.get(token).clone();
                }
            }
            if (vocabSize > vocab.size()) {
                double[] mean = new double[embedSize];
                for (int r = 0; r < vocab.size(); r++) {
                    for (int c = 0; c < embedSize; c++) {
                        mean[c] += newEmbed[r][c] / vocab.size();
                    }
                }
                for (int r = vocab.size(); r < vocabSize; r++) {
                    newEmbed[r] = mean.clone();
                }
            }
            result.put(m, newEmbed);
        }
        return result;
    }

    /** mergekit's linear merge (normalize: true): sum(w_i x_i) / sum(w_i). */
    private static double[][] linear(Map<String, double[][]> tensors, Map<String, Double> weights) {
        double[][] first = tensors.values().iterator().next();
        double[][] out = new double[first.length][first[0].length];
        double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        tensors.forEach((m, t) -> {
            for (int r = 0; r < t.length; r++) {
                for (int c = 0; c < t[r].length; c++) {
                    out[r][c] += weights.get(m) * t[r][c] / total;
                }
            }
        });
        return out;
    }
}
