/*
 * jvfio's preload library: an unmodified program's system calls on the paths and files of the
 * emulated kernel go to the jvfio kernel server (server/.../KernelServer.java) named by
 * $JVFIO_SOCKET; everything else goes to libc as usual. It decides nothing: the server says
 * which paths are its own, what every call returns, and which fds to install.
 *
 * Emulated files are placeholders: real socket fds whose other end the server holds, so fd
 * numbers, dup, fork, CLOEXEC and close work as the host does them. One connection per thread.
 * The wire format is documented in server/.../Protocol.java; the numbers here match it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/ucontext.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "jvfio-preload.h"


int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
int (*real_stat)(const char *, struct stat *);
int (*real_lstat)(const char *, struct stat *);
int (*real_access)(const char *, int);
ssize_t (*real_readlink)(const char *, char *, size_t);
DIR *(*real_opendir)(const char *);
struct dirent *(*real_readdir)(DIR *);
int (*real_closedir)(DIR *);
int (*real_dirfd)(DIR *);
FILE *(*real_fopen)(const char *, const char *);
static pid_t (*real_waitpid)(pid_t, int *, int);
static pid_t (*real_wait4)(pid_t, int *, int, struct rusage *);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_close_range)(unsigned int, unsigned int, int);
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static sighandler_t (*real_signal)(int, sighandler_t);
static ssize_t (*real_read_chk)(int, void *, size_t, size_t);
static int (*real_fcntl)(int, int, ...);
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_preadv)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pread_chk)(int, void *, size_t, off_t, size_t);
int (*real_fstat)(int, struct stat *);
int (*real_fstatat)(int, const char *, struct stat *, int);
int (*real_statx)(int, const char *, int, unsigned int, struct statx *);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *socket_path;
static char prefixes[512];
static size_t prefixes_len;
static __thread int conn = -1;
static __thread pid_t conn_pid;
/* The process that last connected: when it is not this one, we are its fork (no exec since). */
static pid_t served_pid;
/* The thread's connection for MMIO faults: its own, as a fault may come while conn is mid-request. */
static __thread int mmio_conn = -1;
static __thread pid_t mmio_conn_pid;

/* The address the program's mmap of an emulated file asked for, for the server's MAP callback. */
static __thread void *map_hint;

/* Inodes of the placeholders this process received: how an fd is known to be emulated. */
static ino_t *placeholders;
static size_t nplaceholders, capplaceholders;
/* Mappings of emulated files, so a munmap of them reaches the server. */
static struct { uintptr_t start, end; } *maps;
static size_t nmaps, capmaps;

#define RESOLVE(name) real_##name = dlsym(RTLD_NEXT, #name)

/*
 * Resolves the real functions: at load, and on first use too, since another library's
 * constructor may call into us before ours has run.
 */
int initialised;

__attribute__((constructor)) void init(void)
{
	if (initialised)
		return;
	RESOLVE(open); RESOLVE(openat); RESOLVE(close); RESOLVE(ioctl); RESOLVE(read);
	RESOLVE(write); RESOLVE(pread); RESOLVE(pwrite); RESOLVE(mmap); RESOLVE(munmap);
	RESOLVE(stat); RESOLVE(lstat); RESOLVE(access); RESOLVE(readlink); RESOLVE(opendir);
	RESOLVE(readdir); RESOLVE(closedir); RESOLVE(dirfd); RESOLVE(fopen); RESOLVE(waitpid);
	RESOLVE(wait4); RESOLVE(dup2); RESOLVE(dup3); RESOLVE(close_range); RESOLVE(sigaction);
	RESOLVE(signal); RESOLVE(fcntl); RESOLVE(readv); RESOLVE(writev); RESOLVE(preadv);
	RESOLVE(pwritev); RESOLVE(fstat); RESOLVE(fstatat); RESOLVE(statx);
	real_read_chk = dlsym(RTLD_NEXT, "__read_chk");
	real_pread_chk = dlsym(RTLD_NEXT, "__pread_chk");
	socket_path = getenv("JVFIO_SOCKET");
	/* The server's owned path prefixes, as the launcher put them (colon-separated). */
	const char *owned = getenv("JVFIO_PREFIXES");
	if (owned && strlen(owned) < sizeof(prefixes)) {
		strcpy(prefixes, owned);
		for (char *c = prefixes; *c; c++)
			if (*c == ':')
				*c = 0;
		prefixes_len = strlen(owned) + 1;
	}
	initialised = 1;
}


