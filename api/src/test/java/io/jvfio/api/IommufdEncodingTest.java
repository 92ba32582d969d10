package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the iommufd API puts into each ioctl and how it reads the kernel's answer. */
class IommufdEncodingTest {
    private final FakeKernel kernel = new FakeKernel();
    private final Jvfio jvfio = Jvfio.open(kernel);
    private int nextId = 1;

    @AfterEach
    void close() {
        jvfio.close();
    }

    /** The kernel side of the calls these tests make: hands out IDs, echoes the rest. */
    private long answer(long request, MemorySegment arg) {
        if (request == IommufdIoctl.IOMMU_IOAS_ALLOC) {
            IommuIoasAlloc.OUT_IOAS_ID.set(arg.reinterpret(IommuIoasAlloc.DEF.size()), nextId++);
        } else if (request == IommufdIoctl.IOMMU_HWPT_ALLOC) {
            IommuHwptAlloc.OUT_HWPT_ID.set(arg.reinterpret(IommuHwptAlloc.DEF.size()), nextId++);
        }
        return 0;
    }

    private FakeKernel.Call last(long request) {
        return kernel.calls().stream()
                .filter(c -> c.request() == request)
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no ioctl " + Long.toHexString(request)));
    }

    @Test
    void openAndAllocIoas() {
        kernel.onIoctl(this::answer);
        Iommufd iommufd = jvfio.openIommufd();

        Ioas ioas = iommufd.allocIoas();

        assertThat(kernel.events()).containsExactly("open /dev/iommu = 10000");
        assertThat(ioas.id()).isEqualTo(1);
        MemorySegment s = last(IommufdIoctl.IOMMU_IOAS_ALLOC).segment();
        assertThat(s.byteSize()).isEqualTo(IommuIoasAlloc.DEF.size());
        assertThat(IommuIoasAlloc.FLAGS.get(s)).isZero();
    }

