// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel's own code does to a file's page cache, done to an
 * object with evicted pages: nothing may misread or break it.
 *
 * Every test opens a new object of half the region, writes a pattern
 * over it with pwrite(), has the pool evict it (knob "reclaim", until
 * vmstat's pswpout says three quarters of it are in the backing store),
 * maps it and faults its last quarter back in, so the object holds pages
 * and evicted-page records side by side.  Then it makes one call of the
 * kernel's (cachestat, fadvise, readahead, mincore, sync_file_range,
 * fsync, msync, splice, sendfile, copy_file_range, madvise,
 * process_madvise, /proc smaps and pagemap, move_pages, migrate_pages,
 * userfaultfd, io_uring), checks what it returned (success, or one errno
 * that says "not for this file"; whatever it copied out is the pattern),
 * and then that every byte of the object reads back the same through the
 * mapping and through pread(), that debugfs validate says "ok" and that
 * the kernel logged no BUG, KASAN, WARNING or Oops meanwhile.
 *
 * cachestat comes last: it is the one most likely to take the kernel
 * down.  Run one case with "-t after_NAME".
 *
 * Needs a module load with a small region and a store:
 * size_mb=8 swap_mb=48 (scripts/vm/plans/check.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/io_uring.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "smm_syscalls.h"
#include "smm_test.h"
#include "smm_uring.h"

#define REGION_MB	8	/* size_mb of this test's module load */
#define STORE_MB	48	/* swap_mb */
#define REGION_PAGES	(REGION_MB * 256UL)
#define OBJ_PAGES	(REGION_PAGES / 2)
#define OBJ_LEN		(OBJ_PAGES * PG)
#define EVICTED_PAGES	(OBJ_PAGES * 3 / 4)	/* at least; the first ones */
#define CHUNK		(1UL << 20)

#define SMM_MPOL_MF_MOVE	(1 << 1)

/*
 * ---- the pattern: seed and page index in every 8 bytes ----
 *
 * The same word all over a page: it tells pages and objects apart, and it
 * compresses well, which keeps the store's work (and the test's time)
 * down under emulation.
 */

static inline uint64_t pat_word(uint64_t seed, uint64_t pos)
{
	return 0x8000000000000000ULL | seed << 40 | pos >> 12;
}

static inline unsigned char pat_byte(uint64_t seed, uint64_t pos)
{
	return pat_word(seed, pos & ~7ULL) >> (8 * (pos & 7));
}

/* Offset in @buf of the first byte unlike the pattern at @off, or -1. */
static long pat_check(const void *buf, size_t len, uint64_t seed, uint64_t off)
{
	const unsigned char *c = buf;
	size_t i = 0;

	for (; i < len && ((off + i) & 7); i++)
		if (c[i] != pat_byte(seed, off + i))
			return i;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, c + i, 8);
		if (w != pat_word(seed, off + i))
			break;
	}
	for (; i < len; i++)
		if (c[i] != pat_byte(seed, off + i))
			return i;
	return -1;
}

/* The region's frames (debugfs meminfo MemTotal): at most this many
 * object pages are resident at once.
 */
static long region_frames(void)
{
	return smm_meminfo_kb("MemTotal:") / 4;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the kernel log from the test's start ---- */

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_bad_line(const char *msg)
{
	static const char *const bad[] = {
		"BUG", "KASAN", "WARNING", "Oops", "general protection fault",
		"Call Trace",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *s = strstr(msg, bad[i]);

		/* "BUG" as a word, not the tail of DEBUG */
		while (s && i == 0 && s > msg && s[-1] >= 'A' && s[-1] <= 'Z')
			s = strstr(s + 1, bad[i]);
		if (s)
			return 1;
	}
	return 0;
}

/* 1 when nothing since kmsg_open() looks like a kernel report. */
static int kmsg_clean(int fd)
{
	char rec[8192];
	int clean = 1;

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg, *nl;

		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		if (kmsg_bad_line(msg)) {
			printf("# kernel: %s\n", msg);
			clean = 0;
		}
	}
	return clean;
}

