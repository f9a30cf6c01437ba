// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the knobs file's parser (module/debugfs.c): every knob applies a
 * good value, and an unknown name or bad value gets -EINVAL and changes
 * nothing.  The burst knob comes from shadowmm_bench.ko, loaded before
 * this module (see MODULE_SOFTDEP() in main_test.c): what one burst does
 * to the allocator's counters and free lists.
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
		"pcp_batch 5000", "drain_pcp 0", "drain_pcp 2", "burst 0",
		"burst 5000", "nosuchknob 1", "pcp_batch 4294967297",
		/* No value wraps: 2^64 + 4 is not 4, 2^32 + 4 is not 4. */
		"lru_batch 18446744073709551620", "lru_batch 4294967300",
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
	int i;

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

	smm_knob_burst_check(test, pool);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), smm_pool_managed_pages(pool));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_debugfs_cases[] = {
	KUNIT_CASE(smm_knobs_test),
	{}
};

static struct kunit_suite smm_debugfs_suite = {
	.name = "shadowmm_debugfs",
	.test_cases = smm_debugfs_cases,
};

kunit_test_suites(&smm_debugfs_suite);
