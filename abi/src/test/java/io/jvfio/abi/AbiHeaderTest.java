package io.jvfio.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.AbiStructs.Header;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.kvm.KvmConst;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java layouts, request numbers and constants against the real Linux 7.2 headers: a C program
 * generated from {@link AbiStructs} prints what gcc makes of every struct, member, request and
 * constant, and every value must match. A header struct missing from the registry fails too.
 */
class AbiHeaderTest {
    /** Holders of request numbers: every {@code long} constant is named after its C macro. */
    private static final List<Class<?>> REQUESTS =
            List.of(IommufdIoctl.class, VfioIoctl.class, IommufdTestIoctl.class, KvmIoctl.class);

    /** Holders whose {@code int} and {@code String} constants carry their C names verbatim. */
    private static final List<Class<?>> VERBATIM =
            List.of(VfioConst.class, IommufdTestConst.class, IommufdTestIoctl.class, KvmConst.class);

    /** Headers whose structs are deliberately not all carried, and why. */
    private static final Map<Header, String> PARTIAL =
            Map.of(Header.KVM, "only the kvm-vfio device's structs are needed, not the whole KVM API");

    private static final Pattern STRUCT_DEFINITION = Pattern.compile("\\bstruct\\s+(\\w+)\\s*\\{");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    private static final Map<String, String> GCC = new HashMap<>();

    private record Member(String struct, String path, long offset, long size, boolean flexible) {}

    private record Constant(String name, String javaValue, String cExpression) {}

    @BeforeAll
    static void compileAndRun(@TempDir Path dir) throws IOException, InterruptedException {
        Path source = dir.resolve("abi.c");
        Files.writeString(source, program());
        Path binary = dir.resolve("abi");
        run(
                dir,
                "gcc",
                "-std=gnu11",
                "-Wall",
                "-I",
                KernelReference.includeDir().toString(),
                "-I",
                KernelReference.selftestDir().toString(),
                "-o",
                binary.toString(),
                source.toString());
        for (String line : run(dir, binary.toString()).split("\n")) {
            int eq = line.indexOf('=');
            GCC.put(line.substring(0, eq), line.substring(eq + 1));
        }
    }

    @Test
    void everyStructHasGccsSize() {
        SoftAssertions softly = new SoftAssertions();
        for (StructDef def : AbiStructs.all()) {
            softly.assertThat(def.anonymous())
                    .as("registered struct %s has a tag", def)
                    .isFalse();
            softly.assertThat(def.size())
                    .as("sizeof(struct %s)", def.cName())
                    .isEqualTo(measured("sizeof " + def.cName()));
            softly.assertThat(def.minSize())
                    .as("minimum size of struct %s within its size", def.cName())
                    .isBetween(1L, def.size());
        }
        softly.assertAll();
    }

    @Test
    void everyMemberHasGccsOffsetAndSize() {
        SoftAssertions softly = new SoftAssertions();
        int checked = 0;
        for (StructDef def : AbiStructs.all()) {
            for (Member m : members(def)) {
                String key = m.struct() + "." + m.path();
                softly.assertThat(m.offset())
                        .as("offsetof(struct %s, %s)", m.struct(), m.path())
                        .isEqualTo(measured("offsetof " + key));
                if (!m.flexible()) {
                    softly.assertThat(m.size())
                            .as("sizeof(struct %s.%s)", m.struct(), m.path())
                            .isEqualTo(measured("sizeof " + key));
                }
                checked++;
            }
        }
        softly.assertAll();
        assertThat(checked).as("members checked").isGreaterThan(500);
    }

    @Test
    void requestNumbersAndVerbatimConstantsHaveTheHeadersValues() {
        SoftAssertions softly = new SoftAssertions();
        List<Constant> constants = constants();
        for (Constant c : constants) {
            softly.assertThat(c.javaValue()).as("value of %s", c.name()).isEqualTo(GCC.get("value " + c.name()));
        }
        softly.assertAll();
        assertThat(constants).as("constants checked").hasSizeGreaterThan(100);
    }

    @Test
    void registryHoldsEveryStructOfEachHeader() throws IOException {
        SoftAssertions softly = new SoftAssertions();
        for (Header header : Header.values()) {
            Set<String> defined = structsDefinedIn(KernelReference.header(header));
            Set<String> registered =
                    AbiStructs.of(header).stream().map(StructDef::cName).collect(Collectors.toCollection(TreeSet::new));
            softly.assertThat(defined)
                    .as("structs of %s that the registry lists", header.include())
                    .containsAll(registered);
            if (!PARTIAL.containsKey(header)) {
                Set<String> missing = new TreeSet<>(defined);
                missing.removeAll(registered);
                softly.assertThat(missing)
                        .as("structs of %s missing from AbiStructs", header.include())
                        .isEmpty();
            }
        }
        softly.assertAll();
    }

