package io.jvfio.devices.ioat;

import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PcieType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An Intel I/OAT (Crystal Beach DMA) function of a Skylake-SP Xeon, version 3.3, with one
 * channel: the registers of drivers/dma/ioat/registers.h and the descriptors of hw.h as Linux's
 * ioatdma driver and the VFIO selftests' ioat driver program them (docs/devices.md). Only the
 * copy and block fill operations (and null descriptors) are implemented; DMA_CAP offers fill and
 * nothing else.
 *
 * <p>A channel runs inside the DMACOUNT write that issues its descriptors: when software next
 * reads CHANSTS the work is done (DONE) or the channel has halted on an error (HALTED, the
 * cause in CHANERR).
 */
public final class IoatDevice {
    public static final int VENDOR_ID = 0x8086;
    /** PCI_DEVICE_ID_INTEL_IOAT_SKX, the one device the selftests' ioat driver probes. */
    public static final int DEVICE_ID = 0x2021;

    static final int CLASS_CODE = 0x088000; // base system peripheral, other
    static final int VERSION = 0x33; // IOAT_VER_3_3
    /** log2 of the largest transfer one descriptor may ask for (IOAT_XFERCAP_32KB). */
    static final int XFERCAP_LOG = 15;

    static final int BAR0_SIZE = 0x4000;
    static final int MSIX_TABLE = 0x2000;
    static final int MSIX_PBA = 0x3000;

    // Device registers (BAR0).
    static final int CHANCNT = 0x00;
    static final int XFERCAP = 0x01;
    static final int GENCTRL = 0x02;
    static final int INTRCTRL = 0x03;
    static final int ATTNSTATUS = 0x04;
    static final int VER = 0x08;
    static final int INTRDELAY = 0x0c;
    static final int INTRCTRL_MASTER_INT_EN = 0x01;
    static final int INTRCTRL_INT_STATUS = 0x02;
    static final int INTRCTRL_INT = 0x04;
    static final int INTRCTRL_MSIX_VECTOR_CONTROL = 0x08;

    // Channel 0's registers: BAR0 + 0x80 (IOAT_CHANNEL_MMIO_SIZE) + these.
    static final int CHANNEL = 0x80;
    static final int CHANCTRL = 0x00;
    static final int DMA_COMP = 0x02;
    static final int DMA_COMP_V2 = 0x0002; // the version 2 channel interface
    static final int CHANCMD = 0x04;
    static final int DMACOUNT = 0x06;
    static final int CHANSTS = 0x08;
    static final int CHAINADDR = 0x10;
    static final int CHANCMP = 0x18;
    static final int CDAR = 0x20;
    static final int CHANERR = 0x28;
    static final int CHANERR_MASK = 0x2c;

    static final int CHANCTRL_INT_REARM = 0x0001;
    static final int CHANCTRL_ERR_COMPLETION_EN = 0x0004;
    static final int CHANCTRL_ERR_INT_EN = 0x0010;
    static final int CHANCTRL_WRITABLE = 0xf33d;
    static final int CHANCMD_RESET = 0x20;
    static final int CHANCMD_RESUME = 0x10;
    static final int CHANCMD_ABORT = 0x08;
    static final int CHANCMD_SUSPEND = 0x04;
    static final long CHANSTS_ACTIVE = 0;
    static final long CHANSTS_DONE = 1;
    static final long CHANSTS_SUSPENDED = 2;
    static final long CHANSTS_HALTED = 3;
    /** A reset channel given a chain: waits for DMACOUNT (not in Linux's registers.h; DPDK's ioat waits for it). */
    static final long CHANSTS_ARMED = 4;

    static final int CHANERR_NEXT_ADDR_ERR = 0x0004;
    static final int CHANERR_NEXT_DESC_ALIGN_ERR = 0x0008;
    static final int CHANERR_READ_DATA_ERR = 0x0100;
    static final int CHANERR_WRITE_DATA_ERR = 0x0200;
    static final int CHANERR_CONTROL_ERR = 0x0400;
    static final int CHANERR_LENGTH_ERR = 0x0800;
    static final int CHANERR_COMPLETION_ADDR_ERR = 0x1000;

