package io.jvfio.emulator.iommu;

/**
 * Thrown to the device when its DMA faulted. No byte of the transfer was read or written. The
 * fault has already been logged and passed to the IOMMU's {@link FaultSink}.
 */
public final class IommuFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // records are not Serializable; the exception is never serialized
    private final IommuFault fault;

    public IommuFaultException(IommuFault fault) {
        super(fault.toString(), null, false, false);
        this.fault = fault;
    }

    public IommuFault fault() {
        return fault;
    }
}
