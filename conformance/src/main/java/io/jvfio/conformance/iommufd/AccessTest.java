package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.selftest.IommuTestCmd;
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
