// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: nodes and zones (module/zone.c): the zone_split parameter, zone
 * sizes and frame ownership, watermarks from min_free_kbytes and
 * watermark_scale_factor, and lowmem reserve.
 */

#include <kunit/test.h>

#include "smm_test.h"

struct zone_split_case {
	const char *text;
	int ret;
	unsigned int v[SMM_NR_ZONE_TYPES];
};

static const struct zone_split_case zone_split_cases[] = {
	{ "10,60,30", 0, { 10, 60, 30 } },
	{ "0,100,0", 0, { 0, 100, 0 } },
	{ "33,34,33\n", 0, { 33, 34, 33 } },
	{ "10,60,31", -EINVAL },
	{ "50,0,50", -EINVAL },
	{ "10,60", -EINVAL },
	{ "10,60,30,0", -EINVAL },
	{ "10,60,30x", -EINVAL },
	{ "-10,80,30", -EINVAL },
	{ "", -EINVAL },
	{ "a,b,c", -EINVAL },
	/* No field wraps or is truncated to 32 bits... */
	{ "0,4294967396,0", -EINVAL },
	{ "4294967306,60,30", -EINVAL },
	{ "10,60,18446744073709551646", -EINVAL },
	/* ...and nothing follows the one trailing newline. */
	{ "10,60,30\n\n", -EINVAL },
	{ "10\n,60,30", -EINVAL },
	{ "10,60,30,", -EINVAL },
	{ "10,,60,30", -EINVAL },
	{ "010,060,030", 0, { 10, 60, 30 } },
};

static void zone_split_desc(const struct zone_split_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "zone_split=\"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(zone_split, zone_split_cases, zone_split_desc);

static void smm_zone_split_parse_test(struct kunit *test)
{
	const struct zone_split_case *c = test->param_value;
	unsigned int v[SMM_NR_ZONE_TYPES] = { 7, 7, 7 };
	int i;

	KUNIT_EXPECT_EQ(test, smm_parse_zone_split(c->text, v), c->ret);
	for (i = 0; i < SMM_NR_ZONE_TYPES; i++)
		KUNIT_EXPECT_EQ(test, v[i], c->ret ? 7U : c->v[i]);
}

/*
 * 32 MiB on one node, 10/60/30: the cuts fall on max-order blocks (1024,
 * 5120, 2048 frames) and every frame's zone id names the zone it is in.
 */
static void smm_zone_sizes_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 32, .split = { 10, 60, 30 }, .one_node = true,
	};
	static const unsigned long want[SMM_NR_ZONE_TYPES] = { 1024, 5120, 2048 };
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_node *node = &pool->zones.nodes[0];
	unsigned long sfn, wrong = 0;
	int t;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	for (t = 0; t < SMM_NR_ZONE_TYPES; t++) {
		struct smm_zone *zone = &node->zones[t];

		KUNIT_EXPECT_EQ(test, zone->spanned, want[t]);
		KUNIT_EXPECT_EQ(test, zone->present, want[t]);
		KUNIT_EXPECT_EQ(test, zone->managed, want[t]);
		KUNIT_EXPECT_EQ(test, zone->start_sfn % SMM_CHUNK_FRAMES, 0UL);
		KUNIT_EXPECT_EQ(test, smm_zone_free(zone), want[t]);
		for (sfn = zone->start_sfn; sfn < smm_zone_end_sfn(zone); sfn++)
			wrong += smm_page_zone(pool, &pool->region.pages[sfn]) != zone;
	}
	KUNIT_EXPECT_EQ(test, node->zones[SMM_ZONE_NORMAL].start_sfn,
			node->zones[SMM_ZONE_DMA].start_sfn + want[SMM_ZONE_DMA]);
	KUNIT_EXPECT_EQ(test, wrong, 0UL);
}

/*
 * 40 MiB on one node, 49/1/50: both cuts would round to the same block
 * (5120), leaving Normal empty.  Normal keeps its share instead, cut
 * exactly: 1 % of the node, between DMA's 49 % and HighMem's 50 %.
 */
