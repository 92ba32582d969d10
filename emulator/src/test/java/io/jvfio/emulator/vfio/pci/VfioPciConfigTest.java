package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.emulator.pci.PciFunction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Config space as the user sees it through vfio-pci's permission tables. */
class VfioPciConfigTest {
    private final VfioPciTestDevice d = new VfioPciTestDevice();

    @Test
    void barSizingIsAnsweredFromTheVirtualBarsAndNeverReachesHardware() {
        int hwBar0 = d.pdev.config().read(BASE_ADDRESS_0, 4);
        d.cfgWrite(BASE_ADDRESS_0, 4, -1);
        d.cfgWrite(BASE_ADDRESS_0 + 4, 4, -1);
        assertThat(d.cfgRead(BASE_ADDRESS_0, 4)).isEqualTo(~(0x4000 - 1) | BASE_ADDRESS_MEM_TYPE_64);
        assertThat(d.cfgRead(BASE_ADDRESS_0 + 4, 4)).isEqualTo(-1);
        assertThat(d.pdev.config().read(BASE_ADDRESS_0, 4)).isEqualTo(hwBar0);
        d.cfgWrite(BASE_ADDRESS_0 + 8, 4, -1); // BAR2: I/O, 32 bytes
        assertThat(d.cfgRead(BASE_ADDRESS_0 + 8, 4)).isEqualTo(~(0x20 - 1) | BASE_ADDRESS_SPACE_IO);
        d.cfgWrite(BASE_ADDRESS_0 + 16, 4, -1); // BAR4: unimplemented
        assertThat(d.cfgRead(BASE_ADDRESS_0 + 16, 4)).isZero();
        d.cfgWrite(0x30, 4, -1); // no ROM
        assertThat(d.cfgRead(0x30, 4)).isZero();
    }

    @Test
    void identityIsReadOnlyAndInterruptLineIsVirtual() {
        d.cfgWrite(VENDOR_ID, 4, 0);
        assertThat(d.cfgRead(VENDOR_ID, 4)).isEqualTo(0x5678_1234);
        d.cfgWrite(INTERRUPT_LINE, 1, 0x0b);
        assertThat(d.cfgRead(INTERRUPT_LINE, 1)).isEqualTo(0x0b);
        assertThat(d.pdev.config().read(INTERRUPT_LINE, 1)).isZero();
        assertThat(d.cfgRead(INTERRUPT_PIN, 1)).isEqualTo(1);
    }

    @Test
    void commandPassesThroughExceptIntxDisable() {
        d.cfgWrite(COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER | COMMAND_INTX_DISABLE);
        int hw = d.pdev.config().read(COMMAND, 2);
        assertThat(hw & COMMAND_MASTER).isEqualTo(COMMAND_MASTER);
        assertThat(d.cfgRead(COMMAND, 2) & (COMMAND_MASTER | COMMAND_INTX_DISABLE))
                .isEqualTo(COMMAND_MASTER | COMMAND_INTX_DISABLE);
        // Not using INTx, the real DisINTx follows the virtual bit (PCI 2.3 masking).
        assertThat(hw & COMMAND_INTX_DISABLE).isEqualTo(COMMAND_INTX_DISABLE);
        d.cfgWrite(COMMAND, 2, 0);
        assertThat(d.pdev.config().read(COMMAND, 2) & (COMMAND_MASTER | COMMAND_INTX_DISABLE))
                .isZero();
    }

    @Test
    void capabilityChainListsWhatVfioPciExposes() {
        List<Integer> ids = new ArrayList<>();
        for (int pos = d.cfgRead(CAPABILITY_LIST, 1); pos != 0; pos = d.cfgRead(pos + CAP_LIST_NEXT, 1)) {
            ids.add(d.cfgRead(pos, 1));
        }
        assertThat(ids).containsExactly(CAP_ID_MSIX, CAP_ID_MSI, CAP_ID_PM, CAP_ID_EXP, CAP_ID_VNDR);
        assertThat(d.cfgRead(STATUS, 2) & STATUS_CAP_LIST).isEqualTo(STATUS_CAP_LIST);
    }

