// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: per-CPU lists of order-0 frames.
 *
 * Each zone has one list per CPU in front of its buddy lists.  An order-0
 * allocation takes the head of this CPU's list, refilling it with a batch
 * from the buddy lists (one zone-lock round trip) when it is empty; a free
 * puts the frame at the head and, once the list reaches "high", gives a
 * batch from the cold tail back to the buddy lists.  So the common pair
 * touches only this CPU's list and its uncontended lock.
 *
 * A refill or a drain takes the zone lock inside the pcp lock (the lock
 * order is include/shadowmm/pool.h's).  Other CPUs take a pcp->lock only
 * to drain (debugfs, tunable changes, CPU hotplug, pool teardown).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <trace/events/shadowmm.h>

/* The dynamic hotplug state shared by every pool; set at module init. */
static enum cpuhp_state smm_pcp_hp_state;

/**
 * smm_pcp_init() - give a zone its per-CPU lists
 * @zone: the zone
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int smm_pcp_init(struct smm_zone *zone)
{
	int cpu;

	zone->pcp = alloc_percpu(struct smm_pcp);
	if (!zone->pcp)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct smm_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

		spin_lock_init(&pcp->lock);
		INIT_LIST_HEAD(&pcp->list);
		pcp->count = 0;
		pcp->changes = 0;
	}
	return 0;
}

/**
 * smm_pcp_destroy() - free a zone's per-CPU lists
 * @zone: the zone, its lists drained
 *
 * Context: Process context.
 */
void smm_pcp_destroy(struct smm_zone *zone)
{
	free_percpu(zone->pcp);
	zone->pcp = NULL;
}

/**
 * smm_pcp_alloc() - take an order-0 frame from this CPU's list
 * @zone: the zone
 *
 * Context: Process context; does not sleep.
 * Return: a frame, or NULL when the list is empty and the zone has none.
 */
struct smm_page *smm_pcp_alloc(struct smm_zone *zone)
{
	struct smm_page *page = NULL;
	struct smm_pcp *pcp;

	pcp = smm_get_cpu_ptr(zone->pcp);
	spin_lock(&pcp->lock);
	if (unlikely(list_empty(&pcp->list))) {
		unsigned int n;

		n = smm_buddy_rmqueue_bulk(zone, READ_ONCE(zone->pcp_batch),
					   &pcp->list);
		if (!n)
			goto out;
		pcp->count += n;
		smm_count_event(zone->pool, SMM_PCP_REFILL);
		trace_shadowmm_pcp_refill(zone->node->nid, zone->type,
					  smp_processor_id(), n);
	}
	page = list_first_entry(&pcp->list, struct smm_page, lru);
	list_del(&page->lru);
	pcp->count--;
	pcp->changes++;
	__smm_page_clear(page, SMM_PG_pcp);
	smm_count_event(zone->pool, SMM_PCP_ALLOC);
out:
	spin_unlock(&pcp->lock);
	smm_put_cpu_ptr(zone->pcp);
	return page;
}

/* Move up to @count frames from the cold tail of @pcp onto @list. */
static unsigned int smm_pcp_take_tail(struct smm_pcp *pcp, unsigned int count,
				      struct list_head *list)
{
	unsigned int n;

	lockdep_assert_held(&pcp->lock);
	for (n = 0; n < count && !list_empty(&pcp->list); n++)
		list_move(pcp->list.prev, list);
	pcp->count -= n;
	return n;
}

/**
 * smm_pcp_free() - put an order-0 frame on this CPU's list
 * @zone: its zone
 * @page: the frame
 *
 * Context: Process context; does not sleep.
 */
void smm_pcp_free(struct smm_zone *zone, struct smm_page *page)
{
	struct smm_pcp *pcp;
	LIST_HEAD(spill);
	unsigned int n = 0;

	pcp = smm_get_cpu_ptr(zone->pcp);
	spin_lock(&pcp->lock);
	__smm_page_set(page, SMM_PG_pcp);
	list_add(&page->lru, &pcp->list);
	pcp->count++;
	pcp->changes++;
	if (unlikely(pcp->count >= READ_ONCE(zone->pcp_high))) {
		n = smm_pcp_take_tail(pcp, READ_ONCE(zone->pcp_batch), &spill);
		smm_buddy_free_bulk(zone, &spill, n);
		smm_count_event(zone->pool, SMM_PCP_DRAIN);
		trace_shadowmm_pcp_drain(zone->node->nid, zone->type,
					 smp_processor_id(), n);
	}
	spin_unlock(&pcp->lock);
	smm_put_cpu_ptr(zone->pcp);
}

static unsigned int smm_pcp_drain_zone_cpu(struct smm_zone *zone, unsigned int cpu)
{
	struct smm_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
	LIST_HEAD(list);
	unsigned int n;

	spin_lock(&pcp->lock);
	n = smm_pcp_take_tail(pcp, pcp->count, &list);
	spin_unlock(&pcp->lock);
	if (n) {
		smm_buddy_free_bulk(zone, &list, n);
		smm_count_event(zone->pool, SMM_PCP_DRAIN);
		trace_shadowmm_pcp_drain(zone->node->nid, zone->type, cpu, n);
	}
	return n;
}

/**
 * smm_pcp_drain_cpu() - give one CPU's lists back to the buddy lists
 * @pool: the pool
 * @cpu: the CPU (online or dead)
 *
 * Context: Process context; does not sleep.
 * Return: frames drained.
 */
unsigned int smm_pcp_drain_cpu(struct smm_pool *pool, unsigned int cpu)
{
	struct smm_zone *zone;
	unsigned int n = 0;
	int i;

	for_each_smm_zone(pool, zone, i)
		n += smm_pcp_drain_zone_cpu(zone, cpu);
	return n;
}
SMM_EXPORT(smm_pcp_drain_cpu);

/**
 * smm_pcp_drain_all() - give every CPU's lists back to the buddy lists
 * @pool: the pool
 *
 * Frames a CPU frees while this runs may land on its list again.
 *
 * Context: Process context; does not sleep.
 * Return: frames drained.
 */
unsigned int smm_pcp_drain_all(struct smm_pool *pool)
{
	unsigned int n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += smm_pcp_drain_cpu(pool, cpu);
	return n;
}
SMM_EXPORT(smm_pcp_drain_all);

/**
 * smm_pcp_set_tunables() - set high and batch of every zone's lists
 * @pool: the pool
 * @high: a list drains when it reaches this (batch..SMM_PCP_HIGH_MAX)
 * @batch: frames per refill or drain (1..SMM_PCP_BATCH_MAX)
 *
 * The lists are drained afterwards, so no list is left above @high.
 *
 * Context: Process context, may sleep (takes pool->tune_lock).
 * Return: 0, or -EINVAL (and nothing changes) for values out of range.
 */
int smm_pcp_set_tunables(struct smm_pool *pool, unsigned int high,
			 unsigned int batch)
{
	struct smm_zone *zone;
	int i;

	if (batch < 1 || batch > SMM_PCP_BATCH_MAX || high < batch ||
	    high > SMM_PCP_HIGH_MAX)
		return -EINVAL;
	mutex_lock(&pool->tune_lock);
	for_each_smm_zone(pool, zone, i) {
		WRITE_ONCE(zone->pcp_batch, batch);
		WRITE_ONCE(zone->pcp_high, high);
	}
	mutex_unlock(&pool->tune_lock);
	smm_pcp_drain_all(pool);
	return 0;
}
SMM_EXPORT(smm_pcp_set_tunables);

/*
 * A CPU went away: nobody will ever use its lists, so empty them: its LRU
 * batches onto the LRU lists, its free lists back to the buddy.
 */
static int smm_pcp_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct smm_pool *pool = hlist_entry(node, struct smm_pool, pcp.cpuhp_node);

	smm_lru_drain_cpu(pool, cpu);
	smm_pcp_drain_cpu(pool, cpu);
	return 0;
}

