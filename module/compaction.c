// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: compaction, and the kcompactd threads.
 *
 * The buddy allocator only ever splits what nothing merges back while
 * object pages sit scattered over the region: after a while every block
 * of high order is broken by a page or two.  Compaction moves those pages
 * away, as the kernel's mm/compaction.c does.  In one zone:
 *
 * - the migrate scanner walks up from the zone's first frame, a batch of
 *   at most SMM_COMPACT_BATCH pages at a time, and takes the movable ones:
 *   object pages on the LRU (evictable; an unevictable, mlocked page
 *   stays), each with a reference on its struct page so that it cannot
 *   be freed and reused meanwhile.  The page is not taken off its list:
 *   the migration locks it, which keeps reclaim (which only tries the
 *   page lock) away, and the new frame takes the old one's place there;
 * - the free scanner walks down from the zone's top, one block of
 *   SMM_COMPACT_BLOCK frames at a time, and takes free frames of the
 *   blocks it finds below SMM_COMPACT_ORDER off the buddy lists as single
 *   frames (smm_buddy_isolate_free()): as many as the batch has pages,
 *   no more, so that the free frames a fault may need are never held
 *   beyond one batch's worth;
 * - each page taken is migrated to a free frame
 *   (smm_object_migrate_page(), module/evict.c: lock, unmap from every
 *   process, copy, replace in i_pages, move the LRU place and flags,
 *   free the old frame).  A page locked by someone else is waited for
 *   when a caller waits for the run (the knob; killably, as the kernel's
 *   synchronous migration waits), and only tried by kcompactd, which
 *   must stop when told to.  A page that failed for a moment (mapped
 *   again, a reference held, for kcompactd locked) is tried again in the
 *   batch's next pass, up to SMM_COMPACT_MIGRATE_PASSES of them, as the
 *   kernel's migrate_pages() retries; one that cannot move (pinned,
 *   mlocked) stays at once.  A free frame a page did not take serves the
 *   next;
 *   the frames a batch did not use go back to the buddy lists at once;
 * - the scanners meet when the migrate scanner reaches the block the free
 *   scanner last took frames from: every movable page below has moved up,
 *   and the frames they left merge into high-order blocks.
 *
 * A run needs free frames to move pages to: it does not start in a zone
 * whose free frames are below its min watermark plus a batch, and stops
 * when they fall there meanwhile, so that compaction never takes the
 * frames a fault needs (kcompactd asks for more before it starts: the low
 * watermark plus twice the block it builds, as the kernel's
 * compaction_suitable() does).
 *
 * The "compact 1" knob compacts every zone of the pool at once, whole
 * (the kernel's /proc/sys/vm/compact_memory).  A kcompactd thread per node
 * compacts in the background: woken when an allocation of order
 * SMM_COMPACT_WAKE_ORDER or more fails, or by kswapd when, after a run, a
 * zone's fragmentation index for SMM_COMPACT_ORDER is above the pool's
 * extfrag_threshold; it compacts each zone of its node where compaction
 * is suitable (enough free frames, and a failure would be for
 * fragmentation rather than lack of memory) until a block of the order
 * asked for is free.  A zone's run that fails defers the next runs for
 * that order and above, as the kernel's compaction deferral does (per
 * zone: considered, defer_shift, order_failed).  Only the live pool has
 * kcompactd threads (smm_pool_config.kcompactd): a test's pool compacts
 * only when its test asks.
 *
 * Counters (vmstat): compact_migrate_scanned, compact_free_scanned,
 * compact_isolated (pages and free frames taken), compact_stall (runs a
 * caller waited for: the knob), compact_success and compact_fail (per
 * zone run, the knob's and kcompactd's: a block of the order asked for,
 * SMM_COMPACT_ORDER for the knob, was free in that zone afterwards or
 * not), kcompactd_wake.  Tracepoints shadowmm_compaction_*, with the
 * fields of the kernel's mm_compaction_* events.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compaction.h>
#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/object.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <trace/events/shadowmm.h>

/**
 * struct smm_compact_control - one zone's compaction run (the kernel's
 * struct compact_control)
 * @pool:	the pool
 * @zone:	the zone
 * @order:	stop once a block of this order is free; -1: the whole zone
 * @sync:	a caller waits for it (the knob): a locked page is waited
 *		for; else kcompactd's, which only tries page locks
 * @migrate_sfn: the next frame the migrate scanner looks at
 * @free_sfn:	the first frame of the block the free scanner is in: every
 *		block above it is scanned
 * @free_pos:	the next frame the free scanner looks at in its block
 * @free_end:	one past its block's last frame
 * @freepages:	free frames taken and not used yet, linked by lru
 * @nr_freepages: frames on @freepages
 * @migrate:	the pages the migrate scanner took, each with a reference
 * @nr_migrate:	entries of @migrate
 * @stats:	what the run did
 */
