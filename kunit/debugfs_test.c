// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the knobs file's parser (module/debugfs.c): every knob applies a
 * good value, and an unknown name or bad value gets -EINVAL and changes
 * nothing; a value past UINT_MAX or 2^64 never wraps into a good one.
 * The burst knob comes from shadowmm_bench.ko, loaded before this module
 * (see MODULE_SOFTDEP() in main_test.c): what one burst does to the
 * allocator's counters and free lists.
 */

#include <kunit/test.h>

#include <shadowmm/debugfs.h>

#include "smm_test.h"

static unsigned long smm_test_pgalloc(struct smm_pool *pool)
{
	return smm_event_sum(pool, SMM_PGALLOC_DMA) + smm_event_sum(pool, SMM_PGALLOC_NORMAL) +
	       smm_event_sum(pool, SMM_PGALLOC_HIGH);
}

/*
 * "burst 64" (shadowmm_bench.ko) takes 64 blocks of orders 0, 3, 2, 1 in
 * turn, 240 frames held together, then frees them.  Measured around the
 * burst alone: the allocation and free counters move by exactly those
 * frames; the blocks of order 0..3 on the free lists hold fewer than 240
 * frames (checked first), so the burst must split larger ones; and once
 * the per-CPU lists are drained, every split has merged back: as many
 * merges as splits, and every free list holds what it held before.
 */
static void smm_knob_burst_check(struct kunit *test, struct smm_pool *pool)
{
	const unsigned int nr_zones = pool->zones.nr_nodes * SMM_NR_ZONE_TYPES;
	unsigned long *snap, small = 0, free, splits, merges, alloc, freed;
	struct smm_zone *zone;
	unsigned int o;
	int i;

	snap = kunit_kcalloc(test, nr_zones * SMM_NR_ORDERS, sizeof(*snap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "drain_pcp 1"), 0);
	for_each_smm_zone(pool, zone, i) {
		for (o = 0; o < SMM_NR_ORDERS; o++) {
			snap[i * SMM_NR_ORDERS + o] = smm_test_nr_free(zone, o);
			if (o <= 3)
				small += snap[i * SMM_NR_ORDERS + o] << o;
		}
	}
	KUNIT_ASSERT_LT_MSG(test, small, 240UL,
			    "free blocks of order 0..3 could serve the whole burst");
	free = smm_pool_free_pages(pool);
	splits = smm_event_sum(pool, SMM_BUDDY_SPLIT);
	merges = smm_event_sum(pool, SMM_BUDDY_MERGE);
	alloc = smm_test_pgalloc(pool);
	freed = smm_event_sum(pool, SMM_PGFREE);

	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "burst 64"), 0);
	KUNIT_EXPECT_EQ(test, smm_test_pgalloc(pool) - alloc, 240UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFREE) - freed, 240UL);
	splits = smm_event_sum(pool, SMM_BUDDY_SPLIT) - splits;
	KUNIT_EXPECT_GT(test, splits, 0UL);

	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "drain_pcp 1"), 0);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_BUDDY_MERGE) - merges, splits);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free);
	for_each_smm_zone(pool, zone, i)
		for (o = 0; o < SMM_NR_ORDERS; o++)
			KUNIT_EXPECT_EQ_MSG(test, smm_test_nr_free(zone, o),
					    snap[i * SMM_NR_ORDERS + o],
					    "zone %d order %u", i, o);
}

