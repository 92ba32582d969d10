package io.jvfio.emulator;

/**
 * How a fresh emulated kernel is set up. Every test builds its own kernel from one of these,
 * so kernels never share state.
 *
 * @param rlimitMemlock RLIMIT_MEMLOCK of the initial process, in bytes
 * @param capIpcLock whether the initial process holds CAP_IPC_LOCK (pinned pages are then not
 *     charged against RLIMIT_MEMLOCK, as for root)
 * @param capSysResource whether it holds CAP_SYS_RESOURCE (needed to change IOMMU_OPTION_RLIMIT_MODE)
 * @param capSysRawio whether it holds CAP_SYS_RAWIO (no-IOMMU VFIO)
 * @param iommufdTest whether the kernel is built with CONFIG_IOMMUFD_TEST (IOMMU_TEST_CMD exists)
 * @param platform the {@link io.jvfio.emulator.pci.PciPlatform} service loaded at boot ("default"
 *     for the emulated backend), or null for a machine without PCI devices
 * @param vfioGroup whether the kernel is built with CONFIG_VFIO_GROUP (/dev/vfio/N and
 *     /dev/vfio/vfio); without it only the device cdevs exist
 * @param noiommu a machine without an IOMMU, booted with vfio.enable_unsafe_noiommu_mode=1:
 *     devices have no IOMMU groups and vfio-pci gives them fake no-IOMMU groups
 */
public record EmulatorConfig(
        long rlimitMemlock,
        boolean capIpcLock,
        boolean capSysResource,
        boolean capSysRawio,
        boolean iommufdTest,
        String platform,
        boolean vfioGroup,
        boolean noiommu) {
    /** A root process with the usual 8 MiB RLIMIT_MEMLOCK, no test module, no PCI devices, VFIO groups built. */
    public static EmulatorConfig defaults() {
        return new EmulatorConfig(8L << 20, true, true, true, false, null, true, false);
    }

    public EmulatorConfig withRlimitMemlock(long bytes) {
        return new EmulatorConfig(
                bytes, capIpcLock, capSysResource, capSysRawio, iommufdTest, platform, vfioGroup, noiommu);
    }

    /** A process without CAP_IPC_LOCK, CAP_SYS_RESOURCE and CAP_SYS_RAWIO (an ordinary user). */
    public EmulatorConfig unprivileged() {
        return new EmulatorConfig(rlimitMemlock, false, false, false, iommufdTest, platform, vfioGroup, noiommu);
    }

    public EmulatorConfig withCapIpcLock(boolean cap) {
        return new EmulatorConfig(
                rlimitMemlock, cap, capSysResource, capSysRawio, iommufdTest, platform, vfioGroup, noiommu);
    }

    public EmulatorConfig withCapSysResource(boolean cap) {
        return new EmulatorConfig(
                rlimitMemlock, capIpcLock, cap, capSysRawio, iommufdTest, platform, vfioGroup, noiommu);
    }

    public EmulatorConfig withCapSysRawio(boolean cap) {
        return new EmulatorConfig(
                rlimitMemlock, capIpcLock, capSysResource, cap, iommufdTest, platform, vfioGroup, noiommu);
    }

    public EmulatorConfig withIommufdTest(boolean enabled) {
        return new EmulatorConfig(
                rlimitMemlock, capIpcLock, capSysResource, capSysRawio, enabled, platform, vfioGroup, noiommu);
    }

    /** Boots with the PCI platform service {@code name}. */
    public EmulatorConfig withPlatform(String name) {
        return new EmulatorConfig(
                rlimitMemlock, capIpcLock, capSysResource, capSysRawio, iommufdTest, name, vfioGroup, noiommu);
    }

    /** CONFIG_VFIO_GROUP on or off. */
    public EmulatorConfig withVfioGroup(boolean enabled) {
        return new EmulatorConfig(
                rlimitMemlock, capIpcLock, capSysResource, capSysRawio, iommufdTest, platform, enabled, noiommu);
    }

    /** No IOMMU, unsafe no-IOMMU mode enabled. */
    public EmulatorConfig withNoiommu(boolean enabled) {
        return new EmulatorConfig(
                rlimitMemlock, capIpcLock, capSysResource, capSysRawio, iommufdTest, platform, vfioGroup, enabled);
    }
}
