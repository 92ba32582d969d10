/*
 * The preload library's path side: stat and its relatives, access, readlink, directory streams
 * and fopen on the paths the server owns, and fstat of emulated fds; the rest of the library is in
 * jvfio-preload.c.
 */
#include "jvfio-preload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The server's mode, rdev and size (r[1..3]) over *st; the rest as the host said or zero. */
static void describe(struct stat *st, const int64_t *r)
{
	st->st_mode = r[1];
	st->st_rdev = r[2];
	st->st_size = r[3];
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	st->st_blocks = 0;
}

static int stat_common(const char *path, struct stat *st, int nofollow, int *handled)
{
	int64_t r[7];

	*handled = 0;
	if (!path || !served(path))
		return -1;
	int64_t v = path_rpc(OP_STAT, path, NULL, 0, r, nofollow, 0);
	if (v == PASSED)
		return -1;
	*handled = 1;
	if (v < 0)
		return result(v);
	memset(st, 0, sizeof(*st));
	describe(st, r);
	return 0;
}

int stat(const char *path, struct stat *st)
{
	READY();
	int handled, v = stat_common(path, st, 0, &handled);
	return handled ? v : real_stat(path, st);
}

int stat64(const char *path, struct stat64 *st) __attribute__((alias("stat")));

int lstat(const char *path, struct stat *st)
{
	READY();
	int handled, v = stat_common(path, st, 1, &handled);
	return handled ? v : real_lstat(path, st);
}

int lstat64(const char *path, struct stat64 *st) __attribute__((alias("lstat")));

/* fstat of an fd the host described in *st: the emulated file's attributes if it is a placeholder. */
static int fstat_placeholder(int fd, struct stat *st)
{
	int64_t r[7];

	if (!placeholder(st))
		return 0;
	int64_t v = rpc(OP_FSTAT, NULL, 0, NULL, 0, r, fd, st->st_ino, 0, 0, 0, 0);
	if (v < 0)
		return result(v);
	/* dev, ino and times stay the placeholder's: one inode per open file (docs/differences.md) */
	describe(st, r);
	return 0;
}

int fstat(int fd, struct stat *st)
{
	READY();
	int v = real_fstat(fd, st);
	return v == 0 ? fstat_placeholder(fd, st) : v;
}

int fstat64(int fd, struct stat64 *st) __attribute__((alias("fstat")));

/* AT_EMPTY_PATH on an fd and absolute paths we serve; the rest (relative paths) is the host's. */
static int fstatat_common(int dirfd, const char *path, struct stat *st, int flags, int *handled)
{
	*handled = 0;
	if ((!path || !path[0]) && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		if (real_fstat(dirfd, st) != 0 || !placeholder(st))
			return -1;
		*handled = 1;
		return fstat_placeholder(dirfd, st);
	}
	return stat_common(path, st, flags & AT_SYMLINK_NOFOLLOW, handled);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	READY();
	int handled, v = fstatat_common(dirfd, path, st, flags, &handled);
	return handled ? v : real_fstatat(dirfd, path, st, flags);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) __attribute__((alias("fstatat")));

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	READY();
	struct stat st;
	int handled, v = fstatat_common(dirfd, path, &st, flags, &handled);

	if (!handled)
		return real_statx(dirfd, path, flags, mask, stx);
	if (v != 0)
		return v;
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = st.st_blksize;
	stx->stx_nlink = st.st_nlink;
	stx->stx_uid = st.st_uid;
	stx->stx_gid = st.st_gid;
	stx->stx_mode = st.st_mode;
	stx->stx_ino = st.st_ino;
	stx->stx_size = st.st_size;
	stx->stx_blocks = st.st_blocks;
	stx->stx_atime = (struct statx_timestamp){ st.st_atim.tv_sec, st.st_atim.tv_nsec, 0 };
	stx->stx_mtime = (struct statx_timestamp){ st.st_mtim.tv_sec, st.st_mtim.tv_nsec, 0 };
	stx->stx_ctime = (struct statx_timestamp){ st.st_ctim.tv_sec, st.st_ctim.tv_nsec, 0 };
	stx->stx_rdev_major = major(st.st_rdev);
	stx->stx_rdev_minor = minor(st.st_rdev);
	stx->stx_dev_major = major(st.st_dev);
	stx->stx_dev_minor = minor(st.st_dev);
	return 0;
}

/* glibc before 2.33 made stat and friends call these; programs built then still do. */
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat(int ver, int fd, struct stat *st)
{
	(void)ver;
	return fstat(fd, st);
}

