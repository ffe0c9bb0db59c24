package dev.crucible.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Writes a planned set of tensors as Hugging Face style safetensors shards. Every header is known
 * up front, so tensors may arrive in any order and from many threads: each is written at its final
 * offset. {@link #finish()} checks that nothing is missing, writes the shard index and syncs.
 */
public final class SafetensorsWriter implements AutoCloseable {

    // Bounds each positional write of raw bytes (ByteBuffer views stop at 2 GiB).
    private static final long WRITE_CHUNK = 16L << 20;
    // Float writes encode into a per-thread native buffer of this size, reused for every write: no
    // allocation or zeroing per tensor, and small enough to stay in cache between encode and write.
    private static final int ENCODE_BYTES = 1 << 20;
    private static final ThreadLocal<MemorySegment> ENCODE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(ENCODE_BYTES, 64));
    // Float writes of at least this many elements encode their chunks on all cores.
    private static final int PARALLEL_ELEMENTS = 1 << 20;

    private final Path dir;
    private final List<Shard> shards;
    private final Map<String, Slot> slots;
    private final Map<String, Boolean> written = new ConcurrentHashMap<>();
    private final Map<String, Boolean> streaming = new ConcurrentHashMap<>();
    private final long totalBytes;
    private final boolean sync;
    // Null when not syncing.
    private final WriteBehind writeBehind;
    private volatile boolean finished;

    private record Shard(Path path, FileChannel channel, List<TensorEntry> entries) {
    }

    private record Slot(TensorInfo info, Shard shard, long position) {
    }

    private SafetensorsWriter(Path dir, List<Shard> shards, Map<String, Slot> slots, long totalBytes, boolean sync) {
        this.dir = dir;
        this.shards = shards;
        this.slots = slots;
        this.totalBytes = totalBytes;
        this.sync = sync;
        this.writeBehind = sync ? new WriteBehind(shards.stream().map(Shard::channel).toList()) : null;
    }

    /**
     * Plans shards of at most {@code maxShardBytes} tensor data each (a larger tensor gets a shard to
     * itself), creates the files in {@code dir} and writes their headers.
     */
    public static SafetensorsWriter create(Path dir, List<TensorInfo> plan, long maxShardBytes,
                                           Map<String, String> metadata) {
        return create(dir, plan, maxShardBytes, metadata, true);
    }

    /**
     * As {@link #create(Path, List, long, Map)}; with {@code sync} false, {@link #finish()} leaves the data to
     * the kernel's write-back instead of waiting until it is on disk (faster; an OS crash or power cut soon
     * after may then lose what was written).
     */
    public static SafetensorsWriter create(Path dir, List<TensorInfo> plan, long maxShardBytes,
                                           Map<String, String> metadata, boolean sync) {
        if (maxShardBytes <= 0) {
            throw new CrucibleException("maximum shard size must be positive, got " + maxShardBytes);
        }
        if (plan.isEmpty()) {
            throw new CrucibleException(dir + ": nothing to write, the tensor plan is empty");
        }
        List<List<TensorEntry>> groups = new ArrayList<>();
        List<TensorEntry> current = new ArrayList<>();
        long used = 0;
        long total = 0;
        Map<String, Boolean> seen = new HashMap<>();
        for (TensorInfo t : plan) {
            if (seen.put(t.name(), Boolean.TRUE) != null) {
                throw new CrucibleException("tensor '" + t.name() + "' is planned twice for " + dir);
            }
            long size = t.byteSize();
            if (!current.isEmpty() && used + size > maxShardBytes) {
                groups.add(current);
                current = new ArrayList<>();
                used = 0;
            }
            current.add(new TensorEntry(t, used, used + size));
            used += size;
            total += size;
        }
        groups.add(current);

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        List<Shard> shards = new ArrayList<>();
        Map<String, Slot> slots = new HashMap<>();
        try {
            for (int i = 0; i < groups.size(); i++) {
                String name = groups.size() == 1 ? Checkpoint.SINGLE_FILE
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
                Path path = dir.resolve(name);
                FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                Shard shard = new Shard(path, ch, groups.get(i));
                shards.add(shard);
                byte[] header = SafetensorsHeader.serialize(groups.get(i), meta);
                writeFully(ch, ByteBuffer.wrap(header), 0);
                for (TensorEntry e : groups.get(i)) {
                    slots.put(e.info().name(), new Slot(e.info(), shard, header.length + e.begin()));
                }
            }
        } catch (IOException e) {
            closeAll(shards);
            throw new CrucibleException(dir + ": cannot create output files (" + e.getMessage() + ")", e);
        }
        return new SafetensorsWriter(dir, List.copyOf(shards), slots, total, sync);
    }

    /** The shard files, in order. */
    public List<Path> files() {
        return shards.stream().map(Shard::path).toList();
    }

    /** Bytes of tensor data planned across all shards. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Writes a planned tensor's raw bytes, already in its planned dtype (any segment: mapped, native or heap). */
    public void write(String name, MemorySegment bytes) {
        Slot slot = slot(name);
        if (bytes.byteSize() != slot.info().byteSize()) {
            throw new CrucibleException("tensor '" + name + "': got " + bytes.byteSize() + " bytes, planned "
                    + slot.info().byteSize() + " (" + slot.info() + ")");
        }
        claim(name);
        for (long off = 0; off < bytes.byteSize(); off += WRITE_CHUNK) {
            writeAt(slot, bytes.asSlice(off, Math.min(WRITE_CHUNK, bytes.byteSize() - off)), off);
        }
    }

    /** Encodes float32 values to the tensor's planned dtype and writes them, a bounded chunk at a time. */
    public void write(String name, float[] values) {
        Slot slot = slot(name);
        TensorInfo info = slot.info();
        if (values.length != info.elementCount()) {
            throw new CrucibleException("tensor '" + name + "': got " + values.length + " values, planned "
                    + info.elementCount() + " (" + info + ")");
        }
        claim(name);
        int perChunk = ENCODE_BYTES / info.dtype().byteSize();
        int chunks = (values.length + perChunk - 1) / perChunk;
        IntStream range = IntStream.range(0, chunks);
        (values.length >= PARALLEL_ELEMENTS ? range.parallel() : range).forEach(c -> {
            int first = c * perChunk;
            encodeAndWrite(slot, first, values, first, Math.min(perChunk, values.length - first));
        });
    }

    /**
     * Opens a planned tensor to be written as float32 ranges ({@link StreamedTensor}); {@link #finish()}
     * fails unless it was completed.
     */
    public StreamedTensor open(String name) {
        Slot slot = slot(name);
        claim(name);
        streaming.put(name, Boolean.TRUE);
        return new StreamedTensor(this, slot.info());
    }

    void writeRange(TensorInfo info, long firstElement, float[] values, int offset, int count) {
        Slot slot = slot(info.name());
        int perChunk = ENCODE_BYTES / info.dtype().byteSize();
        for (int done = 0; done < count; done += perChunk) {
            encodeAndWrite(slot, firstElement + done, values, offset + done, Math.min(perChunk, count - done));
        }
    }

    void completed(String name) {
        streaming.remove(name);
    }

    private void encodeAndWrite(Slot slot, long firstElement, float[] values, int offset, int count) {
        int width = slot.info().dtype().byteSize();
        MemorySegment buf = ENCODE_BUFFER.get();
        FloatCodec.encodeInto(values, offset, count, slot.info().dtype(), buf, 0);
        writeAt(slot, buf.asSlice(0, (long) count * width), firstElement * width);
    }

    private void claim(String name) {
        if (written.putIfAbsent(name, Boolean.TRUE) != null) {
            throw new CrucibleException("tensor '" + name + "' was written twice");
        }
    }

    private void writeAt(Slot slot, MemorySegment chunk, long offsetInTensor) {
        // Heap segments over float[] and the like have no ByteBuffer view; they are copied (one chunk) instead.
        boolean viewable = chunk.heapBase().map(base -> base instanceof byte[]).orElse(true);
        ByteBuffer buf = viewable ? chunk.asByteBuffer() : ByteBuffer.wrap(chunk.toArray(ValueLayout.JAVA_BYTE));
        try {
            writeFully(slot.shard().channel(), buf, slot.position() + offsetInTensor);
            if (writeBehind != null) {
                writeBehind.written(chunk.byteSize());
            }
        } catch (IOException e) {
            throw new CrucibleException(slot.shard().path() + ": write failed (" + e.getMessage() + ")", e);
        }
    }

    private Slot slot(String name) {
        if (finished) {
            throw new IllegalStateException("writer for " + dir + " is already finished");
        }
        Slot s = slots.get(name);
        if (s == null) {
            throw new CrucibleException("tensor '" + name + "' is not in the output plan for " + dir);
        }
        return s;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    /**
     * Checks every planned tensor was written, writes {@code model.safetensors.index.json} when there is
     * more than one shard, and syncs and closes the files.
     */
    public void finish() {
        if (!streaming.isEmpty()) {
            throw new CrucibleException(dir + ": " + streaming.size() + " tensors were opened but never completed, e.g. "
                    + streaming.keySet().stream().sorted().limit(3).toList());
        }
        if (written.size() != slots.size()) {
            List<String> missing = slots.keySet().stream().filter(n -> !written.containsKey(n)).sorted().toList();
            throw new CrucibleException(dir + ": " + missing.size() + " planned tensors were never written, e.g. "
                    + missing.subList(0, Math.min(3, missing.size())));
        }
        if (writeBehind != null) {
            writeBehind.close();
        }
        try {
            if (shards.size() > 1) {
                writeIndex();
            }
            for (Shard s : shards) {
                if (sync) {
                    s.channel().force(true);
                }
            }
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot finish writing (" + e.getMessage() + ")", e);
        }
        finished = true;
        closeAll(shards);
    }

    private void writeIndex() throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.putObject("metadata").put("total_size", totalBytes);
        ObjectNode map = root.putObject("weight_map");
        Map<String, String> sorted = new TreeMap<>();
        slots.forEach((name, slot) -> sorted.put(name, slot.shard().path().getFileName().toString()));
        sorted.forEach(map::put);
        Path index = dir.resolve(Checkpoint.INDEX_FILE);
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(json.writeValueAsBytes(root)), 0);
            if (sync) {
                ch.force(true);
            }
        }
    }

    /** Closes the files without checking completeness (use after a failure; the folder is then incomplete). */
    @Override
    public void close() {
        if (writeBehind != null) {
            writeBehind.close();
        }
        closeAll(shards);
    }

    private static void closeAll(List<Shard> shards) {
        for (Shard s : shards) {
            try {
                s.channel().close();
            } catch (IOException ignored) {
                // Closing after a failure: the original error is the one worth reporting.
            }
        }
    }
}
