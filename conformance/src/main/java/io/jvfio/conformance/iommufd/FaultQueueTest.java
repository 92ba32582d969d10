package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuFaultAlloc;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptPageResponse;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 28: the fault queue fd protocol, with faults from IOMMU_TEST_OP_TRIGGER_IOPF. */
class FaultQueueTest extends MockDeviceFixture {
    static final long REC = IommuHwptPgfault.DEF.size();

    int faultHwpt(int devId, int ioas, int faultId) {
        return hwptAlloc(devId, ioas, IommuHwptAlloc.FAULT_ID_VALID, faultId);
    }

    void triggerIopf(int devId, int grpid, long addr) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_TRIGGER_IOPF, 0);
        IommuTestCmd.TriggerIopf.DEV_ID.set(c, devId);
        IommuTestCmd.TriggerIopf.GRPID.set(c, grpid);
        IommuTestCmd.TriggerIopf.PERM.set(c, IommuHwptPgfault.PERM_READ);
        IommuTestCmd.TriggerIopf.ADDR.set(c, addr);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    long respond(int fd, int cookie, int code) {
        MemorySegment r = buffer(PAGE).asSlice(0, IommuHwptPageResponse.DEF.size());
        IommuHwptPageResponse.COOKIE.set(r, cookie);
        IommuHwptPageResponse.CODE.set(r, code);
        return k.write(fd, r);
    }

    boolean readable(int fd) {
        return (k.poll(List.of(new PollFd(fd, (short) (Linux.Poll.IN | Linux.Poll.OUT))), 0)[0] & Linux.Poll.IN) != 0;
    }

    @Test
    @DisplayName("rule 28: read whole records with cookies, respond once per cookie, poll")
    void readAndRespond() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int[] fault = faultAlloc();
        int fd = fault[1];
        try {
            assertThat(errno(() -> faultHwpt(dev.idevId(), ioas, 9999))).isEqualTo(Errno.ENOENT);
            int hwpt = faultHwpt(dev.idevId(), ioas, fault[0]);
            assertThat(errno(() -> destroy(fault[0]))).isEqualTo(Errno.EBUSY);
            mockReplace(dev.stdevId(), hwpt);
            MemorySegment buf = buffer(PAGE);
            assertThat(k.read(fd, buf.asSlice(0, 2 * REC))).isZero();
            assertThat(readable(fd)).isFalse();
            triggerIopf(dev.idevId(), 7, IOVA);
            triggerIopf(dev.idevId(), 8, IOVA + PAGE);
            assertThat(readable(fd)).isTrue();
            assertThat(errno(() -> k.read(fd, buf.asSlice(0, REC - 1)))).isEqualTo(Errno.ESPIPE);
            assertThat(k.read(fd, buf.asSlice(0, 2 * REC))).isEqualTo(2 * REC);
            assertThat(readable(fd)).isFalse();
            assertThat(IommuHwptPgfault.DEV_ID.get(buf)).isEqualTo(dev.idevId());
            assertThat(IommuHwptPgfault.GRPID.get(buf)).isEqualTo(7);
            assertThat(IommuHwptPgfault.ADDR.get(buf)).isEqualTo(IOVA);
            assertThat(IommuHwptPgfault.FLAGS.get(buf) & IommuHwptPgfault.FLAGS_LAST_PAGE)
                    .isNotZero();
            int cookie1 = IommuHwptPgfault.COOKIE.get(buf);
            int cookie2 = IommuHwptPgfault.COOKIE.get(buf.asSlice(REC));
            assertThat(cookie2).isNotEqualTo(cookie1);
            assertThat(errno(() -> k.write(fd, buf.asSlice(0, 7)))).isEqualTo(Errno.ESPIPE);
            assertThat(errno(() -> respond(fd, cookie1, 2))).isEqualTo(Errno.EINVAL);
            assertThat(respond(fd, cookie1, IommuHwptPageResponse.SUCCESS)).isEqualTo(8);
            assertThat(errno(() -> respond(fd, cookie1, IommuHwptPageResponse.SUCCESS)))
                    .isEqualTo(Errno.EINVAL);
            // Replacing the device away answers its outstanding faults: cookie2 is gone.
            mockReplace(dev.stdevId(), ioas);
            assertThat(errno(() -> respond(fd, cookie2, IommuHwptPageResponse.SUCCESS)))
                    .isEqualTo(Errno.EINVAL);
            destroy(hwpt);
        } finally {
            k.close(fd);
        }
        destroy(fault[0]);
    }

    @Test
    @DisplayName("rule 28: a zero-length read with a pending group is EINVAL; flags are EOPNOTSUPP")
    void firstGroupMustFit() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int[] fault = faultAlloc();
        try {
            int hwpt = faultHwpt(dev.idevId(), ioas, fault[0]);
            mockReplace(dev.stdevId(), hwpt);
            triggerIopf(dev.idevId(), 1, IOVA);
            assertThat(errno(() -> k.read(fault[1], buffer(PAGE).asSlice(0, 0))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(k.read(fault[1], buffer(PAGE).asSlice(0, REC))).isEqualTo(REC);
        } finally {
            k.close(fault[1]);
        }
        MemorySegment c = IommuFaultAlloc.DEF.allocate(arena);
        IommuFaultAlloc.SIZE.set(c, (int) IommuFaultAlloc.DEF.size());
        IommuFaultAlloc.FLAGS.set(c, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_FAULT_QUEUE_ALLOC, c))).isEqualTo(Errno.EOPNOTSUPP);
    }
}
