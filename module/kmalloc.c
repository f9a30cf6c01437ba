// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: kmalloc, and the kmem reserves for the module's own metadata.
 *
 * kmalloc serves requests of up to 8 KiB from the pool's kmalloc-8 ..
 * kmalloc-8192 caches (the size classes of smm_kmalloc_sizes, made with
 * the pool by module/slab_common.c) through the same inlined per-CPU fast
 * path as smm_kmem_cache_alloc(), and larger ones from the buddy as
 * blocks marked in their head descriptor.  smm_kfree() tells the two
 * apart from the frame alone, without a search, and refuses what kmalloc
 * did not return.
 *
 * Every path honours the flags alike, as the kernel's kmalloc does with
 * its kmalloc_caches[type][] and the gfp flags it hands the slab's page
 * allocation.  SMM_GFP_DMA picks the dma-kmalloc-N twins, whose slabs
 * come from the DMA zone only, as a large block then does; a pool without
 * a DMA zone has no such caches and fails those requests at once rather
 * than give memory a DMA user could not reach (or reclaim for a zone that
 * is not there).  SMM_GFP_HIGHMEM is ignored: kmalloc memory is never
 * HighMem, as the kernel strips __GFP_HIGHMEM from kmalloc.  Reclaim is
 * the caller's choice on both paths: SMM_GFP_KERNEL may sleep in direct
 * reclaim, for a slab or a block; without SMM_GFP_DIRECT_RECLAIM, or with
 * SMM_GFP_NOWAIT, nothing sleeps.
 *
 * A kmem reserve is a cache of the pool for one kind of metadata (memory
 * objects, VMA descriptors) with a mempool in front, made on first use:
 * metadata may dip into the min reserve and never reclaims, so an open()
 * or mmap() on an exhausted region still gets its descriptor.
 */

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>

const unsigned int smm_kmalloc_sizes[SMM_KMALLOC_NR] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
SMM_EXPORT(smm_kmalloc_sizes);

/* Head of a large kmalloc block: ->private holds this plus its order. */
#define SMM_KMALLOC_LARGE	0x4c415200UL

/* Class of each 8-byte step up to 192 bytes: (size - 1) / 8. */
static const u8 smm_kmalloc_small_index[24] = {
	0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6,
};

/* The index in smm_kmalloc_sizes of the class of @size, 1 .. 8192 bytes. */
static inline unsigned int smm_kmalloc_index(size_t size)
{
	if (size <= 192)
		return smm_kmalloc_small_index[(size - 1) / 8];
	/* 193..256 -> 7 (256), 257..512 -> 8, .. 4097..8192 -> 12 */
	return fls(size - 1) - 1;
}

/* The set of kmalloc caches @flags ask for. */
static inline enum smm_kmalloc_type smm_kmalloc_type(unsigned int flags)
{
	return unlikely(flags & SMM_GFP_DMA) ? SMM_KMALLOC_DMA : SMM_KMALLOC_NORMAL;
}

/**
 * smm_kmalloc_cache() - the kmalloc cache that serves a size
 * @pool: the pool
 * @size: bytes, 1 .. SMM_KMALLOC_MAX_CACHE
 * @flags: SMM_GFP_* flags of the allocation: SMM_GFP_DMA picks the
 *	   dma-kmalloc-N set
 *
 * Context: Any context.
 * Return: the cache, or NULL when @size is 0 or above the largest class,
 * or @flags ask for DMA in a pool without a DMA zone.
 */
struct smm_kmem_cache *smm_kmalloc_cache(struct smm_pool *pool, size_t size,
				       unsigned int flags)
{
	if (!size || size > SMM_KMALLOC_MAX_CACHE)
		return NULL;
	return pool->slab.kmalloc_caches[smm_kmalloc_type(flags)][smm_kmalloc_index(size)];
}
SMM_EXPORT(smm_kmalloc_cache);

