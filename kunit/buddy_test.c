// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the buddy allocator (module/buddy.c) on private pools: split and
 * merge at every order, the smallest block that fits taken first,
 * whole-zone exhaustion and coalescing, a seeded random mix checked by
 * validate after every step, watermarks, the zonelist fallback order with
 * lowmem reserve, node and zone boundaries, refused bad frees, and fault
 * injection.
 */

#include <kunit/test.h>
#include <linux/fault-inject.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "smm_test.h"

#define SMM_TEST_FLAGS	(SMM_GFP_NOWAIT | SMM_GFP_NOFAULT)

static const struct smm_test_pool_cfg one_chunk = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

static void smm_buddy_order_desc(const unsigned int *order, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "order %u", *order);
}

static const unsigned int smm_all_orders[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
KUNIT_ARRAY_PARAM(smm_buddy_order, smm_all_orders, smm_buddy_order_desc);

/*
 * From one free order-10 block, an allocation of order k leaves exactly one
 * free block at each order k..9; freeing it merges all the way back.
 */
static void smm_buddy_split_merge_test(struct kunit *test)
{
	unsigned int order = *(const unsigned int *)test->param_value;
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long splits, merges, sfn;
	struct smm_page *page;
	unsigned int o;

	KUNIT_ASSERT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), 1UL);
	splits = smm_event_sum(pool, SMM_BUDDY_SPLIT);
	merges = smm_event_sum(pool, SMM_BUDDY_MERGE);

	page = smm_alloc_pages(pool, order, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, page);
	sfn = smm_page_sfn(&pool->region, page);
	KUNIT_EXPECT_EQ(test, sfn & ((1UL << order) - 1), 0UL);
	for (o = 0; o < SMM_NR_ORDERS; o++)
		KUNIT_EXPECT_EQ_MSG(test, smm_test_nr_free(zone, o),
				    (unsigned long)(o >= order && o < SMM_MAX_ORDER),
				    "order %u", o);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed - (1UL << order));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_BUDDY_SPLIT) - splits,
			(unsigned long)(SMM_MAX_ORDER - order));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	smm_free_pages(pool, page, order);
	for (o = 0; o < SMM_MAX_ORDER; o++)
		KUNIT_EXPECT_EQ_MSG(test, smm_test_nr_free(zone, o), 0UL, "order %u", o);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_BUDDY_MERGE) - merges,
			(unsigned long)(SMM_MAX_ORDER - order));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The first block on @zone's free list of @order (its sfn), or ULONG_MAX. */
static unsigned long smm_test_first_free(struct smm_pool *pool, struct smm_zone *zone,
					 unsigned int order)
{
	struct smm_page *page;
	unsigned long sfn = ULONG_MAX;

	spin_lock(&zone->lock);
	page = list_first_entry_or_null(&zone->free_area[order].free_list,
					struct smm_page, lru);
	if (page)
		sfn = smm_page_sfn(&pool->region, page);
	spin_unlock(&zone->lock);
	return sfn;
}

/* Every free list of @zone holds what @want says; @when names the moment. */
static void smm_test_expect_free_lists(struct kunit *test, struct smm_zone *zone,
				       const unsigned long *want, const char *when)
{
	unsigned int o;

	for (o = 0; o < SMM_NR_ORDERS; o++)
		KUNIT_EXPECT_EQ_MSG(test, smm_test_nr_free(zone, o), want[o],
				    "%s: order %u", when, o);
}

/*
 * Smallest fit.  From one free order-10 block, an order-2 allocation
 * leaves one free block on each list 2..9.  A second order-2 request is
 * then served from list 2 as it is, with no split, while lists 3..9 keep
 * their blocks; a third, with list 2 empty, takes the block of list 3,
 * the smallest that fits, and splits it once: one half is the allocation,
 * its buddy goes to list 2, and lists 4..9 are untouched.  An allocator
 * that split the largest free block (or always split) would take from
 * list 9 and leave a block on each list below it.
 */
