package dev.crucible.serve.template;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Jinjava's grammar binds differently from Jinja's, rewrites the template so Jinjava reads it as
 * Jinja does. Jinja parses {@code not x is defined} as {@code not (x is defined)} (tests bind tighter than
 * {@code not}); Jinjava reads {@code (not x) is defined}, which is always true. Templates use the idiom to
 * default variables ({@code {% if not add_generation_prompt is defined %}}), so the difference changes prompts.
 * Only the insides of {@code {% %}} and {@code {{ }}} are touched.
 */
final class JinjaPrecedence {

    private static final Pattern TAG = Pattern.compile("\\{%.*?%}|\\{\\{.*?}}", Pattern.DOTALL);
    private static final Pattern NOT_TEST = Pattern.compile(
            "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\]\\[]*])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b");

    private JinjaPrecedence() {}

    static String rewrite(String source) {
        Matcher tags = TAG.matcher(source);
        StringBuilder out = new StringBuilder(source.length() + 16);
        while (tags.find()) {
            String tag = tags.group();
            String fixed = NOT_TEST.matcher(tag).replaceAll(m -> Matcher.quoteReplacement(
                    "not (" + m.group(1) + " is " + (m.group(2) == null ? "" : "not ") + m.group(3) + ")"));
            tags.appendReplacement(out, Matcher.quoteReplacement(fixed));
        }
        tags.appendTail(out);
        return out.toString();
    }
}
