/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowmm: the vmas of an object that map a range of its page offsets
 * (module/rmap.c), found through the kernel's i_mmap interval tree.
 */
#ifndef _SHADOWMM_RMAP_H
#define _SHADOWMM_RMAP_H

#include <linux/types.h>

struct address_space;
struct vm_area_struct;

struct vm_area_struct *smm_rmap_first(struct address_space *mapping,
				      pgoff_t first, pgoff_t last);
struct vm_area_struct *smm_rmap_next(struct vm_area_struct *vma,
				     pgoff_t first, pgoff_t last);

/**
 * smm_rmap_for_each_vma() - each vma of a mapping over a range of offsets
 * @vma: the cursor, a struct vm_area_struct *
 * @mapping: the object's address_space, its i_mmap lock held
 * @first: the range's first page offset
 * @last: its last page offset (inclusive)
 *
 * Visits, in the i_mmap tree's order (by vm_pgoff), every vma that maps
 * at least one page offset in [@first, @last], and no other.  The body
 * must not let go of the i_mmap lock.  Between two vmas the walk may
 * yield the CPU, as the kernel's rmap walk does: a user sets how many
 * vmas map an offset (vm.max_map_count each, more through fork), so the
 * caller must be able to sleep.
 */
#define smm_rmap_for_each_vma(vma, mapping, first, last)		\
	for (vma = smm_rmap_first(mapping, first, last); vma;		\
	     cond_resched(), vma = smm_rmap_next(vma, first, last))

#endif /* _SHADOWMM_RMAP_H */
