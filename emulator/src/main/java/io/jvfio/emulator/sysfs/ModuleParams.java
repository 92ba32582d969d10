package io.jvfio.emulator.sysfs;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
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

        /** param_set_bool: kstrtobool looks at the first one or two characters only. */
        private void store(String s) {
            char c0 = s.isEmpty() ? 0 : s.charAt(0);
            char c1 = s.length() > 1 ? s.charAt(1) : 0;
            value = switch (c0) {
                case 'e', 'E', 'y', 'Y', 't', 'T', '1' -> true;
                case 'd', 'D', 'n', 'N', 'f', 'F', '0' -> false;
                case 'o', 'O' ->
                    switch (c1) {
                        case 'n', 'N' -> true;
                        case 'f', 'F' -> false;
                        default -> throw new ErrnoException(Errno.EINVAL);
                    };
                default -> throw new ErrnoException(Errno.EINVAL);
            };
        }
    }
}
