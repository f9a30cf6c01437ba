// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: refault distance (module/workingset.c): a shadow entry keeps the
 * node, the age and the store slot; a refault within the active list's
 * size activates, one beyond it does not; activations age the node too;
 * distances land in their histogram bucket.
 */

#include <kunit/test.h>
#include <linux/xarray.h>

#include <shadowmm/workingset.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg ws_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
};

static void smm_workingset_pack_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_pool);
	unsigned long age;
	void *shadow;
	int node;
	u32 slot;

	shadow = smm_workingset_eviction(pool, 0, 0xfedcba98);
	KUNIT_EXPECT_TRUE(test, xa_is_value(shadow));
	smm_workingset_unpack(shadow, &node, &age, &slot);
	KUNIT_EXPECT_EQ(test, node, 0);
	KUNIT_EXPECT_EQ(test, age, 1UL);
	KUNIT_EXPECT_EQ(test, slot, 0xfedcba98U);
	KUNIT_EXPECT_EQ(test, smm_workingset_slot(shadow), 0xfedcba98U);
	/* The next eviction is one later. */
	smm_workingset_unpack(smm_workingset_eviction(pool, 0, 1), &node, &age, &slot);
	KUNIT_EXPECT_EQ(test, age, 2UL);
}

/* Evict A, then 10 more; A's distance is 10. */
static void smm_workingset_distance_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_pool);
	void *a, *b;
	int i;

	a = smm_workingset_eviction(pool, 0, 1);
	b = smm_workingset_eviction(pool, 0, 2);
	for (i = 0; i < 9; i++)
		smm_workingset_eviction(pool, 0, 3);
	/* A is 10 away: an active list of 9 is too short, 10 enough. */
	KUNIT_EXPECT_FALSE(test, smm_workingset_refault(pool, a, 9));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_REFAULT), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE), 0UL);
	KUNIT_EXPECT_TRUE(test, smm_workingset_refault(pool, b, 9));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE), 1UL);
	/* That activation aged the node: A is now 11 away. */
	KUNIT_EXPECT_FALSE(test, smm_workingset_refault(pool, a, 10));
	KUNIT_EXPECT_TRUE(test, smm_workingset_refault(pool, a, 11));
	smm_workingset_activation(pool, 0);
	KUNIT_EXPECT_FALSE(test, smm_workingset_refault(pool, a, 12));
	/* Distances 10, 9, 11, 11, 13: all in bucket 4 (8-15). */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nodes[0].hist[4]), 5L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nodes[0].refaults), 5L);
}

static struct kunit_case smm_workingset_cases[] = {
	KUNIT_CASE(smm_workingset_pack_test),
	KUNIT_CASE(smm_workingset_distance_test),
	{}
};

static struct kunit_suite smm_workingset_suite = {
	.name = "shadowmm_workingset",
	.test_cases = smm_workingset_cases,
};

kunit_test_suites(&smm_workingset_suite);