    // struct ioat_dma_descriptor: 64 bytes.
    static final int DESC_SIZE = 64;
    static final int DESC_CTL_INT_EN = 1;
    static final int DESC_CTL_COMPL_WRITE = 1 << 3;
    static final int DESC_CTL_NULL = 1 << 5;
    static final int OP_COPY = 0x00;
    static final int OP_FILL = 0x01;
    static final int DMA_CAP = 0x10;
    static final int CAP_FILL_BLOCK = 0x08;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final PciFunction pci;
    // The bounce buffer a copy goes through, and the descriptor being fetched.
    private final MemorySegment buffer = Arena.ofAuto().allocate(1L << XFERCAP_LOG);
    private final MemorySegment descriptor = Arena.ofAuto().allocate(DESC_SIZE);
    private final MemorySegment status = Arena.ofAuto().allocate(8);

    private int genctrl;
    private int intrctrl;
    private int intrdelay;
    private boolean attention;
    private int chanctrl;
    private int dmacount;
    private int completedCount;
    private long state = CHANSTS_HALTED;
    private long completedDescriptor;
    private long chainaddr;
    private long nextDescriptor;
    private long chancmp;
    private long cdar;
    private int chanerr;
    private int chanerrMask;

    /** A function below a port ({@code ENDPOINT}) or, as on the CPU's root bus, integrated. */
    public IoatDevice(PcieType type) {
        pci = PciFunction.builder(VENDOR_ID, DEVICE_ID)
                .classCode(CLASS_CODE)
                .subsystem(VENDOR_ID, 0)
                .intx()
                .memoryBar(0, BAR0_SIZE, true, false, new Registers())
                .msix(0x80, 1, 0, MSIX_TABLE, 0, MSIX_PBA)
                .pciExpress(0x90, type, true)
                .powerManagement(0xe0)
                .onReset(this::resetDevice)
                .build();
    }

    public PciFunction pci() {
        return pci;
    }

    /** Power-on values of every register (function reset). */
    private void resetDevice() {
        genctrl = 0;
        intrctrl = 0;
        intrdelay = 0;
        chanerr = 0;
        chanerrMask = 0;
        resetChannel();
    }

    /**
     * CHANCMD.RESET: the channel's registers go back to their defaults and the channel halts.
     * CHANERR is kept: Linux clears it itself before resetting (ioat_reset_hw).
     */
    private void resetChannel() {
        chanctrl = 0;
        dmacount = 0;
        completedCount = 0;
        state = CHANSTS_HALTED;
        completedDescriptor = 0;
        chainaddr = 0;
        nextDescriptor = 0;
        chancmp = 0;
        cdar = 0;
        attention = false;
        updateIntx();
    }

    private long chansts() {
        return completedDescriptor & ~0x3fL | state;
    }

    /** The naturally aligned quadword at {@code offset}, every register in it at its place. */
    private long quadword(int offset) {
        return switch (offset) {
            case CHANCNT ->
                1 // one channel
                        | (long) XFERCAP_LOG << (XFERCAP * 8)
                        | (long) genctrl << (GENCTRL * 8)
                        | (long) intrctrlValue() << (INTRCTRL * 8)
                        | (attention ? 1L : 0) << (ATTNSTATUS * 8);
            case VER -> VERSION | (long) intrdelay << ((INTRDELAY - VER) * 8);
            case CHANNEL + CHANCTRL ->
                chanctrl | (long) DMA_COMP_V2 << (DMA_COMP * 8) | (long) dmacount << (DMACOUNT * 8);
            case CHANNEL + CHANSTS -> chansts();
            case CHANNEL + CHAINADDR -> chainaddr;
            case CHANNEL + CHANCMP -> chancmp;
            case CHANNEL + CDAR -> cdar;
            case CHANNEL + CHANERR -> (chanerr & 0xffffffffL) | (long) chanerrMask << 32;
            case DMA_CAP -> CAP_FILL_BLOCK;
            default -> 0; // unassigned offsets
        };
    }

