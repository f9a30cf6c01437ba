// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the lirs policy (module/lru_lirs.c).  The refault rule compares
 * stamps by their age, across the stamp's wrap; an eviction's
 * shadow entry keeps the page's stamp, not the clock when it left
 * (classic keeps the clock); a refault used more recently than the page
 * aging last demoted comes back active, one used earlier inactive; aging
 * sends a page used since its last look back to the active head,
 * stamped, and demotes the others, the last one's stamp becoming the
 * node's lirs_demoted; at the inactive tail a first young pte keeps a
 * page, a second activates it, and none evicts it even when marked.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <shadowmm/lru.h>
#include <shadowmm/lru_lirs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/workingset.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg lirs_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 64,
};

/* Pages written, then evicted (the oldest first), then left resident. */
#define LIRS_NR_PAGES	20
#define LIRS_NR_EVICTED	12

/* The rule, by ages: now minus a stamp, modulo the stamp's bits. */
static void smm_lru_lirs_rule_test(struct kunit *test)
{
	unsigned long max = SMM_PAGE_STAMP_MAX;

	/* Used 1 ago, the LIR set's oldest 3 ago: in; 4 ago or 3 ago: out. */
	KUNIT_EXPECT_TRUE(test, smm_lru_lirs_promote(6, 5, 3));
	KUNIT_EXPECT_FALSE(test, smm_lru_lirs_promote(6, 2, 3));
	KUNIT_EXPECT_FALSE(test, smm_lru_lirs_promote(6, 3, 3));
	/* Across the wrap: used 8 ago, the oldest 16 ago. */
	KUNIT_EXPECT_TRUE(test, smm_lru_lirs_promote(5, max - 2, max - 10));
	KUNIT_EXPECT_FALSE(test, smm_lru_lirs_promote(5, max - 10, max - 2));
	/* The target: 1/64 of the lists, at least a reclaim batch. */
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_target(0), (unsigned long)SMM_RECLAIM_BATCH);
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_target(100), (unsigned long)SMM_RECLAIM_BATCH);
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_target(64 * 100), 100UL);
}

/*
 * A pool under policy @id with LIRS_NR_PAGES pages of one object written
 * (stamped at clock 0) and the LIRS_NR_EVICTED oldest evicted, moving
 * the clock on by as many.
 */
static struct file *smm_lirs_setup(struct kunit *test, enum smm_lru_policy_id id,
				   struct smm_pool **poolp)
{
	struct smm_pool *pool = smm_test_pool(test, &lirs_pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	struct file *file;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, id), 0);
	file = smm_test_object_file(test, pool);
	smm_test_write_patterned(test, pool, file, 0, LIRS_NR_PAGES);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, LIRS_NR_EVICTED),
			(unsigned long)LIRS_NR_EVICTED);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active + lruvec->nr_inactive,
			(unsigned long)(LIRS_NR_PAGES - LIRS_NR_EVICTED));
	*poolp = pool;
	return file;
}

/* What the shadow entry of evicted page @index holds in place of an age. */
static unsigned long smm_lirs_shadow_value(struct kunit *test, struct file *file,
					   pgoff_t index)
{
	void *shadow = smm_object_shadow(smm_file_object(file), index);
	unsigned long value = ULONG_MAX;
	u32 slot;
	int node;

	KUNIT_ASSERT_TRUE(test, xa_is_value(shadow));
	smm_workingset_unpack(shadow, &node, &value, &slot);
	return value;
}

/*
 * The last page evicted left when the clock had moved on by eleven
 * evictions: lirs keeps its stamp (0, its write), classic the clock.
 */
static void smm_lru_lirs_shadow_stamp_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct file *file = smm_lirs_setup(test, SMM_LRU_POLICY_LIRS, &pool);

	KUNIT_EXPECT_EQ(test, smm_lirs_shadow_value(test, file, LIRS_NR_EVICTED - 1), 0UL);
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_now(pool, 0), LIRS_NR_EVICTED / 2UL);
	file = smm_lirs_setup(test, SMM_LRU_POLICY_CLASSIC, &pool);
	KUNIT_EXPECT_NE(test, smm_lirs_shadow_value(test, file, LIRS_NR_EVICTED - 1), 0UL);
}

/*
 * Page 0 (stamped at 0, now 6, or 6 + @idle once the clock has run on by
 * @idle stamps more) read back with the LIR set's oldest page used
 * @demoted_age ago: active when that is longer than the page's own age,
 * inactive otherwise.
 */
