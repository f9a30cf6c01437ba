// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: per-CPU lists (module/pcp.c): refill and drain in batches with
 * exact counts, order-0 frames only (a larger block bypasses them both
 * ways and merges back at once), tunables refused when out of range,
 * drain of all lists, and a CPU going offline leaves no frame behind on
 * its lists; sized by zone, refills that double, a burst freed that stays
 * on its CPU's list, the decay that gives it back (and stops once a grown
 * list's CPU went offline), and a short zone that shrinks a list, at a
 * refill and at a free that reaches a grown high.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include <trace/events/shadowmm.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg one_chunk = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true, .no_reserve = true,
};

/* Large enough that a list's high can grow by seven batches. */
static const struct smm_test_pool_cfg eight_chunks = {
	.mb = 32, .split = { 0, 100, 0 }, .one_node = true, .no_reserve = true,
};

static unsigned int smm_test_pcp_count(struct smm_zone *zone, int cpu)
{
	return READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
}

/* A list's high as a free compares it, raw. */
static unsigned int smm_test_pcp_high(struct smm_zone *zone, int cpu)
{
	return READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->high);
}

/*
 * batch 4, high 8: the first allocation refills 4 and takes 1; four more
 * allocations take the rest and refill once more; frees go to the list
 * until it reaches 8, when the 4 coldest go back to the buddy lists.
 */
static void smm_pcp_refill_drain_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long managed = zone->managed, refills, drains;
	struct smm_page *pages[5];
	int i, cpu;

	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 8, 4), 0);
	refills = smm_event_sum(pool, SMM_PCP_REFILL);
	drains = smm_event_sum(pool, SMM_PCP_DRAIN);

	migrate_disable();
	cpu = smp_processor_id();
	pages[0] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 3U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed - 4);
	for (i = 1; i < 4; i++)
		pages[i] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 0U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_REFILL) - refills, 1UL);
	pages[4] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 3U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_REFILL) - refills, 2UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed - 8);

	for (i = 0; i < 4; i++)
		smm_free_pages(pool, pages[i], 0);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 7U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_DRAIN) - drains, 0UL);
	smm_free_pages(pool, pages[4], 0);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 4U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed - 4);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_DRAIN) - drains, 1UL);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_pcp_drain_all(pool), 4U);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 0U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), 1UL);
}

/* Every possible CPU's list count in @zone, into @count. */
static void smm_test_pcp_counts(struct smm_zone *zone, unsigned int *count)
{
	int cpu;

	for_each_possible_cpu(cpu)
		count[cpu] = smm_test_pcp_count(zone, cpu);
}

/*
 * The per-CPU lists hold order-0 frames only.  With them on (batch 4,
 * high 8) and holding frames (one order-0 allocation refills a list with
 * 4 and takes 1), every order 1..SMM_MAX_ORDER - 1 is allocated and
 * freed: the block comes from the free lists (the zone's free count drops
 * by its size; no list is refilled or drained, no count changes) and its
 * free merges it back at once, so every order's free count is what it
 * was before, with no drain.  Nothing else allocates from this private
 * pool meanwhile.  A zone of one chunk has a free order-9 block left
 * after the order-0 refill (the upper half of the split chunk), so each
 * of these orders can be served.
 */
