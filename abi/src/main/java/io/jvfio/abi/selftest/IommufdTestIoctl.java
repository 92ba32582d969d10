package io.jvfio.abi.selftest;

import io.jvfio.abi.iommufd.IommufdIoctl;

/**
 * The iommufd selftest request and its operations. IOMMU_TEST_CMD exists only in kernels built with
 * CONFIG_IOMMUFD_TEST; the operation goes in {@link IommuTestCmd#OP} (the header's anonymous enum,
 * numbered from 1).
 */
public final class IommufdTestIoctl {
    /** {@code _IO(';', 0x80 + 32)}; the same value as {@link IommufdIoctl#IOMMU_TEST_CMD}. */
    public static final long IOMMU_TEST_CMD = IommufdIoctl.IOMMU_TEST_CMD;

    public static final int IOMMU_TEST_OP_ADD_RESERVED = 1;
    public static final int IOMMU_TEST_OP_MOCK_DOMAIN = 2;
    public static final int IOMMU_TEST_OP_MD_CHECK_MAP = 3;
    public static final int IOMMU_TEST_OP_MD_CHECK_REFS = 4;
    public static final int IOMMU_TEST_OP_CREATE_ACCESS = 5;
    public static final int IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6;
    public static final int IOMMU_TEST_OP_ACCESS_PAGES = 7;
    public static final int IOMMU_TEST_OP_ACCESS_RW = 8;
    public static final int IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9;
    public static final int IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10;
    public static final int IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11;
    public static final int IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12;
    public static final int IOMMU_TEST_OP_DIRTY = 13;
    public static final int IOMMU_TEST_OP_MD_CHECK_IOTLB = 14;
    public static final int IOMMU_TEST_OP_TRIGGER_IOPF = 15;
    public static final int IOMMU_TEST_OP_DEV_CHECK_CACHE = 16;
    public static final int IOMMU_TEST_OP_TRIGGER_VEVENT = 17;
    public static final int IOMMU_TEST_OP_PASID_ATTACH = 18;
    public static final int IOMMU_TEST_OP_PASID_REPLACE = 19;
    public static final int IOMMU_TEST_OP_PASID_DETACH = 20;
    public static final int IOMMU_TEST_OP_PASID_CHECK_HWPT = 21;
    public static final int IOMMU_TEST_OP_DMABUF_GET = 22;
    public static final int IOMMU_TEST_OP_DMABUF_REVOKE = 23;

    private IommufdTestIoctl() {}
}
