package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static io.jvfio.emulator.iommufd.IommufdDevice.NO_PASID;
import static io.jvfio.testkit.Errnos.errno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvfio.abi.Errno;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommu.Iommu;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.IommuFaultException;
import io.jvfio.emulator.iommu.ReservedRegion;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The in-kernel device and access API VFIO calls (include/linux/iommufd.h), rules 20–22 and 31. */
class DeviceApiTest {
    private static final Iommu DMAR = Iommu.create("dmar-test", List.of(ReservedRegion.X86_MSI));
    private static int nextGroup = 100;

    private static IommuDevice vtd(Group g, int rid) {
        return new IommuDevice("dev" + rid, IommuDriver.INTEL_VTD, DMAR, g, rid, true, 0);
    }

    private static Group group() {
        return new Group(nextGroup++);
    }

    @Test
    void bindClaimsOwnershipAndUnbindReleasesIt() {
        try (Harness h = new Harness()) {
            Group g = group();
            IommuDevice d = vtd(g, 1);
            IommufdDevice idev = IommufdDevice.bind(h.ctx, d);
            assertTrue(g.isDmaOwned());
            assertTrue(h.ctx.hasGroup(g));
            assertEquals(Errno.EBUSY, errno(g::useDefaultDomain), "a kernel driver cannot bind while owned");
            assertEquals(Errno.EBUSY, errno(() -> h.destroy(idev.id())), "DESTROY of a bound device");
            idev.unbind();
            assertFalse(g.isDmaOwned());
            assertFalse(h.ctx.hasGroup(g));
            g.useDefaultDomain();
            assertTrue(g.isDmaOwned(), "a kernel driver counts as a DMA owner");
            // iommu_device_claim_dma_owner: another owner (here a kernel driver, owner NULL) is EPERM.
            assertEquals(Errno.EPERM, errno(() -> IommufdDevice.bind(h.ctx, d)), "kernel driver owns the group");
            g.unuseDefaultDomain();
            IommufdDevice first = IommufdDevice.bind(h.ctx, d);
            try (Harness other = new Harness()) {
                assertEquals(Errno.EPERM, errno(() -> IommufdDevice.bind(other.ctx, d)), "another iommufd owns it");
            }
            first.unbind();
        }
    }

