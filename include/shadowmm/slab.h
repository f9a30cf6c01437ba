/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slab allocator: caches of equal-sized objects carved from blocks of
 * the pool's buddy allocator, each cache with its slabs_full, slabs_partial
 * and slabs_free lists per node of the pool, per-CPU object arrays in
 * front, kmalloc size classes, debugging and shrinking.  module/slab.c
 * allocates and frees; slab_common.c creates, destroys and shrinks caches;
 * slab_debug.c checks debug caches; slab_debugfs.c shows them in debugfs;
 * kmalloc.c has kmalloc and the kmem reserves.
 */
#ifndef _SHADOWMM_SLAB_H
#define _SHADOWMM_SLAB_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reciprocal_div.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct dentry;
struct smm_pool;
struct smm_report;
struct seq_file;

/* Cache flags (smm_kmem_cache_create()). */
#define SMM_SLAB_RED_ZONE	BIT(0)	/* guard bytes before and after objects */
#define SMM_SLAB_POISON		BIT(1)	/* fill free objects, check on alloc */
#define SMM_SLAB_STORE_USER	BIT(2)	/* remember the last alloc and free owner */
#define SMM_SLAB_CONSISTENCY	BIT(3)	/* exact double-free checks, no per-CPU arrays */
#define SMM_SLAB_DEBUG		GENMASK(3, 0)
#define SMM_SLAB_ALL		SMM_SLAB_DEBUG	/* what a pool's slab_debug may set */
#define SMM_SLAB_CACHE_DMA	BIT(4)	/* slabs from the DMA zone only */
/* What smm_kmem_cache_create() takes. */
#define SMM_SLAB_CREATE		(SMM_SLAB_DEBUG | SMM_SLAB_CACHE_DMA)
#define SMM_SLAB_KMALLOC	BIT(8)	/* internal: one of the pool's kmalloc caches */
#define SMM_SLAB_STACKS		BIT(9)	/* internal: owners' stacks in the stack depot */

#define SMM_SLAB_NAME_LEN	32
#define SMM_SLAB_CPU_MAX	128	/* capacity of a per-CPU object array */
#define SMM_SLAB_MAX_ORDER	5	/* largest slab: 32 frames */
#define SMM_SLAB_MIN_OBJS	16	/* objects a slab holds, if order 3 allows */
#define SMM_SLAB_MIN_ORDER	3

/* Bytes written into red zones and free objects (as the kernel's poison.h). */
#define SMM_RED_ACTIVE		0xcc
#define SMM_POISON_FREE		0x6b
#define SMM_POISON_END		0xa5

/* kmalloc size classes: 8 .. 8192 bytes; larger goes to the buddy. */
#define SMM_KMALLOC_NR		13
#define SMM_KMALLOC_MAX_CACHE	8192

/**
 * enum smm_kmalloc_type - which set of kmalloc caches serves a request
 * @SMM_KMALLOC_NORMAL:	kmalloc-8 .. kmalloc-8k, slabs from Normal, then DMA
 * @SMM_KMALLOC_DMA:	dma-kmalloc-8 .. dma-kmalloc-8k for SMM_GFP_DMA,
 *			slabs from the DMA zone only; made only in a pool
 *			that has a DMA zone
 * @SMM_KMALLOC_NR_TYPES: number of sets
 */
enum smm_kmalloc_type {
	SMM_KMALLOC_NORMAL,
	SMM_KMALLOC_DMA,
	SMM_KMALLOC_NR_TYPES,
};

/**
 * enum smm_slab_error - the faults a cache detects and counts
 * @SMM_SLAB_ERR_DOUBLE_FREE:	an object freed while already free
 * @SMM_SLAB_ERR_INVALID_FREE:	a pointer that is not an object of the cache
 * @SMM_SLAB_ERR_REDZONE:	a red zone byte overwritten
 * @SMM_SLAB_ERR_POISON:	a free object written to (use after free)
 * @SMM_SLAB_NR_ERRORS:		number of kinds
 */
