package io.jvfio.emulator;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The emulated kernel's base: VFS registration, fd table, files, poll wake-ups (emulator-only views). */
class EmulatedKernelTest {
    @Test
    void vfsRegistersNodesLinksAndDirectories() {
        EmulatedKernel k = EmulatedKernel.create();
        AtomicInteger released = new AtomicInteger();
        k.vfs().register("/sys/devices/pci0000:00/0000:00:01.0/vendor", (kernel, flags) -> new OpenFile(flags) {
            @Override
            protected void release() {
                released.incrementAndGet();
            }
        });
        k.vfs().symlink("/sys/bus/pci/devices/0000:00:01.0", "../../../devices/pci0000:00/0000:00:01.0");
        assertThat(k.listDirectory("/sys/bus/pci/devices")).containsExactly("0000:00:01.0");
        assertThat(k.listDirectory("/sys/bus/pci/devices/0000:00:01.0")).containsExactly("vendor");
        assertThat(k.readlink("/sys/bus/pci/devices/0000:00:01.0"))
                .isEqualTo("../../../devices/pci0000:00/0000:00:01.0");
        assertThat(k.listDirectory("/dev")).contains("iommu", "null");
        int fd = k.open("/sys/bus/pci/devices/0000:00:01.0/vendor", Linux.O.RDONLY);
        k.close(fd);
        assertThat(released).hasValue(1);
        assertThat(errno(() -> k.readlink("/dev/iommu"))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.readlink("/dev/none"))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> k.listDirectory("/dev/iommu"))).isEqualTo(Errno.ENOTDIR);
        assertThat(errno(() -> k.open("/dev", Linux.O.RDONLY))).isEqualTo(Errno.EISDIR);
        assertThat(errno(() -> k.vfs().register("/dev/iommu", (kernel, flags) -> null)))
                .isEqualTo(Errno.EEXIST);
        k.vfs().symlink("/loop/a", "b");
        k.vfs().symlink("/loop/b", "a");
        assertThat(errno(() -> k.open("/loop/a", Linux.O.RDONLY))).isEqualTo(Errno.ELOOP);
        k.vfs().unregister("/loop/a");
        assertThat(errno(() -> k.open("/loop/b", Linux.O.RDONLY))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void fdsAreLowestFreeAndFilesReleaseOnLastReference() {
        EmulatedKernel k = EmulatedKernel.create();
        int a = k.open("/dev/null", Linux.O.RDWR);
        int b = k.open("/dev/null", Linux.O.RDWR);
        assertThat(b).isEqualTo(a + 1);
        k.close(a);
        assertThat(k.eventfd(0, 0)).isEqualTo(a);
        OpenFile f = k.fget(b);
        k.close(b);
        // The file outlives its fd while the kernel holds a reference.
        assertThat(f.write(MemorySegment.ofArray(new byte[3]))).isEqualTo(3);
        f.put();
        assertThat(errno(() -> k.close(b))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> k.eventfd(0, 0x40))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void eventfdSignalFromJavaWakesPoll() throws Exception {
        EmulatedKernel k = EmulatedKernel.create();
        int fd = k.eventfd(0, 0);
        EventFdFile efd = (EventFdFile) k.fget(fd);
        CompletableFuture<short[]> poller = CompletableFuture.supplyAsync(
                () -> k.poll(List.of(new PollFd(fd, Linux.Poll.IN)), 10_000),
                r -> Thread.ofPlatform().start(r));
        Thread.sleep(50);
        assertThat(poller).isNotDone();
        efd.signal();
        efd.signal();
        assertThat(poller.get(10, TimeUnit.SECONDS)).containsExactly(Linux.Poll.IN);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(8);
            k.read(fd, v);
            assertThat(v.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(2);
        }
        efd.put();
        k.close(fd);
        assertThat(k.poll(List.of(new PollFd(fd, Linux.Poll.IN)), 0)).containsExactly(Linux.Poll.NVAL);
    }

    @Test
    void eventfdWriteBlocksNearOverflow() {
        EmulatedKernel k = EmulatedKernel.create();
        int fd = k.eventfd(0, Linux.Efd.NONBLOCK);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(8);
            v.set(ValueLayout.JAVA_LONG, 0, -2L);
            k.write(fd, v);
            assertThat(k.poll(List.of(new PollFd(fd, (short) (Linux.Poll.IN | Linux.Poll.OUT))), 0))
                    .containsExactly(Linux.Poll.IN);
            v.set(ValueLayout.JAVA_LONG, 0, 1);
            assertThat(errno(() -> k.write(fd, v))).isEqualTo(Errno.EAGAIN);
            // A bad user buffer is EFAULT, not a crash.
            MemorySegment bad = MemorySegment.ofAddress(8).reinterpret(8);
            assertThat(errno(() -> k.read(fd, bad))).isEqualTo(Errno.EFAULT);
        }
    }

    @Test
    void fcntlStatusFlagsAreTheFilesAndNonblockReachesIt() {
        EmulatedKernel k = EmulatedKernel.create();
        // What Linux 7.2 reports: O_LARGEFILE added by open, O_CLOEXEC and O_TRUNC not kept.
        int dev = k.open("/dev/null", Linux.O.RDWR | Linux.O.CLOEXEC | Linux.O.TRUNC);
        assertThat(k.fcntl(dev, Linux.F.GETFL, 0)).isEqualTo(Linux.O.RDWR | Linux.O.LARGEFILE);
        assertThat(errno(() -> k.fcntl(dev, Linux.F.SETFL, Linux.O.DIRECT))).isEqualTo(Errno.EINVAL);
        // Only the changeable flags change: the access mode stays.
        k.fcntl(dev, Linux.F.SETFL, Linux.O.NONBLOCK | Linux.O.WRONLY);
        assertThat(k.fcntl(dev, Linux.F.GETFL, 0)).isEqualTo(Linux.O.RDWR | Linux.O.LARGEFILE | Linux.O.NONBLOCK);
        int efd = k.eventfd(0, 0);
        assertThat(k.fcntl(efd, Linux.F.GETFL, 0)).isEqualTo(Linux.O.RDWR);
        k.fcntl(efd, Linux.F.SETFL, Linux.O.NONBLOCK);
        try (Arena a = Arena.ofConfined()) {
            assertThat(errno(() -> k.read(efd, a.allocate(8)))).isEqualTo(Errno.EAGAIN);
        }
        assertThat(errno(() -> k.fcntl(efd, 1, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.fcntl(99, Linux.F.GETFL, 0))).isEqualTo(Errno.EBADF);
    }

    @Test
    void statShowsDeviceNumbersAsSysfsDoes() {
        EmulatedKernel k = EmulatedKernel.create();
        FileStat iommu = new FileStat(FileStat.S_IFCHR | 0660, FileStat.makedev(10, 256), 0);
        assertThat(k.vfs().getattr("/dev/iommu", true)).isEqualTo(iommu);
        int fd = k.open("/dev/iommu", Linux.O.RDWR);
        assertThat(k.fstat(fd)).isEqualTo(iommu);
        k.close(fd);
        assertThat(errno(() -> k.fstat(fd))).isEqualTo(Errno.EBADF);
        assertThat(k.vfs().getattr("/dev/vfio/vfio", true))
                .isEqualTo(new FileStat(FileStat.S_IFCHR | 0666, FileStat.makedev(10, 196), 0));
        int dev = k.open("/sys/class/misc/iommu/dev", Linux.O.RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(16);
            long n = k.read(dev, b);
            assertThat(new String(b.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo("10:256\n");
            assertThat(k.fstat(dev)).isEqualTo(new FileStat(FileStat.S_IFREG | 0444, 0, 4096));
        } finally {
            k.close(dev);
        }
        assertThat(k.vfs().getattr("/sys/class/misc/iommu", false))
                .isEqualTo(new FileStat(FileStat.S_IFLNK | 0777, 0, "../../devices/virtual/misc/iommu".length()));
        assertThat(k.vfs().getattr("/sys/class/misc/iommu", true))
                .isEqualTo(new FileStat(FileStat.S_IFDIR | 0755, 0, 0));
        assertThat(k.fstat(k.eventfd(0, 0))).isEqualTo(new FileStat(0600, 0, 0));
    }

    @Test
    void pipeWithoutReaderIsEpipe() {
        EmulatedKernel k = EmulatedKernel.create();
        int[] p = k.pipe(Linux.O.NONBLOCK);
        k.close(p[0]);
        assertThat(errno(() -> k.write(p[1], MemorySegment.ofArray(new byte[4]))))
                .isEqualTo(Errno.EPIPE);
        assertThat(errno(() -> k.read(p[1], MemorySegment.ofArray(new byte[4]))))
                .isEqualTo(Errno.EBADF);
        k.close(p[1]);
    }

    @Test
    void processesHaveTheirOwnCounters() {
        EmulatedKernel k = EmulatedKernel.create(EmulatorConfig.defaults().withRlimitMemlock(1 << 20));
        Task other = k.newProcess();
        assertThat(other.mm()).isNotSameAs(k.initTask().mm());
        assertThat(other.user()).isSameAs(k.initTask().user());
        assertThat(k.callAs(other, k::currentTask)).isSameAs(other);
        assertThat(k.currentTask()).isSameAs(k.initTask());
        assertThat(other.mm().chargeLocked(256, 256)).isTrue();
        assertThat(other.mm().chargeLocked(1, 256)).isFalse();
    }
}