/* ---- the object every test starts from ---- */

struct obj {
	int fd;
	int kmsg;
	char *p;
	uint64_t seed;
};

/* A new object, the pattern written over all of it, most of it evicted. */
static void obj_setup(struct __test_metadata *_metadata, struct obj *self)
{
	long long out0 = smm_vmstat("pswpout"), out = 0;
	char *buf = malloc(CHUNK);
	double t0 = now_s();
	struct shadowmm_info info;
	unsigned long off, i;
	char knob[32];
	int tries;

	/* What a test printed is out before a call can take the kernel down. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	self->p = NULL;
	ASSERT_NE(NULL, buf);
	self->kmsg = kmsg_open();
	ASSERT_GE(self->kmsg, 0);
	self->seed = (getpid() & 0x7fff) + 1;
	self->fd = smm_open();
	ASSERT_GE(self->fd, 0);
	/* pwrite: no mapping yet, so no young pte keeps a page from reclaim. */
	for (off = 0; off < OBJ_LEN; off += CHUNK) {
		uint64_t *q = (uint64_t *)buf;

		for (i = 0; i < CHUNK / 8; i++)
			q[i] = pat_word(self->seed, off + i * 8);
		ASSERT_EQ((ssize_t)CHUNK, pwrite(self->fd, buf, CHUNK, off));
	}
	free(buf);
	snprintf(knob, sizeof(knob), "reclaim %lu\n", OBJ_PAGES);
	for (tries = 0; tries < 16; tries++) {
		out = smm_vmstat("pswpout") - out0;
		if (out >= (long long)OBJ_PAGES * 7 / 8)
			break;
		ASSERT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", knob));
	}
	self->p = mmap(NULL, OBJ_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	/* The last quarter back in through the mapping: a major fault each. */
	for (i = EVICTED_PAGES; i < OBJ_PAGES; i++)
		ASSERT_EQ(-1, pat_check(self->p + i * PG, PG, self->seed, i * PG));
	info = smm_info(self->fd);
	printf("# %lu MiB written, pswpout +%lld, %llu pages resident, in %.1f s\n",
	       OBJ_LEN >> 20, out, (unsigned long long)info.resident_pages,
	       now_s() - t0);
	ASSERT_EQ(OBJ_LEN, info.size);
	/* Three quarters at least are evicted-page records now. */
	ASSERT_GE(out, (long long)EVICTED_PAGES);
	ASSERT_LE(info.resident_pages, OBJ_PAGES - EVICTED_PAGES + 64);
}

static void obj_close(struct obj *self)
{
	munmap(self->p, OBJ_LEN);
	close(self->fd);
	close(self->kmsg);
}

/*
 * after_<name>: a test that starts from a fresh object (obj_setup()) as
 * @self and ends with verify().  The harness runs each in a child of its
 * own.
 */
#define OBJ_TEST(name)							\
	static void name##_body(struct __test_metadata *_metadata,	\
				struct obj *self);			\
	TEST(after_##name)						\
	{								\
		struct obj o;						\
									\
		obj_setup(_metadata, &o);				\
		name##_body(_metadata, &o);				\
		obj_close(&o);						\
	}								\
	static void name##_body(struct __test_metadata *_metadata,	\
				struct obj *self)

/* Page @pg's bytes at @q: -1, or the offset of the first one wrong. */
static long page_check(struct obj *self, const char *q, unsigned long pg,
		       unsigned long zfirst, unsigned long zpages)
{
	long b = (pg >= zfirst && pg < zfirst + zpages) ? smm_check_zero(q, PG) :
		 pat_check(q, PG, self->seed, pg * PG);

	return b < 0 ? -1 : (long)(pg * PG) + b;
}

/*
 * Every byte of the object, through the mapping and through pread(): the
 * pattern, or zeroes in pages [@zfirst, @zfirst + @zpages); then validate
 * and the kernel log.  A chunk at a time, in turn the mapping first (its
 * faults bring evicted pages back) and pread() first (read_iter does), so
 * the object is read back twice rather than three times.
 */
