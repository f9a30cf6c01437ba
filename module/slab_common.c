// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the life of slab caches, and each pool's set of them.
 *
 * Creating a cache lays out its stride (see module/slab.c) and picks its
 * slab order: the smallest that wastes at most 1/8 and holds enough
 * objects.  Destroying one flushes every CPU's array first and is refused
 * while objects are allocated, with log lines saying where they are.
 * Shrinking gives free slabs back to the buddy, for one cache or for all of
 * a pool's, and a cache's counters are read here.  The allocator itself,
 * slabs and per-CPU arrays, is module/slab.c.
 *
 * A pool's caches: smm_slab_pool_init() makes its kmalloc-8 ..
 * kmalloc-8192 caches and, when the pool has a DMA zone, their twins
 * dma-kmalloc-8 .. dma-kmalloc-8192 (module/kmalloc.c allocates from
 * them; they take no memory until used) and, last, joins the pool to the
 * CPU-hotplug multi-state every pool is an instance of
 * (smm_slab_subsys_init()), so a dead CPU's arrays in the pool's caches
 * are flushed.
 * smm_slab_pool_destroy() leaves the state first, destroys the kmalloc
 * caches in reverse order, and frees, with a report, whatever caches the
 * pool's users left behind.
 *
 * Memory pressure: an allocation that leaves a zone below its low
 * watermark calls smm_slab_note_pressure(), which only queues the pool's
 * shrink work (the allocation may hold a per-CPU array's local lock, and
 * smm_slab_shrink_all() takes pool->slab.mutex); the work then gives every
 * cache's free slabs back and counts them in slabs_shrunk_pressure.
 *
 * Locks: pool->slab.mutex guards the pool's cache list, and a cache's
 * node locks are taken one at a time; the order of these and of
 * cpu_hotplug_lock is in include/shadowmm/pool.h.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/reciprocal_div.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <shadowmm/compat.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>
#include <shadowmm/stats.h>

/* The dynamic hotplug state shared by every pool; set at module init. */
static enum cpuhp_state smm_slab_hp_state;

/* Give every free slab of every node back; return how many slabs went. */
static unsigned long smm_cache_release_free(struct smm_kmem_cache *cache)
{
	unsigned long slabs = 0;
	LIST_HEAD(release);
	int i;

	for (i = 0; i < cache->nr_nodes; i++) {
		struct smm_kmem_cache_node *n = &cache->node[i];

		smm_slab_node_lock(n);
		slabs += n->nr_free_slabs;
		smm_slab_trim(n, 0, &release);
		spin_unlock(&n->lock);
	}
	smm_slab_release_list(cache, &release);
	return slabs;
}

/**
 * smm_kmem_cache_shrink() - give every free slab back to the buddy
 * @cache: the cache
 *
 * The per-CPU arrays are flushed first (as smm_kmem_cache_drain() does),
 * so every slab whose objects are all free, on every node, is given back.
 *
 * Context: Process context, may sleep; no pool->slab.mutex held.
 * Return: the number of frames given back.
 */
unsigned long smm_kmem_cache_shrink(struct smm_kmem_cache *cache)
{
	smm_kmem_cache_drain(cache);
	return smm_cache_release_free(cache) << cache->order;
}
SMM_EXPORT(smm_kmem_cache_shrink);

/**
 * smm_kmem_cache_errors() - faults a cache has detected
 * @cache: the cache
 * @kind: which kind
 *
 * Context: Any context.
 * Return: the count.
 */
unsigned long smm_kmem_cache_errors(struct smm_kmem_cache *cache,
				    enum smm_slab_error kind)
{
	return atomic_long_read(&cache->errors[kind]);
}
SMM_EXPORT(smm_kmem_cache_errors);

/*
 * Add the counters of @n to @info under its lock; with @lists, also the
 * lengths of its full and partial lists (a walk of each).
 */
