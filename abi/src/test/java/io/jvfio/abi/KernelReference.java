package io.jvfio.abi;

import io.jvfio.abi.catalog.AbiStructs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the Linux 7.2 reference lives: {@code $JVFIO_REF_CACHE} or {@code ~/.cache/jvfio-reference},
 * filled on demand by {@code shared/tools/kernel-reference} (beside the repository, as CI clones it).
 * Fails loudly when it cannot be had: an ABI test that skips would prove nothing.
 */
final class KernelReference {
    private static final String SOURCE_DIR = "linux-source-7.2";
    private static final String SELFTEST_DIR = "drivers/iommu/iommufd";

    private KernelReference() {}

    /** The uAPI include directory ({@code include/linux/iommufd.h} inside). */
    static Path includeDir() {
        Path cache = cacheDir();
        if (!Files.isRegularFile(cache.resolve("include/linux/iommufd.h"))) {
            cache = runTool("headers");
        }
        Path include = cache.resolve("include");
        if (!Files.isRegularFile(include.resolve("linux/iommufd.h"))) {
            throw new IllegalStateException("no Linux 7.2 uAPI headers in " + include);
        }
        return include;
    }

    /** The root of the Linux 7.2 source tree. */
    static Path sourceDir() {
        Path dir = cacheDir().resolve(SOURCE_DIR);
        if (!Files.isRegularFile(dir.resolve(SELFTEST_DIR).resolve("iommufd_test.h"))) {
            dir = runTool("source").resolve(SOURCE_DIR);
        }
        if (!Files.isRegularFile(dir.resolve(SELFTEST_DIR).resolve("iommufd_test.h"))) {
            throw new IllegalStateException("no Linux 7.2 source tree (iommufd_test.h) in " + dir);
        }
        return dir;
    }

    /** The kernel-tree directory holding {@code iommufd_test.h}, which is not an installed header. */
    static Path selftestDir() {
        return sourceDir().resolve(SELFTEST_DIR);
    }

    static Path header(AbiStructs.Header header) {
        String name = header.include().replaceAll("[<>\"]", "");
        return header == AbiStructs.Header.IOMMUFD_TEST
                ? selftestDir().resolve(name)
                : includeDir().resolve(name);
    }

    private static Path cacheDir() {
        String env = System.getenv("JVFIO_REF_CACHE");
        return env != null && !env.isEmpty()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "jvfio-reference");
    }

    /** Runs {@code ../shared/tools/kernel-reference what} from the repository root; returns the cache it prints. */
    private static Path runTool(String what) {
        Path tool = repositoryRoot().resolveSibling("shared/tools/kernel-reference");
        if (!Files.isExecutable(tool)) {
            throw new IllegalStateException("Linux 7.2 reference missing from " + cacheDir() + " and no " + tool
                    + " to fetch it; set JVFIO_REF_CACHE or run kernel-reference " + what);
        }
        try {
            Process p = new ProcessBuilder(tool.toString(), what)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(tool + " " + what + " failed: " + out);
            }
            List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
            return Path.of(lines.getLast().trim());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + tool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + tool, e);
        }
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "not inside the repository: " + Path.of("").toAbsolutePath());
    }
}