static void smm_pcp_order0_only_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long nr_free[SMM_NR_ORDERS], free, refills, drains, pcp_allocs;
	unsigned int *before, *now, held = 0;
	struct smm_page *hold, *block;
	unsigned int order, o;
	int cpu;

	before = kunit_kcalloc(test, nr_cpu_ids, sizeof(*before), GFP_KERNEL);
	now = kunit_kcalloc(test, nr_cpu_ids, sizeof(*now), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, now);
	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 8, 4), 0);
	hold = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_ASSERT_NOT_NULL(test, hold);
	smm_test_pcp_counts(zone, before);
	for_each_possible_cpu(cpu)
		held += before[cpu];
	/* The lists are on and not empty: a block could land on one. */
	KUNIT_ASSERT_EQ(test, held, 3U);

	for (order = 1; order < SMM_MAX_ORDER; order++) {
		for (o = 0; o < SMM_NR_ORDERS; o++)
			nr_free[o] = smm_test_nr_free(zone, o);
		free = smm_zone_free(zone);
		refills = smm_event_sum(pool, SMM_PCP_REFILL);
		drains = smm_event_sum(pool, SMM_PCP_DRAIN);
		pcp_allocs = smm_event_sum(pool, SMM_PCP_ALLOC);

		block = smm_alloc_pages(pool, order, SMM_GFP_NOWAIT);
		KUNIT_ASSERT_NOT_NULL_MSG(test, block, "order %u", order);
		KUNIT_EXPECT_EQ_MSG(test, smm_zone_free(zone), free - (1UL << order),
				    "order %u: not from the free lists", order);
		KUNIT_EXPECT_EQ_MSG(test, smm_event_sum(pool, SMM_PCP_ALLOC), pcp_allocs,
				    "order %u", order);
		smm_test_pcp_counts(zone, now);
		for_each_possible_cpu(cpu)
			KUNIT_EXPECT_EQ_MSG(test, now[cpu], before[cpu],
					    "order %u alloc, cpu %d", order, cpu);

		smm_free_pages(pool, block, order);
		smm_test_pcp_counts(zone, now);
		for_each_possible_cpu(cpu)
			KUNIT_EXPECT_EQ_MSG(test, now[cpu], before[cpu],
					    "order %u free, cpu %d", order, cpu);
		/* Merged back whole, at once: each order's count as before. */
		KUNIT_EXPECT_EQ_MSG(test, smm_zone_free(zone), free, "order %u", order);
		for (o = 0; o < SMM_NR_ORDERS; o++)
			KUNIT_EXPECT_EQ_MSG(test, smm_test_nr_free(zone, o), nr_free[o],
					    "order %u free: free list of order %u", order, o);
		KUNIT_EXPECT_EQ_MSG(test, smm_event_sum(pool, SMM_PCP_REFILL), refills,
				    "order %u", order);
		KUNIT_EXPECT_EQ_MSG(test, smm_event_sum(pool, SMM_PCP_DRAIN), drains,
				    "order %u", order);
	}
	smm_free_pages(pool, hold, 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Out-of-range tunables are refused and change nothing. */
static void smm_pcp_tunables_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int high = zone->pcp_high, batch = zone->pcp_batch;

	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 4, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 4096, SMM_PCP_BATCH_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, SMM_PCP_HIGH_MAX + 1, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, high);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, batch);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 186, 31), 0);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, 186U);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, 31U);
	/* Fixed by hand: no room to tune. */
	KUNIT_EXPECT_EQ(test, zone->pcp_high_min, 186U);
	KUNIT_EXPECT_TRUE(test, pool->pcp.fixed);
}

/*
 * Sized by the zone, as the kernel sizes its pagesets, until fixed by hand;
 * smm_pcp_set_auto() brings back exactly the sizes the pool was built with.
 * The minimum follows the low watermark, and a drain puts a list's high
 * back to it.
 */