static void smm_node_info_add(struct smm_kmem_cache_node *n, struct smm_slab_node_info *info,
			      bool lists)
{
	struct list_head *pos;

	spin_lock(&n->lock);
	if (lists) {
		list_for_each(pos, &n->slabs_full)
			info->nr_full++;
		list_for_each(pos, &n->slabs_partial)
			info->nr_partial++;
	}
	info->nr_slabs += n->nr_slabs;
	info->nr_free_slabs += n->nr_free_slabs;
	info->inuse += n->inuse;
	info->nr_quarantined += n->nr_quarantined;
	spin_unlock(&n->lock);
}

/**
 * smm_cache_totals() - sum the counts of every node of a cache
 * @cache: the cache
 * @info: where the sums go
 * @lists: also count the full and partial slabs (a walk of each list)
 *
 * Context: Process context; takes the node locks one at a time, so the
 * sums are not one atomic snapshot.
 */
void smm_cache_totals(struct smm_kmem_cache *cache, struct smm_slab_node_info *info,
		      bool lists)
{
	int i;

	memset(info, 0, sizeof(*info));
	for (i = 0; i < cache->nr_nodes; i++)
		smm_node_info_add(&cache->node[i], info, lists);
}

/**
 * smm_kmem_cache_node_info() - count one node's slabs of a cache
 * @cache: the cache
 * @node: pool node index, or NUMA_NO_NODE for the sum over every node
 * @info: where the counts go (all zero for a node the pool does not have)
 *
 * Context: Process context; takes the node locks one at a time, so a sum
 * is not one atomic snapshot.
 */
void smm_kmem_cache_node_info(struct smm_kmem_cache *cache, int node,
			      struct smm_slab_node_info *info)
{
	if (node == NUMA_NO_NODE) {
		smm_cache_totals(cache, info, true);
		return;
	}
	memset(info, 0, sizeof(*info));
	if (node >= 0 && node < cache->nr_nodes)
		smm_node_info_add(&cache->node[node], info, true);
}
SMM_EXPORT(smm_kmem_cache_node_info);

/* One counter summed over the nodes, each read without its lock. */
#define smm_cache_sum(cache, field)					\
({									\
	unsigned long __sum = 0;					\
	int __i;							\
									\
	for (__i = 0; __i < (cache)->nr_nodes; __i++)			\
		__sum += READ_ONCE((cache)->node[__i].field);		\
	__sum;								\
})

/**
 * smm_kmem_cache_quarantined() - objects a cache keeps aside as damaged
 * @cache: the cache
 *
 * Context: Any context; a lockless snapshot, summed over the nodes.
 * Return: the count.
 */
unsigned long smm_kmem_cache_quarantined(struct smm_kmem_cache *cache)
{
	return smm_cache_sum(cache, nr_quarantined);
}
SMM_EXPORT(smm_kmem_cache_quarantined);

/**
 * smm_kmem_cache_inuse() - objects taken out of a cache's slabs
 * @cache: the cache
 *
 * Objects held by users, waiting in per-CPU arrays, or quarantined.
 *
 * Context: Any context; a lockless snapshot, summed over the nodes.
 * Return: the count.
 */
unsigned long smm_kmem_cache_inuse(struct smm_kmem_cache *cache)
{
	return smm_cache_sum(cache, inuse);
}
SMM_EXPORT(smm_kmem_cache_inuse);

/**
 * smm_kmem_cache_nr_slabs() - slabs a cache holds
 * @cache: the cache
 *
 * Context: Any context; a lockless snapshot, summed over the nodes.
 * Return: the count.
 */
unsigned long smm_kmem_cache_nr_slabs(struct smm_kmem_cache *cache)
{
	return smm_cache_sum(cache, nr_slabs);
}
SMM_EXPORT(smm_kmem_cache_nr_slabs);

