/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lirs policy (module/lru_lirs.c): LIRS over the two lists, as
 * CLOCK-Pro brought it to page reclaim.  A frame's stamp (when its page
 * was last seen used) lives in its flags (SMM_PAGE_STAMP_*).
 */
#ifndef _SHADOWMM_LRU_LIRS_H
#define _SHADOWMM_LRU_LIRS_H

#include <linux/types.h>

#include <shadowmm/page.h>

struct smm_lru_policy;
struct smm_pool;

unsigned long smm_lru_lirs_now(struct smm_pool *pool, int node);
void smm_lru_lirs_touch(struct smm_pool *pool, struct smm_page *frame);
bool smm_lru_lirs_promote(unsigned long now, unsigned long used, unsigned long demoted);
unsigned long smm_lru_lirs_target(unsigned long evictable);

/* A frame's stamp: when its page was last seen used (smm_lru_lirs_now()). */
static inline unsigned long smm_lru_lirs_stamp_of(const struct smm_page *frame)
{
	return (READ_ONCE(frame->flags) & SMM_PAGE_STAMP_MASK) >> SMM_PAGE_STAMP_SHIFT;
}

static inline void smm_lru_lirs_stamp(struct smm_page *frame, unsigned long now)
{
	smm_page_set_field(frame, SMM_PAGE_STAMP_MASK,
			   (now & SMM_PAGE_STAMP_MAX) << SMM_PAGE_STAMP_SHIFT);
}

extern const struct smm_lru_policy smm_lru_policy_lirs;

#endif /* _SHADOWMM_LRU_LIRS_H */
