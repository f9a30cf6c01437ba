// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the consistency check of memory objects.
 *
 * smm_object_validate(), for the pool's validate file and the tests,
 * walks every object's pages and shadow entries and checks them against
 * what the rest of the pool believes: each page a frame of the region
 * that names its object and index, each shadow entry holding a slot the
 * backing store has in use and no other entry holds, the counters of
 * resident pages, store slots and shadow-only entries equal to what the
 * walk found, and the pinned list as long as counted.  It only reads, and
 * no lock is held across more than a batch of entries, so it can run on
 * a live pool; the store's totals only hold while no eviction or swap-in
 * runs.
 */

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <shadowmm/compat.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
#include <shadowmm/pool.h>
#include <shadowmm/stats.h>
#include <shadowmm/swap.h>
#include <shadowmm/workingset.h>

/**
 * struct smm_shadow_census - what validate finds of shadow entries
 * @slots:	store slots seen in shadow entries (bit slot - 1), or NULL
 * @with_slot:	shadow entries holding a slot
 * @shadow_only: shadow entries without
 */
struct smm_shadow_census {
	unsigned long *slots;
	unsigned long with_slot;
	unsigned long shadow_only;
};

static void smm_validate_shadow(struct smm_pool *pool, struct smm_object *obj,
				pgoff_t index, void *shadow,
				struct smm_shadow_census *c, struct smm_report *r)
{
	unsigned long age;
	int node;
	u32 slot;

	smm_workingset_unpack(shadow, &node, &age, &slot);
	if (node >= pool->nr_nodes)
		smm_report(r, "object %llu: shadow entry at %lu names node %d\n",
			   obj->id, index, node);
	if (!slot) {
		c->shadow_only++;
		return;
	}
	c->with_slot++;
	if (!pool->has_swap || slot > pool->swap.nr_slots) {
		smm_report(r, "object %llu: shadow entry at %lu holds slot %u of no store\n",
			   obj->id, index, slot);
		return;
	}
	if (!test_bit(slot - 1, pool->swap.used))
		smm_report(r, "object %llu: shadow entry at %lu holds free slot %u\n",
			   obj->id, index, slot);
	if (c->slots && __test_and_set_bit(slot - 1, c->slots))
		smm_report(r, "object %llu: slot %u at %lu is held by another shadow entry too\n",
			   obj->id, slot, index);
}

static void smm_validate_page(struct smm_pool *pool, struct smm_object *obj,
			      pgoff_t index, struct page *page, struct smm_report *r)
{
	struct smm_page *frame = smm_object_frame(pool, page);
	void *shadow;

	if (page_private(page) >= pool->region.nr_frames ||
	    smm_frame_struct_page(pool, frame) != page) {
		smm_report(r, "object %llu: page at %lu is not a frame of the pool\n",
			   obj->id, index);
		return;
	}
	if (frame->flags & (BIT(SMM_PG_buddy) | BIT(SMM_PG_pcp) |
			    BIT(SMM_PG_slab) | BIT(SMM_PG_absent)))
		smm_report(r, "object %llu: frame %lu at %lu has flags %#lx\n",
			   obj->id, page_private(page), index,
			   frame->flags & SMM_PAGE_FLAGS_MASK);
	if (frame->object != obj || frame->index != index || page->index != index)
		smm_report(r, "object %llu: frame %lu at %lu claims index %lu\n",
			   obj->id, page_private(page), index, frame->index);
	if (page_ref_count(page) < 1)
		smm_report(r, "object %llu: frame %lu at %lu has no reference\n",
			   obj->id, page_private(page), index);
	/* Only a swap-in in progress has both (its page locked, not uptodate). */
	shadow = xa_load(&obj->shadows, index);
	if (shadow && PageUptodate(page) && xa_load(&obj->shadows, index))
		smm_report(r, "object %llu: page and shadow entry at %lu\n",
			   obj->id, index);
}

/* What a walk of every object for validate carries. */
struct smm_validate_walk {
	struct smm_shadow_census *census;
	struct smm_report *report;
	unsigned long resident;
};

/*
 * Walk one xarray of @obj under RCU, a batch at a time, so that neither a
 * huge object nor a slow console holds off grace periods.
 */
