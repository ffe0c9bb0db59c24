package dev.crucible.stream;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An asynchronous counting semaphore over bytes. Grants are handed out strictly in request order, so a
 * stream that requests in element order can never deadlock: every element holding bytes only waits for
 * elements ahead of it, which hold theirs too. A request larger than the capacity is cut to the
 * capacity and so runs alone.
 */
final class ByteBudget {

    private final long capacity;
    private long available;
    private final Queue<Waiter> waiting = new ArrayDeque<>();

    ByteBudget(long capacity) {
        this.capacity = capacity;
        this.available = capacity;
    }

    /** Completes with the number of bytes granted (to pass to {@link #release}) once they are free. */
    CompletionStage<Long> acquire(long bytes) {
        long n = Math.min(Math.max(bytes, 0), capacity);
        synchronized (this) {
            if (waiting.isEmpty() && available >= n) {
                available -= n;
                return CompletableFuture.completedFuture(n);
            }
            Waiter w = new Waiter(n, new CompletableFuture<>());
            waiting.add(w);
            return w.future;
        }
    }

    /** Returns bytes granted earlier and wakes the waiters they make room for. */
    void release(long granted) {
        Queue<Waiter> ready = new ArrayDeque<>();
        synchronized (this) {
            available += granted;
            while (!waiting.isEmpty() && waiting.peek().bytes <= available) {
                Waiter w = waiting.poll();
                available -= w.bytes;
                ready.add(w);
            }
        }
        ready.forEach(w -> w.future.complete(w.bytes));
    }

    /** Bytes not granted right now. */
    synchronized long available() {
        return available;
    }

    private record Waiter(long bytes, CompletableFuture<Long> future) {
    }
}
