// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the fault window, which turns a trace of faults into a trace
 * of a program's page references.
 *
 * A page stays mapped after its fault, so nothing sees the accesses that
 * follow: the shadowmm_fault events of a run are its first touches and
 * refaults, not its references.  With the pool's fault_window knob at N,
 * each object keeps mapped only the N pages that faulted last: the fault
 * that adds another unmaps the oldest from every mapping of the object.
 * Every access to a page outside those N then faults, and the events are
 * the reference string at page granularity, less the references to the
 * N pages of the window (which any policy with N frames or more hits too,
 * though the string then misses that they were used again).
 *
 * N is 0 (no window) or at least SMM_FAULT_WINDOW_MIN: one instruction
 * can need two pages of a source and two of a destination at once (a
 * string move across page boundaries), and with fewer mapped it would
 * fault forever.  Fault-around is off while a window is set: it maps
 * pages without a fault.  A private mapping's copies are the process's
 * own and stay mapped: the window is for shared mappings.
 *
 * The kernel maps a fault's page after ->fault returns it locked.  A page
 * that leaves the window locked is kept (smm_fault_window_unmap()); a
 * fault under way while the knob changes can still map its page after
 * the restart unmapped everything, and it stays mapped outside the new
 * window: knob changes are meant for before a recording.
 */

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include <shadowmm/compat.h>
#include <shadowmm/fault_window.h>
#include <shadowmm/object.h>
#include <shadowmm/pool.h>

/**
 * smm_fault_window_init() - an object's window, empty and off
 * @w: the object's window
 *
 * Context: Any context.
 */
void smm_fault_window_init(struct smm_fault_window *w)
{
	spin_lock_init(&w->lock);
	w->gen = 0;
	w->size = 0;
	w->head = 0;
	w->count = 0;
	w->slots = NULL;
}
SMM_EXPORT(smm_fault_window_init);

/**
 * smm_fault_window_destroy() - free an object's window
 * @w: the window of an object nobody can fault on any more
 *
 * Context: Any context.
 */
void smm_fault_window_destroy(struct smm_fault_window *w)
{
	kfree(w->slots);
	w->slots = NULL;
	w->size = 0;
}
SMM_EXPORT(smm_fault_window_destroy);

/**
 * smm_fault_window_push() - note a page a fault maps
 * @w: the object's window, locked
 * @index: the page's index in the object
 * @evicted: where the page that leaves the window goes
 *
 * A page already in the window keeps its place (it faulted again because
 * something else unmapped it).  Otherwise it becomes the newest, and when
 * the window was full the oldest leaves it.
 *
 * Context: Holds @w->lock.
 * Return: true when a page left the window (its index is in @evicted).
 */
bool smm_fault_window_push(struct smm_fault_window *w, pgoff_t index, pgoff_t *evicted)
{
	unsigned int i;

	lockdep_assert_held(&w->lock);
	if (!w->size)
		return false;
	for (i = 0; i < w->count; i++)
		if (w->slots[(w->head + i) % w->size] == index)
			return false;
	if (w->count < w->size) {
		w->slots[(w->head + w->count) % w->size] = index;
		w->count++;
		return false;
	}
	*evicted = w->slots[w->head];
	w->slots[w->head] = index;
	w->head = (w->head + 1) % w->size;
	return true;
}
SMM_EXPORT(smm_fault_window_push);

/*
 * The knob changed since @obj's window was started: start it again, of
 * the new size, for generation @gen.  With a window, pages mapped before
 * would never fault again, so every page of the object is unmapped.
 */
static void smm_fault_window_restart(struct smm_object *obj, unsigned int gen)
{
	struct smm_fault_window *w = &obj->window;
	unsigned int size = READ_ONCE(obj->pool->fault_window.size);
	pgoff_t *slots = NULL;

	if (size) {
		slots = kmalloc_array(size, sizeof(*slots), GFP_KERNEL);
		/* The fault is still served: no window for it (the allocator said why). */
		if (!slots)
			size = 0;
	}
	spin_lock(&w->lock);
	if (w->gen == gen) {
		/* Another fault restarted it first. */
		spin_unlock(&w->lock);
		kfree(slots);
		return;
	}
	swap(w->slots, slots);
	WRITE_ONCE(w->size, size);
	w->head = 0;
	w->count = 0;
	WRITE_ONCE(w->gen, gen);
	spin_unlock(&w->lock);
	kfree(slots);
	/*
	 * Without a window nothing needs a fault: what is mapped stays (a
	 * new object's first fault after the knob was ever set comes here,
	 * and must not unmap what that fault mapped around itself).
	 */
	if (size)
		unmap_mapping_range(obj->inode->i_mapping, 0, 0, 0);
}

