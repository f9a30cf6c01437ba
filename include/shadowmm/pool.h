/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct smm_pool: one complete shadow memory manager (module/pool.c).
 * The live device has one; every KUnit test builds a small private one.
 */

/*
 * Lock order of shadowmm: the one list for the whole module, which the
 * notes in the files point to.  Indentation is nesting: a lock is taken
 * while holding none, some or all of the locks above it on its own path,
 * and never while holding one below it.  Locks of the kernel appear where
 * shadowmm takes them or the kernel calls into shadowmm holding them.
 *
 * smm_knob_sets_lock		(debugfs.c; another module's knob runs
 *				 under it and allocates: smm_slab_cpu.lock
 *				 and what nests in it)
 * pool->compact.lock		(compaction.c, a mutex: one compaction run
 *				 of the pool at a time; taken under none of
 *				 shadowmm's locks, and a run takes, one
 *				 after the other, what the LRU drain, the
 *				 per-CPU drain, the buddy and a migration
 *				 (below) take)
 * pool->objects.pinned_walk	(object.c, a mutex: a walk of the pinned
 *				 list or the quarantine that lets go of
 *				 pinned_lock a batch at a time, and every
 *				 taking of frames off the pinned list;
 *				 taken under none of shadowmm's locks, and
 *				 only pinned_lock, a leaf, under it)
 * misc_mtx			(the kernel's, around ->open, which makes an
 *				 object: smm_kmem_reserve.lock and what
 *				 nests in it, pool->objects.lock)
 * inode->i_rwsem		(of an object; file.c: read, write and the
 *				 ioctls that change contents or the limit)
 *   mm->mmap_lock		(faults, or the vma's own lock in its place,
 *				 under which a fault only tries for the
 *				 mmap_lock, to resync its tree in vma.c;
 *				 mmap and the vm_ops callbacks, vma walks;
 *				 under i_rwsem when a user copy faults, and
 *				 no fault takes i_rwsem; validate only tries
 *				 for it, for writing, under the seq_file's
 *				 lock, as a read()'s own copy faults take it)
 *     smm_vma_tree.reap_lock	(vma.c, a mutex: one reap of a tree at a
 *				 time, under its mm's mmap_lock held either
 *				 way; the tree's lock, a leaf, and frees of
 *				 descriptors under it.  A new tree's mmu
 *				 notifier registration takes the kernel's
 *				 mm_all_locks_mutex and every lock of the
 *				 mm's vmas under the mmap_lock, with none of
 *				 shadowmm's held)
 *     smm_kernel_drain_lock	(object.c: the kernel's per-CPU batches;
 *				 never held with a reserve's lock, and no
 *				 cpu_hotplug_lock under it, as the kernel's
 *				 lru_add_drain_all() takes none)
 *     smm_kmem_reserve.lock	(kmalloc.c: a metadata cache made on first
 *				 use, and kept when its mempool fails)
 *       cpu_hotplug_lock	(cpus_read_lock(); the hotplug thread holds
 *				 it for writing around every CPU-dead
 *				 callback, pcp.c's and slab_common.c's.
 *				 The kernel takes it before mmap_lock
 *				 (cpuset's attach), so shadowmm takes it
 *				 under none of its locks nor mmap_lock: it
 *				 is listed here for the locks nested in it,
 *				 which are taken here without it)
 *         pool->slab.mutex
 *           smm_slab_cpu.lock	(a local lock; a slab.mutex holder
 *				 waits for work_on_cpu() to take it there)
 *             smm_kmem_cache_node.lock	(one node of one cache at
 *				 a time)
 *               the kernel's stack depot	(owner tracking keeps
 *				 stacks: its pool lock, and a page from the
 *				 kernel's page allocator with GFP_NOWAIT)
 *             smm_pcp.lock	(a slab grows and goes back to the buddy
 *				 with no node lock held)
 *               smm_zone.lock	(one zone at a time)
 *         smm_lru_batch.lock	(the CPU-dead callback drains the dead
 *				 CPU's batches: smm_lruvec.lock, below)
 *     folio lock		(of an object page: one at a time, never
 *				 waited for under a spinlock, only tried by
 *				 reclaim and kcompactd; the knob's
 *				 compaction waits for it, killably, under
 *				 pool->compact.lock alone; no frame of the
 *				 pool is allocated or freed under it.  A
 *				 migration also holds the new page's, which
 *				 it locked before anyone could see the page
 *				 and which nobody waits for while holding
 *				 another: evict.c)
 *       mapping->i_mmap_rwsem	(evict.c: the young ptes lru.c's check
 *				 reads, the unmap; object.c: the unmap
 *				 before a PMD-sized folio is split)
 *         page table locks
 *       smm_swap_ctx.lock	(the compressed store: one CPU's
 *				 compressor, never two at a time)
 *       the swap file's locks	(its file system's, in kernel_read();
 *				 no lock of the store.  A write waits,
 *				 killably, for the store's worker, which
 *				 takes them holding nothing of shadowmm's,
 *				 then swap->lock, a leaf)
 *       smm_lru_batch.lock	(this CPU's; another CPU's only to drain it)
 *         smm_lruvec.lock	(one node's at a time)
 *       i_pages xa_lock	(interrupts off: the kernel takes it in
 *				 interrupt context; smm_object_lock())
 *         obj->shadows xa_lock	(interrupts off, as it nests in i_pages;
 *				 also taken alone: evict.c's reservation,
 *				 xa_destroy() of a dead object)
 * pool->tune_lock		(a mutex, taken under none of the locks
 *				 above but smm_knob_sets_lock and the
 *				 sleeping ones; the only lock of shadowmm
 *				 taken under it:)
 *   smm_lruvec.lock		(every node's, in node order, with
 *				 spin_lock_nest_lock(): smm_lru_set_policy()
 *				 switching the policy, the one place two
 *				 nodes' LRU locks are held together)
 *
 * Leaves: pool->objects.lock,
 * smm_vma_tree.lock, pool->objects.pinned_lock, pool->vmas.lock,
 * obj->size_lock, obj->window.lock and swap->lock.  They may be taken
 * under the sleeping locks above (a tree's lock under its mm's mmap_lock
 * or, in a fault, the vma's own lock in its place, or alone once its mm or
 * its pool goes, and in a fault then also
 * under the folio lock of the page faulted in; size_lock, window.lock and
 * swap->lock also under the folio lock), never under a spinlock of shadowmm, and nothing of
 * shadowmm's is taken under them:
 * pool->objects.lock and a tree's lock cover only the kernel's
 * inode->i_lock, in igrab().  No two of them are held together;
 * pool->vmas.lock, in particular, never with a tree's lock.
 *
 * No lock of shadowmm is taken in interrupt context; only the two xarray
 * locks are taken with interrupts off.  In shadowmm_bench.ko,
 * smm_bench_lock is held while a run's kthread takes what the allocators
 * take: an ordering lockdep does not see, since the holder only waits.
 */

