package io.jvfio.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The machine the emulated backend boots ({@link Jvfio#open(EmulatedPlatform)}), described as QEMU
 * users describe one: one device per line, {@code TYPE[,PROP=VALUE]...} as after {@code -device}
 * ({@code edu}, {@code nvme,size=64M,addr=06.0}, {@code pcie-root-port,id=rp0,acs=off}, {@code
 * mtty}); {@code #} starts a comment. The same text is {@code jvfio --platform FILE}'s; see
 * docs/devices.md for the types and properties. The emulated backend checks it when it boots: a bad
 * description fails {@code open} with an IllegalArgumentException naming the line and the problem.
 *
 * @param text the description in its file form
 */
public record EmulatedPlatform(String text) {
    public EmulatedPlatform {
        Objects.requireNonNull(text, "text");
    }

    /** A description of {@code devices}, in order. */
    public static EmulatedPlatform of(String... devices) {
        Builder b = builder();
        for (String d : devices) {
            b.device(d);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects devices in order; the first without {@code addr=} takes the root bus's slot 04. */
    public static final class Builder {
        private final List<String> devices = new ArrayList<>();

        private Builder() {}

        /** One device, as after {@code --device}: {@code "nvme,size=64M"}. */
        public Builder device(String device) {
            if (device.contains("\n") || device.contains("#")) {
                throw new IllegalArgumentException("one device per call, without comments: \"" + device + "\"");
            }
            devices.add(device.strip());
            return this;
        }

        public EmulatedPlatform build() {
            return new EmulatedPlatform(devices.isEmpty() ? "" : String.join("\n", devices) + "\n");
        }
    }
}
