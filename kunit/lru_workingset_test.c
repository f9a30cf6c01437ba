// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the workingset policy (module/lru_workingset.c).  A refault whose
 * distance is between the active list's size and both lists' is activated
 * under workingset and not under classic; a page aged off the active list
 * is marked part of the working set and an activated refault of it gets
 * the mark back (workingset_restore_anon); refaults activated since the
 * last reclaim pass make reclaim age the active list although the
 * inactive list is not short, in proportion to its size and the reclaim's
 * priority, which classic does not; references are read as the kernel
 * reads a swap-backed page's (a marked page with no young pte reclaimed,
 * the mark kept on activation, every aged page deactivated, its ptes made
 * old), not by classic's second-chance rules.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <asm/tlbflush.h>

#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/lru_workingset.h>
#include <shadowmm/object.h>
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
	KUNIT_ASSERT_EQ(test, ws ? smm_lru_shrink_active(pool, node, 1) :
			smm_lru_age_active(pool, node, 1), 1U);
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

static void smm_lw_flush_tlb(void *unused)
{
#ifdef CONFIG_X86
	__flush_tlb_all();
#endif
}

/*
 * Page 0 of @file, mapped at @addr, read through the mapping: a young pte.
 * The walk that made it old flushed no TLB (neither does the kernel's on
 * x86), and an access through a TLB entry left from before would not set
 * the pte's accessed bit again: every CPU's TLB is flushed first.
 */
static void smm_lw_touch(struct kunit *test, unsigned long addr)
{
	u8 *buf = smm_test_buf(test);

	on_each_cpu(smm_lw_flush_tlb, NULL, 1);
	/* An expectation: a page isolated by the caller must go back. */
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, (void __user *)addr, PAGE_SIZE), 0UL);
}

/* The young ptes of page 0 of @file, made old. */
static unsigned int smm_lw_young(struct kunit *test, struct smm_pool *pool,
				 struct file *file)
{
	struct smm_page *frame = smm_test_lock_frame(test, pool, file, 0);
	unsigned int young;

	young = smm_object_young_ptes(page_folio(smm_frame_struct_page(pool, frame)));
	smm_test_unlock_frame(file, 0);
	return young;
}

#define LW_NR_VERDICTS	4

/* What one policy makes of the page of smm_lw_references(). */
struct smm_lw_refs_want {
	enum smm_lru_references v[LW_NR_VERDICTS];	/* the verdicts */
	bool marked;		/* the activated page kept its mark */
	unsigned int deact;	/* pages its aging deactivated */
	unsigned int young;	/* young ptes the aging left */
};

/*
 * One page written through a mapping, the only page on the LRU, judged
 * four times by the policy's verdict on the isolated inactive tail: as
 * written (young), untouched since, touched once and touched again.  The
 * fourth activates it; then, active and marked referenced, touched and
 * aged by the policy's aging of one page.  Each outcome is expected to be
 * @want's.
 */
static void smm_lw_references(struct kunit *test, enum smm_lru_policy_id id,
			      const struct smm_lw_refs_want *want)
{
	struct smm_pool *pool = smm_lw_pool(test, id);
	const struct smm_lru_policy *policy = smm_lru_policy(pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	enum smm_lru_references v[LW_NR_VERDICTS];
	unsigned int i, deact;
	struct smm_page *frame;
	struct folio *folio;
	unsigned long addr;
	u8 *buf = smm_test_buf(test);

	if (!IS_ENABLED(CONFIG_X86))
		kunit_skip(test, "the TLB flush before each touch is x86's");
	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	smm_test_pattern(buf, 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, buf, PAGE_SIZE), 0UL);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, node, 1, &frame), 1U);
	folio = page_folio(smm_frame_struct_page(pool, frame));
	for (i = 0; i < LW_NR_VERDICTS; i++) {
		if (i >= 2)
			smm_lw_touch(test, addr);
		folio_lock(folio);
		v[i] = policy->check_references(pool, frame);
		if (v[i] == SMM_LRUREF_ACTIVATE)
			smm_lru_activate_isolated(pool, frame, policy->activation_keeps_mark);
		folio_unlock(folio);
	}
	smm_lru_putback(pool, &frame, 1);
	for (i = 0; i < LW_NR_VERDICTS; i++)
		KUNIT_EXPECT_EQ_MSG(test, v[i], want->v[i], "verdict %u", i);
	KUNIT_ASSERT_TRUE(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active));
	KUNIT_EXPECT_EQ(test, smm_lw_flag(test, pool, file, 0, SMM_PG_referenced), want->marked);

	/* Marked referenced on the active list (classic: by this access). */
	smm_test_access(test, pool, file, 0, 1);
	smm_lw_touch(test, addr);
	deact = id == SMM_LRU_POLICY_WORKINGSET ? smm_lru_shrink_active(pool, node, 1) :
		smm_lru_age_active(pool, node, 1);
	KUNIT_EXPECT_EQ(test, deact, want->deact);
	KUNIT_EXPECT_EQ(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active), !deact);
	KUNIT_EXPECT_EQ(test, smm_lw_young(test, pool, file), want->young);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, PAGE_SIZE);
}

