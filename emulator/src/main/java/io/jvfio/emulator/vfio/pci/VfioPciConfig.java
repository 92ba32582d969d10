package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static io.jvfio.emulator.vfio.pci.VfioPciPermTables.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.pci.ConfigSpace;
import io.jvfio.emulator.pci.PciFunction;
import java.util.Optional;

/**
 * A vfio-pci device's view of config space (vfio_pci_config.c): a shadow copy ({@code vconfig}), a
 * byte map naming the capability that owns each byte, and per-capability permission tables deciding,
 * bit by bit, what the user reads and writes from the shadow copy and what reaches the hardware.
 * Built when the device is opened ({@code vfio_config_init}).
 */
final class VfioPciConfig {
    /** Bytes in no capability the kernel knows: raw access. */
    static final int CAP_ID_INVALID = 0xff;

    private static final int EXT_CAP_ID_ERR = 0x01;
    private static final int EXT_CAP_ID_ACS = 0x0d;

    private final VfioPciCoreDevice vdev;
    private final PciFunction pdev;
    private final ConfigSpace hw;
    private final int cfgSize;
    private final byte[] vconfig;
    private final byte[] map;
    private PermBits msiPerm;
    private boolean barDirty = true;

    VfioPciConfig(VfioPciCoreDevice vdev) {
        this.vdev = vdev;
        this.pdev = vdev.pdev();
        this.hw = pdev.config();
        this.cfgSize = pdev.configSize();
        this.vconfig = new byte[cfgSize];
        this.map = new byte[cfgSize];
        java.util.Arrays.fill(map, STD_HEADER_SIZEOF, cfgSize, (byte) CAP_ID_INVALID);
        fill(0, STD_HEADER_SIZEOF);
        capInit();
        if (cfgSize > CFG_SPACE_SIZE && hw.read(CFG_SPACE_SIZE, 4) != 0) {
            ecapInit();
        }
    }

    /** Config size the region exposes. */
    int size() {
        return cfgSize;
    }

    /** The user's read or write of {@code buf.length} bytes at {@code pos}, chunked as the kernel does. */
    void rw(byte[] buf, int pos, boolean write) {
        int done = 0;
        while (done < buf.length) {
            done += rwSingle(buf, done, pos + done, buf.length - done, write);
        }
    }

    private int rwSingle(byte[] buf, int at, int pos, int remaining, boolean write) {
        if (pos < 0 || pos >= cfgSize || pos + remaining > cfgSize) {
            throw new ErrnoException(Errno.EFAULT);
        }
        int count = Math.min(remaining, remainingDword(pos));
        if (count >= 4 && pos % 4 == 0) {
            count = 4;
        } else if (count >= 2 && pos % 2 == 0) {
            count = 2;
        } else {
            count = 1;
        }
        int capId = map[pos] & 0xff;
        PermBits perm;
        int capStart = 0;
        if (capId == CAP_ID_INVALID) {
            perm = UNASSIGNED;
            capStart = pos;
        } else if (pos >= CFG_SPACE_SIZE) {
            perm = ecap(capId);
            capStart = findCapStart(pos);
        } else {
            perm = capId == CAP_ID_MSI ? msiPerm : cap(capId);
            if (capId != 0) {
                capStart = findCapStart(pos);
            }
        }
        int offset = pos - capStart;
        if (write) {
            if (perm.writeFn != null) {
                perm.writeFn.write(this, pos, count, perm, offset, getLe(buf, at, count));
            }
        } else {
            int value = perm.readFn == null ? 0 : perm.readFn.read(this, pos, count, perm, offset);
            putLe(buf, at, count, value);
        }
        return count;
    }

    // ---- access functions named in the permission tables --------------------------------------

    int defaultRead(int pos, int count, PermBits perm, int offset) {
        int value = getLe(vconfig, pos, count);
        int virt = perm.virt(offset, count);
        if (virt != allOnes(count)) {
            value = (hw.read(pos, count) & ~virt) | (value & virt);
        }
        return value;
    }

    void defaultWrite(int pos, int count, PermBits perm, int offset, int value) {
        int write = perm.write(offset, count);
        if (write == 0) {
            return;
        }
        int virt = perm.virt(offset, count);
        if ((write & virt) != 0) {
            int v = getLe(vconfig, pos, count) & ~(write & virt) | (value & write & virt);
            putLe(vconfig, pos, count, v);
        }
        if ((write & ~virt) != 0) {
            int phys = hw.read(pos, count) & ~(write & ~virt) | (value & write & ~virt);
            hw.write(pos, count, phys);
        }
    }

