package io.jvfio.api;

/** An mmap-able part of a region (sparse mmap capability), relative to the region's start. */
public record SparseArea(long offset, long size) {}
