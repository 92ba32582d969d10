package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuVeventqAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.iommufd.IommufdVeventHeader;
import io.jvfio.abi.selftest.IommuHwptSelftest;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommuViommuEventSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.kernel.PollFd;
import io.jvfio.kernel.nativeimpl.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * semantics.md rule 30: vEVENTQ allocation and its fd's read protocol, with events from
 * IOMMU_TEST_OP_TRIGGER_VEVENT (a mock device attached to a nested HWPT of the vIOMMU).
 */
class VeventqTest extends MockDeviceFixture {
    static final long HDR = IommufdVeventHeader.DEF.size();
    static final long EVENT = HDR + IommuViommuEventSelftest.DEF.size();
    static final int SELFTEST = IommufdTestConst.IOMMU_VEVENTQ_TYPE_SELFTEST;

    /** A mock device, its vIOMMU and a nested HWPT on it. */
    record Setup(Mock dev, int ioas, int viommu, int nested) {}

    Setup setup() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        int viommu = viommuAlloc(dev.idevId(), parent);
        MemorySegment data = buffer(PAGE);
        IommuHwptSelftest.IOTLB.set(data, IommufdTestConst.IOMMU_TEST_IOTLB_DEFAULT);
        MemorySegment c = hwptAllocStruct(dev.idevId(), viommu, 0);
        IommuHwptAlloc.DATA_TYPE.set(c, IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST);
        IommuHwptAlloc.DATA_LEN.set(c, (int) IommuHwptSelftest.DEF.size());
        IommuHwptAlloc.DATA_UPTR.set(c, data.address());
        ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c);
        return new Setup(dev, ioas, viommu, IommuHwptAlloc.OUT_HWPT_ID.get(c));
    }

    MemorySegment veventqStruct(int viommu, int type, int depth) {
        MemorySegment c = IommuVeventqAlloc.DEF.allocate(arena);
        IommuVeventqAlloc.SIZE.set(c, (int) IommuVeventqAlloc.DEF.size());
        IommuVeventqAlloc.VIOMMU_ID.set(c, viommu);
        IommuVeventqAlloc.TYPE.set(c, type);
        IommuVeventqAlloc.VEVENTQ_DEPTH.set(c, depth);
        return c;
    }

    /** Returns {id, fd}. */
    int[] veventqAlloc(int viommu, int type, int depth) {
        MemorySegment c = veventqStruct(viommu, type, depth);
        ioctl(IommufdIoctl.IOMMU_VEVENTQ_ALLOC, c);
        return new int[] {IommuVeventqAlloc.OUT_VEVENTQ_ID.get(c), IommuVeventqAlloc.OUT_VEVENTQ_FD.get(c)};
    }

    void trigger(int devId) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_TRIGGER_VEVENT, 0);
        IommuTestCmd.TriggerVevent.DEV_ID.set(c, devId);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    boolean readable(int fd) {
        return (k.poll(List.of(new PollFd(fd, Linux.Poll.IN)), 0)[0] & Linux.Poll.IN) != 0;
    }

    /** Checks the record at {@code off}: flags, sequence and, for a normal event, its virtual ID. */
    static void assertRecord(MemorySegment buf, long off, int flags, int sequence, int virtId) {
        MemorySegment rec = buf.asSlice(off);
        assertThat(IommufdVeventHeader.FLAGS.get(rec)).isEqualTo(flags);
        assertThat(IommufdVeventHeader.SEQUENCE.get(rec)).isEqualTo(sequence);
        if (flags == 0) {
            assertThat(IommuViommuEventSelftest.VIRT_ID.get(rec.asSlice(HDR))).isEqualTo(virtId);
        }
    }

    @Test
    @DisplayName("rule 30: VEVENTQ_ALLOC validation order, one queue per type, refcounts")
    void allocation() {
        Setup s = setup();
        MemorySegment flags = veventqStruct(s.viommu(), SELFTEST, 2);
        IommuVeventqAlloc.FLAGS.set(flags, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_VEVENTQ_ALLOC, flags))).isEqualTo(Errno.EOPNOTSUPP);
        MemorySegment reserved = veventqStruct(s.viommu(), SELFTEST, 0);
        IommuVeventqAlloc.RESERVED.set(reserved, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_VEVENTQ_ALLOC, reserved)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> veventqAlloc(9999, IommuVeventqAlloc.TYPE_DEFAULT, 0)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> veventqAlloc(9999, SELFTEST, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> veventqAlloc(s.viommu(), SELFTEST, (1 << 19) + 1)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> veventqAlloc(9999, SELFTEST, 2))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> veventqAlloc(s.ioas(), SELFTEST, 2))).isEqualTo(Errno.ENOENT);
        int[] max = veventqAlloc(s.viommu(), SELFTEST, 1 << 19);
        assertThat(errno(() -> veventqAlloc(s.viommu(), SELFTEST, 2))).isEqualTo(Errno.EEXIST);
        // Another type on the same vIOMMU is a different queue.
        int[] other = veventqAlloc(s.viommu(), IommuVeventqAlloc.TYPE_ARM_SMMUV3, 2);
        // The vEVENTQ holds the vIOMMU; its fd holds the vEVENTQ.
        destroy(s.nested());
        assertThat(errno(() -> destroy(s.viommu()))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> destroy(max[0]))).isEqualTo(Errno.EBUSY);
        k.close(max[1]);
        destroy(max[0]);
        k.close(other[1]);
        destroy(other[0]);
        int[] again = veventqAlloc(s.viommu(), SELFTEST, 2);
        k.close(again[1]);
        destroy(again[0]);
        destroy(s.viommu());
    }

    @Test
    @DisplayName("rule 30: TRIGGER_VEVENT needs a vDEVICE and a nested HWPT of the vIOMMU, and a queue")
    void triggerPreconditions() {
        Setup s = setup();
        // Attaching to a vIOMMU's nested HWPT needs the device's vDEVICE there.
        assertThat(errno(() -> mockReplace(s.dev().stdevId(), s.nested()))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> trigger(s.dev().idevId()))).isEqualTo(Errno.ENOENT);
        int vdev = vdeviceAlloc(s.viommu(), s.dev().idevId(), 0x99);
        assertThat(errno(() -> trigger(s.dev().idevId()))).isEqualTo(Errno.ENOENT);
        mockReplace(s.dev().stdevId(), s.nested());
        assertThat(errno(() -> trigger(s.dev().idevId()))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> trigger(9999))).isEqualTo(Errno.ENOENT);
        int[] q = veventqAlloc(s.viommu(), SELFTEST, 2);
        try {
            trigger(s.dev().idevId());
            assertThat(readable(q[1])).isTrue();
            mockReplace(s.dev().stdevId(), s.ioas());
            assertThat(errno(() -> trigger(s.dev().idevId()))).isEqualTo(Errno.ENOENT);
        } finally {
            k.close(q[1]);
        }
        destroy(vdev);
    }

    @Test
    @DisplayName("rule 30: read takes whole events with sequence numbers; EINVAL below one; lost events")
    void readProtocol() {
        Setup s = setup();
        int[] q = veventqAlloc(s.viommu(), SELFTEST, 2);
        int fd = q[1];
        MemorySegment buf = buffer(PAGE);
        try {
            assertThat(errno(() -> k.read(fd, buf.asSlice(0, 0)))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> k.read(fd, buf.asSlice(0, HDR - 1)))).isEqualTo(Errno.EINVAL);
            assertThat(k.read(fd, buf.asSlice(0, EVENT))).isZero();
            assertThat(readable(fd)).isFalse();
            vdeviceAlloc(s.viommu(), s.dev().idevId(), 0x99);
            mockReplace(s.dev().stdevId(), s.nested());
            trigger(s.dev().idevId());
            assertThat(readable(fd)).isTrue();
            assertThat(errno(() -> k.read(fd, buf.asSlice(0, 0)))).isEqualTo(Errno.EINVAL);
            // The header fits, the event's payload does not.
            assertThat(errno(() -> k.read(fd, buf.asSlice(0, HDR)))).isEqualTo(Errno.EINVAL);
            assertThat(k.read(fd, buf.asSlice(0, EVENT + HDR))).isEqualTo(EVENT);
            assertRecord(buf, 0, 0, 0, 0x99);
            assertThat(readable(fd)).isFalse();

            // Depth 2: the third event is lost, reported by a LOST_EVENTS header at the tail.
            trigger(s.dev().idevId());
            trigger(s.dev().idevId());
            trigger(s.dev().idevId());
            // Only whole events are taken: room for one event and a half gives one.
            assertThat(k.read(fd, buf.asSlice(0, EVENT + EVENT / 2))).isEqualTo(EVENT);
            assertRecord(buf, 0, 0, 1, 0x99);
            assertThat(k.read(fd, buf.asSlice(0, 4 * EVENT))).isEqualTo(EVENT + HDR);
            assertRecord(buf, 0, 0, 2, 0x99);
            assertRecord(buf, EVENT, IommufdVeventHeader.FLAG_LOST_EVENTS, 3, 0);
            assertThat(readable(fd)).isFalse();

            // Overflow twice: the LOST_EVENTS header stays last and carries the newest number.
            for (int i = 0; i < 4; i++) {
                trigger(s.dev().idevId());
            }
            // A lost-events header needs only its own size.
            assertThat(k.read(fd, buf.asSlice(0, 2 * EVENT + HDR))).isEqualTo(2 * EVENT + HDR);
            assertRecord(buf, 0, 0, 4, 0x99);
            assertRecord(buf, EVENT, 0, 5, 0x99);
            assertRecord(buf, 2 * EVENT, IommufdVeventHeader.FLAG_LOST_EVENTS, 7, 0);

            // A new event replaces a pending LOST_EVENTS header; the gap in numbers shows the loss.
            trigger(s.dev().idevId());
            trigger(s.dev().idevId());
            trigger(s.dev().idevId());
            trigger(s.dev().idevId());
            assertThat(k.read(fd, buf.asSlice(0, EVENT))).isEqualTo(EVENT);
            assertRecord(buf, 0, 0, 8, 0x99);
            trigger(s.dev().idevId());
            assertThat(k.read(fd, buf.asSlice(0, 4 * EVENT))).isEqualTo(2 * EVENT);
            assertRecord(buf, 0, 0, 9, 0x99);
            assertRecord(buf, EVENT, 0, 12, 0x99);
        } finally {
            k.close(fd);
        }
        mockReplace(s.dev().stdevId(), s.ioas());
        destroy(q[0]);
    }

    @Test
    @DisplayName("rule 30: an unreadable buffer is EFAULT and loses no event")
    void faultingRead() {
        Setup s = setup();
        int[] q = veventqAlloc(s.viommu(), SELFTEST, 4);
        int fd = q[1];
        try {
            vdeviceAlloc(s.viommu(), s.dev().idevId(), 0x77);
            mockReplace(s.dev().stdevId(), s.nested());
            trigger(s.dev().idevId());
            MemorySegment bad = NativeMemory.at(unmappedAddress(PAGE), EVENT);
            assertThat(errno(() -> k.read(fd, bad))).isEqualTo(Errno.EFAULT);
            MemorySegment buf = buffer(PAGE);
            assertThat(k.read(fd, buf.asSlice(0, EVENT))).isEqualTo(EVENT);
            assertRecord(buf, 0, 0, 0, 0x77);
        } finally {
            k.close(fd);
        }
        mockReplace(s.dev().stdevId(), s.ioas());
        destroy(q[0]);
    }
}
