package io.jvfio.devices.mtty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mtty's migration state is {@code struct serial_port} copied byte for byte both ways
 * (mtty_load_state, mtty_save_state): whatever a resuming file was written, a later save gives
 * the same bytes back, bools, indexes past the fifo and padding included (found by the fuzzer).
 */
class MttyStateTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 3083, 424242})
    void loadedBytesAreSavedAsTheyCame(long seed) {
        MttyDevice mtty = new MttyDevice(2, fd -> null);
        byte[] state = new byte[2 * MttyDevice.PORT_STATE_SIZE];
        new Random(seed).nextBytes(state);
        mtty.loadPorts(state);
        assertThat(mtty.savePorts()).isEqualTo(state);
    }
}
