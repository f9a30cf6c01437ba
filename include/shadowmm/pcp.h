/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU lists of order-0 frames (module/pcp.c), in front of each zone's
 * buddy lists: the common alloc and free take only this CPU's list lock.
 */
#ifndef _SHADOWMM_PCP_H
#define _SHADOWMM_PCP_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct smm_pool;
struct smm_zone;
struct smm_page;

/**
 * struct smm_pcp - one CPU's order-0 list for one zone
 * @lock:	protects every other field; taken on the owning CPU with
 *		preemption disabled (with migration disabled on PREEMPT_RT,
 *		where another task on that CPU may then run and wait for
 *		it), and by drains and the decay from other CPUs
 * @list:	free frames, hot ones at the head
 * @count:	frames on @list
 * @high:	@list drains when it reaches this; tuned between the zone's
 *		pcp_high_min and pcp_high by the list's own traffic
 * @free_count:	frees since the last allocations (halved by each), capped
 *		at pcp_batch << SMM_PCP_SCALE_MAX when used: a run of frees
 *		drains in up to SMM_PCP_DRAIN_BATCHES batches at once and
 *		lets @high grow to hold it
 * @alloc_factor: a refill takes pcp_batch << @alloc_factor; one more after
 *		each refill with no free in between, halved by each free
 * @changes:	frames that came onto @list or left it other than through
 *		the buddy lists (an allocation, a free): validate's walk of
 *		the zone's lists is taken back when one of its lists changed
 *		while it walked the others (a frame allocated from one and
 *		freed to another would be on both, or on neither)
 */
struct smm_pcp {
	spinlock_t lock;
	struct list_head list;
	unsigned int count;
	unsigned int high;
	unsigned int free_count;
	unsigned int alloc_factor;
	unsigned long changes;
};

/**
 * struct smm_pool_pcp - what a pool keeps for its per-CPU lists (the lists
 * themselves are in each zone)
 * @cpuhp_node:	on the CPU-hotplug instance list (a dead CPU's lists are
 *		drained)
 * @decay:	brings every list's high back towards the zone's pcp_high_min
 *		and drains what is above it, a step a second while some list
 *		is above, as the kernel's vmstat work decays its pagesets
 * @fixed:	pcp_high and pcp_batch were set by hand: every list's high is
 *		pcp_high and stays there (refills and drains still scale
 *		with runs); written under pool->tune_lock
 */
struct smm_pool_pcp {
	struct hlist_node cpuhp_node;
	struct delayed_work decay;
	bool fixed;
};

#define SMM_PCP_BATCH_MAX	1024
#define SMM_PCP_HIGH_MAX	65536
/* A refill moves at most pcp_batch << this (the kernel's 5). */
#define SMM_PCP_SCALE_MAX	5
/* A drain moves at most this many batches (see smm_pcp_drain_count()). */
#define SMM_PCP_DRAIN_BATCHES	4
/*
 * The most frames one hold of the zone lock moves, whatever pcp_batch a
 * user chose: the largest default batch (63) doubled SMM_PCP_SCALE_MAX
 * times.
 */
#define SMM_PCP_STEP_MAX	(63U << SMM_PCP_SCALE_MAX)

int smm_pcp_init(struct smm_zone *zone);
void smm_pcp_destroy(struct smm_zone *zone);
struct smm_page *smm_pcp_alloc(struct smm_zone *zone);
void smm_pcp_free(struct smm_zone *zone, struct smm_page *page);
unsigned int smm_pcp_drain_cpu(struct smm_pool *pool, unsigned int cpu);
unsigned int smm_pcp_drain_all(struct smm_pool *pool);
int smm_pcp_set_tunables(struct smm_pool *pool, unsigned int high, unsigned int batch);
int smm_pcp_set_one(struct smm_pool *pool, bool high, unsigned int val);
void smm_pcp_set_default_sizes(struct smm_pool *pool);
void smm_pcp_set_fixed(struct smm_pool *pool);
void smm_pcp_set_auto(struct smm_pool *pool);
void smm_pcp_update_high_min(struct smm_pool *pool);
void smm_pcp_pool_init(struct smm_pool *pool);
void smm_pcp_pool_stop(struct smm_pool *pool);
int smm_pcp_hotplug_register(struct smm_pool *pool);
void smm_pcp_hotplug_unregister(struct smm_pool *pool);
int smm_pcp_subsys_init(void);
void smm_pcp_subsys_exit(void);

#endif /* _SHADOWMM_PCP_H */
