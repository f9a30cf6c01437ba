/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The LRU of object pages (module/lru.c): per node an active, an inactive
 * and an unevictable list, fed through per-CPU batches.
 */
#ifndef _SHADOWMM_LRU_H
#define _SHADOWMM_LRU_H

#include <linux/compiler_types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <shadowmm/lru_gen.h>

struct smm_lru_policy;
struct smm_node;
struct smm_page;
struct smm_pool;
struct smm_report;

/* Which list a frame is on; the values are what the tracepoints show. */
enum smm_lru_list {
	SMM_LRU_INACTIVE,
	SMM_LRU_ACTIVE,
	SMM_LRU_UNEVICTABLE,
	SMM_NR_LRU_LISTS,
};

/*
 * The reclaim policy of a pool (module/lru_policy.c): which rules its
 * LRU follows.  The values are what the lru_policy parameter and knob
 * name, in this order.
 */
enum smm_lru_policy_id {
	SMM_LRU_POLICY_CLASSIC,		/* two lists, the kernel until 5.8 */
	SMM_LRU_POLICY_WORKINGSET,	/* two lists, the refault rules of 5.9+ */
	SMM_LRU_POLICY_MGLRU,		/* generations (module/lru_gen.c) */
	SMM_LRU_POLICY_LIP,		/* classic, thrashing refaults at the tail */
	SMM_LRU_POLICY_LIRS,		/* LIRS over the two lists (CLOCK-Pro) */
	SMM_NR_LRU_POLICIES,
};

/* What a per-CPU batch collects; drained in this order. */
enum smm_lru_batch_kind {
	SMM_LRU_BATCH_ADD,		/* new object pages: inactive */
	SMM_LRU_BATCH_ACTIVATE,		/* inactive -> active */
	SMM_LRU_BATCH_DEACTIVATE,	/* active -> inactive */
	SMM_LRU_BATCH_MLOCK,		/* -> unevictable */
	SMM_NR_LRU_BATCHES,
};

/**
 * enum smm_lru_references - the LRU's verdict on an isolated page
 * (smm_lru_check_references(); the kernel's enum folio_references)
 * @SMM_LRUREF_RECLAIM:	no access since the last look: a victim
 * @SMM_LRUREF_KEEP:	a mapping used it for the first time (now marked
 *			referenced), or it was referenced with no new use
 *			(its second chance, the mark spent): back to the
 *			inactive list
 * @SMM_LRUREF_ACTIVATE: used again while marked referenced: a second
 *			access seen on the inactive list, so it goes active
 *			(smm_lru_activate_isolated())
 * @SMM_LRUREF_UNEVICTABLE: mlocked, or on its way to the unevictable list
 * @SMM_LRUREF_PINNED:	references beyond shadowmm's, the isolation's and
 *			its ptes' (get_user_pages pins): not looked at
 * @SMM_LRUREF_GONE:	it left its object since it was isolated
 */
enum smm_lru_references {
	SMM_LRUREF_RECLAIM,
	SMM_LRUREF_KEEP,
	SMM_LRUREF_ACTIVATE,
	SMM_LRUREF_UNEVICTABLE,
	SMM_LRUREF_PINNED,
	SMM_LRUREF_GONE,
};

#define SMM_LRU_BATCH_DEFAULT	15	/* the kernel's old PAGEVEC_SIZE */
#define SMM_LRU_BATCH_MAX	63

/**
 * struct smm_lruvec - one node's LRU lists
 * @lock:		the LRU lock: protects the three lists and their
 *			counts, and the SMM_PG_lru, SMM_PG_active and
 *			SMM_PG_unevictable bits of every object frame of
 *			the node (set and cleared only under it, with atomic
 *			bit operations since SMM_PG_referenced and
 *			SMM_PG_dirty of the same word change without it;
 *			a frame isolated from the lists, whose page lock
 *			its isolator holds, gets SMM_PG_active without it,
 *			read under it when smm_lru_putback() links it).
 *			It also protects @policy and @gen.  Never held
 *			with another node's but by smm_lru_set_policy(),
 *			which takes them all; its place in the lock order:
 *			include/shadowmm/pool.h.
 * @active_list:	frames with SMM_PG_active, added at the head
 * @inactive_list:	frames without, added at the head, evicted from the tail
 * @unevictable_list:	frames of mlocked mappings (SMM_PG_unevictable)
 * @nr_active:		frames on @active_list
 * @nr_inactive:	frames on @inactive_list
 * @nr_unevictable:	frames on @unevictable_list
 * @policy:		the pool's policy, as this node applies it (the
 *			lists a frame is linked to follow it)
 * @gen:		the generations, under SMM_LRU_POLICY_MGLRU (the
 *			active and inactive lists are empty then)
 * @lirs_demoted:	under SMM_LRU_POLICY_LIRS, the stamp of the page
 *			aging last moved off the active list: how recently
 *			the least recently used page of the active list had
 *			been used (written under @lock, read without it)
 * @changes:		bumped by every holder of @lock that may change the
 *			lists, their counts or frames' LRU flags (it takes
 *			@lock with smm_lruvec_lock()): a validate walk that
 *			lets go of @lock midway trusts the entry it stands
 *			on only while this is unchanged (beside @lock,
 *			whose line every taker writes anyway)
 * @walk_hold_max:	the most entries a validate walk looked at under one
 *			hold of @lock (at most SMM_WALK_BATCH; the tests
 *			check it)
 *
 * The frames are linked by struct smm_page.lru.  The counts may be read
 * without the lock (READ_ONCE) for statistics.
 */
