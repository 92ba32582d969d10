package io.jvfio.kernel.nativeimpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** membarrier(2) private expedited: registered once, then callable; refused loudly where missing. */
class MembarrierTest {
    @Test
    void everyThreadReturnsWhereAvailableAndRefusesWhereNot() {
        if (Membarrier.available()) {
            assertThatCode(() -> {
                        for (int i = 0; i < 100; i++) {
                            Membarrier.everyThread();
                        }
                    })
                    .doesNotThrowAnyException();
        } else {
            assertThatThrownBy(Membarrier::everyThread).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void isAvailableOnALinuxHost() {
        // Linux has had it since 4.14; without it the DMA path still works, with a fence per DMA.
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        assertThat(Membarrier.available()).isTrue();
    }
}