static bool smm_lirs_refault_active_after(struct kunit *test, unsigned long idle,
					  unsigned long demoted_age)
{
	struct smm_pool *pool;
	struct file *file = smm_lirs_setup(test, SMM_LRU_POLICY_LIRS, &pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	unsigned long now;
	unsigned long activated = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE);
	struct smm_page *frame;
	bool active;

	/* A stamp is half a clock tick (smm_lru_lirs_now()). */
	KUNIT_ASSERT_EQ(test, pool->workingset.bucket_order, 0U);
	atomic_long_add(2 * idle, &pool->workingset.nodes[0].age);
	now = smm_lru_lirs_now(pool, 0);
	WRITE_ONCE(lruvec->lirs_demoted, (now - demoted_age) & SMM_PAGE_STAMP_MAX);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	smm_lru_drain_all(pool);
	frame = smm_test_lock_frame(test, pool, file, 0);
	active = smm_page_test(frame, SMM_PG_active);
	/* Stamped by its fault. */
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_stamp_of(frame), smm_lru_lirs_now(pool, 0));
	smm_test_unlock_frame(file, 0);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE) - activated,
			(unsigned long)active);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	return active;
}

static bool smm_lirs_refault_active(struct kunit *test, unsigned long demoted_age)
{
	return smm_lirs_refault_active_after(test, 0, demoted_age);
}

static void smm_lru_lirs_refault_recent_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, smm_lirs_refault_active(test, LIRS_NR_EVICTED / 2 + 1));
}

static void smm_lru_lirs_refault_old_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, smm_lirs_refault_active(test, LIRS_NR_EVICTED / 2));
}

/*
 * Page 0 stays in the store while the clock runs on by 2^20 stamps, about
 * two million evictions and activations: read back with the LIR set's
 * oldest page used 10 stamps ago, it is far older, and stays inactive.
 * A stamp of 20 bits had gone round and read it as 6 stamps old: active.
 */
static void smm_lru_lirs_refault_after_long_idle_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, smm_lirs_refault_active_after(test, 1UL << 20, 10));
}

/*
 * Pages 12 and 13 made active (two accesses each), page 12 used once
 * more, the clock moved on; then the active list's two tail
 * pages are aged: page 12 goes back to the head stamped now, page 13 to
 * the inactive list, its stamp the node's lirs_demoted.
 */
static void smm_lru_lirs_aging_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct file *file = smm_lirs_setup(test, SMM_LRU_POLICY_LIRS, &pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_page *used, *idle;
	unsigned long stamp12, stamp13;
	int i;

	smm_test_access(test, pool, file, 12, 2);
	smm_test_access(test, pool, file, 13, 2);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, node->lruvec.nr_active, 2UL);
	smm_test_access(test, pool, file, 12, 1);
	used = smm_test_lock_frame(test, pool, file, 12);
	stamp12 = smm_lru_lirs_stamp_of(used);
	smm_test_unlock_frame(file, 12);
	idle = smm_test_lock_frame(test, pool, file, 13);
	stamp13 = smm_lru_lirs_stamp_of(idle);
	smm_test_unlock_frame(file, 13);
	/*
	 * The clock moves on as four evictions move it (a reclaim would age
	 * the active list itself first).
	 */
	for (i = 0; i < 4; i++)
		smm_workingset_evict_value(pool, 0, 0, SMM_LRU_POLICY_LIRS, 0);
	KUNIT_ASSERT_NE(test, smm_lru_lirs_now(pool, 0), stamp12);
	KUNIT_ASSERT_NE(test, smm_lru_lirs_now(pool, 0), stamp13);

	KUNIT_EXPECT_EQ(test, smm_lru_rotate_active(pool, node, 2), 1U);
	used = smm_test_lock_frame(test, pool, file, 12);
	KUNIT_EXPECT_TRUE(test, smm_page_test(used, SMM_PG_active));
	KUNIT_EXPECT_FALSE(test, smm_page_test(used, SMM_PG_referenced));
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_stamp_of(used), smm_lru_lirs_now(pool, 0));
	smm_test_unlock_frame(file, 12);
	idle = smm_test_lock_frame(test, pool, file, 13);
	KUNIT_EXPECT_FALSE(test, smm_page_test(idle, SMM_PG_active));
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_stamp_of(idle), stamp13);
	smm_test_unlock_frame(file, 13);
	KUNIT_EXPECT_EQ(test, READ_ONCE(node->lruvec.lirs_demoted), stamp13);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A read() that finds a page resident is a use: it stamps the page with
 * the clock now (classic would not count it at all).
 */
