// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the LRU lists of object pages.
 *
 * Per node, an inactive, an active and an unevictable list (struct
 * smm_lruvec), added at the head, taken from the tail, with the rules of
 * the design:
 *
 * - an access to an inactive page with SMM_PG_referenced set activates it
 *   (active head, bit cleared); with the bit clear it only sets it; an
 *   access to an active page sets the bit (smm_lru_note_access(), and
 *   smm_lru_activate() for the activation);
 * - eviction candidates are inactive-tail pages with the bit clear; those
 *   with it set get a second chance (bit cleared, back to the head);
 * - reclaim asks smm_lru_check_references() about each candidate: a
 *   mapped page's young ptes are accesses (the rule above), and a mapped
 *   page referenced with no new one gets its second chance there;
 * - aging the active list: tail pages with the bit set go back to the
 *   active head with it cleared, the others move to the inactive list.
 *
 * Adds, activations, deactivations and moves to the unevictable list go
 * first into a per-CPU batch (pool->lru.batch_size entries, 15 by default)
 * and reach the lists under the LRU lock in one go, so a fault never takes
 * a shared lock.  Each batch entry holds a reference on the frame's struct
 * page: a frame in a batch is never freed.
 *
 * Removals are not batched (the design's "adds and removes go first into
 * a per-CPU batch" holds for adds only): a frame that leaves its object
 * (page->mapping cleared under its page lock: eviction, punch, a lowered
 * limit, the object's end) is taken off its list at once by smm_lru_del(),
 * under the LRU lock, before it is freed.  It has to be: the frame's one
 * lru link is what the buddy, per-CPU and pinned lists use next, and a
 * removal waiting in a batch would hold a reference that keeps the frame
 * from being freed (it would sit on the pinned list until that CPU's batch
 * filled).  What the frame still has queued is skipped by the drain (no
 * mapping) and only drops its reference; object.c drains the batches
 * before it frees frames that still have extra references, so they go
 * back at once.
 *
 * A batch is drained into the lists under the batch's lock, and the
 * callers that queue or take a frame hold its page lock; where these
 * locks stand is in the module's lock order, include/shadowmm/pool.h.
 * No LRU lock is taken in interrupt context.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>

#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_lirs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/walk.h>
#include <trace/events/shadowmm.h>

#define SMM_LRU_FLAGS	(BIT(SMM_PG_lru) | BIT(SMM_PG_active) | \
			 BIT(SMM_PG_referenced) | BIT(SMM_PG_unevictable))

static unsigned long smm_lru_pfn(struct smm_pool *pool, struct smm_page *frame)
{
	return smm_sfn_pfn(&pool->region, smm_page_sfn(&pool->region, frame));
}

static struct page *smm_lru_page(struct smm_pool *pool, struct smm_page *frame)
{
	return pfn_to_page(smm_lru_pfn(pool, frame));
}

static struct smm_lruvec *smm_frame_lruvec(struct smm_pool *pool,
					   struct smm_page *frame)
{
	return &smm_page_zone(pool, frame)->node->lruvec;
}

/*
 * The callers that queue, move or take out a frame hold the page lock of
 * its struct page: the lock that keeps it in its object meanwhile.
 */
static void smm_lru_assert_page_locked(struct smm_pool *pool, struct smm_page *frame)
{
	struct folio *folio;

	if (!IS_ENABLED(CONFIG_DEBUG_VM))
		return;
	folio = page_folio(smm_lru_page(pool, frame));
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
}

/* Mlocked by the kernel's mm (PG_mlocked of the struct page). */
static unsigned long smm_lru_mlocked(struct smm_pool *pool, struct smm_page *frame)
{
	return folio_test_mlocked(page_folio(smm_lru_page(pool, frame))) ?
	       smm_frame_nr_pages(frame) : 0;
}

static struct list_head *smm_lruvec_list(struct smm_lruvec *lruvec,
					 enum smm_lru_list lru, unsigned long **nr)
{
	switch (lru) {
	case SMM_LRU_ACTIVE:
		*nr = &lruvec->nr_active;
		return &lruvec->active_list;
	case SMM_LRU_UNEVICTABLE:
		*nr = &lruvec->nr_unevictable;
		return &lruvec->unevictable_list;
	default:
		*nr = &lruvec->nr_inactive;
		return &lruvec->inactive_list;
	}
}

/* The list a frame's flags say it is on. */
static enum smm_lru_list smm_frame_lru(const struct smm_page *frame)
{
	if (smm_page_test(frame, SMM_PG_unevictable))
		return SMM_LRU_UNEVICTABLE;
	if (smm_page_test(frame, SMM_PG_active))
		return SMM_LRU_ACTIVE;
	return SMM_LRU_INACTIVE;
}

/*
 * Put a frame off every list at the head of @lru, its flags to match.
 * Under the mglru policy the active and inactive lists are generations:
 * lru_gen.c picks one (@reclaiming: given back by reclaim).  Under lip a
 * frame marked SMM_PG_thrashing and not given back by reclaim (which
 * judged it, or could not) goes to the inactive tail instead, the end
 * reclaim takes first; anywhere else the mark goes.
 */
static void smm_lru_link(struct smm_lruvec *lruvec, struct smm_page *frame,
			 enum smm_lru_list lru, bool reclaiming)
{
	unsigned long *nr;
	struct list_head *head = smm_lruvec_list(lruvec, lru, &nr);
	bool tail = lru == SMM_LRU_INACTIVE && lruvec->policy == SMM_LRU_POLICY_LIP &&
		    !reclaiming && smm_page_test(frame, SMM_PG_thrashing);

	lockdep_assert_held(&lruvec->lock);
	if (!tail)
		clear_bit(SMM_PG_thrashing, &frame->flags);
	if (lru != SMM_LRU_UNEVICTABLE && lruvec->policy == SMM_LRU_POLICY_MGLRU) {
		clear_bit(SMM_PG_active, &frame->flags);
		clear_bit(SMM_PG_unevictable, &frame->flags);
		set_bit(SMM_PG_lru, &frame->flags);
		smm_lru_gen_link(lruvec, frame, lru == SMM_LRU_ACTIVE, reclaiming);
		return;
	}
	/*
	 * Off the generations, a frame's count of accesses means nothing;
	 * nor, under classic and lip, SMM_PG_workingset, which only the
	 * workingset policy sets (mglru's second access, left by a policy
	 * switch, would otherwise be a working-set mark on its next shadow
	 * entry).
	 */
	smm_page_set_field(frame, SMM_PAGE_GEN_MASK | SMM_PAGE_REFS_MASK |
			   BIT(SMM_PG_refault) |
			   (lruvec->policy == SMM_LRU_POLICY_CLASSIC ||
			    lruvec->policy == SMM_LRU_POLICY_LIP ?
			    BIT(SMM_PG_workingset) : 0), 0);
	if (lru == SMM_LRU_ACTIVE)
		set_bit(SMM_PG_active, &frame->flags);
	else
		clear_bit(SMM_PG_active, &frame->flags);
	if (lru == SMM_LRU_UNEVICTABLE)
		set_bit(SMM_PG_unevictable, &frame->flags);
	else
		clear_bit(SMM_PG_unevictable, &frame->flags);
	set_bit(SMM_PG_lru, &frame->flags);
	if (tail)
		list_add_tail(&frame->lru, head);
	else
		list_add(&frame->lru, head);
	WRITE_ONCE(*nr, *nr + smm_frame_nr_pages(frame));
}

/* Take a frame off the list it is on; its SMM_PG_lru goes. */
static void smm_lru_unlink(struct smm_lruvec *lruvec, struct smm_page *frame)
{
	unsigned long *nr;

	lockdep_assert_held(&lruvec->lock);
	if (smm_page_flags(frame) & SMM_PAGE_GEN_MASK) {
		smm_lru_gen_unlink(lruvec, frame);
	} else {
		smm_lruvec_list(lruvec, smm_frame_lru(frame), &nr);
		list_del_init(&frame->lru);
		WRITE_ONCE(*nr, *nr - smm_frame_nr_pages(frame));
	}
	clear_bit(SMM_PG_lru, &frame->flags);
}

/* Move a frame from its list to the head of @lru; @lruvec->lock held. */
static void smm_lru_move(struct smm_lruvec *lruvec, struct smm_page *frame,
			 enum smm_lru_list lru)
{
	lockdep_assert_held(&lruvec->lock);
	smm_lru_unlink(lruvec, frame);
	smm_lru_link(lruvec, frame, lru, false);
}

/* Still a page of an object: not taken out since it was queued. */
static bool smm_lru_frame_live(struct smm_pool *pool, struct smm_page *frame)
{
	return READ_ONCE(smm_lru_page(pool, frame)->mapping) != NULL;
}

/*
 * The LRU's access rule, the one place it is written: an access to a page
 * marked referenced is its second, which activates it; a first one only
 * sets the mark.  Returns true for a second access: the caller activates
 * the page (smm_lru_activate(), which spends the mark), at once or
 * through a batch.
 */
static bool smm_lru_note_access(struct smm_page *frame)
{
	if (smm_page_test(frame, SMM_PG_referenced))
		return true;
	set_bit(SMM_PG_referenced, &frame->flags);
	return false;
}

/*
 * Activation, the one place it is done: the page becomes active,
 * pgactivate and the shadowmm_lru_activate tracepoint record it, and its
 * node's workingset clock moves on (an activation pushes the inactive
 * pages toward eviction as an eviction does; refault distances count
 * both).  The referenced mark is spent unless @keep_mark: reclaim under
 * the workingset policy leaves it set on the page it activates, as the
 * kernel's folio_check_references() does, so that a page aged out of the
 * active list and used again comes back at its first young pte.  A page
 * on a list (@lruvec given, its lock held) moves to the active head; an
 * isolated one (@lruvec NULL: off every list, its page lock held by the
 * isolator) only gets SMM_PG_active, and smm_lru_putback() links it to
 * the active list.  No page gets here already active
 * (smm_lru_do_activate() skips one, and reclaim isolates inactive pages
 * only), so an activation queued twice counts once.
 */
static void smm_lru_activate(struct smm_pool *pool, struct smm_lruvec *lruvec,
			     struct smm_page *frame, bool keep_mark)
{
	if (!keep_mark)
		clear_bit(SMM_PG_referenced, &frame->flags);
	if (lruvec) {
		lockdep_assert_held(&lruvec->lock);
		smm_lru_move(lruvec, frame, SMM_LRU_ACTIVE);
	} else {
		set_bit(SMM_PG_active, &frame->flags);
	}
	/* A folio's head frame activates all of its pages. */
	smm_count_events(pool, SMM_PGACTIVATE, smm_frame_nr_pages(frame));
	smm_workingset_activation(pool, smm_page_zone(pool, frame)->node->index,
				  smm_frame_nr_pages(frame));
	trace_shadowmm_lru_activate(smm_lru_pfn(pool, frame));
}

static void smm_lru_do_activate(struct smm_pool *pool, struct smm_lruvec *lruvec,
				struct smm_page *frame)
{
	lockdep_assert_held(&lruvec->lock);
	if (smm_page_test(frame, SMM_PG_active))
		return;
	/* An unevictable page comes back once it is no longer mlocked. */
	if (smm_page_test(frame, SMM_PG_unevictable) && smm_lru_mlocked(pool, frame))
		return;
	smm_lru_activate(pool, lruvec, frame, false);
}

static void smm_lru_do_deactivate(struct smm_pool *pool, struct smm_lruvec *lruvec,
				  struct smm_page *frame)
{
	lockdep_assert_held(&lruvec->lock);
	if (!smm_page_test(frame, SMM_PG_active))
		return;
	clear_bit(SMM_PG_referenced, &frame->flags);
	smm_lru_move(lruvec, frame, SMM_LRU_INACTIVE);
	smm_count_event(pool, SMM_PGDEACTIVATE);
	trace_shadowmm_lru_deactivate(smm_lru_pfn(pool, frame));
}

static void smm_lru_do_add(struct smm_pool *pool, struct smm_lruvec *lruvec,
			   struct smm_page *frame)
{
	struct page *page = smm_lru_page(pool, frame);
	enum smm_lru_list lru = SMM_LRU_INACTIVE;
	unsigned long flags = SMM_PAGEMAP_FILE;

	lockdep_assert_held(&lruvec->lock);
	if (smm_page_test(frame, SMM_PG_lru))
		return;
	/* A refault found part of the working set starts active. */
	if (smm_page_test(frame, SMM_PG_active))
		lru = SMM_LRU_ACTIVE;
	if (folio_test_mlocked(page_folio(page)) ||
	    smm_page_test(frame, SMM_PG_unevictable)) {
		lru = SMM_LRU_UNEVICTABLE;
		flags |= SMM_PAGEMAP_MLOCKED;
	}
	if (page_mapped(page))
		flags |= SMM_PAGEMAP_MAPPED;
	/*
	 * Its fault (or write) is its first use that lirs sees; a page split
	 * off a PMD-sized folio keeps the folio's stamp.
	 */
	if (lruvec->policy == SMM_LRU_POLICY_LIRS && !smm_lru_lirs_stamp_of(frame))
		smm_lru_lirs_touch(pool, frame);
	smm_lru_link(lruvec, frame, lru, false);
	trace_shadowmm_lru_insertion(smm_lru_pfn(pool, frame), lru, flags);
}

/* Apply one batch entry; the caller holds its node's LRU lock. */
static void smm_lru_apply(struct smm_pool *pool, struct smm_lruvec *lruvec,
			  struct smm_page *frame, enum smm_lru_batch_kind kind)
{
	lockdep_assert_held(&lruvec->lock);
	if (!smm_lru_frame_live(pool, frame))
		return;
	if (kind == SMM_LRU_BATCH_ADD) {
		smm_lru_do_add(pool, lruvec, frame);
		return;
	}
	/* Not on a list yet (its add is in another CPU's batch): skip. */
	if (!smm_page_test(frame, SMM_PG_lru))
		return;
	switch (kind) {
	case SMM_LRU_BATCH_ACTIVATE:
		smm_lru_do_activate(pool, lruvec, frame);
		break;
	case SMM_LRU_BATCH_DEACTIVATE:
		smm_lru_do_deactivate(pool, lruvec, frame);
		break;
	default:
		if (!smm_page_test(frame, SMM_PG_unevictable)) {
			clear_bit(SMM_PG_referenced, &frame->flags);
			smm_lru_move(lruvec, frame, SMM_LRU_UNEVICTABLE);
		}
		break;
	}
}

/* Move one kind of a batch to the lists, taking each node's lock once per run. */
static void smm_lru_batch_flush(struct smm_pool *pool, struct smm_lru_batch *b,
				enum smm_lru_batch_kind kind)
{
	struct smm_page **pages = b->pages[kind];
	unsigned int i, nr = b->nr[kind];

	lockdep_assert_held(&b->lock);
	for (i = 0; i < nr; ) {
		struct smm_lruvec *lruvec = smm_frame_lruvec(pool, pages[i]);

		smm_lruvec_lock(lruvec);
		do {
			smm_lru_apply(pool, lruvec, pages[i], kind);
		} while (++i < nr && smm_frame_lruvec(pool, pages[i]) == lruvec);
		spin_unlock(&lruvec->lock);
	}
	/* Never the last reference: shadowmm's own stays until the frame is freed. */
	for (i = 0; i < nr; i++)
		put_page(smm_lru_page(pool, pages[i]));
	b->nr[kind] = 0;
}

static void smm_lru_batch_drain(struct smm_pool *pool, struct smm_lru_batch *b)
{
	enum smm_lru_batch_kind kind;

	lockdep_assert_held(&b->lock);
	for (kind = 0; kind < SMM_NR_LRU_BATCHES; kind++)
		if (b->nr[kind])
			smm_lru_batch_flush(pool, b, kind);
}

/* Queue @frame on this CPU's batch of @kind; drain that batch when full. */
static void smm_lru_queue(struct smm_pool *pool, struct smm_page *frame,
			  enum smm_lru_batch_kind kind)
{
	struct smm_lru_batch *b;

	get_page(smm_lru_page(pool, frame));
	b = smm_get_cpu_ptr(pool->lru.batch);
	spin_lock(&b->lock);
	b->pages[kind][b->nr[kind]++] = frame;
	if (b->nr[kind] >= READ_ONCE(pool->lru.batch_size))
		smm_lru_batch_flush(pool, b, kind);
	spin_unlock(&b->lock);
	smm_put_cpu_ptr(pool->lru.batch);
}

/**
 * smm_lru_add() - put a new object page on the LRU (inactive list)
 * @pool: the pool
 * @frame: a frame just put in its object, not yet on any list
 *
 * Goes through this CPU's batch, but for a refault the lip policy marked
 * SMM_PG_thrashing, which is linked at once; an mlocked page goes to the
 * unevictable list instead, and one whose SMM_PG_active the caller set
 * before (a refault within the working set) to the active list.
 *
 * Context: Process context; the frame's page locked.  Takes this CPU's
 * batch lock, and the LRU lock when the batch is full or the page
 * thrashes.
 */
void smm_lru_add(struct smm_pool *pool, struct smm_page *frame)
{
	struct smm_lruvec *lruvec;

	smm_lru_assert_page_locked(pool, frame);
	if (!smm_page_test(frame, SMM_PG_thrashing)) {
		smm_lru_queue(pool, frame, SMM_LRU_BATCH_ADD);
		return;
	}
	/*
	 * A thrashing refault (lip) is the page reclaim should take next.
	 * Waiting in a batch it would be invisible to reclaim, which would
	 * take older pages, the ones lip keeps, in its place: it is linked
	 * at once.
	 */
	lruvec = smm_frame_lruvec(pool, frame);
	smm_lruvec_lock(lruvec);
	smm_lru_do_add(pool, lruvec, frame);
	spin_unlock(&lruvec->lock);
}
SMM_EXPORT(smm_lru_add);

/**
 * smm_lru_mark_accessed() - note an access to an object page
 * @pool: the pool
 * @frame: a frame of an object
 *
 * Inactive with SMM_PG_referenced set: queued for activation (the drain
 * moves it to the active head, clears the bit and counts it, in pgactivate
 * and in the node's workingset age).  Inactive or active with the bit
 * clear: only sets it.  Unevictable: queued for activation when no longer
 * mlocked, else nothing.
 *
 * Context: Process context; the frame's page locked.  Takes no shared lock
 * unless this CPU's batch fills.
 */
void smm_lru_mark_accessed(struct smm_pool *pool, struct smm_page *frame)
{
	smm_lru_assert_page_locked(pool, frame);
	if (smm_page_test(frame, SMM_PG_unevictable)) {
		if (!smm_lru_mlocked(pool, frame))
			smm_lru_queue(pool, frame, SMM_LRU_BATCH_ACTIVATE);
		return;
	}
	smm_lru_policy(pool)->mark_accessed(pool, frame);
}
SMM_EXPORT(smm_lru_mark_accessed);

/**
 * smm_lru_classic_mark_accessed() - the two lists' access rule
 * @pool: the pool
 * @frame: an evictable frame of an object
 *
 * The mark_accessed rule of the classic and workingset policies: with
 * SMM_PG_referenced set, an inactive page is queued for activation; with
 * it clear, the access only sets it.
 *
 * Context: Process context; the frame's page locked.
 */
void smm_lru_classic_mark_accessed(struct smm_pool *pool, struct smm_page *frame)
{
	if (smm_lru_note_access(frame) && !smm_page_test(frame, SMM_PG_active))
		smm_lru_queue(pool, frame, SMM_LRU_BATCH_ACTIVATE);
}

/**
 * smm_lru_note_read() - a read() found an object page resident
 * @pool: the pool
 * @frame: a frame of an object
 *
 * An access for the policies that count reads (mglru: its tiers; lirs:
 * its stamp); the classic and workingset policies, as shadowmm always
 * did, do not.
 *
 * Context: Process context; the frame's page locked.
 */
void smm_lru_note_read(struct smm_pool *pool, struct smm_page *frame)
{
	const struct smm_lru_policy *policy = smm_lru_policy(pool);

	smm_lru_assert_page_locked(pool, frame);
	if (policy->note_read && !smm_page_test(frame, SMM_PG_unevictable))
		policy->note_read(pool, frame);
}
SMM_EXPORT(smm_lru_note_read);

/**
 * smm_lru_deactivate() - move an active object page to the inactive list
 * @pool: the pool
 * @frame: a frame of an object
 *
 * Batched; the drain clears SMM_PG_active and SMM_PG_referenced and puts
 * the page at the inactive head.
 *
 * Context: Process context; the frame's page locked.
 */
void smm_lru_deactivate(struct smm_pool *pool, struct smm_page *frame)
{
	smm_lru_assert_page_locked(pool, frame);
	if (smm_page_test(frame, SMM_PG_active))
		smm_lru_queue(pool, frame, SMM_LRU_BATCH_DEACTIVATE);
}
SMM_EXPORT(smm_lru_deactivate);

/**
 * smm_lru_mlock() - move an object page of a locked mapping to the
 * unevictable list
 * @pool: the pool
 * @frame: a frame of an object
 *
 * Batched.  A page queued before its add reached the lists is put on the
 * unevictable list by the add itself.
 *
 * Context: Process context; the frame's page locked.
 */
void smm_lru_mlock(struct smm_pool *pool, struct smm_page *frame)
{
	smm_lru_assert_page_locked(pool, frame);
	if (smm_page_test(frame, SMM_PG_unevictable))
		return;
	if (!smm_page_test(frame, SMM_PG_lru)) {
		/* Still in an add batch: the add reads the bit. */
		struct smm_lruvec *lruvec = smm_frame_lruvec(pool, frame);

		smm_lruvec_lock(lruvec);
		if (!smm_page_test(frame, SMM_PG_lru)) {
			set_bit(SMM_PG_unevictable, &frame->flags);
			spin_unlock(&lruvec->lock);
			return;
		}
		spin_unlock(&lruvec->lock);
	}
	smm_lru_queue(pool, frame, SMM_LRU_BATCH_MLOCK);
}
SMM_EXPORT(smm_lru_mlock);

/**
 * smm_lru_del() - take a frame that leaves its object off the LRU
 * @pool: the pool
 * @frame: the frame; its page->mapping already cleared
 *
 * Entries of the frame still in a batch are skipped by their drain (the
 * page has no mapping) and only drop their reference then.
 *
 * A KUnit case may redirect this call (eviction's first call once the
 * object's lock is dropped: the window its last close can come in).
 *
 * Context: Process context; the frame's page locked.  Takes the LRU lock.
 */
void smm_lru_del(struct smm_pool *pool, struct smm_page *frame)
{
	struct smm_lruvec *lruvec = smm_frame_lruvec(pool, frame);

	KUNIT_STATIC_STUB_REDIRECT(smm_lru_del, pool, frame);
	smm_lru_assert_page_locked(pool, frame);
	smm_lruvec_lock(lruvec);
	if (smm_page_test(frame, SMM_PG_lru))
		smm_lru_unlink(lruvec, frame);
	clear_bit(SMM_PG_active, &frame->flags);
	clear_bit(SMM_PG_unevictable, &frame->flags);
	clear_bit(SMM_PG_referenced, &frame->flags);
	clear_bit(SMM_PG_workingset, &frame->flags);
	clear_bit(SMM_PG_refault, &frame->flags);
	smm_page_set_field(frame, SMM_PAGE_REFS_MASK, 0);
	spin_unlock(&lruvec->lock);
}
SMM_EXPORT(smm_lru_del);

/**
 * smm_lru_split_head() - a folio's head frame stands for one page again
 * @pool: the pool
 * @frame: the head frame of a PMD-sized folio being split, its page locked
 *
 * Where the frame is on a list (or a generation) it stays in its place,
 * which now counts one page; one in a batch or isolated is counted as one
 * when it is linked.
 *
 * Context: Process context; takes the LRU lock.
 */
void smm_lru_split_head(struct smm_pool *pool, struct smm_page *frame)
{
	struct smm_lruvec *lruvec = smm_frame_lruvec(pool, frame);
	unsigned long *nr;

	smm_lru_assert_page_locked(pool, frame);
	smm_lruvec_lock(lruvec);
	if (!smm_page_test(frame, SMM_PG_lru)) {
		/* Not counted anywhere now. */
	} else if (smm_page_flags(frame) & SMM_PAGE_GEN_MASK) {
		smm_lru_gen_uncount(lruvec, frame, SMM_HUGE_NR - 1);
	} else {
		smm_lruvec_list(lruvec, smm_frame_lru(frame), &nr);
		WRITE_ONCE(*nr, *nr - (SMM_HUGE_NR - 1));
	}
	clear_bit(SMM_PG_head, &frame->flags);
	spin_unlock(&lruvec->lock);
}
SMM_EXPORT(smm_lru_split_head);

/* What of a frame's flags belongs to its page and moves with it. */
#define SMM_LRU_MIGRATE_FLAGS	(BIT(SMM_PG_lru) | BIT(SMM_PG_active) |		\
				 BIT(SMM_PG_referenced) | BIT(SMM_PG_unevictable) | \
				 BIT(SMM_PG_dirty) | BIT(SMM_PG_workingset) |	\
				 BIT(SMM_PG_refault) | BIT(SMM_PG_thrashing) |	\
				 SMM_PAGE_GEN_MASK | SMM_PAGE_REFS_MASK |	\
				 SMM_PAGE_STAMP_MASK)

