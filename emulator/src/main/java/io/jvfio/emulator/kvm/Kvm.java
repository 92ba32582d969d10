package io.jvfio.emulator.kvm;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.vfio.KvmHandle;

/**
 * A virtual machine ({@code struct kvm}) created by KVM_CREATE_VM. The emulator runs no guest; a VM
 * exists so that the kvm-vfio device can tell VFIO devices which VM they belong to. It lives while
 * its VM fd or a device fd of it is open ({@code users_count}); then its devices are destroyed.
 */
public final class Kvm implements KvmHandle {
    private final int id;
    private int users;
    private KvmVfioDevice vfioDevice;

    Kvm(int id) {
        this.id = id;
    }

    @Override
    public int id() {
        return id;
    }

    synchronized void get() {
        users++;
    }

    void put() {
        KvmVfioDevice dev;
        synchronized (this) {
            if (--users > 0) {
                return;
            }
            dev = vfioDevice;
            vfioDevice = null;
        }
        if (dev != null) {
            dev.destroy();
        }
    }

    /** {@code kvm_vfio_create}: one kvm-vfio device per VM (EBUSY for a second). */
    synchronized KvmVfioDevice createVfioDevice(KernelServices kernel) {
        if (vfioDevice != null) {
            throw new ErrnoException(Errno.EBUSY);
        }
        vfioDevice = new KvmVfioDevice(kernel, this);
        return vfioDevice;
    }

    @Override
    public String toString() {
        return "kvm-" + id;
    }
}
