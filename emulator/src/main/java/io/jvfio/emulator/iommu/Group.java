package io.jvfio.emulator.iommu;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An IOMMU group as the IOMMU core keeps it ({@code struct iommu_group} in iommu.c): its devices,
 * who owns their DMA, and the domain they all translate through. A group is either used by kernel
 * drivers (the default domain; no emulated host driver does DMA, so it translates nothing) or
 * claimed by one user owner (VFIO/iommufd), which puts it on the blocking domain until the owner
 * attaches a paging domain. All devices of a group share one attachment.
 */
public final class Group {
    private final int id;
    private final List<IommuDevice> devices = new ArrayList<>();
    /** Kernel-driver users (owner == null) or user owner claims; the kernel's owner_cnt. */
    private int ownerCount;

    private Object owner;
    private Domain domain;
    /** PASID attachments ({@code pasid_array}); the emulated DMA path carries no PASID, so they translate nothing. */
    private final Map<Integer, Domain> pasidDomains = new HashMap<>();

    public Group(int id) {
        this.id = id;
    }

    /** The group number (/sys/kernel/iommu_groups/N, /dev/vfio/N). */
    public int id() {
        return id;
    }

    public synchronized List<IommuDevice> devices() {
        return List.copyOf(devices);
    }

    synchronized void add(IommuDevice device) {
        devices.add(device);
    }

    /** Takes a released device out; whether the group is now empty. */
    synchronized boolean remove(IommuDevice device) {
        devices.remove(device);
        return devices.isEmpty();
    }

    /**
     * iommu_device_use_default_domain: a kernel driver binds to a member. EBUSY while a user owns
     * the group.
     */
    public synchronized void useDefaultDomain() {
        if (owner != null) {
            throw new ErrnoException(Errno.EBUSY);
        }
        ownerCount++;
    }

    /** iommu_device_unuse_default_domain: the kernel driver unbound. */
    public synchronized void unuseDefaultDomain() {
        if (owner == null && ownerCount > 0) {
            ownerCount--;
        }
    }

    /**
     * iommu_device_claim_dma_owner: claims user-owned DMA for {@code newOwner} (an iommufd context,
     * a VFIO container); nested claims by the same owner count. EPERM while anyone else counts as an
     * owner, kernel drivers included (they count with no owner); EBUSY when the group is on a
     * non-default domain or has PASID attachments. The first claim puts the group on the blocking
     * domain.
     */
    public synchronized void claimDmaOwner(Object newOwner) {
        Objects.requireNonNull(newOwner);
        if (ownerCount > 0) {
            if (owner != newOwner) {
                throw new ErrnoException(Errno.EPERM);
            }
            ownerCount++;
            return;
        }
        if (domain != null || !pasidDomains.isEmpty()) {
            throw new ErrnoException(Errno.EBUSY);
        }
        setDomain(null);
        owner = newOwner;
        ownerCount = 1;
    }

    /** iommu_device_release_dma_owner: the last release returns the group to the default domain. */
    public synchronized void releaseDmaOwner() {
        if (owner == null || ownerCount == 0) {
            throw new IllegalStateException("group " + id + " is not user-owned");
        }
        if (--ownerCount == 0) {
            setDomain(null);
            owner = null;
        }
    }

    /** iommu_group_dma_owner_claimed: any owner count, a kernel driver's included. */
    public synchronized boolean isDmaOwned() {
        return ownerCount > 0;
    }

    /** The domain the group translates through; empty for the blocking or default domain. */
    public synchronized Optional<Domain> domain() {
        return Optional.ofNullable(domain);
    }

    /**
     * iommu_attach_group: EBUSY if the group already has a paging domain (replace instead);
     * EINVAL if a member's driver refuses the domain.
     */
    public synchronized void attach(Domain target) {
        if (domain != null) {
            throw new ErrnoException(Errno.EBUSY);
        }
        replace(target);
    }

    /**
     * iommu_replace_group_handle: switches every member to {@code target} at once; on EINVAL (a
     * member's driver refuses it) nothing changed.
     */
    public synchronized void replace(Domain target) {
        Objects.requireNonNull(target);
        for (IommuDevice d : devices) {
            d.checkAttach(target);
        }
        setDomain(target);
    }

    /** iommu_detach_group: back to the blocking domain; returns after the members' DMA drained. */
    public synchronized void detach() {
        setDomain(null);
    }

    /**
     * iommu_attach_device_pasid: EINVAL for a domain the driver refuses, PASID 0, or a PASID beyond
     * the count of a member with PASIDs (members without PASIDs are not checked); EBUSY if the
     * PASID is attached already.
     */
    public synchronized void attachPasid(IommuDevice device, int pasid, Domain target) {
        checkPasid(device, pasid, target);
        if (pasidDomains.containsKey(pasid)) {
            throw new ErrnoException(Errno.EBUSY);
        }
        setGroupPasid(pasid, target, null);
        pasidDomains.put(pasid, target);
    }

    /**
     * iommu_replace_device_pasid: as attach, but the PASID must be attached (EINVAL); atomic. The
     * caller replaces only with another HWPT, which in the kernel is always another domain (a nested
     * HWPT translates through its parent's domain here), so the members' drivers are always called.
     */
    public synchronized void replacePasid(IommuDevice device, int pasid, Domain target) {
        checkPasid(device, pasid, target);
        Domain old = pasidDomains.get(pasid);
        if (old == null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        setGroupPasid(pasid, target, old);
        pasidDomains.put(pasid, target);
    }

    /** iommu_detach_device_pasid: every member with PASIDs goes to the blocking domain. */
    public synchronized void detachPasid(int pasid) {
        for (IommuDevice d : devices) {
            if (d.maxPasids() > 0) {
                d.setDevPasid(pasid, null);
            }
        }
        pasidDomains.remove(pasid);
    }

    /**
     * __iommu_set_group_pasid: the driver's set_dev_pasid for every member with PASIDs; if one
     * fails, the members before it go back to {@code old} (to blocking when there was none).
     */
    private void setGroupPasid(int pasid, Domain target, Domain old) {
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i).maxPasids() == 0) {
                continue;
            }
            try {
                devices.get(i).setDevPasid(pasid, target);
            } catch (ErrnoException e) {
                for (IommuDevice done : devices.subList(0, i)) {
                    if (done.maxPasids() > 0) {
                        done.setDevPasid(pasid, old);
                    }
                }
                throw e;
            }
        }
    }

    /** The domain attached to {@code pasid}, if any. */
    public synchronized Optional<Domain> pasidDomain(int pasid) {
        return Optional.ofNullable(pasidDomains.get(pasid));
    }

    /** The driver must take the domain; a PASID beyond the count of a member that has PASIDs is EINVAL. */
    private void checkPasid(IommuDevice device, int pasid, Domain target) {
        device.checkAttach(target);
        if (pasid == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        for (IommuDevice d : devices) {
            if (d.maxPasids() > 0 && Integer.compareUnsigned(pasid, d.maxPasids()) >= 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
        }
    }

    private void setDomain(Domain target) {
        domain = target;
        for (IommuDevice d : devices) {
            if (target == null) {
                d.dma().detach();
            } else {
                d.dma().attach(target);
            }
        }
    }

    @Override
    public String toString() {
        return "Group[" + id + "]";
    }
}
