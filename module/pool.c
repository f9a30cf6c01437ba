// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: a pool, the whole memory manager as one instance.
 *
 * smm_pool_create() assembles region, nodes and zones, per-CPU lists and
 * counters; smm_pool_destroy() takes them apart in exactly the reverse
 * order.  Nothing here is file-scope state, so KUnit builds small private
 * pools beside the live device's.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/fault-inject.h>
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/slab.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compaction.h>
#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/slab.h>
#include <shadowmm/vma.h>

/*
 * The kernel's default: sqrt(16 * lowmem KiB), within [128 KiB, 64 MiB];
 * but no more than the knob accepts, which a pool with a few hundred
 * KiB of DMA and Normal has below 128 KiB: what the knobs file shows can
 * always be written back, and is what the watermarks apply.
 */
static unsigned long smm_default_min_free_kbytes(struct smm_pool *pool)
{
	unsigned long lowmem = smm_zones_lowmem_pages(pool) << (PAGE_SHIFT - 10);

	return min(clamp(int_sqrt(lowmem * 16), 128UL, 65536UL),
		   smm_pool_max_min_free_kbytes(pool));
}

/**
 * smm_pool_create() - build a shadow memory manager
 * @cfg: what to build
 * @poolp: the new pool, on success
 *
 * Context: Process context, may sleep.
 * Return: 0, or a negative errno from the region or -ENOMEM.
 */
int smm_pool_create(const struct smm_pool_config *cfg, struct smm_pool **poolp)
{
	struct smm_pool *pool;
	unsigned int split = 0;
	int i, ret;

	for (i = 0; i < SMM_NR_ZONE_TYPES; i++)
		split += cfg->zone_split[i];
	if (split != 100 || !cfg->zone_split[SMM_ZONE_NORMAL] ||
	    cfg->watermark_scale_factor > SMM_WSF_MAX ||
	    (cfg->slab_debug & ~SMM_SLAB_ALL) ||
	    (unsigned int)cfg->lru_policy >= SMM_NR_LRU_POLICIES)
		return -EINVAL;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return -ENOMEM;
	pool->name = cfg->name ?: "shadowmm";
	memcpy(pool->zones.split, cfg->zone_split, sizeof(pool->zones.split));
	mutex_init(&pool->tune_lock);
	pool->zones.watermark_scale_factor = cfg->watermark_scale_factor ?: SMM_WSF_DEFAULT;
	pool->slab.debug = cfg->slab_debug;
#ifdef CONFIG_FAULT_INJECTION
	pool->zones.fail_page_alloc = (struct fault_attr)FAULT_ATTR_INITIALIZER;
#endif

	pool->events = alloc_percpu(struct smm_events);
	if (!pool->events) {
		ret = -ENOMEM;
		goto err_pool;
	}
	ret = smm_region_create(&pool->region, &cfg->region);
	if (ret)
		goto err_events;

	/* Zones first with no reserve, then the reserve from their size. */
	pool->zones.min_free_kbytes = cfg->min_free_kbytes;
	ret = smm_zones_init(pool);
	if (ret)
		goto err_region;
	if (!pool->zones.min_free_kbytes) {
		pool->zones.min_free_kbytes = smm_default_min_free_kbytes(pool);
		smm_zones_setup_watermarks(pool);
	}

	ret = smm_workingset_pool_init(pool, cfg->swap.nr_slots);
	if (ret)
		goto err_zones;

	ret = smm_lru_pool_init(pool);
	if (ret)
		goto err_workingset;
	/* The LRU is empty and the policy checked above: this cannot fail. */
	WARN_ON(smm_lru_set_policy(pool, cfg->lru_policy));

	ret = smm_pcp_hotplug_register(pool);
	if (ret)
		goto err_lru;

	ret = smm_slab_pool_init(pool);
	if (ret)
		goto err_hotplug;

	if (cfg->swap.nr_slots) {
		ret = smm_swap_init(&pool->swap, &cfg->swap);
		if (ret)
			goto err_slab;
	}
	ret = smm_object_pool_init(pool);
	if (ret)
		goto err_swap;
	smm_vma_pool_init(pool);

	/* Before kswapd, which wakes kcompactd after its runs. */
	ret = smm_compaction_pool_init(pool, cfg->kcompactd);
	if (ret)
		goto err_vma;
	ret = smm_reclaim_pool_init(pool);
	if (ret)
		goto err_compaction;

	*poolp = pool;
	return 0;

err_compaction:
	smm_compaction_pool_destroy(pool);
err_vma:
	smm_vma_pool_destroy(pool);
	smm_object_pool_destroy(pool);
err_swap:
	if (pool->swap.ready)
		smm_swap_destroy(&pool->swap);
err_slab:
	smm_slab_pool_destroy(pool);
err_hotplug:
	smm_pcp_hotplug_unregister(pool);
err_lru:
	smm_lru_pool_destroy(pool);
err_workingset:
	smm_workingset_pool_destroy(pool);
err_zones:
	smm_zones_destroy(pool);
err_region:
	smm_region_destroy(&pool->region);
err_events:
	free_percpu(pool->events);
err_pool:
	mutex_destroy(&pool->tune_lock);
	kfree(pool);
	return ret;
}
SMM_EXPORT(smm_pool_create);

