// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the slab allocator (module/slab*.c, module/kmalloc.c) on private
 * pools: list placement through a slab's life, partial slabs preferred
 * over free ones, every kmalloc class and the boundary sizes, DMA kmalloc
 * and DMA caches in the DMA zone (and failing without one), alignment,
 * constructors, bulk (batches larger than the per-CPU array, bad pointers
 * among them), the per-CPU arrays (drain, remote drain, cross-CPU free,
 * the lockless fast path under preemption and migration), slab sizing,
 * each debugging check detecting its fault, destroy refused with live
 * objects, shrinking giving every frame back to the buddy, and, on
 * two-node pools, per-node lists: smm_kmem_cache_alloc_node(), slabs with
 * room before growth, fallback to the other node, per-node free-slab
 * limits and shrinking.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include <shadowmm/debugfs.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>
#include <trace/events/shadowmm.h>

#include "smm_test.h"

#define SMM_TEST_FLAGS	(SMM_GFP_NOWAIT | SMM_GFP_NOFAULT)

static const struct smm_test_pool_cfg slab_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

/* The counts of @cache's slabs on pool node @node (NUMA_NO_NODE: all). */
static struct smm_slab_node_info smm_test_lists(struct smm_kmem_cache *cache, int node)
{
	struct smm_slab_node_info info;

	smm_kmem_cache_node_info(cache, node, &info);
	return info;
}

static struct smm_kmem_cache *smm_test_cache(struct kunit *test, struct smm_pool *pool,
					     unsigned int size, unsigned int align,
					     unsigned int flags, void (*ctor)(void *))
{
	struct smm_kmem_cache *cache;

	cache = smm_kmem_cache_create(pool, "kunit-cache", size, align, flags, ctor);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	return cache;
}

/* The head frame of the slab holding @obj (a slab may span frames). */
static struct smm_page *smm_test_slab_of(struct smm_kmem_cache *cache, void *obj)
{
	struct smm_pool *pool = cache->pool;
	unsigned long sfn = smm_virt_to_page(pool, obj) - pool->region.pages;

	return pool->region.pages + (sfn & ~((1UL << cache->order) - 1));
}

/* Every frame is back on the buddy lists and validate finds nothing. */
static void smm_test_all_back(struct kunit *test, struct smm_pool *pool)
{
	smm_slab_shrink_all(pool);
	smm_pcp_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_slab_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), smm_pool_managed_pages(pool));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* free -> partial -> full -> partial -> free, with validate at each step. */
static void smm_slab_list_placement_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 256, 0,
						      SMM_SLAB_CONSISTENCY, NULL);
	unsigned int n, i;
	void **objs;

	n = cache->objs_per_slab;
	KUNIT_ASSERT_GE(test, n, 2U);
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	objs[0] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_partial, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_full, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	for (i = 1; i < n; i++) {
		objs[i] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_PTR_EQ(test, smm_test_slab_of(cache, objs[i]),
				    smm_test_slab_of(cache, objs[0]));
	}
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_full, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_partial, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	smm_kmem_cache_free(cache, objs[n - 1]);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_full, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_partial, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	for (i = 0; i < n - 1; i++)
		smm_kmem_cache_free(cache, objs[i]);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_partial, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* With a free and a partial slab, the next object comes from the partial. */
static void smm_slab_partial_first_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 512, 0,
						      SMM_SLAB_CONSISTENCY, NULL);
	unsigned int n = cache->objs_per_slab, i;
	struct smm_page *second;
	void **objs, *obj;

	objs = kunit_kcalloc(test, n + 1, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i <= n; i++) {
		objs[i] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	second = smm_test_slab_of(cache, objs[n]);
	KUNIT_EXPECT_PTR_NE(test, second, smm_test_slab_of(cache, objs[0]));
	for (i = 0; i < n; i++)
		smm_kmem_cache_free(cache, objs[i]);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_partial, 1UL);

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_slab_of(cache, obj), second);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 1UL);
	smm_kmem_cache_free(cache, obj);
	smm_kmem_cache_free(cache, objs[n]);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/*
 * One node with every zone: 512 DMA, 1024 Normal and 512 HighMem frames
 * (a node under three chunks is cut to the frame).
 */
static const struct smm_test_pool_cfg kmalloc_dma_pool = {
	.mb = 8, .split = { 25, 50, 25 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

/* The zone of the frame holding @obj. */
static enum smm_zone_type smm_test_zone_of(struct smm_pool *pool, const void *obj)
{
	return smm_page_zone(pool, smm_virt_to_page(pool, obj))->type;
}

/**
 * struct smm_kmalloc_case - a request size and where it must land
 * @size:	bytes asked for
 * @class:	what smm_ksize() must say: the class, or the buddy block
 * @name:	the kmalloc cache serving it, NULL for a buddy block
 */
struct smm_kmalloc_case {
	size_t size;
	size_t class;
	const char *name;
};

/*
 * Written out, not taken from the module's smm_kmalloc_sizes: a class
 * dropped, added or moved there must fail here.  Each class by its own
 * size and by the smallest size above the class below; above 8 KiB the
 * buddy block of the next power of two of 4 KiB frames.
 */
static const struct smm_kmalloc_case smm_kmalloc_cases[] = {
	{ 1, 8, "kmalloc-8" },		{ 8, 8, "kmalloc-8" },
	{ 9, 16, "kmalloc-16" },	{ 16, 16, "kmalloc-16" },
	{ 17, 32, "kmalloc-32" },	{ 32, 32, "kmalloc-32" },
	{ 33, 64, "kmalloc-64" },	{ 64, 64, "kmalloc-64" },
	{ 65, 96, "kmalloc-96" },	{ 96, 96, "kmalloc-96" },
	{ 97, 128, "kmalloc-128" },	{ 128, 128, "kmalloc-128" },
	{ 129, 192, "kmalloc-192" },	{ 192, 192, "kmalloc-192" },
	{ 193, 256, "kmalloc-256" },	{ 256, 256, "kmalloc-256" },
	{ 257, 512, "kmalloc-512" },	{ 512, 512, "kmalloc-512" },
	{ 513, 1024, "kmalloc-1k" },	{ 1024, 1024, "kmalloc-1k" },
	{ 1025, 2048, "kmalloc-2k" },	{ 2048, 2048, "kmalloc-2k" },
	{ 2049, 4096, "kmalloc-4k" },	{ 4096, 4096, "kmalloc-4k" },
	{ 4097, 8192, "kmalloc-8k" },	{ 8192, 8192, "kmalloc-8k" },
	{ 8193, 16384, NULL },		{ 20000, 32768, NULL },
	{ 65536, 65536, NULL },
};

static void smm_kmalloc_case_desc(const struct smm_kmalloc_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", c->size);
}
KUNIT_ARRAY_PARAM(smm_kmalloc_case, smm_kmalloc_cases, smm_kmalloc_case_desc);

/*
 * Three allocations of @c with the zone flags @zone: each in its class
 * (or block), zeroed, usable to its ksize, from the cache of that class
 * in the set @zone picks, and, first to last byte, in the DMA zone when
 * SMM_GFP_DMA asked for it, else in Normal (the pool has room there).
 */
static void smm_test_kmalloc_case(struct kunit *test, struct smm_pool *pool,
				  const struct smm_kmalloc_case *c, unsigned int zone)
{
	const char *kind = zone & SMM_GFP_DMA ? "DMA" : zone ? "HighMem" : "Normal";
	bool dma = zone & SMM_GFP_DMA;
	enum smm_zone_type want = dma ? SMM_ZONE_DMA : SMM_ZONE_NORMAL;
	char name[SMM_SLAB_NAME_LEN];
	struct smm_page *first;
	void *p[3];
	int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = smm_kmalloc(pool, c->size, SMM_TEST_FLAGS | SMM_GFP_ZERO | zone);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "%s", kind);
		KUNIT_EXPECT_EQ_MSG(test, smm_ksize(pool, p[i]), c->class, "%s", kind);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p[i], 0, c->size), "%s", kind);
		memset(p[i], 0x5a, c->class);
		first = smm_virt_to_page(pool, p[i]);
		KUNIT_ASSERT_EQ_MSG(test, smm_page_test(first, SMM_PG_slab), c->name != NULL,
				    "%s", kind);
		if (c->name) {
			snprintf(name, sizeof(name), "%s%s", dma ? "dma-" : "", c->name);
			KUNIT_EXPECT_STREQ(test, first->slab_cache->name, name);
			KUNIT_EXPECT_PTR_EQ(test, first->slab_cache,
					    smm_kmalloc_cache(pool, c->size, zone));
		}
		KUNIT_EXPECT_EQ_MSG(test, smm_test_zone_of(pool, p[i]), want, "%s", kind);
		KUNIT_EXPECT_EQ_MSG(test, smm_test_zone_of(pool, p[i] + c->class - 1), want,
				    "%s", kind);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		smm_kfree(pool, p[i]);
}

