package io.jvfio.abi.kvm;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct kvm_device_attr}: the argument of KVM_SET/GET/HAS_DEVICE_ATTR on a device fd: the
 * attribute {@code attr} of group {@code group}, whose data is at user address {@code addr} (for
 * the kvm-vfio device: group KVM_DEV_VFIO_FILE, attr FILE_ADD/FILE_DEL, addr pointing at an
 * {@code __s32} VFIO group or device fd).
 *
 * <pre>
 *  0  u32    flags
 *  4  u32    group
 *  8  u64    attr
 * 16  u64    addr
 * (24 bytes; the size is encoded in the request number)
 * </pre>
 */
public final class KvmDeviceAttr {
    public static final StructDef DEF = StructDef.builder("kvm_device_attr")
            .u32("flags")
            .u32("group")
            .u64("attr")
            .u64("addr")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 GROUP = DEF.u32("group");
    public static final Field.U64 ATTR = DEF.u64("attr");
    public static final Field.U64 ADDR = DEF.u64("addr");

    private KvmDeviceAttr() {}
}