static void smm_knobs_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 10, 60, 30 }, .one_node = true,
	};
	static const char * const bad[] = {
		"", "\n", "watermark_scale_factor", "watermark_scale_factor 0",
		"watermark_scale_factor 3001", "watermark_scale_factor -1",
		"watermark_scale_factor 12abc", "watermark_scale_factor 12 13",
		"min_free_kbytes 99999999", "pcp_batch 0", "pcp_high 0",
		"pcp_batch 5000", "drain_pcp 0", "drain_pcp 2", "pcp_auto 2",
		"pcp_auto -1", "burst 0",
		"burst 5000", "nosuchknob 1",
		"lru_batch 0", "lru_batch 64", "lru_batch -1", "lru_batch 0x5",
		/* One line: nothing after its newline, no second value. */
		"lru_batch 5\nfoo", "lru_batch 5\n\n", "lru_batch 5\nlru_batch 6",
		"lru_batch 5 6", "lru_batch 5 ", "lru_batch5", " lru_batch 5",
		"lru_batch", "lru_batch ", "lru_batches 5", "lru_batc 5",
		"reclaim 99999999999",
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_zone *zone = pool->zones.table[SMM_ZONE_NORMAL];
	unsigned int wsf = pool->zones.watermark_scale_factor;
	unsigned long mfk = pool->zones.min_free_kbytes, low = zone->watermark[SMM_WMARK_LOW];
	unsigned int high = zone->pcp_high, batch = zone->pcp_batch;
	unsigned int lru_batch = pool->lru.batch_size;
	unsigned int highs[SMM_NR_ZONE_TYPES], batches[SMM_NR_ZONE_TYPES];
	int i, t;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_knob_write(pool, bad[i]), -EINVAL,
				    "knob \"%s\"", bad[i]);
	KUNIT_EXPECT_EQ(test, pool->zones.watermark_scale_factor, wsf);
	KUNIT_EXPECT_EQ(test, pool->zones.min_free_kbytes, mfk);
	KUNIT_EXPECT_EQ(test, zone->watermark[SMM_WMARK_LOW], low);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, high);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, batch);
	KUNIT_EXPECT_EQ(test, pool->lru.batch_size, lru_batch);

	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_batch 5\n"), 0);
	KUNIT_EXPECT_EQ(test, pool->lru.batch_size, 5U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_batch\t7"), 0);
	KUNIT_EXPECT_EQ(test, pool->lru.batch_size, 7U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "watermark_scale_factor 200\n"), 0);
	KUNIT_EXPECT_EQ(test, pool->zones.watermark_scale_factor, 200U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "min_free_kbytes 512"), 0);
	KUNIT_EXPECT_EQ(test, pool->zones.min_free_kbytes, 512UL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "pcp_high 40"), 0);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "pcp_batch 10"), 0);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, 40U);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, 10U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "pcp_batch 41"), -EINVAL);
	/* This pool has no backing store: nothing could ever be evicted. */
	KUNIT_EXPECT_FALSE(test, pool->swap.ready);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "reclaim 1"), -EOPNOTSUPP);

	smm_knob_burst_check(test, pool);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), smm_pool_managed_pages(pool));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* Sized by zone again: the sizes the pool was built with. */
	KUNIT_EXPECT_TRUE(test, pool->pcp.fixed);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "pcp_auto 1\n"), 0);
	KUNIT_EXPECT_FALSE(test, pool->pcp.fixed);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, high);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, batch);
	for (t = 0; t < SMM_NR_ZONE_TYPES; t++) {
		highs[t] = pool->zones.table[t]->pcp_high;
		batches[t] = pool->zones.table[t]->pcp_batch;
	}
	/* A smaller zone has smaller lists: what pcp_auto 0 must keep. */
	KUNIT_EXPECT_LT(test, highs[SMM_ZONE_DMA], high);
	/* And each zone's fixed at its own sizes, not at the Normal zone's. */
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "pcp_auto 0"), 0);
	KUNIT_EXPECT_TRUE(test, pool->pcp.fixed);
	for (t = 0; t < SMM_NR_ZONE_TYPES; t++) {
		struct smm_zone *z = pool->zones.table[t];

		KUNIT_EXPECT_EQ_MSG(test, z->pcp_high, highs[t], "zone %d", t);
		KUNIT_EXPECT_EQ_MSG(test, z->pcp_high_min, highs[t], "zone %d", t);
		KUNIT_EXPECT_EQ_MSG(test, z->pcp_batch, batches[t], "zone %d", t);
	}
}