    @Test
    void attachToIoasSharesOneAutomaticHwptAndFreesItWithTheLastDevice() {
        try (Harness h = new Harness()) {
            int ioas = h.ioasAlloc();
            MemorySegment buf = h.buffer(4 * PAGE);
            buf.set(ValueLayout.JAVA_LONG, PAGE, 0x1122334455667788L);
            h.map(ioas, RW | FIXED, buf.address(), 4 * PAGE, 0x100000);
            IommufdDevice a = IommufdDevice.bind(h.ctx, vtd(group(), 2));
            IommufdDevice b = IommufdDevice.bind(h.ctx, vtd(group(), 3));
            int hwpt = a.attach(NO_PASID, ioas);
            assertNotEquals(ioas, hwpt);
            assertEquals(hwpt, b.attach(NO_PASID, ioas), "compatible devices share the automatic HWPT");
            // DMA now translates through the domain the IOAS filled.
            MemorySegment out = h.arena.allocate(8);
            a.dev.dma().dmaRead(0x100000 + PAGE, out);
            assertEquals(0x1122334455667788L, out.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(Errno.EBUSY, errno(() -> a.attach(NO_PASID, ioas)), "attached twice");
            assertEquals(
                    Errno.EINVAL,
                    errno(() -> h.map(ioas, RW | FIXED, buf.address(), PAGE, 0xfee00000L)),
                    "MSI window reserved");
            a.detach(NO_PASID);
            b.detach(NO_PASID);
            assertEquals(Errno.ENOENT, errno(() -> h.destroy(hwpt)), "auto HWPT gone with its last device");
            assertThrows(IommuFaultException.class, () -> a.dev.dma().dmaRead(0x100000, out), "blocked");
            h.map(ioas, RW | FIXED, buf.address(), PAGE, 0xfee00000L); // reserved region left with the device
            a.detach(NO_PASID); // not attached: no-op
            a.unbind();
            b.unbind();
        }
    }

    @Test
    void secondDeviceOfAGroupMustUseTheGroupsHwpt() {
        try (Harness h = new Harness()) {
            int ioas1 = h.ioasAlloc();
            int ioas2 = h.ioasAlloc();
            Group g = group();
            IommufdDevice a = IommufdDevice.bind(h.ctx, vtd(g, 4));
            IommufdDevice b = IommufdDevice.bind(h.ctx, vtd(g, 5));
            int hwpt = a.attach(NO_PASID, ioas1);
            assertEquals(Errno.EINVAL, errno(() -> b.attach(NO_PASID, ioas2)));
            assertEquals(hwpt, b.attach(NO_PASID, hwpt));
            a.detach(NO_PASID);
            assertTrue(g.domain().isPresent(), "the group stays attached while a device is");
            b.detach(NO_PASID);
            assertEquals(Optional.empty(), g.domain());
            a.unbind();
            b.unbind();
        }
    }

    @Test
    void replaceMovesToAnotherIoasAndNeedsAnAttachment() {
        try (Harness h = new Harness()) {
            int ioas1 = h.ioasAlloc();
            int ioas2 = h.ioasAlloc();
            IommufdDevice a = IommufdDevice.bind(h.ctx, vtd(group(), 6));
            assertEquals(Errno.EINVAL, errno(() -> a.replace(NO_PASID, ioas1)), "replace needs an attachment");
            int hwpt1 = a.attach(NO_PASID, ioas1);
            int hwpt2 = a.replace(NO_PASID, ioas2);
            assertNotEquals(hwpt1, hwpt2);
            assertEquals(Errno.ENOENT, errno(() -> h.destroy(hwpt1)), "old auto HWPT freed");
            assertEquals(hwpt2, a.replace(NO_PASID, hwpt2), "same HWPT: no-op");
            h.destroy(ioas1);
            assertEquals(Errno.EBUSY, errno(() -> h.destroy(ioas2)));
            a.detach(NO_PASID);
            a.unbind();
            h.destroy(ioas2);
        }
    }

    @Test
    void wrongKindOfPtIdIsEinval() {
        try (Harness h = new Harness()) {
            IommufdDevice a = IommufdDevice.bind(h.ctx, vtd(group(), 7));
            IommufdDevice b = IommufdDevice.bind(h.ctx, vtd(group(), 8));
            assertEquals(Errno.EINVAL, errno(() -> a.attach(NO_PASID, b.id())));
            assertEquals(Errno.ENOENT, errno(() -> a.attach(NO_PASID, 9999)));
            a.unbind();
            b.unbind();
        }
    }

    @Test
    void accessPinsReadsWritesAndIsToldToUnpinOnUnmap() {
        try (Harness h = new Harness()) {
            int ioas = h.ioasAlloc();
            MemorySegment buf = h.buffer(2 * PAGE);
            h.map(ioas, RW | FIXED, buf.address(), 2 * PAGE, 0x200000);
            List<long[]> unmaps = new ArrayList<>();
            IommufdAccess[] self = new IommufdAccess[1];
            IommufdAccess access = IommufdAccess.create(h.ctx, new IommufdAccess.Ops() {
                @Override
                public boolean needsPinPages() {
                    return true;
                }

                @Override
                public void unmap(long iova, long length) {
                    if (unmaps.isEmpty()) { // only the one pin taken below
                        self[0].unpinPages(0x200000, PAGE);
                    }
                    unmaps.add(new long[] {iova, length});
                }
            });
            self[0] = access;
            assertEquals(Errno.ENOENT, errno(() -> access.pinPages(0x200000, PAGE, true)), "not attached");
            access.attach(ioas);
            long[] hosts = access.pinPages(0x200000, PAGE, true);
            assertEquals(buf.address(), hosts[0]);
            access.rw(0x200000 + 8, MemorySegment.ofArray(new byte[] {1, 2, 3}), true);
            byte[] back = new byte[3];
            access.rw(0x200000 + 8, MemorySegment.ofArray(back), false);
            assertArrayEquals(new byte[] {1, 2, 3}, back);
            assertEquals(Errno.ENOENT, errno(() -> access.rw(0x300000, MemorySegment.ofArray(back), false)));
            assertEquals(Errno.EBUSY, errno(() -> h.destroy(ioas)), "an attached access holds the IOAS");
            h.unmap(ioas, 0x200000, 2 * PAGE);
            assertEquals(0x200000, unmaps.getFirst()[0], "unmap told the access");
            access.destroyAccess();
            h.destroy(ioas);
        }
    }
}
