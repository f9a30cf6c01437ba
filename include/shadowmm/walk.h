/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowmm: walks under a spinlock that let go of it every batch.
 *
 * Users decide the length of many structures validate walks (a zone's
 * free lists, a node's LRU, a slab cache's node), and a walk of one holds
 * its spinlock for at most SMM_WALK_BATCH entries: then it lets go, gives
 * up the CPU for a moment and takes the lock again.  Where the structure
 * may change meanwhile, every holder of the lock that may change it bumps
 * a count, and the walk trusts the entry it stands on again only when the
 * count did not move; otherwise it stops, and what it found is not to be
 * believed.  The longest run of entries under one hold is kept beside the
 * structure, where the KUnit suites read it.  Walks whose entries cannot
 * go meanwhile (the pinned list, a process's mappings under its
 * mmap_lock) only batch, with steps of their own.
 */
#ifndef _SHADOWMM_WALK_H
#define _SHADOWMM_WALK_H

#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* How many entries a walk looks at before it lets go of its lock. */
#define SMM_WALK_BATCH	256

/**
 * struct smm_walk - a walk under a spinlock, a batch at a time
 * @lock:	the lock the walk holds
 * @changes:	bumped, under @lock, by every holder that may change what is
 *		walked
 * @hold_max:	the most entries the walk looked at under one hold of
 *		@lock, kept there (under @lock) when a hold ends
 * @seen:	*@changes as the walk began
 * @held:	entries (weighted) looked at since @lock was last taken
 */
struct smm_walk {
	spinlock_t *lock;
	const unsigned long *changes;
	unsigned int *hold_max;
	unsigned long seen;
	unsigned int held;
};

/* A walk of the structure @lock protects, with its count and its record. */
#define SMM_WALK_INIT(_lock, _changes, _hold_max) \
	{ .lock = (_lock), .changes = (_changes), .hold_max = (_hold_max) }

/**
 * smm_walk_begin() - the walk starts, or starts over, at this point
 * @w: the walk
 *
 * From here on it trusts its place while *@w->changes stays as it is now.
 *
 * Context: @w->lock held.
 */
static inline void smm_walk_begin(struct smm_walk *w)
{
	lockdep_assert_held(w->lock);
	w->seen = *w->changes;
}

/**
 * smm_walk_unchanged() - has no holder that may change the structure come
 *			  in since the walk began?
 * @w: the walk
 *
 * Context: @w->lock held.
 * Return: true when *@w->changes is what smm_walk_begin() read.
 */
static inline bool smm_walk_unchanged(const struct smm_walk *w)
{
	lockdep_assert_held(w->lock);
	return *w->changes == w->seen;
}

/**
 * smm_walk_hold_end() - the walk is about to let go of its lock
 * @w: the walk
 *
 * Records the entries looked at under this hold in *@w->hold_max if they
 * are the most so far, and starts the next hold's count.
 *
 * Context: @w->lock held.
 */
static inline void smm_walk_hold_end(struct smm_walk *w)
{
	lockdep_assert_held(w->lock);
	if (w->held > *w->hold_max)
		*w->hold_max = w->held;
	w->held = 0;
}

/**
 * smm_walk_step() - @weight more entries looked at; after a batch, let go
 *		     of the lock for a moment
 * @w: the walk
 * @weight: how many entries this step counts for (an entry and what the
 *	    walk looked at inside it)
 *
 * Context: Process context, @w->lock held; may let go of it and sleep.
 * Return: true to go on; false when a holder that may have changed the
 * structure came in while the lock was let go: the walk must stop without
 * following the entry it stands on.
 */
static inline bool smm_walk_step(struct smm_walk *w, unsigned int weight)
{
	lockdep_assert_held(w->lock);
	w->held += weight;
	if (w->held < SMM_WALK_BATCH)
		return true;
	smm_walk_hold_end(w);
	spin_unlock(w->lock);
	cond_resched();
	spin_lock(w->lock);
	return smm_walk_unchanged(w);
}

#endif /* _SHADOWMM_WALK_H */
