package dev.crucible.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes a {@link Recipe} back to mergekit YAML that {@link RecipeParser} reads to an equal recipe. */
public final class RecipeWriter {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private RecipeWriter() {
    }

    /** The recipe as YAML text, model strings as written. */
    public static String toYaml(Recipe recipe) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("merge_method", recipe.mergeMethod());
        putIfPresent(root, "base_model", recipe.baseModel());
        putIfPresent(root, "task_vector_base", recipe.taskVectorBase());
        if (!recipe.parameters().isEmpty()) {
            root.put("parameters", parameters(recipe.parameters()));
        }
        if (recipe.usesSlices()) {
            List<Object> slices = new ArrayList<>();
            for (Slice slice : recipe.slices()) {
                Map<String, Object> s = new LinkedHashMap<>();
                List<Object> sources = new ArrayList<>();
                for (SliceSource src : slice.sources()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("model", src.model());
                    m.put("layer_range", List.of(src.start(), src.end()));
                    if (!src.parameters().isEmpty()) {
                        m.put("parameters", parameters(src.parameters()));
                    }
                    sources.add(m);
                }
                s.put("sources", sources);
                if (!slice.parameters().isEmpty()) {
                    s.put("parameters", parameters(slice.parameters()));
                }
                slices.add(s);
            }
            root.put("slices", slices);
        } else {
            List<Object> models = new ArrayList<>();
            for (ModelEntry entry : recipe.models()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", entry.model());
                if (!entry.parameters().isEmpty()) {
                    m.put("parameters", parameters(entry.parameters()));
                }
                models.add(m);
            }
            root.put("models", models);
        }
        putIfPresent(root, "dtype", userName(recipe.dtype()));
        putIfPresent(root, "out_dtype", userName(recipe.outDtype()));
        putIfPresent(root, "tokenizer_source", recipe.tokenizerSource());
        if (recipe.tokenizer() != null) {
            root.put("tokenizer", tokenizer(recipe.tokenizer()));
        }
        putIfPresent(root, "chat_template", recipe.chatTemplate());
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a recipe always serialises", e);
        }
    }

    /** Writes the recipe's YAML to {@code file}. */
    public static void write(Recipe recipe, Path file) {
        try {
            Files.writeString(file, toYaml(recipe));
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write recipe: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> tokenizer(TokenizerSettings settings) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", settings.source());
        if (!settings.tokens().isEmpty()) {
            Map<String, Object> tokens = new LinkedHashMap<>();
            settings.tokens().forEach((token, embedding) -> {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("source", switch (embedding.source()) {
                    case EmbeddingSource.FromModel m -> m.model();
                    case EmbeddingSource.Zero z -> Map.of("kind", "zero");
                    case EmbeddingSource.ModelToken m -> {
                        Map<String, Object> src = new LinkedHashMap<>();
                        src.put("kind", "model_token");
                        src.put("model", m.model());
                        putIfPresent(src, "token_id", m.tokenId());
                        putIfPresent(src, "token", m.token());
                        yield src;
                    }
                });
                if (embedding.force()) {
                    t.put("force", true);
                }
                tokens.put(token, t);
            });
            out.put("tokens", tokens);
        }
        putIfPresent(out, "pad_to_multiple_of", settings.padToMultipleOf());
        return out;
    }

    private static Map<String, Object> parameters(Map<String, ParameterValue> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        new TreeMap<>(params).forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    private static Object value(ParameterValue value) {
        return switch (value) {
            case ParameterValue.Scalar s -> s.value();
            case ParameterValue.Gradient g -> g.points();
            case ParameterValue.FilterRules r -> {
                List<Object> rules = new ArrayList<>();
                for (FilterRule rule : r.rules()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    if (rule.filter() != null) {
                        m.put("filter", rule.filter());
                    }
                    m.put("value", value(rule.value()));
                    rules.add(m);
                }
                yield rules;
            }
        };
    }

    private static String userName(DType type) {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> type.safetensorsName();
        };
    }

    private static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
