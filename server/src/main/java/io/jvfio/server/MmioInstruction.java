package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/**
 * An x86-64 instruction that faulted on an emulated MMIO mapping, decoded as far as emulating it
 * needs: the forms Linux's insn_decode_mmio knows (arch/x86/lib/insn-eval.c), which is what
 * compilers emit for volatile loads and stores (readl/writel, *(volatile u32 *)p): MOV to and from
 * a register (88, 89, 8A, 8B), MOV of an immediate (C6 /0, C7 /0), MOVZX and MOVSX (0F B6, B7, BE,
 * BF) and MOVS (A4, A5, with or without REP). Anything else (SSE and AVX moves, read-modify-write
 * instructions, a register operand) is not an MMIO access Linux would emulate either: {@link
 * #decode} refuses it with EFAULT, and the program gets its SIGSEGV.
 *
 * <p>Layout decoded: legacy prefixes (66 operand size, 67 address size, F2/F3 repeat, F0, segment
 * overrides), an optional REX byte (40-4F) right before the opcode, the opcode, ModRM, SIB and the
 * displacement, then an immediate. The memory operand's address is not computed: the fault
 * address the host reported is it.
 *
 * @param kind what the instruction does with the memory operand
 * @param size bytes of memory accessed (for MOVS: per element)
 * @param operandSize bytes of the register operand (MOVZX/MOVSX widen {@code size} to it)
 * @param reg the register operand's x86 number (0 RAX .. 15 R15), -1 if none
 * @param highByte whether {@code reg} 4-7 name AH, CH, DH, BH (a byte operand without REX)
 * @param immediate the immediate stored, sign-extended to {@code size}
 * @param repeat whether MOVS has a REP prefix
 * @param length the instruction's length in bytes
 */
record MmioInstruction(
        MmioInstruction.Kind kind,
        int size,
        int operandSize,
        int reg,
        boolean highByte,
        long immediate,
        boolean repeat,
        int length) {

    /** The kinds of insn_mmio_type. */
    enum Kind {
        WRITE,
        WRITE_IMM,
        READ,
        READ_ZERO_EXTEND,
        READ_SIGN_EXTEND,
        MOVS
    }

    /** The longest x86 instruction. */
    static final int MAX_LENGTH = 15;

    /** Decodes the instruction in {@code code} (up to {@link #MAX_LENGTH} bytes at its start). */
    static MmioInstruction decode(byte[] code, int available) {
        Cursor c = new Cursor(code, available);
        boolean opsize16 = false;
        boolean addr32 = false;
        boolean repeat = false;
        int b;
        while (isLegacyPrefix(b = c.next())) {
            opsize16 |= b == 0x66;
            addr32 |= b == 0x67;
            repeat |= b == 0xF2 || b == 0xF3;
        }
        int rex = 0;
        if ((b & 0xF0) == 0x40) {
            rex = b;
            b = c.next();
        }
        boolean wide = (rex & 0x08) != 0;
        int operandSize = wide ? 8 : opsize16 ? 2 : 4;
        if (addr32) {
            // 32-bit addressing changes what MOVS's RSI/RDI mean; compilers never emit it here.
            throw refused("32-bit addressing");
        }
        return switch (b) {
            case 0x88 -> c.modrm(Kind.WRITE, 1, 1, rex, 0, repeat);
            case 0x89 -> c.modrm(Kind.WRITE, operandSize, operandSize, rex, 0, repeat);
            case 0x8A -> c.modrm(Kind.READ, 1, 1, rex, 0, repeat);
            case 0x8B -> c.modrm(Kind.READ, operandSize, operandSize, rex, 0, repeat);
            case 0xC6 -> c.modrm(Kind.WRITE_IMM, 1, 1, rex, 1, repeat);
            case 0xC7 -> c.modrm(Kind.WRITE_IMM, operandSize, operandSize, rex, Math.min(operandSize, 4), repeat);
            case 0xA4 -> new MmioInstruction(Kind.MOVS, 1, 1, -1, false, 0, repeat, c.position);
            case 0xA5 -> new MmioInstruction(Kind.MOVS, operandSize, operandSize, -1, false, 0, repeat, c.position);
            case 0x0F -> {
                int op = c.next();
                yield switch (op) {
                    case 0xB6 -> c.modrm(Kind.READ_ZERO_EXTEND, 1, operandSize, rex, 0, repeat);
                    case 0xB7 -> c.modrm(Kind.READ_ZERO_EXTEND, 2, operandSize, rex, 0, repeat);
                    case 0xBE -> c.modrm(Kind.READ_SIGN_EXTEND, 1, operandSize, rex, 0, repeat);
                    case 0xBF -> c.modrm(Kind.READ_SIGN_EXTEND, 2, operandSize, rex, 0, repeat);
                    default -> throw refused(String.format("opcode 0f %02x", op));
                };
            }
            default -> throw refused(String.format("opcode %02x", b));
        };
    }

    /** Operand and address size, repeat, LOCK, segment overrides (the fault address includes the segment's base). */
    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65 -> true;
            default -> false;
        };
    }

    private static ErrnoException refused(String why) {
        return new ErrnoException(Errno.EFAULT, null, "not an MMIO instruction Linux emulates: " + why);
    }

    /** Reads the instruction's bytes in order. */
    private static final class Cursor {
        private final byte[] code;
        private final int available;
        int position;

        Cursor(byte[] code, int available) {
            this.code = code;
            this.available = Math.min(available, MAX_LENGTH);
        }

        int next() {
            if (position >= available) {
                throw refused("the instruction's bytes could not be read");
            }
            return code[position++] & 0xFF;
        }

        /** ModRM (memory operand only), SIB, displacement, then an immediate of {@code immBytes}. */
        MmioInstruction modrm(Kind kind, int size, int operandSize, int rex, int immBytes, boolean repeat) {
            int modrm = next();
            int mod = modrm >>> 6;
            int regField = (modrm >>> 3) & 7;
            int rm = modrm & 7;
            if (mod == 3) {
                throw refused("a register operand");
            }
            if (immBytes > 0 && regField != 0) {
                throw refused("opcode extension /" + regField);
            }
            if (rm == 4) {
                int sib = next();
                if (mod == 0 && (sib & 7) == 5) {
                    skip(4);
                }
            } else if (mod == 0 && rm == 5) {
                skip(4); // RIP-relative
            }
            skip(mod == 1 ? 1 : mod == 2 ? 4 : 0);
            long imm = 0;
            for (int i = 0; i < immBytes; i++) {
                imm |= (long) next() << (8 * i);
            }
            if (immBytes > 0) {
                imm = (imm << (64 - 8 * immBytes)) >> (64 - 8 * immBytes);
            }
            int reg = immBytes > 0 ? -1 : regField | ((rex & 0x04) << 1);
            boolean highByte = reg >= 4 && reg <= 7 && rex == 0 && operandSize == 1;
            return new MmioInstruction(kind, size, operandSize, reg, highByte, imm, repeat, position);
        }

        private void skip(int n) {
            for (int i = 0; i < n; i++) {
                next();
            }
        }
    }
}
