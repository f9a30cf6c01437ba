/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The buddy allocator (module/buddy.c): 11 free lists per zone, split on
 * allocation, merge with the buddy (sfn ^ (1 << order)) on free, behind a
 * zonelist walk that honours watermarks and lowmem reserve.
 */
#ifndef _SHADOWMM_BUDDY_H
#define _SHADOWMM_BUDDY_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#include <shadowmm/page.h>

struct smm_pool;
struct smm_zone;
struct smm_report;

/*
 * Allocation flags, shadowmm's gfp_t.  With neither zone flag an
 * allocation may use Normal, then DMA.  Only SMM_GFP_DIRECT_RECLAIM
 * lets an allocation sleep, and SMM_GFP_NOWAIT overrides it: without
 * the one or with the other, no allocation of any size sleeps.
 */
#define SMM_GFP_DMA		BIT(0)	/* only the DMA zone */
#define SMM_GFP_HIGHMEM		BIT(1)	/* any zone, HighMem first */
#define SMM_GFP_ZERO		BIT(2)	/* zero the frames */
#define SMM_GFP_NOWAIT		BIT(3)	/* never reclaim directly */
#define SMM_GFP_ATOMIC		BIT(4)	/* may use half of the min reserve */
#define SMM_GFP_THISNODE	BIT(5)	/* only the preferred node */
#define SMM_GFP_NOFAULT		BIT(6)	/* exempt from fault injection */
#define SMM_GFP_DIRECT_RECLAIM	BIT(7)	/* below min: reclaim, may sleep */
#define SMM_GFP_ALL		GENMASK(7, 0)

/*
 * The kernel's GFP_KERNEL: the blocking default of process context.  It
 * may sleep in direct reclaim, so its caller holds no spinlock, local
 * lock or page lock.
 */
#define SMM_GFP_KERNEL		SMM_GFP_DIRECT_RECLAIM

/**
 * smm_gfp_may_sleep() - may an allocation with these flags sleep?
 * @flags: SMM_GFP_* flags
 *
 * Context: Any context.
 * Return: true when @flags allow direct reclaim (SMM_GFP_DIRECT_RECLAIM
 * without SMM_GFP_NOWAIT).
 */
static inline bool smm_gfp_may_sleep(unsigned int flags)
{
	return (flags & (SMM_GFP_DIRECT_RECLAIM | SMM_GFP_NOWAIT)) == SMM_GFP_DIRECT_RECLAIM;
}

struct smm_page *smm_alloc_pages(struct smm_pool *pool, unsigned int order,
				 unsigned int flags);
struct smm_page *smm_alloc_pages_node(struct smm_pool *pool, int node,
				      unsigned int order, unsigned int flags);
void smm_free_pages(struct smm_pool *pool, struct smm_page *page,
		    unsigned int order);
void *smm_page_address(struct smm_pool *pool, const struct smm_page *page);
struct smm_page *smm_virt_to_page(struct smm_pool *pool, const void *addr);

/* For zone.c (initial free lists) and pcp.c (batched refill and drain). */
void smm_buddy_init_free(struct smm_zone *zone, unsigned long sfn,
			 unsigned long nr);
unsigned int smm_buddy_rmqueue_bulk(struct smm_zone *zone, unsigned int count,
				    struct list_head *list);
void smm_buddy_free_bulk(struct smm_zone *zone, struct list_head *list,
			 unsigned int count);

/* For compaction.c: its free scanner. */
unsigned int smm_buddy_isolate_free(struct smm_zone *zone, unsigned long *pos,
				    unsigned long end, unsigned int max_order,
				    unsigned int nr_wanted, struct list_head *list,
				    unsigned long *scanned);
unsigned int smm_buddy_release_free(struct smm_zone *zone, struct list_head *list);

unsigned int smm_buddy_validate(struct smm_pool *pool, struct smm_report *r);
void smm_buddy_validate_pcp(struct smm_zone *zone, int cpu, unsigned long *seen,
			    unsigned long *changes, struct smm_report *r);

#endif /* _SHADOWMM_BUDDY_H */
