/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of memory objects share and nothing else may use: the
 * way from an object's struct page to its shadow frame, and the calls
 * between an object's page cache (module/object.c) and its file layer
 * (module/file.c).  The rest of the module sees objects only through
 * include/shadowmm/object.h.
 */
#ifndef _SHADOWMM_OBJECT_INTERNAL_H
#define _SHADOWMM_OBJECT_INTERNAL_H

#include <linux/mm.h>
#include <linux/types.h>

#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/region.h>

/* The shadow frame behind a struct page of an object (page->private). */
static inline struct smm_page *smm_object_frame(struct smm_pool *pool, struct page *page)
{
	return smm_sfn_page(&pool->region, page_private(page));
}

/* module/object.c */
struct page *smm_object_get_page(struct smm_object *obj, pgoff_t index,
				 bool create, enum smm_page_origin *origin);

#endif /* _SHADOWMM_OBJECT_INTERNAL_H */
