package dev.crucible.app;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crucible.cluster.ClusterTransport;
import dev.crucible.error.CrucibleException;
import dev.crucible.task.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
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

    private final String origin;
    private final Path dir;

    private AppConfigParser(String origin, Path dir) {
        this.origin = origin;
        this.dir = dir;
    }

    /** Parses the config file; relative paths resolve against its folder. */
    public static AppConfig parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CrucibleException(file + ": app config not found");
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read app config (" + e.getMessage() + ")", e);
        }
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
        checkKeys(root, "", TOP_LEVEL_KEYS);
        ServeSettings serve = serve(root.get("serve"));
        Path recipe = requiredPath(root, "recipe", "recipe", true);
        Path initialBase = requiredPath(root, "initial_base", "initial_base", false);
        Path basesDir = requiredPath(root, "bases_dir", "bases_dir", false);
        List<TaskEntry> tasks = tasks(root.get("tasks"));
        GateSettings gates = gates(root.get("gates"));
        Path stateDir = requiredPath(root, "state_dir", "state_dir", false);
        WatchSettings watch = watch(root.get("watch"));
        ClusterSettings cluster = cluster(root.get("cluster"));
        return new AppConfig(file, serve, recipe, initialBase, basesDir, tasks, gates, stateDir, watch, cluster);
    }

    private ServeSettings serve(JsonNode node) {
        ServeSettings defaults = ServeSettings.defaults();
        if (node == null || node.isNull()) {
            return defaults;
        }
        requireObject(node, "serve", "{host, port, admin_token_file, served_model_names, allowed_origins}");
        checkKeys(node, "serve.", List.of("host", "port", "admin_token_file", "served_model_names", "allowed_origins"));
        String host = optionalText(node, "host", "serve.host").orElse(defaults.host());
        int port = optionalInt(node, "port", "serve.port").orElse(defaults.port());
        if (port < 0 || port > 65535) {
            throw fail("serve.port: " + port + " is out of range; use 0..65535 (0 picks a free port)");
        }
        Optional<Path> token = optionalText(node, "admin_token_file", "serve.admin_token_file").map(dir::resolve)
                .map(Path::normalize);
        List<String> names = stringList(node, "served_model_names", "serve.served_model_names").orElse(List.of());
        List<String> origins = stringList(node, "allowed_origins", "serve.allowed_origins").orElse(List.of("*"));
        return new ServeSettings(host, port, token, names, origins);
    }

    /** A list of non-blank strings (a single string is a list of one). */
    private Optional<List<String>> stringList(JsonNode node, String key, String field) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode item : value.isArray() ? value : List.of(value)) {
            if (!item.isTextual() || item.textValue().isBlank()) {
                throw fail(field + ": " + item + " is not a name; give a list of strings, e.g. [crucible, my-model]");
            }
            out.add(item.textValue());
        }
        return Optional.of(out);
    }

    private List<TaskEntry> tasks(JsonNode node) {
        if (node == null || node.isNull()) {
            throw fail("tasks: missing; list what candidates are scored on, e.g. [{name: add, path: add_dev.jsonl}]");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw fail("tasks: expected a non-empty list of {name, path, extract?, max_new_tokens?, limit?}");
        }
        List<TaskEntry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "tasks[" + i + "]";
            JsonNode entry = node.get(i);
            requireObject(entry, field, "{name, path, extract?, max_new_tokens?, limit?}");
            checkKeys(entry, field + ".", List.of("name", "path", "extract", "max_new_tokens", "limit"));
            String name = optionalText(entry, "name", field + ".name")
                    .orElseThrow(() -> fail(field + ".name: missing; name the task, e.g. name: add"));
            if (!names.add(name)) {
                throw fail(field + ".name: '" + name + "' is listed twice; task names must be unique");
            }
            Path path = requiredPath(entry, "path", field + ".path", true);
            String extract = optionalText(entry, "extract", field + ".extract").orElse(null);
            if (extract != null) {
                try {
                    Pattern.compile(extract);
                } catch (PatternSyntaxException e) {
                    throw fail(field + ".extract: not a valid regular expression: " + e.getDescription());
                }
            }
            OptionalInt maxNew = optionalInt(entry, "max_new_tokens", field + ".max_new_tokens");
            if (maxNew.isPresent() && maxNew.getAsInt() < 1) {
                throw fail(field + ".max_new_tokens: must be at least 1, got " + maxNew.getAsInt());
            }
            OptionalInt limit = optionalInt(entry, "limit", field + ".limit");
            if (limit.isPresent() && limit.getAsInt() < 1) {
                throw fail(field + ".limit: must be at least 1, got " + limit.getAsInt());
            }
            Integer cap = maxNew.isPresent() ? maxNew.getAsInt() : null;
            out.add(new TaskEntry(new TaskSpec(name, path, extract, cap), limit));
        }
        return out;
    }

    private GateSettings gates(JsonNode node) {
        if (node == null || node.isNull()) {
            throw fail("gates: missing; e.g. gates: {max_task_drop: 0.02} promotes when the mean is not lower "
                    + "and no task drops more than 0.02");
        }
        requireObject(node, "gates", "{max_task_drop, min_mean_gain?}");
        checkKeys(node, "gates.", List.of("max_task_drop", "min_mean_gain"));
        double maxDrop = optionalNumber(node, "max_task_drop", "gates.max_task_drop")
                .orElseThrow(() -> fail("gates.max_task_drop: missing; the largest loss on one task still accepted, e.g. 0.02"));
        if (maxDrop < 0) {
            throw fail("gates.max_task_drop: must be 0 or more, got " + maxDrop);
        }
        double minGain = optionalNumber(node, "min_mean_gain", "gates.min_mean_gain").orElse(0.0);
        return new GateSettings(maxDrop, minGain);
    }

    private WatchSettings watch(JsonNode node) {
        WatchSettings defaults = WatchSettings.defaults();
        if (node == null || node.isNull()) {
            return defaults;
        }
        requireObject(node, "watch", "{poll_seconds, stable_seconds}");
        checkKeys(node, "watch.", List.of("poll_seconds", "stable_seconds"));
        Duration poll = seconds(node, "poll_seconds", "watch.poll_seconds", defaults.pollInterval());
        if (poll.isZero()) {
            throw fail("watch.poll_seconds: must be more than 0");
        }
        return new WatchSettings(poll, seconds(node, "stable_seconds", "watch.stable_seconds", defaults.stableFor()));
    }

    private ClusterSettings cluster(JsonNode node) {
        ClusterSettings defaults = ClusterSettings.disabled();
        if (node == null || node.isNull()) {
            return defaults;
        }
        requireObject(node, "cluster", "{enabled, seed_nodes?, discovery: config|kubernetes}");
        checkKeys(node, "cluster.", List.of("enabled", "seed_nodes", "discovery", "remoting_port", "management_port", "host",
                "transport", "tls", "allow_insecure_remote"));
        JsonNode enabledNode = node.get("enabled");
        if (enabledNode != null && !enabledNode.isBoolean()) {
            throw fail("cluster.enabled: expected true or false, got " + enabledNode);
        }
        boolean enabled = enabledNode != null && enabledNode.booleanValue();
        String discoveryKey = optionalText(node, "discovery", "cluster.discovery").orElse(Discovery.CONFIG.key());
        Discovery discovery = Discovery.byKey(discoveryKey).orElseThrow(() -> fail("cluster.discovery: unknown value '"
                + discoveryKey + "'; use config (seed_nodes) or kubernetes (Pekko Management discovery)"));
        List<String> seeds = new ArrayList<>();
        JsonNode seedNode = node.get("seed_nodes");
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
        int remoting = port(node, "remoting_port", "cluster.remoting_port", defaults.remotingPort());
        int management = port(node, "management_port", "cluster.management_port", defaults.managementPort());
        Optional<String> host = optionalText(node, "host", "cluster.host");
        return new ClusterSettings(enabled, seeds, discovery, remoting, management, host, security(node));
    }

    private ClusterSecurity security(JsonNode cluster) {
        Optional<String> transport = optionalText(cluster, "transport", "cluster.transport");
        if (transport.isPresent() && !transport.get().equals(ClusterTransport.TLS)
                && !transport.get().equals(ClusterTransport.INSECURE_TCP)) {
            throw fail("cluster.transport: unknown value '" + transport.get() + "'; use " + ClusterTransport.TLS
                    + " (key and trust stores under cluster.tls) or " + ClusterTransport.INSECURE_TCP + " on 127.0.0.1");
        }
        JsonNode allow = cluster.get("allow_insecure_remote");
        if (allow != null && !allow.isBoolean()) {
            throw fail("cluster.allow_insecure_remote: expected true or false, got " + allow);
        }
        JsonNode tls = cluster.get("tls");
        Optional<Path> keyStore = Optional.empty();
        Optional<Path> trustStore = Optional.empty();
        Optional<Path> passwordFile = Optional.empty();
        if (tls != null && !tls.isNull()) {
            requireObject(tls, "cluster.tls", "{key_store, trust_store, password_file}");
            checkKeys(tls, "cluster.tls.", List.of("key_store", "trust_store", "password_file"));
            keyStore = optionalText(tls, "key_store", "cluster.tls.key_store").map(this::resolvePath);
            trustStore = optionalText(tls, "trust_store", "cluster.tls.trust_store").map(this::resolvePath);
            passwordFile = optionalText(tls, "password_file", "cluster.tls.password_file").map(this::resolvePath);
        }
        return new ClusterSecurity(transport, keyStore, trustStore, passwordFile,
                allow == null ? Optional.empty() : Optional.of(allow.booleanValue()));
    }

    private int port(JsonNode node, String key, String field, int fallback) {
        int port = optionalInt(node, key, field).orElse(fallback);
        if (port < 0 || port > 65535) {
            throw fail(field + ": " + port + " is out of range; use 0..65535");
        }
        return port;
    }

    private Duration seconds(JsonNode node, String key, String field, Duration fallback) {
        Optional<Double> value = optionalNumber(node, key, field);
        if (value.isEmpty()) {
            return fallback;
        }
        if (value.get() < 0) {
            throw fail(field + ": must be 0 or more seconds, got " + value.get());
        }
        return Duration.ofNanos(Math.round(value.get() * 1e9));
    }

    private Path requiredPath(JsonNode node, String key, String field, boolean file) {
        String text = optionalText(node, key, field).orElseThrow(() -> fail(field + ": missing; give "
                + (file ? "a file" : "a folder") + " path (relative paths resolve against the config file's folder)"));
        return dir.resolve(text).normalize();
    }

    /** A path relative to the config file's folder. */
    private Path resolvePath(String text) {
        return dir.resolve(text).normalize();
    }

    private Optional<String> optionalText(JsonNode node, String key, String field) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw fail(field + ": expected text, got " + v);
        }
        String text = v.asText().trim();
        if (text.isEmpty()) {
            throw fail(field + ": is empty");
        }
        return Optional.of(text);
    }

    private OptionalInt optionalInt(JsonNode node, String key, String field) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return OptionalInt.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw fail(field + ": expected a whole number, got " + v);
        }
        return OptionalInt.of(v.intValue());
    }

    private Optional<Double> optionalNumber(JsonNode node, String key, String field) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isNumber()) {
            throw fail(field + ": expected a number, got " + v);
        }
        return Optional.of(v.doubleValue());
    }

    private void requireObject(JsonNode node, String field, String shape) {
        if (!node.isObject()) {
            throw fail(field + ": expected a mapping " + shape + ", got " + node);
        }
    }

    private void checkKeys(JsonNode node, String prefix, List<String> known) {
        Set<String> unknown = new TreeSet<>();
        node.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                unknown.add(prefix + k);
            }
        });
        if (!unknown.isEmpty()) {
            throw fail(String.join(", ", unknown) + ": unknown key" + (unknown.size() > 1 ? "s" : "")
                    + "; known keys" + (prefix.isEmpty() ? "" : " of " + prefix.substring(0, prefix.length() - 1))
                    + " are " + String.join(", ", known));
        }
    }

    private CrucibleException fail(String message) {
        return new CrucibleException(origin + ": " + message);
    }
}