/**
 * smm_lru_migrate() - a migrated page's new frame takes the old one's place
 * @pool: the pool
 * @old: the frame a page leaves (module/compaction.c moves it); its count
 *	 frozen, so no batch entry or isolation holds it
 * @new: the frame the page moves to, of the same node, on no list
 *
 * @new takes @old's place on its list (its generation, under mglru) and
 * its flags: list, referenced mark, accesses, dirty, working-set and
 * refault marks, and lirs's stamp; @old is left on no list with none of
 * them, as smm_object_frame_free() wants it.  Nothing is counted: the
 * page only changed frames, and the lists keep their order, so reclaim
 * sees the same page at the same place.  An @old on no list (it cannot
 * be, with its count frozen, but an isolation without a reference would
 * leave it so) has @new linked to the head of the list its flags name.
 *
 * Context: Process context; both frames' pages locked by the caller.
 * Takes the node's LRU lock.
 */
void smm_lru_migrate(struct smm_pool *pool, struct smm_page *old,
		     struct smm_page *new)
{
	struct smm_lruvec *lruvec = smm_frame_lruvec(pool, old);
	unsigned long moving;

	smm_lru_assert_page_locked(pool, old);
	smm_lru_assert_page_locked(pool, new);
	WARN_ON_ONCE(smm_frame_lruvec(pool, new) != lruvec);
	smm_lruvec_lock(lruvec);
	moving = READ_ONCE(old->flags) & SMM_LRU_MIGRATE_FLAGS;
	smm_page_set_field(new, SMM_LRU_MIGRATE_FLAGS, moving);
	smm_page_set_field(old, SMM_LRU_MIGRATE_FLAGS, 0);
	if (moving & BIT(SMM_PG_lru)) {
		list_replace_init(&old->lru, &new->lru);
	} else {
		INIT_LIST_HEAD(&new->lru);
		smm_lru_link(lruvec, new, smm_frame_lru(new), false);
	}
	spin_unlock(&lruvec->lock);
}
SMM_EXPORT(smm_lru_migrate);

