package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioInfoCapHeader;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.abi.vfio.VfioIommuType1Info;
import io.jvfio.abi.vfio.VfioIommuType1InfoCapIovaRange;
import io.jvfio.abi.vfio.VfioIommuType1InfoDmaAvail;
import io.jvfio.abi.vfio.VfioIovaRange;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** semantics.md section V: the compat IOAS and the VFIO container ioctls on /dev/iommu (rules 33-34). */
class VfioCompatTest extends IommufdFixture {
    private void mapDma(int flags, long vaddr, long size, long iova) {
        MemorySegment s = VfioIommuType1DmaMap.DEF.allocate(arena);
        VfioIommuType1DmaMap.FLAGS.set(s, flags);
        VfioIommuType1DmaMap.VADDR.set(s, vaddr);
        VfioIommuType1DmaMap.SIZE.set(s, size);
        VfioIommuType1DmaMap.IOVA.set(s, iova);
        ioctl(VfioIoctl.VFIO_IOMMU_MAP_DMA, s);
    }

    private static final int RWDMA = VfioIommuType1DmaMap.FLAG_READ | VfioIommuType1DmaMap.FLAG_WRITE;

    @Test
    @DisplayName("rule 33: GET without a compat IOAS is ENODEV; SET/CLEAR never create or destroy")
    void compatIoasLifecycle() {
        assertThat(errno(() -> vfioIoas(IommuVfioIoas.GET, 0))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> vfioIoas(IommuVfioIoas.SET, 5))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> vfioIoas(3, 0))).isEqualTo(Errno.EOPNOTSUPP);
        int ioas = compatIoas();
        assertThat(IommuVfioIoas.IOAS_ID.get(vfioIoas(IommuVfioIoas.GET, 0))).isEqualTo(ioas);
        vfioIoas(IommuVfioIoas.CLEAR, 0);
        assertThat(errno(() -> vfioIoas(IommuVfioIoas.GET, 0))).isEqualTo(Errno.ENODEV);
        vfioIoas(IommuVfioIoas.SET, ioas);
        destroy(ioas);
        assertThat(errno(() -> vfioIoas(IommuVfioIoas.GET, 0))).isEqualTo(Errno.ENODEV);
        MemorySegment s = IommuVfioIoas.DEF.allocate(arena);
        IommuVfioIoas.RESERVED.set(s, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_VFIO_IOAS, s))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    @DisplayName("rule 33: container ioctls need a compat IOAS (ENODEV) after their own checks (EINVAL)")
    void containerIoctlsWithoutCompatIoas() {
        MemorySegment buf = buffer(PAGE);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_TYPE1v2_IOMMU)))
                .isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_SET_IOMMU, 77))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapDma(RWDMA, buf.address(), PAGE, 0))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> mapDma(8, buf.address(), PAGE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> unmapDma(0, 0, PAGE))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> unmapDma(VfioIommuType1DmaUnmap.FLAG_GET_DIRTY_BITMAP, 0, PAGE)))
                .isEqualTo(Errno.EINVAL);
        MemorySegment info = VfioIommuType1Info.DEF.allocate(arena);
        assertThat(errno(() -> ioctl(VfioIoctl.VFIO_IOMMU_GET_INFO, info))).isEqualTo(Errno.ENODEV);
        VfioIommuType1Info.ARGSZ.set(info, 15);
        assertThat(errno(() -> ioctl(VfioIoctl.VFIO_IOMMU_GET_INFO, info))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_DMA_CC_IOMMU)))
                .isEqualTo(Errno.ENODEV);
    }

    @Test
    @DisplayName("rule 34: API version 0, the extensions, DIRTY_PAGES is ENOTTY")
    void versionAndExtensions() {
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_GET_API_VERSION, 0L)).isZero();
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_TYPE1_IOMMU))
                .isEqualTo(1);
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_TYPE1v2_IOMMU))
                .isEqualTo(1);
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_UNMAP_ALL))
                .isEqualTo(1);
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_UPDATE_VADDR))
                .isZero();
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, 6)).isZero();
        compatIoas();
        assertThat(k.ioctl(fd, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_DMA_CC_IOMMU))
                .isEqualTo(1);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_IOMMU_DIRTY_PAGES, buffer(PAGE))))
                .isEqualTo(Errno.ENOTTY);
    }

    @Test
    @DisplayName("rule 34: MAP_DMA is fixed-IOVA, accepts no R/W flags, and obeys the MAP rules")
    void mapDma() {
        int ioas = compatIoas();
        MemorySegment buf = buffer(4 * PAGE);
        mapDma(RWDMA, buf.address(), 2 * PAGE, 1L << 20);
        mapDma(0, buf.address(), PAGE, 1L << 21);
        assertThat(errno(() -> mapDma(RWDMA, buf.address(), PAGE, 1L << 20))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> mapDma(VfioIommuType1DmaMap.FLAG_VADDR, buf.address(), PAGE, 0)))
                .isEqualTo(Errno.EINVAL);
        MemorySegment s = VfioIommuType1DmaMap.DEF.allocate(arena);
        VfioIommuType1DmaMap.ARGSZ.set(s, 31);
        assertThat(errno(() -> ioctl(VfioIoctl.VFIO_IOMMU_MAP_DMA, s))).isEqualTo(Errno.EINVAL);
        // The mappings are areas of the compat IOAS.
        assertThat(unmap(ioas, 1L << 20, 2 * PAGE)).isEqualTo(2 * PAGE);
    }

    @Test
    @DisplayName("rule 12/34: UNMAP_DMA of nothing succeeds with size 0; FLAG_ALL needs iova = size = 0")
    void unmapDma() {
        compatIoas();
        MemorySegment buf = buffer(4 * PAGE);
        assertThat(unmapDma(0, 1L << 20, PAGE)).isZero();
        mapDma(RWDMA, buf.address(), 2 * PAGE, 1L << 20);
        mapDma(RWDMA, buf.address(), 2 * PAGE, 1L << 22);
        assertThat(errno(() -> unmapDma(VfioIommuType1DmaUnmap.FLAG_ALL, 0, PAGE)))
                .isEqualTo(Errno.EINVAL);
        // v2: an unmap inside a mapping is ENOENT, and size is still written back
        MemorySegment s = unmapDmaStruct(0, 1L << 20, PAGE);
        VfioIommuType1DmaUnmap.SIZE.set(s, 99);
        assertThat(errno(() -> ioctl(VfioIoctl.VFIO_IOMMU_UNMAP_DMA, s))).isEqualTo(Errno.ENOENT);
        assertThat(VfioIommuType1DmaUnmap.SIZE.get(s)).isZero();
        assertThat(unmapDma(VfioIommuType1DmaUnmap.FLAG_ALL, 0, 0)).isEqualTo(4 * PAGE);
    }

    @Test
    @DisplayName("rule 18/34: SET_IOMMU(TYPE1) disables huge pages so UNMAP_DMA can cut inside a mapping")
    void type1SplitsMappings() {
        int ioas = compatIoas();
        k.ioctl(fd, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_TYPE1_IOMMU);
        assertThat(iovaAlignment(ioas)).isEqualTo(PAGE);
        MemorySegment buf = buffer(8 * PAGE);
        mapDma(RWDMA, buf.address(), 8 * PAGE, 1L << 20);
        assertThat(unmapDma(0, (1L << 20) + 2 * PAGE, 3 * PAGE)).isEqualTo(3 * PAGE);
        assertThat(unmapDma(0, 1L << 20, 2 * PAGE)).isEqualTo(2 * PAGE);
        assertThat(unmapDma(0, (1L << 20) + 5 * PAGE, 3 * PAGE)).isEqualTo(3 * PAGE);
        assertThat(unmap(ioas, 0, ULONG_MAX)).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32, 40, 48, 64, 4096})
    @DisplayName("rule 34: GET_INFO's capability chain never writes past argsz and reports the size it needs")
    void getInfoChain(int argsz) {
        compatIoas();
        MemorySegment page = buffer(2 * PAGE);
        page.fill((byte) 0x77);
        VfioIommuType1Info.ARGSZ.set(page, argsz);
        VfioIommuType1Info.FLAGS.set(page, 0);
        ioctl(VfioIoctl.VFIO_IOMMU_GET_INFO, page);
        long dmaAvail = 16;
        long iovaCap = VfioIommuType1InfoCapIovaRange.DEF.size() + VfioIovaRange.DEF.size();
        long total = VfioIommuType1Info.DEF.size() + dmaAvail + iovaCap;
        assertThat(Integer.toUnsignedLong(VfioIommuType1Info.ARGSZ.get(page))).isEqualTo(total);
        assertThat(VfioIommuType1Info.FLAGS.get(page))
                .isEqualTo(VfioIommuType1Info.INFO_PGSIZES | VfioIommuType1Info.INFO_CAPS);
        assertThat(VfioIommuType1Info.IOVA_PGSIZES.get(page)).isEqualTo(~(PAGE - 1));
        for (long i = argsz; i < 2 * PAGE; i++) {
            assertThat(page.get(ValueLayout.JAVA_BYTE, i)).as("byte %d", i).isEqualTo((byte) 0x77);
        }
        if (argsz >= total) {
            assertThat(VfioIommuType1Info.CAP_OFFSET.get(page)).isEqualTo(24);
            MemorySegment dma = page.asSlice(24);
            assertThat(VfioInfoCapHeader.ID.get(dma)).isEqualTo(VfioIommuType1Info.INFO_DMA_AVAIL);
            assertThat(VfioInfoCapHeader.NEXT.get(dma)).isEqualTo(40);
            assertThat(VfioIommuType1InfoDmaAvail.AVAIL.get(dma)).isEqualTo(-1);
            MemorySegment iova = page.asSlice(40);
            assertThat(VfioInfoCapHeader.ID.get(iova)).isEqualTo(VfioIommuType1Info.INFO_CAP_IOVA_RANGE);
            assertThat(VfioInfoCapHeader.NEXT.get(iova)).isZero();
            assertThat(VfioIommuType1InfoCapIovaRange.NR_IOVAS.get(iova)).isEqualTo(1);
            MemorySegment range = iova.asSlice(VfioIommuType1InfoCapIovaRange.DEF.size());
            assertThat(VfioIovaRange.START.get(range)).isZero();
            assertThat(VfioIovaRange.END.get(range)).isEqualTo(ULONG_MAX);
        } else if (argsz >= 24) {
            assertThat(VfioIommuType1Info.CAP_OFFSET.get(page)).isZero();
        }
    }
}
