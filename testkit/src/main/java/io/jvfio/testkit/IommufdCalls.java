package io.jvfio.testkit;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuFaultAlloc;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwInfoVtd;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptVtdS1;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasMapFile;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.nativeimpl.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The /dev/iommu ioctls a test issues, each raw with its ABI struct, returning what the kernel wrote
 * back. A fixture supplies the kernel, the open iommufd and an arena for the argument structs; the
 * conformance fixture (either backend) and the emulator's own harness both build on it, so an ioctl
 * is spelled once for every test.
 */
public abstract class IommufdCalls {
    public static final long PAGE = Linux.PAGE_SIZE;
    public static final long ULONG_MAX = -1L;
    public static final int RW = IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE;
    public static final int FIXED = IommuIoasMap.FLAG_FIXED_IOVA;

    /** The kernel the calls go to. */
    protected abstract Kernel kernel();

    /** The open /dev/iommu the calls go to. */
    protected abstract int iommufd();

    /** Where the argument structs are allocated. */
    protected abstract Arena arena();

    private final List<MemorySegment> mappings = new ArrayList<>();

    /** Anonymous read-write memory of {@code bytes}, unmapped by {@link #unmapBuffers}. */
    public MemorySegment buffer(long bytes) {
        return mmap(bytes, Linux.Prot.READ | Linux.Prot.WRITE);
    }

