// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: refault distance (module/workingset.c): a shadow entry keeps the
 * node, the age and the store slot; a refault within the active list's
 * size activates, one beyond it does not; distances land in their
 * histogram bucket.  The node's age counts activations as well as
 * evictions: those the LRU makes (a second access drained from a batch,
 * reclaim finding a young page referenced), each once, and those of
 * refaults; so a refault's distance includes the pages activated while
 * it was out.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/workingset.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg ws_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
};

/* With a backing store, for evictions; 1024 frames, one zone. */
static const struct smm_test_pool_cfg ws_store_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 64,
};

static void smm_workingset_pack_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_pool);
	unsigned long age;
	void *shadow;
	int node;
	u32 slot;

	/* The largest slot a store can have, every one of its bits set. */
	shadow = smm_workingset_eviction(pool, 0, SMM_SWAP_MAX_SLOTS);
	KUNIT_EXPECT_TRUE(test, xa_is_value(shadow));
	smm_workingset_unpack(shadow, &node, &age, &slot);
	KUNIT_EXPECT_EQ(test, node, 0);
	KUNIT_EXPECT_EQ(test, age, 1UL);
	KUNIT_EXPECT_EQ(test, slot, (u32)SMM_SWAP_MAX_SLOTS);
	KUNIT_EXPECT_EQ(test, smm_workingset_slot(shadow), (u32)SMM_SWAP_MAX_SLOTS);
	KUNIT_EXPECT_EQ(test, smm_workingset_shadow_policy(shadow), SMM_LRU_POLICY_CLASSIC);
	KUNIT_EXPECT_FALSE(test, smm_workingset_shadow_ws(shadow));
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
	/* Distances 10, 9, 11, 11: all in bucket 4 (8-15). */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nodes[0].hist[4]), 4L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nodes[0].refaults), 4L);
}

static unsigned long smm_ws_age(struct smm_pool *pool)
{
	return atomic_long_read(&pool->workingset.nodes[0].age);
}

static bool smm_ws_active(struct kunit *test, struct smm_pool *pool,
			  struct file *file, pgoff_t index)
{
	struct smm_page *frame;
	bool active;

	smm_lru_drain_all(pool);
	frame = smm_test_lock_frame(test, pool, file, index);
	active = smm_page_test(frame, SMM_PG_active);
	smm_test_unlock_frame(file, index);
	return active;
}

#define WS_NR_PAGES	6

/*
 * Activations through the LRU's batches age the node once each.  Every
 * page gets three accesses before the drain: the second queues its
 * activation and the third queues it again, the page not being active
 * yet; the drain activates each page once.  Further accesses to the
 * pages, now active, activate nothing.
 */
static void smm_workingset_lru_activation_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	unsigned long age, activated;
	pgoff_t i;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	smm_test_write_patterned(test, pool, file, 0, WS_NR_PAGES);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 0UL);
	age = smm_ws_age(pool);
	activated = smm_event_sum(pool, SMM_PGACTIVATE);

	for (i = 0; i < WS_NR_PAGES; i++)
		smm_test_access(test, pool, file, i, 3);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, (unsigned long)WS_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE) - activated,
			(unsigned long)WS_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_ws_age(pool) - age, (unsigned long)WS_NR_PAGES);

	for (i = 0; i < WS_NR_PAGES; i++)
		smm_test_access(test, pool, file, i, 2);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE) - activated,
			(unsigned long)WS_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_ws_age(pool) - age, (unsigned long)WS_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Reclaim's activate verdict ages the node too, once.  Page 0, mapped,
 * young (just written through its mapping) and already marked
 * referenced, is at the inactive tail: the scan activates it and goes on
 * to evict page 1, unmapped and never accessed.  One activation, one
 * eviction: the age moves by two.
 */
