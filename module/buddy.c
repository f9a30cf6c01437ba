// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the buddy allocator.
 *
 * Each zone has a free list per order 0..10.  Allocation takes the
 * smallest order that has a block and splits it, putting each upper half
 * back one order lower; freeing merges a block with its buddy
 * (sfn ^ (1 << order)) for as long as the buddy is a free block of the same
 * order in the same zone.  Only the head frame of a free block is marked
 * (SMM_PG_buddy, order in ->private), so "is my buddy free and of my
 * order" is one look at one descriptor.
 *
 * In front: the zonelist walk.  An allocation may use the zones up to the
 * one its flags name, highest first, on the preferred node and then the
 * others by distance; first above each zone's low watermark, then above
 * min (half of min for SMM_GFP_ATOMIC).  Order-0 requests go through the
 * per-CPU lists (pcp.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/fault-inject.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compaction.h>
#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/swap.h>
#include <shadowmm/walk.h>
#include <trace/events/shadowmm.h>

/* Direct reclaim rounds an allocation makes while they free something. */
#define SMM_DIRECT_RECLAIM_TRIES	8

static inline unsigned long smm_zone_pfn(struct smm_zone *zone,
					 struct smm_page *page)
{
	struct smm_region *r = &zone->pool->region;

	return smm_sfn_pfn(r, smm_page_sfn(r, page));
}

/*
 * Take @zone's lock to change its free lists.  One bump per hold, not per
 * block: a validate walk that let go of the lock only needs to know that
 * someone changed them meanwhile, and a bulk refill or drain moves a whole
 * batch under one hold.  Only validate takes the lock plainly.
 */
static inline void smm_zone_lock(struct smm_zone *zone)
	__acquires(&zone->lock)
{
	spin_lock(&zone->lock);
	zone->changes++;
}

static inline void smm_add_free(struct smm_zone *zone, struct smm_page *page,
				unsigned int order)
{
	lockdep_assert_held(&zone->lock);
	list_add(&page->lru, &zone->free_area[order].free_list);
	WRITE_ONCE(zone->free_area[order].nr_free, zone->free_area[order].nr_free + 1);
	page->private = order;
	__smm_page_set(page, SMM_PG_buddy);
}

static inline void smm_del_free(struct smm_zone *zone, struct smm_page *page,
				unsigned int order)
{
	lockdep_assert_held(&zone->lock);
	list_del(&page->lru);
	WRITE_ONCE(zone->free_area[order].nr_free, zone->free_area[order].nr_free - 1);
	page->private = 0;
	__smm_page_clear(page, SMM_PG_buddy);
}

/* Take a block of exactly @order, splitting a larger one if need be. */
static struct smm_page *smm_rmqueue_smallest(struct smm_zone *zone,
					     unsigned int order)
{
	struct smm_pool *pool = zone->pool;
	unsigned int cur;

	lockdep_assert_held(&zone->lock);
	for (cur = order; cur < SMM_NR_ORDERS; cur++) {
		struct smm_page *page;

		page = list_first_entry_or_null(&zone->free_area[cur].free_list,
						struct smm_page, lru);
		if (!page)
			continue;
		smm_del_free(zone, page, cur);
		while (cur > order) {
			trace_shadowmm_buddy_split(smm_zone_pfn(zone, page), cur,
						   zone->node->nid, zone->type);
			cur--;
			smm_add_free(zone, page + (1UL << cur), cur);
			smm_count_event(pool, SMM_BUDDY_SPLIT);
		}
		WRITE_ONCE(zone->free_pages, zone->free_pages - (1UL << order));
		return page;
	}
	return NULL;
}

/* Free a block and merge it upwards for as long as its buddy is free. */
static void smm_free_one(struct smm_zone *zone, struct smm_page *page,
			 unsigned int order)
{
	struct smm_pool *pool = zone->pool;
	struct smm_page *pages = pool->region.pages;
	unsigned long sfn = page - pages;
	unsigned long start = zone->start_sfn, end = smm_zone_end_sfn(zone);

	lockdep_assert_held(&zone->lock);
	WRITE_ONCE(zone->free_pages, zone->free_pages + (1UL << order));
	while (order < SMM_MAX_ORDER) {
		unsigned long buddy_sfn = sfn ^ (1UL << order);
		struct smm_page *buddy = pages + buddy_sfn;

		/* A buddy outside the zone is never merged with. */
		if (buddy_sfn < start || buddy_sfn >= end)
			break;
		if (!smm_page_test(buddy, SMM_PG_buddy) ||
		    smm_buddy_order(buddy) != order)
			break;
		smm_del_free(zone, buddy, order);
		sfn &= buddy_sfn;
		order++;
		trace_shadowmm_buddy_merge(smm_zone_pfn(zone, pages + sfn),
					   smm_zone_pfn(zone, buddy), order,
					   zone->node->nid, zone->type);
		smm_count_event(pool, SMM_BUDDY_MERGE);
	}
	smm_add_free(zone, pages + sfn, order);
}

static bool smm_range_has_hole(struct smm_page *pages, unsigned long sfn,
			       unsigned long nr)
{
	unsigned long i;

	for (i = sfn; i < sfn + nr; i++)
		if (smm_page_test(&pages[i], SMM_PG_absent))
			return true;
	return false;
}

/**
 * smm_buddy_init_free() - put a zone's present frames on its free lists
 * @zone: the zone
 * @sfn: first frame
 * @nr: number of frames
 *
 * Each run of present frames goes in as the largest aligned blocks that
 * fit, as memblock hands memory to the kernel's buddy allocator at boot.
 *
 * Context: Process context, zone not yet in use.
 */
void smm_buddy_init_free(struct smm_zone *zone, unsigned long sfn,
			 unsigned long nr)
{
	struct smm_page *pages = zone->pool->region.pages;
	unsigned long end = sfn + nr;

	smm_zone_lock(zone);
	while (sfn < end) {
		unsigned int order;

		if (smm_page_test(&pages[sfn], SMM_PG_absent)) {
			sfn++;
			continue;
		}
		/* The largest aligned block that ends in time and has no hole. */
		order = min_t(unsigned int, SMM_MAX_ORDER, sfn ? __ffs(sfn) : SMM_MAX_ORDER);
		while (order && (sfn + (1UL << order) > end ||
				 smm_range_has_hole(pages, sfn, 1UL << order)))
			order--;
		WRITE_ONCE(zone->free_pages, zone->free_pages + (1UL << order));
		smm_add_free(zone, &pages[sfn], order);
		sfn += 1UL << order;
	}
	spin_unlock(&zone->lock);
}

/**
 * smm_buddy_rmqueue_bulk() - take order-0 frames for a per-CPU list
 * @zone: the zone
 * @count: how many
 * @list: where they go, marked SMM_PG_pcp, in address order
 *
 * Context: Process context; takes and releases the zone lock.
 * Return: how many were taken (fewer when the zone runs dry).
 */
unsigned int smm_buddy_rmqueue_bulk(struct smm_zone *zone, unsigned int count,
				    struct list_head *list)
{
	unsigned int n;

	smm_zone_lock(zone);
	for (n = 0; n < count; n++) {
		struct smm_page *page = smm_rmqueue_smallest(zone, 0);

		if (!page)
			break;
		__smm_page_set(page, SMM_PG_pcp);
		list_add_tail(&page->lru, list);
	}
	spin_unlock(&zone->lock);
	return n;
}

/**
 * smm_buddy_free_bulk() - give per-CPU frames back to the free lists
 * @zone: the zone
 * @list: frames marked SMM_PG_pcp, taken off their per-CPU list
 * @count: how many are on @list
 *
 * Context: Process context; takes and releases the zone lock.
 */
void smm_buddy_free_bulk(struct smm_zone *zone, struct list_head *list,
			 unsigned int count)
{
	struct smm_page *page, *next;

	smm_zone_lock(zone);
	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		__smm_page_clear(page, SMM_PG_pcp);
		smm_free_one(zone, page, 0);
		count--;
	}
	spin_unlock(&zone->lock);
	WARN_ON_ONCE(count);
}

