package io.jvfio.api;

import io.jvfio.abi.vfio.VfioIrqInfo;

/** VFIO_DEVICE_GET_IRQ_INFO: how many vectors an IRQ index has and what it supports. */
public record IrqInfo(int index, int flags, int count) {
    /** Whether the vectors can signal eventfds. */
    public boolean eventfd() {
        return (flags & VfioIrqInfo.EVENTFD) != 0;
    }

    public boolean maskable() {
        return (flags & VfioIrqInfo.MASKABLE) != 0;
    }

    /** Whether the kernel masks the IRQ when it fires (INTx): unmask after handling it. */
    public boolean automasked() {
        return (flags & VfioIrqInfo.AUTOMASKED) != 0;
    }

    /** Whether the vector count is fixed once enabled (disable before enabling a different count). */
    public boolean noResize() {
        return (flags & VfioIrqInfo.NORESIZE) != 0;
    }
}
