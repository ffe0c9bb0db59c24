package dev.crucible.app;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crucible.cluster.ClusterTransport;
import dev.crucible.config.ConfigFiles;
import dev.crucible.config.FieldErrors;
import dev.crucible.config.ObjectFields;
import dev.crucible.error.CrucibleException;
import dev.crucible.task.TaskSelection;
import dev.crucible.task.TaskSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads {@code APP.yml} into an {@link AppConfig}. Every error is one line naming the file and the
 * field ({@code app.yml: gates.max_task_drop: ...}); relative paths resolve against the file's folder.
 */
public final class AppConfigParser {

    /** Top-level keys, in the order the documentation lists them. */
    public static final List<String> TOP_LEVEL_KEYS = List.of(
            "serve", "recipe", "initial_base", "bases_dir", "tasks", "gates", "state_dir", "watch", "cluster");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final String NAMES = "a list of names such as [crucible, my-model]";

    private final String origin;
    private final FieldErrors errors;
    private final Path dir;

    private AppConfigParser(String origin, Path dir) {
        this.origin = origin;
        this.errors = FieldErrors.inFile(origin);
        this.dir = dir;
    }

    /** Parses the config file; relative paths resolve against its folder. */
    public static AppConfig parse(Path file) {
        String text = ConfigFiles.read(file, "app config");
        Path abs = file.toAbsolutePath().normalize();
        return new AppConfigParser(file.toString(), abs.getParent()).read(text, abs);
    }

    /** Parses config text as if it were the file {@code file} (which need not exist). */
    public static AppConfig parse(String yaml, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return new AppConfigParser(file.toString(), abs.getParent()).read(yaml, abs);
    }

    private AppConfig read(String text, Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
            throw fail("not valid YAML: " + e.getOriginalMessage() + where);
        } catch (IOException e) {
            throw fail("cannot read app config: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw fail("an app config is a YAML mapping with " + String.join(", ", TOP_LEVEL_KEYS));
        }
        ObjectFields top = ObjectFields.of(root, "", "a mapping", errors).rejectUnknown(TOP_LEVEL_KEYS);
        ServeSettings serve = serve(top);
        Path recipe = requiredPath(top, "recipe", true);
        Path initialBase = requiredPath(top, "initial_base", false);
        Path basesDir = requiredPath(top, "bases_dir", false);
        List<TaskSelection> tasks = tasks(root.get("tasks"));
        GateSettings gates = gates(top);
        Path stateDir = requiredPath(top, "state_dir", false);
        WatchSettings watch = watch(top);
        ClusterSettings cluster = cluster(top);
        return new AppConfig(file, serve, recipe, initialBase, basesDir, tasks, gates, stateDir, watch, cluster);
    }

    private ServeSettings serve(ObjectFields top) {
        ServeSettings defaults = ServeSettings.defaults();
        Optional<ObjectFields> found = top.object("serve",
                "a mapping {host, port, admin_token_file, served_model_names, allowed_origins}");
        if (found.isEmpty()) {
            return defaults;
        }
        ObjectFields node = found.get().rejectUnknown(
                List.of("host", "port", "admin_token_file", "served_model_names", "allowed_origins"));
        String host = node.scalarText("host").orElse(defaults.host());
        int port = node.wholeNumber("port").orElse(defaults.port());
        if (port < 0 || port > 65535) {
            throw fail("serve.port: " + port + " is out of range; use 0..65535 (0 picks a free port)");
        }
        Optional<Path> token = node.scalarText("admin_token_file").map(dir::resolve).map(Path::normalize);
        List<String> names = node.textList("served_model_names", NAMES).orElse(List.of());
        List<String> origins = node.textList("allowed_origins", NAMES).orElse(List.of("*"));
        return new ServeSettings(host, port, token, names, origins);
    }

