package io.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.AddressSpace;
import io.jvfio.emulator.IoMapping;
import io.jvfio.emulator.ProcMaps;
import io.jvfio.kernel.nativeimpl.ProcessMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The MMIO fault emulation on x86-64 encodings as gcc emits them for volatile accesses: decode
 * (length, kind, widths, registers) and the effect on the device and the registers.
 */
class MmioFaultTest {
    /** Where the fake MMIO mapping is (never dereferenced: its accesses go to {@link Device}). */
    private static final long BAR = 0x7f00_0000_0000L;

    private static final int RAX = 13;
    private static final int RCX = 14;
    private static final int RSI = 9;
    private static final int RDI = 8;
    private static final int R8 = 0;
    private static final int RIP = 16;
    private static final int EFL = 17;

    /** A device that logs every access and reads back {@code value}. */
    private static final class Device implements IoMapping {
        final List<String> log = new ArrayList<>();
        long value;

        @Override
        public long read(long offset, int size) {
            log.add("r" + size + "@" + offset);
            return value;
        }

        @Override
        public void write(long offset, int size, long v) {
            log.add("w" + size + "@" + offset + "=" + Long.toHexString(v));
        }
    }

    /** This JVM's memory, with one I/O mapping of two pages at {@link #BAR}. */
    private static final class Space extends AddressSpace {
        Space(IoMapping io, int prot) {
            addIoVma(MemorySegment.ofAddress(BAR).reinterpret(2 * Linux.PAGE_SIZE), io, prot);
        }

        @Override
        public void copyIn(long address, MemorySegment dst, long length) {
            ProcessMemory.copyIn(address, dst, length);
        }

        @Override
        public void copyOut(MemorySegment src, long address, long length) {
            ProcessMemory.copyOut(src, address, length);
        }

        @Override
        protected ProcMaps procMaps() {
            throw new UnsupportedOperationException();
        }

        @Override
        public MemorySegment mapFile(int hostFd, long offset, long length, int prot, int flags) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long physical(long address) {
            return address;
        }
    }

    private final Arena arena = Arena.ofAuto();
    private final Device device = new Device();

