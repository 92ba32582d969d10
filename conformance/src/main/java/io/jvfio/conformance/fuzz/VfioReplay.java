package io.jvfio.conformance.fuzz;

import static io.jvfio.abi.vfio.VfioConst.VFIO_PCI_BAR5_REGION_INDEX;
import static io.jvfio.abi.vfio.VfioConst.VFIO_PCI_MSIX_IRQ_INDEX;

import io.jvfio.abi.Linux;
import io.jvfio.abi.StructDef;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioGroupStatus;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.abi.vfio.VfioIommuType1Info;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import io.jvfio.testkit.Sysfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Replays a VFIO-mode program on edu and NVMe bound to vfio-pci and on two mtty mdevs: group and
 * container (the legacy path, served by iommufd), the device cdev bound to an iommufd, the device
 * info ioctls, DMA maps, and migration on the mdevs ({@link VfioMigration}). Every fd is named by
 * what it is and its creation index; every fd is closed at the end and the mdevs are removed, so
 * the devices are free again for the next seed.
 */
final class VfioReplay extends Replay {
    /** IOVAs below edu's 28-bit DMA mask. */
    private static final long IOVA_BASE = 0x100000;

    /** mtty's dual-port type; the sample is built into the test VM's kernel and the emulated one. */
    private static final String MTTY_TYPE = "/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2";
    /** Fixed, so that both kernels see the same setup (and apart from MttyFixture's). */
    private static final List<String> MTTY_UUIDS =
            List.of("6e1c3a4e-2f0b-4c55-9d1e-0a7c5f3bf001", "6e1c3a4e-2f0b-4c55-9d1e-0a7c5f3bf002");

    /**
     * An fd the program made: {@code device} indexes {@link #devices} (-1 for none); {@code ready}
     * once it is a device fd that device ioctls reach (bound to the iommufd, or from the group).
     */
    record Fd(String kind, int device, int fd, boolean ready) {
        Fd(String kind, int device, int fd) {
            this(kind, device, fd, false);
        }

        /** A data fd: a saving or a resuming migration file. */
        boolean data() {
            return kind.equals("saving") || kind.equals("resuming");
        }

        /** An mtty's device fd, ready: what the migration ops mostly pick. */
        boolean readyMtty() {
            return ready && device >= 2;
        }
    }

    private final List<TestDevices.Located> devices = new ArrayList<>();
    private final List<String> names = List.of("edu", "nvme", "mtty0", "mtty1");
    final List<Fd> fds = new ArrayList<>();
    private final List<Integer> ioas = new ArrayList<>();
    private final VfioMigration migration = new VfioMigration(this);
    private int iommufd = -1;
    /** The index in {@link #fds} of what the last {@link #fd} call chose, else -1. */
    int picked = -1;

    VfioReplay(Kernel k, Consumer<String> out) {
        super(k, out);
    }

    void run(FuzzProgram program) {
        devices.add(TestDevices.locate(k, TestDevices.Kind.EDU));
        devices.add(TestDevices.locate(k, TestDevices.Kind.NVME));
        for (String uuid : MTTY_UUIDS) {
            Sysfs.removeMdevIfPresent(k, uuid);
        }
        try {
            for (String uuid : MTTY_UUIDS) {
                devices.add(createMdev(uuid));
            }
            setUpMemory();
            try {
                iommufd = k.open("/dev/iommu", Linux.O.RDWR);
                for (FuzzProgram.Op op : program.ops()) {
                    step(op);
                }
            } finally {
                // Data fds and devices before groups before containers: each holds the next.
                for (String kind : List.of("saving", "resuming", "device", "cdev", "group", "container")) {
                    for (Fd f : fds) {
                        if (f.kind.equals(kind) && f.fd >= 0) {
                            k.close(f.fd);
                        }
                    }
                }
                fds.clear();
                if (iommufd >= 0) {
                    k.close(iommufd);
                }
                tearDownMemory();
            }
        } finally {
            for (String uuid : MTTY_UUIDS) {
                Sysfs.removeMdevIfPresent(k, uuid);
            }
        }
        out.accept("end closed");
    }

    /** Creates an mtty mdev; where its group node and cdev are, its UUID as its name. */
    private TestDevices.Located createMdev(String uuid) {
        Sysfs.write(k, MTTY_TYPE + "/create", uuid);
        String dev = "/sys/bus/mdev/devices/" + uuid;
        String group = k.readlink(dev + "/iommu_group");
        return new TestDevices.Located(
                uuid,
                "/dev/vfio/" + group.substring(group.lastIndexOf('/') + 1),
                "/dev/vfio/devices/" + k.listDirectory(dev + "/vfio-dev").getFirst());
    }

