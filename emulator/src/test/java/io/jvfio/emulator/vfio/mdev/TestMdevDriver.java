package io.jvfio.emulator.vfio.mdev;

/** The mdev tests' parent driver: type "test-N" of device API vfio-pci; each test supplies probe and remove. */
abstract class TestMdevDriver implements MdevDriver {
    @Override
    public String name() {
        return "test";
    }

    @Override
    public String deviceApi() {
        return "vfio-pci";
    }

    @Override
    public String description(MdevType type) {
        return "a test type\n";
    }
}