    private int intrctrlValue() {
        int v = intrctrl;
        if (attention) {
            v |= INTRCTRL_INT_STATUS;
            if ((intrctrl & INTRCTRL_MASTER_INT_EN) != 0) {
                v |= INTRCTRL_INT;
            }
        }
        return v;
    }

    private final class Registers implements MmioHandler {
        @Override
        public long read(long offset, int size) {
            int at = (int) offset;
            long q = quadword(at & ~7);
            int shift = (at & 7) * 8;
            return size == 8 ? q : q >>> shift & ((1L << (size * 8)) - 1);
        }

        @Override
        public void write(long offset, int size, long value) {
            int at = (int) offset;
            long v = size == 8 ? value : value & ((1L << (size * 8)) - 1);
            switch (at) {
                case GENCTRL -> genctrl = (int) value & 0x01;
                case INTRCTRL -> {
                    intrctrl = (int) value & (INTRCTRL_MASTER_INT_EN | INTRCTRL_MSIX_VECTOR_CONTROL);
                    updateIntx();
                }
                case INTRDELAY -> intrdelay = (int) value & 0x3fff;
                case CHANNEL + CHANCTRL -> writeChanctrl((int) value & 0xffff);
                case CHANNEL + CHANCMD -> command((int) value & 0xff);
                case CHANNEL + DMACOUNT -> issue((int) value & 0xffff);
                case CHANNEL + CHAINADDR -> setChainaddr(size == 8 ? v : chainaddr & ~0xffffffffL | v);
                case CHANNEL + CHAINADDR + 4 -> setChainaddr(chainaddr & 0xffffffffL | v << 32);
                case CHANNEL + CHANCMP -> chancmp = size == 8 ? v : chancmp & ~0xffffffffL | v;
                case CHANNEL + CHANCMP + 4 -> chancmp = chancmp & 0xffffffffL | v << 32;
                case CHANNEL + CHANERR -> chanerr &= ~(int) value; // RW1C
                case CHANNEL + CHANERR_MASK -> chanerrMask = (int) value;
                default -> {} // read-only or unassigned
            }
        }
    }

    /** Re-arming the channel interrupt also acknowledges the channel's attention bit. */
    private void writeChanctrl(int value) {
        chanctrl = value & CHANCTRL_WRITABLE;
        if ((value & CHANCTRL_INT_REARM) != 0) {
            attention = false;
            updateIntx();
        }
    }

    /**
     * A new chain: the descriptors issued by DMACOUNT count from it. A channel halted by a reset
     * (not by an error) arms: DPDK's ioat recovers a channel by RESET then CHAINADDR and waits for
     * CHANSTS to read exactly ARMED.
     */
    private void setChainaddr(long address) {
        if (state == CHANSTS_HALTED && chanerr == 0 && completedDescriptor == 0) {
            state = CHANSTS_ARMED;
        }
        chainaddr = address;
        nextDescriptor = address;
        completedCount = 0;
        dmacount = 0;
    }

    private void command(int cmd) {
        if ((cmd & CHANCMD_RESET) != 0) {
            resetChannel();
        } else if ((cmd & CHANCMD_ABORT) != 0) {
            state = CHANSTS_HALTED;
        } else if ((cmd & CHANCMD_SUSPEND) != 0) {
            if (state != CHANSTS_HALTED) {
                state = CHANSTS_SUSPENDED;
            }
        } else if ((cmd & CHANCMD_RESUME) != 0 && state == CHANSTS_SUSPENDED) {
            state = CHANSTS_ACTIVE;
            run();
        }
    }

    /**
     * DMACOUNT: the running count of descriptors issued since CHAINADDR; the channel runs up to it
     * from whatever state it is in (the selftests' driver issues its next copy to a suspended or
     * freshly reset, halted channel).
     */
    private void issue(int count) {
        dmacount = count;
        state = CHANSTS_ACTIVE;
        run();
    }

