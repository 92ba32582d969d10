package io.jvfio.emulator.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PciAddressTest {
    @Test
    void parsesAndFormatsTheSysfsForm() {
        PciAddress a = PciAddress.parse("0000:00:04.0");
        assertThat(a).isEqualTo(new PciAddress(0, 0, 4, 0));
        assertThat(a.toString()).isEqualTo("0000:00:04.0");
        assertThat(PciAddress.parse("1f:1c.7")).isEqualTo(new PciAddress(0, 0x1f, 0x1c, 7));
        assertThat(PciAddress.parse("abcd:EF:1f.3").toString()).isEqualTo("abcd:ef:1f.3");
    }

    @Test
    void requesterIdIsBusAndDevfn() {
        PciAddress a = new PciAddress(0, 2, 3, 1);
        assertThat(a.devfn()).isEqualTo(0x19);
        assertThat(a.requesterId()).isEqualTo(0x0219);
        assertThat(PciAddress.of(0, 2, 0x19)).isEqualTo(a);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "0000:00:04", "0000:00:20.0", "00:04.8", "0:00:04.0", "0000:000:04.0", "00:04.0 ", "zz:04.0"
            })
    void rejectsBadAddressesWithTheTextInTheMessage(String text) {
        assertThatThrownBy(() -> PciAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PCI");
    }

    @Test
    void rejectsOutOfRangeComponents() {
        assertThatThrownBy(() -> new PciAddress(0, 256, 0, 0)).hasMessageContaining("bus 256");
        assertThatThrownBy(() -> new PciAddress(0, 0, 32, 0)).hasMessageContaining("device 32");
        assertThatThrownBy(() -> new PciAddress(0, 0, 0, 8)).hasMessageContaining("function 8");
        assertThatThrownBy(() -> new PciAddress(0x10000, 0, 0, 0)).hasMessageContaining("segment");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234567})
    void formatThenParseRoundTripsAndOrderFollowsRequesterId(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < 200; i++) {
            PciAddress a = new PciAddress(r.nextInt(0x10000), r.nextInt(256), r.nextInt(32), r.nextInt(8));
            PciAddress b = new PciAddress(a.segment(), r.nextInt(256), r.nextInt(32), r.nextInt(8));
            assertThat(PciAddress.parse(a.toString())).isEqualTo(a);
            assertThat(Integer.signum(a.compareTo(b)))
                    .isEqualTo(Integer.signum(Integer.compare(a.requesterId(), b.requesterId())));
        }
    }
}
