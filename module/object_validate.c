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
 * walk found, and the pinned list and the quarantine as long as counted.  It only reads, and
 * no lock is held across more than a batch of entries, so it can run on
 * a live pool.  What a walk found is believed only when no change to
 * objects' entries overlapped that walk (struct smm_object_changes): an
 * entry read under RCU may have left, and its frame been reused, before
 * it is checked.  A walk one overlapped has its reports taken back and is
 * repeated; on a pool that never stops changing, what stays uncompared
 * after a second of retries is logged rather than reported wrong.
 */

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <shadowmm/compat.h>
#include <shadowmm/huge.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
#include <shadowmm/pool.h>
#include <shadowmm/stats.h>
#include <shadowmm/swap.h>
#include <shadowmm/walk.h>
#include <shadowmm/workingset.h>

/**
 * struct smm_shadow_census - what validate finds of shadow entries
 * @slots:	store slots seen in shadow entries (bit slot - 1), or NULL
 * @with_slot:	shadow entries holding a slot
 * @shadow_only: shadow entries without
 * @bad_slots:	entries whose slot is free or held by another entry too;
 *		only a walk no change overlapped reports them (a swap-in
 *		frees the slot of an entry the walk may just have read)
 * @bad_obj:	the first such entry's object id
 * @bad_index:	its index
 * @bad_slot:	its slot
 */
struct smm_shadow_census {
	unsigned long *slots;
	unsigned long with_slot;
	unsigned long shadow_only;
	unsigned long bad_slots;
	u64 bad_obj;
	pgoff_t bad_index;
	u32 bad_slot;
};

static void smm_validate_shadow(struct smm_pool *pool, struct smm_object *obj,
				pgoff_t index, void *shadow,
				struct smm_shadow_census *c, struct smm_report *r)
{
	unsigned long age;
	int node;
	u32 slot;

	smm_workingset_unpack(shadow, &node, &age, &slot);
	if (node >= pool->zones.nr_nodes)
		smm_report(r, "object %llu: shadow entry at %lu names node %d\n",
			   obj->id, index, node);
	if (!slot) {
		c->shadow_only++;
		return;
	}
	c->with_slot++;
	if (!pool->swap.ready || slot > pool->swap.nr_slots) {
		smm_report(r, "object %llu: shadow entry at %lu holds slot %u of no store\n",
			   obj->id, index, slot);
		return;
	}
	if ((!test_bit(slot - 1, pool->swap.used) ||
	     (c->slots && __test_and_set_bit(slot - 1, c->slots))) &&
	    !c->bad_slots++) {
		c->bad_obj = obj->id;
		c->bad_index = index;
		c->bad_slot = slot;
	}
}

/*
 * The pages of a PMD-sized folio besides its head: each a frame of the
 * pool, of the head's block, belonging to the object at its index.
 */
static void smm_validate_huge(struct smm_pool *pool, struct smm_object *obj,
			      pgoff_t index, struct page *head, struct smm_report *r)
{
	struct folio *folio = page_folio(head);
	struct smm_page *block = smm_object_frame(pool, head);
	unsigned long i;

	if (folio_nr_pages(folio) != SMM_HUGE_NR ||
	    !IS_ALIGNED(smm_page_sfn(&pool->region, block), SMM_HUGE_NR) ||
	    !IS_ALIGNED(index, SMM_HUGE_NR)) {
		smm_report(r, "object %llu: folio at %lu of %lu pages, frame %lu\n",
			   obj->id, index, folio_nr_pages(folio), page_private(head));
		return;
	}
	for (i = 1; i < SMM_HUGE_NR; i++) {
		struct page *page = head + i;

		if (page_private(page) != page_private(head) + i ||
		    block[i].object != obj || block[i].index != index + i ||
		    smm_page_test(block + i, SMM_PG_lru) || page_ref_count(page)) {
			smm_report(r, "object %llu: page %lu of the folio at %lu: frame %lu claims %lu\n",
				   obj->id, i, index, page_private(page), block[i].index);
			return;
		}
	}
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
	if (smm_page_flags(frame) & (BIT(SMM_PG_buddy) | BIT(SMM_PG_pcp) |
			    BIT(SMM_PG_slab) | BIT(SMM_PG_absent)))
		smm_report(r, "object %llu: frame %lu at %lu has flags %#lx\n",
			   obj->id, page_private(page), index,
			   smm_page_flags(frame) & SMM_PAGE_FLAGS_MASK);
	if (frame->object != obj || frame->index != index || page->index != index)
		smm_report(r, "object %llu: frame %lu at %lu claims index %lu\n",
			   obj->id, page_private(page), index, frame->index);
	if (page_ref_count(page) < 1)
		smm_report(r, "object %llu: frame %lu at %lu has no reference\n",
			   obj->id, page_private(page), index);
	if (PageHead(page))
		smm_validate_huge(pool, obj, index, page, r);
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
	bool count_only;
	unsigned long resident;
	unsigned long deadline;
	unsigned long uncompared;
};