    @Test
    void fixedMapEncodesEveryField() {
        kernel.onIoctl(this::answer);
        Ioas ioas = jvfio.openIommufd().allocIoas();
        try (DmaBuffer b = jvfio.allocateDma(8192)) {
            Mapping m = ioas.map(b.segment(), 0x100000, DmaAccess.READ_WRITE);

            MemorySegment s = last(IommufdIoctl.IOMMU_IOAS_MAP).segment();
            assertThat(IommuIoasMap.SIZE.get(s)).isEqualTo(40);
            assertThat(IommuIoasMap.FLAGS.get(s))
                    .isEqualTo(IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
            assertThat(IommuIoasMap.IOAS_ID.get(s)).isEqualTo(ioas.id());
            assertThat(IommuIoasMap.USER_VA.get(s)).isEqualTo(b.segment().address());
            assertThat(IommuIoasMap.LENGTH.get(s)).isEqualTo(8192);
            assertThat(IommuIoasMap.IOVA.get(s)).isEqualTo(0x100000);
            assertThat(m)
                    .isEqualTo(
                            new Mapping(ioas.id(), 0x100000, 8192, b.segment().address(), DmaAccess.READ_WRITE));
            assertThat(m.iova(4096)).isEqualTo(0x101000);
            assertThat(m.end()).isEqualTo(0x102000);
            assertThatThrownBy(() -> m.iova(8192)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void automaticMapReturnsTheIovaTheKernelPicked() {
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_IOAS_MAP) {
                IommuIoasMap.IOVA.set(arg.reinterpret(40), 0xabc000);
            }
            return answer(request, arg);
        });
        Ioas ioas = jvfio.openIommufd().allocIoas();
        try (DmaBuffer b = jvfio.allocateDma(4096)) {
            Mapping m = b.map(ioas, DmaAccess.WRITE);

            assertThat(IommuIoasMap.FLAGS.get(last(IommufdIoctl.IOMMU_IOAS_MAP).segment()))
                    .isEqualTo(IommuIoasMap.FLAG_WRITEABLE);
            assertThat(m.iova()).isEqualTo(0xabc000);
            assertThat(b.iova()).isEqualTo(0xabc000);
        }
        MemorySegment unmap = last(IommufdIoctl.IOMMU_IOAS_UNMAP).segment();
        assertThat(IommuIoasUnmap.IOVA.get(unmap))
                .as("closing the buffer unmaps it")
                .isEqualTo(0xabc000);
        assertThat(IommuIoasUnmap.LENGTH.get(unmap)).isEqualTo(4096);
    }

    @Test
    void unmapAllUsesTheEverythingEncoding() {
        kernel.onIoctl(this::answer);
        Ioas ioas = jvfio.openIommufd().allocIoas();

        ioas.unmapAll();

        MemorySegment s = last(IommufdIoctl.IOMMU_IOAS_UNMAP).segment();
        assertThat(IommuIoasUnmap.IOVA.get(s)).isZero();
        assertThat(IommuIoasUnmap.LENGTH.get(s)).isEqualTo(-1L);
    }

    @Test
    void copyNamesBothIoases() {
        kernel.onIoctl(this::answer);
        Iommufd iommufd = jvfio.openIommufd();
        Ioas src = iommufd.allocIoas();
        Ioas dst = iommufd.allocIoas();

        dst.copy(src, 0x1000, 0x2000, 0x9000, DmaAccess.READ);

        MemorySegment s = last(IommufdIoctl.IOMMU_IOAS_COPY).segment();
        assertThat(IommuIoasCopy.DST_IOAS_ID.get(s)).isEqualTo(dst.id());
        assertThat(IommuIoasCopy.SRC_IOAS_ID.get(s)).isEqualTo(src.id());
        assertThat(IommuIoasCopy.SRC_IOVA.get(s)).isEqualTo(0x1000);
        assertThat(IommuIoasCopy.DST_IOVA.get(s)).isEqualTo(0x9000);
        assertThat(IommuIoasCopy.LENGTH.get(s)).isEqualTo(0x2000);
        assertThat(IommuIoasCopy.FLAGS.get(s)).isEqualTo(IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE);
        Ioas foreign = jvfio.openIommufd().allocIoas();
        assertThatThrownBy(() -> dst.copy(foreign, 0, 4096, DmaAccess.READ))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void iovaRangesAreReadFromTheUserArray() {
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_IOAS_IOVA_RANGES) {
                MemorySegment s = arg.reinterpret(IommuIoasIovaRanges.DEF.size());
                assertThat(IommuIoasIovaRanges.NUM_IOVAS.get(s)).isPositive();
                MemorySegment array = MemorySegment.ofAddress(IommuIoasIovaRanges.ALLOWED_IOVAS.get(s))
                        .reinterpret(32);
                IommuIovaRange.START.set(array, 0);
                IommuIovaRange.LAST.set(array, 0xfedfffffL);
                IommuIovaRange.START.set(array.asSlice(16), 0xfef00000L);
                IommuIovaRange.LAST.set(array.asSlice(16), 0x7fffffffffL);
                IommuIoasIovaRanges.NUM_IOVAS.set(s, 2);
                IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.set(s, 4096);
            }
            return answer(request, arg);
        });
        Ioas ioas = jvfio.openIommufd().allocIoas();

        IovaRanges r = ioas.iovaRanges();

