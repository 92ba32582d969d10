package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 31: access objects through the selftest's access fd. */
class AccessTest extends MockDeviceFixture {
    static final long BASE = 0x100000;

    void replaceIoas(int accessFd, int ioas) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, accessFd);
        IommuTestCmd.AccessReplaceIoas.IOAS_ID.set(c, ioas);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    @Test
    @DisplayName("rule 31: pins need fully mapped ranges and matching protection; pins raise the alignment")
    void pinning() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        mapFixed(ioas, buf.address(), 2 * PAGE, BASE);
        map(ioas, IommuIoasMap.FLAG_READABLE | FIXED, buf.address() + 2 * PAGE, PAGE, BASE + 2 * PAGE);
        int fd = createAccess(ioas, true);
        try {
            assertThat(iovaAlignment(ioas)).isEqualTo(PAGE);
            int item = accessPages(fd, BASE, 2 * PAGE, buf.address(), true);
            int again = accessPages(fd, BASE, 2 * PAGE, buf.address(), true);
            assertThat(again).isNotEqualTo(item);
            assertThat(errno(() -> accessPages(fd, BASE + 2 * PAGE, PAGE, 0, true)))
                    .isEqualTo(Errno.EPERM);
            accessPages(fd, BASE + 2 * PAGE, PAGE, 0, false);
            assertThat(errno(() -> accessPages(fd, BASE, 4 * PAGE, 0, false))).isEqualTo(Errno.ENOENT);
            assertThat(errno(() -> accessPages(fd, BASE, 2 * PAGE, buf.address() + PAGE, false)))
                    .isEqualTo(Errno.EBADE);
            destroyPages(fd, item);
            assertThat(errno(() -> destroyPages(fd, item))).isEqualTo(Errno.ENOENT);
            // UNMAP of a still pinned area goes through: the access is told to unpin.
            assertThat(unmap(ioas, BASE, 2 * PAGE)).isEqualTo(2 * PAGE);
            assertThat(errno(() -> destroyPages(fd, again))).isEqualTo(Errno.ENOENT);
        } finally {
            k.close(fd);
        }
        assertThat(iovaAlignment(ioas)).isEqualTo(1);
    }

    @Test
    @DisplayName("rule 31: read/write any byte range; ENOENT unmapped, EPERM on protection")
    void readWrite() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(3 * PAGE);
        mapFixed(ioas, buf.address(), PAGE, BASE);
        mapFixed(ioas, buf.address() + PAGE, PAGE, BASE + PAGE);
        map(ioas, IommuIoasMap.FLAG_READABLE | FIXED, buf.address() + 2 * PAGE, PAGE, BASE + 2 * PAGE);
        int fd = createAccess(ioas, false);
        try {
            assertThat(iovaAlignment(ioas)).isEqualTo(1);
            MemorySegment data = buffer(PAGE);
            data.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x0102030405060708L);
            accessRw(fd, BASE + 4093, data.asSlice(0, 8), true);
            assertThat(buf.get(ValueLayout.JAVA_LONG_UNALIGNED, 4093)).isEqualTo(0x0102030405060708L);
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, 2 * PAGE + 8, 42);
            accessRw(fd, BASE + 2 * PAGE + 8, data.asSlice(16, 8), false);
            assertThat(data.get(ValueLayout.JAVA_LONG_UNALIGNED, 16)).isEqualTo(42);
            assertThat(errno(() -> accessRw(fd, BASE + 2 * PAGE - 4, data.asSlice(0, 8), true)))
                    .isEqualTo(Errno.EPERM);
            assertThat(errno(() -> accessRw(fd, BASE + 3 * PAGE - 4, data.asSlice(0, 8), false)))
                    .isEqualTo(Errno.ENOENT);
            assertThat(errno(() -> accessPages(fd, BASE, PAGE, 0, false))).isEqualTo(Errno.EOPNOTSUPP);
        } finally {
            k.close(fd);
        }
        int devNull = k.open("/dev/null", Linux.O.RDWR);
        try {
            assertThat(errno(() -> accessRw(devNull, BASE, buffer(PAGE).asSlice(0, 8), false)))
                    .isEqualTo(Errno.EBADFD);
        } finally {
            k.close(devNull);
        }
    }

    @Test
    @DisplayName(
            "rule 31: a pin checks area by area: EINVAL unaligned, EPERM on protection, ENOENT only past the areas")
    void pinErrnoOrder() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        buf.fill((byte) 1);
        map(ioas, IommuIoasMap.FLAG_READABLE | FIXED, buf.address(), PAGE, BASE); // read-only, then a gap
        map(ioas, IommuIoasMap.FLAG_WRITEABLE | FIXED, buf.address() + PAGE, PAGE, BASE + 4 * PAGE);
        mapFixed(ioas, buf.address() + 2 * PAGE, PAGE, BASE + 8 * PAGE);
        int fd = createAccess(ioas, true);
        try {
            assertThat(errno(() -> accessPages(fd, BASE, 2 * PAGE, 0, true))).isEqualTo(Errno.EPERM);
            assertThat(errno(() -> accessPages(fd, BASE, 2 * PAGE, 0, false))).isEqualTo(Errno.ENOENT);
            assertThat(errno(() -> accessPages(fd, BASE + 4 * PAGE, PAGE, 0, false)))
                    .isEqualTo(Errno.EPERM);
            assertThat(errno(() -> accessPages(fd, BASE + 8 * PAGE + 8, 16, 0, false)))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> accessPages(fd, BASE + 2 * PAGE, PAGE, 0, false)))
                    .isEqualTo(Errno.ENOENT);
            assertThat(errno(() -> accessPages(fd, -PAGE, 2 * PAGE, 0, false))).isEqualTo(Errno.EOVERFLOW);
            destroyPages(fd, accessPages(fd, BASE + 4 * PAGE, PAGE, buf.address() + PAGE, true));
            destroyPages(fd, accessPages(fd, BASE + 8 * PAGE, 16, buf.address() + 2 * PAGE, false));
        } finally {
            k.close(fd);
        }
    }

    @Test
    @DisplayName(
            "rule 31: ACCESS_RW copies area by area: a write running into a gap is ENOENT after writing the first area")
    void rwErrnoOrder() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(2 * PAGE);
        mapFixed(ioas, buf.address(), PAGE, BASE);
        map(ioas, IommuIoasMap.FLAG_WRITEABLE | FIXED, buf.address() + PAGE, PAGE, BASE + PAGE);
        int fd = createAccess(ioas, false);
        try {
            MemorySegment data = buffer(PAGE);
            data.fill((byte) 0x5c);
            assertThat(errno(() -> accessRw(fd, BASE + 2 * PAGE - 8, data.asSlice(0, 16), true)))
                    .isEqualTo(Errno.ENOENT);
            assertThat(buf.get(ValueLayout.JAVA_BYTE, 2 * PAGE - 8)).isEqualTo((byte) 0x5c);
            assertThat(errno(() -> accessRw(fd, BASE + PAGE - 8, data.asSlice(0, 16), false)))
                    .isEqualTo(Errno.EPERM);
        } finally {
            k.close(fd);
        }
    }

    @Test
    @DisplayName("rule 31: accesses reach MAP_FILE memory: ACCESS_RW on the memfd, ACCESS_PAGES' check by page")
    void mapFileAccess() {
        int memfd = k.memfd("access", 0);
        MemorySegment user = null;
        try {
            k.ftruncate(memfd, 2 * PAGE);
            user = k.mmap(2 * PAGE, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.SHARED, memfd, 0);
            user.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 16, 0x1234);
            int ioas = ioasAlloc();
            mapFile(ioas, RW | FIXED, memfd, 0, 2 * PAGE, BASE);
            int rw = createAccess(ioas, false);
            try {
                MemorySegment data = buffer(PAGE).asSlice(0, 8);
                accessRw(rw, BASE + PAGE + 16, data, false);
                assertThat(data.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1234);
                data.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x77);
                accessRw(rw, BASE + PAGE - 4, data, true);
                assertThat(user.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE - 4)).isEqualTo(0x77);
            } finally {
                k.close(rw);
            }
            int pin = createAccess(ioas, true);
            try {
                long a = user.address();
                destroyPages(pin, accessPages(pin, BASE, 2 * PAGE, a, true));
                destroyPages(pin, accessPages(pin, BASE, PAGE, a + 8, false)); // the page a + 8 is in
                assertThat(errno(() -> accessPages(pin, BASE, PAGE, a + PAGE, false)))
                        .isEqualTo(Errno.EBADE);
            } finally {
                k.close(pin);
            }
        } finally {
            if (user != null) {
                k.munmap(user);
            }
            k.close(memfd);
        }
    }

    /** MOCK_FLAGS_ACCESS_SYZ's IOVA: {@code struct { u32 nth_area; u32 offset; }}. */
    static long syzIova(int nthArea, int offset) {
        return Integer.toUnsignedLong(nthArea) | (long) offset << 32;
    }

    @Test
    @DisplayName("IOMMU_TEST_CMD: with MOCK_FLAGS_ACCESS_SYZ the IOVA names the nth area and an offset")
    void syzkallerIovas() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        // Mapped out of IOVA order: areas are counted by IOVA.
        mapFixed(ioas, buf.address() + 2 * PAGE, 2 * PAGE, BASE + 8 * PAGE);
        mapFixed(ioas, buf.address(), 2 * PAGE, BASE);
        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, 2 * PAGE + PAGE + 8, 0x5a5a);
        int fd = createAccess(ioas, false);
        try {
            MemorySegment data = buffer(PAGE).asSlice(0, 8);
            MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_RW, fd);
            IommuTestCmd.AccessRw.IOVA.set(c, syzIova(1, (int) PAGE + 8));
            IommuTestCmd.AccessRw.LENGTH.set(c, 8);
            IommuTestCmd.AccessRw.UPTR.set(c, data.address());
            IommuTestCmd.AccessRw.FLAGS.set(c, IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ);
            ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
            assertThat(data.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x5a5a);
            // No third area: the IOVA becomes 0, which is not mapped.
            IommuTestCmd.AccessRw.IOVA.set(c, syzIova(2, 0));
            assertThat(errno(() -> ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c))).isEqualTo(Errno.ENOENT);
        } finally {
            k.close(fd);
        }
        int pinFd = createAccess(ioas, true);
        try {
            MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_PAGES, pinFd);
            IommuTestCmd.AccessPages.IOVA.set(c, syzIova(0, (int) PAGE));
            IommuTestCmd.AccessPages.LENGTH.set(c, PAGE);
            IommuTestCmd.AccessPages.UPTR.set(c, buf.address() + PAGE);
            IommuTestCmd.AccessPages.FLAGS.set(c, IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ);
            ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
            destroyPages(pinFd, IommuTestCmd.AccessPages.OUT_ACCESS_PAGES_ID.get(c));
        } finally {
            k.close(pinFd);
        }
        // IOAS_COPY takes the flag too; the converted IOVA and the cleared flag are copied back.
        int dst = ioasAlloc();
        MemorySegment s = IommuIoasCopy.DEF.allocate(arena);
        IommuIoasCopy.FLAGS.set(s, RW | FIXED | IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ);
        IommuIoasCopy.DST_IOAS_ID.set(s, dst);
        IommuIoasCopy.SRC_IOAS_ID.set(s, ioas);
        IommuIoasCopy.LENGTH.set(s, PAGE);
        IommuIoasCopy.DST_IOVA.set(s, BASE);
        IommuIoasCopy.SRC_IOVA.set(s, syzIova(1, (int) PAGE));
        ioctl(IommufdIoctl.IOMMU_IOAS_COPY, s);
        assertThat(IommuIoasCopy.SRC_IOVA.get(s)).isEqualTo(BASE + 9 * PAGE);
        assertThat(IommuIoasCopy.FLAGS.get(s)).isEqualTo(RW | FIXED);
        assertThat(unmap(dst, BASE, PAGE)).isEqualTo(PAGE);
    }

    @Test
    @DisplayName("rule 31: replace moves the access and releases the old IOAS")
    void replace() {
        int ioas1 = ioasAlloc();
        int ioas2 = ioasAlloc();
        MemorySegment buf = buffer(PAGE);
        mapFixed(ioas1, buf.address(), PAGE, BASE);
        mapFixed(ioas2, buf.address(), PAGE, BASE + PAGE);
        int fd = createAccess(ioas1, true);
        try {
            int item = accessPages(fd, BASE, PAGE, 0, true);
            assertThat(errno(() -> destroy(ioas1))).isEqualTo(Errno.EBUSY);
            replaceIoas(fd, ioas2);
            assertThat(errno(() -> destroyPages(fd, item))).isEqualTo(Errno.ENOENT);
            destroy(ioas1);
            accessPages(fd, BASE + PAGE, PAGE, 0, true);
            assertThat(errno(() -> replaceIoas(fd, 9999))).isEqualTo(Errno.ENOENT);
        } finally {
            k.close(fd);
        }
        destroy(ioas2);
    }
}
