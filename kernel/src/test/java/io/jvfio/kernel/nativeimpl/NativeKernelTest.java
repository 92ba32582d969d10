package io.jvfio.kernel.nativeimpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Ioctl;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The native backend against fds every Linux machine has: results and errno are the kernel's. */
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
    void devNullAcceptsWritesAndReadsEmpty() {
        int fd = k.open("/dev/null", Linux.O.RDWR);
        try {
            MemorySegment buf = arena.allocateFrom("jvfio", StandardCharsets.US_ASCII);
            assertThat(k.write(fd, buf)).isEqualTo(buf.byteSize());
            assertThat(k.read(fd, arena.allocate(16))).isZero();
        } finally {
            k.close(fd);
        }
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
    void eventfdCountsAndRefusesShortBuffers() {
        int fd = k.eventfd(0, Linux.Efd.NONBLOCK);
        try {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            assertThat(errnoOf(() -> k.read(fd, v))).isEqualTo(Errno.EAGAIN);
            v.set(ValueLayout.JAVA_LONG, 0, 3);
            assertThat(k.write(fd, v)).isEqualTo(8);
            assertThat(k.write(fd, v)).isEqualTo(8);
            assertThat(k.read(fd, v)).isEqualTo(8);
            assertThat(v.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(6);
            assertThat(errnoOf(() -> k.write(fd, arena.allocate(4)))).isEqualTo(Errno.EINVAL);
            assertThat(errnoOf(() -> k.read(fd, arena.allocate(4)))).isEqualTo(Errno.EINVAL);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void pipeCarriesBytesAndPollSeesThem() {
        int[] p = k.pipe(Linux.O.CLOEXEC);
        try {
            List<PollFd> readable = List.of(new PollFd(p[0], Linux.Poll.IN));
            assertThat(k.poll(readable, 0)).containsExactly((short) 0);
            k.write(p[1], arena.allocateFrom("hello", StandardCharsets.US_ASCII));
            assertThat(k.poll(readable, 1000)[0] & Linux.Poll.IN).isEqualTo(Linux.Poll.IN);
            MemorySegment in = arena.allocate(16);
            long n = k.read(p[0], in);
            assertThat(new String(in.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo("hello\0");
        } finally {
            k.close(p[0]);
            k.close(p[1]);
        }
    }

    @Test
    void memfdMappingSharesBytesWithPreadAndPwrite() {
        int fd = k.memfd("jvfio-test", Linux.Mfd.CLOEXEC);
        try {
            k.ftruncate(fd, 8192);
            MemorySegment map = k.mmap(8192, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.SHARED, fd, 0);
            assertThat(map.byteSize()).isEqualTo(8192);
            map.set(ValueLayout.JAVA_LONG, 4096, 0x1122334455667788L);
            MemorySegment buf = arena.allocate(8);
            assertThat(k.pread(fd, buf, 4096)).isEqualTo(8);
            assertThat(buf.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x1122334455667788L);
            buf.set(ValueLayout.JAVA_LONG, 0, 42);
            assertThat(k.pwrite(fd, buf, 16)).isEqualTo(8);
            assertThat(map.get(ValueLayout.JAVA_LONG, 16)).isEqualTo(42);
            k.munmap(map);
            assertThat(errnoOf(() -> k.mmap(0, Linux.Prot.READ, Linux.Map.SHARED, fd, 0)))
                    .isEqualTo(Errno.EINVAL);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void blockingReadOnAVirtualThreadCompletesWhenWritten() throws Exception {
        int fd = k.eventfd(0, 0);
        try {
            CompletableFuture<Long> reader = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment v = a.allocate(ValueLayout.JAVA_LONG);
                    k.read(fd, v);
                    reader.complete(v.get(ValueLayout.JAVA_LONG, 0));
                } catch (RuntimeException e) {
                    reader.completeExceptionally(e);
                }
            });
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            v.set(ValueLayout.JAVA_LONG, 0, 7);
            k.write(fd, v);
            assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(7);
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
