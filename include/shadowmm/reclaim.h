/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reclaim (module/reclaim.c): a kswapd-style kthread per node, woken when
 * an allocation leaves a zone below its low watermark and reclaiming until
 * a zone the allocation could use is above high; direct reclaim for
 * allocations that would go below min and may sleep
 * (SMM_GFP_DIRECT_RECLAIM).  Both shrink the node's inactive list in
 * batches, evicting object pages to the backing store (the LRU decides
 * whether a page is a victim, smm_lru_check_references() in lru.c, and
 * evict.c takes a victim out of its object, smm_object_remove_mapping()),
 * and age the active list by the inactive-ratio rule.
 */
#ifndef _SHADOWMM_RECLAIM_H
#define _SHADOWMM_RECLAIM_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/wait.h>

struct smm_node;
struct smm_pool;
struct smm_zone;
struct task_struct;

#define SMM_RECLAIM_BATCH	32	/* pages isolated at a time (SWAP_CLUSTER_MAX) */
#define SMM_DEF_PRIORITY	12	/* a pass scans at most lru_size >> priority */
#define SMM_KSWAPD_MAX_FAILURES	16	/* passes without progress before kswapd gives up */

/* Bits of smm_kswapd.flags. */
#define SMM_KSWAPD_WOKEN	0	/* a wake is pending */

/**
 * struct smm_kswapd - one node's reclaim thread
 * @task:	the kthread; NULL once stopped
 * @pool:	its pool
 * @node:	its node
 * @wait:	where it sleeps
 * @flags:	SMM_KSWAPD_WOKEN, set by wakers (atomic bit operations)
 * @order:	the largest order asked for since it last woke
 * @highest:	the highest zone type asked for since it last woke
 * @failures:	balance passes in a row that reclaimed nothing; at
 *		SMM_KSWAPD_MAX_FAILURES wakes are ignored until some progress
 *		is noted (smm_reclaim_note_progress())
 * @progress:	bumped by each note of progress; a pass that fails gives
 *		up only when it did not change meanwhile (smm_kswapd_give_up())
 * @running:	balancing now (read by tests and debugfs)
 * @wakeups:	wakes that reached the thread
 *
 * @order and @highest are hints written by wakers with WRITE_ONCE and
 * taken by the thread with xchg(); a lost update only makes one balance
 * pass less exact.
 */
struct smm_kswapd {
	struct task_struct *task;
	struct smm_pool *pool;
	struct smm_node *node;
	wait_queue_head_t wait;
	unsigned long flags;
	unsigned int order;
	int highest;
	atomic_t failures;
	atomic_t progress;
	bool running;
	atomic_long_t wakeups;
};

/**
 * enum smm_evict_result - what became of one isolated page
 * @SMM_EVICT_RECLAIMED:	stored (or dropped), its frame freed
 * @SMM_EVICT_REFERENCED:	kept on the inactive list: young once (now marked
 *				referenced), or its second chance (bit cleared)
 *				(SMM_LRUREF_KEEP)
 * @SMM_EVICT_ACTIVATE:		young while already referenced: a second access
 *				seen on the inactive list, so it goes active
 *				(SMM_LRUREF_ACTIVATE)
 * @SMM_EVICT_BUSY:		locked, raced with a user, or could not be unmapped
 * @SMM_EVICT_PINNED:		references beyond its mappings (get_user_pages):
 *				SMM_LRUREF_PINNED, or found by the removal
 * @SMM_EVICT_MLOCKED:		mlocked meanwhile (SMM_LRUREF_UNEVICTABLE), or
 *				a locked mapping mapped it when the removal
 *				unmapped it
 * @SMM_EVICT_NOSPACE:		the backing store is full, or refused the
 *				write for a reason of its own (a swap
 *				file's I/O error): the pass ends
 * @SMM_EVICT_GONE:		it left its object meanwhile (SMM_LRUREF_GONE)
 */
enum smm_evict_result {
	SMM_EVICT_RECLAIMED,
	SMM_EVICT_REFERENCED,
	SMM_EVICT_ACTIVATE,
	SMM_EVICT_BUSY,
	SMM_EVICT_PINNED,
	SMM_EVICT_MLOCKED,
	SMM_EVICT_NOSPACE,
	SMM_EVICT_GONE,
};

/**
 * struct smm_reclaim_stat - what a batch of evictions found (the fields of
 * the kernel's struct reclaim_stat that mean something here)
 * @nr_dirty:		pages written to the store
 * @nr_activate:	pages activated because a mapping had them young again
 * @nr_ref_keep:	pages kept because a mapping had them young, or for
 *			their second chance
 * @nr_unmap_fail:	pages still mapped after the unmap, or pinned
 */
struct smm_reclaim_stat {
	unsigned long nr_dirty;
	unsigned long nr_activate;
	unsigned long nr_ref_keep;
	unsigned long nr_unmap_fail;
};

/**
 * struct smm_pool_reclaim - a pool's reclaim
 * @kswapd:	per node (by index), its reclaim thread; NULL while none
 *		runs (before init, after destruction).  Wakers and the
 *		progress note look it up under RCU: a free of a frame may
 *		run beside a test stopping the threads, and destruction
 *		lets a grace period pass before it frees them.
 */
struct smm_pool_reclaim {
	struct smm_kswapd __rcu *kswapd;
};

int smm_reclaim_pool_init(struct smm_pool *pool);
void smm_reclaim_pool_destroy(struct smm_pool *pool);
void smm_kswapd_wake(struct smm_pool *pool, struct smm_zone *zone,
		     unsigned int order, int highest);
bool smm_kswapd_idle(struct smm_pool *pool, int node);
unsigned long smm_direct_reclaim(struct smm_pool *pool, struct smm_node *pref,
				 unsigned int order, unsigned int flags);
unsigned long smm_reclaim_pages(struct smm_pool *pool, unsigned long nr);
void smm_reclaim_note_progress(struct smm_pool *pool);
void smm_reclaim_note_freed(struct smm_pool *pool);
bool smm_kswapd_give_up(struct smm_kswapd *k, bool nothing_to_write, int progress);

#endif /* _SHADOWMM_RECLAIM_H */
