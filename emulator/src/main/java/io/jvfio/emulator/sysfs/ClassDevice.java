package io.jvfio.emulator.sysfs;

import io.jvfio.emulator.CharDevice;
import io.jvfio.emulator.DeviceNode;
import io.jvfio.emulator.KernelServices;

/**
 * A character device of a class with no parent device (device_create's virtual devices, as misc
 * devices and VFIO groups are): the node in /dev, {@code /sys/devices/virtual/CLASS/NAME/dev}
 * reading the node's number, and the {@code /sys/class/CLASS/NAME} link to it.
 */
public final class ClassDevice {
    private final KernelServices kernel;
    private final String devNode;
    private final String className;
    private final String name;
    private final CharDevice device;

    private ClassDevice(KernelServices kernel, String devNode, String className, String name, CharDevice device) {
        this.kernel = kernel;
        this.devNode = devNode;
        this.className = className;
        this.name = name;
        this.device = device;
    }

    /** The node and its number. */
    public CharDevice device() {
        return device;
    }

    /** Registers {@code device} at {@code devNode} as {@code className/name}. */
    public static ClassDevice create(
            KernelServices kernel, String devNode, String className, String name, CharDevice device) {
        String dir = "/sys/devices/virtual/" + className + "/" + name;
        kernel.vfs().register(devNode, device);
        kernel.vfs().register(dir + "/dev", SysfsAttribute.readOnly(device::dev));
        kernel.vfs().symlink("/sys/class/" + className + "/" + name, "../../devices/virtual/" + className + "/" + name);
        return new ClassDevice(kernel, devNode, className, name, device);
    }

    /**
     * misc_register: a misc device at /dev/{@code nodename}, class "misc", with {@code minor} (a
     * fixed one, or the one the caller's dynamic allocation gave) and the miscdevice's mode.
     */
    public static ClassDevice misc(
            KernelServices kernel, String name, String nodename, int minor, int mode, DeviceNode driver) {
        return create(
                kernel, "/dev/" + nodename, "misc", name, new CharDevice(CharDevice.MISC_MAJOR, minor, mode, driver));
    }

    /** device_destroy: the node and the sysfs entries go. */
    public void destroy() {
        kernel.vfs().unregister(devNode);
        kernel.vfs().unregister("/sys/class/" + className + "/" + name);
        kernel.vfs().unregister("/sys/devices/virtual/" + className + "/" + name + "/dev");
    }
}
