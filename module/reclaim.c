// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: page reclaim, kswapd and direct.
 *
 * Each node has a kswapd thread.  An allocation that leaves a zone below
 * its low watermark wakes the zone's node's thread (a bit and a wake_up,
 * nothing more on the allocation path) unless a zone the allocation could
 * use is still above high.  The thread then reclaims until one is above
 * high again, as the kernel's pgdat_balanced() asks, and sleeps.  An
 * allocation that finds every zone below min and may sleep
 * (SMM_GFP_DIRECT_RECLAIM, the fault path's) reclaims a batch itself
 * first, counted as an allocstall.
 *
 * One pass over a node (smm_shrink_node()) moves every per-CPU LRU batch to
 * the lists, ages the active list while the inactive one is too short
 * (smm_lru_inactive_is_low()), and shrinks the inactive list in batches of
 * SMM_RECLAIM_BATCH: smm_lru_isolate_inactive() gives referenced unmapped
 * tail pages their second chance and takes the rest; each of those, under
 * its page lock (tried, never waited for), goes through the steps of the
 * kernel's shrink_folio_list(): the LRU decides whether it is a victim
 * (smm_lru_check_references(): its young ptes activate a page seen
 * accessed again and keep one seen for the first time).  The batch's
 * victims, still locked, are unmapped from every process together
 * (smm_object_unmap_victims(): a TLB flush per run of consecutive pages
 * instead of per page; a victim a mapping locked since its verdict
 * stays), then each is taken out of its object
 * (smm_object_remove_mapping(): write to the backing store, leave a
 * shadow entry, free the frame).  What was not evicted goes back, to the
 * active list if it was activated, to the unevictable one if mlocked
 * (under mglru, what was kept goes to the youngest generation, never the
 * oldest, which more than a batch of pinned pages would otherwise fill
 * for good).  Each pass first looks at as much of the unevictable list
 * as of the others (>> priority) for pages munlock() left there.
 * A pass scans at most the node's LRU size >> priority pages, and each
 * pass without progress lowers the priority, as the kernel's scan_control
 * does; a pass at priority 0 that reclaimed nothing goes over the node
 * again with the two-list policies' active list aged whatever the lists'
 * balance, as the kernel retries with force_deactivate (an inactive list
 * of pinned pages is not short, and would otherwise be all reclaim ever
 * scans).  kswapd also, once per run, reaps the VMA descriptor trees that
 * hold mostly descriptors of vmas gone (smm_vma_reap_idle()) and gives
 * the slab caches' free slabs back.
 *
 * Without a backing store nothing can be evicted: reclaim only shrinks
 * slabs.  When the store is full a pass stops at the first page it cannot
 * write, kswapd counts it as a failure and, after SMM_KSWAPD_MAX_FAILURES
 * of them in a row, sleeps and ignores wakes until a store slot is freed
 * or direct reclaim evicts (smm_reclaim_note_progress()), so it never
 * spins on a full store; freed object frames buy it one pass only
 * (smm_reclaim_note_freed()), so it never spins beside a task that frees
 * and faults pages either.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <shadowmm/compaction.h>
#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/slab.h>
#include <shadowmm/vma.h>
#include <trace/events/shadowmm.h>

/**
 * struct smm_scan_control - one reclaim run
 * @nr_to_reclaim:	stop once this many pages are reclaimed
 * @nr_scanned:		inactive pages isolated so far
 * @nr_reclaimed:	pages evicted so far
 * @priority:		a pass scans at most lru_size >> @priority pages
 * @kswapd:		kswapd's run (else direct reclaim): which counters
 * @on_demand:		the "reclaim N" knob's run: any signal stops it
 * @store_full:		a page could not be written: stop
 */
struct smm_scan_control {
	unsigned long nr_to_reclaim;
	unsigned long nr_scanned;
	unsigned long nr_reclaimed;
	int priority;
	bool kswapd;
	bool on_demand;
	bool store_full;
};

/*
 * One isolated page, as the kernel's shrink_folio_list() takes each: its
 * page lock tried and the LRU's verdict on its references.  A victim
 * (SMM_EVICT_RECLAIMED) stays locked, for its removal from its object
 * once the batch's victims are unmapped; any other page is unlocked
 * again, what became of it an enum smm_evict_result, counted in @stat.
 */
static enum smm_evict_result smm_judge_page(struct smm_pool *pool,
					    const struct smm_lru_policy *policy,
					    struct smm_page *frame,
					    struct smm_reclaim_stat *stat)
{
	struct folio *folio = page_folio(smm_frame_struct_page(pool, frame));
	enum smm_evict_result res;

	if (!folio_trylock(folio))
		return SMM_EVICT_BUSY;
	/*
	 * The kernel marks a PMD-sized folio mlocked only when mlock() walks
	 * it, not when a locked mapping faults it in: a locked mapping of it
	 * keeps it, as the kernel's reclaim finds one in its rmap walk.
	 */
	if (folio_test_large(folio) && folio->mapping &&
	    smm_object_mapped_locked(folio)) {
		smm_lru_mlock(pool, frame);
		folio_unlock(folio);
		return SMM_EVICT_MLOCKED;
	}
	switch (policy->check_references(pool, frame)) {
	case SMM_LRUREF_RECLAIM:
		/*
		 * A PMD-sized folio found cold as a whole is split, as the
		 * kernel splits a large folio it swaps out: its head page is
		 * the victim, its other pages join the inactive list.  One a
		 * user holds whole stays, as a pinned page does.
		 */
		if (folio_test_large(folio) &&
		    smm_object_split_huge(frame->object, folio)) {
			stat->nr_unmap_fail++;
			res = SMM_EVICT_PINNED;
			break;
		}
		return SMM_EVICT_RECLAIMED;
	case SMM_LRUREF_KEEP:
		stat->nr_ref_keep++;
		res = SMM_EVICT_REFERENCED;
		break;
	case SMM_LRUREF_ACTIVATE:
		smm_lru_activate_isolated(pool, frame, policy->activation_keeps_mark);
		stat->nr_activate++;
		res = SMM_EVICT_ACTIVATE;
		break;
	case SMM_LRUREF_UNEVICTABLE:
		res = SMM_EVICT_MLOCKED;
		break;
	case SMM_LRUREF_PINNED:
		stat->nr_unmap_fail++;
		res = SMM_EVICT_PINNED;
		break;
	case SMM_LRUREF_GONE:
	default:
		res = SMM_EVICT_GONE;
		break;
	}
	folio_unlock(folio);
	return res;
}

/*
 * One batch of the inactive tail (the oldest generation under mglru);
 * returns the pages reclaimed.
 */
static unsigned int smm_shrink_inactive(struct smm_pool *pool,
					const struct smm_lru_policy *policy,
					struct smm_node *node, struct smm_scan_control *sc)
{
	struct smm_page *frames[SMM_RECLAIM_BATCH], *victims[SMM_RECLAIM_BATCH];
	bool victim[SMM_RECLAIM_BATCH];
	struct smm_reclaim_stat stat = { };
	unsigned int i, n, nr_victims = 0, kept = 0, reclaimed = 0;

	n = min_t(unsigned long, SMM_RECLAIM_BATCH, sc->nr_to_reclaim - sc->nr_reclaimed);
	n = policy->isolate(pool, node, n, frames);
	if (!n)
		return 0;
	smm_count_events(pool, sc->kswapd ? SMM_PGSCAN_KSWAPD : SMM_PGSCAN_DIRECT, n);
	/* The verdicts first: the victims, still locked, are unmapped together. */
	for (i = 0; i < n; i++) {
		victim[i] = smm_judge_page(pool, policy, frames[i], &stat) ==
			    SMM_EVICT_RECLAIMED;
		if (victim[i])
			victims[nr_victims++] = frames[i];
	}
	/*
	 * Together only while the store has a slot for each: past the first
	 * page it cannot take the batch ends, and the rest would have lost
	 * their ptes for nothing, to fault straight back in.  Otherwise
	 * smm_object_remove_mapping() unmaps each in its turn.
	 */
	if (nr_victims && smm_swap_free_slots(&pool->swap) >= nr_victims)
		smm_object_unmap_victims(pool, victims, nr_victims);
	/* Taken out in the LRU's order, each page in its turn. */
	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(smm_frame_struct_page(pool, frames[i]));
		enum smm_evict_result res = SMM_EVICT_NOSPACE;

		if (victim[i]) {
			if (!sc->store_full)
				res = smm_object_remove_mapping(pool, frames[i], &stat);
			/* Taken out: unlocked there, before its frame was freed. */
			if (res == SMM_EVICT_RECLAIMED) {
				reclaimed++;
				continue;
			}
			folio_unlock(folio);
			if (res == SMM_EVICT_NOSPACE)
				sc->store_full = true;
		}
		frames[kept++] = frames[i];
	}
	smm_lru_putback_rejected(pool, frames, kept);
	smm_count_events(pool, sc->kswapd ? SMM_PGSTEAL_KSWAPD : SMM_PGSTEAL_DIRECT,
			 reclaimed);
	sc->nr_scanned += n;
	sc->nr_reclaimed += reclaimed;
	if (policy->id == SMM_LRU_POLICY_MGLRU)
		trace_shadowmm_lru_gen_evict(node->nid, n, reclaimed, &stat, sc->priority);
	else
		trace_shadowmm_lru_shrink_inactive(node->nid, n, reclaimed, &stat, sc->priority);
	return reclaimed;
}