/**
 * smm_lru_drain_cpu() - move one CPU's batches to the lists
 * @pool: the pool
 * @cpu: the CPU, online or dead
 *
 * Context: Process context.  Takes @cpu's batch lock and the LRU locks.
 */
void smm_lru_drain_cpu(struct smm_pool *pool, int cpu)
{
	struct smm_lru_batch *b = per_cpu_ptr(pool->lru.batch, cpu);

	spin_lock(&b->lock);
	smm_lru_batch_drain(pool, b);
	spin_unlock(&b->lock);
}
SMM_EXPORT(smm_lru_drain_cpu);

/**
 * smm_lru_drain_all() - move every CPU's batches to the lists
 * @pool: the pool
 *
 * Context: Process context.  Takes each CPU's batch lock in turn.
 */
void smm_lru_drain_all(struct smm_pool *pool)
{
	int cpu;

	for_each_possible_cpu(cpu)
		smm_lru_drain_cpu(pool, cpu);
}
SMM_EXPORT(smm_lru_drain_all);

/**
 * smm_lru_set_batch() - change the size of the per-CPU LRU batches
 * @pool: the pool
 * @size: 1..SMM_LRU_BATCH_MAX entries
 *
 * Every batch is drained afterwards, so none holds more than @size.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINVAL (nothing changes) when out of range.
 */