static void verify(struct __test_metadata *_metadata, struct obj *self,
		   unsigned long zfirst, unsigned long zpages)
{
	long bad_map = -1, bad_pread = -1;
	char *buf = malloc(CHUNK);
	double t0 = now_s();
	unsigned long off, i;

	ASSERT_NE(NULL, buf);
	for (off = 0; off < OBJ_LEN && bad_map < 0 && bad_pread < 0; off += CHUNK) {
		int map_first = !((off / CHUNK) & 1), pass;

		for (pass = 0; pass < 2; pass++) {
			if (pass == !map_first) {
				for (i = 0; i < CHUNK / PG && bad_map < 0; i++)
					bad_map = page_check(self, self->p + off + i * PG,
							     off / PG + i, zfirst, zpages);
				continue;
			}
			if (pread(self->fd, buf, CHUNK, off) != (ssize_t)CHUNK) {
				printf("# pread at %#lx: %s\n", off, strerror(errno));
				bad_pread = off;
				break;
			}
			for (i = 0; i < CHUNK / PG && bad_pread < 0; i++)
				bad_pread = page_check(self, buf + i * PG, off / PG + i,
						       zfirst, zpages);
		}
	}
	free(buf);
	if (bad_map >= 0)
		printf("# mapping: byte %#lx (page %lu) differs\n", bad_map,
		       bad_map / PG);
	if (bad_pread >= 0)
		printf("# pread: byte %#lx (page %lu) differs\n", bad_pread,
		       bad_pread / PG);
	EXPECT_EQ(-1, bad_map);
	EXPECT_EQ(-1, bad_pread);
	printf("# every byte read back in %.0f s\n", now_s() - t0);
	EXPECT_TRUE(smm_validate_ok());
	EXPECT_TRUE(kmsg_clean(self->kmsg));
}

static const char *err_name(int err)
{
	return err ? strerror(err) : "success";
}

/* A copy of the whole object in @rfd: -1, or the first bad byte's offset. */
static long check_fd_copy(int rfd, uint64_t seed)
{
	char *buf = malloc(CHUNK);
	unsigned long off;
	long bad = -1;

	if (!buf)
		return 0;
	for (off = 0; off < OBJ_LEN && bad < 0; off += CHUNK) {
		ssize_t n = pread(rfd, buf, CHUNK, off);
		long b;

		if (n != (ssize_t)CHUNK) {
			bad = off;
			break;
		}
		b = pat_check(buf, CHUNK, seed, off);
		if (b >= 0)
			bad = off + b;
	}
	free(buf);
	return bad;
}

TEST(module_has_small_region_and_store)
{
	long long kb = smm_meminfo_kb("MemTotal:");

	/* Metadata comes out of the region: a little less than size_mb. */
	ASSERT_LE(kb, REGION_MB * 1024LL);
	ASSERT_GT(kb, REGION_MB * 1024LL * 9 / 10);
	ASSERT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapTotal:"));
}

/* ---- fadvise, readahead ---- */

static void fadvise_case(struct __test_metadata *_metadata,
			 struct obj *self, int advice, const char *name)
{
	int r = posix_fadvise(self->fd, 0, 0, advice);

