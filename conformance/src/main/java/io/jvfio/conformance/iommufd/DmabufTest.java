package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasChangeProcess;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * semantics.md rule 19 for dma-buf sources: IOAS_MAP_FILE of a buffer from the selftest's exporter
 * (IOMMU_TEST_OP_DMABUF_GET/REVOKE), as the kernel's dmabuf_simple and dmabuf_revoke use it, and
 * each refusal observable through the boundary.
 */
class DmabufTest extends MockDeviceFixture {
    static final long BUF = 4 * PAGE;
    static final long BASE = 1L << 20;

    private final List<Integer> dmabufs = new ArrayList<>();

    /** Runs before the fixture closes the iommufd. */
    @AfterEach
    void closeDmabufs() {
        for (int dfd : dmabufs) {
            k.close(dfd);
        }
    }

    private MemorySegment dmabufGetStruct(long length) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_GET, 0);
        IommuTestCmd.DmabufGet.LENGTH.set(c, (int) length);
        IommuTestCmd.DmabufGet.OPEN_FLAGS.set(c, Linux.O.CLOEXEC);
        return c;
    }

    /** IOMMU_TEST_OP_DMABUF_GET: the new dma-buf fd is the ioctl's return value. */
    int dmabufGet(long length) {
        int dfd = (int) ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, dmabufGetStruct(length));
        dmabufs.add(dfd);
        return dfd;
    }

    void closeDmabuf(int dfd) {
        dmabufs.remove(Integer.valueOf(dfd));
        k.close(dfd);
    }

    void revoke(int dfd, boolean revoked) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_REVOKE, 0);
        IommuTestCmd.DmabufRevoke.DMABUF_FD.set(c, dfd);
        IommuTestCmd.DmabufRevoke.REVOKED.set(c, revoked ? 1 : 0);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    long mapDmabuf(int ioas, int dfd, long start, long length) {
        return mapFile(ioas, RW, dfd, start, length, 0);
    }

    @Test
    @DisplayName("rule 19 (dmabuf_simple): the mapped range must lie inside the buffer")
    void simple() {
        int ioas = ioasAlloc();
        int dfd = dmabufGet(BUF);
        assertThat(dfd).isNotNegative();
        assertThat(errno(() -> mapDmabuf(ioas, dfd, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapDmabuf(ioas, dfd, BUF, BUF))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapDmabuf(ioas, dfd, 0, BUF + 1))).isEqualTo(Errno.EINVAL);
        long iova = mapDmabuf(ioas, dfd, 0, BUF);
        mapDmabuf(ioas, dfd, PAGE, 2 * PAGE);
        assertThat(unmap(ioas, iova, BUF)).isEqualTo(BUF);
        closeDmabuf(dfd);
    }

    @Test
    @DisplayName("rule 19: DMABUF_GET rounds the length up to a page; 0 or more than 512 pages is EINVAL")
    void getValidation() {
        int ioas = ioasAlloc();
        assertThat(errno(() -> ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, dmabufGetStruct(0))))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, dmabufGetStruct(512 * PAGE + 1))))
                .isEqualTo(Errno.EINVAL);
        int small = dmabufGet(1);
        assertThat(errno(() -> mapDmabuf(ioas, small, 0, PAGE + 1))).isEqualTo(Errno.EINVAL);
        mapDmabuf(ioas, small, 0, PAGE);
        int large = dmabufGet(512 * PAGE);
        mapDmabuf(ioas, large, 0, 512 * PAGE);
        assertThat(errno(() -> mapDmabuf(ioas, large, 0, 512 * PAGE + 1))).isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("rule 19: DMABUF_REVOKE needs a dma-buf fd (EBADF for no file, EINVAL for another file)")
    void revokeNeedsDmabuf() {
        int memfd = k.memfd("not-a-dmabuf", 0);
        try {
            assertThat(errno(() -> revoke(memfd, true))).isEqualTo(Errno.EINVAL);
        } finally {
            k.close(memfd);
        }
        assertThat(errno(() -> revoke(memfd, true))).isEqualTo(Errno.EBADF);
    }

    @ParameterizedTest(name = "mock domain {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("rule 19 (dmabuf_revoke): a revoked buffer cannot be mapped (ENODEV); its areas stay in the IOAS")
    void revokeKeepsAreas(boolean mockDomain) {
        int ioas = ioasAlloc();
        Mock mock = mockDomain ? mockDomain(ioas, 0) : null;
        int dfd = dmabufGet(BUF);
        long iova = mapDmabuf(ioas, dfd, 0, BUF);
        revoke(dfd, true);
        if (mock != null) {
            // A domain added while revoked skips the area.
            hwptAlloc(mock.idevId(), ioas, 0);
        }
        assertThat(errno(() -> mapDmabuf(ioas, dfd, 0, BUF))).isEqualTo(Errno.ENODEV);
        revoke(dfd, false);
        mapDmabuf(ioas, dfd, 0, BUF);
        assertThat(errno(() -> mapFile(ioas, RW | FIXED, dfd, 0, BUF, iova))).isEqualTo(Errno.EEXIST);
        assertThat(unmap(ioas, iova, BUF)).isEqualTo(BUF);
        mapFile(ioas, RW | FIXED, dfd, 0, BUF, iova);
        closeDmabuf(dfd);
        assertThat(unmap(ioas, 0, ULONG_MAX)).isEqualTo(2 * BUF);
    }

    @Test
    @DisplayName("rule 19: MAP_FILE checks the range before the revoked state, the IOAS before both")
    void mapFileOrder() {
        int ioas = ioasAlloc();
        int dfd = dmabufGet(BUF);
        revoke(dfd, true);
        assertThat(errno(() -> mapDmabuf(ioas, dfd, 0, BUF + 1))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapDmabuf(ioas, dfd, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapDmabuf(ioas + 100, dfd, 0, BUF))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> mapDmabuf(ioas, dfd, 0, BUF))).isEqualTo(Errno.ENODEV);
        assertThat(unmap(ioas, 0, ULONG_MAX)).isZero();
    }

    @Test
    @DisplayName("rule 19: access objects cannot pin or read/write a dma-buf area (EINVAL)")
    void accessesCannotReach() {
        int ioas = ioasAlloc();
        int access = createAccess(ioas, true);
        try {
            int dfd = dmabufGet(BUF);
            mapFile(ioas, RW | FIXED, dfd, 0, BUF, BASE);
            MemorySegment buf = buffer(PAGE);
            assertThat(errno(() -> accessPages(access, BASE, PAGE, 0, false))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> accessPages(access, BASE, PAGE, 0, true))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> accessRw(access, BASE, buf.asSlice(0, 16), false)))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> accessRw(access, BASE, buf.asSlice(0, 16), true)))
                    .isEqualTo(Errno.EINVAL);
            assertThat(unmap(ioas, BASE, BUF)).isEqualTo(BUF);
        } finally {
            k.close(access);
        }
    }

    @Test
    @DisplayName("rule 18/19: VFIO type1 UNMAP_DMA cannot cut inside a dma-buf area (EOPNOTSUPP)")
    void typeOneCannotSplit() {
        int ioas = compatIoas();
        k.ioctl(fd, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_TYPE1_IOMMU);
        int dfd = dmabufGet(BUF);
        mapFile(ioas, RW | FIXED, dfd, 0, BUF, BASE);
        assertThat(errno(() -> unmapDma(0, BASE + PAGE, PAGE))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(unmapDma(0, BASE, BUF)).isEqualTo(BUF);
    }

    @Test
    @DisplayName("rule 10/19: IOAS_CHANGE_PROCESS refuses a context with a dma-buf area (EINVAL)")
    void changeProcessRefused() {
        int ioas = ioasAlloc();
        int dfd = dmabufGet(BUF);
        mapDmabuf(ioas, dfd, 0, BUF);
        MemorySegment s = IommuIoasChangeProcess.DEF.allocate(arena);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_CHANGE_PROCESS, s)))
                .isEqualTo(Errno.EINVAL);
        unmap(ioas, 0, ULONG_MAX);
        ioctl(IommufdIoctl.IOMMU_IOAS_CHANGE_PROCESS, s);
    }

    @Test
    @DisplayName("rule 14/19: COPY shares a dma-buf area, also a revoked one, into another IOAS with a domain")
    void copyShares() {
        int src = ioasAlloc();
        int dst = ioasAlloc();
        mockDomain(dst, 0);
        int dfd = dmabufGet(BUF);
        mapFile(src, RW | FIXED, dfd, 0, BUF, BASE);
        long copied = copy(dst, src, RW, BASE, BUF, 0);
        revoke(dfd, true);
        long copied2 = copy(dst, src, RW, BASE + PAGE, PAGE, 0);
        closeDmabuf(dfd);
        assertThat(unmap(dst, copied, BUF)).isEqualTo(BUF);
        assertThat(unmap(dst, copied2, PAGE)).isEqualTo(PAGE);
        assertThat(unmap(src, BASE, BUF)).isEqualTo(BUF);
    }

    @Test
    @DisplayName("rule 19: MD_CHECK_MAP finds no user page behind a dma-buf IOVA (EINVAL)")
    void notUserMemory() {
        int ioas = ioasAlloc();
        Mock mock = mockDomain(ioas, 0);
        int dfd = dmabufGet(BUF);
        long iova = mapDmabuf(ioas, dfd, 0, BUF);
        MemorySegment buf = buffer(BUF);
        assertThat(errno(() -> checkMap(mock.hwptId(), iova, BUF, buf.address())))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("rule 19: the mapping holds the buffer: closing its fd keeps the area until unmap or close")
    void mappingHoldsBuffer() {
        int ioas = ioasAlloc();
        mockDomain(ioas, 0);
        int dfd = dmabufGet(BUF);
        long iova = mapDmabuf(ioas, dfd, 0, BUF);
        mapDmabuf(ioas, dfd, 0, BUF);
        closeDmabuf(dfd);
        assertThat(unmap(ioas, iova, BUF)).isEqualTo(BUF);
    }
}
