// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim as a program sees it: mapping more than the region holds and
 * getting every byte back (one mapping; two processes of two threads), a
 * hot set that stays resident beside a streaming scan, mlocked pages that
 * are never evicted (not even once another locked mapping of them went)
 * and munlocked ones that are again (as are pages a locked private
 * mapping only copied), SIGBUS when region and backing
 * store are both full
 * with nothing stored lost, reclaim beside concurrent faults, munmap and
 * fork, eviction of pages a thread on another CPU maps costing a TLB
 * shootdown per run of pages rather than per page, and, with the store in
 * a swap file, a task under RLIMIT_FSIZE 0 evicting without SIGXFSZ,
 * and writes its file system refuses counted, with nothing lost.
 *
 * Needs its own module load with a small region and a large store:
 * size_mb=8 swap_mb=32 (scripts/vm/plans/check.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_test.h"

/* Under emulation with KASAN and lockdep, swapping 100 MiB takes minutes. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	900

#define REGION_MB	8	/* size_mb of this test's module load */
#define STORE_MB	32	/* swap_mb */
#define REGION_PAGES	(REGION_MB * 256UL)
#define STORE_PAGES	(STORE_MB * 256UL)

static char *map_shared(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Read one byte the compiler cannot leave out. */
static void touch(const char *p)
{
	(void)__atomic_load_n(p, __ATOMIC_RELAXED);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The module is the one this test needs. */
static int smm_region_is(unsigned long mb)
{
	long long kb = smm_meminfo_kb("MemTotal:");

	/* Metadata comes out of the region: a little less than size_mb. */
	return kb > 0 && kb <= (long long)mb * 1024 && kb > (long long)mb * 1024 * 9 / 10;
}

/* Write a line to debugfs knobs; true when accepted. */
static int smm_knob(const char *line)
{
	int fd = open(SMM_DEBUGFS "/knobs", O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, line, strlen(line));
		close(fd);
	}
	return n == (ssize_t)strlen(line);
}

/* The first 64 bytes of each of @pages pages through @p: pattern @seed. */
static void fill_heads(char *p, unsigned long pages, uint64_t seed)
{
	unsigned long i;

	for (i = 0; i < pages; i++)
		smm_fill(p + i * PG, 64, seed, i * PG);
}

/* The first page whose 64 bytes are not @seed's pattern, or -1. */
static long check_heads(const char *p, unsigned long pages, uint64_t seed)
{
	unsigned long i;

	for (i = 0; i < pages; i++)
		if (smm_check_fill(p + i * PG, 64, seed, i * PG) >= 0)
			return i;
	return -1;
}

/* What became of @pages pages of @fd: the lists and the object. */
static void show_kept(int fd, unsigned long pages)
{
	printf("# Unevictable %lld kB, resident %llu of %lu, pswpout %lld, rescued %lld\n",
	       smm_meminfo_kb("Unevictable:"),
	       (unsigned long long)smm_info(fd).resident_pages, pages,
	       smm_vmstat("pswpout"), smm_vmstat("unevictable_pgs_rescued"));
}

/* Write @pages pages of pattern @seed through @p, then check every byte. */
static long fill_and_check(char *p, unsigned long first, unsigned long pages,
			   uint64_t seed)
{
	unsigned long i;
	long bad;

	for (i = first; i < first + pages; i++)
		smm_fill(p + i * PG, PG, seed, i * PG);
	for (i = first; i < first + pages; i++) {
		bad = smm_check_fill(p + i * PG, PG, seed, i * PG);
		if (bad >= 0)
			return i * PG + bad;
	}
	return -1;
}

TEST(module_has_small_region)
{
	ASSERT_TRUE(smm_region_is(REGION_MB));
	ASSERT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapTotal:"));
}

/* Three times the region through one mapping, every byte read back. */
TEST(three_times_region_one_mapping)
{
	unsigned long pages = 3 * REGION_PAGES;
	long long out0 = smm_vmstat("pswpout"), in0 = smm_vmstat("pswpin");
	long long maj0 = smm_vmstat("pgmajfault");
	struct shadowmm_info info;
	double t0 = now_s();
	int fd = smm_open();
	char *p;

	ASSERT_GE(fd, 0);
	p = map_shared(fd, pages * PG);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, fill_and_check(p, 0, pages, 1));
	info = smm_info(fd);
	EXPECT_GT(info.faults_major, 0);
	EXPECT_LT(info.resident_pages, REGION_PAGES);
	EXPECT_GT(smm_vmstat("pswpout") - out0, (long long)REGION_PAGES);
	EXPECT_GT(smm_vmstat("pswpin") - in0, 0);
	printf("# 3x region (%lu MiB): %.1f s, pswpout %lld, pswpin %lld, major faults %lld\n",
	       pages * PG >> 20, now_s() - t0, smm_vmstat("pswpout") - out0,
	       smm_vmstat("pswpin") - in0, smm_vmstat("pgmajfault") - maj0);
	EXPECT_EQ(0, munmap(p, pages * PG));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
	/* The object's slots went with it. */
	EXPECT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapFree:"));
}

struct quarter {
	char *p;
	unsigned long first, pages;
	long bad;
};

static void *quarter_thread(void *arg)
{
	struct quarter *q = arg;

	q->bad = fill_and_check(q->p, q->first, q->pages, 2);
	return NULL;
}

/* The same split over 2 processes of 2 threads, on one shared object. */
TEST(three_times_region_two_processes_two_threads)
{
	unsigned long pages = 3 * REGION_PAGES, quarter = pages / 4;
	double t0 = now_s();
	int fd = smm_open(), c, status;
	pid_t pid[2];
	char *p;

	ASSERT_GE(fd, 0);
	p = map_shared(fd, pages * PG);
	ASSERT_NE(NULL, p);
	for (c = 0; c < 2; c++) {
		pid[c] = fork();
		ASSERT_GE(pid[c], 0);
		if (!pid[c]) {
			struct quarter q[2];
			pthread_t t[2];
			int i, bad = 0;

			for (i = 0; i < 2; i++) {
				q[i] = (struct quarter){ p, (c * 2 + i) * quarter, quarter, -1 };
				if (pthread_create(&t[i], NULL, quarter_thread, &q[i]))
					_exit(2);
			}
			for (i = 0; i < 2; i++) {
				pthread_join(t[i], NULL);
				if (q[i].bad >= 0) {
					fprintf(stderr, "# child %d thread %d: bad byte at %ld\n",
						c, i, q[i].bad);
					bad = 1;
				}
			}
			_exit(bad);
		}
	}
	for (c = 0; c < 2; c++) {
		ASSERT_EQ(pid[c], waitpid(pid[c], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* And the parent sees every byte the children wrote. */
	for (c = 0; c < 4; c++) {
		unsigned long i;

		for (i = c * quarter; i < (c + 1) * quarter; i++)
			if (smm_check_fill(p + i * PG, PG, 2, i * PG) >= 0)
				break;
		EXPECT_EQ((c + 1) * quarter, i);
	}
	printf("# 2 processes x 2 threads, 3x region: %.1f s\n", now_s() - t0);
	EXPECT_EQ(0, munmap(p, pages * PG));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/*
 * Scan + hot set: a stream twice the region is read in passes; between
 * every 256 pages of it the hot set (1/8 of the region) is touched.  The
 * hot set must stay resident: its major faults under 5 % of its accesses
 * in the median of three rounds of two passes each, after a warm-up
 * pass.  One round alone is not the measure: the classic policy loses
 * the hot set in bursts, in about one run in five on the emulator (in a
 * traced run, half the hot pages evicted had been deactivated since the
 * hot set's last touch, and evicted before its next), and a benchmark
 * goal for the policies is stated as a median over repeats.  Every pass
 * evicts and reads back nearly the whole stream, about 20 s on the test
 * kernel: two passes a round are enough to average a burst out.
 */
#define HOT_ROUNDS		3
#define HOT_ROUND_PASSES	2

TEST(hot_set_stays_resident)
{
	unsigned long hot = REGION_PAGES / 8, stream = 2 * REGION_PAGES;
	unsigned long i, j, k, chunk = 256;
	/* A round's touches of the hot set: one per chunk of each pass. */
	unsigned long accesses = HOT_ROUND_PASSES * hot * ((stream + chunk - 1) / chunk);
	unsigned long long faults[HOT_ROUNDS], t;
	struct shadowmm_info hi0 = { 0 }, hi1, si;
	int hfd = smm_open(), sfd = smm_open();
	int pass, round = 0;
	char *h, *s;

	ASSERT_GE(hfd, 0);
	ASSERT_GE(sfd, 0);
	h = map_shared(hfd, hot * PG);
	s = map_shared(sfd, stream * PG);
	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, s);
	for (i = 0; i < hot; i++)
		smm_fill(h + i * PG, 64, 3, i * PG);
	for (i = 0; i < stream; i++)
		smm_fill(s + i * PG, 64, 4, i * PG);

	/* One warm-up pass, then the rounds. */
	for (pass = 0; pass <= HOT_ROUNDS * HOT_ROUND_PASSES; pass++) {
		if (pass % HOT_ROUND_PASSES == 1)
			hi0 = smm_info(hfd);
		for (i = 0; i < stream; i += chunk) {
			for (j = i; j < i + chunk && j < stream; j++)
				touch(s + j * PG);
			for (k = 0; k < hot; k++)
				touch(h + k * PG);
		}
		if (pass && pass % HOT_ROUND_PASSES == 0) {
			hi1 = smm_info(hfd);
			faults[round] = hi1.faults_major - hi0.faults_major;
			printf("# round %d: hot set %lu pages, %llu major faults / %lu accesses (%.2f %%)\n",
			       round, hot, faults[round], accesses,
			       100.0 * faults[round] / accesses);
			round++;
		}
	}
	si = smm_info(sfd);
	printf("# stream major faults %llu\n", (unsigned long long)si.faults_major);
	/* The median of three. */
	for (i = 0; i < HOT_ROUNDS; i++)
		for (j = i + 1; j < HOT_ROUNDS; j++)
			if (faults[j] < faults[i]) {
				t = faults[i];
				faults[i] = faults[j];
				faults[j] = t;
			}
	EXPECT_LT(faults[HOT_ROUNDS / 2] * 20, accesses);
	/* The stream did not fit: it was evicted and read back. */
	EXPECT_GT(si.faults_major, stream / 2);
	for (i = 0; i < hot; i++)
		ASSERT_EQ(-1, smm_check_fill(h + i * PG, 64, 3, i * PG));
	for (i = 0; i < stream; i++)
		ASSERT_EQ(-1, smm_check_fill(s + i * PG, 64, 4, i * PG));
	munmap(h, hot * PG);
	munmap(s, stream * PG);
	close(hfd);
	close(sfd);
	EXPECT_TRUE(smm_validate_ok());
}

/* mlocked pages stay while twice the region streams past them. */
TEST(mlocked_never_evicted)
{
	unsigned long locked = REGION_PAGES / 16, stream = 2 * REGION_PAGES, i;
	int lfd = smm_open(), sfd = smm_open();
	struct shadowmm_info li;
	char *l, *s;

	ASSERT_GE(lfd, 0);
	ASSERT_GE(sfd, 0);
	l = map_shared(lfd, locked * PG);
	s = map_shared(sfd, stream * PG);
	ASSERT_NE(NULL, l);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, mlock(l, locked * PG));
	for (i = 0; i < locked; i++)
		smm_fill(l + i * PG, PG, 5, i * PG);
	ASSERT_TRUE(smm_knob("drain_lru 1"));
	EXPECT_GE(smm_meminfo_kb("Mlocked:"), (long long)locked * 4);
	for (i = 0; i < stream; i++)
		smm_fill(s + i * PG, 64, 6, i * PG);
	for (i = 0; i < stream; i++)
		ASSERT_EQ(-1, smm_check_fill(s + i * PG, 64, 6, i * PG));
	for (i = 0; i < locked; i++)
		ASSERT_EQ(-1, smm_check_fill(l + i * PG, PG, 5, i * PG));
	li = smm_info(lfd);
	printf("# %lu mlocked pages: %llu major faults, resident %llu\n", locked,
	       (unsigned long long)li.faults_major, (unsigned long long)li.resident_pages);
	EXPECT_EQ(0, li.faults_major);
	EXPECT_EQ(locked, li.resident_pages);
	EXPECT_GT(smm_info(sfd).faults_major, 0);
	munlock(l, locked * PG);
	munmap(l, locked * PG);
	munmap(s, stream * PG);
	close(lfd);
	close(sfd);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * munlock() never tells the module: pages of a mapping that stays after it
 * leave the unevictable list only because reclaim looks for pages no
 * longer mlocked there (unevictable_pgs_rescued), and then go.
 */
TEST(munlocked_mapping_becomes_evictable)
{
	unsigned long locked = REGION_PAGES / 4;
	long long rescued0 = smm_vmstat("unevictable_pgs_rescued");
	int fd = smm_open();
	char *l;

	ASSERT_GE(fd, 0);
	l = map_shared(fd, locked * PG);
	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, mlock(l, locked * PG));
	fill_heads(l, locked, 9);
	ASSERT_TRUE(smm_knob("drain_lru 1"));
	ASSERT_GE(smm_meminfo_kb("Unevictable:"), (long long)locked * 4);
	ASSERT_EQ(0, munlock(l, locked * PG));
	EXPECT_EQ(0, smm_meminfo_kb("Mlocked:"));
	/* More than is resident: passes down to priority 0. */
	ASSERT_TRUE(smm_knob("reclaim 1024"));
	show_kept(fd, locked);
	EXPECT_EQ(0, smm_meminfo_kb("Unevictable:"));
	EXPECT_GE(smm_vmstat("unevictable_pgs_rescued") - rescued0, (long long)locked);
	EXPECT_LT(smm_info(fd).resident_pages, locked / 2);
	ASSERT_EQ(-1, check_heads(l, locked, 9));
	munmap(l, locked * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * Two locked mappings of the same pages, one unmapped: the kernel's
 * munlock of it clears PG_mlocked though the other still locks them
 * (it counts a page's locked mappings only on its own LRU).  Reclaim,
 * looking for munlocked pages, must find the other mapping and leave
 * them: none is written out, none faults back in.
 */
TEST(page_locked_by_another_mapping_stays)
{
	unsigned long locked = REGION_PAGES / 8;
	int fd = smm_open();
	char *p, *q;

	ASSERT_GE(fd, 0);
	p = mmap(NULL, locked * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	q = mmap(NULL, locked * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	fill_heads(p, locked, 10);
	ASSERT_TRUE(smm_knob("drain_lru 1"));
	ASSERT_EQ(0, munmap(p, locked * PG));
	ASSERT_TRUE(smm_knob("reclaim 1024"));
	show_kept(fd, locked);
	EXPECT_EQ(locked, smm_info(fd).resident_pages);
	EXPECT_GE(smm_meminfo_kb("Unevictable:"), (long long)locked * 4);
	ASSERT_EQ(-1, check_heads(q, locked, 10));
	EXPECT_EQ(0, smm_info(fd).faults_major);
	munmap(q, locked * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * A write to a locked private mapping copies the object's page: the copy
 * is what the mapping holds, and the object's page must not go to the
 * unevictable list, where nothing would ever take it off.
 */
TEST(locked_private_copy_leaves_source_evictable)
{
	unsigned long pages = 256, i;
	int fd = smm_open();
	char *p;

	ASSERT_GE(fd, 0);
	p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* Populated by write faults: each copies a new zero page of the object. */
	ASSERT_EQ(0, mlock(p, pages * PG));
	for (i = 0; i < pages; i++)
		p[i * PG] = 1;
	ASSERT_TRUE(smm_knob("drain_lru 1"));
	ASSERT_EQ(pages, smm_info(fd).resident_pages);
	printf("# Unevictable %lld kB with %lu private copies locked\n",
	       smm_meminfo_kb("Unevictable:"), pages);
	EXPECT_EQ(0, smm_meminfo_kb("Unevictable:"));
	munmap(p, pages * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * In a child: map @most pages of a new object and write 64 bytes of
 * pattern @seed to each (the compressed store holds them cheaply) until
 * SIGBUS; then punch the newest 1024 pages, for room, and check every
 * older one.  0 on success, with the pages it got in *@got.
 */
static int fill_to_sigbus(unsigned long most, uint64_t seed, unsigned long *got)
{
	int fd = smm_open(), sig = 0;
	unsigned long n, keep, i;
	char *c;

	if (fd < 0)
		return 2;
	c = map_shared(fd, most * PG);
	if (!c)
		return 3;
	for (n = 0; n < most; n++) {
		sig = smm_touch(c + n * PG, 1, 1, NULL);
		if (sig)
			break;
		smm_fill(c + n * PG, 64, seed, n * PG);
	}
	*got = n;
	if (sig != SIGBUS) {
		fprintf(stderr, "# child: %lu pages, signal %d\n", n, sig);
		return 4;
	}
	printf("# child: SIGBUS after %lu pages; SwapFree %lld kB\n", n,
	       smm_meminfo_kb("SwapFree:"));
	/* The child leaves with _exit(), which flushes nothing. */
	fflush(stdout);
	keep = n > 1024 ? n - 1024 : 0;
	if (smm_punch(fd, keep * PG, (n + 1 - keep) * PG))
		return 5;
	for (i = 0; i < keep; i++)
		if (smm_check_fill(c + i * PG, 64, seed, i * PG) >= 0) {
			fprintf(stderr, "# child: page %lu of %lu lost\n", i, keep);
			return 6;
		}
	return 0;
}

/*
 * Region and store full: the child filling them gets SIGBUS; it then
 * frees its newest pages and finds every older one intact, and after it
 * exits the parent's pages are intact too.
 */
TEST(store_full_sigbus)
{
	unsigned long mine = REGION_PAGES, i;
	unsigned long most = REGION_PAGES + STORE_PAGES + 1024;
	long long sigbus0 = smm_vmstat("pgfault_sigbus");
	int fd = smm_open(), status;
	char *p;
	pid_t pid;

	ASSERT_GE(fd, 0);
	p = map_shared(fd, mine * PG);
	ASSERT_NE(NULL, p);
	for (i = 0; i < mine; i++)
		smm_fill(p + i * PG, 64, 7, i * PG);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		unsigned long n;
		int ret = fill_to_sigbus(most, 8, &n);

		_exit(ret ? ret : n < REGION_PAGES + STORE_PAGES / 2 ? 7 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_GT(smm_vmstat("pgfault_sigbus"), sigbus0);
	for (i = 0; i < mine; i++)
		ASSERT_EQ(-1, smm_check_fill(p + i * PG, 64, 7, i * PG));
	munmap(p, mine * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
	EXPECT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapFree:"));
}

/* ---- reclaim beside concurrent faults, munmap and fork ---- */

#define CONC_PAGES	(2 * REGION_PAGES)
#define CONC_SECONDS	10

struct conc {
	int fd;
	char *p;
	int stop;		/* __atomic: read by every thread */
	uint64_t *stamp;	/* per page: what its first 8 bytes hold */
	long errors;
};

struct writer {
	struct conc *c;
	unsigned long first, pages;
	unsigned int seed;
};

/* Rewrite random pages of its half with new stamps, checking the old. */
static void *conc_writer(void *arg)
{
	struct writer *w = arg;
	struct conc *c = w->c;
	uint64_t n = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long i = w->first + rand_r(&w->seed) % w->pages;
		uint64_t *q = (uint64_t *)(c->p + i * PG);

		if (*q != c->stamp[i])
			__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
		c->stamp[i] = (i << 32) | ++n;
		*q = c->stamp[i];
	}
	return NULL;
}

/* Map, touch, punch a hole in the mapping, unmap, again. */
static void *conc_mapper(void *arg)
{
	struct conc *c = arg;
	unsigned int seed = 3;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		unsigned long off = rand_r(&seed) % (CONC_PAGES - 64);
		char *m = mmap(NULL, 64 * PG, PROT_READ, MAP_SHARED, c->fd, off * PG);
		int i;

		if (m == MAP_FAILED) {
			__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		for (i = 0; i < 64; i += 3)
			touch(m + i * PG);
		munmap(m + 16 * PG, 16 * PG);
		for (i = 0; i < 16; i++)
			touch(m + i * PG);
		munmap(m, 16 * PG);
		munmap(m + 32 * PG, 32 * PG);
	}
	return NULL;
}

/* Fork children that read through the inherited mapping and exit. */
static void *conc_forker(void *arg)
{
	struct conc *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		if (!pid) {
			unsigned long i;

			for (i = 0; i < CONC_PAGES; i += 17)
				touch(c->p + i * PG);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Pages reclaimed so far, by kswapd and directly. */
static long long steals(void)
{
	return smm_vmstat("pgsteal_kswapd") + smm_vmstat("pgsteal_direct");
}

/*
 * Every page is written first, twice the region: at least half of them
 * are in the store when the threads start, so their faults bring pages
 * back and reclaim must run while they map, unmap and fork.  The counters
 * are read around the threads' run only.
 */
TEST(reclaim_beside_faults_munmap_fork)
{
	struct conc c = { .fd = smm_open() };
	long long steal0, in0, steal1, in1;
	struct writer w[2];
	pthread_t t[4];
	unsigned long i;
	int k;

	ASSERT_GE(c.fd, 0);
	c.p = map_shared(c.fd, CONC_PAGES * PG);
	ASSERT_NE(NULL, c.p);
	c.stamp = calloc(CONC_PAGES, sizeof(*c.stamp));
	ASSERT_NE(NULL, c.stamp);
	for (i = 0; i < CONC_PAGES; i++) {
		c.stamp[i] = i << 32;
		*(uint64_t *)(c.p + i * PG) = c.stamp[i];
	}
	ASSERT_LT(smm_info(c.fd).resident_pages, CONC_PAGES);
	steal0 = steals();
	in0 = smm_vmstat("pswpin");
	ASSERT_LE(0, steal0);
	ASSERT_LE(0, in0);
	for (k = 0; k < 2; k++) {
		w[k] = (struct writer){ &c, k * CONC_PAGES / 2, CONC_PAGES / 2, k + 1 };
		ASSERT_EQ(0, pthread_create(&t[k], NULL, conc_writer, &w[k]));
	}
	ASSERT_EQ(0, pthread_create(&t[2], NULL, conc_mapper, &c));
	ASSERT_EQ(0, pthread_create(&t[3], NULL, conc_forker, &c));
	sleep(CONC_SECONDS);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (k = 0; k < 4; k++)
		pthread_join(t[k], NULL);
	/* Up to the join: the check below faults pages back too. */
	steal1 = steals();
	in1 = smm_vmstat("pswpin");
	EXPECT_EQ(0, c.errors);
	for (i = 0; i < CONC_PAGES; i++)
		if (*(uint64_t *)(c.p + i * PG) != c.stamp[i])
			break;
	EXPECT_EQ(CONC_PAGES, i);
	printf("# while the threads ran: %lld pages reclaimed, %lld read back\n",
	       steal1 - steal0, in1 - in0);
	EXPECT_GT(steal1 - steal0, 0);
	EXPECT_GT(in1 - in0, 0);
	munmap(c.p, CONC_PAGES * PG);
	close(c.fd);
	free(c.stamp);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * The counters move by what this test's own reclaim did.  First on
 * demand: 256 pages written with write(), never mapped, and the knob
 * "reclaim 256" evicts them all (counted as direct reclaim, no stall);
 * read back, each comes from the store once, as a refault.  Then under
 * pressure: one and a half regions written through a mapping wake kswapd,
 * and every page of it that is not resident was reclaimed and stored.
 */
#define KNOB_PAGES	256UL

TEST(reclaim_counters)
{
	unsigned long i, n = REGION_PAGES + REGION_PAGES / 2, gone;
	long long steal_d, scan_d, out, in, refault, stall, run, scan_k, steal, stolen = 0, swapped = 0;
	int tries;
	struct shadowmm_info info;
	char buf[PG], *p;
	int fd = smm_open();

	ASSERT_GE(fd, 0);
	for (i = 0; i < KNOB_PAGES; i++) {
		smm_fill(buf, PG, 9, i * PG);
		ASSERT_EQ(PG, pwrite(fd, buf, PG, i * PG));
	}
	ASSERT_TRUE(smm_knob("drain_lru 1"));
	ASSERT_EQ(KNOB_PAGES, smm_info(fd).resident_pages);
	steal_d = smm_vmstat("pgsteal_direct");
	scan_d = smm_vmstat("pgscan_direct");
	out = smm_vmstat("pswpout");
	stall = smm_vmstat("allocstall_high");
	ASSERT_LE(0, steal_d);
	ASSERT_LE(0, scan_d);
	ASSERT_LE(0, out);
	ASSERT_LE(0, stall);

	ASSERT_TRUE(smm_knob("reclaim 256"));
	gone = KNOB_PAGES - smm_info(fd).resident_pages;
	EXPECT_EQ(KNOB_PAGES, gone);
	EXPECT_EQ((long long)gone, smm_vmstat("pgsteal_direct") - steal_d);
	EXPECT_EQ((long long)gone, smm_vmstat("pswpout") - out);
	EXPECT_LE((long long)gone, smm_vmstat("pgscan_direct") - scan_d);
	EXPECT_EQ(stall, smm_vmstat("allocstall_high"));

	in = smm_vmstat("pswpin");
	refault = smm_vmstat("workingset_refault");
	ASSERT_LE(0, in);
	ASSERT_LE(0, refault);
	for (i = 0; i < KNOB_PAGES; i++) {
		ASSERT_EQ(PG, pread(fd, buf, PG, i * PG));
		ASSERT_EQ(-1, smm_check_fill(buf, PG, 9, i * PG)) TH_LOG("page %lu", i);
	}
	EXPECT_EQ((long long)gone, smm_vmstat("pswpin") - in);
	EXPECT_EQ((long long)gone, smm_vmstat("workingset_refault") - refault);
	EXPECT_EQ(KNOB_PAGES, smm_info(fd).resident_pages);
	close(fd);

	fd = smm_open();
	ASSERT_GE(fd, 0);
	p = map_shared(fd, n * PG);
	ASSERT_NE(NULL, p);
	run = smm_vmstat("pageoutrun");
	scan_k = smm_vmstat("pgscan_kswapd");
	steal = smm_vmstat("pgsteal_kswapd") + smm_vmstat("pgsteal_direct");
	out = smm_vmstat("pswpout");
	ASSERT_LE(0, run);
	ASSERT_LE(0, scan_k);
	ASSERT_LE(0, out);
	for (i = 0; i < n; i++)
		smm_fill(p + i * PG, 8, 10, i * PG);
	/*
	 * kswapd may still be running: a page it has taken off the object
	 * is counted as stolen when its batch ends.  Read until the counts
	 * cover what left (they must within 5 s), so only a page that left
	 * without being counted fails.
	 */
	for (tries = 0; tries < 500; tries++) {
		info = smm_info(fd);
		gone = n - info.resident_pages;
		stolen = smm_vmstat("pgsteal_kswapd") + smm_vmstat("pgsteal_direct") - steal;
		swapped = smm_vmstat("pswpout") - out;
		if ((long long)gone <= stolen && (long long)gone <= swapped)
			break;
		usleep(10000);
	}
	printf("# %lu pages written, %lu not resident; pageoutrun +%lld, pgscan_kswapd +%lld\n",
	       n, gone, smm_vmstat("pageoutrun") - run, smm_vmstat("pgscan_kswapd") - scan_k);
	EXPECT_GT(gone, 0);
	EXPECT_LT(run, smm_vmstat("pageoutrun"));
	EXPECT_LT(scan_k, smm_vmstat("pgscan_kswapd"));
	EXPECT_LE((long long)gone, stolen);
	EXPECT_LE((long long)gone, swapped);
	munmap(p, n * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

/* The backing store is a swap file (debugfs swap's backend line). */
static int smm_store_is_file(void)
{
	char *s = smm_slurp(SMM_DEBUGFS "/swap");
	int file = s && !strncmp(s, "backend file ", 13);

	free(s);
	return file;
}

/*
 * The child of swap_file_evicts_under_fsize_limit: KNOB_PAGES pages of
 * its own, then RLIMIT_FSIZE 0 with SIGXFSZ at its default (death), then
 * its pages evicted through the reclaim knob and twice the region faulted
 * in (direct reclaim in its faults), every byte checked.  0 on success.
 */
static int fsize_child(void)
{
	struct rlimit none = { 0, 0 };
	unsigned long i, n = 2 * REGION_PAGES;
	int fd = smm_open(), mfd = smm_open();
	long long out;
	char buf[PG], *p;

	if (fd < 0 || mfd < 0)
		return 10;
	for (i = 0; i < KNOB_PAGES; i++) {
		smm_fill(buf, PG, 11, i * PG);
		if (pwrite(fd, buf, PG, i * PG) != PG)
			return 11;
	}
	if (!smm_knob("drain_lru 1"))
		return 12;
	signal(SIGXFSZ, SIG_DFL);
	if (setrlimit(RLIMIT_FSIZE, &none))
		return 13;
	out = smm_vmstat("pswpout");
	if (!smm_knob("reclaim 256")) {
		fprintf(stderr, "# child: reclaim knob: %s\n", strerror(errno));
		return 14;
	}
	if (smm_info(fd).resident_pages || smm_vmstat("pswpout") - out < (long long)KNOB_PAGES) {
		fprintf(stderr, "# child: %llu pages still resident, pswpout +%lld\n",
			(unsigned long long)smm_info(fd).resident_pages,
			smm_vmstat("pswpout") - out);
		return 15;
	}
	p = map_shared(mfd, n * PG);
	if (!p)
		return 16;
	for (i = 0; i < n; i++)
		smm_fill(p + i * PG, 64, 12, i * PG);
	for (i = 0; i < n; i++)
		if (smm_check_fill(p + i * PG, 64, 12, i * PG) >= 0) {
			fprintf(stderr, "# child: mapped page %lu differs\n", i);
			return 17;
		}
	for (i = 0; i < KNOB_PAGES; i++)
		if (pread(fd, buf, PG, i * PG) != PG || smm_check_fill(buf, PG, 11, i * PG) >= 0) {
			fprintf(stderr, "# child: page %lu did not come back\n", i);
			return 18;
		}
	munmap(p, n * PG);
	close(mfd);
	close(fd);
	return 0;
}

/*
 * With the store in a swap file, evicting is no write of the evicting
 * task's: one under RLIMIT_FSIZE 0 (ulimit -f 0) that evicts through the
 * reclaim knob and through its own faults gets no SIGXFSZ, its pages are
 * evicted (pswpout grows) and every byte comes back.  The file's writes
 * once ran in the evicting task, whose limit the file system applied.
 */
TEST(swap_file_evicts_under_fsize_limit)
{
	long long out0 = smm_vmstat("pswpout"), direct0 = smm_vmstat("pgscan_direct");
	int status;
	pid_t pid;

	if (!smm_store_is_file())
		SKIP(return, "the backing store is not a swap file");
	ASSERT_LE(0, out0);
	ASSERT_LE(0, direct0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(fsize_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFSIGNALED(status))
		TH_LOG("child killed by signal %d (%s)", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	printf("# pswpout +%lld, pgscan_direct +%lld\n", smm_vmstat("pswpout") - out0,
	       smm_vmstat("pgscan_direct") - direct0);
	EXPECT_GE(smm_vmstat("pswpout") - out0, (long long)KNOB_PAGES);
	EXPECT_TRUE(smm_validate_ok());
	EXPECT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapFree:"));
}

/* The swap file's path, from the swap_file parameter, or NULL. */
static char *swap_file_path(void)
{
	char *s = smm_slurp("/sys/module/shadowmm/parameters/swap_file");

	if (!s)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	if (s[0] != '/') {
		free(s);
		return NULL;
	}
	return s;
}

/* Bytes the file system holding @path has left for an unprivileged write. */
static long long fs_room(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv))
		return -1;
	return (long long)sv.f_bavail * sv.f_frsize;
}

/*
 * A swap file whose file system fills up before the store does (a sparse
 * file on a small tmpfs: scripts/vm/plans/check.sh mounts one): writes
 * the file system refuses are counted in vmstat's pswpout_fail and leave
 * their pages resident, so a program filling region and file system gets
 * SIGBUS with every page it keeps intact, and the slots come back.  Such
 * failures were neither counted nor logged: the store only looked full.
 */
TEST(swap_file_write_errors_counted)
{
	long long fail0 = smm_vmstat("pswpout_fail"), out0 = smm_vmstat("pswpout");
	unsigned long *got, most;
	long long room;
	int status;
	char *path;
	pid_t pid;

	if (!smm_store_is_file())
		SKIP(return, "the backing store is not a swap file");
	path = swap_file_path();
	ASSERT_NE(NULL, path);
	room = fs_room(path);
	free(path);
	ASSERT_LE(0, room);
	if (room >= STORE_PAGES * PG / 2)
		SKIP(return, "the swap file's file system has room for half the store");
	ASSERT_LE(0, fail0);
	ASSERT_LE(0, out0);
	got = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, got);
	most = REGION_PAGES + room / PG + 2048;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(fill_to_sigbus(most, 9, got));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	printf("# file system room %lld kB: SIGBUS after %lu pages, pswpout +%lld, pswpout_fail +%lld\n",
	       room / 1024, *got, smm_vmstat("pswpout") - out0, smm_vmstat("pswpout_fail") - fail0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Pages did go to the file until it was full. */
	EXPECT_GT(smm_vmstat("pswpout") - out0, 0);
	EXPECT_GT(smm_vmstat("pswpout_fail"), fail0);
	EXPECT_TRUE(smm_validate_ok());
	EXPECT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapFree:"));
	munmap(got, PG);
}

/*
 * The swap file's reads and writes are the store's own: no inotify event
 * (anyone may watch its directory) tells another user when pages are
 * evicted or swapped in.  Every eviction raised IN_MODIFY, every swap-in
 * IN_ACCESS.
 */
TEST(swap_file_io_raises_no_file_events)
{
	unsigned long pages = 2 * REGION_PAGES;
	long long out0 = smm_vmstat("pswpout"), in0 = smm_vmstat("pswpin");
	struct stat st;
	int ifd, fd, wd;
	char ev[4096];
	char *path, *p;
	ssize_t n;

	if (!smm_store_is_file())
		SKIP(return, "the backing store is not a swap file");
	path = swap_file_path();
	ASSERT_NE(NULL, path);
	ASSERT_EQ(0, stat(path, &st));
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, ifd);
	wd = inotify_add_watch(ifd, path, IN_MODIFY | IN_ACCESS | IN_ATTRIB);
	ASSERT_LE(0, wd);
	fd = smm_open();
	ASSERT_GE(fd, 0);
	p = map_shared(fd, pages * PG);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, fill_and_check(p, 0, pages, 3));
	EXPECT_GT(smm_vmstat("pswpout") - out0, (long long)REGION_PAGES / 2);
	EXPECT_GT(smm_vmstat("pswpin") - in0, 0);

	n = read(ifd, ev, sizeof(ev));
	if (n > 0)
		TH_LOG("%zd bytes of inotify events for %s", n, path);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);

	EXPECT_EQ(0, munmap(p, pages * PG));
	close(fd);
	close(ifd);
	free(path);
	EXPECT_TRUE(smm_validate_ok());
	EXPECT_EQ(STORE_MB * 1024LL, smm_meminfo_kb("SwapFree:"));
}

/* TLB shootdown interrupts @cpu has taken (/proc/interrupts), or -1. */
static long long tlb_shootdowns(int cpu)
{
	FILE *f = fopen("/proc/interrupts", "re");
	long long n = -1;
	char line[1024];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *end;
		int i;

		while (*s == ' ')
			s++;
		if (strncmp(s, "TLB:", 4))
			continue;
		s += 4;
		for (i = 0; i <= cpu; i++) {
			n = strtoll(s, &end, 10);
			if (end == s) {
				n = -1;
				break;
			}
			s = end;
		}
		break;
	}
	fclose(f);
	return n;
}

static int pin_to(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static int spin_stop;

/* Keeps the process's mm loaded on CPU 1, in user mode, touching nothing. */
static void *spinner(void *arg)
{
	while (!__atomic_load_n(&spin_stop, __ATOMIC_RELAXED))
		;
	return NULL;
}

/*
 * Pages written through a shared mapping have dirty ptes, and the kernel
 * zaps those with a TLB flush before it drops the page table lock: a
 * shootdown IPI to every other CPU running the process, waited for with
 * that lock held.  Reclaim unmaps a batch's victims together, one flush
 * per run of consecutive pages and page table, so evicting 1024
 * consecutive pages from CPU 0 while a thread of the process runs on
 * CPU 1 must cost CPU 1 well under one shootdown a page (page by page it
 * took one for each).
 */
#define RUN_PAGES	1024UL

TEST(eviction_flushes_tlb_per_run)
{
	long long out, tlb0, tlb1, evicted;
	unsigned long i;
	pthread_t t;
	char *p;
	int fd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || tlb_shootdowns(1) < 0)
		SKIP(return, "needs two CPUs and x86's TLB line in /proc/interrupts");
	fd = smm_open();
	ASSERT_GE(fd, 0);
	p = map_shared(fd, RUN_PAGES * PG);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pin_to(pthread_self(), 0));
	for (i = 0; i < RUN_PAGES; i++)
		smm_fill(p + i * PG, PG, 11, i * PG);
	ASSERT_TRUE(smm_knob("drain_lru 1"));
	__atomic_store_n(&spin_stop, 0, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_create(&t, NULL, spinner, NULL));
	ASSERT_EQ(0, pin_to(t, 1));
	usleep(100000);

	out = smm_vmstat("pswpout");
	tlb0 = tlb_shootdowns(1);
	ASSERT_LE(0, out);
	ASSERT_LE(0, tlb0);
	EXPECT_TRUE(smm_knob("reclaim 1024"));
	tlb1 = tlb_shootdowns(1);
	evicted = smm_vmstat("pswpout") - out;
	__atomic_store_n(&spin_stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);

	printf("# %lld pages evicted, %lld TLB shootdowns on CPU 1\n", evicted, tlb1 - tlb0);
	EXPECT_LE((long long)RUN_PAGES / 2, evicted);
	EXPECT_LE((tlb1 - tlb0) * 8, evicted);
	for (i = 0; i < RUN_PAGES; i++)
		ASSERT_EQ(-1, smm_check_fill(p + i * PG, PG, 11, i * PG)) TH_LOG("page %lu", i);
	munmap(p, RUN_PAGES * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

TEST_HARNESS_MAIN
