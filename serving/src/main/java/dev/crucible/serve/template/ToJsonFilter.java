package dev.crucible.serve.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;

/** transformers' {@code tojson}: {@code json.dumps} with ensure_ascii=False, not Jinja's HTML-safe variant. */
final class ToJsonFilter implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        Object separators = kwargs.get("separators");
        boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
        List<String> seps = separators instanceof List<?> l && l.size() == 2 ? List.of(String.valueOf(l.get(0)), String.valueOf(l.get(1))) : null;
        return new PythonJson(indent == null ? null : ((Number) indent).intValue(), seps, sortKeys).dumps(var);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return new PythonJson(null, null, false).dumps(var);
    }
}
