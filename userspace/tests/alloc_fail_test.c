// SPDX-License-Identifier: GPL-2.0
/*
 * What a program sees of /dev/shadowmm when the kernel's memory runs out
 * under it: each slab allocation an operation makes is failed in turn,
 * with the kernel's fault injection (/proc/thread-self/fail-nth, failslab
 * told to fail GFP_KERNEL allocations too), until the operation makes no
 * more.  Each time the operation either works or fails with ENOMEM (a
 * fault: SIGBUS), and the object holds what it held before, or what the
 * operation wrote when it worked; validate stays clean, and the VM run
 * adds that no KASAN, lockdep, kmemleak or WARN report came of it.
 *
 * The operations: open, mmap, a first-touch fault, pwrite, the ioctls,
 * a partial munmap, mremap, fork of a mapping, the knobs and reading
 * every debugfs file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_test.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	600

#define FAILSLAB	"/sys/kernel/debug/failslab"
#define MAX_NTH		400	/* more allocations than this: a test bug */
#define FORK_MAX_NTH	3000

/*
 * Failslab told to fail GFP_KERNEL allocations too, and it and the
 * module's page allocator quiet (no stack dumped per failure): 0, or -1
 * (no failslab).  Left so afterwards: with nothing armed they fail
 * nothing (their probability and interval are the kernel's default).
 */
static int failslab_on(void)
{
	if (access(FAILSLAB "/ignore-gfp-wait", W_OK))
		return -1;
	if (smm_write_str(FAILSLAB "/ignore-gfp-wait", "N") ||
	    smm_write_str(FAILSLAB "/verbose", "0") ||
	    smm_write_str(SMM_DEBUGFS "/fail_page_alloc/verbose", "0"))
		return -1;
	return 0;
}

/* @n pages of pattern @seed written at page @first; 0 or -1. */
static int put_pages(int fd, unsigned long first, unsigned long n, uint64_t seed)
{
	unsigned char *buf = malloc(n * PG);
	ssize_t w;

	if (!buf)
		return -1;
	smm_fill(buf, n * PG, seed, first * PG);
	w = pwrite(fd, buf, n * PG, first * PG);
	free(buf);
	return w == (ssize_t)(n * PG) ? 0 : -1;
}

/* Do the @n pages at @first read back as pattern @seed (0: zeros)? */
static int pages_hold(int fd, unsigned long first, unsigned long n, uint64_t seed)
{
	unsigned char *buf = malloc(n * PG);
	long bad;

	if (!buf || pread(fd, buf, n * PG, first * PG) != (ssize_t)(n * PG)) {
		free(buf);
		return 0;
	}
	bad = seed ? smm_check_fill(buf, n * PG, seed, first * PG) : smm_check_zero(buf, n * PG);
	free(buf);
	return bad == -1;
}

