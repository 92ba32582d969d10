package io.jvfio.abi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The extensible-struct rules, implemented once. iommufd ({@code iommufd_fops_ioctl} and {@code
 * copy_struct_from_user}): a {@code size} below the minimum is EINVAL; bytes past the kernel's
 * struct must be zero, else E2BIG; a short struct reads as zero-filled; results go back with length
 * {@code min(size, sizeof)}. (VFIO's argsz rules are the emulator's {@code VfioArgsz}.)
 *
 * <p>Reading the user's bytes (and the EFAULT that may bring) is the caller's job: these functions
 * take the bytes the kernel would have copied.
 */
public final class Extensible {
    private Extensible() {}

    /** EINVAL when {@code userSize} is below the struct's minimum. */
    public static void checkMinimum(StructDef def, long userSize) {
        if (userSize < def.minSize()) {
            throw new ErrnoException(Errno.EINVAL, null, def.cName() + " size " + userSize + " < " + def.minSize());
        }
    }

    /**
     * The kernel's view of a user struct of {@code user.byteSize()} bytes: {@code sizeof} bytes,
     * zero-filled past a short input; E2BIG when a longer input has a non-zero byte past the known
     * struct. Allocated in {@code arena}.
     */
    public static MemorySegment copyIn(StructDef def, MemorySegment user, Arena arena) {
        long userSize = user.byteSize();
        checkMinimum(def, userSize);
        long known = def.size();
        if (userSize > known && !allZero(user.asSlice(known))) {
            throw new ErrnoException(Errno.E2BIG, null, def.cName() + " has non-zero bytes past " + known);
        }
        MemorySegment kernel = arena.allocate(known, 8);
        MemorySegment.copy(user, 0, kernel, 0, Math.min(userSize, known));
        return kernel;
    }

    /** How many bytes a response copies back: {@code min(size, sizeof)}. */
    public static long copyBackLength(StructDef def, long userSize) {
        return Math.min(userSize, def.size());
    }

    public static boolean allZero(MemorySegment s) {
        long n = s.byteSize();
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != 0) {
                return false;
            }
        }
        return true;
    }
}
