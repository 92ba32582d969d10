package io.jvfio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The benchmarks' pictures: line charts written as PNG under one directory (bench/target/plots
 * unless {@code -Djvfio.plots=DIR}), each beside the table it repeats. Headless: no display is
 * needed.
 */
final class Plots {
    static final Path DIR = Path.of(System.getProperty("jvfio.plots", "bench/target/plots"));

    private final String title;
    private final String x;
    private final String y;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();
    private boolean logX;

    Plots(String title, String x, String y) {
        this.title = title;
        this.x = x;
        this.y = y;
    }

    /** A logarithmic x axis (transfer sizes from 64 bytes to 2 MiB). */
    Plots logX() {
        logX = true;
        return this;
    }

    Plots add(String line, double px, double py) {
        series.computeIfAbsent(line, XYSeries::new).add(px, py);
        return this;
    }

    /** Writes DIR/NAME.png and returns its path. */
    Path write(String name) {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart chart =
                ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
        if (logX) {
            LogAxis axis = new LogAxis(x);
            axis.setBase(2);
            chart.getXYPlot().setDomainAxis(axis);
        }
        Path file = DIR.resolve(name + ".png");
        try {
            Files.createDirectories(DIR);
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 500);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