int smm_lru_set_batch(struct smm_pool *pool, unsigned int size)
{
	if (size < 1 || size > SMM_LRU_BATCH_MAX)
		return -EINVAL;
	mutex_lock(&pool->tune_lock);
	WRITE_ONCE(pool->lru.batch_size, size);
	mutex_unlock(&pool->tune_lock);
	smm_lru_drain_all(pool);
	return 0;
}
SMM_EXPORT(smm_lru_set_batch);

/**
 * smm_lru_isolate_inactive() - pick eviction candidates from the inactive tail
 * @pool: the pool
 * @node: the node whose list is scanned
 * @nr_to_scan: at most this many tail pages are looked at
 * @out: room for @nr_to_scan frames; the candidates
 *
 * An unmapped tail page with SMM_PG_referenced set gets its second chance:
 * the bit is cleared and the page goes back to the inactive head.  Any
 * other is taken off the list (SMM_PG_lru cleared) with a reference on its
 * struct page, for the caller to evict or give back with smm_lru_putback():
 * a mapped page keeps its bit, because its young ptes are accesses the
 * caller still has to read (smm_lru_check_references() applies the rule
 * to them).
 * A page found mlocked moves to the unevictable list.
 *
 * Context: Process context.  Takes @node's LRU lock.
 * Return: the number of frames put in @out.
 */
unsigned int smm_lru_isolate_inactive(struct smm_pool *pool, struct smm_node *node,
				      unsigned int nr_to_scan, struct smm_page **out)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	unsigned int scanned, n = 0;

	smm_lruvec_lock(lruvec);
	for (scanned = 0; scanned < nr_to_scan; scanned++) {
		struct smm_page *frame;
		struct page *page;

		if (list_empty(&lruvec->inactive_list))
			break;
		frame = list_last_entry(&lruvec->inactive_list, struct smm_page, lru);
		if (smm_lru_mlocked(pool, frame)) {
			smm_lru_move(lruvec, frame, SMM_LRU_UNEVICTABLE);
			continue;
		}
		page = smm_lru_page(pool, frame);
		if ((!page_mapped(page) &&
		     test_and_clear_bit(SMM_PG_referenced, &frame->flags)) ||
		    !get_page_unless_zero(page)) {
			/* At the head it is no refault at the tail any more. */
			clear_bit(SMM_PG_thrashing, &frame->flags);
			list_move(&frame->lru, &lruvec->inactive_list);
			continue;
		}
		smm_lru_unlink(lruvec, frame);
		out[n++] = frame;
	}
	spin_unlock(&lruvec->lock);
	return n;
}
SMM_EXPORT(smm_lru_isolate_inactive);

/**
 * smm_lru_check_kept() - the verdicts every reclaim policy shares
 * @folio: a candidate's page, locked
 * @frame: its frame
 *
 * A page that left its object, one that is mlocked or unevictable, and
 * one someone pins are never evicted, whatever the policy.
 *
 * Context: Process context; the page locked by the caller.
 * Return: SMM_LRUREF_GONE, SMM_LRUREF_UNEVICTABLE or SMM_LRUREF_PINNED,
 * or SMM_LRUREF_RECLAIM when none applies and the policy decides.
 */
