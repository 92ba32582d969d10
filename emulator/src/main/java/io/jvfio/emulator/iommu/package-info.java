/**
 * The emulated IOMMU hardware: paging domains with real I/O page tables in native memory (VT-d
 * second-stage and the iommufd selftest mock format), a per-IOMMU IOTLB with strict invalidation,
 * and the DMA translate path that emulated devices use to reach process memory. See docs/iommu.md.
 */
package io.jvfio.emulator.iommu;
