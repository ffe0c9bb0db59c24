package dev.crucible.runtime;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** A {@link TextTokenizer} over a Hugging Face {@code tokenizer.json}, run by the native tokenizers library. */
public final class HuggingFaceTextTokenizer implements TextTokenizer, AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final int bosId;
    private final Set<Integer> eosIds;
    private final int padId;

    private HuggingFaceTextTokenizer(HuggingFaceTokenizer tokenizer, int bosId, Set<Integer> eosIds, int padId) {
        this.tokenizer = tokenizer;
        this.bosId = bosId;
        this.eosIds = Set.copyOf(eosIds);
        this.padId = padId;
    }

    /**
     * Loads {@code tokenizer.json} from a folder; special ids come from the model config
     * ({@code bos_token_id}, {@code eos_token_id} as number or list, {@code pad_token_id}),
     * then {@code generation_config.json} and {@code tokenizer_config.json} when present.
     */
    public static HuggingFaceTextTokenizer load(Path dir, JsonNode textConfig) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new CrucibleException(file + ": missing; the model folder needs the tokenizer.json it was trained with");
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(true)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new CrucibleException(file + ": cannot load tokenizer (" + e.getMessage() + ")", e);
        }
        JsonNode tokConfig = readJson(dir.resolve("tokenizer_config.json"));
        JsonNode genConfig = readJson(dir.resolve("generation_config.json"));
        Set<Integer> eos = new LinkedHashSet<>();
        addIds(eos, textConfig.get("eos_token_id"));
        addIds(eos, genConfig.get("eos_token_id"));
        Integer tokEos = tokenId(tok, tokConfig.get("eos_token"));
        if (tokEos != null) {
            eos.add(tokEos);
        }
        int bos = firstId(textConfig.get("bos_token_id"), genConfig.get("bos_token_id"),
                tokenId(tok, tokConfig.get("bos_token")), -1);
        int pad = firstId(textConfig.get("pad_token_id"), genConfig.get("pad_token_id"),
                tokenId(tok, tokConfig.get("pad_token")), eos.isEmpty() ? 0 : eos.iterator().next());
        return new HuggingFaceTextTokenizer(tok, bos, eos, pad);
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return new ObjectMapper().createObjectNode();
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CrucibleException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    private static void addIds(Set<Integer> into, JsonNode node) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            node.forEach(n -> into.add(n.asInt()));
        } else if (node.isNumber()) {
            into.add(node.asInt());
        }
    }

    private static Integer tokenId(HuggingFaceTokenizer tok, JsonNode token) {
        if (token == null || token.isNull()) {
            return null;
        }
        String text = token.isObject() ? token.path("content").asText(null) : token.asText(null);
        if (text == null || text.isEmpty()) {
            return null;
        }
        long[] ids = tok.encode(text, false, false).getIds();
        return ids.length == 1 ? (int) ids[0] : null;
    }

    private static int firstId(JsonNode a, JsonNode b, Integer c, int fallback) {
        if (a != null && a.isNumber()) {
            return a.asInt();
        }
        if (a != null && a.isArray() && !a.isEmpty()) {
            return a.get(0).asInt();
        }
        if (b != null && b.isNumber()) {
            return b.asInt();
        }
        return c != null ? c : fallback;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, skipSpecialTokens);
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public Set<Integer> eosIds() {
        return eosIds;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