    private static MmioInstruction decode(String hex) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        return MmioInstruction.decode(code, code.length);
    }

    /** Runs the instruction {@code hex} faulting at {@code BAR + offset} with {@code gregs}. */
    private long[] emulate(Space space, String hex, long offset, long[] gregs) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        MemorySegment text = arena.allocate(64);
        MemorySegment.copy(code, 0, text, ValueLayout.JAVA_BYTE, 0, code.length);
        gregs[RIP] = text.address();
        MmioFault.emulate(space, BAR + offset, gregs);
        assertThat(gregs[RIP] - text.address()).as("RIP past the instruction").isEqualTo(code.length);
        return gregs;
    }

    private long[] emulate(String hex, long offset, long[] gregs) {
        return emulate(new Space(device, Linux.Prot.READ | Linux.Prot.WRITE), hex, offset, gregs);
    }

    private static long[] gregs(int slot, long value) {
        long[] g = new long[MmioFault.GREGS];
        g[slot] = value;
        return g;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "8b 07, READ, 4, 4, 0, 2", // mov eax,[rdi]
        "48 8b 07, READ, 8, 8, 0, 3", // mov rax,[rdi]
        "66 8b 07, READ, 2, 2, 0, 3", // mov ax,[rdi]
        "44 8b 47 10, READ, 4, 4, 8, 4", // mov r8d,[rdi+0x10]
        "8b 04 24, READ, 4, 4, 0, 3", // mov eax,[rsp] (SIB)
        "8b 05 00 10 00 00, READ, 4, 4, 0, 6", // mov eax,[rip+0x1000]
        "8b 04 25 00 10 00 00, READ, 4, 4, 0, 7", // mov eax,[0x1000] (SIB, no base)
        "8b 84 8f 00 01 00 00, READ, 4, 4, 0, 7", // mov eax,[rdi+rcx*4+0x100]
        "89 0f, WRITE, 4, 4, 1, 2", // mov [rdi],ecx
        "88 07, WRITE, 1, 1, 0, 2", // mov [rdi],al
        "0f b6 07, READ_ZERO_EXTEND, 1, 4, 0, 3", // movzx eax,byte [rdi]
        "0f b7 07, READ_ZERO_EXTEND, 2, 4, 0, 3", // movzx eax,word [rdi]
        "48 0f bf 07, READ_SIGN_EXTEND, 2, 8, 0, 4", // movsx rax,word [rdi]
        "c7 07 78 56 34 12, WRITE_IMM, 4, 4, -1, 6", // mov dword [rdi],0x12345678
        "c6 87 00 01 00 00 5a, WRITE_IMM, 1, 1, -1, 7", // mov byte [rdi+0x100],0x5a
        "f3 a5, MOVS, 4, 4, -1, 2", // rep movsd
        "f3 48 a5, MOVS, 8, 8, -1, 3", // rep movsq
        "65 8b 04 25 10 00 00 00, READ, 4, 4, 0, 8", // mov eax,gs:[0x10]
    })
    void decodes(String hex, MmioInstruction.Kind kind, int size, int operandSize, int reg, int length) {
        MmioInstruction insn = decode(hex);
        assertThat(insn.kind()).isEqualTo(kind);
        assertThat(insn.size()).isEqualTo(size);
        assertThat(insn.operandSize()).isEqualTo(operandSize);
        assertThat(insn.reg()).isEqualTo(reg);
        assertThat(insn.length()).isEqualTo(length);
    }

    @ParameterizedTest
    @CsvSource({
        "01 07", // add [rdi],eax: read-modify-write
        "0f 10 07", // movups xmm0,[rdi]
        "8b c0", // mov eax,eax: no memory operand
        "c7 c0 01 00 00 00", // mov eax,1
        "c7 4f 00 01 00 00 00", // c7 /1 is not a mov
        "67 8b 07", // 32-bit addressing
        "8b", // cut short
    })
    void refusesWhatLinuxDoesNotEmulate(String hex) {
        assertThatThrownBy(() -> decode(hex)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno())
                .isEqualTo(Errno.EFAULT));
    }

    @Test
    void aThirtyTwoBitLoadClearsTheUpperHalfNarrowerOnesKeepIt() {
        device.value = 0x1122_3344_5566_7788L;
        assertThat(emulate("8b 07", 8, gregs(RAX, -1))[RAX]).isEqualTo(0x5566_7788L);
        assertThat(emulate("66 8b 07", 8, gregs(RAX, -1))[RAX]).isEqualTo(0xffff_ffff_ffff_7788L);
        assertThat(emulate("8a 07", 8, gregs(RAX, -1))[RAX]).isEqualTo(0xffff_ffff_ffff_ff88L);
        assertThat(emulate("48 8b 07", 8, gregs(RAX, 0))[RAX]).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(emulate("44 8b 07", 8, gregs(R8, -1))[R8]).isEqualTo(0x5566_7788L);
        assertThat(device.log).containsExactly("r4@8", "r2@8", "r1@8", "r8@8", "r4@8");
    }

    @Test
    void highByteRegistersWithoutRexLowBytesWithIt() {
        device.value = 0xab;
        assertThat(emulate("8a 27", 0, gregs(RAX, 0x1111))[RAX])
                .as("mov ah,[rdi]")
                .isEqualTo(0xab11);
        assertThat(emulate("40 8a 37", 0, gregs(RSI, 0x1111))[RSI])
                .as("mov sil,[rdi]")
                .isEqualTo(0x11ab);
        emulate("88 27", 0, gregs(RAX, 0x5a00));
        assertThat(device.log).last().as("mov [rdi],ah").isEqualTo("w1@0=5a");
    }

    @Test
    void zeroAndSignExtension() {
        device.value = 0xffff_ffff_ffff_8001L; // a device that does not mask: only the accessed bytes count
        assertThat(emulate("0f b7 07", 0, gregs(RAX, -1))[RAX]).isEqualTo(0x8001L);
        assertThat(emulate("48 0f bf 07", 0, gregs(RAX, 0))[RAX]).isEqualTo(0xffff_ffff_ffff_8001L);
        assertThat(emulate("0f be 07", 0, gregs(RAX, -1))[RAX]).isEqualTo(0x0000_0000_0000_0001L);
        assertThat(emulate("66 0f be 07", 0, gregs(RAX, -1))[RAX]).isEqualTo(0xffff_ffff_ffff_0001L);
    }

    @Test
    void storesOfRegistersAndImmediates() {
        emulate("48 89 07", 16, gregs(RAX, 0x0102_0304_0506_0708L));
        emulate("89 07", 16, gregs(RAX, 0x0102_0304_0506_0708L));
        emulate("48 c7 07 ff ff ff ff", 24, new long[MmioFault.GREGS]);
        emulate("66 c7 07 34 12", 24, new long[MmioFault.GREGS]);
        assertThat(device.log)
                .containsExactly("w8@16=102030405060708", "w4@16=5060708", "w8@24=ffffffffffffffff", "w2@24=1234");
    }

    @Test
    void repMovsGoesElementByElementInEitherDirection() {
        MemorySegment src = arena.allocate(12);
        for (int i = 0; i < 3; i++) {
            src.setAtIndex(ValueLayout.JAVA_INT, i, 0x10 + i);
        }
        long[] g = gregs(RCX, 3);
        g[RSI] = src.address();
        g[RDI] = BAR + 0x40;
        emulate("f3 a5", 0x40, g);
        assertThat(device.log).containsExactly("w4@64=10", "w4@68=11", "w4@72=12");
        assertThat(g[RCX]).isZero();
        assertThat(g[RSI]).isEqualTo(src.address() + 12);
        assertThat(g[RDI]).isEqualTo(BAR + 0x4c);

        device.log.clear();
        device.value = 0x77;
        MemorySegment dst = arena.allocate(8);
        g = gregs(RCX, 2);
        g[EFL] = 1 << 10; // DF: backwards
        g[RSI] = BAR + 0x81;
        g[RDI] = dst.address() + 1;
        emulate("f3 a4", 0x81, g);
        assertThat(device.log).containsExactly("r1@129", "r1@128");
        assertThat(dst.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x77);
        assertThat(dst.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 0x77);
        assertThat(g[RSI]).isEqualTo(BAR + 0x7f);
    }

    @Test
    void whatIsNotAnAllowedAccessSaysWhichSignal() {
        Space readOnly = new Space(device, Linux.Prot.READ);
        assertThatThrownBy(() -> emulate(readOnly, "89 07", 0, new long[MmioFault.GREGS]))
                .isInstanceOfSatisfying(
                        ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        assertThatThrownBy(() -> {
                    long[] g = new long[MmioFault.GREGS];
                    MemorySegment text = arena.allocate(8);
                    text.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x078b);
                    g[RIP] = text.address();
                    MmioFault.emulate(readOnly, BAR + 2 * Linux.PAGE_SIZE, g);
                })
                .as("past the mapping")
                .isInstanceOfSatisfying(
                        ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThatThrownBy(() -> emulate("48 8b 07", 2 * Linux.PAGE_SIZE - 4, new long[MmioFault.GREGS]))
                .as("straddling its end")
                .isInstanceOfSatisfying(
                        ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(device.log).isEmpty();
    }
}
