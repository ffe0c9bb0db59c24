package dev.crucible.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.config.FieldErrors;
import dev.crucible.config.ObjectFields;
import dev.crucible.error.CrucibleException;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads mergekit's {@code tokenizer:} block ({@code mergekit/tokenizer/config.py}, {@code TokenizerConfig}):
 * {@code source} (default {@code union}), {@code tokens} (per token {@code source} and {@code force}) and
 * {@code pad_to_multiple_of}; every error names its field, e.g. {@code tokenizer.tokens.<|im_end|>.source}.
 */
final class TokenizerBlock {

    private static final FieldErrors FIELDS = FieldErrors.inFile("");

    private TokenizerBlock() {
    }

    static TokenizerSettings parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        ObjectFields block = ObjectFields.of(node, "tokenizer", "a mapping {source: union|base|MODEL, tokens: {...}, "
                + "pad_to_multiple_of: N}", FIELDS).rejectUnknown(Set.of("source", "tokens", "pad_to_multiple_of"));
        String source = TokenizerSettings.UNION;
        JsonNode src = node.get("source");
        if (src != null && !src.isNull()) {
            if (!src.isTextual() || src.textValue().isBlank()) {
                throw new CrucibleException("tokenizer.source: expected union, base or a model folder, got " + src);
            }
            source = src.textValue().trim();
        }
        Integer pad = block.has("pad_to_multiple_of")
                ? block.wholeNumber("pad_to_multiple_of", 0, 1, Integer.MAX_VALUE) : null;
        Map<String, TokenEmbedding> tokens = new LinkedHashMap<>();
        JsonNode tokensNode = node.get("tokens");
        if (tokensNode != null && !tokensNode.isNull()) {
            if (!tokensNode.isObject()) {
                throw new CrucibleException("tokenizer.tokens: expected a mapping of token to {source: ..., force: ...}, got "
                        + tokensNode);
            }
            Iterator<Map.Entry<String, JsonNode>> it = tokensNode.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().isEmpty()) {
                    throw new CrucibleException("tokenizer.tokens: a token may not be empty");
                }
                tokens.put(e.getKey(), token(e.getValue(), "tokenizer.tokens." + e.getKey()));
            }
        }
        return new TokenizerSettings(source, tokens, pad);
    }

    private static TokenEmbedding token(JsonNode node, String field) {
        boolean force = ObjectFields.of(node, field, "{source: MODEL | {kind: model_token, ...} | {kind: zero}, "
                + "force: true|false}", FIELDS).rejectUnknown(Set.of("source", "force")).bool("force").orElse(false);
        JsonNode src = node.get("source");
        if (src == null || src.isNull()) {
            // mergekit accepts a missing source and then fails when it builds the embedding (NotImplementedError).
            throw new CrucibleException(field + ".source: missing; give a model folder, "
                    + "{kind: model_token, model: MODEL, token: TEXT | token_id: N} or {kind: zero}");
        }
        return new TokenEmbedding(source(src, field + ".source"), force);
    }

    private static EmbeddingSource source(JsonNode node, String field) {
        if (node.isTextual()) {
            if (node.textValue().isBlank()) {
                throw new CrucibleException(field + ": empty; give a model folder");
            }
            return new EmbeddingSource.FromModel(node.textValue().trim());
        }
        if (!node.isObject()) {
            throw new CrucibleException(field + ": expected a model folder or {kind: model_token|zero, ...}, got " + node);
        }
        JsonNode kind = node.get("kind");
        String k = kind != null && kind.isTextual() ? kind.textValue() : null;
        if ("zero".equals(k)) {
            ObjectFields.of(node, field, "a mapping", FIELDS).rejectUnknown(Set.of("kind"));
            return new EmbeddingSource.Zero();
        }
        if (!"model_token".equals(k)) {
            throw new CrucibleException(field + ".kind: expected model_token or zero, got " + kind);
        }
        ObjectFields.of(node, field, "a mapping", FIELDS).rejectUnknown(Set.of("kind", "model", "token_id", "token"));
        JsonNode model = node.get("model");
        if (model == null || !model.isTextual() || model.textValue().isBlank()) {
            throw new CrucibleException(field + ".model: missing; give the folder of the model whose token to use");
        }
        JsonNode id = node.get("token_id");
        JsonNode token = node.get("token");
        boolean hasId = id != null && !id.isNull();
        boolean hasToken = token != null && !token.isNull();
        if (hasId == hasToken) {
            throw new CrucibleException(field + ": give exactly one of token_id and token");
        }
        if (hasId && (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0)) {
            throw new CrucibleException(field + ".token_id: expected a whole number >= 0, got " + id);
        }
        if (hasToken && !token.isTextual()) {
            throw new CrucibleException(field + ".token: expected text, got " + token);
        }
        return new EmbeddingSource.ModelToken(model.textValue().trim(), hasId ? id.intValue() : null,
                hasToken ? token.textValue() : null);
    }
}