/*
 * Each size lands in its class (or a buddy block) and ksize says so; with
 * SMM_GFP_DMA in the dma-kmalloc twin of the class and the DMA zone, on
 * the small path and the large alike, and without it in Normal, never
 * DMA (nor HighMem, even when asked).  smm_kfree() gives every one back
 * where it came from.
 */
static void smm_kmalloc_class_test(struct kunit *test)
{
	const struct smm_kmalloc_case *c = test->param_value;
	struct smm_pool *pool = smm_test_pool(test, &kmalloc_dma_pool);
	struct smm_node *node = &pool->zones.nodes[0];
	int t;

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_GE(test, node->zones[SMM_ZONE_DMA].managed, 256UL);
	KUNIT_ASSERT_GE(test, node->zones[SMM_ZONE_NORMAL].managed, 256UL);
	KUNIT_ASSERT_GE(test, node->zones[SMM_ZONE_HIGHMEM].managed, 256UL);
	smm_test_kmalloc_case(test, pool, c, 0);
	smm_test_kmalloc_case(test, pool, c, SMM_GFP_DMA);
	/* kmalloc memory is never HighMem, as the kernel's: the flag is ignored. */
	smm_test_kmalloc_case(test, pool, c, SMM_GFP_HIGHMEM);
	for (t = 0; t < SMM_KMALLOC_NR_TYPES; t++)
		KUNIT_EXPECT_EQ(test,
				smm_kmem_cache_errors(pool->slab.kmalloc_caches[t][0],
						      SMM_SLAB_ERR_INVALID_FREE), 0UL);
	smm_test_all_back(test, pool);
}

/* The caches on @pool's list (what slab/ and slabinfo show) named @prefix*. */
static unsigned int smm_test_count_caches(struct smm_pool *pool, const char *prefix)
{
	struct smm_kmem_cache *cache;
	unsigned int n = 0;

	mutex_lock(&pool->slab.mutex);
	list_for_each_entry(cache, &pool->slab.caches, list)
		n += !strncmp(cache->name, prefix, strlen(prefix));
	mutex_unlock(&pool->slab.mutex);
	return n;
}

/*
 * The classes, written out, and their caches' names as /proc/slabinfo
 * shows the kernel's: kmalloc-N, and dma-kmalloc-N where the pool has a
 * DMA zone; none of the DMA set where it has not.
 */
static void smm_kmalloc_names_test(struct kunit *test)
{
	static const unsigned int sizes[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	static const char * const names[] = {
		"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
		"kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512",
		"kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
	};
	struct smm_pool *pool = smm_test_pool(test, &kmalloc_dma_pool);
	struct smm_pool *nodma = smm_test_pool(test, &slab_pool);
	char dma_name[SMM_SLAB_NAME_LEN];
	struct smm_kmem_cache *cache;
	int i;

	KUNIT_ASSERT_EQ(test, (size_t)SMM_KMALLOC_NR, ARRAY_SIZE(sizes));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cache = smm_kmalloc_cache(pool, sizes[i], 0);
		KUNIT_ASSERT_NOT_NULL(test, cache);
		KUNIT_EXPECT_STREQ(test, cache->name, names[i]);
		KUNIT_EXPECT_EQ(test, cache->object_size, sizes[i]);
		KUNIT_EXPECT_FALSE(test, cache->flags & SMM_SLAB_CACHE_DMA);
		KUNIT_EXPECT_PTR_EQ(test, smm_kmalloc_cache(pool, sizes[i], SMM_GFP_HIGHMEM),
				    cache);
		KUNIT_EXPECT_PTR_EQ(test, smm_kmalloc_cache(nodma, sizes[i], 0),
				    nodma->slab.kmalloc_caches[SMM_KMALLOC_NORMAL][i]);

		cache = smm_kmalloc_cache(pool, sizes[i], SMM_GFP_DMA);
		KUNIT_ASSERT_NOT_NULL(test, cache);
		snprintf(dma_name, sizeof(dma_name), "dma-%s", names[i]);
		KUNIT_EXPECT_STREQ(test, cache->name, dma_name);
		KUNIT_EXPECT_EQ(test, cache->object_size, sizes[i]);
		KUNIT_EXPECT_TRUE(test, cache->flags & SMM_SLAB_CACHE_DMA);
		KUNIT_EXPECT_TRUE(test, cache->flags & SMM_SLAB_KMALLOC);
		KUNIT_EXPECT_NULL(test, smm_kmalloc_cache(nodma, sizes[i], SMM_GFP_DMA));
	}
	KUNIT_EXPECT_NULL(test, smm_kmalloc_cache(pool, 8193, 0));
	KUNIT_EXPECT_NULL(test, smm_kmalloc_cache(pool, 8193, SMM_GFP_DMA));
	KUNIT_EXPECT_NULL(test, smm_kmalloc_cache(pool, 0, 0));
	KUNIT_EXPECT_EQ(test, smm_test_count_caches(pool, "kmalloc-"), 13U);
	KUNIT_EXPECT_EQ(test, smm_test_count_caches(pool, "dma-kmalloc-"), 13U);
	KUNIT_EXPECT_EQ(test, smm_test_count_caches(nodma, "kmalloc-"), 13U);
	KUNIT_EXPECT_EQ(test, smm_test_count_caches(nodma, "dma-kmalloc-"), 0U);
	KUNIT_EXPECT_PTR_EQ(test, smm_kmalloc(pool, 0, SMM_TEST_FLAGS), ZERO_SIZE_PTR);
	smm_kfree(pool, ZERO_SIZE_PTR);
	smm_kfree(pool, NULL);
}

/*
 * A pool without a DMA zone: SMM_GFP_DMA kmallocs of every size fail at
 * once, never with memory of another zone and, even when they may sleep,
 * without a stall, reclaim or failed page allocation counted; requests
 * without the flag go on as before.
 */
static void smm_kmalloc_no_dma_zone_test(struct kunit *test)
{
	static const size_t sizes[] = { 1, 96, 8192, 8193, 65536 };
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	void *p;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_NULL_MSG(test, smm_kmalloc(pool, sizes[i],
							SMM_TEST_FLAGS | SMM_GFP_DMA),
				      "size %zu", sizes[i]);
		KUNIT_EXPECT_NULL_MSG(test, smm_kmalloc(pool, sizes[i], SMM_GFP_KERNEL |
							SMM_GFP_NOFAULT | SMM_GFP_DMA),
				      "size %zu", sizes[i]);
	}
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_ALLOCSTALL_DMA), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSCAN_DIRECT), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGALLOC_FAIL), 0UL);
	KUNIT_EXPECT_EQ(test, smm_slab_pages(pool), 0UL);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = smm_kmalloc(pool, sizes[i], SMM_TEST_FLAGS);
		KUNIT_EXPECT_NOT_NULL_MSG(test, p, "size %zu", sizes[i]);
		smm_kfree(pool, p);
	}
	smm_test_all_back(test, pool);
}

/*
 * A cache's zone is its creation's: the slabs of one made with
 * SMM_SLAB_CACHE_DMA lie in the DMA zone whatever the allocation's flags,
 * through the per-CPU arrays and without them (a debug cache); a plain
 * cache's lie in Normal even when an allocation passes SMM_GFP_DMA.
 */
static void smm_slab_cache_dma_test(struct kunit *test)
{
	static const unsigned int debug[] = { 0, SMM_SLAB_CONSISTENCY };
	struct smm_pool *pool = smm_test_pool(test, &kmalloc_dma_pool);
	struct smm_kmem_cache *dma, *plain;
	unsigned int d, i, n;
	void **a, **b;

	for (d = 0; d < ARRAY_SIZE(debug); d++) {
		dma = smm_test_cache(test, pool, 100, 0, SMM_SLAB_CACHE_DMA | debug[d], NULL);
		plain = smm_test_cache(test, pool, 100, 0, debug[d], NULL);
		KUNIT_EXPECT_EQ(test, dma->cpu_limit == 0, debug[d] != 0);
		n = 2 * dma->objs_per_slab + 1;
		a = kunit_kcalloc(test, n, sizeof(*a), GFP_KERNEL);
		b = kunit_kcalloc(test, n, sizeof(*b), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		for (i = 0; i < n; i++) {
			a[i] = smm_kmem_cache_alloc(dma, SMM_TEST_FLAGS);
			b[i] = smm_kmem_cache_alloc(plain, SMM_TEST_FLAGS | SMM_GFP_DMA);
			KUNIT_ASSERT_NOT_NULL(test, a[i]);
			KUNIT_ASSERT_NOT_NULL(test, b[i]);
			KUNIT_EXPECT_EQ_MSG(test, smm_test_zone_of(pool, a[i]), SMM_ZONE_DMA,
					    "debug %u object %u", debug[d], i);
			KUNIT_EXPECT_EQ_MSG(test, smm_test_zone_of(pool, b[i]), SMM_ZONE_NORMAL,
					    "debug %u object %u", debug[d], i);
		}
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		for (i = 0; i < n; i++) {
			smm_kmem_cache_free(dma, a[i]);
			smm_kmem_cache_free(plain, b[i]);
		}
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(dma), 0);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(plain), 0);
	}
	KUNIT_EXPECT_NULL(test, smm_kmem_cache_create(pool, "kunit-bad", 64, 0,
						      SMM_SLAB_CREATE + 1, NULL));
	smm_test_all_back(test, pool);
}