/**
 * smm_kmem_cache_nr_free_slabs() - slabs of a cache with no object in use
 * @cache: the cache
 *
 * Context: Any context; a lockless snapshot, summed over the nodes.
 * Return: the count.
 */
unsigned long smm_kmem_cache_nr_free_slabs(struct smm_kmem_cache *cache)
{
	return smm_cache_sum(cache, nr_free_slabs);
}
SMM_EXPORT(smm_kmem_cache_nr_free_slabs);

/* Lay out one stride and choose the slab order with the least waste. */
static int smm_cache_layout(struct smm_kmem_cache *cache)
{
	unsigned int word = sizeof(long), end, order, best = 0;
	unsigned int best_waste = UINT_MAX;

	cache->offset = 0;
	if (cache->flags & SMM_SLAB_RED_ZONE)
		cache->offset = ALIGN(word, cache->align);
	end = cache->offset + ALIGN(cache->object_size, word);
	if (cache->flags & SMM_SLAB_RED_ZONE)
		end += word;
	if (smm_cache_debug(cache) || cache->ctor) {
		cache->freeptr = end - cache->offset;
		end += word;
	} else {
		cache->freeptr = 0;
	}
	cache->meta = end - cache->offset;
	if (smm_cache_debug(cache))
		end += word;
	if (cache->flags & SMM_SLAB_STORE_USER)
		end += 2 * sizeof(struct smm_slab_track);
	cache->size = ALIGN(max(end, word), cache->align);

	/*
	 * The smallest order wasting at most 1/8 of it and holding at least
	 * SMM_SLAB_MIN_OBJS objects (or as many as order SMM_SLAB_MIN_ORDER
	 * holds), else the least waste.  Fewer, larger slabs make fewer trips
	 * to the buddy when many objects come and go.
	 */
	for (order = 0; order <= SMM_SLAB_MAX_ORDER; order++) {
		unsigned int bytes = PAGE_SIZE << order;
		unsigned int objs = bytes / cache->size, waste;

		if (!objs)
			continue;
		objs = min(objs, 0xffffU);
		waste = bytes - objs * cache->size;
		if (waste * 8 <= bytes &&
		    (objs >= SMM_SLAB_MIN_OBJS || order >= SMM_SLAB_MIN_ORDER)) {
			best = order;
			best_waste = waste;
			break;
		}
		if (waste * (PAGE_SIZE << best) < best_waste * bytes ||
		    best_waste == UINT_MAX) {
			best = order;
			best_waste = waste;
		}
	}
	if (best_waste == UINT_MAX)
		return -EINVAL;
	cache->order = best;
	cache->objs_per_slab = min((unsigned int)(PAGE_SIZE << best) / cache->size, 0xffffU);
	cache->waste = best_waste;
	return 0;
}

/**
 * smm_kmem_cache_create() - create a cache of objects of one size
 * @pool: the pool its slabs come from
 * @name: for slabinfo and messages (truncated to 31 characters)
 * @size: object size in bytes, 1 .. PAGE_SIZE << SMM_SLAB_MAX_ORDER (128
 *	  KiB on 4 KiB pages) less the debug metadata
 * @align: object alignment, a power of two up to PAGE_SIZE, or 0 for the
 *	   size of a pointer
 * @flags: SMM_SLAB_* debug flags (the pool's slab_debug adds to them), and
 *	   SMM_SLAB_CACHE_DMA for slabs from the DMA zone only (whatever zone
 *	   flags an allocation passes)
 * @ctor: run once on every object when its slab is made, or NULL; must
 *	  not sleep
 *
 * Context: Process context, may sleep.
 * Return: the cache, or NULL on a bad argument or no memory.
 */
