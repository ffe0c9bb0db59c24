package dev.crucible.lora;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The randomized path of {@link TruncatedSvd} is as accurate as the exact one where it is used: its rank-r
 * reconstruction error is the best rank-r error (Eckart–Young: the root sum of squares of the singular values
 * after the r-th, here from EJML's own singular values of the matrix) within 0.1%.
 */
class TruncatedSvdTest {

    /** A rows x cols matrix with singular values {@code 1/sqrt(1+i)} (a slowly decaying, fine-tune-like spectrum). */
    private static DMatrixRMaj withSpectrum(int rows, int cols, long seed) {
        Random random = new Random(seed);
        int n = Math.min(rows, cols);
        DMatrixRMaj g1 = new DMatrixRMaj(rows, n);
        DMatrixRMaj g2 = new DMatrixRMaj(cols, n);
        Arrays.setAll(g1.data, i -> random.nextGaussian());
        Arrays.setAll(g2.data, i -> random.nextGaussian());
        DMatrixRMaj u = qrQ(g1);
        DMatrixRMaj v = qrQ(g2);
        DMatrixRMaj us = u.copy();
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < n; k++) {
                us.set(i, k, us.get(i, k) / Math.sqrt(1 + k));
            }
        }
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.multTransB(us, v, m);
        return m;
    }

    private static DMatrixRMaj qrQ(DMatrixRMaj x) {
        var qr = org.ejml.dense.row.factory.DecompositionFactory_DDRM.qr(x.numRows, x.numCols);
        qr.decompose(x.copy());
        return qr.getQ(null, true);
    }

    private static double reconstructionError(DMatrixRMaj m, TruncatedSvd svd) {
        DMatrixRMaj us = svd.u().copy();
        for (int i = 0; i < us.numRows; i++) {
            for (int k = 0; k < us.numCols; k++) {
                us.set(i, k, us.get(i, k) * svd.s()[k]);
            }
        }
        DMatrixRMaj approx = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.multTransB(us, svd.v(), approx);
        DMatrixRMaj diff = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.subtract(m, approx, diff);
        return NormOps_DDRM.normF(diff);
    }

    private static double bestError(DMatrixRMaj m, int rank) {
        double[] s = SingularOps_DDRM.singularValues(m.copy());
        Arrays.sort(s);
        double sum = 0;
        for (int i = 0; i < s.length - rank; i++) {
            sum += s[i] * s[i];
        }
        return Math.sqrt(sum);
    }

    @Test
    void randomizedRankRErrorIsTheBestRankRError() {
        DMatrixRMaj m = withSpectrum(720, 530, 3);
        for (int rank : new int[] {8, 32}) {
            TruncatedSvd svd = TruncatedSvd.of(m, rank, 11);
            assertThat(svd.all().length).as("randomized path taken").isLessThan(530);
            double best = bestError(m, rank);
            assertThat(reconstructionError(m, svd)).as("rank %d", rank).isBetween(best * (1 - 1e-9), best * 1.001);
        }
    }

    @Test
    void exactPathReproducesTheMatrixAtFullRank() {
        DMatrixRMaj m = withSpectrum(60, 40, 5);
        TruncatedSvd svd = TruncatedSvd.of(m, 40, 1);
        assertThat(svd.all()).hasSize(40);
        assertThat(reconstructionError(m, svd)).isLessThan(1e-10);
        assertThat(svd.s()).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    }
}
