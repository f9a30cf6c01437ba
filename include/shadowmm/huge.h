/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowmm: PMD-sized folios built on shadowmm's own frames.
 *
 * The kernel maps a file's memory with one PMD only from a page-cache
 * folio of PMD order (do_set_pmd(), filemap_map_pmd()).  shadowmm's
 * frames come from its own buddy allocator, not the kernel's, so a block
 * of them is made a compound folio here, by hand, in the layout of the
 * kernel built against, and taken apart again before its frames go back.
 * Only kernels whose folio layout this file knows get them
 * (SMM_HAVE_PMD_FOLIOS, from Kbuild's test); elsewhere every fault maps
 * single pages.
 */
#ifndef _SHADOWMM_HUGE_H
#define _SHADOWMM_HUGE_H

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/types.h>

#include <shadowmm/compat.h>
#include <shadowmm/page.h>

struct smm_pool;

/* The order of a PMD's worth of frames: 9 with 4 KiB pages. */
#define SMM_HUGE_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define SMM_HUGE_NR		(1UL << SMM_HUGE_ORDER)

/**
 * enum smm_huge_mode - when a pool's faults may map a PMD
 * @SMM_HUGE_NEVER:	never (the default)
 * @SMM_HUGE_ALWAYS:	in any mapping that allows it (not MADV_NOHUGEPAGE,
 *			not a process with THP disabled by prctl)
 * @SMM_HUGE_ADVISE:	only in mappings given MADV_HUGEPAGE
 * @SMM_NR_HUGE_MODES:	number of modes
 *
 * The names are those of /sys/kernel/mm/transparent_hugepage/shmem_enabled.
 */
enum smm_huge_mode {
	SMM_HUGE_NEVER,
	SMM_HUGE_ALWAYS,
	SMM_HUGE_ADVISE,
	SMM_NR_HUGE_MODES,
};

extern const char * const smm_huge_mode_names[SMM_NR_HUGE_MODES];

#ifdef SMM_HAVE_PMD_FOLIOS
/*
 * The CPU must map 2 MiB with one entry (x86's PSE): the kernel's own THP
 * is off without it, and 6.1's do_set_pmd() would install a PMD anyway.
 */
static inline bool smm_huge_supported(void)
{
	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && has_transparent_hugepage();
}
#else
static inline bool smm_huge_supported(void)
{
	return false;
}
#endif

/* The pages a frame stands for on the LRU: a folio's head frame, all of them. */
static inline unsigned long smm_frame_nr_pages(const struct smm_page *frame)
{
	return smm_page_test(frame, SMM_PG_head) ? SMM_HUGE_NR : 1;
}

bool smm_huge_block_mappable(struct smm_pool *pool, struct smm_page *block);
struct folio *smm_huge_folio_make(struct smm_pool *pool, struct smm_page *block);
void smm_huge_folio_unmake(struct smm_pool *pool, struct folio *folio);
int smm_huge_parse_mode(const char *buf, enum smm_huge_mode *mode);
void smm_huge_note_poison(struct folio *folio);

#endif /* _SHADOWMM_HUGE_H */
