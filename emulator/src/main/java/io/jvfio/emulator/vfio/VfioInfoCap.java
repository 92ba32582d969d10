package io.jvfio.emulator.vfio;

import io.jvfio.abi.vfio.VfioInfoCapHeader;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A capability chain being built ({@code struct vfio_info_cap}): each capability starts with a
 * {@code vfio_info_cap_header} whose {@code next} is the offset of the following one (0 ends the
 * chain). Offsets are relative to the start of the chain until {@link #shift} moves them to where
 * the chain lands in the user's buffer.
 */
public final class VfioInfoCap {
    private byte[] buf = new byte[0];

    /**
     * {@code vfio_info_cap_add}: appends a zeroed capability of {@code size} bytes (header included)
     * with its id and version set, links it at the end of the chain, and returns it for filling.
     */
    public MemorySegment add(int size, int id, int version) {
        int at = buf.length;
        buf = Arrays.copyOf(buf, at + size);
        MemorySegment all = MemorySegment.ofArray(buf);
        MemorySegment cap = all.asSlice(at, size);
        VfioInfoCapHeader.ID.set(cap, id);
        VfioInfoCapHeader.VERSION.set(cap, version);
        if (at > 0) {
            long last = 0;
            while (VfioInfoCapHeader.NEXT.get(all.asSlice(last)) != 0) {
                last = VfioInfoCapHeader.NEXT.getUnsigned(all.asSlice(last));
            }
            VfioInfoCapHeader.NEXT.set(all.asSlice(last), at);
        }
        return cap;
    }

    /** The chain's length in bytes; 0 when no capability was added. */
    public int size() {
        return buf.length;
    }

    /** {@code vfio_info_cap_shift}: adds {@code offset} to every {@code next} (the chain now starts there). */
    public void shift(int offset) {
        MemorySegment all = MemorySegment.ofArray(buf);
        long at = 0;
        while (buf.length > 0) {
            MemorySegment cap = all.asSlice(at);
            long next = VfioInfoCapHeader.NEXT.getUnsigned(cap);
            if (next == 0) {
                break;
            }
            VfioInfoCapHeader.NEXT.set(cap, (int) (next + offset));
            at = next;
        }
    }

    /** The chain's bytes, to copy to the user after the info struct. */
    public MemorySegment buffer() {
        return MemorySegment.ofArray(buf);
    }
}
