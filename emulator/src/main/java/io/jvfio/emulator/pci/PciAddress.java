package io.jvfio.emulator.pci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function's address, segment:bus:device.function, written as Linux names devices in sysfs
 * ({@code 0000:00:04.0}).
 */
public record PciAddress(int segment, int bus, int device, int function) implements Comparable<PciAddress> {
    private static final Pattern FORM =
            Pattern.compile("(?:(\\p{XDigit}{4}):)?(\\p{XDigit}{2}):(\\p{XDigit}{2})\\.(\\p{XDigit})");

    public PciAddress {
        check("segment", segment, 0xffff);
        check("bus", bus, 0xff);
        check("device", device, 0x1f);
        check("function", function, 7);
    }

    /** Parses {@code SSSS:BB:DD.F} or {@code BB:DD.F} (segment 0), hexadecimal as lspci prints it. */
    public static PciAddress parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a PCI address (expected SSSS:BB:DD.F or BB:DD.F, hexadecimal): \"" + text + "\"");
        }
        int segment = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        return new PciAddress(
                segment,
                Integer.parseInt(m.group(2), 16),
                Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4), 16));
    }

    /** The address of device/function {@code devfn} (device in bits 7:3) on {@code bus}. */
    public static PciAddress of(int segment, int bus, int devfn) {
        check("devfn", devfn, 0xff);
        return new PciAddress(segment, bus, devfn >> 3, devfn & 7);
    }

    /** Device and function as one byte, the low byte of the requester ID. */
    public int devfn() {
        return device << 3 | function;
    }

    /** The 16-bit requester ID (bus, devfn) this function's transactions carry. */
    public int requesterId() {
        return bus << 8 | devfn();
    }

    @Override
    public int compareTo(PciAddress o) {
        return Long.compare(key(), o.key());
    }

    private long key() {
        return (long) segment << 16 | requesterId();
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, device, function);
    }

    private static void check(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(
                    "PCI " + what + " " + value + " out of range 0.." + Integer.toHexString(max) + " (hex)");
        }
    }
}