enum smm_lru_references smm_lru_check_kept(struct folio *folio, struct smm_page *frame)
{
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (!folio->mapping)
		return SMM_LRUREF_GONE;
	if (folio_test_mlocked(folio) || smm_page_test(frame, SMM_PG_unevictable))
		return SMM_LRUREF_UNEVICTABLE;
	if (smm_object_page_pinned(folio))
		return SMM_LRUREF_PINNED;
	return SMM_LRUREF_RECLAIM;
}

/**
 * smm_lru_check_references() - is an isolated page a reclaim victim?
 * @pool: the pool
 * @frame: a frame from smm_lru_isolate_inactive(), not given back yet
 *
 * The LRU's verdict on one candidate, the twin of the kernel's
 * folio_check_references() and the one place a victim is decided; the
 * caller (reclaim's shrink loop) acts on it.  In this order: a page that
 * left its object meanwhile is gone; an mlocked page, or one already
 * bound for the unevictable list, is unevictable; a page with references
 * beyond its ptes' is pinned (smm_object_page_pinned()), and neither its
 * ptes nor its mark are looked at.  An unmapped page is a victim (its
 * mark had its second chance when it was isolated).  A mapped page's
 * young ptes (smm_object_young_ptes(), which makes them old again) are an
 * access under the LRU's rule: on a page already marked referenced it
 * activates it, a first one marks it and keeps it.  A mapped page marked
 * referenced with no new access gets its second chance: kept, mark
 * cleared.  One neither young nor marked is a victim.
 *
 * Context: Process context, may sleep (the walk of the ptes); the frame's
 * page locked by the caller, which keeps it in its object and keeps new
 * ptes from mapping it.
 * Return: an enum smm_lru_references.  On SMM_LRUREF_ACTIVATE the mark is
 * still set, for smm_lru_activate_isolated() to spend.
 */
enum smm_lru_references smm_lru_check_references(struct smm_pool *pool,
						 struct smm_page *frame)
{
	struct folio *folio = page_folio(smm_lru_page(pool, frame));
	enum smm_lru_references ref = smm_lru_check_kept(folio, frame);

	if (ref != SMM_LRUREF_RECLAIM)
		return ref;
	if (!folio_mapped(folio))
		return SMM_LRUREF_RECLAIM;
	if (smm_object_young_ptes(folio))
		return smm_lru_note_access(frame) ? SMM_LRUREF_ACTIVATE : SMM_LRUREF_KEEP;
	/* Referenced with no new access: its second chance. */
	if (test_and_clear_bit(SMM_PG_referenced, &frame->flags))
		return SMM_LRUREF_KEEP;
	return SMM_LRUREF_RECLAIM;
}
SMM_EXPORT(smm_lru_check_references);

/**
 * smm_lru_check_references_swapbacked() - the kernel's verdict since 5.9
 * @pool: the pool
 * @frame: a frame from smm_lru_isolate_inactive(), not given back yet
 *
 * The workingset policy's verdict, folio_check_references() as the kernel
 * applies it to a swap-backed page: the shared verdicts first
 * (smm_lru_check_kept()); an unmapped page is a victim (the isolation
 * gave a marked one its second chance, as for every policy).  A mapped page's
 * young ptes (made old again) set the referenced mark; with the mark
 * already set, or young in more than one mapping, the page is activated,
 * its mark kept (smm_lru_activate_isolated() with keep_mark); a first one
 * keeps it on the inactive list.  A page with no young pte is a victim
 * whatever its mark: unlike the classic rule, no second chance (only the
 * kernel's file pages get one, as RECLAIM_CLEAN).
 *
 * Context: Process context, may sleep (the walk of the ptes); the frame's
 * page locked by the caller.
 * Return: an enum smm_lru_references.
 */
enum smm_lru_references smm_lru_check_references_swapbacked(struct smm_pool *pool,
							    struct smm_page *frame)
{
	struct folio *folio = page_folio(smm_lru_page(pool, frame));
	enum smm_lru_references ref = smm_lru_check_kept(folio, frame);
	unsigned int young;
	bool marked;

	if (ref != SMM_LRUREF_RECLAIM)
		return ref;
	if (!folio_mapped(folio))
		return SMM_LRUREF_RECLAIM;
	marked = test_and_clear_bit(SMM_PG_referenced, &frame->flags);
	young = smm_object_young_ptes(folio);
	if (!young)
		return SMM_LRUREF_RECLAIM;
	set_bit(SMM_PG_referenced, &frame->flags);
	return marked || young > 1 ? SMM_LRUREF_ACTIVATE : SMM_LRUREF_KEEP;
}
SMM_EXPORT(smm_lru_check_references_swapbacked);

/**
 * smm_lru_activate_isolated() - activate an isolated page
 * @pool: the pool
 * @frame: a frame from smm_lru_isolate_inactive(), not given back yet,
 *	   that the policy's reference check found accessed again
 * @keep_mark: leave SMM_PG_referenced set (the workingset policy, as the
 *	       kernel's reclaim does); else the mark is spent
 *
 * The activation every activated page gets (see smm_lru_mark_accessed()):
 * SMM_PG_active, pgactivate, the node's workingset age moved on and the
 * shadowmm_lru_activate tracepoint.  smm_lru_putback() then links it to
 * the active list (or the unevictable one, if it was mlocked meanwhile).
 *
 * Context: Process context; the frame's page locked by the caller.
 */
void smm_lru_activate_isolated(struct smm_pool *pool, struct smm_page *frame,
			       bool keep_mark)
{
	smm_lru_assert_page_locked(pool, frame);
	VM_WARN_ON_ONCE(smm_page_test(frame, SMM_PG_lru));
	smm_lru_activate(pool, NULL, frame, keep_mark);
}
SMM_EXPORT(smm_lru_activate_isolated);

static void __smm_lru_putback(struct smm_pool *pool, struct smm_page **frames,
			      unsigned int nr, bool rejected)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct smm_page *frame = frames[i];
		struct smm_lruvec *lruvec = smm_frame_lruvec(pool, frame);
		enum smm_lru_list lru;

		smm_lruvec_lock(lruvec);
		if (smm_lru_frame_live(pool, frame) && !smm_page_test(frame, SMM_PG_lru)) {
			lru = smm_lru_mlocked(pool, frame) ? SMM_LRU_UNEVICTABLE :
							     smm_frame_lru(frame);
			if (rejected && lru == SMM_LRU_INACTIVE &&
			    lruvec->policy == SMM_LRU_POLICY_MGLRU)
				lru = SMM_LRU_ACTIVE;
			smm_lru_link(lruvec, frame, lru, true);
		}
		spin_unlock(&lruvec->lock);
		put_page(smm_lru_page(pool, frame));
	}
}

/**
 * smm_lru_putback() - give isolated frames back to the LRU
 * @pool: the pool
 * @frames: frames from smm_lru_isolate_inactive()
 * @nr: how many
 *
 * Each goes to the head of the list its flags name (inactive, or
 * unevictable when mlocked meanwhile; under mglru the oldest generation),
 * unless it has left its object; the isolation's reference is dropped.
 *
 * Context: Process context.  Takes the LRU locks.
 */
void smm_lru_putback(struct smm_pool *pool, struct smm_page **frames,
		     unsigned int nr)
{
	__smm_lru_putback(pool, frames, nr, false);
}
SMM_EXPORT(smm_lru_putback);

/**
 * smm_lru_putback_rejected() - give back frames reclaim judged and kept
 * @pool: the pool
 * @frames: isolated frames reclaim could not evict (busy, pinned, kept,
 *	    or not written to a full store)
 * @nr: how many
 *
 * As smm_lru_putback(), but under mglru a frame not activated joins the
 * youngest generation, not the oldest, as the kernel's evict_folios()
 * keeps rejected folios out of the oldest: more than a batch of pinned
 * pages left there would be all that eviction ever found, the oldest
 * generation would never empty and min_seq never move on.
 *
 * Context: Process context.  Takes the LRU locks.
 */