/*
 * Give back the tail of a free block whose first @used frames were taken:
 * [@sfn + @used, @sfn + 2^@order) as the largest aligned blocks it holds.
 */
static void smm_buddy_give_back_tail(struct smm_zone *zone, unsigned long sfn,
				     unsigned int order, unsigned int used)
{
	struct smm_page *pages = zone->pool->region.pages;
	unsigned long pos = sfn + used, end = sfn + (1UL << order);

	lockdep_assert_held(&zone->lock);
	while (pos < end) {
		unsigned int o = pos ? min_t(unsigned int, __ffs(pos), order) : order;

		while (pos + (1UL << o) > end)
			o--;
		smm_free_one(zone, &pages[pos], o);
		pos += 1UL << o;
	}
}

/**
 * smm_buddy_isolate_free() - take free frames of a range, as many as needed
 * @zone: the zone
 * @pos: in: first frame of the range to look at, in @zone; out: the frame
 *	 to look at next (@end when the range is done)
 * @end: one past the range's last frame, in @zone
 * @max_order: blocks of this order or more are left alone (they are what
 *	       compaction builds)
 * @nr_wanted: stop once this many frames are taken
 * @list: where the frames go, each an order-0 frame on no list, with no
 *	  flag of the buddy's, linked by lru
 * @scanned: frames looked at, added to
 *
 * Compaction's free scanner: free blocks whose head lies in the range are
 * taken off their free lists and split into single frames, which no
 * longer count as free, until @nr_wanted frames are taken (the kernel's
 * isolate_freepages_block() stops the same way once it has as many as
 * the migrations need).  Of a block larger than what is still wanted,
 * only the frames wanted are taken and the rest goes back at once.
 * Frames on per-CPU lists are not looked at.  The range is at most a
 * block of SMM_COMPACT_ORDER frames, so the lock is held for a bounded
 * walk.
 *
 * Context: Process context; takes and releases the zone lock.
 * Return: the number of frames put on @list, at most @nr_wanted.
 */