/*
 * A task that is being killed stops reclaiming before its next batch: it
 * is about to exit and free its memory, as the kernel's reclaim says
 * where it lets such a task return early (throttle_direct_reclaim(),
 * shrink_inactive_list()).  Its allocation then fails, and the fault
 * that asked for it ends in a SIGBUS nobody sees (smm_vm_fault()),
 * instead of the task scanning whole LRU lists at falling priority, try
 * after try, before it can exit.  kswapd, a kernel thread, gets no such
 * signal; the "reclaim N" knob stops only for the task that wrote it.
 */
static bool smm_reclaim_killed(const struct smm_scan_control *sc)
{
	if (sc->kswapd)
		return false;
	/*
	 * The knob's writer asked for nothing it needs to go on: any
	 * signal ends it (a ^C, the freezer's for suspend), as a signal
	 * ends a write to the kernel's memory.reclaim.
	 */
	return sc->on_demand ? signal_pending(current) : fatal_signal_pending(current);
}

/*
 * Batches over a node while its budget lasts: before each, the policy's
 * aging (@force: its forced one), then the inactive tail shrunk; a batch
 * at a time, until a dying caller gives up.
 */
static void smm_shrink_node_batches(struct smm_pool *pool,
				    const struct smm_lru_policy *policy,
				    struct smm_node *node, struct smm_scan_control *sc,
				    bool force)
{
	unsigned long budget;

	budget = smm_lru_evictable(node) >> sc->priority;
	budget = max_t(unsigned long, budget, SMM_RECLAIM_BATCH);
	/* A batch may isolate nothing (all second chances): it still scanned. */
	while (budget && sc->nr_reclaimed < sc->nr_to_reclaim && !sc->store_full) {
		if (!smm_lru_evictable(node) || smm_reclaim_killed(sc))
			break;
		if (force)
			policy->force_age(pool, node);
		else
			policy->age(pool, node, sc->priority);
		smm_shrink_inactive(pool, policy, node, sc);
		budget -= min_t(unsigned long, budget, SMM_RECLAIM_BATCH);
		cond_resched();
	}
}