static void smm_pcp_default_sizes_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int cpus = num_possible_cpus();
	unsigned int high = zone->pcp_high, hmin = zone->pcp_high_min;
	unsigned int batch = zone->pcp_batch, i;
	struct smm_page **pages;
	unsigned long low;
	int cpu;

	KUNIT_EXPECT_FALSE(test, pool->pcp.fixed);
	KUNIT_EXPECT_EQ(test, batch, (unsigned int)min(zone->managed / 256, 63UL));
	KUNIT_EXPECT_EQ(test, high, (unsigned int)max(zone->managed / (8 * cpus),
						      (unsigned long)batch));
	KUNIT_EXPECT_GE(test, hmin, min(4 * batch, high));
	KUNIT_EXPECT_GE(test, hmin, (unsigned int)min(zone->watermark[SMM_WMARK_LOW] / cpus,
						      (unsigned long)high));
	KUNIT_EXPECT_LE(test, hmin, high);

	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 40, 10), 0);
	smm_pcp_set_auto(pool);
	KUNIT_EXPECT_FALSE(test, pool->pcp.fixed);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, high);
	KUNIT_EXPECT_EQ(test, zone->pcp_high_min, hmin);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, batch);

	/*
	 * The minimum follows the low watermark: 1/16 of the zone shared
	 * among the CPUs, far above the four batches a pool without a
	 * reserve rests at.
	 */
	KUNIT_ASSERT_EQ(test, smm_pool_set_watermark_scale_factor(pool, 625), 0);
	low = zone->watermark[SMM_WMARK_LOW];
	KUNIT_EXPECT_EQ(test, zone->pcp_high_min,
			(unsigned int)clamp(low / cpus, (unsigned long)min(4 * batch, high),
					    (unsigned long)high));
	if (low / cpus > 4 * batch && low / cpus < high)
		KUNIT_EXPECT_GT(test, zone->pcp_high_min, hmin);
	hmin = zone->pcp_high_min;

	/* A drain starts a list that grew over at the minimum. */
	pages = kunit_kcalloc(test, 3 * batch, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < 3 * batch; i++)
		pages[i] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_GT(test, smm_test_pcp_high(zone, cpu), hmin);
	for (i = 0; i < 3 * batch; i++)
		if (pages[i])
			smm_free_pages(pool, pages[i], 0);
	smm_pcp_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin);
	migrate_enable();
}

/*
 * The end of a case: every list drained, every frame of the zone free
 * again, and validate finds nothing wrong.
 */
static void smm_test_pcp_all_back(struct kunit *test, struct smm_pool *pool,
				  struct smm_zone *zone)
{
	smm_pcp_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Runs the decay now, once, and waits for it. */
static void smm_test_pcp_decay_step(struct smm_pool *pool)
{
	mod_delayed_work(system_wq, &pool->pcp.decay, 0);
	flush_delayed_work(&pool->pcp.decay);
}

/*
 * Every list as a fresh pool's would be: empty, high at its minimum, no
 * run of refills or frees counted (a drain starts a list over; the pool's
 * own setup may have allocated on this CPU); and the decay put off for an
 * hour, so that it cannot step in before the test runs it (a kick does
 * not bring a pending decay forward).
 */
static void smm_test_pcp_settle(struct smm_pool *pool)
{
	/* A decay step already running must not touch the lists from here on. */
	cancel_delayed_work_sync(&pool->pcp.decay);
	smm_pcp_drain_all(pool);
	mod_delayed_work(system_wq, &pool->pcp.decay, 3600 * HZ);
}

/*
 * Sized by the zone, a list tunes itself as the kernel's pagesets do.
 * Refills with no free between them take one batch, then two, then four
 * (three refills for seven batches; at a fixed batch, seven), and the
 * list's high grows by what they took.  Those seven batches freed again
 * all stay on the list: the high it grew to holds them (no drain; at the
 * old fixed high of six batches, one at least).  The decay then brings
 * high back to its minimum and gives what is above it back to the buddy
 * lists, and stops.
 */
static void smm_pcp_autotune_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int batch = zone->pcp_batch, hmin = zone->pcp_high_min;
	unsigned int n = 7 * batch, i, steps, held;
	unsigned long refills, drains, free;
	struct smm_page **pages;
	int cpu;

