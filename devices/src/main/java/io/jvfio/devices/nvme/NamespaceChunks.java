package io.jvfio.devices.nvme;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/** The namespace in the controller's migration stream: 4 KiB chunks as (u32 index, bytes) pairs. */
final class NamespaceChunks {
    static final int CHUNK = 4096;
    private static final MemorySegment ZERO = Arena.global().allocate(CHUNK);

    private NamespaceChunks() {}

    /** The chunks of {@code which}; all-zero ones left out when {@code skipZero}. */
    static byte[] save(MemorySegment namespace, BitSet which, boolean skipZero) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = which.nextSetBit(0); i >= 0; i = which.nextSetBit(i + 1)) {
            MemorySegment chunk = namespace.asSlice((long) i * CHUNK, CHUNK);
            if (skipZero && chunk.mismatch(ZERO) == -1) {
                continue;
            }
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(i)
                    .array());
            out.writeBytes(chunk.toArray(ValueLayout.JAVA_BYTE));
        }
        return out.toByteArray();
    }

    /** Writes the rest of {@code b}'s chunks into the namespace; IllegalArgumentException for a bad one. */
    static void load(MemorySegment namespace, ByteBuffer b) {
        long count = namespace.byteSize() / CHUNK;
        byte[] chunk = new byte[CHUNK];
        while (b.hasRemaining()) {
            int i = b.getInt();
            if (i < 0 || i >= count || b.remaining() < CHUNK) {
                throw new IllegalArgumentException("bad namespace chunk " + i);
            }
            b.get(chunk);
            MemorySegment.copy(chunk, 0, namespace, ValueLayout.JAVA_BYTE, (long) i * CHUNK, CHUNK);
        }
    }

    /** {@code b}, or a copy with room for {@code more} bytes. */
    static ByteBuffer grow(ByteBuffer b, int more) {
        if (b.remaining() >= more) {
            return b;
        }
        ByteBuffer bigger = ByteBuffer.allocate(b.capacity() * 2 + more).order(ByteOrder.LITTLE_ENDIAN);
        return bigger.put(b.flip());
    }
}
