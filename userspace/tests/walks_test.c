// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs walks over everything a pool holds, on a large region with
 * many processes and mappings: "validate" (every object's pages and
 * evicted-page records), "vmas" (every process's mappings, with resident
 * counts) and the shadow trim must hold no spinlock, interrupt-off section
 * or RCU read section across a walk whose length a user controls.  The
 * soft-lockup detector is set to fire after 4 s and RCU stall warnings
 * after 5 s for the duration, and the run fails on either report in the
 * kernel log; the walks are also timed against a reader of the same files
 * that must not be held up behind them.
 *
 * Needs a module load of its own with a large region and no store:
 * size_mb=256 swap_mb=0 (scripts/vm/plans/check.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_test.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	900

#define REGION_MB	256
#define OBJ_PAGES	(REGION_MB * 256UL * 3 / 4)	/* most of the region */
#define PROCS		48
#define MAPS		32	/* per process, each its own vma */

static int read_str(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	buf[got] = 0;
	return 0;
}

/* Lines of a debugfs file (read whole), or -1. */
static long count_lines(const char *name)
{
	char path[128];
	char *s, *c;
	long n = 0;

	snprintf(path, sizeof(path), "%s/%s", SMM_DEBUGFS, name);
	s = smm_slurp(path);
	if (!s)
		return -1;
	for (c = s; *c; c++)
		n += *c == '\n';
	free(s);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(walks) {
	char thresh[32], stall[32];
	int fd;
	pid_t kids[PROCS];
	int ready[2];
};

FIXTURE_SETUP(walks)
{
	unsigned long i;
	char *p;
	int k;

	ASSERT_EQ(0, read_str("/proc/sys/kernel/watchdog_thresh", self->thresh,
			      sizeof(self->thresh)));
	ASSERT_EQ(0, read_str("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout",
			      self->stall, sizeof(self->stall)));
	ASSERT_EQ(0, smm_write_str("/proc/sys/kernel/watchdog_thresh", "2"));
	ASSERT_EQ(0, smm_write_str("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout", "5"));

	self->fd = smm_open();
	ASSERT_LE(0, self->fd);
	p = mmap(NULL, OBJ_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < OBJ_PAGES; i++)
		p[i * PG] = (char)i | 1;
	ASSERT_EQ(0, munmap(p, OBJ_PAGES * PG));

	/* Processes with many small mappings each, all of the same object. */
	ASSERT_EQ(0, pipe(self->ready));
	for (k = 0; k < PROCS; k++) {
		self->kids[k] = fork();
		ASSERT_LE(0, self->kids[k]);
		if (!self->kids[k]) {
			unsigned long span = OBJ_PAGES / MAPS;
			int m;

			for (m = 0; m < MAPS; m++)
				if (mmap(NULL, (span - 1) * PG, PROT_READ, MAP_SHARED,
					 self->fd, ((m * span + k) % (OBJ_PAGES - span)) * PG) ==
				    MAP_FAILED)
					_exit(1);
			if (write(self->ready[1], "r", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	for (k = 0; k < PROCS; k++) {
		char c;

		ASSERT_EQ(1, read(self->ready[0], &c, 1));
	}
}

FIXTURE_TEARDOWN(walks)
{
	int k, status;

	for (k = 0; k < PROCS; k++)
		if (self->kids[k] > 0) {
			kill(self->kids[k], SIGKILL);
			waitpid(self->kids[k], &status, 0);
		}
	close(self->fd);
	smm_write_str("/proc/sys/kernel/watchdog_thresh", self->thresh);
	smm_write_str("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout", self->stall);
}

/* Every mapping listed, with its resident count; validate agrees. */
TEST_F(walks, vmas_and_validate_on_a_large_pool)
{
	double t0, t;
	int round;

	for (round = 0; round < 3; round++) {
		t0 = now_s();
		EXPECT_EQ(1 + PROCS * MAPS, count_lines("vmas"));
		t = now_s() - t0;
		TH_LOG("vmas: %d mappings in %.2f s", PROCS * MAPS, t);
		t0 = now_s();
		EXPECT_TRUE(smm_validate_ok());
		TH_LOG("validate: %lu pages in %.2f s", OBJ_PAGES, now_s() - t0);
	}
	EXPECT_EQ(OBJ_PAGES, smm_info(self->fd).resident_pages);
}

/*
 * A reader of "vmas" that a fatal signal hits while it waits for a
 * process's mmap_lock goes away: many readers at once, all killed, all
 * reaped within seconds.
 */
TEST_F(walks, vmas_readers_can_be_killed)
{
	pid_t readers[8];
	int k, status;
	double t0;

	for (k = 0; k < 8; k++) {
		readers[k] = fork();
		ASSERT_LE(0, readers[k]);
		if (!readers[k]) {
			for (;;)
				count_lines("vmas");
		}
	}
	sleep(2);
	t0 = now_s();
	for (k = 0; k < 8; k++)
		kill(readers[k], SIGKILL);
	for (k = 0; k < 8; k++) {
		ASSERT_EQ(readers[k], waitpid(readers[k], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
	}
	TH_LOG("8 readers reaped in %.2f s", now_s() - t0);
	EXPECT_LT(now_s() - t0, 60.0);
}

TEST_HARNESS_MAIN