	if (hmin + 7 * batch > zone->pcp_high)
		kunit_skip(test, "%u CPUs leave no room to grow a list by 7 batches",
			   num_possible_cpus());
	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	migrate_disable();
	cpu = smp_processor_id();
	smm_test_pcp_settle(pool);
	refills = smm_event_sum(pool, SMM_PCP_REFILL);
	drains = smm_event_sum(pool, SMM_PCP_DRAIN);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin);
	for (i = 0; i < n; i++) {
		pages[i] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
		if (!pages[i])
			break;
		if (i == 0)
			KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), batch - 1);
		if (i == batch)
			KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 2 * batch - 1);
		if (i == 3 * batch)
			KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 4 * batch - 1);
	}
	KUNIT_EXPECT_EQ(test, i, n);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 0U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_REFILL) - refills, 3UL);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin + 7 * batch);

	free = smm_zone_free(zone);
	while (i)
		smm_free_pages(pool, pages[--i], 0);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), n);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_DRAIN) - drains, 0UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), free);
	migrate_enable();

	/* An eighth a step: from hmin + 7 batches to hmin in well under 64. */
	for (steps = 0; steps < 64 && (smm_test_pcp_high(zone, cpu) > hmin ||
				       smm_test_pcp_count(zone, cpu) > hmin); steps++)
		smm_test_pcp_decay_step(pool);
	held = smm_test_pcp_count(zone, cpu);
	KUNIT_EXPECT_GT(test, steps, 1U);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin);
	KUNIT_EXPECT_LE(test, held, hmin);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), free + n - held);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&pool->pcp.decay));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * For the short-zone cases: watermarks of 1/16 (low) and 1/8 (high) of the
 * zone, and room for a list to grow by seven batches (else the case is
 * skipped).  Returns the high watermark.
 */
static unsigned long smm_test_pcp_short_setup(struct kunit *test, struct smm_pool *pool,
					      struct smm_zone *zone)
{
	KUNIT_ASSERT_EQ(test, smm_pool_set_watermark_scale_factor(pool, 625), 0);
	if (zone->pcp_high_min + 7 * zone->pcp_batch > zone->pcp_high)
		kunit_skip(test, "%u CPUs leave no room to grow a list by 7 batches",
			   num_possible_cpus());
	return zone->watermark[SMM_WMARK_HIGH];
}

/*
 * Below its high watermark a zone takes back what the lists may hold: the
 * first refill while the zone is short puts a list's grown high back to
 * its minimum, and frees then give back all above the minimum.
 */
static void smm_pcp_short_zone_shrinks_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int batch = zone->pcp_batch, hmin;
	unsigned long n = zone->managed, i, got, wmark, margin, more;
	struct smm_page **pages;
	int cpu;

	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	wmark = smm_test_pcp_short_setup(test, pool, zone);
	hmin = zone->pcp_high_min;
	/* A refill while short and the frees below cannot lift it back. */
	margin = 2 * hmin + 2 * batch;
	if (wmark <= margin)
		kunit_skip(test, "%u CPUs: the lists may hold more than the watermark",
			   num_possible_cpus());

	migrate_disable();
	cpu = smp_processor_id();
	smm_test_pcp_settle(pool);
	/* Grown while the zone has plenty. */
	for (got = 0; got < 7 * batch; got++)
		pages[got] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin + 7 * batch);
	/* Then the zone goes short, and the list refills once more. */
	while (got < n && smm_zone_free(zone) + margin >= wmark) {
		pages[got] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
		if (!pages[got])
			break;
		got++;
	}
	more = smm_test_pcp_count(zone, cpu) + 1;
	for (i = 0; i < more && got < n; i++) {
		pages[got] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
		if (!pages[got])
			break;
		got++;
	}
	KUNIT_EXPECT_EQ(test, i, more);
	KUNIT_EXPECT_LT(test, smm_zone_free(zone) + margin, wmark);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin);
	KUNIT_EXPECT_LE(test, smm_test_pcp_count(zone, cpu), batch);
	/* Freed while it is short: all above the minimum goes back. */
	for (i = 0; i < 2 * hmin && got; i++)
		smm_free_pages(pool, pages[--got], 0);
	KUNIT_EXPECT_LT(test, smm_zone_free(zone), wmark);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), hmin);
	KUNIT_EXPECT_LT(test, smm_test_pcp_count(zone, cpu), hmin);
	while (got)
		smm_free_pages(pool, pages[--got], 0);
	migrate_enable();
	smm_test_pcp_all_back(test, pool, zone);
}

