package io.jvfio.emulator.sysfs;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.OptionalLong;

/** The kernel's kstrto* parsers (lib/kstrtox.c, lib/kstrtobool.c) as sysfs stores use them. */
public final class Kstrto {
    private Kstrto() {}

    /**
     * kstrtoll/kstrtoull with base 0 into {@code [min, max]}: an optional sign ('-' only if {@code
     * min < 0}), 0x for hex, a leading 0 for octal, digits, at most one trailing newline. Empty for
     * anything else, overflow included (the kernel's EINVAL or ERANGE, which the callers here both
     * turn into EINVAL).
     */
    public static OptionalLong parse(String s, long min, long max) {
        String t = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        boolean negative = false;
        if (t.startsWith("+") || (min < 0 && t.startsWith("-"))) {
            negative = t.charAt(0) == '-';
            t = t.substring(1);
        }
        int base = 10;
        if (t.length() > 1 && t.charAt(0) == '0' && (t.charAt(1) == 'x' || t.charAt(1) == 'X')) {
            base = 16;
            t = t.substring(2);
        } else if (t.length() > 1 && t.charAt(0) == '0') {
            base = 8;
            t = t.substring(1);
        }
        if (t.isEmpty() || t.length() > 24) {
            return OptionalLong.empty();
        }
        long v;
        try {
            v = Long.parseLong(t, base);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
        if (t.charAt(0) == '+' || t.charAt(0) == '-') {
            return OptionalLong.empty(); // parseLong's own sign: the kernel takes one only
        }
        v = negative ? -v : v;
        return v < min || v > max ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** kstrtobool: looks at the first one or two characters only; EINVAL for anything else. */
    public static boolean toBool(String s) {
        char c0 = s.isEmpty() ? 0 : s.charAt(0);
        char c1 = s.length() > 1 ? s.charAt(1) : 0;
        return switch (c0) {
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
