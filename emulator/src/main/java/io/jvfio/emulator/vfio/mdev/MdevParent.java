package io.jvfio.emulator.vfio.mdev;

import java.util.List;

/**
 * A device that hosts mdevs ({@code struct mdev_parent}): its sysfs directory, driver, types and
 * the instance count shared by types whose driver does not count per type.
 */
public final class MdevParent {
    private final String name;
    private final String sysfsDir;
    private final MdevDriver driver;
    private final List<MdevType> types;
    int availableInstances;
    /** Set once unregistration starts ({@code unreg_sem} held for writing). */
    boolean unregistering;

    /**
     * @param name the parent device's name (its /sys/class/mdev_bus entry)
     * @param sysfsDir the parent device's sysfs directory
     */
    public MdevParent(String name, String sysfsDir, MdevDriver driver, List<MdevType> types, int availableInstances) {
        this.name = name;
        this.sysfsDir = sysfsDir;
        this.driver = driver;
        this.types = List.copyOf(types);
        this.availableInstances = availableInstances;
    }

    public String name() {
        return name;
    }

    public String sysfsDir() {
        return sysfsDir;
    }

    public MdevDriver driver() {
        return driver;
    }

    public List<MdevType> types() {
        return types;
    }

    /** The type's directory name: the driver's name, a dash, the type's sysfs name. */
    String typeDir(MdevType type) {
        return driver.name() + "-" + type.sysfsName();
    }
}
