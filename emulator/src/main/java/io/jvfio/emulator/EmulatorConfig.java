package io.jvfio.emulator;

/**
 * How a fresh {@link EmulatedKernel} is set up. Every test builds its own kernel from one of these,
 * so kernels never share state.
 *
 * @param rlimitMemlock RLIMIT_MEMLOCK of the initial process, in bytes
 * @param capIpcLock whether the initial process holds CAP_IPC_LOCK (pinned pages are then not
 *     charged against RLIMIT_MEMLOCK, as for root)
 * @param capSysResource whether it holds CAP_SYS_RESOURCE (needed to change IOMMU_OPTION_RLIMIT_MODE)
 * @param capSysRawio whether it holds CAP_SYS_RAWIO (no-IOMMU VFIO)
 * @param iommufdTest whether the kernel is built with CONFIG_IOMMUFD_TEST (IOMMU_TEST_CMD exists)
 */
public record EmulatorConfig(
        long rlimitMemlock, boolean capIpcLock, boolean capSysResource, boolean capSysRawio, boolean iommufdTest) {
    /** A root process with the usual 8 MiB RLIMIT_MEMLOCK, no test module. */
    public static EmulatorConfig defaults() {
        return new EmulatorConfig(8L << 20, true, true, true, false);
    }

    public EmulatorConfig withRlimitMemlock(long bytes) {
        return new EmulatorConfig(bytes, capIpcLock, capSysResource, capSysRawio, iommufdTest);
    }

    /** A process without CAP_IPC_LOCK, CAP_SYS_RESOURCE and CAP_SYS_RAWIO (an ordinary user). */
    public EmulatorConfig unprivileged() {
        return new EmulatorConfig(rlimitMemlock, false, false, false, iommufdTest);
    }

    public EmulatorConfig withCapIpcLock(boolean cap) {
        return new EmulatorConfig(rlimitMemlock, cap, capSysResource, capSysRawio, iommufdTest);
    }

    public EmulatorConfig withCapSysResource(boolean cap) {
        return new EmulatorConfig(rlimitMemlock, capIpcLock, cap, capSysRawio, iommufdTest);
    }

    public EmulatorConfig withIommufdTest(boolean enabled) {
        return new EmulatorConfig(rlimitMemlock, capIpcLock, capSysResource, capSysRawio, enabled);
    }
}
