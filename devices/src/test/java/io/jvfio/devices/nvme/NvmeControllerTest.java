package io.jvfio.devices.nvme;

import static io.jvfio.devices.nvme.NvmeController.*;
import static io.jvfio.devices.nvme.NvmeTestDriver.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.MsiMessage;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PcieType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NvmeControllerTest {
    private static final long NAMESPACE_BYTES = 4L << 20;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment host = arena.allocate(HOST_SIZE, 4096);
    private final List<Boolean> intx = new ArrayList<>();
    private final List<MsiMessage> msi = new ArrayList<>();
    private final NvmeController nvme = new NvmeController(NvmeConfig.of("deadbeef", NAMESPACE_BYTES));
    private final NvmeTestDriver driver = new NvmeTestDriver(
            nvme,
            host,
            new InterruptSink() {
                @Override
                public void intx(PciFunction source, boolean asserted) {
                    intx.add(asserted);
                }

                @Override
                public void msi(PciFunction source, MsiMessage message) {
                    msi.add(message);
                }
            },
            64);

    @AfterEach
    void close() {
        arena.close();
    }

    private void bringUp() {
        driver.enable();
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY);
        driver.createIoQueues(32, 0);
    }

    private static String ascii(MemorySegment s, long offset, int length) {
        return new String(s.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
    }

    @Test
    void pciIdentityBarAndCapabilitiesMatchQemu() {
        var c = nvme.pci().config();
        assertThat(c.read(0x00, 4)).isEqualTo(0x0010_1b36);
        assertThat(c.read(CLASS_REVISION, 4)).isEqualTo(0x01080202);
        assertThat(c.read(0x2c, 2)).isEqualTo(0x1af4);
        assertThat(nvme.pci().pcieType()).contains(PcieType.RC_INTEGRATED_ENDPOINT);
        assertThat(nvme.pci().supportsFlr()).isTrue();
        c.write(0x10, 4, -1);
        c.write(0x14, 4, -1);
        assertThat(c.read(0x10, 4)).isEqualTo(0xffffc004); // 16 KiB, 64-bit
        assertThat(c.read(0x40, 1)).isEqualTo(CAP_ID_MSIX);
        assertThat(c.read(0x40 + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE).isEqualTo(64); // 65 vectors
        assertThat(c.read(0x40 + MSIX_TABLE, 4)).isEqualTo(0x2000);
        assertThat(c.read(0x40 + MSIX_PBA, 4)).isEqualTo(0x3000);
        assertThat(c.read(0x60, 1)).isEqualTo(CAP_ID_PM);
        assertThat(c.read(0x80, 1)).isEqualTo(CAP_ID_EXP);
    }

    @Test
    void capAndVersionRegisters() {
        long cap = driver.bar0.read(REG_CAP, 8);
        assertThat(cap & 0xffff).isEqualTo(0x7ff); // MQES
        assertThat(cap >>> 16 & 1).isEqualTo(1); // CQR
        assertThat(cap >>> 32 & 0xf).isZero(); // DSTRD
        assertThat(cap >>> 37 & 0xff).isEqualTo(0xc1); // CSS
        assertThat(cap >>> 52 & 0xf).isEqualTo(4); // MPSMAX
        assertThat(driver.reg(REG_CAP + 4)).isEqualTo((int) (cap >>> 32));
        assertThat(driver.reg(REG_VS)).isEqualTo(0x00010400);
        assertThat(driver.bar0.read(DOORBELLS, 4)).isZero();
    }

    @Test
    void enableDisableAndShutdown() {
        driver.enable();
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY);
        assertThat(driver.reg(REG_CC) & CC_EN).isEqualTo(CC_EN);
        driver.setReg(REG_CC, driver.reg(REG_CC) | 1 << 14);
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY | CSTS_SHST_COMPLETE);
        driver.setReg(REG_CC, 0);
        assertThat(driver.reg(REG_CSTS)).isZero();
        assertThat(driver.reg(REG_AQA)).isEqualTo(63 << 16 | 63); // admin queue setup survives
        driver.enable();
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY);
    }

    @Test
    void enableWithBadSetupFails() {
        driver.enable();
        driver.setReg(REG_CC, 0);
        driver.bar0.write(REG_ASQ, 8, IOVA + 0x200); // not page-aligned
        driver.setReg(REG_CC, 4 << 20 | 6 << 16 | CC_EN);
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_CFS);
        driver.setReg(REG_CC, 0);
        driver.bar0.write(REG_ASQ, 8, IOVA + ASQ);
        driver.setReg(REG_CC, CC_EN); // IOSQES/IOCQES left 0
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_CFS);
    }

    @Test
    void identifyControllerNamespaceAndActiveList() {
        driver.enable();
        requireSuccess(driver.admin(0x06, 0, IOVA + IDENTIFY, 0, 0x01));
        MemorySegment id = host.asSlice(IDENTIFY, 4096);
        assertThat(id.get(U32, 0) & 0xffff).isEqualTo(0x1b36);
        assertThat(id.get(U32, 0) >>> 16).isEqualTo(0x1af4);
        assertThat(ascii(id, 4, 20)).isEqualTo("deadbeef            ");
        assertThat(ascii(id, 24, 40).strip()).isEqualTo("QEMU NVMe Ctrl");
        assertThat(id.get(ValueLayout.JAVA_BYTE, 77)).isEqualTo((byte) 7); // MDTS
        assertThat(id.get(U32, 80)).isEqualTo(0x00010400);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 512)).isEqualTo((byte) 0x66);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 513)).isEqualTo((byte) 0x44);
        assertThat(id.get(U32, 516)).isEqualTo(256);
        assertThat(ascii(id, 768, 29)).isEqualTo("nqn.2019-08.org.qemu:deadbeef");

        requireSuccess(driver.admin(0x06, 1, IOVA + IDENTIFY, 0, 0x00));
        assertThat(id.get(U64, 0)).isEqualTo(NAMESPACE_BYTES / 512);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 128 + 2)).isEqualTo((byte) 9); // LBAF0: 512 bytes

        requireSuccess(driver.admin(0x06, 0, IOVA + IDENTIFY, 0, 0x02));
        assertThat(id.get(U32, 0)).isEqualTo(1);
        assertThat(id.get(U32, 4)).isZero();
        requireSuccess(driver.admin(0x06, 1, IOVA + IDENTIFY, 0, 0x02));
        assertThat(id.get(U32, 0)).isZero();

        requireSuccess(driver.admin(0x06, 7, IOVA + IDENTIFY, 0, 0x00)); // inactive: all zeroes
        assertThat(id.get(U64, 0)).isZero();
        assertThat(driver.admin(0x06, 0, IOVA + IDENTIFY, 0, 0x00).status()).isEqualTo(0x400b);
        assertThat(driver.admin(0x06, -1, IOVA + IDENTIFY, 0, 0x00).status()).isEqualTo(0x400b);
        assertThat(driver.admin(0x06, 0, IOVA + IDENTIFY, 0, 0x55).status()).isEqualTo(0x4002);
    }

    @Test
    void namespaceIdentificationDescriptorsAsQemuLists() {
        driver.enable();
        MemorySegment id = host.asSlice(IDENTIFY, 4096);
        requireSuccess(driver.admin(0x06, 1, IOVA + IDENTIFY, 0, 0x03));
        ValueLayout.OfLong be64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 0)).as("UUID").isEqualTo((byte) 3);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 16);
        assertThat(id.get(U64, 4) | id.get(U64, 12)).as("a non-null UUID").isNotZero();
        assertThat(id.get(ValueLayout.JAVA_BYTE, 20)).as("EUI-64").isEqualTo((byte) 1);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 21)).isEqualTo((byte) 8);
        assertThat(id.get(be64, 24)).isEqualTo(0x5254_0000_0000_0001L);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 32)).as("CSI").isEqualTo((byte) 4);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 33)).isEqualTo((byte) 1);
        assertThat(id.get(ValueLayout.JAVA_BYTE, 36)).as("NVM").isZero();
        assertThat(id.get(ValueLayout.JAVA_BYTE, 37)).as("end of the list").isZero();
        requireSuccess(driver.admin(0x06, 1, IOVA + IDENTIFY, 0, 0x00));
        assertThat(id.get(be64, 120)).as("Identify Namespace's EUI64").isEqualTo(0x5254_0000_0000_0001L);
        assertThat(driver.admin(0x06, 7, IOVA + IDENTIFY, 0, 0x03).status())
                .as("inactive")
                .isEqualTo(0x4002);
        assertThat(driver.admin(0x06, 0, IOVA + IDENTIFY, 0, 0x03).status()).isEqualTo(0x400b);
        assertThat(driver.admin(0x06, -1, IOVA + IDENTIFY, 0, 0x03).status()).isEqualTo(0x400b);
    }

    @Test
    void numberOfQueuesFeature() {
        driver.enable();
        assertThat(driver.admin(0x0a, 0, 0, 0, 0x07).result()).isEqualTo(63 << 16 | 63);
        assertThat(driver.admin(0x09, 0, 0, 0, 0x07, 3 << 16 | 3).result()).isEqualTo(63 << 16 | 63);
        assertThat(driver.admin(0x09, 0, 0, 0, 0x07, 0xffff).status()).isEqualTo(0x4002);
        driver.createIoQueues(8, 0);
        assertThat(driver.admin(0x09, 0, 0, 0, 0x07, 0).status()).isEqualTo(0x000c);
        assertThat(driver.admin(0x0a, 0, 0, 0, 0x77).status()).isEqualTo(0x4002);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void writeThenReadBack(long seed) {
        bringUp();
        Random r = new Random(seed);
        for (int round = 0; round < 20; round++) {
            int blocks = 1 + r.nextInt(8); // up to one page: PRP1 only, maybe PRP2
            long slba = r.nextLong(NAMESPACE_BYTES / 512 - blocks);
            long offset = DATA + 512L * r.nextInt(8); // PRP1 may start mid-page
            byte[] data = new byte[blocks * 512];
            r.nextBytes(data);
            MemorySegment.copy(data, 0, host, ValueLayout.JAVA_BYTE, offset, data.length);
            long prp2 = IOVA + ((offset & ~0xfffL) + 0x1000);
            requireSuccess(driver.write(slba, blocks, IOVA + offset, prp2));
            host.asSlice(DATA + 0x4000, 0x2000).fill((byte) 0);
            requireSuccess(driver.read(slba, blocks, IOVA + DATA + 0x4000 + (offset & 0xfff), IOVA + DATA + 0x5000));
            assertThat(host.asSlice(DATA + 0x4000 + (offset & 0xfff), data.length)
                            .toArray(ValueLayout.JAVA_BYTE))
                    .isEqualTo(data);
            assertThat(nvme.namespace().asSlice(slba * 512, data.length).toArray(ValueLayout.JAVA_BYTE))
                    .isEqualTo(data);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6})
    void multiPageTransferThroughAPrpList(long seed) {
        bringUp();
        Random r = new Random(seed);
        int pages = 16;
        byte[] data = new byte[pages * 4096];
        r.nextBytes(data);
        // Scatter the pages in reverse order so only a correct list walk reassembles them.
        for (int p = 0; p < pages; p++) {
            long page = DATA + (long) (pages - 1 - p) * 4096;
            MemorySegment.copy(data, p * 4096, host, ValueLayout.JAVA_BYTE, page, 4096);
            if (p > 0) {
                host.set(U64, PRP_LIST + 8L * (p - 1), IOVA + page);
            }
        }
        requireSuccess(driver.write(100, pages * 8, IOVA + DATA + (pages - 1) * 4096L, IOVA + PRP_LIST));
        assertThat(nvme.namespace().asSlice(100 * 512, data.length).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(data);
        host.asSlice(DATA + 0x20000, data.length).fill((byte) 0);
        for (int p = 1; p < pages; p++) {
            host.set(U64, PRP_LIST + 8L * (p - 1), IOVA + DATA + 0x20000 + p * 4096L);
        }
        requireSuccess(driver.read(100, pages * 8, IOVA + DATA + 0x20000, IOVA + PRP_LIST));
        assertThat(host.asSlice(DATA + 0x20000, data.length).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(data);
    }

    @Test
    void prpListChainsAcrossListPages() {
        bringUp();
        // A list starting 16 bytes before a page end holds one entry and a pointer to the next list.
        long list1 = PRP_LIST + 0xff0;
        long list2 = PRP_LIST + 0x2000;
        for (int p = 0; p < 4; p++) {
            host.asSlice(DATA + p * 4096L, 4096).fill((byte) (p + 1));
        }
        host.set(U64, list1, IOVA + DATA + 0x1000);
        host.set(U64, list1 + 8, IOVA + list2);
        host.set(U64, list2, IOVA + DATA + 0x2000);
        host.set(U64, list2 + 8, IOVA + DATA + 0x3000);
        requireSuccess(driver.write(0, 32, IOVA + DATA, IOVA + list1));
        for (int p = 0; p < 4; p++) {
            assertThat(nvme.namespace().get(ValueLayout.JAVA_BYTE, p * 4096L + 17))
                    .isEqualTo((byte) (p + 1));
        }
        host.set(U64, list2 + 8, IOVA + DATA + 0x3004); // misaligned entry
        assertThat(driver.write(0, 32, IOVA + DATA, IOVA + list1).status()).isEqualTo(0x4013);
    }

    @Test
    void flush() {
        bringUp();
        requireSuccess(driver.io(0x00, 1, 0, 0));
        requireSuccess(driver.io(0x00, -1, 0, 0));
        assertThat(driver.io(0x00, 2, 0, 0).status()).isEqualTo(0x4002);
    }

    @Test
    void unmappedPrpFaultsWithDataTransferErrorAndWritesNothing() {
        bringUp();
        nvme.namespace().asSlice(0, 4096).fill((byte) 0x33);
        MemorySegment before = arena.allocate(HOST_SIZE);
        long unmapped = IOVA + HOST_SIZE + 0x10000;

        before.copyFrom(host);
        NvmeTestDriver.Cqe read = driver.read(0, 8, unmapped, 0);
        assertThat(read.status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
        assertThat(driver.port.faults()).singleElement().satisfies(f -> {
            assertThat(f.iova()).isEqualTo(unmapped);
            assertThat(f.isWrite()).isTrue();
        });
        // Only the submission and completion entries changed; no data landed anywhere.
        assertThat(host.asSlice(DATA, HOST_SIZE - DATA).mismatch(before.asSlice(DATA, HOST_SIZE - DATA)))
                .isEqualTo(-1);

        NvmeTestDriver.Cqe write = driver.write(0, 16, IOVA + DATA, unmapped);
        assertThat(write.status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR);
        assertThat(nvme.namespace().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x33);

        NvmeTestDriver.Cqe list = driver.write(0, 24, IOVA + DATA, unmapped);
        // A PRP list that cannot be fetched fails the command before its I/O, with DNR (QEMU).
        assertThat(list.status()).isEqualTo(NvmeStatus.DATA_TRANSFER_ERROR | NvmeStatus.DNR);
        assertThat(driver.port.faults()).hasSize(3);
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY); // the controller carries on
    }

    @Test
    void commandErrors() {
        bringUp();
        assertThat(driver.admin(0x7f, 0, 0, 0).status()).isEqualTo(0x4001);
        assertThat(driver.io(0x7f, 1, 0, 0).status()).isEqualTo(0x4001);
        assertThat(driver.read(NAMESPACE_BYTES / 512 - 1, 2, IOVA + DATA, 0).status())
                .isEqualTo(0x4080);
        assertThat(driver.read(-1L, 1, IOVA + DATA, 0).status()).isEqualTo(0x4080);
        assertThat(driver.io(0x02, 0, IOVA + DATA, 0).status()).isEqualTo(0x400b);
        assertThat(driver.io(0x02, 2, IOVA + DATA, 0).status()).isEqualTo(0x4002);
        assertThat(driver.ioWithFlags(0x02, 0x40, 1, IOVA + DATA, 0).status()).isEqualTo(0x4002); // SGL
        assertThat(driver.read(0, 1025, IOVA + DATA, IOVA + PRP_LIST).status()).isEqualTo(0x4002); // > MDTS
        // Queue management.
        assertThat(driver.admin(0x05, 0, IOVA + 0x6000, 0, 7 << 16 | 1, 1).status())
                .isEqualTo(0x4101); // exists
        assertThat(driver.admin(0x05, 0, IOVA + 0x6000, 0, 7 << 16, 1).status()).isEqualTo(0x4101); // qid 0
        assertThat(driver.admin(0x05, 0, IOVA + 0x6000, 0, 7 << 16 | 65, 1).status())
                .isEqualTo(0x4101);
        assertThat(driver.admin(0x05, 0, IOVA + 0x6000, 0, 0x800 << 16 | 2, 1).status())
                .isEqualTo(0x4102);
        assertThat(driver.admin(0x05, 0, IOVA + 0x6100, 0, 7 << 16 | 2, 1).status())
                .isEqualTo(0x4013);
        assertThat(driver.admin(0x05, 0, IOVA + 0x6000, 0, 7 << 16 | 2, 1 << 16 | 1)
                        .status())
                .isEqualTo(0x4108);
        assertThat(driver.admin(0x05, 0, IOVA + 0x6000, 0, 7 << 16 | 2, 0).status())
                .isEqualTo(0x4002);
        assertThat(driver.admin(0x01, 0, IOVA + 0x7000, 0, 7 << 16 | 2, 9 << 16 | 1)
                        .status())
                .isEqualTo(0x4100);
        assertThat(driver.admin(0x01, 0, IOVA + 0x7000, 0, 7 << 16 | 1, 1 << 16 | 1)
                        .status())
                .isEqualTo(0x4101);
        assertThat(driver.admin(0x00, 0, 0, 0, 5).status()).isEqualTo(0x4101);
        assertThat(driver.admin(0x04, 0, 0, 0, 5).status()).isEqualTo(0x4100);
        assertThat(driver.admin(0x04, 0, 0, 0, 1).status()).isEqualTo(0x010c); // SQ 1 still uses it
        requireSuccess(driver.admin(0x00, 0, 0, 0, 1));
        requireSuccess(driver.admin(0x04, 0, 0, 0, 1));
    }

    @Test
    void completionQueueWrapsAndPhaseFlips() {
        NvmeTestDriver small = new NvmeTestDriver(nvme, host, InterruptSink.NONE, 4);
        small.enable();
        for (int i = 0; i < 13; i++) {
            NvmeTestDriver.Cqe c = small.admin(0x0a, 0, 0, 0, 0x07);
            assertThat(c.status()).isZero();
            assertThat(c.sqHead()).isEqualTo((i + 1) % 4);
        }
    }

    @Test
    void pinBasedInterruptsHonourIntms() {
        driver.enable();
        driver.admin(0x0a, 0, 0, 0, 0x07);
        assertThat(intx).containsExactly(true, false); // asserted on completion, cleared by the head doorbell
        driver.setReg(REG_INTMS, 1);
        assertThat(driver.reg(REG_INTMS)).isEqualTo(1);
        driver.admin(0x0a, 0, 0, 0, 0x07);
        assertThat(intx).containsExactly(true, false);
        driver.setReg(REG_INTMC, 1);
        assertThat(driver.reg(REG_INTMC)).isZero();
        driver.admin(0x0a, 0, 0, 0, 0x07);
        assertThat(intx).containsExactly(true, false, true, false);
    }

    @Test
    void msixInterruptPerCompletionQueueVector() {
        driver.bar0.write(0x2000 + 16 + 0, 8, 0xfee00000L);
        driver.bar0.write(0x2000 + 16 + 8, 4, 0x31);
        driver.bar0.write(0x2000 + 16 + 12, 4, 0);
        driver.bar0.write(0x2000, 8, 0xfee00000L);
        driver.bar0.write(0x2000 + 8, 4, 0x30);
        driver.bar0.write(0x2000 + 12, 4, 0);
        nvme.pci().config().write(0x40 + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE);
        driver.enable();
        driver.createIoQueues(16, 1);
        assertThat(msi).containsOnly(new MsiMessage(0xfee00000L, 0x30)).hasSize(2);
        requireSuccess(driver.io(0x00, 1, 0, 0));
        assertThat(msi).last().isEqualTo(new MsiMessage(0xfee00000L, 0x31));
        assertThat(intx).isEmpty();
        driver.setReg(REG_INTMS, 1); // ignored while MSI-X is on
        assertThat(driver.reg(REG_INTMS)).isZero();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void unreachableAdminQueueIsAFatalControllerError(boolean submissionUnmapped) {
        long unmapped = IOVA + HOST_SIZE;
        driver.setReg(REG_AQA, 3 << 16 | 3);
        driver.bar0.write(REG_ASQ, 8, submissionUnmapped ? unmapped : IOVA + ASQ);
        driver.bar0.write(REG_ACQ, 8, submissionUnmapped ? IOVA + ACQ : unmapped);
        driver.setReg(REG_CC, 4 << 20 | 6 << 16 | CC_EN);
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY);
        host.set(U32, ASQ, 0x0a | 7 << 16); // Get Features, CID 7
        host.set(U32, ASQ + 40, 0x07);
        driver.setReg(DOORBELLS, 1);
        assertThat(driver.reg(REG_CSTS)).isEqualTo(CSTS_RDY | CSTS_CFS);
        assertThat(driver.port.faults()).singleElement().satisfies(f -> assertThat(f.iova())
                .isEqualTo(unmapped));
    }

    @Test
    void doorbellsOfMissingQueuesOrBeyondTheQueueAreIgnored() {
        driver.enable();
        driver.setReg(DOORBELLS + 8 * 3, 1); // SQ 3 does not exist
        driver.setReg(DOORBELLS, 64); // beyond the 64-entry admin SQ
        assertThat(driver.port.faults()).isEmpty();
        assertThat(host.get(U32, ACQ + 12)).isZero(); // nothing completed
        requireSuccess(driver.admin(0x0a, 0, 0, 0, 0x07));
    }

    @Test
    void flrResetsTheController() {
        bringUp();
        requireSuccess(driver.write(0, 1, IOVA + DATA, 0));
        nvme.pci().functionLevelReset();
        assertThat(driver.reg(REG_CSTS)).isZero();
        assertThat(driver.reg(REG_CC)).isZero();
        assertThat(nvme.pci().config().read(COMMAND, 2)).isZero();
    }
}
