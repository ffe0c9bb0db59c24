package dev.crucible.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The subset of Jinja that Hugging Face chat templates use, rendered the way
 * {@code apply_chat_template} does (trim_blocks and lstrip_blocks on): text, {@code {{ }}},
 * {@code if/elif/else}, {@code for} with {@code loop.*}, {@code set}, comments, whitespace control;
 * expressions with literals, attribute and index access, slices, arithmetic, {@code ~}, comparisons,
 * {@code and/or/not/in}, {@code is [not] defined/none/string}, conditional expressions, the filters
 * {@code trim length upper lower tojson string default first last} and the string methods
 * {@code strip startswith endswith upper lower}. Anything else is a {@link TemplateException}.
 */
final class MiniJinja {

    /** A template outside the supported subset, or one that failed while rendering. */
    static final class TemplateException extends RuntimeException {
        TemplateException(String message) {
            super(message);
        }
    }

    private static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "";
        }
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private sealed interface Node permits Text, Output, If, For, SetVar {}

    private record Text(String text) implements Node {}

    private record Output(Expr expr) implements Node {}

    private record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> otherwise) implements Node {}

    private record For(List<String> names, Expr iterable, List<Node> body) implements Node {}

    private record SetVar(String name, Expr value) implements Node {}

    @FunctionalInterface
    private interface Expr {
        Object eval(Map<String, Object> scope);
    }

    private final List<Node> root;

    private MiniJinja(List<Node> root) {
        this.root = root;
    }

    static MiniJinja compile(String source) {
        Parser parser = new Parser(lex(source));
        List<Node> nodes = parser.block(List.of());
        if (parser.pos < parser.tags.size()) {
            throw new TemplateException("unexpected {% " + parser.tags.get(parser.pos).body + " %}");
        }
        return new MiniJinja(nodes);
    }

    String render(Map<String, Object> variables) {
        StringBuilder out = new StringBuilder();
        render(root, new HashMap<>(variables), out);
        return out.toString();
    }

    // ---- lexing: text and tags, with trim_blocks / lstrip_blocks / '-' whitespace control ----

    /** One piece of the source: text (kind 't'), output ('o') or statement ('s'). */
    private record Tag(char kind, String body) {}

    private static List<Tag> lex(String src) {
        List<Tag> tags = new ArrayList<>();
        int i = 0;
        boolean trimNextNewline = false;
        boolean stripNextWhitespace = false;
        while (i < src.length()) {
            int open = src.indexOf('{', i);
            while (open >= 0 && open + 1 < src.length() && "{%#".indexOf(src.charAt(open + 1)) < 0) {
                open = src.indexOf('{', open + 1);
            }
            if (open < 0 || open + 1 >= src.length()) {
                open = src.length();
            }
            String text = src.substring(i, open);
            if (stripNextWhitespace) {
                text = text.stripLeading();
            } else if (trimNextNewline && text.startsWith("\n")) {
                text = text.substring(1);
            }
            if (open == src.length()) {
                addText(tags, text);
                break;
            }
            char kind = src.charAt(open + 1);
            String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int end = src.indexOf(close, open + 2);
            if (end < 0) {
                throw new TemplateException("unclosed " + src.substring(open, open + 2) + " tag");
            }
            String body = src.substring(open + 2, end);
            boolean leftStrip = body.startsWith("-");
            boolean rightStrip = body.endsWith("-");
            if (leftStrip) {
                text = text.stripTrailing();
            } else if (kind != '{') {
                int lineStart = text.lastIndexOf('\n') + 1;
                if (text.substring(lineStart).isBlank()) {
                    text = text.substring(0, lineStart);
                }
            }
            addText(tags, text);
            body = body.substring(leftStrip ? 1 : 0, body.length() - (rightStrip ? 1 : 0)).strip();
            if (kind != '#') {
                tags.add(new Tag(kind == '{' ? 'o' : 's', body));
            }
            stripNextWhitespace = rightStrip;
            trimNextNewline = kind != '{';
            i = end + 2;
        }
        return tags;
    }

    private static void addText(List<Tag> tags, String text) {
        if (!text.isEmpty()) {
            tags.add(new Tag('t', text));
        }
    }

    // ---- parsing ----

    private static final class Parser {
        final List<Tag> tags;
        int pos;

        Parser(List<Tag> tags) {
            this.tags = tags;
        }

        /** Nodes up to (not including) a statement whose first word is in {@code enders}. */
        List<Node> block(List<String> enders) {
            List<Node> nodes = new ArrayList<>();
            while (pos < tags.size()) {
                Tag tag = tags.get(pos);
                if (tag.kind() == 't') {
                    nodes.add(new Text(tag.body()));
                    pos++;
                } else if (tag.kind() == 'o') {
                    nodes.add(new Output(new ExprParser(tag.body()).whole()));
                    pos++;
                } else {
                    String word = tag.body().split("\\s+", 2)[0];
                    if (enders.contains(word)) {
                        return nodes;
                    }
                    pos++;
                    nodes.add(statement(word, tag.body().substring(word.length()).strip()));
                }
            }
            if (!enders.isEmpty()) {
                throw new TemplateException("missing {% " + enders.getLast() + " %}");
            }
            return nodes;
        }

        Node statement(String word, String rest) {
            switch (word) {
                case "if" -> {
                    List<Expr> conditions = new ArrayList<>();
                    List<List<Node>> bodies = new ArrayList<>();
                    conditions.add(new ExprParser(rest).whole());
                    bodies.add(block(List.of("elif", "else", "endif")));
                    List<Node> otherwise = List.of();
                    while (true) {
                        Tag tag = tags.get(pos++);
                        String w = tag.body().split("\\s+", 2)[0];
                        if (w.equals("elif")) {
                            conditions.add(new ExprParser(tag.body().substring(4).strip()).whole());
                            bodies.add(block(List.of("elif", "else", "endif")));
                        } else if (w.equals("else")) {
                            otherwise = block(List.of("endif"));
                        } else {
                            return new If(conditions, bodies, otherwise);
                        }
                    }
                }
                case "for" -> {
                    int in = rest.indexOf(" in ");
                    if (in < 0) {
                        throw new TemplateException("malformed {% for " + rest + " %}");
                    }
                    List<String> names = List.of(rest.substring(0, in).replace(" ", "").split(","));
                    Expr iterable = new ExprParser(rest.substring(in + 4)).whole();
                    List<Node> body = block(List.of("endfor"));
                    pos++;
                    return new For(names, iterable, body);
                }
                case "set" -> {
                    int eq = rest.indexOf('=');
                    if (eq < 0) {
                        throw new TemplateException("malformed {% set " + rest + " %}");
                    }
                    return new SetVar(rest.substring(0, eq).strip(), new ExprParser(rest.substring(eq + 1)).whole());
                }
                default -> throw new TemplateException("unsupported statement {% " + word + " %}");
            }
        }
    }

    /** Recursive descent over one expression's tokens. */
    private static final class ExprParser {
        private final List<String> tokens = new ArrayList<>();
        private int at;

        ExprParser(String src) {
            int i = 0;
            while (i < src.length()) {
                char c = src.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '\'' || c == '"') {
                    StringBuilder sb = new StringBuilder("'");
                    int j = i + 1;
                    while (j < src.length() && src.charAt(j) != c) {
                        char d = src.charAt(j);
                        if (d == '\\' && j + 1 < src.length()) {
                            char e = src.charAt(++j);
                            sb.append(switch (e) {
                                case 'n' -> '\n';
                                case 't' -> '\t';
                                default -> e;
                            });
                        } else {
                            sb.append(d);
                        }
                        j++;
                    }
                    tokens.add(sb.toString());
                    i = j + 1;
                } else if (Character.isDigit(c)) {
                    int j = i;
                    while (j < src.length() && (Character.isDigit(src.charAt(j)) || src.charAt(j) == '.')) {
                        j++;
                    }
                    tokens.add(src.substring(i, j));
                    i = j;
                } else if (Character.isLetter(c) || c == '_') {
                    int j = i;
                    while (j < src.length() && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
                        j++;
                    }
                    tokens.add(src.substring(i, j));
                    i = j;
                } else {
                    String two = i + 1 < src.length() ? src.substring(i, i + 2) : "";
                    if (List.of("==", "!=", "<=", ">=").contains(two)) {
                        tokens.add(two);
                        i += 2;
                    } else {
                        tokens.add(String.valueOf(c));
                        i++;
                    }
                }
            }
        }

        Expr whole() {
            Expr e = expr();
            if (at < tokens.size()) {
                throw new TemplateException("unexpected '" + tokens.get(at) + "' in expression");
            }
            return e;
        }

        private String peek() {
            return at < tokens.size() ? tokens.get(at) : "";
        }

        private boolean accept(String token) {
            if (peek().equals(token)) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(String token) {
            if (!accept(token)) {
                throw new TemplateException("expected '" + token + "' but found '" + peek() + "'");
            }
        }

        private Expr expr() {
            Expr value = or();
            if (accept("if")) {
                Expr condition = or();
                Expr otherwise = accept("else") ? expr() : s -> "";
                return s -> truthy(condition.eval(s)) ? value.eval(s) : otherwise.eval(s);
            }
            return value;
        }

        private Expr or() {
            Expr left = and();
            while (accept("or")) {
                Expr l = left;
                Expr r = and();
                left = s -> truthy(l.eval(s)) ? l.eval(s) : r.eval(s);
            }
            return left;
        }

        private Expr and() {
            Expr left = not();
            while (accept("and")) {
                Expr l = left;
                Expr r = not();
                left = s -> truthy(l.eval(s)) ? r.eval(s) : l.eval(s);
            }
            return left;
        }

        private Expr not() {
            if (accept("not")) {
                Expr inner = not();
                return s -> !truthy(inner.eval(s));
            }
            return compare();
        }

        private Expr compare() {
            Expr left = concat();
            while (true) {
                String op = peek();
                if (op.equals("is")) {
                    at++;
                    boolean negate = accept("not");
                    String test = tokens.get(at++);
                    Expr l = left;
                    left = s -> negate != test(test, l.eval(s));
                } else if (op.equals("not") && at + 1 < tokens.size() && tokens.get(at + 1).equals("in")) {
                    at += 2;
                    Expr l = left;
                    Expr r = concat();
                    left = s -> !contains(r.eval(s), l.eval(s));
                } else if (List.of("==", "!=", "<", ">", "<=", ">=", "in").contains(op)) {
                    at++;
                    Expr l = left;
                    Expr r = concat();
                    left = s -> compareValues(op, l.eval(s), r.eval(s));
                } else {
                    return left;
                }
            }
        }

        private Expr concat() {
            Expr left = additive();
            while (accept("~")) {
                Expr l = left;
                Expr r = additive();
                left = s -> str(l.eval(s)) + str(r.eval(s));
            }
            return left;
        }

        private Expr additive() {
            Expr left = multiplicative();
            while (peek().equals("+") || peek().equals("-")) {
                String op = tokens.get(at++);
                Expr l = left;
                Expr r = multiplicative();
                left = s -> arithmetic(op, l.eval(s), r.eval(s));
            }
            return left;
        }

        private Expr multiplicative() {
            Expr left = unary();
            while (peek().equals("*") || peek().equals("/") || peek().equals("%")) {
                String op = tokens.get(at++);
                Expr l = left;
                Expr r = unary();
                left = s -> arithmetic(op, l.eval(s), r.eval(s));
            }
            return left;
        }

        private Expr unary() {
            if (accept("-")) {
                Expr inner = unary();
                return s -> arithmetic("-", 0L, inner.eval(s));
            }
            return postfix(primary());
        }

        private Expr primary() {
            String t = tokens.get(at++);
            if (t.startsWith("'")) {
                String literal = t.substring(1);
                return s -> literal;
            }
            if (Character.isDigit(t.charAt(0))) {
                Object n = t.contains(".") ? (Object) Double.parseDouble(t) : (Object) Long.parseLong(t);
                return s -> n;
            }
            switch (t) {
                case "true", "True" -> {
                    return s -> Boolean.TRUE;
                }
                case "false", "False" -> {
                    return s -> Boolean.FALSE;
                }
                case "none", "None" -> {
                    return s -> null;
                }
                case "(" -> {
                    Expr inner = expr();
                    expect(")");
                    return inner;
                }
                case "[" -> {
                    List<Expr> items = new ArrayList<>();
                    while (!accept("]")) {
                        items.add(expr());
                        accept(",");
                    }
                    return s -> items.stream().map(e -> e.eval(s)).toList();
                }
                default -> {
                    if (!Character.isLetter(t.charAt(0)) && t.charAt(0) != '_') {
                        throw new TemplateException("unexpected '" + t + "' in expression");
                    }
                    return s -> s.containsKey(t) ? s.get(t) : UNDEFINED;
                }
            }
        }

        private Expr postfix(Expr base) {
            while (true) {
                if (accept(".")) {
                    String name = tokens.get(at++);
                    Expr target = base;
                    if (accept("(")) {
                        List<Expr> args = arguments();
                        base = s -> method(target.eval(s), name, args.stream().map(a -> a.eval(s)).toList());
                    } else {
                        base = s -> attribute(target.eval(s), name);
                    }
                } else if (accept("[")) {
                    Expr target = base;
                    Expr from = peek().equals(":") ? null : expr();
                    if (accept(":")) {
                        Expr to = peek().equals("]") ? null : expr();
                        expect("]");
                        base = s -> slice(target.eval(s), from == null ? null : from.eval(s), to == null ? null : to.eval(s));
                    } else {
                        expect("]");
                        base = s -> attribute(target.eval(s), from.eval(s));
                    }
                } else if (accept("(")) {
                    Expr target = base;
                    List<Expr> args = arguments();
                    base = s -> call(target.eval(s), args.stream().map(a -> a.eval(s)).toList());
                } else if (accept("|")) {
                    String filter = tokens.get(at++);
                    List<Expr> args = accept("(") ? arguments() : List.of();
                    Expr target = base;
                    base = s -> filter(filter, target.eval(s), args.stream().map(a -> a.eval(s)).toList());
                } else {
                    return base;
                }
            }
        }

        private List<Expr> arguments() {
            List<Expr> args = new ArrayList<>();
            while (!accept(")")) {
                args.add(expr());
                accept(",");
            }
            return args;
        }
    }

    // ---- evaluation ----

    private static void render(List<Node> nodes, Map<String, Object> scope, StringBuilder out) {
        for (Node node : nodes) {
            switch (node) {
                case Text t -> out.append(t.text());
                case Output o -> out.append(str(o.expr().eval(scope)));
                case SetVar set -> scope.put(set.name(), set.value().eval(scope));
                case If branch -> {
                    boolean done = false;
                    for (int i = 0; i < branch.conditions().size() && !done; i++) {
                        if (truthy(branch.conditions().get(i).eval(scope))) {
                            render(branch.bodies().get(i), scope, out);
                            done = true;
                        }
                    }
                    if (!done) {
                        render(branch.otherwise(), scope, out);
                    }
                }
                case For loop -> {
                    List<?> items = iterable(loop.iterable().eval(scope));
                    Object savedLoop = scope.get("loop");
                    for (int i = 0; i < items.size(); i++) {
                        Object item = items.get(i);
                        if (loop.names().size() == 1) {
                            scope.put(loop.names().getFirst(), item);
                        } else {
                            List<?> parts = iterable(item);
                            for (int k = 0; k < loop.names().size(); k++) {
                                scope.put(loop.names().get(k), parts.get(k));
                            }
                        }
                        Map<String, Object> info = new HashMap<>();
                        info.put("index", (long) i + 1);
                        info.put("index0", (long) i);
                        info.put("first", i == 0);
                        info.put("last", i == items.size() - 1);
                        info.put("length", (long) items.size());
                        info.put("revindex", (long) (items.size() - i));
                        info.put("revindex0", (long) (items.size() - i - 1));
                        scope.put("loop", info);
                        render(loop.body(), scope, out);
                    }
                    scope.put("loop", savedLoop);
                }
            }
        }
    }

    private static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case String s -> !s.isEmpty();
            case Long n -> n != 0;
            case Double d -> d != 0;
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> v != UNDEFINED;
        };
    }

    private static String str(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return v.toString();
    }

    private static boolean test(String name, Object v) {
        return switch (name) {
            case "defined" -> v != UNDEFINED;
            case "undefined" -> v == UNDEFINED;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "number" -> v instanceof Long || v instanceof Double;
            case "mapping" -> v instanceof Map;
            case "iterable", "sequence" -> v instanceof List || v instanceof String;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            default -> throw new TemplateException("unsupported test 'is " + name + "'");
        };
    }

    private static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s -> s.contains(str(item));
            case List<?> l -> l.contains(item);
            case Map<?, ?> m -> m.containsKey(item);
            default -> false;
        };
    }

    private static Object compareValues(String op, Object a, Object b) {
        if (op.equals("in")) {
            return contains(b, a);
        }
        if (op.equals("==") || op.equals("!=")) {
            boolean equal = (a instanceof Number x && b instanceof Number y) ? x.doubleValue() == y.doubleValue()
                    : Objects.equals(a == UNDEFINED ? null : a, b == UNDEFINED ? null : b);
            return op.equals("==") == equal;
        }
        int c;
        if (a instanceof Number x && b instanceof Number y) {
            c = Double.compare(x.doubleValue(), y.doubleValue());
        } else if (a instanceof String x && b instanceof String y) {
            c = x.compareTo(y);
        } else {
            throw new TemplateException("cannot compare " + a + " " + op + " " + b);
        }
        return switch (op) {
            case "<" -> c < 0;
            case ">" -> c > 0;
            case "<=" -> c <= 0;
            default -> c >= 0;
        };
    }

    private static Object arithmetic(String op, Object a, Object b) {
        if (op.equals("+") && (a instanceof String || b instanceof String)) {
            return str(a) + str(b);
        }
        if (op.equals("+") && a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> joined = new ArrayList<>(x);
            joined.addAll(y);
            return joined;
        }
        if (!(a instanceof Number x) || !(b instanceof Number y)) {
            throw new TemplateException("cannot apply '" + op + "' to " + a + " and " + b);
        }
        if (a instanceof Long l && b instanceof Long r && !op.equals("/")) {
            return switch (op) {
                case "+" -> l + r;
                case "-" -> l - r;
                case "*" -> l * r;
                default -> Math.floorMod(l, r);
            };
        }
        double l = x.doubleValue();
        double r = y.doubleValue();
        return switch (op) {
            case "+" -> l + r;
            case "-" -> l - r;
            case "*" -> l * r;
            case "/" -> l / r;
            default -> l % r;
        };
    }

    private static Object attribute(Object target, Object key) {
        if (target instanceof Map<?, ?> m) {
            return m.containsKey(key) ? m.get(key) : UNDEFINED;
        }
        if (target instanceof List<?> l && key instanceof Long n) {
            int i = (int) (n < 0 ? l.size() + n : n);
            return i >= 0 && i < l.size() ? l.get(i) : UNDEFINED;
        }
        if (target instanceof String s && key instanceof Long n) {
            int i = (int) (n < 0 ? s.length() + n : n);
            return i >= 0 && i < s.length() ? String.valueOf(s.charAt(i)) : UNDEFINED;
        }
        return UNDEFINED;
    }

    private static Object slice(Object target, Object from, Object to) {
        int size = target instanceof List<?> l ? l.size() : target instanceof String s ? s.length() : -1;
        if (size < 0) {
            throw new TemplateException("cannot slice " + target);
        }
        int a = from == null ? 0 : clamp(((Number) from).intValue(), size);
        int b = to == null ? size : clamp(((Number) to).intValue(), size);
        if (b < a) {
            b = a;
        }
        return target instanceof List<?> l ? List.copyOf(l.subList(a, b)) : ((String) target).substring(a, b);
    }

    private static int clamp(int index, int size) {
        int i = index < 0 ? size + index : index;
        return Math.max(0, Math.min(size, i));
    }

    private static Object method(Object target, String name, List<Object> args) {
        if (target instanceof String s) {
            return switch (name) {
                case "strip" -> s.strip();
                case "lstrip" -> s.stripLeading();
                case "rstrip" -> s.stripTrailing();
                case "upper" -> s.toUpperCase();
                case "lower" -> s.toLowerCase();
                case "startswith" -> s.startsWith(str(args.getFirst()));
                case "endswith" -> s.endsWith(str(args.getFirst()));
                case "replace" -> s.replace(str(args.get(0)), str(args.get(1)));
                case "split" -> List.of(args.isEmpty() ? s.strip().split("\\s+") : s.split(Pattern.quote(str(args.getFirst())), -1));
                default -> throw new TemplateException("unsupported string method ." + name + "()");
            };
        }
        if (target instanceof Map<?, ?> m && name.equals("get")) {
            return m.containsKey(args.getFirst()) ? m.get(args.getFirst()) : args.size() > 1 ? args.get(1) : null;
        }
        if (target instanceof Map<?, ?> m && name.equals("items")) {
            return m.entrySet().stream().map(e -> List.of(e.getKey(), e.getValue())).toList();
        }
        throw new TemplateException("unsupported method ." + name + "() on " + target);
    }

    private static Object call(Object target, List<Object> args) {
        if (target instanceof Function<?, ?> f) {
            @SuppressWarnings("unchecked")
            Function<List<Object>, Object> fn = (Function<List<Object>, Object>) f;
            return fn.apply(args);
        }
        throw new TemplateException("not callable: " + target);
    }

    private static Object filter(String name, Object v, List<Object> args) {
        return switch (name) {
            case "trim" -> str(v).strip();
            case "upper" -> str(v).toUpperCase();
            case "lower" -> str(v).toLowerCase();
            case "string" -> str(v);
            case "length", "count" -> (long) (v instanceof List<?> l ? l.size() : v instanceof Map<?, ?> m ? m.size() : str(v).length());
            case "first" -> iterable(v).isEmpty() ? UNDEFINED : iterable(v).getFirst();
            case "last" -> iterable(v).isEmpty() ? UNDEFINED : iterable(v).getLast();
            case "default", "d" -> v == UNDEFINED ? (args.isEmpty() ? "" : args.getFirst()) : v;
            case "tojson" -> {
                try {
                    yield JSON.writeValueAsString(v == UNDEFINED ? null : v);
                } catch (JsonProcessingException e) {
                    throw new TemplateException("tojson failed: " + e.getOriginalMessage());
                }
            }
            default -> throw new TemplateException("unsupported filter '|" + name + "'");
        };
    }

    private static List<?> iterable(Object v) {
        return switch (v) {
            case List<?> l -> l;
            case Map<?, ?> m -> List.copyOf(m.keySet());
            case String s -> s.chars().mapToObj(c -> String.valueOf((char) c)).toList();
            default -> {
                if (v == UNDEFINED || v == null) {
                    yield List.of();
                }
                throw new TemplateException("cannot iterate over " + v);
            }
        };
    }
}
