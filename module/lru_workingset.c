// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the workingset reclaim policy.
 *
 * The lists and the access rule are the classic ones (module/lru.c); what
 * changes is how reclaim judges references and refaults, with the rules
 * mm/vmscan.c and mm/workingset.c have had since 5.9 that make sense for
 * one swap-backed LRU:
 *
 * - References as folio_check_references() reads a swap-backed page's
 *   (smm_lru_check_references_swapbacked()): a young pte marks the page,
 *   a young pte on a marked page activates it and the mark stays, so a
 *   page aged off the active list and used again comes back at its next
 *   young pte; a mapped page with no young pte is reclaimed, marked or
 *   not (the classic rule's second chance is the kernel's for file pages
 *   only; an unmapped marked page still gets it when it is isolated).
 * - Aging as shrink_active_list() does it for such pages
 *   (smm_lru_shrink_active()): every page looked at leaves the active
 *   list whatever its mark, its young ptes made old.
 * - The working set is both lists.  Before 5.9 a refault was activated
 *   when its distance fit in the active list; since, the refaulting page
 *   competes with every page that could be reclaimed to make room for it
 *   (for anonymous pages the kernel counts the other LRU's two lists and
 *   its own active one).  With one LRU that is active + inactive: a
 *   refault with a distance up to that is activated.
 * - Those lists count only while the backing store has room: swap-backed
 *   pages make room only by going to it (the kernel asks
 *   mem_cgroup_get_nr_swap_pages() > 0).  With the store full, no
 *   refault is activated.
 * - Pages remember having been part of the working set: a page the aging
 *   of the active list moves to the inactive one gets SMM_PG_workingset
 *   (as shrink_active_list() sets PG_workingset), its shadow entry keeps
 *   the mark, and an activated refault of such a page gets the mark back
 *   and is counted as a restore (workingset_restore_anon).
 * - Refaults make room for a new working set: when refaults were
 *   activated since the last reclaim pass over the node, reclaim ages the
 *   active list even though the inactive list is not short (the kernel's
 *   sc->may_deactivate from the WORKINGSET_ACTIVATE snapshot), its size
 *   >> the reclaim's priority pages a batch, counted as
 *   workingset_deactivate_refault.
 *
 * Every refault it judges is counted by what decided it:
 * workingset_refault_anon, workingset_activate_anon (activated by this
 * rule) and workingset_activate_classic (those the classic rule, distance
 * within the active list, would have activated), beside the
 * workingset_refault and workingset_activate every policy counts.
 */

#include <linux/mm.h>

#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/lru_workingset.h>
#include <shadowmm/pool.h>
#include <shadowmm/swap.h>
#include <shadowmm/workingset.h>

/**
 * smm_lru_workingset_recent() - the workingset policy's refault rule
 * @distance: the refault distance
 * @active: pages on the node's active list
 * @inactive: pages on its inactive list
 * @store_room: the backing store has a free slot
 *
 * Context: Any context.
 * Return: true when the refault is part of the working set: activate it.
 */
bool smm_lru_workingset_recent(unsigned long distance, unsigned long active,
			       unsigned long inactive, bool store_room)
{
	return store_room && distance <= active + inactive;
}
SMM_EXPORT(smm_lru_workingset_recent);

static void *smm_lru_ws_eviction(struct smm_pool *pool, struct smm_node *node,
				 struct smm_page *frame, u32 slot)
{
	return smm_workingset_evict(pool, node->index, slot, SMM_LRU_POLICY_WORKINGSET,
				    smm_page_test(frame, SMM_PG_workingset));
}

static bool smm_lru_ws_refault(struct smm_pool *pool, const void *shadow, int node,
			       struct smm_page *frame)
{
	struct smm_lruvec *lruvec = &pool->zones.nodes[node].lruvec;
	unsigned long active = READ_ONCE(lruvec->nr_active);
	unsigned long inactive = READ_ONCE(lruvec->nr_inactive);
	unsigned long distance;
	bool activate;
	int n;

