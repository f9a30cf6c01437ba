// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the multi-generational LRU policy.
 *
 * The kernel's MGLRU (mm/vmscan.c since 6.1), on shadowmm's one
 * swap-backed LRU, per node:
 *
 * - Generations.  Pages sit on one of up to SMM_MAX_NR_GENS lists, each a
 *   generation numbered by a sequence: min_seq is the oldest, max_seq
 *   the youngest, and there are always at least SMM_MIN_NR_GENS.  A new
 *   page joins max_seq - 1 (an anonymous page not in the swap cache, as
 *   lru_gen_add_folio() places it); a refault min_seq + 1 (min_seq when
 *   only two generations exist); a page reclaim found young again
 *   max_seq; one reclaim gives back otherwise, min_seq.
 *
 * - Aging (smm_lru_gen_age()) opens generation max_seq + 1 and moves into
 *   it every page whose ptes were young, found with shadowmm's own walk
 *   of an object's mappings (smm_object_young_ptes(), the walk reclaim
 *   uses, which also makes them old).  With SMM_MAX_NR_GENS generations
 *   already, an empty oldest one is retired first; a non-empty one is
 *   never folded (aging then does nothing).  Reclaim ages before a batch
 *   when only two generations are left, or with three when the youngest
 *   holds more than half the pages or the oldest less than a quarter (the
 *   kernel's should_run_aging()); aging checks under the lock that
 *   max_seq is still the one that was seen, so racing agers open one
 *   generation, not two.
 *
 * - Eviction (smm_lru_gen_isolate()) takes the oldest generation's tail;
 *   when it is empty min_seq moves on, never below two generations.  The
 *   verdict on a candidate: young ptes send it to the youngest generation
 *   (activated), else it is evicted.
 *
 * - Tiers.  Accesses that do not go through reclaim's pte walk (faults
 *   that find a page resident, read()) are counted on the page: the
 *   first sets SMM_PG_referenced, the second SMM_PG_workingset, the
 *   next ones a two-bit count.  A page with N such accesses is in tier
 *   order_base_2(N) (0-1: tier 0, 2: 1, 3-4: 2, 5+: 3).  Each eviction
 *   and refault is counted for the tier the page left from (the tier is
 *   in its shadow entry with min_seq; a refault counts when min_seq has
 *   not moved on since).  Before each batch a controller compares each
 *   tier's refault rate, refaulted / (evicted + protected), with tier
 *   0's, over the current period plus half the history (halved each
 *   time min_seq moves on): the first tier whose rate is over twice tier
 *   0's, with at least SMM_LRU_GEN_MIN_REFAULTS refaults, and those above
 *   it are protected.  A protected page at the oldest tail goes to
 *   min_seq + 1 instead, its accesses spent (the kernel's sort_folio()
 *   and PID controller, proportional part only).
 *
 * Frames keep their generation (+1) in their flags (SMM_PAGE_GEN_MASK),
 * changed only under the node's LRU lock, which covers the lists, counts,
 * sequence numbers and the controller's history; refaults and evictions
 * are counted atomically without it.
 */

#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include <shadowmm/compat.h>
#include <shadowmm/huge.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/walk.h>
#include <shadowmm/workingset.h>
#include <trace/events/shadowmm.h>

#define SMM_LRU_GEN_TIER_BITS	2
#define SMM_LRU_GEN_SEQ_MASK	((1UL << (SMM_WS_VALUE_BITS - SMM_LRU_GEN_TIER_BITS)) - 1)

static unsigned long smm_lru_gen_nr_gens(const struct smm_lru_gen *g)
{
	return g->max_seq - g->min_seq + 1;
}

/* The generation a frame is on, or -1. */
static int smm_frame_gen(const struct smm_page *frame)
{
	return (int)((READ_ONCE(frame->flags) & SMM_PAGE_GEN_MASK) >> SMM_PAGE_GEN_SHIFT) - 1;
}

/* Forget a frame's accesses: what protected or promoted it is spent. */
static void smm_lru_gen_clear_refs(struct smm_page *frame)
{
	smm_page_set_field(frame, SMM_PAGE_REFS_MASK | BIT(SMM_PG_referenced) |
			   BIT(SMM_PG_workingset), 0);
}

/**
 * smm_lru_gen_init() - two empty generations and no history
 * @lrugen: a node's generations, with no page on them
 * @seq: the oldest generation's sequence number
 *
 * A node starts at 0.  A policy switch starts past the last generation
 * the node had (its max_seq + 1), so that a shadow entry left before,
 * whose token is the min_seq it left under, never matches the new
 * min_seq and is not taken for a recent refault of the new history.
 *
 * Context: Any context; the node's LRU lock held, or the node not yet in
 * use.
 */
