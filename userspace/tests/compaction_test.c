// SPDX-License-Identifier: GPL-2.0
/*
 * Compaction as a program sees it: a mapping over most of the region,
 * every other page punched so that the free frames interleave with the
 * pages held, then "compact 1" on the knobs file.  The free blocks of
 * order 9 and more (debugfs buddyinfo) come back to at least 90 % of what
 * each zone's free frames could make, every byte of the mapping reads
 * back identical (the pages held) or zero (the holes), through the
 * mapping and through read(), and validate stays clean.  The knob refuses
 * anything but 1, and the counters move (pgmigrate_success with them).
 * With the kernel's fault injection failing each slab allocation of the
 * knob's write in turn, the write rebuilds the blocks or says ENOMEM.
 *
 * Runs on the module's default load (scripts/vm/plans/check.sh, with the
 * other test programs).  kcompactd is kept out of the way meanwhile
 * (extfrag_threshold 1000), so that what is measured before the knob is
 * the fragmentation the test made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_buddyinfo.h"
#include "smm_test.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	900

#define CMP_ORDER	9	/* the order compaction rebuilds */
#define MAX_ZONES	16
#define NR_ORDERS	SMM_BUDDYINFO_ORDERS

/* Per zone of buddyinfo: free frames, and free blocks of CMP_ORDER or more. */
struct cmp_zones {
	int n;
	unsigned long free[MAX_ZONES];
	unsigned long blocks[MAX_ZONES];
};

static int cmp_buddyinfo(struct cmp_zones *z)
{
	char *buf = smm_slurp(SMM_DEBUGFS "/buddyinfo"), *line, *save = NULL;

	memset(z, 0, sizeof(*z));
	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line && z->n < MAX_ZONES;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long nr_free[SMM_BUDDYINFO_ORDERS];
		int o;

		if (!smm_buddyinfo_line(line, nr_free))
			continue;
		for (o = 0; o < NR_ORDERS; o++) {
			unsigned long v = nr_free[o];

			z->free[z->n] += v << o;
			if (o >= CMP_ORDER)
				z->blocks[z->n] += v << (o - CMP_ORDER);
		}
		z->n++;
	}
	free(buf);
	return z->n ? 0 : -1;
}

