package dev.crucible.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The weights of a model folder: {@code model.safetensors}, the shards named by
 * {@code model.safetensors.index.json}, or every {@code *.safetensors} file in the folder.
 * Tensor names are listed file by file in data order, which makes a full pass read sequentially.
 */
public final class Checkpoint implements WeightSource, TensorStore, AutoCloseable {

    /** File name of a single-file checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** File name of the shard index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private Checkpoint(Path dir, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.dir = dir;
        this.files = List.copyOf(files);
        this.owner = Collections.unmodifiableMap(owner);
    }

    /** Opens the weights in {@code modelDir} (or a single {@code .safetensors} file given directly). */
    public static Checkpoint open(Path modelDir) {
        if (Files.isRegularFile(modelDir)) {
            return fromFiles(modelDir, List.of(modelDir));
        }
        if (!Files.isDirectory(modelDir)) {
            throw new CrucibleException(modelDir + ": no such model folder");
        }
        // Same precedence as transformers: a single model.safetensors wins over an index.
        Path single = modelDir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return fromFiles(modelDir, List.of(single));
        }
        Path index = modelDir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return sharded(modelDir, index);
        }
        List<Path> listing = list(modelDir);
        List<Path> safetensors = listing.stream()
                .filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
        if (!safetensors.isEmpty()) {
            return fromFiles(modelDir, safetensors);
        }
        for (Path p : listing) {
            if (PickleCheckpoints.isPickle(p)) {
                throw PickleCheckpoints.refusal(p);
            }
        }
        throw new CrucibleException("no weights in " + modelDir
                + ": expected model.safetensors, model.safetensors.index.json or *.safetensors files");
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot list folder (" + e.getMessage() + ")", e);
        }
    }

    private static Checkpoint fromFiles(Path dir, List<Path> paths) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                opened.add(f);
                for (TensorInfo t : f.tensors()) {
                    SafetensorsFile previous = owner.putIfAbsent(t.name(), f);
                    if (previous != null) {
                        throw new CrucibleException(dir + ": tensor '" + t.name() + "' appears in both "
                                + previous.path().getFileName() + " and " + p.getFileName());
                    }
                }
            }
            return new Checkpoint(dir, opened, owner);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Checkpoint sharded(Path dir, Path index) {
        JsonNode weightMap;
        try {
            JsonNode root = new ObjectMapper().readTree(index.toFile());
            weightMap = root == null ? null : root.get("weight_map");
        } catch (IOException e) {
            throw new CrucibleException(index + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + ")");
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new CrucibleException(index + ": missing the weight_map object that maps tensor names to shard files");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        Set<String> shardNames = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CrucibleException(index + ": weight_map entry '" + e.getKey() + "' must name a shard file");
            }
            shardOf.put(e.getKey(), e.getValue().asText());
            shardNames.add(e.getValue().asText());
        }
        List<Path> shards = new ArrayList<>();
        for (String s : shardNames.stream().sorted().toList()) {
            Path shard = dir.resolve(s).normalize();
            if (!shard.getParent().equals(dir.normalize()) || !Files.isRegularFile(shard)) {
                throw new CrucibleException(index + " names shard " + s + ", which is missing from " + dir);
            }
            shards.add(shard);
        }
        Checkpoint cp = fromFiles(dir, shards);
        try {
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                SafetensorsFile f = cp.owner.get(e.getKey());
                if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                    throw new CrucibleException(index + " places tensor '" + e.getKey() + "' in " + e.getValue()
                            + ", but that shard does not hold it");
                }
            }
            for (String name : cp.owner.keySet()) {
                if (!shardOf.containsKey(name)) {
                    throw new CrucibleException(cp.owner.get(name).path() + " holds tensor '" + name
                            + "', which " + index.getFileName() + " does not list");
                }
            }
            return cp;
        } catch (RuntimeException e) {
            cp.close();
            throw e;
        }
    }

    /** The folder (or file) this was opened from. */
    public Path dir() {
        return dir;
    }

    @Override
    public Collection<String> tensorNames() {
        return owner.keySet();
    }

    @Override
    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return fileFor(name).info(name);
    }

    @Override
    public float[] readFloats(String name) {
        return tensor(name).toFloats();
    }

    @Override
    public void readFloatsInto(String name, FloatBuffer dst) {
        tensor(name).decodeInto(dst);
    }

    /** Header facts of every tensor, in {@link #tensorNames()} order. */
    @Override
    public List<TensorInfo> infos() {
        return owner.entrySet().stream().map(e -> e.getValue().info(e.getKey())).toList();
    }

    /** A zero-copy view of one tensor's bytes, valid until {@link #close()}. */
    @Override
    public Tensor tensor(String name) {
        return fileFor(name).tensor(name);
    }

    /** The safetensors files, in read order. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /** Metadata of the first file (shards of one checkpoint carry the same). */
    public Map<String, String> metadata() {
        return files.getFirst().metadata();
    }

    /** Bytes of tensor data across all files (headers excluded), as in an index's {@code total_size}. */
    public long totalBytes() {
        long total = 0;
        for (SafetensorsFile f : files) {
            total += f.dataBytes();
        }
        return total;
    }

    /** The file that holds a tensor. */
    public Path fileOf(String name) {
        return fileFor(name).path();
    }

    private SafetensorsFile fileFor(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new CrucibleException(dir + ": no tensor named '" + name + "'");
        }
        return f;
    }

    /** Unmaps every file. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