void smm_lru_gen_init(struct smm_lru_gen *lrugen, unsigned long seq)
{
	unsigned int i;

	lrugen->min_seq = seq;
	lrugen->max_seq = seq + SMM_MIN_NR_GENS - 1;
	for (i = 0; i < SMM_MAX_NR_GENS; i++) {
		INIT_LIST_HEAD(&lrugen->lists[i]);
		lrugen->nr_pages[i] = 0;
		lrugen->timestamps[i] = jiffies;
	}
	for (i = 0; i < SMM_MAX_NR_TIERS; i++) {
		lrugen->protected[i] = 0;
		lrugen->avg_refaulted[i] = 0;
		lrugen->avg_total[i] = 0;
		atomic_long_set(&lrugen->refaulted[i], 0);
		atomic_long_set(&lrugen->evicted[i], 0);
	}
}

/**
 * smm_lru_gen_nr_pages() - pages on a node's generations
 * @lrugen: the node's generations
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_lru_gen_nr_pages(struct smm_lru_gen *lrugen)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < SMM_MAX_NR_GENS; i++)
		n += READ_ONCE(lrugen->nr_pages[i]);
	return n;
}
SMM_EXPORT(smm_lru_gen_nr_pages);

/**
 * smm_lru_gen_snapshot() - a node's generation pages, active and inactive
 * @lrugen: the node's generations
 * @active: set to the pages of the two youngest generations
 * @inactive: set to those of the older ones
 *
 * What meminfo shows as Active and Inactive under mglru, as the kernel's
 * lru_gen_is_active() counts them.  Without the lock, but max_seq and
 * each generation's count are read once and both sums made from that
 * one reading: each is a sum of counts, never a difference of two
 * readings, so neither can wrap below zero while pages move.
 *
 * Context: Any context; a lockless snapshot.
 */
void smm_lru_gen_snapshot(struct smm_lru_gen *lrugen, unsigned long *active,
			  unsigned long *inactive)
{
	unsigned long max_seq = READ_ONCE(lrugen->max_seq);
	unsigned int young = smm_lru_gen_from_seq(max_seq);
	unsigned int younger = smm_lru_gen_from_seq(max_seq - 1);
	unsigned int i;

	*active = 0;
	*inactive = 0;
	for (i = 0; i < SMM_MAX_NR_GENS; i++) {
		unsigned long n = READ_ONCE(lrugen->nr_pages[i]);

		if (i == young || i == younger)
			*active += n;
		else
			*inactive += n;
	}
}
SMM_EXPORT(smm_lru_gen_snapshot);

/* Put a frame on no list at the head of generation @seq. */
static void smm_lru_gen_add(struct smm_lru_gen *g, struct smm_page *frame,
			    unsigned long seq)
{
	unsigned int gen = smm_lru_gen_from_seq(seq);

	smm_page_set_field(frame, SMM_PAGE_GEN_MASK, (gen + 1UL) << SMM_PAGE_GEN_SHIFT);
	list_add(&frame->lru, &g->lists[gen]);
	WRITE_ONCE(g->nr_pages[gen], g->nr_pages[gen] + smm_frame_nr_pages(frame));
}

/* Move a frame of @g to the head of generation @seq. */
static void smm_lru_gen_move(struct smm_lru_gen *g, struct smm_page *frame,
			     unsigned long seq)
{
	unsigned int old = smm_frame_gen(frame);

	list_del(&frame->lru);
	WRITE_ONCE(g->nr_pages[old], g->nr_pages[old] - smm_frame_nr_pages(frame));
	smm_lru_gen_add(g, frame, seq);
}

/**
 * smm_lru_gen_link() - put a frame on one of its node's generations
 * @lruvec: the node's LRU, under the mglru policy
 * @frame: a frame on no list (SMM_PG_lru already set by the caller)
 * @active: found in use (activated): the youngest generation
 * @reclaiming: given back by reclaim: the oldest
 *
 * Otherwise a refault (SMM_PG_refault, cleared here) joins min_seq + 1,
 * or min_seq with only two generations, and a new page max_seq - 1.
 *
 * Context: @lruvec's lock held.
 */
void smm_lru_gen_link(struct smm_lruvec *lruvec, struct smm_page *frame, bool active,
		      bool reclaiming)
{
	struct smm_lru_gen *g = &lruvec->gen;
	bool refault = test_and_clear_bit(SMM_PG_refault, &frame->flags);
	unsigned long seq;

	lockdep_assert_held(&lruvec->lock);
	if (active)
		seq = g->max_seq;
	else if (reclaiming)
		seq = g->min_seq;
	else if (refault)
		seq = smm_lru_gen_nr_gens(g) > SMM_MIN_NR_GENS ? g->min_seq + 1 : g->min_seq;
	else
		seq = g->max_seq - 1;
	smm_lru_gen_add(g, frame, seq);
}

