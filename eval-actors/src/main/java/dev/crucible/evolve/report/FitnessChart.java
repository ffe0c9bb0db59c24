package dev.crucible.evolve.report;

import dev.crucible.error.CrucibleException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the search's progress: best so far, generation best and generation mean of the dev score. */
public final class FitnessChart {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    static {
        // Charts are drawn off-screen; servers and CI have no display.
        System.setProperty("java.awt.headless", "true");
    }

    private FitnessChart() {
    }

    /** Writes the chart as a PNG; the dev score is minus the fitness CMA-ES minimises. */
    public static void write(List<GenerationStats> generations, Path png) {
        XYSeries bestSoFar = new XYSeries("best so far");
        XYSeries best = new XYSeries("generation best");
        XYSeries mean = new XYSeries("generation mean");
        for (GenerationStats g : generations) {
            if (!Double.isNaN(g.bestSoFar())) {
                bestSoFar.add(g.index(), g.bestSoFar());
            }
            if (!Double.isNaN(g.best())) {
                best.add(g.index(), g.best());
                mean.add(g.index(), g.mean());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(bestSoFar);
        data.addSeries(best);
        data.addSeries(mean);
        JFreeChart chart = ChartFactory.createXYLineChart("Evolutionary merge search",
                "generation", "mean dev score (= -fitness)", data, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        Color[] colours = {new Color(0xC0392B), new Color(0x2E86C1), new Color(0x7F8C8D)};
        for (int i = 0; i < colours.length; i++) {
            renderer.setSeriesPaint(i, colours[i]);
            renderer.setSeriesStroke(i, new BasicStroke(i == 0 ? 2.5f : 1.5f));
        }
        plot.setRenderer(renderer);
        try {
            ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new CrucibleException(png + ": cannot write the chart (" + e.getMessage() + ")", e);
        }
    }
}
