package io.jvfio.conformance.vfiopci;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.api.PciDevices;
import io.jvfio.conformance.Backend;
import io.jvfio.conformance.Conformance;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import io.jvfio.testkit.Sysfs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * vfio-pci's SR-IOV VF token (vfio_pci_core.c): VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, the token of
 * VFIO_DEVICE_BIND_IOMMUFD and the {@code vf_token=} option of the group path's device name, on a
 * PF bound to vfio-pci with one VF enabled through sriov_numvfs (enable_sriov set for the test).
 * The emulated backend boots an NVMe with {@code sriov_max_vfs=2}; a real kernel needs a PF bound
 * to vfio-pci with no VFs enabled (the test VM's QEMU devices have no SR-IOV), else the test is
 * skipped.
 */
@Conformance
class VfTokenTest {
    private static final String PLATFORM = "nvme,addr=05.0,sriov_max_vfs=2";
    private static final String DEV = "/sys/bus/pci/devices/";
    private static final String ENABLE_SRIOV = "/sys/module/vfio_pci/parameters/enable_sriov";
    private static final UUID TOKEN = UUID.fromString("52ac9bff-3a88-4fbd-901a-0d767c3b6c97");
    private static final UUID OTHER = UUID.fromString("88594674-90a0-47a9-aea8-9d9b352ac08a");

    private final Arena arena = Arena.ofShared();
    private final List<Integer> fds = new ArrayList<>();
    private Kernel k;
    private String pf;
    private String vf;
    private String enableSriovBefore;

    @BeforeEach
    void enableOneVf() {
        k = Backend.name().equals("emulated")
                ? KernelProvider.named("emulated").open(Map.of("platform", PLATFORM))
                : Backend.open();
        // On a real kernel only a PF the machine's owner bound to vfio-pci is used, never one a host
        // driver holds or an unbound one.
        pf = PciDevices.list(k).stream()
                .filter(d -> Backend.isEmulated()
                        || d.driver().filter(PciDevices.VFIO_PCI::equals).isPresent())
                .map(PciDevices.PciDevice::bdf)
                .filter(this::isIdlePf)
                .findFirst()
                .orElse(null);
        Assumptions.assumeTrue(pf != null, "no SR-IOV PF without VFs on this machine");
        PciDevices.bindToVfioPci(k, pf);
        enableSriovBefore = Sysfs.read(k, ENABLE_SRIOV).strip();
        Sysfs.write(k, ENABLE_SRIOV, "Y");
        Sysfs.write(k, DEV + pf + "/sriov_numvfs", "1");
        String link = k.readlink(DEV + pf + "/virtfn0");
        vf = link.substring(link.lastIndexOf('/') + 1);
    }

    private boolean isIdlePf(String bdf) {
        try {
            return Integer.parseInt(Sysfs.read(k, DEV + bdf + "/sriov_totalvfs").strip()) > 0
                    && Sysfs.read(k, DEV + bdf + "/sriov_numvfs").strip().equals("0");
        } catch (ErrnoException e) {
            return false;
        }
    }

    @AfterEach
    void disableVfs() {
        for (int i = fds.size() - 1; i >= 0; i--) {
            k.close(fds.get(i));
        }
        if (pf != null) {
            Sysfs.write(k, DEV + pf + "/sriov_numvfs", "0");
            Sysfs.write(k, ENABLE_SRIOV, enableSriovBefore);
        }
        arena.close();
    }

    private int open(String path) {
        int fd = k.open(path, Linux.O.RDWR);
        fds.add(fd);
        return fd;
    }

    private String cdev(String bdf) {
        return "/dev/vfio/devices/" + k.listDirectory(DEV + bdf + "/vfio-dev").getFirst();
    }

    private String groupDev(String bdf) {
        String g = k.readlink(DEV + bdf + "/iommu_group");
        return "/dev/vfio/" + g.substring(g.lastIndexOf('/') + 1);
    }

    private MemorySegment uuid(UUID u) {
        MemorySegment s = arena.allocate(16);
        ByteBuffer b = s.asByteBuffer();
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return s;
    }

    /** Opens the cdev of {@code bdf} and binds it to a new iommufd, with {@code token} if not null. */
    private int bind(String bdf, UUID token) {
        int fd = open(cdev(bdf));
        MemorySegment s = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(s, open("/dev/iommu"));
        if (token != null) {
            VfioDeviceBindIommufd.FLAGS.set(s, VfioDeviceBindIommufd.FLAG_TOKEN);
            VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(s, uuid(token).address());
        }
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
        return fd;
    }

    /** VFIO_DEVICE_FEATURE with {@code flags} (feature PCI_VF_TOKEN) and {@code data}. */
    private long feature(int fd, int flags, MemorySegment data) {
        MemorySegment f = arena.allocate(VfioDeviceFeature.DEF.size() + data.byteSize());
        VfioDeviceFeature.ARGSZ.set(f, (int) f.byteSize());
        VfioDeviceFeature.FLAGS.set(f, flags | VfioDeviceFeature.FEATURE_PCI_VF_TOKEN);
        f.asSlice(VfioDeviceFeature.DEF.size()).copyFrom(data);
        return k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f);
    }

    /** Opens the group of {@code bdf} on an iommufd; VFIO_GROUP_GET_DEVICE_FD with {@code name}. */
    private int groupDeviceFd(String bdf, String name) {
        int group = open(groupDev(bdf));
        MemorySegment container = arena.allocate(ValueLayout.JAVA_INT);
        container.set(ValueLayout.JAVA_INT, 0, open("/dev/iommu"));
        k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, container);
        int fd = (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, arena.allocateFrom(name));
        fds.add(fd);
        return fd;
    }

    @Test
    @DisplayName("the VF is a PCI function of its own, in its own group, bound to vfio-pci with the PF")
    void theVfIsCapturedByVfioPci() {
        assertThat(k.readlink(DEV + vf + "/physfn")).endsWith(pf);
        assertThat(k.readlink(DEV + vf + "/driver")).endsWith("/vfio-pci");
        assertThat(groupDev(vf)).isNotEqualTo(groupDev(pf));
        assertThat(Sysfs.read(k, DEV + pf + "/sriov_numvfs")).isEqualTo("1\n");
        assertThat(errno(() -> Sysfs.write(k, DEV + pf + "/sriov_numvfs", "2"))).isEqualTo(Errno.EBUSY);
        String total = Sysfs.read(k, DEV + pf + "/sriov_totalvfs").strip();
        assertThat(errno(() -> Sysfs.write(k, DEV + pf + "/sriov_numvfs", Integer.parseInt(total) + 1 + "")))
                .isEqualTo(Errno.ERANGE);
    }

    @Test
    @DisplayName("PCI_VF_TOKEN: SET only, 16 bytes, on the PF; ENOTTY on the VF")
    void featureRules() {
        int pfFd = bind(pf, null);
        MemorySegment token = uuid(TOKEN);
        int probe = VfioDeviceFeature.FEATURE_PROBE;
        assertThat(feature(pfFd, probe | VfioDeviceFeature.FEATURE_SET, token)).isZero();
        assertThat(errno(() -> feature(pfFd, probe | VfioDeviceFeature.FEATURE_GET, token)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(pfFd, VfioDeviceFeature.FEATURE_SET, arena.allocate(15))))
                .isEqualTo(Errno.EINVAL);
        MemorySegment f = arena.allocate(VfioDeviceFeature.DEF.size());
        VfioDeviceFeature.ARGSZ.set(f, (int) f.byteSize() + 16); // the UUID would lie past the struct
        VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_PCI_VF_TOKEN);
        MemorySegment pages =
                k.mmap(2 * 4096, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        k.munmap(pages.asSlice(4096));
        try {
            MemorySegment edge = pages.asSlice(4096 - f.byteSize(), f.byteSize());
            edge.copyFrom(f);
            assertThat(errno(() -> k.ioctl(pfFd, VfioIoctl.VFIO_DEVICE_FEATURE, edge)))
                    .isEqualTo(Errno.EFAULT);
        } finally {
            k.munmap(pages.asSlice(0, 4096));
        }
        feature(pfFd, VfioDeviceFeature.FEATURE_SET, token);
        int vfFd = bind(vf, TOKEN);
        assertThat(errno(() -> feature(vfFd, probe | VfioDeviceFeature.FEATURE_SET, token)))
                .isEqualTo(Errno.ENOTTY);
    }

    @Test
    @DisplayName("BIND_IOMMUFD: a VF needs its PF's token; a PF with open VFs needs the current one")
    void bindTokenRules() {
        int pfFd = bind(pf, TOKEN); // no VF open: the PF's token becomes TOKEN
        assertThat(errno(() -> bind(vf, null))).isEqualTo(Errno.EACCES);
        assertThat(errno(() -> bind(vf, OTHER))).isEqualTo(Errno.EACCES);
        bind(vf, TOKEN);
        k.close(pfFd);
        fds.remove(Integer.valueOf(pfFd));
        // the VF is open: the PF needs the token in use
        assertThat(errno(() -> bind(pf, null))).isEqualTo(Errno.EACCES);
        assertThat(errno(() -> bind(pf, OTHER))).isEqualTo(Errno.EACCES);
        int again = bind(pf, TOKEN);
        // a token set through the feature is the one VFs need from then on; the token is checked
        // before the VF's second open is refused (a cdev device binds once)
        feature(again, VfioDeviceFeature.FEATURE_SET, uuid(OTHER));
        assertThat(errno(() -> bind(vf, TOKEN))).isEqualTo(Errno.EACCES);
        assertThat(errno(() -> bind(vf, OTHER))).isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("group path: \"BDF vf_token=UUID\" parsed as vfio_pci_core_match does")
    void groupPathNames() {
        bind(pf, TOKEN);
        groupDeviceFd(vf, vf + "  vf_token=" + TOKEN + " ");
        closeAllButFirstTwo();
        // each rejected name is tried on a fresh group open (the group opens once)
        for (String name : List.of(
                vf + " vf_token=" + TOKEN.toString().substring(1),
                vf + " vf_token=" + TOKEN.toString().replace('-', 'x'),
                vf + " vf_token=" + TOKEN + " vf_token=" + TOKEN,
                vf + " vf_token=" + TOKEN + "x",
                vf + " token=" + TOKEN)) {
            assertThat(errno(() -> groupDeviceFd(vf, name))).as(name).isEqualTo(Errno.EINVAL);
            closeAllButFirstTwo();
        }
        assertThat(errno(() -> groupDeviceFd(vf, vf))).isEqualTo(Errno.EACCES);
        closeAllButFirstTwo();
        assertThat(errno(() -> groupDeviceFd(vf, vf + "x vf_token=" + TOKEN))).isEqualTo(Errno.ENODEV);
    }

    /** Closes what a group-path attempt opened, keeping the PF's cdev and iommufd. */
    private void closeAllButFirstTwo() {
        while (fds.size() > 2) {
            k.close(fds.removeLast());
        }
    }
}
