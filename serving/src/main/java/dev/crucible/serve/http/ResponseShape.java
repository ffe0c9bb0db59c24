package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.serve.model.ModelVersion;
import dev.crucible.serve.model.Served;
import java.util.List;

/** How one generation endpoint renders a whole answer, or the events of a streamed one. */
interface ResponseShape {

    JsonNode whole(Served served);

    /** The events sent before the first token. */
    List<JsonNode> opening(ModelVersion version);

    JsonNode piece(ModelVersion version, String text);

    /** The events sent after the last token: the finish reason, and the usage when asked for. */
    List<JsonNode> closing(Served served);
}