/*
 * One pass over a node by the pool's policy (module/lru_policy.c): age as
 * it asks (classic: the active list when the inactive one is low), shrink
 * what it isolates.  A pass at priority 0 that reclaimed nothing goes
 * over the node once more with the active list aged whatever the lists'
 * balance: an inactive list of pages nobody can evict (held by pipes)
 * and as long as the active one never asks for aging, and would be all
 * reclaim ever looked at.
 */
static void smm_shrink_node(struct smm_pool *pool, struct smm_node *node,
			    struct smm_scan_control *sc)
{
	const struct smm_lru_policy *policy = smm_lru_policy(pool);
	unsigned long reclaimed = sc->nr_reclaimed;

	if (!pool->swap.ready)
		return;
	smm_lru_drain_all(pool);
	/* As much of the unevictable list as of the others: munlocked pages. */
	smm_lru_rescue_unevictable(pool, node,
				   max_t(unsigned long,
					 READ_ONCE(node->lruvec.nr_unevictable) >> sc->priority,
					 SMM_RECLAIM_BATCH));
	smm_shrink_node_batches(pool, policy, node, sc, false);
	if (!sc->priority && sc->nr_reclaimed == reclaimed && policy->force_age &&
	    !sc->store_full && READ_ONCE(node->lruvec.nr_active))
		smm_shrink_node_batches(pool, policy, node, sc, true);
	if (policy->pass_done)
		policy->pass_done(pool, node);
}

