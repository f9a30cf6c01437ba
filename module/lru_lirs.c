// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the lirs reclaim policy, LIRS over the two lists.
 *
 * LRU judges a page by how long ago it was last used.  LIRS judges it by
 * how far apart its last two uses were, its reuse distance (Jiang and
 * Zhang, "LIRS: an efficient low inter-reference recency set replacement
 * policy to improve buffer cache performance", SIGMETRICS 2002): most of
 * memory holds the LIR set, pages whose reuse distance was shorter than
 * the time since the LIR set's least recently used page was used, and a
 * small rest holds the other pages (HIR) while they prove themselves.  A
 * loop a little longer than memory, or a program that reads and writes
 * its data in passes (sort), keeps most of itself resident instead of
 * none, and a page used often stays while pages used once pass by.
 * CLOCK-Pro (Jiang, Chen and Zhang, USENIX 2005) brought it to page
 * reclaim with clocks; patches that did so for Linux were posted in 2005
 * and never merged.  Over shadowmm's lists:
 *
 * - The active list is the LIR set; the inactive list, the resident HIR
 *   pages, is kept to smm_lru_lirs_target() pages (1/64 of the lists, at
 *   least a reclaim batch) by aging the active list only when it is
 *   shorter.
 * - Time is the node's workingset clock (evictions and activations,
 *   module/workingset.c).  Each frame keeps in its flags the clock when
 *   its page was last seen used (its stamp): its fault, a young pte found
 *   by aging or reclaim, an access the LRU saw.  An evicted page's shadow
 *   entry keeps its stamp, not the time it left: a refault's reuse
 *   distance is the clock now minus that.
 * - Aging (smm_lru_rotate_active()) is a CLOCK over the active list: a
 *   page used since the last look goes back to its head, stamped; any
 *   other moves to the inactive head, and the last one's stamp
 *   (lruvec->lirs_demoted) stands for when the LIR set's least recently
 *   used page was used.
 * - A refault goes active when its stamp is more recent than that (its
 *   reuse distance is shorter than the LIR set's oldest recency); any
 *   other goes to the inactive head.  The LIR set fills by the same rule:
 *   while aging has demoted nothing since a switch (lirs_demoted is the
 *   clock then), every page used since is recent enough.  Letting every
 *   refault in while the inactive list is longer than its target, as
 *   LIRS does while its LIR set is not full, made the set churn under
 *   reclaim's batches (sort 110,407 refaults against 92,387 without).
 * - At the inactive tail a mapped page with a young pte is stamped and
 *   kept, marked referenced; one already marked is activated (a second
 *   use while on the inactive list: the first young pte may be its own
 *   fault's).  One without a young pte is evicted, mark or not: no second
 *   chance, since the LIR set is kept by aging and not by reclaim.  A
 *   fault that finds the page resident stamps it and follows the classic
 *   rule; a read() that does only stamps it (as classic, it marks
 *   nothing).
 *
 * Not a kernel policy: it is here to be compared with theirs on the same
 * traces (policy_bench).
 */

#include <linux/minmax.h>
#include <linux/mm.h>

#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_lirs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/workingset.h>

/* The inactive list's share of the lists: 1/64 (1/32 lost more on zipf). */
#define SMM_LIRS_INACTIVE_SHIFT	6

/**
 * smm_lru_lirs_now() - a node's clock, in the units of a frame's stamp
 * @pool: the pool
 * @node: the node's index
 *
 * The node's workingset clock (smm_workingset_clock()) less its lowest
 * bit, so that its SMM_PAGE_STAMP_BITS wrap where the clock wraps.
 *
 * Context: Any context.
 * Return: the stamp a page used now gets.
 */
unsigned long smm_lru_lirs_now(struct smm_pool *pool, int node)
{
	BUILD_BUG_ON(SMM_PAGE_STAMP_BITS + 1 != SMM_WS_VALUE_BITS);
	return (smm_workingset_clock(pool, node) >> 1) & SMM_PAGE_STAMP_MAX;
}
SMM_EXPORT(smm_lru_lirs_now);

/**
 * smm_lru_lirs_target() - the inactive list's length under lirs
 * @evictable: pages on a node's active and inactive lists
 *
 * Context: Any context.
 * Return: @evictable / 64, at least a reclaim batch.
 */
unsigned long smm_lru_lirs_target(unsigned long evictable)
{
	return max_t(unsigned long, SMM_RECLAIM_BATCH, evictable >> SMM_LIRS_INACTIVE_SHIFT);
}
SMM_EXPORT(smm_lru_lirs_target);

/**
 * smm_lru_lirs_promote() - the lirs refault rule
 * @now: the node's clock (smm_lru_lirs_now())
 * @used: the refaulting page's stamp, from its shadow entry
 * @demoted: the stamp of the page aging last moved off the active list
 *
 * Stamps are compared by their age now, modulo the stamp's bits.
 *
 * Context: Any context.
 * Return: true for the active list: the page was used more recently than
 * the LIR set's oldest page.
 */
bool smm_lru_lirs_promote(unsigned long now, unsigned long used, unsigned long demoted)
{
	return ((now - used) & SMM_PAGE_STAMP_MAX) < ((now - demoted) & SMM_PAGE_STAMP_MAX);
}
SMM_EXPORT(smm_lru_lirs_promote);

/**
 * smm_lru_lirs_touch() - a use of a page: stamp its frame with its node's
 * clock, for the page's reuse distance
 * @pool: the pool
 * @frame: an object frame
 *
 * Context: Any context; the frame's page locked, isolated or being added
 * (the stamp is set atomically with the frame's other flags).
 */
void smm_lru_lirs_touch(struct smm_pool *pool, struct smm_page *frame)
{
	smm_lru_lirs_stamp(frame, smm_lru_lirs_now(pool, smm_page_zone(pool, frame)->node->index));
}
SMM_EXPORT(smm_lru_lirs_touch);

static void smm_lru_lirs_mark_accessed(struct smm_pool *pool, struct smm_page *frame)
{
	smm_lru_lirs_touch(pool, frame);
	smm_lru_classic_mark_accessed(pool, frame);
}

/* The entry keeps when the page was last used, not when it left. */
static void *smm_lru_lirs_eviction(struct smm_pool *pool, struct smm_node *node,
				   struct smm_page *frame, u32 slot)
{
	return smm_workingset_evict_value(pool, node->index, slot, SMM_LRU_POLICY_LIRS,
					  smm_lru_lirs_stamp_of(frame));
}

static bool smm_lru_lirs_refault(struct smm_pool *pool, const void *shadow, int node,
				 struct smm_page *frame)
{
	struct smm_lruvec *lruvec = &pool->zones.nodes[node].lruvec;
	unsigned long demoted = READ_ONCE(lruvec->lirs_demoted);
	unsigned long now = smm_lru_lirs_now(pool, node);
	unsigned int shift = pool->workingset.bucket_order + 1;
	unsigned long used;
	bool promote;
	int n;
	u32 slot;

	smm_workingset_unpack(shadow, &n, &used, &slot);
	used &= SMM_PAGE_STAMP_MAX;
	promote = smm_lru_lirs_promote(now, used, demoted);
	/* Traced and counted as a distance against the LIR set's recency. */
	smm_workingset_note_refault(pool, node, ((now - used) & SMM_PAGE_STAMP_MAX) << shift,
				    ((now - demoted) & SMM_PAGE_STAMP_MAX) << shift, promote);
	return promote;
}

static void smm_lru_lirs_age(struct smm_pool *pool, struct smm_node *node, int priority)
{
	unsigned long active = READ_ONCE(node->lruvec.nr_active);
	unsigned long inactive = READ_ONCE(node->lruvec.nr_inactive);

	if (inactive < smm_lru_lirs_target(active + inactive))
		smm_lru_rotate_active(pool, node, SMM_RECLAIM_BATCH);
}

static void smm_lru_lirs_force_age(struct smm_pool *pool, struct smm_node *node)
{
	smm_lru_rotate_active(pool, node, SMM_RECLAIM_BATCH);
}

static enum smm_lru_references smm_lru_lirs_check_references(struct smm_pool *pool,
							     struct smm_page *frame)
{
	struct folio *folio = page_folio(smm_frame_struct_page(pool, frame));
	enum smm_lru_references ref = smm_lru_check_kept(folio, frame);

	if (ref != SMM_LRUREF_RECLAIM)
		return ref;
	if (!folio_mapped(folio) || !smm_object_young_ptes(folio))
		return SMM_LRUREF_RECLAIM;
	smm_lru_lirs_touch(pool, frame);
	/* A second use on the inactive list: its mark is spent activating it. */
	if (test_and_set_bit(SMM_PG_referenced, &frame->flags))
		return SMM_LRUREF_ACTIVATE;
	return SMM_LRUREF_KEEP;
}

const struct smm_lru_policy smm_lru_policy_lirs = {
	.name = "lirs",
	.id = SMM_LRU_POLICY_LIRS,
	.mark_accessed = smm_lru_lirs_mark_accessed,
	.note_read = smm_lru_lirs_touch,
	.eviction = smm_lru_lirs_eviction,
	.refault = smm_lru_lirs_refault,
	.age = smm_lru_lirs_age,
	.force_age = smm_lru_lirs_force_age,
	.isolate = smm_lru_isolate_inactive,
	.check_references = smm_lru_lirs_check_references,
};
