package io.jvfio.abi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One named member of a {@link StructDef}, at the byte offset the C compiler gives it. Accessors use
 * unaligned little-endian access so they work on any segment: native user memory, a heap copy the
 * emulated kernel made, or a slice at an odd offset inside a capability chain.
 */
public abstract sealed class Field permits Field.U8, Field.U16, Field.U32, Field.U64, Field.Bytes, Field.Nested {
    private final String name;
    private final long offset;
    private final MemoryLayout layout;

    Field(String name, long offset, MemoryLayout layout) {
        this.name = name;
        this.offset = offset;
        this.layout = layout;
    }

    public String name() {
        return name;
    }

    /** Byte offset inside the enclosing struct. */
    public long offset() {
        return offset;
    }

    /** Size in bytes (0 for a flexible array member). */
    public long size() {
        return layout.byteSize();
    }

    public MemoryLayout layout() {
        return layout;
    }

    /**
     * This member as seen from an enclosing struct that holds its struct {@code delta} bytes in: how
     * anonymous members are promoted and how members of a nested struct are addressed directly.
     */
    public Field movedBy(long delta) {
        long at = offset + delta;
        return switch (this) {
            case U8 x -> new U8(x.name(), at);
            case U16 x -> new U16(x.name(), at);
            case U32 x -> new U32(x.name(), at);
            case U64 x -> new U64(x.name(), at);
            case Bytes x -> new Bytes(x.name(), at, x.layout(), x.elementSize(), x.count());
            case Nested x -> new Nested(x.name(), at, x.layout(), x.type(), x.count());
        };
    }

    /** The bytes of this member inside {@code struct}. */
    public MemorySegment slice(MemorySegment struct) {
        return struct.asSlice(offset, layout.byteSize());
    }

    /** An 8-bit unsigned member ({@code __u8}). */
    public static final class U8 extends Field {
        U8(String name, long offset) {
            super(name, offset, ValueLayout.JAVA_BYTE);
        }

        public int get(MemorySegment s) {
            return Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, offset()));
        }

        public void set(MemorySegment s, int value) {
            s.set(ValueLayout.JAVA_BYTE, offset(), (byte) value);
        }
    }

    /** A 16-bit member ({@code __u16}); read as an unsigned int. */
    public static final class U16 extends Field {
        U16(String name, long offset) {
            super(name, offset, ValueLayout.JAVA_SHORT);
        }

        public int get(MemorySegment s) {
            return Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset()));
        }

        public void set(MemorySegment s, int value) {
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset(), (short) value);
        }
    }

    /** A 32-bit member ({@code __u32} or {@code __s32}); {@link #getUnsigned} widens without sign. */
    public static final class U32 extends Field {
        U32(String name, long offset) {
            super(name, offset, ValueLayout.JAVA_INT);
        }

        public int get(MemorySegment s) {
            return s.get(ValueLayout.JAVA_INT_UNALIGNED, offset());
        }

        public long getUnsigned(MemorySegment s) {
            return Integer.toUnsignedLong(get(s));
        }

        public void set(MemorySegment s, int value) {
            s.set(ValueLayout.JAVA_INT_UNALIGNED, offset(), value);
        }
    }

    /** A 64-bit member ({@code __aligned_u64}); unsigned values above 2^63 read as negative longs. */
    public static final class U64 extends Field {
        U64(String name, long offset) {
            super(name, offset, ValueLayout.JAVA_LONG);
        }

        public long get(MemorySegment s) {
            return s.get(ValueLayout.JAVA_LONG_UNALIGNED, offset());
        }

        public void set(MemorySegment s, long value) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, offset(), value);
        }
    }

    /**
     * A fixed array of scalars ({@code __u8 name[16]}, {@code __u32 x[4]}) or a flexible array member
     * ({@code __u64 data[]}, count 0): elements are addressed by index from the member's offset.
     */
    public static final class Bytes extends Field {
        private final long elementSize;
        private final long count;

        Bytes(String name, long offset, MemoryLayout layout, long elementSize, long count) {
            super(name, offset, layout);
            this.elementSize = elementSize;
            this.count = count;
        }

        public long elementSize() {
            return elementSize;
        }

        /** Number of elements; 0 for a flexible array member. */
        public long count() {
            return count;
        }

        public boolean flexible() {
            return count == 0;
        }

        /** Byte offset of element {@code index}. */
        public long elementOffset(long index) {
            return offset() + index * elementSize;
        }

        public long getLong(MemorySegment s, long index) {
            long at = elementOffset(index);
            return switch ((int) elementSize) {
                case 1 -> Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, at));
                case 2 -> Short.toUnsignedLong(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
                case 4 -> Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT_UNALIGNED, at));
                default -> s.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
            };
        }

        public void setLong(MemorySegment s, long index, long value) {
            long at = elementOffset(index);
            switch ((int) elementSize) {
                case 1 -> s.set(ValueLayout.JAVA_BYTE, at, (byte) value);
                case 2 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, (short) value);
                case 4 -> s.set(ValueLayout.JAVA_INT_UNALIGNED, at, (int) value);
                default -> s.set(ValueLayout.JAVA_LONG_UNALIGNED, at, value);
            }
        }

        /** A NUL-terminated string stored in a fixed {@code char[]} member. */
        public String getString(MemorySegment s) {
            byte[] b = slice(s).toArray(ValueLayout.JAVA_BYTE);
            int n = 0;
            while (n < b.length && b[n] != 0) {
                n++;
            }
            return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * A member that is itself a struct (or an array of them: {@code count} elements, 0 for a
     * flexible array such as {@code struct vfio_iova_range iova_ranges[]}).
     */
    public static final class Nested extends Field {
        private final StructDef type;
        private final long count;

        Nested(String name, long offset, MemoryLayout layout, StructDef type, long count) {
            super(name, offset, layout);
            this.type = type;
            this.count = count;
        }

        public StructDef type() {
            return type;
        }

        /** 1 for a plain member, N for an array, 0 for a flexible array member. */
        public long count() {
            return count;
        }

        /** Element {@code index} as a segment of {@code type().size()} bytes. */
        public MemorySegment element(MemorySegment s, long index) {
            return s.asSlice(offset() + index * type.size(), type.size());
        }

        /**
         * Member {@code name} of this (single) nested struct, at its offset in the enclosing struct:
         * {@code cmd.add_reserved.start} is read straight from the command's segment.
         */
        public Field member(String name) {
            if (count != 1) {
                throw new IllegalStateException(name() + " is an array; use element()");
            }
            return type.field(name).movedBy(offset());
        }

        public U8 u8(String name) {
            return (U8) member(name);
        }

        public U16 u16(String name) {
            return (U16) member(name);
        }

        public U32 u32(String name) {
            return (U32) member(name);
        }

        public U64 u64(String name) {
            return (U64) member(name);
        }

        public Bytes array(String name) {
            return (Bytes) member(name);
        }

        public Nested nested(String name) {
            return (Nested) member(name);
        }
    }
}