/**
 * smm_kmalloc() - allocate @size bytes
 * @pool: the pool
 * @size: bytes; up to 8 KiB from the kmalloc-N caches, larger from the buddy
 * @flags: SMM_GFP_* flags: SMM_GFP_ZERO zeroes the memory; SMM_GFP_DMA
 *	   takes it from the DMA zone, whatever the size; SMM_GFP_HIGHMEM
 *	   is ignored; SMM_GFP_KERNEL lets it reclaim
 *
 * A request for DMA memory in a pool without a DMA zone fails: the
 * kernel's GFP_DMA never falls back to another zone either.
 *
 * Context: Process context.  May sleep, in direct reclaim for a slab or a
 * large block, when @flags has SMM_GFP_DIRECT_RECLAIM without
 * SMM_GFP_NOWAIT (SMM_GFP_KERNEL); then no spinlock, local lock or page
 * lock may be held.  Otherwise (SMM_GFP_NOWAIT, or no reclaim flag) it
 * does not sleep, on any path.
 * Return: the memory, ZERO_SIZE_PTR for @size 0, or NULL.
 */
void *smm_kmalloc(struct smm_pool *pool, size_t size, unsigned int flags)
{
	struct smm_kmem_cache *const *caches;
	struct smm_page *page;
	unsigned int order;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	caches = pool->slab.kmalloc_caches[smm_kmalloc_type(flags)];
	if (likely(size <= SMM_KMALLOC_MAX_CACHE)) {
		struct smm_kmem_cache *cache = caches[smm_kmalloc_index(size)];

		/* NULL: a DMA request, and the pool has no DMA zone. */
		if (unlikely(!cache))
			return NULL;
		return __smm_cache_alloc(cache, flags, size, _RET_IP_);
	}
	/* Likewise: fail at once, without a stall or reclaim for no zone. */
	if (unlikely(!caches[0]))
		return NULL;
	order = get_order(size);
	if (order > SMM_MAX_ORDER)
		return NULL;
	page = smm_alloc_pages(pool, order, flags & ~SMM_GFP_HIGHMEM);
	if (!page)
		return NULL;
	page->private = SMM_KMALLOC_LARGE | order;
	return smm_page_address(pool, page);
}
SMM_EXPORT(smm_kmalloc);

/* Is @page (the frame holding @ptr) the head of a large kmalloc block? */
static bool smm_kmalloc_large(const struct smm_page *page, const void *ptr)
{
	return page && !offset_in_page(ptr) &&
	       !(smm_page_flags(page) & (BIT(SMM_PG_slab) | BIT(SMM_PG_buddy) | BIT(SMM_PG_pcp))) &&
	       (page->private & ~0xffUL) == SMM_KMALLOC_LARGE;
}

/**
 * smm_kfree() - free memory smm_kmalloc() returned
 * @pool: the pool
 * @ptr: the memory; NULL and ZERO_SIZE_PTR are ignored
 *
 * The frame says where the memory goes back: its cache, a kmalloc-N or a
 * dma-kmalloc-N one, or the buddy.  A pointer smm_kmalloc() did not return
 * is reported, counted on the kmalloc-8 cache as an invalid free, and
 * otherwise ignored.
 *
 * Context: Process context; does not sleep.
 */
