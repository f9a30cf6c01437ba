/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Refault distance (module/workingset.c).  Each node counts evictions and
 * activations (its "age"); an evicted page leaves, at its index in its
 * object's shadows xarray, a shadow entry holding that age, its node and
 * its backing-store slot (none for a page of zeroes, which is not
 * stored).  On refault, age now minus age then says how many pages were
 * pushed out or promoted meanwhile: if the page would have stayed resident
 * with that many more pages of memory for the active list, it is part of
 * the working set and goes straight to the active list.
 */
#ifndef _SHADOWMM_WORKINGSET_H
#define _SHADOWMM_WORKINGSET_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <shadowmm/lru.h>

struct seq_file;
struct smm_pool;

/*
 * Bits of a shadow entry's age (or mglru token): distances are modulo
 * 2^30 buckets of 2^bucket_order evictions and activations.
 */
#define SMM_WS_VALUE_BITS	30

/* Refault distances are shown in power-of-two buckets 0, 1, 2-3, ... */
#define SMM_WS_BUCKETS		24

/**
 * struct smm_workingset - one node's refault bookkeeping
 * @age:	evictions and activations so far (the node's clock)
 * @refaults:	refaults seen, under every policy (vmstat workingset_refault)
 * @activated:	of which were activations (vmstat workingset_activate):
 *		straight to the active list, or under mglru a refault of
 *		pages evicted from the oldest generation still there, which
 *		does not move @age on (mglru keeps no refault distance)
 * @hist:	refault distances, by bucket (ilog2(distance) + 1), of the
 *		refaults a distance judged: not mglru's, nor those whose
 *		shadow entry another policy left
 * @refault_snapshot: @activated when the last reclaim pass over the node
 *		ended (the workingset policy ages the active list when
 *		refaults were activated since)
 */
struct smm_workingset {
	atomic_long_t age;
	atomic_long_t refaults;
	atomic_long_t activated;
	atomic_long_t hist[SMM_WS_BUCKETS];
	atomic_long_t refault_snapshot;
};

/**
 * struct smm_pool_workingset - a pool's refault bookkeeping
 * @nodes:	per node (by index), its clock and counts
 * @nr_shadow_only: shadow entries with no store slot (pages of zeroes
 *		evicted without being stored), in every object
 * @shadow_only_max: above this many, @trim_work drops some
 * @trim_work:	drops shadow-only entries (the kernel's
 *		workingset_nodereclaim)
 * @bucket_order: a shadow entry holds the node's age >> this (set at pool
 *		init, from smm_workingset_bucket_order()), so that distances
 *		up to the pages the pool and its store can hold fit
 */
struct smm_pool_workingset {
	struct smm_workingset *nodes;
	unsigned int bucket_order;
	atomic_long_t nr_shadow_only;
	unsigned long shadow_only_max;
	struct work_struct trim_work;
};

int smm_workingset_pool_init(struct smm_pool *pool, unsigned long store_pages);
unsigned int smm_workingset_bucket_order(unsigned long max_pages);
void smm_workingset_pool_destroy(struct smm_pool *pool);
void *smm_workingset_pack(int node, u32 slot, unsigned long value,
			  enum smm_lru_policy_id policy, bool workingset);
void *smm_workingset_evict(struct smm_pool *pool, int node, u32 slot,
			   enum smm_lru_policy_id policy, bool workingset);
void *smm_workingset_eviction(struct smm_pool *pool, int node, u32 slot);
void *smm_workingset_evict_value(struct smm_pool *pool, int node, u32 slot,
				 enum smm_lru_policy_id policy, unsigned long value);
unsigned long smm_workingset_clock(struct smm_pool *pool, int node);
enum smm_lru_policy_id smm_workingset_shadow_policy(const void *shadow);
bool smm_workingset_shadow_ws(const void *shadow);
unsigned long smm_workingset_distance(struct smm_pool *pool, const void *shadow,
				      int *node);
void smm_workingset_count_refault(struct smm_pool *pool, int node, bool activate);
void smm_workingset_note_refault(struct smm_pool *pool, int node,
				 unsigned long distance, unsigned long size,
				 bool activate);
void smm_workingset_unpack(const void *shadow, int *node, unsigned long *age,
			   u32 *slot);
u32 smm_workingset_slot(const void *shadow);
bool smm_workingset_refault(struct smm_pool *pool, const void *shadow,
			    unsigned long active);
void smm_workingset_activation(struct smm_pool *pool, int node, unsigned long nr);
void smm_workingset_print(struct seq_file *m, struct smm_pool *pool);

#endif /* _SHADOWMM_WORKINGSET_H */