unsigned int smm_buddy_isolate_free(struct smm_zone *zone, unsigned long *pos,
				    unsigned long end, unsigned int max_order,
				    unsigned int nr_wanted, struct list_head *list,
				    unsigned long *scanned)
{
	struct smm_page *pages = zone->pool->region.pages;
	unsigned int n = 0;
	unsigned long sfn;

	smm_zone_lock(zone);
	for (sfn = *pos; sfn < end && n < nr_wanted; ) {
		struct smm_page *page = &pages[sfn];
		unsigned int order, take, i;

		(*scanned)++;
		if (!smm_page_test(page, SMM_PG_buddy)) {
			sfn++;
			continue;
		}
		order = smm_buddy_order(page);
		if (order >= max_order) {
			sfn += 1UL << order;
			continue;
		}
		smm_del_free(zone, page, order);
		WRITE_ONCE(zone->free_pages, zone->free_pages - (1UL << order));
		take = min(1U << order, nr_wanted - n);
		for (i = 0; i < take; i++)
			list_add_tail(&page[i].lru, list);
		n += take;
		if (take < (1U << order)) {
			smm_buddy_give_back_tail(zone, sfn, order, take);
			/* What went back is looked at again next time. */
			sfn += take;
			break;
		}
		sfn += 1UL << order;
	}
	spin_unlock(&zone->lock);
	*pos = min(sfn, end);
	return n;
}
SMM_EXPORT(smm_buddy_isolate_free);

/**
 * smm_buddy_release_free() - give frames smm_buddy_isolate_free() took back
 * @zone: the zone they came from
 * @list: the frames still unused, linked by lru; emptied
 *
 * Each merges with its buddies as a free would, without counting a free:
 * it was never allocated.
 *
 * Context: Process context; takes and releases the zone lock.
 * Return: the number of frames given back.
 */
unsigned int smm_buddy_release_free(struct smm_zone *zone, struct list_head *list)
{
	struct smm_page *page, *next;
	unsigned int n = 0;

	smm_zone_lock(zone);
	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		smm_free_one(zone, page, 0);
		n++;
	}
	spin_unlock(&zone->lock);
	return n;
}
SMM_EXPORT(smm_buddy_release_free);

static struct smm_page *smm_rmqueue(struct smm_zone *zone, unsigned int order)
{
	struct smm_page *page;

	if (!order)
		return smm_pcp_alloc(zone);
	smm_zone_lock(zone);
	page = smm_rmqueue_smallest(zone, order);
	spin_unlock(&zone->lock);
	return page;
}

static bool smm_should_fail_alloc(struct smm_pool *pool, unsigned int order,
				  unsigned int flags)
{
#ifdef CONFIG_FAULT_INJECTION
	if (flags & SMM_GFP_NOFAULT)
		return false;
	if (order < READ_ONCE(pool->zones.fail_min_order))
		return false;
	return should_fail(&pool->zones.fail_page_alloc, PAGE_SIZE << order);
#else
	return false;
#endif
}

static enum smm_zone_type smm_highest_zone(unsigned int flags)
{
	if (flags & SMM_GFP_DMA)
		return SMM_ZONE_DMA;
	if (flags & SMM_GFP_HIGHMEM)
		return SMM_ZONE_HIGHMEM;
	return SMM_ZONE_NORMAL;
}