    private List<TaskSelection> tasks(JsonNode node) {
        if (node == null || node.isNull()) {
            throw fail("tasks: missing; list what candidates are scored on, e.g. [{name: add, path: add_dev.jsonl}]");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw fail("tasks: expected a non-empty list of {name, path, extract?, max_new_tokens?, limit?}");
        }
        List<TaskSelection> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "tasks[" + i + "]";
            JsonNode entry = node.get(i);
            ObjectFields task = ObjectFields.of(entry, field, "a mapping {name, path, extract?, max_new_tokens?, limit?}",
                    errors).rejectUnknown(List.of("name", "path", "extract", "max_new_tokens", "limit"));
            String name = task.scalarText("name")
                    .orElseThrow(() -> fail(field + ".name: missing; name the task, e.g. name: add"));
            if (!names.add(name)) {
                throw fail(field + ".name: '" + name + "' is listed twice; task names must be unique");
            }
            Path path = requiredPath(task, "path", true);
            String extract = task.scalarText("extract").orElse(null);
            if (extract != null) {
                try {
                    Pattern.compile(extract);
                } catch (PatternSyntaxException e) {
                    throw fail(field + ".extract: not a valid regular expression: " + e.getDescription());
                }
            }
            Integer cap = task.has("max_new_tokens") ? task.wholeNumber("max_new_tokens", 0, 1, Integer.MAX_VALUE) : null;
            OptionalInt limit = task.has("limit") ? OptionalInt.of(task.wholeNumber("limit", 0, 1, Integer.MAX_VALUE))
                    : OptionalInt.empty();
            out.add(new TaskSelection(new TaskSpec(name, path, extract, cap), limit));
        }
        return out;
    }

    private GateSettings gates(ObjectFields top) {
        if (!top.has("gates")) {
            throw fail("gates: missing; e.g. gates: {max_task_drop: 0.02} promotes when the mean is not lower "
                    + "and no task drops more than 0.02");
        }
        ObjectFields node = top.object("gates", "a mapping {max_task_drop, min_mean_gain?}").orElseThrow()
                .rejectUnknown(List.of("max_task_drop", "min_mean_gain"));
        double maxDrop = node.number("max_task_drop")
                .orElseThrow(() -> fail("gates.max_task_drop: missing; the largest loss on one task still accepted, e.g. 0.02"));
        if (maxDrop < 0) {
            throw fail("gates.max_task_drop: must be 0 or more, got " + maxDrop);
        }
        double minGain = node.number("min_mean_gain").orElse(0.0);
        return new GateSettings(maxDrop, minGain);
    }

    private WatchSettings watch(ObjectFields top) {
        WatchSettings defaults = WatchSettings.defaults();
        Optional<ObjectFields> found = top.object("watch", "a mapping {poll_seconds, stable_seconds}");
        if (found.isEmpty()) {
            return defaults;
        }
        ObjectFields node = found.get().rejectUnknown(List.of("poll_seconds", "stable_seconds"));
        Duration poll = seconds(node, "poll_seconds", defaults.pollInterval());
        if (poll.isZero()) {
            throw fail("watch.poll_seconds: must be more than 0");
        }
        return new WatchSettings(poll, seconds(node, "stable_seconds", defaults.stableFor()));
    }

    private ClusterSettings cluster(ObjectFields top) {
        ClusterSettings defaults = ClusterSettings.disabled();
        Optional<ObjectFields> found = top.object("cluster", "a mapping {enabled, seed_nodes?, discovery: config|kubernetes}");
        if (found.isEmpty()) {
            return defaults;
        }
        ObjectFields node = found.get().rejectUnknown(List.of("enabled", "seed_nodes", "discovery", "remoting_port",
                "management_port", "host", "transport", "tls", "allow_insecure_remote"));
        boolean enabled = node.bool("enabled").orElse(false);
        String discoveryKey = node.scalarText("discovery").orElse(Discovery.CONFIG.key());
        Discovery discovery = Discovery.byKey(discoveryKey).orElseThrow(() -> fail("cluster.discovery: unknown value '"
                + discoveryKey + "'; use config (seed_nodes) or kubernetes (Pekko Management discovery)"));
        List<String> seeds = new ArrayList<>();
        JsonNode seedNode = node.raw("seed_nodes");
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.isArray()) {
                throw fail("cluster.seed_nodes: expected a list of addresses like pekko://crucible-eval@127.0.0.1:7355");
            }
            for (int i = 0; i < seedNode.size(); i++) {
                JsonNode seed = seedNode.get(i);
                String prefix = "pekko://" + ClusterSettings.SYSTEM_NAME + "@";
                if (!seed.isTextual() || !seed.textValue().startsWith(prefix) || !seed.textValue().matches(".*:\\d+$")) {
                    throw fail("cluster.seed_nodes[" + i + "]: expected an address like " + prefix
                            + "127.0.0.1:7355, got " + seed);
                }
                seeds.add(seed.textValue());
            }
        }
        if (enabled && discovery == Discovery.CONFIG && seeds.isEmpty()) {
            throw fail("cluster.seed_nodes: missing; with discovery: config list at least one seed node "
                    + "(or use discovery: kubernetes)");
        }
        int remoting = port(node, "remoting_port", defaults.remotingPort());
        int management = port(node, "management_port", defaults.managementPort());
        Optional<String> host = node.scalarText("host");
        return new ClusterSettings(enabled, seeds, discovery, remoting, management, host, security(node));
    }

    private ClusterSecurity security(ObjectFields cluster) {
        Optional<String> transport = cluster.scalarText("transport");
        if (transport.isPresent() && !transport.get().equals(ClusterTransport.TLS)
                && !transport.get().equals(ClusterTransport.INSECURE_TCP)) {
            throw fail("cluster.transport: unknown value '" + transport.get() + "'; use " + ClusterTransport.TLS
                    + " (key and trust stores under cluster.tls) or " + ClusterTransport.INSECURE_TCP + " on 127.0.0.1");
        }
        Optional<Boolean> allow = cluster.bool("allow_insecure_remote");
        Optional<Path> keyStore = Optional.empty();
        Optional<Path> trustStore = Optional.empty();
        Optional<Path> passwordFile = Optional.empty();
        Optional<ObjectFields> found = cluster.object("tls", "a mapping {key_store, trust_store, password_file}");
        if (found.isPresent()) {
            ObjectFields tls = found.get().rejectUnknown(List.of("key_store", "trust_store", "password_file"));
            keyStore = tls.scalarText("key_store").map(this::resolvePath);
            trustStore = tls.scalarText("trust_store").map(this::resolvePath);
            passwordFile = tls.scalarText("password_file").map(this::resolvePath);
        }
        return new ClusterSecurity(transport, keyStore, trustStore, passwordFile, allow);
    }

    private int port(ObjectFields node, String key, int fallback) {
        int port = node.wholeNumber(key).orElse(fallback);
        if (port < 0 || port > 65535) {
            throw fail(node.field(key) + ": " + port + " is out of range; use 0..65535");
        }
        return port;
    }

    private Duration seconds(ObjectFields node, String key, Duration fallback) {
        OptionalDouble value = node.number(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (value.getAsDouble() < 0) {
            throw fail(node.field(key) + ": must be 0 or more seconds, got " + value.getAsDouble());
        }
        return Duration.ofNanos(Math.round(value.getAsDouble() * 1e9));
    }

    private Path requiredPath(ObjectFields node, String key, boolean file) {
        String text = node.scalarText(key).orElseThrow(() -> fail(node.field(key) + ": missing; give "
                + (file ? "a file" : "a folder") + " path (relative paths resolve against the config file's folder)"));
        return dir.resolve(text).normalize();
    }

    /** A path relative to the config file's folder. */
    private Path resolvePath(String text) {
        return dir.resolve(text).normalize();
    }

    private CrucibleException fail(String message) {
        return new CrucibleException(origin + ": " + message);
    }
}
