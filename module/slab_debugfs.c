// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the slab allocator's debugfs files.
 *
 * The live pool (only it: KUnit pools never get files) has a slab/<cache>/
 * directory for each cache, made and removed with the cache, the
 * dma-kmalloc-N caches of a pool with a DMA zone among them: errors (the
 * faults the cache detected, and the objects it quarantined); slabs,
 * partial, free_slabs, objects, total_objects and cache_dma in the format
 * of SLUB's sysfs files of those names, so its habits and scripts work
 * here; and, when the cache tracks owners, alloc_traces and free_traces
 * as SLUB's.
 * The rows of the pool's slabinfo file (module/debugfs.c) are printed here
 * too.  Every file reads the caches under their node locks or through
 * their counters, and none changes them.
 */

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>

/* One distinct caller in alloc_traces or free_traces. */
struct smm_slab_loc {
	unsigned long addr;
	unsigned long count;
	unsigned long sum_age;
	unsigned long min_age;
	unsigned long max_age;
	int min_pid;
	int max_pid;
	unsigned long cpus[];
};

#define SMM_SLAB_TRACE_MAX	512	/* distinct callers shown per file */

static size_t smm_slab_loc_size(void)
{
	return sizeof(struct smm_slab_loc) + BITS_TO_LONGS(nr_cpu_ids) * sizeof(long);
}

/* Count one owner record into the table of @n entries; return the new n. */
static unsigned int smm_slab_loc_add(void *table, unsigned int n,
				     const struct smm_slab_track *t)
{
	size_t stride = smm_slab_loc_size();
	unsigned long age = jiffies - t->when;
	struct smm_slab_loc *l;
	unsigned int i;

	for (i = 0; i < n; i++) {
		l = table + i * stride;
		if (l->addr == t->addr)
			goto found;
	}
	if (n == SMM_SLAB_TRACE_MAX)
		return n;
	l = table + n++ * stride;
	l->addr = t->addr;
	l->min_age = age;
	l->min_pid = t->pid;
	l->max_pid = t->pid;
found:
	l->count++;
	l->sum_age += age;
	l->min_age = min(l->min_age, age);
	l->max_age = max(l->max_age, age);
	l->min_pid = min(l->min_pid, t->pid);
	l->max_pid = max(l->max_pid, t->pid);
	if (t->cpu >= 0 && t->cpu < nr_cpu_ids)
		__set_bit(t->cpu, l->cpus);
	return n;
}

/*
 * alloc_traces / free_traces in the format of SLUB's files of that name:
 * one line per distinct caller with the number of objects, the caller,
 * the age of the records in jiffies (min/avg/max), the pids and the CPUs.
 * Every object that remembers an allocation (or a free) counts, whether
 * it is allocated now or free again.
 */
