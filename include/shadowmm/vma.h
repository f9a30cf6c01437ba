/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow VMAs (module/vma.c): per process, a tree of descriptors of its
 * mappings of shadowmm objects, keyed by start address, with a last-lookup
 * cache as find_vma() has.  The kernel's callbacks (mmap, and the
 * vm_operations open on fork, split and mremap, and may_split) keep it in
 * step, a reaper frees the descriptors whose vma went, and an mmu notifier
 * frees the tree as its mm goes (the module has no ->close: see
 * module/vma.c).
 */
#ifndef _SHADOWMM_VMA_H
#define _SHADOWMM_VMA_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <shadowmm/object.h>
#include <shadowmm/slab.h>

struct smm_pool;
struct smm_report;
struct seq_file;
struct vm_fault;
struct smm_vma_tree;

/**
 * struct smm_vma - shadow descriptor of one mapping
 * @rb:		in its tree, keyed by @start
 * @start:	first address
 * @end:	one past the last address
 * @pgoff:	page offset in the object of @start
 * @flags:	the kernel vma's vm_flags
 * @vma:	the kernel's vma it shadows (NULL in a bare tree)
 * @obj:	the object mapped (NULL in a bare tree)
 * @tree:	the tree it is in, NULL while in none
 * @resync:	links it while a resync moves it, or in the tree's limbo
 * @reap_gen:	the tree's reap_gen when the last reap found its vma
 * @faults:	faults taken through this mapping, by enum smm_fault_kind
 *
 * @rb, @start, @end, @pgoff, @flags and @resync are under the tree's
 * lock, @reap_gen under its reap_lock.  @vma is compared, never followed,
 * until a reap or a walk of the mm's vmas found it still there: the
 * kernel frees a vma without telling the module.
 */
struct smm_vma {
	struct rb_node rb;
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	unsigned long flags;
	struct vm_area_struct *vma;
	struct smm_object *obj;
	struct smm_vma_tree *tree;
	struct list_head resync;
	unsigned long reap_gen;
	atomic_long_t faults[SMM_NR_FAULT_KINDS];
};

/**
 * struct smm_vma_tree - one process's shadow mappings
 * @root:	descriptors by start address
 * @cache:	the last descriptor a lookup found
 * @lock:	protects @root, @cache, @nr, @limbo, @nr_limbo, @reap_at,
 *		@walk_hold_max and the ranges of the members
 * @nr:		descriptors in @root
 * @limbo:	descriptors taken out of @root's order because their vma
 *		could not be found where they said: gone, or moved by
 *		changes the kernel made silently; the next reap decides
 * @nr_limbo:	descriptors in @limbo
 * @reap_lock:	one reap of the tree at a time (taken under the mm's
 *		mmap_lock, which may be held for reading); protects
 *		@reap_gen and the members' reap_gen
 * @reap_gen:	counts the reaps
 * @reap_at:	@nr + @nr_limbo at which a new mapping reaps first
 * @lookups:	lookups through @cache (for its hit rate; a live tree
 *		also counts them in vmstat vmacache_find_calls)
 * @cache_hits:	of which answered by @cache (vmacache_find_hits)
 * @walk_hold_max: the most descriptors and vmas validate looked at under
 *		one hold of @lock (its walk lets go every SMM_WALK_BATCH)
 * @mm:		the address space (a counted mm_count reference), or NULL
 *		for a bare tree
 * @pool:	its pool (NULL for a bare tree)
 * @hnode:	in the pool's hash of trees by mm (written under
 *		pool->vmas.lock, read under RCU by faults)
 * @mn:		on @mm: its release frees the tree as the mm goes, and it
 *		frees the tree once put; unregistered (ops NULL) when the
 *		registration failed, and then smm_vma_reap_dead() frees the
 *		tree once its mm has no users
 * @ref:	one for being in the hash, one per reader walking it
 * @rcu:	frees it a grace period after the last reference, for faults
 *		that found it in the hash without pool->vmas.lock
 */
struct smm_vma_tree {
	struct rb_root root;
	struct smm_vma *cache;
	spinlock_t lock;
	unsigned long nr;
	struct list_head limbo;
	unsigned long nr_limbo;
	struct mutex reap_lock;
	unsigned long reap_gen;
	unsigned long reap_at;
	unsigned long lookups;
	unsigned long cache_hits;
	unsigned int walk_hold_max;
	struct mm_struct *mm;
	struct smm_pool *pool;
	struct hlist_node hnode;
	struct mmu_notifier mn;
	struct kref ref;
	struct rcu_head rcu;
};

/**
 * struct smm_pool_vmas - a pool's shadow VMA trees
 * @lock:	protects @trees, @nr_unnotified and @reap_bkt (never held with a
 *		tree's own lock)
 * @trees:	each process's shadow VMA tree, hashed by mm
 * @nr_unnotified: trees in @trees with no mmu notifier (see struct
 *		smm_vma_tree's @mn)
 * @reap_bkt:	the bucket of @trees kswapd's next reap of idle trees starts
 *		from (smm_vma_reap_idle())
 * @nr_notified: trees whose mmu notifier is registered and not yet freed
 *		(in @trees or not): the pool's end waits for it to reach 0
 * @reserve:	the slab cache shadow VMA descriptors come from, with
 *		descriptors set aside for when the region is empty; made on
 *		the first mapping
 */
struct smm_pool_vmas {
	spinlock_t lock;
	DECLARE_HASHTABLE(trees, 6);
	unsigned long nr_unnotified;
	unsigned int reap_bkt;
	atomic_t nr_notified;
	struct smm_kmem_reserve reserve;
};

/* The tree alone: what the callbacks below are made of (and KUnit tests). */
void smm_vma_tree_init(struct smm_vma_tree *tree);
int smm_vma_tree_insert(struct smm_vma_tree *tree, struct smm_vma *v);
void smm_vma_tree_erase(struct smm_vma_tree *tree, struct smm_vma *v);
struct smm_vma *smm_vma_tree_find(struct smm_vma_tree *tree, unsigned long addr);
struct smm_vma *smm_vma_tree_search(struct smm_vma_tree *tree, unsigned long addr);
void smm_vma_tree_split(struct smm_vma_tree *tree, struct smm_vma *v,
			unsigned long addr, struct smm_vma *new, bool new_below);
int smm_vma_tree_unmap(struct smm_vma_tree *tree, unsigned long start,
		       unsigned long end, struct smm_vma **spare,
		       struct smm_vma **removed, unsigned int max_removed);
struct smm_vma *smm_vma_tree_first(struct smm_vma_tree *tree);
struct smm_vma *smm_vma_tree_next(struct smm_vma *v);

/* Tracking the kernel's vmas. */
int smm_vma_mmap(struct smm_pool *pool, struct smm_object *obj,
		 struct vm_area_struct *vma);
void smm_vma_open(struct vm_area_struct *vma);
void smm_vma_reap_dead(struct smm_pool *pool);
unsigned long smm_vma_reap_idle(struct smm_pool *pool);
int smm_vma_may_split(struct vm_area_struct *vma, unsigned long addr);
bool smm_vma_count_fault(struct smm_pool *pool, struct vm_fault *vmf,
			 enum smm_fault_kind kind);

void smm_vma_pool_init(struct smm_pool *pool);
void smm_vma_pool_destroy(struct smm_pool *pool);
int smm_vma_print(struct seq_file *m, struct smm_pool *pool);
unsigned int smm_vma_validate(struct smm_pool *pool, struct smm_report *r);

#endif /* _SHADOWMM_VMA_H */