enum smm_slab_error {
	SMM_SLAB_ERR_DOUBLE_FREE,
	SMM_SLAB_ERR_INVALID_FREE,
	SMM_SLAB_ERR_REDZONE,
	SMM_SLAB_ERR_POISON,
	SMM_SLAB_NR_ERRORS,
};

/**
 * struct smm_slab_cpu - one CPU's array of free objects of one cache
 * @lock:	protects @avail and @entry; a local lock, taken only on the
 *		owning CPU (preemption off, no atomic operation; see "Per-CPU
 *		arrays" in module/slab.c).  Other CPUs never touch an online
 *		CPU's array: a drain runs on that CPU, and a dead CPU's array
 *		is flushed once nothing can run there.
 * @avail:	objects in @entry
 * @entry:	free objects, the most recently freed last
 */
struct smm_slab_cpu {
	local_lock_t lock;
	unsigned int avail;
	void *entry[SMM_SLAB_CPU_MAX];
};

/**
 * struct smm_kmem_cache_node - a cache's slabs on one node of its pool
 * @lock:		protects the three lists, the free list and in-use
 *			count of every slab on them, the debug state of those
 *			slabs' free objects, the quarantine and the counters
 *			below; taken with no other node's lock held (by
 *			smm_slab_node_lock() to change any of them)
 * @slabs_full:		slabs with every object allocated
 * @slabs_partial:	slabs with some objects allocated
 * @slabs_free:		slabs with none allocated
 * @nr_slabs:		slabs on the three lists
 * @nr_free_slabs:	slabs on @slabs_free
 * @inuse:		objects taken out of these slabs (held by users,
 *			per-CPU arrays or quarantined)
 * @quarantine:		damaged objects of these slabs kept aside, chained
 *			through their free links; never handed out again
 * @nr_quarantined:	objects on @quarantine
 * @changes:		holds of @lock that may have changed the above: a
 *			validate walk that let go of @lock trusts its place
 *			only when this did not move meanwhile
 * @walk_hold_max:	the most slabs and objects a validate walk looked
 *			at under one hold of @lock (SMM_WALK_BATCH, and the
 *			objects of one more slab of a debug cache)
 *
 * A slab is on the lists of the node its frames belong to, and every
 * object goes back there, whichever CPU or node frees it.
 */
struct smm_kmem_cache_node {
	spinlock_t lock;
	struct list_head slabs_full;
	struct list_head slabs_partial;
	struct list_head slabs_free;
	unsigned long nr_slabs;
	unsigned long nr_free_slabs;
	unsigned long inuse;
	void *quarantine;
	unsigned long nr_quarantined;
	unsigned long changes;
	unsigned int walk_hold_max;
} ____cacheline_aligned_in_smp;

/**
 * struct smm_slab_node_info - a snapshot of one node's slabs of a cache,
 *			       or of all nodes' summed
 * @nr_slabs:		slabs
 * @nr_full:		of them full
 * @nr_partial:		of them partial
 * @nr_free_slabs:	of them free
 * @inuse:		objects taken out of the slabs
 * @nr_quarantined:	of them quarantined
 */
struct smm_slab_node_info {
	unsigned long nr_slabs;
	unsigned long nr_full;
	unsigned long nr_partial;
	unsigned long nr_free_slabs;
	unsigned long inuse;
	unsigned long nr_quarantined;
};

