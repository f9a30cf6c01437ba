// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the workingset policy (module/lru_workingset.c).  A refault whose
 * distance is between the active list's size and both lists' is activated
 * under workingset and not under classic; a page aged off the active list
 * is marked part of the working set and an activated refault of it gets
 * the mark back (workingset_restore_anon); refaults activated since the
 * last reclaim pass make reclaim age the active list although the
 * inactive list is not short, which classic does not.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/xarray.h>

#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/lru_workingset.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/workingset.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg lw_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 64,
};

static struct smm_pool *smm_lw_pool(struct kunit *test, enum smm_lru_policy_id id)
{
	struct smm_pool *pool = smm_test_pool(test, &lw_pool);

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, id), 0);
	return pool;
}

static bool smm_lw_flag(struct kunit *test, struct smm_pool *pool,
			struct file *file, pgoff_t index, enum smm_pageflags bit)
{
	struct smm_page *frame;
	bool set;

	smm_lru_drain_all(pool);
	frame = smm_test_lock_frame(test, pool, file, index);
	set = smm_page_test(frame, bit);
	smm_test_unlock_frame(file, index);
	return set;
}

/* The rule itself: both lists, and only while the store has room. */
static void smm_lru_workingset_rule_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, smm_lru_workingset_recent(8, 7, 1, true));
	KUNIT_EXPECT_FALSE(test, smm_lru_workingset_recent(9, 7, 1, true));
	KUNIT_EXPECT_TRUE(test, smm_lru_workingset_recent(0, 0, 0, true));
	KUNIT_EXPECT_FALSE(test, smm_lru_workingset_recent(0, 7, 1, false));
}

#define LW_NR_ACTIVATED	8

/*
 * Page 0 is evicted; pages 1..8 are activated and page 1 deactivated
 * again: 7 active, 1 inactive.  Page 0 comes back at distance 8: more
 * than the active list (classic: stays inactive), within both lists
 * (workingset: activated).  Returns whether it was activated.
 */
static bool smm_lw_wide_refault(struct kunit *test, enum smm_lru_policy_id id)
{
	struct smm_pool *pool = smm_lw_pool(test, id);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	unsigned long anon, wide, classic, refaults, activated;
	struct smm_page *frame;
	long judged;
	pgoff_t i;
	bool active;

	smm_test_write_patterned(test, pool, file, 0, LW_NR_ACTIVATED + 1);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	for (i = 1; i <= LW_NR_ACTIVATED; i++)
		smm_test_access(test, pool, file, i, 2);
	smm_lru_drain_all(pool);
	frame = smm_test_lock_frame(test, pool, file, 1);
	smm_lru_deactivate(pool, frame);
	smm_test_unlock_frame(file, 1);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, (unsigned long)LW_NR_ACTIVATED - 1);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 1UL);

	refaults = smm_event_sum(pool, SMM_WORKINGSET_REFAULT);
	anon = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE_ANON);
	wide = smm_event_sum(pool, SMM_WORKINGSET_REFAULT_ANON);
	classic = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE_CLASSIC);
	activated = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE);
	judged = atomic_long_read(&pool->workingset.nodes[0].refaults);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	active = smm_lw_flag(test, pool, file, 0, SMM_PG_active);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_REFAULT) - refaults, 1UL);
	/* Either rule judged it, and workingset_activate counts its verdict. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nodes[0].refaults) - judged, 1L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE) - activated,
			(unsigned long)active);
	/*
	 * What decided: the distance is one more than the active list, so the
	 * classic rule does not activate (classic itself leaves the page
	 * inactive, and the workingset policy counts no activate_classic).
	 */
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE_CLASSIC), classic);
	if (id == SMM_LRU_POLICY_CLASSIC)
		KUNIT_EXPECT_FALSE(test, active);
	if (id == SMM_LRU_POLICY_WORKINGSET) {
		KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_REFAULT_ANON) - wide, 1UL);
		KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE_ANON) - anon,
				(unsigned long)active);
	} else {
		KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_REFAULT_ANON), wide);
		KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE_ANON), anon);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	return active;
}

static void smm_lru_workingset_wide_refault_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, smm_lw_wide_refault(test, SMM_LRU_POLICY_WORKINGSET));
}

static void smm_lru_workingset_classic_narrow_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, smm_lw_wide_refault(test, SMM_LRU_POLICY_CLASSIC));
}

/*
 * Page 0 is activated, then aged off the active list: under workingset it
 * is marked SMM_PG_workingset (not under classic).  Evicted and read
 * back at once, it is activated; the shadow carried the mark, so the
 * page has it again and workingset_restore_anon counts it.
 */
