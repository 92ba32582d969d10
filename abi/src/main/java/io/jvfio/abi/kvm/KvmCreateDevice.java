package io.jvfio.abi.kvm;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct kvm_create_device}: the argument of KVM_CREATE_DEVICE on a VM fd: create an
 * in-kernel device of {@code type} (KVM_DEV_TYPE_VFIO for the kvm-vfio device) and return its fd in
 * {@code fd}; with CREATE_DEVICE_TEST only check that the type exists.
 *
 * <pre>
 * 0  u32    type
 * 4  u32    fd
 * 8  u32    flags
 * (12 bytes; the size is encoded in the request number)
 * </pre>
 */
public final class KvmCreateDevice {
    public static final StructDef DEF = StructDef.builder("kvm_create_device")
            .u32("type")
            .u32("fd")
            .u32("flags")
            .build();

    public static final Field.U32 TYPE = DEF.u32("type");
    public static final Field.U32 FD = DEF.u32("fd");
    public static final Field.U32 FLAGS = DEF.u32("flags");

    /** KVM_CREATE_DEVICE_TEST: probe for the device type without creating it. */
    public static final int CREATE_DEVICE_TEST = 1;

    private KvmCreateDevice() {}
}