    /** Processes descriptors until the completed count reaches DMACOUNT or an error halts. */
    private void run() {
        while (completedCount != dmacount) {
            int error = process(nextDescriptor);
            if (error != 0) {
                halt(error);
                return;
            }
        }
        state = CHANSTS_DONE; // also when nothing was issued
    }

    /** One descriptor: 0, or the CHANERR bits that halt the channel. */
    private int process(long address) {
        if ((address & (DESC_SIZE - 1)) != 0) {
            return CHANERR_NEXT_DESC_ALIGN_ERR;
        }
        try {
            pci.dma().read(address, descriptor);
        } catch (DmaFaultException e) {
            return CHANERR_NEXT_ADDR_ERR;
        }
        cdar = address;
        long size = descriptor.get(U32, 0) & 0xffffffffL;
        int ctl = descriptor.get(U32, 4);
        long src = descriptor.get(U64, 8);
        long dst = descriptor.get(U64, 16);
        long next = descriptor.get(U64, 24);
        int op = ctl >>> 24;
        if (op != OP_COPY && op != OP_FILL) {
            return CHANERR_CONTROL_ERR;
        }
        if (op == OP_FILL || (ctl & DESC_CTL_NULL) == 0) {
            if (size > 1L << XFERCAP_LOG) {
                return CHANERR_LENGTH_ERR;
            }
            MemorySegment data = buffer.asSlice(0, size);
            if (op == OP_FILL) {
                // ioat_fill_descriptor: src_data is the 64-bit pattern, repeated from the destination's start
                for (long i = 0; i < size; i++) {
                    data.set(ValueLayout.JAVA_BYTE, i, (byte) (src >>> (8 * (i & 7))));
                }
            } else {
                try {
                    pci.dma().read(src, data);
                } catch (DmaFaultException e) {
                    return CHANERR_READ_DATA_ERR;
                }
            }
            try {
                pci.dma().write(dst, data);
            } catch (DmaFaultException e) {
                return CHANERR_WRITE_DATA_ERR;
            }
        }
        completedDescriptor = address;
        completedCount = (completedCount + 1) & 0xffff;
        nextDescriptor = next;
        if (completedCount == dmacount) {
            state = CHANSTS_DONE; // what the writeback of the last issued descriptor reports
        }
        if ((ctl & DESC_CTL_COMPL_WRITE) != 0 && !writeCompletion()) {
            return CHANERR_COMPLETION_ADDR_ERR;
        }
        if ((ctl & DESC_CTL_INT_EN) != 0) {
            interrupt();
        }
        return 0;
    }

    private void halt(int error) {
        chanerr |= error;
        state = CHANSTS_HALTED;
        if ((chanctrl & CHANCTRL_ERR_COMPLETION_EN) != 0) {
            writeCompletion();
        }
        if ((chanctrl & CHANCTRL_ERR_INT_EN) != 0) {
            interrupt();
        }
    }

    /** The completion writeback: CHANSTS, 8 bytes, to CHANCMP. */
    private boolean writeCompletion() {
        status.set(U64, 0, chansts());
        try {
            pci.dma().write(chancmp, status);
            return true;
        } catch (DmaFaultException e) {
            return false;
        }
    }

    /**
     * The channel interrupt, once per INT_REARM: MSI-X vector 0 (MSIX_VECTOR_CONTROL or the master
     * enable lets the vectors through), else INTx behind the master enable.
     */
    private void interrupt() {
        if ((chanctrl & CHANCTRL_INT_REARM) == 0) {
            return;
        }
        chanctrl &= ~CHANCTRL_INT_REARM;
        attention = true;
        if (pci.msixEnabled()) {
            if ((intrctrl & (INTRCTRL_MSIX_VECTOR_CONTROL | INTRCTRL_MASTER_INT_EN)) != 0) {
                pci.notifyMsix(0);
            }
        } else {
            updateIntx();
        }
    }

    private void updateIntx() {
        pci.setIntx(attention && (intrctrl & INTRCTRL_MASTER_INT_EN) != 0 && !pci.msixEnabled());
    }
}
