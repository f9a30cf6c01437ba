// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the slab allocator: slabs, per-CPU arrays, alloc and free.
 *
 * A cache hands out objects of one size.  Its slabs are blocks of 2^order
 * frames from the pool's buddy allocator, cut into equal strides.  Each
 * node of the pool has its own set of the cache's three lists,
 * slabs_full, slabs_partial and slabs_free, under its own lock
 * (cache->node[]); a slab sits on one list of the node its frames belong
 * to (the node index is in its descriptor's zone id), by how many of its
 * objects are allocated, and an object freed anywhere goes back there.
 * The slab's head descriptor (struct smm_page) keeps its cache, its free
 * list (a chain of links stored in the free objects) and its in-use count;
 * every frame of a slab carries SMM_PG_slab and the cache, so any address
 * inside a slab leads back to it by arithmetic.
 *
 * Allocation starts from a preferred node: the one asked for
 * (smm_kmem_cache_alloc_node()) or this CPU's as the buddy chooses it
 * (smm_preferred_node()).  It takes, in this order: a partial slab of the
 * preferred node, a free one of it, a partial slab of another node (in the
 * preferred node's fallback order), a new slab grown from the preferred
 * node's zones only, a free slab of another node, and last a new slab
 * wherever the buddy finds room.  With SMM_GFP_THISNODE only the preferred
 * node's own steps are taken.  Partial slabs anywhere go before new
 * ones, so a half-used remote slab is filled before memory is taken; free
 * remote slabs come after a local grow, because taking one only moves the
 * remote memory's use around without making it shrinkable.  Each node keeps
 * at most free_limit free slabs; beyond that they go back to the buddy.
 *
 * Zones and reclaim, as the kernel's slab passes gfp flags to its page
 * allocation: a cache's slabs come from the zones its creation chose (the
 * DMA zone only with SMM_SLAB_CACHE_DMA, else Normal, then DMA), whatever
 * zone flags an allocation passes; how hard a grow tries is the
 * allocation's (SMM_GFP_ATOMIC, SMM_GFP_NOFAULT, SMM_GFP_NOWAIT and
 * SMM_GFP_DIRECT_RECLAIM).  Only an allocation that may sleep
 * (smm_gfp_may_sleep()) reclaims, and never under a per-CPU array's
 * local lock: its refill there tries without reclaim, and on failure the
 * object is taken straight from the slabs with the lock dropped.
 *
 * In front of the lists each CPU has an array of free objects: an alloc
 * and free pair touches only this CPU's array, under its local lock
 * (preemption off, no atomic instruction; see "Per-CPU arrays" below), and
 * the array is refilled from or flushed to the slabs in batches under the
 * node locks, a slab's run of objects at a time.  An object freed on
 * another CPU than the one that allocated it simply lands in that CPU's
 * array, so an array holds objects of any node; an allocation asking for
 * one node takes the object on top only when it lies on that node, else it
 * goes to the slabs.  The bulk calls move whole batches: the array's
 * objects in one copy, the rest a slab's worth at a time.  A free to the
 * slabs (a bulk free past the array, an array's flush) links each run of
 * one slab's objects onto the slab's free list from locals and writes
 * the slab back once for the run (smm_slab_put_run()), and a pointer into
 * the slab of the one checked before needs only its offset checked: that
 * loop is what a bulk free costs per object.
 *
 * Debug caches (any SMM_SLAB_* flag, or every cache with the slab_debug
 * module parameter) have no per-CPU arrays: they go straight to the slabs
 * under the node locks, and module/slab_debug.c checks every object on the
 * way (state word, red zones, poison, owners) and quarantines damaged
 * ones.  Frees of pointers that are not objects of the cache are refused
 * in every cache; a double free is refused exactly in debug caches and, in
 * the others, when the object is the one this CPU freed last (or, in a
 * bulk free, the one just before it) or heads its slab's free list.  Each
 * fault is reported and counted (smm_slab_fault()); a bad free changes
 * nothing.
 *
 * Stride layout: [left red zone][object][right red zone][free link]
 * [state][alloc owner][free owner], the link and what follows only when
 * needed; without debugging and constructor the link lives in the free
 * object itself and the stride is the aligned object size.
 *
 * Around this file: module/slab_common.c creates, destroys and shrinks
 * caches and sets up each pool's (kmalloc's among them, for
 * module/kmalloc.c); module/slab_debug.c checks the objects of debug
 * caches; module/slab_debugfs.c shows every cache of the live pool in
 * debugfs.
 *
 * CPU hotplug: when a CPU is dead, the hotplug callback of each pool
 * (module/slab_common.c) flushes the CPU's arrays in every cache of the
 * pool back to the slabs (smm_slab_drain_dead_cpu()), so no object is
 * stranded on a CPU that will not run again.  Drains of online CPUs run
 * on each CPU (work_on_cpu()) under cpus_read_lock().
 *
 * Locks: cpu_hotplug_lock around drains (and the dead callback that runs
 * under it), pool->slab.mutex for the cache list, a per-CPU array's local
 * lock, and one node lock of the cache at a time (work on several nodes
 * takes and drops them in turn); a slab grows and goes back to the buddy
 * with no node lock held, and grows with reclaim with no lock of the slab
 * allocator held at all.  Their order, with the rest of the module's, is
 * in include/shadowmm/pool.h.
 */

#include <linux/cpu.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/numa.h>
#include <linux/reciprocal_div.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>
#include <trace/events/shadowmm.h>

/* The slab of an object already known to be one of @cache's. */
static inline struct smm_page *smm_obj_slab_known(struct smm_kmem_cache *cache,
						  const void *obj)
{
	const struct smm_region *r = &cache->pool->region;
	unsigned long sfn = (obj - r->vaddr) >> PAGE_SHIFT;

	return smm_sfn_page(r, sfn & ~((1UL << cache->order) - 1));
}

/**
 * struct smm_obj_geom - what checking pointers against a cache needs,
 *			 loaded once for a whole batch
 * @cache:	the cache
 * @vaddr:	start of the pool's region
 * @span:	its bytes
 * @pages:	its frame descriptors
 * @slab_mask:	bytes of a slab, less one
 * @head_mask:	clears a frame number down to its slab's first frame
 * @offset:	the cache's offset of an object in its stride
 * @size:	the cache's stride
 * @size_mask:	@size less one when it is a power of two, else 0
 * @obj_bytes:	bytes the objects of a slab cover, from the first one's
 *		stride offset (objects per slab times @size)
 * @freeptr:	the cache's free link offset
 * @recip:	reciprocal of @size
 */
struct smm_obj_geom {
	struct smm_kmem_cache *cache;
	void *vaddr;
	unsigned long span;
	struct smm_page *pages;
	unsigned long slab_mask;
	unsigned long head_mask;
	unsigned int offset;
	unsigned int size;
	unsigned int size_mask;
	unsigned int obj_bytes;
	unsigned int freeptr;
	struct reciprocal_value recip;
};