/* Every object of two slabs is aligned as asked, with and without red zones. */
static void smm_slab_alignment_test(struct kunit *test)
{
	static const unsigned int aligns[] = { 8, 16, 32, 64, 128, 256, 512, 4096 };
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	unsigned int a, dbg, i;

	for (dbg = 0; dbg < 2; dbg++) {
		for (a = 0; a < ARRAY_SIZE(aligns); a++) {
			struct smm_kmem_cache *cache;
			unsigned int n;
			void **objs;

			cache = smm_test_cache(test, pool, 40, aligns[a],
					       dbg ? SMM_SLAB_RED_ZONE : 0, NULL);
			n = 2 * cache->objs_per_slab;
			objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs);
			KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS,
									n, objs), (int)n);
			for (i = 0; i < n; i++)
				KUNIT_EXPECT_EQ_MSG(test, (unsigned long)objs[i] % aligns[a], 0UL,
						    "align %u debug %u object %u", aligns[a],
						    dbg, i);
			KUNIT_EXPECT_LT(test, cache->waste, (unsigned int)(PAGE_SIZE << cache->order));
			smm_kmem_cache_free_bulk(cache, n, objs);
			KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
		}
	}
	smm_test_all_back(test, pool);
}

static atomic_t smm_test_ctor_calls;

static void smm_test_ctor(void *obj)
{
	atomic_inc(&smm_test_ctor_calls);
	memset(obj, 0x3c, 48);
}

/* The constructor runs once per object when its slab is made, never again. */
static void smm_slab_ctor_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache;
	unsigned int n, i;
	void **objs;
	int calls;

	atomic_set(&smm_test_ctor_calls, 0);
	cache = smm_test_cache(test, pool, 48, 0, 0, smm_test_ctor);
	n = cache->objs_per_slab;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE(test, memchr_inv(objs[i], 0x3c, 48) == NULL);
	}
	/* Refills in batches may have made more than one slab. */
	calls = atomic_read(&smm_test_ctor_calls);
	KUNIT_EXPECT_EQ(test, calls, (int)(smm_kmem_cache_nr_slabs(cache) * n));
	for (i = 0; i < n; i++)
		smm_kmem_cache_free(cache, objs[i]);
	for (i = 0; i < n; i++) {
		objs[i] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE(test, memchr_inv(objs[i], 0x3c, 48) == NULL);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&smm_test_ctor_calls), calls);
	smm_kmem_cache_free_bulk(cache, n, objs);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* Bulk: distinct objects, all or nothing, all back after free and drain. */
static void smm_slab_bulk_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 64, 0, 0, NULL);
	enum { N = 300 };
	unsigned int i, j;
	void **objs;

	objs = kunit_kcalloc(test, N, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, N, objs), N);
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			KUNIT_ASSERT_PTR_NE(test, objs[i], objs[j]);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_kmem_cache_free_bulk(cache, N, objs);
	smm_kmem_cache_drain(cache);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* A freed object waits in this CPU's array until a drain flushes it. */
static void smm_slab_cpu_drain_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 128, 0, 0, NULL);
	void *obj;

	KUNIT_ASSERT_GT(test, cache->cpu_limit, 0U);
	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	/* The refill took a batch out of the slab. */
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), (unsigned long)cache->batch);
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), (unsigned long)cache->batch);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_drain(cache), cache->batch);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_GE(test, smm_kmem_cache_nr_slabs(cache), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, smm_kmem_cache_nr_slabs(cache));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

struct smm_test_remote_free {
	struct work_struct work;
	struct smm_kmem_cache *cache;
	void **objs;
	unsigned int n;
};

static void smm_test_remote_free_fn(struct work_struct *work)
{
	struct smm_test_remote_free *rf = container_of(work, struct smm_test_remote_free, work);

	smm_kmem_cache_free_bulk(rf->cache, rf->n, rf->objs);
}

/* Objects allocated here and freed on another CPU all come back. */
static void smm_slab_cross_cpu_free_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 96, 0, 0, NULL);
	struct smm_test_remote_free rf = { .cache = cache, .n = 500 };
	int cpu, other = -1;

	for_each_online_cpu(cpu)
		if (cpu != raw_smp_processor_id())
			other = cpu;
	if (other < 0)
		kunit_skip(test, "needs two online CPUs");
	rf.objs = kunit_kcalloc(test, rf.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rf.objs);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, rf.n, rf.objs),
			(int)rf.n);
	INIT_WORK_ONSTACK(&rf.work, smm_test_remote_free_fn);
	schedule_work_on(other, &rf.work);
	flush_work(&rf.work);
	destroy_work_on_stack(&rf.work);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_kmem_cache_drain(cache);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

struct smm_test_cpu_fill {
	struct smm_kmem_cache *cache;
	unsigned int n;
};

/* Runs on the target CPU: leaves objects in that CPU's array. */
static long smm_test_cpu_fill_fn(void *arg)
{
	struct smm_test_cpu_fill *f = arg;
	void *objs[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = smm_kmem_cache_alloc(f->cache, SMM_TEST_FLAGS);
		if (!objs[i])
			return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		smm_kmem_cache_free(f->cache, objs[i]);
	f->n = per_cpu_ptr(f->cache->cpu, raw_smp_processor_id())->avail;
	return 0;
}

/* A CPU going offline leaves nothing in its arrays: all back on slabs. */
static void smm_slab_cpu_offline_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 128, 0, 0, NULL);
	struct smm_test_cpu_fill fill = { .cache = cache };
	int cpu, target = -1, ret;

	smm_test_require_cpu_hotplug(test);
	KUNIT_ASSERT_GT(test, cache->cpu_limit, 0U);
	for_each_online_cpu(cpu)
		if (cpu != 0)
			target = cpu;
	KUNIT_ASSERT_GE(test, target, 1);
	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_test_cpu_fill_fn, &fill), 0L);
	KUNIT_ASSERT_GT(test, fill.n, 0U);
	KUNIT_ASSERT_EQ(test, per_cpu_ptr(cache->cpu, target)->avail, fill.n);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_inuse(cache), (unsigned long)fill.n);

	ret = remove_cpu(target);
	if (ret)
		kunit_skip(test, "cannot take cpu %d offline: %d", target, ret);
	KUNIT_EXPECT_EQ(test, per_cpu_ptr(cache->cpu, target)->avail, 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), smm_kmem_cache_nr_free_slabs(cache));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, add_cpu(target), 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/*
 * Bulk calls larger than the per-CPU array: the array gives what it has,
 * the slabs the rest; a free_bulk overflowing the array sends the rest
 * straight to the slabs, skipping NULLs and refusing bad pointers.
 */
static void smm_slab_bulk_batches_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 64, 0, 0, NULL);
	unsigned int n, i, j, avail;
	void **objs, *single;
	int cpu;

	KUNIT_ASSERT_GT(test, cache->cpu_limit, 0U);
	n = 3 * cache->cpu_limit + 7;
	objs = kunit_kcalloc(test, n + 3, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	/* Prime this CPU's array with a refill's worth less one. */
	single = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, single);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs), (int)n);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_PTR_NE(test, objs[i], single);
		for (j = i + 1; j < n; j++)
			KUNIT_ASSERT_PTR_NE(test, objs[i], objs[j]);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* NULLs are skipped, bad pointers refused, the rest all come back. */
	objs[n] = NULL;
	objs[n + 1] = objs[0] + 1;
	objs[n + 2] = NULL;
	smm_kmem_cache_free_bulk(cache, n + 3, objs);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_INVALID_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 0UL);
	avail = 0;
	for_each_possible_cpu(cpu)
		avail += per_cpu_ptr(cache->cpu, cpu)->avail;
	KUNIT_EXPECT_LE(test, avail, 2 * cache->cpu_limit);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), (unsigned long)avail + 1);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* A pointer repeated at once in a batch is a double free, refused. */
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, 2, objs), 2);
	objs[2] = objs[1];
	smm_kmem_cache_free_bulk(cache, 3, objs);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);

	smm_kmem_cache_free(cache, single);
	smm_kmem_cache_drain(cache);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* Objects of all CPUs' arrays of @cache. */
static unsigned long smm_test_cpu_objs(struct smm_kmem_cache *cache)
{
	unsigned long avail = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		avail += per_cpu_ptr(cache->cpu, cpu)->avail;
	return avail;
}

/* Strides of a power of two (checked by a mask) and not (by a multiply). */
static const unsigned int smm_test_bulk_sizes[] = { 64, 96 };

