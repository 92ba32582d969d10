package io.jvfio.emulator.vfio;

/**
 * A VM as VFIO sees it ({@code struct kvm *}): what kvm-vfio hands a VFIO file and a device keeps
 * from its first open, for its driver. VFIO only holds it, so it names KVM's VM through this and
 * the kvm package, which calls into VFIO, implements it.
 */
public interface KvmHandle {
    /** A number identifying the VM in its kernel, for messages. */
    int id();
}