static void smm_buddy_smallest_fit_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_region *r = &pool->region;
	unsigned long want[SMM_NR_ORDERS] = { }, splits, from2, from3, sfn;
	struct smm_page *shaper, *a, *b;
	unsigned int o;

	KUNIT_ASSERT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), 1UL);
	/* Shape the lists: one block on each of 2..9, none elsewhere. */
	shaper = smm_alloc_pages(pool, 2, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, shaper);
	for (o = 2; o < SMM_MAX_ORDER; o++)
		want[o] = 1;
	smm_test_expect_free_lists(test, zone, want, "shaped");

	/* List 2 has a block: that block, no split. */
	from2 = smm_test_first_free(pool, zone, 2);
	KUNIT_ASSERT_NE(test, from2, ULONG_MAX);
	splits = smm_event_sum(pool, SMM_BUDDY_SPLIT);
	a = smm_alloc_pages(pool, 2, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, smm_page_sfn(r, a), from2);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_BUDDY_SPLIT) - splits, 0UL);
	want[2] = 0;
	smm_test_expect_free_lists(test, zone, want, "list 2 served");

	/* List 2 empty: list 3's block, split once, its other half on list 2. */
	from3 = smm_test_first_free(pool, zone, 3);
	KUNIT_ASSERT_NE(test, from3, ULONG_MAX);
	splits = smm_event_sum(pool, SMM_BUDDY_SPLIT);
	b = smm_alloc_pages(pool, 2, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, b);
	sfn = smm_page_sfn(r, b);
	KUNIT_EXPECT_EQ(test, sfn & ~7UL, from3);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_BUDDY_SPLIT) - splits, 1UL);
	want[2] = 1;
	want[3] = 0;
	smm_test_expect_free_lists(test, zone, want, "list 3 split");
	KUNIT_EXPECT_EQ(test, smm_test_first_free(pool, zone, 2), sfn ^ 4UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	smm_free_pages(pool, b, 2);
	smm_free_pages(pool, a, 2);
	smm_free_pages(pool, shaper, 2);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), 1UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Fisher-Yates with the kernel's seeded generator: repeatable. */
static void smm_test_shuffle(struct smm_page **v, unsigned long n,
			     struct rnd_state *rnd)
{
	unsigned long i;

	for (i = n - 1; i > 0; i--) {
		unsigned long j = prandom_u32_state(rnd) % (i + 1);

		swap(v[i], v[j]);
	}
}

/*
 * Take every frame of a 4-chunk zone at order 0, free them in random order,
 * and the zone is whole again: four order-10 blocks and nothing else.
 */
static void smm_buddy_exhaust_random_free_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg four = {
		.mb = 16, .split = { 0, 100, 0 }, .one_node = true,
		.no_reserve = true, .pcp_off = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &four);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long n = 0, managed = zone->managed;
	struct smm_page **pages;
	struct rnd_state rnd;
	unsigned int o;

	pages = kunit_kcalloc(test, managed + 1, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	while (n <= managed && (pages[n] = smm_alloc_pages(pool, 0, SMM_TEST_FLAGS)))
		n++;
	KUNIT_EXPECT_EQ(test, n, managed);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	prandom_seed_state(&rnd, 20261122);
	smm_test_shuffle(pages, n, &rnd);
	while (n)
		smm_free_pages(pool, pages[--n], 0);
	smm_pcp_drain_all(pool);

	for (o = 0; o < SMM_MAX_ORDER; o++)
		KUNIT_EXPECT_EQ_MSG(test, smm_test_nr_free(zone, o), 0UL, "order %u", o);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), managed >> SMM_MAX_ORDER);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A seeded random sequence of allocations and frees of every order, with
 * the per-CPU lists on, and validate after every single step.
 */
static void smm_buddy_random_mix_validate_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg two = {
		.mb = 8, .split = { 0, 100, 0 }, .one_node = true,
		.no_reserve = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &two);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	enum { SLOTS = 256, STEPS = 1500 };
	struct smm_page **pages;
	unsigned int *orders;
	unsigned int step, allocated = 0, failed = 0;
	struct rnd_state rnd;
	int i;

	pages = kunit_kcalloc(test, SLOTS, sizeof(*pages), GFP_KERNEL);
	orders = kunit_kcalloc(test, SLOTS, sizeof(*orders), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, orders);
	prandom_seed_state(&rnd, 42);

	for (step = 0; step < STEPS; step++) {
		unsigned int slot = prandom_u32_state(&rnd) % SLOTS;

		if (pages[slot]) {
			smm_free_pages(pool, pages[slot], orders[slot]);
			pages[slot] = NULL;
		} else {
			orders[slot] = prandom_u32_state(&rnd) % SMM_NR_ORDERS;
			pages[slot] = smm_alloc_pages(pool, orders[slot], SMM_TEST_FLAGS);
			if (pages[slot])
				allocated++;
			else
				failed++;
		}
		KUNIT_ASSERT_EQ_MSG(test, smm_test_validate(pool), 0U, "after step %u", step);
	}
	/* The mix must have exercised both outcomes to mean anything. */
	KUNIT_EXPECT_GT(test, allocated, 100U);
	KUNIT_EXPECT_GT(test, failed, 0U);

	for (i = 0; i < SLOTS; i++)
		if (pages[i])
			smm_free_pages(pool, pages[i], orders[i]);
	smm_pcp_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), zone->managed >> SMM_MAX_ORDER);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Free every block in @pages[0..n) of order @order. */
