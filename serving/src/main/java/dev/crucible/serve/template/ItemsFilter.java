package dev.crucible.serve.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja 3.1's {@code items} filter, which Jinjava lacks: a mapping's (key, value) pairs, nothing for an
 * undefined value. Llama 3.1's and Mistral v0.3's templates iterate tool arguments with it.
 */
final class ItemsFilter implements Filter {

    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        if (var == null) {
            return List.of();
        }
        if (!(var instanceof Map<?, ?> map)) {
            throw new TemplateRenderException("items: can only get item pairs from a mapping, not " + var.getClass().getSimpleName());
        }
        List<List<Object>> pairs = new ArrayList<>(map.size());
        map.forEach((k, v) -> {
            List<Object> pair = new ArrayList<>(2);
            pair.add(k);
            pair.add(v);
            pairs.add(pair);
        });
        return pairs;
    }
}