struct smm_compact_control {
	struct smm_pool *pool;
	struct smm_zone *zone;
	int order;
	bool sync;
	unsigned long migrate_sfn;
	unsigned long free_sfn;
	unsigned long free_pos;
	unsigned long free_end;
	struct list_head freepages;
	unsigned long nr_freepages;
	struct smm_page *migrate[SMM_COMPACT_BATCH];
	unsigned int nr_migrate;
	struct smm_compact_stats stats;
};

/*
 * The pfn of frame @sfn of the zone, for the tracepoints.  The region's
 * chunks are not contiguous in pfns: an end (one past a last frame, the
 * zone's end included) is shown as one past the last frame's pfn.
 */
static unsigned long smm_compact_pfn(struct smm_compact_control *cc, unsigned long sfn)
{
	return smm_sfn_pfn(&cc->pool->region, sfn);
}

static unsigned long smm_compact_end_pfn(struct smm_compact_control *cc, unsigned long sfn)
{
	return smm_sfn_pfn(&cc->pool->region, sfn - 1) + 1;
}

/* A scanner's position, which may be the zone's end. */
static unsigned long smm_compact_pos_pfn(struct smm_compact_control *cc, unsigned long sfn)
{
	return sfn < smm_zone_end_sfn(cc->zone) ? smm_compact_pfn(cc, sfn) :
						  smm_compact_end_pfn(cc, sfn);
}

/* A free block of @order or more on @zone's lists (a lockless snapshot). */
static bool smm_zone_has_block(struct smm_zone *zone, unsigned int order)
{
	unsigned int o;

	for (o = order; o < SMM_NR_ORDERS; o++)
		if (READ_ONCE(zone->free_area[o].nr_free))
			return true;
	return false;
}

/**
 * smm_zone_extfrag_index() - a zone's fragmentation index for an order
 * @zone: the zone
 * @order: 0..SMM_MAX_ORDER
 *
 * The kernel's fragmentation_index(), in thousandths: toward 0 a failed
 * allocation of @order would be for lack of memory, toward 1000 for
 * fragmentation.
 *
 * Context: Any context; a lockless snapshot of the free lists' counts.
 * Return: the index; -1000 when a free block of @order or more exists, 0
 * when nothing is free.
 */
int smm_zone_extfrag_index(struct smm_zone *zone, unsigned int order)
{
	unsigned long blocks = 0, pages = 0, suitable = 0;
	unsigned int o;

	for (o = 0; o < SMM_NR_ORDERS; o++) {
		unsigned long n = READ_ONCE(zone->free_area[o].nr_free);

		blocks += n;
		pages += n << o;
		if (o >= order)
			suitable += n;
	}
	if (!blocks)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - (int)((1000 + pages * 1000 / (1UL << order)) / blocks);
}
SMM_EXPORT(smm_zone_extfrag_index);

/*
 * Free frames in @zone above its @mark watermark for @nr more that the
 * free scanner would take?  A lockless snapshot: the check is redone
 * before each batch.
 */
static bool smm_compact_watermark_ok(struct smm_zone *zone, enum smm_wmark mark,
				     unsigned long nr)
{
	return smm_zone_free(zone) >= READ_ONCE(zone->watermark[mark]) + nr;
}

/*
 * The kernel's compaction_suitable(): a zone with a free block of @order
 * needs no compaction; one without enough free frames for the migrations
 * (above low, plus twice the block) cannot be helped; and one whose
 * failures would be for lack of memory rather than fragmentation (index
 * at or below the threshold) is not worth it.
 */
static bool smm_compaction_suitable(struct smm_pool *pool, struct smm_zone *zone,
				    unsigned int order)
{
	int index;

	if (!smm_zone_populated(zone) || smm_zone_has_block(zone, order))
		return false;
	if (!smm_compact_watermark_ok(zone, SMM_WMARK_LOW, 2UL << order))
		return false;
	index = smm_zone_extfrag_index(zone, order);
	return index > (int)READ_ONCE(pool->compact.extfrag_threshold);
}

/*
 * The migrate scanner: from @cc->migrate_sfn up to the end of its block
 * (or the free scanner's lowest frame), take up to SMM_COMPACT_BATCH
 * object pages on the LRU, each with a reference.  A frame's flags are
 * read without a lock: the reference, taken only while the count is not
 * zero (a free frame has none), and the mapping seen after it say it is
 * an object page; smm_object_migrate_page() checks all again under the
 * page lock.
 */