/*
 * A free that brings a grown list to its high while the zone is short
 * lowers that high by the run of frees (at least a batch), not to the
 * minimum at once, and gives back what the run asks (a batch here), as
 * the kernel's nr_pcp_high() does for a zone under its high watermark.
 * The zone goes short through order-1 allocations, which bypass the
 * lists, so no refill resets the grown high first; frees two at a time
 * with an allocation between keep the run short while the list fills.
 */
static void smm_pcp_short_zone_free_at_high_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int batch = zone->pcp_batch, hmin, high, count, run;
	unsigned long n = zone->managed, got, pairs = 0, wmark, i;
	struct smm_page **pages, **blocks;
	unsigned long nblocks = 0;
	int cpu;

	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	blocks = kunit_kcalloc(test, n / 2, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	wmark = smm_test_pcp_short_setup(test, pool, zone);
	hmin = zone->pcp_high_min;

	migrate_disable();
	cpu = smp_processor_id();
	/* Frames to free later beyond the grown list's own (the drain starts it over). */
	for (got = 0; got < hmin + batch; got++)
		pages[got] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	smm_test_pcp_settle(pool);
	for (i = 0; i < 7 * batch; i++)
		pages[got++] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	high = smm_test_pcp_high(zone, cpu);
	KUNIT_EXPECT_EQ(test, high, hmin + 7 * batch);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 0U);
	/* Short by more than a batch, without touching the lists. */
	while (nblocks < n / 2 && smm_zone_free(zone) + 4 * batch >= wmark) {
		blocks[nblocks] = smm_alloc_pages(pool, 1, SMM_GFP_NOWAIT);
		if (!blocks[nblocks])
			break;
		nblocks++;
	}
	KUNIT_EXPECT_LT(test, smm_zone_free(zone) + 4 * batch, wmark);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), high);

	/* Two frees and an allocation a round until a free reaches high. */
	while (got >= 2 && smm_test_pcp_count(zone, cpu) + 2 < high) {
		smm_free_pages(pool, pages[--got], 0);
		smm_free_pages(pool, pages[--got], 0);
		pages[got++] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
		pairs++;
	}
	KUNIT_EXPECT_GT(test, pairs, (unsigned long)hmin);
	while (got && smm_test_pcp_count(zone, cpu) + 1 < high)
		smm_free_pages(pool, pages[--got], 0);
	count = smm_test_pcp_count(zone, cpu);
	run = per_cpu_ptr(zone->pcp, cpu)->free_count + 1;
	KUNIT_EXPECT_EQ(test, count + 1, high);
	KUNIT_EXPECT_LT(test, run, batch);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), high);
	/* An EXPECT, not an ASSERT: the frames held go back below either way. */
	KUNIT_EXPECT_GT(test, got, 0UL);
	if (got) {
		/* This free reaches high: high drops by a batch, a batch goes back. */
		smm_free_pages(pool, pages[--got], 0);
		KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), high - batch);
		KUNIT_EXPECT_GT(test, smm_test_pcp_high(zone, cpu), hmin);
		KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), high - batch);
		KUNIT_EXPECT_LT(test, smm_zone_free(zone), wmark);
	}

	while (got)
		smm_free_pages(pool, pages[--got], 0);
	while (nblocks)
		smm_free_pages(pool, blocks[--nblocks], 1);
	migrate_enable();
	smm_test_pcp_all_back(test, pool, zone);
}

/* What the drain tracepoint showed of one list's drain. */
struct smm_test_drain_watch {
	struct smm_zone *zone;
	struct task_struct *task;	/* the drainer: other pools' drains are not this one */
	int cpu;
	unsigned long free0;
	unsigned int steps, total, largest;
	bool unlocked, behind;
};

