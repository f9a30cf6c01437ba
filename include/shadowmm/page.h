/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct smm_page: shadowmm's per-frame descriptor, its twin of struct page.
 *
 * It lives in an array beside the region (not in struct page), indexed by
 * the frame's number within the region (its "sfn"), so descriptor and frame
 * convert by arithmetic.  40 bytes per 4 KiB frame: 0.98 % of the region,
 * where the kernel's struct page costs 64 bytes (1.56 %).
 */
#ifndef _SHADOWMM_PAGE_H
#define _SHADOWMM_PAGE_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/list.h>
#include <linux/types.h>

/* Orders 0..10: blocks of 1..1024 frames, as the kernel's MAX_PAGE_ORDER. */
#define SMM_MAX_ORDER		10
#define SMM_NR_ORDERS		(SMM_MAX_ORDER + 1)

struct smm_object;
struct smm_kmem_cache;

/**
 * enum smm_pageflags - bits of smm_page.flags
 * @SMM_PG_buddy:	heads a free block on a buddy free list; order in @private
 * @SMM_PG_pcp:		sits on a per-CPU list (free, order 0)
 * @SMM_PG_absent:	a hole: the frame is outside the memory the region owns
 * @SMM_PG_slab:	belongs to a slab
 * @SMM_PG_lru:		on an LRU list
 * @SMM_PG_active:	on the active list
 * @SMM_PG_referenced:	accessed since the last scan
 * @SMM_PG_unevictable:	mlocked: kept off the reclaimable lists
 * @SMM_PG_dirty:	written since it was made or read back, as far as the
 *			kernel told (a statistic: eviction stores every page
 *			holding data, and a write through a pin tells nothing)
 * @SMM_PG_workingset:	part of the working set: deactivated from the
 *			active list, or refaulted after it was (the
 *			workingset and mglru policies, module/lru_policy.c)
 * @SMM_PG_refault:	brought back from the store, until its LRU add
 *			places it (the mglru policy puts refaults apart)
 * @SMM_PG_head:	heads a PMD-sized folio of an object (module/huge.c):
 *			on the LRU it stands for the folio's pages, and the
 *			lists count them all
 * @SMM_PG_thrashing:	a refault the lip policy found thrashing: it goes
 *			to the inactive tail, and the young ptes of its own
 *			fault earn it no second chance (module/lru_lip.c);
 *			cleared at its verdict, or when it leaves the
 *			tail otherwise (kept by a migration)
 * @SMM_NR_PAGEFLAGS:	number of flag bits
 */
enum smm_pageflags {
	SMM_PG_buddy,
	SMM_PG_pcp,
	SMM_PG_absent,
	SMM_PG_slab,
	SMM_PG_lru,
	SMM_PG_active,
	SMM_PG_referenced,
	SMM_PG_unevictable,
	SMM_PG_dirty,
	SMM_PG_workingset,
	SMM_PG_refault,
	SMM_PG_head,
	SMM_PG_thrashing,
	SMM_NR_PAGEFLAGS,
};

/* The zone a frame belongs to is fixed at init, kept in the top byte. */
#define SMM_PAGE_ZONE_SHIFT	(BITS_PER_LONG - 8)
#define SMM_PAGE_FLAGS_MASK	((1UL << SMM_NR_PAGEFLAGS) - 1)

/*
 * A slab's head frame keeps its count of allocated objects in bits 20..35
 * of its flags (there is no room left in the descriptor); only the slab's
 * cache writes them, under its lock, and a new slab starts them at 0.  No
 * other frame reads them: an object frame's lirs stamp (below) shares
 * their high bits.
 */
#define SMM_PAGE_INUSE_SHIFT	20
#define SMM_PAGE_INUSE_MASK	(0xffffUL << SMM_PAGE_INUSE_SHIFT)

/*
 * An object frame on a multi-generational list (module/lru_gen.c) keeps
 * its generation + 1 in three bits above the flags (0: on no generation
 * list), and its accesses beyond the first two (SMM_PG_referenced and
 * SMM_PG_workingset count those) in two more, saturating at 3.  The
 * generation changes only under the node's LRU lock, the accesses
 * without it: both with smm_page_set_field().
 */
#define SMM_PAGE_GEN_SHIFT	SMM_NR_PAGEFLAGS
#define SMM_PAGE_GEN_MASK	(7UL << SMM_PAGE_GEN_SHIFT)
#define SMM_PAGE_REFS_SHIFT	(SMM_PAGE_GEN_SHIFT + 3)
#define SMM_PAGE_REFS_MAX	3UL
#define SMM_PAGE_REFS_MASK	(SMM_PAGE_REFS_MAX << SMM_PAGE_REFS_SHIFT)
static_assert(SMM_PAGE_REFS_SHIFT + 2 <= SMM_PAGE_INUSE_SHIFT);
static_assert(SMM_PAGE_INUSE_SHIFT + 16 <= SMM_PAGE_ZONE_SHIFT);

