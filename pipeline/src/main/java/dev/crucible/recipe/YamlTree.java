package dev.crucible.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

import java.math.BigInteger;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads YAML text into a Jackson tree the way PyYAML's {@code safe_load} (what mergekit uses) reads it:
 * anchors and aliases ({@code &b}, {@code *b}) and merge keys ({@code <<: *b}) resolve to the values they
 * name. Jackson's own YAML reader returns an alias as the plain string {@code b}, so a recipe written by
 * {@code yaml.dump} (which anchors repeated objects) would name a model folder "b".
 *
 * <p>Aliases can expand exponentially (a list of aliases of lists of aliases, "billion laughs"), so the
 * tree is refused when it would exceed {@value #MAX_NODES} values once expanded, or when SnakeYAML counts
 * more than {@value #MAX_COLLECTION_ALIASES} aliases of lists or mappings; a recipe needs far fewer.
 */
public final class YamlTree {

    /** Most values (mappings, lists, scalars) the expanded document may hold. */
    public static final int MAX_NODES = 100_000;
    /** Most aliases of lists or mappings a document may use (SnakeYAML's own guard). */
    public static final int MAX_COLLECTION_ALIASES = 100;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String origin;
    private final IdentityHashMap<Object, Boolean> open = new IdentityHashMap<>();
    private int nodes;

    private YamlTree(String origin) {
        this.origin = origin;
    }

    /**
     * Parses {@code text}; errors are one line starting with {@code origin}, e.g. the recipe file name.
     * An empty document gives null.
     */
    public static JsonNode read(String text, String origin) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setAllowRecursiveKeys(false);
        Object value;
        try {
            DumperOptions unused = new DumperOptions();
            value = new Yaml(new SafeConstructor(options), new Representer(unused), unused, options).load(text);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " (line " + (e.getProblemMark().getLine() + 1) + ")";
            throw new CrucibleException(origin + ": not valid YAML: " + oneLine(e.getContext(), e.getProblem()) + where);
        } catch (YAMLException e) {
            if (String.valueOf(e.getMessage()).contains("Number of aliases")) {
                throw aliasBomb(origin);
            }
            throw new CrucibleException(origin + ": not valid YAML: " + oneLine(null, e.getMessage()));
        }
        return value == null ? null : new YamlTree(origin).convert(value);
    }

    private JsonNode convert(Object value) {
        if (++nodes > MAX_NODES) {
            throw aliasBomb(origin);
        }
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
            if (open.put(value, Boolean.TRUE) != null) {
                throw new CrucibleException(origin + ": an alias refers to a mapping or list that contains it; "
                        + "a recipe cannot be recursive");
            }
            try {
                if (value instanceof Map<?, ?> map) {
                    ObjectNode object = NODES.objectNode();
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        object.set(String.valueOf(e.getKey()), convert(e.getValue()));
                    }
                    return object;
                }
                ArrayNode array = NODES.arrayNode();
                for (Object element : (Collection<?>) value) {
                    array.add(convert(element));
                }
                return array;
            } finally {
                open.remove(value);
            }
        }
        return switch (value) {
            case String s -> NODES.textNode(s);
            case Boolean b -> NODES.booleanNode(b);
            case Integer i -> NODES.numberNode(i);
            case Long l -> NODES.numberNode(l);
            case BigInteger b -> NODES.numberNode(b);
            case Double d -> NODES.numberNode(d);
            case Float f -> NODES.numberNode(f.doubleValue());
            case Date d -> NODES.textNode(d.toInstant().atOffset(ZoneOffset.UTC).toString());
            case byte[] bytes -> NODES.binaryNode(bytes);
            default -> NODES.textNode(String.valueOf(value));
        };
    }

    private static CrucibleException aliasBomb(String origin) {
        return new CrucibleException(origin + ": YAML aliases expand too far (more than " + MAX_NODES
                + " values or " + MAX_COLLECTION_ALIASES + " aliases of lists/mappings); write the repeated parts "
                + "out or use fewer aliases");
    }

    /** SnakeYAML explains on several lines with a quoted excerpt; keep the explanation on one line. */
    private static String oneLine(String context, String problem) {
        String text = Stream.of(context, problem)
                .filter(s -> s != null && !s.isBlank())
                .flatMap(String::lines)
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::strip)
                .collect(Collectors.joining("; "));
        return text.isEmpty() ? "unreadable document" : text;
    }
}
