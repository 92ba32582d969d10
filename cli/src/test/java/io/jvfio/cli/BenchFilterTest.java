package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** jvfio bench without -v: one progress line per benchmark, then the jar's ratio tables. */
class BenchFilterTest {
    @Test
    void keepsProgressAndResultsOnly() {
        StringWriter text = new StringWriter();
        BenchCommand.Filter f = new BenchCommand.Filter(new PrintWriter(text, true));
        List.of(
                        "WARNING: sun.misc.Unsafe::objectFieldOffset has been called",
                        "# JMH version: 1.37",
                        "# Benchmark: io.jvfio.bench.IommufdBenchmarks.MapUnmap.mapUnmap",
                        "# Parameters: (size = 4096)",
                        "# Warmup Iteration   1: 1234 ns/op",
                        "Iteration   1: 1200 ns/op",
                        "Benchmark   (size)  Mode  Cnt  Score",
                        "benchmark                        params                    ns/op   x baseline",
                        "MapUnmap.mapUnmap                size=4096                397299         4.75",
                        "WARNING: late",
                        "java 25.0.3, 2 cpus")
                .forEach(f::accept);
        assertThat(text.toString().lines().toList())
                .containsExactly(
                        "  IommufdBenchmarks.MapUnmap.mapUnmap (size = 4096)",
                        "",
                        "benchmark                        params                    ns/op   x baseline",
                        "MapUnmap.mapUnmap                size=4096                397299         4.75",
                        "java 25.0.3, 2 cpus");
    }
}