struct smm_kmem_cache *smm_kmem_cache_create(struct smm_pool *pool, const char *name,
					     unsigned int size, unsigned int align,
					     unsigned int flags, void (*ctor)(void *))
{
	struct smm_kmem_cache *cache;
	int cpu, i;

	if (!size || size > (PAGE_SIZE << SMM_SLAB_MAX_ORDER) || (flags & ~SMM_SLAB_CREATE) ||
	    (align && (!is_power_of_2(align) || align > PAGE_SIZE)))
		return NULL;
	cache = kzalloc(struct_size(cache, node, pool->zones.nr_nodes), GFP_KERNEL);
	if (!cache)
		return NULL;
	strscpy(cache->name, name, sizeof(cache->name));
	cache->pool = pool;
	cache->nr_nodes = pool->zones.nr_nodes;
	cache->object_size = size;
	cache->align = max_t(unsigned int, align, sizeof(long));
	cache->flags = flags | pool->slab.debug;
	cache->ctor = ctor;
	smm_slab_debug_init(cache);
	if (smm_cache_layout(cache)) {
		kfree(cache);
		return NULL;
	}
	cache->size_recip = reciprocal_value(cache->size);
	if (!smm_cache_debug(cache)) {
		/* About 16-32 KiB of objects, 16 at least (SMM_SLAB_CPU_MAX at most). */
		cache->cpu_limit = cache->size <= 256 ? 128 : cache->size <= 1024 ? 64 :
				   cache->size <= 4096 ? 32 : 16;
		cache->batch = cache->cpu_limit / 2;
	}
	/* Free slabs a node keeps for the next burst: up to 64 KiB, 2 at least. */
	cache->free_limit = max(2U, (unsigned int)(SZ_64K >> (PAGE_SHIFT + cache->order)));
	for (i = 0; i < cache->nr_nodes; i++) {
		struct smm_kmem_cache_node *n = &cache->node[i];

		spin_lock_init(&n->lock);
		INIT_LIST_HEAD(&n->slabs_full);
		INIT_LIST_HEAD(&n->slabs_partial);
		INIT_LIST_HEAD(&n->slabs_free);
	}
	for (i = 0; i < SMM_SLAB_NR_ERRORS; i++)
		atomic_long_set(&cache->errors[i], 0);
	cache->cpu = alloc_percpu(struct smm_slab_cpu);
	if (!cache->cpu) {
		kfree(cache);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(cache->cpu, cpu)->lock);

	mutex_lock(&pool->slab.mutex);
	list_add_tail(&cache->list, &pool->slab.caches);
	smm_cache_debugfs_add(cache);
	mutex_unlock(&pool->slab.mutex);
	return cache;
}
SMM_EXPORT(smm_kmem_cache_create);

/* Free every slab of every node and the cache itself; it is off the pool's list. */
static void smm_cache_free_all(struct smm_kmem_cache *cache)
{
	LIST_HEAD(release);
	int i;

	/* Waits for readers of its files; they take only node locks. */
	smm_cache_debugfs_remove(cache);

	for (i = 0; i < cache->nr_nodes; i++) {
		struct smm_kmem_cache_node *n = &cache->node[i];

		smm_slab_node_lock(n);
		list_splice_init(&n->slabs_full, &release);
		list_splice_init(&n->slabs_partial, &release);
		list_splice_init(&n->slabs_free, &release);
		WRITE_ONCE(n->nr_slabs, 0);
		WRITE_ONCE(n->nr_free_slabs, 0);
		WRITE_ONCE(n->inuse, 0);
		n->quarantine = NULL;
		WRITE_ONCE(n->nr_quarantined, 0);
		spin_unlock(&n->lock);
	}
	smm_slab_release_list(cache, &release);
	free_percpu(cache->cpu);
	kfree(cache);
}

/* Log, for each node of @cache holding some, the objects still allocated. */
static void smm_cache_report_live(struct smm_kmem_cache *cache)
{
	struct smm_pool *pool = cache->pool;
	struct smm_slab_node_info info;
	unsigned long live;
	int i;

	for (i = 0; i < cache->nr_nodes; i++) {
		smm_kmem_cache_node_info(cache, i, &info);
		live = info.inuse - info.nr_quarantined;
		if (live)
			pr_err("%s: cache %s: node %d (nid %d): %lu objects allocated, in %lu full and %lu partial slabs\n",
			       pool->name, cache->name, i, pool->zones.nodes[i].nid, live,
			       info.nr_full, info.nr_partial);
	}
}

