package io.jvfio.api;

import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;

final class HwptImpl extends IommufdObject implements Hwpt {
    private final boolean nested;

    HwptImpl(IommufdImpl owner, int id, boolean nested) {
        super(owner, id);
        this.nested = nested;
    }

    @Override
    public boolean nested() {
        return nested;
    }

    @Override
    public void setDirtyTracking(boolean enabled) {
        checkOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuHwptSetDirtyTracking.DEF.allocate(a);
            IommuHwptSetDirtyTracking.FLAGS.set(s, enabled ? IommuHwptSetDirtyTracking.DIRTY_TRACKING_ENABLE : 0);
            IommuHwptSetDirtyTracking.HWPT_ID.set(s, id());
            owner().ioctl(
                            "Hwpt[" + id() + "].setDirtyTracking(" + enabled + ")",
                            IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING,
                            s);
        }
    }

    @Override
    public DirtyBitmap readDirty(long iova, long length, long pageSize, boolean clear) {
        checkOpen();
        if (pageSize <= 0 || length % pageSize != 0 || length / pageSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "length " + length + " must be a positive multiple of the page size " + pageSize);
        }
        long pages = length / pageSize;
        try (Arena a = Arena.ofConfined()) {
            // One bit per page in u64 words, as the kernel writes them.
            MemorySegment bitmap = a.allocate(Math.max(8, (pages + 63) / 64 * 8), 8);
            MemorySegment s = IommuHwptGetDirtyBitmap.DEF.allocate(a);
            IommuHwptGetDirtyBitmap.HWPT_ID.set(s, id());
            IommuHwptGetDirtyBitmap.FLAGS.set(s, clear ? 0 : IommuHwptGetDirtyBitmap.NO_CLEAR);
            IommuHwptGetDirtyBitmap.IOVA.set(s, iova);
            IommuHwptGetDirtyBitmap.LENGTH.set(s, length);
            IommuHwptGetDirtyBitmap.PAGE_SIZE.set(s, pageSize);
            IommuHwptGetDirtyBitmap.DATA.set(s, bitmap.address());
            owner().ioctl(
                            "Hwpt[" + id() + "].readDirty(" + Sys.hex(iova) + ", " + length + " bytes)",
                            IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                            s);
            BitSet bits = BitSet.valueOf(bitmap.toArray(ValueLayout.JAVA_LONG));
            return new DirtyBitmap(iova, length, pageSize, bits.get(0, (int) pages));
        }
    }
}