static unsigned long smm_validate_xarray(struct smm_pool *pool, struct smm_object *obj,
					 struct xarray *xa, struct smm_validate_walk *w)
{
	XA_STATE(xas, xa, 0);
	unsigned long n = 0, seen = 0;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, ULONG_MAX) {
		if (xas_retry(&xas, entry))
			continue;
		if (xa_is_value(entry)) {
			if (xa == &obj->shadows)
				smm_validate_shadow(pool, obj, xas.xa_index, entry,
						    w->census, w->report);
			else
				smm_report(w->report, "object %llu: value entry at %lu in i_pages\n",
					   obj->id, xas.xa_index);
		} else if (xa == &obj->shadows) {
			smm_report(w->report, "object %llu: non-value entry at %lu among shadows\n",
				   obj->id, xas.xa_index);
		} else {
			n++;
			smm_validate_page(pool, obj, xas.xa_index, entry, w->report);
		}
		if (++seen % SMM_WALK_BATCH == 0) {
			xas_pause(&xas);
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return n;
}

static bool smm_validate_object(struct smm_object *obj, void *arg)
{
	struct smm_validate_walk *w = arg;
	struct smm_pool *pool = obj->pool;
	unsigned long n;

	n = smm_validate_xarray(pool, obj, &obj->inode->i_mapping->i_pages, w);
	smm_validate_xarray(pool, obj, &obj->shadows, w);
	if (n != atomic_long_read(&obj->resident))
		smm_report(w->report, "object %llu: %lu pages in its xarray, %ld counted\n",
			   obj->id, n, atomic_long_read(&obj->resident));
	w->resident += atomic_long_read(&obj->resident);
	return true;
}

/**
 * smm_object_validate() - check every object's pages and the pinned list
 * @pool: the pool
 * @r: where problems are reported
 *
 * Also the backing store's accounting: every shadow entry's slot is in
 * use and held by no other entry, the slots in use are exactly those of
 * the shadow entries, and the shadow-only entries are counted right.  The
 * totals only hold while no eviction or swap-in runs (both move a slot
 * between the store and an entry in two steps).  No spinlock is held
 * across an object's entries, however many there are.
 *
 * Context: Process context, may sleep; takes the object and pinned list
 * locks.
 * Return: the number of problems found.
 */
unsigned int smm_object_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int before = r->problems;
	struct smm_shadow_census c = { };
	struct smm_validate_walk w = { .census = &c, .report = r };
	unsigned long pinned = 0;
	struct smm_page *frame;

	if (pool->has_swap)
		c.slots = bitmap_zalloc(pool->swap.nr_slots, GFP_KERNEL);
	smm_object_for_each(pool, smm_validate_object, &w);
	bitmap_free(c.slots);
	if (pool->has_swap && c.with_slot != READ_ONCE(pool->swap.nr_used))
		smm_report(r, "swap: %lu slots in use, %lu held by shadow entries\n",
			   READ_ONCE(pool->swap.nr_used), c.with_slot);
	if (c.shadow_only != atomic_long_read(&pool->nr_shadow_only))
		smm_report(r, "swap: %lu shadow entries without a slot, %ld counted\n",
			   c.shadow_only, atomic_long_read(&pool->nr_shadow_only));

	spin_lock(&pool->pinned_lock);
	list_for_each_entry(frame, &pool->pinned, lru) {
		struct page *page = smm_frame_struct_page(pool, frame);

		pinned++;
		if (page->mapping || page_ref_count(page) < 1)
			smm_report(r, "pinned frame %lu: mapping %p, count %d\n",
				   smm_page_sfn(&pool->region, frame), page->mapping,
				   page_ref_count(page));
	}
	if (pinned != pool->nr_pinned)
		smm_report(r, "pinned list holds %lu frames, %lu counted\n",
			   pinned, pool->nr_pinned);
	spin_unlock(&pool->pinned_lock);

	/* Frames move between the two while we look: only flag a loss. */
	if (w.resident + pinned > atomic_long_read(&pool->object_pages) &&
	    !atomic_long_read(&pool->object_pages))
		smm_report(r, "object pages: %lu resident + %lu pinned, 0 counted\n",
			   w.resident, pinned);
	return r->problems - before;
}
SMM_EXPORT(smm_object_validate);
