/*
 * What the preload library's files share: the wire protocol's numbers (server/.../Protocol.java),
 * the real libc functions, the request helpers. Hidden, so that no symbol but the calls the
 * library intercepts is seen by the program it is loaded into.
 */
#ifndef JVFIO_PRELOAD_H
#define JVFIO_PRELOAD_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

enum { OP_HELLO = 1, OP_OPEN, OP_CLOSED, OP_IOCTL, OP_READ, OP_WRITE, OP_MMAP, OP_MUNMAP, OP_STAT,
       OP_READLINK, OP_LISTDIR, OP_SYNC, OP_REPLY, OP_FCNTL, OP_MMIO, OP_READV, OP_WRITEV, OP_FSTAT };
enum { DONE = 1, PASS, INSTALL, MAP, CLOSE, DRAIN, MAP_IO };
#define HELLO_MMIO 1
#define PASSED INT64_MIN
#define MAX_PAYLOAD (1 << 20)

struct msg {
	uint32_t op;
	uint32_t len;
	int64_t a[7];
};

#pragma GCC visibility push(hidden)

extern __thread int dirfd_num;
extern __thread char dirfd_path[4096];
extern int (*real_access)(const char *, int);
extern int (*real_close)(int);
extern int (*real_closedir)(DIR *);
extern int (*real_dirfd)(DIR *);
extern FILE *(*real_fopen)(const char *, const char *);
extern int (*real_fstat)(int, struct stat *);
extern int (*real_fstatat)(int, const char *, struct stat *, int);
extern int (*real_lstat)(const char *, struct stat *);
extern int (*real_open)(const char *, int, ...);
extern DIR *(*real_opendir)(const char *);
extern struct dirent *(*real_readdir)(DIR *);
extern ssize_t (*real_readlink)(const char *, char *, size_t);
extern int (*real_stat)(const char *, struct stat *);
extern int (*real_statx)(int, const char *, int, unsigned int, struct statx *);

extern int initialised;
void init(void);
int open_common(const char *path, int flags, mode_t mode, int *handled);
int64_t path_rpc(int op, const char *path, void *out, size_t outlen, int64_t *r, int64_t a0,
			int64_t a1);
int placeholder(const struct stat *st);
int64_t result(int64_t v);
int64_t rpc(int op, const void *payload, uint32_t len, void *out, size_t outlen, int64_t *r,
		   int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5);
int served(const char *path);

#pragma GCC visibility pop

/* Every intercepted call starts so: another library's constructor may call in before ours ran. */
#define READY() \
	do { \
		if (!initialised) \
			init(); \
	} while (0)

#endif
