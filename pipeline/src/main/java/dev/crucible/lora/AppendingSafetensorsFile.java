package dev.crucible.lora;

import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.SafetensorsHeader;
import dev.crucible.safetensors.TensorEntry;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A single safetensors file written tensor by tensor when the shapes are not known up front (an extracted
 * rank depends on the singular values): the data is appended to a scratch file beside the target, and
 * {@link #finish()} writes the header and then the data. Memory stays at the tensor being written.
 */
final class AppendingSafetensorsFile implements AutoCloseable {

    private final Path target;
    private final Path scratch;
    private final FileChannel data;
    private final List<TensorEntry> entries = new ArrayList<>();
    private long size;

    AppendingSafetensorsFile(Path target) {
        this.target = target;
        this.scratch = target.resolveSibling("." + target.getFileName() + ".data");
        try {
            this.data = FileChannel.open(scratch, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CrucibleException(scratch + ": cannot create (" + e.getMessage() + ")", e);
        }
    }

    /** Appends one tensor's encoded bytes. */
    void append(TensorInfo info, MemorySegment bytes) {
        if (bytes.byteSize() != info.byteSize()) {
            throw new IllegalArgumentException(info + ": " + bytes.byteSize() + " bytes");
        }
        try {
            long written = 0;
            while (written < bytes.byteSize()) {
                long n = Math.min(bytes.byteSize() - written, 16L << 20);
                ByteBuffer buf = bytes.asSlice(written, n).asByteBuffer();
                while (buf.hasRemaining()) {
                    data.write(buf, size + written + (n - buf.remaining()));
                }
                written += n;
            }
        } catch (IOException e) {
            throw new CrucibleException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
        entries.add(new TensorEntry(info, size, size + info.byteSize()));
        size += info.byteSize();
    }

    /** Header facts of what was appended, in order. */
    List<TensorInfo> infos() {
        return entries.stream().map(TensorEntry::info).toList();
    }

    /** Writes the file: header ({@code format: pt}, as PEFT's safetensors files carry), then the data. */
    void finish() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        byte[] header = SafetensorsHeader.serialize(entries, meta);
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.wrap(header);
            while (h.hasRemaining()) {
                out.write(h);
            }
            long moved = 0;
            while (moved < size) {
                moved += data.transferTo(moved, size - moved, out);
            }
            out.force(true);
        } catch (IOException e) {
            throw new CrucibleException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
        close();
    }

    /** Closes and removes the scratch file. */
    @Override
    public void close() {
        try {
            if (data.isOpen()) {
                data.close();
            }
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            throw new CrucibleException(scratch + ": cannot remove (" + e.getMessage() + ")", e);
        }
    }
}
