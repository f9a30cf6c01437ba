// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the lip reclaim policy, LRU insertion for refaults that
 * thrash.
 *
 * None of the kernel's policies keeps a set of pages reused at a distance
 * a little beyond memory (say 1.25 times) while a longer scan runs beside
 * it: each inserts every refault at the young end, so the scan pushes the
 * set out as LRU would.  Caches met the same problem and answered it with
 * where a new line is inserted rather than which line is evicted: LIP
 * puts new lines at the LRU end, so a working set larger than the cache
 * keeps part of itself resident instead of none (Qureshi, Jaleel, Patt,
 * Steely and Emer, "Adaptive insertion policies for high performance
 * caching", ISCA 2007).  Shadow entries let shadowmm choose per page:
 *
 * - A refault whose distance exceeds the active and inactive lists
 *   together could not have stayed resident under LRU even with all of
 *   memory: it thrashes.  It is inserted at the inactive tail, the end
 *   reclaim takes first (SMM_PG_thrashing, counted as
 *   workingset_refault_tail), so such refaults replace each other and
 *   not the pages that fit.
 * - At its verdict its young ptes are those of its own fault, which the
 *   hardware set when the fault's access completed: they earn it no
 *   second chance, and it is reclaimed.  Only a use the LRU saw itself
 *   (SMM_PG_referenced: a fault that found it resident) lets the classic
 *   rules judge it.  Reclaim that gives it back unjudged (its page was
 *   busy), or a second chance at the head, ends its place at the tail.
 * - A page that thrashed and then is used often comes back at once with
 *   a short distance, and is inserted as any refault.
 * - Everything else is the classic policy's: the access rule, aging, the
 *   verdict on other pages, and the refault rule that activates a
 *   distance within the active list.  First touches have no distance and
 *   go to the inactive head.
 *
 * Not a kernel policy: the kernel's refaults always go to the head of a
 * list (or of a generation under mglru).  It is here to be compared with
 * them on the same traces (policy_bench).
 */

#include <linux/mm.h>

#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_lip.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/stats.h>
#include <shadowmm/workingset.h>

/**
 * smm_lru_lip_place() - the lip policy's refault rule
 * @distance: the refault distance
 * @active: pages on the node's active list
 * @inactive: pages on its inactive list
 *
 * Context: Any context.
 * Return: SMM_LIP_ACTIVE for a distance within the active list (the
 * classic rule), SMM_LIP_TAIL for one beyond both lists, else
 * SMM_LIP_HEAD.
 */
enum smm_lru_lip_place smm_lru_lip_place(unsigned long distance, unsigned long active,
					 unsigned long inactive)
{
	if (distance <= active)
		return SMM_LIP_ACTIVE;
	if (distance > active + inactive)
		return SMM_LIP_TAIL;
	return SMM_LIP_HEAD;
}
SMM_EXPORT(smm_lru_lip_place);

static void *smm_lru_lip_eviction(struct smm_pool *pool, struct smm_node *node,
				  struct smm_page *frame, u32 slot)
{
	return smm_workingset_evict(pool, node->index, slot, SMM_LRU_POLICY_LIP, false);
}

static bool smm_lru_lip_refault(struct smm_pool *pool, const void *shadow, int node,
				struct smm_page *frame)
{
	struct smm_lruvec *lruvec = &pool->zones.nodes[node].lruvec;
	unsigned long active = READ_ONCE(lruvec->nr_active);
	unsigned long inactive = READ_ONCE(lruvec->nr_inactive);
	enum smm_lru_lip_place place;
	unsigned long distance;
	int n;

	distance = smm_workingset_distance(pool, shadow, &n);
	if (distance == ULONG_MAX)
		return false;
	place = smm_lru_lip_place(distance, active, inactive);
	smm_workingset_note_refault(pool, node, distance, active, place == SMM_LIP_ACTIVE);
	if (place == SMM_LIP_TAIL) {
		set_bit(SMM_PG_thrashing, &frame->flags);
		smm_count_event(pool, SMM_WORKINGSET_REFAULT_TAIL);
	}
	return place == SMM_LIP_ACTIVE;
}

/*
 * A thrashing refault's first verdict: reclaimed, its own fault's young
 * ptes not looked at, unless the LRU saw it used; every other page's is
 * the classic one.
 */
static enum smm_lru_references smm_lru_lip_check_references(struct smm_pool *pool,
							    struct smm_page *frame)
{
	struct folio *folio = page_folio(smm_frame_struct_page(pool, frame));

	if (!test_and_clear_bit(SMM_PG_thrashing, &frame->flags) ||
	    smm_page_test(frame, SMM_PG_referenced))
		return smm_lru_check_references(pool, frame);
	return smm_lru_check_kept(folio, frame);
}

const struct smm_lru_policy smm_lru_policy_lip = {
	.name = "lip",
	.id = SMM_LRU_POLICY_LIP,
	.mark_accessed = smm_lru_classic_mark_accessed,
	.eviction = smm_lru_lip_eviction,
	.refault = smm_lru_lip_refault,
	.age = smm_lru_classic_age,
	.force_age = smm_lru_classic_force_age,
	.isolate = smm_lru_isolate_inactive,
	.check_references = smm_lru_lip_check_references,
};
