package dev.crucible.serve.inference;

import dev.crucible.serve.FakeLanguageModel;
import dev.crucible.serve.ForwardingFake;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenerationBatcherTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Records the batch sizes it is called with; the first call waits for a latch so others queue up. */
    private static final class RecordingModel extends ForwardingFake {
        final List<Integer> batchSizes = new ArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(1);

        RecordingModel() {
            super(new FakeLanguageModel("rec", 0, false));
        }

        @Override
        public Generation generateStreaming(GenerationRequest request, java.util.function.Consumer<String> onToken) {
            await();
            synchronized (batchSizes) {
                batchSizes.add(1);
            }
            if (request.prompt().equals("bad")) {
                throw new IllegalStateException("bad request");
            }
            return super.generateStreaming(request, onToken);
        }

        @Override
        public List<Generation> generate(List<GenerationRequest> requests) {
            await();
            synchronized (batchSizes) {
                batchSizes.add(requests.size());
            }
            if (requests.stream().anyMatch(r -> r.prompt().equals("bad"))) {
                throw new IllegalStateException("bad request in batch");
            }
            return super.generate(requests);
        }

        private void await() {
            started.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void requestsQueuedBehindARunningOneShareTheNextBatchAndKeepTheirOrder() {
        RecordingModel model = new RecordingModel();
        GenerationBatcher batcher = new GenerationBatcher(pool, 8);
        CompletableFuture<Generation> first = batcher.submit(model, GenerationRequest.greedy("add 1 1 =", 8));
        awaitQuietly(model.started);
        List<CompletableFuture<Generation>> rest = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
            rest.add(batcher.submit(model, GenerationRequest.greedy("add " + i + " " + i + " =", 8)));
        }
        model.release.countDown();
        assertThat(first.join().text()).isEqualTo(" 2");
        for (int i = 0; i < rest.size(); i++) {
            assertThat(rest.get(i).join().text()).isEqualTo(" " + 2 * (i + 2));
        }
        assertThat(model.batchSizes).containsExactly(1, 4);
    }

    @Test
    void aFailingBatchIsRetriedOneByOneSoOnlyTheBadRequestFails() {
        RecordingModel model = new RecordingModel();
        GenerationBatcher batcher = new GenerationBatcher(pool, 8);
        CompletableFuture<Generation> first = batcher.submit(model, GenerationRequest.greedy("add 1 1 =", 8));
        awaitQuietly(model.started);
        CompletableFuture<Generation> good = batcher.submit(model, GenerationRequest.greedy("add 2 3 =", 8));
        CompletableFuture<Generation> bad = batcher.submit(model, GenerationRequest.greedy("bad", 8));
        model.release.countDown();
        assertThat(first.join().text()).isEqualTo(" 2");
        assertThat(good.join().text()).isEqualTo(" 5");
        assertThat(bad).failsWithin(java.time.Duration.ofSeconds(5));
        assertThat(model.batchSizes).containsExactly(1, 2, 1, 1);
    }

    @Test
    void aWithdrawnRequestLeavesTheQueueWithoutReachingTheModel() {
        RecordingModel model = new RecordingModel();
        GenerationBatcher batcher = new GenerationBatcher(pool, 8);
        CompletableFuture<Generation> first = batcher.submit(model, GenerationRequest.greedy("add 1 1 =", 8));
        awaitQuietly(model.started);
        CompletableFuture<Generation> second = batcher.submit(model, GenerationRequest.greedy("add 2 2 =", 8));
        batcher.withdraw(model, second, new GenerationCancelled("deadline"));
        model.release.countDown();
        assertThat(first.join().text()).isEqualTo(" 2");
        assertThat(second).isCompletedExceptionally();
        assertThat(model.batchSizes).containsExactly(1);
    }
}
