package io.jvfio.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jvfio.abi.catalog.AbiStructs;
import io.jvfio.abi.catalog.AbiStructs.Header;
import io.jvfio.abi.fs.FsIoctl;
import io.jvfio.abi.fs.ProcmapQuery;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwInfoVtd;
import io.jvfio.abi.iommufd.IommuHwQueueAlloc;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptPageResponse;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommuHwptVtdS1;
import io.jvfio.abi.iommufd.IommuHwptVtdS1Invalidate;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommuVeventqAlloc;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.iommufd.IommufdVeventHeader;
import io.jvfio.abi.kvm.KvmConst;
import io.jvfio.abi.kvm.KvmCreateDevice;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureBusMaster;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.abi.vfio.VfioDeviceGfxPlaneInfo;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioDeviceInfoCapPciAtomicComp;
import io.jvfio.abi.vfio.VfioDeviceIoeventfd;
import io.jvfio.abi.vfio.VfioDeviceMigrationInfo;
import io.jvfio.abi.vfio.VfioEehPeOp;
import io.jvfio.abi.vfio.VfioGroupStatus;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuSpaprTceInfo;
import io.jvfio.abi.vfio.VfioIommuType1DirtyBitmap;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.abi.vfio.VfioIommuType1Info;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioPciDependentDevice;
import io.jvfio.abi.vfio.VfioPciHotResetInfo;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.abi.vfio.VfioRegionGfxEdid;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.abi.vfio.VfioRegionInfoCapType;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
            List.of(IommufdIoctl.class, VfioIoctl.class, IommufdTestIoctl.class, KvmIoctl.class, FsIoctl.class);

    /** Holders whose {@code int} and {@code String} constants carry their C names verbatim. */
    private static final List<Class<?>> VERBATIM =
            List.of(VfioConst.class, IommufdTestConst.class, IommufdTestIoctl.class, KvmConst.class);

    /**
     * The constants of struct classes drop the prefix their class already says ({@code
     * VfioRegionInfo.FLAG_READ} is VFIO_REGION_INFO_FLAG_READ): the C prefixes to try, in order, per
     * class. A class not listed names its constants verbatim.
     */
    private static final Map<Class<?>, Naming> NAMINGS = Stream.of(
                    new Naming(IommuIoasMap.class, "FLAG_", List.of("IOMMU_IOAS_MAP_")),
                    naming(IommuHwInfo.class, "IOMMU_HW_INFO_", "IOMMU_"),
                    naming(IommuHwInfoVtd.class, "IOMMU_HW_INFO_VTD_"),
                    naming(IommuHwQueueAlloc.class, "IOMMU_HW_QUEUE_"),
                    naming(IommuHwptAlloc.class, "IOMMU_HWPT_"),
                    naming(IommuHwptGetDirtyBitmap.class, "IOMMU_HWPT_GET_DIRTY_BITMAP_"),
                    naming(IommuHwptInvalidate.class, "IOMMU_"),
                    naming(IommuHwptPageResponse.class, "IOMMUFD_PAGE_RESP_"),
                    naming(IommuHwptPgfault.class, "IOMMU_PGFAULT_"),
                    naming(IommuHwptSetDirtyTracking.class, "IOMMU_HWPT_"),
                    naming(IommuHwptVtdS1.class, "IOMMU_VTD_S1_"),
                    naming(IommuHwptVtdS1Invalidate.class, "IOMMU_VTD_INV_"),
                    naming(IommuOption.class, "IOMMU_OPTION_"),
                    naming(IommuVeventqAlloc.class, "IOMMU_VEVENTQ_"),
                    naming(IommuVfioIoas.class, "IOMMU_VFIO_IOAS_"),
                    naming(IommuViommuAlloc.class, "IOMMU_VIOMMU_"),
                    naming(IommufdVeventHeader.class, "IOMMU_VEVENTQ_"),
                    naming(KvmCreateDevice.class, "KVM_"),
                    naming(ProcmapQuery.class, "PROCMAP_QUERY_"),
                    naming(VfioDeviceAttachIommufdPt.class, "VFIO_DEVICE_"),
                    naming(VfioDeviceBindIommufd.class, "VFIO_DEVICE_BIND_"),
                    naming(VfioDeviceDetachIommufdPt.class, "VFIO_DEVICE_"),
                    naming(VfioDeviceFeature.class, "VFIO_DEVICE_"),
                    naming(VfioDeviceFeatureBusMaster.class, "VFIO_DEVICE_FEATURE_"),
                    naming(VfioDeviceFeatureMigState.class, "VFIO_DEVICE_"),
                    naming(VfioDeviceFeatureMigration.class, "VFIO_"),
                    naming(VfioDeviceGfxPlaneInfo.class, "VFIO_GFX_PLANE_"),
                    naming(VfioDeviceInfo.class, "VFIO_DEVICE_"),
                    naming(VfioDeviceInfoCapPciAtomicComp.class, "VFIO_PCI_"),
                    naming(VfioDeviceIoeventfd.class, "VFIO_DEVICE_"),
                    naming(VfioDeviceMigrationInfo.class, "VFIO_DEVICE_"),
                    naming(VfioEehPeOp.class, "VFIO_EEH_PE_"),
                    naming(VfioGroupStatus.class, "VFIO_GROUP_"),
                    naming(VfioIommuSpaprTceInfo.class, "VFIO_IOMMU_SPAPR_"),
                    naming(VfioIommuType1DirtyBitmap.class, "VFIO_IOMMU_DIRTY_PAGES_"),
                    naming(VfioIommuType1DmaMap.class, "VFIO_DMA_MAP_"),
                    naming(VfioIommuType1DmaUnmap.class, "VFIO_DMA_UNMAP_"),
                    naming(VfioIommuType1Info.class, "VFIO_IOMMU_TYPE1_", "VFIO_IOMMU_"),
                    naming(VfioIrqInfo.class, "VFIO_IRQ_INFO_"),
                    naming(VfioIrqSet.class, "VFIO_IRQ_SET_"),
                    naming(VfioPciDependentDevice.class, "VFIO_PCI_"),
                    naming(VfioPciHotResetInfo.class, "VFIO_PCI_HOT_RESET_"),
                    naming(VfioPrecopyInfo.class, "VFIO_PRECOPY_INFO_"),
                    naming(VfioRegionGfxEdid.class, "VFIO_DEVICE_GFX_"),
                    naming(VfioRegionInfo.class, "VFIO_REGION_INFO_"),
                    naming(VfioRegionInfoCapType.class, "VFIO_REGION_"))
            .collect(Collectors.toMap(Naming::holder, n -> n));

    /** Java constant {@code javaPrefix + X} of {@code holder} is C's {@code cPrefix + X} for one of the prefixes. */
    private record Naming(Class<?> holder, String javaPrefix, List<String> cPrefixes) {}

    private static Naming naming(Class<?> holder, String... cPrefixes) {
        return new Naming(holder, "", List.of(cPrefixes));
    }

    /**
     * Header names that are deliberately not Java constants: include guards, and the pieces ioctl
     * numbers are built from (type byte, VFIO_BASE, IOMMUFD_CMD_* numbers), which the Ioctl classes
     * fold into the finished requests.
     */
    private static final Pattern NOT_CARRIED =
            Pattern.compile("_?_?\\w+_H|IOMMUFD_TYPE|VFIO_TYPE|VFIO_BASE|IOMMUFD_CMD_\\w+");

    /** Headers whose structs and constants are deliberately not all carried, and why. */
    private static final Map<Header, String> PARTIAL = Map.of(
            Header.KVM,
            "only the kvm-vfio device's structs are needed, not the whole KVM API",
            Header.FS,
            "only PROCMAP_QUERY is needed (the emulated pin check's VMA lookup), not the filesystem API");

    private static final Pattern STRUCT_DEFINITION = Pattern.compile("\\bstruct\\s+(\\w+)\\s*\\{");
    private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#\\s*define\\s+(\\w+)[ \\t]+\\S");
    private static final Pattern ENUM = Pattern.compile("\\benum\\s*\\w*\\s*\\{([^}]*)\\}");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_]\\w*");
    private static final Map<Header, String> PACKAGES = Map.of(
            Header.IOMMUFD,
            "iommufd",
            Header.VFIO,
            "vfio",
            Header.IOMMUFD_TEST,
            "selftest",
            Header.KVM,
            "kvm",
            Header.FS,
            "fs");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    private static final Map<String, String> GCC = new HashMap<>();

    private record Member(String struct, String path, long offset, long size, boolean flexible) {}

    /** A Java constant, its value, and the C expression that must print the same (null: no C name found). */
    private record Constant(String name, String cName, String javaValue, String cExpression) {}

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
    void requestNumbersAndConstantsHaveTheHeadersValues() throws IOException {
        SoftAssertions softly = new SoftAssertions();
        List<Constant> constants = constants();
        for (Constant c : constants) {
            softly.assertThat(c.cExpression())
                    .as("the C constant %s stands for (none of its class's prefixes names one)", c.name())
                    .isNotNull();
            softly.assertThat(c.javaValue()).as("value of %s", c.name()).isEqualTo(GCC.get("value " + c.name()));
        }
        softly.assertAll();
        assertThat(constants).as("constants checked").hasSizeGreaterThan(300);
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

    @Test
    void everyStructClassHasAFieldConstantPerMember() {
        SoftAssertions softly = new SoftAssertions();
        for (Class<?> holder : structClasses()) {
            StructDef def = get(publicConstant(holder, "DEF"), StructDef.class);
            for (Field f : def.fields()) {
                String name = f.name().replaceFirst("^_+", "").toUpperCase(Locale.ROOT);
                java.lang.reflect.Field constant = publicConstant(holder, name);
                softly.assertThat(constant)
                        .as("%s.%s for member %s", holder.getSimpleName(), name, f.name())
                        .isNotNull();
                if (constant != null) {
                    Field value = get(constant, Field.class);
                    softly.assertThat(value.name())
                            .as("%s.%s names its member", holder.getSimpleName(), name)
                            .isEqualTo(f.name());
                    softly.assertThat(value.offset())
                            .as("%s.%s offset", holder.getSimpleName(), name)
                            .isEqualTo(f.offset());
                    softly.assertThat(value.getClass())
                            .as("%s.%s type", holder.getSimpleName(), name)
                            .isEqualTo(f.getClass());
                }
            }
        }
        softly.assertAll();
    }

    private static java.lang.reflect.Field publicConstant(Class<?> holder, String name) {
        return publicConstants(holder).stream()
                .filter(f -> f.getName().equals(name))
                .findFirst()
                .orElse(null);
    }

    @Test
    void everyConstantOfEachHeaderIsCarried() throws IOException {
        Set<String> carried = new TreeSet<>();
        for (Constant c : constants()) {
            if (c.cName() != null) {
                carried.add(c.cName());
            }
        }
        SoftAssertions softly = new SoftAssertions();
        for (Header header : Header.values()) {
            if (PARTIAL.containsKey(header)) {
                continue;
            }
            Set<String> missing = new TreeSet<>(constantsDefinedIn(header));
            missing.removeAll(carried);
            missing.removeIf(name -> NOT_CARRIED.matcher(name).matches());
            softly.assertThat(missing)
                    .as("constants of %s missing from the Java classes", header.include())
                    .isEmpty();
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

    /** Request numbers and verbatim constants, then the constants of every struct class. */
    private static List<Constant> constants() throws IOException {
        List<Constant> out = new ArrayList<>();
        for (Class<?> holder : REQUESTS) {
            for (java.lang.reflect.Field f : publicConstants(holder)) {
                if (f.getType() == long.class) {
                    out.add(new Constant(
                            holder.getSimpleName() + "." + f.getName(),
                            f.getName(),
                            Long.toUnsignedString(get(f, Long.class)),
                            "(unsigned long long)(" + f.getName() + ")"));
                }
            }
        }
        for (Class<?> holder : VERBATIM) {
            for (java.lang.reflect.Field f : publicConstants(holder)) {
                if (f.getType() == int.class) {
                    out.add(intConstant(holder, f, f.getName()));
                } else if (f.getType() == String.class) {
                    out.add(new Constant(
                            holder.getSimpleName() + "." + f.getName(),
                            f.getName(),
                            get(f, String.class),
                            f.getName()));
                }
            }
        }
        Set<String> defined = constantsDefinedInHeaders();
        for (Class<?> holder : structClasses()) {
            Naming naming = NAMINGS.getOrDefault(holder, new Naming(holder, "", List.of()));
            for (java.lang.reflect.Field f : publicConstants(holder)) {
                if (f.getType() == int.class) {
                    out.add(intConstant(holder, f, cName(naming, f.getName(), defined)));
                }
            }
        }
        return out;
    }

    /** The C name of a struct class's constant, or null when no prefix makes a name the headers define. */
    private static String cName(Naming naming, String javaName, Set<String> defined) {
        List<String> candidates = new ArrayList<>();
        if (javaName.startsWith(naming.javaPrefix())) {
            String rest = javaName.substring(naming.javaPrefix().length());
            naming.cPrefixes().forEach(p -> candidates.add(p + rest));
        }
        candidates.add(javaName);
        return candidates.stream().filter(defined::contains).findFirst().orElse(null);
    }

    private static Constant intConstant(Class<?> holder, java.lang.reflect.Field f, String cName) {
        return new Constant(
                holder.getSimpleName() + "." + f.getName() + (cName == null ? "" : " (" + cName + ")"),
                cName,
                Integer.toUnsignedString(get(f, Integer.class)),
                cName == null ? null : "(unsigned long long)(unsigned int)(" + cName + ")");
    }

    /** The class of each registered struct: CamelCase of the C tag, in its header's package. */
    private static List<Class<?>> structClasses() {
        List<Class<?>> out = new ArrayList<>();
        for (Header h : Header.values()) {
            for (StructDef def : AbiStructs.of(h)) {
                String simple = Pattern.compile("(?:^|_)(\\w)")
                        .matcher(def.cName())
                        .replaceAll(r -> r.group(1).toUpperCase(Locale.ROOT));
                String name = "io.jvfio.abi." + PACKAGES.get(h) + "." + simple;
                try {
                    Class<?> holder = Class.forName(name);
                    assertThat(holder.getField("DEF").get(null))
                            .as("%s.DEF", name)
                            .isSameAs(def);
                    out.add(holder);
                } catch (ReflectiveOperationException e) {
                    fail("struct " + def.cName() + " has no class " + name + " with its DEF", e);
                }
            }
        }
        return out;
    }

    /** Names of the object-like macros and enumerators of every header. */
    private static Set<String> constantsDefinedInHeaders() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Header h : Header.values()) {
            names.addAll(constantsDefinedIn(h));
        }
        return names;
    }

    /** Names of the object-like macros and enumerators of one header. */
    private static Set<String> constantsDefinedIn(Header h) throws IOException {
        Set<String> names = new TreeSet<>();
        String text =
                COMMENT.matcher(Files.readString(KernelReference.header(h))).replaceAll(" ");
        Matcher define = DEFINE.matcher(text);
        while (define.find()) {
            names.add(define.group(1));
        }
        Matcher enumBody = ENUM.matcher(text);
        while (enumBody.find()) {
            String body = enumBody.group(1).replaceAll("(?m)^\\s*#.*$", "");
            for (String item : body.split(",")) {
                Matcher id = IDENTIFIER.matcher(item);
                if (id.find()) {
                    names.add(id.group());
                }
            }
        }
        return names;
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

    private static String program() throws IOException {
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
            if (k.cExpression() == null) {
                continue;
            }
            String format = k.cExpression().startsWith("(") ? "%llu" : "%s";
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
