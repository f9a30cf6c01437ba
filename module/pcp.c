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
 * Sizes tune themselves as the kernel's pagesets have since 6.7: a list's
 * high starts at the zone's pcp_high_min (the low watermark shared among
 * the CPUs) and grows towards pcp_high (an eighth of the zone shared among
 * them) while its CPU refills, or frees more than it holds; refills double
 * while nothing is freed, and a run of frees drains up to four batches at
 * once.  A burst that fits under pcp_high, allocated and freed again, then
 * never reaches the zone lock.  While the zone is below its high watermark
 * a refill puts a list's high back to its minimum and a free at the high
 * shrinks it, kswapd and a stalled allocation drain every list before
 * they reclaim, and once a second the decay work brings every list back
 * towards pcp_high_min, so frames a CPU stopped using do not stay hidden
 * from the watermarks.
 * Sizes set by hand (the pcp_high and pcp_batch knobs) fix every list's
 * high; refills and drains still scale with runs, as the kernel's do.
 *
 * A refill or a drain takes the zone lock inside the pcp lock (the lock
 * order is include/shadowmm/pool.h's).  Other CPUs take a pcp->lock only
 * to drain (debugfs, tunable changes, CPU hotplug, reclaim, pool teardown)
 * and for the decay.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/zone.h>
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
		WRITE_ONCE(pcp->count, 0);
		WRITE_ONCE(pcp->high, zone->pcp_high_min);
		pcp->free_count = 0;
		pcp->alloc_factor = 0;
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

/* The zone is short: reclaim would run, so lists should not grow. */
static bool smm_pcp_zone_short(const struct smm_zone *zone)
{
	return smm_zone_free(zone) < READ_ONCE(zone->watermark[SMM_WMARK_HIGH]);
}

/* A list's high went above the zone's minimum: the decay brings it back. */
static void smm_pcp_decay_kick(struct smm_zone *zone)
{
	struct smm_pool *pool = zone->pool;

	if (!delayed_work_pending(&pool->pcp.decay))
		schedule_delayed_work(&pool->pcp.decay, HZ);
}

/*
 * A list's least and most high.  A knob write changes the two one after
 * the other, under pool->tune_lock only: a reader between the writes may
 * see the minimum above the maximum, and then takes the maximum for both.
 */
static void smm_pcp_high_bounds(const struct smm_zone *zone, unsigned int *hmin,
				unsigned int *hmax)
{
	*hmax = READ_ONCE(zone->pcp_high);
	*hmin = min(READ_ONCE(zone->pcp_high_min), *hmax);
}

/* A refill's or a drain step's most: pcp_batch doubled to the full, bounded. */
static unsigned int smm_pcp_step(unsigned int batch)
{
	return min(batch << SMM_PCP_SCALE_MAX, SMM_PCP_STEP_MAX);
}

/*
 * How many frames the refill of an empty list takes: the batch doubled for
 * each refill since the last free (up to SMM_PCP_SCALE_MAX times), within
 * the list's high, which grows by what is taken while the zone is not
 * short and goes back to its minimum while it is, and within what the
 * zone has above its high watermark.
 */
static unsigned int smm_pcp_refill_count(struct smm_zone *zone, struct smm_pcp *pcp)
{
	unsigned int batch = READ_ONCE(zone->pcp_batch);
	unsigned long free = smm_zone_free(zone);
	unsigned long wmark = READ_ONCE(zone->watermark[SMM_WMARK_HIGH]);
	unsigned int hmin, hmax, high, want, room;

	lockdep_assert_held(&pcp->lock);
	smm_pcp_high_bounds(zone, &hmin, &hmax);
	high = clamp(pcp->high, hmin, hmax);
	/*
	 * More than a batch only from what the zone has above its high
	 * watermark: a large refill must not by itself wake kswapd or take
	 * the zone down to where reclaim evicts pages.
	 */
	want = min(batch << pcp->alloc_factor, smm_pcp_step(batch));
	if (want > batch)
		want = free > wmark + batch ? min_t(unsigned long, want, free - wmark) : batch;
	if (free < wmark)
		high = hmin;
	else if (hmin != hmax)
		high = min(high + want, hmax);
	WRITE_ONCE(pcp->high, high);
	if (high > hmin)
		smm_pcp_decay_kick(zone);
	room = high > pcp->count + 2 * batch ? high - pcp->count - batch : batch;
	if (want <= room && pcp->alloc_factor < SMM_PCP_SCALE_MAX)
		pcp->alloc_factor++;
	return min(want, room);
}

/* Refill an empty list; out of line (see smm_pcp_free_high()). */
static noinline unsigned int smm_pcp_refill(struct smm_zone *zone, struct smm_pcp *pcp)
{
	unsigned int n;

	n = smm_buddy_rmqueue_bulk(zone, smm_pcp_refill_count(zone, pcp), &pcp->list);
	if (!n)
		return 0;
	WRITE_ONCE(pcp->count, pcp->count + n);
	smm_count_event(zone->pool, SMM_PCP_REFILL);
	trace_shadowmm_pcp_refill(zone->node->nid, zone->type, smp_processor_id(), n);
	return n;
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
	if (unlikely(list_empty(&pcp->list)) && !smm_pcp_refill(zone, pcp))
		goto out;
	page = list_first_entry(&pcp->list, struct smm_page, lru);
	list_del(&page->lru);
	WRITE_ONCE(pcp->count, pcp->count - 1);
	pcp->free_count >>= 1;
	pcp->changes++;
	__smm_page_clear(page, SMM_PG_pcp);
	smm_count_event(zone->pool, SMM_PCP_ALLOC);
out:
	spin_unlock(&pcp->lock);
	smm_put_cpu_ptr(zone->pcp);
	return page;
}

/*
 * Give up to @count frames from the cold tail of @pcp (CPU @cpu's list)
 * back to the buddy lists, before the list's lock goes: a drainer that
 * then finds the list empty finds them free, not on their way.
 */
static unsigned int smm_pcp_spill(struct smm_zone *zone, struct smm_pcp *pcp,
				  unsigned int cpu, unsigned int count)
{
	LIST_HEAD(list);
	unsigned int n;

	lockdep_assert_held(&pcp->lock);
	for (n = 0; n < count && !list_empty(&pcp->list); n++)
		list_move(pcp->list.prev, &list);
	if (!n)
		return 0;
	WRITE_ONCE(pcp->count, pcp->count - n);
	smm_buddy_free_bulk(zone, &list, n);
	smm_count_event(zone->pool, SMM_PCP_DRAIN);
	trace_shadowmm_pcp_drain(zone->node->nid, zone->type, cpu, n);
	return n;
}

/*
 * The high a free that reached the list's high is judged against.  A
 * short zone shrinks the list's high by the run of frees (never below
 * the minimum) and drains anything above the minimum; otherwise the list
 * raises its high to hold the run of frees and one batch, for the next
 * time, as the kernel's nr_pcp_high() does.
 */
static unsigned int smm_pcp_high_on_free(struct smm_zone *zone, struct smm_pcp *pcp,
					 unsigned int batch)
{
	unsigned int hmin, hmax, high, run;

	lockdep_assert_held(&pcp->lock);
	smm_pcp_high_bounds(zone, &hmin, &hmax);
	high = clamp(pcp->high, hmin, hmax);
	WRITE_ONCE(pcp->high, high);
	if (hmin == hmax)
		return high;
	if (smm_pcp_zone_short(zone)) {
		run = max(pcp->free_count, batch);
		WRITE_ONCE(pcp->high, high > hmin + run ? high - run : hmin);
		return max(pcp->count, hmin);
	}
	if (high < pcp->free_count + batch) {
		WRITE_ONCE(pcp->high, clamp(pcp->free_count + batch, hmin, hmax));
		smm_pcp_decay_kick(zone);
	}
	return high;
}

/*
 * Frames a drain at @high gives back: the run of frees, at least a batch
 * and at most SMM_PCP_DRAIN_BATCHES batches, leaving at least a batch on
 * the list.  The kernel drains up to high - batch at once; drains of a
 * thousand frames measured slower per frame here than drains of a few
 * batches (the burst cases of make bench: 1.07-1.09x the kernel against
 * 0.95-1.0x), and a few batches already keep the zone lock's round trips
 * rare.
 */
static unsigned int smm_pcp_drain_count(const struct smm_pcp *pcp, unsigned int batch,
					unsigned int high)
{
	unsigned int most = high > 2 * batch ? high - batch : batch;

	return clamp(pcp->free_count, batch,
		     min3(most, batch * SMM_PCP_DRAIN_BATCHES, SMM_PCP_STEP_MAX));
}

/*
 * A free brought @pcp to its high: tune it, and drain if it is still there.
 * Out of line, as the refill is: the common free and allocation then need
 * no saved registers or stack (under emulation every push counts).
 */
static noinline void smm_pcp_free_high(struct smm_zone *zone, struct smm_pcp *pcp)
{
	unsigned int batch = READ_ONCE(zone->pcp_batch), high;

	lockdep_assert_held(&pcp->lock);
	pcp->free_count = min(pcp->free_count, batch << SMM_PCP_SCALE_MAX);
	high = smm_pcp_high_on_free(zone, pcp, batch);
	if (pcp->count >= high)
		smm_pcp_spill(zone, pcp, smp_processor_id(),
			      smm_pcp_drain_count(pcp, batch, high));
}

/**
 * smm_pcp_free() - put an order-0 frame on this CPU's list
 * @zone: its zone
 * @page: the frame
 *
 * The common case is a list below its high: the frame goes on and the
 * run of frees is counted, nothing else (its cap is applied when the run
 * is used); the tuning runs only when the list reaches its high.
 *
 * Context: Process context; does not sleep.
 */
void smm_pcp_free(struct smm_zone *zone, struct smm_page *page)
{
	struct smm_pcp *pcp;

	pcp = smm_get_cpu_ptr(zone->pcp);
	spin_lock(&pcp->lock);
	__smm_page_set(page, SMM_PG_pcp);
	list_add(&page->lru, &pcp->list);
	WRITE_ONCE(pcp->count, pcp->count + 1);
	pcp->changes++;
	pcp->alloc_factor >>= 1;
	pcp->free_count++;
	if (unlikely(pcp->count >= pcp->high))
		smm_pcp_free_high(zone, pcp);
	spin_unlock(&pcp->lock);
	smm_put_cpu_ptr(zone->pcp);
}

/*
 * Empty one list and start it over: high back at the zone's minimum, no
 * run of refills or frees counted.  So a list drained because memory is
 * short (a stalled allocation, kswapd) does not fill up again to a high
 * it grew to before, and one drained after a knob change does not go on
 * to a high the new sizes no longer allow (a free looks at nothing else
 * below its high).
 *
 * The frames reach the buddy lists before the list's lock goes
 * (smm_pcp_spill()): a stall would otherwise give up, or kswapd evict,
 * beside frames about to be free.  And a step
 * (smm_pcp_step()) at a time, the lock let go in between: a list may
 * hold an eighth of its zone, too much for one hold of the zone lock
 * with preemption off.  Only what the list held when the
 * drain began is taken, so frees beside it cannot keep it going.
 */
static unsigned int smm_pcp_drain_zone_cpu(struct smm_zone *zone, unsigned int cpu)
{
	struct smm_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
	unsigned int step = smm_pcp_step(READ_ONCE(zone->pcp_batch));
	unsigned int hmin, hmax, left, n, total = 0;

	spin_lock(&pcp->lock);
	smm_pcp_high_bounds(zone, &hmin, &hmax);
	WRITE_ONCE(pcp->high, hmin);
	pcp->alloc_factor = 0;
	pcp->free_count = 0;
	left = pcp->count;
	while (left) {
		n = smm_pcp_spill(zone, pcp, cpu, min(left, step));
		if (!n)
			break;
		total += n;
		left -= n;
		if (left) {
			spin_unlock(&pcp->lock);
			spin_lock(&pcp->lock);
		}
	}
	spin_unlock(&pcp->lock);
	return total;
}

/**
 * smm_pcp_drain_cpu() - give one CPU's lists back to the buddy lists
 * @pool: the pool
 * @cpu: the CPU (online or dead)
 *
 * Each list starts over at its zone's minimum high.
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
 * Each list starts over at its zone's minimum high.  Frames a CPU frees
 * while this runs may land on its list again.
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
 * smm_pcp_set_default_sizes() - size every zone's lists by the zone
 * @pool: the pool
 *
 * As the kernel sizes its pagesets: a batch of about 1/256 of the zone
 * (at most 63), high at most an eighth of the zone shared among the CPUs,
 * tuned between that and pcp_high_min.
 *
 * Context: Process context, with pool->tune_lock held or while the pool
 * is being built.
 */
void smm_pcp_set_default_sizes(struct smm_pool *pool)
{
	unsigned int cpus = num_possible_cpus(), batch;
	struct smm_zone *zone;
	int i;

	for_each_smm_zone(pool, zone, i) {
		batch = clamp_t(unsigned long, zone->managed / 256, 1, 63);
		WRITE_ONCE(zone->pcp_batch, batch);
		WRITE_ONCE(zone->pcp_high, clamp_t(unsigned long, zone->managed / (8 * cpus),
						   batch, SMM_PCP_HIGH_MAX));
	}
	WRITE_ONCE(pool->pcp.fixed, false);
	smm_pcp_update_high_min(pool);
}

/**
 * smm_pcp_update_high_min() - set pcp_high_min from the low watermarks
 * @pool: the pool
 *
 * A list's high rests at the zone's low watermark shared among the CPUs
 * (at least four batches, as the kernel's), so full lists never by
 * themselves take a zone below low; with sizes set by hand it is pcp_high.
 *
 * Context: Process context, with pool->tune_lock held or while the pool
 * is being built.
 */
void smm_pcp_update_high_min(struct smm_pool *pool)
{
	unsigned int cpus = num_possible_cpus(), high, batch, old;
	struct smm_zone *zone;
	unsigned long low;
	int i;

	for_each_smm_zone(pool, zone, i) {
		old = zone->pcp_high_min;
		high = READ_ONCE(zone->pcp_high);
		batch = READ_ONCE(zone->pcp_batch);
		low = READ_ONCE(zone->watermark[SMM_WMARK_LOW]) / cpus;
		WRITE_ONCE(zone->pcp_high_min, pool->pcp.fixed ? high :
			   clamp_t(unsigned long, low, min(4 * batch, high), high));
		/*
		 * A list rests at the minimum it had, which only a drain or
		 * the decay lowers: a lower minimum needs the decay.
		 */
		if (zone->pcp_high_min < old)
			smm_pcp_decay_kick(zone);
	}
}

/* smm_pcp_set_tunables() but the drain, pool->tune_lock held. */
static int smm_pcp_fix_locked(struct smm_pool *pool, unsigned int high,
			      unsigned int batch)
{
	struct smm_zone *zone;
	int i;

	lockdep_assert_held(&pool->tune_lock);
	if (batch < 1 || batch > SMM_PCP_BATCH_MAX || high < batch ||
	    high > SMM_PCP_HIGH_MAX)
		return -EINVAL;
	WRITE_ONCE(pool->pcp.fixed, true);
	for_each_smm_zone(pool, zone, i) {
		WRITE_ONCE(zone->pcp_batch, batch);
		WRITE_ONCE(zone->pcp_high, high);
	}
	smm_pcp_update_high_min(pool);
	return 0;
}

/**
 * smm_pcp_set_tunables() - fix high and batch of every zone's lists
 * @pool: the pool
 * @high: a list drains when it reaches this (batch..SMM_PCP_HIGH_MAX)
 * @batch: frames per refill or drain (1..SMM_PCP_BATCH_MAX)
 *
 * Sizes set by hand are fixed: no list tunes its high any more (as the
 * kernel's percpu_pagelist_high_fraction turns its tuning off) until
 * smm_pcp_set_auto(); refills and drains still scale with runs, as the
 * kernel's do.  The lists are drained afterwards, so no list is
 * left above @high.
 *
 * Context: Process context, may sleep (takes pool->tune_lock).
 * Return: 0, or -EINVAL (and nothing changes) for values out of range.
 */
int smm_pcp_set_tunables(struct smm_pool *pool, unsigned int high,
			 unsigned int batch)
{
	int ret;

	mutex_lock(&pool->tune_lock);
	ret = smm_pcp_fix_locked(pool, high, batch);
	mutex_unlock(&pool->tune_lock);
	if (!ret)
		smm_pcp_drain_all(pool);
	return ret;
}
SMM_EXPORT(smm_pcp_set_tunables);

/**
 * smm_pcp_set_one() - fix high, or batch, of every zone's lists
 * @pool: the pool
 * @high: true to set high, false to set batch
 * @val: the value, in the range smm_pcp_set_tunables() checks
 *
 * The other value is node 0's Normal zone's, read under the lock that
 * sets both: a writer of high and one of batch at the same time must not
 * put back the value the other just set.
 *
 * Context: Process context, may sleep (takes pool->tune_lock).
 * Return: 0, or -EINVAL (and nothing changes) for a value out of range.
 */
int smm_pcp_set_one(struct smm_pool *pool, bool high, unsigned int val)
{
	struct smm_zone *normal = pool->zones.table[SMM_ZONE_NORMAL];
	int ret;

	mutex_lock(&pool->tune_lock);
	if (high)
		ret = smm_pcp_fix_locked(pool, val, normal->pcp_batch);
	else
		ret = smm_pcp_fix_locked(pool, normal->pcp_high, val);
	mutex_unlock(&pool->tune_lock);
	if (!ret)
		smm_pcp_drain_all(pool);
	return ret;
}
SMM_EXPORT(smm_pcp_set_one);

/**
 * smm_pcp_set_fixed() - stop tuning the lists, each zone's at its own size
 * @pool: the pool
 *
 * Each zone keeps its batch, and its lists' high stays at the most it
 * could tune to (its pcp_high), as if set by hand for that zone alone.
 * The lists are drained afterwards, as smm_pcp_set_tunables() drains.
 *
 * Context: Process context, may sleep (takes pool->tune_lock).
 */
void smm_pcp_set_fixed(struct smm_pool *pool)
{
	mutex_lock(&pool->tune_lock);
	WRITE_ONCE(pool->pcp.fixed, true);
	smm_pcp_update_high_min(pool);
	mutex_unlock(&pool->tune_lock);
	smm_pcp_drain_all(pool);
}
SMM_EXPORT(smm_pcp_set_fixed);

/**
 * smm_pcp_set_auto() - size the lists by their zones again, and tune them
 * @pool: the pool
 *
 * Undoes smm_pcp_set_tunables(); the lists are drained afterwards.
 *
 * Context: Process context, may sleep (takes pool->tune_lock).
 */
void smm_pcp_set_auto(struct smm_pool *pool)
{
	mutex_lock(&pool->tune_lock);
	smm_pcp_set_default_sizes(pool);
	mutex_unlock(&pool->tune_lock);
	smm_pcp_drain_all(pool);
}
SMM_EXPORT(smm_pcp_set_auto);

/*
 * One decay step of one list: high loses an eighth, at least one (never
 * below what the list holds less the largest drain, nor below the
 * minimum), and what is above high goes back, at most a largest drain at
 * a time.  Returns whether the list still needs steps.
 */
static bool smm_pcp_decay_zone_cpu(struct smm_zone *zone, unsigned int cpu)
{
	struct smm_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
	unsigned int hmin, hmax, high, most;
	bool more;

	spin_lock(&pcp->lock);
	smm_pcp_high_bounds(zone, &hmin, &hmax);
	most = smm_pcp_step(READ_ONCE(zone->pcp_batch));
	high = clamp(pcp->high, hmin, hmax);
	if (high > hmin) {
		high = max3(pcp->count > most ? pcp->count - most : 0,
			    high - max(high >> 3, 1U), hmin);
		WRITE_ONCE(pcp->high, high);
	}
	if (pcp->count > high)
		smm_pcp_spill(zone, pcp, cpu, min(pcp->count - high, most));
	more = high > hmin || pcp->count > high;
	spin_unlock(&pcp->lock);
	return more;
}

static void smm_pcp_decay_fn(struct work_struct *work)
{
	struct smm_pool *pool = container_of(to_delayed_work(work), struct smm_pool,
					     pcp.decay);
	struct smm_zone *zone;
	bool more = false;
	int i, cpu;

	/*
	 * Online CPUs only: a CPU's lists are emptied when it dies and
	 * nothing allocates from or frees to them while it is away, so a step
	 * there would give nothing back; once it is back, a refill that finds
	 * its high above the minimum kicks the decay again.
	 */
	for_each_smm_zone(pool, zone, i)
		for_each_online_cpu(cpu)
			more |= smm_pcp_decay_zone_cpu(zone, cpu);
	if (more)
		schedule_delayed_work(&pool->pcp.decay, HZ);
}

/**
 * smm_pcp_pool_init() - prepare what a pool keeps for its lists
 * @pool: a pool being built, before its zones
 *
 * Context: Process context.
 */
void smm_pcp_pool_init(struct smm_pool *pool)
{
	INIT_DELAYED_WORK(&pool->pcp.decay, smm_pcp_decay_fn);
	WRITE_ONCE(pool->pcp.fixed, false);
}

/**
 * smm_pcp_pool_stop() - stop the lists' decay for good
 * @pool: a pool being taken apart: nothing allocates or frees any more
 *
 * Context: Process context, may sleep.
 */
void smm_pcp_pool_stop(struct smm_pool *pool)
{
	cancel_delayed_work_sync(&pool->pcp.decay);
}

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
