package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.vfio.VfioInfoCapHeader;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.abi.vfio.VfioRegionInfoCapSparseMmap;
import io.jvfio.abi.vfio.VfioRegionInfoCapType;
import io.jvfio.abi.vfio.VfioRegionSparseMmapArea;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Capability chains as the kernel lays them out after a region info, parsed and decoded. */
class CapabilitiesTest {
    private final Arena arena = Arena.ofAuto();

    /** Region info (32 bytes), then a sparse mmap cap with two areas (48), then a type cap (16). */
    private MemorySegment regionInfoWithChain() {
        MemorySegment info = VfioRegionInfo.DEF.allocate(arena, 48 + 16);
        VfioRegionInfo.FLAGS.set(info, VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_MMAP | VfioRegionInfo.FLAG_CAPS);
        VfioRegionInfo.CAP_OFFSET.set(info, 32);
        MemorySegment sparse = info.asSlice(32, 48);
        header(sparse, VfioRegionInfo.CAP_SPARSE_MMAP, 1, 80);
        VfioRegionInfoCapSparseMmap.NR_AREAS.set(sparse, 2);
        area(VfioRegionInfoCapSparseMmap.AREAS.element(sparse, 0), 0, 0x2000);
        area(VfioRegionInfoCapSparseMmap.AREAS.element(sparse, 1), 0x3000, 0x1000);
        MemorySegment type = info.asSlice(80, 16);
        header(type, VfioRegionInfo.CAP_TYPE, 1, 0);
        VfioRegionInfoCapType.TYPE.set(type, VfioRegionInfoCapType.TYPE_GFX);
        VfioRegionInfoCapType.SUBTYPE.set(type, VfioRegionInfoCapType.SUBTYPE_GFX_EDID);
        return info;
    }

    private static void header(MemorySegment cap, int id, int version, int next) {
        VfioInfoCapHeader.ID.set(cap, id);
        VfioInfoCapHeader.VERSION.set(cap, version);
        VfioInfoCapHeader.NEXT.set(cap, next);
    }

    private static void area(MemorySegment a, long offset, long size) {
        VfioRegionSparseMmapArea.OFFSET.set(a, offset);
        VfioRegionSparseMmapArea.SIZE.set(a, size);
    }

    @Test
    void walksTheChainInOrder() {
        List<Capability> caps = Capabilities.parse(regionInfoWithChain(), 32);

        assertThat(caps)
                .extracting(Capability::id)
                .containsExactly(VfioRegionInfo.CAP_SPARSE_MMAP, VfioRegionInfo.CAP_TYPE);
        assertThat(caps).extracting(Capability::version).containsExactly(1, 1);
        assertThat(caps.get(0).bytes().byteSize()).isEqualTo(48);
        assertThat(caps.get(1).bytes().byteSize()).isEqualTo(16);
    }

    @Test
    void noChainAtOffsetZero() {
        assertThat(Capabilities.parse(regionInfoWithChain(), 0)).isEmpty();
    }

    @Test
    void regionInfoDecodesSparseAreasAndType() {
        RegionInfo info = new RegionInfo(
                0,
                VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_MMAP,
                0x4000,
                0,
                Capabilities.parse(regionInfoWithChain(), 32));

        assertThat(info.mmapAreas()).containsExactly(new SparseArea(0, 0x2000), new SparseArea(0x3000, 0x1000));
        assertThat(info.type())
                .contains(new RegionType(VfioRegionInfoCapType.TYPE_GFX, VfioRegionInfoCapType.SUBTYPE_GFX_EDID));
    }

    @Test
    void withoutCapsAnMmapableRegionMapsWhole() {
        RegionInfo info = new RegionInfo(2, VfioRegionInfo.FLAG_MMAP, 0x1000, 2L << 40, List.of());

        assertThat(info.mmapAreas()).containsExactly(new SparseArea(0, 0x1000));
        assertThat(info.type()).isEmpty();
        assertThat(new RegionInfo(7, VfioRegionInfo.FLAG_READ, 256, 7L << 40, List.of()).mmapAreas())
                .isEmpty();
    }

    @Test
    void rejectsAChainThatLoopsBack() {
        MemorySegment info = regionInfoWithChain();
        VfioInfoCapHeader.NEXT.set(info.asSlice(80), 32);

        assertThatThrownBy(() -> Capabilities.parse(info, 32))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("backwards");
    }

    @Test
    void rejectsACapabilityPastTheBuffer() {
        MemorySegment info = regionInfoWithChain();
        VfioInfoCapHeader.NEXT.set(info.asSlice(80), 200);

        assertThatThrownBy(() -> Capabilities.parse(info, 32))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside");
    }

    @Test
    void rejectsMoreSparseAreasThanTheCapabilityHolds() {
        MemorySegment info = regionInfoWithChain();
        VfioRegionInfoCapSparseMmap.NR_AREAS.set(info.asSlice(32), 3);
        RegionInfo region = new RegionInfo(0, VfioRegionInfo.FLAG_MMAP, 0x4000, 0, Capabilities.parse(info, 32));

        assertThatThrownBy(region::mmapAreas).isInstanceOf(IllegalStateException.class);
    }
}