/* One walk of the zonelist at watermark @wmark. */
static struct smm_page *smm_zonelist_walk(struct smm_pool *pool,
					  struct smm_node *pref,
					  unsigned int order, unsigned int flags,
					  enum smm_wmark wmark,
					  struct smm_zone **zonep)
{
	enum smm_zone_type highest = smm_highest_zone(flags);
	int nr_nodes = (flags & SMM_GFP_THISNODE) ? 1 : pool->zones.nr_nodes;
	int i, t;

	for (i = 0; i < nr_nodes; i++) {
		struct smm_node *node = &pool->zones.nodes[pref->fallback[i]];

		for (t = highest; t >= 0; t--) {
			struct smm_zone *zone = &node->zones[t];
			struct smm_page *page;

			if (!smm_zone_populated(zone))
				continue;
			if (!smm_zone_watermark_ok(zone, order,
						   READ_ONCE(zone->watermark[wmark]),
						   highest, flags & SMM_GFP_ATOMIC))
				continue;
			page = smm_rmqueue(zone, order);
			if (page) {
				*zonep = zone;
				return page;
			}
		}
	}
	return NULL;
}

/*
 * Direct reclaim that freed nothing may be racing kswapd, which keeps the
 * pages it isolated until it has stored them: while the store has room
 * and the lists hold pages to evict, the allocation waits a tick and
 * tries again, as the kernel's should_reclaim_retry() keeps trying while
 * reclaim could still succeed, unless the task is being killed.
 */
static bool smm_direct_reclaim_may_retry(struct smm_pool *pool)
{
	unsigned long evictable = 0;
	int i;

	if (fatal_signal_pending(current) || !pool->swap.ready ||
	    !smm_swap_free_slots(&pool->swap))
		return false;
	for (i = 0; i < pool->zones.nr_nodes; i++)
		evictable += smm_lru_evictable(&pool->zones.nodes[i]);
	return evictable;
}

/**
 * smm_alloc_pages_node() - allocate a block of 2^@order frames
 * @pool: the pool
 * @node: pool node index to start from, or -1 for this CPU's node
 * @order: 0..SMM_MAX_ORDER
 * @flags: SMM_GFP_* flags
 *
 * An allocation that leaves a zone below its low watermark wakes that
 * node's kswapd.  One that finds every zone below min reclaims directly
 * when smm_gfp_may_sleep(@flags).  One of order SMM_COMPACT_WAKE_ORDER
 * or more that fails wakes the preferred node's kcompactd.
 *
 * Context: Process context.  May sleep when @flags has
 * SMM_GFP_DIRECT_RECLAIM without SMM_GFP_NOWAIT (SMM_GFP_KERNEL): then
 * no spinlock, local lock or page lock may be held.  Otherwise it does
 * not sleep.
 * Return: the head descriptor of the block, or NULL when every zone the
 * flags allow is below its watermark or out of blocks of @order (after
 * reclaim, when allowed: none for a task being killed).
 */
