package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.AddressSpace;
import io.jvfio.emulator.IoMapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A client's SIGSEGV on an emulated MMIO mapping ({@link Protocol#OP_MMIO}), emulated as Linux
 * emulates a TDX or SEV guest's MMIO: the faulting instruction is read from the client's memory
 * and decoded ({@link MmioInstruction}), its access made on the mapping (so the device sees it,
 * with its side effects, in program order), and the client's registers come back with the loaded
 * value in place and RIP past the instruction.
 *
 * <p>Errors say which signal the program gets: EFAULT, no emulated mapping there or not an
 * instruction Linux emulates (SIGSEGV, as a stray access would); EACCES, the mapping's protection
 * forbids the access (SIGSEGV); EIO, the device refused it (SIGBUS, as vfio-pci's fault handler
 * gives).
 */
final class MmioFault {
    /** Registers of the client's ucontext_t (mcontext_t.gregs: NGREG 64-bit slots). */
    static final int GREGS = 23;

    // Slots in gregs (<sys/ucontext.h>, REG_*).
    private static final int REG_RDI = 8;
    private static final int REG_RSI = 9;
    private static final int REG_RCX = 14;
    private static final int REG_RIP = 16;
    private static final int REG_EFL = 17;
    private static final long EFLAGS_DF = 1L << 10;

    /** An x86 register number (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15) to its slot. */
    private static final int[] SLOT = {13, 14, 12, 11, 15, 10, 9, 8, 0, 1, 2, 3, 4, 5, 6, 7};

    private MmioFault() {}

    /** Emulates the instruction that faulted at {@code address}; {@code gregs} are updated in place. */
    static void emulate(AddressSpace space, long address, long[] gregs) {
        long rip = gregs[REG_RIP];
        byte[] code = new byte[MmioInstruction.MAX_LENGTH];
        MmioInstruction insn = MmioInstruction.decode(code, fetch(space, rip, code));
        int size = insn.size();
        switch (insn.kind()) {
            case WRITE -> store(space, address, size, register(gregs, insn));
            case WRITE_IMM -> store(space, address, size, insn.immediate());
            case READ, READ_ZERO_EXTEND -> setRegister(gregs, insn, load(space, address, size));
            case READ_SIGN_EXTEND -> {
                int shift = 64 - 8 * size;
                setRegister(gregs, insn, (load(space, address, size) << shift) >> shift);
            }
            case MOVS -> movs(space, gregs, insn);
        }
        gregs[REG_RIP] = rip + insn.length();
    }

    /** The instruction's bytes: as many as can be read, up to the end of RIP's page if the next is not mapped. */
    private static int fetch(AddressSpace space, long rip, byte[] code) {
        int toPageEnd = (int) (Linux.PAGE_SIZE - (rip & (Linux.PAGE_SIZE - 1)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(code.length);
            for (int n : new int[] {code.length, Math.min(code.length, toPageEnd)}) {
                try {
                    space.copyIn(rip, buf, n);
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, code, 0, n);
                    return n;
                } catch (ErrnoException e) {
                    // the instruction ends before an unreadable page, or cannot be read at all
                }
            }
        }
        return 0;
    }

    private static IoMapping.At mapping(AddressSpace space, long address, int size, int prot) {
        IoMapping.At at = space.ioAt(address);
        if (at == null) {
            throw new ErrnoException(Errno.EFAULT, null, "no MMIO mapping at 0x" + Long.toHexString(address));
        }
        if ((at.prot() & prot) == 0) {
            throw new ErrnoException(Errno.EACCES, null, "the MMIO mapping's protection forbids the access");
        }
        if (size > at.left()) {
            throw new ErrnoException(Errno.EIO, null, "an access past the end of the MMIO mapping");
        }
        return at;
    }

    private static long load(AddressSpace space, long address, int size) {
        IoMapping.At at = mapping(space, address, size, Linux.Prot.READ);
        return at.io().read(at.offset(), size) & mask(size);
    }

    private static void store(AddressSpace space, long address, int size, long value) {
        IoMapping.At at = mapping(space, address, size, Linux.Prot.WRITE);
        at.io().write(at.offset(), size, value & mask(size));
    }

    /**
     * MOVS, REP MOVS: element by element from [RSI] to [RDI], either side MMIO or memory, RSI and
     * RDI stepping by the element size (backwards under EFLAGS.DF), RCX counting down under REP.
     */
    private static void movs(AddressSpace space, long[] gregs, MmioInstruction insn) {
        int size = insn.size();
        long step = (gregs[REG_EFL] & EFLAGS_DF) != 0 ? -size : size;
        long count = insn.repeat() ? gregs[REG_RCX] : 1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment element = arena.allocate(8);
            for (long i = 0; i < count; i++) {
                long src = gregs[REG_RSI];
                long dst = gregs[REG_RDI];
                long value;
                if (space.ioAt(src) != null) {
                    value = load(space, src, size);
                } else {
                    space.copyIn(src, element, size);
                    value = element.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) & mask(size);
                }
                if (space.ioAt(dst) != null) {
                    store(space, dst, size, value);
                } else {
                    element.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
                    space.copyOut(element, dst, size);
                }
                gregs[REG_RSI] = src + step;
                gregs[REG_RDI] = dst + step;
                if (insn.repeat()) {
                    gregs[REG_RCX]--;
                }
            }
        }
    }

    /** The register operand's value (AH..BH: bits 8-15 of RAX..RBX). */
    private static long register(long[] gregs, MmioInstruction insn) {
        long v = gregs[SLOT[insn.highByte() ? insn.reg() - 4 : insn.reg()]];
        return insn.highByte() ? v >>> 8 : v;
    }

    /**
     * Writes {@code value} to the register operand as the CPU does at its width: a 32-bit write
     * clears the upper half, 8- and 16-bit writes leave the rest of the register alone.
     */
    private static void setRegister(long[] gregs, MmioInstruction insn, long value) {
        int width = insn.operandSize();
        if (insn.highByte()) {
            int slot = SLOT[insn.reg() - 4];
            gregs[slot] = (gregs[slot] & ~0xFF00L) | ((value & 0xFF) << 8);
            return;
        }
        int slot = SLOT[insn.reg()];
        gregs[slot] = switch (width) {
            case 1, 2 -> (gregs[slot] & ~mask(width)) | (value & mask(width));
            case 4 -> value & mask(4);
            default -> value;
        };
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }
}
