package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * VFIO's argsz rules, implemented once (as {@code iommufd.Ucmd} is for iommufd's size rules), for
 * the ioctls of the VFIO device, group and container files: every VFIO struct starts with its u32
 * {@code argsz}; the kernel copies the struct's first {@code minsz} bytes in (EFAULT), refuses an
 * argsz below minsz (EINVAL, before anything else the struct says is acted on), reads or writes
 * past minsz only as far as argsz covers, and copies back at most argsz bytes. A larger argsz than
 * the kernel knows is fine.
 */
public final class VfioArgsz {
    private VfioArgsz() {}

    /** The first {@code minsz} bytes of the struct at {@code arg}, its argsz checked. */
    public static MemorySegment copyIn(long arg, long minsz, Arena arena) {
        MemorySegment s = UserMemory.copyIn(arg, minsz, arena);
        if (of(s) < minsz) {
            throw new ErrnoException(Errno.EINVAL, null, "argsz " + of(s) + " < minsz " + minsz);
        }
        return s;
    }

    /** As {@link #copyIn(long, long, Arena)}, in a zero-filled struct of {@code size} bytes to fill in. */
    public static MemorySegment copyIn(long arg, long minsz, long size, Arena arena) {
        MemorySegment s = arena.allocate(size, 8);
        MemorySegment.copy(copyIn(arg, minsz, arena), 0, s, 0, minsz);
        return s;
    }

    /** The struct's argsz. */
    public static long of(MemorySegment struct) {
        return Integer.toUnsignedLong(struct.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
    }

    /** Whether argsz reaches {@code end} (the end of a field past minsz). */
    public static boolean covers(MemorySegment struct, long end) {
        return of(struct) >= end;
    }

    /** copy_to_user of the struct, {@code min(argsz, its size)} bytes. */
    public static void copyBack(MemorySegment struct, long arg) {
        UserMemory.copyOut(struct, arg, Math.min(of(struct), struct.byteSize()));
    }
}
