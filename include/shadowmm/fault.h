/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault handling (module/fault.c): mmap of an object and the
 * vm_operations_struct of its mappings.
 */
#ifndef _SHADOWMM_FAULT_H
#define _SHADOWMM_FAULT_H

#include <linux/fs.h>
#include <linux/mm_types.h>

int smm_object_mmap(struct file *file, struct vm_area_struct *vma);
bool smm_vma_is_shadow(const struct vm_area_struct *vma);

#endif /* _SHADOWMM_FAULT_H */
