package io.jvfio.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class ExtensibleTest {
    // 24 bytes; the kernel needs the first 16.
    private static final StructDef DEF = StructDef.builder("ext")
            .u32("size")
            .u32("flags")
            .u64("must")
            .u64("optional")
            .minSizeThrough("must")
            .build();

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("no ErrnoException");
    }

    @Test
    void belowTheMinimumIsEinval() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment user = arena.allocate(15);
            assertThat(errnoOf(() -> Extensible.copyIn(DEF, user, arena))).isEqualTo(Errno.EINVAL);
            assertThat(errnoOf(() -> Extensible.checkMinimum(DEF, 15))).isEqualTo(Errno.EINVAL);
        }
        Extensible.checkMinimum(DEF, 16);
    }

    @Test
    void aNonZeroByteInTheUnknownTailIsE2big() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment user = arena.allocate(40);
            user.set(ValueLayout.JAVA_BYTE, 39, (byte) 1);
            assertThat(errnoOf(() -> Extensible.copyIn(DEF, user, arena))).isEqualTo(Errno.E2BIG);
            MemorySegment oneMore = arena.allocate(25);
            oneMore.set(ValueLayout.JAVA_BYTE, 24, (byte) 0x80);
            assertThat(errnoOf(() -> Extensible.copyIn(DEF, oneMore, arena))).isEqualTo(Errno.E2BIG);
        }
    }

    @Test
    void aZeroTailIsAcceptedAndIgnored() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment user = arena.allocate(33);
            DEF.u64("optional").set(user, 7);
            MemorySegment kernel = Extensible.copyIn(DEF, user, arena);
            assertThat(kernel.byteSize()).isEqualTo(DEF.size());
            assertThat(DEF.u64("optional").get(kernel)).isEqualTo(7);
        }
    }

    @Test
    void aShortInputReadsAsZeroFilled() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment user = arena.allocate(16);
            user.fill((byte) 0x5a);
            MemorySegment kernel = Extensible.copyIn(DEF, user, arena);
            assertThat(kernel.byteSize()).isEqualTo(24);
            assertThat(DEF.u64("must").get(kernel)).isEqualTo(0x5a5a5a5a5a5a5a5aL);
            assertThat(DEF.u64("optional").get(kernel)).isZero();
        }
    }

    @Test
    void copyBackIsTheSmallerOfUserAndKernelSize() {
        assertThat(Extensible.copyBackLength(DEF, 16)).isEqualTo(16);
        assertThat(Extensible.copyBackLength(DEF, 24)).isEqualTo(24);
        assertThat(Extensible.copyBackLength(DEF, 4096)).isEqualTo(24);
    }

    @Test
    void allZeroLooksAtEveryByte() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(19);
            assertThat(Extensible.allZero(s)).isTrue();
            for (long i : new long[] {0, 7, 8, 18}) {
                s.fill((byte) 0);
                s.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
                assertThat(Extensible.allZero(s)).as("byte %d set", i).isFalse();
            }
            assertThat(Extensible.allZero(MemorySegment.NULL)).as("empty").isTrue();
        }
    }

    @Test
    void errorsNameTheStruct() {
        assertThatThrownBy(() -> Extensible.checkMinimum(DEF, 3))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("ext size 3 < 16");
    }
}