static __always_inline void smm_obj_geom_init(struct smm_obj_geom *g,
					       struct smm_kmem_cache *cache)
{
	const struct smm_region *r = &cache->pool->region;

	g->cache = cache;
	g->vaddr = r->vaddr;
	g->span = r->nr_frames << PAGE_SHIFT;
	g->pages = r->pages;
	g->slab_mask = smm_slab_bytes(cache) - 1;
	g->head_mask = ~((1UL << cache->order) - 1);
	g->offset = cache->offset;
	g->size = cache->size;
	g->size_mask = is_power_of_2(cache->size) ? cache->size - 1 : 0;
	g->obj_bytes = cache->objs_per_slab * cache->size;
	g->freeptr = cache->freeptr;
	g->recip = cache->size_recip;
}

/*
 * Is byte @off of a slab of the cache of @g (counted from the slab's
 * start) the start of one of its objects?  A mask for strides that are
 * powers of two, a multiply for the others.
 */
static __always_inline bool smm_geom_index_ok(const struct smm_obj_geom *g,
					      unsigned long off)
{
	unsigned long rel = off - g->offset;

	/* Below the first object, rel wraps past obj_bytes too. */
	if (unlikely(rel >= g->obj_bytes))
		return false;
	if (g->size_mask)
		return !(rel & g->size_mask);
	return reciprocal_divide(rel, g->recip) * g->size == rel;
}

/*
 * Is the frame at byte @off of the region (below g->span) a slab frame of
 * the cache of @g?
 */
static __always_inline bool smm_geom_frame_ok(const struct smm_obj_geom *g,
					      unsigned long off)
{
	const struct smm_page *page = g->pages + (off >> PAGE_SHIFT);

	return smm_page_test(page, SMM_PG_slab) && READ_ONCE(page->slab_cache) == g->cache;
}

/* As smm_obj_slab(), with the geometry of @g. */
static __always_inline struct smm_page *smm_geom_obj_slab(const struct smm_obj_geom *g,
							  const void *obj)
{
	unsigned long off = obj - g->vaddr;

	/* Below the region, off wraps past span too. */
	if (unlikely(off >= g->span || !smm_geom_frame_ok(g, off) ||
		     !smm_geom_index_ok(g, off & g->slab_mask)))
		return NULL;
	return g->pages + ((off >> PAGE_SHIFT) & g->head_mask);
}

/*
 * Is @obj an object of the cache of @g?  *@slab_off is the region offset
 * of the slab the pointer checked before lay in (~0UL before the first):
 * a pointer into the same slab needs only the index check, as the slab's
 * frames were found to be the cache's then and cannot stop being so while
 * the caller still holds that object.  A pointer into another slab is
 * checked in full and, when good, moves *@slab_off there.
 */
static __always_inline bool smm_geom_obj_ok(const struct smm_obj_geom *g,
					    unsigned long *slab_off, const void *obj)
{
	unsigned long off = obj - g->vaddr;

	if (unlikely(off >= g->span))
		return false;
	if ((off & ~g->slab_mask) != *slab_off) {
		if (unlikely(!smm_geom_frame_ok(g, off)))
			return false;
		*slab_off = off & ~g->slab_mask;
	}
	return smm_geom_index_ok(g, off & g->slab_mask);
}

/* The lists of the node @slab's frames belong to. */
static inline struct smm_kmem_cache_node *smm_slab_node(struct smm_kmem_cache *cache,
							const struct smm_page *slab)
{
	return &cache->node[smm_slab_nid(slab)];
}

/* The real NUMA node of @slab, for tracepoints. */
static inline int smm_slab_real_nid(struct smm_kmem_cache *cache, const struct smm_page *slab)
{
	return cache->pool->zones.nodes[smm_slab_nid(slab)].nid;
}

/* The pool node index of @obj, an object of @cache. */
static inline int smm_obj_nid(struct smm_kmem_cache *cache, const void *obj)
{
	const struct smm_region *r = &cache->pool->region;

	return smm_slab_nid(smm_sfn_page(r, (obj - r->vaddr) >> PAGE_SHIFT));
}

/* Put @slab, on @n's lists, on the list its in-use count calls for. */
static void smm_slab_place(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			   struct smm_page *slab, bool was_free)
{
	unsigned int inuse = smm_slab_inuse(slab);

	lockdep_assert_held(&n->lock);
	if (!inuse) {
		list_move(&slab->lru, &n->slabs_free);
		if (!was_free)
			WRITE_ONCE(n->nr_free_slabs, n->nr_free_slabs + 1);
		return;
	}
	if (was_free)
		WRITE_ONCE(n->nr_free_slabs, n->nr_free_slabs - 1);
	if (inuse == cache->objs_per_slab)
		list_move(&slab->lru, &n->slabs_full);
	else
		list_move(&slab->lru, &n->slabs_partial);
}

/*
 * Take one object off a slab of @n that has one, in a debug cache (plain
 * ones take runs, smm_slab_take_run()), and re-place the slab.  Return
 * it, or NULL when it was found damaged and quarantined instead.
 */
static void *smm_slab_take(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			   struct smm_page *slab, unsigned long caller)
{
	bool was_free = !smm_slab_inuse(slab);
	void *obj = slab->freelist;

	lockdep_assert_held(&n->lock);
	slab->freelist = smm_slab_debug_next(cache, n, slab, obj);
	/* Read after the check, which may have corrected it. */
	smm_slab_set_inuse(slab, smm_slab_inuse(slab) + 1);
	WRITE_ONCE(n->inuse, n->inuse + 1);
	if (!smm_slab_debug_alloc(cache, n, slab, obj, caller))
		obj = NULL;
	smm_slab_place(cache, n, slab, was_free);
	return obj;
}

/* Put @obj back on @slab, one of @n's, and re-place the slab. */
static void smm_slab_put(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			 struct smm_page *slab, void *obj)
{
	unsigned int inuse = smm_slab_inuse(slab);

	lockdep_assert_held(&n->lock);
	*smm_freeptr(cache, obj) = slab->freelist;
	slab->freelist = obj;
	smm_slab_set_inuse(slab, inuse - 1);
	WRITE_ONCE(n->inuse, n->inuse - 1);
	smm_slab_place(cache, n, slab, false);
}

/*
 * Make a new slab from the buddy, starting at pool node @nid (with
 * SMM_GFP_THISNODE in @flags, only there): every object constructed and
 * free.  The slab is on no list yet.  Its zone is the cache's, not
 * @flags'; it may sleep only when smm_gfp_may_sleep(@flags).
 */