/**
 * smm_lru_gen_unlink() - take a frame off its generation
 * @lruvec: its node's LRU
 * @frame: a frame on one of @lruvec's generations
 *
 * Its generation in the flags goes; SMM_PG_lru is the caller's.
 *
 * Context: @lruvec's lock held.
 */
void smm_lru_gen_unlink(struct smm_lruvec *lruvec, struct smm_page *frame)
{
	struct smm_lru_gen *g = &lruvec->gen;
	int gen = smm_frame_gen(frame);

	lockdep_assert_held(&lruvec->lock);
	if (WARN_ON_ONCE(gen < 0))
		return;
	list_del_init(&frame->lru);
	WRITE_ONCE(g->nr_pages[gen], g->nr_pages[gen] - smm_frame_nr_pages(frame));
	smm_page_set_field(frame, SMM_PAGE_GEN_MASK, 0);
}

/**
 * smm_lru_gen_uncount() - a frame on a generation stands for fewer pages
 * @lruvec: its node's LRU
 * @frame: a frame on one of @lruvec's generations
 * @nr: pages its generation no longer counts for it
 *
 * Context: @lruvec's lock held.
 */
void smm_lru_gen_uncount(struct smm_lruvec *lruvec, struct smm_page *frame,
			 unsigned long nr)
{
	struct smm_lru_gen *g = &lruvec->gen;
	int gen = smm_frame_gen(frame);

	lockdep_assert_held(&lruvec->lock);
	if (WARN_ON_ONCE(gen < 0))
		return;
	WRITE_ONCE(g->nr_pages[gen], g->nr_pages[gen] - nr);
}

/**
 * smm_lru_gen_tier() - the tier of a frame's accesses
 * @frame: an object frame
 *
 * Context: Any context.
 * Return: 0..SMM_MAX_NR_TIERS - 1.
 */
unsigned int smm_lru_gen_tier(const struct smm_page *frame)
{
	unsigned long flags = READ_ONCE(frame->flags);
	unsigned int n = 0;

	if (flags & BIT(SMM_PG_referenced))
		n = 1 + !!(flags & BIT(SMM_PG_workingset)) +
		    ((flags & SMM_PAGE_REFS_MASK) >> SMM_PAGE_REFS_SHIFT);
	return min_t(unsigned int, n ? order_base_2(n) : 0, SMM_MAX_NR_TIERS - 1);
}
SMM_EXPORT(smm_lru_gen_tier);

/**
 * smm_lru_gen_note_access() - an access to a resident page, for its tier
 * @pool: the pool
 * @frame: an evictable object frame
 *
 * The first sets SMM_PG_referenced, the second SMM_PG_workingset, the
 * next count up to SMM_PAGE_REFS_MAX.  Nothing is queued or moved: the
 * page's generation changes only by aging, and its tier is read when
 * reclaim reaches it.
 *
 * Context: Process context; the frame's page locked.
 */
void smm_lru_gen_note_access(struct smm_pool *pool, struct smm_page *frame)
{
	unsigned long old = READ_ONCE(frame->flags), new;

	do {
		if (!(old & BIT(SMM_PG_referenced)))
			new = old | BIT(SMM_PG_referenced);
		else if (!(old & BIT(SMM_PG_workingset)))
			new = old | BIT(SMM_PG_workingset);
		else if ((old & SMM_PAGE_REFS_MASK) != SMM_PAGE_REFS_MASK)
			new = old + BIT(SMM_PAGE_REFS_SHIFT);
		else
			return;
	} while (!try_cmpxchg(&frame->flags, &old, new));
}
SMM_EXPORT(smm_lru_gen_note_access);

/*
 * min_seq moves on: the oldest generation, which must be empty, is
 * retired, and a period of the controller ends: its counts go into the
 * halved history.  Never a fold: moving a generation's pages would be a
 * walk of all of them under the lock.
 */
static void smm_lru_gen_inc_min_seq(struct smm_lruvec *lruvec)
{
	struct smm_lru_gen *g = &lruvec->gen;
	unsigned int t;

	lockdep_assert_held(&lruvec->lock);
	WARN_ON_ONCE(g->nr_pages[smm_lru_gen_from_seq(g->min_seq)]);
	for (t = 0; t < SMM_MAX_NR_TIERS; t++) {
		g->avg_refaulted[t] = (g->avg_refaulted[t] +
				       atomic_long_xchg(&g->refaulted[t], 0)) / 2;
		g->avg_total[t] = (g->avg_total[t] + atomic_long_xchg(&g->evicted[t], 0) +
				   g->protected[t]) / 2;
		g->protected[t] = 0;
	}
	WRITE_ONCE(g->min_seq, g->min_seq + 1);
}