    @Override
    String execute(String kind, StringBuilder line) {
        return switch (kind) {
            case "group_open" -> open("group", line, d -> devices.get(d).groupDev());
            case "cdev_open" -> open("cdev", line, d -> devices.get(d).cdev());
            case "container_open" -> {
                int fd = k.open("/dev/vfio/vfio", Linux.O.RDWR);
                fds.add(new Fd("container", -1, fd));
                yield "fd#" + (fds.size() - 1);
            }
            case "group_status" -> {
                MemorySegment s = struct(VfioGroupStatus.DEF);
                VfioGroupStatus.ARGSZ.set(s, argsz(VfioGroupStatus.DEF.size()));
                k.ioctl(fd("group", line), VfioIoctl.VFIO_GROUP_GET_STATUS, s);
                yield "flags=" + VfioGroupStatus.FLAGS.get(s);
            }
            case "check_extension" -> {
                int ext = new int[] {1, 3, 3, 8, 99}[r.nextInt(5)];
                int fd = fd("container", line);
                line.append(" ext=").append(ext);
                yield Long.toString(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, ext));
            }
            case "set_container" -> {
                int group = fd("group", line);
                int container = fd("container", line);
                MemorySegment s = arena.allocate(4);
                s.set(ValueLayout.JAVA_INT, 0, container);
                k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, s);
                yield null;
            }
            case "unset_container" ->
                Long.toString(k.ioctl(fd("group", line), VfioIoctl.VFIO_GROUP_UNSET_CONTAINER, 0));
            case "set_iommu" -> {
                int type = new int[] {1, 3, 3, 0, 8}[r.nextInt(5)];
                int fd = fd("container", line);
                line.append(" type=").append(type);
                yield Long.toString(k.ioctl(fd, VfioIoctl.VFIO_SET_IOMMU, type));
            }
            case "group_get_device" -> {
                int group = fd("group", line);
                int d = r.nextInt(devices.size() + 1);
                String name = d < devices.size() ? devices.get(d).bdf() : "0000:00:1f.7";
                line.append(" name=").append(d < devices.size() ? names.get(d) : "none");
                byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
                MemorySegment s = arena.allocate(bytes.length + 1);
                s.copyFrom(MemorySegment.ofArray(bytes));
                int fd = (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, s);
                fds.add(new Fd("device", d, fd, true));
                yield "fd#" + (fds.size() - 1);
            }
            case "mtty_open" -> {
                // An mtty's cdev opened and bound in one step, so the migration ops find one often.
                int d = 2 + r.nextInt(2);
                line.append(' ').append(names.get(d));
                int fd = k.open(devices.get(d).cdev(), Linux.O.RDWR);
                fds.add(new Fd("cdev", d, fd));
                line.append(" = fd#").append(fds.size() - 1);
                MemorySegment s = struct(VfioDeviceBindIommufd.DEF);
                VfioDeviceBindIommufd.ARGSZ.set(s, (int) VfioDeviceBindIommufd.DEF.size());
                VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
                line.append(" bind");
                k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
                fds.set(fds.size() - 1, new Fd("cdev", d, fd, true));
                yield "devid=" + VfioDeviceBindIommufd.OUT_DEVID.get(s);
            }
            case "bind_iommufd" -> {
                int dev = fd("cdev", line);
                boolean bad = r.nextInt(8) == 0;
                line.append(bad ? " iommufd=-1" : " iommufd");
                MemorySegment s = struct(VfioDeviceBindIommufd.DEF);
                VfioDeviceBindIommufd.ARGSZ.set(s, argsz(VfioDeviceBindIommufd.DEF.size()));
                VfioDeviceBindIommufd.IOMMUFD.set(s, bad ? -1 : iommufd);
                int at = picked;
                k.ioctl(dev, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
                Fd f = fds.get(at);
                fds.set(at, new Fd(f.kind, f.device, f.fd, true));
                yield "devid=" + VfioDeviceBindIommufd.OUT_DEVID.get(s);
            }
            case "ioas_alloc" -> {
                MemorySegment s = struct(IommuIoasAlloc.DEF);
                k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, s);
                ioas.add(IommuIoasAlloc.OUT_IOAS_ID.get(s));
                yield "id=" + ioas.getLast();
            }
            case "attach_pt" -> {
                int dev = fd("cdev", line);
                int pt = r.nextInt(6) == 0 ? 9999 : pick(r, ioas, 1);
                line.append(" pt=").append(pt);
                MemorySegment s = struct(VfioDeviceAttachIommufdPt.DEF);
                VfioDeviceAttachIommufdPt.ARGSZ.set(s, argsz(VfioDeviceAttachIommufdPt.DEF.size()));
                VfioDeviceAttachIommufdPt.PT_ID.set(s, pt);
                k.ioctl(dev, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
                yield "pt=" + VfioDeviceAttachIommufdPt.PT_ID.get(s);
            }
            case "detach_pt" -> {
                MemorySegment s = struct(VfioDeviceDetachIommufdPt.DEF);
                VfioDeviceDetachIommufdPt.ARGSZ.set(s, argsz(VfioDeviceDetachIommufdPt.DEF.size()));
                k.ioctl(fd("cdev", line), VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, s);
                yield null;
            }
            case "device_info" -> {
                MemorySegment s = struct(VfioDeviceInfo.DEF);
                VfioDeviceInfo.ARGSZ.set(s, argsz(VfioDeviceInfo.DEF.size()));
                k.ioctl(deviceFd(line), VfioIoctl.VFIO_DEVICE_GET_INFO, s);
                yield "flags=" + VfioDeviceInfo.FLAGS.get(s) + " regions=" + VfioDeviceInfo.NUM_REGIONS.get(s)
                        + " irqs=" + VfioDeviceInfo.NUM_IRQS.get(s);
            }
            case "region_info" -> {
                int dev = deviceFd(line);
                int index = r.nextInt(10);
                line.append(" index=").append(index);
                MemorySegment s = struct(VfioRegionInfo.DEF);
                VfioRegionInfo.ARGSZ.set(s, argsz(VfioRegionInfo.DEF.size()));
                VfioRegionInfo.INDEX.set(s, index);
                k.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, s);
                // Known difference (docs/differences.md): MMIO BARs of the emulated models are not
                // mmappable, so their MMAP flag and the sparse-mmap capability are left out.
                int flags = VfioRegionInfo.FLAGS.get(s);
                if (index <= VFIO_PCI_BAR5_REGION_INDEX) {
                    flags &= ~(VfioRegionInfo.FLAG_MMAP | VfioRegionInfo.FLAG_CAPS);
                }
                yield "flags=" + flags + " size=" + hex(VfioRegionInfo.SIZE.get(s)) + " offset="
                        + hex(VfioRegionInfo.OFFSET.get(s));
            }
            case "irq_info" -> {
                int dev = deviceFd(line);
                int index = r.nextInt(6);
                line.append(" index=").append(index);
                MemorySegment s = struct(VfioIrqInfo.DEF);
                VfioIrqInfo.ARGSZ.set(s, argsz(VfioIrqInfo.DEF.size()));
                VfioIrqInfo.INDEX.set(s, index);
                k.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO, s);
                // Known difference (docs/differences.md): no dynamic MSI-X, so MSI-X says NORESIZE.
                int flags = VfioIrqInfo.FLAGS.get(s);
                if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
                    flags &= ~VfioIrqInfo.NORESIZE;
                }
                yield "flags=" + flags + " count=" + VfioIrqInfo.COUNT.get(s);
            }
            case "iommu_info" -> {
                MemorySegment s = struct(VfioIommuType1Info.DEF);
                VfioIommuType1Info.ARGSZ.set(s, (int) VfioIommuType1Info.DEF.size());
                k.ioctl(fd("container", line), VfioIoctl.VFIO_IOMMU_GET_INFO, s);
                yield "flags=" + VfioIommuType1Info.FLAGS.get(s) + " pgsizes="
                        + hex(VfioIommuType1Info.IOVA_PGSIZES.get(s));
            }
            case "map_dma" -> {
                int container = fd("container", line);
                Pointer p = pointer();
                long size = length();
                long iova = iova();
                int flags = r.nextInt(4) == 0 ? VfioIommuType1DmaMap.FLAG_READ : 3;
                line.append(' ')
                        .append(p.name())
                        .append(" size=")
                        .append(hex(size))
                        .append(" iova=")
                        .append(hex(iova))
                        .append(" flags=")
                        .append(flags);
                MemorySegment s = struct(VfioIommuType1DmaMap.DEF);
                VfioIommuType1DmaMap.ARGSZ.set(s, (int) VfioIommuType1DmaMap.DEF.size());
                VfioIommuType1DmaMap.FLAGS.set(s, flags);
                VfioIommuType1DmaMap.VADDR.set(s, p.address());
                VfioIommuType1DmaMap.IOVA.set(s, iova);
                VfioIommuType1DmaMap.SIZE.set(s, size);
                k.ioctl(container, VfioIoctl.VFIO_IOMMU_MAP_DMA, s);
                yield null;
            }
            case "unmap_dma" -> {
                int container = fd("container", line);
                long iova = iova();
                long size = length();
                line.append(" iova=").append(hex(iova)).append(" size=").append(hex(size));
                MemorySegment s = struct(VfioIommuType1DmaUnmap.DEF);
                VfioIommuType1DmaUnmap.ARGSZ.set(s, (int) VfioIommuType1DmaUnmap.DEF.size());
                VfioIommuType1DmaUnmap.IOVA.set(s, iova);
                VfioIommuType1DmaUnmap.SIZE.set(s, size);
                k.ioctl(container, VfioIoctl.VFIO_IOMMU_UNMAP_DMA, s);
                yield "size=" + hex(VfioIommuType1DmaUnmap.SIZE.get(s));
            }
            case "ioas_map" -> {
                int id = pick(r, ioas, 1);
                Pointer p = pointer();
                long len = length();
                long iova = iova();
                line.append(" ioas=")
                        .append(id)
                        .append(' ')
                        .append(p.name())
                        .append(" len=")
                        .append(hex(len))
                        .append(" iova=")
                        .append(hex(iova));
                MemorySegment s = struct(IommuIoasMap.DEF);
                IommuIoasMap.FLAGS.set(
                        s, IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE | IommuIoasMap.FLAG_FIXED_IOVA);
                IommuIoasMap.IOAS_ID.set(s, id);
                IommuIoasMap.USER_VA.set(s, p.address());
                IommuIoasMap.LENGTH.set(s, len);
                IommuIoasMap.IOVA.set(s, iova);
                k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, s);
                yield null;
            }
            case "ioas_unmap" -> {
                int id = pick(r, ioas, 1);
                long iova = iova();
                long len = length();
                line.append(" ioas=")
                        .append(id)
                        .append(" iova=")
                        .append(hex(iova))
                        .append(" len=")
                        .append(hex(len));
                MemorySegment s = struct(IommuIoasUnmap.DEF);
                IommuIoasUnmap.IOAS_ID.set(s, id);
                IommuIoasUnmap.IOVA.set(s, iova);
                IommuIoasUnmap.LENGTH.set(s, len);
                k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_UNMAP, s);
                yield "len=" + hex(IommuIoasUnmap.LENGTH.get(s));
            }
            case "feature_migration",
                    "mig_state_set",
                    "mig_state_get",
                    "mig_data_size",
                    "precopy_info",
                    "precopy_v2",
                    "data_read",
                    "data_write",
                    "device_reset" -> migration.execute(kind, line);
            case "close" -> {
                if (fds.isEmpty()) {
                    yield "none";
                }
                int i = r.nextInt(fds.size());
                Fd f = fds.get(i);
                line.append(" fd#").append(i);
                if (f.fd < 0) {
                    yield "closed";
                }
                fds.set(i, new Fd(f.kind, f.device, -1));
                if (f.readyMtty() && fds.stream().noneMatch(o -> o.readyMtty() && o.device == f.device)) {
                    migration.beforeLastClose(f.fd, line);
                }
                k.close(f.fd);
                yield null;
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private interface Path {
        String of(int device);
    }

    private String open(String kind, StringBuilder line, Path path) {
        int d = r.nextInt(devices.size());
        line.append(' ').append(names.get(d));
        int fd = k.open(path.of(d), Linux.O.RDWR);
        fds.add(new Fd(kind, d, fd));
        return "fd#" + (fds.size() - 1);
    }

    /** An fd of {@code kind} opened before (9999 once closed), sometimes another kind's, appended to the line. */
    private int fd(String kind, StringBuilder line) {
        return fd(f -> f.kind.equals(kind), true, line);
    }

    /**
     * An fd opened before that {@code wanted} accepts (9999 once closed), with {@code others}
     * sometimes another one, appended to the line; sets {@link #picked}.
     */
    int fd(Predicate<Fd> wanted, boolean others, StringBuilder line) {
        picked = -1;
        List<Integer> of = new ArrayList<>();
        for (int i = 0; i < fds.size(); i++) {
            if (wanted.test(fds.get(i)) || (others && r.nextInt(16) == 0)) {
                of.add(i);
            }
        }
        if (of.isEmpty() || r.nextInt(16) == 0) {
            line.append(" fd=-1");
            return -1;
        }
        int i = of.get(r.nextInt(of.size()));
        line.append(" fd#").append(i);
        picked = i;
        return fds.get(i).fd < 0 ? 9999 : fds.get(i).fd;
    }

    /** A device fd: from the group or a cdev. */
    int deviceFd(StringBuilder line) {
        return fd(r.nextBoolean() ? "device" : "cdev", line);
    }

    private long iova() {
        return r.nextInt(10) == 0 ? IOVA_BASE + 1 : IOVA_BASE + r.nextInt(32) * PAGE;
    }

    /** argsz: mostly the struct's size, sometimes too small or larger. */
    int argsz(long size) {
        return switch (r.nextInt(12)) {
            case 0 -> 0;
            case 1 -> (int) size - 4;
            case 2 -> (int) size + 8;
            default -> (int) size;
        };
    }

    /** A zeroed struct with room behind it: a larger argsz lets the kernel write past the struct. */
    MemorySegment struct(StructDef def) {
        return arena.allocate(def.size() + 64, 8);
    }
}