/*
 * A bulk free into the per-CPU array checks every pointer, those in the
 * slab of the pointer before too: one inside an object of that slab, one
 * past its last object, another cache's object and a repeat are refused
 * and counted; the good ones go into the array.
 */
static void smm_slab_bulk_free_array_checks_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache, *other;
	unsigned int s;
	void *p[8], *a, *b, *c, *tail;

	other = smm_test_cache(test, pool, 64, 0, 0, NULL);
	c = smm_kmem_cache_alloc(other, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, c);
	for (s = 0; s < ARRAY_SIZE(smm_test_bulk_sizes); s++) {
		cache = smm_test_cache(test, pool, smm_test_bulk_sizes[s], 0, 0, NULL);
		KUNIT_ASSERT_GT(test, cache->cpu_limit, 8U);
		KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, 2, p), 2);
		a = p[0];
		b = p[1];
		KUNIT_ASSERT_PTR_EQ(test, smm_test_slab_of(cache, a), smm_test_slab_of(cache, b));
		tail = smm_page_address(pool, smm_test_slab_of(cache, a)) + cache->offset +
		       cache->objs_per_slab * cache->size;
		smm_kmem_cache_drain(cache);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 2UL);

		p[0] = a;
		p[1] = a + 8;		/* inside a, in a's slab */
		p[2] = NULL;
		p[3] = b;
		p[4] = b;		/* repeated */
		p[5] = c;		/* another cache's */
		p[6] = tail;		/* past the slab's last object */
		smm_kmem_cache_free_bulk(cache, 7, p);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_INVALID_FREE), 3UL);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), smm_test_cpu_objs(cache));
		smm_kmem_cache_drain(cache);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	}
	smm_kmem_cache_free(other, c);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(other), 0);
	smm_test_all_back(test, pool);
}

/*
 * Past a full per-CPU array, a bulk free links a slab's consecutive
 * objects onto its free list as one run.  Runs broken in the middle by a
 * pointer inside an object, a NULL and a repeat (the bad ones refused and
 * counted, the run going on after them), objects of two slabs alternating,
 * and an object freed again while it heads its slab's free list (refused):
 * every good object comes back and the counts and lists stay right.
 */
static void smm_slab_bulk_free_runs_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	unsigned int s, i, j, n, per, limit, half;
	struct smm_kmem_cache *cache;
	void **objs, **p, *x, *again;
	struct smm_slab_node_info info;

	for (s = 0; s < ARRAY_SIZE(smm_test_bulk_sizes); s++) {
		cache = smm_test_cache(test, pool, smm_test_bulk_sizes[s], 0, 0, NULL);
		limit = cache->cpu_limit;
		per = cache->objs_per_slab;
		KUNIT_ASSERT_GT(test, limit, 0U);
		KUNIT_ASSERT_GE(test, per, 4U);
		n = limit + 4 * per;
		objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
		p = kunit_kcalloc(test, n + 3, sizeof(*p), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs),
				(int)n);

		/*
		 * The first limit entries fill this CPU's array, so all after
		 * them go to the slabs: two slabs' worth in allocation order
		 * (runs of one slab), with the bad pointers after x, in the
		 * middle of a run; then two slabs' worth alternating between
		 * its first and last objects.
		 */
		for (i = 0, j = 0; i < limit + 2 * per; i++) {
			p[j++] = objs[i];
			if (i == limit + per / 2) {
				x = objs[i];
				p[j++] = x + 8;
				p[j++] = NULL;
				p[j++] = x;
			}
		}
		half = 2 * per;
		for (i = 0; i < half; i++)
			p[j++] = i & 1 ? objs[n - 1 - i / 2] : objs[limit + half + i / 2];
		KUNIT_ASSERT_EQ(test, j, n + 3);
		/* The object freed last heads its slab's free list now. */
		again = p[j - 1];

		/*
		 * One CPU throughout: its array full, the rest on the slabs.
		 * Pinned, not with preemption off: the frees take spinlocks,
		 * which sleep on PREEMPT_RT.
		 */
		migrate_disable();
		smm_kmem_cache_free_bulk(cache, n + 3, p);
		smm_kmem_cache_free_bulk(cache, 1, &again);
		migrate_enable();
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_INVALID_FREE), 1UL);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 2UL);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), smm_test_cpu_objs(cache));
		KUNIT_EXPECT_LE(test, smm_kmem_cache_inuse(cache), (unsigned long)limit);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

		smm_kmem_cache_drain(cache);
		info = smm_test_lists(cache, NUMA_NO_NODE);
		KUNIT_EXPECT_EQ(test, info.inuse, 0UL);
		KUNIT_EXPECT_EQ(test, info.nr_full + info.nr_partial, 0UL);
		KUNIT_EXPECT_EQ(test, info.nr_free_slabs, info.nr_slabs);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

		/* Every object can be handed out again, each once. */
		KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs),
				(int)n);
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				KUNIT_ASSERT_PTR_NE(test, objs[i], objs[j]);
		smm_kmem_cache_free_bulk(cache, n, objs);
		smm_kmem_cache_drain(cache);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	}
	smm_test_all_back(test, pool);
}

/* Slabs hold SMM_SLAB_MIN_OBJS objects where order 3 allows, and waste little. */
static void smm_slab_layout_test(struct kunit *test)
{
	static const unsigned int sizes[] = { 8, 40, 96, 256, 700, 1024, 2048, 3000, 8192 };
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	unsigned int i, dbg;

	for (dbg = 0; dbg < 2; dbg++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			struct smm_kmem_cache *cache;
			unsigned int bytes;

			cache = smm_test_cache(test, pool, sizes[i], 0,
					       dbg ? SMM_SLAB_DEBUG : 0, NULL);
			bytes = PAGE_SIZE << cache->order;
			KUNIT_EXPECT_TRUE_MSG(test, cache->objs_per_slab >= SMM_SLAB_MIN_OBJS ||
					      cache->order >= SMM_SLAB_MIN_ORDER,
					      "size %u: %u objects of order %u", sizes[i],
					      cache->objs_per_slab, cache->order);
			KUNIT_EXPECT_LE_MSG(test, cache->waste * 8, bytes, "size %u", sizes[i]);
			KUNIT_EXPECT_GE(test, cache->free_limit, 2U);
			KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
		}
	}
}

/* Drains reach another online CPU's array: they run on that CPU. */
static void smm_slab_remote_drain_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 128, 0, 0, NULL);
	struct smm_test_cpu_fill fill = { .cache = cache };
	int cpu, target = -1;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	KUNIT_ASSERT_GT(test, cache->cpu_limit, 0U);
	cpu = get_cpu();
	put_cpu();
	target = cpumask_any_but(cpu_online_mask, cpu);
	KUNIT_ASSERT_LT(test, target, (int)nr_cpu_ids);

	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_test_cpu_fill_fn, &fill), 0L);
	KUNIT_ASSERT_GT(test, fill.n, 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_drain(cache), fill.n);
	KUNIT_EXPECT_EQ(test, per_cpu_ptr(cache->cpu, target)->avail, 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);

	/* The same through the pool-wide call for one CPU. */
	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_test_cpu_fill_fn, &fill), 0L);
	KUNIT_EXPECT_EQ(test, smm_slab_drain_cpu(pool, target), fill.n);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

#define SMM_TEST_STRESS_ROUNDS	3000
#define SMM_TEST_STRESS_HOLD	48

struct smm_test_stress {
	struct smm_kmem_cache *cache;
	struct completion done;
	unsigned long failed;
	unsigned int id;
};

/*
 * Allocate and free in changing patterns (single, bulk, interleaved),
 * writing every object, moving to another CPU every few rounds and
 * yielding now and then, so tasks are preempted and migrated between and
 * around fast-path calls while others do the same and drains run.
 */
static int smm_test_stress_fn(void *arg)
{
	struct smm_test_stress *st = arg;
	void *objs[SMM_TEST_STRESS_HOLD];
	unsigned int r, i, n;

	for (r = 0; r < SMM_TEST_STRESS_ROUNDS; r++) {
		n = 1 + (r * 7 + st->id) % SMM_TEST_STRESS_HOLD;
		if (r & 1) {
			if (smm_kmem_cache_alloc_bulk(st->cache, SMM_TEST_FLAGS, n, objs) != n) {
				st->failed++;
				continue;
			}
		} else {
			for (i = 0; i < n; i++) {
				objs[i] = smm_kmem_cache_alloc(st->cache, SMM_TEST_FLAGS);
				if (!objs[i]) {
					st->failed++;
					n = i;
					break;
				}
			}
		}
		for (i = 0; i < n; i++)
			memset(objs[i], st->id, 16);
		for (i = 0; i < n; i++)
			if (memchr_inv(objs[i], st->id, 16))
				st->failed++;
		if (r % 3)
			smm_kmem_cache_free_bulk(st->cache, n, objs);
		else
			for (i = 0; i < n; i++)
				smm_kmem_cache_free(st->cache, objs[n - 1 - i]);
		if (r % 64 == 0) {
			int cpu = cpumask_next(raw_smp_processor_id(), cpu_online_mask);

			if (cpu >= nr_cpu_ids)
				cpu = cpumask_first(cpu_online_mask);
			set_cpus_allowed_ptr(current, cpumask_of(cpu));
		}
		if (r % 16 == 0)
			cond_resched();
	}
	complete(&st->done);
	return 0;
}

