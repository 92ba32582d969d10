package io.jvfio.conformance.boundary;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Ioctl;
import io.jvfio.abi.Linux;
import io.jvfio.conformance.Conformance;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The generic file system calls on the boundary (eventfd, pipe, memfd, /dev/null, poll): every
 * backend must give the results and errno Linux gives. These run on the native backend on any
 * machine, so they pin the emulation to the real kernel.
 */
@Conformance
class FileSyscallsTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    @Test
    void devNullSwallowsWritesAndReadsEndOfFile(Kernel k) {
        int fd = k.open("/dev/null", Linux.O.RDWR);
        try {
            MemorySegment buf = arena.allocateFrom("jvfio", StandardCharsets.US_ASCII);
            assertThat(k.write(fd, buf)).isEqualTo(buf.byteSize());
            assertThat(k.read(fd, arena.allocate(16))).isZero();
            assertThat(errno(() -> k.ioctl(fd, Ioctl.io(';', 0x80), MemorySegment.NULL)))
                    .isEqualTo(Errno.ENOTTY);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void fstatTellsTheKindsOfFileApart(Kernel k) {
        int nul = k.open("/dev/null", Linux.O.RDONLY);
        int efd = k.eventfd(0, 0);
        int[] p = k.pipe(0);
        int memfd = k.memfd("jvfio-stat", 0);
        try {
            assertThat(k.fstat(nul)).isEqualTo(new FileStat(FileStat.S_IFCHR | 0666, FileStat.makedev(1, 3), 0));
            assertThat(k.fstat(efd)).isEqualTo(new FileStat(0600, 0, 0));
            assertThat(k.fstat(p[0]).mode()).isEqualTo(FileStat.S_IFIFO | 0600);
            k.ftruncate(memfd, 8192);
            assertThat(k.fstat(memfd)).isEqualTo(new FileStat(FileStat.S_IFREG | 0777, 0, 8192));
        } finally {
            k.close(nul);
            k.close(efd);
            k.close(p[0]);
            k.close(p[1]);
            k.close(memfd);
        }
        assertThat(errno(() -> k.fstat(nul))).isEqualTo(Errno.EBADF);
    }

    @Test
    void badPathsAndFdsGiveLinuxErrno(Kernel k) {
        assertThatThrownBy(() -> k.open("/nonexistent/jvfio", Linux.O.RDONLY))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.call()).contains("/nonexistent/jvfio");
                });
        int fd = k.open("/dev/null", Linux.O.RDONLY);
        k.close(fd);
        assertThat(errno(() -> k.close(fd))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> k.read(-1, arena.allocate(8)))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> k.ioctl(-1, Ioctl.io(';', 0x80), 0L))).isEqualTo(Errno.EBADF);
    }

    @Test
    void eventfdAddsWritesAndResetsOnRead(Kernel k) {
        int fd = k.eventfd(0, Linux.Efd.NONBLOCK);
        try {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            assertThat(errno(() -> k.read(fd, v))).isEqualTo(Errno.EAGAIN);
            v.set(ValueLayout.JAVA_LONG, 0, 3);
            assertThat(k.write(fd, v)).isEqualTo(8);
            assertThat(k.write(fd, v)).isEqualTo(8);
            assertThat(k.read(fd, v)).isEqualTo(8);
            assertThat(v.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(6);
            assertThat(errno(() -> k.read(fd, v))).isEqualTo(Errno.EAGAIN);
            assertThat(errno(() -> k.write(fd, arena.allocate(4)))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> k.read(fd, arena.allocate(4)))).isEqualTo(Errno.EINVAL);
            v.set(ValueLayout.JAVA_LONG, 0, -1L);
            assertThat(errno(() -> k.write(fd, v))).isEqualTo(Errno.EINVAL);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void eventfdSemaphoreReadsOneAtATime(Kernel k) {
        int fd = k.eventfd(2, Linux.Efd.SEMAPHORE | Linux.Efd.NONBLOCK);
        try {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            k.read(fd, v);
            assertThat(v.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(1);
            k.read(fd, v);
            assertThat(v.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(1);
            assertThat(errno(() -> k.read(fd, v))).isEqualTo(Errno.EAGAIN);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void pollReportsReadinessAndTimesOut(Kernel k) {
        int efd = k.eventfd(0, 0);
        int[] p = k.pipe(0);
        try {
            List<PollFd> fds = List.of(new PollFd(efd, Linux.Poll.IN), new PollFd(p[0], Linux.Poll.IN));
            assertThat(k.poll(fds, 0)).containsExactly((short) 0, (short) 0);
            k.write(p[1], arena.allocateFrom("hello", StandardCharsets.US_ASCII));
            assertThat(k.poll(fds, 1000)).containsExactly((short) 0, Linux.Poll.IN);
            MemorySegment in = arena.allocate(16);
            assertThat(k.read(p[0], in)).isEqualTo(6);
            assertThat(in.getString(0, StandardCharsets.US_ASCII)).isEqualTo("hello");
            k.close(p[1]);
            p[1] = -1;
            assertThat(k.poll(List.of(new PollFd(p[0], Linux.Poll.IN)), 1000)[0] & Linux.Poll.HUP)
                    .isEqualTo(Linux.Poll.HUP);
            assertThat(k.read(p[0], in)).isZero();
            assertThat(k.poll(List.of(new PollFd(efd, Linux.Poll.OUT)), 0)).containsExactly(Linux.Poll.OUT);
        } finally {
            k.close(efd);
            k.close(p[0]);
            if (p[1] >= 0) {
                k.close(p[1]);
            }
        }
    }

    @Test
    void blockedReaderWakesWhenAnotherThreadWrites(Kernel k) throws Exception {
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
    void memfdMappingSharesBytesWithPreadAndPwrite(Kernel k) {
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
            assertThat(k.pread(fd, buf, 8192)).isZero();
            k.munmap(map);
            assertThat(errno(() -> k.mmap(0, Linux.Prot.READ, Linux.Map.SHARED, fd, 0)))
                    .isEqualTo(Errno.EINVAL);
        } finally {
            k.close(fd);
        }
    }

    @Test
    void anonymousMappingIsZeroedMemory(Kernel k) {
        MemorySegment m = k.mmap(
                3 * Linux.PAGE_SIZE,
                Linux.Prot.READ | Linux.Prot.WRITE,
                Linux.Map.PRIVATE | Linux.Map.ANONYMOUS,
                -1,
                0);
        try {
            assertThat(m.address() % Linux.PAGE_SIZE).isZero();
            assertThat(m.get(ValueLayout.JAVA_LONG, 2 * Linux.PAGE_SIZE)).isZero();
            m.set(ValueLayout.JAVA_LONG, 2 * Linux.PAGE_SIZE, 5);
            assertThat(m.get(ValueLayout.JAVA_LONG, 2 * Linux.PAGE_SIZE)).isEqualTo(5);
        } finally {
            k.munmap(m);
        }
    }
}