static void smm_isolate_migratepages(struct smm_compact_control *cc)
{
	struct smm_pool *pool = cc->pool;
	unsigned long start = cc->migrate_sfn, sfn, end, scanned = 0;

	end = min(round_down(start, SMM_COMPACT_BLOCK) + SMM_COMPACT_BLOCK, cc->free_sfn);
	for (sfn = start; sfn < end && cc->nr_migrate < SMM_COMPACT_BATCH; sfn++) {
		struct smm_page *frame = smm_sfn_page(&pool->region, sfn);
		unsigned long flags = READ_ONCE(frame->flags);
		struct page *page;

		scanned++;
		if (!(flags & BIT(SMM_PG_lru)) || (flags & BIT(SMM_PG_unevictable)))
			continue;
		page = smm_frame_struct_page(pool, frame);
		/*
		 * A speculative reference: the frame is not ours and may be
		 * freed meanwhile, which its owner does by freezing the count,
		 * never by dropping it to zero, so put_page() below is safe.
		 */
		if (!get_page_unless_zero(page))
			continue;
		/*
		 * Taken out of its object meanwhile, waiting for a pin,
		 * mlocked or its memory failed (it stays:
		 * smm_object_migrate_page() would refuse); a PMD-sized folio
		 * stays whole where it is (the free scanner takes single
		 * frames only).
		 */
		if (!READ_ONCE(page->mapping) || PageCompound(page) ||
		    !smm_page_test(frame, SMM_PG_lru) ||
		    smm_page_test(frame, SMM_PG_unevictable) ||
		    folio_test_mlocked(page_folio(page)) || PageHWPoison(page)) {
			put_page(page);
			continue;
		}
		cc->migrate[cc->nr_migrate++] = frame;
	}
	cc->migrate_sfn = sfn;
	cc->stats.migrate_scanned += scanned;
	cc->stats.isolated_migrate += cc->nr_migrate;
	trace_shadowmm_compaction_isolate_migratepages(smm_compact_pos_pfn(cc, start),
						       sfn > start ? smm_compact_end_pfn(cc, sfn) :
								     smm_compact_pos_pfn(cc, sfn),
						       scanned, cc->nr_migrate);
}

/*
 * The free scanner: free frames until @cc holds @nr_wanted, from where it
 * stopped in its block, then from the blocks below, top-down, never from
 * the migrate scanner's own block or below.  Returns false when the
 * scanners met (@cc may hold fewer frames then).
 */
static bool smm_isolate_freepages(struct smm_compact_control *cc,
				  unsigned int nr_wanted)
{
	struct smm_zone *zone = cc->zone;

	while (cc->nr_freepages < nr_wanted) {
		unsigned long from, scanned = 0;
		unsigned int n;

		if (cc->free_pos >= cc->free_end) {
			unsigned long start;

			if (cc->free_sfn <= zone->start_sfn)
				return false;
			start = round_down(cc->free_sfn - 1, SMM_COMPACT_BLOCK);
			if (start < round_down(cc->migrate_sfn, SMM_COMPACT_BLOCK) +
				    SMM_COMPACT_BLOCK)
				return false;
			start = max(start, zone->start_sfn);
			cc->free_end = cc->free_sfn;
			cc->free_sfn = start;
			cc->free_pos = start;
		}
		from = cc->free_pos;
		n = smm_buddy_isolate_free(zone, &cc->free_pos, cc->free_end,
					   SMM_COMPACT_ORDER, nr_wanted - cc->nr_freepages,
					   &cc->freepages, &scanned);
		trace_shadowmm_compaction_isolate_freepages(smm_compact_pfn(cc, from),
							    smm_compact_end_pfn(cc, cc->free_pos),
							    scanned, n);
		cc->nr_freepages += n;
		cc->stats.free_scanned += scanned;
		cc->stats.isolated_free += n;
		cc->stats.max_free_held = max(cc->stats.max_free_held, cc->nr_freepages);
	}
	return true;
}

/* The free frames @cc holds and did not use go back to the buddy lists. */
static void smm_release_freepages(struct smm_compact_control *cc)
{
	smm_buddy_release_free(cc->zone, &cc->freepages);
	cc->nr_freepages = 0;
}

/* The pages the migrate scanner took go back untouched. */
static void smm_putback_migratepages(struct smm_compact_control *cc)
{
	unsigned int i;

	for (i = 0; i < cc->nr_migrate; i++)
		put_page(smm_frame_struct_page(cc->pool, cc->migrate[i]));
	cc->nr_migrate = 0;
}

/*
 * The run must stop: the knob's writer got a signal (a kill, the
 * freezer's, a ^C), or kcompactd is stopping or freezing (it freezes
 * between runs, never with frames isolated).
 */
static bool smm_compact_should_stop(struct smm_compact_control *cc)
{
	if (signal_pending(current))
		return true;
	return !cc->sync && (kthread_should_stop() || freezing(current));
}

/*
 * One try at moving @frame to the next free frame the run holds, or, when
 * it holds none (a lost race gave one back to the pool, a poisoned one
 * was quarantined), to one the free scanner takes now, while the zone
 * stays above its min watermark (the batch's check counted one frame a
 * page: a frame given back through a per-CPU list is not counted free
 * again); *@more becomes false when that scanner met the migrate
 * scanner.  Returns smm_object_migrate_page()'s result, or -ENOMEM when
 * no free frame was left.  A frame left unused goes back on the run's
 * list (unless a lost race gave it back to the pool).
 */
