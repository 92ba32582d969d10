/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Force-included (gcc -include) into Linux 7.2.13's VFIO selftests by scripts/selftests/build:
 * that tree's lib/vfio_pci_device.c calls calloc_assert(), which its libvfio headers do not
 * define. A macro, so it expands where it is used, after libvfio/assert.h, and fails the test
 * the way the library's other *_assert() helpers do.
 */
#ifndef JVFIO_SELFTESTS_CALLOC_ASSERT_H
#define JVFIO_SELFTESTS_CALLOC_ASSERT_H

#define calloc_assert(nmemb, size)                \
	({                                        \
		void *__p = calloc(nmemb, size);  \
		VFIO_ASSERT_NOT_NULL(__p);        \
		__p;                              \
	})

#endif