/**
 * smm_lru_gen_should_age() - does reclaim need a new generation first?
 * @node: the node
 *
 * With two generations, whenever there are pages; with three, when the
 * youngest holds more than half of them or the oldest less than a
 * quarter; with four, never.
 *
 * Context: Any context; a lockless snapshot.
 * Return: true to age before the next batch.
 */
bool smm_lru_gen_should_age(struct smm_node *node)
{
	struct smm_lru_gen *g = &node->lruvec.gen;
	unsigned long min_seq = READ_ONCE(g->min_seq), max_seq = READ_ONCE(g->max_seq);
	unsigned long total = smm_lru_gen_nr_pages(g), young, old;

	if (!total || max_seq - min_seq + 1 > SMM_MIN_NR_GENS + 1)
		return false;
	if (max_seq - min_seq + 1 <= SMM_MIN_NR_GENS)
		return true;
	young = READ_ONCE(g->nr_pages[smm_lru_gen_from_seq(max_seq)]);
	old = READ_ONCE(g->nr_pages[smm_lru_gen_from_seq(min_seq)]);
	return young * SMM_MIN_NR_GENS > total || old * (SMM_MIN_NR_GENS + 2) < total;
}
SMM_EXPORT(smm_lru_gen_should_age);

/*
 * Pages one aging looks at, at most: a pte walk each for the mapped ones,
 * so reclaim's aging costs a bounded time however large the LRU.
 */
#define SMM_LRU_GEN_AGE_SCAN	4096UL
/* Pages the aging walk takes for a pte check per batch. */
#define SMM_LRU_GEN_WALK_BATCH	32
/* Pages it looks at, taken or not, per hold of the LRU lock. */
#define SMM_LRU_GEN_WALK_SCAN	64

/*
 * One batch of the aging walk over generation @seq: up to
 * SMM_LRU_GEN_WALK_SCAN (and @left) of its tail pages, each rotated to
 * its head, those mapped (at most SMM_LRU_GEN_WALK_BATCH) taken with a
 * reference.  Every page looked at counts, taken or not, so one hold of
 * the lock is bounded however few of them are mapped.
 */
static unsigned int smm_lru_gen_walk_take(struct smm_pool *pool, struct smm_lruvec *lruvec,
					  unsigned long seq, unsigned long *left,
					  struct smm_page **batch, unsigned long *skipped)
{
	struct smm_lru_gen *g = &lruvec->gen;
	struct list_head *head = &g->lists[smm_lru_gen_from_seq(seq)];
	unsigned int n = 0, looked = 0;

	smm_lruvec_lock(lruvec);
	if (seq < g->min_seq)
		*left = 0;
	while (*left && n < SMM_LRU_GEN_WALK_BATCH && looked < SMM_LRU_GEN_WALK_SCAN &&
	       !list_empty(head)) {
		struct smm_page *frame = list_last_entry(head, struct smm_page, lru);
		struct page *page = smm_frame_struct_page(pool, frame);

		/* @left counts pages: a PMD-sized folio's frame stands for 512. */
		*left -= min_t(unsigned long, *left, smm_frame_nr_pages(frame));
		looked++;
		list_move(&frame->lru, head);
		if (!page_mapped(page) || !get_page_unless_zero(page)) {
			*skipped += smm_frame_nr_pages(frame);
			continue;
		}
		batch[n++] = frame;
	}
	if (list_empty(head))
		*left = 0;
	spin_unlock(&lruvec->lock);
	return n;
}