static int smm_migrate_one(struct smm_compact_control *cc, struct smm_page *frame,
			   bool *more)
{
	struct smm_pool *pool = cc->pool;
	struct smm_page *new;
	int ret;

	for (;;) {
		if (list_empty(&cc->freepages) && *more &&
		    smm_compact_watermark_ok(cc->zone, SMM_WMARK_MIN, 1))
			*more = smm_isolate_freepages(cc, 1);
		if (list_empty(&cc->freepages))
			return -ENOMEM;
		new = list_first_entry(&cc->freepages, struct smm_page, lru);
		list_del_init(&new->lru);
		cc->nr_freepages--;
		/* Its memory failed while it was free: never used again. */
		if (likely(!PageHWPoison(smm_frame_struct_page(pool, new))))
			break;
		smm_object_frame_quarantine(pool, new);
	}
	ret = smm_object_migrate_page(pool, frame, &new, cc->sync);
	if (ret && new) {
		list_add(&new->lru, &cc->freepages);
		cc->nr_freepages++;
	}
	return ret;
}

/*
 * Whether a page that did not move is worth another pass: it was mapped
 * again or held by a reference that is not a pin (a fault, a read()
 * copying it, a lookup), or, for kcompactd, locked.  A knob run's -EAGAIN
 * is a fatal signal that came while it waited for the lock.
 */
static bool smm_migrate_transient(struct smm_compact_control *cc, int ret)
{
	return ret == -EBUSY || (ret == -EAGAIN && !cc->sync);
}

/*
 * Migrate the pages the migrate scanner took, each to a free frame, with
 * as many free frames taken as there are pages; those left unused (a page
 * that could not move) go back at the end of the batch.  A page that
 * failed for a moment's reason is tried again, in up to
 * SMM_COMPACT_MIGRATE_PASSES passes over the batch, as the kernel's
 * migrate_pages() retries its -EAGAIN folios: the other pages' moves in
 * between give whoever held it the time to let go.  Returns false when
 * the free scanner met the migrate scanner: the pages it found no frame
 * for are given back.
 */
static bool smm_migrate_batch(struct smm_compact_control *cc)
{
	struct smm_pool *pool = cc->pool;
	unsigned int i, n = cc->nr_migrate, pass, migrated = 0, tried = 0;
	bool more;

	more = smm_isolate_freepages(cc, cc->nr_migrate);
	for (pass = 0; n && pass < SMM_COMPACT_MIGRATE_PASSES; pass++) {
		unsigned int again = 0;

		if (pass && smm_compact_should_stop(cc))
			break;
		for (i = 0; i < n; i++) {
			struct smm_page *frame = cc->migrate[i];
			int ret = smm_migrate_one(cc, frame, &more);

			if (ret == -ENOMEM) {
				put_page(smm_frame_struct_page(pool, frame));
				continue;
			}
			if (!pass)
				tried++;
			if (!ret) {
				migrated++;
				continue;
			}
			if (smm_migrate_transient(cc, ret))
				cc->migrate[again++] = frame;
			else
				put_page(smm_frame_struct_page(pool, frame));
			cond_resched();
		}
		n = again;
	}
	/* Still busy after the last pass: they stay where they are. */
	for (i = 0; i < n; i++)
		put_page(smm_frame_struct_page(pool, cc->migrate[i]));
	cc->nr_migrate = 0;
	smm_release_freepages(cc);
	cc->stats.migrated += migrated;
	cc->stats.failed += tried - migrated;
	trace_shadowmm_compaction_migratepages(tried, migrated);
	return more;
}

static void smm_compact_count(struct smm_pool *pool, const struct smm_compact_stats *s)
{
	smm_count_events(pool, SMM_PGMIGRATE_SUCCESS, s->migrated);
	smm_count_events(pool, SMM_PGMIGRATE_FAIL, s->failed);
	smm_count_events(pool, SMM_COMPACTMIGRATE_SCANNED, s->migrate_scanned);
	smm_count_events(pool, SMM_COMPACTFREE_SCANNED, s->free_scanned);
	smm_count_events(pool, SMM_COMPACTISOLATED, s->isolated_migrate + s->isolated_free);
}

static void smm_compact_stats_add(struct smm_compact_stats *to,
				  const struct smm_compact_stats *s)
{
	to->migrate_scanned += s->migrate_scanned;
	to->free_scanned += s->free_scanned;
	to->isolated_migrate += s->isolated_migrate;
	to->isolated_free += s->isolated_free;
	to->migrated += s->migrated;
	to->failed += s->failed;
	to->max_free_held = max(to->max_free_held, s->max_free_held);
}