/**
 * smm_kmem_cache_destroy() - destroy a cache with no live objects
 * @cache: the cache, or NULL
 *
 * A cache that still has allocated objects is not destroyed: the refusal
 * is logged with the cache's name and, for each node that has some, the
 * number of objects and the slabs holding them.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EBUSY when objects are still allocated.
 */
int smm_kmem_cache_destroy(struct smm_kmem_cache *cache)
{
	struct smm_slab_node_info info;
	struct smm_pool *pool;
	unsigned long live;

	if (!cache)
		return 0;
	pool = cache->pool;
	cpus_read_lock();
	mutex_lock(&pool->slab.mutex);
	__smm_kmem_cache_drain(cache);
	smm_cache_totals(cache, &info, false);
	live = info.inuse - info.nr_quarantined;
	if (live) {
		pr_err("%s: cache %s still has %lu objects allocated: not destroyed\n",
		       pool->name, cache->name, live);
		smm_cache_report_live(cache);
		mutex_unlock(&pool->slab.mutex);
		cpus_read_unlock();
		return -EBUSY;
	}
	list_del(&cache->list);
	mutex_unlock(&pool->slab.mutex);
	cpus_read_unlock();
	smm_cache_free_all(cache);
	return 0;
}
SMM_EXPORT(smm_kmem_cache_destroy);

/*
 * Shrink every cache: each CPU flushes all its arrays in one go, then every
 * cache gives its free slabs back.  Count the slabs in *@slabs if asked.
 */
static unsigned long __smm_slab_shrink_all(struct smm_pool *pool, unsigned long *slabs)
{
	struct smm_kmem_cache *cache;
	unsigned long n = 0, s = 0;

	cpus_read_lock();
	mutex_lock(&pool->slab.mutex);
	smm_slab_drain_pool(pool);
	list_for_each_entry(cache, &pool->slab.caches, list) {
		unsigned long k = smm_cache_release_free(cache);

		s += k;
		n += k << cache->order;
	}
	mutex_unlock(&pool->slab.mutex);
	cpus_read_unlock();
	if (slabs)
		*slabs = s;
	return n;
}

/**
 * smm_slab_shrink_all() - give every cache's free slabs back to the buddy
 * @pool: the pool
 *
 * Context: Process context, may sleep.
 * Return: the number of frames given back.
 */
unsigned long smm_slab_shrink_all(struct smm_pool *pool)
{
	return __smm_slab_shrink_all(pool, NULL);
}
SMM_EXPORT(smm_slab_shrink_all);

/**
 * smm_slab_shrink_pressure() - smm_slab_shrink_all() for memory pressure
 * @pool: the pool
 *
 * The same, with the slabs given back counted in slabs_shrunk_pressure:
 * the pressure work and kswapd both come here, whichever runs first.
 *
 * Context: Process context, may sleep.
 * Return: the number of frames given back.
 */
unsigned long smm_slab_shrink_pressure(struct smm_pool *pool)
{
	unsigned long slabs, frames;

	frames = __smm_slab_shrink_all(pool, &slabs);
	if (slabs)
		smm_count_events(pool, SMM_SLABS_SHRUNK_PRESSURE, slabs);
	return frames;
}
SMM_EXPORT(smm_slab_shrink_pressure);

/* The pool's shrink work: what memory pressure asked for. */
static void smm_slab_pressure_fn(struct work_struct *work)
{
	smm_slab_shrink_pressure(container_of(work, struct smm_pool, slab.shrink_work));
}