#ifndef _SHADOWMM_POOL_H
#define _SHADOWMM_POOL_H

#include <linux/mutex.h>
#include <linux/percpu.h>

#include <shadowmm/compaction.h>
#include <shadowmm/fault_window.h>
#include <shadowmm/lru.h>
#include <shadowmm/object.h>
#include <shadowmm/pcp.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/region.h>
#include <shadowmm/slab.h>
#include <shadowmm/stats.h>
#include <shadowmm/swap.h>
#include <shadowmm/vma.h>
#include <shadowmm/walk.h>
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
 * @lru_policy:		the reclaim policy it starts with (0: classic)
 * @slab_debug:		SMM_SLAB_* debug flags every slab cache of the pool
 *			gets (the live pool: the slab_debug parameter)
 * @kcompactd:		start a kcompactd thread per node (the live pool);
 *			without, compaction runs only when asked for
 */
struct smm_pool_config {
	const char *name;
	struct smm_region_config region;
	unsigned int zone_split[SMM_NR_ZONE_TYPES];
	unsigned long min_free_kbytes;
	unsigned int watermark_scale_factor;
	struct smm_swap_config swap;
	enum smm_lru_policy_id lru_policy;
	unsigned int slab_debug;
	bool kcompactd;
};

/**
 * struct smm_pool - a shadow memory manager: its region, then one part per
 * subsystem, each defined in that subsystem's header
 * @name:	for messages
 * @region:	its memory
 * @mappable:	its frames can be mapped to user space (they have struct
 *		pages in the kernel's direct map)
 * @tune_lock:	serialises changes of the tunables (zones' watermarks and
 *		pcp high/batch, min_free_kbytes, watermark_scale_factor, the
 *		LRU batch size, the reclaim policy)
 * @events:	per-CPU event counters
 * @zones:	nodes, zones and buddy lists (zone.h)
 * @pcp:	the per-CPU lists' hotplug instance (pcp.h)
 * @slab:	slab caches and kmalloc (slab.h)
 * @objects:	memory objects and frames pinned after leaving one (object.h)
 * @vmas:	each process's shadow VMA tree (vma.h)
 * @lru:	per-CPU LRU batches (lru.h)
 * @reclaim:	the kswapd threads (reclaim.h)
 * @swap:	the backing store evicted object pages go to (swap.h)
 * @workingset:	refault bookkeeping and shadow trimming (workingset.h)
 * @fault_window: the fault_window knob (fault_window.h)
 * @compact:	compaction and the kcompactd threads (compaction.h)
 */
struct smm_pool {
	const char *name;
	struct smm_region region;
	bool mappable;
	struct mutex tune_lock;
	struct smm_events __percpu *events;
	struct smm_pool_zones zones;
	struct smm_pool_pcp pcp;
	struct smm_pool_slab slab;
	struct smm_pool_objects objects;
	struct smm_pool_vmas vmas;
	struct smm_pool_lru lru;
	struct smm_pool_reclaim reclaim;
	struct smm_swap swap;
	struct smm_pool_workingset workingset;
	struct smm_pool_fault_window fault_window;
	struct smm_pool_compact compact;
};

int smm_pool_create(const struct smm_pool_config *cfg, struct smm_pool **poolp);
void smm_pool_destroy(struct smm_pool *pool);
unsigned int smm_pool_validate(struct smm_pool *pool, struct smm_report *r);
int smm_pool_set_watermark_scale_factor(struct smm_pool *pool, unsigned int wsf);
unsigned long smm_pool_max_min_free_kbytes(struct smm_pool *pool);
int smm_pool_set_min_free_kbytes(struct smm_pool *pool, unsigned long kbytes);
unsigned long smm_pool_free_pages(struct smm_pool *pool);
unsigned long smm_pool_managed_pages(struct smm_pool *pool);

#define for_each_smm_zone(pool, zone, i)				\
	for ((i) = 0; (i) < (pool)->zones.nr_nodes * SMM_NR_ZONE_TYPES && \
		      ((zone) = (pool)->zones.table[i], 1); (i)++)

static inline struct smm_zone *smm_page_zone(struct smm_pool *pool,
					     const struct smm_page *page)
{
	return pool->zones.table[smm_page_zone_id(page)];
}

/* The kernel's struct page of a frame (of an object page: its folio). */
static inline struct page *smm_frame_struct_page(struct smm_pool *pool,
						 struct smm_page *frame)
{
	return pfn_to_page(smm_sfn_pfn(&pool->region,
				       smm_page_sfn(&pool->region, frame)));
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