void smm_kfree(struct smm_pool *pool, const void *ptr)
{
	const struct smm_region *r = &pool->region;
	struct smm_page *page = NULL;
	void *obj = (void *)ptr;
	unsigned long sfn;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	if (unlikely(!smm_region_contains_vaddr(r, ptr)))
		goto bad;
	/* One frame lookup serves the cache, the object check and the free. */
	sfn = (ptr - r->vaddr) >> PAGE_SHIFT;
	page = smm_sfn_page(r, sfn);
	if (likely(smm_page_test(page, SMM_PG_slab))) {
		struct smm_kmem_cache *cache = READ_ONCE(page->slab_cache);
		struct smm_page *slab;

		/* One of this pool's kmalloc caches, without a search. */
		if (likely(cache && (cache->flags & SMM_SLAB_KMALLOC) && cache->pool == pool)) {
			slab = smm_page_obj_slab(cache, page, sfn, ptr);
			if (unlikely(!slab)) {
				smm_slab_fault(cache, SMM_SLAB_ERR_INVALID_FREE, NULL, obj,
					       "not the start of an object of this cache");
				return;
			}
			smm_cache_free_obj(cache, slab, obj, _RET_IP_);
			return;
		}
	}
	if (smm_kmalloc_large(page, ptr)) {
		unsigned int order = page->private & 0xff;

		page->private = 0;
		smm_free_pages(pool, page, order);
		return;
	}
bad:
	smm_slab_fault(pool->slab.kmalloc_caches[SMM_KMALLOC_NORMAL][0],
		       SMM_SLAB_ERR_INVALID_FREE, NULL, obj,
		       "not memory smm_kmalloc() returned");
}
SMM_EXPORT(smm_kfree);

/**
 * smm_ksize() - the usable size of memory smm_kmalloc() returned
 * @pool: the pool
 * @ptr: the memory
 *
 * Context: Any context.
 * Return: the size of its class or block, 0 for NULL, ZERO_SIZE_PTR or
 * a pointer smm_kmalloc() did not return.
 */
size_t smm_ksize(struct smm_pool *pool, const void *ptr)
{
	struct smm_page *page;

	if (ZERO_OR_NULL_PTR(ptr))
		return 0;
	page = smm_virt_to_page(pool, ptr);
	if (page && smm_page_test(page, SMM_PG_slab)) {
		struct smm_kmem_cache *cache = READ_ONCE(page->slab_cache);

		/*
		 * As smm_kfree(): another cache's object is not kmalloc
		 * memory, and a slab being released has no cache any more.
		 */
		if (!cache || !(cache->flags & SMM_SLAB_KMALLOC))
			return 0;
		return smm_obj_slab(cache, ptr) ? cache->object_size : 0;
	}
	return smm_kmalloc_large(page, ptr) ? PAGE_SIZE << (page->private & 0xff) : 0;
}
SMM_EXPORT(smm_ksize);

/* ---- caches for the module's own metadata, with a reserve ---- */

static void *smm_kmem_reserve_element_alloc(gfp_t gfp, void *cache)
{
	/* Metadata may dip into the min reserve; it never reclaims. */
	return smm_kmem_cache_alloc(cache, SMM_GFP_ATOMIC | SMM_GFP_NOWAIT);
}

static void smm_kmem_reserve_element_free(void *element, void *cache)
{
	smm_kmem_cache_free(cache, element);
}

/**
 * smm_kmem_reserve_init() - describe a metadata cache, made on first use
 * @r: the reserve
 * @name: the cache's name (kept, not copied)
 * @size: the element size
 * @min_nr: elements to set aside; 0 for none (a cache whose callers may
 *	all fail, and never call smm_kmem_reserve_zalloc())
 *
 * Context: Process context.
 */
void smm_kmem_reserve_init(struct smm_kmem_reserve *r, const char *name,
			   unsigned int size, int min_nr)
{
	mutex_init(&r->lock);
	r->ready = false;
	r->cache = NULL;
	r->mempool = NULL;
	r->name = name;
	r->size = size;
	r->min_nr = min_nr;
}
SMM_EXPORT(smm_kmem_reserve_init);

