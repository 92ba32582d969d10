package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_test_cmd}: the argument of IOMMU_TEST_CMD (kernels built with
 * CONFIG_IOMMUFD_TEST): one selftest operation {@code op} on object {@code id}, with the per-op
 * parameters in the union; each op's members are reachable through the nested class named after
 * it, at their offset in the whole command.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    op
 *  8  u32    id
 * 12  u32    __reserved
 * 16  u64    add_reserved.start
 * 24  u64    add_reserved.length
 * 16  u32    mock_domain.out_stdev_id
 * 20  u32    mock_domain.out_hwpt_id
 * 24  u32    mock_domain.out_idev_id
 * 16  u32    mock_domain_flags.out_stdev_id
 * 20  u32    mock_domain_flags.out_hwpt_id
 * 24  u32    mock_domain_flags.out_idev_id
 * 28  u32    mock_domain_flags.dev_flags
 * 16  u32    mock_domain_replace.pt_id
 * 16  u64    check_map.iova
 * 24  u64    check_map.length
 * 32  u64    check_map.uptr
 * 16  u64    check_refs.length
 * 24  u64    check_refs.uptr
 * 32  u32    check_refs.refs
 * 16  u32    create_access.out_access_fd
 * 20  u32    create_access.flags
 * 16  u32    destroy_access_pages.access_pages_id
 * 16  u32    access_pages.flags
 * 20  u32    access_pages.out_access_pages_id
 * 24  u64    access_pages.iova
 * 32  u64    access_pages.length
 * 40  u64    access_pages.uptr
 * 16  u64    access_rw.iova
 * 24  u64    access_rw.length
 * 32  u64    access_rw.uptr
 * 40  u32    access_rw.flags
 * 16  u32    memory_limit.limit
 * 16  u32    access_replace_ioas.ioas_id
 * 16  u32    dirty.flags
 * 24  u64    dirty.iova
 * 32  u64    dirty.length
 * 40  u64    dirty.page_size
 * 48  u64    dirty.uptr
 * 56  u64    dirty.out_nr_dirty
 * 16  u32    check_iotlb.id
 * 20  u32    check_iotlb.iotlb
 * 16  u32    trigger_iopf.dev_id
 * 20  u32    trigger_iopf.pasid
 * 24  u32    trigger_iopf.grpid
 * 28  u32    trigger_iopf.perm
 * 32  u64    trigger_iopf.addr
 * 16  u32    check_dev_cache.id
 * 20  u32    check_dev_cache.cache
 * 16  u32    trigger_vevent.dev_id
 * 16  u32    pasid_attach.pasid
 * 20  u32    pasid_attach.pt_id
 * 16  u32    pasid_replace.pasid
 * 20  u32    pasid_replace.pt_id
 * 16  u32    pasid_detach.pasid
 * 16  u32    pasid_check.pasid
 * 20  u32    pasid_check.hwpt_id
 * 16  u32    dmabuf_get.length
 * 20  u32    dmabuf_get.open_flags
 * 16  u32    dmabuf_revoke.dmabuf_fd
 * 20  u32    dmabuf_revoke.revoked
 * 64  u32    last
 * (72 bytes; the kernel requires size &ge; 68, the end of last)
 * </pre>
 */
