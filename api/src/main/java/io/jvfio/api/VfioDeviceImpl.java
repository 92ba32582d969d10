package io.jvfio.api;

import io.jvfio.abi.Linux;
import io.jvfio.abi.StructDef;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

final class VfioDeviceImpl implements VfioDevice {
    private final Kernel kernel;
    private final int fd;
    private final String name;
    private final Children<AutoCloseable> parent;
    private final Map<Integer, IrqImpl> irqs = new HashMap<>();
    private final List<MemorySegment> mmaps = new ArrayList<>();
    private int devId = -1;
    private IommufdImpl boundTo;
    private boolean closed;

    private VfioDeviceImpl(Kernel kernel, int fd, String name, Children<AutoCloseable> parent) {
        this.kernel = kernel;
        this.fd = fd;
        this.name = name;
        this.parent = parent;
        parent.add(this);
    }

    /** Opens a device cdev; {@code parent} tracks the result until it is closed. */
    static VfioDeviceImpl openCdev(Kernel kernel, String path, Children<AutoCloseable> parent) {
        long fd = Sys.VFIO.callLong("open " + path, () -> kernel.open(path, Linux.O.RDWR | Linux.O.CLOEXEC));
        return new VfioDeviceImpl(kernel, (int) fd, path, parent);
    }

    /** Wraps a device fd a group handed out. */
    static VfioDeviceImpl ofFd(Kernel kernel, int fd, String name, Children<AutoCloseable> parent) {
        return new VfioDeviceImpl(kernel, fd, name, parent);
    }

    Kernel kernel() {
        return kernel;
    }

    @Override
    public String name() {
        return name;
    }