/*
 * workingset reads references as the kernel reads a swap-backed page's:
 * a marked page with no new young pte is reclaimed, the page it activates
 * keeps its mark, and its aging deactivates a marked active page, making
 * its ptes old.
 */
static void smm_lru_workingset_references_test(struct kunit *test)
{
	static const struct smm_lw_refs_want want = {
		.v = { SMM_LRUREF_KEEP, SMM_LRUREF_RECLAIM, SMM_LRUREF_KEEP,
		       SMM_LRUREF_ACTIVATE },
		.marked = true, .deact = 1, .young = 0,
	};

	smm_lw_references(test, SMM_LRU_POLICY_WORKINGSET, &want);
}

/*
 * classic gives the marked page with no new young pte its second chance,
 * spends the mark on activation, and its aging rotates a marked active
 * page, leaving its ptes as they are.
 */
static void smm_lru_workingset_classic_references_test(struct kunit *test)
{
	static const struct smm_lw_refs_want want = {
		.v = { SMM_LRUREF_KEEP, SMM_LRUREF_KEEP, SMM_LRUREF_KEEP,
		       SMM_LRUREF_ACTIVATE },
		.marked = false, .deact = 0, .young = 1,
	};

	smm_lw_references(test, SMM_LRU_POLICY_CLASSIC, &want);
}

#define LW_NR_PAGES	16
#define LW_NR_ACTIVE	4

/*
 * 4 active pages, 12 inactive: the inactive list is not short.  A reclaim
 * pass evicts one page, which is read back at once and activated.  Then
 * the policy's aging at DEF_PRIORITY and at priority 0: under workingset
 * that refault makes it age the active list, its size >> the priority
 * pages (none of the 5 at DEF_PRIORITY, all at 0; pgdeactivate and
 * workingset_deactivate_refault move alike); under classic nothing is
 * deactivated.  Returns in @deact the pages deactivated at each.
 */
static void smm_lw_refault_deactivate(struct kunit *test, enum smm_lru_policy_id id,
				      unsigned long *deact)
{
	static const int prio[] = { SMM_DEF_PRIORITY, 0 };
	struct smm_pool *pool = smm_lw_pool(test, id);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lruvec *lruvec = &node->lruvec;
	unsigned long before, by_refault;
	unsigned int i;

	smm_test_write_patterned(test, pool, file, 0, LW_NR_PAGES);
	for (i = LW_NR_PAGES - LW_NR_ACTIVE; i < LW_NR_PAGES; i++)
		smm_test_access(test, pool, file, i, 2);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, (unsigned long)LW_NR_ACTIVE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	KUNIT_ASSERT_TRUE(test, smm_test_read_page(test, file, 0));
	KUNIT_ASSERT_TRUE(test, smm_lw_flag(test, pool, file, 0, SMM_PG_active));
	KUNIT_ASSERT_FALSE(test, smm_lru_inactive_is_low(node));

	for (i = 0; i < ARRAY_SIZE(prio); i++) {
		before = smm_event_sum(pool, SMM_PGDEACTIVATE);
		by_refault = smm_event_sum(pool, SMM_WORKINGSET_DEACTIVATE_REFAULT);
		smm_lru_policy_age(pool, node, prio[i]);
		deact[i] = smm_event_sum(pool, SMM_PGDEACTIVATE) - before;
		KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_DEACTIVATE_REFAULT) -
				by_refault, deact[i]);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static void smm_lru_workingset_refault_deactivate_test(struct kunit *test)
{
	unsigned long deact[2];

	smm_lw_refault_deactivate(test, SMM_LRU_POLICY_WORKINGSET, deact);
	KUNIT_EXPECT_EQ(test, deact[0], 0UL);
	KUNIT_EXPECT_EQ(test, deact[1], (unsigned long)LW_NR_ACTIVE + 1);
}

static void smm_lru_workingset_classic_no_deactivate_test(struct kunit *test)
{
	unsigned long deact[2];

	smm_lw_refault_deactivate(test, SMM_LRU_POLICY_CLASSIC, deact);
	KUNIT_EXPECT_EQ(test, deact[0], 0UL);
	KUNIT_EXPECT_EQ(test, deact[1], 0UL);
}

static struct kunit_case smm_lru_workingset_cases[] = {
	KUNIT_CASE(smm_lru_workingset_rule_test),
	KUNIT_CASE(smm_lru_workingset_wide_refault_test),
	KUNIT_CASE(smm_lru_workingset_classic_narrow_test),
	KUNIT_CASE(smm_lru_workingset_restore_test),
	KUNIT_CASE(smm_lru_workingset_classic_no_restore_test),
	KUNIT_CASE(smm_lru_workingset_references_test),
	KUNIT_CASE(smm_lru_workingset_classic_references_test),
	KUNIT_CASE(smm_lru_workingset_refault_deactivate_test),
	KUNIT_CASE(smm_lru_workingset_classic_no_deactivate_test),
	{}
};

static struct kunit_suite smm_lru_workingset_suite = {
	.name = "shadowmm_lru_workingset",
	.test_cases = smm_lru_workingset_cases,
};

kunit_test_suites(&smm_lru_workingset_suite);
