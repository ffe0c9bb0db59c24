package dev.crucible.serve.http;

import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * Runs an action when a response has been sent to its last byte: at once for a strict body, when the
 * streamed body (Server-Sent Events) completes, fails or is cancelled by a client that left.
 */
final class LastByte {

    private LastByte() {}

    static HttpResponse whenSent(HttpResponse response, Runnable done) {
        if (response.entity().isStrict()) {
            done.run();
            return response;
        }
        return response.withEntity(HttpEntities.create(response.entity().getContentType(),
                response.entity().getDataBytes().watchTermination((mat, finished) -> {
                    finished.whenComplete((ok, failure) -> done.run());
                    return mat;
                })));
    }
}
