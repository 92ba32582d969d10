package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommuViommuInvalidateSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** IOMMU_TEST_CMD's checks: MD_CHECK_REFS (rule 9's pin-once, seen as page pin counts), SET_TEMP_MEMORY_LIMIT, DEV_CHECK_CACHE. */
class SelftestChecksTest extends MockDeviceFixture {
    void checkRefs(long uptr, long length, int refs) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_REFS, 0);
        IommuTestCmd.CheckRefs.UPTR.set(c, uptr);
        IommuTestCmd.CheckRefs.LENGTH.set(c, length);
        IommuTestCmd.CheckRefs.REFS.set(c, refs);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    @Test
    @DisplayName("MD_CHECK_REFS: one pin per mapping in an IOAS with a domain, none without; EINVAL, EFAULT, EIO")
    void checkRefsCountsPins() {
        MemorySegment buf = buffer(4 * PAGE);
        buf.fill((byte) 1); // populated: no zero page
        long a = buf.address();
        assertThat(errno(() -> checkRefs(a + 1, PAGE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> checkRefs(a, PAGE + 1, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> checkRefs(-PAGE, 2 * PAGE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> checkRefs(unmappedAddress(PAGE), PAGE, 0))).isEqualTo(Errno.EFAULT);
        checkRefs(a, 4 * PAGE, 0);
        int lazy = ioasAlloc();
        mapAuto(lazy, a, 4 * PAGE);
        checkRefs(a, 4 * PAGE, 0); // no domain, no pin
        int ioas = ioasAlloc();
        mockDomain(ioas, 0);
        long iova = mapAuto(ioas, a, 2 * PAGE);
        checkRefs(a, 2 * PAGE, 1);
        checkRefs(a + 2 * PAGE, 2 * PAGE, 0);
        assertThat(errno(() -> checkRefs(a, 2 * PAGE, 2))).isEqualTo(Errno.EIO);
        mockDomain(ioas, 0); // a second domain does not pin again
        checkRefs(a, 2 * PAGE, 1);
        long iova2 = mapAuto(ioas, a + PAGE, PAGE); // a second mapping of the page pins it again
        checkRefs(a + PAGE, PAGE, 2);
        checkRefs(a, PAGE, 1);
        unmap(ioas, iova2, PAGE);
        unmap(ioas, iova, 2 * PAGE);
        checkRefs(a, 4 * PAGE, 0);
    }

    @Test
    @DisplayName("MD_CHECK_REFS counts pages: a memfd pinned through MAP_FILE counts where the user maps it")
    void checkRefsCountsMemfdPages() {
        int memfd = k.memfd("check-refs", 0);
        MemorySegment user = null;
        try {
            k.ftruncate(memfd, 2 * PAGE);
            user = k.mmap(2 * PAGE, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.SHARED, memfd, 0);
            user.fill((byte) 1);
            long a = user.address();
            int ioas = ioasAlloc();
            mockDomain(ioas, 0);
            long fileIova = mapFile(ioas, RW, memfd, 0, 2 * PAGE, 0);
            checkRefs(a, 2 * PAGE, 1);
            long userIova = mapAuto(ioas, a + PAGE, PAGE); // the same page, through the user mapping
            checkRefs(a, PAGE, 1);
            checkRefs(a + PAGE, PAGE, 2);
            unmap(ioas, fileIova, 2 * PAGE);
            checkRefs(a, PAGE, 0);
            checkRefs(a + PAGE, PAGE, 1);
            unmap(ioas, userIova, PAGE);
            checkRefs(a, 2 * PAGE, 0);
        } finally {
            if (user != null) {
                k.munmap(user);
            }
            k.close(memfd);
        }
    }

    @Test
    @DisplayName("MOCK_DOMAIN takes the selftest object's ID first, then the device's, then the HWPT's")
    void mockDomainIdOrder() {
        int ioas = ioasAlloc();
        Mock m = mockDomain(ioas, 0);
        assertThat(m.stdevId()).isEqualTo(ioas + 1);
        assertThat(m.idevId()).isEqualTo(ioas + 2);
        assertThat(m.hwptId()).isEqualTo(ioas + 3);
        // A failed one gives its IDs back; the next takes the same order after the first's.
        assertThat(errno(() -> mockDomain(m.idevId(), 0))).isEqualTo(Errno.EINVAL);
        Mock n = mockDomain(ioas, 0);
        assertThat(n.stdevId()).isEqualTo(ioas + 4);
        assertThat(n.idevId()).isEqualTo(ioas + 5);
        assertThat(n.hwptId()).isEqualTo(m.hwptId()); // the IOAS's domain fits: no new HWPT
    }

    @Test
    @DisplayName("SET_TEMP_MEMORY_LIMIT: EINVAL below 12 bytes")
    void memoryLimit() {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, 0);
        IommuTestCmd.MemoryLimit.LIMIT.set(c, 11);
        assertThat(errno(() -> ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c))).isEqualTo(Errno.EINVAL);
        IommuTestCmd.MemoryLimit.LIMIT.set(c, 12);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        IommuTestCmd.MemoryLimit.LIMIT.set(c, 65536); // the kernel's default, restored
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    @Test
    @DisplayName("DEV_CHECK_CACHE: a fresh mock device's caches hold the default; ENOENT, EINVAL")
    void devCache() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        for (int id = 0; id <= IommufdTestConst.MOCK_DEV_CACHE_ID_MAX; id++) {
            checkCache(dev.idevId(), id, IommufdTestConst.IOMMU_TEST_DEV_CACHE_DEFAULT);
        }
        assertThat(errno(() -> checkCache(dev.idevId(), 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> checkCache(
                        dev.idevId(),
                        IommufdTestConst.MOCK_DEV_CACHE_ID_MAX + 1,
                        IommufdTestConst.IOMMU_TEST_DEV_CACHE_DEFAULT)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> checkCache(9999, 0, IommufdTestConst.IOMMU_TEST_DEV_CACHE_DEFAULT)))
                .isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> checkCache(ioas, 0, IommufdTestConst.IOMMU_TEST_DEV_CACHE_DEFAULT)))
                .isEqualTo(Errno.ENOENT);
    }

    void checkCache(int idevId, int cacheId, int value) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DEV_CHECK_CACHE, idevId);
        IommuTestCmd.CheckDevCache.ID.set(c, cacheId);
        IommuTestCmd.CheckDevCache.CACHE.set(c, value);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    /** HWPT_INVALIDATE of a vIOMMU; returns the errno (null on success) and checks entry_num == {@code done}. */
    Errno invalidate(int viommu, int type, MemorySegment entries, long entryLen, int entryNum, int done) {
        MemorySegment c = IommuHwptInvalidate.DEF.allocate(arena);
        IommuHwptInvalidate.SIZE.set(c, (int) IommuHwptInvalidate.DEF.size());
        IommuHwptInvalidate.HWPT_ID.set(c, viommu);
        IommuHwptInvalidate.DATA_TYPE.set(c, type);
        IommuHwptInvalidate.DATA_UPTR.set(c, entries.address());
        IommuHwptInvalidate.ENTRY_LEN.set(c, (int) entryLen);
        IommuHwptInvalidate.ENTRY_NUM.set(c, entryNum);
        Errno e = null;
        try {
            ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, c);
        } catch (ErrnoException ex) {
            e = ex.errno();
        }
        assertThat(IommuHwptInvalidate.ENTRY_NUM.get(c)).isEqualTo(done);
        return e;
    }

    static void entry(MemorySegment entries, long entryLen, int i, int flags, int vdevId, int cacheId) {
        MemorySegment e = entries.asSlice(entryLen * i);
        IommuViommuInvalidateSelftest.FLAGS.set(e, flags);
        IommuViommuInvalidateSelftest.VDEV_ID.set(e, vdevId);
        IommuViommuInvalidateSelftest.CACHE_ID.set(e, cacheId);
    }

    @Test
    @DisplayName("vIOMMU cache invalidation clears mock device caches entry by entry, stopping at the first bad one")
    void viommuInvalidate() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        int viommu = viommuAlloc(dev.idevId(), parent);
        vdeviceAlloc(viommu, dev.idevId(), 0x99);
        int type = IommufdTestConst.IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST;
        int def = IommufdTestConst.IOMMU_TEST_DEV_CACHE_DEFAULT;
        long len = IommuViommuInvalidateSelftest.DEF.size();
        MemorySegment entries = buffer(PAGE);
        // Zero entries: the right type validates, another is EINVAL.
        assertThat(invalidate(viommu, type, entries, len, 0, 0)).isNull();
        assertThat(invalidate(
                        viommu, IommufdTestConst.IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID, entries, len, 0, 0))
                .isEqualTo(Errno.EINVAL);
        // Entry 0 applies, entry 1 has an unknown virtual ID, entry 2 is never reached.
        entry(entries, len, 0, 0, 0x99, 1);
        entry(entries, len, 1, 0, 0x98, 2);
        entry(entries, len, 2, 0, 0x99, 3);
        assertThat(invalidate(viommu, type, entries, len, 3, 1)).isEqualTo(Errno.EINVAL);
        checkCache(dev.idevId(), 0, def);
        checkCache(dev.idevId(), 1, 0);
        checkCache(dev.idevId(), 3, def);
        entry(entries, len, 0, 2, 0x99, 0);
        assertThat(invalidate(viommu, type, entries, len, 1, 0)).isEqualTo(Errno.EOPNOTSUPP);
        entry(entries, len, 0, 0, 0x99, IommufdTestConst.MOCK_DEV_CACHE_ID_MAX + 1);
        assertThat(invalidate(viommu, type, entries, len, 1, 0)).isEqualTo(Errno.EINVAL);
        // Longer entries: trailing bytes must be zero (E2BIG before anything applies).
        long wide = len + 4;
        entry(entries, wide, 0, 0, 0x99, 3);
        entry(entries, wide, 1, 0, 0x99, 0);
        entries.set(ValueLayout.JAVA_INT_UNALIGNED, wide + len, 7);
        assertThat(invalidate(viommu, type, entries, wide, 2, 0)).isEqualTo(Errno.E2BIG);
        checkCache(dev.idevId(), 3, def);
        entries.set(ValueLayout.JAVA_INT_UNALIGNED, wide + len, 0);
        assertThat(invalidate(viommu, type, entries, wide, 2, 2)).isNull();
        checkCache(dev.idevId(), 3, 0);
        checkCache(dev.idevId(), 0, 0);
        checkCache(dev.idevId(), 2, def);
        entry(entries, len, 0, IommufdTestConst.IOMMU_TEST_INVALIDATE_FLAG_ALL, 0x99, 0);
        assertThat(invalidate(viommu, type, entries, len, 1, 1)).isNull();
        checkCache(dev.idevId(), 2, 0);
    }
}