/*
 * The fast path under preemption and migration: four tasks hammer one
 * cache while moving between CPUs and the test drains it meanwhile; no
 * object is lost, handed out twice or reported as a bad free.
 */
static void smm_slab_fast_path_stress_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 48, 0, 0, NULL);
	struct smm_test_stress st[4];
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(st); i++) {
		struct task_struct *t;

		st[i].cache = cache;
		st[i].failed = 0;
		st[i].id = i + 1;
		init_completion(&st[i].done);
		t = kthread_run(smm_test_stress_fn, &st[i], "smm_slab_stress/%u", i);
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "kthread %u: %ld", i, PTR_ERR(t));
			complete(&st[i].done);
		}
	}
	for (k = 0, i = 0; i < ARRAY_SIZE(st); i++) {
		while (!wait_for_completion_timeout(&st[i].done, HZ / 50))
			if (k++ % 4 == 0)
				smm_kmem_cache_drain(cache);
	}
	for (i = 0; i < ARRAY_SIZE(st); i++)
		KUNIT_EXPECT_EQ_MSG(test, st[i].failed, 0UL, "task %u", i);
	for (i = 0; i < SMM_SLAB_NR_ERRORS; i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_kmem_cache_errors(cache, i), 0UL, "kind %u", i);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_kmem_cache_drain(cache);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* A write past the object's end is caught at free: the object is quarantined. */
static void smm_slab_redzone_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 24, 0,
						      SMM_SLAB_RED_ZONE | SMM_SLAB_STORE_USER,
						      NULL);
	u8 *obj;

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(obj, 0, 24);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	obj[24] = 0;	/* one byte too far */
	KUNIT_EXPECT_GT(test, smm_test_validate(pool), 0U);
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_REDZONE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	/* Freeing it again is a double free, and changes nothing. */
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 1UL);

	/* Underflow: the byte before the object. */
	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj[-1] = 0;
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_REDZONE), 2UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/*
 * A write to a free, poisoned object is caught when it would be handed out
 * again: it is quarantined and another object is handed out instead.
 */
static void smm_slab_poison_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 64, 0,
						      SMM_SLAB_POISON, NULL);
	u8 *obj, *again;

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, obj[10], (u8)SMM_POISON_FREE);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	obj[10] = 0x11;	/* use after free */
	KUNIT_EXPECT_GT(test, smm_test_validate(pool), 0U);
	again = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, again);
	KUNIT_EXPECT_PTR_NE(test, again, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 1UL);
	smm_kmem_cache_free(cache, again);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/*
 * A free object's link to the next lies outside the object: poison does
 * not cover it, and a write that skips the red zone goes unseen there.
 * A debug cache checks the link before it follows it.  Overwritten to
 * name an object in use, to point anywhere at all, or zeroed while other
 * objects are free, it is reported as a write after free and the free
 * list rebuilt: the object in use is not handed out twice, nothing wild
 * is, no free object is lost, and the counts agree.
 */
static void smm_slab_freeptr_corrupt_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 48, 0,
						      SMM_SLAB_RED_ZONE | SMM_SLAB_POISON,
						      NULL);
	void *a, *b, *c, *d, *e, *again;

	a = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	b = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	smm_kmem_cache_free(cache, a);
	/* The link of a, now the list's head, made to name b, in use. */
	*(void **)(a + cache->freeptr) = b;
	again = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_EXPECT_PTR_EQ(test, again, a);
	c = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_NE(test, c, b);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 3UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* A wild link: followed, the next allocation would fault. */
	smm_kmem_cache_free(cache, c);
	*(unsigned long *)(c + cache->freeptr) = 0x5a5a5a5a5a5a5a5aUL;
	again = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_EXPECT_PTR_EQ(test, again, c);
	d = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 2UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 4UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/*
	 * A link zeroed, other objects of the slab still free: followed as
	 * the end, the list would lose them and the slab, partial, would
	 * have nothing to give.  The next object comes from the same slab.
	 */
	KUNIT_ASSERT_GT(test, cache->objs_per_slab, 5U);
	smm_kmem_cache_free(cache, d);
	*(void **)(d + cache->freeptr) = NULL;
	again = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_EXPECT_PTR_EQ(test, again, d);
	e = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_slab_of(cache, e), smm_test_slab_of(cache, d));
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 3UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 5UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	smm_kmem_cache_free(cache, a);
	smm_kmem_cache_free(cache, b);
	smm_kmem_cache_free(cache, c);
	smm_kmem_cache_free(cache, d);
	smm_kmem_cache_free(cache, e);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
}

/*
 * A plain cache does not check a free object's link.  A write after the
 * free that zeroes it cuts the slab's free list short: the slab, still
 * partial, has nothing to give, and picked again and again it would hold
 * its node's lock for good.  It is reported and counted full, and
 * allocations go on from other slabs, each object handed out once; the
 * objects the list lost stay in use, never handed out (freed here by
 * hand, which the counts then agree with).
 */
static void smm_slab_free_list_cut_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 64, 0, 0, NULL);
	unsigned int per = cache->objs_per_slab, nlost = 0, same = 0, i, j;
	void **objs, **lost, *first, *head, *o;
	struct smm_page *slab;

	objs = kunit_kcalloc(test, 2 * per, sizeof(*objs), GFP_KERNEL);
	lost = kunit_kcalloc(test, per, sizeof(*lost), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, lost);
	first = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, first);
	/* Every object but @first back on the slab's free list. */
	smm_kmem_cache_drain(cache);
	slab = smm_test_slab_of(cache, first);
	head = slab->freelist;
	KUNIT_ASSERT_NOT_NULL(test, head);
	for (o = *smm_freeptr(cache, head); o && nlost < per; o = *smm_freeptr(cache, o))
		lost[nlost++] = o;
	KUNIT_ASSERT_GT(test, nlost, 0U);
	*smm_freeptr(cache, head) = NULL;

	for (i = 0; i < 2 * per; i++) {
		objs[i] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (objs[i] == first)
			same++;
		for (j = 0; j < nlost; j++)
			same += objs[i] == lost[j];
		for (j = 0; j < i; j++)
			same += objs[i] == objs[j];
	}
	KUNIT_EXPECT_EQ(test, same, 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 1UL);
	/* What the arrays took back to the slabs: in use is then what is held. */
	smm_kmem_cache_drain(cache);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), (unsigned long)(2 * per + 1 + nlost));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	for (i = 0; i < 2 * per; i++)
		smm_kmem_cache_free(cache, objs[i]);
	for (j = 0; j < nlost; j++)
		smm_kmem_cache_free(cache, lost[j]);
	smm_kmem_cache_free(cache, first);
	smm_kmem_cache_drain(cache);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
}

/*
 * A debug free finds the object's slab without the node lock, then takes
 * it.  In between, a double free's object may see its slab, empty, go
 * back to the buddy, the frames another owner's: under the lock the free
 * must check again and write nothing there.  Called as the free path
 * calls it after its check, with the slab released meanwhile and the
 * frame holding what a new owner wrote, the state word of an allocated
 * object included.
 */
static void smm_slab_debug_free_of_released_slab_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 48, 0,
						      SMM_SLAB_RED_ZONE | SMM_SLAB_POISON,
						      NULL);
	size_t bytes = PAGE_SIZE << cache->order;
	struct smm_page *slab;
	void *obj, *base, *copy;

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	slab = smm_obj_slab(cache, obj);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	base = smm_slab_base(cache, slab);
	smm_kmem_cache_free(cache, obj);
	smm_kmem_cache_shrink(cache);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_nr_slabs(cache), 0UL);

	/* The new owner's bytes, an allocated object's state word ("ALLC") too. */
	memset(base, 0x41, bytes);
	*(unsigned long *)(obj + cache->meta) = 0x414c4c43UL;
	copy = kunit_kmalloc(test, bytes, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, base, bytes);

	smm_debug_free(cache, slab, obj, _THIS_IP_);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, memcmp(copy, base, bytes), 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* A quarantined object is never handed out again, however many are taken. */
