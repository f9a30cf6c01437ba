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

TEST(fragmented_region_compacts)
{
	struct cmp_zones before, after;
	unsigned long free_pages, npages, i, theory = 0, got = 0, held;
	long long scanned, stall, success, fail, migrated, migfail;
	unsigned char *p, *buf;
	int fd, z;

	ASSERT_EQ(0, knob("extfrag_threshold 1000\n"));
	ASSERT_EQ(0, knob("drain_pcp 1\n"));
	ASSERT_EQ(0, cmp_buddyinfo(&before));
	for (free_pages = 0, z = 0; z < before.n; z++)
		free_pages += before.free[z];
	/* Most of the region, leaving the allocator its reserves. */
	npages = free_pages * 8 / 10;
	ASSERT_GT(npages, 4096UL);

	fd = smm_open();
	ASSERT_GE(fd, 0);
	p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < npages; i++)
		smm_fill(p + i * PG, PG, 7, i * PG);
	/* Every other page goes: the free frames interleave with the rest. */
	for (i = 1; i < npages; i += 2)
		ASSERT_EQ(0, smm_punch(fd, i * PG, PG));
	held = (npages + 1) / 2;
	EXPECT_EQ(held, smm_info(fd).resident_pages);

	ASSERT_EQ(0, knob("drain_pcp 1\n"));
	ASSERT_EQ(0, cmp_buddyinfo(&before));
	for (z = 0; z < before.n; z++) {
		theory += before.free[z] >> CMP_ORDER;
		got += before.blocks[z];
	}
	TH_LOG("before: %lu order-%d blocks free, %lu possible", got, CMP_ORDER, theory);
	ASSERT_GE(theory, 8UL);
	/* Fragmented: far from what the free frames could make. */
	EXPECT_LE(got * 2, theory);

	scanned = smm_vmstat("compact_migrate_scanned");
	stall = smm_vmstat("compact_stall");
	success = smm_vmstat("compact_success");
	fail = smm_vmstat("compact_fail");
	migrated = smm_vmstat("pgmigrate_success");
	migfail = smm_vmstat("pgmigrate_fail");
	ASSERT_EQ(0, knob("compact 1\n"));
	/* The frames the last batch freed may wait on a per-CPU list. */
	ASSERT_EQ(0, knob("drain_pcp 1\n"));
	ASSERT_EQ(0, cmp_buddyinfo(&after));
	for (got = 0, z = 0; z < after.n; z++)
		got += after.blocks[z];
	TH_LOG("after: %lu order-%d blocks free, %lu possible", got, CMP_ORDER, theory);
	for (z = 0; z < after.n; z++)
		TH_LOG("zone %d: free %lu -> %lu, blocks %lu -> %lu of %lu", z,
		       before.free[z], after.free[z], before.blocks[z], after.blocks[z],
		       before.free[z] >> CMP_ORDER);
	TH_LOG("pgmigrate_success +%lld, pgmigrate_fail +%lld",
	       smm_vmstat("pgmigrate_success") - migrated,
	       smm_vmstat("pgmigrate_fail") - migfail);
	EXPECT_GE(got * 10, theory * 9);
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

	/*
	 * Every byte: the pages held through the mapping and through read(),
	 * the holes through read() (a fault there would make a page).
	 */
	for (i = 0; i < npages; i += 2) {
		long bad = smm_check_fill(p + i * PG, PG, 7, i * PG);

		EXPECT_EQ(-1, bad) TH_LOG("page %lu byte %ld", i, bad);
		if (bad != -1)
			break;
	}
	buf = malloc(PG);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < npages; i++) {
		long bad;

		ASSERT_EQ((ssize_t)PG, pread(fd, buf, PG, i * PG));
		bad = i % 2 ? smm_check_zero(buf, PG) : smm_check_fill(buf, PG, 7, i * PG);
		EXPECT_EQ(-1, bad) TH_LOG("page %lu byte %ld", i, bad);
		if (bad != -1)
			break;
	}
	free(buf);
	EXPECT_EQ(held, smm_info(fd).resident_pages);
	EXPECT_EQ(0, munmap(p, npages * PG));
	close(fd);
	EXPECT_EQ(0, knob("extfrag_threshold 500\n"));
}

TEST_HARNESS_MAIN
