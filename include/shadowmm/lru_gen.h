/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multi-generational LRU policy (module/lru_gen.c): per node, up to
 * SMM_MAX_NR_GENS generations of object pages between min_seq (the
 * oldest, evicted first) and max_seq (the youngest); aging opens a new
 * youngest generation and moves the pages whose ptes were young into it;
 * eviction takes the oldest generation's tail, except pages of a tier
 * (accesses through faults and reads) that refaults more than tier 0.
 */
#ifndef _SHADOWMM_LRU_GEN_H
#define _SHADOWMM_LRU_GEN_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>

struct seq_file;
struct smm_lruvec;
struct smm_node;
struct smm_page;
struct smm_pool;
struct smm_report;
struct smm_walk;

#define SMM_MIN_NR_GENS		2U	/* as the kernel's MIN_NR_GENS */
#define SMM_MAX_NR_GENS		4U	/* as the kernel's MAX_NR_GENS */
#define SMM_MAX_NR_TIERS	4U	/* tiers 0..3 by accesses: 0-1, 2, 3-4, 5+ */
/* A tier with fewer refaults than this is never protected: too few to tell. */
#define SMM_LRU_GEN_MIN_REFAULTS 64UL

/**
 * struct smm_lru_gen - one node's generations (in struct smm_lruvec, under
 * its lock unless said otherwise)
 * @max_seq:	sequence number of the youngest generation
 * @min_seq:	sequence number of the oldest; max_seq - min_seq + 1 is
 *		between SMM_MIN_NR_GENS and SMM_MAX_NR_GENS
 * @timestamps:	jiffies when each generation (by seq % SMM_MAX_NR_GENS)
 *		was opened
 * @lists:	the pages of each generation, added at the head, evicted
 *		from the tail
 * @nr_pages:	pages on each list (read without the lock: READ_ONCE)
 * @protected:	per tier, pages sort kept from eviction since min_seq last
 *		moved on
 * @avg_refaulted: per tier, refaults of the previous periods, halved at
 *		every move of min_seq (the controller's memory)
 * @avg_total:	per tier, evictions and protections of the previous
 *		periods, halved likewise
 * @refaulted:	per tier, refaults since min_seq last moved on (atomic: a
 *		refault counts it without the lock)
 * @evicted:	per tier, evictions since then (atomic: an eviction counts
 *		it under the page lock only)
 */
struct smm_lru_gen {
	unsigned long max_seq;
	unsigned long min_seq;
	unsigned long timestamps[SMM_MAX_NR_GENS];
	struct list_head lists[SMM_MAX_NR_GENS];
	unsigned long nr_pages[SMM_MAX_NR_GENS];
	unsigned long protected[SMM_MAX_NR_TIERS];
	unsigned long avg_refaulted[SMM_MAX_NR_TIERS];
	unsigned long avg_total[SMM_MAX_NR_TIERS];
	atomic_long_t refaulted[SMM_MAX_NR_TIERS];
	atomic_long_t evicted[SMM_MAX_NR_TIERS];
};

static inline unsigned int smm_lru_gen_from_seq(unsigned long seq)
{
	return seq % SMM_MAX_NR_GENS;
}

void smm_lru_gen_init(struct smm_lru_gen *lrugen, unsigned long seq);
unsigned long smm_lru_gen_nr_pages(struct smm_lru_gen *lrugen);
void smm_lru_gen_snapshot(struct smm_lru_gen *lrugen, unsigned long *active,
			  unsigned long *inactive);
void smm_lru_gen_link(struct smm_lruvec *lruvec, struct smm_page *frame, bool active,
		      bool reclaiming);
void smm_lru_gen_unlink(struct smm_lruvec *lruvec, struct smm_page *frame);
void smm_lru_gen_uncount(struct smm_lruvec *lruvec, struct smm_page *frame,
			 unsigned long nr);
unsigned int smm_lru_gen_tier(const struct smm_page *frame);
void smm_lru_gen_note_access(struct smm_pool *pool, struct smm_page *frame);
unsigned int smm_lru_gen_age(struct smm_pool *pool, struct smm_node *node,
			     unsigned long max_seq, unsigned long nr_to_scan);
bool smm_lru_gen_should_age(struct smm_node *node);
unsigned int smm_lru_gen_protected_tier(struct smm_node *node);
unsigned int smm_lru_gen_isolate(struct smm_pool *pool, struct smm_node *node,
				 unsigned int nr_to_scan, struct smm_page **out);
bool smm_lru_gen_validate(struct smm_pool *pool, struct smm_node *node,
			  struct smm_walk *w, struct smm_report *r);
void smm_lru_gen_print(struct seq_file *m, struct smm_pool *pool);

extern const struct smm_lru_policy smm_lru_policy_mglru;

#endif /* _SHADOWMM_LRU_GEN_H */