/**
 * smm_compact_zone() - compact one zone
 * @pool: the pool
 * @zone: one of its zones
 * @order: stop once a free block of this order exists; -1 for the whole
 *	   zone (the scanners meet)
 * @sync: a caller waits for it (traced as sync), and it waits for the
 *	  lock of a page someone else holds; kcompactd's run (async) only
 *	  tries page locks, and stops when its thread is being stopped
 * @stats: what the run did, added to (may be NULL)
 *
 * The caller serialises runs of a pool with pool->compact.lock.  The
 * counters compact_migrate_scanned, compact_free_scanned and
 * compact_isolated move; the tracepoints shadowmm_compaction_begin and
 * _end bracket the run.  Frames that migrated pages left, and unused
 * free frames, are back on the buddy lists when it returns.  The run
 * holds at most a batch of SMM_COMPACT_BATCH free frames at a time, does
 * not start unless the zone's free frames are at least its min watermark
 * plus a batch, and stops when they fall below that.
 *
 * Context: Process context, may sleep; pool->compact.lock held, no other
 * lock.
 * Return: SMM_COMPACT_SKIPPED (empty zone, no object page on its node,
 * a block of @order already free, or too few free frames),
 * SMM_COMPACT_SUCCESS (a block of @order is free now),
 * SMM_COMPACT_COMPLETE (the scanners met), SMM_COMPACT_PARTIAL_SKIPPED
 * (the free frames fell to the watermark) or SMM_COMPACT_CONTENDED
 * (stopped by a fatal signal or kthread_stop()).
 */
enum smm_compact_result smm_compact_zone(struct smm_pool *pool, struct smm_zone *zone,
					 int order, bool sync,
					 struct smm_compact_stats *stats)
{
	struct smm_compact_control *cc = pool->compact.control;
	enum smm_compact_result ret = SMM_COMPACT_COMPLETE;
	struct smm_lruvec *lruvec = &zone->node->lruvec;

	lockdep_assert_held(&pool->compact.lock);
	might_sleep();
	if (!smm_zone_populated(zone) ||
	    (order >= 0 && smm_zone_has_block(zone, order)) ||
	    !(smm_lru_evictable(zone->node) + READ_ONCE(lruvec->nr_unevictable)) ||
	    !smm_compact_watermark_ok(zone, SMM_WMARK_MIN, SMM_COMPACT_BATCH))
		return SMM_COMPACT_SKIPPED;
	memset(cc, 0, sizeof(*cc));
	cc->pool = pool;
	cc->zone = zone;
	cc->order = order;
	cc->sync = sync;
	cc->migrate_sfn = zone->start_sfn;
	cc->free_sfn = smm_zone_end_sfn(zone);
	cc->free_pos = cc->free_sfn;
	cc->free_end = cc->free_sfn;
	INIT_LIST_HEAD(&cc->freepages);

	trace_shadowmm_compaction_begin(smm_compact_pfn(cc, zone->start_sfn),
					smm_compact_pos_pfn(cc, cc->migrate_sfn),
					smm_compact_pos_pfn(cc, cc->free_sfn),
					smm_compact_end_pfn(cc, smm_zone_end_sfn(zone)), sync);
	/* A page queued in an LRU batch has the batch's reference: let go. */
	smm_lru_drain_all(pool);
	while (cc->migrate_sfn < cc->free_sfn) {
		unsigned long block = cc->migrate_sfn / SMM_COMPACT_BLOCK;

		if (smm_compact_should_stop(cc)) {
			ret = SMM_COMPACT_CONTENDED;
			break;
		}
		smm_isolate_migratepages(cc);
		/*
		 * The batch's free frames must leave the zone at or above its
		 * min watermark; frames that earlier batches freed may still
		 * sit per CPU, where the count does not see them.
		 */
		if (cc->nr_migrate &&
		    !smm_compact_watermark_ok(zone, SMM_WMARK_MIN, cc->nr_migrate)) {
			smm_pcp_drain_all(pool);
			if (!smm_compact_watermark_ok(zone, SMM_WMARK_MIN, cc->nr_migrate)) {
				smm_putback_migratepages(cc);
				ret = SMM_COMPACT_PARTIAL_SKIPPED;
				break;
			}
		}
		if (cc->nr_migrate && !smm_migrate_batch(cc))
			break;
		/* A block done: the frames it left may sit per CPU. */
		if (order >= 0 && cc->migrate_sfn / SMM_COMPACT_BLOCK != block) {
			smm_pcp_drain_all(pool);
			if (smm_zone_has_block(zone, order)) {
				ret = SMM_COMPACT_SUCCESS;
				break;
			}
		}
		cond_resched();
	}
	WARN_ON_ONCE(cc->nr_migrate || !list_empty(&cc->freepages));
	smm_pcp_drain_all(pool);
	if (ret == SMM_COMPACT_COMPLETE && order >= 0 && smm_zone_has_block(zone, order))
		ret = SMM_COMPACT_SUCCESS;
	trace_shadowmm_compaction_end(smm_compact_pfn(cc, zone->start_sfn),
				      smm_compact_pos_pfn(cc, cc->migrate_sfn),
				      smm_compact_pos_pfn(cc, cc->free_sfn),
				      smm_compact_end_pfn(cc, smm_zone_end_sfn(zone)), sync, ret);
	smm_compact_count(pool, &cc->stats);
	if (stats)
		smm_compact_stats_add(stats, &cc->stats);
	return ret;
}
SMM_EXPORT(smm_compact_zone);