/**
 * smm_slab_note_pressure() - a zone of the pool fell below its low watermark
 * @pool: the pool
 *
 * Queues the pool's shrink work when slabs hold frames; the work gives
 * every cache's free slabs back to the buddy.  Nothing is shrunk here: the
 * caller may hold slab locks.
 *
 * Context: Any context.
 */
void smm_slab_note_pressure(struct smm_pool *pool)
{
	if (READ_ONCE(pool->slab.pressure_on) && atomic_long_read(&pool->slab.nr_pages))
		queue_work(system_unbound_wq, &pool->slab.shrink_work);
}
SMM_EXPORT(smm_slab_note_pressure);

/**
 * smm_slab_pages() - frames held by slabs of every cache
 * @pool: the pool
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_slab_pages(struct smm_pool *pool)
{
	return atomic_long_read(&pool->slab.nr_pages);
}
SMM_EXPORT(smm_slab_pages);

/*
 * A CPU is dead: nobody will use its arrays, so flush them to the slabs.
 * Runs in the hotplug control task, which holds cpu_hotplug_lock for
 * writing: pool->slab.mutex inside it, as in every drain
 * (include/shadowmm/pool.h).
 */
static int smm_slab_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct smm_pool *pool = hlist_entry(node, struct smm_pool, slab.cpuhp_node);

	mutex_lock(&pool->slab.mutex);
	smm_slab_drain_dead_cpu(pool, cpu);
	mutex_unlock(&pool->slab.mutex);
	return 0;
}

/**
 * smm_slab_subsys_init() - set up the CPU-hotplug state all pools share
 *
 * Context: Process context, module init.
 * Return: 0 or a negative errno.
 */
int smm_slab_subsys_init(void)
{
	int ret;

	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "shadowmm/slab:dead",
				      NULL, smm_slab_cpu_dead);
	if (ret < 0)
		return ret;
	smm_slab_hp_state = ret;
	return 0;
}

/**
 * smm_slab_subsys_exit() - remove the CPU-hotplug state
 *
 * Context: Process context, module exit; every pool is gone.
 */
void smm_slab_subsys_exit(void)
{
	cpuhp_remove_multi_state(smm_slab_hp_state);
}

/* Does any node of @pool have frames in its DMA zone? */
static bool smm_pool_has_dma(struct smm_pool *pool)
{
	int i;

	for (i = 0; i < pool->zones.nr_nodes; i++)
		if (smm_zone_populated(&pool->zones.nodes[i].zones[SMM_ZONE_DMA]))
			return true;
	return false;
}

/*
 * Make one set of kmalloc caches, named as the kernel's in /proc/slabinfo
 * (kmalloc-64, dma-kmalloc-64).  Return 0 or -ENOMEM; the caller destroys
 * what was made.
 */
static int smm_kmalloc_caches_create(struct smm_pool *pool, enum smm_kmalloc_type type)
{
	const char *prefix = type == SMM_KMALLOC_DMA ? "dma-" : "";
	unsigned int flags = type == SMM_KMALLOC_DMA ? SMM_SLAB_CACHE_DMA : 0;
	char name[SMM_SLAB_NAME_LEN];
	struct smm_kmem_cache *cache;
	int i;

	for (i = 0; i < SMM_KMALLOC_NR; i++) {
		unsigned int size = smm_kmalloc_sizes[i];
		/*
		 * The largest power of two dividing the size, at most a page
		 * (the kernel's kmalloc guarantee: 96 is 32-aligned), which
		 * the stride alone gives only without red zones.
		 */
		unsigned int align = min_t(unsigned int, 1U << __ffs(size), PAGE_SIZE);

		if (size >= 1024)
			snprintf(name, sizeof(name), "%skmalloc-%uk", prefix, size / 1024);
		else
			snprintf(name, sizeof(name), "%skmalloc-%u", prefix, size);
		cache = smm_kmem_cache_create(pool, name, size, align, flags, NULL);
		if (!cache)
			return -ENOMEM;
		cache->flags |= SMM_SLAB_KMALLOC;
		pool->slab.kmalloc_caches[type][i] = cache;
	}
	return 0;
}