/**
 * smm_lru_gen_age() - open a new youngest generation and fill it
 * @pool: the pool
 * @node: the node, under the mglru policy
 * @max_seq: the youngest generation's sequence number the caller saw
 * @nr_to_scan: at most this many pages of the older generations are
 *	looked at, the oldest first
 *
 * As the kernel's try_to_inc_max_seq(): under the node's LRU lock, when
 * max_seq is no longer @max_seq (another ager opened a generation since
 * the caller looked) nothing is done.  With SMM_MAX_NR_GENS generations
 * already, an empty oldest one is retired first; a non-empty one is never
 * folded into the next (a walk of all its pages under the lock): nothing
 * is done, and eviction, which empties and retires the oldest generation,
 * makes room.  Otherwise max_seq moves on; then up to @nr_to_scan pages
 * of the older generations, from the oldest, are looked at, the LRU lock
 * dropped every SMM_LRU_GEN_WALK_SCAN of them, and every mapped one has
 * its ptes read (smm_object_young_ptes(), under its page lock, only
 * tried), and those found young move to the new generation, their tier
 * accesses spent.  A task with a fatal signal pending (a direct
 * reclaimer being killed; kswapd, a kthread, has none) stops the walk
 * between two batches: the new generation stays as filled so far, and
 * eviction's own pte check still keeps a young page.  Counted in
 * lru_gen_aging and lru_gen_promoted; the shadowmm_lru_gen_age tracepoint
 * reports the walk.
 *
 * Context: Process context, may sleep; no spinlock or page lock held.
 * Takes the node's LRU lock, page locks and the objects' i_mmap locks.
 * Return: the number of pages moved to the new generation (0 also when
 * no generation was opened: see lru_gen_aging).
 */
unsigned int smm_lru_gen_age(struct smm_pool *pool, struct smm_node *node,
			     unsigned long max_seq, unsigned long nr_to_scan)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	struct smm_lru_gen *g = &lruvec->gen;
	struct smm_page *batch[SMM_LRU_GEN_WALK_BATCH];
	bool young[SMM_LRU_GEN_WALK_BATCH];
	unsigned long seq, min_seq, new_seq, requested = 0, scanned = 0, skipped = 0;
	unsigned int i, n, promoted = 0;

	smm_lruvec_lock(lruvec);
	/* Another ager got here first, or the policy changed: nothing to do. */
	if (lruvec->policy != SMM_LRU_POLICY_MGLRU || g->max_seq != max_seq) {
		spin_unlock(&lruvec->lock);
		return 0;
	}
	/* Room for a new generation only by retiring an empty oldest one. */
	if (smm_lru_gen_nr_gens(g) >= SMM_MAX_NR_GENS) {
		if (g->nr_pages[smm_lru_gen_from_seq(g->min_seq)]) {
			spin_unlock(&lruvec->lock);
			return 0;
		}
		smm_lru_gen_inc_min_seq(lruvec);
	}
	new_seq = g->max_seq + 1;
	g->timestamps[smm_lru_gen_from_seq(new_seq)] = jiffies;
	WRITE_ONCE(g->max_seq, new_seq);
	min_seq = g->min_seq;
	spin_unlock(&lruvec->lock);
	smm_count_event(pool, SMM_LRU_GEN_AGING);

	for (seq = min_seq; seq < new_seq && requested < nr_to_scan; seq++) {
		unsigned long left = READ_ONCE(g->nr_pages[smm_lru_gen_from_seq(seq)]);

		left = min(left, nr_to_scan - requested);
		requested += left;
		while (left) {
			/* kswapd, a kthread, never has one: only a reclaimer stops. */
			if (fatal_signal_pending(current))
				goto out;
			n = smm_lru_gen_walk_take(pool, lruvec, seq, &left, batch, &skipped);
			for (i = 0; i < n; i++) {
				struct folio *folio = page_folio(smm_frame_struct_page(pool, batch[i]));

				young[i] = false;
				scanned += smm_frame_nr_pages(batch[i]);
				if (!folio_trylock(folio))
					continue;
				young[i] = folio->mapping && folio_mapped(folio) &&
					   smm_object_young_ptes(folio);
				folio_unlock(folio);
			}
			smm_lruvec_lock(lruvec);
			for (i = 0; i < n; i++) {
				struct smm_page *frame = batch[i];
				int gen = smm_frame_gen(frame);

				if (!young[i] || gen < 0 || !smm_page_test(frame, SMM_PG_lru) ||
				    gen == smm_lru_gen_from_seq(g->max_seq))
					continue;
				smm_lru_gen_move(g, frame, g->max_seq);
				smm_lru_gen_clear_refs(frame);
				promoted += smm_frame_nr_pages(frame);
			}
			spin_unlock(&lruvec->lock);
			for (i = 0; i < n; i++)
				put_page(smm_frame_struct_page(pool, batch[i]));
			cond_resched();
		}
	}
out:
	smm_count_events(pool, SMM_LRU_GEN_PROMOTED, promoted);
	trace_shadowmm_lru_gen_age(node->nid, min_seq, new_seq, requested, scanned,
				   skipped, promoted);
	return promoted;
}
SMM_EXPORT(smm_lru_gen_age);

/*
 * Before a reclaim batch: a new generation when they are too few.  The
 * counts are read without the lock: smm_lru_gen_age() checks under it
 * that max_seq is still the one they were read under, so of two agers
 * that both saw too few generations only one opens a new one.
 */
