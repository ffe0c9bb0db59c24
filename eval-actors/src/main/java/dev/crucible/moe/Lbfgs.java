package dev.crucible.moe;

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for the smooth convex router objective:
 * deterministic (no randomness, fixed evaluation order), and it needs only gradients.
 */
final class Lbfgs {

    /** f(x) into grad, returning the value. */
    interface Objective {
        double valueAndGradient(double[] x, double[] grad);
    }

    private static final int MEMORY = 10;

    private Lbfgs() {
    }

    /** Minimises from x (updated in place) for at most maxIterations steps or until the gradient is tiny. */
    static void minimise(Objective f, double[] x, int maxIterations, double gradientTolerance) {
        int n = x.length;
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        double[][] s = new double[MEMORY][];
        double[][] y = new double[MEMORY][];
        double[] rho = new double[MEMORY];
        int stored = 0;
        int head = 0;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        double[] alpha = new double[MEMORY];
        for (int iter = 0; iter < maxIterations; iter++) {
            double gNorm = Math.sqrt(dot(g, g));
            if (gNorm <= gradientTolerance) {
                return;
            }
            // two-loop recursion: d = -H g
            System.arraycopy(g, 0, d, 0, n);
            for (int k = 0; k < stored; k++) {
                int i = Math.floorMod(head - 1 - k, MEMORY);
                alpha[i] = rho[i] * dot(s[i], d);
                axpy(-alpha[i], y[i], d);
            }
            double gamma = 1.0;
            if (stored > 0) {
                int last = Math.floorMod(head - 1, MEMORY);
                gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
            } else {
                gamma = 1.0 / gNorm;
            }
            for (int j = 0; j < n; j++) {
                d[j] *= gamma;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int i = Math.floorMod(head - 1 - k, MEMORY);
                double beta = rho[i] * dot(y[i], d);
                axpy(alpha[i] - beta, s[i], d);
            }
            for (int j = 0; j < n; j++) {
                d[j] = -d[j];
            }
            double slope = dot(g, d);
            if (slope >= 0) {
                // not a descent direction (numerical trouble): restart from steepest descent
                stored = 0;
                for (int j = 0; j < n; j++) {
                    d[j] = -g[j] / gNorm;
                }
                slope = dot(g, d);
            }
            double step = 1.0;
            double fNew;
            int tries = 0;
            while (true) {
                for (int j = 0; j < n; j++) {
                    xNew[j] = x[j] + step * d[j];
                }
                fNew = f.valueAndGradient(xNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope || ++tries > 40) {
                    break;
                }
                step *= 0.5;
            }
            if (tries > 40) {
                return;
            }
            double[] sk = new double[n];
            double[] yk = new double[n];
            for (int j = 0; j < n; j++) {
                sk[j] = xNew[j] - x[j];
                yk[j] = gNew[j] - g[j];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-12) {
                s[head] = sk;
                y[head] = yk;
                rho[head] = 1.0 / sy;
                head = (head + 1) % MEMORY;
                stored = Math.min(stored + 1, MEMORY);
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            double change = fx - fNew;
            fx = fNew;
            if (change >= 0 && change < 1e-12 * Math.max(1, Math.abs(fx))) {
                return;
            }
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }
}
