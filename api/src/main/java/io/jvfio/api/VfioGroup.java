package io.jvfio.api;

/**
 * An open VFIO group (/dev/vfio/N), the legacy path: give it a container (a {@link VfioContainer}
 * or an {@link Iommufd} standing in for one), then open its devices by name. Closing it closes the
 * devices opened through it first.
 */
public sealed interface VfioGroup extends AutoCloseable permits VfioGroupImpl {
    /** The group number N. */
    int number();

    /** Whether no other driver claims the group's DMA (VIABLE). */
    boolean viable();

    /** Whether the group has a container or iommufd (CONTAINER_SET). */
    boolean containerSet();

    void setContainer(VfioContainer container);

    /** Uses {@code iommufd} as the container (its compatibility IOAS). */
    void setContainer(Iommufd iommufd);

    void unsetContainer();

    /** A device of the group by name (its PCI address, e.g. "0000:00:03.0"). */
    VfioDevice openDevice(String name);

    @Override
    void close();
}
