package dev.crucible.safetensors;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Starts reading a memory-mapped range into the page cache without mapping it into the process
 * ({@code madvise(MADV_WILLNEED)}): the data comes in from disk in the background and counts as this process's
 * resident memory only once it is touched. {@link MemorySegment#load()} would map every page in. Does nothing
 * where libc's {@code madvise} cannot be called.
 */
public final class ReadAhead {

    // The same value on Linux, macOS and the BSDs.
    private static final int MADV_WILLNEED = 3;
    private static final MethodHandle MADVISE;
    private static final long PAGE_SIZE;

    static {
        MethodHandle madvise = null;
        long pageSize = 4096;
        try {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            var getpagesize = libc.find("getpagesize");
            var madviseAddress = libc.find("madvise");
            if (getpagesize.isPresent() && madviseAddress.isPresent()) {
                pageSize = (int) linker.downcallHandle(getpagesize.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT))
                        .invokeExact();
                madvise = linker.downcallHandle(madviseAddress.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            }
        } catch (Throwable e) {
            // Without native access (or libc) the reads simply come in on demand.
            madvise = null;
        }
        MADVISE = madvise;
        PAGE_SIZE = pageSize;
    }

    private ReadAhead() {
    }

    /**
     * Asks the kernel to read {@code mapped} (a slice of a file mapping) ahead and returns at once: true when the
     * kernel took the advice.
     */
    public static boolean willNeed(MemorySegment mapped) {
        if (MADVISE == null || !mapped.isMapped() || mapped.byteSize() == 0) {
            return false;
        }
        long start = mapped.address() & -PAGE_SIZE;
        long length = mapped.address() + mapped.byteSize() - start;
        try {
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), length, MADV_WILLNEED) == 0;
        } catch (Throwable e) {
            // Advice only: the data is read on demand all the same.
            return false;
        }
    }
}
