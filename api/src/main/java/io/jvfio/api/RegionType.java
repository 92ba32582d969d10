package io.jvfio.api;

/** A device-specific region's type and subtype (VFIO_REGION_INFO_CAP_TYPE). */
public record RegionType(int type, int subtype) {}