/*
 * Balanced, as the kernel's pgdat_balanced(): some populated zone up to
 * @highest is above its high watermark for @order (or none is populated).
 */
static bool smm_node_balanced(struct smm_node *node, unsigned int order, int highest)
{
	bool any = false;
	int t;

	for (t = 0; t <= highest; t++) {
		struct smm_zone *zone = &node->zones[t];

		if (!smm_zone_populated(zone))
			continue;
		any = true;
		if (smm_zone_watermark_ok(zone, order, READ_ONCE(zone->watermark[SMM_WMARK_HIGH]),
					  highest, false))
			return true;
	}
	return !any;
}

/* kswapd's run: reclaim until balanced, or until nothing more can go. */
static void smm_kswapd_balance(struct smm_kswapd *k, unsigned int order, int highest)
{
	struct smm_scan_control sc = { .kswapd = true, .priority = SMM_DEF_PRIORITY };
	struct smm_pool *pool = k->pool;
	struct smm_node *node = k->node;
	bool slabs_done = false;

	if (smm_node_balanced(node, order, highest))
		return;
	/*
	 * Frames parked on the per-CPU lists are free: they go back before
	 * anything is evicted (the lists may hold an eighth of a zone).  The
	 * node is judged again even if this drain found the lists empty:
	 * another's drain may just have put them back.
	 */
	smm_pcp_drain_all(pool);
	if (smm_node_balanced(node, order, highest))
		return;
	smm_count_event(pool, SMM_PAGEOUTRUN);
	trace_shadowmm_reclaim_begin(node->nid, order, 0);
	while (!smm_node_balanced(node, order, highest)) {
		unsigned long before = sc.nr_reclaimed;
		int progress;

		/*
		 * Suspend and hibernation freeze kswapd here, between
		 * batches, with no page or lock held, as the kernel's
		 * balance_pgdat() freezes: a pass must not evict, allocate
		 * or write the store after the image's memory is set aside
		 * or while the devices sleep.
		 */
		if (kthread_freezable_should_stop(NULL))
			break;
		progress = atomic_read(&k->progress);

		sc.nr_to_reclaim = sc.nr_reclaimed + SMM_RECLAIM_BATCH;
		sc.store_full = false;
		smm_shrink_node(pool, node, &sc);
		if (!slabs_done) {
			/* Dead VMA descriptors first: their slabs may empty. */
			smm_vma_reap_idle(pool);
			sc.nr_reclaimed += smm_slab_shrink_pressure(pool);
			slabs_done = true;
		}
		if (sc.nr_reclaimed != before) {
			atomic_set(&k->failures, 0);
			continue;
		}
		if (smm_kswapd_give_up(k, sc.store_full || !pool->swap.ready, progress)) {
			smm_count_event(pool, SMM_KSWAPD_GIVEUP);
			break;
		}
		if (sc.priority)
			sc.priority--;
		cond_resched();
	}
	trace_shadowmm_reclaim_end(node->nid, sc.nr_reclaimed);
	/* As the kernel's kswapd: what reclaim freed may need compacting. */
	if (!kthread_should_stop())
		smm_compaction_check_node(pool, node);
}

/**
 * smm_kswapd_give_up() - count a balance pass that reclaimed nothing
 * @k: the kswapd
 * @nothing_to_write: the store was full or not ready: no use trying again
 *		      before a slot frees, so it gives up at once
 * @progress: @k->progress when the pass began
 *
 * A slot freed while the pass ran was noted then: the note may
 * have found the failures still below the limit and left them, so the
 * pass checks for it after counting itself (full barriers on both sides:
 * either the note sees this count or the pass sees the note) and takes
 * wakes again instead of sleeping through the pressure that follows.
 *
 * Context: kswapd, or KUnit.
 * Return: true when kswapd gives up (wakes are refused until progress).
 */
