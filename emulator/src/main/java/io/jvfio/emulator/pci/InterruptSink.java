package io.jvfio.emulator.pci;

/**
 * Where a function's interrupts go: the emulated kernel's interrupt side implements it (vfio-pci
 * turns each into an eventfd signal). Called with the function's lock held: implementations must
 * not call back into the function.
 */
public interface InterruptSink {
    /** The function's INTx pin changed level (after Command.INTx-disable is applied). */
    void intx(PciFunction source, boolean asserted);

    /** The function wrote an MSI or MSI-X message (already past the function's own masking). */
    void msi(PciFunction source, MsiMessage message);

    /** A sink that drops everything: what a function talks to until the kernel attaches it. */
    InterruptSink NONE = new InterruptSink() {
        @Override
        public void intx(PciFunction source, boolean asserted) {}

        @Override
        public void msi(PciFunction source, MsiMessage message) {}
    };
}