    int directRead(int pos, int count, PermBits perm, int offset) {
        int value = hw.read(pos, count);
        if (pos >= CFG_SPACE_SIZE) {
            // Extended header: ID, version and next as the shadow chain has them.
            if (offset < 4) {
                value = getLe(vconfig, pos, count);
            }
        } else if (pos >= STD_HEADER_SIZEOF) {
            if (offset == 0 && count > 1) {
                value = value & ~0xffff | getLe(vconfig, pos, 2);
            } else if (offset == CAP_LIST_NEXT) {
                value = value & ~0xff | vconfig[pos] & 0xff;
            }
        }
        return value;
    }

    int rawRead(int pos, int count, PermBits perm, int offset) {
        return hw.read(pos, count);
    }

    void rawWrite(int pos, int count, PermBits perm, int offset, int value) {
        hw.write(pos, count, value);
    }

    int basicRead(int pos, int count, PermBits perm, int offset) {
        if (isBar(offset)) {
            barFixup();
        }
        return defaultRead(pos, count, perm, offset);
    }

    void basicWrite(int pos, int count, PermBits perm, int offset, int value) {
        if (offset == COMMAND && (value & COMMAND_MEMORY) == 0) {
            // Memory decode goes off: exported BAR ranges are revoked first.
            vdev.dmaBufMove(true);
        }
        defaultWrite(pos, count, perm, offset, value);
        if (offset == COMMAND) {
            // Remember the user's memory/IO enables: BAR access checks them.
            int mask = COMMAND_MEMORY | COMMAND_IO;
            int cmd = getLe(vconfig, COMMAND, 2) & ~mask | (value & mask);
            putLe(vconfig, COMMAND, 2, cmd);
            if (memoryEnabled()) {
                vdev.dmaBufMove(false);
            }
        }
        if (offset >= COMMAND && offset <= COMMAND + 1) {
            vdev.intrs().virtIntxDisable((getLe(vconfig, COMMAND, 2) & COMMAND_INTX_DISABLE) != 0);
        }
        if (isBar(offset)) {
            barDirty = true;
        }
    }

    void pmWrite(int pos, int count, PermBits perm, int offset, int value) {
        defaultWrite(pos, count, perm, offset, value);
        if (offset == PM_CTRL) {
            vdev.setPowerState(value & PM_CTRL_STATE_MASK);
        }
    }

    void expWrite(int pos, int count, PermBits perm, int offset, int value) {
        int ctrl = pos - offset + EXP_DEVCTL;
        defaultWrite(pos, count, perm, offset, value);
        int devctl = getLe(vconfig, ctrl, 2);
        if ((devctl & EXP_DEVCTL_BCR_FLR) != 0) {
            // Initiate FLR reads as zero; the reset is ours to do, and only if the device has FLR.
            putLe(vconfig, ctrl, 2, devctl & ~EXP_DEVCTL_BCR_FLR);
            if ((hw.read(pos - offset + EXP_DEVCAP, 4) & EXP_DEVCAP_FLR) != 0) {
                vdev.tryResetFunction();
            }
        }
    }

    int msiRead(int pos, int count, PermBits perm, int offset) {
        if (offset <= MSI_FLAGS && offset + count >= MSI_FLAGS) {
            int start = findCapStart(pos) + MSI_FLAGS;
            int flags =
                    getLe(vconfig, start, 2) & ~MSI_FLAGS_QMASK | vdev.intrs().msiQmax() << 1;
            putLe(vconfig, start, 2, flags);
        }
        return defaultRead(pos, count, perm, offset);
    }

    void msiWrite(int pos, int count, PermBits perm, int offset, int value) {
        defaultWrite(pos, count, perm, offset, value);
        if (offset <= MSI_FLAGS && offset + count >= MSI_FLAGS) {
            int start = findCapStart(pos) + MSI_FLAGS;
            int flags = getLe(vconfig, start, 2);
            // MSI is enabled only through SET_IRQS.
            if (vdev.intrs().irqType() != VfioConst.VFIO_PCI_MSI_IRQ_INDEX) {
                flags &= ~MSI_FLAGS_ENABLE;
            }
            int qmax = vdev.intrs().msiQmax();
            if ((flags & MSI_FLAGS_QSIZE) >> 4 > qmax) {
                flags = flags & ~MSI_FLAGS_QSIZE | qmax << 4;
            }
            putLe(vconfig, start, 2, flags);
            hw.write(start, 2, flags);
        }
    }