/**
 * smm_pool_destroy() - take a pool apart and give its memory back
 * @pool: the pool; every block allocated from it must have been freed
 *
 * Frames still allocated are a leak by the pool's user: reported with a
 * WARN (so the test harness fails the run) and still given back.
 *
 * Context: Process context, may sleep.
 */
void smm_pool_destroy(struct smm_pool *pool)
{
	unsigned long free, managed;

	smm_reclaim_pool_destroy(pool);
	smm_compaction_pool_destroy(pool);
	smm_vma_pool_destroy(pool);
	smm_object_pool_destroy(pool);
	if (pool->swap.ready)
		smm_swap_destroy(&pool->swap);
	smm_slab_pool_destroy(pool);
	smm_pcp_hotplug_unregister(pool);
	smm_lru_pool_destroy(pool);
	/* No decay step may hold frames off the lists while they are counted. */
	smm_pcp_pool_stop(pool);
	smm_pcp_drain_all(pool);
	smm_workingset_pool_destroy(pool);
	/* Quarantined frames go back with the region, as they are. */
	free = smm_pool_free_pages(pool) + smm_object_quarantined_pages(pool);
	managed = smm_pool_managed_pages(pool);
	WARN(free != managed, "%s: destroyed with %lu of %lu frames still allocated\n",
	     pool->name, managed - free, managed);
	smm_zones_destroy(pool);
	smm_region_destroy(&pool->region);
	free_percpu(pool->events);
	mutex_destroy(&pool->tune_lock);
	kfree(pool);
}
SMM_EXPORT(smm_pool_destroy);

/**
 * smm_pool_validate() - full consistency check of a pool
 * @pool: the pool
 * @r: where problems are reported
 *
 * Context: Process context, may sleep.
 * Return: the number of problems found (0: consistent).
 */
unsigned int smm_pool_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int n = smm_buddy_validate(pool, r);

	n += smm_slab_validate(pool, r);
	n += smm_object_validate(pool, r);
	n += smm_lru_validate(pool, r);
	return n + smm_vma_validate(pool, r);
}
SMM_EXPORT(smm_pool_validate);

/**
 * smm_pool_set_watermark_scale_factor() - change the watermark spacing
 * @pool: the pool
 * @wsf: 1..SMM_WSF_MAX, in 1/10000 of a zone
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINVAL (nothing changes) when out of range.
 */
int smm_pool_set_watermark_scale_factor(struct smm_pool *pool, unsigned int wsf)
{
	if (wsf < 1 || wsf > SMM_WSF_MAX)
		return -EINVAL;
	mutex_lock(&pool->tune_lock);
	pool->zones.watermark_scale_factor = wsf;
	smm_zones_setup_watermarks(pool);
	mutex_unlock(&pool->tune_lock);
	return 0;
}
SMM_EXPORT(smm_pool_set_watermark_scale_factor);

/**
 * smm_pool_max_min_free_kbytes() - the most min_free_kbytes may be
 * @pool: the pool
 *
 * A quarter of the DMA and Normal zones, which share it: no zone's min
 * watermark is capped below its share (smm_zones_setup_watermarks() caps
 * each at a quarter of its zone), so every value accepted is applied.
 *
 * Context: Any context.
 * Return: the bound, in KiB.
 */
unsigned long smm_pool_max_min_free_kbytes(struct smm_pool *pool)
{
	return (smm_zones_lowmem_pages(pool) << (PAGE_SHIFT - 10)) / 4;
}
SMM_EXPORT(smm_pool_max_min_free_kbytes);

/**
 * smm_pool_set_min_free_kbytes() - change the reserve below min
 * @pool: the pool
 * @kbytes: at least 0, at most smm_pool_max_min_free_kbytes()
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINVAL (nothing changes) when out of range.
 */
int smm_pool_set_min_free_kbytes(struct smm_pool *pool, unsigned long kbytes)
{
	if (kbytes > smm_pool_max_min_free_kbytes(pool))
		return -EINVAL;
	mutex_lock(&pool->tune_lock);
	pool->zones.min_free_kbytes = kbytes;
	smm_zones_setup_watermarks(pool);
	mutex_unlock(&pool->tune_lock);
	return 0;
}
SMM_EXPORT(smm_pool_set_min_free_kbytes);

/**
 * smm_pool_free_pages() - frames on the buddy free lists of every zone
 * @pool: the pool
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count (frames on per-CPU lists not included).
 */
unsigned long smm_pool_free_pages(struct smm_pool *pool)
{
	struct smm_zone *zone;
	unsigned long n = 0;
	int i;

	for_each_smm_zone(pool, zone, i)
		n += smm_zone_free(zone);
	return n;
}
SMM_EXPORT(smm_pool_free_pages);

/**
 * smm_pool_managed_pages() - frames the pool manages
 * @pool: the pool
 *
 * Context: Any context.
 * Return: the count.
 */
unsigned long smm_pool_managed_pages(struct smm_pool *pool)
{
	struct smm_zone *zone;
	unsigned long n = 0;
	int i;

	for_each_smm_zone(pool, zone, i)
		n += zone->managed;
	return n;
}
SMM_EXPORT(smm_pool_managed_pages);