void smm_lru_putback_rejected(struct smm_pool *pool, struct smm_page **frames,
			      unsigned int nr)
{
	__smm_lru_putback(pool, frames, nr, true);
}
SMM_EXPORT(smm_lru_putback_rejected);

/**
 * smm_lru_rescue_unevictable() - give munlocked pages back to reclaim
 * @pool: the pool
 * @node: the node
 * @nr_to_scan: at most this many pages of the tail of its unevictable
 *		list are looked at
 *
 * munlock() clears PG_mlocked of the pages it walks without telling the
 * driver, and an mlocked mapping's unmap does the same: a page whose
 * struct page is no longer PG_mlocked and which no locked mapping still
 * covers goes back to the inactive list (under mglru, a generation),
 * counted in unevictable_pgs_rescued, as the kernel's munlock moves a
 * folio off its unevictable list.  The flag alone does not say: the
 * kernel keeps a count of a folio's locked mappings only while the folio
 * is on its own LRU, so the munlock of one of two locked mappings clears
 * it too.  The mappings are looked up with the page locked and no LRU
 * lock held; the others go back to the list's head, so the next scan
 * goes on from where this one stopped.
 *
 * Context: Process context, may sleep.  Takes @node's LRU lock, page
 * locks (tried) and objects' i_mmap locks.
 * Return: the number of frames moved back.
 */
unsigned int smm_lru_rescue_unevictable(struct smm_pool *pool, struct smm_node *node,
					unsigned long nr_to_scan)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	struct smm_page *frames[SMM_RECLAIM_BATCH];
	unsigned long scanned = 0;
	unsigned int rescued = 0;

	while (scanned < nr_to_scan && READ_ONCE(lruvec->nr_unevictable)) {
		unsigned int n = 0, seen = 0, i;

		/* Candidates off the list, each with a reference: their check sleeps. */
		smm_lruvec_lock(lruvec);
		while (scanned < nr_to_scan && n < ARRAY_SIZE(frames) && seen < SMM_WALK_BATCH &&
		       !list_empty(&lruvec->unevictable_list)) {
			struct smm_page *frame = list_last_entry(&lruvec->unevictable_list,
								 struct smm_page, lru);

			scanned += smm_frame_nr_pages(frame);
			seen++;
			if (smm_lru_mlocked(pool, frame) ||
			    !get_page_unless_zero(smm_lru_page(pool, frame))) {
				list_move(&frame->lru, &lruvec->unevictable_list);
				continue;
			}
			smm_lru_unlink(lruvec, frame);
			frames[n++] = frame;
		}
		spin_unlock(&lruvec->lock);
		for (i = 0; i < n; i++) {
			struct folio *folio = page_folio(smm_lru_page(pool, frames[i]));

			if (!folio_trylock(folio))
				continue;
			if (folio->mapping && !folio_test_mlocked(folio) &&
			    !smm_object_mapped_locked(folio)) {
				clear_bit(SMM_PG_unevictable, &frames[i]->flags);
				smm_count_events(pool, SMM_UNEVICTABLE_PGRESCUED,
						 smm_frame_nr_pages(frames[i]));
				rescued++;
			}
			folio_unlock(folio);
		}
		/* Each to the list its flags now name. */
		smm_lru_putback(pool, frames, n);
		cond_resched();
	}
	return rescued;
}
SMM_EXPORT(smm_lru_rescue_unevictable);

/*
 * The next active tail page the aging looks at, each counted in pgrefill
 * and in *@scanned, up to @nr: one found mlocked moves to the unevictable
 * list on the way.  NULL when the list is empty or @nr were looked at.
 */
static struct smm_page *smm_lru_refill_next(struct smm_pool *pool, struct smm_lruvec *lruvec,
					    unsigned int *scanned, unsigned int nr)
{
	lockdep_assert_held(&lruvec->lock);
	while (*scanned < nr && !list_empty(&lruvec->active_list)) {
		struct smm_page *frame = list_last_entry(&lruvec->active_list,
							 struct smm_page, lru);

		(*scanned)++;
		smm_count_event(pool, SMM_PGREFILL);
		if (!smm_lru_mlocked(pool, frame))
			return frame;
		smm_lru_move(lruvec, frame, SMM_LRU_UNEVICTABLE);
	}
	return NULL;
}

/**
 * smm_lru_age_active() - age the tail of a node's active list
 * @pool: the pool
 * @node: the node
 * @nr_to_scan: at most this many tail pages are looked at (pgrefill)
 *
 * The classic policy's aging: a tail page with SMM_PG_referenced set goes
 * back to the active head with the bit cleared; one with it clear moves
 * to the inactive head (pgdeactivate).  A page found mlocked moves to the
 * unevictable list.
 *
 * Context: Process context.  Takes @node's LRU lock.
 * Return: the number of pages deactivated.
 */
unsigned int smm_lru_age_active(struct smm_pool *pool, struct smm_node *node,
				unsigned int nr_to_scan)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	unsigned int scanned = 0, n = 0;
	struct smm_page *frame;

	smm_lruvec_lock(lruvec);
	while ((frame = smm_lru_refill_next(pool, lruvec, &scanned, nr_to_scan))) {
		if (test_and_clear_bit(SMM_PG_referenced, &frame->flags)) {
			list_move(&frame->lru, &lruvec->active_list);
			continue;
		}
		smm_lru_do_deactivate(pool, lruvec, frame);
		n++;
	}
	spin_unlock(&lruvec->lock);
	return n;
}
SMM_EXPORT(smm_lru_age_active);

/*
 * The tail of a node's active list, up to @nr_to_scan pages (at most
 * SMM_RECLAIM_BATCH), looked at through their ptes: the pages are taken
 * off the list under the LRU lock with a reference, their young ptes
 * read (and made old, as folio_referenced() makes them) under the page
 * lock if it can be had at once, and linked under the lock again.  A
 * page found mlocked moves to the unevictable list.  Without @rotate
 * every other page moves to the inactive head (pgdeactivate), whatever
 * it showed, with SMM_PG_workingset and its referenced mark kept.  With
 * @rotate (lirs), a page used since the last look (a young pte, or
 * SMM_PG_referenced, spent) goes back to the active head stamped now, a
 * busy one goes back unjudged, and the rest move to the inactive head,
 * the last one's stamp becoming the node's lirs_demoted.  Returns the
 * pages deactivated.
 */
static unsigned int __smm_lru_shrink_active(struct smm_pool *pool, struct smm_node *node,
					    unsigned int nr_to_scan, bool rotate)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	struct smm_page *frames[SMM_RECLAIM_BATCH], *frame;
	unsigned int scanned = 0, i, n = 0, moved = 0;
	unsigned long used = 0, busy = 0, now = 0;

	BUILD_BUG_ON(SMM_RECLAIM_BATCH > BITS_PER_LONG);
	nr_to_scan = min_t(unsigned int, nr_to_scan, SMM_RECLAIM_BATCH);
	smm_lruvec_lock(lruvec);
	while ((frame = smm_lru_refill_next(pool, lruvec, &scanned, nr_to_scan))) {
		/* Being freed: its remover takes it off the list. */
		if (!get_page_unless_zero(smm_lru_page(pool, frame))) {
			list_move(&frame->lru, &lruvec->active_list);
			continue;
		}
		smm_lru_unlink(lruvec, frame);
		frames[n++] = frame;
	}
	spin_unlock(&lruvec->lock);

	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(smm_lru_page(pool, frames[i]));
		bool young = false;

		if (!folio_trylock(folio)) {
			busy |= BIT(i);
			continue;
		}
		if (folio->mapping && folio_mapped(folio))
			young = smm_object_young_ptes(folio);
		folio_unlock(folio);
		if (rotate && (test_and_clear_bit(SMM_PG_referenced, &frames[i]->flags) || young))
			used |= BIT(i);
	}

	if (rotate)
		now = smm_lru_lirs_now(pool, node->index);
	smm_lruvec_lock(lruvec);
	for (i = 0; i < n; i++) {
		frame = frames[i];
		/* Left its object meanwhile: off every list already. */
		if (!smm_lru_frame_live(pool, frame) || smm_page_test(frame, SMM_PG_lru))
			continue;
		/* Mlocked, or a fault of a locked vma queued it meanwhile. */
		if (smm_lru_mlocked(pool, frame) || smm_page_test(frame, SMM_PG_unevictable)) {
			smm_lru_link(lruvec, frame, SMM_LRU_UNEVICTABLE, false);
			continue;
		}
		if (rotate && (used | busy) & BIT(i)) {
			if (used & BIT(i))
				smm_lru_lirs_stamp(frame, now);
			smm_lru_link(lruvec, frame, SMM_LRU_ACTIVE, false);
			continue;
		}
		if (rotate)
			WRITE_ONCE(lruvec->lirs_demoted, smm_lru_lirs_stamp_of(frame));
		else
			set_bit(SMM_PG_workingset, &frame->flags);
		smm_lru_link(lruvec, frame, SMM_LRU_INACTIVE, false);
		smm_count_event(pool, SMM_PGDEACTIVATE);
		trace_shadowmm_lru_deactivate(smm_lru_pfn(pool, frame));
		moved++;
	}
	spin_unlock(&lruvec->lock);
	for (i = 0; i < n; i++)
		put_page(smm_lru_page(pool, frames[i]));
	return moved;
}

