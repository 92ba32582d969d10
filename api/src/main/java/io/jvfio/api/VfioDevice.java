package io.jvfio.api;

/**
 * An open VFIO device fd: from its cdev (/dev/vfio/devices/vfioN, then {@link #bind} and {@link
 * #attach}) or from a group ({@link VfioGroup#openDevice}, the legacy path, usable at once). Closing
 * it disables its IRQs, unmaps its regions and closes the fd, which unbinds it from its iommufd.
 *
 * <p>{@link #bind}, {@link #attach} and {@link #detach} are for cdev-opened devices; on a
 * group-opened one the kernel refuses them (EINVAL, ENOTTY), and its DMA goes through the group's
 * container instead.
 */
public sealed interface VfioDevice extends AutoCloseable permits VfioDeviceImpl {
    /** The cdev path, or the device name within its group. */
    String name();

    /** Binds a cdev-opened device to {@code iommufd} (VFIO_DEVICE_BIND_IOMMUFD); returns its device ID. */
    int bind(Iommufd iommufd);

    /** The iommufd device object ID from {@link #bind}; IllegalStateException before. */
    int devId();

    /**
     * Attaches the device's DMA to {@code ioas} through an automatically chosen HWPT; returns that
     * HWPT's ID. Attaching again replaces the attachment atomically.
     */
    int attach(Ioas ioas);

    /** Attaches the device to {@code hwpt}; returns its ID. */
    int attach(Hwpt hwpt);

    /** Blocks the device's DMA again (VFIO_DEVICE_DETACH_IOMMUFD_PT). */
    void detach();

    DeviceInfo info();

    /** Region {@code index} (for PCI: BAR0–5 = 0–5, ROM 6, config 7). */
    Region region(int index);

    /** IRQ index {@code index} (for PCI: INTx 0, MSI 1, MSI-X 2, ERR 3, REQ 4); one handle per index. */
    Irq irq(int index);

    /** VFIO_DEVICE_RESET: a function reset. */
    void reset();

    /** PCI config space (region 7). */
    PciConfig pciConfig();

    @Override
    void close();
}