static void smm_lw_restore(struct kunit *test, enum smm_lru_policy_id id)
{
	struct smm_pool *pool = smm_lw_pool(test, id);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	bool ws = id == SMM_LRU_POLICY_WORKINGSET;
	unsigned long restored;
	void *shadow;

	smm_test_write_patterned(test, pool, file, 0, 1);
	smm_test_access(test, pool, file, 0, 2);
	KUNIT_ASSERT_TRUE(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active));
	KUNIT_ASSERT_EQ(test, smm_lru_age_active(pool, node, 1), 1U);
	KUNIT_EXPECT_FALSE(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active));
	KUNIT_EXPECT_EQ(test, smm_lw_flag(test, pool, file, 0, SMM_PG_workingset), ws);

	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	shadow = smm_object_shadow(smm_file_object(file), 0);
	KUNIT_ASSERT_TRUE(test, xa_is_value(shadow));
	KUNIT_EXPECT_EQ(test, smm_workingset_shadow_ws(shadow), ws);
	KUNIT_EXPECT_EQ(test, smm_workingset_shadow_policy(shadow), id);
	restored = smm_event_sum(pool, SMM_WORKINGSET_RESTORE_ANON);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	KUNIT_EXPECT_TRUE(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active));
	KUNIT_EXPECT_EQ(test, smm_lw_flag(test, pool, file, 0, SMM_PG_workingset), ws);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_RESTORE_ANON) - restored,
			(unsigned long)ws);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static void smm_lru_workingset_restore_test(struct kunit *test)
{
	smm_lw_restore(test, SMM_LRU_POLICY_WORKINGSET);
}

static void smm_lru_workingset_classic_no_restore_test(struct kunit *test)
{
	smm_lw_restore(test, SMM_LRU_POLICY_CLASSIC);
}

#define LW_NR_PAGES	16
#define LW_NR_ACTIVE	4

/*
 * 4 active pages, 12 inactive: the inactive list is not short.  A reclaim
 * pass evicts one page, which is read back at once and activated.  The
 * next pass: under workingset that refault makes it age the active list
 * (pgdeactivate and workingset_deactivate_refault move); under classic
 * nothing is deactivated.  Returns the pages deactivated.
 */
static unsigned long smm_lw_refault_deactivate(struct kunit *test,
					       enum smm_lru_policy_id id)
{
	struct smm_pool *pool = smm_lw_pool(test, id);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	unsigned long deact, by_refault;
	pgoff_t i;

	smm_test_write_patterned(test, pool, file, 0, LW_NR_PAGES);
	for (i = LW_NR_PAGES - LW_NR_ACTIVE; i < LW_NR_PAGES; i++)
		smm_test_access(test, pool, file, i, 2);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, (unsigned long)LW_NR_ACTIVE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	KUNIT_ASSERT_TRUE(test, smm_test_read_page(test, file, 0));
	KUNIT_ASSERT_TRUE(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active));
	KUNIT_ASSERT_FALSE(test, smm_lru_inactive_is_low(&pool->zones.nodes[0]));

	deact = smm_event_sum(pool, SMM_PGDEACTIVATE);
	by_refault = smm_event_sum(pool, SMM_WORKINGSET_DEACTIVATE_REFAULT);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_DEACTIVATE_REFAULT) - by_refault,
			smm_event_sum(pool, SMM_PGDEACTIVATE) - deact);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	return smm_event_sum(pool, SMM_PGDEACTIVATE) - deact;
}

static void smm_lru_workingset_refault_deactivate_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lw_refault_deactivate(test, SMM_LRU_POLICY_WORKINGSET),
			(unsigned long)LW_NR_ACTIVE + 1);
}

static void smm_lru_workingset_classic_no_deactivate_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lw_refault_deactivate(test, SMM_LRU_POLICY_CLASSIC), 0UL);
}

static struct kunit_case smm_lru_workingset_cases[] = {
	KUNIT_CASE(smm_lru_workingset_rule_test),
	KUNIT_CASE(smm_lru_workingset_wide_refault_test),
	KUNIT_CASE(smm_lru_workingset_classic_narrow_test),
	KUNIT_CASE(smm_lru_workingset_restore_test),
	KUNIT_CASE(smm_lru_workingset_classic_no_restore_test),
	KUNIT_CASE(smm_lru_workingset_refault_deactivate_test),
	KUNIT_CASE(smm_lru_workingset_classic_no_deactivate_test),
	{}
};

static struct kunit_suite smm_lru_workingset_suite = {
	.name = "shadowmm_lru_workingset",
	.test_cases = smm_lru_workingset_cases,
};

kunit_test_suites(&smm_lru_workingset_suite);
