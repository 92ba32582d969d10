package io.jvfio.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No Java exception but ErrnoException escapes the emulated kernel: every ioctl request the ABI
 * knows (and some it does not), read, write, pread, pwrite and mmap, with random and malformed
 * arguments (NULL, unmapped, random bytes with random sizes, integers), at an fd of every file type
 * of a machine with edu and NVMe on vfio-pci and the iommufd selftest.
 */
class MalformedArgumentsTest {
    private static final long PAGE = Linux.PAGE_SIZE;
    private static final int TRIALS = 6;

    private final List<String> failures = new ArrayList<>();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    @DisplayName("random and malformed arguments at every file type give an errno, never another exception")
    void onlyErrnos(long seed) {
        TestMachine m = TestMachine.on(
                EmulatedKernel.create(EmulatorConfig.defaults().withIommufdTest(true), new DefaultPlatform()));
        EmulatedKernel k = m.kernel;
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Integer> files = openEveryKind(m);
        List<Long> requests = requests(r);
        // Random bytes behind a guard page: a struct that runs past them faults.
        MemorySegment area =
                k.mmap(3 * PAGE, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        k.munmap(area.asSlice(2 * PAGE, PAGE));
        MemorySegment bytes = area.asSlice(0, 2 * PAGE);
        long unmapped = area.address() + 2 * PAGE;
        for (Map.Entry<String, Integer> f : files.entrySet()) {
            int fd = f.getValue();
            for (long request : requests) {
                for (int t = 0; t < TRIALS; t++) {
                    randomize(bytes, r, request);
                    int how = r.nextInt(4);
                    call(f.getKey() + " ioctl " + Long.toHexString(request) + " arg#" + how, () -> {
                        switch (how) {
                            case 0 -> k.ioctl(fd, request, MemorySegment.NULL);
                            case 1 -> k.ioctl(fd, request, unmapped);
                            case 2 -> k.ioctl(fd, request, r.nextLong());
                            default -> k.ioctl(fd, request, bytes.asSlice(r.nextInt((int) PAGE) & ~7));
                        }
                    });
                }
            }
            for (int t = 0; t < 4 * TRIALS; t++) {
                long offset = offset(r);
                MemorySegment buf = bytes.asSlice(0, 1 + r.nextInt((int) PAGE));
                call(f.getKey() + " read", () -> k.read(fd, buf));
                call(f.getKey() + " write", () -> k.write(fd, buf));
                call(f.getKey() + " pread " + Long.toHexString(offset), () -> k.pread(fd, buf, offset));
                call(f.getKey() + " pwrite " + Long.toHexString(offset), () -> k.pwrite(fd, buf, offset));
                long length = new long[] {0, PAGE, 2 * PAGE, 1, -PAGE}[r.nextInt(5)];
                int prot = r.nextInt(8);
                int flags = r.nextBoolean() ? Linux.Map.SHARED : Linux.Map.PRIVATE;
                call(f.getKey() + " mmap " + Long.toHexString(offset), () -> {
                    MemorySegment mapping = k.mmap(length, prot, flags, fd, offset);
                    k.munmap(mapping);
                });
            }
        }
        assertThat(failures).isEmpty();
    }

    private void call(String what, Runnable op) {
        try {
            op.run();
        } catch (ErrnoException e) {
            // The kernel's answer.
        } catch (RuntimeException | Error e) {
            if (failures.size() < 20) {
                failures.add(what + ": " + e);
            }
        }
    }

    /** One fd of each emulated file type, in the state where its ioctls do the most. */
    private static Map<String, Integer> openEveryKind(TestMachine m) {
        EmulatedKernel k = m.kernel;
        Map<String, Integer> files = new LinkedHashMap<>();
        TestMachine.Iommufd iommufd = m.openIommufd();
        files.put("iommufd", iommufd.fd);
        int ioas = iommufd.ioasAlloc();
        MemorySegment buf = iommufd.buffer(4 * PAGE);
        iommufd.mapFixed(ioas, buf.address(), 4 * PAGE, IommufdTestConst.MOCK_APERTURE_START);
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN, ioas);
        iommufd.ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_CREATE_ACCESS, ioas);
        IommuTestCmd.CreateAccess.FLAGS.set(c, IommufdTestConst.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
        iommufd.ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        files.put("selftest access", IommuTestCmd.CreateAccess.OUT_ACCESS_FD.get(c));
        files.put("fault queue", iommufd.faultAlloc()[1]);
        c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_GET, 0);
        IommuTestCmd.DmabufGet.LENGTH.set(c, (int) PAGE);
        files.put("dma-buf", (int) iommufd.ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c));
        files.put("container", k.open("/dev/vfio/vfio", Linux.O.RDWR));
        m.bindToVfio(TestMachine.EDU);
        m.bindToVfio("0000:00:05.0");
        String group = k.readlink("/sys/bus/pci/devices/" + TestMachine.EDU + "/iommu_group");
        files.put("group", k.open("/dev/vfio/" + group.substring(group.lastIndexOf('/') + 1), Linux.O.RDWR));
        TestMachine.Iommufd second = m.openIommufd();
        int nvme = m.openBound(m.cdev("0000:00:05.0"), second.fd);
        m.attach(nvme, second.ioasAlloc());
        files.put("vfio device cdev (NVMe)", nvme);
        files.put("vfio device cdev (edu, unbound)", k.open(m.cdev(TestMachine.EDU), Linux.O.RDWR));
        files.put("/dev/null", k.open("/dev/null", Linux.O.RDWR));
        files.put("eventfd", k.eventfd(0, Linux.Efd.NONBLOCK));
        int[] pipe = k.pipe(Linux.O.NONBLOCK);
        files.put("pipe read end", pipe[0]);
        files.put("pipe write end", pipe[1]);
        int memfd = k.memfd("malformed", 0);
        k.ftruncate(memfd, 2 * PAGE);
        files.put("memfd", memfd);
        int kvm = k.open("/dev/kvm", Linux.O.RDWR);
        files.put("kvm", kvm);
        files.put("kvm vm", (int) k.ioctl(kvm, KvmIoctl.KVM_CREATE_VM, 0));
        return files;
    }

    private static MemorySegment testCmd(int op, int id) {
        MemorySegment c = IommuTestCmd.DEF.allocate(Arena.ofAuto());
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, op);
        IommuTestCmd.ID.set(c, id);
        return c;
    }

    /** Every request number of the ABI classes, and a few nobody defines. */
    private static List<Long> requests(SplittableRandom r) {
        List<Long> out = new ArrayList<>();
        for (Class<?> c : List.of(IommufdIoctl.class, VfioIoctl.class, KvmIoctl.class)) {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
                    try {
                        out.add(f.getLong(null));
                    } catch (IllegalAccessException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
        for (int i = 0; i < 4; i++) {
            out.add(r.nextLong() & 0xffffffffL);
        }
        return out;
    }

    /** Random bytes, with a plausible size/argsz first word and, for IOMMU_TEST_CMD, a known op. */
    private static void randomize(MemorySegment bytes, SplittableRandom r, long request) {
        for (long i = 0; i < 512; i += 8) {
            bytes.set(ValueLayout.JAVA_LONG, i, r.nextInt(4) == 0 ? 0 : r.nextLong());
        }
        int[] sizes = {0, 4, 8, 16, 24, 32, 48, 64, 88, 200, 4096, -1};
        bytes.set(ValueLayout.JAVA_INT, 0, sizes[r.nextInt(sizes.length)]);
        if (request == IommufdTestIoctl.IOMMU_TEST_CMD) {
            bytes.set(ValueLayout.JAVA_INT, 4, r.nextInt(32));
        }
    }

    /** A file offset: small, a VFIO region's, or wild. */
    private static long offset(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(4) * PAGE;
            case 1 -> ((long) r.nextInt(10) << 40) + r.nextInt(0x100);
            case 2 -> r.nextLong();
            default -> r.nextInt(0x1000);
        };
    }
}
