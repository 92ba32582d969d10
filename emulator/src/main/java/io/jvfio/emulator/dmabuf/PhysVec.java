package io.jvfio.emulator.dmabuf;

/**
 * One physical range of an exported buffer ({@code struct phys_vec}). {@code paddr} is an address in
 * the emulated machine's physical memory (this process's address space); {@code len == 0} is what
 * an importer keeps once its mapping was revoked.
 */
public record PhysVec(long paddr, long len) {
    public static final PhysVec REVOKED = new PhysVec(0, 0);
}
