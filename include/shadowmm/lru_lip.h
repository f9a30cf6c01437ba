/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lip policy (module/lru_lip.c): the classic lists and rules, with
 * refaults that thrash inserted at the inactive tail.
 */
#ifndef _SHADOWMM_LRU_LIP_H
#define _SHADOWMM_LRU_LIP_H

#include <linux/types.h>

struct smm_lru_policy;

/* Where the lip policy puts a refault. */
enum smm_lru_lip_place {
	SMM_LIP_ACTIVE,		/* the active list: the classic rule */
	SMM_LIP_HEAD,		/* the inactive head, as a new page */
	SMM_LIP_TAIL,		/* the inactive tail: it thrashes */
};

enum smm_lru_lip_place smm_lru_lip_place(unsigned long distance, unsigned long active,
					 unsigned long inactive);

extern const struct smm_lru_policy smm_lru_policy_lip;

#endif /* _SHADOWMM_LRU_LIP_H */