bool smm_kswapd_give_up(struct smm_kswapd *k, bool nothing_to_write, int progress)
{
	if (nothing_to_write)
		atomic_set(&k->failures, SMM_KSWAPD_MAX_FAILURES);
	if (atomic_inc_return(&k->failures) < SMM_KSWAPD_MAX_FAILURES)
		return false;
	if (atomic_read(&k->progress) == progress)
		return true;
	atomic_set(&k->failures, 0);
	return false;
}
SMM_EXPORT(smm_kswapd_give_up);

static int smm_kswapd_fn(void *arg)
{
	struct smm_kswapd *k = arg;

	/* Frozen for suspend and hibernation, as the kernel's kswapd. */
	set_freezable();
	while (!kthread_should_stop()) {
		unsigned int order;
		int highest;

		WRITE_ONCE(k->running, false);
		wait_event_freezable(k->wait, test_bit(SMM_KSWAPD_WOKEN, &k->flags) ||
				     kthread_should_stop());
		if (kthread_should_stop())
			break;
		WRITE_ONCE(k->running, true);
		/* Running is seen before the bit clears (smm_kswapd_idle()). */
		smp_mb__before_atomic();
		clear_bit(SMM_KSWAPD_WOKEN, &k->flags);
		/*
		 * Wakes from here on start another run: the bit is clear
		 * before the balance check reads the free counts (pairs with
		 * test_and_set_bit() in smm_kswapd_wake()), so a waker that
		 * saw them low after this finds the bit clear and wakes us
		 * again, or we see its allocation.
		 */
		smp_mb__after_atomic();
		order = xchg(&k->order, 0);
		highest = xchg(&k->highest, 0);
		smm_kswapd_balance(k, order, highest);
	}
	WRITE_ONCE(k->running, false);
	return 0;
}

/**
 * smm_kswapd_wake() - an allocation left @zone below its low watermark
 * @pool: the pool
 * @zone: the zone
 * @order: the allocation's order
 * @highest: the highest zone type the allocation could use
 *
 * Wakes the zone's node's kswapd, unless a zone it could use is still
 * above high, a wake is already pending, or kswapd gave up and nothing was
 * noted since (smm_reclaim_note_progress(), smm_reclaim_note_freed()).
 *
 * Context: Any context the allocator runs in (spinlocks may be held).
 */
void smm_kswapd_wake(struct smm_pool *pool, struct smm_zone *zone,
		     unsigned int order, int highest)
{
	struct smm_kswapd *kswapd, *k;

	rcu_read_lock();
	kswapd = rcu_dereference(pool->reclaim.kswapd);
	if (!kswapd)
		goto out;
	k = &kswapd[zone->node->index];
	if (atomic_read(&k->failures) >= SMM_KSWAPD_MAX_FAILURES)
		goto out;
	if (smm_node_balanced(zone->node, order, highest))
		goto out;
	if (order > READ_ONCE(k->order))
		WRITE_ONCE(k->order, order);
	if (highest > READ_ONCE(k->highest))
		WRITE_ONCE(k->highest, highest);
	if (test_and_set_bit(SMM_KSWAPD_WOKEN, &k->flags))
		goto out;
	atomic_long_inc(&k->wakeups);
	trace_shadowmm_kswapd_wake(zone->node->nid, zone->type, order);
	wake_up_interruptible(&k->wait);
out:
	rcu_read_unlock();
}
SMM_EXPORT(smm_kswapd_wake);

/**
 * smm_kswapd_idle() - is a node's kswapd asleep with no wake pending?
 * @pool: the pool
 * @node: the node's index
 *
 * Context: Any context; a snapshot.
 * Return: true when idle (or when the pool has no kswapd).
 */
bool smm_kswapd_idle(struct smm_pool *pool, int node)
{
	struct smm_kswapd *kswapd, *k;
	bool idle = true;

	rcu_read_lock();
	kswapd = rcu_dereference(pool->reclaim.kswapd);
	if (kswapd) {
		k = &kswapd[node];
		idle = !test_bit(SMM_KSWAPD_WOKEN, &k->flags);
		/*
		 * The bit first: the thread sets running before it clears
		 * the bit, so a reader that finds the bit clear then sees
		 * running unless the run is over (pairs with
		 * smp_mb__before_atomic() in smm_kswapd_fn()).
		 */
		smp_rmb();
		idle = idle && !READ_ONCE(k->running);
	}
	rcu_read_unlock();
	return idle;
}
SMM_EXPORT(smm_kswapd_idle);