    /** Anonymous memory of {@code bytes} with {@code prot}, unmapped by {@link #unmapBuffers}. */
    public MemorySegment mmap(long bytes, int prot) {
        MemorySegment m = kernel().mmap(bytes, prot, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        mappings.add(m);
        return m;
    }

    /** An address range that is certainly not mapped. */
    public long unmappedAddress(long bytes) {
        MemorySegment m = kernel().mmap(bytes, Linux.Prot.NONE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        long address = m.address();
        kernel().munmap(m);
        return address;
    }

    /** Unmaps what {@link #buffer} and {@link #mmap} mapped. */
    protected void unmapBuffers() {
        for (MemorySegment m : mappings) {
            kernel().munmap(m);
        }
        mappings.clear();
    }

    public long ioctl(long request, MemorySegment arg) {
        return kernel().ioctl(iommufd(), request, arg);
    }

    public int ioasAlloc() {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena());
        ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        return IommuIoasAlloc.OUT_IOAS_ID.get(s);
    }

    public void destroy(int id) {
        MemorySegment s = IommuDestroy.DEF.allocate(arena());
        IommuDestroy.ID.set(s, id);
        ioctl(IommufdIoctl.IOMMU_DESTROY, s);
    }

    public MemorySegment mapStruct(int ioas, int flags, long userVa, long length, long iova) {
        MemorySegment s = IommuIoasMap.DEF.allocate(arena());
        IommuIoasMap.FLAGS.set(s, flags);
        IommuIoasMap.IOAS_ID.set(s, ioas);
        IommuIoasMap.USER_VA.set(s, userVa);
        IommuIoasMap.LENGTH.set(s, length);
        IommuIoasMap.IOVA.set(s, iova);
        return s;
    }

    /** IOAS_MAP with {@code flags} as given; returns the IOVA. */
    public long map(int ioas, int flags, long userVa, long length, long iova) {
        MemorySegment s = mapStruct(ioas, flags, userVa, length, iova);
        ioctl(IommufdIoctl.IOMMU_IOAS_MAP, s);
        return IommuIoasMap.IOVA.get(s);
    }

    public long mapFixed(int ioas, long userVa, long length, long iova) {
        return map(ioas, RW | FIXED, userVa, length, iova);
    }

    public long mapAuto(int ioas, long userVa, long length) {
        return map(ioas, RW, userVa, length, 0);
    }

    /** IOAS_MAP_FILE; returns the IOVA. */
    public long mapFile(int ioas, int flags, int file, long start, long length, long iova) {
        MemorySegment s = IommuIoasMapFile.DEF.allocate(arena());
        IommuIoasMapFile.FLAGS.set(s, flags);
        IommuIoasMapFile.IOAS_ID.set(s, ioas);
        IommuIoasMapFile.FD.set(s, file);
        IommuIoasMapFile.START.set(s, start);
        IommuIoasMapFile.LENGTH.set(s, length);
        IommuIoasMapFile.IOVA.set(s, iova);
        ioctl(IommufdIoctl.IOMMU_IOAS_MAP_FILE, s);
        return IommuIoasMapFile.IOVA.get(s);
    }

    /** IOAS_UNMAP; returns the bytes unmapped. */
    public long unmap(int ioas, long iova, long length) {
        MemorySegment s = IommuIoasUnmap.DEF.allocate(arena());
        IommuIoasUnmap.IOAS_ID.set(s, ioas);
        IommuIoasUnmap.IOVA.set(s, iova);
        IommuIoasUnmap.LENGTH.set(s, length);
        ioctl(IommufdIoctl.IOMMU_IOAS_UNMAP, s);
        return IommuIoasUnmap.LENGTH.get(s);
    }

    /** IOAS_COPY; returns the destination IOVA. */
    public long copy(int dst, int src, int flags, long srcIova, long length, long dstIova) {
        MemorySegment s = IommuIoasCopy.DEF.allocate(arena());
        IommuIoasCopy.FLAGS.set(s, flags);
        IommuIoasCopy.DST_IOAS_ID.set(s, dst);
        IommuIoasCopy.SRC_IOAS_ID.set(s, src);
        IommuIoasCopy.LENGTH.set(s, length);
        IommuIoasCopy.DST_IOVA.set(s, dstIova);
        IommuIoasCopy.SRC_IOVA.set(s, srcIova);
        ioctl(IommufdIoctl.IOMMU_IOAS_COPY, s);
        return IommuIoasCopy.DST_IOVA.get(s);
    }

    /** An IOAS_IOVA_RANGES struct with room for {@code capacity} ranges, not yet issued. */
    public MemorySegment iovaRangesStruct(int ioas, int capacity) {
        MemorySegment s = IommuIoasIovaRanges.DEF.allocate(arena());
        MemorySegment ranges = arena().allocate(Math.max(1, capacity) * IommuIovaRange.DEF.size(), 8);
        IommuIoasIovaRanges.IOAS_ID.set(s, ioas);
        IommuIoasIovaRanges.NUM_IOVAS.set(s, capacity);
        IommuIoasIovaRanges.ALLOWED_IOVAS.set(s, ranges.address());
        return s;
    }

    /** The usable ranges {start, last} of an IOAS. */
    public List<long[]> iovaRanges(int ioas) {
        MemorySegment s = iovaRangesStruct(ioas, 16);
        ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s);
        return ranges(s);
    }

