package io.jvfio.kernel;

/** One entry of a poll(2) request: an fd and the events ({@link io.jvfio.abi.Linux.Poll}) wanted. */
public record PollFd(int fd, short events) {}
