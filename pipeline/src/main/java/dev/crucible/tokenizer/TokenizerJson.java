package dev.crucible.tokenizer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face {@code tokenizer.json} held as JSON, with the operations a merge needs and the semantics of the
 * tokenizers library: {@link #vocab()} is {@code Tokenizer.get_vocab(with_added_tokens=True)}, {@link #addToken}
 * is {@code AddedVocabulary::add_tokens} (an existing content keeps its id, a new one gets the next id past the
 * model's vocabulary and the added tokens), and {@link #stripped} is mergekit's {@code get_stripped_tokenizer}.
 * Instances are mutable copies; {@link #json()} gives the document to write.
 */
public final class TokenizerJson {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final List<String> FLAGS = List.of("single_word", "lstrip", "rstrip", "normalized", "special");

    private final String origin;
    private final ObjectNode root;
    /** The model's own vocabulary (model.vocab), content to id. */
    private final Map<String, Integer> modelVocab;
    /** Added tokens by id (the tokenizers library keeps one per id and writes them sorted by id). */
    private final TreeMap<Integer, ObjectNode> added = new TreeMap<>();

    private TokenizerJson(String origin, ObjectNode root) {
        this.origin = origin;
        this.root = root;
        this.modelVocab = readModelVocab(origin, root);
        JsonNode list = root.path("added_tokens");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            throw new CrucibleException(origin + ": added_tokens is not a list");
        }
        for (JsonNode t : list) {
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw new CrucibleException(origin + ": an entry of added_tokens lacks its id or content: " + t);
            }
            added.put(t.get("id").intValue(), ((ObjectNode) t).deepCopy());
        }
    }

    /** Reads {@code file}; a missing or malformed file is a one-line error naming it. */
    public static TokenizerJson read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CrucibleException(file + ": not a readable tokenizer.json (" + e.getMessage().lines().findFirst()
                    .orElse("") + ")", e);
        }
        if (!(root instanceof ObjectNode o)) {
            throw new CrucibleException(file + ": not a tokenizer.json (expected a JSON object)");
        }
        return new TokenizerJson(file.toString(), o);
    }

    /** A copy that can be changed without touching this one. */
    public TokenizerJson copy() {
        TokenizerJson c = new TokenizerJson(origin, json());
        return c;
    }

    /** Where it was read from, for messages. */
    public String origin() {
        return origin;
    }

    /** {@code model.type}, e.g. {@code BPE}. */
    public String modelType() {
        return root.path("model").path("type").asText("");
    }

    /** Every token the tokenizer knows (model vocabulary, then added tokens over it), content to id. */
    public Map<String, Integer> vocab() {
        Map<String, Integer> out = new LinkedHashMap<>(modelVocab);
        added.forEach((id, t) -> out.put(t.get("content").textValue(), id));
        return out;
    }

    /** The added tokens by id (each a JSON object with content and flags). */
    public Map<Integer, ObjectNode> addedTokens() {
        Map<Integer, ObjectNode> out = new LinkedHashMap<>();
        added.forEach((id, t) -> out.put(id, t.deepCopy()));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Adds {@code token} (content and flags, no id) as the tokenizers library's {@code add_tokens} does: a token
     * identical to an added one is ignored; a known content keeps its id (the entry takes the new flags); a new
     * content gets {@code max(model vocab size, largest added id + 1)}. Returns the token's id.
     */
    public int addToken(ObjectNode token) {
        String content = token.get("content").textValue();
        for (Map.Entry<Integer, ObjectNode> e : added.entrySet()) {
            if (sameToken(e.getValue(), token)) {
                return e.getKey();
            }
        }
        Integer id = vocab().get(content);
        if (id == null) {
            int size = modelVocab.size();
            id = added.isEmpty() ? size : (added.lastKey() >= size || size == 0 ? added.lastKey() + 1 : size);
        }
        ObjectNode entry = JSON.createObjectNode();
        entry.put("id", id);
        entry.put("content", content);
        for (String flag : FLAGS) {
            entry.put(flag, token.path(flag).asBoolean(false));
        }
        added.put(id, entry);
        return id;
    }

    /** What {@code tokenizer.add_tokens("text")} adds: a plain token, normalized, not special. */
    public static ObjectNode plainToken(String content) {
        ObjectNode t = JSON.createObjectNode();
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", true);
        t.put("special", false);
        return t;
    }

    /**
     * mergekit's {@code get_stripped_tokenizer}: the tokenizer without tokens whose id is at or past
     * {@code vocabSize} (the model has no embedding row for them), with the BPE merges that use them; only BPE
     * tokenizers can be stripped, as in mergekit. Returns this tokenizer itself when nothing is past the end.
     */
    public TokenizerJson stripped(int vocabSize) {
        Set<String> unused = new java.util.HashSet<>();
        vocab().forEach((tok, id) -> {
            if (id >= vocabSize) {
                unused.add(tok);
            }
        });
        if (unused.isEmpty()) {
            return this;
        }
        if (!"BPE".equals(modelType())) {
            throw new CrucibleException(origin + ": has " + unused.size() + " tokens past the model's vocab_size "
                    + vocabSize + " and model type " + modelType() + "; only BPE tokenizers can be cut to the "
                    + "embedding (as in mergekit); use a tokenizer whose ids fit the model");
        }
        ObjectNode out = json();
        ArrayNode addedOut = JSON.createArrayNode();
        for (JsonNode t : out.withArray("added_tokens")) {
            if (t.get("id").intValue() < vocabSize) {
                addedOut.add(t);
            }
        }
        out.set("added_tokens", addedOut);
        ObjectNode model = (ObjectNode) out.get("model");
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        unused.forEach(vocab::remove);
        JsonNode merges = model.path("merges");
        if (merges.isArray()) {
            ArrayNode kept = JSON.createArrayNode();
            for (JsonNode m : merges) {
                List<String> parts = new ArrayList<>();
                if (m.isTextual() && m.textValue().chars().filter(c -> c == ' ').count() == 1) {
                    parts.addAll(List.of(m.textValue().split(" ", -1)));
                } else if (m.isArray()) {
                    m.forEach(p -> parts.add(p.asText()));
                } else {
                    throw new CrucibleException(origin + ": unexpected BPE merge " + m);
                }
                if (parts.stream().noneMatch(unused::contains)) {
                    kept.add(m);
                }
            }
            model.set("merges", kept);
        }
        return new TokenizerJson(origin, out);
    }

    /** The document, with added_tokens as they stand now (sorted by id). */
    public ObjectNode json() {
        ObjectNode out = root.deepCopy();
        ArrayNode list = JSON.createArrayNode();
        added.values().forEach(t -> list.add(t.deepCopy()));
        // Keep the key where it was: rebuild the object in its original order.
        ObjectNode ordered = JSON.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> it = out.fields();
        boolean placed = false;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("added_tokens")) {
                ordered.set("added_tokens", list);
                placed = true;
            } else {
                ordered.set(e.getKey(), e.getValue());
            }
        }
        if (!placed) {
            ordered.set("added_tokens", list);
        }
        return ordered;
    }

    /** tokenizer_config.json's {@code added_tokens_decoder} for these added tokens, as transformers writes it. */
    public ObjectNode addedTokensDecoder() {
        ObjectNode out = JSON.createObjectNode();
        added.forEach((id, t) -> {
            ObjectNode e = JSON.createObjectNode();
            e.put("content", t.get("content").textValue());
            e.put("lstrip", t.path("lstrip").asBoolean(false));
            e.put("normalized", t.path("normalized").asBoolean(false));
            e.put("rstrip", t.path("rstrip").asBoolean(false));
            e.put("single_word", t.path("single_word").asBoolean(false));
            e.put("special", t.path("special").asBoolean(false));
            out.set(Integer.toString(id), e);
        });
        return out;
    }

    private static boolean sameToken(ObjectNode a, ObjectNode b) {
        if (!a.get("content").textValue().equals(b.get("content").textValue())) {
            return false;
        }
        for (String flag : FLAGS) {
            if (a.path(flag).asBoolean(false) != b.path(flag).asBoolean(false)) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Integer> readModelVocab(String origin, ObjectNode root) {
        JsonNode vocab = root.path("model").path("vocab");
        Map<String, Integer> out = new LinkedHashMap<>();
        if (vocab.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt()) {
                    throw new CrucibleException(origin + ": model.vocab maps " + e.getKey() + " to a non-integer id");
                }
                out.put(e.getKey(), e.getValue().intValue());
            }
        } else if (vocab.isArray()) {
            // Unigram: a list of [piece, score], the id is the position.
            for (int i = 0; i < vocab.size(); i++) {
                out.put(vocab.get(i).path(0).asText(), i);
            }
        } else {
            throw new CrucibleException(origin + ": no model.vocab; a merge with a tokenizer setting needs a "
                    + "tokenizer.json with its vocabulary");
        }
        return out;
    }
}