static void smm_test_drain_probe(void *data, int nid, int type, int cpu, unsigned int n)
{
	struct smm_test_drain_watch *w = data;
	spinlock_t *lock;

	if (current != w->task || nid != w->zone->node->nid || type != w->zone->type ||
	    cpu != w->cpu)
		return;
	w->steps++;
	w->total += n;
	w->largest = max(w->largest, n);
	/*
	 * The step's frames are free before the list's lock goes: the
	 * drainer (this task) still holds it, so it cannot be taken here.
	 */
	lock = &per_cpu_ptr(w->zone->pcp, cpu)->lock;
	if (spin_trylock(lock)) {
		spin_unlock(lock);
		w->unlocked = true;
	}
	if (smm_zone_free(w->zone) != w->free0 + w->total)
		w->behind = true;
}

/*
 * A long list drains a step at a time (pcp_batch doubled to the full,
 * here 4 << 5 = 128 frames), not in one hold of the zone lock, and each
 * step's frames are in the buddy lists, counted free, while the list's
 * lock is still held: a second drainer that finds the list empty finds
 * them free, so a stall it drains for does not fail beside them.
 */
static void smm_pcp_drain_in_steps_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_test_drain_watch w = { .zone = zone, .task = current };
	unsigned int batch = 4, step = batch << SMM_PCP_SCALE_MAX, n = 5 * step, i, held;
	struct smm_page **pages;

	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 2 * n, batch), 0);
	migrate_disable();
	w.cpu = smp_processor_id();
	for (i = 0; i < n; i++) {
		pages[i] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
		if (!pages[i])
			break;
	}
	while (i)
		smm_free_pages(pool, pages[--i], 0);
	held = smm_test_pcp_count(zone, w.cpu);
	migrate_enable();
	KUNIT_ASSERT_GE(test, held, n);

	w.free0 = smm_zone_free(zone);
	KUNIT_ASSERT_EQ(test, register_trace_shadowmm_pcp_drain(smm_test_drain_probe, &w), 0);
	KUNIT_EXPECT_EQ(test, smm_pcp_drain_cpu(pool, w.cpu), held);
	unregister_trace_shadowmm_pcp_drain(smm_test_drain_probe, &w);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ(test, w.total, held);
	KUNIT_EXPECT_EQ(test, w.steps, DIV_ROUND_UP(held, step));
	KUNIT_EXPECT_LE(test, w.largest, step);
	KUNIT_EXPECT_FALSE(test, w.unlocked);
	KUNIT_EXPECT_FALSE(test, w.behind);
	smm_test_pcp_all_back(test, pool, zone);
}

/*
 * A lower watermark lowers the lists' minimum high, and a list resting at
 * the old minimum comes down to the new one: lowering min_free_kbytes
 * kicks the decay, which steps each list's high down to it.
 */
static void smm_pcp_lower_minimum_decays_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int old_min, new_min, steps;
	int cpu = raw_smp_processor_id();

	/* A minimum above four batches (low watermark 1,280 frames). */
	KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 4096), 0);
	old_min = zone->pcp_high_min;
	smm_pcp_drain_all(pool);
	cancel_delayed_work_sync(&pool->pcp.decay);
	KUNIT_ASSERT_EQ(test, smm_test_pcp_high(zone, cpu), old_min);

	KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 0), 0);
	new_min = zone->pcp_high_min;
	KUNIT_ASSERT_LT(test, new_min, old_min);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pool->pcp.decay));
	for (steps = 0; steps < 64 && delayed_work_pending(&pool->pcp.decay); steps++)
		smm_test_pcp_decay_step(pool);
	KUNIT_EXPECT_GT(test, steps, 0U);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, cpu), new_min);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&pool->pcp.decay));
}

struct smm_pcp_fill {
	struct smm_pool *pool;
	unsigned int n;
};

/*
 * Runs on the target CPU: @n frames allocated and freed again, all left on
 * that CPU's list (below its high, a free drains nothing).
 */