/**
 * struct smm_kmem_cache - a cache of equal-sized objects
 * @name:		for slabinfo, messages and tracepoints
 * @pool:		where its slabs come from
 * @list:		on pool->slab.caches, under pool->slab.mutex
 * @object_size:	bytes the user asked for
 * @size:		stride of one object in a slab, with its metadata
 * @size_recip:		reciprocal of @size, to find an object's index on free
 * @align:		alignment of every object
 * @offset:		from the start of a stride to the object (left red zone)
 * @freeptr:		from the object to its free-list link
 * @meta:		from the object to the debug state word and owners
 * @order:		slabs are blocks of 2^@order frames
 * @objs_per_slab:	objects in one slab
 * @waste:		bytes of a slab no object uses
 * @flags:		SMM_SLAB_* flags
 * @ctor:		run once on every object when its slab is made
 * @cpu_limit:		capacity of the per-CPU arrays (0: none, debug caches)
 * @batch:		objects moved per refill and flush
 * @free_limit:		free slabs kept per node; beyond that they go back to
 *			the buddy
 * @nr_nodes:		entries of @node: the pool's nodes
 * @cpu:		the per-CPU arrays
 * @errors:		faults detected, by enum smm_slab_error
 * @debugfs:		its slab/<name>/ directory (live pool only); set and
 *			cleared under pool->slab.mutex while on pool->slab.caches
 * @node:		the slab lists of each node of the pool, by pool node
 *			index (smm_node.index)
 */
struct smm_kmem_cache {
	char name[SMM_SLAB_NAME_LEN];
	struct smm_pool *pool;
	struct list_head list;
	unsigned int object_size;
	unsigned int size;
	struct reciprocal_value size_recip;
	unsigned int align;
	unsigned int offset;
	unsigned int freeptr;
	unsigned int meta;
	unsigned int order;
	unsigned int objs_per_slab;
	unsigned int waste;
	unsigned int flags;
	void (*ctor)(void *obj);
	unsigned int cpu_limit;
	unsigned int batch;
	unsigned int free_limit;
	int nr_nodes;

	struct smm_slab_cpu __percpu *cpu;
	atomic_long_t errors[SMM_SLAB_NR_ERRORS];
	struct dentry *debugfs;

	struct smm_kmem_cache_node node[];
};

/**
 * struct smm_kmem_reserve - a cache for the module's own metadata, with
 * elements set aside for when the region has no frame to give
 * @lock:	serialises making @cache and @mempool
 * @ready:	@cache and @mempool are made (set with release semantics)
 * @cache:	the pool's slab cache the elements come from
 * @mempool:	@min_nr elements set aside in front of it; both made on
 *		first use (smm_kmem_reserve_ready()), NULL before, and NULL
 *		for good when @min_nr is 0
 * @name:	the cache's name
 * @size:	the element size
 * @min_nr:	elements set aside
 */
struct smm_kmem_reserve {
	struct mutex lock;
	bool ready;
	struct smm_kmem_cache *cache;
	mempool_t *mempool;
	const char *name;
	unsigned int size;
	int min_nr;
};

/**
 * struct smm_pool_slab - a pool's slab allocator
 * @mutex:	protects @caches (creation, destruction, walks) and @debugfs
 * @caches:	every slab cache of the pool (smm_kmem_cache.list)
 * @kmalloc_caches: kmalloc-8 .. kmalloc-8k and their DMA twins, by
 *		enum smm_kmalloc_type and size class; set at creation (the
 *		DMA row stays NULL in a pool without a DMA zone), read-only
 *		until destruction
 * @nr_pages:	frames held by slabs of every cache
 * @cpuhp_node:	on the slab CPU-hotplug instance list (per-CPU object
 *		arrays flushed on offline)
 * @hotplug:	@cpuhp_node is on that list; set and cleared by pool
 *		creation and destruction only
 * @shrink_work: shrinks every cache; queued under memory pressure
 * @pressure_on: pressure may queue @shrink_work; cleared (with WRITE_ONCE)
 *		before the work is cancelled at destruction
 * @debug:	SMM_SLAB_* flags every cache of the pool gets, from its
 *		config; read-only after creation
 * @debugfs:	slab/ in debugfs, the live pool only (NULL in KUnit pools)
 */
