/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct smm_pool: one complete shadow memory manager (module/pool.c).
 * The live device has one; every KUnit test builds a small private one.
 */
#ifndef _SHADOWMM_POOL_H
#define _SHADOWMM_POOL_H

#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/fault-inject.h>
#include <linux/hashtable.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

#include <shadowmm/reclaim.h>
#include <shadowmm/region.h>
#include <shadowmm/slab.h>
#include <shadowmm/stats.h>
#include <shadowmm/swap.h>
#include <shadowmm/workingset.h>
#include <shadowmm/zone.h>

/**
 * struct smm_pool_config - what smm_pool_create() builds
 * @name:		for messages
 * @region:		where the memory comes from
 * @zone_split:		percent of each node for DMA, Normal, HighMem
 * @min_free_kbytes:	0 for the kernel's formula (sqrt(16 * KiB))
 * @watermark_scale_factor: 1/10000 of a zone between its watermarks
 *			(0: SMM_WSF_DEFAULT)
 * @swap:		the backing store (nr_slots 0: none)
 */
struct smm_pool_config {
	const char *name;
	struct smm_region_config region;
	unsigned int zone_split[SMM_NR_ZONE_TYPES];
	unsigned long min_free_kbytes;
	unsigned int watermark_scale_factor;
	struct smm_swap_config swap;
};

/**
 * struct smm_pool - a shadow memory manager
 * @name:		for messages
 * @region:		its memory
 * @nodes:		its nodes, ordered as their frames
 * @nr_nodes:		how many
 * @zone_table:		every zone by id (node * SMM_NR_ZONE_TYPES + type)
 * @zone_split:		percent of each node per zone type
 * @tune_lock:		serialises changes of the tunables below and of the
 *			zones' watermarks and pcp high/batch
 * @min_free_kbytes:	the reserve the min watermarks add up to
 * @watermark_scale_factor: distance between watermarks, 1/10000 of a zone
 * @events:		per-CPU event counters
 * @fail_page_alloc:	fault injection for allocations (kernels with
 *			CONFIG_FAULT_INJECTION)
 * @fail_min_order:	only allocations of at least this order fail
 * @cpuhp_node:		on the CPU-hotplug instance list (pcp drain on offline)
 * @slab_mutex:		protects @caches (creation, destruction, walks)
 * @caches:		every slab cache of the pool (smm_kmem_cache.list)
 * @kmalloc_caches:	kmalloc-8 .. kmalloc-8k, set at creation, read-only
 *			until destruction
 * @slab_pages:		frames held by slabs of every cache
 * @slab_cpuhp_node:	on the slab CPU-hotplug instance list (per-CPU
 *			object arrays flushed on offline)
 * @slab_hotplug:	@slab_cpuhp_node is on that list; set and cleared by
 *			pool creation and destruction only
 * @slab_shrink_work:	shrinks every cache; queued under memory pressure
 * @slab_pressure_on:	pressure may queue @slab_shrink_work; cleared (with
 *			WRITE_ONCE) before the work is cancelled at destruction
 * @slab_debugfs:	slab/ in debugfs, the live pool only (NULL in KUnit
 *			pools), under @slab_mutex
 * @mappable:		its frames can be mapped to user space (they have
 *			struct pages in the kernel's direct map)
 * @object_lock:	protects @objects
 * @objects:		every memory object of the pool (smm_object.node)
 * @object_reserve:	the slab cache memory objects come from, with objects
 *			set aside for when the region is empty; made on the
 *			first open
 * @object_pages:	frames held by objects or waiting on @pinned
 * @object_changes:	per CPU, changes to objects' entries begun and ended
 * @pinned_lock:	protects @pinned and @nr_pinned
 * @pinned:		frames taken out of their object while someone still
 *			held a reference (get_user_pages pins), linked by lru
 * @nr_pinned:		frames on @pinned
 * @pinned_work:	polls @pinned and frees what is no longer pinned
 * @vma_lock:		protects @vma_trees
 * @vma_trees:		each process's shadow VMA tree, hashed by mm
 * @vma_reserve:	the slab cache shadow VMA descriptors come from, with
 *			descriptors set aside for when the region is empty;
 *			made on the first mapping
 * @workingset:	per node (by index), the refault bookkeeping
 * @has_swap:		@swap was built
 * @swap:		the backing store evicted object pages go to
 * @lru_batch:		per-CPU LRU batches (struct smm_lru_batch)
 * @lru_batch_size:	entries a batch collects before it is drained,
 *			1..SMM_LRU_BATCH_MAX; written under @tune_lock
 * @kswapd:		per node (by index), its reclaim thread; NULL while
 *			none runs (before init, after destruction)
 * @nr_shadow_only:	shadow entries with no store slot (pages of zeroes
 *			evicted without being stored), in every object
 * @shadow_only_max:	above this many, @shadow_trim_work drops some
 * @shadow_trim_work:	drops shadow-only entries (workingset_nodereclaim)
 */