TEST(open_device)
{
	int nth, fired = 1;

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	for (nth = 1; fired == 1 && nth <= MAX_NTH; nth++) {
		int a = smm_fail_nth_arm(nth), fd;

		ASSERT_GE(a, 0);
		fd = open(SMM_DEV, O_RDWR | O_CLOEXEC);
		fired = smm_fail_nth_disarm(a);
		if (fd < 0)
			EXPECT_EQ(ENOMEM, errno);
		if (fd >= 0) {
			EXPECT_EQ(0, put_pages(fd, 0, 1, 3));
			EXPECT_TRUE(pages_hold(fd, 0, 1, 3));
			close(fd);
		}
	}
	EXPECT_EQ(0, fired);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * mmap, a first-touch write through it, pwrite of new pages: the sweep
 * reaches the module's own page allocator, which the fail-nth count
 * fails too (pgalloc_fail_injected).
 */
TEST(map_fault_write)
{
	long long injected = smm_vmstat("pgalloc_fail_injected");
	int nth, fired = 1, fd = smm_open();

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	ASSERT_GE(fd, 0);
	for (nth = 1; fired == 1 && nth <= MAX_NTH; nth++) {
		unsigned long pg = nth * 4UL;
		int a = smm_fail_nth_arm(nth), sig = -1, em, ew;
		char buf[1];
		unsigned char *p;
		ssize_t w;

		ASSERT_GE(a, 0);
		p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg * PG);
		em = errno;
		if (p != MAP_FAILED)
			sig = smm_touch((char *)p, 1, 0x5a, NULL);
		w = pwrite(fd, "pwrite", 6, (pg + 1) * PG);
		ew = errno;
		fired = smm_fail_nth_disarm(a);
		if (p == MAP_FAILED) {
			EXPECT_EQ(ENOMEM, em);
		} else {
			char got = 0;
			ssize_t n;

			EXPECT_TRUE(sig == 0 || sig == SIGBUS) TH_LOG("signal %d", sig);
			/*
			 * A failed fault wrote nothing: the page reads as a
			 * hole (the pwrite after it may have moved the size).
			 */
			n = pread(fd, &got, 1, pg * PG);
			if (sig)
				EXPECT_TRUE(n == 0 || (n == 1 && !got))
					TH_LOG("allocation %d: %zd bytes, %#x", nth, n, got);
			if (!sig)
				EXPECT_TRUE(n == 1 && got == 0x5a)
					TH_LOG("allocation %d: %zd bytes, %#x", nth, n, got);
			EXPECT_EQ(0, munmap(p, 4 * PG));
		}
		/* No frame for the page (the module's own allocator fails too). */
		if (w < 0)
			EXPECT_TRUE(ew == ENOMEM || ew == ENOSPC) TH_LOG("%s", strerror(ew));
		if (w >= 0) {
			char got[6] = "";

			EXPECT_EQ(6, w);
			EXPECT_EQ(6, pread(fd, got, 6, (pg + 1) * PG));
			EXPECT_EQ(0, memcmp(got, "pwrite", 6));
		}
		/* Refused, it wrote nothing: not even the size moved. */
		if (w < 0)
			EXPECT_EQ(0, pread(fd, buf, 1, (pg + 1) * PG));
	}
	EXPECT_EQ(0, fired);
	EXPECT_GT(smm_vmstat("pgalloc_fail_injected"), injected);
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/* INFO, SET_LIMIT and PUNCH_HOLE. */
TEST(ioctls)
{
	int nth, fired = 1, fd = smm_open();

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	ASSERT_GE(fd, 0);
	for (nth = 1; fired == 1 && nth <= MAX_NTH; nth++) {
		int a, ri, rl, rp, ei = 0, el = 0, ep = 0;
		struct shadowmm_info info;

		ASSERT_EQ(0, put_pages(fd, 0, 8, nth));
		a = smm_fail_nth_arm(nth);
		ASSERT_GE(a, 0);
		ri = ioctl(fd, SHADOWMM_IOC_INFO, &info);
		if (ri)
			ei = errno;
		rl = smm_set_limit(fd, 64 * PG);
		if (rl)
			el = errno;
		rp = smm_punch(fd, 2 * PG, 4 * PG);
		if (rp)
			ep = errno;
		fired = smm_fail_nth_disarm(a);
		EXPECT_TRUE(!ri || ei == ENOMEM) TH_LOG("INFO: %s", strerror(ei));
		EXPECT_TRUE(!rl || el == ENOMEM) TH_LOG("SET_LIMIT: %s", strerror(el));
		EXPECT_TRUE(!rp || ep == ENOMEM) TH_LOG("PUNCH_HOLE: %s", strerror(ep));
		if (!ri)
			EXPECT_EQ(8 * PG, info.size);
		EXPECT_TRUE(pages_hold(fd, 0, 2, nth));
		EXPECT_TRUE(pages_hold(fd, 6, 2, nth));
		if (!rp)
			EXPECT_TRUE(pages_hold(fd, 2, 4, 0));
		if (rp)
			EXPECT_TRUE(pages_hold(fd, 2, 4, nth));
		ASSERT_EQ(0, smm_set_limit(fd, 0));
	}
	EXPECT_EQ(0, fired);
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/* A hole in the middle of a mapping, and a move of its end. */
TEST(munmap_mremap)
{
	int nth, fired = 1, fd = smm_open();

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, put_pages(fd, 0, 16, 9));
	for (nth = 1; fired == 1 && nth <= MAX_NTH; nth++) {
		int a, ru, eu, er;
		unsigned char *p, *q;
		size_t qlen;

		p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(-1, smm_check_fill(p, 16 * PG, 9, 0));
		a = smm_fail_nth_arm(nth);
		ASSERT_GE(a, 0);
		ru = munmap(p + 4 * PG, 4 * PG);
		eu = errno;
		q = mremap(p + 8 * PG, 8 * PG, 16 * PG, MREMAP_MAYMOVE);
		er = errno;
		fired = smm_fail_nth_disarm(a);
		if (ru)
			EXPECT_EQ(ENOMEM, eu);
		qlen = 16 * PG;
		if (q == MAP_FAILED) {
			EXPECT_EQ(ENOMEM, er);
			q = p + 8 * PG;
			qlen = 8 * PG;
		} else {
			EXPECT_EQ(-1, smm_check_fill(q, 8 * PG, 9, 8 * PG));
		}
		EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 9, 0));
		if (ru)
			EXPECT_EQ(-1, smm_check_fill(p + 4 * PG, 4 * PG, 9, 4 * PG));
		EXPECT_EQ(0, munmap(p, 8 * PG));
		EXPECT_EQ(0, munmap(q, qlen));
		EXPECT_TRUE(smm_validate_ok());
	}
	EXPECT_EQ(0, fired);
	TH_LOG("%d allocations", nth - 1);
	EXPECT_TRUE(pages_hold(fd, 0, 16, 9));
	close(fd);
}

