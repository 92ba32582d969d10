package io.jvfio.emulator.pci;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compact text form of a {@link PciNode} description, one function per line, children in
 * braces, {@code #} comments:
 *
 * <pre>
 * 04.0 edu
 * 1c.0 port acs hotplug {     # root port (or downstream port below a switch)
 *   00.0 switch {             # switch upstream port
 *     00.0 port acs { 00.0 nvme }
 *   }
 * }
 * 1e.0 pci-bridge {
 *   01.0 edu
 * }
 * </pre>
 *
 * Any other word names a device, made by the caller's factory (once per occurrence).
 */
public final class PciTopologyText {
    private static final Pattern LINE =
            Pattern.compile("(\\p{XDigit}{2})\\.([0-7])\\s+(\\S+)((?:\\s+\\w+)*)\\s*(\\{)?");
    private static final Set<String> PORT_FLAGS = Set.of("acs", "hotplug");

    private PciTopologyText() {}

    /** A node being read, whose children are still to come if it opened a brace. */
    private record Open(int device, int function, String kind, Set<String> flags, List<PciNode> children, int line) {}

    public static List<PciNode> parse(String text, Function<String, PciFunction> devices) {
        Deque<Open> stack = new ArrayDeque<>();
        List<PciNode> root = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].replaceFirst("#.*", "").strip();
            // "00.0 port { 00.0 edu }" on one line: split at the braces and handle the pieces in turn.
            for (String piece : line.replace("{", "{\n").replace("}", "\n}\n").split("\n")) {
                piece = piece.strip();
                if (piece.isEmpty()) {
                    continue;
                }
                List<PciNode> into = stack.isEmpty() ? root : stack.peek().children();
                if (piece.equals("}")) {
                    if (stack.isEmpty()) {
                        throw error(n, "unbalanced '}'");
                    }
                    Open done = stack.pop();
                    (stack.isEmpty() ? root : stack.peek().children()).add(close(done));
                    continue;
                }
                Matcher m = LINE.matcher(piece);
                if (!m.matches()) {
                    throw error(n, "expected \"DD.F kind [flags] [{]\", got \"" + piece + "\"");
                }
                Set<String> flags = Set.copyOf(List.of(m.group(4).strip().split("\\s+")).stream()
                        .filter(f -> !f.isEmpty())
                        .toList());
                Open node = new Open(
                        Integer.parseInt(m.group(1), 16),
                        Integer.parseInt(m.group(2)),
                        m.group(3),
                        flags,
                        new ArrayList<>(),
                        n);
                boolean bridge = List.of("port", "switch", "pci-bridge").contains(node.kind());
                if ((!node.kind().equals("port") && !flags.isEmpty()) || !PORT_FLAGS.containsAll(flags)) {
                    throw error(n, "unknown flags " + flags + " for " + node.kind());
                }
                if (m.group(5) != null) {
                    if (!bridge) {
                        throw error(n, node.kind() + " is not a bridge and cannot have devices below it");
                    }
                    stack.push(node);
                } else {
                    into.add(bridge ? close(node) : endpoint(node, devices));
                }
            }
        }
        if (!stack.isEmpty()) {
            throw error(stack.peek().line(), "'{' is never closed");
        }
        return root;
    }

    private static PciNode endpoint(Open o, Function<String, PciFunction> devices) {
        PciFunction f = devices.apply(o.kind());
        if (f == null) {
            throw error(o.line(), "unknown device \"" + o.kind() + "\"");
        }
        return new PciNode.Endpoint(o.device(), o.function(), f);
    }

    private static PciNode close(Open o) {
        return switch (o.kind()) {
            case "port" ->
                new PciNode.Port(
                        o.device(),
                        o.function(),
                        o.flags().contains("acs"),
                        o.flags().contains("hotplug"),
                        o.children());
            case "pci-bridge" -> new PciNode.PciBridge(o.device(), o.function(), o.children());
            default -> {
                List<PciNode.Port> ports = new ArrayList<>();
                for (PciNode child : o.children()) {
                    if (!(child instanceof PciNode.Port p)) {
                        throw error(o.line(), "only ports sit below a switch");
                    }
                    ports.add(p);
                }
                yield new PciNode.UpstreamPort(o.device(), o.function(), ports);
            }
        };
    }

    private static IllegalArgumentException error(int line, String problem) {
        return new IllegalArgumentException("PCI topology line " + (line + 1) + ": " + problem);
    }
}
