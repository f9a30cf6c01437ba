/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compaction (module/compaction.c): moving object pages out of the way so
 * that free frames come together into high-order blocks again, as the
 * kernel's mm/compaction.c does.  Per zone a migrate scanner walks up from
 * the bottom, taking the movable pages it finds (object pages on the LRU),
 * and a free scanner walks down from the top, taking free frames; each
 * page taken is migrated to a free frame (module/evict.c,
 * smm_object_migrate_page()) until the two scanners meet.  A kcompactd
 * thread per node runs it in the background, woken when an allocation of
 * order SMM_COMPACT_WAKE_ORDER or more fails, or when kswapd, done with a
 * run, finds a zone's fragmentation index for SMM_COMPACT_ORDER above the
 * pool's extfrag_threshold (the kernel's kswapd wakes kcompactd the same
 * way).
 */
#ifndef _SHADOWMM_COMPACTION_H
#define _SHADOWMM_COMPACTION_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <shadowmm/zone.h>

struct smm_pool;
struct task_struct;

/* The order compaction rebuilds: a PMD's worth, the kernel's pageblock. */
#define SMM_COMPACT_ORDER		9
#define SMM_COMPACT_BLOCK		(1UL << SMM_COMPACT_ORDER)
/* Failed allocations of at least this order wake kcompactd (costly order). */
#define SMM_COMPACT_WAKE_ORDER		3
/* Pages migrated per batch: the kernel's COMPACT_CLUSTER_MAX. */
#define SMM_COMPACT_BATCH		32
/*
 * Passes over a batch for its pages that failed for a moment (mapped
 * again, a reference held, locked): the kernel's NR_MAX_MIGRATE_PAGES_RETRY.
 */
#define SMM_COMPACT_MIGRATE_PASSES	10
/* The kernel's sysctl_extfrag_threshold default and bound. */
#define SMM_EXTFRAG_THRESHOLD_DEFAULT	500
#define SMM_EXTFRAG_THRESHOLD_MAX	1000

/* The kernel's COMPACT_MAX_DEFER_SHIFT: at most 63 runs skipped. */
#define SMM_COMPACT_MAX_DEFER_SHIFT	6

/* Bits of smm_kcompactd.flags. */
#define SMM_KCOMPACTD_WOKEN	0	/* a wake is pending */

/**
 * enum smm_compact_result - how a zone's compaction ended (the kernel's
 * enum compact_result, the values its tracepoints print)
 * @SMM_COMPACT_SKIPPED:	nothing to do: the zone is empty, already has
 *				a free block of the order asked for, or has
 *				too few free frames above its watermark
 * @SMM_COMPACT_COMPLETE:	the scanners met
 * @SMM_COMPACT_SUCCESS:	a free block of the order asked for formed
 * @SMM_COMPACT_CONTENDED:	stopped early: a fatal signal, or the
 *				thread is being stopped
 * @SMM_COMPACT_PARTIAL_SKIPPED: stopped early: the zone's free frames
 *				fell to its min watermark plus a batch
 */
enum smm_compact_result {
	SMM_COMPACT_SKIPPED,
	SMM_COMPACT_COMPLETE,
	SMM_COMPACT_SUCCESS,
	SMM_COMPACT_CONTENDED,
	SMM_COMPACT_PARTIAL_SKIPPED,
};

/**
 * struct smm_compact_stats - what one compaction run did
 * @migrate_scanned:	frames the migrate scanner looked at
 * @free_scanned:	frames the free scanner looked at
 * @isolated_migrate:	pages the migrate scanner took
 * @isolated_free:	free frames the free scanner took
 * @migrated:		pages moved to a new frame
 * @failed:		pages taken but left where they were (locked,
 *			pinned, mapped again, mlocked meanwhile)
 * @max_free_held:	the most free frames the run held at once
 */
struct smm_compact_stats {
	unsigned long migrate_scanned;
	unsigned long free_scanned;
	unsigned long isolated_migrate;
	unsigned long isolated_free;
	unsigned long migrated;
	unsigned long failed;
	unsigned long max_free_held;
};