        assertThat(r.ranges())
                .containsExactly(new IovaRange(0, 0xfedfffffL), new IovaRange(0xfef00000L, 0x7fffffffffL));
        assertThat(r.alignment()).isEqualTo(4096);
        assertThat(r.covers(0xfee00000L, 4096)).isFalse();
        assertThat(r.covers(0x100000, 4096)).isTrue();
    }

    @Test
    void iovaRangesAskAgainWhenTheKernelHasMoreThanFit() {
        List<Integer> capacities = new ArrayList<>();
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_IOAS_IOVA_RANGES) {
                int capacity = IommuIoasIovaRanges.NUM_IOVAS.get(arg);
                capacities.add(capacity);
                // 20 one-page holes, every other page; the struct goes back even on EMSGSIZE.
                IommuIoasIovaRanges.NUM_IOVAS.set(arg, 20);
                if (capacity < 20) {
                    throw new ErrnoException(Errno.EMSGSIZE, "ioctl(IOMMU_IOAS_IOVA_RANGES)");
                }
                MemorySegment array = MemorySegment.ofAddress(IommuIoasIovaRanges.ALLOWED_IOVAS.get(arg))
                        .reinterpret(20 * 16);
                for (int i = 0; i < 20; i++) {
                    IommuIovaRange.START.set(array.asSlice(i * 16), i * 0x2000L);
                    IommuIovaRange.LAST.set(array.asSlice(i * 16), i * 0x2000L + 0xfff);
                }
            }
            return answer(request, arg);
        });

        IovaRanges r = jvfio.openIommufd().allocIoas().iovaRanges();

        assertThat(capacities).hasSize(2).endsWith(20);
        assertThat(r.ranges()).hasSize(20).last().isEqualTo(new IovaRange(19 * 0x2000L, 19 * 0x2000L + 0xfff));
    }

    @Test
    void hwInfoFetchesTheDriverDataInASecondCall() {
        List<Integer> dataLengths = new ArrayList<>();
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_GET_HW_INFO) {
                int len = IommuHwInfo.DATA_LEN.get(arg);
                dataLengths.add(len);
                if (len >= 8) {
                    MemorySegment.ofAddress(IommuHwInfo.DATA_UPTR.get(arg))
                            .reinterpret(8)
                            .set(ValueLayout.JAVA_INT, 4, 0xdeadbeef);
                }
                IommuHwInfo.DATA_LEN.set(arg, 8);
                IommuHwInfo.OUT_DATA_TYPE.set(arg, 0xfeedbeef);
                IommuHwInfo.OUT_CAPABILITIES.set(arg, IommuHwInfo.HW_CAP_DIRTY_TRACKING);
            }
            return answer(request, arg);
        });

        HwInfo info = jvfio.openIommufd().hwInfo(4);

        assertThat(dataLengths).containsExactly(0, 8);
        assertThat(IommuHwInfo.DEV_ID.get(last(IommufdIoctl.IOMMU_GET_HW_INFO).segment()))
                .isEqualTo(4);
        assertThat(info.type()).isEqualTo(0xfeedbeef);
        assertThat(info.dirtyTracking()).isTrue();
        assertThat(info.data().get(ValueLayout.JAVA_INT_UNALIGNED, 4)).isEqualTo(0xdeadbeef);
    }

    @Test
    void hugePagesIsAPerIoasOption() {
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_OPTION) {
                IommuOption.VAL64.set(arg.reinterpret(24), 1);
            }
            return answer(request, arg);
        });
        Ioas ioas = jvfio.openIommufd().allocIoas();

        assertThat(ioas.hugePages()).isTrue();
        ioas.setHugePages(false);

        MemorySegment s = last(IommufdIoctl.IOMMU_OPTION).segment();
        assertThat(IommuOption.OPTION_ID.get(s)).isEqualTo(IommuOption.HUGE_PAGES);
        assertThat(IommuOption.OP.get(s)).isEqualTo(IommuOption.OP_SET);
        assertThat(IommuOption.OBJECT_ID.get(s)).isEqualTo(ioas.id());
        assertThat(IommuOption.VAL64.get(s)).isZero();
    }

    @Test
    void failuresNameTheOperationAndCarryTheErrno() {
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_IOAS_MAP) {
                throw new ErrnoException(Errno.EEXIST, "ioctl(IOMMU_IOAS_MAP)");
            }
            return answer(request, arg);
        });
        Ioas ioas = jvfio.openIommufd().allocIoas();
        try (DmaBuffer b = jvfio.allocateDma(4096)) {
            assertThatThrownBy(() -> b.map(ioas, 0x1000, DmaAccess.READ))
                    .isInstanceOfSatisfying(IommufdException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                        assertThat(e.operation()).startsWith("Ioas[1].map(4096 bytes at 0x1000");
                        assertThat(e.getCause().call()).isEqualTo("ioctl(IOMMU_IOAS_MAP)");
                    })
                    .hasMessageContaining("EEXIST");
            assertThat(b.mappings()).as("a failed map is not recorded").isEmpty();
        }
    }

    @Test
    void closingAnIoasDestroysItOnce() {
        kernel.onIoctl(this::answer);
        Ioas ioas = jvfio.openIommufd().allocIoas();

        ioas.close();
        ioas.close();

        assertThat(kernel.calls().stream().filter(c -> c.request() == IommufdIoctl.IOMMU_DESTROY))
                .singleElement()
                .satisfies(c -> assertThat(IommuDestroy.ID.get(c.segment())).isEqualTo(ioas.id()));
        assertThatThrownBy(ioas::unmapAll).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingTheIommufdClosesItsObjectsWithoutDestroyingThem() {
        kernel.onIoctl(this::answer);
        Iommufd iommufd = jvfio.openIommufd();
        Ioas ioas = iommufd.allocIoas();

        iommufd.close();
        ioas.close();

        assertThat(kernel.calls()).noneMatch(c -> c.request() == IommufdIoctl.IOMMU_DESTROY);
        assertThat(kernel.events()).containsExactly("open /dev/iommu = 10000", "close 10000");
        assertThatThrownBy(ioas::iovaRanges).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(iommufd::allocIoas).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void hwptAllocationAndDirtyBitmap() {
        kernel.onIoctl((request, arg) -> {
            if (request == IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP) {
                MemorySegment s = arg.reinterpret(IommuHwptGetDirtyBitmap.DEF.size());
                MemorySegment bits = MemorySegment.ofAddress(IommuHwptGetDirtyBitmap.DATA.get(s))
                        .reinterpret(8);
                bits.set(ValueLayout.JAVA_LONG, 0, 0b101);
            }
            return answer(request, arg);
        });
        Iommufd iommufd = jvfio.openIommufd();
        Ioas ioas = iommufd.allocIoas();

        Hwpt hwpt = iommufd.allocPagingHwpt(7, ioas, Set.of(HwptFlag.DIRTY_TRACKING, HwptFlag.NEST_PARENT));
        DirtyBitmap dirty = hwpt.readDirty(0x10000, 4 * 4096, 4096, false);

        MemorySegment alloc = last(IommufdIoctl.IOMMU_HWPT_ALLOC).segment();
        assertThat(IommuHwptAlloc.DEV_ID.get(alloc)).isEqualTo(7);
        assertThat(IommuHwptAlloc.PT_ID.get(alloc)).isEqualTo(ioas.id());
        assertThat(IommuHwptAlloc.FLAGS.get(alloc))
                .isEqualTo(IommuHwptAlloc.ALLOC_DIRTY_TRACKING | IommuHwptAlloc.ALLOC_NEST_PARENT);
        assertThat(IommuHwptAlloc.DATA_LEN.get(alloc)).isZero();
        assertThat(hwpt.id()).isEqualTo(2);
        MemorySegment get = last(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP).segment();
        assertThat(IommuHwptGetDirtyBitmap.FLAGS.get(get)).isEqualTo(IommuHwptGetDirtyBitmap.NO_CLEAR);
        assertThat(IommuHwptGetDirtyBitmap.PAGE_SIZE.get(get)).isEqualTo(4096);
        assertThat(dirty.dirtyPages()).containsExactly(0x10000L, 0x12000L);
        assertThat(dirty.isDirty(0x11000)).isFalse();
    }
}