struct smm_pool_slab {
	struct mutex mutex;
	struct list_head caches;
	struct smm_kmem_cache *kmalloc_caches[SMM_KMALLOC_NR_TYPES][SMM_KMALLOC_NR];
	atomic_long_t nr_pages;
	struct hlist_node cpuhp_node;
	bool hotplug;
	struct work_struct shrink_work;
	bool pressure_on;
	unsigned int debug;
	struct dentry *debugfs;
};

struct smm_kmem_cache *smm_kmem_cache_create(struct smm_pool *pool, const char *name,
					     unsigned int size, unsigned int align,
					     unsigned int flags, void (*ctor)(void *));
int smm_kmem_cache_destroy(struct smm_kmem_cache *cache);
void *smm_kmem_cache_alloc(struct smm_kmem_cache *cache, unsigned int flags);
void *smm_kmem_cache_alloc_node(struct smm_kmem_cache *cache, unsigned int flags, int node);
void smm_kmem_cache_free(struct smm_kmem_cache *cache, void *obj);
int smm_kmem_cache_alloc_bulk(struct smm_kmem_cache *cache, unsigned int flags,
			      size_t nr, void **p);
void smm_kmem_cache_free_bulk(struct smm_kmem_cache *cache, size_t nr, void **p);
unsigned long smm_kmem_cache_shrink(struct smm_kmem_cache *cache);
unsigned int smm_kmem_cache_drain(struct smm_kmem_cache *cache);
unsigned long smm_kmem_cache_errors(struct smm_kmem_cache *cache,
				    enum smm_slab_error kind);
unsigned long smm_kmem_cache_quarantined(struct smm_kmem_cache *cache);
unsigned long smm_kmem_cache_inuse(struct smm_kmem_cache *cache);
unsigned long smm_kmem_cache_nr_slabs(struct smm_kmem_cache *cache);
unsigned long smm_kmem_cache_nr_free_slabs(struct smm_kmem_cache *cache);
void smm_kmem_cache_node_info(struct smm_kmem_cache *cache, int node,
			      struct smm_slab_node_info *info);

void *smm_kmalloc(struct smm_pool *pool, size_t size, unsigned int flags);
void smm_kfree(struct smm_pool *pool, const void *ptr);
size_t smm_ksize(struct smm_pool *pool, const void *ptr);
struct smm_kmem_cache *smm_kmalloc_cache(struct smm_pool *pool, size_t size,
				       unsigned int flags);

void smm_kmem_reserve_init(struct smm_kmem_reserve *r, const char *name,
			   unsigned int size, int min_nr);
int smm_kmem_reserve_ready(struct smm_pool *pool, struct smm_kmem_reserve *r);
void *smm_kmem_reserve_zalloc(struct smm_kmem_reserve *r);
void *smm_kmem_reserve_zalloc_kernel(struct smm_kmem_reserve *r);
void smm_kmem_reserve_free(struct smm_kmem_reserve *r, void *element);
void smm_kmem_reserve_destroy(struct smm_kmem_reserve *r);

unsigned int smm_slab_drain_cpu(struct smm_pool *pool, unsigned int cpu);
unsigned long smm_slab_shrink_all(struct smm_pool *pool);
unsigned long smm_slab_shrink_pressure(struct smm_pool *pool);
void smm_slab_note_pressure(struct smm_pool *pool);
unsigned long smm_slab_pages(struct smm_pool *pool);
int smm_slab_pool_init(struct smm_pool *pool);
void smm_slab_pool_destroy(struct smm_pool *pool);
int smm_slab_subsys_init(void);
void smm_slab_subsys_exit(void);
unsigned int smm_slab_validate(struct smm_pool *pool, struct smm_report *r);
void smm_slab_print_info(struct seq_file *m, struct smm_pool *pool);
void smm_slab_debugfs_add(struct smm_pool *pool, struct dentry *parent);
unsigned int smm_slab_debug_flags(void);
void smm_slab_debugfs_remove(struct smm_pool *pool);

extern const unsigned int smm_kmalloc_sizes[SMM_KMALLOC_NR];

#endif /* _SHADOWMM_SLAB_H */
