// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the tracepoints fire with the right fields.  Probes registered
 * from the test see exactly what the event records.
 */

#include <kunit/test.h>
#include <linux/tracepoint.h>
#include <trace/events/shadowmm.h>

#include "smm_test.h"

/* The probes of smm_trace_fields_test(), as bits of smm_trace_seen.registered. */
enum {
	SMM_TRACE_ALLOC,
	SMM_TRACE_FREE,
	SMM_TRACE_SPLIT,
	SMM_TRACE_MERGE,
	SMM_TRACE_REFILL,
};

struct smm_trace_seen {
	struct smm_pool *pool;
	struct task_struct *task;	/* the case's: only its refills count */
	unsigned long registered;
	unsigned int allocs, frees, splits, merges, refills;
	unsigned long pfn;
	unsigned int order, flags, refill_count;
	int nid, zone;
};

/* Probes fire for every pool; count only frames of the test's own. */
static bool smm_trace_ours(struct smm_trace_seen *s, unsigned long pfn)
{
	struct smm_region *r = &s->pool->region;
	unsigned long c;

	for (c = 0; c < r->nr_chunks; c++)
		if (pfn - r->chunk_pfn[c] < SMM_CHUNK_FRAMES)
			return true;
	return false;
}

static void smm_probe_alloc(void *data, unsigned long pfn, unsigned int order,
			    unsigned int flags, int nid, int zone)
{
	struct smm_trace_seen *s = data;

	if (!smm_trace_ours(s, pfn))
		return;
	s->allocs++;
	s->pfn = pfn;
	s->order = order;
	s->flags = flags;
	s->nid = nid;
	s->zone = zone;
}

static void smm_probe_free(void *data, unsigned long pfn, unsigned int order,
			   int nid, int zone)
{
	struct smm_trace_seen *s = data;

	if (smm_trace_ours(s, pfn) && pfn == s->pfn && order == s->order)
		s->frees++;
}

static void smm_probe_split(void *data, unsigned long pfn, unsigned int order,
			    int nid, int zone)
{
	struct smm_trace_seen *s = data;

	if (smm_trace_ours(s, pfn))
		s->splits++;
}

static void smm_probe_merge(void *data, unsigned long pfn, unsigned long buddy_pfn,
			    unsigned int order, int nid, int zone)
{
	struct smm_trace_seen *s = data;

	if (smm_trace_ours(s, pfn) && smm_trace_ours(s, buddy_pfn) &&
	    (pfn ^ buddy_pfn) == 1UL << (order - 1))
		s->merges++;
}

static void smm_probe_refill(void *data, int nid, int zone, int cpu,
			     unsigned int count)
{
	struct smm_trace_seen *s = data;

	/* Other pools refill lists of the same node, on other CPUs too. */
	if (current == s->task && nid == s->pool->zones.nodes[0].nid) {
		s->refills++;
		s->refill_count = count;
	}
}

/*
 * Every probe the case registered goes when the case ends, however it
 * ends: one left behind would run on every allocation of every pool, with
 * this case's data gone and, once the module is unloaded, its code.
 */
static void smm_trace_unregister(void *data)
{
	struct smm_trace_seen *s = data;

	if (test_bit(SMM_TRACE_REFILL, &s->registered))
		unregister_trace_shadowmm_pcp_refill(smm_probe_refill, s);
	if (test_bit(SMM_TRACE_MERGE, &s->registered))
		unregister_trace_shadowmm_buddy_merge(smm_probe_merge, s);
	if (test_bit(SMM_TRACE_SPLIT, &s->registered))
		unregister_trace_shadowmm_buddy_split(smm_probe_split, s);
	if (test_bit(SMM_TRACE_FREE, &s->registered))
		unregister_trace_shadowmm_page_free(smm_probe_free, s);
	if (test_bit(SMM_TRACE_ALLOC, &s->registered))
		unregister_trace_shadowmm_page_alloc(smm_probe_alloc, s);
	tracepoint_synchronize_unregister();
	s->registered = 0;
}

/* Register @probe on event @event for @s, noting it for smm_trace_unregister(). */
#define smm_trace_register(test, s, event, probe, bit)				\
	do {									\
		KUNIT_ASSERT_EQ(test, register_trace_shadowmm_##event(probe, s), 0);	\
		__set_bit(bit, &(s)->registered);				\
	} while (0)

/*
 * An order-3 allocation from a whole order-10 block: one page_alloc event
 * with its pfn, order, flags, node and zone; seven splits; and on free one
 * page_free event and seven merges, each of a true buddy pair.  An order-0
 * allocation refills the per-CPU list with one batch.
 */
static void smm_trace_fields_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true, .no_reserve = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_trace_seen *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct smm_page *page;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->pool = pool;
	s->task = current;
	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 12, 4), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_trace_unregister, s), 0);
	smm_trace_register(test, s, page_alloc, smm_probe_alloc, SMM_TRACE_ALLOC);
	smm_trace_register(test, s, page_free, smm_probe_free, SMM_TRACE_FREE);
	smm_trace_register(test, s, buddy_split, smm_probe_split, SMM_TRACE_SPLIT);
	smm_trace_register(test, s, buddy_merge, smm_probe_merge, SMM_TRACE_MERGE);
	smm_trace_register(test, s, pcp_refill, smm_probe_refill, SMM_TRACE_REFILL);

	page = smm_alloc_pages(pool, 3, SMM_GFP_NOWAIT | SMM_GFP_ZERO);
	KUNIT_EXPECT_NOT_NULL(test, page);
	if (page) {
		KUNIT_EXPECT_EQ(test, s->allocs, 1U);
		KUNIT_EXPECT_EQ(test, s->pfn,
				smm_sfn_pfn(&pool->region, smm_page_sfn(&pool->region, page)));
		KUNIT_EXPECT_EQ(test, s->order, 3U);
		KUNIT_EXPECT_EQ(test, s->flags, (unsigned int)(SMM_GFP_NOWAIT | SMM_GFP_ZERO));
		KUNIT_EXPECT_EQ(test, s->nid, zone->node->nid);
		KUNIT_EXPECT_EQ(test, s->zone, (int)SMM_ZONE_NORMAL);
		KUNIT_EXPECT_EQ(test, s->splits, 7U);
		smm_free_pages(pool, page, 3);
		KUNIT_EXPECT_EQ(test, s->frees, 1U);
		KUNIT_EXPECT_EQ(test, s->merges, 7U);
	}

	page = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, s->refills, 1U);
	KUNIT_EXPECT_EQ(test, s->refill_count, 4U);
	if (page)
		smm_free_pages(pool, page, 0);

	kunit_release_action(test, smm_trace_unregister, s);
	KUNIT_EXPECT_EQ(test, s->registered, 0UL);
}

static struct kunit_case smm_trace_cases[] = {
	KUNIT_CASE(smm_trace_fields_test),
	{}
};

static struct kunit_suite smm_trace_suite = {
	.name = "shadowmm_trace",
	.test_cases = smm_trace_cases,
};

kunit_test_suites(&smm_trace_suite);