struct smm_lruvec {
	spinlock_t lock;
	unsigned long changes;
	struct list_head active_list;
	struct list_head inactive_list;
	struct list_head unevictable_list;
	unsigned long nr_active;
	unsigned long nr_inactive;
	unsigned long nr_unevictable;
	enum smm_lru_policy_id policy;
	struct smm_lru_gen gen;
	unsigned long lirs_demoted;
	unsigned int walk_hold_max;
};

/*
 * Take @lruvec's lock to change it: the lists, the counts, the policy or
 * a frame's LRU flags.  Only walks that just read take it plainly.
 */
static inline void smm_lruvec_lock(struct smm_lruvec *lruvec)
	__acquires(&lruvec->lock)
{
	spin_lock(&lruvec->lock);
	lruvec->changes++;
}

/**
 * struct smm_lru_batch - one CPU's pending LRU operations of a pool
 * @lock:	protects @nr and @pages; only ever contended by a drain from
 *		another CPU (or the hotplug callback of a dead one)
 * @nr:		entries used, per kind
 * @pages:	the frames, per kind; each entry holds a reference on the
 *		frame's struct page, so a frame in a batch is never freed
 */
struct smm_lru_batch {
	spinlock_t lock;
	unsigned char nr[SMM_NR_LRU_BATCHES];
	struct smm_page *pages[SMM_NR_LRU_BATCHES][SMM_LRU_BATCH_MAX];
};

/**
 * struct smm_pool_lru - a pool's LRU batching (the lists are per node,
 * struct smm_lruvec)
 * @batch:	per-CPU LRU batches
 * @batch_size:	entries a batch collects before it is drained,
 *		1..SMM_LRU_BATCH_MAX; written under the pool's tune_lock
 * @policy:	the reclaim policy's rules (module/lru_policy.c); written
 *		under the pool's tune_lock and every node's LRU lock, read
 *		with READ_ONCE()
 */
struct smm_pool_lru {
	struct smm_lru_batch __percpu *batch;
	unsigned int batch_size;
	const struct smm_lru_policy *policy;
};

int smm_lru_pool_init(struct smm_pool *pool);
void smm_lru_pool_destroy(struct smm_pool *pool);

void smm_lru_add(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_mark_accessed(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_deactivate(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_mlock(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_del(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_split_head(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_migrate(struct smm_pool *pool, struct smm_page *old,
		     struct smm_page *new);

void smm_lru_drain_cpu(struct smm_pool *pool, int cpu);
void smm_lru_drain_all(struct smm_pool *pool);
int smm_lru_set_batch(struct smm_pool *pool, unsigned int size);

void smm_lru_classic_mark_accessed(struct smm_pool *pool, struct smm_page *frame);
void smm_lru_note_read(struct smm_pool *pool, struct smm_page *frame);
unsigned long smm_lru_evictable(struct smm_node *node);
unsigned int smm_lru_isolate_inactive(struct smm_pool *pool, struct smm_node *node,
				      unsigned int nr_to_scan, struct smm_page **out);
enum smm_lru_references smm_lru_check_kept(struct folio *folio, struct smm_page *frame);
enum smm_lru_references smm_lru_check_references(struct smm_pool *pool,
						 struct smm_page *frame);
enum smm_lru_references smm_lru_check_references_swapbacked(struct smm_pool *pool,
							    struct smm_page *frame);
void smm_lru_activate_isolated(struct smm_pool *pool, struct smm_page *frame,
			       bool keep_mark);
void smm_lru_putback(struct smm_pool *pool, struct smm_page **frames,
		     unsigned int nr);
void smm_lru_putback_rejected(struct smm_pool *pool, struct smm_page **frames,
			      unsigned int nr);
unsigned int smm_lru_rescue_unevictable(struct smm_pool *pool, struct smm_node *node,
					unsigned long nr_to_scan);
unsigned int smm_lru_age_active(struct smm_pool *pool, struct smm_node *node,
				unsigned int nr_to_scan);
unsigned int smm_lru_rotate_active(struct smm_pool *pool, struct smm_node *node,
				   unsigned int nr_to_scan);
unsigned int smm_lru_shrink_active(struct smm_pool *pool, struct smm_node *node,
				   unsigned int nr_to_scan);
bool smm_lru_inactive_is_low(struct smm_node *node);

unsigned long smm_lru_pages(struct smm_pool *pool, enum smm_lru_list lru);
unsigned long smm_lru_mlocked_pages(struct smm_pool *pool);
unsigned int smm_lru_validate(struct smm_pool *pool, struct smm_report *r);

#endif /* _SHADOWMM_LRU_H */
