package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only. Tensors are zero-copy slices of the mapping and
 * stay valid until {@link #close()}. Safe to read from many threads at once.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final Path path;
    private final SafetensorsHeader header;
    private final Map<String, TensorEntry> byName;
    private final long dataStart;
    private final Arena arena;
    private final MemorySegment mapping;

    private SafetensorsFile(Path path, SafetensorsHeader header, long dataStart, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.header = header;
        this.dataStart = dataStart;
        this.arena = arena;
        this.mapping = mapping;
        Map<String, TensorEntry> m = new LinkedHashMap<>();
        for (TensorEntry e : header.tensors()) {
            m.put(e.info().name(), e);
        }
        this.byName = m;
    }

    /** Opens and validates {@code file}; every problem is a one-line {@link CrucibleException}. */
    public static SafetensorsFile open(Path file) {
        if (PickleCheckpoints.isPickle(file)) {
            throw PickleCheckpoints.refusal(file);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CrucibleException(file + ": " + size
                        + " bytes is too short for a safetensors file (needs an 8-byte header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLength = lenBuf.flip().getLong();
            if (headerLength < 0 || headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new CrucibleException(file + ": header length " + Long.toUnsignedString(headerLength)
                        + " is beyond the 100 MB limit; this is not a safetensors file or it is corrupt");
            }
            if (8 + headerLength > size) {
                throw new CrucibleException(file + ": header length " + headerLength + " runs past the end of the "
                        + size + "-byte file; the file is truncated or not safetensors");
            }
            ByteBuffer json = ByteBuffer.allocate((int) headerLength);
            readFully(ch, json, 8);
            long dataStart = 8 + headerLength;
            SafetensorsHeader header = SafetensorsHeader.parse(file.toString(), json.array(), size - dataStart);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafetensorsFile(file, header, dataStart, arena, mapping);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw new CrucibleException(file + ": no such file");
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Header facts of every tensor, in data-offset order. */
    public List<TensorInfo> tensors() {
        return header.tensors().stream().map(TensorEntry::info).toList();
    }

    /** The {@code __metadata__} strings (empty if none). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Whether the file holds a tensor of that name. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** Header facts for one tensor. */
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    /** A zero-copy view of one tensor's bytes. */
    public Tensor tensor(String name) {
        TensorEntry e = entry(name);
        return new Tensor(e.info(), mapping.asSlice(dataStart + e.begin(), e.length()));
    }

    /** Absolute byte offset in the file where the tensor's data begins. */
    public long dataOffset(String name) {
        return dataStart + entry(name).begin();
    }

    /** Total bytes of tensor data (the file size less the header). */
    public long dataBytes() {
        return mapping.byteSize() - dataStart;
    }

    private TensorEntry entry(String name) {
        TensorEntry e = byName.get(name);
        if (e == null) {
            throw new CrucibleException(path + ": no tensor named '" + name + "'");
        }
        return e;
    }

    /** Unmaps the file; tensors obtained from it must not be used afterwards. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
