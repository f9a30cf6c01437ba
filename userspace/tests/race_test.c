// SPDX-License-Identifier: GPL-2.0
/*
 * Races a program can start against reclaim, with every byte checked:
 * punch, pwrite, fault-around reads and kswapd's evictions on one object
 * at once (a page only ever holds its own bytes or zeroes, never another
 * index's); and objects closed while kswapd evicts their pages with every
 * shadowmm tracepoint on (an eviction must not read an object that its
 * last close freed); and pwrite() against pwrite() and pread() on one
 * range (each is atomic with respect to the others, as on a regular file),
 * and write() from threads sharing one fd (each moves the position once);
 * and a populate of a huge mapping, which only SIGKILL ends, ended by it.
 * Under KASAN a use after free or a page handed to the wrong index is a
 * report in the kernel log, which fails the run.
 *
 * Needs a module load with a small region and a large store:
 * size_mb=8 swap_mb=32 (scripts/vm/plans/check.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_test.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	900

#define OBJ_PAGES	(4096UL)	/* 16 MiB: twice the region */
#define RUN_SECONDS	15
#define EVENTS		"/sys/kernel/tracing/events/shadowmm/enable"

/* A page's bytes: its index in every 8-byte word, so a page holding
 * another index's contents is told apart from one holding its own.
 */
static void fill_page(uint64_t *p, uint64_t index)
{
	size_t i;

	for (i = 0; i < PG / 8; i++)
		p[i] = index * 0x100000001ULL + 0x5a5a;
}

/*
 * 0 when every word of @p is its own index's or zero (a read racing a
 * write into a fresh page may see some of each), else the index held + 1.
 */
static uint64_t page_wrong(const uint64_t *p, uint64_t index)
{
	uint64_t want = index * 0x100000001ULL + 0x5a5a;
	size_t i;

	for (i = 0; i < PG / 8; i++)
		if (p[i] && p[i] != want)
			return (p[i] - 0x5a5a) / 0x100000001ULL + 1;
	return 0;
}