/*
 * Unmap the page at @index, which left @obj's window, from every mapping
 * of the object, under its folio lock.  A fault on it may be under way:
 * it noted the page, then other faults pushed it out, and it maps the
 * page only once it returns, holding the folio lock until then.  Unmapped
 * before that, the page would be mapped outside the window for good and
 * its accesses missing from the trace.  So a page locked by someone else
 * is not unmapped: false, and the caller keeps it.  @force unmaps it
 * anyway (a caller that found every page of the window locked).
 */
static bool smm_fault_window_unmap(struct smm_object *obj, pgoff_t index, bool force)
{
	struct address_space *mapping = obj->inode->i_mapping;
	struct folio *folio;
	bool locked;

	folio = filemap_get_folio(mapping, index);
	/* Not in the object (evicted, punched): no fault can be mapping it. */
	if (IS_ERR_OR_NULL(folio))
		return true;
	locked = folio_trylock(folio);
	if (locked || force)
		unmap_mapping_range(mapping, (loff_t)index << PAGE_SHIFT, PAGE_SIZE, 0);
	if (locked)
		folio_unlock(folio);
	folio_put(folio);
	return locked || force;
}

/**
 * smm_fault_window_note() - a fault maps a page of an object
 * @obj: the object
 * @index: the page's index
 *
 * With a window set, the page joins @obj's window, and the page that
 * leaves it is unmapped from every mapping of @obj (its copy in the object
 * stays: the next access faults it back in, as a minor fault).  A page
 * leaving whose folio someone else holds locked (a fault about to map it)
 * stays, as the newest, and the next oldest leaves instead.
 *
 * Context: Process context, in a fault that holds @obj's page at @index
 * locked and the mmap_lock or the vma's lock; may sleep.
 */
void smm_fault_window_note(struct smm_object *obj, pgoff_t index)
{
	struct smm_fault_window *w = &obj->window;
	/* Pairs with the release in smm_fault_window_set(): the size is new. */
	unsigned int gen = smp_load_acquire(&obj->pool->fault_window.gen);
	unsigned int tries = 0, size;
	pgoff_t evicted, kept;
	bool left;

	if (likely(READ_ONCE(w->gen) == gen && !READ_ONCE(w->size)))
		return;
	if (READ_ONCE(w->gen) != gen)
		smm_fault_window_restart(obj, gen);
	spin_lock(&w->lock);
	size = w->size;
	left = smm_fault_window_push(w, index, &evicted);
	spin_unlock(&w->lock);
	/*
	 * Every page of the window locked (as many faults under way as it
	 * has pages) is not waited for: after a window's worth of tries the
	 * oldest leaves whatever holds it, though never this fault's own
	 * page, which it is about to map.
	 */
	while (left && !smm_fault_window_unmap(obj, evicted,
					       ++tries > size && evicted != index)) {
		kept = evicted;
		spin_lock(&w->lock);
		left = smm_fault_window_push(w, kept, &evicted);
		spin_unlock(&w->lock);
	}
}

/**
 * smm_fault_window_on() - is a fault window set on the pool?
 * @pool: the pool
 *
 * Context: Any context.
 * Return: true when the pool's fault_window knob is not 0.
 */
bool smm_fault_window_on(struct smm_pool *pool)
{
	return READ_ONCE(pool->fault_window.size) != 0;
}

/**
 * smm_fault_window_set() - set the fault_window knob
 * @pool: the pool
 * @size: 0 (no window) or SMM_FAULT_WINDOW_MIN..SMM_FAULT_WINDOW_MAX
 *
 * Each object starts its window again at its next fault, unmapping all
 * its pages then.
 *
 * Context: Process context, may sleep; takes the pool's tune_lock.
 * Return: 0, or -EINVAL for a size out of range (nothing changes).
 */
int smm_fault_window_set(struct smm_pool *pool, unsigned int size)
{
	if (size && (size < SMM_FAULT_WINDOW_MIN || size > SMM_FAULT_WINDOW_MAX))
		return -EINVAL;
	mutex_lock(&pool->tune_lock);
	WRITE_ONCE(pool->fault_window.size, size);
	/* Whoever sees the new generation sees the new size (note()'s acquire). */
	smp_store_release(&pool->fault_window.gen, pool->fault_window.gen + 1);
	mutex_unlock(&pool->tune_lock);
	return 0;
}
SMM_EXPORT(smm_fault_window_set);
