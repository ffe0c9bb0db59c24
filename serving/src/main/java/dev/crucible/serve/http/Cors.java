package dev.crucible.serve.http;

import dev.crucible.serve.openai.ApiException;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * Cross-origin access to the OpenAI API ({@code /v1/...}) for browser apps, as vLLM configures
 * Starlette's CORS middleware: origins from {@code --allowed-origins} ({@code *} by default), any method
 * and request header, no credentials. Probes, metrics and {@code /admin} never carry CORS headers, so a
 * web page can never drive the admin API from a visitor's browser.
 */
final class Cors {

    private static final String METHODS = "GET, POST, OPTIONS";
    private static final String EXPOSED = "X-Crucible-Model-Version, Retry-After";

    private final List<String> allowed;
    private final boolean any;

    Cors(List<String> allowedOrigins) {
        this.allowed = List.copyOf(allowedOrigins);
        this.any = allowed.contains("*");
    }

    /** Whether {@code path} is one of the routes that answer cross-origin requests. */
    static boolean applies(String path) {
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    /**
     * The answer to a CORS preflight ({@code OPTIONS} with {@code Origin} and
     * {@code Access-Control-Request-Method}) on a {@code /v1} route: 204 with what may be sent, or 400 for an
     * origin not allowed (as Starlette answers). Empty for any other request.
     */
    Optional<HttpResponse> preflight(HttpRequest request, String path) {
        if (!applies(path) || !request.method().equals(HttpMethods.OPTIONS)) {
            return Optional.empty();
        }
        Optional<String> origin = header(request, "Origin");
        Optional<String> method = header(request, "Access-Control-Request-Method");
        if (origin.isEmpty() || method.isEmpty()) {
            return Optional.empty();
        }
        if (!allows(origin.get())) {
            return Optional.of(HttpResponses.error(new ApiException(400, "invalid_request_error",
                    "Disallowed CORS origin: " + origin.get() + "; start the server with --allowed-origins including it.",
                    null, "cors_origin_not_allowed")));
        }
        HttpResponse response = HttpResponse.create().withStatus(204)
                .addHeader(RawHeader.create("Access-Control-Allow-Methods", METHODS))
                .addHeader(RawHeader.create("Access-Control-Max-Age", "600"));
        Optional<String> headers = header(request, "Access-Control-Request-Headers");
        if (headers.isPresent()) {
            response = response.addHeader(RawHeader.create("Access-Control-Allow-Headers", headers.get()));
        }
        return Optional.of(response);
    }

    /** {@code response} with the CORS headers its request earns: only on {@code /v1} routes, only for an allowed origin. */
    HttpResponse decorate(HttpRequest request, String path, HttpResponse response) {
        if (!applies(path)) {
            return response;
        }
        Optional<String> origin = header(request, "Origin");
        if (origin.isEmpty() || !allows(origin.get())) {
            return response;
        }
        HttpResponse out = response
                .addHeader(RawHeader.create("Access-Control-Allow-Origin", any ? "*" : origin.get()))
                .addHeader(RawHeader.create("Access-Control-Expose-Headers", EXPOSED));
        return any ? out : out.addHeader(RawHeader.create("Vary", "Origin"));
    }

    private boolean allows(String origin) {
        return any || allowed.contains(origin);
    }

    private static Optional<String> header(HttpRequest request, String name) {
        return request.getHeader(name).map(h -> h.value());
    }
}