/*
 * Tell every node's kswapd of @pool: @progress (its failures reset, the
 * pass under way told), or only frames freed (a kswapd that gave up takes
 * one more pass).  Under RCU: the array goes a grace period after the
 * threads stop.
 */
static void smm_reclaim_note(struct smm_pool *pool, bool progress)
{
	struct smm_kswapd *kswapd;
	int i;

	rcu_read_lock();
	kswapd = rcu_dereference(pool->reclaim.kswapd);
	for (i = 0; kswapd && i < pool->zones.nr_nodes; i++) {
		struct smm_kswapd *k = &kswapd[i];

		if (progress) {
			atomic_inc(&k->progress);
			/* Seen by a pass that fails meanwhile (smm_kswapd_give_up()). */
			smp_mb__after_atomic();
			if (atomic_read(&k->failures))
				atomic_set(&k->failures, 0);
		} else if (atomic_read(&k->failures) >= SMM_KSWAPD_MAX_FAILURES) {
			atomic_set(&k->failures, SMM_KSWAPD_MAX_FAILURES - 1);
		}
	}
	rcu_read_unlock();
}

/**
 * smm_reclaim_note_progress() - reclaim may succeed again: kswapd may try
 * @pool: the pool
 *
 * Called when store slots are freed and when direct reclaim evicted
 * pages, so a kswapd that gave up (store full, nothing evictable)
 * accepts wakes again, and a pass under way does not give up; as the
 * kernel's kswapd_failures are reset by reclaim's progress.  Freed object
 * frames are smm_reclaim_note_freed()'s.
 *
 * Context: Any context.
 */
void smm_reclaim_note_progress(struct smm_pool *pool)
{
	smm_reclaim_note(pool, true);
}
SMM_EXPORT(smm_reclaim_note_progress);

/**
 * smm_reclaim_note_freed() - object frames were freed: one more pass
 * @pool: the pool
 *
 * A kswapd that gave up takes wakes again, but for one balance pass
 * only: freeing makes nothing evictable, though a run does more than
 * evict (it shrinks slabs, reaps VMA descriptors and checks compaction,
 * all of which a pool without a store relies on).  A pass under way is
 * left alone.  Reset as progress, every punch kept a kswapd with nothing
 * to reclaim scanning for as long as a task faulted and punched a page
 * in a loop; now each punch costs it one pass at most.
 *
 * Context: Any context.
 */
void smm_reclaim_note_freed(struct smm_pool *pool)
{
	smm_reclaim_note(pool, false);
}
SMM_EXPORT(smm_reclaim_note_freed);

/* Reclaim up to @sc->nr_to_reclaim from every node, nearest first. */
static void smm_reclaim_nodes(struct smm_pool *pool, struct smm_node *pref,
			      struct smm_scan_control *sc)
{
	int i;

	for (i = 0; i < pool->zones.nr_nodes && sc->nr_reclaimed < sc->nr_to_reclaim; i++) {
		if (smm_reclaim_killed(sc))
			break;
		sc->store_full = false;
		smm_shrink_node(pool, &pool->zones.nodes[pref->fallback[i]], sc);
	}
}

/**
 * smm_direct_reclaim() - reclaim a batch for an allocation below min
 * @pool: the pool
 * @pref: the allocation's preferred node (the others follow by distance)
 * @order: the allocation's order
 * @flags: its SMM_GFP_* flags (traced)
 *
 * A task with a fatal signal pending reclaims nothing, and one that gets
 * it meanwhile stops after the batch under way.
 *
 * Context: Process context, may sleep; no spinlock or page lock held.
 * Return: the number of pages reclaimed.
 */
unsigned long smm_direct_reclaim(struct smm_pool *pool, struct smm_node *pref,
				 unsigned int order, unsigned int flags)
{
	struct smm_scan_control sc = {
		.nr_to_reclaim = SMM_RECLAIM_BATCH << order,
		.priority = SMM_DEF_PRIORITY,
	};

	might_sleep();
	trace_shadowmm_reclaim_begin(pref->nid, order, flags);
	while (sc.priority >= 0 && sc.nr_reclaimed < sc.nr_to_reclaim) {
		smm_reclaim_nodes(pool, pref, &sc);
		if (sc.store_full || !pool->swap.ready || smm_reclaim_killed(&sc))
			break;
		sc.priority -= 4;
	}
	trace_shadowmm_reclaim_end(pref->nid, sc.nr_reclaimed);
	if (sc.nr_reclaimed)
		smm_reclaim_note_progress(pool);
	return sc.nr_reclaimed;
}