static void smm_lru_gen_age_step(struct smm_pool *pool, struct smm_node *node,
				 int priority)
{
	unsigned long max_seq = READ_ONCE(node->lruvec.gen.max_seq);

	if (smm_lru_gen_should_age(node))
		smm_lru_gen_age(pool, node, max_seq, SMM_LRU_GEN_AGE_SCAN);
}

/* A tier's refaults and what left it (evicted or protected), with history. */
static void smm_lru_gen_tier_rate(struct smm_lru_gen *g, unsigned int t,
				  unsigned long *refaulted, unsigned long *total)
{
	*refaulted = g->avg_refaulted[t] + atomic_long_read(&g->refaulted[t]);
	*total = g->avg_total[t] + atomic_long_read(&g->evicted[t]) + g->protected[t];
}

/**
 * smm_lru_gen_protected_tier() - the lowest tier eviction must protect
 * @node: the node
 *
 * Tier 0 is the reference.  Going up from tier 1, the first tier with at
 * least SMM_LRU_GEN_MIN_REFAULTS refaults whose refault rate is more than
 * twice tier 0's (the kernel's gains 1:2) is protected, and every tier
 * above it.
 *
 * Context: The node's LRU lock held.
 * Return: that tier, or SMM_MAX_NR_TIERS when none is protected.
 */
unsigned int smm_lru_gen_protected_tier(struct smm_node *node)
{
	struct smm_lru_gen *g = &node->lruvec.gen;
	unsigned long r0, t0, r, t;
	unsigned int tier;

	lockdep_assert_held(&node->lruvec.lock);
	smm_lru_gen_tier_rate(g, 0, &r0, &t0);
	for (tier = 1; tier < SMM_MAX_NR_TIERS; tier++) {
		smm_lru_gen_tier_rate(g, tier, &r, &t);
		/* r / t > 2 * (r0 + 1) / (t0 + MIN): its pages come back more. */
		if (r >= SMM_LRU_GEN_MIN_REFAULTS &&
		    (u64)r * (t0 + SMM_LRU_GEN_MIN_REFAULTS) > (u64)(r0 + 1) * t * 2)
			return tier;
	}
	return SMM_MAX_NR_TIERS;
}
SMM_EXPORT(smm_lru_gen_protected_tier);

/**
 * smm_lru_gen_isolate() - take eviction candidates from the oldest generation
 * @pool: the pool
 * @node: the node, under the mglru policy
 * @nr_to_scan: at most this many pages are looked at
 * @out: room for @nr_to_scan frames; the candidates
 *
 * From the oldest generation's tail; an empty oldest generation is
 * retired (min_seq moves on) while more than two remain.  A page of a
 * protected tier (smm_lru_gen_protected_tier()) moves to min_seq + 1
 * with its accesses spent (lru_gen_protected); any other is taken off
 * its list with a reference on its struct page, for the caller to evict
 * or give back with smm_lru_putback().  The shadowmm_lru_gen_scan
 * tracepoint reports the scan.
 *
 * Context: Process context.  Takes the node's LRU lock.
 * Return: the number of frames put in @out.
 */
unsigned int smm_lru_gen_isolate(struct smm_pool *pool, struct smm_node *node,
				 unsigned int nr_to_scan, struct smm_page **out)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	struct smm_lru_gen *g = &lruvec->gen;
	unsigned long scanned = 0, skipped = 0, protected = 0;
	unsigned long min_seq, max_seq;
	unsigned int n = 0, ptier;

	smm_lruvec_lock(lruvec);
	ptier = smm_lru_gen_protected_tier(node);
	while (scanned < nr_to_scan && lruvec->policy == SMM_LRU_POLICY_MGLRU) {
		struct list_head *head = &g->lists[smm_lru_gen_from_seq(g->min_seq)];
		struct smm_page *frame;
		unsigned int tier;

		if (list_empty(head)) {
			if (smm_lru_gen_nr_gens(g) <= SMM_MIN_NR_GENS)
				break;
			smm_lru_gen_inc_min_seq(lruvec);
			continue;
		}
		frame = list_last_entry(head, struct smm_page, lru);
		scanned++;
		tier = smm_lru_gen_tier(frame);
		if (tier >= ptier) {
			smm_lru_gen_move(g, frame, g->min_seq + 1);
			smm_lru_gen_clear_refs(frame);
			g->protected[tier]++;
			protected++;
			continue;
		}
		if (!get_page_unless_zero(smm_frame_struct_page(pool, frame))) {
			list_move(&frame->lru, head);
			skipped++;
			continue;
		}
		smm_lru_gen_unlink(lruvec, frame);
		clear_bit(SMM_PG_lru, &frame->flags);
		out[n++] = frame;
	}
	/* As they were for this scan: others move them once the lock is gone. */
	min_seq = g->min_seq;
	max_seq = g->max_seq;
	spin_unlock(&lruvec->lock);
	smm_count_events(pool, SMM_LRU_GEN_PROTECTED, protected);
	trace_shadowmm_lru_gen_scan(node->nid, min_seq, max_seq, nr_to_scan,
				    scanned, skipped + protected, n);
	return n;
}
SMM_EXPORT(smm_lru_gen_isolate);