/**
 * smm_lru_shrink_active() - age a node's active list as the kernel does
 * @pool: the pool
 * @node: the node
 * @nr_to_scan: at most this many tail pages are looked at (pgrefill), up
 *		to SMM_RECLAIM_BATCH
 *
 * The workingset policy's aging, the kernel's shrink_active_list() for
 * pages that are not executable file pages: every tail page looked at
 * moves to the inactive head (pgdeactivate), whatever its referenced mark,
 * which it keeps (the kernel leaves PG_referenced alone there), and with
 * SMM_PG_workingset.  Its young ptes are made old on the way, as
 * folio_referenced() makes them, so that on the inactive list only a use
 * after its deactivation counts.  The pages are taken off the list under
 * the LRU lock with a reference, their ptes read under the page lock if
 * it can be had at once (a busy page moves with its ptes as they are),
 * and linked under the lock again.  A page found mlocked moves to the
 * unevictable list.
 *
 * Context: Process context, may sleep (the walk of the ptes).  Takes
 * @node's LRU lock and the pages' locks, never both at once.
 * Return: the number of pages deactivated.
 */
unsigned int smm_lru_shrink_active(struct smm_pool *pool, struct smm_node *node,
				   unsigned int nr_to_scan)
{
	return __smm_lru_shrink_active(pool, node, nr_to_scan, false);
}
SMM_EXPORT(smm_lru_shrink_active);

/**
 * smm_lru_rotate_active() - age a node's active list by use (lirs)
 * @pool: the pool
 * @node: the node
 * @nr_to_scan: at most this many tail pages are looked at (pgrefill), up
 *		to SMM_RECLAIM_BATCH
 *
 * The lirs policy's aging, a CLOCK over the active list: a tail page used
 * since the last look (a young pte, made old again, or its referenced
 * mark, spent) goes back to the head, stamped with the node's clock; a
 * busy one (its page lock taken) goes back as it is; every other one
 * moves to the inactive head (pgdeactivate), and the last one's stamp
 * becomes the node's lirs_demoted, the recency a refault must beat to
 * come back active.  Taken and linked as smm_lru_shrink_active() does.
 *
 * Context: Process context, may sleep (the walk of the ptes).  Takes
 * @node's LRU lock and the pages' locks, never both at once.
 * Return: the number of pages deactivated.
 */
unsigned int smm_lru_rotate_active(struct smm_pool *pool, struct smm_node *node,
				   unsigned int nr_to_scan)
{
	return __smm_lru_shrink_active(pool, node, nr_to_scan, true);
}
SMM_EXPORT(smm_lru_rotate_active);

/**
 * smm_lru_inactive_is_low() - the kernel's inactive-ratio rule
 * @node: the node
 *
 * The inactive list is too short when inactive * ratio < active, where
 * ratio is int_sqrt(10 * the two lists' size in GiB), or 1 below 1 GiB.
 *
 * Context: Any context; a lockless snapshot of the counts.
 * Return: true when the active list should be aged.
 */
bool smm_lru_inactive_is_low(struct smm_node *node)
{
	unsigned long inactive = READ_ONCE(node->lruvec.nr_inactive);
	unsigned long active = READ_ONCE(node->lruvec.nr_active);
	unsigned long gb = (inactive + active) >> (30 - PAGE_SHIFT);
	unsigned long ratio = gb ? int_sqrt(10 * gb) : 1;

	return inactive * ratio < active;
}
SMM_EXPORT(smm_lru_inactive_is_low);

/**
 * smm_lru_evictable() - pages a node's reclaim could scan
 * @node: the node
 *
 * The active and inactive lists, or the generations under mglru.
 *
 * Context: Any context; a lockless snapshot of the counts.
 * Return: the count.
 */
unsigned long smm_lru_evictable(struct smm_node *node)
{
	return READ_ONCE(node->lruvec.nr_inactive) + READ_ONCE(node->lruvec.nr_active) +
	       smm_lru_gen_nr_pages(&node->lruvec.gen);
}
SMM_EXPORT(smm_lru_evictable);

/**
 * smm_lru_pages() - pages on one kind of list, over every node
 * @pool: the pool
 * @lru: which list
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_lru_pages(struct smm_pool *pool, enum smm_lru_list lru)
{
	unsigned long sum = 0, *nr;
	int i;

	for (i = 0; i < pool->zones.nr_nodes; i++) {
		unsigned long active, inactive;

		smm_lruvec_list(&pool->zones.nodes[i].lruvec, lru, &nr);
		sum += READ_ONCE(*nr);
		/* Generations: the two youngest count as active, as the kernel's. */
		smm_lru_gen_snapshot(&pool->zones.nodes[i].lruvec.gen, &active, &inactive);
		if (lru == SMM_LRU_ACTIVE)
			sum += active;
		else if (lru == SMM_LRU_INACTIVE)
			sum += inactive;
	}
	return sum;
}
SMM_EXPORT(smm_lru_pages);

/* A node's unevictable list changed under this many counts: its length. */
#define SMM_LRU_MLOCKED_TRIES	4

/*
 * The mlocked pages of @lruvec's unevictable list, a batch at a time;
 * false when the list changed while its lock was let go.
 */
static bool smm_lru_mlocked_walk(struct smm_pool *pool, struct smm_lruvec *lruvec,
				 struct smm_walk *w, unsigned long *n)
{
	unsigned long seen = 0;
	struct smm_page *frame;

	lockdep_assert_held(&lruvec->lock);
	*n = 0;
	smm_walk_begin(w);
	list_for_each_entry(frame, &lruvec->unevictable_list, lru) {
		*n += smm_lru_mlocked(pool, frame);
		/* A list longer than its count (validate says so) ends here. */
		if (++seen >= lruvec->nr_unevictable)
			break;
		if (!smm_walk_step(w, 1))
			return false;
	}
	return true;
}

/**
 * smm_lru_mlocked_pages() - object pages mlocked by the kernel's mm
 * @pool: the pool
 *
 * The pages of the unevictable lists whose struct page is PG_mlocked (a
 * page munlocked since stays there until it is next touched).  A user
 * decides how long those lists are, so each is walked SMM_WALK_BATCH
 * entries at a time under its lock, as validate's walks are; a list that
 * changed whenever the lock was let go is counted at its length, the most
 * it can hold mlocked, after SMM_LRU_MLOCKED_TRIES walks.
 *
 * Context: Process context, may sleep.  Takes each node's LRU lock in turn.
 * Return: the count.
 */
