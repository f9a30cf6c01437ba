/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the userspace tests of /dev/shadowmm: the object's
 * ioctls, debugfs counters, and touching memory that may fault with a
 * signal.  Include after kselftest_harness.h.
 */
#ifndef SMM_TEST_H
#define SMM_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <shadowmm.h>

#define SMM_DEV		"/dev/shadowmm"
#define SMM_DEBUGFS	"/sys/kernel/debug/shadowmm"
#define PG		4096UL

static inline int smm_open(void)
{
	int fd = open(SMM_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "# open %s: %s\n", SMM_DEV, strerror(errno));
	return fd;
}

/* The object's info, or a struct with id 0 after printing why not. */
static inline struct shadowmm_info smm_info(int fd)
{
	struct shadowmm_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SHADOWMM_IOC_INFO, &info))
		fprintf(stderr, "# SHADOWMM_IOC_INFO: %s\n", strerror(errno));
	return info;
}

static inline int smm_punch(int fd, uint64_t offset, uint64_t length)
{
	struct shadowmm_range r = { .offset = offset, .length = length };

	return ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, &r);
}

static inline int smm_set_limit(int fd, uint64_t limit)
{
	struct shadowmm_limit l = { .size_limit = limit, .flags = 0 };

	return ioctl(fd, SHADOWMM_IOC_SET_LIMIT, &l);
}

/* The whole of a debugfs file (or any file), NUL-terminated; NULL on error. */
static inline char *smm_slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		fprintf(stderr, "# open %s: %s\n", path, strerror(errno));
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (cap - len < 2048) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/*
 * "name value" from a file in /proc/vmstat's format, or "Name: N kB" in
 * /proc/meminfo's (name given with its colon); -1 when absent.
 */
static inline long long smm_stat(const char *file, const char *name)
{
	char path[256], *buf, *line, *save = NULL;
	size_t nl = strlen(name);
	long long v = -1;

	snprintf(path, sizeof(path), SMM_DEBUGFS "/%s", file);
	buf = smm_slurp(path);
	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, nl) && (line[nl] == ' ' || line[nl] == '\t')) {
			v = strtoll(line + nl, NULL, 10);
			break;
		}
	}
	free(buf);
	if (v < 0)
		fprintf(stderr, "# no '%s' in %s\n", name, path);
	return v;
}

static inline long long smm_vmstat(const char *name)
{
	return smm_stat("vmstat", name);
}

static inline long long smm_meminfo_kb(const char *name)
{
	return smm_stat("meminfo", name);
}

/* debugfs validate says exactly "ok"; prints what it said otherwise. */
static inline int smm_validate_ok(void)
{
	char *s = smm_slurp(SMM_DEBUGFS "/validate");
	int ok = s && !strcmp(s, "ok\n");

	if (s && !ok)
		fprintf(stderr, "# validate:\n%s", s);
	free(s);
	return ok;
}

/* ---- touching memory that may raise SIGBUS or SIGSEGV ---- */

struct smm_probe {
	sigjmp_buf env;
	int sig;
};

/* One per program: the handler finds it without a file-scope variable. */
static inline struct smm_probe *smm_probe_state(void)
{
	static struct smm_probe probe;

	return &probe;
}

static inline void smm_probe_handler(int sig)
{
	smm_probe_state()->sig = sig;
	siglongjmp(smm_probe_state()->env, 1);
}

/*
 * Read (or write @val to) the byte at @p; 0 when that worked, else the
 * signal it raised (SIGBUS, SIGSEGV).  *@got receives the byte read.
 */
static inline int smm_touch(char *p, int write, char val, char *got)
{
	struct sigaction sa, obus, osegv;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = smm_probe_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	smm_probe_state()->sig = 0;
	if (sigsetjmp(smm_probe_state()->env, 1) == 0) {
		if (write)
			__atomic_store_n(p, val, __ATOMIC_SEQ_CST);
		else if (got)
			*got = __atomic_load_n(p, __ATOMIC_SEQ_CST);
		else
			(void)__atomic_load_n(p, __ATOMIC_SEQ_CST);
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return smm_probe_state()->sig;
}

/* A byte that tells pages, offsets and objects apart. */
static inline unsigned char smm_pattern(uint64_t seed, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ULL ^ seed * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 29;
	return (unsigned char)(x ^ (x >> 17) ^ (x >> 41)) | 1;
}

static inline void smm_fill(void *p, size_t len, uint64_t seed, uint64_t off)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = smm_pattern(seed, off + i);
}

/* Index of the first byte that differs from the pattern, or -1. */
static inline long smm_check_fill(const void *p, size_t len, uint64_t seed, uint64_t off)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != smm_pattern(seed, off + i))
			return i;
	return -1;
}

/* Index of the first non-zero byte, or -1. */
static inline long smm_check_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return i;
	return -1;
}

static inline void smm_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Write @s to the file at @path (a sysctl, a tracefs switch): 0 or -1. */
static inline int smm_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok, err;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	/* The write's errno, not close()'s, is what a caller checks. */
	err = errno;
	close(fd);
	errno = err;
	return ok ? 0 : -1;
}

/*
 * The kernel's fault injection: fail this thread's @nth allocation from
 * now on (/proc/thread-self/fail-nth); the file, or -1.
 */
static inline int smm_fail_nth_arm(int nth)
{
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	char num[16];
	int len = snprintf(num, sizeof(num), "%d", nth);

	if (fd >= 0 && write(fd, num, len) != len) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Stop failing, keeping the operation's errno: 1 when the allocation
 * asked to fail was made (the count ran out), 0 when it was not.
 */
static inline int smm_fail_nth_disarm(int fd)
{
	int err = errno, fired = 0;
	char num[16];
	ssize_t len;

	len = pread(fd, num, sizeof(num) - 1, 0);
	if (len > 0) {
		num[len] = 0;
		fired = atoi(num) == 0;
	}
	if (write(fd, "0", 1) != 1)
		fired = -1;
	close(fd);
	errno = err;
	return fired;
}

/*
 * A mapping (@flags: MAP_SHARED or MAP_PRIVATE) of @len bytes of @fd at
 * @off, placed at a 2 MiB boundary whatever the kernel's placement, so
 * that every aligned block of it lies in one page table and an aligned
 * 2 MiB of it can be mapped with a PMD; NULL on failure.
 */
static inline char *smm_map_pmd_aligned(int fd, size_t len, off_t off, int flags)
{
	size_t pmd = 2UL << 20;
	char *r = mmap(NULL, len + pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (r == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)r + pmd - 1) & ~(pmd - 1));
	munmap(r, len + pmd);
	r = mmap(a, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED_NOREPLACE, fd, off);
	return r == MAP_FAILED ? NULL : r;
}

#endif /* SMM_TEST_H */