static void smm_slab_quarantine_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 48, 0,
						      SMM_SLAB_RED_ZONE | SMM_SLAB_POISON,
						      NULL);
	unsigned int n, i, round;
	u8 *bad, *obj;
	void **objs;

	n = 3 * cache->objs_per_slab;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	bad = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, bad);
	bad[48] = 0;	/* overflow into the red zone */
	smm_kmem_cache_free(cache, bad);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_quarantined(cache), 1UL);

	for (round = 0; round < 2; round++) {
		KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs),
				(int)n);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_PTR_NE(test, objs[i], (void *)bad);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		smm_kmem_cache_free_bulk(cache, n, objs);
	}
	/* Use after free of a poisoned object: quarantined at the next alloc. */
	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	smm_kmem_cache_free(cache, obj);
	obj[0] = 0x11;
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs), (int)n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_NE(test, objs[i], (void *)bad);
		KUNIT_EXPECT_PTR_NE(test, objs[i], (void *)obj);
	}
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 2UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 1UL);
	smm_kmem_cache_free_bulk(cache, n, objs);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	/* Shrinking keeps the slabs holding them; destroying gives all back. */
	smm_kmem_cache_shrink(cache);
	KUNIT_EXPECT_GT(test, smm_kmem_cache_nr_slabs(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* A double free is refused and counted; nothing else changes. */
static void smm_slab_double_free_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *dbg = smm_test_cache(test, pool, 32, 0,
						    SMM_SLAB_CONSISTENCY, NULL);
	struct smm_kmem_cache *fast = smm_test_cache(test, pool, 32, 0, 0, NULL);
	void *a, *b;

	a = smm_kmem_cache_alloc(dbg, SMM_TEST_FLAGS);
	b = smm_kmem_cache_alloc(dbg, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	smm_kmem_cache_free(dbg, a);
	smm_kmem_cache_free(dbg, b);
	smm_kmem_cache_free(dbg, a);	/* not the free list's head any more */
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(dbg, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(dbg), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* Without debugging: caught when freed twice in a row on one CPU. */
	a = smm_kmem_cache_alloc(fast, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, a);
	migrate_disable();
	smm_kmem_cache_free(fast, a);
	smm_kmem_cache_free(fast, a);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(fast, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);
	smm_kmem_cache_drain(fast);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(fast), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(fast), 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(dbg), 0);
	smm_test_all_back(test, pool);
}

/* Pointers that are not objects of the cache are refused and counted. */
static void smm_slab_invalid_free_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *a = smm_test_cache(test, pool, 64, 0, 0, NULL);
	struct smm_kmem_cache *b = smm_test_cache(test, pool, 64, 0, SMM_SLAB_RED_ZONE, NULL);
	struct smm_page *page;
	void *kmem, *obj;
	u8 *other;

	kmem = kunit_kzalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kmem);
	obj = smm_kmem_cache_alloc(a, SMM_TEST_FLAGS);
	other = smm_kmem_cache_alloc(b, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, other);
	page = smm_alloc_pages(pool, 0, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, page);

	smm_kmem_cache_free(a, kmem);			/* kernel memory */
	smm_kmem_cache_free(a, obj + 1);		/* inside an object */
	smm_kmem_cache_free(a, other);			/* another cache's object */
	smm_kmem_cache_free(a, smm_page_address(pool, page));	/* a buddy page */
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(a, SMM_SLAB_ERR_INVALID_FREE), 4UL);
	smm_kfree(pool, kmem);
	KUNIT_EXPECT_EQ(test,
			smm_kmem_cache_errors(pool->slab.kmalloc_caches[SMM_KMALLOC_NORMAL][0],
					      SMM_SLAB_ERR_INVALID_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	smm_free_pages(pool, page, 0);
	smm_kmem_cache_free(b, other);
	smm_kmem_cache_free(a, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(b, SMM_SLAB_ERR_INVALID_FREE), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(b), 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(a), 0);
	smm_test_all_back(test, pool);
}

/* A cache with live objects is not destroyed. */
static void smm_slab_destroy_busy_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 100, 0, 0, NULL);
	void *obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), -EBUSY);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* Shrinking gives the free slabs' frames back: the zone is whole again. */
static void smm_slab_shrink_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 1000, 0, 0, NULL);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int n = 6 * cache->objs_per_slab;
	unsigned long slab_frames, kept;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs), (int)n);
	slab_frames = smm_slab_pages(pool);
	KUNIT_EXPECT_GE(test, slab_frames, 6UL << cache->order);
	KUNIT_EXPECT_LE(test, smm_zone_free(zone), zone->managed - slab_frames);
	smm_kmem_cache_free_bulk(cache, n, objs);
	smm_kmem_cache_drain(cache);
	/* Free slabs beyond the cache's limit went back already. */
	KUNIT_EXPECT_LE(test, smm_kmem_cache_nr_free_slabs(cache), (unsigned long)cache->free_limit);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), smm_kmem_cache_nr_free_slabs(cache));
	kept = smm_kmem_cache_nr_free_slabs(cache);
	KUNIT_EXPECT_GT(test, kept, 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_shrink(cache), kept << cache->order);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_slab_pages(pool), 0UL);
	smm_pcp_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER),
			zone->managed >> SMM_MAX_ORDER);

	/* The drop_slabs knob does the same for every cache. */
	objs[0] = smm_kmalloc(pool, 700, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	smm_kfree(pool, objs[0]);
	KUNIT_EXPECT_GT(test, smm_slab_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "drop_slabs 1"), 0);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "drop_slabs 2"), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_slab_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* Falling below the low watermark queues a shrink of every cache. */
static void smm_slab_pressure_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 1000, 0,
						      SMM_SLAB_CONSISTENCY, NULL);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long before, low, nr = 0, i;
	unsigned int n = 4 * cache->objs_per_slab;
	struct smm_page **pages;
	void **objs;

	KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 256), 0);
	low = zone->watermark[SMM_WMARK_LOW];
	KUNIT_ASSERT_GT(test, low, 0UL);
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	pages = kunit_kcalloc(test, zone->managed, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, pages);

	/* Four free slabs, kept because the limit is raised. */
	cache->free_limit = 64;
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_alloc_bulk(cache, SMM_TEST_FLAGS, n, objs), (int)n);
	smm_kmem_cache_free_bulk(cache, n, objs);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_nr_free_slabs(cache), 4UL);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_nr_slabs(cache), 4UL);
	before = smm_event_sum(pool, SMM_SLABS_SHRUNK_PRESSURE);

	while (smm_zone_free(zone) >= low && nr < zone->managed) {
		pages[nr] = smm_alloc_pages(pool, 0, SMM_TEST_FLAGS);
		KUNIT_ASSERT_NOT_NULL(test, pages[nr]);
		nr++;
	}
	/*
	 * The loop stopped below low, not for want of frames.  The free
	 * count is not read again: the shrink it queued may already have
	 * given the four slabs' frames back, lifting it above low.
	 */
	KUNIT_EXPECT_LT(test, nr, zone->managed);
	/*
	 * The pressure work or kswapd, whichever ran first, shrank the
	 * caches: both must be done, so that the one that did has counted.
	 */
	KUNIT_EXPECT_TRUE(test, smm_test_settle(pool));
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_slab_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_SLABS_SHRUNK_PRESSURE) - before, 4UL);

	for (i = 0; i < nr; i++)
		smm_free_pages(pool, pages[i], 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* Two nodes of 4 MiB each, Normal only, no reserve: a node can be emptied. */
static const struct smm_test_pool_cfg slab_numa_pool = {
	.mb = 8, .split = { 0, 100, 0 }, .no_reserve = true, .pcp_off = true,
};

static struct smm_pool *smm_test_numa_pool(struct kunit *test)
{
	struct smm_pool *pool;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "needs two NUMA nodes (the VM boots numa=fake=2)");
	pool = smm_test_pool(test, &slab_numa_pool);
	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 2);
	return pool;
}

/* The pool node index of the frames holding @obj. */
static int smm_test_obj_node(struct smm_pool *pool, const void *obj)
{
	return smm_page_zone(pool, smm_virt_to_page(pool, obj))->node->index;
}

/* What the slab_grow tracepoint said about the test's cache. */
struct smm_test_grow_seen {
	const char *name;
	unsigned int grows;
	int nid;
};

static void smm_test_probe_grow(void *data, const char *name, unsigned long pfn,
				unsigned int order, unsigned int objs, int nid)
{
	struct smm_test_grow_seen *s = data;

	if (strcmp(name, s->name))
		return;
	s->grows++;
	s->nid = nid;
}

/*
 * With no slab anywhere that has room, smm_kmem_cache_alloc_node() grows
 * the slab on the node asked for, the slab_grow event names that node's
 * real NUMA node, and the object goes back to that node's lists when
 * freed, whichever node is local.  Through a per-CPU array too: a freed
 * object of the node asked for is handed out again from the array, one of
 * another node is not.
 */