	distance = smm_workingset_distance(pool, shadow, &n);
	if (distance == ULONG_MAX)
		return false;
	activate = smm_lru_workingset_recent(distance, active, inactive,
					     smm_swap_free_slots(&pool->swap) > 0);
	smm_count_event(pool, SMM_WORKINGSET_REFAULT_ANON);
	if (distance <= active)
		smm_count_event(pool, SMM_WORKINGSET_ACTIVATE_CLASSIC);
	smm_workingset_note_refault(pool, node, distance, active + inactive, activate);
	if (!activate)
		return false;
	smm_count_event(pool, SMM_WORKINGSET_ACTIVATE_ANON);
	if (smm_workingset_shadow_ws(shadow)) {
		set_bit(SMM_PG_workingset, &frame->flags);
		smm_count_event(pool, SMM_WORKINGSET_RESTORE_ANON);
	}
	return true;
}

/*
 * The kernel's aging of the active list (smm_lru_shrink_active(): every
 * page looked at is deactivated) when the inactive list is short; and,
 * when refaults were activated since the last pass, the active list at
 * the rate get_scan_count() gives it against the inactive list when
 * sc->may_deactivate lets shrink_list() age it: active >> @priority pages
 * while inactive >> @priority are scanned, so per batch of
 * SMM_RECLAIM_BATCH scanned, (active >> @priority) * batch /
 * (inactive >> @priority), the latter at least a batch (reclaim scans at
 * least one a pass).  Nothing while reclaim keeps up on a small pool,
 * more as the priority drops.  A fixed batch here deactivated the
 * working set faster than its refaults could bring it back, each of
 * which asked for more.
 */
static void smm_lru_ws_age(struct smm_pool *pool, struct smm_node *node, int priority)
{
	struct smm_workingset *ws = &pool->workingset.nodes[node->index];
	unsigned long nr;
	unsigned int n;

	if (smm_lru_inactive_is_low(node)) {
		smm_lru_shrink_active(pool, node, SMM_RECLAIM_BATCH);
		return;
	}
	if (atomic_long_read(&ws->activated) == atomic_long_read(&ws->refault_snapshot))
		return;
	nr = READ_ONCE(node->lruvec.nr_active) >> priority;
	nr = nr * SMM_RECLAIM_BATCH /
	     max_t(unsigned long, READ_ONCE(node->lruvec.nr_inactive) >> priority,
		   SMM_RECLAIM_BATCH);
	if (!nr)
		return;
	n = smm_lru_shrink_active(pool, node, min_t(unsigned long, nr, SMM_RECLAIM_BATCH));
	smm_count_events(pool, SMM_WORKINGSET_DEACTIVATE_REFAULT, n);
}

/* As the kernel's shrink_active_list() with force_deactivate set. */
static void smm_lru_ws_force_age(struct smm_pool *pool, struct smm_node *node)
{
	smm_lru_shrink_active(pool, node, SMM_RECLAIM_BATCH);
}

/* A pass is over: refaults activated from now on are new. */
static void smm_lru_ws_pass_done(struct smm_pool *pool, struct smm_node *node)
{
	struct smm_workingset *ws = &pool->workingset.nodes[node->index];

	atomic_long_set(&ws->refault_snapshot, atomic_long_read(&ws->activated));
}

const struct smm_lru_policy smm_lru_policy_workingset = {
	.name = "workingset",
	.id = SMM_LRU_POLICY_WORKINGSET,
	.mark_accessed = smm_lru_classic_mark_accessed,
	.eviction = smm_lru_ws_eviction,
	.refault = smm_lru_ws_refault,
	.age = smm_lru_ws_age,
	.force_age = smm_lru_ws_force_age,
	.pass_done = smm_lru_ws_pass_done,
	.isolate = smm_lru_isolate_inactive,
	.check_references = smm_lru_check_references_swapbacked,
	.activation_keeps_mark = true,
};
