package io.jvfio.abi.selftest;

/**
 * The constants of the iommufd selftest header (drivers/iommu/iommufd/iommufd_test.h): the mock
 * IOMMU's geometry and flags, and the selftest data and object types.
 */
public final class IommufdTestConst {

    public static final int MOCK_IOMMUPT_DEFAULT = 0;
    public static final int MOCK_IOMMUPT_HUGE = 1;
    public static final int MOCK_APERTURE_START = 1 << 24;
    public static final int MOCK_APERTURE_LAST = 0x7fffffff;
    public static final int MOCK_PAGE_SIZE = 2048;
    public static final int MOCK_HUGE_PAGE_SIZE = 1048576;
    public static final int MOCK_FLAGS_ACCESS_WRITE = 1 << 0;
    public static final int MOCK_FLAGS_ACCESS_SYZ = 1 << 16;
    public static final int MOCK_ACCESS_RW_WRITE = 1 << 0;
    public static final int MOCK_ACCESS_RW_SLOW_PATH = 1 << 2;
    public static final int MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0;
    public static final int MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0;
    public static final int MOCK_FLAGS_DEVICE_PASID = 1 << 2;
    public static final int MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3;
    public static final int MOCK_NESTED_DOMAIN_IOTLB_NUM = 4;
    public static final int MOCK_DEV_CACHE_ID_MAX = 3;
    public static final int MOCK_DEV_CACHE_NUM = 4;
    public static final int IOMMU_TEST_PASID_RESERVED = 1024;
    public static final int MOCK_PASID_WIDTH = 20;
    public static final int IOMMU_HW_INFO_TYPE_SELFTEST = 0xfeedbeef;
    public static final int IOMMU_HW_INFO_SELFTEST_REGVAL = 0xdeadbeef;
    public static final int IOMMU_HWPT_DATA_SELFTEST = 0xdead;
    public static final int IOMMU_TEST_IOTLB_DEFAULT = 0xbadbeef;
    public static final int IOMMU_TEST_DEV_CACHE_DEFAULT = 0xbaddad;
    public static final int IOMMU_HWPT_INVALIDATE_DATA_SELFTEST = 0xdeadbeef;
    public static final int IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID = 0xdadbeef;
    public static final int IOMMU_TEST_INVALIDATE_FLAG_ALL = 1 << 0;
    public static final int IOMMU_VIOMMU_TYPE_SELFTEST = 0xdeadbeef;
    public static final int IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST = 0xdeadbeef;
    public static final int IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID = 0xdadbeef;
    public static final int IOMMU_VEVENTQ_TYPE_SELFTEST = 0xbeefbeef;
    public static final int IOMMU_HW_QUEUE_TYPE_SELFTEST = 0xdeadbeef;
    public static final int IOMMU_TEST_HW_QUEUE_MAX = 2;

    private IommufdTestConst() {}
}