static void smm_workingset_reclaim_activation_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_store_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test);
	unsigned long addr, age, activated, out;
	loff_t pos = PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	smm_test_pattern(buf, 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, buf, PAGE_SIZE), 0UL);
	smm_test_pattern(buf, 1);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	smm_test_access(test, pool, file, 0, 1);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_FALSE(test, smm_ws_active(test, pool, file, 0));
	age = smm_ws_age(pool);
	activated = smm_event_sum(pool, SMM_PGACTIVATE);
	out = smm_event_sum(pool, SMM_PSWPOUT);

	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_EXPECT_TRUE(test, smm_ws_active(test, pool, file, 0));
	KUNIT_EXPECT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 1)));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE) - activated, 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT) - out, 1UL);
	KUNIT_EXPECT_EQ(test, smm_ws_age(pool) - age, 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, PAGE_SIZE);
}

#define WS_NR_ACTIVATED	8

/*
 * A refault's distance counts the activations made while the page was
 * out.  Page 0 is evicted; then pages 1..8 are activated through the LRU
 * and page 1 deactivated again, which does not age the node, leaving 7
 * active.  Page 0 comes back at distance 8 (histogram bucket 8-15), more
 * than the active list holds, so it starts inactive; not counting the
 * activations, its distance would be 0 and it would be activated.
 */
static void smm_workingset_refault_after_activations_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_store_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = &pool->zones.nodes[0].lruvec;
	struct smm_workingset *ws = &pool->workingset.nodes[0];
	const unsigned int bucket = ilog2(WS_NR_ACTIVATED) + 1;
	unsigned long then, activated;
	struct smm_page *frame;
	long refaults, hits;
	void *shadow;
	pgoff_t i;
	int node;
	u32 slot;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	smm_test_write_patterned(test, pool, file, 0, WS_NR_ACTIVATED + 1);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	shadow = smm_object_shadow(smm_file_object(file), 0);
	KUNIT_ASSERT_TRUE(test, xa_is_value(shadow));
	smm_workingset_unpack(shadow, &node, &then, &slot);
	KUNIT_ASSERT_EQ(test, then, smm_ws_age(pool));

	for (i = 1; i <= WS_NR_ACTIVATED; i++)
		smm_test_access(test, pool, file, i, 2);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, (unsigned long)WS_NR_ACTIVATED);
	frame = smm_test_lock_frame(test, pool, file, 1);
	smm_lru_deactivate(pool, frame);
	smm_test_unlock_frame(file, 1);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, (unsigned long)WS_NR_ACTIVATED - 1);
	KUNIT_EXPECT_EQ(test, smm_ws_age(pool) - then, (unsigned long)WS_NR_ACTIVATED);

	refaults = atomic_long_read(&ws->refaults);
	hits = atomic_long_read(&ws->hist[bucket]);
	activated = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ws->refaults) - refaults, 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ws->hist[bucket]) - hits, 1L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE), activated);
	KUNIT_EXPECT_FALSE(test, smm_ws_active(test, pool, file, 0));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A refault that activates ages the node once: page 0, evicted and read
 * straight back (distance 0), goes to the active list through its LRU
 * add, which is no second activation: the age moves by one, counted as
 * workingset_activate and not as pgactivate.
 */