/* Count a zone's run for @order: was a block of it free there afterwards? */
static void smm_compact_count_outcome(struct smm_pool *pool, struct smm_zone *zone,
				      unsigned int order)
{
	smm_count_event(pool, smm_zone_has_block(zone, order) ?
			SMM_COMPACTSUCCESS : SMM_COMPACTFAIL);
}

/**
 * smm_compact_pool() - compact every zone of a pool, whole (knob
 * "compact 1", tests)
 * @pool: the pool
 * @stats: what the run did, added to (may be NULL)
 *
 * Waits for a kcompactd run under way.  Counted as compact_stall, and
 * each zone that was compacted (not skipped) as compact_success when it
 * has a free block of SMM_COMPACT_ORDER afterwards, compact_fail
 * otherwise.  Deferral is kcompactd's alone: the knob ignores it.
 *
 * Context: Process context, may sleep; no lock held.
 * Return: 0, or -EINTR when a signal stopped it (a kill, a ^C, the
 * freezer's for suspend; what moved stays moved).
 */
int smm_compact_pool(struct smm_pool *pool, struct smm_compact_stats *stats)
{
	struct smm_zone *zone;
	int i;

	if (mutex_lock_interruptible(&pool->compact.lock))
		return -EINTR;
	smm_count_event(pool, SMM_COMPACTSTALL);
	for_each_smm_zone(pool, zone, i) {
		enum smm_compact_result r = smm_compact_zone(pool, zone, -1, true, stats);

		if (r != SMM_COMPACT_SKIPPED)
			smm_compact_count_outcome(pool, zone, SMM_COMPACT_ORDER);
		if (r == SMM_COMPACT_CONTENDED)
			break;
	}
	mutex_unlock(&pool->compact.lock);
	return signal_pending(current) ? -EINTR : 0;
}
SMM_EXPORT(smm_compact_pool);

/**
 * smm_compaction_defer() - a zone's run for an order failed
 * @d: the zone's deferral
 * @order: the order
 *
 * The next runs for @order or more are skipped, twice as many as after
 * the previous failure (up to 1 << SMM_COMPACT_MAX_DEFER_SHIFT).
 *
 * Context: Any context; the caller serialises the calls on @d (kcompactd
 * holds pool->compact.lock).
 */
void smm_compaction_defer(struct smm_compact_defer *d, unsigned int order)
{
	d->considered = 0;
	if (d->defer_shift < SMM_COMPACT_MAX_DEFER_SHIFT)
		d->defer_shift++;
	if ((int)order < d->order_failed)
		d->order_failed = order;
}
SMM_EXPORT(smm_compaction_defer);

/**
 * smm_compaction_deferred() - is a zone's run for an order to be skipped?
 * @d: the zone's deferral
 * @order: the order
 *
 * Counts the run as considered.
 *
 * Context: Any context; the caller serialises the calls on @d (kcompactd
 * holds pool->compact.lock).
 * Return: true to skip it.
 */
bool smm_compaction_deferred(struct smm_compact_defer *d, unsigned int order)
{
	unsigned int limit = 1U << d->defer_shift;

	if ((int)order < d->order_failed)
		return false;
	if (++d->considered >= limit) {
		d->considered = limit;
		return false;
	}
	return true;
}
SMM_EXPORT(smm_compaction_deferred);

/**
 * smm_compaction_defer_reset() - a zone's run for an order succeeded
 * @d: the zone's deferral
 * @order: the order
 *
 * Nothing is deferred any more, and orders up to @order no longer count
 * as failed.
 *
 * Context: Any context; the caller serialises the calls on @d (kcompactd
 * holds pool->compact.lock).
 */
void smm_compaction_defer_reset(struct smm_compact_defer *d, unsigned int order)
{
	d->considered = 0;
	d->defer_shift = 0;
	if ((int)order >= d->order_failed)
		d->order_failed = order + 1;
}
SMM_EXPORT(smm_compaction_defer_reset);

/*
 * kcompactd's run: each zone of its node up to @highest where compaction
 * is not deferred and is suitable, each counted and deferred on its own.
 */
