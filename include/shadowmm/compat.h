/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels shadowmm builds against (Debian's 6.1 and
 * 6.12 headers, and the 6.12 test kernel).  Everything version-dependent
 * lives here so the subsystems read like code for one kernel.
 */
#ifndef _SHADOWMM_COMPAT_H
#define _SHADOWMM_COMPAT_H

#include <linux/mm_types.h>
#include <linux/module.h>

/*
 * Symbols the KUnit module (shadowmm_kunit.ko) calls.  Plain GPL exports:
 * the namespace macros changed form in 6.13, and a version test here
 * would be the only one in the tree.
 */
#define SMM_EXPORT(sym)		EXPORT_SYMBOL_GPL(sym)

/* Tracepoints go to the KUnit module only, not to every GPL module. */
#define SMM_EXPORT_TRACEPOINT(name)	EXPORT_TRACEPOINT_SYMBOL_GPL(name)

/*
 * Ptes mapping an order-0 folio of an object (never a typed page): what
 * folio_mapcount() says for one, which 6.1 has out of line and unexported.
 */
static inline int smm_folio_mapcount(struct folio *folio)
{
	return atomic_read(&folio->_mapcount) + 1;
}

#endif /* _SHADOWMM_COMPAT_H */