public final class IommuTestCmd {
    public static final StructDef DEF = StructDef.builder("iommu_test_cmd")
            .u32("size")
            .u32("op")
            .u32("id")
            .u32("__reserved")
            .anonymous(StructDef.anonymousUnion()
                    .struct(
                            "add_reserved",
                            StructDef.anonymousStruct()
                                    .u64("start")
                                    .u64("length")
                                    .build())
                    .struct(
                            "mock_domain",
                            StructDef.anonymousStruct()
                                    .u32("out_stdev_id")
                                    .u32("out_hwpt_id")
                                    .u32("out_idev_id")
                                    .build())
                    .struct(
                            "mock_domain_flags",
                            StructDef.anonymousStruct()
                                    .u32("out_stdev_id")
                                    .u32("out_hwpt_id")
                                    .u32("out_idev_id")
                                    .u32("dev_flags")
                                    .build())
                    .struct(
                            "mock_domain_replace",
                            StructDef.anonymousStruct().u32("pt_id").build())
                    .struct(
                            "check_map",
                            StructDef.anonymousStruct()
                                    .u64("iova")
                                    .u64("length")
                                    .u64("uptr")
                                    .build())
                    .struct(
                            "check_refs",
                            StructDef.anonymousStruct()
                                    .u64("length")
                                    .u64("uptr")
                                    .u32("refs")
                                    .build())
                    .struct(
                            "create_access",
                            StructDef.anonymousStruct()
                                    .u32("out_access_fd")
                                    .u32("flags")
                                    .build())
                    .struct(
                            "destroy_access_pages",
                            StructDef.anonymousStruct().u32("access_pages_id").build())
                    .struct(
                            "access_pages",
                            StructDef.anonymousStruct()
                                    .u32("flags")
                                    .u32("out_access_pages_id")
                                    .u64("iova")
                                    .u64("length")
                                    .u64("uptr")
                                    .build())
                    .struct(
                            "access_rw",
                            StructDef.anonymousStruct()
                                    .u64("iova")
                                    .u64("length")
                                    .u64("uptr")
                                    .u32("flags")
                                    .build())
                    .struct(
                            "memory_limit",
                            StructDef.anonymousStruct().u32("limit").build())
                    .struct(
                            "access_replace_ioas",
                            StructDef.anonymousStruct().u32("ioas_id").build())
                    .struct(
                            "dirty",
                            StructDef.anonymousStruct()
                                    .u32("flags")
                                    .u64("iova")
                                    .u64("length")
                                    .u64("page_size")
                                    .u64("uptr")
                                    .u64("out_nr_dirty")
                                    .build())
                    .struct(
                            "check_iotlb",
                            StructDef.anonymousStruct().u32("id").u32("iotlb").build())
                    .struct(
                            "trigger_iopf",
                            StructDef.anonymousStruct()
                                    .u32("dev_id")
                                    .u32("pasid")
                                    .u32("grpid")
                                    .u32("perm")
                                    .u64("addr")
                                    .build())
                    .struct(
                            "check_dev_cache",
                            StructDef.anonymousStruct().u32("id").u32("cache").build())
                    .struct(
                            "trigger_vevent",
                            StructDef.anonymousStruct().u32("dev_id").build())
                    .struct(
                            "pasid_attach",
                            StructDef.anonymousStruct()
                                    .u32("pasid")
                                    .u32("pt_id")
                                    .build())
                    .struct(
                            "pasid_replace",
                            StructDef.anonymousStruct()
                                    .u32("pasid")
                                    .u32("pt_id")
                                    .build())
                    .struct(
                            "pasid_detach",
                            StructDef.anonymousStruct().u32("pasid").build())
                    .struct(
                            "pasid_check",
                            StructDef.anonymousStruct()
                                    .u32("pasid")
                                    .u32("hwpt_id")
                                    .build())
                    .struct(
                            "dmabuf_get",
                            StructDef.anonymousStruct()
                                    .u32("length")
                                    .u32("open_flags")
                                    .build())
                    .struct(
                            "dmabuf_revoke",
                            StructDef.anonymousStruct()
                                    .u32("dmabuf_fd")
                                    .u32("revoked")
                                    .build())
                    .build())
            .u32("last")
            .minSizeThrough("last")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 OP = DEF.u32("op");
    public static final Field.U32 ID = DEF.u32("id");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.Nested ADD_RESERVED = DEF.nested("add_reserved");
    public static final Field.Nested MOCK_DOMAIN = DEF.nested("mock_domain");
    public static final Field.Nested MOCK_DOMAIN_FLAGS = DEF.nested("mock_domain_flags");
    public static final Field.Nested MOCK_DOMAIN_REPLACE = DEF.nested("mock_domain_replace");
    public static final Field.Nested CHECK_MAP = DEF.nested("check_map");
    public static final Field.Nested CHECK_REFS = DEF.nested("check_refs");
    public static final Field.Nested CREATE_ACCESS = DEF.nested("create_access");
    public static final Field.Nested DESTROY_ACCESS_PAGES = DEF.nested("destroy_access_pages");
    public static final Field.Nested ACCESS_PAGES = DEF.nested("access_pages");
    public static final Field.Nested ACCESS_RW = DEF.nested("access_rw");
    public static final Field.Nested MEMORY_LIMIT = DEF.nested("memory_limit");
    public static final Field.Nested ACCESS_REPLACE_IOAS = DEF.nested("access_replace_ioas");
    public static final Field.Nested DIRTY = DEF.nested("dirty");
    public static final Field.Nested CHECK_IOTLB = DEF.nested("check_iotlb");
    public static final Field.Nested TRIGGER_IOPF = DEF.nested("trigger_iopf");
    public static final Field.Nested CHECK_DEV_CACHE = DEF.nested("check_dev_cache");
    public static final Field.Nested TRIGGER_VEVENT = DEF.nested("trigger_vevent");
    public static final Field.Nested PASID_ATTACH = DEF.nested("pasid_attach");
    public static final Field.Nested PASID_REPLACE = DEF.nested("pasid_replace");
    public static final Field.Nested PASID_DETACH = DEF.nested("pasid_detach");
    public static final Field.Nested PASID_CHECK = DEF.nested("pasid_check");
    public static final Field.Nested DMABUF_GET = DEF.nested("dmabuf_get");
    public static final Field.Nested DMABUF_REVOKE = DEF.nested("dmabuf_revoke");
    public static final Field.U32 LAST = DEF.u32("last");

