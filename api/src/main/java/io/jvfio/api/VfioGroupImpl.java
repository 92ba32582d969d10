package io.jvfio.api;

import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioGroupStatus;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class VfioGroupImpl implements VfioGroup {
    private final Kernel kernel;
    private final int number;
    private final int fd;
    private final Children<AutoCloseable> parent;
    private final Children<AutoCloseable> devices = new Children<>();
    private volatile boolean closed;

    private VfioGroupImpl(Kernel kernel, int number, int fd, Children<AutoCloseable> parent) {
        this.kernel = kernel;
        this.number = number;
        this.fd = fd;
        this.parent = parent;
        parent.add(this);
    }

    static VfioGroupImpl open(Kernel kernel, int number, Children<AutoCloseable> parent) {
        String path = "/dev/vfio/" + number;
        long fd = Sys.VFIO.callLong("open " + path, () -> kernel.open(path, Linux.O.RDWR | Linux.O.CLOEXEC));
        return new VfioGroupImpl(kernel, number, (int) fd, parent);
    }

    private int fd() {
        if (closed) {
            throw new IllegalStateException("group " + number + " is closed");
        }
        return fd;
    }

    @Override
    public int number() {
        return number;
    }

    private int status() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioGroupStatus.DEF.allocate(a);
            Sys.VFIO.run(
                    "VfioGroup[" + number + "].status", () -> kernel.ioctl(fd(), VfioIoctl.VFIO_GROUP_GET_STATUS, s));
            return VfioGroupStatus.FLAGS.get(s);
        }
    }

    @Override
    public boolean viable() {
        return (status() & VfioGroupStatus.FLAGS_VIABLE) != 0;
    }

    @Override
    public boolean containerSet() {
        return (status() & VfioGroupStatus.FLAGS_CONTAINER_SET) != 0;
    }

    @Override
    public void setContainer(VfioContainer container) {
        setContainer("container", container.fd());
    }

    @Override
    public void setContainer(Iommufd iommufd) {
        setContainer("iommufd", iommufd.fd());
    }

    private void setContainer(String what, int containerFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arg = a.allocateFrom(ValueLayout.JAVA_INT, containerFd);
            Sys.VFIO.run(
                    "VfioGroup[" + number + "].setContainer(" + what + ")",
                    () -> kernel.ioctl(fd(), VfioIoctl.VFIO_GROUP_SET_CONTAINER, arg));
        }
    }

    @Override
    public void unsetContainer() {
        Sys.VFIO.run(
                "VfioGroup[" + number + "].unsetContainer",
                () -> kernel.ioctl(fd(), VfioIoctl.VFIO_GROUP_UNSET_CONTAINER, MemorySegment.NULL));
    }

    @Override
    public VfioDevice openDevice(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arg = a.allocateFrom(name);
            long deviceFd = Sys.VFIO.callLong(
                    "VfioGroup[" + number + "].openDevice(" + name + ")",
                    () -> kernel.ioctl(fd(), VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, arg));
            return VfioDeviceImpl.ofFd(kernel, (int) deviceFd, name, devices);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            Children.closeAll(devices.drain());
        } finally {
            closed = true;
            parent.remove(this);
            Sys.VFIO.run("VfioGroup[" + number + "].close", () -> kernel.close(fd));
        }
    }
}
