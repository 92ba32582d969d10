/**
 * The typed Java API of jvfio: {@link io.jvfio.api.Jvfio} opens a backend's kernel; {@link
 * io.jvfio.api.Iommufd}, {@link io.jvfio.api.Ioas}, {@link io.jvfio.api.Hwpt}, {@link
 * io.jvfio.api.VfioDevice} and {@link io.jvfio.api.DmaBuffer} wrap the uAPI in small interfaces
 * and records, written once over {@link io.jvfio.kernel.Kernel} so programs run unchanged on the
 * emulated and the native backend. Implementations are package-private; failures are {@link
 * io.jvfio.api.JvfioException}s carrying the errno. See docs/api.md.
 */
package io.jvfio.api;
