package dev.crucible.stream;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class ByteBudgetTest {

    @Test
    void grantsImmediatelyWhileBytesAreFree() {
        ByteBudget budget = new ByteBudget(100);
        assertThat(budget.acquire(60).toCompletableFuture()).isCompletedWithValue(60L);
        assertThat(budget.acquire(40).toCompletableFuture()).isCompletedWithValue(40L);
        assertThat(budget.available()).isZero();
    }

    @Test
    void waitersAreServedInRequestOrder() {
        ByteBudget budget = new ByteBudget(100);
        budget.acquire(90);
        CompletableFuture<Long> big = budget.acquire(50).toCompletableFuture();
        CompletableFuture<Long> small = budget.acquire(5).toCompletableFuture();
        assertThat(big).isNotDone();
        assertThat(small).as("a small request must not overtake an earlier large one").isNotDone();
        budget.release(90);
        assertThat(big).isCompletedWithValue(50L);
        assertThat(small).isCompletedWithValue(5L);
        assertThat(budget.available()).isEqualTo(45);
    }

    @Test
    void requestLargerThanCapacityRunsAloneAtFullCapacity() {
        ByteBudget budget = new ByteBudget(100);
        CompletableFuture<Long> huge = budget.acquire(1_000).toCompletableFuture();
        assertThat(huge).isCompletedWithValue(100L);
        CompletableFuture<Long> next = budget.acquire(1).toCompletableFuture();
        assertThat(next).isNotDone();
        budget.release(100);
        assertThat(next).isCompletedWithValue(1L);
    }
}
