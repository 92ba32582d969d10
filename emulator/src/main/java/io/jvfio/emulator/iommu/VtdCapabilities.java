package io.jvfio.emulator.iommu;

/**
 * The capability and extended capability registers of an emulated VT-d unit (VT-d spec 11.4.2 and
 * 11.4.3), as GET_HW_INFO reports them, and the predicates the intel driver derives from them
 * (iommu.h: {@code sm_supported}, {@code nested_supported}, {@code ssads_supported}, ...). The
 * driver's checks read these, so a unit built with other values refuses what 7.2 would refuse.
 *
 * @param cap the capability register
 * @param ecap the extended capability register
 */
public record VtdCapabilities(long cap, long ecap) {
    // Capability register fields.
    /** ND: 2^16 domain ids. */
    public static final long CAP_ND_64K = 6;

    public static final int CAP_SAGAW_SHIFT = 8;
    /** SAGAW bit 2: 4-level (48-bit) second-stage tables. */
    public static final long CAP_SAGAW_4LEVEL = 1L << 2;

    public static final int CAP_MGAW_SHIFT = 16;
    public static final long CAP_ZLR = 1L << 22;
    public static final int CAP_FRO_SHIFT = 24;
    public static final int CAP_SLLPS_SHIFT = 34;
    /** SLLPS: 2 MiB and 1 GiB second-stage pages. */
    public static final long CAP_SLLPS_2M_1G = 0b11;

    public static final long CAP_PSI = 1L << 39;
    public static final int CAP_NFR_SHIFT = 40;
    public static final int CAP_MAMV_SHIFT = 48;
    public static final long CAP_DWD = 1L << 54;
    public static final long CAP_DRD = 1L << 55;
    /** FL1GP: 1 GiB first-stage pages. */
    public static final long CAP_FL1GP = 1L << 56;
    /** FL5LP: 5-level first-stage paging. */
    public static final long CAP_FL5LP = 1L << 60;

    // Extended capability register fields.
    public static final long ECAP_C = 1L << 0;
    public static final long ECAP_QI = 1L << 1;
    /** DT: device TLBs (ATS). */
    public static final long ECAP_DT = 1L << 2;

    public static final int ECAP_IRO_SHIFT = 8;
    public static final int ECAP_MHMV_SHIFT = 20;
    /** NEST: nested translation. */
    public static final long ECAP_NEST = 1L << 26;
    /** PRS: page requests. */
    public static final long ECAP_PRS = 1L << 29;
    /** SRS: supervisor requests. */
    public static final long ECAP_SRS = 1L << 31;
    /** EAFS: the extended accessed flag in first-stage entries. */
    public static final long ECAP_EAFS = 1L << 34;

    public static final long ECAP_PASID = 1L << 40;
    /** SMTS: scalable-mode translation. */
    public static final long ECAP_SMTS = 1L << 43;
    /** SLADS: second-stage accessed/dirty bits (dirty tracking). */
    public static final long ECAP_SLADS = 1L << 45;
    /** SLTS: second-stage translation. */
    public static final long ECAP_SLTS = 1L << 46;
    /** FLTS: first-stage translation. */
    public static final long ECAP_FLTS = 1L << 47;
    /** SMPWC: page-walk coherency in scalable mode. */
    public static final long ECAP_SMPWC = 1L << 48;

    /**
     * The emulated unit: scalable mode with first- and second-stage translation and nesting,
     * second-stage dirty tracking, page requests, 4-level tables with 48-bit addresses, 2 MiB and
     * 1 GiB pages in both stages; no 5-level first stage, no supervisor requests, no extended
     * accessed flag, no PASIDs, no snoop control, no interrupt remapping (none of them is emulated).
     */
    public static final VtdCapabilities EMULATED = new VtdCapabilities(
            CAP_ND_64K
                    | CAP_SAGAW_4LEVEL << CAP_SAGAW_SHIFT
                    | 47L << CAP_MGAW_SHIFT
                    | CAP_ZLR
                    | 0x40L << CAP_FRO_SHIFT
                    | CAP_SLLPS_2M_1G << CAP_SLLPS_SHIFT
                    | CAP_PSI
                    | 7L << CAP_NFR_SHIFT
                    | 9L << CAP_MAMV_SHIFT
                    | CAP_DWD
                    | CAP_DRD
                    | CAP_FL1GP,
            ECAP_C
                    | ECAP_QI
                    | ECAP_DT
                    | 0x50L << ECAP_IRO_SHIFT
                    | 0xfL << ECAP_MHMV_SHIFT
                    | ECAP_NEST
                    | ECAP_PRS
                    | ECAP_SMTS
                    | ECAP_SLADS
                    | ECAP_SLTS
                    | ECAP_SMPWC);

    /** The same unit with the given extended capability bits cleared (for tests of the driver's checks). */
    public VtdCapabilities withoutEcap(long bits) {
        return new VtdCapabilities(cap, ecap & ~bits);
    }

    /** The same unit with the given capability bits cleared. */
    public VtdCapabilities withoutCap(long bits) {
        return new VtdCapabilities(cap & ~bits, ecap);
    }

    /** {@code sm_supported}: scalable mode (the kernel's intel_iommu_sm is on). */
    public boolean smSupported() {
        return (ecap & ECAP_SMTS) != 0;
    }

    /** {@code nested_supported}. */
    public boolean nestedSupported() {
        return smSupported() && (ecap & ECAP_NEST) != 0;
    }

    /** {@code ssads_supported}: second-stage dirty tracking. */
    public boolean ssadsSupported() {
        return smSupported() && (ecap & ECAP_SLADS) != 0 && (ecap & ECAP_SMPWC) != 0;
    }

    /** {@code ecap_slts}. */
    public boolean secondStage() {
        return (ecap & ECAP_SLTS) != 0;
    }

    /** {@code cap_fl5lp_support}. */
    public boolean firstStage5Level() {
        return (cap & CAP_FL5LP) != 0;
    }

    /** {@code cap_fl1gp_support}. */
    public boolean firstStage1GiB() {
        return (cap & CAP_FL1GP) != 0;
    }

    /** {@code ecap_srs}. */
    public boolean supervisorRequests() {
        return (ecap & ECAP_SRS) != 0;
    }

    /** {@code ecap_eafs}. */
    public boolean extendedAccessedFlag() {
        return (ecap & ECAP_EAFS) != 0;
    }
}