struct smm_pool {
	const char *name;
	struct smm_region region;
	struct smm_node *nodes;
	int nr_nodes;
	struct smm_zone **zone_table;
	unsigned int zone_split[SMM_NR_ZONE_TYPES];
	struct mutex tune_lock;
	unsigned long min_free_kbytes;
	unsigned int watermark_scale_factor;
	struct smm_events __percpu *events;
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr fail_page_alloc;
#endif
	u32 fail_min_order;
	struct hlist_node cpuhp_node;
	struct mutex slab_mutex;
	struct list_head caches;
	struct smm_kmem_cache *kmalloc_caches[SMM_KMALLOC_NR];
	atomic_long_t slab_pages;
	struct hlist_node slab_cpuhp_node;
	bool slab_hotplug;
	struct work_struct slab_shrink_work;
	bool slab_pressure_on;
	struct dentry *slab_debugfs;
	bool mappable;
	spinlock_t object_lock;
	struct list_head objects;
	struct smm_kmem_reserve object_reserve;
	atomic_long_t object_pages;
	struct smm_object_changes __percpu *object_changes;
	spinlock_t pinned_lock;
	struct list_head pinned;
	unsigned long nr_pinned;
	struct delayed_work pinned_work;
	spinlock_t vma_lock;
	DECLARE_HASHTABLE(vma_trees, 6);
	struct smm_kmem_reserve vma_reserve;
	struct smm_workingset *workingset;
	bool has_swap;
	struct smm_swap swap;
	struct smm_lru_batch __percpu *lru_batch;
	unsigned int lru_batch_size;
	struct smm_kswapd *kswapd;
	atomic_long_t nr_shadow_only;
	unsigned long shadow_only_max;
	struct work_struct shadow_trim_work;
};

int smm_pool_create(const struct smm_pool_config *cfg, struct smm_pool **poolp);
void smm_pool_destroy(struct smm_pool *pool);
unsigned int smm_pool_validate(struct smm_pool *pool, struct smm_report *r);
int smm_pool_set_watermark_scale_factor(struct smm_pool *pool, unsigned int wsf);
int smm_pool_set_min_free_kbytes(struct smm_pool *pool, unsigned long kbytes);
unsigned long smm_pool_free_pages(struct smm_pool *pool);
unsigned long smm_pool_managed_pages(struct smm_pool *pool);

#define for_each_smm_zone(pool, zone, i)				\
	for ((i) = 0; (i) < (pool)->nr_nodes * SMM_NR_ZONE_TYPES &&	\
		      ((zone) = (pool)->zone_table[i], 1); (i)++)

static inline struct smm_zone *smm_page_zone(struct smm_pool *pool,
					     const struct smm_page *page)
{
	return pool->zone_table[smm_page_zone_id(page)];
}

static inline void smm_count_event(struct smm_pool *pool, enum smm_event item)
{
	this_cpu_inc(pool->events->ev[item]);
}

static inline void smm_count_events(struct smm_pool *pool, enum smm_event item,
				    long delta)
{
	this_cpu_add(pool->events->ev[item], delta);
}

#endif /* _SHADOWMM_POOL_H */
