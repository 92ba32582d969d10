package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.CopyEngine.DESTINATION;
import static io.jvfio.emulator.pci.CopyEngine.FAULTS;
import static io.jvfio.emulator.pci.CopyEngine.GO;
import static io.jvfio.emulator.pci.CopyEngine.LENGTH;
import static io.jvfio.emulator.pci.CopyEngine.SOURCE;
import static io.jvfio.emulator.pci.PciRegs.COMMAND;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MASTER;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MEMORY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.pci.CopyEngine;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT with a VT-d nested HWPT: a vfio-pci device's DMA goes through the
 * first-stage table the user wrote into guest memory, and attaching the parent or the nested HWPT
 * again replaces one with the other.
 */
class VfioNestedAttachTest {
    private static final String BDF = "0000:00:04.0";
    private static final long PAGE = Linux.PAGE_SIZE;
    private static final long GPA = 0x8000_0000L;
    /** Below 4 GiB: vfio-pci moves BAR data in accesses of at most 4 bytes, and the engine keeps the low one. */
    private static final long VA = 0x1000_0000L;
    /** Present, writable, user, accessed. */
    private static final long PRWU = 0x7;

    private final TestMachine m =
            TestMachine.withFunctions(CopyEngine.create(0x0001).function());

    /** Sets the first-stage entry for va at level in the table in guest page {@code page}. */
    private static void entry(MemorySegment guest, int page, long va, int level, long pte) {
        guest.set(ValueLayout.JAVA_LONG, page * PAGE + ((va >>> (12 + 9 * level)) & 511) * 8, pte);
    }

    private void copy(int dev, long src, long dst) {
        m.pwrite(dev, SOURCE, 8, src);
        m.pwrite(dev, DESTINATION, 8, dst);
        m.pwrite(dev, LENGTH, 8, 2048);
        m.pwrite(dev, GO, 4, 1);
    }

    @Test
    @DisplayName("ATTACH_IOMMUFD_PT to a nested HWPT: DMA translates through the first stage; re-attach replaces")
    void dmaThroughTheFirstStage() {
        m.bindToVfio(BDF);
        TestMachine.Iommufd iommufd = m.openIommufd();
        int dev = m.open(m.cdev(BDF));
        int devId = m.bindIommufd(dev, iommufd.fd);
        int ioas = iommufd.ioasAlloc();
        MemorySegment guest = iommufd.buffer(16 * PAGE);
        iommufd.mapFixed(ioas, guest.address(), guest.byteSize(), GPA);
        // PML4, PDPT, PD, PT in guest pages 0..3; VA -> page 8, VA + PAGE -> page 9.
        for (int level = 3; level > 0; level--) {
            entry(guest, 3 - level, VA, level, GPA + (4 - level) * PAGE | PRWU);
        }
        entry(guest, 3, VA, 0, GPA + 8 * PAGE | PRWU);
        entry(guest, 3, VA + PAGE, 0, GPA + 9 * PAGE | PRWU);
        for (int i = 0; i < 2048; i++) {
            guest.set(ValueLayout.JAVA_BYTE, 8 * PAGE + i, (byte) (i * 3));
        }
        int parent = iommufd.hwptAlloc(devId, ioas, IommuHwptAlloc.ALLOC_NEST_PARENT, 0);
        int nested = iommufd.hwptAllocVtdS1(devId, parent, 0, 0, GPA, 48);

        assertThat(m.attach(dev, nested)).isEqualTo(nested);
        MemorySegment ri = VfioRegionInfo.DEF.allocate(java.lang.foreign.Arena.ofAuto());
        VfioRegionInfo.INDEX.set(ri, VfioConst.VFIO_PCI_CONFIG_REGION_INDEX);
        m.kernel.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, ri);
        long cfg = VfioRegionInfo.OFFSET.get(ri);
        m.pwrite(dev, cfg + COMMAND, 2, m.pread(dev, cfg + COMMAND, 2) | COMMAND_MEMORY | COMMAND_MASTER);
        copy(dev, VA, VA + PAGE);
        assertThat(m.pread(dev, FAULTS, 4)).isZero();
        assertThat(guest.asSlice(9 * PAGE, 2048).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(guest.asSlice(8 * PAGE, 2048).toArray(ValueLayout.JAVA_BYTE));
        // Guest-physical addresses mean nothing to the first stage.
        copy(dev, GPA + 8 * PAGE, GPA + 10 * PAGE);
        assertThat(m.pread(dev, FAULTS, 4)).isEqualTo(1);

        // Attaching the parent replaces the nested HWPT: DMA addresses are guest-physical again.
        assertThat(m.attach(dev, parent)).isEqualTo(parent);
        copy(dev, GPA + 8 * PAGE, GPA + 10 * PAGE);
        assertThat(m.pread(dev, FAULTS, 4)).isEqualTo(1);
        assertThat(guest.get(ValueLayout.JAVA_BYTE, 10 * PAGE + 5)).isEqualTo((byte) 15);
        assertThat(m.attach(dev, nested)).isEqualTo(nested);
        copy(dev, VA + PAGE, VA);
        assertThat(m.pread(dev, FAULTS, 4)).isEqualTo(1);

        m.kernel.close(dev);
        iommufd.close();
    }
}