    static Set<String> structsDefinedIn(Path header) throws IOException {
        String text = COMMENT.matcher(Files.readString(header)).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = STRUCT_DEFINITION.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Every member path C can name: nested and array members too, at offsets from the outer struct. */
    private static List<Member> members(StructDef def) {
        List<Member> out = new ArrayList<>();
        collect(def.cName(), def, "", 0, out);
        return out;
    }

    private static void collect(String struct, StructDef def, String prefix, long base, List<Member> out) {
        for (Field f : def.fields()) {
            String path = prefix + f.name();
            boolean flexible =
                    switch (f) {
                        case Field.Bytes b -> b.flexible();
                        case Field.Nested n -> n.count() == 0;
                        default -> false;
                    };
            out.add(new Member(struct, path, base + f.offset(), f.size(), flexible));
            if (f instanceof Field.Nested n) {
                collect(struct, n.type(), path + (n.count() == 1 ? "." : "[0]."), base + f.offset(), out);
            }
        }
    }

    private static List<Constant> constants() {
        List<Constant> out = new ArrayList<>();
        for (Class<?> holder : REQUESTS) {
            for (java.lang.reflect.Field f : publicConstants(holder)) {
                if (f.getType() == long.class) {
                    out.add(new Constant(
                            f.getName(),
                            Long.toUnsignedString(get(f, Long.class)),
                            "(unsigned long long)(" + f.getName() + ")"));
                }
            }
        }
        for (Class<?> holder : VERBATIM) {
            for (java.lang.reflect.Field f : publicConstants(holder)) {
                if (f.getType() == int.class) {
                    out.add(new Constant(
                            f.getName(),
                            Integer.toUnsignedString(get(f, Integer.class)),
                            "(unsigned long long)(unsigned int)(" + f.getName() + ")"));
                } else if (f.getType() == String.class) {
                    out.add(new Constant(f.getName(), get(f, String.class), f.getName()));
                }
            }
        }
        return out;
    }

    private static List<java.lang.reflect.Field> publicConstants(Class<?> holder) {
        List<java.lang.reflect.Field> out = new ArrayList<>();
        for (java.lang.reflect.Field f : holder.getFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod)) {
                out.add(f);
            }
        }
        return out;
    }

    private static <T> T get(java.lang.reflect.Field f, Class<T> type) {
        try {
            return type.cast(f.get(null));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String program() {
        StringBuilder c = new StringBuilder("#include <stddef.h>\n#include <stdio.h>\n");
        for (Header h : Header.values()) {
            c.append("#include ").append(h.include()).append('\n');
        }
        c.append("#define MEMBER_SIZE(s, m) sizeof(((struct s *)0)->m)\n");
        c.append("int main(void) {\n");
        for (StructDef def : AbiStructs.all()) {
            String s = def.cName();
            c.append("  printf(\"sizeof %s=%zu\\n\", \"")
                    .append(s)
                    .append("\", sizeof(struct ")
                    .append(s)
                    .append("));\n");
            for (Member m : members(def)) {
                String key = s + "." + m.path();
                c.append("  printf(\"offsetof %s=%zu\\n\", \"")
                        .append(key)
                        .append("\", offsetof(struct ")
                        .append(s)
                        .append(", ")
                        .append(m.path())
                        .append("));\n");
                if (!m.flexible()) {
                    c.append("  printf(\"sizeof %s=%zu\\n\", \"")
                            .append(key)
                            .append("\", MEMBER_SIZE(")
                            .append(s)
                            .append(", ")
                            .append(m.path())
                            .append("));\n");
                }
            }
        }
        for (Constant k : constants()) {
            String format = k.cExpression().equals(k.name()) ? "%s" : "%llu";
            c.append("  printf(\"value %s=")
                    .append(format)
                    .append("\\n\", \"")
                    .append(k.name())
                    .append("\", ")
                    .append(k.cExpression())
                    .append(");\n");
        }
        c.append("  return 0;\n}\n");
        return c.toString();
    }

    private static long measured(String key) {
        String v = GCC.get(key);
        assertThat(v).as("gcc's answer for %s", key).isNotNull();
        return Long.parseLong(v);
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + " (the ABI test needs gcc)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("%s finished", command[0]).isTrue();
        assertThat(p.exitValue())
                .as("%s exit status; output:%n%s", String.join(" ", command), out)
                .isZero();
        return out;
    }
}
