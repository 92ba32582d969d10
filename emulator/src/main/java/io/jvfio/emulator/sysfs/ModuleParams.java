package io.jvfio.emulator.sysfs;

import io.jvfio.emulator.Vfs;

/**
 * A module's parameters in {@code /sys/module/MODULE/parameters} (kernel/params.c): one attribute
 * per parameter, read-only or read-write as its permission says, none for permission 0.
 */
public final class ModuleParams {
    private final Vfs vfs;
    private final String dir;

    public ModuleParams(Vfs vfs, String module) {
        this.vfs = vfs;
        this.dir = "/sys/module/" + module + "/parameters/";
    }

    /** A bool parameter ({@code module_param(name, bool, perm)}): shows Y or N, stores kstrtobool. */
    public BoolParam bool(String name, int perm) {
        BoolParam p = new BoolParam();
        if ((perm & 0222) != 0) {
            vfs.register(dir + name, SysfsAttribute.readWrite(p::show, p::store).withPermissions(perm));
        } else if (perm != 0) {
            vfs.register(dir + name, SysfsAttribute.readOnly(p::show).withPermissions(perm));
        }
        return p;
    }

    /** A bool module parameter's value. */
    public static final class BoolParam {
        private volatile boolean value;

        private BoolParam() {}

        public boolean get() {
            return value;
        }

        /** Set as from the kernel command line or modprobe options. */
        public void set(boolean v) {
            value = v;
        }

        private String show() {
            return value ? "Y\n" : "N\n";
        }

        /** param_set_bool: kstrtobool. */
        private void store(String s) {
            value = Kstrto.toBool(s);
        }
    }
}