struct smm_page *smm_alloc_pages_node(struct smm_pool *pool, int node,
				      unsigned int order, unsigned int flags)
{
	enum smm_zone_type highest = smm_highest_zone(flags);
	struct smm_zone *zone = NULL;
	struct smm_node *pref = NULL;
	struct smm_page *page;

	/* Caught on every call, not only the rare one that reclaims. */
	might_sleep_if(smm_gfp_may_sleep(flags));
	if (unlikely(order > SMM_MAX_ORDER || (flags & ~SMM_GFP_ALL) ||
		     node < -1 || node >= pool->zones.nr_nodes))
		return NULL;
	if (unlikely(smm_should_fail_alloc(pool, order, flags))) {
		smm_count_event(pool, SMM_PGALLOC_INJECTED);
		goto fail;
	}

	pref = node < 0 ? smm_preferred_node(pool) : &pool->zones.nodes[node];
	page = smm_zonelist_walk(pool, pref, order, flags, SMM_WMARK_LOW, &zone);
	if (likely(page))
		goto done;

	smm_count_event(pool, SMM_WMARK_LOW_FAIL);
	page = smm_zonelist_walk(pool, pref, order, flags, SMM_WMARK_MIN, &zone);
	if (page)
		goto done;

	/*
	 * Every zone is below min: a stall.  First the frames parked on every
	 * CPU's per-CPU lists, which the watermarks do not count, go back
	 * (that does not sleep), and the walk is tried again even if this
	 * drain found them empty: another's drain may just have put them
	 * back.  Then callers that may sleep reclaim directly and try again
	 * while that makes progress; the frames reclaim frees may wait on
	 * those lists too, so they are drained again before the last try.
	 */
	if (!(flags & SMM_GFP_NOWAIT))
		smm_count_event(pool, SMM_ALLOCSTALL_DMA + highest);
	smm_pcp_drain_all(pool);
	page = smm_zonelist_walk(pool, pref, order, flags, SMM_WMARK_MIN, &zone);
	if (page)
		goto done;
	if (smm_gfp_may_sleep(flags)) {
		unsigned int tries;

		for (tries = 0; tries < SMM_DIRECT_RECLAIM_TRIES; tries++) {
			bool progress = smm_direct_reclaim(pool, pref, order, flags);

			page = smm_zonelist_walk(pool, pref, order, flags,
						 SMM_WMARK_MIN, &zone);
			if (page)
				goto done;
			if (progress || !tries)
				smm_pcp_drain_all(pool);
			page = smm_zonelist_walk(pool, pref, order, flags,
						 SMM_WMARK_MIN, &zone);
			if (page)
				goto done;
			/* A dying task reclaims no more: its allocation fails. */
			if (fatal_signal_pending(current))
				break;
			if (!progress &&
			    (tries + 1 == SMM_DIRECT_RECLAIM_TRIES ||
			     !smm_direct_reclaim_may_retry(pool)))
				break;
			if (!progress)
				schedule_timeout_uninterruptible(1);
		}
	}
fail:
	smm_count_event(pool, SMM_PGALLOC_FAIL);
	/* Costly orders may fail for fragmentation: compaction can help. */
	if (order >= SMM_COMPACT_WAKE_ORDER && pref)
		smm_kcompactd_wake(pool, pref, order, highest);
	trace_shadowmm_page_alloc(-1UL, order, flags, -1, highest);
	return NULL;

done:
	smm_count_events(pool, SMM_PGALLOC_DMA + zone->type, 1L << order);
	smm_count_event(pool, zone->node == pref ? SMM_NUMA_HIT : SMM_NUMA_MISS);
	if (zone->type != highest)
		smm_count_event(pool, SMM_ZONE_FALLBACK);
	page->private = 0;
	if (smm_zone_free(zone) < READ_ONCE(zone->watermark[SMM_WMARK_LOW])) {
		smm_slab_note_pressure(pool);
		smm_kswapd_wake(pool, zone, order, highest);
	}
	if (flags & SMM_GFP_ZERO)
		memset(smm_page_address(pool, page), 0, PAGE_SIZE << order);
	trace_shadowmm_page_alloc(smm_zone_pfn(zone, page), order, flags,
				  zone->node->nid, zone->type);
	return page;
}
SMM_EXPORT(smm_alloc_pages_node);

/**
 * smm_alloc_pages() - allocate a block of 2^@order frames near this CPU
 * @pool: the pool
 * @order: 0..SMM_MAX_ORDER
 * @flags: SMM_GFP_* flags
 *
 * Context: Process context; may sleep only as smm_alloc_pages_node() says
 * (SMM_GFP_KERNEL may, SMM_GFP_NOWAIT never does).
 * Return: the head descriptor of the block, or NULL.
 */
struct smm_page *smm_alloc_pages(struct smm_pool *pool, unsigned int order,
				 unsigned int flags)
{
	return smm_alloc_pages_node(pool, -1, order, flags);
}
SMM_EXPORT(smm_alloc_pages);

/*
 * A free of something that is not an allocated block would corrupt the
 * free lists: refuse it, say so once in a while, and count it.  Returns
 * the block's zone, or NULL when refused.
 */
static struct smm_zone *smm_free_ok(struct smm_pool *pool, struct smm_page *page,
				    unsigned int order)
{
	struct smm_region *r = &pool->region;
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 4);
	const char *why = NULL;
	unsigned long sfn;
	struct smm_zone *zone;

	if (page < r->pages || page >= r->pages + r->nr_frames) {
		why = "not a frame of this pool";
		sfn = 0;
		goto bad;
	}
	sfn = page - r->pages;
	zone = smm_page_zone(pool, page);
	if (order > SMM_MAX_ORDER)
		why = "order out of range";
	else if (sfn & ((1UL << order) - 1))
		why = "not aligned to its order";
	else if (sfn + (1UL << order) > smm_zone_end_sfn(zone))
		why = "block crosses its zone's end";
	else if (smm_page_flags(page) & (BIT(SMM_PG_buddy) | BIT(SMM_PG_pcp)))
		why = "already free (double free)";
	else if (smm_page_test(page, SMM_PG_absent))
		why = "a hole, never allocated";
	else
		return zone;