static long smm_pcp_fill_fn(void *arg)
{
	struct smm_pcp_fill *f = arg;
	struct smm_page **pages;
	unsigned int i, j;
	long ret = 0;

	pages = kcalloc(f->n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < f->n; i++) {
		pages[i] = smm_alloc_pages(f->pool, 0, SMM_GFP_NOWAIT);
		if (!pages[i]) {
			ret = -ENOMEM;
			break;
		}
	}
	for (j = 0; j < i; j++)
		smm_free_pages(f->pool, pages[j], 0);
	kfree(pages);
	return ret;
}

/* A CPU going offline leaves nothing on its lists. */
static void smm_pcp_cpu_offline_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_pcp_fill fill = { .pool = pool, .n = 3 };
	int cpu, target = -1, ret;

	smm_test_require_cpu_hotplug(test);
	for_each_online_cpu(cpu)
		if (cpu != 0)
			target = cpu;
	KUNIT_ASSERT_GE(test, target, 1);
	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 64, 8), 0);
	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_pcp_fill_fn, &fill), 0L);
	KUNIT_ASSERT_GT(test, smm_test_pcp_count(zone, target), 0U);
	KUNIT_ASSERT_LT(test, smm_zone_free(zone), zone->managed);

	ret = remove_cpu(target);
	if (ret)
		kunit_skip(test, "cannot take cpu %d offline: %d", target, ret);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, target), 0U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, add_cpu(target), 0);
}

/*
 * Sized by the zone, a list grown on a CPU that then goes offline is
 * emptied and started over at its minimum by the hotplug callback: the
 * decay kicked for it finds no list above its minimum, gives nothing back
 * and stops; the CPU comes back with a fresh list.
 */
static void smm_pcp_decay_after_cpu_offline_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &eight_chunks);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int batch = zone->pcp_batch, hmin = zone->pcp_high_min;
	struct smm_pcp_fill fill = { .pool = pool, .n = 7 * batch };
	unsigned long drains;
	int cpu, target = -1, ret;

	smm_test_require_cpu_hotplug(test);
	if (hmin + 7 * batch > zone->pcp_high)
		kunit_skip(test, "%u CPUs leave no room to grow a list by 7 batches",
			   num_possible_cpus());
	for_each_online_cpu(cpu)
		if (cpu != 0)
			target = cpu;
	KUNIT_ASSERT_GE(test, target, 1);
	smm_test_pcp_settle(pool);
	/* Not pending, so that the growth's own kick shows. */
	cancel_delayed_work_sync(&pool->pcp.decay);
	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_pcp_fill_fn, &fill), 0L);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pool->pcp.decay));
	/* Put off again: the offline, not a decay step, must start it over. */
	mod_delayed_work(system_wq, &pool->pcp.decay, 3600 * HZ);
	KUNIT_ASSERT_EQ(test, smm_test_pcp_high(zone, target), hmin + 7 * batch);
	KUNIT_ASSERT_EQ(test, smm_test_pcp_count(zone, target), 7 * batch);

	ret = remove_cpu(target);
	if (ret)
		kunit_skip(test, "cannot take cpu %d offline: %d", target, ret);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, target), 0U);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, target), hmin);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	drains = smm_event_sum(pool, SMM_PCP_DRAIN);
	smm_test_pcp_decay_step(pool);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&pool->pcp.decay));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_DRAIN), drains);
	KUNIT_EXPECT_EQ(test, add_cpu(target), 0);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, target), 0U);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_high(zone, target), hmin);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* A frame to move from one CPU's list to another's, in a validate pass. */
struct smm_pcp_move {
	struct smm_pool *pool;
	struct smm_zone *zone;
	int from, to;
	struct smm_page *frame;
	bool moved;
};

/* On @from: the frame at the head of its list, as an allocation takes it. */
static long smm_pcp_move_take(void *arg)
{
	struct smm_pcp_move *mv = arg;

	mv->frame = smm_alloc_pages(mv->pool, 0, SMM_GFP_NOWAIT);
	return mv->frame ? 0 : -ENOMEM;
}

