package dev.crucible.serve;

import dev.crucible.runtime.LanguageModels;
import dev.crucible.serve.template.ChatTemplates;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible serve MODEL_DIR}: the OpenAI-compatible HTTP server with hot swap, until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API; promote new checkpoints without downtime.")
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder to serve first (version v1).")
    Path modelDir;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (0 picks a free one; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File whose first line is the bearer token for /admin/*; else env CRUCIBLE_ADMIN_TOKEN; neither: admin API off.")
    Path adminTokenFile;

    @Option(names = "--max-concurrent", defaultValue = "4", description = "Requests running on the model at once (default ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--max-queued", defaultValue = "64", description = "Requests waiting for a slot before 429 (default ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--request-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Per-request deadline; past it 504 (default ${DEFAULT-VALUE}).")
    int requestTimeoutSeconds;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "Jinja chat template file used instead of the model's own (as vLLM's flag); also for promoted models.")
    Path chatTemplate;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "Also answer requests whose 'model' is NAME (repeatable, as vLLM); other names get 404 model_not_found.")
    List<String> servedModelNames = new ArrayList<>();

    @Option(names = "--allowed-origins", paramLabel = "ORIGINS", defaultValue = "*",
            description = "Origins browsers may call /v1 from: '*' (default), a comma-separated list, or vLLM's JSON list.")
    String allowedOrigins;

    @Option(names = "--drain-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "On SIGTERM, how long running requests and streams may take to finish (default ${DEFAULT-VALUE}).")
    int drainTimeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (chatTemplate != null) {
            ChatTemplates.readOverride(chatTemplate);
        }
        ServeConfig defaults = ServeConfig.defaults();
        ServeConfig config = new ServeConfig(host, port, AdminTokens.resolve(adminTokenFile, System.getenv(AdminTokens.ENV)),
                maxConcurrent, maxQueued, Duration.ofSeconds(requestTimeoutSeconds), defaults.maxBodyBytes(),
                defaults.maxNewTokensCap(), Duration.ofSeconds(drainTimeoutSeconds), defaults.smokePrompt(),
                servedModelNames, origins(allowedOrigins), Optional.ofNullable(chatTemplate));
        PrintWriter out = spec.commandLine().getOut();
        out.println("loading " + modelDir + " ...");
        out.flush();
        try (CrucibleServer server = CrucibleServer.start(config, LanguageModels::load, modelDir)) {
            String base = server.baseUri().toString();
            out.println("serving " + modelDir + " as v1 on " + base);
            out.println("  completions  POST " + base + "/v1/completions");
            out.println("  chat         POST " + base + "/v1/chat/completions");
            out.println("  models       GET  " + base + "/v1/models" + (servedModelNames.isEmpty() ? ""
                    : "  (also served as " + String.join(", ", servedModelNames) + ")"));
            out.println("  tokens       POST " + base + "/tokenize  " + base + "/detokenize");
            out.println("  probes       GET  " + base + "/health  " + base + "/ready");
            out.println("  metrics      GET  " + base + "/metrics");
            out.println("  promote      POST " + base + "/admin/promote"
                    + (config.adminToken().isPresent() ? " (bearer token)" : " (disabled: no admin token)"));
            out.println("press Ctrl-C to stop");
            out.flush();
            server.whenTerminated().toCompletableFuture().join();
            out.println("stopped");
        }
        return 0;
    }

    /** {@code *}, {@code a,b} or vLLM's {@code ["a","b"]} as a list of origins. */
    static List<String> origins(String value) {
        String v = value.strip();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String origin = part.strip();
            if (origin.length() >= 2 && origin.startsWith("\"") && origin.endsWith("\"")) {
                origin = origin.substring(1, origin.length() - 1);
            }
            if (!origin.isEmpty()) {
                out.add(origin);
            }
        }
        return out;
    }
}
