package io.jvfio.kernel.nativeimpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Ioctl;
import io.jvfio.abi.Linux;
import io.jvfio.abi.fs.FsIoctl;
import io.jvfio.abi.fs.ProcmapQuery;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What is particular to the native backend: errno capture and call names, the variadic third ioctl
 * argument, /dev/kvm, directory and link calls, provider lookup. The generic file semantics (eventfd,
 * pipe, memfd, poll, blocking on virtual threads) are in the conformance suite, which runs them on
 * this backend too.
 */
class NativeKernelTest {
    private final Kernel k = NativeKernel.instance();
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("expected a failing call");
    }

    @Test
    void failuresCarryErrnoAndTheCall() {
        assertThatThrownBy(() -> k.open("/nonexistent/jvfio", Linux.O.RDONLY))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.call()).isEqualTo("open(/nonexistent/jvfio)");
                });
        int fd = k.open("/dev/null", Linux.O.RDONLY);
        k.close(fd);
        assertThat(errnoOf(() -> k.close(fd))).isEqualTo(Errno.EBADF);
        assertThat(errnoOf(() -> k.read(-1, arena.allocate(8)))).isEqualTo(Errno.EBADF);
        // names are built only on failure, from the call's own arguments
        assertThatThrownBy(() -> k.pread(-1, arena.allocate(8), 0))
                .isInstanceOfSatisfying(
                        ErrnoException.class, e -> assertThat(e.call()).isEqualTo("pread(-1)"));
        assertThatThrownBy(() -> k.ioctl(-1, 0x3b64L, 0L))
                .isInstanceOfSatisfying(
                        ErrnoException.class,
                        e -> assertThat(e.call()).startsWith("ioctl(").endsWith(")"));
    }

    @Test
    void unknownIoctlIsEnottyAndTheThirdArgumentIsPassed() {
        int fd = k.open("/dev/null", Linux.O.RDWR);
        try {
            assertThatThrownBy(() -> k.ioctl(fd, Ioctl.io(';', 0x80), MemorySegment.NULL))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOTTY);
                        assertThat(e.call()).isEqualTo("ioctl(IOMMU_DESTROY)");
                    });
            assertThat(errnoOf(() -> k.ioctl(fd, Ioctl.io(';', 0x65), 1L))).isEqualTo(Errno.ENOTTY);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void kvmAnswersItsApiVersionWhenPresent() {
        assumeTrue(Files.isWritable(Path.of("/dev/kvm")), "/dev/kvm not usable here");
        int fd = k.open("/dev/kvm", Linux.O.RDWR | Linux.O.CLOEXEC);
        try {
            // KVM_GET_API_VERSION = _IO(0xAE, 0x00); the API version has been 12 since 2.6.22.
            assertThat(k.ioctl(fd, Ioctl.io(0xAE, 0x00), 0L)).isEqualTo(12);
        } finally {
            k.close(fd);
        }
    }

    /**
     * PROCMAP_QUERY (Linux 6.11+) from a virtual thread with a struct in that thread's confined
     * arena: the non-blocking ioctl runs on the caller, so the segment is usable as it is; the
     * blocking one hands the call to a platform thread with the bare address, and answers the same.
     */
    @Test
    void procmapQueryRunsOnAVirtualCallerWithItsConfinedStruct() throws Exception {
        int fd = k.open("/proc/self/maps", Linux.O.RDONLY | Linux.O.CLOEXEC);
        MemorySegment mapping =
                k.mmap(2 * Linux.PAGE_SIZE, Linux.Prot.READ, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        NativeKernel nk = NativeKernel.instance();
        try {
            assertThat(errnoOf(() -> nk.ioctlNonBlocking(-1, FsIoctl.PROCMAP_QUERY, MemorySegment.NULL)))
                    .isEqualTo(Errno.EBADF);
            assumeTrue(queryable(fd), "the host kernel predates PROCMAP_QUERY (6.11)");
            long[][] answers = new long[2][];
            Thread t = Thread.ofVirtual().start(() -> {
                try (Arena confined = Arena.ofConfined()) {
                    MemorySegment q = ProcmapQuery.DEF.allocate(confined);
                    ProcmapQuery.SIZE.set(q, ProcmapQuery.DEF.size());
                    ProcmapQuery.QUERY_ADDR.set(q, mapping.address() + Linux.PAGE_SIZE);
                    nk.ioctlNonBlocking(fd, FsIoctl.PROCMAP_QUERY, q);
                    answers[0] = vma(q);
                    ProcmapQuery.VMA_START.set(q, 0);
                    k.ioctl(fd, FsIoctl.PROCMAP_QUERY, q);
                    answers[1] = vma(q);
                }
            });
            t.join();
            long[] expected = {mapping.address(), mapping.address() + mapping.byteSize(), ProcmapQuery.VMA_READABLE};
            assertThat(answers[0]).as("by ioctlNonBlocking").containsExactly(expected);
            assertThat(answers[1]).as("by ioctl").containsExactly(expected);
        } finally {
            k.munmap(mapping);
            k.close(fd);
        }
    }

    private boolean queryable(int mapsFd) {
        MemorySegment q = ProcmapQuery.DEF.allocate(arena);
        ProcmapQuery.SIZE.set(q, ProcmapQuery.DEF.size());
        Errno e = errnoOf(() -> NativeKernel.instance().ioctlNonBlocking(mapsFd, FsIoctl.PROCMAP_QUERY, q));
        return e == Errno.ENOENT;
    }

    private static long[] vma(MemorySegment q) {
        return new long[] {ProcmapQuery.VMA_START.get(q), ProcmapQuery.VMA_END.get(q), ProcmapQuery.VMA_FLAGS.get(q)};
    }

    @Test
    void directoriesAndLinksAreListed() {
        assertThat(k.listDirectory("/proc/self")).contains("maps", "fd");
        assertThat(k.readlink("/proc/self/exe")).contains("java");
        assertThat(errnoOf(() -> k.listDirectory("/nonexistent/jvfio"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> k.readlink("/proc/self/maps"))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void nativeProviderIsFoundByName() {
        KernelProvider p = KernelProvider.named("native");
        assertThat(p.open()).isSameAs(k);
        assertThatThrownBy(() -> KernelProvider.named("bogus"))
                .hasMessageContaining("no backend 'bogus'")
                .hasMessageContaining("native");
    }
}
