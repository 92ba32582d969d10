package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

/**
 * The permission tables every open vfio-pci device shares (the kernel's {@code cap_perms} and
 * {@code ecap_perms}, built by {@code vfio_pci_init_perm_bits}). Allocated by the first open of any
 * device ({@link #acquire}), shared while any is open and freed by the last close ({@link
 * #release}); the count and the tables change only under the class lock, so concurrent opens and
 * closes never see a half-built or freed table. Never written while shared. MSI's table depends on
 * the device and lives in {@link VfioPciConfig}.
 */
final class VfioPciPermTables {
    static final int CAP_ID_MAX = 0x15;
    static final int EXT_CAP_ID_MAX = 0x23;
    static final int STD_HEADER_SIZEOF = 64;

    static final int LATENCY_TIMER = 0x0d;
    static final int BIST = 0x0f;
    static final int ROM_ADDRESS = 0x30;
    static final int PM_PMC = 2;
    static final int PM_CAP_PME_MASK = 0xf800;
    static final int PM_CTRL_PME_ENABLE = 0x0100;
    static final int PM_CTRL_PME_STATUS = 0x8000;
    static final int EXP_DEVCTL_PAYLOAD = 0x00e0;
    static final int EXP_DEVCTL_READRQ = 0x7000;
    static final int EXP_DEVCTL_PHANTOM = 0x0200;
    static final int EXP_DEVCTL2 = 0x28;
    static final int EXP_DEVCTL2_ARI = 0x0020;
    static final int CAP_EXP_ENDPOINT_SIZEOF_V2 = 0x3c;
    static final int EXT_CAP_ID_DVSEC = 0x23;

    private static final int ALL = 0xffffffff;

    /** Read directly from hardware but with the capability's ID/next bytes from the shadow copy. */
    static final PermBits DIRECT_RO = PermBits.functions(VfioPciConfig::directRead, null);

    /** Bytes outside every known capability: raw access, trusting hardware isolation as the kernel does. */
    static final PermBits UNASSIGNED = PermBits.functions(VfioPciConfig::rawRead, VfioPciConfig::rawWrite);

    private static VfioPciPermTables shared;
    private static int users;

    private final PermBits[] cap = new PermBits[CAP_ID_MAX + 1];
    private final PermBits[] ecap = new PermBits[EXT_CAP_ID_MAX + 1];

    private VfioPciPermTables() {
        java.util.Arrays.fill(cap, DIRECT_RO);
        java.util.Arrays.fill(ecap, DIRECT_RO);
        cap[0] = basic();
        cap[CAP_ID_PM] = pm();
        cap[CAP_ID_VNDR] = PermBits.functions(VfioPciConfig::directRead, VfioPciConfig::rawWrite);
        cap[CAP_ID_EXP] = exp();
        ecap[EXT_CAP_ID_VNDR] = cap[CAP_ID_VNDR];
        ecap[EXT_CAP_ID_DVSEC] = cap[CAP_ID_VNDR];
    }

    /** Takes a reference for an opening device, building the tables if no device is open. */
    static synchronized VfioPciPermTables acquire() {
        if (users++ == 0) {
            shared = new VfioPciPermTables();
        }
        return shared;
    }

    /** Drops a closing device's reference; the last one frees the tables. */
    static synchronized void release() {
        if (users <= 0) {
            throw new IllegalStateException("permission tables released more often than acquired");
        }
        if (--users == 0) {
            shared = null;
        }
    }

    /** How many open devices share the tables (for tests). */
    static synchronized int users() {
        return users;
    }

    PermBits cap(int id) {
        return cap[id];
    }

    PermBits ecap(int id) {
        return id <= EXT_CAP_ID_MAX ? ecap[id] : DIRECT_RO;
    }

    private static PermBits basic() {
        PermBits p = PermBits.withBits(STD_HEADER_SIZEOF, VfioPciConfig::basicRead, VfioPciConfig::basicWrite);
        // Vendor and device ID virtualised (SR-IOV VFs read all-ones there).
        p.setw(VENDOR_ID, 0xffff, 0);
        p.setw(DEVICE_ID, 0xffff, 0);
        // INTx disable is virtualised: vfio-pci uses the real bit to mask INTx itself.
        p.setw(COMMAND, COMMAND_INTX_DISABLE, 0xffff);
        p.setw(STATUS, STATUS_CAP_LIST, 0);
        p.setb(CACHE_LINE_SIZE, 0, 0xff);
        p.setb(LATENCY_TIMER, 0, 0xff);
        p.setb(BIST, 0, 0xff);
        for (int bar = BASE_ADDRESS_0; bar < BASE_ADDRESS_0 + 24; bar += 4) {
            p.setd(bar, ALL, ALL);
        }
        p.setd(ROM_ADDRESS, ALL, ALL);
        p.setb(CAPABILITY_LIST, 0xff, 0);
        p.setb(INTERRUPT_LINE, 0xff, 0xff);
        p.setb(INTERRUPT_PIN, 0xff, 0);
        return p;
    }

    private static PermBits pm() {
        PermBits p = PermBits.withBits(8, VfioPciConfig::defaultRead, VfioPciConfig::pmWrite);
        p.setb(CAP_LIST_NEXT, 0xff, 0);
        // The user cannot take PME events: PME support, status and enable are virtualised.
        p.setw(PM_PMC, PM_CAP_PME_MASK, 0);
        // The power state is trapped (pmWrite changes it), so the state bits are not written through.
        p.setd(
                PM_CTRL,
                PM_CTRL_PME_ENABLE | PM_CTRL_PME_STATUS,
                ~(PM_CTRL_PME_ENABLE | PM_CTRL_PME_STATUS | PM_CTRL_STATE_MASK));
        return p;
    }

    private static PermBits exp() {
        PermBits p = PermBits.withBits(CAP_EXP_ENDPOINT_SIZEOF_V2, VfioPciConfig::defaultRead, VfioPciConfig::expWrite);
        p.setb(CAP_LIST_NEXT, 0xff, 0);
        // Phantom functions would confuse the IOMMU and MPS needs a system view: not writable.
        // FLR and MRRS are virtualised and acted on by expWrite.
        p.setw(EXP_DEVCTL, EXP_DEVCTL_BCR_FLR | EXP_DEVCTL_PAYLOAD | EXP_DEVCTL_READRQ, ~EXP_DEVCTL_PHANTOM & 0xffff);
        p.setw(EXP_DEVCTL2, 0, ~EXP_DEVCTL2_ARI & 0xffff);
        return p;
    }

    /** The per-device MSI table: the layout depends on 64-bit addressing and per-vector masking. */
    static PermBits msi(int len, int flags) {
        PermBits p = PermBits.withBits(len, VfioPciConfig::msiRead, VfioPciConfig::msiWrite);
        p.setb(CAP_LIST_NEXT, 0xff, 0);
        p.setb(MSI_FLAGS, 0xff, 0xff);
        p.setd(MSI_ADDRESS_LO, ALL, ALL);
        boolean is64 = (flags & MSI_FLAGS_64BIT) != 0;
        int data = is64 ? 12 : 8;
        if (is64) {
            p.setd(8, ALL, ALL);
        }
        p.setw(data, 0xffff, 0xffff);
        if ((flags & MSI_FLAGS_MASKBIT) != 0) {
            p.setd(data + 4, 0, ALL); // mask bits go to hardware
            p.setd(data + 8, 0, ALL); // pending bits
        }
        return p;
    }
}
