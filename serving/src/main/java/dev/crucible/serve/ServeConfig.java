package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the server listens and how much work it accepts.
 *
 * @param host             interface to bind, loopback by default
 * @param port             TCP port; 0 picks a free one
 * @param adminToken       bearer token for {@code /admin/*}; empty disables the admin API
 * @param maxConcurrent    requests running on the model at once
 * @param maxQueued        requests waiting for a slot; beyond this the server answers 429
 * @param requestTimeout   deadline from arrival to the last byte; past it the server answers 504
 * @param maxBodyBytes     largest request body accepted; larger ones get 413
 * @param maxNewTokensCap  upper bound on {@code max_tokens}
 * @param drainTimeout     how long shutdown waits for in-flight requests
 * @param smokePrompt      prompt a promoted model must answer before it serves traffic
 * @param servedModelNames aliases answered besides the served model's own name ({@code --served-model-name})
 * @param allowedOrigins   origins browsers may call {@code /v1} from ({@code *}: any), as vLLM's {@code --allowed-origins}
 * @param chatTemplate     a Jinja chat template file used instead of every served model's own ({@code --chat-template})
 */
public record ServeConfig(
        String host,
        int port,
        Optional<String> adminToken,
        int maxConcurrent,
        int maxQueued,
        Duration requestTimeout,
        long maxBodyBytes,
        int maxNewTokensCap,
        Duration drainTimeout,
        String smokePrompt,
        List<String> servedModelNames,
        List<String> allowedOrigins,
        Optional<Path> chatTemplate) {

    /** Without a chat-template override: each model renders chats with its own template. */
    public ServeConfig(String host, int port, Optional<String> adminToken, int maxConcurrent, int maxQueued,
            Duration requestTimeout, long maxBodyBytes, int maxNewTokensCap, Duration drainTimeout, String smokePrompt,
            List<String> servedModelNames, List<String> allowedOrigins) {
        this(host, port, adminToken, maxConcurrent, maxQueued, requestTimeout, maxBodyBytes, maxNewTokensCap, drainTimeout,
                smokePrompt, servedModelNames, allowedOrigins, Optional.empty());
    }

    /** Defaults: loopback:8080, no admin API, 4 running + 64 queued, 60 s per request, 8 MiB bodies. */
    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8080, Optional.empty(), 4, 64, Duration.ofSeconds(60),
                8L << 20, 4096, Duration.ofSeconds(30), "Hello", List.of(), List.of("*"));
    }

    public ServeConfig {
        if (port < 0 || port > 65535) {
            throw new CrucibleException("--port " + port + " is out of range; use 0..65535");
        }
        if (maxConcurrent < 1) {
            throw new CrucibleException("--max-concurrent must be at least 1, got " + maxConcurrent);
        }
        if (maxQueued < 0) {
            throw new CrucibleException("--max-queued must be 0 or more, got " + maxQueued);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new CrucibleException("--request-timeout must be positive, got " + requestTimeout);
        }
        if (maxBodyBytes < 1 || maxNewTokensCap < 1) {
            throw new CrucibleException("body size and max_tokens limits must be positive");
        }
        if (drainTimeout.isNegative()) {
            throw new CrucibleException("--drain-timeout must be 0 or more, got " + drainTimeout);
        }
        adminToken = adminToken.filter(t -> !t.isBlank());
        servedModelNames = List.copyOf(servedModelNames);
        for (String name : servedModelNames) {
            if (name.isBlank()) {
                throw new CrucibleException("--served-model-name must not be blank");
            }
        }
        allowedOrigins = List.copyOf(allowedOrigins);
        chatTemplate = chatTemplate == null ? Optional.empty() : chatTemplate;
    }

    public ServeConfig withPort(int newPort) {
        return new ServeConfig(host, newPort, adminToken, maxConcurrent, maxQueued, requestTimeout,
                maxBodyBytes, maxNewTokensCap, drainTimeout, smokePrompt, servedModelNames, allowedOrigins, chatTemplate);
    }

    public ServeConfig withAdminToken(String token) {
        return new ServeConfig(host, port, Optional.ofNullable(token), maxConcurrent, maxQueued,
                requestTimeout, maxBodyBytes, maxNewTokensCap, drainTimeout, smokePrompt, servedModelNames, allowedOrigins, chatTemplate);
    }

    public ServeConfig withAdmission(int concurrent, int queued, Duration timeout) {
        return new ServeConfig(host, port, adminToken, concurrent, queued, timeout, maxBodyBytes,
                maxNewTokensCap, drainTimeout, smokePrompt, servedModelNames, allowedOrigins, chatTemplate);
    }

    public ServeConfig withServedModelNames(List<String> names) {
        return new ServeConfig(host, port, adminToken, maxConcurrent, maxQueued, requestTimeout, maxBodyBytes,
                maxNewTokensCap, drainTimeout, smokePrompt, names, allowedOrigins, chatTemplate);
    }

    public ServeConfig withAllowedOrigins(List<String> origins) {
        return new ServeConfig(host, port, adminToken, maxConcurrent, maxQueued, requestTimeout, maxBodyBytes,
                maxNewTokensCap, drainTimeout, smokePrompt, servedModelNames, origins, chatTemplate);
    }

    public ServeConfig withDrainTimeout(Duration drain) {
        return new ServeConfig(host, port, adminToken, maxConcurrent, maxQueued, requestTimeout, maxBodyBytes,
                maxNewTokensCap, drain, smokePrompt, servedModelNames, allowedOrigins, chatTemplate);
    }

    public ServeConfig withMaxBodyBytes(long bytes) {
        return new ServeConfig(host, port, adminToken, maxConcurrent, maxQueued, requestTimeout, bytes,
                maxNewTokensCap, drainTimeout, smokePrompt, servedModelNames, allowedOrigins, chatTemplate);
    }

    /** Renders every served model's chats with the template in {@code file} ({@code --chat-template}, as vLLM's flag). */
    public ServeConfig withChatTemplate(Path file) {
        return new ServeConfig(host, port, adminToken, maxConcurrent, maxQueued, requestTimeout, maxBodyBytes,
                maxNewTokensCap, drainTimeout, smokePrompt, servedModelNames, allowedOrigins, Optional.ofNullable(file));
    }
}
