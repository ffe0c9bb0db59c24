package dev.crucible.serve.template;

import com.hubspot.jinjava.interpret.Context;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja refuses a template that names an unknown filter or test when it compiles it; Jinjava would render
 * such a filter as nothing, silently. This finds the filter and test names inside the template's tags
 * (string literals skipped) and fails on the first one the environment does not know.
 */
final class KnownNames {

    private static final Pattern TAG = Pattern.compile("\\{%.*?%}|\\{\\{.*?}}", Pattern.DOTALL);
    private static final Pattern STRING = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"", Pattern.DOTALL);
    private static final Pattern FILTER = Pattern.compile("\\|\\s*([A-Za-z_]\\w*)");
    private static final Pattern TEST = Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_]\\w*)");

    private KnownNames() {}

    static void check(String source, Context globals) {
        Matcher tags = TAG.matcher(source);
        while (tags.find()) {
            String code = STRING.matcher(tags.group()).replaceAll("''");
            Matcher filters = FILTER.matcher(code);
            while (filters.find()) {
                if (globals.getFilter(filters.group(1)) == null) {
                    throw new TemplateRenderException("no filter named '" + filters.group(1) + "'");
                }
            }
            Matcher tests = TEST.matcher(code);
            while (tests.find()) {
                String name = tests.group(1);
                if (!name.equals("not") && globals.getExpTest(name) == null) {
                    throw new TemplateRenderException("no test named '" + name + "'");
                }
            }
        }
    }
}
