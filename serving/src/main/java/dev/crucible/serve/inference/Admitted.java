package dev.crucible.serve.inference;

import dev.crucible.serve.model.ModelLease;

/**
 * A request that holds a model slot and a lease on the model version it will run on. Closing it
 * gives both back; the model version stays open until then. Times are {@link System#nanoTime()}: when the
 * request arrived and when it got its slot.
 */
public record Admitted(AdmissionControl.Permit permit, ModelLease lease, long arrivedAtNanos, long admittedAtNanos) implements AutoCloseable {

    @Override
    public void close() {
        try {
            lease.close();
        } finally {
            permit.close();
        }
    }
}
