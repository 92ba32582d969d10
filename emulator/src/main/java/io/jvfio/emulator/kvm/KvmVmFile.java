package io.jvfio.emulator.kvm;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.kvm.KvmConst;
import io.jvfio.abi.kvm.KvmCreateDevice;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A VM fd ({@code kvm_vm_fops}): KVM_CREATE_DEVICE of the one device type emulated, KVM_DEV_TYPE_VFIO. */
final class KvmVmFile extends OpenFile {
    private final KernelServices kernel;
    private final Kvm kvm;

    KvmVmFile(KernelServices kernel, Kvm kvm) {
        super(0);
        this.kernel = kernel;
        this.kvm = kvm;
        kvm.get();
    }

    @Override
    public long ioctl(long request, long arg) {
        if (request != KvmIoctl.KVM_CREATE_DEVICE) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cd = UserMemory.copyIn(arg, KvmCreateDevice.DEF.size(), arena);
            if (KvmCreateDevice.TYPE.get(cd) != KvmConst.KVM_DEV_TYPE_VFIO) {
                throw new ErrnoException(Errno.ENODEV);
            }
            if ((KvmCreateDevice.FLAGS.get(cd) & KvmCreateDevice.CREATE_DEVICE_TEST) != 0) {
                return 0;
            }
            KvmVfioDevice dev = kvm.createVfioDevice(kernel);
            int fd = kernel.installFd(dev);
            KvmCreateDevice.FD.set(cd, fd);
            UserMemory.copyOut(cd, arg, KvmCreateDevice.DEF.size());
            return 0;
        }
    }

    @Override
    protected void release() {
        kvm.put();
    }
}