/*
 * Walks a change overlapped are repeated, this far apart, until a second
 * of waiting in all is spent (or the reader is killed): validate may run
 * while programs keep the pool busy, and it must end.
 */
#define SMM_VALIDATE_WAIT_MS	20
#define SMM_VALIDATE_BUDGET	HZ

static bool smm_validate_may_wait(struct smm_validate_walk *w)
{
	if (time_after(jiffies, w->deadline) || fatal_signal_pending(current))
		return false;
	msleep(SMM_VALIDATE_WAIT_MS);
	return true;
}

/* Changes begun (or ended) on every CPU so far. */
static unsigned long smm_validate_sum(struct smm_pool *pool, bool ended)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct smm_object_changes *c = per_cpu_ptr(pool->objects.changes, cpu);

		sum += ended ? READ_ONCE(c->ended) : READ_ONCE(c->begun);
	}
	return sum;
}

/*
 * Start of a walk: true when no change to objects' entries is under way,
 * with the number begun so far in *@begun for smm_validate_unchanged().
 * "ended" is summed first: a change that begins between the two sums
 * shows as more begun than ended, never the other way round.
 */
static bool smm_validate_quiet(struct smm_pool *pool, unsigned long *begun)
{
	unsigned long e = smm_validate_sum(pool, true);

	/* Pairs with smm_object_change_begin(): "ended" read first. */
	smp_rmb();
	*begun = smm_validate_sum(pool, false);
	return *begun == e;
}

