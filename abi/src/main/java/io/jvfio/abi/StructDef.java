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
    private final boolean union;
    private final StructLayout layout;
    private final long minSize;
    private final Map<String, Field> fields;

    private StructDef(String cName, boolean union, StructLayout layout, long minSize, Map<String, Field> fields) {
        this.cName = cName;
        this.union = union;
        this.layout = layout;
        this.minSize = minSize;
        this.fields = fields;
    }

    public static Builder builder(String cName) {
        return new Builder(cName, false);
    }

    /**
     * A struct without a tag, for a member such as {@code struct { ... } add_reserved;} (see {@link
     * Builder#struct}) or an anonymous member (see {@link Builder#anonymous}).
     */
    public static Builder anonymousStruct() {
        return new Builder(null, false);
    }

    /** A union without a tag: every member at offset 0, as large as its largest member. */
    public static Builder anonymousUnion() {
        return new Builder(null, true);
    }

    /** The C tag, e.g. {@code iommu_ioas_map}; null for an anonymous struct or union. */
    public String cName() {
        return cName;
    }

    /** True for a struct or union without a tag, which only exists as a member of another. */
    public boolean anonymous() {
        return cName == null;
    }

    /** True when every member starts at offset 0. */
    public boolean union() {
        return union;
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
        return describe(cName, union) + " (" + size() + " bytes, min " + minSize + ")";
    }

    private static String describe(String cName, boolean union) {
        return cName != null ? "struct " + cName : union ? "anonymous union" : "anonymous struct";
    }

    /** Declares members in header order; padding is inserted as C would. */
    public static final class Builder {
        private final String cName;
        private final boolean union;
        private final List<MemoryLayout> elements = new ArrayList<>();
        private final Map<String, Field> fields = new LinkedHashMap<>();
        private long offset;
        private long maxAlign = 1;
        private String minThrough;
        private long minSize = -1;

        private Builder(String cName, boolean union) {
            this.cName = cName;
            this.union = union;
        }

        private long place(MemoryLayout member) {
            long align = member.byteAlignment();
            maxAlign = Math.max(maxAlign, align);
            if (union) {
                elements.add(member);
                offset = Math.max(offset, member.byteSize());
                return 0;
            }
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
                throw new IllegalArgumentException(describe(cName, union) + "." + f.name() + " declared twice");
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
         * An anonymous struct or union member ({@code union { __u32 a; __u32 b; };}): its layout is
         * placed here and, as C promotes them, its members become members of this struct by their
         * own names.
         */
        public Builder anonymous(StructDef member) {
            if (!member.anonymous()) {
                throw new IllegalArgumentException("struct " + member.cName() + " is not anonymous");
            }
            long at = place(member.layout());
            for (Field f : member.fields.values()) {
                add(f.movedBy(at));
            }
            return this;
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
            if (union) {
                // The union layout holds the members; tail padding wraps it like any struct's.
                MemoryLayout u = MemoryLayout.unionLayout(elements.toArray(MemoryLayout[]::new));
                elements.clear();
                elements.add(u);
            }
            long tail = (maxAlign - offset % maxAlign) % maxAlign;
            if (tail > 0) {
                elements.add(MemoryLayout.paddingLayout(tail));
            }
            StructLayout layout = MemoryLayout.structLayout(elements.toArray(MemoryLayout[]::new));
            if (cName != null) {
                layout = layout.withName(cName);
            }
            long min = minSize;
            if (minThrough != null) {
                Field f = fields.get(minThrough);
                if (f == null) {
                    throw new IllegalArgumentException(describe(cName, union) + " has no member " + minThrough);
                }
                min = f.offset() + f.size();
            }
            if (min < 0) {
                min = layout.byteSize();
            }
            return new StructDef(cName, union, layout, min, fields);
        }
    }
}