/*
 * Under the lirs policy (module/lru_lirs.c) an object frame keeps, in the
 * 29 bits below the zone byte, when its page was last seen used: its
 * node's workingset clock then (smm_lru_lirs_now()), as many bits of it
 * as a shadow entry keeps, so that an old stamp is misread as a recent
 * one only once the clock has gone round (2^30 evictions and
 * activations), never sooner.  An object frame is never a slab's, so the
 * stamp takes the high bits of the slab in-use count as well as the bits
 * above it.  Written with smm_page_set_field(); cleared when the page
 * leaves its frame, and moved with it by a migration.
 */
#define SMM_PAGE_STAMP_BITS	29
#define SMM_PAGE_STAMP_SHIFT	(SMM_PAGE_ZONE_SHIFT - SMM_PAGE_STAMP_BITS)
#define SMM_PAGE_STAMP_MAX	((1UL << SMM_PAGE_STAMP_BITS) - 1)
#define SMM_PAGE_STAMP_MASK	(SMM_PAGE_STAMP_MAX << SMM_PAGE_STAMP_SHIFT)
static_assert(SMM_PAGE_REFS_SHIFT + 2 <= SMM_PAGE_STAMP_SHIFT);

/**
 * struct smm_page - descriptor of one frame of the region
 * @flags:	enum smm_pageflags bits; the zone id in the top byte
 * @lru:	links on a buddy free list, a per-CPU list, an LRU or slab list
 * @private:	for a free block head (SMM_PG_buddy): its order
 * @object:	for an object page: the memory object that owns it
 * @index:	for an object page: its page offset in the object
 * @slab_cache:	for a slab page: its cache
 * @freelist:	for a slab page: its first free object
 *
 * Which lock covers the links and the union depends on the list the frame
 * is on: the zone lock for free blocks, the per-CPU list lock for per-CPU
 * pages, the owner's lock otherwise.
 */
struct smm_page {
	unsigned long flags;
	struct list_head lru;
	union {
		unsigned long private;
		struct {
			struct smm_object *object;
			pgoff_t index;
		};
		struct {
			struct smm_kmem_cache *slab_cache;
			void *freelist;
		};
	};
};

static inline bool smm_page_test(const struct smm_page *page, enum smm_pageflags bit)
{
	return test_bit(bit, &page->flags);
}

/*
 * The non-atomic variants are for frames no one else can reach: free frames
 * under their zone's or per-CPU list's lock, and frames being initialised.
 */
static inline void __smm_page_set(struct smm_page *page, enum smm_pageflags bit)
{
	__set_bit(bit, &page->flags);
}

static inline void __smm_page_clear(struct smm_page *page, enum smm_pageflags bit)
{
	__clear_bit(bit, &page->flags);
}

/*
 * The flags word as it is now: other CPUs may set or clear other bits of
 * it atomically at any time (the referenced and dirty bits, a frame's
 * accesses), so a test of several bits at once reads it once, marked.
 */
static inline unsigned long smm_page_flags(const struct smm_page *page)
{
	return READ_ONCE(page->flags);
}

static inline unsigned int smm_page_zone_id(const struct smm_page *page)
{
	/* Fixed at init: nobody may write these bits while frames are used. */
	ASSERT_EXCLUSIVE_BITS(page->flags, 0xffUL << SMM_PAGE_ZONE_SHIFT);
	return smm_page_flags(page) >> SMM_PAGE_ZONE_SHIFT;
}

static inline unsigned int smm_slab_inuse(const struct smm_page *page)
{
	return (page->flags & SMM_PAGE_INUSE_MASK) >> SMM_PAGE_INUSE_SHIFT;
}

/* Only the slab's cache writes the field, under its lock; others read the zone. */
static inline void smm_slab_set_inuse(struct smm_page *page, unsigned int inuse)
{
	WRITE_ONCE(page->flags, (page->flags & ~SMM_PAGE_INUSE_MASK) |
		   ((unsigned long)inuse << SMM_PAGE_INUSE_SHIFT));
}

/* Replace the bits of @mask in @page->flags with @val; atomic. */
static inline void smm_page_set_field(struct smm_page *page, unsigned long mask,
				      unsigned long val)
{
	unsigned long old = READ_ONCE(page->flags);

	do {
	} while (!try_cmpxchg(&page->flags, &old, (old & ~mask) | (val & mask)));
}

static inline unsigned int smm_buddy_order(const struct smm_page *page)
{
	return page->private;
}

#endif /* _SHADOWMM_PAGE_H */