	printf("# posix_fadvise(%s): %s\n", name, err_name(r));
	EXPECT_TRUE(r == 0 || r == EINVAL);
	/* And on a range of evicted pages alone. */
	r = posix_fadvise(self->fd, 0, 64 * PG, advice);
	EXPECT_TRUE(r == 0 || r == EINVAL);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(fadvise_dontneed)
{
	fadvise_case(_metadata, self, POSIX_FADV_DONTNEED, "DONTNEED");
}

OBJ_TEST(fadvise_willneed)
{
	fadvise_case(_metadata, self, POSIX_FADV_WILLNEED, "WILLNEED");
}

OBJ_TEST(fadvise_noreuse)
{
	fadvise_case(_metadata, self, POSIX_FADV_NOREUSE, "NOREUSE");
}

OBJ_TEST(readahead)
{
	ssize_t r = readahead(self->fd, 0, OBJ_LEN);
	int err = r ? errno : 0;

	printf("# readahead: %s\n", err_name(err));
	EXPECT_TRUE(r == 0 || err == EINVAL);
	verify(_metadata, self, 0, 0);
}

/* ---- mincore ---- */

OBJ_TEST(mincore)
{
	unsigned char *vec = calloc(OBJ_PAGES, 1);
	unsigned long i, resident = 0, odd = 0;

	ASSERT_NE(NULL, vec);
	ASSERT_EQ(0, mincore(self->p, OBJ_LEN, vec));
	for (i = 0; i < OBJ_PAGES; i++) {
		resident += vec[i] & 1;
		odd += vec[i] > 1;
	}
	printf("# mincore: %lu of %lu pages resident\n", resident, OBJ_PAGES);
	EXPECT_EQ(0, odd);
	/* Evicted pages are not in core; at most the region is. */
	EXPECT_LE(resident, region_frames());
	EXPECT_GT(resident, 0);
	free(vec);
	verify(_metadata, self, 0, 0);
}

/* ---- writeback and sync ---- */

OBJ_TEST(sync_file_range)
{
	int r = sync_file_range(self->fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
				SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
	int err = r ? errno : 0;

	printf("# sync_file_range: %s\n", err_name(err));
	/* ESPIPE: not a regular file. */
	EXPECT_TRUE(r == 0 || err == ESPIPE);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(fsync)
{
	int r = fsync(self->fd);
	int err = r ? errno : 0;

	printf("# fsync: %s\n", err_name(err));
	/* Memory only, as shmem: done (it once failed with EINVAL). */
	EXPECT_EQ(0, r);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(fdatasync)
{
	int r = fdatasync(self->fd);
	int err = r ? errno : 0;

	printf("# fdatasync: %s\n", err_name(err));
	EXPECT_EQ(0, r);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(msync_sync_invalidate)
{
	int r = msync(self->p, OBJ_LEN, MS_SYNC | MS_INVALIDATE);
	int err = r ? errno : 0;

	printf("# msync(MS_SYNC|MS_INVALIDATE): %s\n", err_name(err));
	/* A program that syncs its data must not fail here. */
	EXPECT_EQ(0, r);
	verify(_metadata, self, 0, 0);
}

/* ---- copying out of the fd ---- */

OBJ_TEST(splice_to_pipe)
{
	char *buf = malloc(65536);
	loff_t off = 0;
	int pfd[2], err = 0;
	long bad = -1;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	while (off < (loff_t)OBJ_LEN && bad < 0) {
		loff_t at = off;
		ssize_t n = splice(self->fd, &off, pfd[1], NULL, 65536, 0), got = 0;

		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		while (got < n) {
			ssize_t m = read(pfd[0], buf + got, n - got);

			if (m <= 0)
				break;
			got += m;
		}
		ASSERT_EQ(n, got);
		bad = pat_check(buf, n, self->seed, at);
		if (bad >= 0)
			bad += at;
	}
	printf("# splice: %s, %lld bytes copied\n", err_name(err), (long long)off);
	EXPECT_EQ(-1, bad);
	/* All of it, or nothing with EINVAL (no splice_read). */
	EXPECT_EQ(off ? 0 : EINVAL, err);
	EXPECT_TRUE(off == 0 || off == (loff_t)OBJ_LEN);
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(sendfile_to_memfd)
{
	int out = memfd_create("pagecache_sendfile", MFD_CLOEXEC), err = 0;
	off_t off = 0;

	ASSERT_GE(out, 0);
	while (off < (off_t)OBJ_LEN) {
		ssize_t n = sendfile(out, self->fd, &off, OBJ_LEN - off);

		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
	}
	printf("# sendfile: %s, %lld bytes copied\n", err_name(err), (long long)off);
	if (off == 0) {
		EXPECT_EQ(EINVAL, err);
	} else {
		EXPECT_EQ((off_t)OBJ_LEN, off);
		EXPECT_EQ(-1, check_fd_copy(out, self->seed));
	}
	close(out);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(copy_file_range_to_memfd)
{
	int out = memfd_create("pagecache_cfr", MFD_CLOEXEC), err = 0;
	loff_t in_off = 0, out_off = 0;

	ASSERT_GE(out, 0);
	while (in_off < (loff_t)OBJ_LEN) {
		ssize_t n = copy_file_range(self->fd, &in_off, out, &out_off,
					    OBJ_LEN - in_off, 0);

		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
	}
	printf("# copy_file_range: %s, %lld bytes copied\n", err_name(err),
	       (long long)in_off);
	if (in_off == 0) {
		/* EINVAL: not a regular file; EXDEV: another filesystem. */
		EXPECT_TRUE(err == EINVAL || err == EXDEV);
	} else {
		EXPECT_EQ((loff_t)OBJ_LEN, in_off);
		EXPECT_EQ(-1, check_fd_copy(out, self->seed));
	}
	close(out);
	verify(_metadata, self, 0, 0);
}

/* ---- madvise ---- */

/* madvise over the whole mapping: success, or errno @other when not 0. */
static void madvise_case(struct __test_metadata *_metadata,
			 struct obj *self, int advice, const char *name,
			 int other)
{
	int r = madvise(self->p, OBJ_LEN, advice);
	int err = r ? errno : 0;

	printf("# madvise(%s): %s\n", name, err_name(err));
	EXPECT_TRUE(err == 0 || (other && err == other));
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(madvise_pageout)
{
	madvise_case(_metadata, self, MADV_PAGEOUT, "PAGEOUT", EINVAL);
}

OBJ_TEST(madvise_cold)
{
	madvise_case(_metadata, self, MADV_COLD, "COLD", EINVAL);
}

OBJ_TEST(madvise_willneed)
{
	madvise_case(_metadata, self, MADV_WILLNEED, "WILLNEED", EINVAL);
}

/* Populating is faulting: it must work where touching works. */
OBJ_TEST(madvise_populate_read)
{
	madvise_case(_metadata, self, MADV_POPULATE_READ, "POPULATE_READ", 0);
}

OBJ_TEST(madvise_populate_write)
{
	madvise_case(_metadata, self, MADV_POPULATE_WRITE, "POPULATE_WRITE", 0);
}

/* A hole punched (then it reads as zeroes) or refused. */
OBJ_TEST(madvise_remove)
{
	/* Evicted pages, then resident ones, not up to the end. */
	unsigned long first = OBJ_PAGES / 2, pages = OBJ_PAGES / 2 - 64;
	int r = madvise(self->p + first * PG, pages * PG, MADV_REMOVE);
	int err = r ? errno : 0;

	printf("# madvise(REMOVE): %s\n", err_name(err));
	/* ENODEV: not a regular file; EOPNOTSUPP: no fallocate. */
	EXPECT_TRUE(r == 0 || err == ENODEV || err == EOPNOTSUPP);
	verify(_metadata, self, first, r == 0 ? pages : 0);
}

OBJ_TEST(process_madvise)
{
	static const struct { int advice; const char *name; } adv[] = {
		{ MADV_PAGEOUT, "PAGEOUT" },
		{ MADV_COLD, "COLD" },
		{ MADV_WILLNEED, "WILLNEED" },
	};
	struct iovec iov = { .iov_base = self->p, .iov_len = OBJ_LEN };
	int pidfd = syscall(__NR_pidfd_open, getpid(), 0);
	unsigned int i;

	ASSERT_GE(pidfd, 0);
	for (i = 0; i < ARRAY_SIZE(adv); i++) {
		long r = syscall(__NR_process_madvise, pidfd, &iov, 1, adv[i].advice, 0);
		int err = r < 0 ? errno : 0;

		printf("# process_madvise(%s): %ld %s\n", adv[i].name, r, err_name(err));
		EXPECT_TRUE(r == (long)OBJ_LEN || (r < 0 && err == EINVAL));
	}
	close(pidfd);
	verify(_metadata, self, 0, 0);
}

/* ---- /proc ---- */

/* The "Name: N kB" line of one mapping's smaps block, or -1. */
static long smaps_kb(const char *block, const char *name)
{
	const char *s = block;
	size_t nl = strlen(name);

	while ((s = strchr(s, '\n')) != NULL) {
		s++;
		if (!strncmp(s, name, nl))
			return strtol(s + nl, NULL, 10);
	}
	return -1;
}

OBJ_TEST(proc_smaps)
{
	char *smaps = smm_slurp("/proc/self/smaps"), head[64], *s, *end;
	long size, rss, anon, swap;

	ASSERT_NE(NULL, smaps);
	snprintf(head, sizeof(head), "%lx-%lx ", (unsigned long)self->p,
		 (unsigned long)self->p + OBJ_LEN);
	s = strstr(smaps, head);
	ASSERT_NE(NULL, s);
	/* This mapping's lines run to the next "VmFlags:". */
	end = strstr(s, "VmFlags:");
	ASSERT_NE(NULL, end);
	*end = '\0';
	size = smaps_kb(s, "Size:");
	rss = smaps_kb(s, "Rss:");
	anon = smaps_kb(s, "Anonymous:");
	swap = smaps_kb(s, "Swap:");
	printf("# smaps: Size %ld kB, Rss %ld kB, Anonymous %ld kB, Swap %ld kB\n",
	       size, rss, anon, swap);
	EXPECT_EQ((long)(OBJ_LEN >> 10), size);
	EXPECT_GE(rss, 0);
	EXPECT_LE(rss, region_frames() * 4);
	EXPECT_EQ(0, anon);
	EXPECT_EQ(0, swap);
	free(smaps);
	verify(_metadata, self, 0, 0);
}

#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_FILE		(1ULL << 61)
#define PM_SWAP		(1ULL << 62)
#define PM_PRESENT	(1ULL << 63)

OBJ_TEST(proc_pagemap)
{
	uint64_t *pm = calloc(OBJ_PAGES, sizeof(uint64_t));
	unsigned long i, present = 0, not_file = 0, swapped = 0, no_pfn = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	ASSERT_NE(NULL, pm);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)(OBJ_PAGES * 8),
		  pread(fd, pm, OBJ_PAGES * 8, (unsigned long)self->p / PG * 8));
	for (i = 0; i < OBJ_PAGES; i++) {
		if (pm[i] & PM_SWAP)
			swapped++;
		if (!(pm[i] & PM_PRESENT))
			continue;
		present++;
		not_file += !(pm[i] & PM_FILE);
		no_pfn += !(pm[i] & PM_PFN_MASK);
	}
	printf("# pagemap: %lu present, %lu not file, %lu swap, %lu without pfn\n",
	       present, not_file, swapped, no_pfn);
	/* A shared file mapping: no swap entries, pages are file pages. */
	EXPECT_EQ(0, swapped);
	EXPECT_EQ(0, not_file);
	EXPECT_EQ(0, no_pfn);
	EXPECT_LE(present, region_frames());
	close(fd);
	free(pm);
	verify(_metadata, self, 0, 0);
}

/* ---- NUMA migration between the fake nodes ---- */

static int have_node1(void)
{
	return access("/sys/devices/system/node/node1", F_OK) == 0;
}

static int page_status_ok(int st)
{
	return st == 0 || st == 1 || st == -ENOENT || st == -EBUSY ||
	       st == -EACCES || st == -EFAULT || st == -ENOMEM;
}

OBJ_TEST(move_pages)
{
	void **pages = calloc(OBJ_PAGES, sizeof(void *));
	int *nodes = calloc(OBJ_PAGES, sizeof(int));
	int *status = calloc(OBJ_PAGES, sizeof(int));
	unsigned long i, bad = 0, on[2] = { 0, 0 }, moved = 0;
	long r;

	if (!have_node1())
		SKIP(return, "one NUMA node (the VM boots numa=fake=2)");
	ASSERT_NE(NULL, pages);
	ASSERT_NE(NULL, nodes);
	ASSERT_NE(NULL, status);
	for (i = 0; i < OBJ_PAGES; i++)
		pages[i] = self->p + i * PG;
	/* Where each page is... */
	r = syscall(__NR_move_pages, 0, OBJ_PAGES, pages, NULL, status, 0);
	printf("# move_pages(query): %ld %s\n", r, err_name(r < 0 ? errno : 0));
	ASSERT_EQ(0, r);
	for (i = 0; i < OBJ_PAGES; i++) {
		if (status[i] == 0 || status[i] == 1)
			on[status[i]]++;
		else if (status[i] != -ENOENT)
			bad++;
		nodes[i] = status[i] == 1 ? 0 : 1;
	}
	printf("# move_pages(query): %lu on node 0, %lu on node 1\n", on[0], on[1]);
	EXPECT_EQ(0, bad);
	EXPECT_LE(on[0] + on[1], region_frames());
	/* ...and every page to the other node. */
	r = syscall(__NR_move_pages, 0, OBJ_PAGES, pages, nodes, status,
		    SMM_MPOL_MF_MOVE);
	printf("# move_pages(move): %ld %s\n", r, err_name(r < 0 ? errno : 0));
	EXPECT_GE(r, 0);
	bad = 0;
	for (i = 0; i < OBJ_PAGES; i++) {
		bad += !page_status_ok(status[i]);
		moved += status[i] == nodes[i];
	}
	printf("# move_pages(move): %lu pages report their target node\n", moved);
	EXPECT_EQ(0, bad);
	free(pages);
	free(nodes);
	free(status);
	verify(_metadata, self, 0, 0);
}

OBJ_TEST(migrate_pages)
{
	unsigned long n0 = 1UL << 0, n1 = 1UL << 1;
	long r;

	if (!have_node1())
		SKIP(return, "one NUMA node (the VM boots numa=fake=2)");
	/* The whole process, this mapping included, 0 -> 1 and back. */
	r = syscall(__NR_migrate_pages, 0, 8 * sizeof(long), &n0, &n1);
	printf("# migrate_pages(0 -> 1): %ld %s\n", r, err_name(r < 0 ? errno : 0));
	EXPECT_GE(r, 0);
	r = syscall(__NR_migrate_pages, 0, 8 * sizeof(long), &n1, &n0);
	printf("# migrate_pages(1 -> 0): %ld %s\n", r, err_name(r < 0 ? errno : 0));
	EXPECT_GE(r, 0);
	verify(_metadata, self, 0, 0);
}

/* ---- userfaultfd ---- */

OBJ_TEST(userfaultfd_register)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)self->p, .len = OBJ_LEN },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int ufd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK), r, err;

	ASSERT_GE(ufd, 0);
	ASSERT_EQ(0, ioctl(ufd, UFFDIO_API, &api));
	r = ioctl(ufd, UFFDIO_REGISTER, &reg);
	err = r ? errno : 0;
	printf("# UFFDIO_REGISTER(MISSING): %s\n", err_name(err));
	/* Refused (EINVAL: not anon, shmem or hugetlb), or working. */
	EXPECT_TRUE(r == 0 || err == EINVAL);
	if (r == 0) {
		/* Registered: the object still reads back with it in place. */
		verify(_metadata, self, 0, 0);
		EXPECT_EQ(0, ioctl(ufd, UFFDIO_UNREGISTER, &reg.range));
	}
	close(ufd);
	verify(_metadata, self, 0, 0);
}

/* ---- io_uring ---- */

OBJ_TEST(io_uring_read)
{
	char *buf = malloc(CHUNK);
	unsigned long off = 0;
	struct uring u;
	long bad = -1;
	int r = uring_init(&u), nosys;

	/* The errno of a syscall the kernel does not have, as for number -1. */
	syscall(-1);
	nosys = errno;
	if (r == -nosys) {
		uring_exit(&u);
		free(buf);
		SKIP(return, "no io_uring in this kernel");
	}
	ASSERT_EQ(0, r);
	ASSERT_NE(NULL, buf);
	while (off < OBJ_LEN && bad < 0) {
		r = uring_read(&u, self->fd, buf, CHUNK, off);
		if (r <= 0) {
			printf("# io_uring read at %#lx: %d (%s)\n", off, r,
			       r ? strerror(-r) : "end of file");
			break;
		}
		bad = pat_check(buf, r, self->seed, off);
		if (bad >= 0)
			bad += off;
		off += r;
	}
	printf("# io_uring: %lu bytes read\n", off);
	EXPECT_EQ(-1, bad);
	EXPECT_EQ(OBJ_LEN, off);
	uring_exit(&u);
	free(buf);
	verify(_metadata, self, 0, 0);
}

/* ---- cachestat: last, the likeliest to take the kernel down ---- */

static void cachestat_range(struct __test_metadata *_metadata,
			    struct obj *self,
			    uint64_t off, uint64_t len, unsigned long max_pages)
{
	struct smm_cachestat_range range = { .off = off, .len = len };
	struct smm_cachestat cs;
	long r;

	memset(&cs, 0xff, sizeof(cs));
	r = syscall(__NR_cachestat, self->fd, &range, &cs, 0);
	printf("# cachestat(%#llx, %#llx): %ld %s: cache %llu dirty %llu writeback %llu evicted %llu recently %llu\n",
	       (unsigned long long)off, (unsigned long long)len, r,
	       err_name(r ? errno : 0), (unsigned long long)cs.nr_cache,
	       (unsigned long long)cs.nr_dirty, (unsigned long long)cs.nr_writeback,
	       (unsigned long long)cs.nr_evicted,
	       (unsigned long long)cs.nr_recently_evicted);
	ASSERT_EQ(0, r);
	EXPECT_LE(cs.nr_cache + cs.nr_evicted, max_pages);
	EXPECT_LE(cs.nr_cache, region_frames());
	EXPECT_LE(cs.nr_dirty, cs.nr_cache);
	EXPECT_LE(cs.nr_writeback, cs.nr_cache);
	EXPECT_LE(cs.nr_recently_evicted, cs.nr_evicted);
}

static void cachestat_ranges(struct __test_metadata *_metadata, struct obj *self)
{
	/* The whole file, a range of evicted pages, one past the end. */
	cachestat_range(_metadata, self, 0, 0, OBJ_PAGES);
	cachestat_range(_metadata, self, 16 * PG, 1000 * PG, 1000);
	cachestat_range(_metadata, self, OBJ_LEN, 64 * PG, 0);
}

#define LRU_GEN_ENABLED	"/sys/kernel/mm/lru_gen/enabled"

/* Write @val to the multi-generational LRU's switch; true when taken. */
static int lru_gen_set(const char *val)
{
	int fd = open(LRU_GEN_ENABLED, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, val, strlen(val));
		close(fd);
	}
	return n == (ssize_t)strlen(val);
}

/*
 * The kernel decodes a value entry in a file's page cache as a workingset
 * shadow in one of two ways, by the LRU it runs (the classic one checks
 * the memcg it decodes, the multi-generational one does not): cachestat
 * under both, when this kernel has both.
 */
OBJ_TEST(cachestat)
{
	char *was;
	int nosys;

	/*
	 * cachestat(2) is 6.5's: a bad fd is EBADF where it exists, else the
	 * errno of a syscall the kernel does not have, as for number -1.
	 */
	syscall(-1);
	nosys = errno;
	if (syscall(__NR_cachestat, -1, NULL, NULL, 0) < 0 && errno == nosys)
		SKIP(return, "no cachestat(2) in this kernel (6.5 added it)");
	was = smm_slurp(LRU_GEN_ENABLED);

	printf("# lru_gen enabled: %s\n", was ? strtok(was, "\n") : "(no lru_gen)");
	cachestat_ranges(_metadata, self);
	if (was) {
		int on = strtoul(was, NULL, 0) != 0;

		ASSERT_TRUE(lru_gen_set(on ? "n" : "y"));
		printf("# lru_gen %s\n", on ? "off" : "on");
		cachestat_ranges(_metadata, self);
		EXPECT_TRUE(lru_gen_set(was));
		free(was);
	}
	verify(_metadata, self, 0, 0);
}

TEST_HARNESS_MAIN