/* The tunables a knob line can change, to see that a refused one did not. */
struct smm_knob_state {
	unsigned int wsf;
	unsigned long min_free_kbytes;
	unsigned long low;
	unsigned int pcp_high;
	unsigned int pcp_batch;
	unsigned int lru_batch;
};

static void smm_knob_state_get(struct smm_pool *pool, struct smm_knob_state *s)
{
	struct smm_zone *zone = pool->zones.table[SMM_ZONE_NORMAL];

	s->wsf = pool->zones.watermark_scale_factor;
	s->min_free_kbytes = pool->zones.min_free_kbytes;
	s->low = zone->watermark[SMM_WMARK_LOW];
	s->pcp_high = zone->pcp_high;
	s->pcp_batch = zone->pcp_batch;
	s->lru_batch = pool->lru.batch_size;
}

static void smm_knob_state_expect(struct kunit *test, const struct smm_knob_state *a,
				  const struct smm_knob_state *b, const char *line)
{
	KUNIT_EXPECT_EQ_MSG(test, a->wsf, b->wsf, "after \"%s\"", line);
	KUNIT_EXPECT_EQ_MSG(test, a->min_free_kbytes, b->min_free_kbytes, "after \"%s\"", line);
	KUNIT_EXPECT_EQ_MSG(test, a->low, b->low, "after \"%s\"", line);
	KUNIT_EXPECT_EQ_MSG(test, a->pcp_high, b->pcp_high, "after \"%s\"", line);
	KUNIT_EXPECT_EQ_MSG(test, a->pcp_batch, b->pcp_batch, "after \"%s\"", line);
	KUNIT_EXPECT_EQ_MSG(test, a->lru_batch, b->lru_batch, "after \"%s\"", line);
}

/*
 * Values past UINT_MAX and past 2^64 are refused, not wrapped: each line
 * here wraps (modulo 2^32 or 2^64) to a value its knob accepts and that
 * differs from the knob's current one, so a parser that wrapped would
 * return 0 and change the knob.  Each refusal is checked on its own, then
 * the wrapped values themselves are written and must apply: what refused
 * the long lines was their size, not the knob's range.
 */
static void smm_knobs_wrap_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 10, 60, 30 }, .one_node = true,
	};
	static const struct {
		const char *line;
		const char *wrapped;
	} wrap[] = {
		{ "min_free_kbytes 18446744073709551616", "min_free_kbytes 0" },	/* 2^64 */
		{ "min_free_kbytes 36893488147419103232", "min_free_kbytes 0" },	/* 2^65 */
		{ "min_free_kbytes 4294967296", "min_free_kbytes 0" },			/* 2^32 */
		{ "lru_batch 18446744073709551620", "lru_batch 4" },			/* 2^64 + 4 */
		{ "lru_batch 4294967300", "lru_batch 4" },				/* 2^32 + 4 */
		{ "pcp_batch 18446744073709551618", "pcp_batch 2" },			/* 2^64 + 2 */
		{ "pcp_batch 4294967298", "pcp_batch 2" },				/* 2^32 + 2 */
		{ "pcp_high 18446744073709551716", "pcp_high 100" },			/* 2^64 + 100 */
		{ "pcp_high 4294967396", "pcp_high 100" },				/* 2^32 + 100 */
		{ "watermark_scale_factor 18446744073709551716", "watermark_scale_factor 100" },
		{ "watermark_scale_factor 4294967396", "watermark_scale_factor 100" },
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_knob_state before, after;
	int i;

	/* A known state none of the wrapped values equals. */
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "watermark_scale_factor 200"), 0);
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "pcp_high 40"), 0);
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "pcp_batch 10"), 0);
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "lru_batch 15"), 0);
	smm_knob_state_get(pool, &before);
	KUNIT_ASSERT_NE(test, before.min_free_kbytes, 0UL);

	for (i = 0; i < ARRAY_SIZE(wrap); i++) {
		KUNIT_EXPECT_EQ_MSG(test, smm_knob_write(pool, wrap[i].line), -EINVAL,
				    "knob \"%s\"", wrap[i].line);
		smm_knob_state_get(pool, &after);
		smm_knob_state_expect(test, &before, &after, wrap[i].line);
	}

	for (i = 0; i < ARRAY_SIZE(wrap); i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_knob_write(pool, wrap[i].wrapped), 0,
				    "knob \"%s\"", wrap[i].wrapped);
	smm_knob_state_get(pool, &after);
	KUNIT_EXPECT_EQ(test, after.min_free_kbytes, 0UL);
	KUNIT_EXPECT_EQ(test, after.lru_batch, 4U);
	KUNIT_EXPECT_EQ(test, after.pcp_batch, 2U);
	KUNIT_EXPECT_EQ(test, after.pcp_high, 100U);
	KUNIT_EXPECT_EQ(test, after.wsf, 100U);
}