static struct smm_page *smm_slab_grow(struct smm_kmem_cache *cache, int nid,
				      unsigned int flags)
{
	struct smm_pool *pool = cache->pool;
	unsigned int gfp = flags & (SMM_GFP_ATOMIC | SMM_GFP_NOFAULT | SMM_GFP_THISNODE |
				    SMM_GFP_NOWAIT | SMM_GFP_DIRECT_RECLAIM);
	struct smm_page *slab;
	void *base, *prev = NULL;
	unsigned int i;

	if (cache->flags & SMM_SLAB_CACHE_DMA)
		gfp |= SMM_GFP_DMA;
	slab = smm_alloc_pages_node(pool, nid, cache->order, gfp);
	if (!slab)
		return NULL;
	for (i = 0; i < (1U << cache->order); i++) {
		__smm_page_set(slab + i, SMM_PG_slab);
		slab[i].slab_cache = cache;
		slab[i].freelist = NULL;
	}
	smm_slab_set_inuse(slab, 0);
	base = smm_slab_base(cache, slab);
	for (i = 0; i < cache->objs_per_slab; i++) {
		void *obj = smm_slab_obj(cache, base, i);

		if (smm_cache_debug(cache))
			smm_slab_debug_setup(cache, obj);
		if (cache->ctor)
			cache->ctor(obj);
		if (prev)
			*smm_freeptr(cache, prev) = obj;
		else
			slab->freelist = obj;
		prev = obj;
	}
	*smm_freeptr(cache, prev) = NULL;
	atomic_long_add(1L << cache->order, &pool->slab.nr_pages);
	trace_shadowmm_slab_grow(cache->name, smm_sfn_pfn(&pool->region, smm_slab_sfn(cache, slab)),
				 cache->order, cache->objs_per_slab,
				 smm_slab_real_nid(cache, slab));
	return slab;
}

/* Give a slab no list holds any more back to the buddy. */
static void smm_slab_release(struct smm_kmem_cache *cache, struct smm_page *slab)
{
	struct smm_pool *pool = cache->pool;
	unsigned int i;

	trace_shadowmm_slab_shrink(cache->name, smm_sfn_pfn(&pool->region, smm_slab_sfn(cache, slab)),
				   cache->order, smm_slab_real_nid(cache, slab));
	for (i = 0; i < (1U << cache->order); i++) {
		__smm_page_clear(slab + i, SMM_PG_slab);
		slab[i].slab_cache = NULL;
		slab[i].freelist = NULL;
	}
	smm_slab_set_inuse(slab, 0);
	atomic_long_sub(1L << cache->order, &pool->slab.nr_pages);
	smm_free_pages(pool, slab, cache->order);
}

/**
 * smm_slab_release_list() - give slabs back to the buddy
 * @cache: their cache
 * @list: slabs no node's lists hold any more, linked by their lru
 *
 * Context: Process context; no node lock of @cache held.
 */
void smm_slab_release_list(struct smm_kmem_cache *cache, struct list_head *list)
{
	struct smm_page *slab, *next;

	list_for_each_entry_safe(slab, next, list, lru) {
		list_del_init(&slab->lru);
		smm_slab_release(cache, slab);
	}
}

/**
 * smm_slab_trim() - take a node's free slabs beyond a number off its lists
 * @n: the node's lists
 * @keep: free slabs @n keeps
 * @list: where the others go, for smm_slab_release_list()
 *
 * Context: @n->lock held.
 */
void smm_slab_trim(struct smm_kmem_cache_node *n, unsigned long keep,
		   struct list_head *list)
{
	lockdep_assert_held(&n->lock);
	while (n->nr_free_slabs > keep) {
		struct smm_page *slab = list_last_entry(&n->slabs_free, struct smm_page, lru);

		list_move(&slab->lru, list);
		WRITE_ONCE(n->nr_free_slabs, n->nr_free_slabs - 1);
		WRITE_ONCE(n->nr_slabs, n->nr_slabs - 1);
	}
}

/* Which of a node's lists smm_node_take() may take from. */
#define SMM_TAKE_PARTIAL	BIT(0)
#define SMM_TAKE_FREE		BIT(1)
#define SMM_TAKE_ANY		(SMM_TAKE_PARTIAL | SMM_TAKE_FREE)

/* The slab of @n to allocate from: partial first, then free, else none. */
static struct smm_page *smm_slab_pick(struct smm_kmem_cache_node *n, unsigned int which)
{
	lockdep_assert_held(&n->lock);
	if ((which & SMM_TAKE_PARTIAL) && !list_empty(&n->slabs_partial))
		return list_first_entry(&n->slabs_partial, struct smm_page, lru);
	if ((which & SMM_TAKE_FREE) && !list_empty(&n->slabs_free))
		return list_first_entry(&n->slabs_free, struct smm_page, lru);
	return NULL;
}

/*
 * A lockless look: may @n have a slab on the lists @which names?  A stale
 * answer only costs a lock round trip or sends the caller one step further.
 */
static bool smm_node_may_take(struct smm_kmem_cache_node *n, unsigned int which)
{
	return ((which & SMM_TAKE_PARTIAL) && !list_empty(&n->slabs_partial)) ||
	       ((which & SMM_TAKE_FREE) && !list_empty(&n->slabs_free));
}

static void smm_slab_add_new(struct smm_kmem_cache_node *n, struct smm_page *slab)
{
	lockdep_assert_held(&n->lock);
	list_add(&slab->lru, &n->slabs_free);
	WRITE_ONCE(n->nr_free_slabs, n->nr_free_slabs + 1);
	WRITE_ONCE(n->nr_slabs, n->nr_slabs + 1);
}

/*
 * Non-debug caches: up to @nr objects off @slab's free list in one go, the
 * slab's in-use count and list updated once for all of them.  Return how
 * many it gave.
 */
static unsigned int smm_slab_take_run(struct smm_kmem_cache *cache,
				      struct smm_kmem_cache_node *n, struct smm_page *slab,
				      unsigned int nr, void **p)
{
	unsigned int inuse = smm_slab_inuse(slab), got = 0;
	unsigned int freeptr = cache->freeptr;
	void *obj = slab->freelist;

	lockdep_assert_held(&n->lock);
	while (got < nr && obj) {
		p[got++] = obj;
		obj = *(void **)(obj + freeptr);
	}
	slab->freelist = obj;
	smm_slab_set_inuse(slab, inuse + got);
	WRITE_ONCE(n->inuse, n->inuse + got);
	smm_slab_place(cache, n, slab, !inuse);
	return got;
}

/*
 * @slab, on the partial or free list, has no free object to give: its
 * free list was cut short by a write after the free (a link zeroed, in a
 * cache that does not check links).  Picked again and again it would hold
 * @n's lock forever.  Reported, and counted full: the objects the list
 * lost stay in use, never handed out, as SLUB leaves the objects of a
 * free list it lost.
 */