static int knob(const char *line)
{
	int fd = open(SMM_DEBUGFS "/knobs", O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	if (n < 0)
		n = -errno;
	close(fd);
	return n == (ssize_t)strlen(line) ? 0 : (int)n;
}

TEST(knob_refuses_bad_input)
{
	static const char * const bad[] = {
		"compact 0\n", "compact 2\n", "compact x\n", "compact\n",
		"extfrag_threshold 1001\n", "extfrag_threshold -5\n",
	};
	long long stall = smm_vmstat("compact_stall");
	unsigned int i;

	ASSERT_GE(stall, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = knob(bad[i]);

		if (ret != -EINVAL)
			fprintf(stderr, "# \"%.*s\": %d\n", (int)strlen(bad[i]) - 1, bad[i], ret);
		EXPECT_EQ(-EINVAL, ret);
	}
	EXPECT_EQ(stall, smm_vmstat("compact_stall"));
	EXPECT_EQ(500, smm_stat("knobs", "extfrag_threshold"));
}

/* A fragmented region: the mapping, its size and the pages it holds. */
struct cmp_frag {
	int fd;
	unsigned char *p;
	unsigned long npages;
	unsigned long held;
	unsigned long theory;	/* order-CMP_ORDER blocks the free frames make */
};

/*
 * Most of the region mapped and written, then every other page punched:
 * the free frames interleave with the pages held, far from the blocks
 * they could make.
 */
static void cmp_fragment(struct __test_metadata *_metadata, struct cmp_frag *f)
{
	struct cmp_zones z;
	unsigned long free_pages = 0, got = 0, i;
	int n;

	memset(f, 0, sizeof(*f));
	ASSERT_EQ(0, knob("drain_pcp 1\n"));
	ASSERT_EQ(0, cmp_buddyinfo(&z));
	for (n = 0; n < z.n; n++)
		free_pages += z.free[n];
	/* Most of the region, leaving the allocator its reserves. */
	f->npages = free_pages * 8 / 10;
	ASSERT_GT(f->npages, 4096UL);

	f->fd = smm_open();
	ASSERT_GE(f->fd, 0);
	f->p = mmap(NULL, f->npages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	ASSERT_NE(MAP_FAILED, f->p);
	for (i = 0; i < f->npages; i++)
		smm_fill(f->p + i * PG, PG, 7, i * PG);
	for (i = 1; i < f->npages; i += 2)
		ASSERT_EQ(0, smm_punch(f->fd, i * PG, PG));
	f->held = (f->npages + 1) / 2;
	EXPECT_EQ(f->held, smm_info(f->fd).resident_pages);

	ASSERT_EQ(0, knob("drain_pcp 1\n"));
	ASSERT_EQ(0, cmp_buddyinfo(&z));
	for (n = 0; n < z.n; n++) {
		f->theory += z.free[n] >> CMP_ORDER;
		got += z.blocks[n];
	}
	TH_LOG("before: %lu order-%d blocks free, %lu possible", got, CMP_ORDER, f->theory);
	ASSERT_GE(f->theory, 8UL);
	/* Fragmented: far from what the free frames could make. */
	ASSERT_LE(got * 2, f->theory);
}

/* The free blocks of CMP_ORDER or more now, per zone in @z. */
static unsigned long cmp_blocks(struct cmp_zones *z)
{
	unsigned long got = 0;
	int n;

	memset(z, 0, sizeof(*z));
	/* The frames the last batch freed may wait on a per-CPU list. */
	if (knob("drain_pcp 1\n") || cmp_buddyinfo(z))
		return 0;
	for (n = 0; n < z->n; n++)
		got += z->blocks[n];
	return got;
}

/*
 * Every byte: the pages held through the mapping and through read(), the
 * holes through read() (a fault there would make a page); then unmapped.
 */
static void cmp_check_and_unmap(struct __test_metadata *_metadata, struct cmp_frag *f)
{
	unsigned char *buf;
	unsigned long i;

	for (i = 0; i < f->npages; i += 2) {
		long bad = smm_check_fill(f->p + i * PG, PG, 7, i * PG);

		EXPECT_EQ(-1, bad) TH_LOG("page %lu byte %ld", i, bad);
		if (bad != -1)
			break;
	}
	buf = malloc(PG);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < f->npages; i++) {
		long bad;

		ASSERT_EQ((ssize_t)PG, pread(f->fd, buf, PG, i * PG));
		bad = i % 2 ? smm_check_zero(buf, PG) : smm_check_fill(buf, PG, 7, i * PG);
		EXPECT_EQ(-1, bad) TH_LOG("page %lu byte %ld", i, bad);
		if (bad != -1)
			break;
	}
	free(buf);
	EXPECT_EQ(f->held, smm_info(f->fd).resident_pages);
	EXPECT_EQ(0, munmap(f->p, f->npages * PG));
	close(f->fd);
}

TEST(fragmented_region_compacts)
{
	long long scanned, stall, success, fail, migrated, migfail, kswapd;
	struct cmp_zones after;
	struct cmp_frag f;
	unsigned long got;
	int z;

	ASSERT_EQ(0, knob("extfrag_threshold 1000\n"));
	cmp_fragment(_metadata, &f);

	scanned = smm_vmstat("compact_migrate_scanned");
	stall = smm_vmstat("compact_stall");
	success = smm_vmstat("compact_success");
	fail = smm_vmstat("compact_fail");
	migrated = smm_vmstat("pgmigrate_success");
	migfail = smm_vmstat("pgmigrate_fail");
	kswapd = smm_vmstat("pgscan_kswapd");
	ASSERT_EQ(0, knob("compact 1\n"));
	got = cmp_blocks(&after);
	TH_LOG("after: %lu order-%d blocks free, %lu possible", got, CMP_ORDER, f.theory);
	for (z = 0; z < after.n; z++)
		TH_LOG("zone %d: free %lu, blocks %lu of %lu", z, after.free[z],
		       after.blocks[z], after.free[z] >> CMP_ORDER);
	/*
	 * What a run that fell short needs explained: a page that would not
	 * move, or reclaim holding pages off the LRU meanwhile.
	 */
	TH_LOG("pgmigrate_success +%lld, pgmigrate_fail +%lld, pgscan_kswapd +%lld",
	       smm_vmstat("pgmigrate_success") - migrated,
	       smm_vmstat("pgmigrate_fail") - migfail,
	       smm_vmstat("pgscan_kswapd") - kswapd);
	EXPECT_GE(got * 10, f.theory * 9);
	EXPECT_GT(smm_vmstat("compact_migrate_scanned"), scanned);
	EXPECT_EQ(stall + 1, smm_vmstat("compact_stall"));
	/* Counted per zone compacted: some built a block, none beyond the zones. */
	EXPECT_GE(smm_vmstat("compact_success"), success + 1);
	EXPECT_LE(smm_vmstat("compact_success") - success + smm_vmstat("compact_fail") - fail,
		  (long long)after.n);
	EXPECT_GT(smm_vmstat("compact_isolated"), 0);
	/* Blocks were built by moving pages: counted as they moved. */
	EXPECT_GT(smm_vmstat("pgmigrate_success"), migrated);
	EXPECT_TRUE(smm_validate_ok());
	cmp_check_and_unmap(_metadata, &f);
	EXPECT_EQ(0, knob("extfrag_threshold 500\n"));
}

#define FAILSLAB	"/sys/kernel/debug/failslab"

/*
 * "compact 1" written with this thread's @nth slab allocation made to
 * fail (/proc/thread-self/fail-nth, the kernel's fault injection): the
 * write's result, and in *@fired whether the allocation it asked to fail
 * was made at all.
 */
static int knob_failing_nth(const char *line, int nth, int *fired)
{
	int fd = open(SMM_DEBUGFS "/knobs", O_WRONLY | O_CLOEXEC), a = -1;
	ssize_t n = -1;

	*fired = 0;
	if (fd >= 0)
		a = smm_fail_nth_arm(nth);
	if (a >= 0) {
		n = write(fd, line, strlen(line));
		if (n < 0)
			n = -errno;
		/* Unfired, the count is still armed: disarmed before anything else. */
		*fired = smm_fail_nth_disarm(a);
		if (*fired < 0)
			n = -EIO;
	}
	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(line) ? 0 : (int)n;
}

/*
 * A compaction asked for when memory is short must not report success
 * for a run it could not make: each slab allocation the knob's write
 * makes is failed in turn, and the write either returns ENOMEM or has
 * rebuilt the blocks, every byte kept either way.  A run used to
 * allocate its state and, refused it, returned 0 having moved nothing.
 */
TEST(compact_knob_under_failed_allocations)
{
	char *wait = smm_slurp(FAILSLAB "/ignore-gfp-wait");
	char *verbose = smm_slurp(FAILSLAB "/verbose");
	int nth, fired = 1, ret;
	struct cmp_zones after;
	struct cmp_frag f;

	if (!wait || !verbose)
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB)");
	/* GFP_KERNEL allocations may fail too; no stack dump per failure. */
	ASSERT_EQ(0, smm_write_str(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, smm_write_str(FAILSLAB "/verbose", "0"));
	ASSERT_EQ(0, knob("extfrag_threshold 1000\n"));
	/* Until an allocation asked to fail is not made: each path tried. */
	for (nth = 1; fired && nth <= 64; nth++) {
		unsigned long got;

		cmp_fragment(_metadata, &f);
		ret = knob_failing_nth("compact 1\n", nth, &fired);
		got = cmp_blocks(&after);
		TH_LOG("allocation %d made to fail%s: %d, %lu of %lu blocks", nth,
		       fired ? "" : " (not made)", ret, got, f.theory);
		if (ret)
			EXPECT_EQ(-ENOMEM, ret);
		if (!ret)
			EXPECT_GE(got * 10, f.theory * 9);
		EXPECT_TRUE(smm_validate_ok());
		cmp_check_and_unmap(_metadata, &f);
	}
	EXPECT_FALSE(fired) TH_LOG("more than 64 allocations in one compaction");
	EXPECT_EQ(0, knob("extfrag_threshold 500\n"));
	smm_write_str(FAILSLAB "/ignore-gfp-wait", wait);
	smm_write_str(FAILSLAB "/verbose", verbose);
	free(wait);
	free(verbose);
}

TEST_HARNESS_MAIN
