package io.jvfio.emulator.vfio.mdev;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.sysfs.SysfsAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The mdev bus of one kernel (mdev_core.c, mdev_sysfs.c): parents register types under
 * /sys/class/mdev_bus/PARENT/mdev_supported_types/TYPE/{create, available_instances, name,
 * description, device_api, devices/}; writing a UUID to {@code create} makes an mdev, bound at once
 * to its parent's driver, at /sys/bus/mdev/devices/UUID with {@code remove} and {@code mdev_type}.
 */
public final class Mdev {
    private static final String BUS = "/sys/bus/mdev";
    private static final String CLASS = "/sys/class/mdev_bus";
    private static final Pattern UUID_TEXT =
            Pattern.compile("\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}\\n?");

    private final KernelServices kernel;
    /** {@code mdev_list}, guarded by itself ({@code mdev_list_lock}). */
    private final List<MdevDevice> mdevs = new ArrayList<>();

    public Mdev(KernelServices kernel) {
        this.kernel = kernel;
    }

    /** {@code mdev_register_parent}: publishes the parent's types. */
    public void registerParent(MdevParent parent) {
        kernel.vfs().symlink(CLASS + "/" + parent.name(), parent.sysfsDir());
        for (MdevType type : parent.types()) {
            String dir = typeDir(parent, type);
            kernel.vfs().register(dir + "/create", SysfsAttribute.writeOnly(s -> create(parent, type, s)));
            kernel.vfs()
                    .register(
                            dir + "/device_api",
                            SysfsAttribute.readOnly(() -> parent.driver().deviceApi() + "\n"));
            kernel.vfs().register(dir + "/name", SysfsAttribute.readOnly(() -> prettyName(type) + "\n"));
            kernel.vfs()
                    .register(
                            dir + "/available_instances",
                            SysfsAttribute.readOnly(() -> available(parent, type) + "\n"));
            kernel.vfs().register(dir + "/description", SysfsAttribute.readOnly(() -> parent.driver()
                    .description(type)));
        }
    }

    /** {@code mdev_unregister_parent}: removes every mdev of the parent, then its types. */
    public void unregisterParent(MdevParent parent) {
        List<MdevDevice> mine = new ArrayList<>();
        synchronized (mdevs) {
            parent.unregistering = true;
            for (MdevDevice m : mdevs) {
                if (m.parent() == parent) {
                    mine.add(m);
                }
            }
        }
        mine.forEach(this::removeCommon);
        for (MdevType type : parent.types()) {
            String dir = typeDir(parent, type);
            for (String attr : List.of("create", "device_api", "name", "available_instances", "description")) {
                kernel.vfs().unregister(dir + "/" + attr);
            }
        }
        kernel.vfs().unregister(CLASS + "/" + parent.name());
    }

    /** The live mdevs. */
    public List<MdevDevice> devices() {
        synchronized (mdevs) {
            return List.copyOf(mdevs);
        }
    }

    private static String prettyName(MdevType type) {
        return type.prettyName() != null ? type.prettyName() : type.sysfsName();
    }

    private static String typeDir(MdevParent parent, MdevType type) {
        return parent.sysfsDir() + "/mdev_supported_types/" + parent.typeDir(type);
    }

    private static int available(MdevParent parent, MdevType type) {
        int n = parent.driver().available(type);
        if (n >= 0) {
            return n;
        }
        synchronized (parent) {
            return parent.availableInstances;
        }
    }

    /** create_store and mdev_device_create. */
    private void create(MdevParent parent, MdevType type, String text) {
        if (!UUID_TEXT.matcher(text).matches()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        UUID uuid = UUID.fromString(text.trim().toLowerCase(Locale.ROOT));
        MdevDevice mdev = new MdevDevice(uuid, parent, type);
        synchronized (mdevs) {
            for (MdevDevice m : mdevs) {
                if (m.uuid().equals(uuid)) {
                    throw new ErrnoException(Errno.EEXIST);
                }
            }
            if (parent.driver().available(type) < 0) {
                synchronized (parent) {
                    if (parent.availableInstances == 0) {
                        throw new ErrnoException(Errno.EUSERS);
                    }
                    parent.availableInstances--;
                }
            }
            if (parent.unregistering) {
                giveBack(mdev);
                throw new ErrnoException(Errno.ENODEV);
            }
            mdevs.add(mdev);
        }
        try {
            parent.driver().probe(mdev);
        } catch (RuntimeException e) {
            synchronized (mdevs) {
                mdevs.remove(mdev);
            }
            giveBack(mdev);
            throw e;
        }
        String dir = parent.sysfsDir() + "/" + uuid;
        kernel.vfs().register(dir + "/remove", SysfsAttribute.writeOnly(s -> removeStore(mdev, s)));
        kernel.vfs().symlink(dir + "/mdev_type", "../mdev_supported_types/" + parent.typeDir(type));
        kernel.vfs().symlink(BUS + "/devices/" + uuid, dir);
        kernel.vfs().symlink(typeDir(parent, type) + "/devices/" + uuid, "../../../" + uuid);
        synchronized (mdevs) {
            mdev.active = true;
        }
    }

    /** remove_store: a non-zero number removes the mdev. */
    private void removeStore(MdevDevice mdev, String text) {
        long value;
        try {
            String t = text.trim();
            value = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (value == 0) {
            return;
        }
        synchronized (mdevs) {
            if (!mdevs.contains(mdev)) {
                throw new ErrnoException(Errno.ENODEV);
            }
            if (!mdev.active) {
                throw new ErrnoException(Errno.EAGAIN);
            }
            mdev.active = false;
            if (mdev.parent().unregistering) {
                throw new ErrnoException(Errno.ENODEV);
            }
        }
        removeCommon(mdev);
    }

    /** mdev_device_remove_common: unbind (waits for the user to close it), sysfs, instance count. */
    private void removeCommon(MdevDevice mdev) {
        MdevParent parent = mdev.parent();
        String dir = parent.sysfsDir() + "/" + mdev.uuid();
        kernel.vfs().unregister(typeDir(parent, mdev.type()) + "/devices/" + mdev.uuid());
        kernel.vfs().unregister(BUS + "/devices/" + mdev.uuid());
        kernel.vfs().unregister(dir + "/mdev_type");
        kernel.vfs().unregister(dir + "/remove");
        parent.driver().remove(mdev);
        synchronized (mdevs) {
            mdevs.remove(mdev);
        }
        giveBack(mdev);
    }

    private static void giveBack(MdevDevice mdev) {
        MdevParent parent = mdev.parent();
        if (parent.driver().available(mdev.type()) < 0) {
            synchronized (parent) {
                parent.availableInstances++;
            }
        }
    }
}
