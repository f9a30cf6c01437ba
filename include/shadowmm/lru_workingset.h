/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workingset policy (module/lru_workingset.c): the two lists of the
 * classic policy with the refault rules the kernel has had since 5.9,
 * adapted to shadowmm's one swap-backed LRU.
 */
#ifndef _SHADOWMM_LRU_WORKINGSET_H
#define _SHADOWMM_LRU_WORKINGSET_H

#include <linux/types.h>

struct smm_lru_policy;

bool smm_lru_workingset_recent(unsigned long distance, unsigned long active,
			       unsigned long inactive, bool store_room);

extern const struct smm_lru_policy smm_lru_policy_workingset;

#endif /* _SHADOWMM_LRU_WORKINGSET_H */
