package io.jvfio.emulator.pci;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian 1/2/4/8-byte access to a segment, as bus accesses to RAM and device memory are. */
final class Le {
    private Le() {}

    static long read(MemorySegment s, long at, int size) {
        return switch (size) {
            case 1 -> s.get(ValueLayout.JAVA_BYTE, at) & 0xffL;
            case 2 -> s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at) & 0xffffL;
            case 4 -> s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at) & 0xffffffffL;
            case 8 -> s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    static void write(MemorySegment s, long at, int size, long value) {
        switch (size) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, at, (byte) value);
            case 2 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at, (short) value);
            case 4 -> s.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at, (int) value);
            case 8 -> s.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at, value);
            default -> throw new IllegalArgumentException("access size " + size);
        }
    }
}