static void smm_workingset_refault_activation_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_store_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long age, activated, lru_activated;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	smm_test_write_patterned(test, pool, file, 0, 2);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	age = smm_ws_age(pool);
	activated = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE);
	lru_activated = smm_event_sum(pool, SMM_PGACTIVATE);

	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	KUNIT_EXPECT_TRUE(test, smm_ws_active(test, pool, file, 0));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE) - activated, 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE), lru_activated);
	KUNIT_EXPECT_EQ(test, smm_ws_age(pool) - age, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * The bucket order: 0 while the entry's bits of age cover the pool and its
 * store, as the kernel's workingset_init() computes it; 0 for the largest
 * pool (4 GiB) with the largest store (16 GiB), 5 << 20 pages.  With an
 * order of 2 a distance of over 2^SMM_WS_VALUE_BITS survives the round
 * trip through a shadow entry, to the bucket; at order 0 it would wrap to
 * what is left above that.
 */
static void smm_workingset_bucket_order_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_pool);
	unsigned long far = (1UL << SMM_WS_VALUE_BITS) + 1000, distance;
	unsigned long bucket = 1UL << 2;
	void *shadow;
	int node;

	KUNIT_EXPECT_EQ(test, smm_workingset_bucket_order(1UL << SMM_WS_VALUE_BITS), 0U);
	KUNIT_EXPECT_EQ(test, smm_workingset_bucket_order((1UL << SMM_WS_VALUE_BITS) + 1), 1U);
	KUNIT_EXPECT_EQ(test, smm_workingset_bucket_order(4UL << SMM_WS_VALUE_BITS), 2U);
	KUNIT_EXPECT_EQ(test, smm_workingset_bucket_order(5UL << 20), 0U);
	/* This test's small pool needs none. */
	KUNIT_EXPECT_EQ(test, pool->workingset.bucket_order, 0U);

	pool->workingset.bucket_order = 2;
	atomic_long_set(&pool->workingset.nodes[0].age, 12345);
	shadow = smm_workingset_evict(pool, 0, 7, SMM_LRU_POLICY_CLASSIC, false);
	KUNIT_EXPECT_EQ(test, smm_workingset_slot(shadow), 7U);
	atomic_long_add(far, &pool->workingset.nodes[0].age);
	distance = smm_workingset_distance(pool, shadow, &node);
	KUNIT_EXPECT_EQ(test, node, 0);
	KUNIT_EXPECT_GT(test, distance + bucket, far);
	KUNIT_EXPECT_LT(test, distance, far + bucket);
	KUNIT_EXPECT_EQ(test, distance % bucket, 0UL);
	pool->workingset.bucket_order = 0;
}

/*
 * A page left in the store while the clock runs on: evicted, then two
 * million evictions and activations later (2^21 + 5: ten minutes of heavy
 * thrashing at most) it comes back, and its distance is all of that.  An
 * entry whose age had 21 bits read 5 here, and was activated as if it had
 * just left.
 */
static void smm_workingset_long_distance_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &ws_pool);
	unsigned long far = (1UL << 21) + 5;
	void *shadow;
	int node;

	KUNIT_ASSERT_EQ(test, pool->workingset.bucket_order, 0U);
	shadow = smm_workingset_eviction(pool, 0, SMM_SWAP_MAX_SLOTS);
	atomic_long_add(far, &pool->workingset.nodes[0].age);
	KUNIT_EXPECT_EQ(test, smm_workingset_distance(pool, shadow, &node), far);
	KUNIT_EXPECT_EQ(test, smm_workingset_slot(shadow), (u32)SMM_SWAP_MAX_SLOTS);
	/* Not within the lists, however long they are in a 4 MiB pool. */
	KUNIT_EXPECT_FALSE(test, smm_workingset_refault(pool, shadow, 1UL << 20));
}

static struct kunit_case smm_workingset_cases[] = {
	KUNIT_CASE(smm_workingset_pack_test),
	KUNIT_CASE(smm_workingset_distance_test),
	KUNIT_CASE(smm_workingset_bucket_order_test),
	KUNIT_CASE(smm_workingset_long_distance_test),
	KUNIT_CASE(smm_workingset_lru_activation_test),
	KUNIT_CASE(smm_workingset_reclaim_activation_test),
	KUNIT_CASE(smm_workingset_refault_after_activations_test),
	KUNIT_CASE(smm_workingset_refault_activation_test),
	{}
};

static struct kunit_suite smm_workingset_suite = {
	.name = "shadowmm_workingset",
	.test_cases = smm_workingset_cases,
};

kunit_test_suites(&smm_workingset_suite);