/*
 * The verdict on a candidate: as the classic one for pages that left,
 * are mlocked or pinned; then young ptes send a page to the youngest
 * generation, and anything else is evicted: the generations, not a
 * referenced mark, gave it its time.
 */
static enum smm_lru_references smm_lru_gen_check_references(struct smm_pool *pool,
							    struct smm_page *frame)
{
	struct folio *folio = page_folio(smm_frame_struct_page(pool, frame));
	enum smm_lru_references ref = smm_lru_check_kept(folio, frame);

	if (ref != SMM_LRUREF_RECLAIM)
		return ref;
	if (folio_mapped(folio) && smm_object_young_ptes(folio))
		return SMM_LRUREF_ACTIVATE;
	return SMM_LRUREF_RECLAIM;
}

/* The shadow entry: min_seq when the page left, and its tier. */
static void *smm_lru_gen_eviction(struct smm_pool *pool, struct smm_node *node,
				  struct smm_page *frame, u32 slot)
{
	struct smm_lru_gen *g = &node->lruvec.gen;
	unsigned int tier = smm_lru_gen_tier(frame);
	unsigned long token;

	atomic_long_inc(&g->evicted[tier]);
	token = ((READ_ONCE(g->min_seq) & SMM_LRU_GEN_SEQ_MASK) << SMM_LRU_GEN_TIER_BITS) | tier;
	return smm_workingset_pack(node->index, slot, token, SMM_LRU_POLICY_MGLRU, false);
}

/*
 * A refault while min_seq is still the one it left under counts for its
 * tier (workingset_activate, lru_gen_refault_recent), and the page gets
 * its tier's accesses back (workingset_restore_anon) so that a protected
 * tier protects it.  It is never activated: smm_lru_gen_link() places it.
 */
static bool smm_lru_gen_refault(struct smm_pool *pool, const void *shadow, int node,
				struct smm_page *frame)
{
	static const unsigned long accesses[SMM_MAX_NR_TIERS] = { 0, 2, 3, 5 };
	struct smm_lru_gen *g = &pool->zones.nodes[node].lruvec.gen;
	unsigned long token, n;
	unsigned int tier;
	bool recent;
	int nd;
	u32 slot;

	smm_workingset_unpack(shadow, &nd, &token, &slot);
	tier = token & (BIT(SMM_LRU_GEN_TIER_BITS) - 1);
	recent = (token >> SMM_LRU_GEN_TIER_BITS) ==
		 (READ_ONCE(g->min_seq) & SMM_LRU_GEN_SEQ_MASK);
	smm_workingset_count_refault(pool, node, recent);
	if (!recent)
		return false;
	atomic_long_inc(&g->refaulted[tier]);
	smm_count_event(pool, SMM_LRU_GEN_REFAULT_RECENT);
	if (!tier)
		return false;
	n = accesses[tier];
	smm_page_set_field(frame, SMM_PAGE_REFS_MASK | BIT(SMM_PG_referenced) |
			   BIT(SMM_PG_workingset),
			   BIT(SMM_PG_referenced) | BIT(SMM_PG_workingset) |
			   (min(n - 2, SMM_PAGE_REFS_MAX) << SMM_PAGE_REFS_SHIFT));
	smm_count_event(pool, SMM_WORKINGSET_RESTORE_ANON);
	return false;
}

/**
 * smm_lru_gen_validate() - check a node's generations
 * @pool: the pool
 * @node: the node
 * @w: the validate walk of the node's LRU
 * @r: where problems are reported
 *
 * Between two and SMM_MAX_NR_GENS generations; lists outside them empty
 * (all of them under another policy); every frame on a list has
 * SMM_PG_lru, that generation in its flags, neither SMM_PG_active nor
 * SMM_PG_unevictable, and belongs to the node; the counts match.
 *
 * @w's walk goes on through the generations a batch at a time
 * (smm_walk_step()).
 *
 * Context: Process context, the node's LRU lock held (@w's walk); may let
 * go of it and sleep.
 * Return: true when every generation was walked; false when a change to
 * the LRU overlapped the walk (what it found is not to be believed).
 */