/*
 * min_free_kbytes is shared by DMA and Normal, and each zone's min is
 * capped at a quarter of the zone: the knob accepts no more than a quarter
 * of the two (HighMem's frames do not count), and what it accepts is what
 * their min watermarks add up to, to the rounding of each share.
 */
static void smm_knob_min_free_kbytes_applied_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 10, 60, 30 }, .one_node = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	unsigned long pool_quarter = (smm_pool_managed_pages(pool) << (PAGE_SHIFT - 10)) / 4;
	unsigned long max = smm_pool_max_min_free_kbytes(pool);
	unsigned long mfk = pool->zones.min_free_kbytes, mins = 0;
	char line[48];
	int t;

	KUNIT_ASSERT_GT(test, pool->zones.table[SMM_ZONE_HIGHMEM]->managed, 0UL);
	KUNIT_EXPECT_EQ(test, max,
			(smm_zones_lowmem_pages(pool) << (PAGE_SHIFT - 10)) / 4);
	KUNIT_ASSERT_LT(test, max, pool_quarter);

	/* A quarter of the whole pool would be cut: refused, nothing changes. */
	snprintf(line, sizeof(line), "min_free_kbytes %lu", pool_quarter);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, line), -EINVAL);
	snprintf(line, sizeof(line), "min_free_kbytes %lu", max + 1);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, pool->zones.min_free_kbytes, mfk);

	snprintf(line, sizeof(line), "min_free_kbytes %lu", max);
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, line), 0);
	KUNIT_EXPECT_EQ(test, pool->zones.min_free_kbytes, max);
	for (t = 0; t < SMM_NR_ZONE_TYPES; t++)
		if (t != SMM_ZONE_HIGHMEM)
			mins += pool->zones.table[t]->watermark[SMM_WMARK_MIN];
	KUNIT_EXPECT_LE(test, mins, max >> (PAGE_SHIFT - 10));
	KUNIT_EXPECT_GE(test, mins + SMM_NR_ZONE_TYPES, max >> (PAGE_SHIFT - 10));
}

/*
 * A pool whose DMA and Normal zones hold less than 512 KiB: the default
 * reserve (sqrt(16 * lowmem KiB), at least 128 KiB) is cut to what the
 * knob accepts, so the value the knobs file shows can be written back.
 */
static void smm_knob_min_free_kbytes_default_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 0, 6, 94 }, .one_node = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	unsigned long max = smm_pool_max_min_free_kbytes(pool);
	char line[48];

	KUNIT_ASSERT_LT(test, max, 128UL);
	KUNIT_EXPECT_EQ(test, pool->zones.min_free_kbytes, max);
	snprintf(line, sizeof(line), "min_free_kbytes %lu", pool->zones.min_free_kbytes);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, line), 0);
}

static struct kunit_case smm_debugfs_cases[] = {
	KUNIT_CASE(smm_knobs_test),
	KUNIT_CASE(smm_knobs_wrap_test),
	KUNIT_CASE(smm_knob_min_free_kbytes_applied_test),
	KUNIT_CASE(smm_knob_min_free_kbytes_default_test),
	{}
};

static struct kunit_suite smm_debugfs_suite = {
	.name = "shadowmm_debugfs",
	.test_cases = smm_debugfs_cases,
};

kunit_test_suites(&smm_debugfs_suite);