int __fxstat64(int ver, int fd, struct stat64 *st) __attribute__((alias("__fxstat")));

int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	(void)ver;
	return fstatat(dirfd, path, st, flags);
}

int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
	__attribute__((alias("__fxstatat")));

int __xstat(int ver, const char *path, struct stat *st);
int __xstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return stat(path, st);
}

int __xstat64(int ver, const char *path, struct stat64 *st) __attribute__((alias("__xstat")));

int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return lstat(path, st);
}

int __lxstat64(int ver, const char *path, struct stat64 *st) __attribute__((alias("__lxstat")));

int access(const char *path, int mode)
{
	READY();
	struct stat st;
	int handled, v = stat_common(path, &st, 0, &handled);
	return handled ? v : real_access(path, mode);
}

ssize_t readlink(const char *path, char *buf, size_t size)
{
	READY();
	int64_t r[7];

	if (served(path)) {
		int64_t v = path_rpc(OP_READLINK, path, buf, size, r, 0, 0);
		if (v != PASSED)
			return v < 0 ? result(v) : r[6];
	}
	return real_readlink(path, buf, size);
}

/* A directory of the emulated kernel: its entries, fetched at opendir. */
struct emulated_dir {
	uint32_t magic;
	int fd;
	char *entries;
	size_t len, pos;
	struct dirent ent;
};
#define DIR_MAGIC 0x6a766669u

static struct emulated_dir *ours(DIR *d)
{
	struct emulated_dir *e = (struct emulated_dir *)d;
	return e && e->magic == DIR_MAGIC ? e : NULL;
}

DIR *opendir(const char *path)
{
	READY();
	int64_t r[7];

	if (served(path)) {
		char *buf = malloc(MAX_PAYLOAD);
		if (!buf)
			return NULL;
		int64_t v = path_rpc(OP_LISTDIR, path, buf, MAX_PAYLOAD, r, 0, 0);
		if (v != PASSED) {
			if (v < 0) {
				free(buf);
				errno = -v;
				return NULL;
			}
			struct emulated_dir *d = calloc(1, sizeof(*d));
			if (!d) {
				free(buf);
				return NULL;
			}
			d->magic = DIR_MAGIC;
			d->entries = buf;
			d->len = r[6];
			/* dirfd(): a descriptor openat() joins relative paths to this directory with. */
			d->fd = real_open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			snprintf(dirfd_path, sizeof(dirfd_path), "%s", path);
			dirfd_num = d->fd;
			return (DIR *)d;
		}
		free(buf);
	}
	return real_opendir(path);
}

struct dirent *readdir(DIR *dir)
{
	READY();
	struct emulated_dir *d = ours(dir);

	if (!d)
		return real_readdir(dir);
	if (d->pos >= d->len)
		return NULL;
	d->ent.d_type = d->entries[d->pos++];
	snprintf(d->ent.d_name, sizeof(d->ent.d_name), "%s", d->entries + d->pos);
	d->pos += strlen(d->entries + d->pos) + 1;
	d->ent.d_ino = 1;
	return &d->ent;
}

struct dirent64 *readdir64(DIR *dir) __attribute__((alias("readdir")));

int closedir(DIR *dir)
{
	READY();
	struct emulated_dir *d = ours(dir);

	if (!d)
		return real_closedir(dir);
	if (dirfd_num == d->fd)
		dirfd_num = -1;
	real_close(d->fd);
	free(d->entries);
	free(d);
	return 0;
}

int dirfd(DIR *dir)
{
	READY();
	struct emulated_dir *d = ours(dir);
	return d ? d->fd : real_dirfd(dir);
}

/* stdio over an emulated file: reads and writes go through our read and write. */
static ssize_t cookie_read(void *c, char *buf, size_t n) { return read((int)(intptr_t)c, buf, n); }
static ssize_t cookie_write(void *c, const char *buf, size_t n) { return write((int)(intptr_t)c, buf, n); }
static int cookie_close(void *c) { return close((int)(intptr_t)c); }

FILE *fopen(const char *path, const char *mode)
{
	READY();
	if (served(path)) {
		int flags = strchr(mode, '+') ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY;
		int handled, fd = open_common(path, flags | (strchr(mode, 'e') ? O_CLOEXEC : 0), 0, &handled);
		if (handled) {
			cookie_io_functions_t io = { cookie_read, cookie_write, NULL, cookie_close };
			return fd < 0 ? NULL : fopencookie((void *)(intptr_t)fd, mode, io);
		}
	}
	return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode) __attribute__((alias("fopen")));

