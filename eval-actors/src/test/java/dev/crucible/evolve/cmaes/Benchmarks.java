package dev.crucible.evolve.cmaes;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Standard test functions and a plain ask/tell loop shared by the CMA-ES tests. */
final class Benchmarks {

    private Benchmarks() {
    }

    static double sphere(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return s;
    }

    static double rosenbrock(double[] x) {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i] * x[i] - x[i + 1];
            double b = x[i] - 1;
            s += 100 * a * a + b * b;
        }
        return s;
    }

    static double rastrigin(double[] x) {
        double s = 10.0 * x.length;
        for (double v : x) {
            s += v * v - 10 * Math.cos(2 * Math.PI * v);
        }
        return s;
    }

    /** Axis-parallel ellipsoid with condition number 1e6. */
    static double ellipsoid(double[] x) {
        double s = 0;
        int n = x.length;
        for (int i = 0; i < n; i++) {
            s += Math.pow(1e6, n == 1 ? 0 : i / (n - 1.0)) * x[i] * x[i];
        }
        return s;
    }

    static double[] filled(int n, double value) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, value);
        return x;
    }

    /** Evaluates whole generations in order until the best fitness reaches target, the search stops or the budget runs out. */
    static CmaEs minimise(CmaEs es, ToDoubleFunction<double[]> f, double target, int budget) {
        while (!es.isStopped() && es.evaluations() < budget && !(es.hasBest() && es.best().fitness() <= target)) {
            List<Evaluation> results = new ArrayList<>();
            for (Candidate c : es.ask()) {
                results.add(Evaluation.of(c.id(), f.applyAsDouble(c.x())));
            }
            es.tell(results);
        }
        return es;
    }
}