static void smm_test_free_all(struct smm_pool *pool, struct smm_page **pages,
			      unsigned int n, unsigned int order)
{
	while (n)
		smm_free_pages(pool, pages[--n], order);
}

/*
 * An ordinary allocation stops at the min watermark (the zone keeps exactly
 * min frames); an atomic one may go down to half of min; the refusal counts
 * as an allocation stall unless the caller said no-wait.
 */
static void smm_buddy_watermark_refusal_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true, .pcp_off = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long min, stalls;
	struct smm_page **pages;
	unsigned int n = 0;

	KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 400), 0);
	min = zone->watermark[SMM_WMARK_MIN];
	KUNIT_ASSERT_EQ(test, min, 100UL);
	pages = kunit_kcalloc(test, zone->managed, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);

	stalls = smm_event_sum(pool, SMM_ALLOCSTALL_NORMAL);
	while ((pages[n] = smm_alloc_pages(pool, 0, SMM_GFP_NOFAULT)))
		n++;
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), min);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_ALLOCSTALL_NORMAL) - stalls, 1UL);

	/* No-wait refusals are not stalls. */
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, 0, SMM_TEST_FLAGS));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_ALLOCSTALL_NORMAL) - stalls, 1UL);

	while ((pages[n] = smm_alloc_pages(pool, 0, SMM_TEST_FLAGS | SMM_GFP_ATOMIC)))
		n++;
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), min - min / 2);
	KUNIT_EXPECT_EQ(test, (unsigned long)n, zone->managed - (min - min / 2));

	smm_test_free_all(pool, pages, n, 0);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
}

static enum smm_zone_type smm_test_zone_of(struct smm_pool *pool, struct smm_page *page)
{
	return smm_page_zone(pool, page)->type;
}

/*
 * One node cut 1024/2048/1024 into DMA/Normal/HighMem, no min reserve.
 * Order-9 blocks: ordinary allocations take Normal, then DMA, where the
 * lowmem reserve (Normal's size / 256 = 8 frames) refuses the second
 * block, which a DMA allocation may still have; HighMem allocations try HighMem,
 * then Normal, then DMA, each keeping its reserve.
 */