bool smm_lru_gen_validate(struct smm_pool *pool, struct smm_node *node,
			  struct smm_walk *w, struct smm_report *r)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	struct smm_lru_gen *g = &lruvec->gen;
	unsigned long nr_gens = smm_lru_gen_nr_gens(g);
	unsigned int gen;

	lockdep_assert_held(&lruvec->lock);
	if (nr_gens < SMM_MIN_NR_GENS || nr_gens > SMM_MAX_NR_GENS)
		smm_report(r, "lru_gen: node %d has %lu generations (%lu..%lu)\n",
			   node->index, nr_gens, g->min_seq, g->max_seq);
	for (gen = 0; gen < SMM_MAX_NR_GENS; gen++) {
		unsigned long n = 0, seq_off = (gen + SMM_MAX_NR_GENS -
						smm_lru_gen_from_seq(g->min_seq)) % SMM_MAX_NR_GENS;
		bool live = lruvec->policy == SMM_LRU_POLICY_MGLRU && seq_off < nr_gens;
		struct smm_page *frame;

		list_for_each_entry(frame, &g->lists[gen], lru) {
			n += smm_frame_nr_pages(frame);
			if (!smm_page_test(frame, SMM_PG_lru) || smm_frame_gen(frame) != gen ||
			    (smm_page_flags(frame) & (BIT(SMM_PG_active) | BIT(SMM_PG_unevictable))) ||
			    !frame->object || smm_page_zone(pool, frame)->node != node)
				smm_report(r, "lru_gen: frame %lu on node %d's generation %u has flags %#lx\n",
					   smm_page_sfn(&pool->region, frame), node->index, gen,
					   smm_page_flags(frame));
			if (n > g->nr_pages[gen])
				break;
			if (!smm_walk_step(w, 1))
				return false;
		}
		if (n != g->nr_pages[gen])
			smm_report(r, "lru_gen: node %d's generation %u holds %lu pages, %lu counted\n",
				   node->index, gen, n, g->nr_pages[gen]);
		if (n && !live)
			smm_report(r, "lru_gen: node %d's generation %u is not in use but holds %lu frames\n",
				   node->index, gen, n);
	}
	return true;
}

/**
 * smm_lru_gen_print() - debugfs "lru_gen", as the kernel's lru_gen file
 * @m: where to print
 * @pool: the pool
 *
 * Under mglru: a "memcg" line as the kernel prints it for no memcg (id
 * 0, an empty path: the pool has one memcg-less LRU, and its name is
 * already the debugfs directory's), then per node a "node" line and one
 * line per generation from min_seq to max_seq: its sequence number, its
 * age in milliseconds, and its anon and file page counts (all pages are
 * swap-backed: file is 0).  Under another policy, one comment line
 * starting with '#' naming it, which the kernel's format never has.
 *
 * Context: Process context.  Takes each node's LRU lock in turn.
 */
void smm_lru_gen_print(struct seq_file *m, struct smm_pool *pool)
{
	const struct smm_lru_policy *policy = smm_lru_policy(pool);
	int i;

	if (policy->id != SMM_LRU_POLICY_MGLRU) {
		seq_printf(m, "# lru_policy %s: no generations (write \"lru_policy mglru\" to knobs while the LRU is empty)\n",
			   policy->name);
		return;
	}
	seq_printf(m, "memcg %5hu %s\n", (unsigned short)0, "");
	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_node *node = &pool->zones.nodes[i];
		struct smm_lru_gen *g = &node->lruvec.gen;
		unsigned long seq;

		seq_printf(m, " node %5d\n", node->nid);
		spin_lock(&node->lruvec.lock);
		for (seq = g->min_seq; seq <= g->max_seq; seq++) {
			unsigned int gen = smm_lru_gen_from_seq(seq);

			seq_printf(m, " %10lu %10u %10lu%c %10lu%c\n", seq,
				   jiffies_to_msecs(jiffies - g->timestamps[gen]),
				   g->nr_pages[gen], ' ', 0UL, ' ');
		}
		spin_unlock(&node->lruvec.lock);
	}
}
SMM_EXPORT(smm_lru_gen_print);

const struct smm_lru_policy smm_lru_policy_mglru = {
	.name = "mglru",
	.id = SMM_LRU_POLICY_MGLRU,
	.mark_accessed = smm_lru_gen_note_access,
	.note_read = smm_lru_gen_note_access,
	.eviction = smm_lru_gen_eviction,
	.refault = smm_lru_gen_refault,
	.age = smm_lru_gen_age_step,
	.isolate = smm_lru_gen_isolate,
	.check_references = smm_lru_gen_check_references,
};
