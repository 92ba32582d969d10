package io.jvfio.emulator.vfio;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Devices that must be opened, closed and reset together ({@code struct vfio_device_set}); vfio-pci
 * puts the functions a hot reset touches into one set (by slot or bus). The set's lock serialises
 * open, close, bind, attach and reset of all its devices.
 */
public final class VfioDeviceSet {
    private final Object setId;
    private final ReentrantLock lock = new ReentrantLock();
    final List<VfioDevice> devices = new ArrayList<>();

    VfioDeviceSet(Object setId) {
        this.setId = setId;
    }

    /** The key devices were assigned with. */
    Object setId() {
        return setId;
    }

    /** The set's mutex ({@code dev_set->lock}). */
    public ReentrantLock lock() {
        return lock;
    }

    /** The registered devices of the set, in assignment order (a copy). */
    public List<VfioDevice> devices() {
        synchronized (devices) {
            return List.copyOf(devices);
        }
    }

    /** {@code vfio_device_set_open_count}: the sum of the open counts; the caller holds {@link #lock()}. */
    public int openCount() {
        int n = 0;
        for (VfioDevice d : devices()) {
            n += d.openCount;
        }
        return n;
    }
}
