package dev.crucible.evolve.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.files.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code journal.jsonl}: one JSON line per evaluated candidate, appended and flushed as each result
 * arrives, so a killed search loses at most the candidate being evaluated. A torn last line (the
 * process died mid-write) is ignored when reading.
 */
public final class Journal {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    /** The journal at {@code file} (created on the first append). */
    public Journal(Path file) {
        this.file = file;
    }

    /** The journal file. */
    public Path file() {
        return file;
    }

    /** Appends one entry as one line. */
    public synchronized void append(JournalEntry entry) {
        try {
            Files.writeString(file, toJson(entry) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot append to the journal (" + e.getMessage() + ")", e);
        }
    }

    /** Every entry written so far, in order; empty when the file does not exist. */
    public List<JournalEntry> read() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read the journal (" + e.getMessage() + ")", e);
        }
        List<JournalEntry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(fromJson(JSON.readTree(line)));
            } catch (JsonProcessingException | RuntimeException e) {
                if (i == lines.size() - 1) {
                    break;
                }
                throw new CrucibleException(file + ":" + (i + 1) + ": not a journal entry; the journal is damaged "
                        + "(move it away to start a new search)");
            }
        }
        return out;
    }

    /**
     * Rewrites the journal with only {@code entries} (drops a torn last line before appending again), atomically:
     * a crash during the rewrite leaves the journal as it was, not truncated.
     */
    public synchronized void rewrite(List<JournalEntry> entries) {
        StringBuilder text = new StringBuilder();
        for (JournalEntry e : entries) {
            text.append(toJson(e)).append('\n');
        }
        try {
            AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write the journal (" + e.getMessage() + ")", e);
        }
    }

    static String toJson(JournalEntry e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("stage", e.stage());
        node.put("generation", e.generation());
        node.put("candidate", e.candidate());
        ArrayNode genome = node.putArray("genome");
        for (double g : e.genome()) {
            genome.add(g);
        }
        node.set("parameters", JSON.valueToTree(e.parameters()));
        ObjectNode dev = node.putObject("dev");
        e.dev().forEach(dev::put);
        if (Double.isFinite(e.fitness())) {
            node.put("fitness", e.fitness());
        } else {
            node.putNull("fitness");
        }
        node.put("status", e.status());
        if (e.error() != null) {
            node.put("error", e.error());
        }
        node.put("seconds", Math.round(e.seconds() * 1000) / 1000.0);
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("a journal entry always serialises", ex);
        }
    }

    private static JournalEntry fromJson(JsonNode n) {
        JsonNode g = n.get("genome");
        double[] genome = new double[g.size()];
        for (int i = 0; i < genome.length; i++) {
            genome[i] = g.get(i).doubleValue();
        }
        Map<String, Object> parameters = JSON.convertValue(n.get("parameters"), new TypeReference<LinkedHashMap<String, Object>>() { });
        Map<String, Double> dev = new LinkedHashMap<>();
        n.get("dev").fields().forEachRemaining(f -> dev.put(f.getKey(), f.getValue().doubleValue()));
        JsonNode fitness = n.get("fitness");
        return new JournalEntry(n.get("stage").textValue(), n.get("generation").intValue(), n.get("candidate").intValue(),
                genome, parameters, dev, fitness == null || fitness.isNull() ? Double.NaN : fitness.doubleValue(),
                n.get("status").textValue(), n.hasNonNull("error") ? n.get("error").textValue() : null,
                n.path("seconds").doubleValue());
    }
}