/**
 * smm_slab_pool_init() - set up a pool's cache list and kmalloc caches
 * @pool: the pool being created, its zones built
 *
 * A pool without a DMA zone gets no dma-kmalloc caches: SMM_GFP_DMA
 * kmallocs fail there, as a DMA allocation must not get memory from
 * another zone.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM or the CPU-hotplug errno (nothing is left behind).
 */
int smm_slab_pool_init(struct smm_pool *pool)
{
	int ret;

	mutex_init(&pool->slab.mutex);
	INIT_LIST_HEAD(&pool->slab.caches);
	atomic_long_set(&pool->slab.nr_pages, 0);
	INIT_WORK(&pool->slab.shrink_work, smm_slab_pressure_fn);
	WRITE_ONCE(pool->slab.pressure_on, true);
	ret = smm_kmalloc_caches_create(pool, SMM_KMALLOC_NORMAL);
	if (!ret && smm_pool_has_dma(pool))
		ret = smm_kmalloc_caches_create(pool, SMM_KMALLOC_DMA);
	if (ret) {
		smm_slab_pool_destroy(pool);
		return ret;
	}
	/* Last: from here on a dead CPU's arrays are flushed. */
	ret = cpuhp_state_add_instance_nocalls(smm_slab_hp_state, &pool->slab.cpuhp_node);
	if (ret) {
		smm_slab_pool_destroy(pool);
		return ret;
	}
	pool->slab.hotplug = true;
	return 0;
}

/**
 * smm_slab_pool_destroy() - destroy every cache of a pool
 * @pool: the pool being destroyed
 *
 * The kmalloc caches go in the reverse order of their creation, the DMA
 * set first.  Caches its users left behind, or with objects still
 * allocated, are reported and freed anyway, so the pool gets all its
 * frames back.
 *
 * Context: Process context, may sleep.
 */
void smm_slab_pool_destroy(struct smm_pool *pool)
{
	struct smm_kmem_cache *cache, *next;
	int type, i;

	/* First, the reverse of the last step of smm_slab_pool_init(). */
	if (pool->slab.hotplug) {
		cpuhp_state_remove_instance_nocalls(smm_slab_hp_state,
						    &pool->slab.cpuhp_node);
		pool->slab.hotplug = false;
	}
	/* No new shrink work from here on, and none left running. */
	WRITE_ONCE(pool->slab.pressure_on, false);
	cancel_work_sync(&pool->slab.shrink_work);
	for (type = SMM_KMALLOC_NR_TYPES - 1; type >= 0; type--) {
		for (i = SMM_KMALLOC_NR - 1; i >= 0; i--) {
			cache = pool->slab.kmalloc_caches[type][i];
			if (!cache)
				continue;
			pool->slab.kmalloc_caches[type][i] = NULL;
			if (smm_kmem_cache_destroy(cache)) {
				mutex_lock(&pool->slab.mutex);
				list_del(&cache->list);
				mutex_unlock(&pool->slab.mutex);
				smm_cache_free_all(cache);
			}
		}
	}
	cpus_read_lock();
	mutex_lock(&pool->slab.mutex);
	list_for_each_entry_safe_reverse(cache, next, &pool->slab.caches, list) {
		pr_err("%s: cache %s was not destroyed before its pool (%lu objects allocated)\n",
		       pool->name, cache->name, smm_kmem_cache_inuse(cache));
		__smm_kmem_cache_drain(cache);
		smm_cache_report_live(cache);
		list_del(&cache->list);
		smm_cache_free_all(cache);
	}
	mutex_unlock(&pool->slab.mutex);
	cpus_read_unlock();
	mutex_destroy(&pool->slab.mutex);
}
