package io.jvfio.emulator;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link UserMemory#checkPinnable}, the pin check, on both of its paths: VMA by VMA through
 * PROCMAP_QUERY ({@code query = true}) and through the text of /proc/self/maps (the fallback for
 * hosts before 6.11). Each layout is real memory of this process: mappings made for the test, and
 * libjvm.so's segments for adjacent VMAs with different permissions.
 */
class PinCheckTest {
    private static final long PAGE = Linux.PAGE_SIZE;
    private static final NativeKernel HOST = NativeKernel.instance();

    private final List<MemorySegment> mappings = new ArrayList<>();

    @AfterEach
    void unmapAndRestore() {
        mappings.forEach(HOST::munmap);
        ProcMaps.useQuery = true;
    }

    @Test
    void theHostAnswersProcmapQueryFromLinux611On() {
        Matcher v = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version"));
        assertThat(v.find())
                .as("kernel version in %s", System.getProperty("os.version"))
                .isTrue();
        int version = Integer.parseInt(v.group(1)) * 1000 + Integer.parseInt(v.group(2));
        assertThat(ProcMaps.SELF.hostHasQuery()).isEqualTo(version >= 6011);
    }

    @ParameterizedTest(name = "query={0}")
    @ValueSource(booleans = {true, false})
    void aMappingIsPinnableUpToItsExactEnd(boolean query) {
        ProcMaps.useQuery = query;
        long base = mmapWithUnmappedTail(2, Linux.Prot.READ | Linux.Prot.WRITE);
        long end = base + 2 * PAGE;
        assertPinnable(base, 2 * PAGE, true);
        assertPinnable(end - 1, 1, true);
        assertPinnable(base + 17, 2 * PAGE - 17, false);
        assertThat(errno(() -> UserMemory.checkPinnable(base, 2 * PAGE + 1, false)))
                .isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> UserMemory.checkPinnable(end, 1, false))).isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> UserMemory.checkPinnable(end - 1, 2, true))).isEqualTo(Errno.EFAULT);
        assertPinnable(end, 0, true); // nothing to check
    }

    @ParameterizedTest(name = "query={0}")
    @ValueSource(booleans = {true, false})
    void aGapInTheMiddleIsEfault(boolean query) {
        ProcMaps.useQuery = query;
        MemorySegment m = mmap(3 * PAGE, Linux.Prot.READ | Linux.Prot.WRITE);
        HOST.munmap(m.asSlice(PAGE, PAGE));
        long base = m.address();
        assertPinnable(base, PAGE, true);
        assertPinnable(base + 2 * PAGE, PAGE, true);
        assertThat(errno(() -> UserMemory.checkPinnable(base, 3 * PAGE, false))).isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> UserMemory.checkPinnable(base + PAGE - 1, 2, true)))
                .isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> UserMemory.checkPinnable(base + 2 * PAGE - 1, 2, true)))
                .isEqualTo(Errno.EFAULT);
    }

    @ParameterizedTest(name = "query={0}")
    @ValueSource(booleans = {true, false})
    void protNoneIsEfaultAndReadOnlyIsEfaultOnlyForWrites(boolean query) {
        ProcMaps.useQuery = query;
        long none = mmap(PAGE, Linux.Prot.NONE).address();
        long readOnly = mmap(2 * PAGE, Linux.Prot.READ).address();
        assertThat(errno(() -> UserMemory.checkPinnable(none, PAGE, false))).isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> UserMemory.checkPinnable(none + PAGE - 1, 1, true)))
                .isEqualTo(Errno.EFAULT);
        assertPinnable(readOnly, 2 * PAGE, false);
        assertThat(errno(() -> UserMemory.checkPinnable(readOnly, 2 * PAGE, true)))
                .isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> UserMemory.checkPinnable(readOnly + PAGE, 1, true)))
                .isEqualTo(Errno.EFAULT);
    }

    @ParameterizedTest(name = "query={0}")
    @ValueSource(booleans = {true, false})
    void aRangeSpansAdjacentVmasWithDifferentPermissions(boolean query) throws IOException {
        ProcMaps.useQuery = query;
        List<Vma> lib = libjvm();
        Vma first = lib.getFirst();
        Vma last = lib.getLast();
        // Every segment of the library is readable; the last (its data) alone is writable.
        assertPinnable(first.start(), last.end() - first.start(), false);
        assertPinnable(last.start(), last.end() - last.start(), true);
        assertThat(errno(() -> UserMemory.checkPinnable(first.start(), last.end() - first.start(), true)))
                .isEqualTo(Errno.EFAULT);
        Vma beforeLast = lib.get(lib.size() - 2);
        assertThat(errno(() -> UserMemory.checkPinnable(beforeLast.end() - 1, 2, true)))
                .isEqualTo(Errno.EFAULT);
        assertPinnable(beforeLast.end() - 1, 2, false);
    }

    /** The emulator may run on virtual threads: the query struct stays with the calling thread. */
    @Test
    void theCheckRunsOnAVirtualThread() throws InterruptedException {
        long base = mmapWithUnmappedTail(1, Linux.Prot.READ | Linux.Prot.WRITE);
        Errno[] seen = {Errno.EIO, Errno.EIO};
        Thread.ofVirtual()
                .start(() -> {
                    seen[0] = outcome(base, PAGE, true);
                    seen[1] = outcome(base, PAGE + 1, false);
                })
                .join();
        assertThat(seen).containsExactly(null, Errno.EFAULT);
    }

    /**
     * Both paths give the same answer for seeded random ranges whose ends lie near the boundaries
     * of a layout with every case in it: several adjacent VMAs, a gap, PROT_NONE, read-only.
     */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void queryAndTextAgree(long seed) throws IOException {
        MemorySegment rw = mmap(4 * PAGE, Linux.Prot.READ | Linux.Prot.WRITE);
        HOST.munmap(rw.asSlice(2 * PAGE, PAGE));
        List<Long> bounds = new ArrayList<>();
        for (MemorySegment m : List.of(rw, mmap(PAGE, Linux.Prot.NONE), mmap(2 * PAGE, Linux.Prot.READ))) {
            bounds.add(m.address());
            bounds.add(m.address() + m.byteSize());
        }
        bounds.add(rw.address() + 2 * PAGE);
        bounds.add(rw.address() + 3 * PAGE);
        libjvm().forEach(v -> {
            bounds.add(v.start());
            bounds.add(v.end());
        });
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            long a = bounds.get(random.nextInt(bounds.size())) + random.nextLong(-2 * PAGE, 2 * PAGE);
            long b = bounds.get(random.nextInt(bounds.size())) + random.nextLong(-2 * PAGE, 2 * PAGE);
            long start = Math.min(a, b);
            long length = Math.max(a, b) - start;
            boolean write = random.nextBoolean();
            ProcMaps.useQuery = true;
            Errno byQuery = outcome(start, length, write);
            ProcMaps.useQuery = false;
            Errno byText = outcome(start, length, write);
            assertThat(byQuery)
                    .as("[0x%x, +0x%x) %s", start, length, write ? "write" : "read")
                    .isEqualTo(byText);
        }
    }

    static Stream<Arguments> seeds() {
        return LongStream.of(1, 7, 42, 2026).mapToObj(Arguments::of);
    }

    private static Errno outcome(long start, long length, boolean write) {
        try {
            UserMemory.checkPinnable(start, length, write);
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    private static void assertPinnable(long address, long length, boolean write) {
        assertThatCode(() -> UserMemory.checkPinnable(address, length, write))
                .as("[0x%x, +0x%x) %s", address, length, write ? "write" : "read")
                .doesNotThrowAnyException();
    }

    private MemorySegment mmap(long length, int prot) {
        MemorySegment m = HOST.mmap(length, prot, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        mappings.add(m);
        return m;
    }

    /** {@code pages} pages of {@code prot} memory followed by an unmapped page. */
    private long mmapWithUnmappedTail(int pages, int prot) {
        MemorySegment m = mmap((pages + 1) * PAGE, prot);
        HOST.munmap(m.asSlice(pages * PAGE, PAGE));
        return m.address();
    }

    private record Vma(long start, long end, String perms) {}

    /**
     * The file-backed segments of libjvm.so, which stays loaded and lies in adjacent VMAs: read-only
     * headers and constants, executable text, writable data.
     */
    private static List<Vma> libjvm() throws IOException {
        List<Vma> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.endsWith("/libjvm.so")) {
                String[] f = line.split("\\s+");
                int dash = f[0].indexOf('-');
                out.add(new Vma(
                        Long.parseUnsignedLong(f[0].substring(0, dash), 16),
                        Long.parseUnsignedLong(f[0].substring(dash + 1), 16),
                        f[1]));
            }
        }
        assertThat(out).as("libjvm.so's VMAs").hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).start())
                    .as("libjvm.so's VMAs are adjacent")
                    .isEqualTo(out.get(i - 1).end());
        }
        assertThat(out).extracting(Vma::perms).allMatch(p -> p.startsWith("r"));
        assertThat(out.getLast().perms()).startsWith("rw");
        assertThat(out.subList(0, out.size() - 1)).extracting(Vma::perms).noneMatch(p -> p.startsWith("rw"));
        return out;
    }
}
