/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the slab allocator share and nothing else may use:
 * the layout of a slab and of the objects in it, and the calls between the
 * core (module/slab.c), the caches' life (module/slab_common.c), their
 * debugging (module/slab_debug.c), their debugfs files
 * (module/slab_debugfs.c) and kmalloc (module/kmalloc.c), whose
 * allocations take the core's inlined fast paths.  The rest of the module
 * sees caches only through include/shadowmm/slab.h.
 */
#ifndef _SHADOWMM_SLAB_INTERNAL_H
#define _SHADOWMM_SLAB_INTERNAL_H

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/reciprocal_div.h>
#include <linux/stackdepot.h>
#include <linux/string.h>
#include <linux/types.h>

#include <shadowmm/buddy.h>
#include <shadowmm/page.h>
#include <shadowmm/pool.h>
#include <shadowmm/region.h>
#include <shadowmm/slab.h>
#include <shadowmm/zone.h>
#include <trace/events/shadowmm.h>

/**
 * struct smm_slab_track - who last allocated or freed an object
 * @addr:	the caller
 * @cpu:	on which CPU
 * @pid:	in which task
 * @when:	jiffies
 * @stack:	the stack from the caller down, in the kernel's stack depot
 *		(caches with SMM_SLAB_STACKS), or 0
 */
struct smm_slab_track {
	unsigned long addr;
	int cpu;
	int pid;
	unsigned long when;
	depot_stack_handle_t stack;
};

/*
 * A node's lock, taken to change its lists, counters or objects: counted,
 * so a validate walk that let go of the lock knows its place may be gone.
 */
static inline void smm_slab_node_lock(struct smm_kmem_cache_node *n)
	__acquires(&n->lock)
{
	spin_lock(&n->lock);
	n->changes++;
}

static inline bool smm_cache_debug(const struct smm_kmem_cache *cache)
{
	return cache->flags & SMM_SLAB_DEBUG;
}

static inline unsigned int smm_slab_bytes(const struct smm_kmem_cache *cache)
{
	return PAGE_SIZE << cache->order;
}

static inline void *smm_slab_base(struct smm_kmem_cache *cache, struct smm_page *slab)
{
	return smm_page_address(cache->pool, slab);
}

static inline void *smm_slab_obj(struct smm_kmem_cache *cache, void *base, unsigned int i)
{
	return base + i * cache->size + cache->offset;
}

static inline void **smm_freeptr(struct smm_kmem_cache *cache, void *obj)
{
	return obj + cache->freeptr;
}

static inline struct smm_slab_track *smm_obj_track(struct smm_kmem_cache *cache,
						   void *obj, bool free)
{
	return (struct smm_slab_track *)(obj + cache->meta + sizeof(long)) + free;
}

static inline unsigned long smm_slab_sfn(struct smm_kmem_cache *cache, struct smm_page *slab)
{
	return smm_page_sfn(&cache->pool->region, slab);
}

/*
 * The slab holding @obj, whose frame @page (of frame number @sfn) is known,
 * or NULL when @obj is not the start of an object of @cache (not a slab
 * frame, another cache's slab, or not on an object boundary).  On every
 * free: no calls, and a multiply instead of a divide.
 */
static __always_inline struct smm_page *
smm_page_obj_slab(struct smm_kmem_cache *cache, struct smm_page *page,
		  unsigned long sfn, const void *obj)
{
	unsigned long off;
	u32 idx;

	if (unlikely(!smm_page_test(page, SMM_PG_slab) ||
		     READ_ONCE(page->slab_cache) != cache))
		return NULL;
	/* Slabs are naturally aligned blocks of the region. */
	off = (obj - cache->pool->region.vaddr) & (smm_slab_bytes(cache) - 1);
	if (unlikely(off < cache->offset))
		return NULL;
	off -= cache->offset;
	idx = reciprocal_divide(off, cache->size_recip);
	if (unlikely(idx >= cache->objs_per_slab || idx * cache->size != off))
		return NULL;
	return page - (sfn & ((1UL << cache->order) - 1));
}

/* As smm_page_obj_slab(), for any pointer (outside the pool too). */
static __always_inline struct smm_page *smm_obj_slab(struct smm_kmem_cache *cache,
						     const void *obj)
{
	const struct smm_region *r = &cache->pool->region;
	unsigned long sfn;

	if (unlikely(!smm_region_contains_vaddr(r, obj)))
		return NULL;
	sfn = (obj - r->vaddr) >> PAGE_SHIFT;
	return smm_page_obj_slab(cache, smm_sfn_page(r, sfn), sfn, obj);
}

/* The pool node index of @slab's frames (their zone id says). */
static inline int smm_slab_nid(const struct smm_page *slab)
{
	return smm_page_zone_id(slab) / SMM_NR_ZONE_TYPES;
}

/* module/slab.c */
void smm_slab_trim(struct smm_kmem_cache_node *n, unsigned long keep,
		   struct list_head *list);
void smm_slab_release_list(struct smm_kmem_cache *cache, struct list_head *list);
unsigned int __smm_kmem_cache_drain(struct smm_kmem_cache *cache);
unsigned int smm_slab_drain_pool(struct smm_pool *pool);
unsigned int smm_slab_drain_dead_cpu(struct smm_pool *pool, unsigned int cpu);
void *smm_slab_alloc_one(struct smm_kmem_cache *cache, int nid, unsigned int flags,
			 unsigned long caller);
