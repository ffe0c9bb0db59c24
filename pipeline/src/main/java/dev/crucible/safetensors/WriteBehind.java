package dev.crucible.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts the disk writes of output data while the merge is still producing more. The kernel otherwise
 * keeps a gigabyte of written pages in memory and the final sync then waits for all of them (1–2 s per GiB on
 * a typical cloud disk, as long as a whole linear merge); syncing every {@link #STEP_BYTES} in the
 * background keeps the disk busy alongside the CPU, and the final sync waits only for the tail.
 */
final class WriteBehind implements AutoCloseable {

    static final long STEP_BYTES = 64L << 20;

    private final long stepBytes;
    private final List<FileChannel> channels;
    private final AtomicLong pending = new AtomicLong();
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean closed;

    WriteBehind(List<FileChannel> channels) {
        this(channels, STEP_BYTES);
    }

    /** Syncs {@code channels} every {@code stepBytes} written. */
    WriteBehind(List<FileChannel> channels, long stepBytes) {
        this.stepBytes = stepBytes;
        this.channels = List.copyOf(channels);
        this.thread = new Thread(this::run, "crucible-write-behind");
        thread.setDaemon(true);
        thread.start();
    }

    /** Counts {@code bytes} just written; every step wakes the syncing thread. */
    void written(long bytes) {
        long before = pending.getAndAdd(bytes);
        if (before / stepBytes != (before + bytes) / stepBytes) {
            wake.release();
        }
    }

    private void run() {
        try {
            while (!closed) {
                wake.acquire();
                wake.drainPermits();
                for (FileChannel channel : channels) {
                    if (closed) {
                        return;
                    }
                    channel.force(false);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The final sync in SafetensorsWriter.finish() reports any write error; this one only saves time.
        }
    }

    /**
     * Stops syncing and waits for a sync in progress to end. It must not interrupt the thread: an interrupt
     * during {@link FileChannel#force} closes the channel, and with it the file still being written.
     */
    @Override
    public void close() {
        closed = true;
        wake.release();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
