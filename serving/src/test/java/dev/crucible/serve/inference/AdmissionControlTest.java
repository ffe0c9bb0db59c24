package dev.crucible.serve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {

    @Test
    void admitsUpToTheLimitThenQueuesThenRefuses() {
        AdmissionControl admission = new AdmissionControl(2, 1);
        assertThat(admission.tryEnter()).hasValueSatisfying(f -> assertThat(f).isDone());
        assertThat(admission.tryEnter()).hasValueSatisfying(f -> assertThat(f).isDone());
        Optional<CompletableFuture<AdmissionControl.Permit>> queued = admission.tryEnter();
        assertThat(queued).hasValueSatisfying(f -> assertThat(f).isNotDone());
        assertThat(admission.tryEnter()).isEmpty();
        assertThat(admission.inFlight()).isEqualTo(2);
        assertThat(admission.queued()).isEqualTo(1);
    }

    @Test
    void releasingHandsTheSlotToTheOldestWaiter() {
        AdmissionControl admission = new AdmissionControl(1, 2);
        AdmissionControl.Permit first = admission.tryEnter().orElseThrow().join();
        CompletableFuture<AdmissionControl.Permit> second = admission.tryEnter().orElseThrow();
        CompletableFuture<AdmissionControl.Permit> third = admission.tryEnter().orElseThrow();
        first.close();
        first.close();
        assertThat(second).isDone();
        assertThat(third).isNotDone();
        assertThat(admission.inFlight()).isEqualTo(1);
        second.join().close();
        third.join().close();
        assertThat(admission.inFlight()).isZero();
        assertThat(admission.queued()).isZero();
    }

    @Test
    void aWaiterThatTimesOutGivesUpItsPlace() throws Exception {
        AdmissionControl admission = new AdmissionControl(1, 1);
        AdmissionControl.Permit running = admission.tryEnter().orElseThrow().join();
        CompletableFuture<AdmissionControl.Permit> waiter = admission.tryEnter().orElseThrow().orTimeout(10, TimeUnit.MILLISECONDS);
        assertThat(waiter).failsWithin(java.time.Duration.ofSeconds(2));
        long until = System.nanoTime() + 1_000_000_000L;
        while (admission.queued() > 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(admission.queued()).isZero();
        assertThat(admission.tryEnter()).isPresent();
        running.close();
        assertThat(admission.inFlight()).isEqualTo(1);
    }

    @Test
    void closedAdmissionRefusesEverything() {
        AdmissionControl admission = new AdmissionControl(4, 4);
        admission.close();
        assertThat(admission.tryEnter()).isEmpty();
        assertThat(admission.isClosed()).isTrue();
    }
}
