package dev.crucible.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.TokenizerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The merged model's tokenizer and, for every model of the recipe, where each output token's row sits in that
 * model's embedding: mergekit's {@code build_tokenizer} ({@code mergekit/tokenizer/build.py}).
 *
 * <p>The base model's tokenizer (base_model, else the first model) is stripped of tokens past its
 * {@code vocab_size}. The output is that tokenizer ({@code base}), another model's ({@code source: MODEL}), or the
 * union: the base's tokenizer plus, in order, every token of the other models that fits their embedding — first the
 * ordinary vocabulary tokens, then the added tokens (with their flags; the first model to add a content wins).
 * Then every key of {@code tokens:} is added as a plain token. mergekit orders the models by a Python set and the
 * tokens of one model by the tokenizer library's hash map, so its ids for new tokens vary between runs when more
 * than one model brings ordinary tokens; Crucible takes recipe order and, within a model, id order, which is
 * what mergekit gives whenever its order is fixed.
 *
 * @param tokenizer       the output tokenizer
 * @param sourceDir       the folder the output tokenizer came from (its tokenizer_config.json and
 *                        special_tokens_map.json are the output's)
 * @param rewritten       whether the output tokenizer differs from the file in {@code sourceDir}
 * @param vocab           the output vocabulary, content to id (ids 0 .. size-1)
 * @param rows            output embedding rows: the vocab size rounded up to {@code pad_to_multiple_of}
 * @param permutations    per model of the recipe, per output id, the row in that model's embedding, or -1
 * @param originalVocabs  per model with a tokenizer, its vocabulary (the base's stripped)
 */
public record OutputVocabulary(TokenizerJson tokenizer, Path sourceDir, boolean rewritten, Map<String, Integer> vocab,
                               int rows, Map<String, int[]> permutations, Map<String, Map<String, Integer>> originalVocabs) {

    private static final Logger LOG = LoggerFactory.getLogger(OutputVocabulary.class);
    private static final String TOKENIZER_JSON = "tokenizer.json";

    public OutputVocabulary {
        vocab = Collections.unmodifiableMap(new LinkedHashMap<>(vocab));
        permutations = Collections.unmodifiableMap(new LinkedHashMap<>(permutations));
        originalVocabs = Collections.unmodifiableMap(new LinkedHashMap<>(originalVocabs));
    }

    /** A model of the recipe: its string, folder and embedding rows ({@code vocab_size}). */
    public record Model(String name, Path dir, int vocabSize) {
    }

    /**
     * Builds the output vocabulary.
     *
     * @param settings   the recipe's tokenizer settings
     * @param base       the base model (base_model, else the recipe's first model)
     * @param models     every model of the recipe, in recipe order (the base among them)
     * @param sourceDir  for {@code source: MODEL}, that model's folder; null otherwise
     * @param field      the recipe field that holds the source, for messages
     */
    public static OutputVocabulary build(TokenizerSettings settings, Model base, List<Model> models, Path sourceDir,
                                         String field) {
        TokenizerJson baseOriginal = require(base, field);
        TokenizerJson baseTok = baseOriginal.stripped(base.vocabSize());
        boolean baseUnchanged = baseTok == baseOriginal;
        Map<String, TokenizerJson> tokenizers = new LinkedHashMap<>();
        tokenizers.put(base.name(), baseTok);
        for (Model m : models) {
            if (m.name().equals(base.name())) {
                continue;
            }
            Path file = m.dir().resolve(TOKENIZER_JSON);
            if (!Files.isRegularFile(file)) {
                LOG.warn("{} has no tokenizer.json; taking its vocabulary to be {}'s (as mergekit does)", m.name(),
                        base.name());
                continue;
            }
            tokenizers.put(m.name(), TokenizerJson.read(file));
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        models.forEach(m -> sizes.put(m.name(), m.vocabSize()));
        sizes.put(base.name(), base.vocabSize());

        TokenizerJson out;
        Path outDir;
        boolean rewritten;
        switch (settings.source()) {
            case TokenizerSettings.UNION -> {
                out = union(baseTok, tokenizers, sizes);
                outDir = base.dir();
                rewritten = true;
            }
            case TokenizerSettings.BASE -> {
                out = baseTok.copy();
                outDir = base.dir();
                rewritten = !baseUnchanged;
            }
            default -> {
                Path file = sourceDir.resolve(TOKENIZER_JSON);
                if (!Files.isRegularFile(file)) {
                    throw new CrucibleException(field + ": " + sourceDir + " has no tokenizer.json; name a model "
                            + "folder with one");
                }
                out = TokenizerJson.read(file);
                outDir = sourceDir;
                rewritten = false;
            }
        }
        Map<String, Integer> before = out.vocab();
        Map<Integer, ObjectNode> addedBefore = out.addedTokens();
        for (String token : settings.tokens().keySet()) {
            out.addToken(TokenizerJson.plainToken(token));
        }
        rewritten |= !before.equals(out.vocab()) || !addedBefore.equals(out.addedTokens());

        Map<String, Integer> vocab = out.vocab();
        int size = vocab.size();
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= size) {
                throw new CrucibleException(field + ": the output tokenizer's ids are not 0.." + (size - 1) + " ("
                        + e.getKey() + " has id " + e.getValue() + "); its embedding rows cannot be laid out");
            }
        }
        int rows = size;
        Integer pad = settings.padToMultipleOf();
        if (pad != null && rows % pad != 0) {
            rows = (rows / pad + 1) * pad;
        }

        Map<String, int[]> permutations = new LinkedHashMap<>();
        for (Model m : models) {
            Map<String, Integer> modelVocab = (tokenizers.containsKey(m.name()) ? tokenizers.get(m.name())
                    : baseTok).vocab();
            int[] p = new int[size];
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                Integer orig = modelVocab.get(e.getKey());
                // A token past the model's embedding has no row: mergekit warns and leaves it out of the permutation.
                p[e.getValue()] = orig == null || orig >= m.vocabSize() ? -1 : orig;
            }
            permutations.put(m.name(), p);
        }
        Map<String, Map<String, Integer>> originals = new LinkedHashMap<>();
        tokenizers.forEach((name, tok) -> originals.put(name, tok.vocab()));
        return new OutputVocabulary(out, outDir, rewritten, vocab, rows, permutations, originals);
    }

    /** Writes tokenizer.json and tokenizer_config.json (with the new added_tokens_decoder) into {@code dir}. */
    public void writeTo(Path dir) throws IOException {
        TokenizerJson.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TOKENIZER_JSON).toFile(),
                tokenizer.json());
        Path configFile = sourceDir.resolve("tokenizer_config.json");
        ObjectNode config = Files.isRegularFile(configFile)
                && TokenizerJson.JSON.readTree(configFile.toFile()) instanceof ObjectNode o ? o
                : TokenizerJson.JSON.createObjectNode();
        config.set("added_tokens_decoder", tokenizer.addedTokensDecoder());
        TokenizerJson.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(),
                config);
    }

    /** The vocabulary size (without padding rows). */
    public int size() {
        return vocab.size();
    }

    private static TokenizerJson union(TokenizerJson baseTok, Map<String, TokenizerJson> tokenizers,
                                       Map<String, Integer> sizes) {
        Set<String> plain = new LinkedHashSet<>();
        Map<String, ObjectNode> addedTokens = new LinkedHashMap<>();
        for (Map.Entry<String, TokenizerJson> e : tokenizers.entrySet()) {
            int size = sizes.get(e.getKey());
            TokenizerJson tok = e.getValue();
            // Within a model, id order (mergekit follows the tokenizer's hash map here).
            TreeMap<Integer, String> byId = new TreeMap<>();
            tok.vocab().forEach((content, id) -> byId.put(id, content));
            byId.forEach((id, content) -> {
                if (id < size) {
                    plain.add(content);
                }
            });
            tok.addedTokens().forEach((id, token) -> {
                if (id < size) {
                    addedTokens.putIfAbsent(token.get("content").textValue(), token);
                }
            });
        }
        TokenizerJson out = baseTok.copy();
        Map<String, Integer> baseVocab = baseTok.vocab();
        for (String content : plain) {
            if (!addedTokens.containsKey(content) && !baseVocab.containsKey(content)) {
                out.addToken(TokenizerJson.plainToken(content));
            }
        }
        for (ObjectNode token : addedTokens.values()) {
            out.addToken(token);
        }
        return out;
    }

    private static TokenizerJson require(Model base, String field) {
        Path file = base.dir().resolve(TOKENIZER_JSON);
        if (!Files.isRegularFile(file)) {
            throw new CrucibleException(field + ": the base model " + base.name() + " has no tokenizer.json ("
                    + file + "); a merge with a tokenizer setting starts from the base's tokenizer");
        }
        return TokenizerJson.read(file);
    }

    /** The vocab_size a config declares ({@code text_config} for vision-language models), or -1. */
    public static int configVocabSize(JsonNode config) {
        JsonNode text = config.path("text_config");
        JsonNode v = (text.isObject() && text.has("vocab_size") ? text : config).path("vocab_size");
        return v.canConvertToInt() ? v.intValue() : -1;
    }
}