static void smm_slab_alloc_node_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_numa_pool(test);
	struct smm_test_grow_seen seen = { .name = "kunit-node" };
	struct smm_kmem_cache *cache, *fast;
	void *obj[2], *again;
	int nid;

	cache = smm_kmem_cache_create(pool, "kunit-node", 256, 0, SMM_SLAB_CONSISTENCY, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_EQ(test, cache->nr_nodes, 2);
	KUNIT_ASSERT_EQ(test, register_trace_shadowmm_slab_grow(smm_test_probe_grow, &seen), 0);
	for (nid = 1; nid >= 0; nid--) {
		seen.grows = 0;
		obj[nid] = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, nid);
		KUNIT_EXPECT_NOT_NULL(test, obj[nid]);
		if (!obj[nid])
			continue;
		KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, obj[nid]), nid);
		KUNIT_EXPECT_EQ(test, seen.grows, 1U);
		KUNIT_EXPECT_EQ(test, seen.nid, pool->zones.nodes[nid].nid);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_partial, 1UL);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).inuse, 1UL);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		smm_kmem_cache_free(cache, obj[nid]);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).inuse, 0UL);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_free_slabs, 1UL);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_partial, 0UL);
	}
	unregister_trace_shadowmm_slab_grow(smm_test_probe_grow, &seen);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 2UL);
	KUNIT_EXPECT_NULL(test, smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 2));
	KUNIT_EXPECT_NULL(test, smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, -2));
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);

	fast = smm_kmem_cache_create(pool, "kunit-node-fast", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, fast);
	KUNIT_ASSERT_GT(test, fast->cpu_limit, 0U);
	for (nid = 0; nid < 2; nid++) {
		migrate_disable();
		obj[nid] = smm_kmem_cache_alloc_node(fast, SMM_TEST_FLAGS, nid);
		smm_kmem_cache_free(fast, obj[nid]);
		/* On top of this CPU's array now: reused for its node only. */
		again = smm_kmem_cache_alloc_node(fast, SMM_TEST_FLAGS | SMM_GFP_THISNODE, !nid);
		obj[!nid] = smm_kmem_cache_alloc_node(fast, SMM_TEST_FLAGS, nid);
		migrate_enable();
		KUNIT_ASSERT_NOT_NULL(test, obj[nid]);
		KUNIT_ASSERT_NOT_NULL(test, again);
		KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, obj[nid]), nid);
		KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, again), !nid);
		KUNIT_EXPECT_PTR_EQ(test, obj[!nid], obj[nid]);
		smm_kmem_cache_free(fast, again);
		smm_kmem_cache_free(fast, obj[nid]);
	}
	smm_kmem_cache_drain(fast);
	for (nid = 0; nid < 2; nid++) {
		KUNIT_EXPECT_EQ(test, smm_test_lists(fast, nid).inuse, 0UL);
		KUNIT_EXPECT_GT(test, smm_test_lists(fast, nid).nr_free_slabs, 0UL);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(fast), 0);
	smm_test_all_back(test, pool);
}

/*
 * Slabs that have room are used before anything grows: the preferred
 * node's free slab before another node's partial one, and another node's
 * partial slab before a new slab of the preferred node.
 */
static void smm_slab_node_partial_first_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_numa_pool(test);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 512, 0,
						      SMM_SLAB_CONSISTENCY, NULL);
	void *part, *other, *obj;

	/* A free slab on node 0, then a partial one on node 1. */
	other = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 0);
	KUNIT_ASSERT_NOT_NULL(test, other);
	smm_kmem_cache_free(cache, other);
	part = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 1);
	KUNIT_ASSERT_NOT_NULL(test, part);
	KUNIT_ASSERT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 1UL);
	KUNIT_ASSERT_EQ(test, smm_test_lists(cache, 1).nr_partial, 1UL);

	obj = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 0);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, obj), 0);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_partial, 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 2UL);
	smm_kmem_cache_free(cache, obj);

	/* Node 0 has only free slabs: drop them.  Node 1's partial slab serves. */
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_shrink(cache), 1UL << cache->order);
	KUNIT_ASSERT_EQ(test, smm_kmem_cache_nr_slabs(cache), 1UL);
	obj = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 0);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, obj), 1);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_slab_of(cache, obj), smm_test_slab_of(cache, part));
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_slabs, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 1).inuse, 2UL);

	/* Unless only node 0 will do: then node 0 grows a slab. */
	other = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS | SMM_GFP_THISNODE, 0);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, other), 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	smm_kmem_cache_free(cache, other);
	smm_kmem_cache_free(cache, obj);
	smm_kmem_cache_free(cache, part);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/* Take every frame of pool node @nid; return how many blocks, in @pages/@orders. */
static unsigned int smm_test_empty_node(struct smm_pool *pool, int nid,
					struct smm_page **pages, unsigned int *orders,
					unsigned int max)
{
	unsigned int n = 0, o;

	for (o = SMM_MAX_ORDER + 1; o-- > 0;) {
		while (n < max) {
			pages[n] = smm_alloc_pages_node(pool, nid, o,
							SMM_TEST_FLAGS | SMM_GFP_THISNODE);
			if (!pages[n])
				break;
			orders[n++] = o;
		}
	}
	return n;
}

/*
 * Preferred node out of memory: its own memory is tried before another
 * node's free slab; once it has none, another node's free slab serves
 * before anything grows, and then a slab grows on the other node; with
 * SMM_GFP_THISNODE nothing is found.
 */
static void smm_slab_node_fallback_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_numa_pool(test);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 512, 0,
						      SMM_SLAB_CONSISTENCY, NULL);
	struct smm_zone *zone1 = &pool->zones.nodes[1].zones[SMM_ZONE_NORMAL];
	unsigned int per = cache->objs_per_slab, nr, i, *orders;
	struct smm_page **pages;
	void **objs, *obj;

	objs = kunit_kcalloc(test, per + 1, sizeof(*objs), GFP_KERNEL);
	pages = kunit_kcalloc(test, zone1->managed, sizeof(*pages), GFP_KERNEL);
	orders = kunit_kcalloc(test, zone1->managed, sizeof(*orders), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, orders);

	/* A free slab on node 0; node 1 still has memory: it grows its own. */
	obj = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 0);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	smm_kmem_cache_free(cache, obj);
	KUNIT_ASSERT_EQ(test, smm_test_lists(cache, 0).nr_free_slabs, 1UL);
	obj = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 1);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, obj), 1);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 2UL);
	smm_kmem_cache_free(cache, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_shrink(cache), 2UL << cache->order);

	/* Again a free slab on node 0, and now node 1 is empty. */
	obj = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 0);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	smm_kmem_cache_free(cache, obj);
	nr = smm_test_empty_node(pool, 1, pages, orders, zone1->managed);
	KUNIT_ASSERT_EQ(test, smm_zone_free(zone1), 0UL);
	KUNIT_EXPECT_NULL(test, smm_kmem_cache_alloc_node(cache,
							  SMM_TEST_FLAGS | SMM_GFP_THISNODE, 1));

	/* The node 0 free slab serves node 1's requests, nothing grows... */
	for (i = 0; i < per; i++) {
		objs[i] = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 1);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, objs[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).nr_full, 1UL);
	/* ...until it is full: then a slab grows on node 0. */
	objs[per] = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS, 1);
	KUNIT_ASSERT_NOT_NULL(test, objs[per]);
	KUNIT_EXPECT_EQ(test, smm_test_obj_node(pool, objs[per]), 0);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 1).nr_slabs, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	while (nr--)
		smm_free_pages(pool, pages[nr], orders[nr]);
	for (i = 0; i <= per; i++)
		smm_kmem_cache_free(cache, objs[i]);
	KUNIT_EXPECT_EQ(test, smm_test_lists(cache, 0).inuse, 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/*
 * Each node keeps its own free slabs up to the limit, and shrinking, by
 * the cache or by drop_slabs, gives every node's back to that node's
 * zones.  Frees and flushes of batches mixing both nodes' objects put
 * each object back on its own node.
 */
static void smm_slab_node_shrink_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_numa_pool(test);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 1000, 0, 0, NULL);
	unsigned int n = 4 * cache->objs_per_slab, i;
	void **objs, *obj;
	int nid;

	cache->free_limit = 2;
	objs = kunit_kcalloc(test, 2 * n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	/* objs[] alternates: node 0, node 1, node 0, ... */
	for (i = 0; i < 2 * n; i++) {
		nid = i & 1;
		objs[i] = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS | SMM_GFP_THISNODE, nid);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_ASSERT_EQ(test, smm_test_obj_node(pool, objs[i]), nid);
	}
	for (nid = 0; nid < 2; nid++)
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_full, 4UL);
	/* Past the per-CPU array, the batch goes to the slabs node by node. */
	smm_kmem_cache_free_bulk(cache, 2 * n, objs);
	smm_kmem_cache_drain(cache);
	for (nid = 0; nid < 2; nid++) {
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).inuse, 0UL);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_free_slabs, 2UL);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_slabs, 2UL);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_shrink(cache), 4UL << cache->order);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_nr_slabs(cache), 0UL);
	smm_pcp_drain_all(pool);
	for (nid = 0; nid < 2; nid++) {
		struct smm_zone *zone = &pool->zones.nodes[nid].zones[SMM_ZONE_NORMAL];

		KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	}

	/* drop_slabs: a slab per node, its object in a per-CPU array; both go. */
	for (nid = 0; nid < 2; nid++) {
		obj = smm_kmem_cache_alloc_node(cache, SMM_TEST_FLAGS | SMM_GFP_THISNODE, nid);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		smm_kmem_cache_free(cache, obj);
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_slabs, 1UL);
	}
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "drop_slabs 1"), 0);
	for (nid = 0; nid < 2; nid++)
		KUNIT_EXPECT_EQ(test, smm_test_lists(cache, nid).nr_slabs, 0UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
	smm_test_all_back(test, pool);
}

