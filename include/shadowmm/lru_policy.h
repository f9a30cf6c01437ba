/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reclaim policies side by side (module/lru_policy.c): each pool follows
 * one set of LRU rules, switched only while its LRU is empty.
 *
 *   classic	the two lists as the kernel kept them until 5.8 (lru.c,
 *		workingset.c): a refault is activated when its distance is
 *		within the active list
 *   workingset	the same lists with the refault rules of 5.9 and later
 *		(module/lru_workingset.c)
 *   mglru	the multi-generational LRU (module/lru_gen.c)
 *   lip	classic, with refaults that thrash (a distance beyond both
 *		lists) inserted at the inactive tail (module/lru_lip.c)
 *   lirs	LIRS over the two lists: a short inactive list, refaults
 *		judged by reuse distance (module/lru_lirs.c)
 *
 * Reclaim (module/reclaim.c) drives every policy the same way, kswapd,
 * direct reclaim and the reclaim knob alike: per batch it asks the policy
 * to age, to isolate candidates and for its verdict on each.
 */
#ifndef _SHADOWMM_LRU_POLICY_H
#define _SHADOWMM_LRU_POLICY_H

#include <linux/types.h>

#include <shadowmm/lru.h>
#include <shadowmm/pool.h>

struct smm_node;
struct smm_page;
struct smm_pool;

/**
 * struct smm_lru_policy - the rules of one reclaim policy
 * @name:	what the parameter, the knob and debugfs call it
 * @id:		its enum smm_lru_policy_id
 * @mark_accessed: an access to a resident page (a fault that finds it)
 * @note_read:	a read() of a resident page; NULL: not an access
 * @eviction:	the shadow entry a page evicted from @node leaves
 * @refault:	where a page brought back goes: true for the active list
 *		(the youngest generation); @node is where it was evicted
 * @age:	before each reclaim batch on @node: age what needs it, at the
 *		reclaim's @priority
 * @force_age:	age @node whatever its lists' balance, before each batch
 *		of a second pass at priority 0 after one that reclaimed
 *		nothing (the kernel's force_deactivate); NULL: the policy's
 *		aging needs no such push (mglru)
 * @pass_done:	after a reclaim pass over @node; NULL: nothing to do
 * @isolate:	take up to @nr eviction candidates of @node into @out
 * @check_references: the verdict on one isolated candidate, its page
 *		locked
 * @activation_keeps_mark: a page reclaim activates keeps its referenced
 *		mark (the kernel's reclaim since 5.9); else it is spent
 *
 * Every function but @note_read, @force_age and @pass_done is set.  All are called in
 * process context with no spinlock held, but @eviction: it runs under the
 * object's lock (the i_pages xa_lock, interrupts off) once the page is
 * certain to leave, and may only count (no lock, no sleep, no allocation).
 */
struct smm_lru_policy {
	const char *name;
	enum smm_lru_policy_id id;
	void (*mark_accessed)(struct smm_pool *pool, struct smm_page *frame);
	void (*note_read)(struct smm_pool *pool, struct smm_page *frame);
	void *(*eviction)(struct smm_pool *pool, struct smm_node *node,
			  struct smm_page *frame, u32 slot);
	bool (*refault)(struct smm_pool *pool, const void *shadow, int node,
			struct smm_page *frame);
	void (*age)(struct smm_pool *pool, struct smm_node *node, int priority);
	void (*force_age)(struct smm_pool *pool, struct smm_node *node);
	void (*pass_done)(struct smm_pool *pool, struct smm_node *node);
	unsigned int (*isolate)(struct smm_pool *pool, struct smm_node *node,
				unsigned int nr, struct smm_page **out);
	enum smm_lru_references (*check_references)(struct smm_pool *pool,
						    struct smm_page *frame);
	bool activation_keeps_mark;
};

extern const struct smm_lru_policy smm_lru_policy_classic;

void smm_lru_classic_age(struct smm_pool *pool, struct smm_node *node, int priority);
void smm_lru_classic_force_age(struct smm_pool *pool, struct smm_node *node);

const struct smm_lru_policy *smm_lru_policy_get(enum smm_lru_policy_id id);
int smm_lru_policy_parse(const char *buf, enum smm_lru_policy_id *id);
int smm_lru_set_policy(struct smm_pool *pool, enum smm_lru_policy_id id);
void *smm_lru_eviction(struct smm_pool *pool, struct smm_node *node,
		       struct smm_page *frame, u32 slot);
void smm_lru_refault(struct smm_pool *pool, const void *shadow,
		     struct smm_page *frame);
void smm_lru_policy_age(struct smm_pool *pool, struct smm_node *node, int priority);

static inline const struct smm_lru_policy *smm_lru_policy(struct smm_pool *pool)
{
	return READ_ONCE(pool->lru.policy);
}

#endif /* _SHADOWMM_LRU_POLICY_H */
