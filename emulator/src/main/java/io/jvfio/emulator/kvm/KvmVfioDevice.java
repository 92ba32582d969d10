package io.jvfio.emulator.kvm;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.kvm.KvmConst;
import io.jvfio.abi.kvm.KvmDeviceAttr;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.vfio.Vfio;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The kvm-vfio device (virt/kvm/vfio.c) and its fd ({@code kvm_device_fops}): KVM_SET_DEVICE_ATTR
 * with KVM_DEV_VFIO_FILE_ADD/DEL takes a VFIO group or device file and tells it its VM; the files
 * are held until deleted or the VM goes away.
 */
final class KvmVfioDevice extends OpenFile {
    private final KernelServices kernel;
    private final Kvm kvm;
    /** {@code file_list}; guarded by itself ({@code kv->lock}). */
    private final List<OpenFile> files = new ArrayList<>();

    KvmVfioDevice(KernelServices kernel, Kvm kvm) {
        super(0);
        this.kernel = kernel;
        this.kvm = kvm;
        kvm.get(); // the device fd keeps the VM
    }

    @Override
    public long ioctl(long request, long arg) {
        boolean set = request == KvmIoctl.KVM_SET_DEVICE_ATTR;
        boolean has = request == KvmIoctl.KVM_HAS_DEVICE_ATTR;
        if (request == KvmIoctl.KVM_GET_DEVICE_ATTR) {
            throw new ErrnoException(Errno.EPERM); // kvm-vfio has no get_attr
        }
        if (!set && !has) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = UserMemory.copyIn(arg, KvmDeviceAttr.DEF.size(), arena);
            if (KvmDeviceAttr.GROUP.get(attr) != KvmConst.KVM_DEV_VFIO_FILE) {
                throw new ErrnoException(Errno.ENXIO);
            }
            long which = KvmDeviceAttr.ATTR.get(attr);
            if (which != KvmConst.KVM_DEV_VFIO_FILE_ADD && which != KvmConst.KVM_DEV_VFIO_FILE_DEL) {
                throw new ErrnoException(Errno.ENXIO);
            }
            if (has) {
                return 0;
            }
            int fd = UserMemory.getU32(KvmDeviceAttr.ADDR.get(attr));
            if (which == KvmConst.KVM_DEV_VFIO_FILE_ADD) {
                fileAdd(fd);
            } else {
                fileDel(fd);
            }
            return 0;
        }
    }

    /** {@code kvm_vfio_file_add}: EBADF, EINVAL for a file that is not VFIO's, EEXIST if added. */
    private void fileAdd(int fd) {
        OpenFile f = kernel.fget(fd);
        try {
            if (!Vfio.fileIsValid(f)) {
                throw new ErrnoException(Errno.EINVAL);
            }
            synchronized (files) {
                if (files.contains(f)) {
                    throw new ErrnoException(Errno.EEXIST);
                }
                files.add(f.get());
            }
            Vfio.fileSetKvm(f, kvm);
        } finally {
            f.put();
        }
    }

    /** {@code kvm_vfio_file_del}: EBADF, ENOENT if the file was not added. */
    private void fileDel(int fd) {
        OpenFile f = kernel.fget(fd);
        try {
            synchronized (files) {
                if (!files.remove(f)) {
                    throw new ErrnoException(Errno.ENOENT);
                }
            }
            free(f);
        } finally {
            f.put();
        }
    }

    private void free(OpenFile f) {
        Vfio.fileSetKvm(f, null);
        f.put();
    }

    /** {@code kvm_vfio_release}, when the VM is destroyed. */
    void destroy() {
        List<OpenFile> all;
        synchronized (files) {
            all = List.copyOf(files);
            files.clear();
        }
        all.forEach(this::free);
    }

    @Override
    protected void release() {
        kvm.put();
    }
}
