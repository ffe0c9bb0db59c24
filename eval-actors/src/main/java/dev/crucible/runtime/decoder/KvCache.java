package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Keys and values of every layer for a batch of rows, plus the Java-side bookkeeping the
 * attention mask needs: which cached slots are real tokens (left padding is not) and the
 * position of each. Arrays live in the cache's own sub-manager; the previous step's arrays are
 * handed to the step's manager when replaced, so they are freed with the step.
 */
public final class KvCache implements AutoCloseable {

    /** Added to scores of hidden keys; finite so fully masked padding rows stay free of NaN. */
    static final float MASKED = -1e9f;

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batch;
    private boolean[][] valid;
    private int[][] positions;
    private final int[] nextPosition;
    private int length;

    /** An empty cache for batch rows and the given number of layers, owned by a sub-manager of parent. */
    public KvCache(NDManager parent, int batch, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.batch = batch;
        this.valid = new boolean[batch][16];
        this.positions = new int[batch][16];
        this.nextPosition = new int[batch];
    }

    /** Rows in the batch. */
    public int batch() {
        return batch;
    }

    /** Slots held per row (padding included). */
    public int length() {
        return length;
    }

    /**
     * Registers new slots (valid[b][t] false for padding) and returns their positions [B][T]:
     * each real token takes its row's next position, as transformers derives position ids from
     * the attention mask.
     */
    StepLayout advance(boolean[][] newValid) {
        int t = newValid[0].length;
        ensureCapacity(length + t);
        int[][] pos = new int[batch][t];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < t; j++) {
                boolean real = newValid[b][j];
                pos[b][j] = real ? nextPosition[b]++ : 0;
                valid[b][length + j] = real;
                positions[b][length + j] = pos[b][j];
            }
        }
        StepLayout layout = new StepLayout(pos, length, length + t);
        length += t;
        return layout;
    }

    private void ensureCapacity(int needed) {
        if (needed <= valid[0].length) {
            return;
        }
        int cap = Math.max(needed, valid[0].length * 2);
        for (int b = 0; b < batch; b++) {
            valid[b] = Arrays.copyOf(valid[b], cap);
            positions[b] = Arrays.copyOf(positions[b], cap);
        }
    }

    /** Additive mask [B, 1, T, S] for a step: causal, padding hidden, and a sliding window when window > 0. */
    NDArray mask(NDManager step, StepLayout layout, int window) {
        int t = layout.positions()[0].length;
        int s = layout.totalLength();
        float[] m = new float[batch * t * s];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < t; q++) {
                int qIndex = layout.start() + q;
                int qPos = layout.positions()[b][q];
                int base = (b * t + q) * s;
                for (int k = 0; k < s; k++) {
                    boolean visible = valid[b][k] && k <= qIndex && (window <= 0 || qPos - positions[b][k] < window);
                    m[base + k] = visible ? 0f : MASKED;
                }
            }
        }
        return step.create(m, new Shape(batch, 1, t, s));
    }

    /** Appends a step's keys and values [B, kvHeads, T, headDim] for a layer and returns the full ones. */
    NDList extend(int layer, NDArray newKeys, NDArray newValues) {
        NDArray k = newKeys;
        NDArray v = newValues;
        if (keys[layer] != null) {
            NDManager step = newKeys.getManager();
            keys[layer].attach(step);
            values[layer].attach(step);
            k = keys[layer].concat(newKeys, 2);
            v = values[layer].concat(newValues, 2);
        }
        keys[layer] = k;
        values[layer] = v;
        return new NDList(k, v);
    }

    /** Keeps a layer's full keys and values in {@code step} once the block that extended them has ended. */
    void hold(int layer, NDManager step) {
        keys[layer].attach(step);
        values[layer].attach(step);
    }

    /** Moves the step's full keys and values into the cache's manager so they outlive the step. */
    void commit() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].attach(manager);
                values[i].attach(manager);
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
