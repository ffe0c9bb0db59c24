package dev.crucible.remerge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Tells whether a checkpoint folder is complete: {@code config.json} present, and either every shard
 * named by {@code model.safetensors.index.json} or a single {@code model.safetensors}. A complete folder
 * yields a {@link Snapshot} of file sizes; a copy still in progress shows up as a changing snapshot.
 */
public final class CheckpointProbe {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The files of a checkpoint and their sizes and modification times at one moment. */
    public record Snapshot(Map<String, String> files) {
        public Snapshot {
            files = Map.copyOf(files);
        }
    }

    /** What a probe found: a snapshot when complete, otherwise what is missing. */
    public sealed interface Result {}

    /** Every required file is present. */
    public record Complete(Snapshot snapshot) implements Result {}

    /** Something required is missing or unreadable. */
    public record Incomplete(String missing) implements Result {}

    private CheckpointProbe() {}

    /** Looks at {@code dir} once. */
    public static Result probe(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new Incomplete(dir + " is not a folder");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            return new Incomplete("config.json");
        }
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            TreeSet<String> shards = new TreeSet<>();
            try {
                JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
                if (!map.isObject() || map.isEmpty()) {
                    return new Incomplete("weight_map in model.safetensors.index.json");
                }
                for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                    shards.add(it.next().asText());
                }
            } catch (IOException e) {
                // Still being written: the index parses once the copy has finished.
                return new Incomplete("a readable model.safetensors.index.json");
            }
            for (String shard : shards) {
                if (!Files.isRegularFile(dir.resolve(shard))) {
                    return new Incomplete(shard);
                }
            }
        } else if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return new Incomplete("model.safetensors (or model.safetensors.index.json and its shards)");
        }
        Map<String, String> files = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isRegularFile(p)) {
                    files.put(p.getFileName().toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
                }
            }
        } catch (IOException e) {
            return new Incomplete("a readable folder (" + e.getMessage() + ")");
        }
        return new Complete(new Snapshot(files));
    }
}