static void smm_slab_list_lost(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			       struct smm_page *slab)
{
	unsigned int inuse = smm_slab_inuse(slab);

	lockdep_assert_held(&n->lock);
	smm_slab_fault(cache, SMM_SLAB_ERR_POISON, slab, NULL,
		       "Free list cut short after the free: the objects it lost stay in use");
	WRITE_ONCE(n->inuse, n->inuse + cache->objs_per_slab - inuse);
	smm_slab_set_inuse(slab, cache->objs_per_slab);
	smm_slab_place(cache, n, slab, !inuse);
}

/*
 * Take up to @nr objects into @p from the slabs of pool node @nid on the
 * lists @which names, partial ones first; @new, a slab just grown on that
 * node, joins its lists first.  A slab's worth at a time without debugging,
 * one checked object at a time with it.  Return how many it took.
 */
static unsigned int smm_node_take(struct smm_kmem_cache *cache, int nid, unsigned int which,
				  struct smm_page *new, unsigned int nr, void **p,
				  unsigned long caller)
{
	struct smm_kmem_cache_node *n = &cache->node[nid];
	unsigned int got = 0;

	if (!new && !smm_node_may_take(n, which))
		return 0;
	smm_slab_node_lock(n);
	if (new)
		smm_slab_add_new(n, new);
	while (got < nr) {
		struct smm_page *slab = smm_slab_pick(n, which);

		if (!slab)
			break;
		if (unlikely(!slab->freelist)) {
			smm_slab_list_lost(cache, n, slab);
			continue;
		}
		if (likely(!smm_cache_debug(cache))) {
			got += smm_slab_take_run(cache, n, slab, nr - got, p + got);
			continue;
		}
		while (got < nr && slab->freelist) {
			void *obj = smm_slab_take(cache, n, slab, caller);

			if (likely(obj))
				p[got++] = obj;
		}
	}
	spin_unlock(&n->lock);
	return got;
}

/*
 * Take up to @nr objects into @p, preferring pool node @nid, growing slabs
 * as needed, in the order the file comment gives.  Called with no node
 * lock of the cache held but possibly this CPU's array's local lock; a
 * grow sleeps only when smm_gfp_may_sleep(@flags), which a holder of that
 * lock never passes.  Return how many it took.
 */
static unsigned int smm_slab_take_many(struct smm_kmem_cache *cache, int nid,
				       unsigned int flags, unsigned int nr, void **p,
				       unsigned long caller)
{
	struct smm_pool *pool = cache->pool;
	const int *fallback = pool->zones.nodes[nid].fallback;
	bool others = pool->zones.nr_nodes > 1 && !(flags & SMM_GFP_THISNODE);
	bool grow_here = true;
	struct smm_page *slab;
	unsigned int got = 0;
	int i;

	for (;;) {
		got += smm_node_take(cache, nid, SMM_TAKE_ANY, NULL, nr - got, p + got, caller);
		for (i = 1; others && i < pool->zones.nr_nodes && got < nr; i++)
			got += smm_node_take(cache, fallback[i], SMM_TAKE_PARTIAL, NULL,
					     nr - got, p + got, caller);
		if (got == nr)
			break;
		if (grow_here) {
			slab = smm_slab_grow(cache, nid, flags | SMM_GFP_THISNODE);
			if (slab) {
				got += smm_node_take(cache, nid, SMM_TAKE_ANY, slab,
						     nr - got, p + got, caller);
				continue;
			}
			/* Not again in this call: the node is out of blocks. */
			grow_here = false;
		}
		if (!others)
			break;
		for (i = 1; i < pool->zones.nr_nodes && got < nr; i++)
			got += smm_node_take(cache, fallback[i], SMM_TAKE_FREE, NULL,
					     nr - got, p + got, caller);
		if (got == nr)
			break;
		/* Wherever the buddy finds room, in the same fallback order. */
		slab = smm_slab_grow(cache, nid, flags & ~SMM_GFP_THISNODE);
		if (!slab)
			break;
		got += smm_node_take(cache, smm_slab_nid(slab), SMM_TAKE_ANY, slab,
				     nr - got, p + got, caller);
	}
	return got;
}

/**
 * struct smm_put_batch - a batch of objects going back to their slabs
 * @g:		the cache's geometry, loaded once
 * @last:	the pointer freed just before, for the repeat check
 * @caller:	traced as the freeing caller (in a checked batch)
 * @release:	free slabs beyond their node's limit, released at the end
 */
struct smm_put_batch {
	struct smm_obj_geom g;
	void *last;
	unsigned long caller;
	struct list_head release;
};

/*
 * The slab of @obj, the next pointer of batch @b, or NULL when it is
 * skipped: NULL, or (with @check) not an object of the cache or the same
 * as the one before, each reported.  Without @check, @obj comes from a
 * per-CPU array and was checked when it went in.
 */
static __always_inline struct smm_page *smm_put_slab(struct smm_kmem_cache *cache,
						     struct smm_put_batch *b, void *obj,
						     const bool check)
{
	struct smm_page *slab;

	if (!check)
		return b->g.pages + (((obj - b->g.vaddr) >> PAGE_SHIFT) & b->g.head_mask);
	if (!obj)
		return NULL;
	slab = smm_geom_obj_slab(&b->g, obj);
	if (unlikely(!slab)) {
		smm_slab_fault(cache, SMM_SLAB_ERR_INVALID_FREE, NULL, obj,
			       "not the start of an object of this cache");
		return NULL;
	}
	if (unlikely(obj == b->last)) {
		smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE, slab, obj,
			       "Object freed twice in a row (the same pointer as the free before)");
		return NULL;
	}
	b->last = obj;
	trace_shadowmm_kmem_cache_free(b->caller, obj, cache->name);
	return slab;
}

/*
 * Put back @p[@i], the next object of batch @b (on @slab, one of @n's,
 * and checked if the batch checks), and the objects after it for as long
 * as they lie on @slab and (checked) are good, linking each onto the
 * slab's free list from locals and writing the slab's free list, in-use
 * count and place once for the run.  An object its slab already holds
 * free (the slab has none in use, or the object heads its free list) is a
 * double free: reported and skipped.  An object the run stops at (another
 * slab's, NULL, or failing a check) is left to smm_put_slab().  Inlined
 * with @check constant: the loop is the cost of every bulk free and flush.
 * Return the index of the first object not put back, or @nr.
 */