static int full(int fd, void *buf, size_t n, int sending)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = sending ? send(fd, (char *)buf + done, n - done, MSG_NOSIGNAL)
				    : recv(fd, (char *)buf + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static void die(const char *why)
{
	fprintf(stderr, "jvfio-preload: %s\n", why);
	_exit(127);
}

/* Receives a message header, with the fd that may ride along. */
static int receive(int sock, struct msg *m, int *fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			    .msg_controllen = sizeof(control) };
	ssize_t r;

	*fd = -1;
	/*
	 * Sleep in poll, not in recvmsg: the server taking our request off the socket wakes whoever
	 * sleeps on it for write space, and recvmsg's sleep would wake for that too (a spurious
	 * context switch per request); poll sleeps for POLLIN only.
	 */
	struct pollfd p = { sock, POLLIN, 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	do
		r = recvmsg(sock, &h, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	if (r != sizeof(*m))
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

static void remember(int fd)
{
	struct stat st;

	if (real_fstat(fd, &st) != 0)
		return;
	pthread_mutex_lock(&lock);
	if (nplaceholders == capplaceholders) {
		capplaceholders = capplaceholders ? 2 * capplaceholders : 64;
		placeholders = realloc(placeholders, capplaceholders * sizeof(*placeholders));
		if (!placeholders)
			die("out of memory");
	}
	placeholders[nplaceholders++] = st.st_ino;
	pthread_mutex_unlock(&lock);
}

/* Whether the file the host describes in *st is one of our placeholders. */
int placeholder(const struct stat *st)
{
	int found = 0;

	if (!socket_path || !S_ISSOCK(st->st_mode))
		return 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nplaceholders && !found; i++)
		found = placeholders[i] == st->st_ino;
	pthread_mutex_unlock(&lock);
	return found;
}

/* Whether fd is a placeholder; its inode in *ino. */
static int emulated_fd(int fd, ino_t *ino)
{
	struct stat st;

	if (fd < 0 || real_fstat(fd, &st) != 0 || !placeholder(&st))
		return 0;
	if (ino)
		*ino = st.st_ino;
	return 1;
}


/* A new connection to the server, hello said (async-signal-safe: an MMIO fault makes one). */
static int64_t rpc_on(int s, int op, const void *payload, uint32_t len, void *out, size_t outlen,
		      int64_t *r, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5);

static int connect_server(char *prefixes_out, size_t size, int64_t *r)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (s < 0 || strlen(socket_path) >= sizeof(sa.sun_path))
		die("cannot make a socket for the kernel server");
	strcpy(sa.sun_path, socket_path);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "jvfio-preload: cannot reach the kernel server at %s: %s\n", socket_path,
			strerror(errno));
		_exit(127);
	}
	pid_t forked_from = served_pid != getpid() ? served_pid : 0;

	if (rpc_on(s, OP_HELLO, NULL, 0, prefixes_out, size - 1, r, 1, gettid(), HELLO_MMIO, forked_from, 0,
		   0) < 0) {
		prefixes_out[r[6] > 0 && (size_t)r[6] < size ? r[6] : 0] = 0;
		die(prefixes_out[0] ? prefixes_out : "the kernel server refused this process");
	}
	served_pid = getpid();
	return s;
}

static int connection(void)
{
	if (conn >= 0 && conn_pid == getpid())
		return conn;
	if (conn >= 0)
		real_close(conn); /* a fork's copy of the parent's */
	char buf[sizeof(prefixes)];
	int64_t r[7];

	conn = connect_server(buf, sizeof(buf), r);
	conn_pid = getpid();
	pthread_mutex_lock(&lock);
	if (!prefixes_len) {
		memcpy(prefixes, buf, r[6]);
		prefixes_len = r[6];
	}
	pthread_mutex_unlock(&lock);
	return conn;
}

/* A mapping of an emulated file was made: remembered, so a munmap of it reaches the server. */
static int64_t mapped(void *p, size_t length)
{
	if (p == MAP_FAILED)
		return -errno;
	pthread_mutex_lock(&lock);
	if (nmaps == capmaps) {
		capmaps = capmaps ? 2 * capmaps : 16;
		maps = realloc(maps, capmaps * sizeof(*maps));
		if (!maps)
			die("out of memory");
	}
	maps[nmaps].start = (uintptr_t)p;
	maps[nmaps++].end = (uintptr_t)p + length;
	pthread_mutex_unlock(&lock);
	return (int64_t)(uintptr_t)p;
}