/* End of a walk that started quiet: did no change begin meanwhile? */
static bool smm_validate_unchanged(struct smm_pool *pool, unsigned long begun)
{
	/* Pairs with smm_object_change_begin(): the walk's reads first. */
	smp_rmb();
	return smm_validate_sum(pool, false) == begun;
}

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
		if (w->count_only) {
			/* A PMD-sized folio is one entry over its pages. */
			if (!xa_is_value(entry))
				n += folio_nr_pages(page_folio((struct page *)entry));
			else if (xa == &obj->shadows && smm_workingset_slot(entry))
				w->census->with_slot++;
			else if (xa == &obj->shadows)
				w->census->shadow_only++;
		} else if (xa_is_value(entry)) {
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
			n += folio_nr_pages(page_folio((struct page *)entry));
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

/*
 * Where the report stood before a walk, so that what a walk a change
 * overlapped said can be taken back: an entry read under RCU may have
 * left the object, and its frame been reused, by the time it is checked.
 */
struct smm_validate_mark {
	size_t len;
	unsigned int problems;
	struct smm_shadow_census census;
};

static void smm_validate_mark(struct smm_validate_walk *w, struct smm_validate_mark *mk)
{
	mk->len = w->report->m ? w->report->m->count : 0;
	mk->problems = w->report->problems;
	mk->census = *w->census;
}

static void smm_validate_rollback(struct smm_validate_walk *w,
				  const struct smm_validate_mark *mk)
{
	if (w->report->m)
		w->report->m->count = mk->len;
	w->report->problems = mk->problems;
	*w->census = mk->census;
}

/*
 * One object: its entries checked and its page count compared with
 * @resident over a walk that no change overlapped.  A walk one overlapped
 * says nothing: its reports are taken back and it is repeated.  Shadow
 * entries' slots go into the census bitmap on the first walk only, so a
 * repeat cannot see its own slots as held twice.
 */
static bool smm_validate_object(struct smm_object *obj, void *arg)
{
	struct smm_validate_walk *w = arg;
	struct smm_shadow_census *c = w->census;
	unsigned long *slots = c->slots;
	struct smm_pool *pool = obj->pool;
	struct smm_validate_mark mk;
	unsigned long n, begun;
	long resident;
	bool quiet;

	for (;;) {
		smm_validate_mark(w, &mk);
		quiet = smm_validate_quiet(pool, &begun);
		n = smm_validate_xarray(pool, obj, &obj->inode->i_mapping->i_pages, w);
		smm_validate_xarray(pool, obj, &obj->shadows, w);
		resident = atomic_long_read(&obj->resident);
		if (quiet && smm_validate_unchanged(pool, begun)) {
			if (n != resident)
				smm_report(w->report, "object %llu: %lu pages in its xarray, %ld counted\n",
					   obj->id, n, resident);
			break;
		}
		/* Keep the census of the last walk for the totals' decision. */
		if (!smm_validate_may_wait(w)) {
			struct smm_shadow_census last = *c;

			smm_validate_rollback(w, &mk);
			*c = last;
			w->uncompared++;
			break;
		}
		smm_validate_rollback(w, &mk);
		c->slots = NULL;
	}
	c->slots = slots;
	w->resident += resident;
	return true;
}

/* Counting only: an object's shadow entries, into the walk's census. */
static bool smm_validate_object_census(struct smm_object *obj, void *arg)
{
	smm_validate_xarray(obj->pool, obj, &obj->shadows, arg);
	return true;
}

/* The store's counters, read inside a walk's window. */
struct smm_validate_counts {
	unsigned long used;
	long shadow_only;
};

static void smm_validate_read_counts(struct smm_pool *pool, struct smm_validate_counts *k)
{
	k->used = pool->swap.ready ? smm_swap_owned_slots(&pool->swap) : 0;
	k->shadow_only = atomic_long_read(&pool->workingset.nr_shadow_only);
}

/*
 * The store's totals against every object's shadow entries, over a walk
 * of every object no change overlapped (an object skipped as going away
 * counts as a change: its entries are leaving).  @c and @k hold the
 * checking walk's census and counters and @quiet says whether that walk
 * qualifies; otherwise the census is taken again, counting only.
 */
static void smm_validate_totals(struct smm_pool *pool, struct smm_shadow_census *c,
				struct smm_validate_counts *k, bool quiet,
				struct smm_validate_walk *cw)
{
	struct smm_shadow_census recount;
	struct smm_validate_walk w = { .census = &recount, .count_only = true };
	struct smm_validate_counts rk;
	struct smm_report *r = cw->report;
	unsigned long begun;

	while (!quiet && smm_validate_may_wait(cw)) {
		memset(&recount, 0, sizeof(recount));
		quiet = smm_validate_quiet(pool, &begun);
		quiet = !smm_object_for_each(pool, smm_validate_object_census, &w) && quiet;
		smm_validate_read_counts(pool, &rk);
		if (quiet && smm_validate_unchanged(pool, begun)) {
			c = &recount;
			k = &rk;
		} else {
			quiet = false;
		}
	}
	if (!quiet) {
		cw->uncompared++;
		return;
	}
	if (c->bad_slots)
		smm_report(r, "swap: %lu shadow entries hold a free slot or one another holds too; the first: object %llu at %lu, slot %u\n",
			   c->bad_slots, c->bad_obj, c->bad_index, c->bad_slot);
	if (pool->swap.ready && c->with_slot != k->used)
		smm_report(r, "swap: %lu slots in use, %lu held by shadow entries\n",
			   k->used, c->with_slot);
	if (c->shadow_only != k->shadow_only)
		smm_report(r, "swap: %lu shadow entries without a slot, %ld counted\n",
			   c->shadow_only, k->shadow_only);
}

/**
 * smm_object_validate() - check every object's pages, the pinned list and
 *			   the quarantine
 * @pool: the pool
 * @r: where problems are reported
 *
 * Also the backing store's accounting: every shadow entry's slot is in
 * use and held by no other entry, the slots in use are exactly those of
 * the shadow entries (but those a swap file's write still holds after
 * its waiter left), and the shadow-only entries are counted right.
 * What a walk found is only believed when no change to objects' entries
 * overlapped it; on a pool that never stops changing, what could not be
 * compared within a second of retries is logged, not reported.  No
 * spinlock is held across an object's entries, however many there are,
 * nor across more than SMM_WALK_BATCH frames of the pinned list or the
 * quarantine; their counts are still compared exactly.
 *
 * Context: Process context, may sleep; takes the object and pinned list
 * locks, and pool->objects.pinned_walk.
 * Return: the number of problems found.
 */
unsigned int smm_object_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int before = r->problems;
	struct smm_shadow_census c = { };
	struct smm_validate_walk w = {
		.census = &c,
		.report = r,
		.deadline = jiffies + SMM_VALIDATE_BUDGET,
	};
	struct smm_validate_counts k;
	unsigned long pinned = 0, quarantined = 0, begun;
	struct smm_page *frame;
	unsigned int held = 0;
	bool quiet;

	if (pool->swap.ready)
		c.slots = bitmap_zalloc(pool->swap.nr_slots, GFP_KERNEL);
	quiet = smm_validate_quiet(pool, &begun);
	quiet = !smm_object_for_each(pool, smm_validate_object, &w) && quiet;
	smm_validate_read_counts(pool, &k);
	quiet = quiet && smm_validate_unchanged(pool, begun);
	bitmap_free(c.slots);
	c.slots = NULL;
	smm_validate_totals(pool, &c, &k, quiet, &w);
	if (w.uncompared)
		pr_info_ratelimited("%s: validate: %lu counts not compared: the pool changed during every walk for a second\n",
				    pool->name, w.uncompared);

	/*
	 * A batch at a time (smm_pinned_walk_step()), and still exact: with
	 * pinned_walk held no frame leaves either list, frames added meanwhile
	 * join the tails the walks go on to, and each count is compared in
	 * the same hold of the lock as the walk's last step.
	 */
	mutex_lock(&pool->objects.pinned_walk);
	spin_lock(&pool->objects.pinned_lock);
	list_for_each_entry(frame, &pool->objects.pinned, lru) {
		struct page *page = smm_frame_struct_page(pool, frame);

		pinned += smm_pinned_weight(pool, frame);
		/* The list's reference and the one it had in its object. */
		if (page->mapping || page_ref_count(page) < 2)
			smm_report(r, "pinned frame %lu: mapping %p, count %d\n",
				   smm_page_sfn(&pool->region, frame), page->mapping,
				   page_ref_count(page));
		smm_pinned_walk_step(pool, &held);
	}
	if (pinned != pool->objects.nr_pinned)
		smm_report(r, "pinned list holds %lu pages, %lu counted\n",
			   pinned, pool->objects.nr_pinned);
	/* Off the buddy and out of every object, whatever their count. */
	list_for_each_entry(frame, &pool->objects.quarantine, lru) {
		struct page *page = smm_frame_struct_page(pool, frame);

		quarantined++;
		/* Zero when freed; else the pinned list's two, and more. */
		if (page->mapping || frame->object || page_ref_count(page) == 1 ||
		    (smm_page_flags(frame) & (BIT(SMM_PG_buddy) | BIT(SMM_PG_pcp) |
				     BIT(SMM_PG_slab) | BIT(SMM_PG_lru))))
			smm_report(r, "quarantined frame %lu: mapping %p, flags %#lx, count %d\n",
				   smm_page_sfn(&pool->region, frame), page->mapping,
				   smm_page_flags(frame) & SMM_PAGE_FLAGS_MASK, page_ref_count(page));
		smm_pinned_walk_step(pool, &held);
	}
	if (quarantined != pool->objects.nr_quarantined)
		smm_report(r, "quarantine holds %lu frames, %lu counted\n",
			   quarantined, pool->objects.nr_quarantined);
	smm_pinned_walk_hold_end(pool, &held);
	spin_unlock(&pool->objects.pinned_lock);
	mutex_unlock(&pool->objects.pinned_walk);

	/* Frames move between the two while we look: only flag a loss. */
	if (w.resident + pinned > atomic_long_read(&pool->objects.nr_pages) &&
	    !atomic_long_read(&pool->objects.nr_pages))
		smm_report(r, "object pages: %lu resident + %lu pinned, 0 counted\n",
			   w.resident, pinned);
	return r->problems - before;
}
SMM_EXPORT(smm_object_validate);