static __always_inline unsigned int
smm_slab_put_run(struct smm_kmem_cache *cache, struct smm_put_batch *b,
		 struct smm_kmem_cache_node *n, struct smm_page *slab,
		 unsigned int nr, void **p, unsigned int i, const bool check)
{
	const struct smm_obj_geom *g = &b->g;
	unsigned long slab_off = (unsigned long)(slab - g->pages) << PAGE_SHIFT;
	unsigned int inuse = smm_slab_inuse(slab), was = inuse;
	unsigned int freeptr = g->freeptr;
	void *head = slab->freelist, *last = b->last, *obj = p[i];
	unsigned long off;

	lockdep_assert_held(&n->lock);
	for (;;) {
		if (unlikely(!inuse || obj == head)) {
			/* The report shows the slab as it is. */
			slab->freelist = head;
			smm_slab_set_inuse(slab, inuse);
			smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE, slab, obj,
				       "Object already free (first on its slab's free list, or its slab has none in use)");
		} else {
			*(void **)(obj + freeptr) = head;
			head = obj;
			inuse--;
		}
		if (++i == nr)
			break;
		obj = p[i];
		/* Another slab's, outside the region or NULL: not this run. */
		off = obj - g->vaddr;
		if ((off & ~g->slab_mask) != slab_off)
			break;
		if (check) {
			if (unlikely(!smm_geom_index_ok(g, off & g->slab_mask) || obj == last))
				break;
			last = obj;
			trace_shadowmm_kmem_cache_free(b->caller, obj, cache->name);
		}
	}
	b->last = last;
	if (inuse != was) {
		slab->freelist = head;
		smm_slab_set_inuse(slab, inuse);
		WRITE_ONCE(n->inuse, n->inuse - (was - inuse));
		smm_slab_place(cache, n, slab, false);
	}
	return i;
}

/*
 * Under one hold of @n's lock, put back @p[@i] (on *@slabp, a slab of @n)
 * and the objects after it for as long as they lie on @n, a slab's run at
 * a time, then give back @n's free slabs beyond the limit.  Return the
 * index of the first object not put back, with its slab in *@slabp, or
 * @nr.
 */
static __always_inline unsigned int
smm_node_put(struct smm_kmem_cache *cache, struct smm_put_batch *b,
	     struct smm_kmem_cache_node *n, struct smm_page **slabp,
	     unsigned int nr, void **p, unsigned int i, const bool check)
{
	struct smm_page *slab = *slabp;

	smm_slab_node_lock(n);
	for (;;) {
		i = smm_slab_put_run(cache, b, n, slab, nr, p, i, check);
		slab = NULL;
		while (i < nr && !(slab = smm_put_slab(cache, b, p[i], check)))
			i++;
		if (!slab || smm_slab_node(cache, slab) != n)
			break;
	}
	smm_slab_trim(n, cache->free_limit, &b->release);
	spin_unlock(&n->lock);
	*slabp = slab;
	return i;
}

/*
 * Return @nr objects to their slabs, each under the lock of its slab's
 * node, then give back free slabs beyond each node's limit.  Consecutive
 * objects of one slab are linked onto its free list as one run
 * (smm_slab_put_run()), and consecutive objects of one node go back under
 * one hold of its lock.  An object its slab already holds free is a double
 * free: reported and skipped.  With @check, each pointer is first checked
 * to be an object of the cache (the free of one that is not is reported
 * and skipped), not to repeat the one before it (@last before the first),
 * and traced as freed by @caller; without, the objects come from a
 * per-CPU array and were checked then.
 */
static __always_inline void __smm_slab_put_many(struct smm_kmem_cache *cache, unsigned int nr,
						void **p, const bool check, void *last,
						unsigned long caller)
{
	struct smm_put_batch b = { .last = last, .caller = caller };
	struct smm_page *slab = NULL;
	unsigned int i;

	smm_obj_geom_init(&b.g, cache);
	INIT_LIST_HEAD(&b.release);
	for (i = 0; i < nr; i++) {
		slab = smm_put_slab(cache, &b, p[i], check);
		if (slab)
			break;
	}
	while (i < nr)
		i = smm_node_put(cache, &b, smm_slab_node(cache, slab), &slab, nr, p, i, check);
	smm_slab_release_list(cache, &b.release);
}

/* The rest of a bulk free, past what this CPU's array took: checked. */
static noinline void smm_slab_put_checked(struct smm_kmem_cache *cache, unsigned int nr,
					  void **p, void *last, unsigned long caller)
{
	__smm_slab_put_many(cache, nr, p, true, last, caller);
}

/* Objects of a per-CPU array, checked when they went in. */
static noinline void smm_slab_put_many(struct smm_kmem_cache *cache, unsigned int nr, void **p)
{
	__smm_slab_put_many(cache, nr, p, false, NULL, 0);
}

/*
 * Flush the @nr oldest objects of a per-CPU array to the slabs.  The
 * caller owns the array: it holds the array's local lock on the array's
 * CPU, or that CPU is dead (see smm_slab_drain_dead()).
 */
static void smm_cpu_flush(struct smm_kmem_cache *cache, struct smm_slab_cpu *c,
			  unsigned int nr)
{
	nr = min(nr, c->avail);
	if (!nr)
		return;
	smm_slab_put_many(cache, nr, c->entry);
	c->avail -= nr;
	memmove(c->entry, c->entry + nr, c->avail * sizeof(void *));
}

/**
 * smm_slab_alloc_one() - allocate one object straight from the slabs
 * @cache: the cache
 * @nid: pool node index to start from
 * @flags: SMM_GFP_* flags
 * @caller: recorded as the allocating owner
 *
 * Every allocation of a debug cache (checked on the way), and the one of
 * a cache with per-CPU arrays that may sleep when its array could not be
 * refilled without sleeping.
 *
 * Context: Process context, no local lock of @cache held.  May sleep (in
 * direct reclaim) when smm_gfp_may_sleep(@flags); otherwise it does not.
 * Return: the object, or NULL when no slab could be grown.
 */
void *smm_slab_alloc_one(struct smm_kmem_cache *cache, int nid, unsigned int flags,
			 unsigned long caller)
{
	void *obj;

	if (!smm_slab_take_many(cache, nid, flags, 1, &obj, caller))
		return NULL;
	return obj;
}

/**
 * smm_debug_free() - free to a debug cache
 * @cache: a cache without per-CPU arrays
 * @slab: the slab of @obj
 * @obj: an object of @cache
 * @caller: recorded as the freeing owner
 *
 * One object, checked, straight to its slab; free slabs beyond the node's
 * limit go back to the buddy.
 *
 * Context: Process context; does not sleep.
 */