static int smm_slab_traces_show(struct seq_file *m, bool free)
{
	static const char * const lists[] = { "full", "partial", "free" };
	struct smm_kmem_cache *cache = m->private;
	size_t stride = smm_slab_loc_size();
	unsigned int n = 0, i, l;
	struct smm_page *slab;
	void *table;
	int nid;

	table = kvzalloc(SMM_SLAB_TRACE_MAX * stride, GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (nid = 0; nid < cache->nr_nodes; nid++) {
		struct smm_kmem_cache_node *node = &cache->node[nid];

		spin_lock(&node->lock);
		for (l = 0; l < ARRAY_SIZE(lists); l++) {
			struct list_head *head = l == 0 ? &node->slabs_full :
						 l == 1 ? &node->slabs_partial : &node->slabs_free;

			list_for_each_entry(slab, head, lru) {
				void *base = smm_slab_base(cache, slab);

				for (i = 0; i < cache->objs_per_slab; i++) {
					void *obj = smm_slab_obj(cache, base, i);
					struct smm_slab_track *t = smm_obj_track(cache, obj, free);

					if (t->addr)
						n = smm_slab_loc_add(table, n, t);
				}
			}
		}
		spin_unlock(&node->lock);
	}

	if (!n)
		seq_puts(m, "No data\n");
	for (i = 0; i < n; i++) {
		struct smm_slab_loc *loc = table + i * stride;

		seq_printf(m, "%7lu %pS age=%lu/%lu/%lu ", loc->count, (void *)loc->addr,
			   loc->min_age, loc->sum_age / loc->count, loc->max_age);
		if (loc->min_pid == loc->max_pid)
			seq_printf(m, "pid=%d", loc->min_pid);
		else
			seq_printf(m, "pid=%d-%d", loc->min_pid, loc->max_pid);
		seq_printf(m, " cpus=%*pbl\n", nr_cpu_ids, loc->cpus);
	}
	kvfree(table);
	return 0;
}

static int smm_alloc_traces_show(struct seq_file *m, void *v)
{
	return smm_slab_traces_show(m, false);
}
DEFINE_SHOW_ATTRIBUTE(smm_alloc_traces);

static int smm_free_traces_show(struct seq_file *m, void *v)
{
	return smm_slab_traces_show(m, true);
}
DEFINE_SHOW_ATTRIBUTE(smm_free_traces);

/* errors: the faults the cache detected, and the objects quarantined. */
static int smm_cache_errors_show(struct seq_file *m, void *v)
{
	static const char * const names[SMM_SLAB_NR_ERRORS] = {
		[SMM_SLAB_ERR_DOUBLE_FREE] = "double_free",
		[SMM_SLAB_ERR_INVALID_FREE] = "invalid_free",
		[SMM_SLAB_ERR_REDZONE] = "red_zone",
		[SMM_SLAB_ERR_POISON] = "poison",
	};
	struct smm_kmem_cache *cache = m->private;
	int i;

	for (i = 0; i < SMM_SLAB_NR_ERRORS; i++)
		seq_printf(m, "%s %lu\n", names[i], smm_kmem_cache_errors(cache, i));
	seq_printf(m, "quarantined %lu\n", smm_kmem_cache_quarantined(cache));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_errors);

/* cache_dma: 1 when the cache's slabs come from the DMA zone only, as SLUB's. */
static int smm_cache_dma_show(struct seq_file *m, void *v)
{
	struct smm_kmem_cache *cache = m->private;

	seq_printf(m, "%d\n", !!(cache->flags & SMM_SLAB_CACHE_DMA));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_dma);

/* What the per-node files of a cache's directory count. */
enum smm_node_stat {
	SMM_NODE_SLABS,
	SMM_NODE_PARTIAL,
	SMM_NODE_FREE_SLABS,
	SMM_NODE_OBJECTS,
	SMM_NODE_TOTAL_OBJECTS,
};

static unsigned long smm_node_stat_value(struct smm_kmem_cache *cache,
					 const struct smm_slab_node_info *info,
					 enum smm_node_stat kind)
{
	switch (kind) {
	case SMM_NODE_SLABS:
		return info->nr_slabs;
	case SMM_NODE_PARTIAL:
		return info->nr_partial;
	case SMM_NODE_FREE_SLABS:
		return info->nr_free_slabs;
	case SMM_NODE_OBJECTS:
		return info->inuse;
	default:
		return info->nr_slabs * cache->objs_per_slab;
	}
}

/*
 * slabs, partial, free_slabs, objects, total_objects: in the format of
 * SLUB's sysfs files of those names, the total, then " N<nid>=<count>"
 * for each node (by real NUMA node id) whose count is not 0.  The total is
 * the sum of the nodes' counts, each read under its node's lock.
 */
static int smm_cache_node_stat_show(struct seq_file *m, enum smm_node_stat kind)
{
	struct smm_kmem_cache *cache = m->private;
	struct smm_slab_node_info info;
	unsigned long *val, total = 0;
	int i;

	val = kcalloc(cache->nr_nodes, sizeof(*val), GFP_KERNEL);
	if (!val)
		return -ENOMEM;
	for (i = 0; i < cache->nr_nodes; i++) {
		smm_kmem_cache_node_info(cache, i, &info);
		val[i] = smm_node_stat_value(cache, &info, kind);
		total += val[i];
	}
	seq_printf(m, "%lu", total);
	for (i = 0; i < cache->nr_nodes; i++)
		if (val[i])
			seq_printf(m, " N%d=%lu", cache->pool->zones.nodes[i].nid, val[i]);
	seq_putc(m, '\n');
	kfree(val);
	return 0;
}

static int smm_cache_slabs_show(struct seq_file *m, void *v)
{
	return smm_cache_node_stat_show(m, SMM_NODE_SLABS);
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_slabs);

static int smm_cache_partial_show(struct seq_file *m, void *v)
{
	return smm_cache_node_stat_show(m, SMM_NODE_PARTIAL);
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_partial);

static int smm_cache_free_slabs_show(struct seq_file *m, void *v)
{
	return smm_cache_node_stat_show(m, SMM_NODE_FREE_SLABS);
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_free_slabs);

static int smm_cache_objects_show(struct seq_file *m, void *v)
{
	return smm_cache_node_stat_show(m, SMM_NODE_OBJECTS);
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_objects);

static int smm_cache_total_objects_show(struct seq_file *m, void *v)
{
	return smm_cache_node_stat_show(m, SMM_NODE_TOTAL_OBJECTS);
}
DEFINE_SHOW_ATTRIBUTE(smm_cache_total_objects);

/**
 * smm_cache_debugfs_add() - give a new cache its slab/<name>/ directory
 * @cache: the cache, on its pool's list
 *
 * Nothing is made when the pool has no slab/ directory (every pool but the
 * live one, or before smm_slab_debugfs_add()).
 *
 * Context: Process context, may sleep; pool->slab.mutex held.
 */
void smm_cache_debugfs_add(struct smm_kmem_cache *cache)
{
	struct smm_pool *pool = cache->pool;
	struct dentry *dir;

	lockdep_assert_held(&pool->slab.mutex);
	if (!pool->slab.debugfs)
		return;
	dir = debugfs_create_dir(cache->name, pool->slab.debugfs);
	if (IS_ERR(dir))
		return;
	cache->debugfs = dir;
	debugfs_create_file("errors", 0400, dir, cache, &smm_cache_errors_fops);
	debugfs_create_file("slabs", 0400, dir, cache, &smm_cache_slabs_fops);
	debugfs_create_file("partial", 0400, dir, cache, &smm_cache_partial_fops);
	debugfs_create_file("free_slabs", 0400, dir, cache, &smm_cache_free_slabs_fops);
	debugfs_create_file("objects", 0400, dir, cache, &smm_cache_objects_fops);
	debugfs_create_file("total_objects", 0400, dir, cache, &smm_cache_total_objects_fops);
	debugfs_create_file("cache_dma", 0400, dir, cache, &smm_cache_dma_fops);
	if (cache->flags & SMM_SLAB_STORE_USER) {
		debugfs_create_file("alloc_traces", 0400, dir, cache, &smm_alloc_traces_fops);
		debugfs_create_file("free_traces", 0400, dir, cache, &smm_free_traces_fops);
	}
}

/**
 * smm_cache_debugfs_remove() - remove a cache's slab/<name>/ directory
 * @cache: the cache, off its pool's list
 *
 * Once this returns no reader is inside one of its files.  Readers take
 * only the cache's node locks, so the caller may hold pool->slab.mutex.
 *
 * Context: Process context, may sleep.
 */
void smm_cache_debugfs_remove(struct smm_kmem_cache *cache)
{
	debugfs_remove_recursive(cache->debugfs);
	cache->debugfs = NULL;
}

/**
 * smm_slab_debugfs_add() - give a pool's caches their debugfs directories
 * @pool: the live pool
 * @parent: where slab/ is made
 *
 * Caches created later get theirs at creation.
 *
 * Context: Process context, may sleep.
 */
void smm_slab_debugfs_add(struct smm_pool *pool, struct dentry *parent)
{
	struct smm_kmem_cache *cache;
	struct dentry *dir;

	dir = debugfs_create_dir("slab", parent);
	if (IS_ERR(dir))
		return;
	mutex_lock(&pool->slab.mutex);
	pool->slab.debugfs = dir;
	list_for_each_entry(cache, &pool->slab.caches, list)
		smm_cache_debugfs_add(cache);
	mutex_unlock(&pool->slab.mutex);
}

/**
 * smm_slab_debugfs_remove() - undo smm_slab_debugfs_add()
 * @pool: the live pool
 *
 * Once this returns no reader is inside a cache's file.
 *
 * Context: Process context, may sleep.
 */
void smm_slab_debugfs_remove(struct smm_pool *pool)
{
	struct smm_kmem_cache *cache;

	mutex_lock(&pool->slab.mutex);
	list_for_each_entry_reverse(cache, &pool->slab.caches, list) {
		debugfs_remove_recursive(cache->debugfs);
		cache->debugfs = NULL;
	}
	debugfs_remove_recursive(pool->slab.debugfs);
	pool->slab.debugfs = NULL;
	mutex_unlock(&pool->slab.mutex);
}

/**
 * smm_slab_print_info() - every cache in the /proc/slabinfo 2.1 format
 * @m: where to print
 * @pool: the pool
 *
 * Each row sums the cache's nodes (its slab/<cache>/ files give them one
 * by one); active_objs does not count objects waiting in the per-CPU
 * arrays; tunables are the per-CPU array's limit and batch.
 *
 * Context: Process context, may sleep.
 */
void smm_slab_print_info(struct seq_file *m, struct smm_pool *pool)
{
	struct smm_kmem_cache *cache;

	seq_puts(m, "slabinfo - version: 2.1\n");
	seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	mutex_lock(&pool->slab.mutex);
	list_for_each_entry(cache, &pool->slab.caches, list) {
		unsigned long slabs, free_slabs, inuse, cached = 0;
		struct smm_slab_node_info info;
		int cpu;

		for_each_possible_cpu(cpu)
			cached += READ_ONCE(per_cpu_ptr(cache->cpu, cpu)->avail);
		smm_cache_totals(cache, &info, false);
		slabs = info.nr_slabs;
		free_slabs = info.nr_free_slabs;
		inuse = info.inuse;
		seq_printf(m, "%-17s %6lu %6lu %6u %4u %4u : tunables %4u %4u %4u : slabdata %6lu %6lu %6u\n",
			   cache->name, inuse - min(cached, inuse),
			   slabs * cache->objs_per_slab, cache->object_size,
			   cache->objs_per_slab, 1U << cache->order, cache->cpu_limit,
			   cache->batch, 0U, slabs - free_slabs, slabs, 0U);
	}
	mutex_unlock(&pool->slab.mutex);
}