    /** The ranges {start, last} an issued IOAS_IOVA_RANGES struct reports. */
    public static List<long[]> ranges(MemorySegment s) {
        int n = IommuIoasIovaRanges.NUM_IOVAS.get(s);
        MemorySegment array = NativeMemory.at(IommuIoasIovaRanges.ALLOWED_IOVAS.get(s), n * IommuIovaRange.DEF.size());
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment r = array.asSlice(i * IommuIovaRange.DEF.size(), IommuIovaRange.DEF.size());
            out.add(new long[] {IommuIovaRange.START.get(r), IommuIovaRange.LAST.get(r)});
        }
        return out;
    }

    public long iovaAlignment(int ioas) {
        MemorySegment s = iovaRangesStruct(ioas, 16);
        ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s);
        return IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s);
    }

    /** ALLOW_IOVAS with ranges {start, last}. */
    public void allowIovas(int ioas, long... startLast) {
        MemorySegment s = IommuIoasAllowIovas.DEF.allocate(arena());
        int n = startLast.length / 2;
        MemorySegment ranges = arena().allocate(Math.max(1, n) * IommuIovaRange.DEF.size(), 8);
        for (int i = 0; i < n; i++) {
            MemorySegment r = ranges.asSlice(i * IommuIovaRange.DEF.size(), IommuIovaRange.DEF.size());
            IommuIovaRange.START.set(r, startLast[2 * i]);
            IommuIovaRange.LAST.set(r, startLast[2 * i + 1]);
        }
        IommuIoasAllowIovas.IOAS_ID.set(s, ioas);
        IommuIoasAllowIovas.NUM_IOVAS.set(s, n);
        IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, ranges.address());
        ioctl(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, s);
    }

    /** IOMMU_OPTION; returns val64 as written back. */
    /** IOMMU_HWPT_ALLOC of a paging HWPT (no driver data); the new HWPT's ID. */
    public int hwptAlloc(int devId, int ptId, int flags, int faultId) {
        MemorySegment c = IommuHwptAlloc.DEF.allocate(arena());
        IommuHwptAlloc.SIZE.set(c, (int) IommuHwptAlloc.DEF.size());
        IommuHwptAlloc.DEV_ID.set(c, devId);
        IommuHwptAlloc.PT_ID.set(c, ptId);
        IommuHwptAlloc.FLAGS.set(c, flags);
        IommuHwptAlloc.FAULT_ID.set(c, faultId);
        ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c);
        return IommuHwptAlloc.OUT_HWPT_ID.get(c);
    }

    /**
     * IOMMU_HWPT_ALLOC of a VT-d nested HWPT (IOMMU_HWPT_DATA_VTD_S1, the whole struct) on the
     * paging HWPT {@code parentId}; the new HWPT's ID.
     */
    public int hwptAllocVtdS1(int devId, int parentId, int flags, long s1Flags, long pgtblAddr, int addrWidth) {
        MemorySegment data = arena().allocate(IommuHwptVtdS1.DEF.size(), 8);
        IommuHwptVtdS1.FLAGS.set(data, s1Flags);
        IommuHwptVtdS1.PGTBL_ADDR.set(data, pgtblAddr);
        IommuHwptVtdS1.ADDR_WIDTH.set(data, addrWidth);
        MemorySegment c = IommuHwptAlloc.DEF.allocate(arena());
        IommuHwptAlloc.SIZE.set(c, (int) IommuHwptAlloc.DEF.size());
        IommuHwptAlloc.DEV_ID.set(c, devId);
        IommuHwptAlloc.PT_ID.set(c, parentId);
        IommuHwptAlloc.FLAGS.set(c, flags);
        IommuHwptAlloc.DATA_TYPE.set(c, IommuHwptAlloc.DATA_VTD_S1);
        IommuHwptAlloc.DATA_LEN.set(c, (int) IommuHwptVtdS1.DEF.size());
        IommuHwptAlloc.DATA_UPTR.set(c, data.address());
        ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c);
        return IommuHwptAlloc.OUT_HWPT_ID.get(c);
    }

    /**
     * The IOMMU_HWPT_INVALIDATE argument for {@code entryNum} entries of {@code entryLen} bytes at
     * {@code entries} (issue it with {@link #ioctl}; entry_num is written back on every outcome).
     */
    public MemorySegment hwptInvalidateStruct(
            int hwptId, int dataType, long entryLen, MemorySegment entries, int entryNum) {
        MemorySegment c = IommuHwptInvalidate.DEF.allocate(arena());
        IommuHwptInvalidate.SIZE.set(c, (int) IommuHwptInvalidate.DEF.size());
        IommuHwptInvalidate.HWPT_ID.set(c, hwptId);
        IommuHwptInvalidate.DATA_UPTR.set(c, entries.address());
        IommuHwptInvalidate.DATA_TYPE.set(c, dataType);
        IommuHwptInvalidate.ENTRY_LEN.set(c, (int) entryLen);
        IommuHwptInvalidate.ENTRY_NUM.set(c, entryNum);
        return c;
    }

    /** What IOMMU_GET_HW_INFO wrote back: out_data_type, data_len and the driver data. */
    public record HwInfo(int type, int dataLen, MemorySegment data) {}

    /** IOMMU_GET_HW_INFO of {@code devId} into a {@code struct iommu_hw_info_vtd}-sized buffer. */
    public HwInfo hwInfo(int devId) {
        MemorySegment data = arena().allocate(IommuHwInfoVtd.DEF.size(), 8);
        MemorySegment c = IommuHwInfo.DEF.allocate(arena());
        IommuHwInfo.SIZE.set(c, (int) IommuHwInfo.DEF.size());
        IommuHwInfo.DEV_ID.set(c, devId);
        IommuHwInfo.DATA_LEN.set(c, (int) data.byteSize());
        IommuHwInfo.DATA_UPTR.set(c, data.address());
        ioctl(IommufdIoctl.IOMMU_GET_HW_INFO, c);
        return new HwInfo(IommuHwInfo.OUT_DATA_TYPE.get(c), IommuHwInfo.DATA_LEN.get(c), data);
    }

    /** IOMMU_FAULT_QUEUE_ALLOC: {fault ID, fault fd}. */
    public int[] faultAlloc() {
        MemorySegment c = IommuFaultAlloc.DEF.allocate(arena());
        IommuFaultAlloc.SIZE.set(c, (int) IommuFaultAlloc.DEF.size());
        ioctl(IommufdIoctl.IOMMU_FAULT_QUEUE_ALLOC, c);
        return new int[] {IommuFaultAlloc.OUT_FAULT_ID.get(c), IommuFaultAlloc.OUT_FAULT_FD.get(c)};
    }

    public long option(int optionId, int op, int objectId, long val) {
        MemorySegment s = IommuOption.DEF.allocate(arena());
        IommuOption.OPTION_ID.set(s, optionId);
        IommuOption.OP.set(s, op);
        IommuOption.OBJECT_ID.set(s, objectId);
        IommuOption.VAL64.set(s, val);
        ioctl(IommufdIoctl.IOMMU_OPTION, s);
        return IommuOption.VAL64.get(s);
    }

    public void setHugePages(int ioas, boolean enabled) {
        option(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ioas, enabled ? 1 : 0);
    }

    /** IOMMU_VFIO_IOAS; returns the struct as written back. */
    public MemorySegment vfioIoas(int op, int ioas) {
        MemorySegment s = IommuVfioIoas.DEF.allocate(arena());
        IommuVfioIoas.OP.set(s, op);
        IommuVfioIoas.IOAS_ID.set(s, ioas);
        ioctl(IommufdIoctl.IOMMU_VFIO_IOAS, s);
        return s;
    }

    /** A new IOAS made the one the VFIO compat ioctls of this iommufd use. */
    public int compatIoas() {
        int ioas = ioasAlloc();
        vfioIoas(IommuVfioIoas.SET, ioas);
        return ioas;
    }

    public MemorySegment unmapDmaStruct(int flags, long iova, long size) {
        MemorySegment s = VfioIommuType1DmaUnmap.DEF.allocate(arena());
        VfioIommuType1DmaUnmap.FLAGS.set(s, flags);
        VfioIommuType1DmaUnmap.IOVA.set(s, iova);
        VfioIommuType1DmaUnmap.SIZE.set(s, size);
        return s;
    }

    /** VFIO_IOMMU_UNMAP_DMA on the iommufd (type1 compat); returns the bytes unmapped. */
    public long unmapDma(int flags, long iova, long size) {
        MemorySegment s = unmapDmaStruct(flags, iova, size);
        ioctl(VfioIoctl.VFIO_IOMMU_UNMAP_DMA, s);
        return VfioIommuType1DmaUnmap.SIZE.get(s);
    }
}