/*
 * MMIO: a BAR mapped by the server is inaccessible memory; each load or store on it faults here
 * and goes to the server with the thread's registers, which emulates the instruction (the device
 * sees the access) and sends the registers back as they are after it. A fault the server does not
 * claim goes to the program's own SIGSEGV action, kept here since the program's sigaction and
 * signal calls for SIGSEGV change it instead of ours; one the device refuses is the SIGBUS Linux
 * gives. Everything here is async-signal-safe.
 */
static struct sigaction program_segv;
static volatile sig_atomic_t catching;

static void run_action(const struct sigaction *a, int sig, siginfo_t *si, void *uc)
{
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else
		a->sa_handler(sig);
}

static void mmio_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int saved = errno;
	int64_t r[7], v;

	if (mmio_conn < 0 || mmio_conn_pid != getpid()) {
		char sink[sizeof(prefixes)];
		mmio_conn = connect_server(sink, sizeof(sink), r);
		mmio_conn_pid = getpid();
	}
	v = rpc_on(mmio_conn, OP_MMIO, uc->uc_mcontext.gregs, sizeof(uc->uc_mcontext.gregs),
		   uc->uc_mcontext.gregs, sizeof(uc->uc_mcontext.gregs), r, (int64_t)(uintptr_t)si->si_addr,
		   0, 0, 0, 0, 0);
	errno = saved;
	if (v == 0)
		return;
	if (v == -EIO) {
		struct sigaction bus;
		siginfo_t info = { .si_signo = SIGBUS, .si_code = BUS_ADRERR };
		sigset_t set;

		info.si_addr = si->si_addr;
		real_sigaction(SIGBUS, NULL, &bus);
		if (bus.sa_handler != SIG_DFL && bus.sa_handler != SIG_IGN) {
			run_action(&bus, SIGBUS, &info, ctx);
			return;
		}
		bus.sa_handler = SIG_DFL;
		real_sigaction(SIGBUS, &bus, NULL);
		sigemptyset(&set);
		sigaddset(&set, SIGBUS);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(SIGBUS);
		return;
	}
	if (program_segv.sa_handler != SIG_DFL && program_segv.sa_handler != SIG_IGN) {
		run_action(&program_segv, sig, si, ctx);
		return;
	}
	/* The program's default: the access faults again without us and is fatal, as it would be. */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	real_sigaction(SIGSEGV, &dfl, NULL);
}

static void catch_mmio_faults(void)
{
	struct sigaction ours = { .sa_sigaction = mmio_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };

	pthread_mutex_lock(&lock);
	if (!catching) {
		sigemptyset(&ours.sa_mask);
		real_sigaction(SIGSEGV, &ours, &program_segv);
		catching = 1;
	}
	pthread_mutex_unlock(&lock);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	READY();
	if (sig != SIGSEGV || !catching)
		return real_sigaction(sig, act, old);
	if (old)
		*old = program_segv;
	if (act)
		program_segv = *act;
	return 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
	READY();
	if (sig != SIGSEGV || !catching)
		return real_signal(sig, handler);
	sighandler_t previous = program_segv.sa_handler;
	program_segv = (struct sigaction){ .sa_handler = handler, .sa_flags = SA_RESTART };
	return previous;
}

/* Answers one server callback made while our request runs. */
static int64_t callback(struct msg *m, int fd)
{
	switch (m->op) {
	case INSTALL: {
		remember(fd);
		if (!m->a[0]) /* received with MSG_CMSG_CLOEXEC: drop it unless asked for */
			fcntl(fd, F_SETFD, 0);
		return fd;
	}
	case MAP: {
		void *p = real_mmap(map_hint, m->a[0], m->a[1], m->a[2], fd, m->a[3]);

		real_close(fd);
		return mapped(p, m->a[0]);
	}
	case MAP_IO: {
		/* An MMIO BAR: no access reaches it, each one faults to mmio_fault. */
		void *p = real_mmap(map_hint, m->a[0], PROT_NONE,
				    MAP_PRIVATE | MAP_ANONYMOUS | (m->a[1] & (MAP_FIXED | MAP_FIXED_NOREPLACE)), -1, 0);

		if (p != MAP_FAILED)
			catch_mmio_faults();
		return mapped(p, m->a[0]);
	}
	case CLOSE:
		return real_close(m->a[0]) == 0 ? 0 : -errno;
	case DRAIN: {
		char byte;
		return recv(m->a[0], &byte, 1, MSG_DONTWAIT) == 1 ? 0 : -errno;
	}
	default:
		die("the kernel server sent an unknown callback");
		return -1;
	}
}

