package io.jvfio.abi.kvm;

import io.jvfio.abi.Ioctl;

/**
 * The KVM request numbers the kvm-vfio device needs. Unlike iommufd and VFIO these carry direction
 * and argument size, so a request built with another struct size is a different (unknown) request.
 */
public final class KvmIoctl {
    /** KVMIO, the type byte of every KVM request. */
    public static final int TYPE = 0xAE;

    // /dev/kvm
    public static final long KVM_GET_API_VERSION = Ioctl.io(TYPE, 0x00);
    public static final long KVM_CREATE_VM = Ioctl.io(TYPE, 0x01);
    public static final long KVM_CHECK_EXTENSION = Ioctl.io(TYPE, 0x03);

    // VM fd
    public static final long KVM_CREATE_DEVICE = Ioctl.iowr(TYPE, 0xe0, KvmCreateDevice.DEF.size());

    // Device fd (and VM fd for the attributes of the VM itself)
    public static final long KVM_SET_DEVICE_ATTR = Ioctl.iow(TYPE, 0xe1, KvmDeviceAttr.DEF.size());
    public static final long KVM_GET_DEVICE_ATTR = Ioctl.iow(TYPE, 0xe2, KvmDeviceAttr.DEF.size());
    public static final long KVM_HAS_DEVICE_ATTR = Ioctl.iow(TYPE, 0xe3, KvmDeviceAttr.DEF.size());

    private KvmIoctl() {}
}
