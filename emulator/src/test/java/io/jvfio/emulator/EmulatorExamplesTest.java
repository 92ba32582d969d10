package io.jvfio.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.emulator.boot.EmulatedKernel;
import org.junit.jupiter.api.Test;

/** The examples of docs/emulator.md, run (DocExamplesTest in the cli module checks the docs show these). */
class EmulatorExamplesTest {
    @Test
    void aKernelOfOnesOwn() {
        // docs:begin create
        EmulatedKernel k = EmulatedKernel.create(EmulatorConfig.defaults() // root, 8 MiB RLIMIT_MEMLOCK
                .unprivileged()
                .withRlimitMemlock(64 << 10)); // or an ordinary user
        int fd = k.open("/dev/iommu", Linux.O.RDWR); // then raw ioctls with ABI structs
        // docs:end create
        assertThat(fd).isEqualTo(3);
        assertThat(k.initTask().capIpcLock()).isFalse();
        assertThat(k.initTask().rlimitMemlock()).isEqualTo(64 << 10);
    }
}