/* On @to: the frame freed, onto its list. */
static long smm_pcp_move_give(void *arg)
{
	struct smm_pcp_move *mv = arg;

	smm_free_pages(mv->pool, mv->frame, 0);
	return 0;
}

/*
 * In place of smm_buddy_validate_pcp(): the walk, and right after the walk
 * of @from's list of @zone, once, a frame moved from it to @to's list, not
 * walked yet (no buddy list is touched).
 */
static void smm_test_validate_pcp_then_move(struct smm_zone *zone, int cpu,
					    unsigned long *seen, unsigned long *changes,
					    struct smm_report *r)
{
	struct kunit *test = kunit_get_current_test();
	struct smm_pcp_move *mv = test->priv;

	kunit_deactivate_static_stub(test, smm_buddy_validate_pcp);
	smm_buddy_validate_pcp(zone, cpu, seen, changes, r);
	if (zone != mv->zone || cpu != mv->from) {
		kunit_activate_static_stub(test, smm_buddy_validate_pcp,
					   smm_test_validate_pcp_then_move);
		return;
	}
	if (work_on_cpu(mv->from, smm_pcp_move_take, mv) == 0 &&
	    work_on_cpu(mv->to, smm_pcp_move_give, mv) == 0)
		mv->moved = true;
}

/*
 * validate's pass over a zone walks each CPU's list in turn: a frame
 * allocated from a list already walked and freed to one not walked yet
 * is seen twice, on two lists, without being on two at once.  That pass
 * is taken back and made again; no problem is reported.
 */
static void smm_pcp_validate_moving_frame_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_pcp_fill fill = { .pool = pool, .n = 3 };
	struct smm_pcp_move mv = { .pool = pool, .zone = zone, .from = -1, .to = -1 };
	unsigned int problems;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	/* The first CPU validate walks, and one after it. */
	for_each_possible_cpu(cpu) {
		if (mv.from < 0) {
			mv.from = cpu;
		} else if (cpu_online(cpu)) {
			mv.to = cpu;
			break;
		}
	}
	if (!cpu_online(mv.from) || mv.to < 0)
		kunit_skip(test, "the first possible CPU is offline");
	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 64, 8), 0);
	KUNIT_ASSERT_EQ(test, work_on_cpu(mv.from, smm_pcp_fill_fn, &fill), 0L);
	KUNIT_ASSERT_GT(test, smm_test_pcp_count(zone, mv.from), 0U);

	test->priv = &mv;
	kunit_activate_static_stub(test, smm_buddy_validate_pcp, smm_test_validate_pcp_then_move);
	problems = smm_test_validate(pool);
	test->priv = NULL;
	KUNIT_EXPECT_TRUE(test, mv.moved);
	KUNIT_EXPECT_EQ(test, problems, 0U);
	KUNIT_EXPECT_GT(test, smm_test_pcp_count(zone, mv.to), 0U);
	smm_test_pcp_all_back(test, pool, zone);
}

static struct kunit_case smm_pcp_cases[] = {
	KUNIT_CASE(smm_pcp_refill_drain_test),
	KUNIT_CASE(smm_pcp_order0_only_test),
	KUNIT_CASE(smm_pcp_tunables_test),
	KUNIT_CASE(smm_pcp_default_sizes_test),
	KUNIT_CASE(smm_pcp_autotune_test),
	KUNIT_CASE(smm_pcp_short_zone_shrinks_test),
	KUNIT_CASE(smm_pcp_short_zone_free_at_high_test),
	KUNIT_CASE(smm_pcp_drain_in_steps_test),
	KUNIT_CASE(smm_pcp_lower_minimum_decays_test),
	KUNIT_CASE(smm_pcp_cpu_offline_test),
	KUNIT_CASE(smm_pcp_decay_after_cpu_offline_test),
	KUNIT_CASE(smm_pcp_validate_moving_frame_test),
	{}
};

static struct kunit_suite smm_pcp_suite = {
	.name = "shadowmm_pcp",
	.test_cases = smm_pcp_cases,
};

kunit_test_suites(&smm_pcp_suite);
