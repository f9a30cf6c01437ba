/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of memory objects share and nothing else may use: the
 * ways between an object's struct pages and their shadow frames, the
 * object lock, and the calls between an object's page cache
 * (module/object.c), its file layer (module/file.c), eviction
 * (module/evict.c) and the consistency check (module/object_validate.c).
 * The rest of the module sees objects only through
 * include/shadowmm/object.h.
 */
#ifndef _SHADOWMM_OBJECT_INTERNAL_H
#define _SHADOWMM_OBJECT_INTERNAL_H

#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/region.h>

/* The object whose inode this is. */
static inline struct smm_object *smm_inode_object(struct inode *inode)
{
	return inode->i_private;
}

/* The shadow frame behind a struct page of an object (page->private). */
static inline struct smm_page *smm_object_frame(struct smm_pool *pool, struct page *page)
{
	return smm_sfn_page(&pool->region, page_private(page));
}

/*
 * The pages an entry of the pinned list stands for: a PMD-sized folio
 * waits whole, as its head frame, still compound until it is freed.
 */
static inline unsigned long smm_pinned_weight(struct smm_pool *pool,
					      struct smm_page *frame)
{
	return compound_nr(smm_frame_struct_page(pool, frame));
}

/*
 * The i_pages lock of @obj guards both its pages and its shadow entries;
 * this takes it and then the shadow xarray's own lock, as the lock order
 * in include/shadowmm/pool.h has them, both with interrupts off.
 */
static inline void smm_object_lock(struct smm_object *obj)
	__acquires(&obj->inode->i_mapping->i_pages.xa_lock)
	__acquires(&obj->shadows.xa_lock)
{
	xa_lock_irq(&obj->inode->i_mapping->i_pages);
	xa_lock(&obj->shadows);
}

static inline void smm_object_unlock(struct smm_object *obj)
	__releases(&obj->shadows.xa_lock)
	__releases(&obj->inode->i_mapping->i_pages.xa_lock)
{
	xa_unlock(&obj->shadows);
	xa_unlock_irq(&obj->inode->i_mapping->i_pages);
}

/*
 * Bracket every change validate's counts could see half done (struct
 * smm_object_changes).  The full barriers order the change's stores after
 * its "begun" and before its "ended", against validate's reads.
 */
static inline void smm_object_change_begin(struct smm_pool *pool)
{
	this_cpu_inc(pool->objects.changes->begun);
	/* Pairs with smm_validate_quiet(): "begun" before the change. */
	smp_mb();
}

static inline void smm_object_change_end(struct smm_pool *pool)
{
	/* Pairs with smm_validate_quiet(): the change before "ended". */
	smp_mb();
	this_cpu_inc(pool->objects.changes->ended);
}

/*
 * The pinned list's first poll comes a tenth of a second after a frame
 * waits; each poll that frees nothing doubles the wait, up to 1.6 s, so
 * that a pin kept for hours (an io_uring buffer) costs a poll in 1.6 s,
 * not ten a second.
 */
#define SMM_PINNED_POLL		(HZ / 10)
#define SMM_PINNED_POLL_MAX	(16 * SMM_PINNED_POLL)

/*
 * How reclaim allocates what an object's owner pays for (the shadow
 * entry's node of an eviction, the nodes of a split): inside
 * set_active_memcg(owner), never reclaiming, and past the owner's
 * memory.max if need be (__GFP_HIGH: a forced charge, as the kernel's
 * reclaim makes its own under PF_MEMALLOC).  The task that reclaims may
 * be anybody's: a charge that reclaimed or OOM-killed in a cgroup would
 * do it on another's behalf.
 */
#define SMM_GFP_OWNER_FORCED	(GFP_NOWAIT | __GFP_HIGH | __GFP_NOWARN)

/* How smm_object_get_page() may serve an index. */
#define SMM_GET_CREATE	BIT(0)	/* make a zeroed page where none is */
#define SMM_GET_NOWAIT	BIT(1)	/* never sleep: -EAGAIN where it would */

/* module/object.c */
struct page *smm_object_get_page(struct smm_object *obj, pgoff_t index,
				 unsigned int flags, enum smm_page_origin *origin);
void smm_object_frame_free(struct smm_pool *pool, struct page *page);
struct page *smm_object_frame_prepare(struct smm_object *obj, pgoff_t index);
void smm_object_page_abandon(struct smm_pool *pool, struct page *page);
void smm_pinned_walk_hold_end(struct smm_pool *pool, unsigned int *held);
void smm_pinned_walk_step(struct smm_pool *pool, unsigned int *held);
unsigned long smm_object_for_each(struct smm_pool *pool,
				  bool (*fn)(struct smm_object *obj, void *arg),
				  void *arg);

/* module/evict.c */
void smm_shadow_trim_fn(struct work_struct *work);

#endif /* _SHADOWMM_OBJECT_INTERNAL_H */