/*
 * One request: the answer's r[0] (negative: -errno; PASSED: make the real call), its payload
 * copied to out (r[6]: its length), callbacks answered on the way.
 */
static int64_t rpc_on(int s, int op, const void *payload, uint32_t len, void *out, size_t outlen,
		      int64_t *r, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5)
{
	struct msg m = { op, len, { a0, a1, a2, a3, a4, a5, 0 } };

	if (full(s, &m, sizeof(m), 1) || (len && full(s, (void *)payload, len, 1)))
		die("lost the kernel server");
	for (;;) {
		int fd;

		if (receive(s, &m, &fd))
			die("lost the kernel server");
		if (m.op == DONE || m.op == PASS) {
			size_t keep = m.len < outlen ? m.len : outlen;
			char sink[256];

			if (keep && full(s, out, keep, 0))
				die("lost the kernel server");
			for (size_t left = m.len - keep; left;) {
				size_t n = left < sizeof(sink) ? left : sizeof(sink);
				if (full(s, sink, n, 0))
					die("lost the kernel server");
				left -= n;
			}
			memcpy(r, m.a, sizeof(m.a));
			r[6] = keep;
			return m.op == PASS ? PASSED : m.a[0];
		}
		struct msg reply = { OP_REPLY, 0, { callback(&m, fd) } };
		if (full(s, &reply, sizeof(reply), 1))
			die("lost the kernel server");
	}
}

int64_t rpc(int op, const void *payload, uint32_t len, void *out, size_t outlen, int64_t *r,
		   int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5)
{
	return rpc_on(connection(), op, payload, len, out, outlen, r, a0, a1, a2, a3, a4, a5);
}

int64_t result(int64_t v)
{
	if (v < 0) {
		errno = -v;
		return -1;
	}
	return v;
}

/* Whether an absolute path lies where the server said it serves. */
int served(const char *path)
{
	if (!socket_path || path[0] != '/')
		return 0;
	if (!prefixes_len)
		connection();
	for (size_t i = 0; i < prefixes_len;) {
		size_t n = strlen(prefixes + i);
		if (n && strncmp(path, prefixes + i, n) == 0)
			return 1;
		i += n + 1;
	}
	return 0;
}

int64_t path_rpc(int op, const char *path, void *out, size_t outlen, int64_t *r, int64_t a0,
			int64_t a1)
{
	return rpc(op, path, strlen(path), out, outlen, r, a0, a1, 0, 0, 0, 0);
}

int open_common(const char *path, int flags, mode_t mode, int *handled)
{
	int64_t r[7];

	*handled = 0;
	if (!served(path))
		return -1;
	int64_t v = path_rpc(OP_OPEN, path, NULL, 0, r, flags, mode);
	if (v == PASSED)
		return -1;
	*handled = 1;
	return result(v);
}

#define MODE_ARG(flags) \
	mode_t mode = 0; \
	if ((flags) & (O_CREAT | O_TMPFILE)) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = va_arg(ap, mode_t); \
		va_end(ap); \
	}

