/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the slab allocator share and nothing else may use:
 * the layout of a slab and of the objects in it, and the calls between the
 * core (module/slab.c), its debugging (module/slab_debug.c) and its
 * debugfs files (module/slab_debugfs.c).  The rest of the module sees
 * caches only through include/shadowmm/slab.h.
 */
#ifndef _SHADOWMM_SLAB_INTERNAL_H
#define _SHADOWMM_SLAB_INTERNAL_H

#include <linux/compiler.h>
#include <linux/reciprocal_div.h>
#include <linux/types.h>

#include <shadowmm/buddy.h>
#include <shadowmm/page.h>
#include <shadowmm/pool.h>
#include <shadowmm/region.h>
#include <shadowmm/slab.h>

/**
 * struct smm_slab_track - who last allocated or freed an object
 * @addr:	the caller
 * @cpu:	on which CPU
 * @pid:	in which task
 * @when:	jiffies
 */
struct smm_slab_track {
	unsigned long addr;
	int cpu;
	int pid;
	unsigned long when;
};

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
void smm_cache_totals(struct smm_kmem_cache *cache, struct smm_slab_node_info *info,
		      bool lists);

/* module/slab_debug.c */
unsigned int smm_slab_debug_flags(void);
void smm_slab_fault(struct smm_kmem_cache *cache, enum smm_slab_error kind,
		    struct smm_page *slab, const void *obj, const char *detail);
void smm_slab_debug_setup(struct smm_kmem_cache *cache, void *obj);
bool smm_slab_debug_alloc(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			  struct smm_page *slab, void *obj, unsigned long caller);
bool smm_slab_debug_free(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			 struct smm_page *slab, void *obj, unsigned long caller);

/* module/slab_debugfs.c */
void smm_cache_debugfs_add(struct smm_kmem_cache *cache);
void smm_cache_debugfs_remove(struct smm_kmem_cache *cache);

#endif /* _SHADOWMM_SLAB_INTERNAL_H */
