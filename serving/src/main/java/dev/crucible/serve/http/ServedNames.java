package dev.crucible.serve.http;

import dev.crucible.serve.model.ModelVersion;
import dev.crucible.serve.openai.ApiException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The names the served model answers to: its own and the {@code --served-model-name} aliases. */
final class ServedNames {

    private final Set<String> aliases;

    ServedNames(List<String> aliases) {
        this.aliases = new LinkedHashSet<>(aliases);
    }

    /** Whether a request naming {@code name} is for {@code version}. */
    boolean serves(String name, ModelVersion version) {
        return name.equals(version.name()) || aliases.contains(name);
    }

    List<String> aliases() {
        return List.copyOf(aliases);
    }

    /** OpenAI's 404 for a model this server does not serve. */
    static ApiException notFound(String name) {
        return new ApiException(404, "invalid_request_error",
                "The model `" + name + "` does not exist or you do not have access to it.", null, "model_not_found");
    }
}
