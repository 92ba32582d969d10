package io.jvfio.emulator;

import io.jvfio.kernel.FileStat;

/**
 * A character device node (a devtmpfs inode with its {@code dev_t}): the device number, the
 * permissions the node is created with, and the open of the driver behind it (chrdev_open). The
 * one record of a device's number: stat of the node and its sysfs {@code dev} attribute both read it.
 */
public record CharDevice(int major, int minor, int permissions, DeviceNode driver) implements DeviceNode {
    /** MISC_MAJOR: the misc devices' major. */
    public static final int MISC_MAJOR = 10;

    @Override
    public OpenFile open(KernelServices kernel, int flags) {
        return driver.open(kernel, flags);
    }

    @Override
    public FileStat getattr() {
        return new FileStat(FileStat.S_IFCHR | permissions, FileStat.makedev(major, minor), 0);
    }

    /** The text of its sysfs {@code dev} attribute (print_dev_t). */
    public String dev() {
        return major + ":" + minor + "\n";
    }
}