    // ---- construction --------------------------------------------------------------------------

    private void capInit() {
        if ((hw.read(STATUS, 2) & STATUS_CAP_LIST) == 0) {
            return;
        }
        int prev = CAPABILITY_LIST;
        int pos = hw.read(CAPABILITY_LIST, 1);
        int caps = 0;
        for (int loops = (CFG_SPACE_SIZE - STD_HEADER_SIZEOF) / 4; pos != 0 && loops > 0; loops--) {
            int cap = hw.read(pos, 1);
            int next = hw.read(pos + CAP_LIST_NEXT, 1);
            int len = cap != 0 && cap <= CAP_ID_MAX ? capLength(cap, pos) : 0;
            if (len == 0) {
                // Hidden from the user: the previous capability skips it.
                vconfig[prev] = (byte) next;
                pos = next;
                continue;
            }
            java.util.Arrays.fill(map, pos, pos + len, (byte) cap);
            fill(pos, len);
            if (cap == CAP_ID_PM) {
                putLe(vconfig, pos + PM_PMC, 2, getLe(vconfig, pos + PM_PMC, 2) & ~PM_CAP_PME_MASK);
                int ctrl = getLe(vconfig, pos + PM_CTRL, 2);
                putLe(vconfig, pos + PM_CTRL, 2, ctrl & ~(PM_CTRL_PME_ENABLE | PM_CTRL_PME_STATUS));
            }
            prev = pos + CAP_LIST_NEXT;
            pos = next;
            caps++;
        }
        if (caps == 0) {
            putLe(vconfig, STATUS, 2, getLe(vconfig, STATUS, 2) & ~STATUS_CAP_LIST);
        }
    }

    /** pci_cap_length and vfio_cap_len, for the capabilities the PCI model can hold. */
    private int capLength(int cap, int pos) {
        return switch (cap) {
            case CAP_ID_PM -> 8;
            case CAP_ID_MSI -> {
                int flags = hw.read(pos + MSI_FLAGS, 2);
                int len = 10 + ((flags & MSI_FLAGS_64BIT) != 0 ? 4 : 0) + ((flags & MSI_FLAGS_MASKBIT) != 0 ? 10 : 0);
                if (msiPerm == null) {
                    msiPerm = VfioPciPermTables.msi(len, flags);
                }
                yield len;
            }
            case CAP_ID_VNDR -> hw.read(pos + 2, 1);
            case CAP_ID_EXP -> {
                boolean v1 = (hw.read(pos + EXP_FLAGS, 2) & 0xf) == 1;
                boolean rcEnd = (hw.read(pos + EXP_FLAGS, 2) & EXP_FLAGS_TYPE) >> 4 == 9;
                yield v1 ? (rcEnd ? 0xc : 0x14) : (rcEnd ? 0x2c : CAP_EXP_ENDPOINT_SIZEOF_V2);
            }
            case CAP_ID_MSIX -> 12;
            case 0x02 -> 4; // AGP
            case 0x03 -> 8; // VPD
            case 0x13 -> 6; // Advanced Features
            default -> 0;
        };
    }

    private void ecapInit() {
        int prev = -1;
        int ecaps = 0;
        int epos = CFG_SPACE_SIZE;
        for (int loops = (cfgSize - CFG_SPACE_SIZE) / 4; loops > 0 && epos >= CFG_SPACE_SIZE; loops--) {
            int header = hw.read(epos, 4);
            int ecap = header & 0xffff;
            int next = header >>> 20 & 0xffc;
            int len = ecapLength(ecap, epos);
            boolean hidden = false;
            if (len == 0) {
                if (prev >= 0) {
                    putLe(vconfig, prev, 4, getLe(vconfig, prev, 4) & ~(0xffc << 20) | next << 20);
                    epos = next;
                    continue;
                }
                // The first one anchors the list: keep it, with its ID hidden.
                len = 4;
                hidden = true;
            }
            java.util.Arrays.fill(map, epos, epos + len, (byte) Math.min(ecap, 0xfe));
            fill(epos, len);
            if (hidden) {
                putLe(vconfig, epos, 4, getLe(vconfig, epos, 4) & 0xffc << 20);
            } else {
                ecaps++;
            }
            prev = epos;
            epos = next;
        }
        if (ecaps == 0) {
            putLe(vconfig, CFG_SPACE_SIZE, 4, 0);
        }
    }

