package dev.crucible.remerge;

/** Told how much a running merge has written, so throughput shows in {@code /metrics} while it runs. */
@FunctionalInterface
public interface MergeMeter {

    /** Nothing to report to. */
    MergeMeter NONE = (tensors, bytes) -> { };

    /** {@code tensors} more tensors of {@code bytes} more bytes were written. */
    void written(int tensors, long bytes);
}