    @Test
    void extendedCapabilitiesBeyondConventionalSpaceAreHiddenForConventionalFunctions() {
        VfioPciTestDevice conventional = new VfioPciTestDevice(false, VfioPciOptions.DEFAULTS);
        assertThat(conventional.vdev.config().size()).isEqualTo(256);
    }

    @Test
    void msiEnableByConfigWriteDoesNotReachHardware() {
        d.cfgWrite(0x50 + MSI_FLAGS, 2, MSI_FLAGS_ENABLE | 0x20);
        assertThat(d.pdev.msiEnabled()).isFalse();
        // Multiple Message Capable reads as what vfio-pci granted (1 vector until SET_IRQS).
        assertThat(d.cfgRead(0x50 + MSI_FLAGS, 2) & (MSI_FLAGS_QMASK | MSI_FLAGS_QSIZE | MSI_FLAGS_ENABLE))
                .isZero();
        d.cfgWrite(0x50 + MSI_ADDRESS_LO, 4, 0x12345678);
        assertThat(d.cfgRead(0x50 + MSI_ADDRESS_LO, 4)).isEqualTo(0x12345678);
        assertThat(d.pdev.config().read(0x50 + MSI_ADDRESS_LO, 4)).isNotEqualTo(0x12345678);
    }

    @Test
    void msixControlWritesAreDropped() {
        d.cfgWrite(0x40 + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE);
        assertThat(d.pdev.msixEnabled()).isFalse();
        assertThat(d.cfgRead(0x40 + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE).isEqualTo(7);
    }

    @Test
    void initiateFlrResetsTheFunctionAndReadsBackZero() {
        int before = d.resets.get();
        int devctl = 0x80 + EXP_DEVCTL;
        d.cfgWrite(devctl, 2, d.cfgRead(devctl, 2) | EXP_DEVCTL_BCR_FLR);
        assertThat(d.resets.get()).isEqualTo(before + 1);
        assertThat(d.cfgRead(devctl, 2) & EXP_DEVCTL_BCR_FLR).isZero();
    }

    @Test
    void pmStateWritesAreCarriedOutAndGateMemory() {
        d.enable(COMMAND_MEMORY);
        d.cfgWrite(0x68 + PM_CTRL, 2, 3);
        assertThat(d.pdev.config().read(0x68 + PM_CTRL, 2) & PM_CTRL_STATE_MASK).isEqualTo(3);
        assertThat(d.vdev.config().memoryEnabled()).isFalse();
        d.cfgWrite(0x68 + PM_CTRL, 2, 0);
        assertThat(d.vdev.config().memoryEnabled()).isTrue();
    }

    @Test
    void unassignedBytesAreRaw() {
        // 0xd0 is in no capability: raw access to whatever hardware has there.
        assertThat(d.cfgRead(0xd0, 4)).isEqualTo(d.pdev.config().read(0xd0, 4));
    }

    @Test
    void accessBeyondConfigSizeIsEfault() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.cfgRead(4095, 2))
                .hasFieldOrPropertyWithValue("errno", io.jvfio.abi.Errno.EFAULT);
    }

    @Test
    void idleDeviceIsSuspendedUnlessDisableIdleD3() {
        PciFunction p = d.pdev;
        d.vdev.close();
        assertThat(p.config().read(0x68 + PM_CTRL, 2) & PM_CTRL_STATE_MASK).isEqualTo(3);
        VfioPciTestDevice keep = new VfioPciTestDevice(true, new VfioPciOptions(true, false, false));
        keep.vdev.close();
        assertThat(keep.pdev.config().read(0x68 + PM_CTRL, 2) & PM_CTRL_STATE_MASK)
                .isZero();
    }
}