    /** The members of {@code add_reserved}, at their offsets in the whole struct. */
    public static final class AddReserved {
        public static final Field.U64 START = ADD_RESERVED.u64("start");
        public static final Field.U64 LENGTH = ADD_RESERVED.u64("length");

        private AddReserved() {}
    }

    /** The members of {@code mock_domain}, at their offsets in the whole struct. */
    public static final class MockDomain {
        public static final Field.U32 OUT_STDEV_ID = MOCK_DOMAIN.u32("out_stdev_id");
        public static final Field.U32 OUT_HWPT_ID = MOCK_DOMAIN.u32("out_hwpt_id");
        public static final Field.U32 OUT_IDEV_ID = MOCK_DOMAIN.u32("out_idev_id");

        private MockDomain() {}
    }

    /** The members of {@code mock_domain_flags}, at their offsets in the whole struct. */
    public static final class MockDomainFlags {
        public static final Field.U32 OUT_STDEV_ID = MOCK_DOMAIN_FLAGS.u32("out_stdev_id");
        public static final Field.U32 OUT_HWPT_ID = MOCK_DOMAIN_FLAGS.u32("out_hwpt_id");
        public static final Field.U32 OUT_IDEV_ID = MOCK_DOMAIN_FLAGS.u32("out_idev_id");
        public static final Field.U32 DEV_FLAGS = MOCK_DOMAIN_FLAGS.u32("dev_flags");

        private MockDomainFlags() {}
    }

    /** The members of {@code mock_domain_replace}, at their offsets in the whole struct. */
    public static final class MockDomainReplace {
        public static final Field.U32 PT_ID = MOCK_DOMAIN_REPLACE.u32("pt_id");

        private MockDomainReplace() {}
    }

    /** The members of {@code check_map}, at their offsets in the whole struct. */
    public static final class CheckMap {
        public static final Field.U64 IOVA = CHECK_MAP.u64("iova");
        public static final Field.U64 LENGTH = CHECK_MAP.u64("length");
        public static final Field.U64 UPTR = CHECK_MAP.u64("uptr");

        private CheckMap() {}
    }

    /** The members of {@code check_refs}, at their offsets in the whole struct. */
    public static final class CheckRefs {
        public static final Field.U64 LENGTH = CHECK_REFS.u64("length");
        public static final Field.U64 UPTR = CHECK_REFS.u64("uptr");
        public static final Field.U32 REFS = CHECK_REFS.u32("refs");

        private CheckRefs() {}
    }

    /** The members of {@code create_access}, at their offsets in the whole struct. */
    public static final class CreateAccess {
        public static final Field.U32 OUT_ACCESS_FD = CREATE_ACCESS.u32("out_access_fd");
        public static final Field.U32 FLAGS = CREATE_ACCESS.u32("flags");

        private CreateAccess() {}
    }

    /** The members of {@code destroy_access_pages}, at their offsets in the whole struct. */
    public static final class DestroyAccessPages {
        public static final Field.U32 ACCESS_PAGES_ID = DESTROY_ACCESS_PAGES.u32("access_pages_id");

        private DestroyAccessPages() {}
    }

    /** The members of {@code access_pages}, at their offsets in the whole struct. */
    public static final class AccessPages {
        public static final Field.U32 FLAGS = ACCESS_PAGES.u32("flags");
        public static final Field.U32 OUT_ACCESS_PAGES_ID = ACCESS_PAGES.u32("out_access_pages_id");
        public static final Field.U64 IOVA = ACCESS_PAGES.u64("iova");
        public static final Field.U64 LENGTH = ACCESS_PAGES.u64("length");
        public static final Field.U64 UPTR = ACCESS_PAGES.u64("uptr");

        private AccessPages() {}
    }

    /** The members of {@code access_rw}, at their offsets in the whole struct. */
    public static final class AccessRw {
        public static final Field.U64 IOVA = ACCESS_RW.u64("iova");
        public static final Field.U64 LENGTH = ACCESS_RW.u64("length");
        public static final Field.U64 UPTR = ACCESS_RW.u64("uptr");
        public static final Field.U32 FLAGS = ACCESS_RW.u32("flags");