bad:
	smm_count_event(pool, SMM_BAD_FREE);
	if (__ratelimit(&rs))
		pr_err("%s: refusing to free frame %lu order %u: %s\n",
		       pool->name, sfn, order, why);
	return NULL;
}

/**
 * smm_free_pages() - free a block smm_alloc_pages() returned
 * @pool: the pool it came from
 * @page: its head descriptor
 * @order: the order it was allocated with
 *
 * A block that is not an allocated block of this pool (double free, wrong
 * order alignment, foreign pointer) is refused, logged and counted as
 * bad_free, and nothing changes.
 *
 * Context: Process context; does not sleep.
 */
void smm_free_pages(struct smm_pool *pool, struct smm_page *page,
		    unsigned int order)
{
	struct smm_zone *zone = smm_free_ok(pool, page, order);

	if (unlikely(!zone))
		return;
	trace_shadowmm_page_free(smm_zone_pfn(zone, page), order,
				 zone->node->nid, zone->type);
	smm_count_events(pool, SMM_PGFREE, 1L << order);
	if (!order) {
		smm_pcp_free(zone, page);
		return;
	}
	smm_zone_lock(zone);
	smm_free_one(zone, page, order);
	spin_unlock(&zone->lock);
}
SMM_EXPORT(smm_free_pages);

/**
 * smm_page_address() - the kernel virtual address of a frame
 * @pool: its pool
 * @page: its descriptor
 *
 * Context: Any context.
 * Return: the address; the frames of a block are contiguous there.
 */
void *smm_page_address(struct smm_pool *pool, const struct smm_page *page)
{
	return smm_sfn_vaddr(&pool->region, smm_page_sfn(&pool->region, page));
}
SMM_EXPORT(smm_page_address);

/**
 * smm_virt_to_page() - the descriptor of the frame holding an address
 * @pool: the pool
 * @addr: an address inside the region's mapping
 *
 * Context: Any context.
 * Return: the descriptor, or NULL when @addr is not in the region.
 */
struct smm_page *smm_virt_to_page(struct smm_pool *pool, const void *addr)
{
	struct smm_region *r = &pool->region;

	if (!smm_region_contains_vaddr(r, addr))
		return NULL;
	return smm_sfn_page(r, (addr - r->vaddr) >> PAGE_SHIFT);
}
SMM_EXPORT(smm_virt_to_page);

/**
 * smm_buddy_validate_pcp() - validate's walk of one CPU's list of a zone
 * @zone: the zone
 * @cpu: the CPU
 * @seen: the frames validate's pass of the zone found so far, added to
 * @changes: set to the list's count of changes as the walk saw it
 * @r: where problems are reported
 *
 * Not static only so that a KUnit case can redirect it and move a frame
 * between two CPUs' lists in the middle of a pass.
 *
 * Context: Process context; takes the list's lock.
 */
void smm_buddy_validate_pcp(struct smm_zone *zone, int cpu, unsigned long *seen,
			    unsigned long *changes, struct smm_report *r)
{
	struct smm_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
	struct smm_region *reg = &zone->pool->region;
	struct smm_page *page;
	unsigned int n = 0;

	KUNIT_STATIC_STUB_REDIRECT(smm_buddy_validate_pcp, zone, cpu, seen, changes, r);
	spin_lock(&pcp->lock);
	*changes = pcp->changes;
	list_for_each_entry(page, &pcp->list, lru) {
		unsigned long sfn = smm_page_sfn(reg, page);

		n++;
		if (sfn < zone->start_sfn || sfn >= smm_zone_end_sfn(zone))
			smm_report(r, "zone %d/%s: cpu %d list holds frame %lu of another zone\n",
				   zone->node->nid, smm_zone_name(zone), cpu, sfn);
		else if (test_and_set_bit(sfn, seen))
			smm_report(r, "zone %d/%s: frame %lu on cpu %d's list is also on another list\n",
				   zone->node->nid, smm_zone_name(zone), sfn, cpu);
		if (!smm_page_test(page, SMM_PG_pcp) || smm_page_test(page, SMM_PG_buddy))
			smm_report(r, "zone %d/%s: frame %lu on cpu %d's list is marked pcp=%d buddy=%d\n",
				   zone->node->nid, smm_zone_name(zone), sfn, cpu,
				   smm_page_test(page, SMM_PG_pcp),
				   smm_page_test(page, SMM_PG_buddy));
	}
	if (n != pcp->count)
		smm_report(r, "zone %d/%s: cpu %d list holds %u frames, count says %u\n",
			   zone->node->nid, smm_zone_name(zone), cpu, n, pcp->count);
	spin_unlock(&pcp->lock);
}
SMM_EXPORT(smm_buddy_validate_pcp);