void smm_debug_free(struct smm_kmem_cache *cache, struct smm_page *slab,
		    void *obj, unsigned long caller)
{
	struct smm_kmem_cache_node *n = smm_slab_node(cache, slab);
	LIST_HEAD(release);

	smm_slab_node_lock(n);
	/*
	 * Again under the lock: the check the free path made without it may
	 * be stale.  An object that was not allocated (a double free) may
	 * sit on a slab that was empty and has gone back to the buddy since,
	 * its frames another owner's now: nothing of it may be written.
	 */
	if (unlikely(smm_obj_slab(cache, obj) != slab)) {
		spin_unlock(&n->lock);
		smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE, NULL, obj,
			       "its slab was given back meanwhile");
		return;
	}
	if (smm_slab_debug_free(cache, n, slab, obj, caller)) {
		smm_slab_put(cache, n, slab, obj);
		smm_slab_trim(n, cache->free_limit, &release);
	}
	spin_unlock(&n->lock);
	smm_slab_release_list(cache, &release);
}
SMM_EXPORT(smm_debug_free);

/*
 * Per-CPU arrays.  An array is only ever used on its own CPU, under its
 * local lock: local_lock() is preempt_disable() on a normal kernel (a
 * per-CPU migratable-safe spinlock on PREEMPT_RT) plus a lockdep map, so
 * the fast path has no atomic instruction and no interrupt-flag change,
 * and a task can neither be preempted by another user of the array nor
 * move to another CPU while it holds it.  Every caller runs in process
 * context (lockdep reports one that does not, through the local lock's
 * map), so interrupts need not be disabled.
 *
 * The alternative, this_cpu operations with a transaction id as SLUB
 * does, suits a free list linked through the objects, not an array: a
 * free must write its slot before the commit, and a task that moved
 * between reading the count and writing the slot would write into the
 * array of the CPU it left, over an object another task put there.  A
 * linked per-CPU list would need a double-word this_cpu_cmpxchg (a helper
 * call under emulation, and another API on 6.1) and a read of each
 * object's link on allocation; preemption off costs a per-CPU counter
 * increment and decrement.
 *
 * The price: other CPUs never touch an online CPU's array, so a drain
 * runs on that CPU (work_on_cpu(), which sleeps), under cpus_read_lock()
 * so CPUs stay as they are; and a dead CPU's arrays are flushed from
 * elsewhere once nothing can run there (the lock order is in
 * include/shadowmm/pool.h).
 */

/**
 * smm_cpu_refill() - the slow path of an allocation from a per-CPU array
 * @cache: the cache
 * @c: this CPU's array of @cache, empty
 * @flags: SMM_GFP_* flags
 * @caller: traced as the allocating caller
 *
 * Refills @c with a batch, from this CPU's node first, and takes one.
 * Under the local lock nothing may sleep, so an allocation that may sleep
 * grows here without reclaim (nor a stall counted): its caller retries
 * with the lock dropped.
 *
 * Context: Process context, the local lock of @c held; does not sleep.
 * Return: the object, or NULL when no slab could be grown.
 */
noinline void *smm_cpu_refill(struct smm_kmem_cache *cache, struct smm_slab_cpu *c,
			      unsigned int flags, unsigned long caller)
{
	lockdep_assert_held(this_cpu_ptr(&cache->cpu->lock));
	if (smm_gfp_may_sleep(flags))
		flags = (flags & ~SMM_GFP_DIRECT_RECLAIM) | SMM_GFP_NOWAIT;
	c->avail = smm_slab_take_many(cache, smm_local_nid(cache), flags, cache->batch,
				      c->entry, caller);
	if (unlikely(!c->avail))
		return NULL;
	return c->entry[--c->avail];
}

/**
 * smm_cpu_free_slow() - the slow path of a free to a per-CPU array
 * @cache: the cache
 * @c: this CPU's array of @cache
 * @obj: the object being freed
 *
 * @c is full: its oldest batch goes to the slabs and @obj takes its
 * place.  Or @obj is the object freed into @c last: a double free,
 * reported, and nothing changes.
 *
 * Context: Process context, the local lock of @c held; does not sleep.
 */
noinline void smm_cpu_free_slow(struct smm_kmem_cache *cache, struct smm_slab_cpu *c,
				void *obj)
{
	lockdep_assert_held(this_cpu_ptr(&cache->cpu->lock));
	if (c->avail && c->entry[c->avail - 1] == obj) {
		smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE, smm_obj_slab_known(cache, obj),
			       obj, "Object freed twice in a row on this CPU (it tops this CPU's array)");
		return;
	}
	smm_cpu_flush(cache, c, cache->batch);
	c->entry[c->avail++] = obj;
}

/*
 * The fast paths themselves, __smm_cache_alloc() and smm_cache_free_obj(),
 * are in slab_internal.h: kmalloc inlines them too.
 */

static __always_inline void __smm_cache_free(struct smm_kmem_cache *cache, void *obj,
					     unsigned long caller)
{
	struct smm_page *slab = smm_obj_slab(cache, obj);

	if (unlikely(!slab)) {
		smm_slab_fault(cache, SMM_SLAB_ERR_INVALID_FREE, NULL, obj,
			       "not the start of an object of this cache");
		return;
	}
	smm_cache_free_obj(cache, slab, obj, caller);
}

/**
 * smm_kmem_cache_alloc() - allocate one object
 * @cache: the cache
 * @flags: SMM_GFP_* flags; SMM_GFP_ZERO zeroes the object.  Zone flags
 *	   are ignored: the cache's creation chose its zone.
 *
 * Context: Process context.  May sleep, to reclaim for a new slab, when
 * @flags has SMM_GFP_DIRECT_RECLAIM without SMM_GFP_NOWAIT
 * (SMM_GFP_KERNEL); then no spinlock, local lock or page lock may be
 * held.  Otherwise it does not sleep.
 * Return: the object, or NULL when no slab could be grown.
 */
void *smm_kmem_cache_alloc(struct smm_kmem_cache *cache, unsigned int flags)
{
	return __smm_cache_alloc(cache, flags, cache->object_size, _RET_IP_);
}
SMM_EXPORT(smm_kmem_cache_alloc);

/**
 * smm_kmem_cache_alloc_node() - allocate one object, from a node first
 * @cache: the cache
 * @flags: SMM_GFP_* flags; SMM_GFP_ZERO zeroes the object, and with
 *	   SMM_GFP_THISNODE only @node's slabs and blocks are used; zone
 *	   flags are ignored
 * @node: pool node index (smm_node.index) to take it from, or NUMA_NO_NODE
 *	  for this CPU's node as the buddy allocator chooses it
 *
 * With a node given, this CPU's array serves the allocation only when the
 * object on top of it lies on @node; otherwise the object comes straight
 * from @node's slabs (partial, then free, then a new slab of @node's own
 * memory) and, unless SMM_GFP_THISNODE, from the other nodes' as
 * smm_kmem_cache_alloc() falls back.
 *
 * Context: Process context; may sleep as smm_kmem_cache_alloc() says
 * (SMM_GFP_KERNEL may, SMM_GFP_NOWAIT never does).
 * Return: the object, or NULL when @node is not a node of the pool or no
 * slab could be grown.
 */
