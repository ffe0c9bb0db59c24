package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.Causes;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.serve.inference.Admitted;
import dev.crucible.serve.inference.Deadline;
import dev.crucible.serve.inference.GenerationCancelled;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.model.ModelVersion;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A streamed generation as Server-Sent Events, the way OpenAI streams: one {@code data: {json}} event per
 * piece of text, the shape's closing events, then {@code data: [DONE]}; a failure after the start is sent
 * as one error event, since the 200 has already gone out.
 */
final class EventStream {

    private static final ByteString DONE = ByteString.fromString("data: [DONE]\n\n");

    private final InferenceService inference;
    private final Materializer materializer;

    EventStream(InferenceService inference, Materializer materializer) {
        this.inference = inference;
        this.materializer = materializer;
    }

    /**
     * Starts the generation and answers at once with an SSE body fed token by token. The buffer holds
     * every token the request may produce, so a slow reader never drops one; a reader that leaves
     * closes the queue, which stops the generation at its next token.
     */
    HttpResponse start(Admitted admitted, GenerationRequest request, Deadline deadline, ResponseShape shape) {
        Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queueAndSource =
                Source.<ByteString>queue(2 * request.maxNewTokens() + 16).preMaterialize(materializer);
        BoundedSourceQueue<ByteString> queue = queueAndSource.first();
        ModelVersion version = admitted.lease().version();
        shape.opening(version).forEach(event -> queue.offer(event(event)));
        Consumer<String> onToken = piece -> {
            QueueOfferResult offered = queue.offer(event(shape.piece(version, piece)));
            if (!QueueOfferResult.enqueued().equals(offered)) {
                throw new GenerationCancelled("the client stopped reading the stream");
            }
        };
        inference.execute(admitted, request, onToken, deadline).whenComplete((served, failure) -> {
            if (failure == null) {
                shape.closing(served).forEach(event -> queue.offer(event(event)));
                queue.offer(DONE);
            } else {
                queue.offer(event(InferenceService.asApiException(Causes.unwrap(failure)).toJson()));
            }
            queue.complete();
        });
        return HttpResponse.create()
                .withStatus(200)
                .addHeader(RawHeader.create("Cache-Control", "no-cache"))
                .addHeader(RawHeader.create("X-Crucible-Model-Version", version.id()))
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), queueAndSource.second()));
    }

    private static ByteString event(JsonNode payload) {
        return ByteString.fromString("data: " + HttpResponses.compact(payload) + "\n\n");
    }
}
