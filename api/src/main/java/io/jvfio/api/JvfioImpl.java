package io.jvfio.api;

import io.jvfio.kernel.Kernel;
import java.util.List;
import java.util.Objects;

final class JvfioImpl implements Jvfio {
    private final Kernel kernel;
    private final Children<AutoCloseable> open = new Children<>();

    JvfioImpl(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public Iommufd openIommufd() {
        return IommufdImpl.open(kernel, open);
    }

    @Override
    public VfioDevice openDevice(String cdevPath) {
        return VfioDeviceImpl.openCdev(kernel, cdevPath, open);
    }

    @Override
    public boolean bindToVfioPci(String bdf) {
        return PciDevices.bindToVfioPci(kernel, bdf);
    }

    @Override
    public List<PciDevices.PciDevice> pciDevices() {
        return PciDevices.list(kernel);
    }

    @Override
    public VfioDevice openPciDevice(String bdf) {
        return openDevice(Sysfs.cdevPath(kernel, bdf));
    }

    @Override
    public VfioGroup openGroup(int number) {
        return VfioGroupImpl.open(kernel, number, open);
    }

    @Override
    public VfioGroup openGroupOf(String bdf) {
        return openGroup(Sysfs.iommuGroup(kernel, bdf));
    }

    @Override
    public VfioContainer openContainer() {
        return VfioContainerImpl.open(kernel, open);
    }

    @Override
    public DmaBuffer allocateDma(long size, PageSize pageSize) {
        return DmaBufferImpl.allocate(kernel, size, pageSize, open);
    }

    @Override
    public void close() {
        Children.closeAll(open.drain());
    }

    @Override
    public String toString() {
        return "Jvfio[" + kernel.name() + "]";
    }
}
