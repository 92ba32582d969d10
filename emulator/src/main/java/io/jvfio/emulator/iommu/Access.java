package io.jvfio.emulator.iommu;

/** The direction of a DMA, seen from the device: it reads memory or writes memory. */
public enum Access {
    READ(IommuDomain.READ),
    WRITE(IommuDomain.WRITE);

    private final int prot;

    Access(int prot) {
        this.prot = prot;
    }

    /** The {@link IommuDomain#READ}/{@link IommuDomain#WRITE} permission this access needs. */
    public int prot() {
        return prot;
    }
}
