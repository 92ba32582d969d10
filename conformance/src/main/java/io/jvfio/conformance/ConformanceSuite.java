package io.jvfio.conformance;

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs every conformance test on one backend outside Maven (the {@code jvfio conformance} command
 * and the VM stage): one line per test as it finishes, the failures' reasons, and a last line {@code
 * N passed, M failed, K skipped}.
 */
public final class ConformanceSuite {
    /** The counts of one run. */
    public record Result(long passed, long failed, long skipped, Duration elapsed) {
        public String summary() {
            return passed + " passed, " + failed + " failed, " + skipped + " skipped";
        }
    }

    private ConformanceSuite() {}

    /**
     * Runs the suite, or only the test classes whose fully qualified name matches {@code
     * classPattern} (a regular expression, e.g. {@code .*Dmabuf.*}), when it is not null.
     */
    public static Result run(String backend, String classPattern, boolean verbose, PrintWriter out) {
        System.setProperty(Backend.PROPERTY, backend);
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage(ConformanceSuite.class.getPackageName()));
        if (classPattern != null) {
            builder.filters(includeClassNamePatterns(classPattern));
        }
        LauncherDiscoveryRequest request = builder.build();
        AtomicLong passed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) {
                    skipped.incrementAndGet();
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    return;
                }
                String name = describe(id);
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        passed.incrementAndGet();
                        if (verbose) {
                            out.println("  ok    " + name);
                        }
                    }
                    case ABORTED -> {
                        skipped.incrementAndGet();
                        if (verbose) {
                            out.println("  skip  " + name + ": " + reason(result));
                        }
                    }
                    case FAILED -> {
                        failed.incrementAndGet();
                        out.println("  FAIL  " + name);
                        failures.add(name + "\n      " + reason(result));
                    }
                }
                out.flush();
            }
        };
        LauncherFactory.create().execute(request, listener);
        if (!failures.isEmpty()) {
            out.println();
            out.println("Failures:");
            failures.forEach(f -> out.println("  " + f));
        }
        return new Result(passed.get(), failed.get(), skipped.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    private static String describe(TestIdentifier id) {
        String source = id.getSource().map(Object::toString).orElse("");
        int cls = source.indexOf("className = '");
        if (cls >= 0) {
            String rest = source.substring(cls + 13);
            String className = rest.substring(0, rest.indexOf('\''));
            return className.substring(className.lastIndexOf('.') + 1) + "." + id.getDisplayName();
        }
        return id.getDisplayName();
    }

    private static String reason(TestExecutionResult result) {
        return result.getThrowable()
                .map(t -> t.getClass().getSimpleName() + ": "
                        + String.valueOf(t.getMessage()).strip())
                .orElse("");
    }
}
