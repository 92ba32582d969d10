package io.jvfio.api;

import java.lang.foreign.MemorySegment;

/**
 * One entry of a VFIO capability chain ({@code struct vfio_info_cap_header} and what follows it, up
 * to the next entry): {@code bytes} is a read-only copy starting at the header, so the abi classes'
 * field offsets apply to it directly.
 */
public record Capability(int id, int version, MemorySegment bytes) {}
