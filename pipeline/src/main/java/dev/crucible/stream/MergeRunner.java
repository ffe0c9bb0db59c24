package dev.crucible.stream;

import dev.crucible.error.Causes;
import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.OpenedModels;
import dev.crucible.plan.PlannedTensor;
import dev.crucible.plan.SourceRef;
import dev.crucible.safetensors.ReadAhead;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tokenizer.EmbeddingPermutation;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Runs a {@link MergePlan} as a Pekko Streams pipeline: tensors are loaded (memory-mapped, decoded to
 * float32 on a dedicated I/O pool), merged on a compute pool of {@code threads} threads and handed to
 * a {@link TensorSink} from the I/O pool. A byte budget bounds the float32 data in flight, so peak memory is a few
 * tensors whatever the model size; every stage is back-pressured. Tensors whose method is a
 * {@link StreamingMerge} (linear, the task-arithmetic family, slerp, nearswap, model_stock, nuslerp; inputs of the
 * output's shape) skip the arrays: they are decoded, merged, encoded and written a chunk at a time on all cores,
 * holding only chunk buffers and keep-masks.
 *
 * <p>One runner (and its actor system) serves many merges; sources stay mapped in the
 * {@link OpenedModels} the caller owns.
 */
public final class MergeRunner implements AutoCloseable {

    // The I/O stage maps this much of each streamed input in before the merge stage reaches it, and asks the
    // kernel to read the rest ahead without mapping it: a few tensors in flight then stay small in resident memory.
    private static final long PREFETCH_HEAD_BYTES = 16L << 20;
    // Merges this large wait (at most KERNEL_WAIT) for the vector kernels to be compiled; small ones finish first.
    private static final long KERNEL_WAIT_BYTES = 256L << 20;
    private static final Duration KERNEL_WAIT = Duration.ofSeconds(3);

    private final OpenedModels models;
    private final ActorSystem system;
    private final Materializer materializer;

    /** A runner reading sources through {@code models} (not closed by the runner). */
    public MergeRunner(OpenedModels models) {
        // Starts compiling the bf16 kernels while the actor system comes up.
        MergeMethods.prepareKernels(List.of());
        this.models = models;
        this.system = MergeActorSystem.start();
        this.materializer = Materializer.createMaterializer(system);
    }

    /** Plans nothing, opens what the plan needs, merges into {@code sink}, and closes everything again. */
    public static MergeStats run(MergePlan plan, TensorSink sink, MergeOptions options) {
        try (OpenedModels opened = new OpenedModels(); MergeRunner runner = new MergeRunner(opened)) {
            return runner.merge(plan, sink, options);
        }
    }

    /** Merges every tensor of {@code plan} into {@code sink}, then calls {@link TensorSink#finish()}. */
    public MergeStats merge(MergePlan plan, TensorSink output, MergeOptions options) {
        TensorSink sink = options.allowNonFinite() ? output : new FiniteSink(output);
        BooleanSupplier kernelsReady = MergeMethods.prepareKernels(
                plan.tensors().stream().map(PlannedTensor::method).distinct().toList());
        long start = System.nanoTime();
        // The wait for the kernels happens in the merge stage, so the first tensors are read meanwhile.
        long kernelDeadline = plan.outputBytes() >= KERNEL_WAIT_BYTES ? start + KERNEL_WAIT.toNanos() : start;
        ByteBudget budget = new ByteBudget(options.memoryBudget());
        AtomicLong bytesRead = new AtomicLong();
        AtomicLong bytesWritten = new AtomicLong();
        AtomicInteger done = new AtomicInteger();
        int total = plan.tensors().size();
        long totalBytes = plan.outputBytes();
        // Decoding and encoding cost about as much CPU as elementwise merging, so I/O gets as many threads.
        int ioThreads = Math.max(2, options.threads());
        ExecutorService io = Executors.newFixedThreadPool(ioThreads, daemonThreads("crucible-merge-io"));
        ExecutorService compute = Executors.newFixedThreadPool(options.threads(), daemonThreads("crucible-merge"));
        try {
            Source.from(plan.tensors())
                    .mapAsync(1, t -> {
                        TensorJob job = prepare(plan, t, options);
                        return budget.acquire(job.workingBytes()).thenApply(granted -> {
                            job.granted = granted;
                            return job;
                        });
                    })
                    .mapAsync(ioThreads, job -> CompletableFuture.supplyAsync(
                            () -> load(plan, job, bytesRead, !options.allowNonFinite()), io))
                    .mapAsync(options.threads(), job -> CompletableFuture.supplyAsync(
                            () -> {
                                MergeMethods.awaitKernels(kernelsReady, kernelDeadline);
                                return mergeOne(job, sink, options.seed(), bytesRead);
                            }, compute))
                    .mapAsyncUnordered(ioThreads, job -> CompletableFuture.supplyAsync(() -> {
                        write(job, sink);
                        budget.release(job.granted);
                        return job.tensor.output();
                    }, io))
                    .map(info -> {
                        long written = bytesWritten.addAndGet(info.byteSize());
                        options.progress().onTensor(new MergeProgress(done.incrementAndGet(), total, bytesRead.get(),
                                written, totalBytes, Duration.ofNanos(System.nanoTime() - start), info.name()));
                        return info;
                    })
                    .runWith(Sink.ignore(), materializer)
                    .toCompletableFuture()
                    .get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("merge interrupted");
        } finally {
            compute.shutdownNow();
            io.shutdownNow();
        }
        sink.finish();
        return new MergeStats(done.get(), bytesRead.get(), bytesWritten.get(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static MergeMethod methodOf(String name) {
        return MergeMethods.byName(name).orElseThrow(() -> new CrucibleException("unknown merge method '" + name + "'"));
    }

    /**
     * Decides how a tensor is merged: streamed chunk by chunk from the mapped inputs when its method can
     * (same shapes, no rebase), else through whole float32 arrays.
     */
    private TensorJob prepare(MergePlan plan, PlannedTensor t, MergeOptions options) {
        long seed = options.seed();
        TensorJob job = new TensorJob(t);
        if (t.isRawCopy() || isUnscaledCopy(t) || t.rebaseOnto() != null || t.embeddings() != null
                || t.output().elementCount() > Integer.MAX_VALUE - 8
                || !(methodOf(t.method()) instanceof StreamingMerge streamer)) {
            return job;
        }
        try {
            List<ChunkedValues> sources = new ArrayList<>();
            List<Tensor> mapped = new ArrayList<>();
            long bytes = 0;
            for (SourceRef ref : t.sources()) {
                Tensor tensor = tensor(plan, ref);
                sources.add(new MappedValues(ref.model(), tensor, !options.allowNonFinite()));
                mapped.add(tensor);
                bytes += tensor.info().byteSize();
            }
            ChunkedValues base = null;
            if (t.base() != null) {
                Tensor tensor = tensor(plan, t.base());
                base = new MappedValues(t.base().model(), tensor, !options.allowNonFinite());
                mapped.add(tensor);
                bytes += tensor.info().byteSize();
            }
            TensorInfo out = t.output();
            MergeInput<ChunkedValues> input = new MergeInput<>(out.name(), out.shape(), base, sources, t.params(),
                    tensorSeed(seed, out.name()));
            if (streamer.canStream(input)) {
                job.streamer = streamer;
                job.streaming = input;
                job.streamedBytes = bytes;
                job.mapped = mapped;
            }
            return job;
        } catch (CrucibleException e) {
            throw new CrucibleException(t.output().name() + ": cannot read input: " + e.getMessage(), e);
        }
    }

    private TensorJob load(MergePlan plan, TensorJob job, AtomicLong bytesRead, boolean refuseNonFinite) {
        PlannedTensor t = job.tensor;
        if (job.streaming != null) {
            prefetch(job.mapped);
            return job;
        }
        try {
            if (t.isRawCopy() || (isUnscaledCopy(t) && t.embeddings() == null)) {
                Tensor raw = tensor(plan, t.sources().getFirst());
                if (raw.info().dtype() == t.output().dtype()) {
                    if (refuseNonFinite) {
                        long bad = NonFinite.first(raw.data(), raw.info().dtype());
                        if (bad >= 0) {
                            throw NonFinite.input(t.sources().getFirst().model(), raw.info().name(), bad,
                                    raw.toFloats()[Math.toIntExact(bad)]);
                        }
                    }
                    bytesRead.addAndGet(raw.info().byteSize());
                    job.raw = raw;
                    return job;
                }
            }
            job.base = t.base() == null ? null : values(plan, t.base(), bytesRead, refuseNonFinite);
            job.models = new ArrayList<>();
            for (SourceRef ref : t.sources()) {
                job.models.add(values(plan, ref, bytesRead, refuseNonFinite));
            }
            job.rebase = t.rebaseOnto() == null ? null : values(plan, t.rebaseOnto(), bytesRead, refuseNonFinite);
            if (t.embeddings() != null) {
                layOutVocabulary(job);
            }
            return job;
        } catch (CrucibleException e) {
            throw new CrucibleException(t.output().name() + ": cannot read input: " + e.getMessage(), e);
        }
    }

    /** Replaces the job's inputs by their rows in the output vocabulary (mergekit's PermutedEmbeddings). */
    private static void layOutVocabulary(TensorJob job) {
        EmbeddingPermutation permutation = job.tensor.embeddings();
        Map<String, float[]> values = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        List<TensorValues> all = new ArrayList<>(job.models);
        if (job.base != null) {
            all.add(job.base);
        }
        if (job.rebase != null) {
            all.add(job.rebase);
        }
        for (TensorValues v : all) {
            values.put(v.modelName(), v.values());
            shapes.put(v.modelName(), v.shape());
        }
        Map<String, float[]> laidOut = permutation.apply(values, shapes);
        long[] shape = job.tensor.output().shape();
        java.util.function.UnaryOperator<TensorValues> relaid = v -> v == null ? null
                : new TensorValues(v.modelName(), shape, laidOut.get(v.modelName()));
        job.base = relaid.apply(job.base);
        job.rebase = relaid.apply(job.rebase);
        job.models = new ArrayList<>(job.models.stream().map(relaid).toList());
    }

    /**
     * Gets a streamed tensor's inputs read on the I/O pool, a tensor or two ahead of the merge: from disk the
     * kernel then reads whole tensors sequentially while the compute pool works on the previous one, instead of
     * the merge threads stalling on page faults. Only the head of a large tensor is mapped in here (from the page
     * cache that saves the merge threads one fault per page); the rest is read ahead without counting as this
     * process's memory, so that tensors waiting in the stream do not add up.
     */
    private static void prefetch(List<Tensor> tensors) {
        for (Tensor tensor : tensors) {
            MemorySegment data = tensor.data();
            if (data.isMapped()) {
                ReadAhead.willNeed(data);
                data.asSlice(0, Math.min(data.byteSize(), PREFETCH_HEAD_BYTES)).load();
            }
        }
    }

    /**
     * Unmaps the pages of inputs a tensor is done with from this process. They stay in the page cache (another
     * tensor that reads them again finds them there), but no longer count as the merge's resident memory, which
     * would otherwise grow to the size of all inputs.
     */
    private static void release(List<Tensor> tensors) {
        for (Tensor tensor : tensors) {
            if (tensor.data().isMapped()) {
                tensor.data().unload();
            }
        }
    }

    /** A passthrough without scale: when the dtype stays the same, the bytes are copied without decoding. */
    private static boolean isUnscaledCopy(PlannedTensor t) {
        return t.method().equals("passthrough") && t.base() == null && t.sources().size() == 1
                && t.params().perModel().getFirst().isEmpty();
    }

    private Tensor tensor(MergePlan plan, SourceRef ref) {
        return models.weights(plan.folderOf(ref.model()), plan.recipe().adapterOf(ref.model())).tensor(ref.tensorName());
    }

    private TensorValues values(MergePlan plan, SourceRef ref, AtomicLong bytesRead, boolean refuseNonFinite) {
        Tensor tensor = tensor(plan, ref);
        bytesRead.addAndGet(tensor.info().byteSize());
        float[] floats = tensor.toFloats();
        if (refuseNonFinite) {
            int bad = NonFinite.first(floats, 0, floats.length, NonFinite.limitBits(DType.F32));
            if (bad >= 0) {
                throw NonFinite.input(ref.model(), ref.tensorName(), bad, floats[bad]);
            }
        }
        TensorValues values = new TensorValues(ref.model(), tensor.info().shape(), floats);
        release(List.of(tensor));
        return values;
    }

    private TensorJob mergeOne(TensorJob job, TensorSink sink, long seed, AtomicLong bytesRead) {
        PlannedTensor t = job.tensor;
        if (job.raw != null) {
            return job;
        }
        TensorInfo out = t.output();
        if (job.streaming != null) {
            TensorWriter writer = sink.open(out);
            job.streamer.merge(job.streaming, writer);
            writer.complete();
            release(job.mapped);
            bytesRead.addAndGet(job.streamedBytes);
            return job;
        }
        MergeMethod method = methodOf(t.method());
        float[] merged = method.merge(new MergeInput<>(out.name(), out.shape(), job.base, job.models, t.params(),
                tensorSeed(seed, out.name())));
        if (merged.length != out.elementCount()) {
            throw new IllegalStateException(method.name() + " produced " + merged.length + " values for "
                    + out + " (" + out.elementCount() + " expected)");
        }
        if (job.rebase != null) {
            // Task vectors were taken against job.base; move the result onto the new base.
            float[] from = job.base.values();
            float[] onto = job.rebase.values();
            for (int i = 0; i < merged.length; i++) {
                merged[i] = (float) ((double) merged[i] - from[i] + onto[i]);
            }
        }
        job.base = null;
        job.models = null;
        job.rebase = null;
        job.merged = merged;
        return job;
    }

    private static void write(TensorJob job, TensorSink sink) {
        if (job.streaming != null) {
            job.streaming = null;
            return;
        }
        if (job.raw != null) {
            sink.acceptRaw(job.tensor.output(), job.raw.data());
            release(List.of(job.raw));
        } else {
            sink.accept(job.tensor.output(), job.merged);
        }
        job.merged = null;
        job.raw = null;
    }

    /**
     * A per-tensor seed: the run's seed mixed with the tensor name (SplitMix64 finaliser over an FNV-1a
     * hash), so every tensor draws its own reproducible random stream whatever the scheduling.
     */
    static long tensorSeed(long seed, String tensorName) {
        long h = 0xcbf29ce484222325L;
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        long z = seed ^ h;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static RuntimeException rethrow(Throwable cause) {
        Throwable c = Causes.unwrap(cause);
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new IllegalStateException("merge failed: " + c, c);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops the actor system; the opened models stay open. */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Termination failures leave nothing to clean up for the caller.
        }
    }
}