/**
 * smm_reclaim_pages() - reclaim on demand (knob "reclaim N", tests)
 * @pool: the pool
 * @nr: pages to reclaim
 *
 * Passes over every node at falling priority until @nr pages are evicted
 * or a pass at priority 0 evicts nothing, or the caller has a signal
 * pending (after the batch under way).  Counted as direct reclaim (not
 * as a stall).
 *
 * Context: Process context, may sleep; no spinlock or page lock held.
 * Return: the number of pages reclaimed.
 */
unsigned long smm_reclaim_pages(struct smm_pool *pool, unsigned long nr)
{
	struct smm_scan_control sc = {
		.nr_to_reclaim = nr,
		.priority = SMM_DEF_PRIORITY,
		.on_demand = true,
	};
	struct smm_node *pref = smm_preferred_node(pool);

	trace_shadowmm_reclaim_begin(pref->nid, 0, 0);
	while (sc.nr_reclaimed < nr) {
		unsigned long before = sc.nr_reclaimed;

		smm_reclaim_nodes(pool, pref, &sc);
		if (sc.nr_reclaimed != before)
			continue;
		if (!sc.priority || sc.store_full || !pool->swap.ready ||
		    smm_reclaim_killed(&sc))
			break;
		sc.priority--;
	}
	trace_shadowmm_reclaim_end(pref->nid, sc.nr_reclaimed);
	return sc.nr_reclaimed;
}
SMM_EXPORT(smm_reclaim_pages);

/**
 * smm_reclaim_pool_init() - start a kswapd per node
 * @pool: the pool, built but for this
 *
 * Context: Process context, may sleep.
 * Return: 0, -ENOMEM, or the error of kthread creation (no thread left).
 */
int smm_reclaim_pool_init(struct smm_pool *pool)
{
	struct smm_kswapd *kswapd;
	int i, ret;

	kswapd = kcalloc(pool->zones.nr_nodes, sizeof(*kswapd), GFP_KERNEL);
	if (!kswapd)
		return -ENOMEM;
	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_kswapd *k = &kswapd[i];

		k->pool = pool;
		k->node = &pool->zones.nodes[i];
		init_waitqueue_head(&k->wait);
		atomic_set(&k->failures, 0);
		atomic_long_set(&k->wakeups, 0);
		k->task = kthread_create_on_node(smm_kswapd_fn, k, k->node->nid,
						 "smm_kswapd%d", i);
		if (IS_ERR(k->task)) {
			ret = PTR_ERR(k->task);
			k->task = NULL;
			goto err;
		}
	}
	for (i = 0; i < pool->zones.nr_nodes; i++)
		wake_up_process(kswapd[i].task);
	rcu_assign_pointer(pool->reclaim.kswapd, kswapd);
	return 0;

err:
	while (i--)
		kthread_stop(kswapd[i].task);
	kfree(kswapd);
	return ret;
}

/**
 * smm_reclaim_pool_destroy() - stop the kswapds
 * @pool: the pool
 *
 * Called again (pool destruction after a test stopped them) it does
 * nothing.  Allocations and frees may run meanwhile: a waker that found
 * the threads is waited for, and later ones find none.
 *
 * Context: Process context, may sleep.
 */
void smm_reclaim_pool_destroy(struct smm_pool *pool)
{
	struct smm_kswapd *kswapd;
	int i;

	/* Only init and destroy write it, and never at the same time. */
	kswapd = rcu_dereference_protected(pool->reclaim.kswapd, true);
	if (!kswapd)
		return;
	/* A waker or a progress note may still hold the array: wait for it. */
	RCU_INIT_POINTER(pool->reclaim.kswapd, NULL);
	synchronize_rcu();
	for (i = 0; i < pool->zones.nr_nodes; i++)
		kthread_stop(kswapd[i].task);
	kfree(kswapd);
}
SMM_EXPORT(smm_reclaim_pool_destroy);
