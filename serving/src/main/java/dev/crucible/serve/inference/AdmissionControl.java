package dev.crucible.serve.inference;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Bounds the work in the server: at most {@code maxConcurrent} requests hold a slot, at most
 * {@code maxQueued} wait for one, and everything beyond is refused at once (the caller answers 429)
 * instead of piling up. Waiting is a future, so no thread blocks on admission.
 */
public final class AdmissionControl {

    /** A held slot; closing it hands the slot to the oldest waiter. Closing twice is harmless. */
    public final class Permit implements AutoCloseable {
        private boolean released;

        @Override
        public void close() {
            synchronized (AdmissionControl.this) {
                if (released) {
                    return;
                }
                released = true;
            }
            release();
        }
    }

    private final int maxConcurrent;
    private final int maxQueued;
    private final ArrayDeque<CompletableFuture<Permit>> waiting = new ArrayDeque<>();
    private int running;
    private boolean closed;

    public AdmissionControl(int maxConcurrent, int maxQueued) {
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
    }

    /**
     * A future slot, or empty when the queue is full or admission is closed. The future may be
     * completed exceptionally by the caller (timeout, cancellation); it then gives up its place.
     */
    public synchronized Optional<CompletableFuture<Permit>> tryEnter() {
        if (closed) {
            return Optional.empty();
        }
        if (running < maxConcurrent) {
            running++;
            return Optional.of(CompletableFuture.completedFuture(new Permit()));
        }
        if (waiting.size() >= maxQueued) {
            return Optional.empty();
        }
        CompletableFuture<Permit> ticket = new CompletableFuture<>();
        waiting.addLast(ticket);
        ticket.whenComplete((p, failure) -> {
            if (failure != null) {
                forget(ticket);
            }
        });
        return Optional.of(ticket);
    }

    /** Refuses new requests from now on; running and queued ones continue. */
    public synchronized void close() {
        closed = true;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Whether {@link #tryEnter()} would refuse now: every slot taken and the queue full. */
    public synchronized boolean isFull() {
        return running >= maxConcurrent && waiting.size() >= maxQueued;
    }

    public synchronized int inFlight() {
        return running;
    }

    public synchronized int queued() {
        return waiting.size();
    }

    private synchronized void forget(CompletableFuture<Permit> ticket) {
        waiting.remove(ticket);
    }

    private void release() {
        while (true) {
            CompletableFuture<Permit> next;
            synchronized (this) {
                next = waiting.pollFirst();
                if (next == null) {
                    running--;
                    return;
                }
            }
            // Completed outside the lock: the waiter's continuation may run inline on this thread.
            if (next.complete(new Permit())) {
                return;
            }
        }
    }
}
