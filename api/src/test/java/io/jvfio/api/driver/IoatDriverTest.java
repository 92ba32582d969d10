package io.jvfio.api.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.EmulatedPlatform;
import io.jvfio.api.Jvfio;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The I/OAT driver against the emulated engine (the test VM has no I/OAT: emulated only). */
class IoatDriverTest {
    private static final String BDF = "0000:00:04.0";

    @ParameterizedTest
    @ValueSource(longs = {1, 4096, 100_000, 3L << 20}) // 3 MiB: more chunks than one ring pass
    void copiesThroughTheEngineAndInterruptsOncePerPass(long size) {
        try (Jvfio jvfio = Jvfio.open(EmulatedPlatform.of("ioat"))) {
            jvfio.bindToVfioPci(BDF);
            try (IoatDriver ioat = IoatDriver.open(jvfio, BDF, Duration.ofSeconds(10));
                    DmaBuffer src = jvfio.allocateDma(size);
                    DmaBuffer dst = jvfio.allocateDma(size)) {
                src.map(ioat.ioas(), DmaAccess.READ);
                dst.map(ioat.ioas(), DmaAccess.WRITE);
                byte[] data = new byte[(int) size];
                new Random(size).nextBytes(data);
                MemorySegment.copy(MemorySegment.ofArray(data), 0, src.segment(), 0, size);
                ioat.memcpy(src.iova(), dst.iova(), size);
                assertThat(dst.segment().asSlice(0, size).mismatch(src.segment().asSlice(0, size)))
                        .isEqualTo(-1);
                long chunks = (size + ioat.maxTransfer() - 1) / ioat.maxTransfer();
                assertThat(ioat.interrupts()).isEqualTo((chunks + 62) / 63);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUnmappedIovaHaltsTheChannelAndTheDriverRecovers(boolean unmappedSource) {
        try (Jvfio jvfio = Jvfio.open(EmulatedPlatform.of("ioat"))) {
            jvfio.bindToVfioPci(BDF);
            try (IoatDriver ioat = IoatDriver.open(jvfio, BDF, Duration.ofSeconds(10));
                    DmaBuffer src = jvfio.allocateDma(4096);
                    DmaBuffer dst = jvfio.allocateDma(4096)) {
                src.map(ioat.ioas(), DmaAccess.READ);
                dst.map(ioat.ioas(), DmaAccess.READ); // not writable by the device
                long unmapped = 1L << 40;
                assertThatThrownBy(() -> ioat.memcpy(
                                unmappedSource ? unmapped : src.iova(), unmappedSource ? dst.iova() : unmapped, 64))
                        .isInstanceOf(IoatException.class)
                        .hasMessageContaining(unmappedSource ? "CHANERR 0x100" : "CHANERR 0x200");
                assertThatThrownBy(() -> ioat.memcpy(src.iova(), dst.iova(), 64))
                        .hasMessageContaining("CHANERR 0x200"); // read-only for the device
                dst.map(ioat.ioas(), DmaAccess.READ_WRITE);
                src.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 0x1234_5678_9abcL);
                ioat.memcpy(src.iova(), dst.mappings().get(1).iova(), 8);
                assertThat(dst.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0))
                        .isEqualTo(0x1234_5678_9abcL);
                assertThat(ioat.interrupts()).isEqualTo(1);
            }
        }
    }
}