static void smm_buddy_zone_fallback_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 16, .split = { 30, 40, 30 }, .one_node = true, .no_reserve = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_page *pages[8];
	/*
	 * The whole zonelist is tried at the low marks before any zone at its
	 * min: Normal's fourth block is below its low mark, so DMA gives one
	 * first, and only then does Normal give its last, at min.
	 */
	static const enum smm_zone_type normal_seq[] = {
		SMM_ZONE_NORMAL, SMM_ZONE_NORMAL, SMM_ZONE_NORMAL, SMM_ZONE_DMA,
		SMM_ZONE_NORMAL,
	};
	/*
	 * HighMem keeps its token min of 32 frames, so it gives one block;
	 * Normal keeps HighMem/32 = 32 back from HighMem-class requests, so
	 * three; DMA keeps (Normal + HighMem)/256 = 12, so one.
	 */
	static const enum smm_zone_type high_seq[] = {
		SMM_ZONE_HIGHMEM, SMM_ZONE_NORMAL, SMM_ZONE_NORMAL, SMM_ZONE_NORMAL,
		SMM_ZONE_DMA,
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_EQ(test, node->zones[SMM_ZONE_DMA].managed, 1024UL);
	KUNIT_ASSERT_EQ(test, node->zones[SMM_ZONE_NORMAL].managed, 2048UL);
	KUNIT_ASSERT_EQ(test, node->zones[SMM_ZONE_HIGHMEM].managed, 1024UL);
	KUNIT_ASSERT_EQ(test, node->zones[SMM_ZONE_DMA].lowmem_reserve[SMM_ZONE_NORMAL], 8UL);

	for (i = 0; i < ARRAY_SIZE(normal_seq); i++) {
		pages[i] = smm_alloc_pages(pool, 9, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL_MSG(test, pages[i], "normal allocation %u", i);
		KUNIT_EXPECT_EQ_MSG(test, smm_test_zone_of(pool, pages[i]), normal_seq[i],
				    "normal allocation %u", i);
	}
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, 9, SMM_TEST_FLAGS));
	/* What lowmem reserve kept from Normal-class requests DMA ones get. */
	pages[i] = smm_alloc_pages(pool, 9, SMM_TEST_FLAGS | SMM_GFP_DMA);
	KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	KUNIT_EXPECT_EQ(test, smm_test_zone_of(pool, pages[i]), SMM_ZONE_DMA);
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, 9, SMM_TEST_FLAGS | SMM_GFP_DMA));
	smm_test_free_all(pool, pages, i + 1, 9);

	for (i = 0; i < ARRAY_SIZE(high_seq); i++) {
		pages[i] = smm_alloc_pages(pool, 9, SMM_TEST_FLAGS | SMM_GFP_HIGHMEM);
		KUNIT_ASSERT_NOT_NULL_MSG(test, pages[i], "highmem allocation %u", i);
		KUNIT_EXPECT_EQ_MSG(test, smm_test_zone_of(pool, pages[i]), high_seq[i],
				    "highmem allocation %u", i);
	}
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, 9, SMM_TEST_FLAGS | SMM_GFP_HIGHMEM));
	smm_test_free_all(pool, pages, i, 9);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_ZONE_FALLBACK), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Over two nodes (one chunk each) cut into DMA and Normal halves: every
 * block of every order lies inside one zone of one node, each node's frames
 * are really on that NUMA node, and allocations prefer the local node.
 */
static void smm_buddy_node_zone_boundaries_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 50, 50, 0 }, .no_reserve = true,
	};
	struct smm_pool *pool;
	struct smm_region *r;
	struct smm_page **pages;
	unsigned int *orders, n = 0, o;
	unsigned long c;
	int i;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "needs two NUMA nodes (the VM boots numa=fake=2)");
	pool = smm_test_pool(test, &cfg);
	r = &pool->region;
	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 2);
	KUNIT_EXPECT_NE(test, pool->zones.nodes[0].nid, pool->zones.nodes[1].nid);
	for (c = 0; c < r->nr_chunks; c++)
		KUNIT_EXPECT_EQ(test, r->chunk_nid[c],
				page_to_nid(pfn_to_page(r->chunk_pfn[c])));
	for (i = 0; i < pool->zones.nr_nodes; i++)
		KUNIT_EXPECT_EQ(test, r->chunk_nid[pool->zones.nodes[i].start_sfn >> SMM_CHUNK_ORDER],
				pool->zones.nodes[i].nid);

	pages = kunit_kcalloc(test, 2048, sizeof(*pages), GFP_KERNEL);
	orders = kunit_kcalloc(test, 2048, sizeof(*orders), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, orders);
	/* Largest blocks first, down to single frames, until all is taken. */
	for (o = SMM_MAX_ORDER + 1; o-- > 0;) {
		struct smm_page *page;

		while ((page = smm_alloc_pages(pool, o, SMM_TEST_FLAGS | SMM_GFP_DMA)) ||
		       (page = smm_alloc_pages(pool, o, SMM_TEST_FLAGS))) {
			struct smm_zone *zone = smm_page_zone(pool, page);
			unsigned long sfn = smm_page_sfn(r, page);

			KUNIT_EXPECT_GE(test, sfn, zone->start_sfn);
			KUNIT_EXPECT_LE(test, sfn + (1UL << o), smm_zone_end_sfn(zone));
			KUNIT_EXPECT_GE(test, sfn, zone->node->start_sfn);
			KUNIT_EXPECT_LE(test, sfn + (1UL << o),
					zone->node->start_sfn + zone->node->spanned);
			pages[n] = page;
			orders[n++] = o;
		}
	}
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), 0UL);
	/* Half a chunk per zone: no block larger than order 9 fits. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_LE(test, orders[i], 9U);
	while (n--)
		smm_free_pages(pool, pages[n], orders[n]);
	smm_pcp_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), smm_pool_managed_pages(pool));
}

/* Frees of things that are not allocated blocks change nothing. */
static void smm_buddy_bad_free_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_page *page, foreign = { };
	unsigned long bad = smm_event_sum(pool, SMM_BAD_FREE);

	page = smm_alloc_pages(pool, 1, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, page);
	smm_free_pages(pool, page + 1, 1);		/* misaligned */
	smm_free_pages(pool, &foreign, 0);		/* not ours */
	smm_free_pages(pool, page, SMM_MAX_ORDER + 1);	/* no such order */
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed - 2);
	smm_free_pages(pool, page, 1);
	smm_free_pages(pool, page, 1);			/* double */
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_BAD_FREE) - bad, 4UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Failures are injected at the configured order and above, as many as asked. */
static void smm_buddy_fault_injection_test(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_page *page;

	pool->zones.fail_page_alloc.probability = 100;
	pool->zones.fail_page_alloc.interval = 1;
	pool->zones.fail_page_alloc.verbose = 0;
	atomic_set(&pool->zones.fail_page_alloc.times, 2);
	pool->zones.fail_min_order = 1;

	page = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_NOT_NULL(test, page);
	smm_free_pages(pool, page, 0);
	page = smm_alloc_pages(pool, 1, SMM_GFP_NOWAIT | SMM_GFP_NOFAULT);
	KUNIT_EXPECT_NOT_NULL(test, page);
	smm_free_pages(pool, page, 1);
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, 1, SMM_GFP_NOWAIT));
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, 2, SMM_GFP_NOWAIT));
	page = smm_alloc_pages(pool, 1, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_NOT_NULL(test, page);
	smm_free_pages(pool, page, 1);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGALLOC_INJECTED), 2UL);