/*
 * kmalloc memory is aligned to the largest power of two dividing its
 * class, at most a page, as the kernel's (96 to 32, 192 to 64), red
 * zones or not; and smm_ksize() knows only kmalloc memory, as
 * smm_kfree() does: another cache's object has no kmalloc size.
 */
static void smm_kmalloc_align_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg red_pool = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
		.slab_debug = SMM_SLAB_RED_ZONE,
	};
	struct smm_pool *pools[] = {
		smm_test_pool(test, &slab_pool), smm_test_pool(test, &red_pool),
	};
	struct smm_kmem_cache *cache;
	unsigned int i, k, n;
	void *p[3], *obj;

	for (n = 0; n < ARRAY_SIZE(pools); n++) {
		for (i = 0; i < ARRAY_SIZE(smm_kmalloc_cases); i++) {
			const struct smm_kmalloc_case *c = &smm_kmalloc_cases[i];
			unsigned long align;

			if (!c->name || c->size != c->class)
				continue;
			align = min_t(unsigned long, 1UL << __ffs(c->size), PAGE_SIZE);
			for (k = 0; k < ARRAY_SIZE(p); k++) {
				p[k] = smm_kmalloc(pools[n], c->size, SMM_TEST_FLAGS);
				KUNIT_ASSERT_NOT_NULL(test, p[k]);
				KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p[k] & (align - 1), 0UL,
						    "%s, pool %u", c->name, n);
			}
			for (k = 0; k < ARRAY_SIZE(p); k++)
				smm_kfree(pools[n], p[k]);
		}
		KUNIT_EXPECT_EQ(test, smm_test_validate(pools[n]), 0U);
	}

	cache = smm_test_cache(test, pools[0], 64, 0, 0, NULL);
	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, smm_ksize(pools[0], obj), (size_t)0);
	smm_kmem_cache_free(cache, obj);
}

/*
 * Debug flags belong to a pool: one built with slab_debug gives them to
 * every cache, its kmalloc caches included (no per-CPU arrays then); one
 * built without gives them to none, whatever the module was loaded with.
 * Flags outside SMM_SLAB_ALL are refused.
 */
static void smm_slab_pool_debug_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg debug_pool = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
		.slab_debug = SMM_SLAB_RED_ZONE | SMM_SLAB_POISON,
	};
	struct smm_pool_config bad = {
		.name = "kunit",
		.region = {
			.backend = SMM_BACKEND_KERNEL,
			.nr_pages = SMM_CHUNK_FRAMES,
		},
		.zone_split = { 0, 100, 0 },
		.slab_debug = SMM_SLAB_ALL + 1,
	};
	struct smm_pool *plain = smm_test_pool(test, &slab_pool);
	struct smm_pool *debug = smm_test_pool(test, &debug_pool);
	struct smm_pool *none = NULL;
	struct smm_kmem_cache *cache;
	int i;

	for (i = 0; i < SMM_KMALLOC_NR; i++) {
		struct smm_kmem_cache *p = plain->slab.kmalloc_caches[SMM_KMALLOC_NORMAL][i];
		struct smm_kmem_cache *d = debug->slab.kmalloc_caches[SMM_KMALLOC_NORMAL][i];

		KUNIT_EXPECT_EQ(test, p->flags & SMM_SLAB_ALL, 0U);
		KUNIT_EXPECT_GT(test, p->cpu_limit, 0U);
		KUNIT_EXPECT_EQ(test, d->flags & SMM_SLAB_ALL, debug_pool.slab_debug);
		KUNIT_EXPECT_EQ(test, d->cpu_limit, 0U);
	}
	cache = smm_test_cache(test, debug, 64, 0, 0, NULL);
	KUNIT_EXPECT_EQ(test, cache->flags & SMM_SLAB_ALL, debug_pool.slab_debug);
	cache = smm_test_cache(test, plain, 64, 0, 0, NULL);
	KUNIT_EXPECT_EQ(test, cache->flags & SMM_SLAB_ALL, 0U);

	KUNIT_EXPECT_EQ(test, smm_pool_create(&bad, &none), -EINVAL);
	KUNIT_EXPECT_NULL(test, none);
}

static const struct smm_test_pool_cfg slab_big_pool = {
	.mb = 16, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

#define SMM_TEST_NR_SLABS	(2 * SMM_WALK_BATCH + 9)

/*
 * A program decides how many slabs some caches hold (a descriptor per
 * mapping, an object per open): validate walks a node's slabs a batch of
 * SMM_WALK_BATCH at a time under its lock, and stays exact: a count one
 * off is still found.
 */
static void smm_slab_validate_batched_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &slab_big_pool);
	struct smm_kmem_cache *cache = smm_test_cache(test, pool, 256, 0, 0, NULL);
	struct smm_kmem_cache_node *n = &cache->node[0];
	unsigned long nr, i, got;
	unsigned int max;
	void **objs;

	nr = (unsigned long)SMM_TEST_NR_SLABS * cache->objs_per_slab;
	objs = kunit_kcalloc(test, nr, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (got = 0; got < nr; got++) {
		objs[got] = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
		if (!objs[got])
			break;
	}
	KUNIT_EXPECT_EQ(test, got, nr);
	KUNIT_EXPECT_GE(test, smm_test_lists(cache, 0).nr_slabs,
			(unsigned long)SMM_TEST_NR_SLABS);

	smm_test_walk_max(n, true);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	max = smm_test_walk_max(n, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);

	/* One off: the lists against their count. */
	spin_lock(&n->lock);
	n->nr_slabs++;
	spin_unlock(&n->lock);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 1U);
	spin_lock(&n->lock);
	n->nr_slabs--;
	spin_unlock(&n->lock);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_LE(test, smm_test_walk_max(n, false), (unsigned int)SMM_WALK_BATCH);

	for (i = 0; i < got; i++)
		smm_kmem_cache_free(cache, objs[i]);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
}

static struct kunit_case smm_slab_cases[] = {
	KUNIT_CASE(smm_slab_list_placement_test),
	KUNIT_CASE(smm_slab_partial_first_test),
	KUNIT_CASE_PARAM(smm_kmalloc_class_test, smm_kmalloc_case_gen_params),
	KUNIT_CASE(smm_kmalloc_names_test),
	KUNIT_CASE(smm_kmalloc_no_dma_zone_test),
	KUNIT_CASE(smm_slab_cache_dma_test),
	KUNIT_CASE(smm_slab_pool_debug_test),
	KUNIT_CASE(smm_kmalloc_align_test),
	KUNIT_CASE(smm_slab_alignment_test),
	KUNIT_CASE(smm_slab_ctor_test),
	KUNIT_CASE(smm_slab_bulk_test),
	KUNIT_CASE(smm_slab_cpu_drain_test),
	KUNIT_CASE(smm_slab_cross_cpu_free_test),
	KUNIT_CASE(smm_slab_cpu_offline_test),
	KUNIT_CASE(smm_slab_bulk_batches_test),
	KUNIT_CASE(smm_slab_bulk_free_array_checks_test),
	KUNIT_CASE(smm_slab_bulk_free_runs_test),
	KUNIT_CASE(smm_slab_layout_test),
	KUNIT_CASE(smm_slab_remote_drain_test),
	KUNIT_CASE(smm_slab_fast_path_stress_test),
	KUNIT_CASE(smm_slab_redzone_test),
	KUNIT_CASE(smm_slab_poison_test),
	KUNIT_CASE(smm_slab_quarantine_test),
	KUNIT_CASE(smm_slab_freeptr_corrupt_test),
	KUNIT_CASE(smm_slab_free_list_cut_test),
	KUNIT_CASE(smm_slab_debug_free_of_released_slab_test),
	KUNIT_CASE(smm_slab_double_free_test),
	KUNIT_CASE(smm_slab_invalid_free_test),
	KUNIT_CASE(smm_slab_destroy_busy_test),
	KUNIT_CASE(smm_slab_shrink_test),
	KUNIT_CASE(smm_slab_pressure_test),
	KUNIT_CASE(smm_slab_alloc_node_test),
	KUNIT_CASE(smm_slab_node_partial_first_test),
	KUNIT_CASE(smm_slab_node_fallback_test),
	KUNIT_CASE(smm_slab_node_shrink_test),
	KUNIT_CASE(smm_slab_validate_batched_test),
	{}
};

static struct kunit_suite smm_slab_suite = {
	.name = "shadowmm_slab",
	.test_cases = smm_slab_cases,
};

kunit_test_suite(smm_slab_suite);