    synchronized int fd() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        return fd;
    }

    void ioctl(String op, long request, MemorySegment arg) {
        Sys.VFIO.run(op, () -> kernel.ioctl(fd(), request, arg));
    }

    @Override
    public synchronized int bind(Iommufd iommufd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioDeviceBindIommufd.DEF.allocate(a);
            VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd.fd());
            ioctl("VfioDevice[" + name + "].bind(" + iommufd + ")", VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
            devId = VfioDeviceBindIommufd.OUT_DEVID.get(s);
            boundTo = (IommufdImpl) iommufd;
            return devId;
        }
    }

    @Override
    public synchronized int devId() {
        if (devId < 0) {
            throw new IllegalStateException(name + " is not bound to an iommufd");
        }
        return devId;
    }

    @Override
    public int attach(Ioas ioas) {
        return attach("ioas " + ioas.id(), (IoasImpl) ioas);
    }

    @Override
    public int attach(Hwpt hwpt) {
        return attach("hwpt " + hwpt.id(), (HwptImpl) hwpt);
    }

    /**
     * An ID names an object only within its iommufd: one of another iommufd would attach to whatever
     * this device's iommufd has under that number, so it is refused before the kernel sees it.
     */
    private int attach(String what, IommufdObject pt) {
        IommufdImpl bound;
        synchronized (this) {
            bound = boundTo;
        }
        if (bound != null && pt.owner() != bound) {
            throw new IllegalArgumentException(
                    pt + " belongs to " + pt.owner() + ", not to " + bound + " that " + this + " is bound to");
        }
        pt.checkOpen();
        return attach(what, pt.id());
    }

    private int attach(String what, int ptId) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioDeviceAttachIommufdPt.DEF.allocate(a);
            VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
            ioctl("VfioDevice[" + name + "].attach(" + what + ")", VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
            return VfioDeviceAttachIommufdPt.PT_ID.get(s);
        }
    }

    @Override
    public void detach() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioDeviceDetachIommufdPt.DEF.allocate(a);
            ioctl("VfioDevice[" + name + "].detach", VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, s);
        }
    }

    /**
     * An info ioctl whose reply may carry a capability chain: when the chain does not fit, the kernel
     * raises argsz, so ask again with that size.
     */
    private MemorySegment infoWithCaps(Arena a, String op, long request, StructDef def, Consumer<MemorySegment> init) {
        long extra = 0;
        while (true) {
            MemorySegment s = def.allocate(a, extra);
            init.accept(s);
            ioctl(op, request, s);
            long wanted = def.u32("argsz").getUnsigned(s);
            if (wanted <= s.byteSize()) {
                return s;
            }
            extra = wanted - def.size();
        }
    }

    @Override
    public DeviceInfo info() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = infoWithCaps(
                    a, "VfioDevice[" + name + "].info", VfioIoctl.VFIO_DEVICE_GET_INFO, VfioDeviceInfo.DEF, x -> {});
            boolean caps = (VfioDeviceInfo.FLAGS.get(s) & VfioDeviceInfo.FLAGS_CAPS) != 0;
            return new DeviceInfo(
                    VfioDeviceInfo.FLAGS.get(s),
                    VfioDeviceInfo.NUM_REGIONS.get(s),
                    VfioDeviceInfo.NUM_IRQS.get(s),
                    caps ? Capabilities.parse(s, VfioDeviceInfo.CAP_OFFSET.getUnsigned(s)) : List.of());
        }
    }

    RegionInfo regionInfo(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = infoWithCaps(
                    a,
                    "VfioDevice[" + name + "].region(" + index + ")",
                    VfioIoctl.VFIO_DEVICE_GET_REGION_INFO,
                    VfioRegionInfo.DEF,
                    x -> VfioRegionInfo.INDEX.set(x, index));
            boolean caps = (VfioRegionInfo.FLAGS.get(s) & VfioRegionInfo.FLAG_CAPS) != 0;
            return new RegionInfo(
                    index,
                    VfioRegionInfo.FLAGS.get(s),
                    VfioRegionInfo.SIZE.get(s),
                    VfioRegionInfo.OFFSET.get(s),
                    caps ? Capabilities.parse(s, VfioRegionInfo.CAP_OFFSET.getUnsigned(s)) : List.of());
        }
    }

    @Override
    public Region region(int index) {
        return new RegionImpl(this, regionInfo(index));
    }

    @Override
    public synchronized Irq irq(int index) {
        IrqImpl irq = irqs.get(index);
        if (irq == null) {
            irq = new IrqImpl(this, irqInfo(index));
            irqs.put(index, irq);
        }
        return irq;
    }

    private IrqInfo irqInfo(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIrqInfo.DEF.allocate(a);
            VfioIrqInfo.INDEX.set(s, index);
            ioctl("VfioDevice[" + name + "].irq(" + index + ")", VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO, s);
            return new IrqInfo(index, VfioIrqInfo.FLAGS.get(s), VfioIrqInfo.COUNT.get(s));
        }
    }

    synchronized void forget(IrqImpl irq) {
        irqs.values().remove(irq);
    }

    synchronized void mapped(MemorySegment mapping) {
        mmaps.add(mapping);
    }

    @Override
    public void reset() {
        Sys.VFIO.run("VfioDevice[" + name + "].reset", () -> kernel.ioctl(fd(), VfioIoctl.VFIO_DEVICE_RESET, 0L));
    }

    @Override
    public PciConfig pciConfig() {
        return new PciConfigImpl(region(VfioConst.VFIO_PCI_CONFIG_REGION_INDEX));
    }

    @Override
    public void close() {
        List<IrqImpl> openIrqs;
        List<MemorySegment> maps;
        synchronized (this) {
            if (closed) {
                return;
            }
            openIrqs = new ArrayList<>(irqs.values());
            maps = new ArrayList<>(mmaps);
            mmaps.clear();
        }
        try {
            // IRQs first, while the fd still works for disabling them; then mappings, then the fd.
            Children.closeAll(openIrqs);
        } finally {
            synchronized (this) {
                closed = true;
            }
            parent.remove(this);
            try {
                maps.forEach(m -> Sys.VFIO.run("VfioDevice[" + name + "].close: munmap", () -> kernel.munmap(m)));
            } finally {
                Sys.VFIO.run("VfioDevice[" + name + "].close", () -> kernel.close(fd));
            }
        }
    }

    @Override
    public String toString() {
        return "VfioDevice[" + name + "]";
    }
}
