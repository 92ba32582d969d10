package io.jvfio.api;

/** Config space through the config region's pread/pwrite. */
record PciConfigImpl(Region region) implements PciConfig {
    @Override
    public int read8(int offset) {
        return (int) region.read(offset, 1);
    }

    @Override
    public int read16(int offset) {
        return (int) region.read(offset, 2);
    }

    @Override
    public int read32(int offset) {
        return (int) region.read(offset, 4);
    }

    @Override
    public void write8(int offset, int value) {
        region.write(offset, 1, value);
    }

    @Override
    public void write16(int offset, int value) {
        region.write(offset, 2, value);
    }

    @Override
    public void write32(int offset, int value) {
        region.write(offset, 4, value);
    }
}
