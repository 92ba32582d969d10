package io.jvfio.abi.kvm;

/** The few constants of linux/kvm.h that the kvm-vfio device needs. */
public final class KvmConst {
    /** What KVM_GET_API_VERSION returns. */
    public static final int KVM_API_VERSION = 12;

    /** {@code enum kvm_device_type}: the kvm-vfio pseudo device. */
    public static final int KVM_DEV_TYPE_VFIO = 4;

    /** The kvm-vfio attribute group of VFIO files (formerly KVM_DEV_VFIO_GROUP, same value). */
    public static final int KVM_DEV_VFIO_FILE = 1;

    /** Attributes of KVM_DEV_VFIO_FILE: add or remove a VFIO group or device fd. */
    public static final int KVM_DEV_VFIO_FILE_ADD = 1;

    public static final int KVM_DEV_VFIO_FILE_DEL = 2;

    /** The old names of the group and its attributes, still in the header. */
    public static final int KVM_DEV_VFIO_GROUP = KVM_DEV_VFIO_FILE;

    public static final int KVM_DEV_VFIO_GROUP_ADD = KVM_DEV_VFIO_FILE_ADD;
    public static final int KVM_DEV_VFIO_GROUP_DEL = KVM_DEV_VFIO_FILE_DEL;
    /** sPAPR only: attach a TCE table to a group. */
    public static final int KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE = 3;

    private KvmConst() {}
}
