/**
 * dma-buf (the kernel's drivers/dma-buf): a buffer one driver exports as a file and others import
 * through attachments. Only what the VFIO/iommufd stack uses is modelled: export, the fd,
 * dynamic attachments with an importer's invalidate callback (revoke), pinning is implicit, and the
 * "private interconnect" through which iommufd asks an exporter for the buffer's physical range.
 */
package io.jvfio.emulator.dmabuf;