/*
 * One zone's free lists, a batch of blocks per hold of its lock (a free
 * list can hold every frame of the zone); @seen marks frames.  False when
 * a block came onto or left the free lists since @w began: the block the
 * walk stands on may be on another list now, or none, and nothing it
 * found is believed.
 */
static bool smm_validate_zone(struct smm_zone *zone, unsigned long *seen,
			      struct smm_walk *w, struct smm_report *r)
{
	struct smm_region *reg = &zone->pool->region;
	unsigned long free = 0;
	bool done = false;
	unsigned int o;

	spin_lock(&zone->lock);
	if (!smm_walk_unchanged(w))
		goto out;
	for (o = 0; o < SMM_NR_ORDERS; o++) {
		unsigned long n = 0;
		struct smm_page *page;

		list_for_each_entry(page, &zone->free_area[o].free_list, lru) {
			unsigned long sfn = smm_page_sfn(reg, page);
			unsigned long i, buddy;

			/* A list longer than its count may be a cycle: stop. */
			if (++n > zone->free_area[o].nr_free)
				break;
			if (sfn < zone->start_sfn ||
			    sfn + (1UL << o) > smm_zone_end_sfn(zone)) {
				smm_report(r, "zone %d/%s: order-%u block at sfn %lu lies outside the zone\n",
					   zone->node->nid, smm_zone_name(zone), o, sfn);
				if (!smm_walk_step(w, 1))
					goto out;
				continue;
			}
			if (sfn & ((1UL << o) - 1))
				smm_report(r, "zone %d/%s: order-%u block at sfn %lu is not aligned to its order\n",
					   zone->node->nid, smm_zone_name(zone), o, sfn);
			if (!smm_page_test(page, SMM_PG_buddy) || smm_buddy_order(page) != o)
				smm_report(r, "zone %d/%s: block at sfn %lu on the order-%u list is marked buddy=%d order=%u\n",
					   zone->node->nid, smm_zone_name(zone), sfn, o,
					   smm_page_test(page, SMM_PG_buddy),
					   smm_buddy_order(page));
			for (i = sfn; i < sfn + (1UL << o); i++) {
				if (test_and_set_bit(i, seen)) {
					smm_report(r, "zone %d/%s: frame %lu is on two free lists\n",
						   zone->node->nid, smm_zone_name(zone), i);
					break;
				}
				if (smm_page_test(&reg->pages[i], SMM_PG_absent))
					smm_report(r, "zone %d/%s: hole frame %lu is on a free list\n",
						   zone->node->nid, smm_zone_name(zone), i);
			}
			free += 1UL << o;
			buddy = sfn ^ (1UL << o);
			if (o < SMM_MAX_ORDER &&
			    buddy >= zone->start_sfn && buddy < smm_zone_end_sfn(zone) &&
			    smm_page_test(&reg->pages[buddy], SMM_PG_buddy) &&
			    smm_buddy_order(&reg->pages[buddy]) == o)
				smm_report(r, "zone %d/%s: free order-%u buddies at sfn %lu and %lu were not merged\n",
					   zone->node->nid, smm_zone_name(zone), o,
					   min(sfn, buddy), max(sfn, buddy));
			if (!smm_walk_step(w, 1))
				goto out;
		}
		if (n != zone->free_area[o].nr_free)
			smm_report(r, "zone %d/%s: order-%u list holds %lu blocks, nr_free says %lu\n",
				   zone->node->nid, smm_zone_name(zone), o, n,
				   zone->free_area[o].nr_free);
	}
	if (free != zone->free_pages)
		smm_report(r, "zone %d/%s: free lists hold %lu frames, free_pages says %lu\n",
			   zone->node->nid, smm_zone_name(zone), free, zone->free_pages);
	done = true;
out:
	smm_walk_hold_end(w);
	spin_unlock(&zone->lock);
	return done;
}

/* A sweep of a zone's per-CPU lists a frame moved under is made this often. */
#define SMM_PCP_VALIDATE_TRIES	4

/*
 * Whether a CPU's list of @zone walked before @last's changed since its
 * walk read @pcp_changes: the last list walked cannot have given a frame
 * to another one walked.
 */
