package dev.crucible.serve.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/** Jinja's {@code trim(chars=None)}: Python's {@code str.strip}, which keeps control characters Java's trim drops. */
final class TrimFilter implements Filter {

    @Override
    public String getName() {
        return "trim";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object chars = kwargs.containsKey("chars") ? kwargs.get("chars") : args.length > 0 ? args[0] : null;
        return PythonText.strip(var == null ? "" : var.toString(), chars == null ? null : chars.toString(), true, true);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return PythonText.strip(var == null ? "" : var.toString(), args.length > 0 ? args[0] : null, true, true);
    }
}
