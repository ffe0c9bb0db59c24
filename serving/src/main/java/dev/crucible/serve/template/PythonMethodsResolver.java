package dev.crucible.serve.template;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Answers the Python {@code str} and {@code dict} methods chat templates call on values
 * ({@code content.strip()}, {@code role.upper()}, {@code name.startswith('x')}, {@code message.get('k', d)},
 * {@code tool.items()}), which Jinjava would otherwise look up as Java methods and not find. Anything
 * else falls through to Jinjava's own resolvers. Reads only: transformers renders in an immutable sandbox.
 */
final class PythonMethodsResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result = NOT_HANDLED;
        if (base instanceof String s) {
            result = stringMethod(s, name, args);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, args);
        }
        if (result == NOT_HANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> a.length <= 1 ? PythonText.strip(s, chars(a), true, true) : NOT_HANDLED;
            case "lstrip" -> a.length <= 1 ? PythonText.strip(s, chars(a), true, false) : NOT_HANDLED;
            case "rstrip" -> a.length <= 1 ? PythonText.strip(s, chars(a), false, true) : NOT_HANDLED;
            case "upper" -> a.length == 0 ? s.toUpperCase(Locale.ROOT) : NOT_HANDLED;
            case "lower" -> a.length == 0 ? s.toLowerCase(Locale.ROOT) : NOT_HANDLED;
            case "title" -> a.length == 0 ? PythonText.title(s) : NOT_HANDLED;
            case "capitalize" -> a.length == 0 ? PythonText.capitalize(s) : NOT_HANDLED;
            case "startswith" -> a.length == 1 ? affixes(a[0]).stream().anyMatch(s::startsWith) : NOT_HANDLED;
            case "endswith" -> a.length == 1 ? affixes(a[0]).stream().anyMatch(s::endsWith) : NOT_HANDLED;
            case "split" -> split(s, a);
            case "replace" -> a.length == 2 || a.length == 3 ? replace(s, str(a[0]), str(a[1]),
                    a.length == 3 ? ((Number) a[2]).intValue() : -1) : NOT_HANDLED;
            case "find" -> a.length == 1 ? (Object) (long) s.indexOf(str(a[0])) : NOT_HANDLED;
            case "count" -> a.length == 1 ? (Object) count(s, str(a[0])) : NOT_HANDLED;
            case "join" -> a.length == 1 ? join(s, a[0]) : NOT_HANDLED;
            case "isdigit" -> a.length == 0 ? !s.isEmpty() && s.chars().allMatch(Character::isDigit) : NOT_HANDLED;
            case "isspace" -> a.length == 0 ? !s.isEmpty() && s.chars().allMatch(PythonText::isSpace) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static Object mapMethod(Map<?, ?> map, String name, Object[] a) {
        return switch (name) {
            case "get" -> a.length == 2 ? (map.containsKey(a[0]) ? map.get(a[0]) : a[1])
                    : a.length == 1 ? map.get(a[0]) : NOT_HANDLED;
            case "keys" -> a.length == 0 ? List.copyOf(map.keySet()) : NOT_HANDLED;
            case "values" -> a.length == 0 ? new ArrayList<>(map.values()) : NOT_HANDLED;
            case "items" -> {
                if (a.length != 0) {
                    yield NOT_HANDLED;
                }
                List<List<Object>> items = new ArrayList<>();
                map.forEach((k, v) -> {
                    List<Object> pair = new ArrayList<>(2);
                    pair.add(k);
                    pair.add(v);
                    items.add(pair);
                });
                yield items;
            }
            default -> NOT_HANDLED;
        };
    }

    private static String chars(Object[] a) {
        return a.length == 0 || a[0] == null ? null : a[0].toString();
    }

    private static String str(Object o) {
        return String.valueOf(o);
    }

    /** {@code startswith} takes a string or a tuple of strings. */
    private static List<String> affixes(Object arg) {
        if (arg instanceof Collection<?> c) {
            return c.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(arg));
    }

    private static Object split(String s, Object[] a) {
        String sep = a.length >= 1 && a[0] != null ? a[0].toString() : null;
        int max = a.length >= 2 ? ((Number) a[1]).intValue() : -1;
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (i < s.length()) {
                while (i < s.length() && PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    break;
                }
                if (max >= 0 && parts.size() == max) {
                    parts.add(PythonText.strip(s.substring(i), null, false, true));
                    return parts;
                }
                int j = i;
                while (j < s.length() && !PythonText.isSpace(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new TemplateRenderException("str.split(): empty separator");
        }
        int from = 0;
        while (max < 0 || parts.size() < max) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from < s.length()) {
                    out.append(s.charAt(from));
                }
                from++;
            }
        }
        if (from <= s.length()) {
            out.append(s.substring(Math.min(from, s.length())));
        }
        return out.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) {
            it.forEach(o -> parts.add(String.valueOf(o)));
        } else if (items instanceof Iterator<?> it) {
            it.forEachRemaining(o -> parts.add(String.valueOf(o)));
        } else {
            return String.valueOf(items);
        }
        return String.join(sep, parts);
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // read-only: resolution falls through to the next resolver
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public java.util.Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
