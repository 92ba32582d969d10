package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.bus.BusNotifier;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.vfio.VfioDeviceFeatures;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * vfio-pci-core's SR-IOV half for one device (vfio_pci_core.c): a PF's VF token ({@code struct
 * vfio_pci_vf_token}: a UUID, random until user space sets one, and the count of open VFs), the bus
 * notifier that captures the PF's new VFs for vfio-pci (driver_override), sriov_configure, and the
 * token rules of {@code match_token_uuid}: a VF whose PF is a vfio-pci PF that enabled SR-IOV needs
 * the PF's token, a PF whose VFs are open needs the current one, a PF otherwise takes the token it
 * is given as the new one, and a token given where none is used is EINVAL. The kernel's
 * pci_info_ratelimited messages for those refusals are not modelled (no kernel log).
 */
final class VfioPciSriov {
    private static final String VF_TOKEN_ARG = "vf_token=";
    private static final int UUID_STRING_LEN = 36;

    /** What a group path's device name gave besides the name: the VF token, null for none. */
    record NamedToken(UUID token) {}

    /** {@code vfio_pci_sriov_pfs}: the PFs sriov_configure enabled VFs on, for their VFs to find. */
    static final class PfList {
        private final List<VfioPciSriov> pfs = new ArrayList<>();
    }

    /** {@code struct vfio_pci_vf_token}; guarded by itself (its mutex). */
    private static final class VfToken {
        private UUID uuid = UUID.randomUUID(); // uuid_gen
        private int users;
    }

    private final PciDevice pdev;
    private final PfList pfList;
    /** A PF's token, null for any other function. */
    private final VfToken vfToken;
    /** A VF's PF as it was when the VF was bound ({@code sriov_pf_core_dev}), else null. */
    private final VfioPciSriov pf;

    private final BusNotifier notifier;
    /** Whether this PF is on {@link #pfList} ({@code !list_empty(&vdev->sriov_pfs_item)}); guarded by the list. */
    private boolean listed;

    private VfioPciSriov(PciDevice pdev, PfList pfList, VfToken vfToken, VfioPciSriov pf, BusNotifier notifier) {
        this.pdev = pdev;
        this.pfList = pfList;
        this.vfToken = vfToken;
        this.pf = pf;
        this.notifier = notifier;
    }

    /**
     * {@code vfio_pci_vf_init}: a VF looks its PF up among the PFs that enabled SR-IOV; a PF gets
     * a token and a bus notifier that sets {@code driverName} as the override of each VF it adds.
     */
    static VfioPciSriov init(PciDevice pdev, PfList pfList, String driverName) {
        if (pdev.isVirtfn()) {
            VfioPciSriov found = null;
            synchronized (pfList) {
                for (VfioPciSriov cur : pfList.pfs) {
                    if (cur.pdev == pdev.physfn()) {
                        found = cur;
                    }
                }
            }
            return new VfioPciSriov(pdev, pfList, null, found, null);
        }
        if (!pdev.isPhysfn()) {
            return new VfioPciSriov(pdev, pfList, null, null, null);
        }
        BusNotifier capture = vf -> {
            if (vf.isVirtfn() && vf.physfn() == pdev) {
                pdev.bus().setDriverOverride(vf, driverName);
            }
        };
        pdev.bus().registerNotifier(capture);
        return new VfioPciSriov(pdev, pfList, new VfToken(), null, capture);
    }

    /** {@code vfio_pci_vf_uninit}. */
    void uninit() {
        if (notifier != null) {
            pdev.bus().unregisterNotifier(notifier);
        }
    }

    /**
     * {@code vfio_pci_core_sriov_configure} (the device lock held): for a nonzero count EINVAL if
     * already listed, then the PF resumed to D0 and held there while its VFs exist, then
     * pci_enable_sriov (its errno undoes the rest); for 0 the VFs disabled. Returns the count.
     */
    int configure(VfioPciCoreDevice core, int numVfs) {
        if (numVfs != 0) {
            synchronized (pfList) {
                if (listed) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                pfList.pfs.add(this);
                listed = true;
            }
            core.setSriovActive(true);
            try {
                pdev.bus().enableSriov(pdev, numVfs);
            } catch (RuntimeException e) {
                unlist(core);
                throw e;
            }
            return numVfs;
        }
        if (pdev.numVfs() != 0) {
            pdev.bus().disableSriov(pdev);
        }
        unlist(core);
        return 0;
    }

