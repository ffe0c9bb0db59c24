package dev.crucible.lora;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

import java.util.Random;

/**
 * The leading singular triplets of a matrix, in double precision: {@code M ≈ U·diag(S)·Vᵀ} with the
 * {@code rank} largest singular values, in descending order.
 *
 * <p>Small matrices (or ranks near full) take EJML's exact SVD. Large ones take a randomized range finder
 * (Halko, Martinsson and Tropp 2011, algorithm 4.4) with {@value #OVERSAMPLING}+ columns of oversampling
 * and {@value #POWER_ITERATIONS} orthonormalised power iterations, then the exact SVD of the small projected
 * matrix: the cost is a few passes of {@code M·X} with thin {@code X} instead of a cubic decomposition, and
 * the power iterations make its error that of the best rank-{@code rank} approximation within a fraction
 * of a percent for the spectra of fine-tuning deltas.
 *
 * @param u the left singular vectors, {@code rows x rank}
 * @param s the singular values, descending, {@code rank} of them
 * @param v the right singular vectors, {@code cols x rank}
 * @param all every singular value the decomposition saw (all of them for the exact path; the leading
 *            {@code rank + oversampling} for the randomized one), descending
 */
record TruncatedSvd(DMatrixRMaj u, double[] s, DMatrixRMaj v, double[] all) {

    static final int OVERSAMPLING = 16;
    static final int POWER_ITERATIONS = 4;
    /** Matrices whose smaller side is at most this take the exact decomposition. */
    static final int EXACT_MAX_SIDE = 512;

    /** The leading {@code rank} singular triplets of {@code m} (rows x cols); {@code m} is not modified. */
    static TruncatedSvd of(DMatrixRMaj m, int rank, long seed) {
        int small = Math.min(m.numRows, m.numCols);
        int r = Math.min(rank, small);
        int sketch = Math.min(small, r + Math.max(OVERSAMPLING, r / 2));
        if (small <= EXACT_MAX_SIDE || sketch * 2 >= small) {
            return exact(m, r);
        }
        return randomized(m, r, sketch, seed);
    }

    /** EJML's full thin SVD, truncated. */
    static TruncatedSvd exact(DMatrixRMaj m, int rank) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(m.numRows, m.numCols, true, true, true);
        if (!svd.decompose(m.copy())) {
            throw new IllegalStateException("SVD did not converge");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        int n = Math.min(w.numRows, w.numCols);
        double[] all = new double[n];
        for (int i = 0; i < n; i++) {
            all[i] = w.get(i, i);
        }
        return truncate(u, all, v, rank);
    }

    private static TruncatedSvd randomized(DMatrixRMaj m, int rank, int sketch, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj omega = new DMatrixRMaj(m.numCols, sketch);
        for (int i = 0; i < omega.data.length; i++) {
            omega.data[i] = random.nextGaussian();
        }
        DMatrixRMaj y = new DMatrixRMaj(m.numRows, sketch);
        CommonOps_DDRM.mult(m, omega, y);
        DMatrixRMaj q = orthonormal(y);
        DMatrixRMaj z = new DMatrixRMaj(m.numCols, sketch);
        for (int i = 0; i < POWER_ITERATIONS; i++) {
            CommonOps_DDRM.multTransA(m, q, z);
            DMatrixRMaj qz = orthonormal(z);
            CommonOps_DDRM.mult(m, qz, y);
            q = orthonormal(y);
        }
        // B = Qᵀ·M is sketch x cols; its SVD B = Ũ·S·Vᵀ gives M ≈ (Q·Ũ)·S·Vᵀ.
        DMatrixRMaj b = new DMatrixRMaj(sketch, m.numCols);
        CommonOps_DDRM.multTransA(q, m, b);
        TruncatedSvd small = exact(b, sketch);
        DMatrixRMaj u = new DMatrixRMaj(m.numRows, sketch);
        CommonOps_DDRM.mult(q, small.u, u);
        return truncate(u, small.s, small.v, rank);
    }

    /** An orthonormal basis of the columns of {@code x} (thin Householder QR). */
    private static DMatrixRMaj orthonormal(DMatrixRMaj x) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(x.numRows, x.numCols);
        if (!qr.decompose(x.copy())) {
            throw new IllegalStateException("QR did not converge");
        }
        return qr.getQ(null, true);
    }

    private static TruncatedSvd truncate(DMatrixRMaj u, double[] values, DMatrixRMaj v, int rank) {
        DMatrixRMaj ur = CommonOps_DDRM.extract(u, 0, u.numRows, 0, rank);
        DMatrixRMaj vr = CommonOps_DDRM.extract(v, 0, v.numRows, 0, rank);
        double[] s = java.util.Arrays.copyOf(values, rank);
        return new TruncatedSvd(ur, s, vr, values.clone());
    }
}
