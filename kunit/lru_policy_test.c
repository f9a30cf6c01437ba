// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the reclaim policy switch (module/lru_policy.c): a pool starts
 * classic; it switches, by call or by the knob, only while no page is on
 * its LRU, and a refused switch (-EBUSY) or a bad name (-EINVAL) changes
 * nothing; reclaim evicts and gives back intact pages under every policy.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include <shadowmm/debugfs.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/reclaim.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg lp_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 64,
};

static void smm_lp_expect_policy(struct kunit *test, struct smm_pool *pool,
				 enum smm_lru_policy_id id)
{
	KUNIT_EXPECT_PTR_EQ(test, smm_lru_policy(pool), smm_lru_policy_get(id));
	KUNIT_EXPECT_EQ(test, pool->zones.nodes[0].lruvec.policy, id);
}

/* An empty pool switches both ways; the default is classic. */
static void smm_lru_policy_switch_empty_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lp_pool);

	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_CLASSIC);
	KUNIT_EXPECT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_MGLRU);
	KUNIT_EXPECT_EQ(test, pool->zones.nodes[0].lruvec.gen.max_seq -
			pool->zones.nodes[0].lruvec.gen.min_seq + 1, (unsigned long)SMM_MIN_NR_GENS);
	KUNIT_EXPECT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_WORKINGSET), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_WORKINGSET);
	KUNIT_EXPECT_EQ(test, smm_lru_set_policy(pool, SMM_NR_LRU_POLICIES), -EINVAL);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_WORKINGSET);
}

/*
 * With a page on the LRU the switch is refused with -EBUSY: the policy
 * stays, and the page stays on the list it was on.  Once the page is
 * gone the same switch succeeds.
 */
static void smm_lru_policy_switch_busy_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lp_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;

	smm_test_write_patterned(test, pool, file, 0, 1);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 1UL);
	KUNIT_EXPECT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), -EBUSY);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_CLASSIC);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 1UL);
	KUNIT_EXPECT_EQ(test, smm_lru_gen_nr_pages(&lruvec->gen), 0UL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy workingset\n"), -EBUSY);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_CLASSIC);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	KUNIT_ASSERT_EQ(test, smm_object_punch(smm_file_object(file), 0, PAGE_SIZE), 1L);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 0UL);
	KUNIT_EXPECT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_MGLRU);
}

/*
 * Classic never uses SMM_PG_workingset: a frame carrying one (mglru's
 * second access, left across a policy switch) loses it when classic
 * links the page, here on its activation, so its next shadow entry
 * carries no false working-set mark.
 */
static void smm_lru_policy_classic_clears_workingset_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lp_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	struct smm_page *frame;
	struct page *page;

	smm_test_write_patterned(test, pool, file, 0, 1);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page));
	lock_page(page);
	frame = smm_sfn_page(&pool->region, page_private(page));
	set_bit(SMM_PG_workingset, &frame->flags);
	smm_lru_mark_accessed(pool, frame);
	smm_lru_mark_accessed(pool, frame);
	unlock_page(page);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 1UL);
	KUNIT_EXPECT_TRUE(test, smm_page_test(frame, SMM_PG_active));
	KUNIT_EXPECT_FALSE(test, smm_page_test(frame, SMM_PG_workingset));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The knob takes exactly the four names; anything else changes nothing. */
static void smm_lru_policy_knob_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lp_pool);
	enum smm_lru_policy_id id = SMM_LRU_POLICY_CLASSIC;

	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy mglru\n"), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_MGLRU);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy lru"), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy"), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy 1"), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy mglru classic"), -EINVAL);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_MGLRU);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy\tclassic"), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_CLASSIC);

	KUNIT_EXPECT_EQ(test, smm_lru_policy_parse("Mglru", &id), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_lru_policy_parse("mglru2", &id), -EINVAL);
	KUNIT_EXPECT_EQ(test, id, SMM_LRU_POLICY_CLASSIC);
	KUNIT_EXPECT_EQ(test, smm_lru_policy_parse("workingset\n", &id), 0);
	KUNIT_EXPECT_EQ(test, id, SMM_LRU_POLICY_WORKINGSET);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy lip\n"), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_LIP);
	KUNIT_EXPECT_EQ(test, smm_lru_policy_parse("lipx", &id), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_policy lirs\n"), 0);
	smm_lp_expect_policy(test, pool, SMM_LRU_POLICY_LIRS);
	KUNIT_EXPECT_EQ(test, smm_lru_policy_parse("lir", &id), -EINVAL);
}

#define LP_NR_PAGES	48

/*
 * The reclaim driver works under each policy: pages are evicted to the
 * store (pswpout moves), come back intact, and the LRU stays consistent.
 */
static void smm_lp_reclaim_under(struct kunit *test, enum smm_lru_policy_id id)
{
	struct smm_pool *pool = smm_test_pool(test, &lp_pool);
	struct file *file;
	unsigned long out, got;
	pgoff_t i;

	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, id), 0);
	file = smm_test_object_file(test, pool);
	smm_test_write_patterned(test, pool, file, 0, LP_NR_PAGES);
	out = smm_event_sum(pool, SMM_PSWPOUT);
	got = smm_reclaim_pages(pool, LP_NR_PAGES / 2);
	KUNIT_EXPECT_GT_MSG(test, got, 0UL, "policy %s", smm_lru_policy(pool)->name);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT) - out, got);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	for (i = 0; i < LP_NR_PAGES; i++)
		KUNIT_EXPECT_TRUE_MSG(test, smm_test_read_page(test, file, i), "page %lu", i);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static void smm_lru_policy_reclaim_classic_test(struct kunit *test)
{
	smm_lp_reclaim_under(test, SMM_LRU_POLICY_CLASSIC);
}

static void smm_lru_policy_reclaim_workingset_test(struct kunit *test)
{
	smm_lp_reclaim_under(test, SMM_LRU_POLICY_WORKINGSET);
}

static void smm_lru_policy_reclaim_mglru_test(struct kunit *test)
{
	smm_lp_reclaim_under(test, SMM_LRU_POLICY_MGLRU);
}

static void smm_lru_policy_reclaim_lip_test(struct kunit *test)
{
	smm_lp_reclaim_under(test, SMM_LRU_POLICY_LIP);
}

static void smm_lru_policy_reclaim_lirs_test(struct kunit *test)
{
	smm_lp_reclaim_under(test, SMM_LRU_POLICY_LIRS);
}

static struct kunit_case smm_lru_policy_cases[] = {
	KUNIT_CASE(smm_lru_policy_switch_empty_test),
	KUNIT_CASE(smm_lru_policy_switch_busy_test),
	KUNIT_CASE(smm_lru_policy_classic_clears_workingset_test),
	KUNIT_CASE(smm_lru_policy_knob_test),
	KUNIT_CASE(smm_lru_policy_reclaim_classic_test),
	KUNIT_CASE(smm_lru_policy_reclaim_workingset_test),
	KUNIT_CASE(smm_lru_policy_reclaim_mglru_test),
	KUNIT_CASE(smm_lru_policy_reclaim_lip_test),
	KUNIT_CASE(smm_lru_policy_reclaim_lirs_test),
	{}
};

static struct kunit_suite smm_lru_policy_suite = {
	.name = "shadowmm_lru_policy",
	.test_cases = smm_lru_policy_cases,
};

kunit_test_suites(&smm_lru_policy_suite);