void *smm_kmem_cache_alloc_node(struct smm_kmem_cache *cache, unsigned int flags, int node)
{
	struct smm_slab_cpu *c;
	void *obj = NULL;

	might_sleep_if(smm_gfp_may_sleep(flags));
	if (node == NUMA_NO_NODE)
		return __smm_cache_alloc(cache, flags, cache->object_size, _RET_IP_);
	if (unlikely(node < 0 || node >= cache->nr_nodes))
		return NULL;
	if (cache->cpu_limit) {
		local_lock(&cache->cpu->lock);
		c = smm_cpu_array(cache);
		if (c->avail && smm_obj_nid(cache, c->entry[c->avail - 1]) == node)
			obj = c->entry[--c->avail];
		local_unlock(&cache->cpu->lock);
	}
	if (!obj && !smm_slab_take_many(cache, node, flags, 1, &obj, _RET_IP_))
		return NULL;
	smm_cache_alloc_done(cache, obj, flags, cache->object_size, _RET_IP_);
	return obj;
}
SMM_EXPORT(smm_kmem_cache_alloc_node);

/**
 * smm_kmem_cache_free() - free one object
 * @cache: the cache it came from
 * @obj: the object; NULL is ignored
 *
 * A pointer that is not an object of @cache, or (see the file comment) an
 * object that is already free, is reported, counted and otherwise ignored.
 *
 * Context: Process context; does not sleep.
 */
void smm_kmem_cache_free(struct smm_kmem_cache *cache, void *obj)
{
	if (obj)
		__smm_cache_free(cache, obj, _RET_IP_);
}
SMM_EXPORT(smm_kmem_cache_free);

/**
 * smm_kmem_cache_alloc_bulk() - allocate @nr objects, all or none
 * @cache: the cache
 * @flags: SMM_GFP_* flags
 * @nr: how many
 * @p: where to store them
 *
 * This CPU's array gives what it holds in one copy; the rest comes straight
 * from the slabs, this CPU's node first, a slab's worth at a time, under
 * one hold of each node's lock it takes from.
 *
 * Context: Process context; may sleep as smm_kmem_cache_alloc() says
 * (SMM_GFP_KERNEL may, SMM_GFP_NOWAIT never does).
 * Return: @nr, or 0 (nothing allocated) when not all could be.
 */
int smm_kmem_cache_alloc_bulk(struct smm_kmem_cache *cache, unsigned int flags,
			      size_t nr, void **p)
{
	struct smm_slab_cpu *c;
	size_t i, got;

	might_sleep_if(smm_gfp_may_sleep(flags));
	if (unlikely(!cache->cpu_limit)) {
		for (i = 0; i < nr; i++) {
			p[i] = __smm_cache_alloc(cache, flags, cache->object_size, _RET_IP_);
			if (!p[i]) {
				smm_kmem_cache_free_bulk(cache, i, p);
				return 0;
			}
		}
		return nr;
	}
	local_lock(&cache->cpu->lock);
	c = smm_cpu_array(cache);
	got = min_t(size_t, nr, c->avail);
	c->avail -= got;
	memcpy(p, c->entry + c->avail, got * sizeof(void *));
	local_unlock(&cache->cpu->lock);
	if (got < nr)
		got += smm_slab_take_many(cache, smm_local_nid(cache), flags, nr - got,
					  p + got, _RET_IP_);
	if (unlikely(got < nr)) {
		smm_kmem_cache_free_bulk(cache, got, p);
		return 0;
	}
	if ((flags & SMM_GFP_ZERO) || trace_shadowmm_kmem_cache_alloc_enabled())
		for (i = 0; i < nr; i++)
			smm_cache_alloc_done(cache, p[i], flags, cache->object_size, _RET_IP_);
	return nr;
}
SMM_EXPORT(smm_kmem_cache_alloc_bulk);

/**
 * smm_kmem_cache_free_bulk() - free @nr objects
 * @cache: the cache they came from
 * @nr: how many
 * @p: the objects; NULL entries are skipped
 *
 * Each pointer is checked as smm_kmem_cache_free() checks it.  The objects
 * go into this CPU's array as long as it has room, under one hold of its
 * lock; the rest go straight to the slabs, under one hold of a node's lock
 * for each run of objects of that node, a slab's run at a time.
 *
 * Context: Process context; does not sleep.
 */
void smm_kmem_cache_free_bulk(struct smm_kmem_cache *cache, size_t nr, void **p)
{
	unsigned int avail, limit = cache->cpu_limit;
	unsigned long slab_off = ~0UL;
	struct smm_obj_geom g;
	struct smm_slab_cpu *c;
	void *last;
	size_t i;

	if (unlikely(!limit)) {
		for (i = 0; i < nr; i++)
			if (p[i])
				__smm_cache_free(cache, p[i], _RET_IP_);
		return;
	}
	smm_obj_geom_init(&g, cache);
	local_lock(&cache->cpu->lock);
	c = smm_cpu_array(cache);
	avail = c->avail;
	last = avail ? c->entry[avail - 1] : NULL;
	for (i = 0; i < nr && avail < limit; i++) {
		void *obj = p[i];

		if (!obj)
			continue;
		if (unlikely(!smm_geom_obj_ok(&g, &slab_off, obj))) {
			smm_slab_fault(cache, SMM_SLAB_ERR_INVALID_FREE, NULL, obj,
				       "not the start of an object of this cache");
			continue;
		}
		if (unlikely(obj == last)) {
			smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE,
				       smm_obj_slab_known(cache, obj), obj,
				       "Object freed twice in a row (the same pointer as the free before)");
			continue;
		}
		trace_shadowmm_kmem_cache_free(_RET_IP_, obj, cache->name);
		c->entry[avail++] = obj;
		last = obj;
	}
	c->avail = avail;
	local_unlock(&cache->cpu->lock);
	/* The array is full: the rest go to the slabs. */
	if (i < nr)
		smm_slab_put_checked(cache, nr - i, p + i, last, _RET_IP_);
}
SMM_EXPORT(smm_kmem_cache_free_bulk);

/* Flush all of the per-CPU array @c of @cache; the caller owns the array. */
static unsigned int smm_cpu_drain(struct smm_kmem_cache *cache, struct smm_slab_cpu *c)
{
	unsigned int n = c->avail;

	smm_cpu_flush(cache, c, n);
	return n;
}

/* Flush this CPU's array of @cache, under its local lock. */
static unsigned int smm_cache_drain_here(struct smm_kmem_cache *cache)
{
	unsigned int n;

	local_lock(&cache->cpu->lock);
	n = smm_cpu_drain(cache, smm_cpu_array(cache));
	local_unlock(&cache->cpu->lock);
	return n;
}

