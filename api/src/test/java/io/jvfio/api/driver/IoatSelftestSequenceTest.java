package io.jvfio.api.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Iommufd;
import io.jvfio.api.Irq;
import io.jvfio.api.Jvfio;
import io.jvfio.api.PciConfig;
import io.jvfio.api.Region;
import io.jvfio.api.VfioContainer;
import io.jvfio.api.VfioDevice;
import io.jvfio.api.VfioGroup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The register sequence of Linux's selftest ioat driver (tools/testing/selftests/vfio/lib/drivers/
 * ioat/ioat.c) and the checks of vfio_pci_driver_test.c, replayed through region reads and writes
 * on the default platform's engine: what that C test sees once its mmap of BAR0 reaches the device
 * (docs/differences.md), on the legacy container path and on iommufd.
 */
class IoatSelftestSequenceTest {
    private static final String BDF = "0000:00:1f.0";
    private static final int CH = 0x80;
    private static final long UNMAPPED = 1L << 40;

    enum Mode {
        VFIO_TYPE1V2,
        IOMMUFD
    }

    private final Jvfio jvfio = Jvfio.open("emulated");
    private VfioDevice device;
    private Region bar0;
    private Irq msix;
    private MemorySegment driverRegion;
    private long driverIova;
    private long size;

    @AfterEach
    void close() {
        jvfio.close();
    }

    /** FIXTURE_SETUP: the device in {@code mode}, a 2-buffer memcpy region and the driver's region. */
    private MemorySegment setUp(Mode mode) {
        jvfio.bindToVfioPci(BDF);
        DmaBuffer region = jvfio.allocateDma(1 << 20);
        DmaBuffer driver = jvfio.allocateDma(4096);
        long regionIova = 0x100000;
        driverIova = 0x400000;
        if (mode == Mode.IOMMUFD) {
            Iommufd iommufd = jvfio.openIommufd();
            device = jvfio.openPciDevice(BDF);
            device.bind(iommufd);
            var ioas = iommufd.allocIoas();
            device.attach(ioas);
            region.map(ioas, regionIova, DmaAccess.READ_WRITE);
            driver.map(ioas, driverIova, DmaAccess.READ_WRITE);
        } else {
            VfioGroup group = jvfio.openGroupOf(BDF);
            VfioContainer container = jvfio.openContainer();
            group.setContainer(container);
            container.setIommu(VfioContainer.TYPE1V2);
            device = group.openDevice(BDF);
            container.mapDma(region.segment(), regionIova, DmaAccess.READ_WRITE);
            container.mapDma(driver.segment(), driverIova, DmaAccess.READ_WRITE);
        }
        bar0 = device.region(0);
        msix = device.irq(2);
        driverRegion = driver.segment();
        init();
        size = Math.min(1L << bar0.read(0x01, 1), region.segment().byteSize() / 2);
        return region.segment();
    }

    private long status() {
        return bar0.read(CH + 0x08, 8) & 7;
    }

    private void reset() {
        PciConfig c = device.pciConfig();
        c.write32(0x180, c.read32(0x180));
        c.write32(0x180, c.read32(0x148));
        bar0.write(CH + 0x28, 4, bar0.read(CH + 0x28, 4));
        bar0.write(CH + 0x04, 1, 0x20);
        while ((bar0.read(CH + 0x04, 1) & 0x20) != 0) {
            Thread.onSpinWait();
        }
        assertThat(status()).isEqualTo(3); // HALTED
    }

    private void init() {
        assertThat(device.pciConfig().read16(0)).isEqualTo(0x8086);
        assertThat(device.pciConfig().read16(2)).isEqualTo(0x2021);
        assertThat(bar0.read(0x08, 1)).isIn(0x32L, 0x33L);
        device.pciConfig().write16(PciConfig.COMMAND, 0x2 | 0x4 | 0x400);
        reset();
        bar0.write(0x03, 1, 0x08);
        msix.enable(1);
    }

    private void remove() {
        reset();
        msix.disable();
    }

    private void start(long src, long dst, long bytes, int count, boolean interrupt) {
        driverRegion.asSlice(0, 64).fill((byte) 0);
        driverRegion.set(ValueLayout.JAVA_INT, 0, (int) bytes);
        driverRegion.set(ValueLayout.JAVA_INT, 4, interrupt ? 1 : 0);
        driverRegion.set(ValueLayout.JAVA_LONG, 8, src);
        driverRegion.set(ValueLayout.JAVA_LONG, 16, dst);
        driverRegion.set(ValueLayout.JAVA_LONG, 24, driverIova);
        bar0.write(CH + 0x10, 8, driverIova);
        bar0.write(CH + 0x00, 2, 0x0001 | 0x0008);
        bar0.write(CH + 0x06, 2, count);
    }

    private int await() {
        while (true) {
            long s = status();
            if (s == 1) {
                break;
            }
            if (s == 3) {
                reset();
                return -1;
            }
        }
        bar0.write(CH + 0x04, 1, 0x04);
        while (status() != 2) {
            Thread.onSpinWait();
        }
        return 0;
    }

    private int memcpy(long src, long dst, long bytes) {
        start(src, dst, bytes, 1, false);
        return await();
    }

    private void sendMsi() {
        start(driverIova + 0x100, driverIova + 0x108, 8, 1, true);
        assertThat(await()).isZero();
    }

    private void assertNoMsi() {
        assertThat(msix.await(0, Duration.ZERO)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyTestOfVfioPciDriverTest(Mode mode) {
        MemorySegment region = setUp(mode);
        long src = 0x100000;
        long dst = src + size;
        for (int i = 0; i < 10; i++) { // init_remove
            remove();
            init();
        }
        // memcpy_success
        region.asSlice(0, size).fill((byte) 'x');
        region.asSlice(size, size).fill((byte) 'y');
        assertThat(memcpy(src, dst, size)).isZero();
        assertThat(region.asSlice(0, size).mismatch(region.asSlice(size, size))).isEqualTo(-1);
        assertNoMsi();
        // memcpy_from_unmapped_iova, memcpy_to_unmapped_iova: errors, and no interrupt
        assertThat(memcpy(UNMAPPED, dst, size)).isEqualTo(-1);
        assertThat(memcpy(src, UNMAPPED, size)).isEqualTo(-1);
        assertNoMsi();
        // send_msi, mix_and_match
        for (int i = 0; i < 10; i++) {
            region.asSlice(size, size).fill((byte) 'y');
            assertThat(memcpy(src, dst, size)).isZero();
            assertThat(region.asSlice(0, size).mismatch(region.asSlice(size, size)))
                    .isEqualTo(-1);
            memcpy(UNMAPPED, dst, size);
            sendMsi();
            assertThat(msix.await(0, Duration.ofSeconds(5))).isEqualTo(1);
        }
        // memcpy_storm: min(250 GiB / size, 65535) copies of the self-linked descriptor
        int count = (int) Math.min((250L << 30) / size, 0xffff);
        start(src, dst, size, count, false);
        assertThat(await()).isZero();
        assertNoMsi();
        remove();
    }
}