static void smm_kcompactd_run(struct smm_kcompactd *k, unsigned int order,
			      unsigned int highest)
{
	struct smm_pool *pool = k->pool;
	int t;

	/*
	 * The knob's run holds it, and may wait for a page lock as long as
	 * the page's holder takes (a store's write): it compacts every zone,
	 * and kcompactd, which must stop when told to, does not queue
	 * behind it.
	 */
	if (!mutex_trylock(&pool->compact.lock))
		return;
	for (t = 0; t <= (int)highest && t < SMM_NR_ZONE_TYPES; t++) {
		struct smm_zone *zone = &k->node->zones[t];
		struct smm_compact_defer *d = &k->defer[t];
		enum smm_compact_result r;

		if (kthread_should_stop())
			break;
		if (!smm_zone_populated(zone) || smm_compaction_deferred(d, order) ||
		    !smm_compaction_suitable(pool, zone, order))
			continue;
		r = smm_compact_zone(pool, zone, order, false, NULL);
		if (r == SMM_COMPACT_SKIPPED)
			continue;
		smm_compact_count_outcome(pool, zone, order);
		if (r == SMM_COMPACT_SUCCESS)
			smm_compaction_defer_reset(d, order);
		else if (r == SMM_COMPACT_COMPLETE || r == SMM_COMPACT_PARTIAL_SKIPPED)
			smm_compaction_defer(d, order);
	}
	mutex_unlock(&pool->compact.lock);
}

static int smm_kcompactd_fn(void *arg)
{
	struct smm_kcompactd *k = arg;

	/* Frozen for suspend and hibernation, as the kernel's kcompactd. */
	set_freezable();
	while (!kthread_should_stop()) {
		unsigned int order, highest;

		WRITE_ONCE(k->running, false);
		wait_event_freezable(k->wait, test_bit(SMM_KCOMPACTD_WOKEN, &k->flags) ||
				     kthread_should_stop());
		if (kthread_should_stop())
			break;
		WRITE_ONCE(k->running, true);
		/* Running is seen before the bit clears (smm_kcompactd_idle()). */
		smp_mb__before_atomic();
		clear_bit(SMM_KCOMPACTD_WOKEN, &k->flags);
		/* Pairs with test_and_set_bit() in smm_kcompactd_wake(). */
		smp_mb__after_atomic();
		order = xchg(&k->order, 0);
		highest = xchg(&k->highest_zoneidx, 0);
		smm_kcompactd_run(k, order, highest);
	}
	WRITE_ONCE(k->running, false);
	return 0;
}

/**
 * smm_kcompactd_wake() - ask a node's kcompactd for a block of an order
 * @pool: the pool
 * @node: the node
 * @order: the order wanted
 * @highest_zoneidx: the highest zone type the caller could use
 *
 * A bit and a wake_up, nothing more: whether compaction is suitable, or
 * deferred, is the thread's to find out per zone.  Ignored while a wake
 * is pending, and when the pool has no kcompactd or is being destroyed:
 * the threads are looked up under RCU, and smm_compaction_pool_destroy()
 * lets a grace period pass before it stops and frees them.
 *
 * Context: Any context the allocator runs in (spinlocks may be held).
 */
void smm_kcompactd_wake(struct smm_pool *pool, struct smm_node *node,
			unsigned int order, unsigned int highest_zoneidx)
{
	struct smm_kcompactd *kcompactd, *k;

	rcu_read_lock();
	kcompactd = rcu_dereference(pool->compact.kcompactd);
	if (!kcompactd)
		goto out;
	k = &kcompactd[node->index];
	if (test_bit(SMM_KCOMPACTD_WOKEN, &k->flags))
		goto out;
	if (order > READ_ONCE(k->order))
		WRITE_ONCE(k->order, order);
	if (highest_zoneidx > READ_ONCE(k->highest_zoneidx))
		WRITE_ONCE(k->highest_zoneidx, highest_zoneidx);
	if (test_and_set_bit(SMM_KCOMPACTD_WOKEN, &k->flags))
		goto out;
	atomic_long_inc(&k->wakeups);
	smm_count_event(pool, SMM_KCOMPACTD_WAKE);
	trace_shadowmm_compaction_wakeup_kcompactd(node->nid, order, highest_zoneidx);
	wake_up_interruptible(&k->wait);
out:
	rcu_read_unlock();
}
SMM_EXPORT(smm_kcompactd_wake);

/**
 * smm_compaction_check_node() - kswapd is done: does a zone need compaction?
 * @pool: the pool
 * @node: the node kswapd balanced
 *
 * Wakes the node's kcompactd for a block of SMM_COMPACT_ORDER, up to the
 * highest zone that has none, enough free frames to build one, and a
 * fragmentation index above the pool's extfrag_threshold.
 *
 * Context: Process context (kswapd); any lock may be held.
 */
void smm_compaction_check_node(struct smm_pool *pool, struct smm_node *node)
{
	int t;

	for (t = SMM_NR_ZONE_TYPES - 1; t >= 0; t--)
		if (smm_compaction_suitable(pool, &node->zones[t], SMM_COMPACT_ORDER)) {
			smm_kcompactd_wake(pool, node, SMM_COMPACT_ORDER, t);
			return;
		}
}

/**
 * smm_kcompactd_idle() - is a node's kcompactd asleep with no wake pending?
 * @pool: the pool
 * @node: the node's index
 *
 * Context: Any context; a snapshot.
 * Return: true when idle (or when the pool has no kcompactd).
 */
