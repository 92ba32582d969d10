package io.jvfio.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.catalog.AbiStructs;
import io.jvfio.abi.catalog.AbiStructs.Header;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Each {@link StructDef#minSize()} against the kernel that enforces it: iommufd's table of {@code
 * IOCTL_OP(request, handler, struct, last member)} and VFIO's {@code minsz = offsetofend(struct,
 * member)} in the handlers.
 */
class MinimumSizeTest {
    private static final Pattern IOCTL_OP =
            Pattern.compile("IOCTL_OP\\(\\s*(\\w+),\\s*\\w+,\\s*struct\\s+(\\w+),\\s*([\\w.]+)\\s*\\)");
    private static final Pattern MINSZ =
            Pattern.compile("\\bminsz\\s*=\\s*offsetofend\\(\\s*struct\\s+(\\w+),\\s*([\\w.]+)\\s*\\)");

    /** The files whose handlers check a VFIO argsz (other drivers repeat the same checks). */
    private static final List<String> VFIO_HANDLERS = List.of(
            "drivers/vfio/group.c",
            "drivers/vfio/vfio_main.c",
            "drivers/vfio/device_cdev.c",
            "drivers/vfio/vfio_iommu_type1.c",
            "drivers/vfio/vfio_iommu_spapr_tce.c",
            "drivers/vfio/pci/vfio_pci_core.c",
            "drivers/iommu/iommufd/vfio_compat.c",
            "drivers/gpu/drm/i915/gvt/kvmgt.c",
            "include/linux/vfio.h");

    private static final Map<String, StructDef> REGISTERED =
            AbiStructs.all().stream().collect(Collectors.toMap(StructDef::cName, Function.identity()));

    @Test
    void iommufdMinimumIsTheEndOfTheLastMandatoryMember() throws IOException {
        String main = Files.readString(KernelReference.sourceDir().resolve("drivers/iommu/iommufd/main.c"));
        Matcher m = IOCTL_OP.matcher(main);
        SoftAssertions softly = new SoftAssertions();
        int found = 0;
        while (m.find()) {
            checkMinimum(softly, m.group(2), m.group(3), m.group(1));
            found++;
        }
        softly.assertAll();
        assertThat(found).as("IOCTL_OP entries in main.c").isGreaterThanOrEqualTo(22);
    }

    @Test
    void vfioMinimumIsTheHandlersMinsz() throws IOException {
        Map<String, String> smallest = new TreeMap<>();
        for (String file : VFIO_HANDLERS) {
            Matcher m =
                    MINSZ.matcher(Files.readString(KernelReference.sourceDir().resolve(file)));
            while (m.find()) {
                String struct = m.group(1);
                String member = m.group(2);
                if (REGISTERED.containsKey(struct)) {
                    // A handler may check a larger size later (a PASID, an error payload); the first bar is the
                    // smallest.
                    smallest.merge(
                            struct,
                            member,
                            (a, b) -> end(REGISTERED.get(struct), a) <= end(REGISTERED.get(struct), b) ? a : b);
                } else {
                    smallest.put(struct, member);
                }
            }
        }
        SoftAssertions softly = new SoftAssertions();
        smallest.forEach((struct, member) -> checkMinimum(softly, struct, member, "minsz"));
        softly.assertAll();
        assertThat(smallest.keySet())
                .as("VFIO argument structs found in the handlers")
                .contains("vfio_device_info", "vfio_region_info", "vfio_irq_set", "vfio_iommu_type1_dma_map");
        assertThat(AbiStructs.of(Header.VFIO)).extracting(StructDef::cName).containsAll(smallest.keySet());
    }

    private static void checkMinimum(SoftAssertions softly, String struct, String member, String where) {
        StructDef def = REGISTERED.get(struct);
        softly.assertThat(def).as("struct %s (%s) is registered", struct, where).isNotNull();
        if (def != null) {
            softly.assertThat(def.minSize())
                    .as("minimum size of struct %s: end of %s (%s)", struct, member, where)
                    .isEqualTo(end(def, member));
        }
    }

    /** The end offset of a member path such as {@code err.mask}. */
    private static long end(StructDef def, String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            Field f = def.field(path);
            return f.offset() + f.size();
        }
        Field.Nested outer = def.nested(path.substring(0, dot));
        return outer.offset() + end(outer.type(), path.substring(dot + 1));
    }
}
