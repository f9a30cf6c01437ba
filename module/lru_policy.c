// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: reclaim policies side by side.
 *
 * A pool's LRU follows one policy (struct smm_lru_policy, pool->lru.policy):
 *
 *   classic	 the two lists of lru.c with the refault rule of
 *		 workingset.c, as the kernel had them until 5.8 (the
 *		 default; what shadowmm always did);
 *   workingset	 the same lists with the refault rules of 5.9 and later
 *		 (module/lru_workingset.c);
 *   mglru	 the multi-generational LRU (module/lru_gen.c);
 *   lip	 classic with refaults that thrash inserted at the inactive
 *		 tail (module/lru_lip.c), no kernel's policy;
 *   lirs	 LIRS over the two lists, as CLOCK-Pro did it: a short
 *		 inactive list, and refaults judged by their reuse distance
 *		 against the active list's oldest page (module/lru_lirs.c),
 *		 no kernel's policy either.
 *
 * The policy decides what an access does, where a refault goes, what an
 * eviction leaves behind, how reclaim ages and which pages it takes;
 * reclaim.c drives them all the same way (kswapd, direct reclaim, the
 * reclaim knob).  Each node keeps its own copy of the choice in its
 * lruvec (lruvec->policy, read under its LRU lock when a frame is
 * linked), so the lists a frame goes to never disagree with the rules
 * that read them.
 *
 * The choice changes only while the pool's LRU is empty: the lru_policy
 * parameter at load, or the knob ("lru_policy NAME") at any time when no
 * page is on a list.  smm_lru_set_policy() takes every node's LRU lock
 * (under the pool's tune_lock, which lockdep is told nests them) to check
 * the lists and switch all nodes at once.  Pages isolated by a reclaim
 * running meanwhile go back by the new rules; shadow entries remember the
 * policy that made them, and a refault is judged only by that one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/string.h>

#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_lip.h>
#include <shadowmm/lru_lirs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/lru_workingset.h>
#include <shadowmm/pool.h>
#include <shadowmm/workingset.h>

static void *smm_classic_eviction(struct smm_pool *pool, struct smm_node *node,
				  struct smm_page *frame, u32 slot)
{
	return smm_workingset_eviction(pool, node->index, slot);
}

/* A refault distance within the active list activates (before 5.9). */
static bool smm_classic_refault(struct smm_pool *pool, const void *shadow, int node,
				struct smm_page *frame)
{
	return smm_workingset_refault(pool, shadow,
				      READ_ONCE(pool->zones.nodes[node].lruvec.nr_active));
}

/**
 * smm_lru_classic_age() - the classic policy's aging before a batch
 * @pool: the pool
 * @node: the node reclaim is about to scan
 * @priority: the reclaim's priority (unused: the lists' balance decides)
 *
 * Ages the active list's tail while the inactive list is too short.
 *
 * Context: Process context; no spinlock held.
 */
void smm_lru_classic_age(struct smm_pool *pool, struct smm_node *node, int priority)
{
	if (smm_lru_inactive_is_low(node))
		smm_lru_age_active(pool, node, SMM_RECLAIM_BATCH);
}
SMM_EXPORT(smm_lru_classic_age);

/**
 * smm_lru_classic_force_age() - the classic policy's forced aging
 * @pool: the pool
 * @node: the node reclaim is about to scan again
 *
 * Ages the active list's tail whatever the lists' balance.
 *
 * Context: Process context; no spinlock held.
 */
void smm_lru_classic_force_age(struct smm_pool *pool, struct smm_node *node)
{
	smm_lru_age_active(pool, node, SMM_RECLAIM_BATCH);
}
SMM_EXPORT(smm_lru_classic_force_age);

const struct smm_lru_policy smm_lru_policy_classic = {
	.name = "classic",
	.id = SMM_LRU_POLICY_CLASSIC,
	.mark_accessed = smm_lru_classic_mark_accessed,
	.eviction = smm_classic_eviction,
	.refault = smm_classic_refault,
	.age = smm_lru_classic_age,
	.force_age = smm_lru_classic_force_age,
	.isolate = smm_lru_isolate_inactive,
	.check_references = smm_lru_check_references,
};

static const struct smm_lru_policy * const smm_lru_policies[SMM_NR_LRU_POLICIES] = {
	[SMM_LRU_POLICY_CLASSIC] = &smm_lru_policy_classic,
	[SMM_LRU_POLICY_WORKINGSET] = &smm_lru_policy_workingset,
	[SMM_LRU_POLICY_MGLRU] = &smm_lru_policy_mglru,
	[SMM_LRU_POLICY_LIP] = &smm_lru_policy_lip,
	[SMM_LRU_POLICY_LIRS] = &smm_lru_policy_lirs,
};

/**
 * smm_lru_policy_get() - the rules of a policy
 * @id: an enum smm_lru_policy_id
 *
 * Context: Any context.
 * Return: the policy, or NULL for an id out of range.
 */
const struct smm_lru_policy *smm_lru_policy_get(enum smm_lru_policy_id id)
{
	return (unsigned int)id < SMM_NR_LRU_POLICIES ? smm_lru_policies[id] : NULL;
}
SMM_EXPORT(smm_lru_policy_get);

/**
 * smm_lru_policy_parse() - a policy by name
 * @buf: "classic", "workingset", "mglru", "lip" or "lirs", one trailing
 *	newline allowed
 * @id: where the policy goes; written only on success
 *
 * Nothing else is accepted: no other text, no prefix, no case change.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL.
 */
int smm_lru_policy_parse(const char *buf, enum smm_lru_policy_id *id)
{
	enum smm_lru_policy_id i;

	for (i = 0; i < SMM_NR_LRU_POLICIES; i++)
		if (sysfs_streq(buf, smm_lru_policies[i]->name)) {
			*id = i;
			return 0;
		}
	return -EINVAL;
}
SMM_EXPORT(smm_lru_policy_parse);

/* Pages on any list of @lruvec; its lock held. */
static unsigned long smm_lruvec_nr_pages(struct smm_lruvec *lruvec)
{
	lockdep_assert_held(&lruvec->lock);
	return lruvec->nr_active + lruvec->nr_inactive + lruvec->nr_unevictable +
	       smm_lru_gen_nr_pages(&lruvec->gen);
}

/*
 * Every node's LRU lock, in node order, under the pool's tune_lock, which
 * lockdep is told holds them together.  Sparse sees them as one.
 */
static void smm_lru_lock_all(struct smm_pool *pool) __acquires(&pool->lru)
{
	int i;

	lockdep_assert_held(&pool->tune_lock);
	for (i = 0; i < pool->zones.nr_nodes; i++) {
		spin_lock_nest_lock(&pool->zones.nodes[i].lruvec.lock, &pool->tune_lock);
		pool->zones.nodes[i].lruvec.changes++;
		__release(&pool->zones.nodes[i].lruvec.lock);
	}
	__acquire(&pool->lru);
}

static void smm_lru_unlock_all(struct smm_pool *pool) __releases(&pool->lru)
{
	int i;

	for (i = pool->zones.nr_nodes - 1; i >= 0; i--) {
		__acquire(&pool->zones.nodes[i].lruvec.lock);
		spin_unlock(&pool->zones.nodes[i].lruvec.lock);
	}
	__release(&pool->lru);
}

/**
 * smm_lru_set_policy() - switch a pool's reclaim policy
 * @pool: the pool
 * @id: the new policy
 *
 * Only while no page is on any LRU list of the pool (active, inactive,
 * generations, unevictable), checked on every node under its LRU lock
 * after the per-CPU batches are drained; the switch is then made on all
 * nodes before any lock is dropped.  The new policy's per-node state
 * starts afresh (mglru: two empty generations, no tier history; lirs: no
 * page demoted before now).  Setting the policy in place changes nothing
 * and succeeds.
 *
 * Context: Process context, may sleep.  Takes the pool's tune_lock, then
 * every node's LRU lock in index order.
 * Return: 0; -EINVAL for an unknown policy, -EBUSY when pages are on the
 * LRU (nothing changed either way).
 */
int smm_lru_set_policy(struct smm_pool *pool, enum smm_lru_policy_id id)
{
	const struct smm_lru_policy *policy = smm_lru_policy_get(id);
	int i, ret = 0;

	if (!policy)
		return -EINVAL;
	smm_lru_drain_all(pool);
	mutex_lock(&pool->tune_lock);
	if (pool->lru.policy == policy)
		goto out;
	smm_lru_lock_all(pool);
	for (i = 0; i < pool->zones.nr_nodes; i++)
		if (smm_lruvec_nr_pages(&pool->zones.nodes[i].lruvec))
			ret = -EBUSY;
	if (!ret) {
		for (i = 0; i < pool->zones.nr_nodes; i++) {
			struct smm_lruvec *lruvec = &pool->zones.nodes[i].lruvec;

			lruvec->policy = id;
			smm_lru_gen_init(&lruvec->gen, lruvec->gen.max_seq + 1);
			/* No page demoted yet: none is older than now. */
			WRITE_ONCE(lruvec->lirs_demoted, smm_lru_lirs_now(pool, i));
		}
		WRITE_ONCE(pool->lru.policy, policy);
	}
	smm_lru_unlock_all(pool);
out:
	mutex_unlock(&pool->tune_lock);
	return ret;
}
SMM_EXPORT(smm_lru_set_policy);

/**
 * smm_lru_eviction() - the shadow entry an evicted page leaves
 * @pool: the pool
 * @node: the node it was on
 * @frame: its frame, isolated and locked, still in its object
 * @slot: the store slot holding its contents, or SMM_SWAP_NONE (0)
 *
 * By the pool's policy: the node's age (classic, lip), with the
 * working-set mark (workingset), its generation and tier (mglru), or
 * when the page was last used (lirs).
 * Called only for a page certain to leave: the entry moves the clock.
 *
 * Context: Atomic: the frame's page locked and the object's lock held
 * (interrupts off); takes no lock.
 * Return: an xarray value entry.
 */
void *smm_lru_eviction(struct smm_pool *pool, struct smm_node *node,
		       struct smm_page *frame, u32 slot)
{
	return smm_lru_policy(pool)->eviction(pool, node, frame, slot);
}
SMM_EXPORT(smm_lru_eviction);

/**
 * smm_lru_refault() - where a page brought back from the store goes
 * @pool: the pool
 * @shadow: the entry its eviction left
 * @frame: its new frame, locked, not yet on the LRU
 *
 * Counts the refault and, when the policy that evicted the page is the
 * pool's, applies its rule: SMM_PG_active set for a page that goes
 * straight to the active list (the youngest generation).  An entry left
 * under another policy counts as a refault and nothing more.  The frame
 * is marked SMM_PG_refault for smm_lru_add() to place it (mglru puts
 * refaults apart from new pages).
 *
 * Context: Process context; the frame's page locked.
 */
void smm_lru_refault(struct smm_pool *pool, const void *shadow,
		     struct smm_page *frame)
{
	const struct smm_lru_policy *policy = smm_lru_policy(pool);
	unsigned long value;
	int node;
	u32 slot;

	set_bit(SMM_PG_refault, &frame->flags);
	smm_workingset_unpack(shadow, &node, &value, &slot);
	if (node >= pool->zones.nr_nodes)
		return;
	if (smm_workingset_shadow_policy(shadow) != policy->id) {
		smm_workingset_count_refault(pool, node, false);
		return;
	}
	if (policy->refault(pool, shadow, node, frame))
		set_bit(SMM_PG_active, &frame->flags);
}
SMM_EXPORT(smm_lru_refault);

/**
 * smm_lru_policy_age() - the aging a reclaim batch on @node starts with
 * @pool: the pool
 * @node: the node
 * @priority: the reclaim's priority (SMM_DEF_PRIORITY down to 0)
 *
 * classic and lip: the active list's tail when the inactive list is too
 * short;
 * workingset: also, when refaults were activated since the last pass,
 * the active list's size >> @priority pages of it;
 * mglru: a new generation when there are too few or they are unbalanced;
 * lirs: the active list's tail, by use, when the inactive list is shorter
 * than 1/64 of the lists.
 *
 * Context: Process context, may sleep; no spinlock held.
 */
void smm_lru_policy_age(struct smm_pool *pool, struct smm_node *node, int priority)
{
	smm_lru_policy(pool)->age(pool, node, priority);
}
SMM_EXPORT(smm_lru_policy_age);
