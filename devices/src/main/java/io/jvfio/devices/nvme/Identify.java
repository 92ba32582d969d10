package io.jvfio.devices.nvme;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** The 4 KiB Identify data structures, with the values QEMU 7.2's controller reports. */
final class Identify {
    static final int SIZE = 4096;
    static final String MODEL = "QEMU NVMe Ctrl";
    static final String FIRMWARE = "7.2.0";
    static final int MDTS = 7;
    static final int VERSION = 0x00010400;
    static final int MAX_NAMESPACES = 256;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Identify() {}

    /** Identify Controller (CNS 01h). */
    static MemorySegment controller(String serial, int vendorId, int subsystemVendorId) {
        MemorySegment id = zeroed();
        id.set(U16, 0, (short) vendorId);
        id.set(U16, 2, (short) subsystemVendorId);
        ascii(id, 4, 20, serial);
        ascii(id, 24, 40, MODEL);
        ascii(id, 64, 8, FIRMWARE);
        id.set(ValueLayout.JAVA_BYTE, 72, (byte) 6); // RAB
        id.set(ValueLayout.JAVA_BYTE, 73, (byte) 0x00); // IEEE OUI 52:54:00, least significant byte first
        id.set(ValueLayout.JAVA_BYTE, 74, (byte) 0x54);
        id.set(ValueLayout.JAVA_BYTE, 75, (byte) 0x52);
        id.set(ValueLayout.JAVA_BYTE, 77, (byte) MDTS);
        id.set(U32, 80, VERSION);
        id.set(ValueLayout.JAVA_BYTE, 111, (byte) 1); // CNTRLTYPE: I/O controller
        id.set(ValueLayout.JAVA_BYTE, 258, (byte) 3); // ACL
        id.set(U16, 266, (short) 0x157); // WCTEMP, 343 K
        id.set(U16, 268, (short) 0x175); // CCTEMP, 373 K
        id.set(ValueLayout.JAVA_BYTE, 512, (byte) 0x66); // SQES: 64-byte entries
        id.set(ValueLayout.JAVA_BYTE, 513, (byte) 0x44); // CQES: 16-byte entries
        id.set(U32, 516, MAX_NAMESPACES); // NN
        id.set(ValueLayout.JAVA_BYTE, 525, (byte) 0x07); // VWC: present, broadcast flush supported
        ascii(id, 768, 256, "nqn.2019-08.org.qemu:" + serial);
        id.set(U16, 2048, (short) 0x9c4); // PSD0: max power 25 W (0.01 W units)
        id.set(U32, 2052, 0x10); // ENLAT
        id.set(U32, 2056, 0x4); // EXLAT
        return id;
    }

    /** Identify Namespace (CNS 00h) of a namespace of {@code lbas} 512-byte blocks. */
    static MemorySegment namespace(long lbas) {
        MemorySegment id = zeroed();
        id.set(U64, 0, lbas); // NSZE
        id.set(U64, 8, lbas); // NCAP
        id.set(U64, 16, lbas); // NUSE
        id.set(ValueLayout.JAVA_BYTE, 25, (byte) 7); // NLBAF: eight formats (0-based)
        id.set(ValueLayout.JAVA_BYTE, 26, (byte) 0); // FLBAS: format 0 in use
        id.set(ValueLayout.JAVA_BYTE, 27, (byte) 0x3); // MC
        id.set(ValueLayout.JAVA_BYTE, 28, (byte) 0x1f); // DPC
        id.set(ValueLayout.JAVA_BYTE, 33, (byte) 0x1); // DLFEAT: deallocated blocks read as zeroes
        id.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 120, EUI64);
        int[][] formats = {{9, 0}, {9, 8}, {9, 16}, {9, 64}, {12, 0}, {12, 8}, {12, 16}, {12, 64}};
        for (int i = 0; i < formats.length; i++) {
            id.set(U16, 128 + 4L * i, (short) formats[i][1]); // MS
            id.set(ValueLayout.JAVA_BYTE, 128 + 4L * i + 2, (byte) formats[i][0]); // LBADS
        }
        return id;
    }

    /**
     * The EUI-64 QEMU 7.2 gives its first namespace by default (NVME_EUI64_DEFAULT + 1: the
     * 52:54:00 OUI), reported in Identify Namespace and the descriptor list.
     */
    static final long EUI64 = 0x5254_0000_0000_0001L;

    /**
     * Namespace Identification Descriptor list (CNS 03h) as QEMU 7.2 builds it: the namespace UUID
     * (NIDT 3; QEMU's is random per run, this one is derived from the serial), the EUI-64 (NIDT 1)
     * and the Command Set Identifier (NIDT 4: NVM); each a 4-byte header (type, length) and the ID.
     */
    static MemorySegment namespaceDescriptors(String serial, int nsid) {
        MemorySegment id = zeroed();
        java.util.UUID uuid =
                java.util.UUID.nameUUIDFromBytes((serial + "/" + nsid).getBytes(StandardCharsets.US_ASCII));
        long at = 0;
        id.set(ValueLayout.JAVA_BYTE, at, (byte) 3);
        id.set(ValueLayout.JAVA_BYTE, at + 1, (byte) 16);
        id.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 4, uuid.getMostSignificantBits());
        id.set(
                ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN),
                at + 12,
                uuid.getLeastSignificantBits());
        at += 4 + 16;
        id.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
        id.set(ValueLayout.JAVA_BYTE, at + 1, (byte) 8);
        id.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 4, EUI64);
        at += 4 + 8;
        id.set(ValueLayout.JAVA_BYTE, at, (byte) 4);
        id.set(ValueLayout.JAVA_BYTE, at + 1, (byte) 1);
        id.set(ValueLayout.JAVA_BYTE, at + 4, (byte) 0); // CSI: NVM
        return id;
    }

    /** Active Namespace ID list (CNS 02h): active NSIDs above {@code after}, ascending. */
    static MemorySegment activeNamespaces(int after, int... active) {
        MemorySegment id = zeroed();
        int n = 0;
        for (int nsid : active) {
            if (Integer.compareUnsigned(nsid, after) > 0 && n < SIZE / 4) {
                id.setAtIndex(U32, n++, nsid);
            }
        }
        return id;
    }

    static MemorySegment zeroed() {
        return Arena.ofAuto().allocate(SIZE);
    }

    /** Space-padded ASCII, as the spec's string fields are. */
    private static void ascii(MemorySegment id, long offset, int length, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            id.set(ValueLayout.JAVA_BYTE, offset + i, i < bytes.length ? bytes[i] : (byte) ' ');
        }
    }
}
