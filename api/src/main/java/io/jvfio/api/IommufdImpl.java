package io.jvfio.api;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;

final class IommufdImpl implements Iommufd {
    static final String PATH = "/dev/iommu";

    private final Kernel kernel;
    private final int fd;
    private final Children<AutoCloseable> parent;
    private final Children<IommufdObject> objects = new Children<>();
    private volatile boolean closed;

    private IommufdImpl(Kernel kernel, int fd, Children<AutoCloseable> parent) {
        this.kernel = kernel;
        this.fd = fd;
        this.parent = parent;
    }

    /** Opens /dev/iommu; {@code parent} tracks the result until it is closed. */
    static IommufdImpl open(Kernel kernel, Children<AutoCloseable> parent) {
        long fd = Sys.IOMMUFD.callLong("open " + PATH, () -> kernel.open(PATH, Linux.O.RDWR | Linux.O.CLOEXEC));
        IommufdImpl iommufd = new IommufdImpl(kernel, (int) fd, parent);
        parent.add(iommufd);
        return iommufd;
    }

    Kernel kernel() {
        return kernel;
    }

    @Override
    public int fd() {
        if (closed) {
            throw new IllegalStateException("iommufd is closed");
        }
        return fd;
    }

    boolean isOpen() {
        return !closed;
    }

    /** ioctl on this iommufd; failures become {@link IommufdException} naming {@code operation}. */
    void ioctl(String operation, long request, MemorySegment arg) {
        Sys.IOMMUFD.run(operation, () -> kernel.ioctl(fd(), request, arg));
    }

    void forget(IommufdObject object) {
        objects.remove(object);
    }

    @Override
    public Ioas allocIoas() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuIoasAlloc.DEF.allocate(a);
            ioctl("Iommufd.allocIoas", IommufdIoctl.IOMMU_IOAS_ALLOC, s);
            return register(new IoasImpl(this, IommuIoasAlloc.OUT_IOAS_ID.get(s)));
        }
    }

    @Override
    public Hwpt allocPagingHwpt(int devId, Ioas ioas, Set<HwptFlag> flags) {
        return allocHwpt(
                "Iommufd.allocPagingHwpt(dev " + devId + ", ioas " + ioas.id() + ")",
                devId,
                own(ioas),
                flags,
                IommuHwptAlloc.DATA_NONE,
                MemorySegment.NULL,
                false);
    }

    @Override
    public Hwpt allocNestedHwpt(int devId, Hwpt parent, Set<HwptFlag> flags, int dataType, MemorySegment data) {
        if (!data.isNative()) {
            throw new IllegalArgumentException("the kernel reads the stage-1 data by address: pass native memory");
        }
        return allocHwpt(
                "Iommufd.allocNestedHwpt(dev " + devId + ", parent " + parent.id() + ")",
                devId,
                own(parent),
                flags,
                dataType,
                data,
                true);
    }

    private Hwpt allocHwpt(
            String op, int devId, int ptId, Set<HwptFlag> flags, int dataType, MemorySegment data, boolean nested) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuHwptAlloc.DEF.allocate(a);
            IommuHwptAlloc.FLAGS.set(s, HwptFlag.bits(flags));
            IommuHwptAlloc.DEV_ID.set(s, devId);
            IommuHwptAlloc.PT_ID.set(s, ptId);
            IommuHwptAlloc.DATA_TYPE.set(s, dataType);
            IommuHwptAlloc.DATA_LEN.set(s, (int) data.byteSize());
            IommuHwptAlloc.DATA_UPTR.set(s, data.address());
            ioctl(op, IommufdIoctl.IOMMU_HWPT_ALLOC, s);
            return register(new HwptImpl(this, IommuHwptAlloc.OUT_HWPT_ID.get(s), nested));
        }
    }

    private <T extends IommufdObject> T register(T object) {
        objects.add(object);
        return object;
    }

    /** The object's ID, after checking it belongs to this iommufd (IDs are per context). */
    int own(Object handle) {
        if (handle instanceof IommufdObject o && o.owner() == this) {
            return o.id();
        }
        throw new IllegalArgumentException(handle + " belongs to another iommufd");
    }

    @Override
    public HwInfo hwInfo(int devId) {
        String op = "Iommufd.hwInfo(dev " + devId + ")";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuHwInfo.DEF.allocate(a);
            IommuHwInfo.DEV_ID.set(s, devId);
            // The first call reports the driver data's length; the second fetches it.
            ioctl(op, IommufdIoctl.IOMMU_GET_HW_INFO, s);
            MemorySegment data = a.allocate(Math.max(1, IommuHwInfo.DATA_LEN.getUnsigned(s)), 8);
            IommuHwInfo.DATA_UPTR.set(s, data.address());
            ioctl(op, IommufdIoctl.IOMMU_GET_HW_INFO, s);
            long len = Math.min(IommuHwInfo.DATA_LEN.getUnsigned(s), data.byteSize());
            return new HwInfo(
                    IommuHwInfo.OUT_DATA_TYPE.get(s),
                    IommuHwInfo.OUT_CAPABILITIES.get(s),
                    IommuHwInfo.OUT_MAX_PASID_LOG2.get(s),
                    MemorySegment.ofArray(data.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE))
                            .asReadOnly());
        }
    }

    @Override
    public void destroy(int id) {
        destroy("Iommufd.destroy(" + id + ")", id);
    }

    void destroy(String op, int id) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuDestroy.DEF.allocate(a);
            IommuDestroy.ID.set(s, id);
            ioctl(op, IommufdIoctl.IOMMU_DESTROY, s);
        }
    }

    /** IOMMU_OPTION: GET returns val64, SET returns the value set. */
    long option(String op, int optionId, int opCode, int objectId, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuOption.DEF.allocate(a);
            IommuOption.OPTION_ID.set(s, optionId);
            IommuOption.OP.set(s, opCode);
            IommuOption.OBJECT_ID.set(s, objectId);
            IommuOption.VAL64.set(s, value);
            ioctl(op, IommufdIoctl.IOMMU_OPTION, s);
            return IommuOption.VAL64.get(s);
        }
    }

    @Override
    public RlimitMode rlimitMode() {
        long v = option("Iommufd.rlimitMode", IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0);
        return v == 1 ? RlimitMode.PROCESS : RlimitMode.USER;
    }

    @Override
    public void setRlimitMode(RlimitMode mode) {
        option(
                "Iommufd.setRlimitMode(" + mode + ")",
                IommuOption.RLIMIT_MODE,
                IommuOption.OP_SET,
                0,
                mode == RlimitMode.PROCESS ? 1 : 0);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Closing the fd destroys every object in the kernel; the handles only need to learn it.
        for (IommufdObject o : objects.drain()) {
            o.ownerClosed();
        }
        parent.remove(this);
        Sys.IOMMUFD.run("Iommufd.close", () -> kernel.close(fd));
    }

    @Override
    public String toString() {
        return "Iommufd[fd " + fd + (closed ? ", closed" : "") + "]";
    }
}