static void smm_lru_lirs_read_stamps_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct file *file = smm_lirs_setup(test, SMM_LRU_POLICY_LIRS, &pool);
	struct smm_page *frame;

	frame = smm_test_lock_frame(test, pool, file, LIRS_NR_EVICTED);
	KUNIT_ASSERT_NE(test, smm_lru_lirs_stamp_of(frame), smm_lru_lirs_now(pool, 0));
	smm_test_unlock_frame(file, LIRS_NR_EVICTED);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, LIRS_NR_EVICTED));
	frame = smm_test_lock_frame(test, pool, file, LIRS_NR_EVICTED);
	KUNIT_EXPECT_EQ(test, smm_lru_lirs_stamp_of(frame), smm_lru_lirs_now(pool, 0));
	smm_test_unlock_frame(file, LIRS_NR_EVICTED);
}

/*
 * A switch to lirs starts with no page demoted before now: a refault's
 * stamp, whatever it is, is not more recent than that.  (Before, the
 * node kept 0 or a stale value, against which an old page was recent.)
 */
static void smm_lru_lirs_switch_resets_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct file *file = smm_lirs_setup(test, SMM_LRU_POLICY_CLASSIC, &pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;

	/* The object goes, its pages with it: the LRU is empty. */
	kunit_release_action(test, smm_test_fput, file);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_LIRS), 0);
	KUNIT_EXPECT_NE(test, smm_lru_lirs_now(pool, 0), 0UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lruvec->lirs_demoted), smm_lru_lirs_now(pool, 0));
}

/*
 * The verdict at the inactive tail on a page mapped and read through the
 * mapping (its pte young), then marked by @marks accesses the LRU saw
 * (the mark its mapping's fault set is taken off first).  With @old the
 * pte is made old before the verdict.
 */
static enum smm_lru_references smm_lirs_verdict(struct kunit *test, unsigned int marks,
						bool old)
{
	struct smm_pool *pool;
	struct file *file = smm_lirs_setup(test, SMM_LRU_POLICY_LIRS, &pool);
	const struct smm_lru_policy *policy = smm_lru_policy(pool);
	struct smm_node *node = &pool->zones.nodes[0];
	pgoff_t first = LIRS_NR_EVICTED;
	u8 *buf = smm_test_buf(test);
	enum smm_lru_references v;
	struct smm_page *frame;
	struct folio *folio;
	unsigned long addr;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE * (first + 1), PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)(addr + first * PAGE_SIZE),
					     PAGE_SIZE), 0UL);
	frame = smm_test_lock_frame(test, pool, file, first);
	clear_bit(SMM_PG_referenced, &frame->flags);
	smm_test_unlock_frame(file, first);
	smm_test_access(test, pool, file, first, marks);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, node, 1, &frame), 1U);
	KUNIT_EXPECT_EQ(test, frame->index, first);
	folio = page_folio(smm_frame_struct_page(pool, frame));
	folio_lock(folio);
	if (old)
		smm_object_young_ptes(folio);
	v = policy->check_references(pool, frame);
	if (v == SMM_LRUREF_ACTIVATE)
		smm_lru_activate_isolated(pool, frame, policy->activation_keeps_mark);
	folio_unlock(folio);
	smm_lru_putback(pool, &frame, 1);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, PAGE_SIZE * (first + 1));
	return v;
}

static void smm_lru_lirs_first_young_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lirs_verdict(test, 0, false), SMM_LRUREF_KEEP);
}

static void smm_lru_lirs_second_young_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lirs_verdict(test, 1, false), SMM_LRUREF_ACTIVATE);
}

/* Marked but not used through its ptes since: evicted (classic keeps it). */
static void smm_lru_lirs_marked_old_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lirs_verdict(test, 1, true), SMM_LRUREF_RECLAIM);
}

static struct kunit_case smm_lru_lirs_cases[] = {
	KUNIT_CASE(smm_lru_lirs_rule_test),
	KUNIT_CASE(smm_lru_lirs_shadow_stamp_test),
	KUNIT_CASE(smm_lru_lirs_refault_recent_test),
	KUNIT_CASE(smm_lru_lirs_refault_old_test),
	KUNIT_CASE(smm_lru_lirs_refault_after_long_idle_test),
	KUNIT_CASE(smm_lru_lirs_aging_test),
	KUNIT_CASE(smm_lru_lirs_read_stamps_test),
	KUNIT_CASE(smm_lru_lirs_switch_resets_test),
	KUNIT_CASE(smm_lru_lirs_first_young_test),
	KUNIT_CASE(smm_lru_lirs_second_young_test),
	KUNIT_CASE(smm_lru_lirs_marked_old_test),
	{}
};

static struct kunit_suite smm_lru_lirs_suite = {
	.name = "shadowmm_lru_lirs",
	.test_cases = smm_lru_lirs_cases,
};

kunit_test_suite(smm_lru_lirs_suite);