/**
 * smm_pcp_hotplug_register() - drain @pool's per-CPU lists and LRU batches
 * of CPUs that go offline
 * @pool: the pool
 *
 * Context: Process context, may sleep.
 * Return: 0 or a negative errno.
 */
int smm_pcp_hotplug_register(struct smm_pool *pool)
{
	return cpuhp_state_add_instance_nocalls(smm_pcp_hp_state, &pool->pcp.cpuhp_node);
}

/**
 * smm_pcp_hotplug_unregister() - undo smm_pcp_hotplug_register()
 * @pool: the pool
 *
 * Context: Process context, may sleep.
 */
void smm_pcp_hotplug_unregister(struct smm_pool *pool)
{
	cpuhp_state_remove_instance_nocalls(smm_pcp_hp_state, &pool->pcp.cpuhp_node);
}

/**
 * smm_pcp_subsys_init() - set up the CPU-hotplug state all pools share
 *
 * Context: Process context, module init.
 * Return: 0 or a negative errno.
 */
int smm_pcp_subsys_init(void)
{
	int ret;

	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "shadowmm/pcp:dead",
				      NULL, smm_pcp_cpu_dead);
	if (ret < 0)
		return ret;
	smm_pcp_hp_state = ret;
	return 0;
}

/**
 * smm_pcp_subsys_exit() - remove the CPU-hotplug state
 *
 * Context: Process context, module exit; every pool is gone.
 */
void smm_pcp_subsys_exit(void)
{
	cpuhp_remove_multi_state(smm_pcp_hp_state);
}
