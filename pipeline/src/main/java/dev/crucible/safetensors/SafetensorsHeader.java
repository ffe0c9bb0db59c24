package dev.crucible.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file, parsed and validated as strictly as the reference Rust
 * crate: every tensor's bytes must match its shape and dtype, and the tensors must tile the data
 * area exactly, with no overlaps and no holes.
 */
public record SafetensorsHeader(List<TensorEntry> tensors, Map<String, String> metadata) {

    /** Headers beyond this are refused rather than read into memory (the Rust crate uses the same cap). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    public SafetensorsHeader {
        tensors = List.copyOf(tensors);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Parses header bytes; {@code label} names the file in error messages, {@code dataLength} is the
     * size of the data area that follows the header. The result lists tensors in data-offset order.
     */
    public static SafetensorsHeader parse(String label, byte[] json, long dataLength) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new CrucibleException(label + ": safetensors header is not valid UTF-8; the file is corrupt");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CrucibleException(label + ": safetensors header is not valid JSON ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + "); the file is corrupt");
        }
        if (root == null || !root.isObject()) {
            throw new CrucibleException(label + ": safetensors header must be a JSON object; the file is corrupt");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorEntry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(label, field.getValue(), metadata);
            } else {
                entries.add(readTensor(label, field.getKey(), field.getValue(), dataLength));
            }
        }
        entries.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        checkContiguous(label, entries, dataLength);
        return new SafetensorsHeader(entries, metadata);
    }

    private static void readMetadata(String label, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw new CrucibleException(label + ": __metadata__ must be an object of strings");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CrucibleException(label + ": __metadata__ value '" + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
    }

    private static TensorEntry readTensor(String label, String name, JsonNode node, long dataLength) {
        String where = label + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new CrucibleException(where + " must be an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CrucibleException(where + " has no dtype string");
        }
        DType dtype = DType.fromSafetensorsName(dtypeNode.asText());
        if (dtype == null) {
            throw new CrucibleException(where + " has unknown dtype '" + dtypeNode.asText() + "'; supported: "
                    + Arrays.stream(DType.values()).map(DType::safetensorsName).toList());
        }
        long[] shape = readLongs(where, "shape", node.get("shape"), -1);
        long[] offsets = readLongs(where, "data_offsets", node.get("data_offsets"), 2);
        long elements = 1;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CrucibleException(where + " has shape " + Arrays.toString(shape) + " whose size overflows");
        }
        if (offsets[0] > offsets[1]) {
            throw new CrucibleException(where + " has data_offsets " + Arrays.toString(offsets) + " that end before they begin");
        }
        if (offsets[1] > dataLength) {
            throw new CrucibleException(where + " has data_offsets " + Arrays.toString(offsets)
                    + " outside the data area of " + dataLength + " bytes; the file is truncated or corrupt");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape);
        long need = info.byteSize();
        if (offsets[1] - offsets[0] != need) {
            throw new CrucibleException(where + " has " + (offsets[1] - offsets[0]) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype.safetensorsName() + " needs " + need);
        }
        return new TensorEntry(info, offsets[0], offsets[1]);
    }

    private static long[] readLongs(String where, String key, JsonNode node, int requiredLength) {
        if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
            throw new CrucibleException(where + " has malformed " + key + ": expected "
                    + (requiredLength >= 0 ? "an array of " + requiredLength + " integers" : "an array of integers")
                    + ", got " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new CrucibleException(where + " has malformed " + key + " " + node
                        + ": every entry must be a non-negative integer");
            }
            out[i] = v.asLong();
        }
        return out;
    }

    private static void checkContiguous(String label, List<TensorEntry> sorted, long dataLength) {
        long expected = 0;
        String previous = null;
        for (TensorEntry e : sorted) {
            if (e.begin() < expected) {
                throw new CrucibleException(label + ": tensors '" + previous + "' and '" + e.info().name()
                        + "' overlap in the data area; the file is corrupt");
            }
            if (e.begin() > expected) {
                throw new CrucibleException(label + ": data is not contiguous: " + (e.begin() - expected)
                        + " unused bytes before tensor '" + e.info().name() + "'; the file is corrupt");
            }
            expected = e.end();
            previous = e.info().name();
        }
        if (expected != dataLength) {
            throw new CrucibleException(label + ": data is not contiguous: " + (dataLength - expected)
                    + " bytes after the last tensor belong to no tensor; the file is corrupt");
        }
    }

    /**
     * Serialises header {@code entries} (in the given order) with metadata, as the file's first bytes:
     * the 8-byte little-endian length, then the JSON padded with spaces to a multiple of 8.
     */
    public static byte[] serialize(List<TensorEntry> entries, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        for (TensorEntry e : entries) {
            ObjectNode t = root.putObject(e.info().name());
            t.put("dtype", e.info().dtype().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.info().shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(e.begin()).add(e.end());
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serialising a tree of strings and numbers cannot fail", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.hasRemaining()) {
            out.put((byte) ' ');
        }
        return out.array();
    }
}
