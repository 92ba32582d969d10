package io.jvfio.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.catalog.IoctlNames;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioIoctl;
import org.junit.jupiter.api.Test;

class IoctlTest {
    @Test
    void sizeLessRequestsAreTypeAndNumber() {
        assertThat(IommufdIoctl.IOMMU_DESTROY).isEqualTo(0x3b80);
        assertThat(IommufdIoctl.IOMMU_HW_QUEUE_ALLOC).isEqualTo(0x3b94);
        assertThat(IommufdTestIoctl.IOMMU_TEST_CMD).isEqualTo(0x3ba0);
        assertThat(VfioIoctl.VFIO_GET_API_VERSION).isEqualTo(0x3b64);
        assertThat(VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO).isEqualTo(0x3b79);
    }

    @Test
    void kvmRequestsCarryDirectionAndSize() {
        assertThat(KvmIoctl.KVM_CREATE_VM).isEqualTo(0xae01);
        assertThat(KvmIoctl.KVM_CREATE_DEVICE).isEqualTo(0xc00caee0L);
        assertThat(KvmIoctl.KVM_SET_DEVICE_ATTR).isEqualTo(0x4018aee1L);
        assertThat(Ioctl.dir(KvmIoctl.KVM_CREATE_DEVICE)).isEqualTo(Ioctl.DIR_READ | Ioctl.DIR_WRITE);
        assertThat(Ioctl.dir(KvmIoctl.KVM_HAS_DEVICE_ATTR)).isEqualTo(Ioctl.DIR_WRITE);
        assertThat(Ioctl.size(KvmIoctl.KVM_GET_DEVICE_ATTR)).isEqualTo(24);
        assertThat(Ioctl.type(KvmIoctl.KVM_GET_DEVICE_ATTR)).isEqualTo(0xae);
        assertThat(Ioctl.nr(KvmIoctl.KVM_GET_DEVICE_ATTR)).isEqualTo(0xe2);
    }

    @Test
    void encodeAndDecodeRoundTrip() {
        long r = Ioctl.encode(Ioctl.DIR_READ, 'x', 0x42, 0x3fff);
        assertThat(Ioctl.dir(r)).isEqualTo(Ioctl.DIR_READ);
        assertThat(Ioctl.type(r)).isEqualTo('x');
        assertThat(Ioctl.nr(r)).isEqualTo(0x42);
        assertThat(Ioctl.size(r)).isEqualTo(0x3fff);
        assertThat(Ioctl.io(';', 0x85)).isEqualTo(IommufdIoctl.IOMMU_IOAS_MAP);
        assertThat(Ioctl.ior('x', 1, 8)).isEqualTo(0x80087801L);
    }

    @Test
    void namesNameOneRequest() {
        assertThat(IoctlNames.describe(IommufdIoctl.IOMMU_IOAS_MAP)).isEqualTo("IOMMU_IOAS_MAP");
        assertThat(IoctlNames.describe(KvmIoctl.KVM_CREATE_DEVICE)).isEqualTo("KVM_CREATE_DEVICE");
        assertThat(IoctlNames.describe(IommufdTestIoctl.IOMMU_TEST_CMD))
                .as("re-exported by the selftest holder, still named once")
                .isEqualTo("IOMMU_TEST_CMD");
    }

    @Test
    void aReusedVfioNumberCarriesEveryName() {
        assertThat(VfioIoctl.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO).isEqualTo(VfioIoctl.VFIO_IOMMU_GET_INFO);
        assertThat(IoctlNames.describe(VfioIoctl.VFIO_IOMMU_GET_INFO).split("\\|"))
                .containsExactlyInAnyOrder(
                        "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", "VFIO_IOMMU_GET_INFO", "VFIO_IOMMU_SPAPR_TCE_GET_INFO");
        assertThat(IoctlNames.describe(VfioIoctl.VFIO_DEVICE_FEATURE).split("\\|"))
                .containsExactlyInAnyOrder(
                        "VFIO_DEVICE_FEATURE", "VFIO_IOMMU_DIRTY_PAGES", "VFIO_IOMMU_SPAPR_REGISTER_MEMORY");
    }

    @Test
    void anUnknownRequestIsShownInHex() {
        assertThat(IoctlNames.describe(0x3b7f)).isEqualTo("0x3b7f");
    }
}
