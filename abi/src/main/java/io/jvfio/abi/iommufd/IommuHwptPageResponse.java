package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_page_response}: the answer to a page fault, write() to the fault queue
 * fd, matched by {@code cookie}.
 *
 * <p>The constants are the header's, named without their {@code IOMMUFD_PAGE_RESP_} prefix.
 *
 * <pre>
 * 0  u32    cookie
 * 4  u32    code
 * (8 bytes)
 * </pre>
 */
public final class IommuHwptPageResponse {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_page_response")
            .u32("cookie")
            .u32("code")
            .build();

    public static final Field.U32 COOKIE = DEF.u32("cookie");
    public static final Field.U32 CODE = DEF.u32("code");

    /** {@code enum iommufd_page_response_code}. */
    public static final int SUCCESS = 0;

    public static final int INVALID = 1;

    private IommuHwptPageResponse() {}
}