    /** pci_ext_cap_length and vfio_ext_cap_len, for the extended capabilities the model can hold. */
    private int ecapLength(int ecap, int epos) {
        return switch (ecap) {
            case EXT_CAP_ID_ERR -> 0x34;
            case 0x03 -> 12; // DSN
            case 0x04 -> 16; // power budgeting
            case EXT_CAP_ID_ACS -> (hw.read(epos + ACS_CAP, 1) & ACS_EC) != 0 ? 8 + egressBytes(epos) : 8;
            case 0x0e -> 8; // ARI
            case 0x0f -> 8; // ATS
            case 0x10 -> 0x40; // SR-IOV
            case 0x13 -> 16; // PRI
            case 0x18 -> 8; // LTR
            case EXT_CAP_ID_VNDR -> hw.read(epos + 4, 4) >>> 20;
            case EXT_CAP_ID_DVSEC -> hw.read(epos + 4, 4) >>> 20;
            default -> 0;
        };
    }

    private int egressBytes(int epos) {
        int bits = hw.read(epos + ACS_CAP + 1, 1);
        return (bits == 0 ? 256 : (bits + 31) & ~31) / 8;
    }

    private void fill(int offset, int size) {
        for (int i = 0; i < size; i++) {
            vconfig[offset + i] = (byte) hw.read(offset + i, 1);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Whether the user's Memory Space Enable is set and the function is not in D3hot. */
    boolean memoryEnabled() {
        return (getLe(vconfig, COMMAND, 2) & COMMAND_MEMORY) != 0 && vdev.powerState() < 3;
    }

    /** Shadow bytes, for tests and for the interrupt code (MSI address/data as the user wrote them). */
    int vconfig(int offset, int size) {
        return getLe(vconfig, offset, size);
    }

    private static boolean isBar(int offset) {
        return offset >= BASE_ADDRESS_0 && offset < BASE_ADDRESS_0 + 24
                || offset >= ROM_ADDRESS && offset < ROM_ADDRESS + 4;
    }

    /** Makes the shadow BARs answer sizing as hardware would; unimplemented BARs (and the ROM) read 0. */
    private void barFixup() {
        if (!barDirty) {
            return;
        }
        for (int i = 0; i < 6; i++) {
            int reg = BASE_ADDRESS_0 + 4 * i;
            Optional<Bar> bar = pdev.bar(i);
            if (bar.isEmpty()) {
                putLe(vconfig, reg, 4, 0);
                continue;
            }
            long mask = ~(bar.get().size() - 1);
            putLe(vconfig, reg, 4, getLe(vconfig, reg, 4) & (int) mask | barFlags(bar.get()));
            if (bar.get().type() == Bar.Type.MEMORY_64) {
                putLe(vconfig, reg + 4, 4, getLe(vconfig, reg + 4, 4) & (int) (mask >>> 32));
                i++;
            }
        }
        putLe(vconfig, ROM_ADDRESS, 4, 0);
        barDirty = false;
    }

    private static int barFlags(Bar bar) {
        if (bar.type() == Bar.Type.IO) {
            return BASE_ADDRESS_SPACE_IO;
        }
        return (bar.prefetchable() ? BASE_ADDRESS_MEM_PREFETCH : 0)
                | (bar.type() == Bar.Type.MEMORY_64 ? BASE_ADDRESS_MEM_TYPE_64 : 0);
    }

    private int findCapStart(int pos) {
        int base = pos >= CFG_SPACE_SIZE ? CFG_SPACE_SIZE : STD_HEADER_SIZEOF;
        byte cap = map[pos];
        while (pos - 1 >= base && map[pos - 1] == cap) {
            pos--;
        }
        return pos;
    }

    private int remainingDword(int pos) {
        int i = 1;
        while ((pos + i) % 4 != 0 && pos + i < cfgSize && map[pos + i] == map[pos]) {
            i++;
        }
        return i;
    }

    private static int allOnes(int count) {
        return count == 4 ? -1 : (1 << (8 * count)) - 1;
    }

    static int getLe(byte[] b, int off, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= (b[off + i] & 0xff) << (8 * i);
        }
        return v;
    }

    static void putLe(byte[] b, int off, int size, int value) {
        for (int i = 0; i < size; i++) {
            b[off + i] = (byte) (value >>> (8 * i));
        }
    }
}