        private AccessRw() {}
    }

    /** The members of {@code memory_limit}, at their offsets in the whole struct. */
    public static final class MemoryLimit {
        public static final Field.U32 LIMIT = MEMORY_LIMIT.u32("limit");

        private MemoryLimit() {}
    }

    /** The members of {@code access_replace_ioas}, at their offsets in the whole struct. */
    public static final class AccessReplaceIoas {
        public static final Field.U32 IOAS_ID = ACCESS_REPLACE_IOAS.u32("ioas_id");

        private AccessReplaceIoas() {}
    }

    /** The members of {@code dirty}, at their offsets in the whole struct. */
    public static final class Dirty {
        public static final Field.U32 FLAGS = DIRTY.u32("flags");
        public static final Field.U64 IOVA = DIRTY.u64("iova");
        public static final Field.U64 LENGTH = DIRTY.u64("length");
        public static final Field.U64 PAGE_SIZE = DIRTY.u64("page_size");
        public static final Field.U64 UPTR = DIRTY.u64("uptr");
        public static final Field.U64 OUT_NR_DIRTY = DIRTY.u64("out_nr_dirty");

        private Dirty() {}
    }

    /** The members of {@code check_iotlb}, at their offsets in the whole struct. */
    public static final class CheckIotlb {
        public static final Field.U32 ID = CHECK_IOTLB.u32("id");
        public static final Field.U32 IOTLB = CHECK_IOTLB.u32("iotlb");

        private CheckIotlb() {}
    }

    /** The members of {@code trigger_iopf}, at their offsets in the whole struct. */
    public static final class TriggerIopf {
        public static final Field.U32 DEV_ID = TRIGGER_IOPF.u32("dev_id");
        public static final Field.U32 PASID = TRIGGER_IOPF.u32("pasid");
        public static final Field.U32 GRPID = TRIGGER_IOPF.u32("grpid");
        public static final Field.U32 PERM = TRIGGER_IOPF.u32("perm");
        public static final Field.U64 ADDR = TRIGGER_IOPF.u64("addr");

        private TriggerIopf() {}
    }

    /** The members of {@code check_dev_cache}, at their offsets in the whole struct. */
    public static final class CheckDevCache {
        public static final Field.U32 ID = CHECK_DEV_CACHE.u32("id");
        public static final Field.U32 CACHE = CHECK_DEV_CACHE.u32("cache");

        private CheckDevCache() {}
    }

    /** The members of {@code trigger_vevent}, at their offsets in the whole struct. */
    public static final class TriggerVevent {
        public static final Field.U32 DEV_ID = TRIGGER_VEVENT.u32("dev_id");

        private TriggerVevent() {}
    }

    /** The members of {@code pasid_attach}, at their offsets in the whole struct. */
    public static final class PasidAttach {
        public static final Field.U32 PASID = PASID_ATTACH.u32("pasid");
        public static final Field.U32 PT_ID = PASID_ATTACH.u32("pt_id");

        private PasidAttach() {}
    }

    /** The members of {@code pasid_replace}, at their offsets in the whole struct. */
    public static final class PasidReplace {
        public static final Field.U32 PASID = PASID_REPLACE.u32("pasid");
        public static final Field.U32 PT_ID = PASID_REPLACE.u32("pt_id");

        private PasidReplace() {}
    }

    /** The members of {@code pasid_detach}, at their offsets in the whole struct. */
    public static final class PasidDetach {
        public static final Field.U32 PASID = PASID_DETACH.u32("pasid");

        private PasidDetach() {}
    }

    /** The members of {@code pasid_check}, at their offsets in the whole struct. */
    public static final class PasidCheck {
        public static final Field.U32 PASID = PASID_CHECK.u32("pasid");
        public static final Field.U32 HWPT_ID = PASID_CHECK.u32("hwpt_id");

        private PasidCheck() {}
    }

    /** The members of {@code dmabuf_get}, at their offsets in the whole struct. */
    public static final class DmabufGet {
        public static final Field.U32 LENGTH = DMABUF_GET.u32("length");
        public static final Field.U32 OPEN_FLAGS = DMABUF_GET.u32("open_flags");

        private DmabufGet() {}
    }

    /** The members of {@code dmabuf_revoke}, at their offsets in the whole struct. */
    public static final class DmabufRevoke {
        public static final Field.U32 DMABUF_FD = DMABUF_REVOKE.u32("dmabuf_fd");
        public static final Field.U32 REVOKED = DMABUF_REVOKE.u32("revoked");

        private DmabufRevoke() {}
    }

    private IommuTestCmd() {}
}
