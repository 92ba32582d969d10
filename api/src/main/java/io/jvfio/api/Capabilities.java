package io.jvfio.api;

import io.jvfio.abi.vfio.VfioInfoCapHeader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a VFIO capability chain: {@code cap_offset} names the first header, each header's {@code
 * next} the following one (offsets from the start of the info buffer), 0 ends the chain.
 */
final class Capabilities {
    private Capabilities() {}

    /** The chain in {@code info} starting at {@code firstOffset} (0: no chain). */
    static List<Capability> parse(MemorySegment info, long firstOffset) {
        List<Capability> caps = new ArrayList<>();
        long at = firstOffset;
        long headerSize = VfioInfoCapHeader.DEF.size();
        while (at != 0) {
            if (at < 0 || at + headerSize > info.byteSize()) {
                throw new IllegalStateException(
                        "capability at offset " + at + " lies outside the " + info.byteSize() + "-byte info");
            }
            MemorySegment header = info.asSlice(at, headerSize);
            long next = VfioInfoCapHeader.NEXT.getUnsigned(header);
            // The kernel lays the chain out in ascending order; anything else would loop forever.
            if (next != 0 && next <= at) {
                throw new IllegalStateException("capability chain goes backwards: " + at + " -> " + next);
            }
            long end = next == 0 ? info.byteSize() : Math.min(next, info.byteSize());
            MemorySegment copy =
                    MemorySegment.ofArray(info.asSlice(at, end - at).toArray(ValueLayout.JAVA_BYTE));
            caps.add(new Capability(
                    VfioInfoCapHeader.ID.get(header), VfioInfoCapHeader.VERSION.get(header), copy.asReadOnly()));
            at = next;
        }
        return List.copyOf(caps);
    }
}