static void smm_zone_small_normal_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 40, .split = { 49, 1, 50 }, .one_node = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_zone *normal = &node->zones[SMM_ZONE_NORMAL];

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_EQ(test, node->spanned, 10240UL);
	KUNIT_EXPECT_EQ(test, node->zones[SMM_ZONE_DMA].managed, 5018UL);
	KUNIT_EXPECT_EQ(test, normal->managed, 102UL);
	KUNIT_EXPECT_EQ(test, node->zones[SMM_ZONE_HIGHMEM].managed, 5120UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(normal), normal->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * The lowmem zones' min marks add up to min_free_kbytes (less rounding);
 * low and high sit one and two steps above min, the step the larger of
 * min/4 and watermark_scale_factor/10000 of the zone; bad values are
 * refused and change nothing.
 */
static void smm_zone_watermarks_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 32, .split = { 10, 60, 30 }, .one_node = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	unsigned long sum = 0, pages_min;
	struct smm_zone *zone;
	int i;

	KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 2048), 0);
	pages_min = 2048 >> (PAGE_SHIFT - 10);
	for_each_smm_zone(pool, zone, i) {
		unsigned long min = zone->watermark[SMM_WMARK_MIN];
		unsigned long step = zone->watermark[SMM_WMARK_LOW] - min;

		if (zone->type != SMM_ZONE_HIGHMEM)
			sum += min;
		else
			KUNIT_EXPECT_EQ(test, min, 32UL);
		KUNIT_EXPECT_EQ(test, zone->watermark[SMM_WMARK_HIGH], min + 2 * step);
		KUNIT_EXPECT_EQ(test, step, max(min / 4, zone->managed * 10 / 10000));
	}
	KUNIT_EXPECT_LE(test, sum, pages_min);
	KUNIT_EXPECT_GE(test, sum, pages_min - 2);

	KUNIT_ASSERT_EQ(test, smm_pool_set_watermark_scale_factor(pool, 1000), 0);
	for_each_smm_zone(pool, zone, i)
		KUNIT_EXPECT_EQ(test, zone->watermark[SMM_WMARK_LOW] -
				zone->watermark[SMM_WMARK_MIN], zone->managed / 10);

	KUNIT_EXPECT_EQ(test, smm_pool_set_watermark_scale_factor(pool, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pool_set_watermark_scale_factor(pool, SMM_WSF_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pool_set_min_free_kbytes(pool, 32 * 1024), -EINVAL);
	KUNIT_EXPECT_EQ(test, pool->zones.watermark_scale_factor, 1000U);
	KUNIT_EXPECT_EQ(test, pool->zones.min_free_kbytes, 2048UL);
}

/* A lower zone keeps a share of the zones above it from their allocations. */
static void smm_zone_lowmem_reserve_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 32, .split = { 10, 60, 30 }, .one_node = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_zone *z = pool->zones.nodes[0].zones;
	unsigned long normal = z[SMM_ZONE_NORMAL].managed, high = z[SMM_ZONE_HIGHMEM].managed;

	KUNIT_EXPECT_EQ(test, z[SMM_ZONE_DMA].lowmem_reserve[SMM_ZONE_DMA], 0UL);
	KUNIT_EXPECT_EQ(test, z[SMM_ZONE_DMA].lowmem_reserve[SMM_ZONE_NORMAL], normal / 256);
	KUNIT_EXPECT_EQ(test, z[SMM_ZONE_DMA].lowmem_reserve[SMM_ZONE_HIGHMEM],
			(normal + high) / 256);
	KUNIT_EXPECT_EQ(test, z[SMM_ZONE_NORMAL].lowmem_reserve[SMM_ZONE_NORMAL], 0UL);
	KUNIT_EXPECT_EQ(test, z[SMM_ZONE_NORMAL].lowmem_reserve[SMM_ZONE_HIGHMEM], high / 32);
	KUNIT_EXPECT_EQ(test, z[SMM_ZONE_HIGHMEM].lowmem_reserve[SMM_ZONE_HIGHMEM], 0UL);
}

static struct kunit_case smm_zone_cases[] = {
	KUNIT_CASE_PARAM(smm_zone_split_parse_test, zone_split_gen_params),
	KUNIT_CASE(smm_zone_sizes_test),
	KUNIT_CASE(smm_zone_small_normal_test),
	KUNIT_CASE(smm_zone_watermarks_test),
	KUNIT_CASE(smm_zone_lowmem_reserve_test),
	{}
};

static struct kunit_suite smm_zone_suite = {
	.name = "shadowmm_zone",
	.test_cases = smm_zone_cases,
};

kunit_test_suites(&smm_zone_suite);
