package dev.crucible.serve.http;

import dev.crucible.serve.openai.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin bearer-token check, the one every {@code /admin} route of the server and of re-merge passes:
 * 403 while no token is configured (the admin API is off), 401 with an RFC 6750 {@code WWW-Authenticate: Bearer}
 * challenge for a missing or wrong token (§3: {@code error="invalid_token"} only when a bearer token was sent, since
 * a request without credentials gets no error code), the token compared in constant time. Refused bodies are
 * discarded unread.
 */
public final class AdminAuth extends AllDirectives {

    /** The protection space named in the challenge. */
    static final String REALM = "crucible-admin";

    private final Optional<String> token;
    private final String howToEnable;

    /** {@code howToEnable} ends the 403's message, e.g. "start the server with --admin-token-file or CRUCIBLE_ADMIN_TOKEN". */
    public AdminAuth(Optional<String> token, String howToEnable) {
        this.token = token;
        this.howToEnable = howToEnable;
    }

    /** {@code inner} when the request carries the admin token, otherwise the refusal. */
    public Route authorized(Supplier<Route> inner) {
        return extractRequest(request -> refusal(request.getHeader("Authorization").map(HttpHeader::value))
                .map(refused -> extractMaterializer(materializer -> {
                    request.discardEntityBytes(materializer);
                    return complete(refused);
                }))
                .orElseGet(inner));
    }

    /** The response refusing a request whose {@code Authorization} header is {@code authorization}; empty if it may pass. */
    public Optional<HttpResponse> refusal(Optional<String> authorization) {
        if (token.isEmpty()) {
            return Optional.of(HttpResponses.error(new ApiException(403, "permission_error",
                    "The admin API is disabled; " + howToEnable + ".", null, "admin_disabled")));
        }
        boolean bearer = authorization.isPresent() && authorization.get().regionMatches(true, 0, "Bearer ", 0, 7);
        if (bearer && MessageDigest.isEqual(authorization.get().substring(7).trim().getBytes(StandardCharsets.UTF_8),
                token.get().getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        String challenge = "Bearer realm=\"" + REALM + "\"" + (bearer ? ", error=\"invalid_token\"" : "");
        return Optional.of(HttpResponses.error(new ApiException(401, "authentication_error",
                        "Missing or wrong admin token; send 'Authorization: Bearer <token>'.", null, "invalid_api_key"))
                .addHeader(RawHeader.create("WWW-Authenticate", challenge)));
    }
}