int open(const char *path, int flags, ...)
{
	READY();
	MODE_ARG(flags);
	int handled, fd = open_common(path, flags, mode, &handled);
	return handled ? fd : real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int __open_2(const char *path, int flags)
{
	READY();
	return open(path, flags);
}

int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

/* The path of a directory placeholder fd, for openat relative to it (from opendir). */
__thread char dirfd_path[4096];
__thread int dirfd_num = -1;

int openat(int dirfd, const char *path, int flags, ...)
{
	READY();
	MODE_ARG(flags);
	char joined[8192];
	const char *p = path;
	int handled, fd;

	if (path[0] != '/' && dirfd >= 0 && dirfd == dirfd_num) {
		snprintf(joined, sizeof(joined), "%s/%s", dirfd_path, path);
		p = joined;
	}
	if (p[0] == '/') {
		fd = open_common(p, flags, mode, &handled);
		if (handled)
			return fd;
	}
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int __openat_2(int dirfd, const char *path, int flags)
{
	READY();
	return openat(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags) __attribute__((alias("__openat_2")));

int close(int fd)
{
	READY();
	ino_t ino;
	int emulated = emulated_fd(fd, &ino);
	int ret = real_close(fd);
	int64_t r[7];

	if (emulated && ret == 0) {
		int saved = errno;
		rpc(OP_CLOSED, NULL, 0, NULL, 0, r, 0, ino, 0, 0, 0, 0);
		errno = saved;
	}
	return ret;
}

/* close_range: the placeholders in the range are found first (from /proc/self/fd, not by trying
 * every number), closed with the rest, then reported as closes. */
int close_range(unsigned int first, unsigned int last, int flags)
{
	READY();
	ino_t inos[256];
	size_t n = 0;
	int64_t r[7];

	if (socket_path && !(flags & CLOSE_RANGE_CLOEXEC)) {
		DIR *d = real_opendir("/proc/self/fd");
		struct dirent *e;

		while (d && (e = real_readdir(d)) && n < sizeof(inos) / sizeof(inos[0])) {
			long fd = strtol(e->d_name, NULL, 10);
			ino_t ino;

			if (e->d_name[0] != '.' && fd >= first && fd <= last && fd != real_dirfd(d) &&
			    emulated_fd(fd, &ino))
				inos[n++] = ino;
		}
		if (d)
			real_closedir(d);
	}
	int ret = real_close_range(first, last, flags);
	int saved = errno;
	for (size_t i = 0; ret == 0 && i < n; i++)
		rpc(OP_CLOSED, NULL, 0, NULL, 0, r, 0, inos[i], 0, 0, 0, 0);
	errno = saved;
	return ret;
}

/* dup2/dup3 over a placeholder closes it: the server hears of it as of a close. */
static int closes_over(int newfd, int (*dup)(void), int oldfd)
{
	ino_t ino;
	int emulated = oldfd != newfd && emulated_fd(newfd, &ino);
	int ret = dup();
	int64_t r[7];

	if (emulated && ret >= 0) {
		int saved = errno;
		rpc(OP_CLOSED, NULL, 0, NULL, 0, r, 0, ino, 0, 0, 0, 0);
		errno = saved;
	}
	return ret;
}

static __thread int dup_old, dup_new, dup_flags;
static int do_dup2(void) { return real_dup2(dup_old, dup_new); }
static int do_dup3(void) { return real_dup3(dup_old, dup_new, dup_flags); }

int dup2(int oldfd, int newfd)
{
	READY();
	dup_old = oldfd, dup_new = newfd;
	return closes_over(newfd, do_dup2, oldfd);
}

int dup3(int oldfd, int newfd, int flags)
{
	READY();
	dup_old = oldfd, dup_new = newfd, dup_flags = flags;
	return closes_over(newfd, do_dup3, oldfd);
}

int ioctl(int fd, unsigned long request, ...)
{
	READY();
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	int64_t r[7];
	ino_t ino;

	if (!emulated_fd(fd, &ino))
		return real_ioctl(fd, request, arg);
	/* The inode lets the server skip re-resolving an fd it has seen (Protocol.OP_IOCTL). */
	return result(rpc(OP_IOCTL, NULL, 0, NULL, 0, r, fd, request, (int64_t)(uintptr_t)arg, ino, 0, 0));
}

/* The server moves the data itself, from or to our buffer, so a bad buffer is its EFAULT. */
static ssize_t read_common(int fd, void *buf, size_t count, off_t offset, int positional)
{
	int64_t r[7];
	return result(rpc(OP_READ, NULL, 0, NULL, 0, r, fd, count, offset, positional, (int64_t)(uintptr_t)buf, 0));
}

static ssize_t write_common(int fd, const void *buf, size_t count, off_t offset, int positional)
{
	int64_t r[7];
	return result(rpc(OP_WRITE, NULL, 0, NULL, 0, r, fd, count, offset, positional, (int64_t)(uintptr_t)buf, 0));
}

ssize_t read(int fd, void *buf, size_t count)
{
	READY();
	return emulated_fd(fd, NULL) ? read_common(fd, buf, count, 0, 0) : real_read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	READY();
	return emulated_fd(fd, NULL) ? write_common(fd, buf, count, 0, 0) : real_write(fd, buf, count);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	READY();
	return emulated_fd(fd, NULL) ? read_common(fd, buf, count, offset, 1)
				     : real_pread(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset) __attribute__((alias("pread")));

/*
 * _FORTIFY_SOURCE's checked forms (QEMU is built with them): on an emulated fd, our read once the
 * buffer is known to be big enough; otherwise glibc's own, which also reports the overflow.
 */
ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	READY();
	if (count <= buflen && emulated_fd(fd, NULL))
		return read_common(fd, buf, count, 0, 0);
	return real_read_chk(fd, buf, count, buflen);
}

ssize_t __pread_chk(int fd, void *buf, size_t count, off_t offset, size_t buflen)
{
	READY();
	if (count <= buflen && emulated_fd(fd, NULL))
		return read_common(fd, buf, count, offset, 1);
	return real_pread_chk(fd, buf, count, offset, buflen);
}

ssize_t __pread64_chk(int fd, void *buf, size_t count, off_t offset, size_t buflen)
	__attribute__((alias("__pread_chk")));

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	READY();
	return emulated_fd(fd, NULL) ? write_common(fd, buf, count, offset, 1)
				     : real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) __attribute__((alias("pwrite")));

/* The server reads the iovec array and moves the data itself, segment by segment as the file wants. */
static ssize_t vectored(int op, int fd, const struct iovec *iov, int iovcnt, off_t offset, int positional)
{
	int64_t r[7];
	return result(rpc(op, NULL, 0, NULL, 0, r, fd, (int64_t)(uintptr_t)iov, iovcnt, offset, positional, 0));
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	READY();
	return emulated_fd(fd, NULL) ? vectored(OP_READV, fd, iov, iovcnt, 0, 0) : real_readv(fd, iov, iovcnt);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	READY();
	return emulated_fd(fd, NULL) ? vectored(OP_WRITEV, fd, iov, iovcnt, 0, 0) : real_writev(fd, iov, iovcnt);
}

ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
	READY();
	return emulated_fd(fd, NULL) ? vectored(OP_READV, fd, iov, iovcnt, offset, 1)
				     : real_preadv(fd, iov, iovcnt, offset);
}

ssize_t preadv64(int fd, const struct iovec *iov, int iovcnt, off_t offset) __attribute__((alias("preadv")));

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
	READY();
	return emulated_fd(fd, NULL) ? vectored(OP_WRITEV, fd, iov, iovcnt, offset, 1)
				     : real_pwritev(fd, iov, iovcnt, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t offset) __attribute__((alias("pwritev")));

/* F_GETFL and F_SETFL are the emulated file's (O_NONBLOCK reaches it); the rest is the fd table's. */
int fcntl(int fd, int cmd, ...)
{
	READY();
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	int64_t r[7];

	if ((cmd == F_GETFL || cmd == F_SETFL) && emulated_fd(fd, NULL))
		return result(rpc(OP_FCNTL, NULL, 0, NULL, 0, r, fd, cmd, arg, 0, 0, 0));
	return real_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	READY();
	int64_t r[7];

	if ((flags & MAP_ANONYMOUS) || !emulated_fd(fd, NULL))
		return real_mmap(addr, length, prot, flags, fd, offset);
	map_hint = addr;
	int64_t v = rpc(OP_MMAP, NULL, 0, NULL, 0, r, fd, length, prot, flags, offset, 0);
	if (v < 0 && v > -4096) {
		errno = -v;
		return MAP_FAILED;
	}
	return (void *)(uintptr_t)v;
}

void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
	__attribute__((alias("mmap")));

int munmap(void *addr, size_t length)
{
	READY();
	uintptr_t start = (uintptr_t)addr, end = start + length;
	int ours = 0;
	int ret = real_munmap(addr, length);
	int64_t r[7];

	if (ret != 0 || !socket_path)
		return ret;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nmaps; i++) {
		if (maps[i].start < end && start < maps[i].end) {
			ours = 1;
			if (start <= maps[i].start && maps[i].end <= end)
				maps[i--] = maps[--nmaps];
		}
	}
	pthread_mutex_unlock(&lock);
	if (ours)
		rpc(OP_MUNMAP, NULL, 0, NULL, 0, r, start, length, 0, 0, 0, 0);
	return ret;
}

/* A reaped child's files and memory are released before its parent looks. */
static void synced(pid_t pid)
{
	int64_t r[7];

	if (pid > 0 && socket_path && conn >= 0 && conn_pid == getpid()) {
		int saved = errno;
		rpc(OP_SYNC, NULL, 0, NULL, 0, r, 0, 0, 0, 0, 0, 0);
		errno = saved;
	}
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	READY();
	pid_t r = real_waitpid(pid, status, options);
	synced(r);
	return r;
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
	READY();
	pid_t r = real_wait4(pid, status, options, usage);
	synced(r);
	return r;
}
