package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.Causes;
import dev.crucible.serve.inference.Deadline;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.openai.ApiException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;

/**
 * Reads a request body as JSON: 415 unless it is sent as JSON (when asked; the admin API also reads
 * {@code curl -d}'s form type), 413 past the size limit (checked before reading when the length is declared,
 * while reading when it is chunked), 504 at the deadline, 400 with a plain message if it does not parse.
 */
final class RequestBodies {

    private final long maxBodyBytes;
    private final Materializer materializer;

    RequestBodies(long maxBodyBytes, Materializer materializer) {
        this.maxBodyBytes = maxBodyBytes;
        this.materializer = materializer;
    }

    CompletionStage<JsonNode> readJson(HttpRequest http, Deadline deadline, boolean jsonTypeOnly) {
        MediaType type = http.entity().getContentType().mediaType();
        boolean json = type.mainType().equals("application")
                && (type.subType().equals("json") || type.subType().endsWith("+json"));
        // Pekko reports a body sent without Content-Type as application/octet-stream: read it as JSON, as vLLM does.
        if (jsonTypeOnly && !json && !type.equals(MediaTypes.APPLICATION_OCTET_STREAM)) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(new ApiException(415, "invalid_request_error",
                    "Unsupported Content-Type " + type + "; send the body as JSON with 'Content-Type: application/json'.",
                    null, "unsupported_media_type"));
        }
        long limit = maxBodyBytes;
        OptionalLong declared = http.entity().getContentLengthOption();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(tooLarge(declared.getAsLong()));
        }
        return http.entity()
                .withSizeLimit(limit)
                .toStrict(Math.max(1, deadline.remaining().toMillis()), limit, materializer)
                .handle((strict, failure) -> {
                    if (failure != null) {
                        Optional<EntityStreamSizeException> size = sizeFailure(failure);
                        if (size.isPresent()) {
                            throw tooLarge(size.get().actualSize().isDefined() ? (Long) size.get().actualSize().get() : -1);
                        }
                        if (Causes.unwrap(failure) instanceof TimeoutException) {
                            throw InferenceService.timeout("reading the request body");
                        }
                        throw new ApiException(400, "invalid_request_error",
                                "Could not read the request body; send it again as one JSON object.", null, "invalid_body");
                    }
                    return JsonBodies.parse(strict.getData().toArray());
                });
    }

    /** The size failure somewhere in {@code failure}'s causes: chunked bodies report it wrapped. */
    private static Optional<EntityStreamSizeException> sizeFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EntityStreamSizeException size) {
                return Optional.of(size);
            }
        }
        return Optional.empty();
    }

    private ApiException tooLarge(long size) {
        return new ApiException(413, "invalid_request_error", "The request body " + (size > 0 ? "(" + size + " bytes) " : "")
                + "exceeds the limit of " + maxBodyBytes + " bytes.", null, "request_too_large");
    }
}
