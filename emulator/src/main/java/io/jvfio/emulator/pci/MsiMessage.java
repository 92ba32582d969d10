package io.jvfio.emulator.pci;

/** One message-signalled interrupt: the dword write to {@code address} a function emits. */
public record MsiMessage(long address, int data) {}