bool smm_kcompactd_idle(struct smm_pool *pool, int node)
{
	struct smm_kcompactd *kcompactd;
	bool idle = true;

	rcu_read_lock();
	kcompactd = rcu_dereference(pool->compact.kcompactd);
	if (kcompactd && test_bit(SMM_KCOMPACTD_WOKEN, &kcompactd[node].flags)) {
		idle = false;
	} else if (kcompactd) {
		/* The bit first, as smm_kswapd_idle() reads them: same reason. */
		smp_rmb();
		idle = !READ_ONCE(kcompactd[node].running);
	}
	rcu_read_unlock();
	return idle;
}
SMM_EXPORT(smm_kcompactd_idle);

/**
 * smm_compaction_set_extfrag_threshold() - the extfrag_threshold knob
 * @pool: the pool
 * @val: 0..SMM_EXTFRAG_THRESHOLD_MAX
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (nothing changes) when out of range.
 */
int smm_compaction_set_extfrag_threshold(struct smm_pool *pool, unsigned int val)
{
	if (val > SMM_EXTFRAG_THRESHOLD_MAX)
		return -EINVAL;
	WRITE_ONCE(pool->compact.extfrag_threshold, val);
	return 0;
}
SMM_EXPORT(smm_compaction_set_extfrag_threshold);

/**
 * smm_compaction_pool_init() - a pool's compaction, and its kcompactds
 * @pool: the pool, built but for this
 * @kcompactd: start a kcompactd per node (the live pool); without, the
 *	       pool compacts only through smm_compact_pool() and
 *	       smm_compact_zone()
 *
 * The state of a run is made here, once: a run then needs no memory of
 * its own (the batch is too large for the stack of a deep caller).
 *
 * Context: Process context, may sleep.
 * Return: 0, -ENOMEM, or the error of kthread creation (no thread left).
 */
int smm_compaction_pool_init(struct smm_pool *pool, bool kcompactd)
{
	struct smm_kcompactd *threads;
	int i, t, ret;

	mutex_init(&pool->compact.lock);
	pool->compact.extfrag_threshold = SMM_EXTFRAG_THRESHOLD_DEFAULT;
	RCU_INIT_POINTER(pool->compact.kcompactd, NULL);
	pool->compact.control = kzalloc(sizeof(*pool->compact.control), GFP_KERNEL);
	if (!pool->compact.control) {
		ret = -ENOMEM;
		goto err_mutex;
	}
	if (!kcompactd)
		return 0;
	threads = kcalloc(pool->zones.nr_nodes, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		ret = -ENOMEM;
		goto err_control;
	}
	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_kcompactd *k = &threads[i];

		k->pool = pool;
		k->node = &pool->zones.nodes[i];
		init_waitqueue_head(&k->wait);
		atomic_long_set(&k->wakeups, 0);
		/* Nothing failed yet: no order is deferred. */
		for (t = 0; t < SMM_NR_ZONE_TYPES; t++)
			k->defer[t].order_failed = SMM_NR_ORDERS;
		k->task = kthread_create_on_node(smm_kcompactd_fn, k, k->node->nid,
						 "smm_kcompactd%d", i);
		if (IS_ERR(k->task)) {
			ret = PTR_ERR(k->task);
			goto err_threads;
		}
	}
	for (i = 0; i < pool->zones.nr_nodes; i++)
		wake_up_process(threads[i].task);
	rcu_assign_pointer(pool->compact.kcompactd, threads);
	return 0;

err_threads:
	while (i--)
		kthread_stop(threads[i].task);
	kfree(threads);
err_control:
	kfree(pool->compact.control);
	pool->compact.control = NULL;
err_mutex:
	mutex_destroy(&pool->compact.lock);
	return ret;
}

/**
 * smm_compaction_pool_destroy() - stop the kcompactds
 * @pool: the pool
 *
 * Wakers may still run (a failed allocation, kswapd): they find the
 * threads under RCU, so the threads are unpublished first, a grace period
 * lets every waker that saw them finish, and only then are they stopped
 * and freed; a wake that comes later sees none.  Called again it does
 * nothing more.
 *
 * Context: Process context, may sleep; no lock held.
 */
void smm_compaction_pool_destroy(struct smm_pool *pool)
{
	struct smm_kcompactd *threads;
	int i;

	/* Only init and destroy write it, and never at the same time. */
	threads = rcu_dereference_protected(pool->compact.kcompactd, true);
	if (threads) {
		RCU_INIT_POINTER(pool->compact.kcompactd, NULL);
		synchronize_rcu();
		for (i = 0; i < pool->zones.nr_nodes; i++)
			kthread_stop(threads[i].task);
		kfree(threads);
	}
	kfree(pool->compact.control);
	pool->compact.control = NULL;
	mutex_destroy(&pool->compact.lock);
}
SMM_EXPORT(smm_compaction_pool_destroy);