/**
 * struct smm_slab_drain - which arrays of one CPU to flush
 * @cache:	this cache's, or (NULL) those of every cache of @pool; then
 *		the caller holds pool->slab.mutex
 * @pool:	the pool
 */
struct smm_slab_drain {
	struct smm_kmem_cache *cache;
	struct smm_pool *pool;
};

/*
 * Does @cpu hold objects in any array smm_slab_drain_on() would flush?
 * For every cache of the pool, the caller holds pool->slab.mutex.
 */
static bool smm_slab_drain_wanted(const struct smm_slab_drain *d, unsigned int cpu)
{
	struct smm_kmem_cache *cache;

	if (d->cache)
		return READ_ONCE(per_cpu_ptr(d->cache->cpu, cpu)->avail);
	lockdep_assert_held(&d->pool->slab.mutex);
	list_for_each_entry(cache, &d->pool->slab.caches, list)
		if (cache->cpu_limit && READ_ONCE(per_cpu_ptr(cache->cpu, cpu)->avail))
			return true;
	return false;
}

/* work_on_cpu() function: flush the arrays @arg names on this CPU. */
static long smm_slab_drain_fn(void *arg)
{
	struct smm_slab_drain *d = arg;
	struct smm_kmem_cache *cache;
	long n = 0;

	if (d->cache)
		return smm_cache_drain_here(d->cache);
	/*
	 * The caller waits for us holding pool->slab.mutex: the list stays.
	 * Not asserted: lockdep sees the mutex held by that task, not this.
	 */
	list_for_each_entry(cache, &d->pool->slab.caches, list)
		if (cache->cpu_limit)
			n += smm_cache_drain_here(cache);
	return n;
}

/*
 * Flush the arrays @d names of a CPU nothing can run on: it is dead (its
 * dead callback, with hotplug held by the caller) or not online while the
 * caller holds cpus_read_lock().  A task that used its arrays did so with
 * preemption off, so it was done before the CPU went down; on PREEMPT_RT
 * it held only migration off and may have slept in there, but a CPU goes
 * down only once no such task is left on it (sched_cpu_wait_empty()).
 */
static unsigned int smm_slab_drain_dead(struct smm_slab_drain *d, unsigned int cpu)
{
	struct smm_kmem_cache *cache;
	unsigned int n = 0;

	if (d->cache)
		return smm_cpu_drain(d->cache, per_cpu_ptr(d->cache->cpu, cpu));
	lockdep_assert_held(&d->pool->slab.mutex);
	list_for_each_entry(cache, &d->pool->slab.caches, list)
		if (cache->cpu_limit)
			n += smm_cpu_drain(cache, per_cpu_ptr(cache->cpu, cpu));
	return n;
}

/*
 * Flush the arrays @d names of @cpu: on that CPU when it is online (an
 * online CPU's arrays are only ever touched there), from here when not.
 * The caller holds cpus_read_lock() (lockdep_assert_cpus_held() is not
 * exported to modules, so this one is not asserted).
 */
static unsigned int smm_slab_drain_on(struct smm_slab_drain *d, unsigned int cpu)
{
	if (!smm_slab_drain_wanted(d, cpu))
		return 0;
	if (cpu_online(cpu))
		return work_on_cpu(cpu, smm_slab_drain_fn, d);
	return smm_slab_drain_dead(d, cpu);
}

/*
 * Flush every CPU's arrays @d names; return how many objects went.  The
 * caller holds cpus_read_lock().
 */
static unsigned int smm_slab_drain_all(struct smm_slab_drain *d)
{
	unsigned int n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += smm_slab_drain_on(d, cpu);
	return n;
}

/**
 * __smm_kmem_cache_drain() - smm_kmem_cache_drain() under cpus_read_lock()
 * @cache: the cache
 *
 * Context: Process context, may sleep; cpus_read_lock() held.
 * Return: the number of objects flushed.
 */
unsigned int __smm_kmem_cache_drain(struct smm_kmem_cache *cache)
{
	struct smm_slab_drain d = { .cache = cache, .pool = cache->pool };

	if (!cache->cpu_limit)
		return 0;
	return smm_slab_drain_all(&d);
}

/**
 * smm_slab_drain_pool() - flush every CPU's arrays of every cache of a pool
 * @pool: the pool
 *
 * Context: Process context, may sleep; cpus_read_lock() and
 * pool->slab.mutex held.
 * Return: the number of objects flushed.
 */
unsigned int smm_slab_drain_pool(struct smm_pool *pool)
{
	struct smm_slab_drain d = { .pool = pool };

	lockdep_assert_held(&pool->slab.mutex);
	return smm_slab_drain_all(&d);
}

/**
 * smm_slab_drain_dead_cpu() - flush a dead CPU's arrays of every cache of
 *			       a pool
 * @pool: the pool
 * @cpu: the CPU, dead
 *
 * Context: Process context: the CPU-hotplug dead callback, with
 * cpu_hotplug_lock held for writing and pool->slab.mutex held.
 * Return: the number of objects flushed.
 */
unsigned int smm_slab_drain_dead_cpu(struct smm_pool *pool, unsigned int cpu)
{
	struct smm_slab_drain d = { .pool = pool };

	lockdep_assert_held(&pool->slab.mutex);
	return smm_slab_drain_dead(&d, cpu);
}

/**
 * smm_kmem_cache_drain() - flush every CPU's array back to the slabs
 * @cache: the cache
 *
 * Each online CPU flushes its own array (in a work item on that CPU, only
 * where the array holds objects); CPUs cannot go on- or offline meanwhile.
 *
 * Context: Process context, may sleep; no pool->slab.mutex held.
 * Return: the number of objects flushed.
 */
unsigned int smm_kmem_cache_drain(struct smm_kmem_cache *cache)
{
	unsigned int n;

	cpus_read_lock();
	n = __smm_kmem_cache_drain(cache);
	cpus_read_unlock();
	return n;
}
SMM_EXPORT(smm_kmem_cache_drain);

/**
 * smm_slab_drain_cpu() - flush one CPU's arrays of every cache of a pool
 * @pool: the pool
 * @cpu: the CPU (online: the flush runs on it; or offline)
 *
 * Context: Process context, may sleep (takes cpus_read_lock() and
 * pool->slab.mutex).
 * Return: the number of objects flushed.
 */
unsigned int smm_slab_drain_cpu(struct smm_pool *pool, unsigned int cpu)
{
	struct smm_slab_drain d = { .pool = pool };
	unsigned int n;

	cpus_read_lock();
	mutex_lock(&pool->slab.mutex);
	n = smm_slab_drain_on(&d, cpu);
	mutex_unlock(&pool->slab.mutex);
	cpus_read_unlock();
	return n;
}
SMM_EXPORT(smm_slab_drain_cpu);
