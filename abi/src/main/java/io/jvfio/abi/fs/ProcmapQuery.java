package io.jvfio.abi.fs;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct procmap_query}: the argument of PROCMAP_QUERY on an open {@code /proc/PID/maps}
 * (Linux 6.11 and later): the VMA that covers {@code query_addr} (or, with COVERING_OR_NEXT_VMA,
 * the next one above it), returned as its range, its permissions in {@code vma_flags} and its
 * backing; ENOENT when none matches. Constants drop the prefix {@code PROCMAP_QUERY_}.
 *
 * <pre>
 *  0  u64    size
 *  8  u64    query_flags      (in)
 * 16  u64    query_addr       (in)
 * 24  u64    vma_start        (out)
 * 32  u64    vma_end          (out)
 * 40  u64    vma_flags        (out: VMA_* bits)
 * 48  u64    vma_page_size    (out)
 * 56  u64    vma_offset       (out)
 * 64  u64    inode            (out)
 * 72  u32    dev_major        (out)
 * 76  u32    dev_minor        (out)
 * 80  u32    vma_name_size    (in/out; 0: no name wanted, then vma_name_addr must be 0)
 * 84  u32    build_id_size    (in/out; 0: no build ID wanted, then build_id_addr must be 0)
 * 88  u64    vma_name_addr    (in)
 * 96  u64    build_id_addr    (in)
 * (104 bytes; the kernel requires size &ge; 24, the end of query_addr, and at most PAGE_SIZE)
 * </pre>
 */
public final class ProcmapQuery {
    public static final StructDef DEF = StructDef.builder("procmap_query")
            .u64("size")
            .u64("query_flags")
            .u64("query_addr")
            .u64("vma_start")
            .u64("vma_end")
            .u64("vma_flags")
            .u64("vma_page_size")
            .u64("vma_offset")
            .u64("inode")
            .u32("dev_major")
            .u32("dev_minor")
            .u32("vma_name_size")
            .u32("build_id_size")
            .u64("vma_name_addr")
            .u64("build_id_addr")
            .minSizeThrough("query_addr")
            .build();

    public static final Field.U64 SIZE = DEF.u64("size");
    public static final Field.U64 QUERY_FLAGS = DEF.u64("query_flags");
    public static final Field.U64 QUERY_ADDR = DEF.u64("query_addr");
    public static final Field.U64 VMA_START = DEF.u64("vma_start");
    public static final Field.U64 VMA_END = DEF.u64("vma_end");
    public static final Field.U64 VMA_FLAGS = DEF.u64("vma_flags");
    public static final Field.U64 VMA_PAGE_SIZE = DEF.u64("vma_page_size");
    public static final Field.U64 VMA_OFFSET = DEF.u64("vma_offset");
    public static final Field.U64 INODE = DEF.u64("inode");
    public static final Field.U32 DEV_MAJOR = DEF.u32("dev_major");
    public static final Field.U32 DEV_MINOR = DEF.u32("dev_minor");
    public static final Field.U32 VMA_NAME_SIZE = DEF.u32("vma_name_size");
    public static final Field.U32 BUILD_ID_SIZE = DEF.u32("build_id_size");
    public static final Field.U64 VMA_NAME_ADDR = DEF.u64("vma_name_addr");
    public static final Field.U64 BUILD_ID_ADDR = DEF.u64("build_id_addr");

    /**
     * {@code enum procmap_query_flags}: the VMA_* bits are the permissions returned in {@code
     * vma_flags} and, in {@code query_flags}, a filter (only VMAs with all of them match).
     */
    public static final int VMA_READABLE = 0x01;

    public static final int VMA_WRITABLE = 0x02;
    public static final int VMA_EXECUTABLE = 0x04;
    /** VM_MAYSHARE: a MAP_SHARED mapping. */
    public static final int VMA_SHARED = 0x08;
    /** Query modifier: no covering VMA means the next one above {@code query_addr}, not ENOENT. */
    public static final int COVERING_OR_NEXT_VMA = 0x10;
    /** Query modifier: consider only VMAs backed by a file. */
    public static final int FILE_BACKED_VMA = 0x20;

    private ProcmapQuery() {}
}