    private void unlist(VfioPciCoreDevice core) {
        core.setSriovActive(false);
        synchronized (pfList) {
            pfList.pfs.remove(this);
            listed = false;
        }
    }

    /** {@code vfio_pci_core_finish_enable}'s part: an open VF counts as a user of its PF's token. */
    void opened() {
        if (pf != null) {
            synchronized (pf.vfToken) {
                pf.vfToken.users++;
            }
        }
    }

    /** {@code vfio_pci_core_close_device}'s part. */
    void closed() {
        if (pf != null) {
            synchronized (pf.vfToken) {
                pf.vfToken.users--;
            }
        }
    }

    /** {@code vfio_pci_core_match_token_uuid}; {@code uuid} is null when none was given. */
    void matchTokenUuid(UUID uuid) {
        if (pdev.isVirtfn()) {
            if (pf == null) {
                if (uuid != null) {
                    throw new ErrnoException(Errno.EINVAL); // "PF not bound to vfio-pci"
                }
                return;
            }
            if (uuid == null) {
                throw new ErrnoException(Errno.EACCES); // "VF token required"
            }
            synchronized (pf.vfToken) {
                if (!uuid.equals(pf.vfToken.uuid)) {
                    throw new ErrnoException(Errno.EACCES); // "Incorrect VF token"
                }
            }
        } else if (vfToken != null) {
            synchronized (vfToken) {
                if (vfToken.users > 0) {
                    if (uuid == null || !uuid.equals(vfToken.uuid)) {
                        throw new ErrnoException(Errno.EACCES);
                    }
                } else if (uuid != null) {
                    vfToken.uuid = uuid;
                }
            }
        } else if (uuid != null) {
            throw new ErrnoException(Errno.EINVAL); // "not a PF or VF"
        }
    }

    /**
     * {@code vfio_pci_core_feature_token}: VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, SET only (GET would
     * show the previous user's token) of a 16-byte UUID; ENOTTY on anything but a PF.
     */
    long featureToken(int flags, long arg, long argsz) {
        if (vfToken == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        if (!VfioDeviceFeatures.checkFeature(flags, argsz, VfioDeviceFeature.FEATURE_SET, 16)) {
            return 0;
        }
        UUID uuid;
        try (Arena arena = Arena.ofConfined()) {
            uuid = uuid(UserMemory.copyIn(arg, 16, arena).asByteBuffer());
        }
        synchronized (vfToken) {
            vfToken.uuid = uuid;
        }
        return 0;
    }

    /**
     * {@code vfio_pci_core_match}'s parsing of VFIO_GROUP_GET_DEVICE_FD's {@code buf} for the
     * device {@code name}: empty if it names another device (not this name, or this name followed
     * by anything but a blank); else blanks and at most one {@code vf_token=UUID} may follow, and
     * anything else (a short or malformed UUID, a second or unknown option) is EINVAL.
     */
    static Optional<NamedToken> parseName(String name, String buf) {
        if (!buf.startsWith(name)) {
            return Optional.empty();
        }
        UUID token = null;
        int i = name.length();
        if (buf.length() > i && buf.charAt(i) != ' ') {
            return Optional.empty();
        }
        while (i < buf.length()) {
            if (buf.charAt(i) == ' ') {
                i++;
            } else if (token == null && buf.startsWith(VF_TOKEN_ARG, i)) {
                i += VF_TOKEN_ARG.length();
                if (buf.length() - i < UUID_STRING_LEN) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                token = parseUuid(buf.substring(i, i + UUID_STRING_LEN));
                i += UUID_STRING_LEN;
            } else {
                throw new ErrnoException(Errno.EINVAL);
            }
        }
        return Optional.of(new NamedToken(token));
    }

    /** A {@code uuid_t}: its 16 bytes in the order the text form writes them. */
    static UUID uuid(ByteBuffer b) {
        return new UUID(b.getLong(), b.getLong());
    }

    /** {@code uuid_parse}: exactly 8-4-4-4-12 hex digits (either case); EINVAL otherwise. */
    static UUID parseUuid(String s) {
        if (s.length() != 36) {
            throw new ErrnoException(Errno.EINVAL);
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : "0123456789abcdefABCDEF".indexOf(c) < 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
        }
        return UUID.fromString(s);
    }
}