/**
 * smm_kmem_reserve_ready() - make the cache and its reserve if not yet made
 * @pool: the pool the cache belongs to
 * @r: the reserve
 *
 * Made on first use so a pool that never needs the metadata holds no slab.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int smm_kmem_reserve_ready(struct smm_pool *pool, struct smm_kmem_reserve *r)
{
	struct smm_kmem_cache *cache;
	mempool_t *mempool;
	int ret = 0;

	/* Pairs with the release below: ready has its cache and mempool set. */
	if (smp_load_acquire(&r->ready))
		return 0;
	mutex_lock(&r->lock);
	if (r->ready)
		goto out;
	cache = r->cache;
	if (!cache) {
		cache = smm_kmem_cache_create(pool, r->name, r->size, 0, 0, NULL);
		if (!cache) {
			ret = -ENOMEM;
			goto out;
		}
		/*
		 * Kept for the next try if the mempool fails (destroyed with
		 * the reserve): destroying a cache takes cpu_hotplug_lock,
		 * which the kernel takes before the mmap_lock ->mmap holds.
		 */
		r->cache = cache;
	}
	if (r->min_nr) {
		mempool = mempool_create(r->min_nr, smm_kmem_reserve_element_alloc,
					 smm_kmem_reserve_element_free, cache);
		if (!mempool) {
			ret = -ENOMEM;
			goto out;
		}
		r->mempool = mempool;
	}
	/* Pairs with the acquire above. */
	smp_store_release(&r->ready, true);
out:
	mutex_unlock(&r->lock);
	return ret;
}
SMM_EXPORT(smm_kmem_reserve_ready);

/**
 * smm_kmem_reserve_zalloc() - a zeroed element, from the reserve if need be
 * @r: a reserve smm_kmem_reserve_ready() made, with elements set aside
 *
 * Context: Any context; does not sleep.
 * Return: the element, or NULL when the cache and the reserve are empty.
 */
void *smm_kmem_reserve_zalloc(struct smm_kmem_reserve *r)
{
	void *element;

	/* Made with nothing set aside: its callers may fail, not this one. */
	if (WARN_ON_ONCE(!r->mempool))
		return NULL;
	element = mempool_alloc(r->mempool, GFP_NOWAIT);

	if (element)
		memset(element, 0, r->size);
	return element;
}
SMM_EXPORT(smm_kmem_reserve_zalloc);

/**
 * smm_kmem_reserve_zalloc_kernel() - a zeroed element, never the reserve's
 * @r: a reserve smm_kmem_reserve_ready() made
 *
 * For a caller that may fail, such as an mmap: the allocation may
 * reclaim and stops at the min watermark as any that is not atomic, so
 * neither the part of the zones below min that atomic allocations may
 * take nor @r's elements go to it: they stay for the callers that cannot
 * fail (a split, a fork's copy).
 *
 * Context: Process context, may sleep.
 * Return: the element, or NULL.
 */
void *smm_kmem_reserve_zalloc_kernel(struct smm_kmem_reserve *r)
{
	void *element = smm_kmem_cache_alloc(r->cache, SMM_GFP_KERNEL);

	if (element)
		memset(element, 0, r->size);
	return element;
}
SMM_EXPORT(smm_kmem_reserve_zalloc_kernel);

/**
 * smm_kmem_reserve_free() - give an element back (refilling the reserve first)
 * @r: its reserve
 * @element: from smm_kmem_reserve_zalloc()
 *
 * Context: Any context.
 */
void smm_kmem_reserve_free(struct smm_kmem_reserve *r, void *element)
{
	if (r->mempool)
		mempool_free(element, r->mempool);
	else
		smm_kmem_cache_free(r->cache, element);
}
SMM_EXPORT(smm_kmem_reserve_free);

/**
 * smm_kmem_reserve_destroy() - undo smm_kmem_reserve_init() and _ready()
 * @r: the reserve; every element given back
 *
 * Context: Process context, may sleep.
 */
void smm_kmem_reserve_destroy(struct smm_kmem_reserve *r)
{
	mempool_destroy(r->mempool);
	if (r->cache)
		smm_kmem_cache_destroy(r->cache);
	mutex_destroy(&r->lock);
}
SMM_EXPORT(smm_kmem_reserve_destroy);
