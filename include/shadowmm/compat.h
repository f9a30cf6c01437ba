/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels shadowmm builds against (Debian's 6.1 and
 * 6.12 headers, and the 6.12 test kernel).  Everything version-dependent
 * lives here so the subsystems read like code for one kernel.
 */
#ifndef _SHADOWMM_COMPAT_H
#define _SHADOWMM_COMPAT_H

#include <linux/version.h>
#include <linux/module.h>

/*
 * Symbols shared with shadowmm_kunit.ko are exported into a namespace of
 * their own so no other module links against them by accident.  6.13 turned
 * the namespace argument into a string; the two kernels we build for take
 * the bare identifier.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define SMM_EXPORT(sym)		EXPORT_SYMBOL_NS_GPL(sym, "SHADOWMM")
#define SMM_IMPORT_NS()		MODULE_IMPORT_NS("SHADOWMM")
#else
#define SMM_EXPORT(sym)		EXPORT_SYMBOL_NS_GPL(sym, SHADOWMM)
#define SMM_IMPORT_NS()		MODULE_IMPORT_NS(SHADOWMM)
#endif

#endif /* _SHADOWMM_COMPAT_H */