static bool smm_pcp_lists_changed(struct smm_zone *zone, const unsigned long *pcp_changes,
				  int last)
{
	bool changed = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct smm_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

		if (cpu == last || changed)
			break;
		spin_lock(&pcp->lock);
		changed = pcp->changes != pcp_changes[cpu];
		spin_unlock(&pcp->lock);
	}
	return changed;
}

/*
 * One zone: its per-CPU lists, then its free lists, with @seen's bits of
 * the zone cleared first.  A frame moves from one CPU's list to another's
 * only through an allocation and a free, and between those lists and the
 * free lists only through a refill or a drain.  So a walk during which no
 * per-CPU list walked changed before the last one was walked, and no
 * block came onto or left the free lists, cannot see a frame twice, or
 * miss one, because it moved; false when either happened, and the walk is
 * to be taken back.  @pcp_changes has room for every possible CPU.
 */
static bool smm_validate_zone_pass(struct smm_zone *zone, unsigned long *seen,
				   unsigned long *pcp_changes, struct smm_report *r)
{
	struct smm_walk w = SMM_WALK_INIT(&zone->lock, &zone->changes, &zone->walk_hold_max);
	unsigned int tries;

	spin_lock(&zone->lock);
	smm_walk_begin(&w);
	spin_unlock(&zone->lock);
	/* A sweep of the per-CPU lists is short: made again at once. */
	for (tries = 0; ; tries++) {
		struct smm_report_pos pos;
		int cpu, last = -1;

		smm_report_save(r, &pos);
		bitmap_clear(seen, zone->start_sfn, zone->spanned);
		for_each_possible_cpu(cpu) {
			smm_buddy_validate_pcp(zone, cpu, seen, &pcp_changes[cpu], r);
			last = cpu;
		}
		if (!smm_pcp_lists_changed(zone, pcp_changes, last))
			break;
		smm_report_restore(r, &pos);
		if (tries + 1 == SMM_PCP_VALIDATE_TRIES)
			return false;
		cond_resched();
	}
	return smm_validate_zone(zone, seen, &w, r);
}

/* A zone whose free lists changed under its walk is walked again, this far apart. */
#define SMM_BUDDY_VALIDATE_WAIT_MS	20

/**
 * smm_buddy_validate() - check every free list and per-CPU list
 * @pool: the pool
 * @r: where problems are reported
 *
 * No frame on two lists, every block aligned to its order and inside its
 * zone, list lengths equal to nr_free and count, marks matching the list,
 * and no two free buddies of the same order left unmerged.
 *
 * A zone's lock is let go every SMM_WALK_BATCH blocks, so what a walk of
 * a zone finds is only believed when no block came onto or left its free
 * lists during it, and no per-CPU list changed while the others were
 * walked: a walk one did is taken back and repeated, 20 ms
 * apart, for up to a second; a zone still not walked whole then is
 * logged and counted in @r->unchecked, not reported as a problem.  On a
 * pool that never stops allocating, the free lists may go unchecked.
 *
 * Context: Process context, may sleep; takes each zone and pcp lock in turn.
 * Return: the number of problems found.
 */
unsigned int smm_buddy_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int before = r->problems, uncompared = 0;
	unsigned long deadline = jiffies + HZ;
	unsigned long *seen, *pcp_changes;
	struct smm_zone *zone;
	int i;

	seen = bitmap_zalloc(pool->region.nr_frames, GFP_KERNEL);
	pcp_changes = kcalloc(nr_cpu_ids, sizeof(*pcp_changes), GFP_KERNEL);
	if (!seen || !pcp_changes) {
		kfree(pcp_changes);
		bitmap_free(seen);
		smm_report(r, "validate: no memory for the frame bitmap or per-CPU counts\n");
		return 1;
	}
	for_each_smm_zone(pool, zone, i) {
		for (;;) {
			struct smm_report_pos pos;

			smm_report_save(r, &pos);
			if (smm_validate_zone_pass(zone, seen, pcp_changes, r))
				break;
			/* What a walk a change overlapped said is taken back. */
			smm_report_restore(r, &pos);
			if (time_after(jiffies, deadline) || fatal_signal_pending(current)) {
				uncompared++;
				break;
			}
			msleep(SMM_BUDDY_VALIDATE_WAIT_MS);
		}
		cond_resched();
	}
	kfree(pcp_changes);
	bitmap_free(seen);
	r->unchecked += uncompared;
	if (uncompared)
		pr_info_ratelimited("%s: validate: the free lists of %u zones not checked: they changed during every walk for a second\n",
				    pool->name, uncompared);
	return r->problems - before;
}
