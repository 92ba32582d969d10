package io.jvfio.conformance.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded random operation sequence for the differential fuzzer: each operation is a kind and a
 * seed of its own, from which the replayer draws the arguments (IDs, lengths, IOVAs, pointers,
 * flags, valid or not). The program depends on the seed alone, never on results, so both backends
 * replay the very same sequence.
 */
public record FuzzProgram(Mode mode, long seed, List<Op> ops) {
    /** Which surface the operations drive. */
    public enum Mode {
        /** /dev/iommu: IOAS, maps, copies, options, HWPTs, VFIO compat, the selftest mock and accesses. */
        IOMMUFD,
        /** VFIO on edu, NVMe and two mtty mdevs: the cdev, group and container paths, and migration. */
        VFIO
    }

    /** One operation: what to do and the seed its arguments come from. */
    public record Op(String kind, long argSeed) {}

    /** The operation kinds of each mode with their weights (how often each is drawn). */
    static final List<Weighted> IOMMUFD_KINDS = List.of(
            new Weighted("ioas_alloc", 6),
            new Weighted("destroy", 4),
            new Weighted("map", 14),
            new Weighted("map_file", 8),
            new Weighted("unmap", 9),
            new Weighted("copy", 5),
            new Weighted("iova_ranges", 3),
            new Weighted("allow_iovas", 2),
            new Weighted("option", 3),
            new Weighted("hwpt_alloc", 4),
            new Weighted("vfio_ioas", 2),
            new Weighted("map_dma", 3),
            new Weighted("unmap_dma", 2),
            new Weighted("mock_domain", 5),
            new Weighted("mock_replace", 3),
            new Weighted("add_reserved", 2),
            new Weighted("check_map", 3),
            new Weighted("check_refs", 5),
            new Weighted("create_access", 3),
            new Weighted("access_pages", 6),
            new Weighted("destroy_access_pages", 3),
            new Weighted("access_rw", 6),
            new Weighted("access_replace", 2),
            new Weighted("close_access", 1),
            new Weighted("temp_memory_limit", 1));

    static final List<Weighted> VFIO_KINDS = List.of(
            new Weighted("group_open", 4),
            new Weighted("group_status", 3),
            new Weighted("container_open", 3),
            new Weighted("check_extension", 2),
            new Weighted("set_container", 4),
            new Weighted("unset_container", 2),
            new Weighted("set_iommu", 3),
            new Weighted("group_get_device", 4),
            new Weighted("cdev_open", 4),
            new Weighted("bind_iommufd", 4),
            new Weighted("ioas_alloc", 3),
            new Weighted("attach_pt", 4),
            new Weighted("detach_pt", 2),
            new Weighted("device_info", 3),
            new Weighted("region_info", 3),
            new Weighted("irq_info", 2),
            new Weighted("iommu_info", 2),
            new Weighted("map_dma", 5),
            new Weighted("unmap_dma", 4),
            new Weighted("ioas_map", 4),
            new Weighted("ioas_unmap", 3),
            new Weighted("close", 4),
            new Weighted("mtty_open", 4),
            new Weighted("feature_migration", 2),
            new Weighted("mig_state_set", 7),
            new Weighted("mig_state_get", 3),
            new Weighted("mig_data_size", 2),
            new Weighted("precopy_info", 3),
            new Weighted("precopy_v2", 1),
            new Weighted("data_read", 5),
            new Weighted("data_write", 3),
            new Weighted("device_reset", 2));

    record Weighted(String kind, int weight) {}

    /** The program for {@code seed}: {@code count} operations of {@code mode}. */
    public static FuzzProgram generate(Mode mode, long seed, int count) {
        List<Weighted> kinds = mode == Mode.IOMMUFD ? IOMMUFD_KINDS : VFIO_KINDS;
        int total = kinds.stream().mapToInt(Weighted::weight).sum();
        SplittableRandom r = new SplittableRandom(seed);
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int pick = r.nextInt(total);
            String kind = null;
            for (Weighted w : kinds) {
                pick -= w.weight();
                if (pick < 0) {
                    kind = w.kind();
                    break;
                }
            }
            ops.add(new Op(kind, r.nextLong()));
        }
        return new FuzzProgram(mode, seed, List.copyOf(ops));
    }
}
