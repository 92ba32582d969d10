package io.jvfio.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class StructDefTest {
    @Test
    void padsEachMemberToItsAlignmentAndTheTailToTheLargest() {
        // struct { __u8 a; __u32 b; __u16 c; __u64 d; __u8 e; }: 0, 4, 8, 16, 24; sizeof 32.
        StructDef def = StructDef.builder("t")
                .u8("a")
                .u32("b")
                .u16("c")
                .u64("d")
                .u8("e")
                .build();
        assertThat(def.fields()).extracting(Field::offset).containsExactly(0L, 4L, 8L, 16L, 24L);
        assertThat(def.size()).isEqualTo(32);
        assertThat(def.layout().byteAlignment()).isEqualTo(8);
    }

    @Test
    void minimumIsTheWholeStructUnlessSaidOtherwise() {
        assertThat(StructDef.builder("t").u32("a").u32("b").build().minSize()).isEqualTo(8);
        assertThat(StructDef.builder("t")
                        .u32("a")
                        .u64("b")
                        .u32("c")
                        .minSizeThrough("b")
                        .build()
                        .minSize())
                .isEqualTo(16);
        assertThat(StructDef.builder("t").u32("a").u32("b").minSize(4).build().minSize())
                .isEqualTo(4);
        assertThatThrownBy(() ->
                        StructDef.builder("t").u32("a").minSizeThrough("zz").build())
                .hasMessageContaining("t has no member zz");
    }

    @Test
    void anonymousUnionMembersShareAnOffsetAndArePromoted() {
        // struct { __u32 a; union { __u32 x; __u64 y; __u8 z[12]; }; __u8 after; }
        StructDef union =
                StructDef.anonymousUnion().u32("x").u64("y").u8Array("z", 12).build();
        assertThat(union.anonymous()).isTrue();
        assertThat(union.union()).isTrue();
        assertThat(union.size()).as("12 rounded up to the 8-byte alignment").isEqualTo(16);
        StructDef def =
                StructDef.builder("t").u32("a").anonymous(union).u8("after").build();
        assertThat(def.field("x").offset()).isEqualTo(8);
        assertThat(def.field("y").offset()).isEqualTo(8);
        assertThat(def.field("z").offset()).isEqualTo(8);
        assertThat(def.field("after").offset()).isEqualTo(24);
        assertThat(def.size()).isEqualTo(32);
    }

    @Test
    void onlyAnAnonymousStructCanBePromoted() {
        StructDef named = StructDef.builder("named").u32("x").build();
        assertThatThrownBy(() -> StructDef.builder("t").anonymous(named))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("named");
    }

    @Test
    void promotedNamesMustNotCollide() {
        StructDef union = StructDef.anonymousUnion().u32("a").build();
        assertThatThrownBy(() -> StructDef.builder("t").u32("a").anonymous(union))
                .hasMessageContaining("t.a declared twice");
    }

    @Test
    void membersOfANestedStructAreAddressedFromTheOuterStruct() {
        StructDef inner = StructDef.anonymousStruct().u32("p").u64("q").build();
        StructDef def = StructDef.builder("t").u32("head").struct("in", inner).build();
        Field.Nested in = def.nested("in");
        assertThat(in.offset()).isEqualTo(8);
        assertThat(in.u64("q").offset()).isEqualTo(16);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = def.allocate(arena);
            in.u64("q").set(s, 0x1122334455667788L);
            assertThat(inner.u64("q").get(in.element(s, 0))).isEqualTo(0x1122334455667788L);
        }
    }

    @Test
    void flexibleArraysTakeNoRoomAndIndexPastTheEnd() {
        StructDef elem = StructDef.builder("e").u64("start").u64("last").build();
        StructDef def = StructDef.builder("t")
                .u32("argsz")
                .u32("count")
                .structArray("ranges", elem, 0)
                .build();
        Field.Nested ranges = def.nested("ranges");
        assertThat(def.size()).isEqualTo(8);
        assertThat(ranges.size()).isZero();
        assertThat(ranges.count()).isZero();
        StructDef bytes = StructDef.builder("b").u32("argsz").u8Array("data", 0).build();
        assertThat(bytes.array("data").flexible()).isTrue();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = def.allocate(arena, 2 * elem.size());
            elem.u64("last").set(ranges.element(s, 1), 42);
            assertThat(s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8 + 16 + 8))
                    .isEqualTo(42);
        }
    }

    @Test
    void allocateWritesTheLengthIntoSizeOrArgsz() {
        StructDef sized = StructDef.builder("s").u32("size").u32("x").build();
        StructDef argsz = StructDef.builder("a").u32("argsz").u32("x").build();
        StructDef neither = StructDef.builder("n").u32("flags").u32("x").build();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = sized.allocate(arena);
            assertThat(sized.u32("size").get(a)).isEqualTo(8);
            MemorySegment b = argsz.allocate(arena, 24);
            assertThat(b.byteSize()).isEqualTo(32);
            assertThat(argsz.u32("argsz").get(b)).isEqualTo(32);
            assertThat(neither.u32("flags").get(neither.allocate(arena))).isZero();
        }
    }

    @Test
    void accessorsAreUnsignedLittleEndianAndTyped() {
        StructDef def = StructDef.builder("t")
                .u8("b")
                .u16("h")
                .u32("w")
                .u64("q")
                .u32Array("arr", 2)
                .u8Array("name", 8)
                .build();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = def.allocate(arena);
            def.u8("b").set(s, 0xff);
            def.u16("h").set(s, 0xfffe);
            def.u32("w").set(s, -1);
            def.array("arr").setLong(s, 1, 0xdeadbeefL);
            def.array("name")
                    .slice(s)
                    .copyFrom(MemorySegment.ofArray("vfio\0xx".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            assertThat(def.u8("b").get(s)).isEqualTo(0xff);
            assertThat(def.u16("h").get(s)).isEqualTo(0xfffe);
            assertThat(def.u32("w").getUnsigned(s)).isEqualTo(0xffffffffL);
            assertThat(def.array("arr").getLong(s, 1)).isEqualTo(0xdeadbeefL);
            assertThat(s.get(
                            java.lang.foreign.ValueLayout.JAVA_BYTE,
                            def.array("arr").elementOffset(1)))
                    .as("little endian")
                    .isEqualTo((byte) 0xef);
            assertThat(def.array("name").getString(s)).isEqualTo("vfio");
        }
        assertThatThrownBy(() -> def.u64("w")).isInstanceOf(ClassCastException.class);
        assertThatThrownBy(() -> def.field("nope")).hasMessageContaining("t has no member nope");
    }
}
