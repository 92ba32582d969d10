package io.jvfio.emulator.vfio.mdev;

/**
 * What a parent driver supplies ({@code struct mdev_driver}): its device API string, the type
 * description, optionally a per-type instance count, and the probe/remove of each mdev.
 */
public interface MdevDriver {
    /** {@code name}: prefixes the types' directory names ("mtty" → "mtty-1"). */
    String name();

    /** {@code device_api}, such as "vfio-pci". */
    String deviceApi();

    /** {@code show_description}. */
    String description(MdevType type);

    /**
     * {@code get_available}: instances of {@code type} that can still be created; -1 when the
     * driver has none and the parent's shared count applies.
     */
    default int available(MdevType type) {
        return -1;
    }

    /** Binds a new mdev (creates its VFIO device); throw ErrnoException to refuse. */
    void probe(MdevDevice mdev);

    /** Unbinds an mdev being removed. */
    void remove(MdevDevice mdev);
}