/* fork() of a process that maps an object: the child sees the pages. */
TEST(fork_mapping)
{
	int nth, fired = 1, fd = smm_open();
	unsigned char *p;

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, put_pages(fd, 0, 4, 11));
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	for (nth = 1; fired == 1 && nth <= FORK_MAX_NTH; nth++) {
		int a = smm_fail_nth_arm(nth), status = -1;
		pid_t pid;

		ASSERT_GE(a, 0);
		pid = fork();
		/* The child starts with no count of its own (the kernel clears it). */
		if (pid == 0)
			_exit(smm_check_fill(p, 4 * PG, 11, 0) == -1 ? 0 : 3);
		fired = smm_fail_nth_disarm(a);
		if (pid < 0)
			EXPECT_EQ(ENOMEM, errno);
		if (pid > 0) {
			EXPECT_EQ(pid, waitpid(pid, &status, 0));
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
				TH_LOG("child status %#x", status);
		}
		if (nth % 100 == 0)
			TH_LOG("allocation %d failed", nth);
	}
	EXPECT_EQ(0, fired);
	TH_LOG("%d allocations", nth - 1);
	EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	EXPECT_EQ(0, munmap(p, 4 * PG));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/* Knob lines whose effect is harmless here, each with its own errors. */
static const struct {
	const char *line;
	int other_errno;	/* documented beside ENOMEM, or 0 */
} knob_lines[] = {
	{ "drain_pcp 1\n", 0 },
	{ "reclaim 64\n", EOPNOTSUPP },	/* the load has no store */
	{ "fault_order 2\n", 0 },
	{ "fault_order 0\n", 0 },
	{ "huge advise\n", EOPNOTSUPP },
	{ "extfrag_threshold 500\n", 0 },
	{ "lru_policy classic\n", EBUSY },
	{ "huge never\n", 0 },	/* the load's mode again */
};

TEST(knobs)
{
	unsigned int i;

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	for (i = 0; i < ARRAY_SIZE(knob_lines); i++) {
		const char *line = knob_lines[i].line;
		int nth, fired = 1;

		for (nth = 1; fired == 1 && nth <= MAX_NTH; nth++) {
			int fd = open(SMM_DEBUGFS "/knobs", O_WRONLY | O_CLOEXEC), a;
			ssize_t w;

			ASSERT_GE(fd, 0);
			a = smm_fail_nth_arm(nth);
			ASSERT_GE(a, 0);
			w = write(fd, line, strlen(line));
			fired = smm_fail_nth_disarm(a);
			if (w < 0 && errno != ENOMEM && errno != knob_lines[i].other_errno)
				EXPECT_EQ(ENOMEM, errno) TH_LOG("\"%.*s\"", (int)strlen(line) - 1, line);
			if (w >= 0)
				EXPECT_EQ((ssize_t)strlen(line), w);
			close(fd);
		}
		EXPECT_EQ(0, fired);
	}
	EXPECT_TRUE(smm_validate_ok());
}

/* Every debugfs file read whole: its text, or ENOMEM. */
TEST(debugfs_reads)
{
	DIR *d = opendir(SMM_DEBUGFS);
	struct dirent *e;
	int files = 0;

	if (failslab_on())
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	ASSERT_NE(NULL, d);
	while ((e = readdir(d))) {
		char path[512], buf[4096];
		int nth, fired = 1;

		if (e->d_name[0] == '.' || e->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), SMM_DEBUGFS "/%s", e->d_name);
		for (nth = 1; fired == 1 && nth <= MAX_NTH; nth++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC), a;
			ssize_t r, total = 0;

			/* Write-only and trigger files are not read here. */
			if (fd < 0)
				break;
			a = smm_fail_nth_arm(nth);
			ASSERT_GE(a, 0);
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				total += r;
			fired = smm_fail_nth_disarm(a);
			if (r < 0 && errno != EINVAL && errno != EPERM)
				EXPECT_EQ(ENOMEM, errno) TH_LOG("%s after %zd bytes", path, total);
			close(fd);
		}
		EXPECT_EQ(0, fired) TH_LOG("%s", path);
		files++;
	}
	closedir(d);
	EXPECT_GT(files, 10);
	EXPECT_TRUE(smm_validate_ok());
}

TEST_HARNESS_MAIN