void smm_debug_free(struct smm_kmem_cache *cache, struct smm_page *slab,
		    void *obj, unsigned long caller);
void *smm_cpu_refill(struct smm_kmem_cache *cache, struct smm_slab_cpu *c,
		     unsigned int flags, unsigned long caller);
void smm_cpu_free_slow(struct smm_kmem_cache *cache, struct smm_slab_cpu *c,
		       void *obj);

/* module/slab_common.c */
void smm_cache_totals(struct smm_kmem_cache *cache, struct smm_slab_node_info *info,
		      bool lists);

/* module/slab_debug.c */
void smm_slab_debug_init(struct smm_kmem_cache *cache);
void smm_slab_fault(struct smm_kmem_cache *cache, enum smm_slab_error kind,
		    struct smm_page *slab, const void *obj, const char *detail);
void smm_slab_debug_setup(struct smm_kmem_cache *cache, void *obj);
void *smm_slab_debug_next(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			  struct smm_page *slab, void *obj);
bool smm_slab_debug_alloc(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			  struct smm_page *slab, void *obj, unsigned long caller);
bool smm_slab_debug_free(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			 struct smm_page *slab, void *obj, unsigned long caller);

/* module/slab_debugfs.c */
void smm_cache_debugfs_add(struct smm_kmem_cache *cache);
void smm_cache_debugfs_remove(struct smm_kmem_cache *cache);

/*
 * The fast paths of module/slab.c, inlined in every caller (kmalloc's
 * too): a call and return cost more than the fast path.  See "Per-CPU
 * arrays" in module/slab.c.
 */

/* The pool node index an allocation on this CPU prefers. */
static inline int smm_local_nid(struct smm_kmem_cache *cache)
{
	return smm_preferred_node(cache->pool)->index;
}

/* This CPU's array of @cache; the caller holds its local lock. */
static __always_inline struct smm_slab_cpu *smm_cpu_array(struct smm_kmem_cache *cache)
{
	return this_cpu_ptr(cache->cpu);
}

/* What every allocated object gets: zeroing if asked, the tracepoint. */
static inline void smm_cache_alloc_done(struct smm_kmem_cache *cache, void *obj,
					unsigned int flags, size_t bytes_req,
					unsigned long caller)
{
	if (flags & SMM_GFP_ZERO)
		memset(obj, 0, cache->object_size);
	if (trace_shadowmm_kmem_cache_alloc_enabled()) {
		struct smm_page *page = smm_virt_to_page(cache->pool, obj);

		trace_shadowmm_kmem_cache_alloc(caller, obj, bytes_req, cache->object_size,
						flags, cache->name,
						smm_page_zone(cache->pool, page)->node->nid);
	}
}

/*
 * Allocate one object; @bytes_req is what the caller asked for (traced).
 * Sleeps only when smm_gfp_may_sleep(@flags), and then never under the
 * per-CPU array's local lock: a refill under it does not reclaim, and
 * when it fails the object comes straight from the slabs once the lock is
 * dropped, growing one with reclaim if need be, as SLUB grows a slab with
 * the caller's gfp flags outside its per-CPU section.
 */
static __always_inline void *__smm_cache_alloc(struct smm_kmem_cache *cache,
					       unsigned int flags, size_t bytes_req,
					       unsigned long caller)
{
	struct smm_slab_cpu *c;
	void *obj;

	might_sleep_if(smm_gfp_may_sleep(flags));
	if (unlikely(!cache->cpu_limit)) {
		obj = smm_slab_alloc_one(cache, smm_local_nid(cache), flags, caller);
	} else {
		local_lock(&cache->cpu->lock);
		c = smm_cpu_array(cache);
		if (likely(c->avail))
			obj = c->entry[--c->avail];
		else
			obj = smm_cpu_refill(cache, c, flags, caller);
		local_unlock(&cache->cpu->lock);
		if (unlikely(!obj) && smm_gfp_may_sleep(flags))
			obj = smm_slab_alloc_one(cache, smm_local_nid(cache), flags, caller);
	}
	if (unlikely(!obj))
		return NULL;
	smm_cache_alloc_done(cache, obj, flags, bytes_req, caller);
	return obj;
}

/* Free @obj, known to be an object of @cache on @slab. */
static __always_inline void smm_cache_free_obj(struct smm_kmem_cache *cache,
					       struct smm_page *slab, void *obj,
					       unsigned long caller)
{
	struct smm_slab_cpu *c;
	unsigned int avail;

	trace_shadowmm_kmem_cache_free(caller, obj, cache->name);
	if (unlikely(!cache->cpu_limit)) {
		smm_debug_free(cache, slab, obj, caller);
		return;
	}
	local_lock(&cache->cpu->lock);
	c = smm_cpu_array(cache);
	avail = c->avail;
	if (unlikely(avail == cache->cpu_limit || (avail && c->entry[avail - 1] == obj))) {
		smm_cpu_free_slow(cache, c, obj);
	} else {
		c->entry[avail] = obj;
		c->avail = avail + 1;
	}
	local_unlock(&cache->cpu->lock);
}

#endif /* _SHADOWMM_SLAB_INTERNAL_H */