struct race {
	int fd;
	uint64_t *map;
	int stop;		/* __atomic: read by every thread */
	unsigned long bad, bad_index, bad_held;
	unsigned long punches, writes, reads;
	pthread_mutex_t lock;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void note_bad(struct race *r, uint64_t index, uint64_t held)
{
	pthread_mutex_lock(&r->lock);
	if (!r->bad++) {
		r->bad_index = index;
		r->bad_held = held;
	}
	pthread_mutex_unlock(&r->lock);
}

static void *puncher(void *arg)
{
	struct race *r = arg;
	uint64_t s = 0x1234567;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		uint64_t i = rnd(&s) % OBJ_PAGES, n = 1 + rnd(&s) % 8;

		if (i + n > OBJ_PAGES)
			n = OBJ_PAGES - i;
		if (!smm_punch(r->fd, i * PG, n * PG))
			__atomic_add_fetch(&r->punches, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct race *r = arg;
	uint64_t s = 0x7654321, buf[PG / 8];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		uint64_t i = rnd(&s) % OBJ_PAGES;

		fill_page(buf, i);
		if (pwrite(r->fd, buf, PG, i * PG) == (ssize_t)PG)
			__atomic_add_fetch(&r->writes, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Reads through the mapping: faults, fault-around, refaults. */
static void *reader(void *arg)
{
	struct race *r = arg;
	uint64_t s = 0xabcdef, copy[PG / 8];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		uint64_t i = rnd(&s) % OBJ_PAGES, held;

		memcpy(copy, r->map + i * (PG / 8), PG);
		held = page_wrong(copy, i);
		if (held)
			note_bad(r, i, held - 1);
		__atomic_add_fetch(&r->reads, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* pread of the same object: the file path against the same races. */
static void *preader(void *arg)
{
	struct race *r = arg;
	uint64_t s = 0xfedcba, copy[PG / 8];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		uint64_t i = rnd(&s) % OBJ_PAGES, held;

		if (pread(r->fd, copy, PG, i * PG) != (ssize_t)PG)
			continue;
		held = page_wrong(copy, i);
		if (held)
			note_bad(r, i, held - 1);
	}
	return NULL;
}

TEST(punch_write_fault_evict)
{
	void *(*fn[])(void *) = { puncher, writer, writer, reader, reader, preader };
	pthread_t t[ARRAY_SIZE(fn)];
	struct race r = { .lock = PTHREAD_MUTEX_INITIALIZER };
	long long evicted = smm_vmstat("pswpout");
	uint64_t i, buf[PG / 8];
	unsigned int k;

	r.fd = smm_open();
	ASSERT_GE(r.fd, 0);
	for (i = 0; i < OBJ_PAGES; i++) {
		fill_page(buf, i);
		ASSERT_EQ(pwrite(r.fd, buf, PG, i * PG), (ssize_t)PG);
	}
	r.map = mmap(NULL, OBJ_PAGES * PG, PROT_READ, MAP_SHARED, r.fd, 0);
	ASSERT_NE(r.map, MAP_FAILED);
	for (k = 0; k < ARRAY_SIZE(fn); k++)
		ASSERT_EQ(pthread_create(&t[k], NULL, fn[k], &r), 0);
	sleep(RUN_SECONDS);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	for (k = 0; k < ARRAY_SIZE(fn); k++)
		pthread_join(t[k], NULL);
	TH_LOG("%lu punches, %lu writes, %lu reads, %lld evictions",
	       r.punches, r.writes, r.reads, smm_vmstat("pswpout") - evicted);
	EXPECT_EQ(r.bad, 0) {
		TH_LOG("page %lu held page %lu's bytes", r.bad_index, r.bad_held);
	}
	EXPECT_GT(smm_vmstat("pswpout") - evicted, 0);
	EXPECT_GT(r.punches, 0);
	/* Every page, afterwards: its own bytes or zeroes. */
	for (i = 0; i < OBJ_PAGES; i++)
		ASSERT_EQ(page_wrong(r.map + i * (PG / 8), i), 0);
	EXPECT_EQ(smm_validate_ok(), 1);
	munmap(r.map, OBJ_PAGES * PG);
	close(r.fd);
}

/*
 * Children map more than the region, write it and exit at once, so their
 * objects' last references go while kswapd is still evicting those
 * objects' pages with the eviction tracepoint on.
 */
TEST(close_while_tracing_evictions)
{
	long long evicted = smm_vmstat("pswpout");
	int round, k, status;

	if (smm_write_str(EVENTS, "1"))
		SKIP(return, "no tracefs at /sys/kernel/tracing");
	for (round = 0; round < 4; round++) {
		pid_t pid[2];

		for (k = 0; k < 2; k++) {
			pid[k] = fork();
			ASSERT_GE(pid[k], 0);
			if (!pid[k]) {
				int fd = smm_open();
				size_t len = 12UL << 20;
				char *p;

				if (fd < 0)
					_exit(1);
				p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (p == MAP_FAILED)
					_exit(1);
				smm_fill(p, len, round * 2 + k, 0);
				_exit(0);
			}
		}
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(waitpid(pid[k], &status, 0), pid[k]);
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
		}
	}
	smm_write_str(EVENTS, "0");
	EXPECT_GT(smm_vmstat("pswpout") - evicted, 0);
	EXPECT_EQ(smm_validate_ok(), 1);
}

/*
 * POSIX: a read() or write() of a regular file is atomic with respect to
 * the others.  Two writers each write 64 pages of one value of their own,
 * a third task reads the 64 pages back: every read must hold one value
 * throughout, never part of one write and part of another.
 */
#define ATOMIC_WORDS	(64 * PG / 8)

struct atomicity {
	int fd;
	int stop;		/* __atomic */
	unsigned long writes, reads, torn;
	uint64_t torn_first, torn_other;
};

static void *atomic_writer(void *arg)
{
	struct atomicity *a = arg;
	uint64_t *buf = malloc(ATOMIC_WORDS * 8);
	uint64_t me = (uint64_t)pthread_self(), n, i;

	for (n = 1; buf && !__atomic_load_n(&a->stop, __ATOMIC_RELAXED); n++) {
		for (i = 0; i < ATOMIC_WORDS; i++)
			buf[i] = me + n;
		if (pwrite(a->fd, buf, ATOMIC_WORDS * 8, 0) == ATOMIC_WORDS * 8)
			__atomic_add_fetch(&a->writes, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

/* Reads the 64 pages once; counts a read holding two values as torn. */
static void atomic_check(struct atomicity *a, uint64_t *buf)
{
	size_t i;

	if (pread(a->fd, buf, ATOMIC_WORDS * 8, 0) != ATOMIC_WORDS * 8)
		return;
	a->reads++;
	for (i = 1; i < ATOMIC_WORDS; i++)
		if (buf[i] != buf[0])
			break;
	if (i < ATOMIC_WORDS && !a->torn++) {
		a->torn_first = buf[0];
		a->torn_other = buf[i];
	}
}

static void *atomic_reader(void *arg)
{
	struct atomicity *a = arg;
	uint64_t *buf = malloc(ATOMIC_WORDS * 8);

	while (buf && !__atomic_load_n(&a->stop, __ATOMIC_RELAXED))
		atomic_check(a, buf);
	free(buf);
	return NULL;
}

TEST(writes_are_atomic_against_reads_and_writes)
{
	static uint64_t zero[ATOMIC_WORDS];
	struct atomicity a = { };
	pthread_t w[2], r;
	int k;

	a.fd = smm_open();
	ASSERT_GE(a.fd, 0);
	ASSERT_EQ(pwrite(a.fd, zero, sizeof(zero), 0), (ssize_t)sizeof(zero));
	for (k = 0; k < 2; k++)
		ASSERT_EQ(pthread_create(&w[k], NULL, atomic_writer, &a), 0);
	ASSERT_EQ(pthread_create(&r, NULL, atomic_reader, &a), 0);
	sleep(RUN_SECONDS / 3);
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELAXED);
	for (k = 0; k < 2; k++)
		pthread_join(w[k], NULL);
	pthread_join(r, NULL);
	/* And what the two writers left: one write's pages, all of them. */
	atomic_check(&a, zero);
	TH_LOG("%lu writes, %lu reads", a.writes, a.reads);
	EXPECT_EQ(a.torn, 0) {
		TH_LOG("%lu torn reads; the first held %#llx and %#llx", a.torn,
		       (unsigned long long)a.torn_first,
		       (unsigned long long)a.torn_other);
	}
	EXPECT_GT(a.writes, 0);
	EXPECT_GT(a.reads, 0);
	close(a.fd);
}

/*
 * Threads sharing one fd: each write() starts where the last one ended,
 * as on a regular file, so none lands on another's page.
 */
#define SHARED_WRITES	400

struct shared_fd {
	int fd;
	int tag;
};

static void *shared_fd_writer(void *arg)
{
	struct shared_fd *s = arg;
	char page[PG];
	int i;

	memset(page, s->tag, sizeof(page));
	for (i = 0; i < SHARED_WRITES; i++)
		if (write(s->fd, page, PG) != (ssize_t)PG)
			break;
	return NULL;
}

TEST(shared_fd_writes_do_not_overlap)
{
	struct shared_fd s[2];
	unsigned long count[2] = { 0, 0 }, other = 0, i;
	char page[PG];
	pthread_t t[2];
	int fd = smm_open(), k;

	ASSERT_GE(fd, 0);
	for (k = 0; k < 2; k++) {
		s[k] = (struct shared_fd){ .fd = fd, .tag = 'a' + k };
		ASSERT_EQ(pthread_create(&t[k], NULL, shared_fd_writer, &s[k]), 0);
	}
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	EXPECT_EQ(lseek(fd, 0, SEEK_CUR), (off_t)(2 * SHARED_WRITES * PG));
	for (i = 0; i < 2 * SHARED_WRITES; i++) {
		ASSERT_EQ(pread(fd, page, PG, i * PG), (ssize_t)PG);
		if (page[0] == 'a' || page[0] == 'b')
			count[page[0] - 'a']++;
		else
			other++;
	}
	EXPECT_EQ(count[0], SHARED_WRITES);
	EXPECT_EQ(count[1], SHARED_WRITES);
	EXPECT_EQ(other, 0);
	close(fd);
}

/*
 * A populate of a huge shared mapping (MAP_POPULATE here; a munlockall()
 * in another thread between mmap() and its populate does the same to a
 * mapping made under mlockall(MCL_FUTURE | MCL_ONFAULT)) faults in page
 * after page of the object's holes for as long as the address space lasts:
 * terabytes.  Nothing but SIGKILL ends it, and SIGKILL must, at once,
 * whatever reclaim the faults are in; the pages it made go with the
 * object's last reference.
 */
TEST(huge_populate_ends_on_sigkill)
{
	const size_t len = 1UL << 42;	/* 4 TiB */
	long long faults, objects, objects0 = smm_meminfo_kb("Objects:");
	struct timespec t0, t1;
	int status = 0, i;
	pid_t pid;

	faults = smm_vmstat("pgfault");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = smm_open();

		if (fd >= 0)
			mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_NORESERVE | MAP_POPULATE, fd, 0);
		_exit(fd < 0 ? 2 : 1);	/* it ended by itself */
	}
	/*
	 * Populating: the faults go on (this test alone faults now) and the
	 * child is still in it.  Emulation and KCSAN slow faults down: waited
	 * for, up to a minute.
	 */
	for (i = 0; i < 600 && smm_vmstat("pgfault") - faults <= 1000; i++)
		smm_msleep(100);
	EXPECT_GT(smm_vmstat("pgfault") - faults, 1000);
	EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0) {
		TH_LOG("the populate ended by itself: status %#x", status);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	for (i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
		smm_msleep(100);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_LT(i, 200) {
		TH_LOG("still populating 20 s after SIGKILL");
	}
	TH_LOG("%lld faults, reaped %.2f s after SIGKILL", smm_vmstat("pgfault") - faults,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Its object went with its exit; a page a CPU's batch held follows. */
	for (i = 0; i < 50 && (objects = smm_meminfo_kb("Objects:")) > objects0; i++)
		smm_msleep(100);
	EXPECT_EQ(objects, objects0);
	EXPECT_EQ(smm_validate_ok(), 1);
}

TEST_HARNESS_MAIN
