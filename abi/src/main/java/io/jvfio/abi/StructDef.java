package io.jvfio.abi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A C struct of the uAPI as a {@link StructLayout} with named members. The builder lays members out
 * the way the x86-64 C compiler does (natural alignment, tail padding to the largest alignment;
 * every {@code __u64} in these headers is {@code __aligned_u64}), so a definition reads like the
 * header it comes from and the ABI test checks every offset against gcc.
 *
 * <p>{@code minSize} is the size the kernel insists on: the end of the last mandatory member for
 * iommufd ({@code IOCTL_OP}'s last field) or VFIO's {@code minsz}.
 */
public final class StructDef {
    private final String cName;
    private final StructLayout layout;
    private final long minSize;
    private final Map<String, Field> fields;

    private StructDef(String cName, StructLayout layout, long minSize, Map<String, Field> fields) {
        this.cName = cName;
        this.layout = layout;
        this.minSize = minSize;
        this.fields = fields;
    }

    public static Builder builder(String cName) {
        return new Builder(cName);
    }

    /** The C name, e.g. {@code iommu_ioas_map}. */
    public String cName() {
        return cName;
    }

    public StructLayout layout() {
        return layout;
    }

    /** {@code sizeof(struct ...)}. */
    public long size() {
        return layout.byteSize();
    }

    /** The smallest size/argsz the kernel accepts for this struct. */
    public long minSize() {
        return minSize;
    }

    /** Members in declaration order. */
    public List<Field> fields() {
        return Collections.unmodifiableList(new ArrayList<>(fields.values()));
    }

    public Field field(String name) {
        Field f = fields.get(name);
        if (f == null) {
            throw new IllegalArgumentException(cName + " has no member " + name);
        }
        return f;
    }

    public Field.U8 u8(String name) {
        return (Field.U8) field(name);
    }

    public Field.U16 u16(String name) {
        return (Field.U16) field(name);
    }

    public Field.U32 u32(String name) {
        return (Field.U32) field(name);
    }

    public Field.U64 u64(String name) {
        return (Field.U64) field(name);
    }

    public Field.Bytes array(String name) {
        return (Field.Bytes) field(name);
    }

    public Field.Nested nested(String name) {
        return (Field.Nested) field(name);
    }

    /**
     * A zeroed instance in {@code arena} of {@code size() + extra} bytes (extra room for a flexible
     * array or a capability chain). If the struct starts with {@code size} or {@code argsz}, that
     * prefix is set to the allocated length, as callers of these ioctls must.
     */
    public MemorySegment allocate(Arena arena, long extra) {
        MemorySegment s = arena.allocate(size() + extra, 8);
        Field first = fields.values().iterator().next();
        if (first instanceof Field.U32 prefix
                && (first.name().equals("size") || first.name().equals("argsz"))) {
            prefix.set(s, (int) (size() + extra));
        }
        return s;
    }

    public MemorySegment allocate(Arena arena) {
        return allocate(arena, 0);
    }

    @Override
    public String toString() {
        return "struct " + cName + " (" + size() + " bytes, min " + minSize + ")";
    }

    /** Declares members in header order; padding is inserted as C would. */
    public static final class Builder {
        private final String cName;
        private final List<MemoryLayout> elements = new ArrayList<>();
        private final Map<String, Field> fields = new LinkedHashMap<>();
        private long offset;
        private long maxAlign = 1;
        private String minThrough;
        private long minSize = -1;

        private Builder(String cName) {
            this.cName = cName;
        }

        private long place(MemoryLayout member) {
            long align = member.byteAlignment();
            maxAlign = Math.max(maxAlign, align);
            long pad = (align - offset % align) % align;
            if (pad > 0) {
                elements.add(MemoryLayout.paddingLayout(pad));
                offset += pad;
            }
            long at = offset;
            elements.add(member);
            offset += member.byteSize();
            return at;
        }

        private Builder add(Field f) {
            if (fields.putIfAbsent(f.name(), f) != null) {
                throw new IllegalArgumentException(cName + "." + f.name() + " declared twice");
            }
            return this;
        }

        public Builder u8(String name) {
            return add(new Field.U8(name, place(ValueLayout.JAVA_BYTE.withName(name))));
        }

        public Builder u16(String name) {
            return add(new Field.U16(name, place(ValueLayout.JAVA_SHORT.withName(name))));
        }

        public Builder u32(String name) {
            return add(new Field.U32(name, place(ValueLayout.JAVA_INT.withName(name))));
        }

        public Builder u64(String name) {
            return add(new Field.U64(name, place(ValueLayout.JAVA_LONG.withName(name))));
        }

        /** {@code __u8 name[count]} / {@code char name[count]}; count 0 declares a flexible array. */
        public Builder u8Array(String name, long count) {
            return scalarArray(name, ValueLayout.JAVA_BYTE, count);
        }

        public Builder u16Array(String name, long count) {
            return scalarArray(name, ValueLayout.JAVA_SHORT, count);
        }

        public Builder u32Array(String name, long count) {
            return scalarArray(name, ValueLayout.JAVA_INT, count);
        }

        public Builder u64Array(String name, long count) {
            return scalarArray(name, ValueLayout.JAVA_LONG, count);
        }

        private Builder scalarArray(String name, ValueLayout element, long count) {
            MemoryLayout seq = MemoryLayout.sequenceLayout(count, element).withName(name);
            long at = place(seq);
            return add(new Field.Bytes(name, at, seq, element.byteSize(), count));
        }

        /** A member of struct type. */
        public Builder struct(String name, StructDef type) {
            return structArray(name, type, 1);
        }

        /** {@code struct type name[count]}; count 0 declares a flexible array member. */
        public Builder structArray(String name, StructDef type, long count) {
            MemoryLayout member = count == 1
                    ? type.layout().withName(name)
                    : MemoryLayout.sequenceLayout(count, type.layout()).withName(name);
            long at = place(member);
            return add(new Field.Nested(name, at, member, type, count));
        }

        /**
         * A union: every alternative starts at the same offset, and the union is as large and as
         * aligned as its largest member. Each alternative is a struct or a scalar field declared in
         * a one-member StructDef; its members are reachable by their own names here.
         */
        public Builder union(String name, StructDef... alternatives) {
            long size = 0;
            long align = 1;
            for (StructDef alt : alternatives) {
                size = Math.max(size, alt.size());
                align = Math.max(align, alt.layout().byteAlignment());
            }
            MemoryLayout[] members = new MemoryLayout[alternatives.length];
            for (int i = 0; i < alternatives.length; i++) {
                StructDef alt = alternatives[i];
                MemoryLayout l = alt.layout().withName(alt.cName());
                members[i] = alt.size() == size
                        ? l
                        : MemoryLayout.structLayout(l, MemoryLayout.paddingLayout(size - alt.size()));
            }
            MemoryLayout unionLayout =
                    MemoryLayout.unionLayout(members).withName(name).withByteAlignment(align);
            long at = place(unionLayout);
            for (StructDef alt : alternatives) {
                for (Field f : alt.fields.values()) {
                    add(rebase(f, at));
                }
            }
            return this;
        }

        private static Field rebase(Field f, long base) {
            long at = base + f.offset();
            return switch (f) {
                case Field.U8 x -> new Field.U8(x.name(), at);
                case Field.U16 x -> new Field.U16(x.name(), at);
                case Field.U32 x -> new Field.U32(x.name(), at);
                case Field.U64 x -> new Field.U64(x.name(), at);
                case Field.Bytes x -> new Field.Bytes(x.name(), at, x.layout(), x.elementSize(), x.count());
                case Field.Nested x -> new Field.Nested(x.name(), at, x.layout(), x.type(), x.count());
            };
        }

        /** The kernel's minimum size is the end of member {@code name}. */
        public Builder minSizeThrough(String name) {
            this.minThrough = name;
            return this;
        }

        /** The kernel's minimum size, when it is not the end of a member. */
        public Builder minSize(long bytes) {
            this.minSize = bytes;
            return this;
        }

        public StructDef build() {
            long tail = (maxAlign - offset % maxAlign) % maxAlign;
            if (tail > 0) {
                elements.add(MemoryLayout.paddingLayout(tail));
            }
            StructLayout layout = MemoryLayout.structLayout(elements.toArray(MemoryLayout[]::new))
                    .withName(cName);
            long min = minSize;
            if (minThrough != null) {
                Field f = fields.get(minThrough);
                if (f == null) {
                    throw new IllegalArgumentException(cName + " has no member " + minThrough);
                }
                min = f.offset() + f.size();
            }
            if (min < 0) {
                min = layout.byteSize();
            }
            return new StructDef(cName, layout, min, fields);
        }
    }
}
