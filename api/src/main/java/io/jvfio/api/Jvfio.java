package io.jvfio.api;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.util.List;
import java.util.Map;

/**
 * The entry point of the typed API: one backend's kernel, and everything opened through it. Choose
 * the backend explicitly ({@link #open(Kernel)}, {@link #open(String)}) or let {@link #open()} pick
 * it. Closing it closes every device, buffer, container, group and iommufd still open through it,
 * newest first.
 */
public sealed interface Jvfio extends AutoCloseable permits JvfioImpl {
    /** The system property naming a backend for {@link #open()} ("native" or "emulated"). */
    String BACKEND_PROPERTY = "jvfio.backend";

    /** The API over {@code kernel}. */
    static Jvfio open(Kernel kernel) {
        return new JvfioImpl(kernel);
    }

    /**
     * The API over a fresh emulated kernel booted on {@code platform}: its devices unbound, its
     * modules loaded. IllegalArgumentException naming the problem for a bad description.
     */
    static Jvfio open(EmulatedPlatform platform) {
        return open(KernelProvider.named("emulated").open(Map.of("platform", platform.text())));
    }

    /** The API over the backend called {@code backend} ("native", "emulated"). */
    static Jvfio open(String backend) {
        return open(KernelProvider.named(backend).open());
    }

    /**
     * The backend named by {@value #BACKEND_PROPERTY} if set; otherwise native when /dev/iommu is
     * usable here, else emulated.
     */
    static Jvfio open() {
        String chosen = System.getProperty(BACKEND_PROPERTY);
        if (chosen != null) {
            return open(chosen);
        }
        boolean nativeUsable =
                KernelProvider.all().stream().anyMatch(p -> p.name().equals("native") && p.available());
        return open(nativeUsable ? "native" : "emulated");
    }

    Kernel kernel();

    /** The backend's name. */
    default String backend() {
        return kernel().name();
    }

    /** Opens /dev/iommu. */
    Iommufd openIommufd();

    /** Opens a device cdev (/dev/vfio/devices/vfioN); bind and attach it next. */
    VfioDevice openDevice(String cdevPath);

    /**
     * Binds PCI device {@code bdf} ("0000:00:04.0") to vfio-pci as a user does, unless it is bound
     * already: driver_override, then drivers_probe. Returns whether anything changed. A device another
     * driver holds is refused (IllegalStateException): taking it away is for the user to decide.
     */
    boolean bindToVfioPci(String bdf);

    /** Opens the cdev of PCI device {@code bdf} ("0000:00:04.0"), found through sysfs; bind it to vfio-pci first. */
    VfioDevice openPciDevice(String bdf);

    /** The PCI devices sysfs shows, in address order. */
    List<PciDevices.PciDevice> pciDevices();

    /** Opens group /dev/vfio/{@code number} (legacy path). */
    VfioGroup openGroup(int number);

    /** Opens the group of PCI device {@code bdf}, found through its iommu_group link. */
    VfioGroup openGroupOf(String bdf);

    /** Opens a legacy container (/dev/vfio/vfio). */
    VfioContainer openContainer();

    /** Allocates {@code size} bytes (rounded up to whole pages) of zeroed memory for DMA. */
    DmaBuffer allocateDma(long size, PageSize pageSize);

    /** {@link #allocateDma(long, PageSize)} with base pages. */
    default DmaBuffer allocateDma(long size) {
        return allocateDma(size, PageSize.BASE_4K);
    }

    @Override
    void close();
}
