package io.jvfio.emulator.kvm;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.kvm.KvmConst;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.sysfs.ClassDevice;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * /dev/kvm ({@code kvm_chardev_ops}): KVM_GET_API_VERSION, KVM_CHECK_EXTENSION and
 * KVM_CREATE_VM. Only what the kvm-vfio device needs is emulated: VMs have no memory or vCPUs.
 */
public final class KvmDevice extends OpenFile {
    /** KVM_CAP_DEVICE_CTRL: KVM_CREATE_DEVICE exists. */
    private static final long KVM_CAP_DEVICE_CTRL = 89;

    private final KernelServices kernel;
    private final AtomicInteger vmIds;

    private KvmDevice(KernelServices kernel, AtomicInteger vmIds, int flags) {
        super(flags);
        this.kernel = kernel;
        this.vmIds = vmIds;
    }

    /** Registers /dev/kvm. */
    public static void install(KernelServices kernel) {
        AtomicInteger vmIds = new AtomicInteger();
        // KVM_MINOR; no mode in the miscdevice, so devtmpfs's 0600
        ClassDevice.misc(kernel, "kvm", "kvm", 232, 0600, (k, flags) -> new KvmDevice(k, vmIds, flags));
    }

    @Override
    public long ioctl(long request, long arg) {
        if (request == KvmIoctl.KVM_GET_API_VERSION) {
            if (arg != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            return KvmConst.KVM_API_VERSION;
        }
        if (request == KvmIoctl.KVM_CHECK_EXTENSION) {
            return arg == KVM_CAP_DEVICE_CTRL ? 1 : 0;
        }
        if (request == KvmIoctl.KVM_CREATE_VM) {
            if (arg != 0) {
                throw new ErrnoException(Errno.EINVAL); // KVM_X86_DEFAULT_VM only
            }
            return kernel.installFd(new KvmVmFile(kernel, new Kvm(vmIds.incrementAndGet())));
        }
        throw new ErrnoException(Errno.EINVAL); // kvm_dev_ioctl's default
    }
}