unsigned long smm_lru_mlocked_pages(struct smm_pool *pool)
{
	unsigned long sum = 0, n;
	unsigned int tries;
	int i;

	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_lruvec *lruvec = &pool->zones.nodes[i].lruvec;
		struct smm_walk w = SMM_WALK_INIT(&lruvec->lock, &lruvec->changes,
						  &lruvec->walk_hold_max);

		spin_lock(&lruvec->lock);
		for (tries = 0; tries < SMM_LRU_MLOCKED_TRIES; tries++) {
			if (smm_lru_mlocked_walk(pool, lruvec, &w, &n))
				break;
			/* Let the changes that came in pass before walking again. */
			spin_unlock(&lruvec->lock);
			cond_resched();
			spin_lock(&lruvec->lock);
		}
		if (tries == SMM_LRU_MLOCKED_TRIES)
			n = lruvec->nr_unevictable;
		smm_walk_hold_end(&w);
		spin_unlock(&lruvec->lock);
		sum += n;
	}
	return sum;
}
SMM_EXPORT(smm_lru_mlocked_pages);

/*
 * One list of @node against its count and its frames' flags; its LRU lock
 * held.  False when the walk had to stop (smm_walk_step()).
 */
static bool smm_lru_validate_list(struct smm_pool *pool, struct smm_node *node,
				  enum smm_lru_list lru, struct smm_walk *w,
				  struct smm_report *r)
{
	static const char * const names[] = { "inactive", "active", "unevictable" };
	unsigned long n = 0, *nr;
	struct list_head *head = smm_lruvec_list(&node->lruvec, lru, &nr);
	struct smm_page *frame;

	lockdep_assert_held(&node->lruvec.lock);
	list_for_each_entry(frame, head, lru) {
		unsigned long sfn = smm_page_sfn(&pool->region, frame);

		n += smm_frame_nr_pages(frame);
		if (!smm_page_test(frame, SMM_PG_lru) || smm_frame_lru(frame) != lru)
			smm_report(r, "lru: frame %lu on node %d's %s list has flags %#lx\n",
				   sfn, node->index, names[lru],
				   smm_page_flags(frame) & SMM_PAGE_FLAGS_MASK);
		if (smm_page_flags(frame) & (BIT(SMM_PG_buddy) | BIT(SMM_PG_pcp) |
				    BIT(SMM_PG_slab) | BIT(SMM_PG_absent)) ||
		    !frame->object || smm_page_zone(pool, frame)->node != node)
			smm_report(r, "lru: frame %lu on node %d's %s list is not an object page of it\n",
				   sfn, node->index, names[lru]);
		if (n > *nr)
			break;
		if (!smm_walk_step(w, 1))
			return false;
	}
	if (n != *nr)
		smm_report(r, "lru: node %d's %s list holds %lu pages, %lu counted\n",
			   node->index, names[lru], n, *nr);
	return true;
}

/*
 * One node: its lists, its generations and the SMM_PG_lru of each of its
 * frames, walked a batch at a time.  The counts are compared, and what
 * the walk found stands, only when no change to the LRU overlapped the
 * walk; false when one did.
 */
static bool smm_lru_validate_node(struct smm_pool *pool, struct smm_node *node,
				  struct smm_report *r)
{
	struct smm_lruvec *lruvec = &node->lruvec;
	struct smm_walk w = SMM_WALK_INIT(&lruvec->lock, &lruvec->changes,
					  &lruvec->walk_hold_max);
	unsigned long sfn, listed, flagged = 0;
	enum smm_lru_list lru;
	bool done = false;

	spin_lock(&lruvec->lock);
	smm_walk_begin(&w);
	for (lru = 0; lru < SMM_NR_LRU_LISTS; lru++)
		if (!smm_lru_validate_list(pool, node, lru, &w, r))
			goto out;
	if (!smm_lru_gen_validate(pool, node, &w, r))
		goto out;
	for (sfn = node->start_sfn; sfn < node->start_sfn + node->spanned; sfn++) {
		struct smm_page *frame = smm_sfn_page(&pool->region, sfn);

		if (smm_page_test(frame, SMM_PG_lru))
			flagged += smm_frame_nr_pages(frame);
		if (!smm_walk_step(&w, 1))
			goto out;
	}
	listed = lruvec->nr_active + lruvec->nr_inactive + lruvec->nr_unevictable +
		 smm_lru_gen_nr_pages(&lruvec->gen);
	if (flagged != listed)
		smm_report(r, "lru: node %d has %lu pages marked lru, %lu on its lists\n",
			   node->index, flagged, listed);
	done = true;
out:
	smm_walk_hold_end(&w);
	spin_unlock(&lruvec->lock);
	return done;
}

/* A node whose LRU changed under its walk is walked again, this far apart. */
#define SMM_LRU_VALIDATE_WAIT_MS	20

/**
 * smm_lru_validate() - check the LRU lists against the frames' flags
 * @pool: the pool
 * @r: where problems are reported
 *
 * Every frame on a list has SMM_PG_lru and the flags of that list and is
 * an object page of the node; the counts match the lists; the generations
 * hold what smm_lru_gen_validate() asks; and the frames of the node with
 * SMM_PG_lru are exactly those on its lists.
 *
 * The lock is let go every SMM_WALK_BATCH entries or frames, so what a
 * walk finds is only believed when nothing changed the node's LRU during
 * it: a walk something did is taken back and repeated, 20 ms apart, for
 * up to a second; a node still not walked whole then is logged and
 * counted in @r->unchecked, not reported as a problem.  On a pool that never stops changing, the LRU may go
 * unchecked.
 *
 * Context: Process context, may sleep.  Takes each node's LRU lock in turn.
 * Return: the number of problems found.
 */
unsigned int smm_lru_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int before = r->problems, uncompared = 0;
	unsigned long deadline = jiffies + HZ;
	int i;

	for (i = 0; i < pool->zones.nr_nodes; i++) {
		for (;;) {
			struct smm_report_pos pos;

			smm_report_save(r, &pos);
			if (smm_lru_validate_node(pool, &pool->zones.nodes[i], r))
				break;
			/* What a walk a change overlapped said is taken back. */
			smm_report_restore(r, &pos);
			if (time_after(jiffies, deadline) || fatal_signal_pending(current)) {
				uncompared++;
				break;
			}
			msleep(SMM_LRU_VALIDATE_WAIT_MS);
		}
		cond_resched();
	}
	r->unchecked += uncompared;
	if (uncompared)
		pr_info_ratelimited("%s: validate: the LRU of %u nodes not checked: it changed during every walk for a second\n",
				    pool->name, uncompared);
	return r->problems - before;
}
SMM_EXPORT(smm_lru_validate);

/**
 * smm_lru_pool_init() - empty LRU lists and batches for a new pool
 * @pool: the pool being built, its nodes made
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int smm_lru_pool_init(struct smm_pool *pool)
{
	int i, cpu;

	pool->lru.batch = alloc_percpu(struct smm_lru_batch);
	if (!pool->lru.batch)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(pool->lru.batch, cpu)->lock);
	pool->lru.batch_size = SMM_LRU_BATCH_DEFAULT;
	pool->lru.policy = &smm_lru_policy_classic;
	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_lruvec *lruvec = &pool->zones.nodes[i].lruvec;

		spin_lock_init(&lruvec->lock);
		INIT_LIST_HEAD(&lruvec->active_list);
		INIT_LIST_HEAD(&lruvec->inactive_list);
		INIT_LIST_HEAD(&lruvec->unevictable_list);
		lruvec->nr_active = 0;
		lruvec->nr_inactive = 0;
		lruvec->nr_unevictable = 0;
		lruvec->policy = SMM_LRU_POLICY_CLASSIC;
		smm_lru_gen_init(&lruvec->gen, 0);
	}
	return 0;
}

/**
 * smm_lru_pool_destroy() - free the batches of a pool with no object page
 * @pool: the pool being taken apart
 *
 * Context: Process context, may sleep; CPU hotplug callbacks unregistered.
 */
void smm_lru_pool_destroy(struct smm_pool *pool)
{
	int i;

	smm_lru_drain_all(pool);
	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_lruvec *lruvec = &pool->zones.nodes[i].lruvec;

		WARN(lruvec->nr_active || lruvec->nr_inactive || lruvec->nr_unevictable ||
		     smm_lru_gen_nr_pages(&lruvec->gen),
		     "%s: node %d destroyed with LRU pages left\n", pool->name, i);
	}
	free_percpu(pool->lru.batch);
}
