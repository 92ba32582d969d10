package io.jvfio.emulator.vfio.mdev;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.vfio.TestMachine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parents, types and mdev creation/removal through sysfs (mdev_sysfs.c). */
class MdevTest {
    private static final String UUID_A = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
    private static final String UUID_B = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002";
    private static final String PARENT_DIR = "/sys/devices/virtual/test/parent0";
    private static final String TYPE_DIR = "/sys/class/mdev_bus/parent0/mdev_supported_types/test-1";

    private final TestMachine machine = TestMachine.on(EmulatedKernel.create());
    private final EmulatedKernel k = machine.kernel;
    private final Mdev mdev = new Mdev(k);
    private final List<String> probed = new ArrayList<>();
    private final List<String> removed = new ArrayList<>();
    private final MdevParent parent = new MdevParent(
            "parent0",
            PARENT_DIR,
            new TestMdevDriver() {
                @Override
                public void probe(MdevDevice m) {
                    probed.add(m.uuid().toString());
                }

                @Override
                public void remove(MdevDevice m) {
                    removed.add(m.uuid().toString());
                }
            },
            List.of(new MdevType("1", "Single port")),
            1);

    @Test
    void typeAttributes() {
        mdev.registerParent(parent);
        assertThat(machine.read(TYPE_DIR + "/name")).isEqualTo("Single port\n");
        assertThat(machine.read(TYPE_DIR + "/device_api")).isEqualTo("vfio-pci\n");
        assertThat(machine.read(TYPE_DIR + "/description")).isEqualTo("a test type\n");
        assertThat(machine.read(TYPE_DIR + "/available_instances")).isEqualTo("1\n");
    }

    @Test
    void createAndRemoveByUuid() {
        mdev.registerParent(parent);
        assertThat(errno(() -> machine.write(TYPE_DIR + "/create", "not-a-uuid")))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> machine.write(TYPE_DIR + "/create", UUID_A.substring(1) + "0\n\n")))
                .isEqualTo(Errno.EINVAL);
        machine.write(TYPE_DIR + "/create", UUID_A + "\n");
        assertThat(probed).containsExactly(UUID_A);
        assertThat(machine.read(TYPE_DIR + "/available_instances")).isEqualTo("0\n");
        assertThat(k.listDirectory(TYPE_DIR + "/devices")).containsExactly(UUID_A);
        assertThat(k.readlink("/sys/bus/mdev/devices/" + UUID_A)).isEqualTo(PARENT_DIR + "/" + UUID_A);
        assertThat(errno(() -> machine.write(TYPE_DIR + "/create", UUID_A))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> machine.write(TYPE_DIR + "/create", UUID_B))).isEqualTo(Errno.EUSERS);

        machine.write("/sys/bus/mdev/devices/" + UUID_A + "/remove", "0\n");
        assertThat(removed).isEmpty();
        assertThat(errno(() -> machine.write("/sys/bus/mdev/devices/" + UUID_A + "/remove", "x")))
                .isEqualTo(Errno.EINVAL);
        machine.write("/sys/bus/mdev/devices/" + UUID_A + "/remove", "1\n");
        assertThat(removed).containsExactly(UUID_A);
        assertThat(mdev.devices()).isEmpty();
        assertThat(machine.read(TYPE_DIR + "/available_instances")).isEqualTo("1\n");
        machine.write(TYPE_DIR + "/create", UUID_B);
        assertThat(probed).containsExactly(UUID_A, UUID_B);
    }

    @Test
    void unregisteringTheParentRemovesItsMdevs() {
        mdev.registerParent(parent);
        machine.write(TYPE_DIR + "/create", UUID_A);
        mdev.unregisterParent(parent);
        assertThat(removed).containsExactly(UUID_A);
        assertThat(errno(() -> k.open(TYPE_DIR + "/create", Linux.O.WRONLY))).isEqualTo(Errno.ENOENT);
    }
}
