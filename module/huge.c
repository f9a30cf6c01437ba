// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: PMD-sized folios built on shadowmm's own frames.
 *
 * A large folio is a head struct page and its tails: PG_head on the head,
 * each tail's compound_head pointing at it, and the folio's order and
 * mapcounts in the fields of the second and third struct pages.  The
 * kernel's page allocator writes them in prep_compound_page(), which
 * modules cannot call, and takes them apart when it frees the folio;
 * shadowmm's frames never reach either, so this file does both in the
 * same layout (include/linux/mm_types.h of the kernel built against:
 * Kbuild's test finds the fields).  The folio is built while its frames'
 * counts are all zero and taken apart while its count is frozen at zero,
 * so no lookup can hold a reference meanwhile: a stale lookup's
 * folio_try_get() fails on a zero count either way.
 *
 * What a folio carries as a whole (uptodate, dirty, mlocked, the mapping
 * and index) is the object's business (module/object.c): this file only
 * makes and unmakes the compound.
 */

#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/string.h>

#include <shadowmm/compat.h>
#include <shadowmm/huge.h>
#include <shadowmm/pool.h>
#include <shadowmm/region.h>

const char * const smm_huge_mode_names[SMM_NR_HUGE_MODES] = {
	[SMM_HUGE_NEVER] = "never",
	[SMM_HUGE_ALWAYS] = "always",
	[SMM_HUGE_ADVISE] = "advise",
};

/**
 * smm_huge_parse_mode() - a huge mode from its name
 * @buf: "never", "always" or "advise", a trailing newline allowed
 * @mode: where the mode goes
 *
 * Context: Any context.
 * Return: 0, or -EINVAL for any other string.
 */
int smm_huge_parse_mode(const char *buf, enum smm_huge_mode *mode)
{
	int i = sysfs_match_string(smm_huge_mode_names, buf);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}
SMM_EXPORT(smm_huge_parse_mode);

/**
 * smm_huge_block_mappable() - can a PMD map this block?
 * @pool: the pool
 * @block: the first frame of a block of SMM_HUGE_ORDER
 *
 * A PMD maps 2 MiB of physically contiguous memory aligned to 2 MiB.  A
 * buddy block is aligned within the region, whose chunks the kernel's
 * allocator gave aligned; a reserved range need not start aligned.
 *
 * Context: Any context.
 * Return: true when the block's memory is aligned for a PMD.
 */
bool smm_huge_block_mappable(struct smm_pool *pool, struct smm_page *block)
{
	unsigned long sfn = smm_page_sfn(&pool->region, block);

	return smm_huge_supported() && IS_ALIGNED(sfn, SMM_HUGE_NR) &&
	       IS_ALIGNED(smm_sfn_pfn(&pool->region, sfn), SMM_HUGE_NR);
}
SMM_EXPORT(smm_huge_block_mappable);

/**
 * smm_huge_note_poison() - keep the kernel from mapping a failed page by PMD
 * @folio: a folio of an object, with a reference held
 *
 * do_set_pmd() refuses a folio marked has_hwpoisoned and the kernel then
 * maps its pages one by one, each refused by the fault handler when its
 * memory failed.  memory_failure() marks a large folio only on its way
 * to splitting it, which an object's folio refuses, and never when it
 * cannot take the page (a machine check on a folio nobody pinned): so
 * whoever is about to let the kernel map the folio looks first.
 *
 * Context: Any context.
 */
void smm_huge_note_poison(struct folio *folio)
{
	long i;

	if (!folio_test_large(folio) || folio_test_has_hwpoisoned(folio))
		return;
	for (i = 0; i < folio_nr_pages(folio); i++) {
		if (unlikely(PageHWPoison(folio_page(folio, i)))) {
			folio_set_has_hwpoisoned(folio);
			return;
		}
	}
}
SMM_EXPORT(smm_huge_note_poison);

#ifdef SMM_HAVE_PMD_FOLIOS

/* The order byte of the second page's flags, as folio_set_order() has it. */
#define SMM_FOLIO_ORDER_MASK	0xffUL

/**
 * smm_huge_folio_make() - make a block of frames one PMD-sized folio
 * @pool: the pool
 * @block: the first frame of a block of SMM_HUGE_ORDER for which
 *	   smm_huge_block_mappable() holds, allocated, every frame's count
 *	   zero and unmapped
 *
 * Context: Any context.  Nobody else may reach the frames.
 * Return: the folio, its count still zero; the caller sets its fields and
 * makes the count nonzero last.
 */
struct folio *smm_huge_folio_make(struct smm_pool *pool, struct smm_page *block)
{
	struct page *head = smm_frame_struct_page(pool, block);
	struct folio *folio = (struct folio *)head;
	unsigned long i;

	for (i = 1; i < SMM_HUGE_NR; i++) {
		struct page *tail = head + i;

		VM_WARN_ON_ONCE_PAGE(page_ref_count(tail) || page_mapped(tail), tail);
		tail->mapping = TAIL_MAPPING;
		set_compound_head(tail, head);
	}
	/* The order byte takes the place of the second page's own low flags. */
	__SetPageHead(head);
	folio->_flags_1 = (folio->_flags_1 & ~SMM_FOLIO_ORDER_MASK) | SMM_HUGE_ORDER;
	folio->_folio_nr_pages = SMM_HUGE_NR;
	atomic_set(&folio->_large_mapcount, -1);
	atomic_set(&folio->_entire_mapcount, -1);
	atomic_set(&folio->_nr_pages_mapped, 0);
	atomic_set(&folio->_pincount, 0);
	INIT_LIST_HEAD(&folio->_deferred_list);
	/* As a page-cache folio from the kernel's allocator is. */
	folio_set_large_rmappable(folio);
	return folio;
}
SMM_EXPORT(smm_huge_folio_make);

/**
 * smm_huge_folio_unmake() - take a folio of smm_huge_folio_make() apart
 * @pool: the pool
 * @folio: the folio, mapped nowhere, its count frozen at zero
 *
 * Each page is an order-0 page again with the fields of a free frame's
 * struct page where the folio's fields lay (mapping NULL, no compound
 * head); page->private, which tails keep, and the flags each page has of
 * its own (PG_hwpoison) stay as they are.
 *
 * Context: Any context.  Nobody else may reach the pages.
 */
void smm_huge_folio_unmake(struct smm_pool *pool, struct folio *folio)
{
	struct page *head = &folio->page;
	unsigned long i;

	VM_WARN_ON_ONCE_FOLIO(folio_ref_count(folio) || folio_mapped(folio) ||
			      folio_order(folio) != SMM_HUGE_ORDER, folio);
	VM_WARN_ON_ONCE_FOLIO(atomic_read(&folio->_pincount), folio);
	folio_clear_large_rmappable(folio);
	folio_clear_has_hwpoisoned(folio);
	folio->_flags_1 &= ~SMM_FOLIO_ORDER_MASK;
	folio->_folio_nr_pages = 0;
	__ClearPageHead(head);
	for (i = 1; i < SMM_HUGE_NR; i++) {
		struct page *tail = head + i;

		/* Where the mapcounts and the deferred-split list lay. */
		tail->lru.prev = NULL;
		tail->mapping = NULL;
		tail->index = 0;
		clear_compound_head(tail);
	}
}
SMM_EXPORT(smm_huge_folio_unmake);

#else /* !SMM_HAVE_PMD_FOLIOS */

struct folio *smm_huge_folio_make(struct smm_pool *pool, struct smm_page *block)
{
	WARN_ON_ONCE(1);
	return NULL;
}
SMM_EXPORT(smm_huge_folio_make);

void smm_huge_folio_unmake(struct smm_pool *pool, struct folio *folio)
{
	WARN_ON_ONCE(1);
}
SMM_EXPORT(smm_huge_folio_unmake);

#endif /* SMM_HAVE_PMD_FOLIOS */
