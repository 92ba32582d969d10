package io.jvfio.emulator.vfio.mdev;

/** A type a parent offers ({@code struct mdev_type}): its sysfs name and optional pretty name. */
public record MdevType(String sysfsName, String prettyName) {}