/**
 * struct smm_compact_defer - a zone's compaction deferral (the kernel's
 * compact_considered, compact_defer_shift and compact_order_failed)
 * @considered:	runs asked for since the last failure
 * @defer_shift: after a failure, the next (1 << @defer_shift) - 1 runs
 *		for @order_failed or more are skipped; up to
 *		SMM_COMPACT_MAX_DEFER_SHIFT
 * @order_failed: the lowest order a run failed for (SMM_NR_ORDERS before
 *		any failed); smaller orders are never deferred
 *
 * Only its node's kcompactd reads and writes it, under
 * pool->compact.lock.
 */
struct smm_compact_defer {
	unsigned int considered;
	unsigned int defer_shift;
	int order_failed;
};

/**
 * struct smm_kcompactd - one node's compaction thread
 * @task:	the kthread
 * @pool:	its pool
 * @node:	its node
 * @wait:	where it sleeps
 * @flags:	SMM_KCOMPACTD_WOKEN, set by wakers (atomic bit operations)
 * @order:	the largest order asked for since it last woke; a hint
 *		written with WRITE_ONCE and taken with xchg()
 * @highest_zoneidx: the highest zone type asked for since it last woke;
 *		a hint as @order is
 * @running:	compacting now (read by tests)
 * @wakeups:	wakes that reached the thread
 * @defer:	per zone type of @node, its deferral
 */
struct smm_kcompactd {
	struct task_struct *task;
	struct smm_pool *pool;
	struct smm_node *node;
	wait_queue_head_t wait;
	unsigned long flags;
	unsigned int order;
	unsigned int highest_zoneidx;
	bool running;
	atomic_long_t wakeups;
	struct smm_compact_defer defer[SMM_NR_ZONE_TYPES];
};

struct smm_compact_control;

/**
 * struct smm_pool_compact - a pool's compaction
 * @lock:	serialises compaction runs of the pool (kcompactd's and the
 *		compact knob's), so that two free scanners never race for
 *		the same zone; a mutex, taken under none of shadowmm's locks
 *		(include/shadowmm/pool.h)
 * @kcompactd:	per node (by index), its thread; NULL when the pool has
 *		none (smm_pool_config.kcompactd) or they are stopping.
 *		Wakers read it under rcu_read_lock(); the array is freed
 *		only after a grace period and the threads' stop
 * @extfrag_threshold: 0..SMM_EXTFRAG_THRESHOLD_MAX; a zone whose
 *		fragmentation index for SMM_COMPACT_ORDER is above it wakes
 *		kcompactd; read with READ_ONCE
 * @control:	the state of the run under way, used under @lock; made with
 *		the pool, so that no run fails for want of memory when
 *		memory is what it is asked to make
 */
struct smm_pool_compact {
	struct mutex lock;
	struct smm_kcompactd __rcu *kcompactd;
	unsigned int extfrag_threshold;
	struct smm_compact_control *control;
};

int smm_compaction_pool_init(struct smm_pool *pool, bool kcompactd);
void smm_compaction_pool_destroy(struct smm_pool *pool);
int smm_compact_pool(struct smm_pool *pool, struct smm_compact_stats *stats);
enum smm_compact_result smm_compact_zone(struct smm_pool *pool, struct smm_zone *zone,
					 int order, bool sync,
					 struct smm_compact_stats *stats);
void smm_kcompactd_wake(struct smm_pool *pool, struct smm_node *node,
			unsigned int order, unsigned int highest_zoneidx);
void smm_compaction_check_node(struct smm_pool *pool, struct smm_node *node);
bool smm_kcompactd_idle(struct smm_pool *pool, int node);
int smm_compaction_set_extfrag_threshold(struct smm_pool *pool, unsigned int val);
int smm_zone_extfrag_index(struct smm_zone *zone, unsigned int order);
void smm_compaction_defer(struct smm_compact_defer *d, unsigned int order);
bool smm_compaction_deferred(struct smm_compact_defer *d, unsigned int order);
void smm_compaction_defer_reset(struct smm_compact_defer *d, unsigned int order);

#endif /* _SHADOWMM_COMPACTION_H */
