package io.jvfio.api;

import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

final class VfioContainerImpl implements VfioContainer {
    static final String PATH = "/dev/vfio/vfio";

    private final Kernel kernel;
    private final int fd;
    private final Children<AutoCloseable> parent;
    private volatile boolean closed;

    private VfioContainerImpl(Kernel kernel, int fd, Children<AutoCloseable> parent) {
        this.kernel = kernel;
        this.fd = fd;
        this.parent = parent;
        parent.add(this);
    }

    static VfioContainerImpl open(Kernel kernel, Children<AutoCloseable> parent) {
        long fd = Sys.VFIO.callLong("open " + PATH, () -> kernel.open(PATH, Linux.O.RDWR | Linux.O.CLOEXEC));
        return new VfioContainerImpl(kernel, (int) fd, parent);
    }

    @Override
    public int fd() {
        if (closed) {
            throw new IllegalStateException("container is closed");
        }
        return fd;
    }

    @Override
    public int apiVersion() {
        return (int) Sys.VFIO.callLong(
                "VfioContainer.apiVersion", () -> kernel.ioctl(fd(), VfioIoctl.VFIO_GET_API_VERSION, 0L));
    }

    @Override
    public boolean checkExtension(int extension) {
        return Sys.VFIO.callLong(
                        "VfioContainer.checkExtension(" + extension + ")",
                        () -> kernel.ioctl(fd(), VfioIoctl.VFIO_CHECK_EXTENSION, extension))
                != 0;
    }

    @Override
    public void setIommu(int type) {
        Sys.VFIO.run("VfioContainer.setIommu(" + type + ")", () -> kernel.ioctl(fd(), VfioIoctl.VFIO_SET_IOMMU, type));
    }

    @Override
    public Mapping mapDma(MemorySegment memory, long iova, DmaAccess access) {
        int flags = (access != DmaAccess.WRITE ? VfioIommuType1DmaMap.FLAG_READ : 0)
                | (access != DmaAccess.READ ? VfioIommuType1DmaMap.FLAG_WRITE : 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIommuType1DmaMap.DEF.allocate(a);
            VfioIommuType1DmaMap.FLAGS.set(s, flags);
            VfioIommuType1DmaMap.VADDR.set(s, memory.address());
            VfioIommuType1DmaMap.IOVA.set(s, iova);
            VfioIommuType1DmaMap.SIZE.set(s, memory.byteSize());
            Sys.VFIO.run(
                    "VfioContainer.mapDma(" + memory.byteSize() + " bytes at " + Sys.hex(iova) + ")",
                    () -> kernel.ioctl(fd(), VfioIoctl.VFIO_IOMMU_MAP_DMA, s));
            return new Mapping(0, iova, memory.byteSize(), memory.address(), access);
        }
    }

    @Override
    public long unmapDma(long iova, long length) {
        return unmap("VfioContainer.unmapDma(" + Sys.hex(iova) + ", " + length + " bytes)", 0, iova, length);
    }

    @Override
    public long unmapAllDma() {
        return unmap("VfioContainer.unmapAllDma", VfioIommuType1DmaUnmap.FLAG_ALL, 0, 0);
    }

    private long unmap(String op, int flags, long iova, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIommuType1DmaUnmap.DEF.allocate(a);
            VfioIommuType1DmaUnmap.FLAGS.set(s, flags);
            VfioIommuType1DmaUnmap.IOVA.set(s, iova);
            VfioIommuType1DmaUnmap.SIZE.set(s, length);
            Sys.VFIO.run(op, () -> kernel.ioctl(fd(), VfioIoctl.VFIO_IOMMU_UNMAP_DMA, s));
            return VfioIommuType1DmaUnmap.SIZE.get(s);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        parent.remove(this);
        Sys.VFIO.run("VfioContainer.close", () -> kernel.close(fd));
    }
}
