// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the lip policy (module/lru_lip.c).  A refault whose distance is
 * beyond the active and inactive lists together goes to the inactive
 * tail, where reclaim takes it first (classic puts it at the head), and
 * is counted as workingset_refault_tail; at its verdict the young pte of
 * its own fault does not keep it (classic keeps such a page for a second
 * chance), but a use the LRU saw lets the classic rules judge it.  No
 * per-CPU batch hides such a refault from reclaim.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <shadowmm/lru.h>
#include <shadowmm/lru_lip.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/reclaim.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg lip_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 64,
};

/* Pages written, then evicted (the oldest first), then left resident. */
#define LIP_NR_PAGES	20
#define LIP_NR_EVICTED	12

/* The rule: the classic activation, then the tail beyond both lists. */
static void smm_lru_lip_rule_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lru_lip_place(3, 3, 5), SMM_LIP_ACTIVE);
	KUNIT_EXPECT_EQ(test, smm_lru_lip_place(4, 3, 5), SMM_LIP_HEAD);
	KUNIT_EXPECT_EQ(test, smm_lru_lip_place(8, 3, 5), SMM_LIP_HEAD);
	KUNIT_EXPECT_EQ(test, smm_lru_lip_place(9, 3, 5), SMM_LIP_TAIL);
	KUNIT_EXPECT_EQ(test, smm_lru_lip_place(0, 0, 0), SMM_LIP_ACTIVE);
	KUNIT_EXPECT_EQ(test, smm_lru_lip_place(1, 0, 0), SMM_LIP_TAIL);
}

/*
 * A pool under policy @id with LIP_NR_PAGES pages of one object written
 * and the LIP_NR_EVICTED oldest evicted: page 0 left first, so its
 * distance (11) is beyond the 8 pages left on the lists.
 */
static struct file *smm_lip_setup(struct kunit *test, enum smm_lru_policy_id id,
				  struct smm_pool **poolp)
{
	struct smm_pool *pool = smm_test_pool(test, &lip_pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	struct file *file;
	pgoff_t i;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, id), 0);
	file = smm_test_object_file(test, pool);
	/* One at a time, each drained: every page in order on the list. */
	for (i = 0; i < LIP_NR_PAGES; i++)
		smm_test_write_patterned(test, pool, file, i, 1);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, LIP_NR_EVICTED),
			(unsigned long)LIP_NR_EVICTED);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	KUNIT_ASSERT_EQ(test, lruvec->nr_active + lruvec->nr_inactive,
			(unsigned long)(LIP_NR_PAGES - LIP_NR_EVICTED));
	*poolp = pool;
	return file;
}

/*
 * Page 0 read back under policy @id: where does it go?  Returns whether
 * reclaim's next candidate, the inactive tail, is page 0.  Unless @drain,
 * the per-CPU LRU batches are left as they are, as reclaim finds them.
 */
static bool smm_lip_tail(struct kunit *test, enum smm_lru_policy_id id, bool drain)
{
	struct smm_pool *pool;
	struct file *file = smm_lip_setup(test, id, &pool);
	struct smm_node *node = &pool->zones.nodes[0];
	unsigned long tails = smm_event_sum(pool, SMM_WORKINGSET_REFAULT_TAIL);
	struct smm_page *frame;
	bool first;

	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	if (drain)
		smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, node, 1, &frame), 1U);
	first = frame->index == 0 && frame->object == smm_file_object(file);
	KUNIT_EXPECT_EQ(test, smm_page_test(frame, SMM_PG_thrashing), first);
	smm_lru_putback(pool, &frame, 1);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_REFAULT_TAIL) - tails,
			(unsigned long)(id == SMM_LRU_POLICY_LIP));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	return first;
}

static void smm_lru_lip_tail_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, smm_lip_tail(test, SMM_LRU_POLICY_LIP, true));
}

static void smm_lru_lip_classic_head_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, smm_lip_tail(test, SMM_LRU_POLICY_CLASSIC, true));
}

/*
 * No batch hides a thrashing refault from reclaim: with nothing drained,
 * reclaim's next candidate is already page 0, not an older page lip
 * would keep.
 */
static void smm_lru_lip_unbatched_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, smm_lip_tail(test, SMM_LRU_POLICY_LIP, false));
}

/*
 * Page 0 faulted back through a mapping (its pte young from that fault),
 * @used times marked accessed by the LRU, then judged at the tail.
 */
static enum smm_lru_references smm_lip_verdict(struct kunit *test, unsigned int used)
{
	struct smm_pool *pool;
	struct file *file = smm_lip_setup(test, SMM_LRU_POLICY_LIP, &pool);
	const struct smm_lru_policy *policy = smm_lru_policy(pool);
	struct smm_node *node = &pool->zones.nodes[0];
	u8 *buf = smm_test_buf(test);
	enum smm_lru_references v;
	struct smm_page *frame;
	struct folio *folio;
	unsigned long addr;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)addr, PAGE_SIZE), 0UL);
	smm_test_access(test, pool, file, 0, used);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, node, 1, &frame), 1U);
	KUNIT_EXPECT_EQ(test, frame->index, 0UL);
	folio = page_folio(smm_frame_struct_page(pool, frame));
	folio_lock(folio);
	v = policy->check_references(pool, frame);
	if (v == SMM_LRUREF_ACTIVATE)
		smm_lru_activate_isolated(pool, frame, policy->activation_keeps_mark);
	KUNIT_EXPECT_FALSE(test, smm_page_test(frame, SMM_PG_thrashing));
	folio_unlock(folio);
	smm_lru_putback(pool, &frame, 1);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, PAGE_SIZE);
	return v;
}

/*
 * The isolation's second chance (an unmapped page marked referenced)
 * sends a thrashing refault to the head: there it is no longer one, and
 * its mark goes, so its next verdict reads its ptes.
 */
static void smm_lru_lip_second_chance_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct file *file = smm_lip_setup(test, SMM_LRU_POLICY_LIP, &pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_page *frame, *taken[2];

	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	smm_test_access(test, pool, file, 0, 1);
	smm_lru_drain_all(pool);
	/* Two looked at: page 0 sent to the head, the next one taken. */
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, node, 2, taken), 1U);
	KUNIT_EXPECT_NE(test, taken[0]->index, 0UL);
	smm_lru_putback(pool, taken, 1);
	frame = smm_test_lock_frame(test, pool, file, 0);
	KUNIT_EXPECT_FALSE(test, smm_page_test(frame, SMM_PG_thrashing));
	smm_test_unlock_frame(file, 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Young only from its own fault: reclaimed (classic would keep it). */
static void smm_lru_lip_fault_young_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lip_verdict(test, 0), SMM_LRUREF_RECLAIM);
}

/* Used since, as the LRU saw: the classic rules, which activate it. */
static void smm_lru_lip_used_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, smm_lip_verdict(test, 1), SMM_LRUREF_ACTIVATE);
}

static struct kunit_case smm_lru_lip_cases[] = {
	KUNIT_CASE(smm_lru_lip_rule_test),
	KUNIT_CASE(smm_lru_lip_tail_test),
	KUNIT_CASE(smm_lru_lip_classic_head_test),
	KUNIT_CASE(smm_lru_lip_unbatched_test),
	KUNIT_CASE(smm_lru_lip_second_chance_test),
	KUNIT_CASE(smm_lru_lip_fault_young_test),
	KUNIT_CASE(smm_lru_lip_used_test),
	{}
};

static struct kunit_suite smm_lru_lip_suite = {
	.name = "shadowmm_lru_lip",
	.test_cases = smm_lru_lip_cases,
};

kunit_test_suites(&smm_lru_lip_suite);
