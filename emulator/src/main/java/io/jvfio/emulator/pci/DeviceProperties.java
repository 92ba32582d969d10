package io.jvfio.emulator.pci;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The properties a platform description gives one device ({@code size=64M}), with QEMU's value
 * syntax, and where the device sits. Getters return the default for a property not given; a value
 * that does not parse is an {@link IllegalArgumentException} naming the property and the value.
 */
public final class DeviceProperties {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgGtT]?)");

    private final Map<String, String> values;
    private final boolean onRootBus;

    public DeviceProperties(Map<String, String> values, boolean onRootBus) {
        this.values = Map.copyOf(values);
        this.onRootBus = onRootBus;
    }

    /**
     * Whether the function sits on the root bus, where a PCIe function is a root-complex integrated
     * endpoint (below a port it is an ordinary endpoint).
     */
    public boolean onRootBus() {
        return onRootBus;
    }

    /** {@link PcieType#RC_INTEGRATED_ENDPOINT} on the root bus, else {@link PcieType#ENDPOINT}. */
    public PcieType endpointType() {
        return onRootBus ? PcieType.RC_INTEGRATED_ENDPOINT : PcieType.ENDPOINT;
    }

    public String string(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    /** A size in bytes: digits with an optional K, M, G or T suffix (powers of 1024), as QEMU's. */
    public long size(String name, long otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw bad(name, v, "a size (e.g. 4096, 64K, 16M, 1G)");
        }
        int shift =
                switch (m.group(2).toUpperCase(Locale.ROOT)) {
                    case "K" -> 10;
                    case "M" -> 20;
                    case "G" -> 30;
                    case "T" -> 40;
                    default -> 0;
                };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > Long.MAX_VALUE >> shift) {
                throw bad(name, v, "a size that fits in 64 bits");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw bad(name, v, "a size that fits in 64 bits");
        }
    }

    /** A decimal or 0x-prefixed hexadecimal integer. */
    public long integer(String name, long otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        try {
            return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw bad(name, v, "an integer (decimal, or hexadecimal with 0x)");
        }
    }

    /** on/off, as QEMU spells booleans (also yes/no, true/false). */
    public boolean bool(String name, boolean otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        return switch (v) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw bad(name, v, "on or off");
        };
    }

    private static IllegalArgumentException bad(String name, String value, String expected) {
        return new IllegalArgumentException(name + "=" + value + " is not " + expected);
    }
}
