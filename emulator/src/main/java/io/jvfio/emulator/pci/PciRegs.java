package io.jvfio.emulator.pci;

/** Configuration-space register offsets and bits, named as in Linux's {@code uapi/linux/pci_regs.h}. */
public final class PciRegs {
    private PciRegs() {}

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_MASTER = 0x4;
    public static final int COMMAND_PARITY = 0x40;
    public static final int COMMAND_SERR = 0x100;
    public static final int COMMAND_INTX_DISABLE = 0x400;
    public static final int STATUS = 0x06;
    public static final int STATUS_INTERRUPT = 0x08;
    public static final int STATUS_CAP_LIST = 0x10;
    /** Status bits a write of 1 clears: parity, target/master aborts, SERR, parity error. */
    public static final int STATUS_W1C = 0xf900;

    public static final int CLASS_REVISION = 0x08;
    public static final int CACHE_LINE_SIZE = 0x0c;
    public static final int HEADER_TYPE = 0x0e;
    public static final int HEADER_TYPE_NORMAL = 0;
    public static final int HEADER_TYPE_BRIDGE = 1;
    public static final int HEADER_TYPE_MULTIFUNCTION = 0x80;
    public static final int BASE_ADDRESS_0 = 0x10;
    public static final int BASE_ADDRESS_SPACE_IO = 0x1;
    public static final int BASE_ADDRESS_MEM_TYPE_64 = 0x4;
    public static final int BASE_ADDRESS_MEM_PREFETCH = 0x8;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int SUBSYSTEM_ID = 0x2e;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    public static final int INTERRUPT_PIN = 0x3d;

    /* Type 1 (bridge) header. */
    public static final int PRIMARY_BUS = 0x18;
    public static final int SECONDARY_BUS = 0x19;
    public static final int SUBORDINATE_BUS = 0x1a;
    public static final int BRIDGE_CONTROL = 0x3e;
    public static final int BRIDGE_CTL_BUS_RESET = 0x40;

    /* Capability IDs and their registers. */
    public static final int CAP_ID_PM = 0x01;
    public static final int CAP_ID_MSI = 0x05;
    public static final int CAP_ID_VNDR = 0x09;
    public static final int CAP_ID_EXP = 0x10;
    public static final int CAP_ID_MSIX = 0x11;
    public static final int CAP_LIST_NEXT = 1;

    public static final int PM_CTRL = 4;
    public static final int PM_CTRL_STATE_MASK = 0x3;

    public static final int MSI_FLAGS = 2;
    public static final int MSI_FLAGS_ENABLE = 0x1;
    public static final int MSI_FLAGS_QMASK = 0xe;
    public static final int MSI_FLAGS_QSIZE = 0x70;
    public static final int MSI_FLAGS_64BIT = 0x80;
    public static final int MSI_FLAGS_MASKBIT = 0x100;
    public static final int MSI_ADDRESS_LO = 4;

    public static final int MSIX_FLAGS = 2;
    public static final int MSIX_FLAGS_QSIZE = 0x7ff;
    public static final int MSIX_FLAGS_MASKALL = 0x4000;
    public static final int MSIX_FLAGS_ENABLE = 0x8000;
    public static final int MSIX_TABLE = 4;
    public static final int MSIX_PBA = 8;
    public static final int MSIX_BIR = 0x7;
    public static final int MSIX_ENTRY_SIZE = 16;
    public static final int MSIX_ENTRY_VECTOR_CTRL = 12;
    public static final int MSIX_ENTRY_CTRL_MASKBIT = 0x1;

    public static final int EXP_FLAGS = 2;
    public static final int EXP_FLAGS_TYPE = 0xf0;
    public static final int EXP_FLAGS_SLOT = 0x100;
    public static final int EXP_DEVCAP = 4;
    public static final int EXP_DEVCAP_FLR = 0x10000000;
    public static final int EXP_DEVCTL = 8;
    public static final int EXP_DEVCTL_BCR_FLR = 0x8000;
    public static final int EXP_DEVSTA = 0x0a;
    public static final int EXP_LNKCAP = 0x0c;
    public static final int EXP_LNKCTL = 0x10;
    public static final int EXP_LNKSTA = 0x12;
    public static final int EXP_SLTCAP = 0x14;
    public static final int EXP_SLTCAP_HPC = 0x40;
    public static final int EXP_SIZEOF_V2 = 0x3c;

    /* Extended capabilities. */
    public static final int CFG_SPACE_SIZE = 256;
    public static final int CFG_SPACE_EXP_SIZE = 4096;
    public static final int EXT_CAP_ID_ACS = 0x0d;
    /** Address Translation Services. */
    public static final int EXT_CAP_ID_ATS = 0x0f;
    /** Page Request Interface. */
    public static final int EXT_CAP_ID_PRI = 0x13;

    public static final int EXT_CAP_ID_VNDR = 0x0b;
    /** Single Root I/O Virtualization and its registers (offsets in the capability). */
    public static final int EXT_CAP_ID_SRIOV = 0x10;

    public static final int SRIOV_CAP = 0x04;
    public static final int SRIOV_CTRL = 0x08;
    public static final int SRIOV_CTRL_VFE = 0x01;
    public static final int SRIOV_CTRL_MSE = 0x08;
    public static final int SRIOV_CTRL_ARI = 0x10;
    public static final int SRIOV_STATUS = 0x0a;
    public static final int SRIOV_INITIAL_VF = 0x0c;
    public static final int SRIOV_TOTAL_VF = 0x0e;
    public static final int SRIOV_NUM_VF = 0x10;
    public static final int SRIOV_FUNC_LINK = 0x12;
    public static final int SRIOV_VF_OFFSET = 0x14;
    public static final int SRIOV_VF_STRIDE = 0x16;
    public static final int SRIOV_VF_DID = 0x1a;
    public static final int SRIOV_SUP_PGSIZE = 0x1c;
    public static final int SRIOV_SYS_PGSIZE = 0x20;
    public static final int SRIOV_BAR = 0x24;
    public static final int SRIOV_SIZEOF = 0x40;
    public static final int ACS_CAP = 4;
    public static final int ACS_CTRL = 6;
    public static final int ACS_SV = 0x01;
    public static final int ACS_TB = 0x02;
    public static final int ACS_RR = 0x04;
    public static final int ACS_CR = 0x08;
    public static final int ACS_UF = 0x10;
    public static final int ACS_EC = 0x20;
    public static final int ACS_DT = 0x40;
}
