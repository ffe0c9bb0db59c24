package dev.crucible.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Altered copies of fixture models for tests, and fingerprints of folders to prove they were not touched. */
final class ModelCopies {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelCopies() {
    }

    /** Copies the folder {@code from} (files, one level of sub-folders) to {@code to}. */
    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    /** Edits {@code config.json} of {@code dir}. */
    static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(config);
        JSON.writeValue(file.toFile(), config);
    }

    /**
     * Copies the model {@code from} to {@code to} with its weights rewritten as one file: {@code change} gets each
     * tensor's info and values and returns the values to store (their length decides the first dimension).
     */
    static Path rewrite(Path from, Path to, BiFunction<TensorInfo, float[], float[]> change) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p) && !n.endsWith(".safetensors") && !n.endsWith(".index.json")) {
                    Files.copy(p, to.resolve(n));
                }
            }
        }
        List<TensorInfo> infos = new ArrayList<>();
        Map<String, float[]> values = new TreeMap<>();
        try (Checkpoint c = Checkpoint.open(from)) {
            for (TensorInfo info : c.infos()) {
                float[] v = change.apply(info, c.readFloats(info.name()));
                long[] shape = info.shape().clone();
                if (shape.length > 0) {
                    shape[0] = v.length / (info.elementCount() / shape[0]);
                }
                infos.add(new TensorInfo(info.name(), info.dtype(), shape));
                values.put(info.name(), v);
            }
        }
        try (SafetensorsWriter writer = SafetensorsWriter.create(to, infos, 1L << 40, Map.of("format", "pt"))) {
            for (TensorInfo info : infos) {
                writer.write(info.name(), values.get(info.name()));
            }
            writer.finish();
        }
        return to;
    }

    /** SHA-256 of every file under {@code root} by relative path: equal maps mean byte-identical folders. */
    static Map<String, String> fingerprint(Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                out.put(root.relativize(p).toString(), HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