#else
	kunit_skip(test, "kernel without CONFIG_FAULT_INJECTION");
#endif
}

/*
 * A free list can hold every frame of its zone as single blocks: validate
 * walks the free lists a batch of SMM_WALK_BATCH blocks at a time, and
 * stays exact across the batches: a count one off is still found.
 */
static void smm_buddy_validate_batched_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_page **pages;
	unsigned int n = 0, i, max;

	pages = kunit_kcalloc(test, zone->managed, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	while (n < zone->managed &&
	       (pages[n] = smm_alloc_pages(pool, 0, SMM_TEST_FLAGS | SMM_GFP_ATOMIC)))
		n++;
	/* The frames of even number back: no two of them are buddies. */
	for (i = 0; i < n; i++) {
		if (smm_page_sfn(&pool->region, pages[i]) & 1)
			continue;
		smm_free_pages(pool, pages[i], 0);
		pages[i] = NULL;
	}
	KUNIT_ASSERT_GT(test, smm_test_nr_free(zone, 0), (unsigned long)SMM_WALK_BATCH);

	smm_test_walk_max(zone, true);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	max = smm_test_walk_max(zone, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);

	spin_lock(&zone->lock);
	zone->free_area[0].nr_free++;
	spin_unlock(&zone->lock);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 1U);
	spin_lock(&zone->lock);
	zone->free_area[0].nr_free--;
	spin_unlock(&zone->lock);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	for (i = 0; i < n; i++)
		if (pages[i])
			smm_free_pages(pool, pages[i], 0);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_buddy_cases[] = {
	KUNIT_CASE(smm_buddy_validate_batched_test),
	KUNIT_CASE_PARAM(smm_buddy_split_merge_test, smm_buddy_order_gen_params),
	KUNIT_CASE(smm_buddy_smallest_fit_test),
	KUNIT_CASE(smm_buddy_exhaust_random_free_test),
	KUNIT_CASE_SLOW(smm_buddy_random_mix_validate_test),
	KUNIT_CASE(smm_buddy_watermark_refusal_test),
	KUNIT_CASE(smm_buddy_zone_fallback_test),
	KUNIT_CASE(smm_buddy_node_zone_boundaries_test),
	KUNIT_CASE(smm_buddy_bad_free_test),
	KUNIT_CASE(smm_buddy_fault_injection_test),
	{}
};

static struct kunit_suite smm_buddy_suite = {
	.name = "shadowmm_buddy",
	.test_cases = smm_buddy_cases,
};

kunit_test_suites(&smm_buddy_suite);
