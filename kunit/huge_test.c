// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for PMD-sized folios on shadowmm's frames (module/huge.c)
 * and what objects do with them (module/object.c): the kernel's own folio
 * helpers must see the compound huge.c builds exactly as one from its
 * page allocator, and see single pages again once it is taken apart; an
 * object's folio serves each index whole, splits into 512 pages in the
 * object, and leaves whole.  Kernels without PMD-sized folios skip.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#include <shadowmm/huge.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_lirs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
#include <uapi/shadowmm.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg huge_pool = {
	.mb = 16, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

static struct smm_pool *smm_huge_test_pool(struct kunit *test)
{
	if (!smm_huge_supported())
		kunit_skip(test, "no PMD-sized folios on this kernel");
	return smm_test_pool(test, &huge_pool);
}

/*
 * A block made a folio is one to the kernel's helpers: order 9, 512
 * pages, every tail's folio the head, no mapping counted, rmappable as a
 * page-cache folio; taken apart, each page is its own order-0 folio with
 * page->private (shadowmm's frame number) as it was.
 */
static void smm_huge_make_unmake_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct smm_page *block;
	struct folio *folio;
	struct page *head;
	unsigned long i, bad = 0;

	block = smm_alloc_pages(pool, SMM_HUGE_ORDER, SMM_GFP_HIGHMEM);
	KUNIT_ASSERT_NOT_NULL(test, block);
	KUNIT_ASSERT_TRUE(test, smm_huge_block_mappable(pool, block));
	head = smm_frame_struct_page(pool, block);
	for (i = 0; i < SMM_HUGE_NR; i++)
		set_page_private(head + i, smm_page_sfn(&pool->region, block + i));

	folio = smm_huge_folio_make(pool, block);
	KUNIT_EXPECT_PTR_EQ(test, &folio->page, head);
	KUNIT_EXPECT_EQ(test, folio_order(folio), SMM_HUGE_ORDER);
	KUNIT_EXPECT_EQ(test, folio_nr_pages(folio), SMM_HUGE_NR);
	KUNIT_EXPECT_TRUE(test, folio_test_pmd_mappable(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_large_rmappable(folio));
	KUNIT_EXPECT_FALSE(test, folio_mapped(folio));
	KUNIT_EXPECT_EQ(test, folio_mapcount(folio), 0);
	KUNIT_EXPECT_EQ(test, folio_entire_mapcount(folio), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	for (i = 1; i < SMM_HUGE_NR; i++)
		if (page_folio(head + i) != folio || !PageTail(head + i) ||
		    page_private(head + i) != page_private(head) + i)
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0UL);

	smm_huge_folio_unmake(pool, folio);
	for (i = 0; i < SMM_HUGE_NR; i++)
		if (PageCompound(head + i) || page_folio(head + i) != (struct folio *)(head + i) ||
		    folio_order(page_folio(head + i)) || head[i].mapping ||
		    page_private(head + i) != page_private(head) + i)
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	/* The order byte of the second page's flags is gone with the folio. */
	KUNIT_EXPECT_EQ(test, head[1].flags & 0xffUL, 0UL);
	for (i = 0; i < SMM_HUGE_NR; i++)
		set_page_private(head + i, 0);
	smm_free_pages(pool, block, SMM_HUGE_ORDER);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * An object's folio: one entry of i_pages over 512 indexes, each index's
 * lookup the folio's page there; a split leaves 512 single pages at
 * their indexes, every one in the object and on the LRU; the object's
 * and the pool's counts hold throughout, as validate checks.
 */
static void smm_huge_object_split_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct address_space *mapping = obj->inode->i_mapping;
	enum smm_page_origin origin;
	unsigned long i, bad = 0;
	struct folio *folio;
	struct page *page;

	folio = smm_object_add_huge(obj, SMM_HUGE_NR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	/* shadowmm's and the caller's, once the LRU batch let go of its own. */
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 2);
	KUNIT_EXPECT_EQ(test, folio->index, SMM_HUGE_NR);
	KUNIT_EXPECT_EQ(test, mapping->nrpages, SMM_HUGE_NR);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)SMM_HUGE_NR);
	folio_unlock(folio);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	/* Its range is taken: a second folio there is refused. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(smm_object_add_huge(obj, SMM_HUGE_NR)), -EBUSY);

	KUNIT_ASSERT_TRUE(test, !smm_object_fault_page(obj, SMM_HUGE_NR + 77, &page, &origin));
	KUNIT_EXPECT_PTR_EQ(test, page, folio_page(folio, 77));
	KUNIT_EXPECT_EQ(test, origin, SMM_PAGE_FOUND);

	/*
	 * The lookup's reference is the caller's the split expects; it and
	 * the lock are the head's, which the caller keeps.
	 */
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), 0);
	KUNIT_EXPECT_FALSE(test, folio_test_large(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_locked(folio));
	KUNIT_EXPECT_FALSE(test, PageLocked(page));
	folio_unlock(folio);
	folio_put(folio);
	/* The tails went on the LRU through this CPU's batch: its references go. */
	smm_lru_drain_all(pool);
	for (i = 0; i < SMM_HUGE_NR; i++) {
		page = xa_load(&mapping->i_pages, SMM_HUGE_NR + i);
		if (page != &folio->page + i || page->index != SMM_HUGE_NR + i ||
		    page->mapping != mapping || page_ref_count(page) != 1 ||
		    !PageUptodate(page))
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, mapping->nrpages, SMM_HUGE_NR);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, 4 * SMM_HUGE_NR * PAGE_SIZE),
			(long)SMM_HUGE_NR);
	KUNIT_EXPECT_EQ(test, mapping->nrpages, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}


/* What smm_object_split_alloc() was asked for, seen by the stub below. */
struct smm_split_alloc_seen {
	struct mem_cgroup *memcg;
	gfp_t gfp;
	int calls;
};

static void smm_test_split_alloc_seen(struct xa_state *xas, struct folio *folio,
				      struct mem_cgroup *memcg, gfp_t gfp)
{
	struct kunit *test = kunit_get_current_test();
	struct smm_split_alloc_seen *seen = test->priv;

	seen->memcg = memcg;
	seen->gfp = gfp;
	seen->calls++;
	kunit_deactivate_static_stub(test, smm_object_split_alloc);
	smm_object_split_alloc(xas, folio, memcg, gfp);
	kunit_activate_static_stub(test, smm_object_split_alloc, smm_test_split_alloc_seen);
}

/*
 * Reclaim splits a cold PMD-sized folio for whichever task reclaims, so
 * the split's xarray nodes are charged to the object's owner, forced and
 * never sleeping, as the shadow entries an eviction leaves: they were
 * charged to the reclaiming task with GFP_KERNEL, which at that task's
 * memory.max reclaimed and OOM-killed in its cgroup, page locks held, on
 * the owner's behalf.  A punch splits for its caller, charged as shmem
 * charges it.
 */
static void smm_huge_split_charges_owner_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct smm_split_alloc_seen seen = { };
	struct folio *folio;

	test->priv = &seen;
	kunit_activate_static_stub(test, smm_object_split_alloc, smm_test_split_alloc_seen);
	folio = smm_object_add_huge(obj, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), 0);
	KUNIT_EXPECT_EQ(test, seen.calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, seen.memcg, obj->memcg);
	KUNIT_EXPECT_FALSE(test, gfpflags_allow_blocking(seen.gfp));
	KUNIT_EXPECT_TRUE(test, seen.gfp & __GFP_HIGH);
	folio_unlock(folio);
	folio_put(folio);

	folio = smm_object_add_huge(obj, SMM_HUGE_NR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_unlock(folio);
	folio_put(folio);
	smm_lru_drain_all(pool);
	smm_object_punch(obj, (loff_t)(SMM_HUGE_NR + 1) << PAGE_SHIFT,
			 (loff_t)(SMM_HUGE_NR + 2) << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, seen.calls, 2);
	KUNIT_EXPECT_NULL(test, seen.memcg);
	KUNIT_EXPECT_TRUE(test, gfpflags_allow_blocking(seen.gfp));
	kunit_deactivate_static_stub(test, smm_object_split_alloc);
	test->priv = NULL;
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A folio that a user holds besides the caller stays whole: the split
 * fails, counted, and a punch of part of it zeroes that part in place;
 * once the user lets go, a punch of all of it frees it whole and every
 * frame is free again.
 */
static void smm_huge_held_folio_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long free0 = smm_pool_free_pages(pool), failed0, i, bad = 0;
	struct folio *folio;
	u8 *p;

	folio = smm_object_add_huge(obj, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	for (i = 0; i < SMM_HUGE_NR; i++)
		memset(page_address(folio_page(folio, i)), 0xa5, PAGE_SIZE);
	folio_unlock(folio);
	/* The add's reference is kept: a user holding the folio. */
	failed0 = smm_event_sum(pool, SMM_THP_SPLIT_PAGE_FAILED);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 10 * PAGE_SIZE, 12 * PAGE_SIZE), 0L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_THP_SPLIT_PAGE_FAILED) - failed0, 1UL);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));
	for (i = 0; i < SMM_HUGE_NR; i++) {
		p = page_address(folio_page(folio, i));
		if (memchr_inv(p, i >= 10 && i < 12 ? 0 : 0xa5, PAGE_SIZE))
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)SMM_HUGE_NR);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, SMM_HUGE_NR * PAGE_SIZE),
			(long)SMM_HUGE_NR);
	smm_lru_drain_all(pool);
	smm_object_pinned_flush(pool);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A folio's dirtiness is its head frame's, however it was written: a
 * write() into one of its pages and the zeroing of part of it that a
 * punch does in place (the folio held, unsplittable) each mark the head,
 * not the page they wrote, and a split then hands the flag to all 512.
 */
static void smm_huge_dirty_is_the_heads_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct smm_page *head;
	unsigned long i, clean = 0;
	struct folio *folio;
	loff_t pos = 5 * PAGE_SIZE;
	char c = 'w';

	folio = smm_object_add_huge(obj, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	head = smm_object_frame(pool, &folio->page);
	folio_unlock(folio);
	/* As if written back: every frame of it clean. */
	for (i = 0; i < SMM_HUGE_NR; i++)
		clear_bit(SMM_PG_dirty, &head[i].flags);

	KUNIT_EXPECT_EQ(test, kernel_write(file, &c, 1, &pos), 1L);
	KUNIT_EXPECT_TRUE(test, smm_page_test(head, SMM_PG_dirty));
	KUNIT_EXPECT_FALSE(test, smm_page_test(head + 5, SMM_PG_dirty));

	/* The add's reference held: the punch zeroes pages 10, 11 in place. */
	clear_bit(SMM_PG_dirty, &head->flags);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 10 * PAGE_SIZE, 12 * PAGE_SIZE), 0L);
	KUNIT_EXPECT_TRUE(test, smm_page_test(head, SMM_PG_dirty));
	KUNIT_EXPECT_FALSE(test, smm_page_test(head + 10, SMM_PG_dirty));

	/* No LRU batch may hold it: the split wants only ours and shadowmm's. */
	smm_lru_drain_all(pool);
	folio_lock(folio);
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), 0);
	folio_unlock(folio);
	folio_put(folio);
	for (i = 0; i < SMM_HUGE_NR; i++)
		clean += !smm_page_test(head + i, SMM_PG_dirty);
	KUNIT_EXPECT_EQ(test, clean, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Under lirs a split hands the folio's stamp (when it was last used) to
 * all 512 pages: cold pages split off a folio reclaim takes apart are not
 * made recent by it.  (Before, each was stamped with the clock at the
 * split.)
 */
static void smm_huge_split_keeps_stamp_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file;
	struct smm_object *obj;
	struct smm_page *head;
	unsigned long i, other = 0, used;
	struct folio *folio;

	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_LIRS), 0);
	file = smm_test_object_file(test, pool);
	obj = smm_file_object(file);
	folio = smm_object_add_huge(obj, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	head = smm_object_frame(pool, &folio->page);
	smm_lru_drain_all(pool);
	used = (smm_lru_lirs_now(pool, 0) + 5) & SMM_PAGE_STAMP_MAX;
	smm_lru_lirs_stamp(head, used);
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), 0);
	folio_unlock(folio);
	folio_put(folio);
	smm_lru_drain_all(pool);
	for (i = 0; i < SMM_HUGE_NR; i++)
		other += smm_lru_lirs_stamp_of(head + i) != used;
	KUNIT_EXPECT_EQ(test, other, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A size limit that falls inside a folio: while a change to it is under
 * way (limit_pending) no folio is made across it, though one wholly
 * below it is; a folio across it that a user holds makes the change fail
 * with nothing changed (the limit, the folio, the pending value put
 * back); once the user lets go the change splits it and keeps only what
 * lies below.
 */
static void smm_huge_limit_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	loff_t inside = (SMM_HUGE_NR + 100) << PAGE_SHIFT;
	struct folio *folio;

	WRITE_ONCE(obj->limit_pending, inside);
	folio = smm_object_add_huge(obj, SMM_HUGE_NR);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(folio), -EBUSY);
	/* Made after all: let go, or the object's end waits on its lock. */
	if (!IS_ERR(folio)) {
		folio_unlock(folio);
		folio_put(folio);
		KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, 2 * SMM_HUGE_NR * PAGE_SIZE),
				(long)SMM_HUGE_NR);
	}
	folio = smm_object_add_huge(obj, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_unlock(folio);
	folio_put(folio);
	WRITE_ONCE(obj->limit_pending, SHADOWMM_MAX_OBJECT_SIZE);

	folio = smm_object_add_huge(obj, SMM_HUGE_NR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_unlock(folio);
	/* The add's reference is kept: a user holding the folio. */
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, inside), -EBUSY);
	KUNIT_EXPECT_EQ(test, obj->size_limit, SHADOWMM_MAX_OBJECT_SIZE);
	KUNIT_EXPECT_EQ(test, obj->limit_pending, SHADOWMM_MAX_OBJECT_SIZE);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 2L * SMM_HUGE_NR);
	folio_put(folio);
	smm_lru_drain_all(pool);

	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, inside), 0);
	KUNIT_EXPECT_EQ(test, obj->limit_pending, inside);
	KUNIT_EXPECT_FALSE(test, folio_test_large(folio));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), SMM_HUGE_NR + 100L);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 0L);
}

/* The kernel's count of @item summed over every CPU (vmstat). */
static long smm_huge_test_vm_event(struct kunit *test, enum vm_event_item item)
{
	unsigned long *ev = kunit_kcalloc(test, NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	all_vm_events(ev);
	return ev[item];
}

/*
 * A split of a folio still marked mlocked with no mapping left (the state
 * a munlock() leaves when its walk finds the PMD the split's unmap just
 * dropped, VM_LOCKED already cleared): the mark goes and Mlocked loses
 * the folio's 512 pages, since no page of it is in a locked mapping; the
 * pages go to the inactive list, and their frames free one by one later
 * as single pages that were never mlocked.  Before, the mark stayed on
 * the head page alone and Mlocked kept 511 pages for good.
 */
static void smm_huge_split_stale_mlock_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	long mlocked0, cleared0;
	struct folio *folio;
	struct zone *zone;
	int ret;

	folio = smm_object_add_huge(obj, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	smm_lru_drain_all(pool);
	zone = page_zone(&folio->page);
	mlocked0 = zone_page_state_snapshot(zone, NR_MLOCK);
	cleared0 = smm_huge_test_vm_event(test, UNEVICTABLE_PGCLEARED);
	/* As mlock() of a PMD-mapped folio marks and counts it. */
	folio_set_mlocked(folio);
	mod_zone_page_state(zone, NR_MLOCK, SMM_HUGE_NR);

	ret = smm_object_split_huge(obj, folio);
	KUNIT_EXPECT_EQ(test, ret, 0);
	/*
	 * A split that failed left the mark: take back what this case
	 * counted, or the machine's Mlocked would stay 2 MiB high.
	 */
	if (ret && folio_test_clear_mlocked(folio))
		mod_zone_page_state(zone, NR_MLOCK, -SMM_HUGE_NR);
	KUNIT_EXPECT_FALSE(test, folio_test_mlocked(folio));
	KUNIT_EXPECT_EQ(test, (long)zone_page_state_snapshot(zone, NR_MLOCK) - mlocked0, 0L);
	KUNIT_EXPECT_EQ(test, smm_huge_test_vm_event(test, UNEVICTABLE_PGCLEARED) - cleared0,
			(long)SMM_HUGE_NR);
	KUNIT_EXPECT_FALSE(test, smm_page_test(smm_object_frame(pool, &folio->page),
					       SMM_PG_unevictable));
	folio_unlock(folio);
	folio_put(folio);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, SMM_HUGE_NR * PAGE_SIZE),
			(long)SMM_HUGE_NR);
	KUNIT_EXPECT_EQ(test, (long)zone_page_state_snapshot(zone, NR_MLOCK) - mlocked0, 0L);
}

/* Whether a PMD of the current process maps @addr (its tables walked). */
static bool smm_huge_test_pmd_mapped(unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	bool leaf = false;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	mmap_read_lock(mm);
	pgd = pgd_offset(mm, addr);
	if (pgd_present(READ_ONCE(*pgd))) {
		p4d = p4d_offset(pgd, addr);
		if (p4d_present(READ_ONCE(*p4d))) {
			pud = pud_offset(p4d, addr);
			if (pud_present(READ_ONCE(*pud)) && !pud_leaf(READ_ONCE(*pud))) {
				pmd = pmd_offset(pud, addr);
				leaf = pmd_present(READ_ONCE(*pmd)) && pmd_leaf(READ_ONCE(*pmd));
			}
		}
	}
	mmap_read_unlock(mm);
	return leaf;
}

/* The mapping smm_huge_test_map() makes: two PMDs' worth. */
#define SMM_HUGE_TEST_MAP_LEN	(2 * SMM_HUGE_NR * PAGE_SIZE)

/*
 * A PMD-mapped folio: huge=always, SMM_HUGE_TEST_MAP_LEN of @file
 * mapped, and a write @off bytes past the mapping's first 2 MiB
 * boundary.  Returns the folio there, with a reference; *@addrp is the
 * mapping, *@atp the boundary.
 */
static struct folio *smm_huge_test_map(struct kunit *test, struct smm_pool *pool,
				       struct file *file, unsigned long off,
				       unsigned long *addrp, unsigned long *atp)
{
	struct smm_object *obj = smm_file_object(file);
	unsigned long addr, at;
	struct folio *folio;

	KUNIT_ASSERT_EQ(test, smm_object_set_huge(pool, SMM_HUGE_ALWAYS), 0);
	addr = kunit_vm_mmap(test, file, 0, SMM_HUGE_TEST_MAP_LEN, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	at = ALIGN(addr, PMD_SIZE);
	KUNIT_ASSERT_EQ(test, put_user(1, (char __user *)at + off), 0);
	KUNIT_ASSERT_TRUE(test, smm_huge_test_pmd_mapped(at));
	folio = page_folio((struct page *)xa_load(&obj->inode->i_mapping->i_pages,
						  (at - addr) >> PAGE_SHIFT));
	KUNIT_ASSERT_TRUE(test, folio_test_large(folio));
	folio_get(folio);
	*addrp = addr;
	*atp = at;
	return folio;
}

/*
 * The PMD at @at after a split was tried: with @split it went and the
 * split was counted (beyond @splits, the count before), else it stayed
 * and nothing was counted.
 */
static void smm_huge_test_expect_split(struct kunit *test, struct smm_pool *pool,
				       unsigned long at, unsigned long splits, bool split)
{
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_THP_SPLIT_PMD), splits + split);
	KUNIT_EXPECT_EQ(test, smm_huge_test_pmd_mapped(at), !split);
}

/*
 * A size limit inside a PMD-mapped folio that a user holds: the change
 * fails before the split touches anything (as the kernel's split asks
 * can_split_folio() before it unmaps), so the PMD stays and no split is
 * counted; once the user lets go it splits, dropping and counting the PMD.
 */
static void smm_huge_held_split_keeps_pmd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long addr, at, splits;
	struct folio *folio;
	loff_t inside;

	folio = smm_huge_test_map(test, pool, file, 0, &addr, &at);
	inside = (loff_t)(folio->index + 3) << PAGE_SHIFT;
	splits = smm_event_sum(pool, SMM_THP_SPLIT_PMD);
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, inside), -EBUSY);
	smm_huge_test_expect_split(test, pool, at, splits, false);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));
	folio_put(folio);

	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, inside), 0);
	smm_huge_test_expect_split(test, pool, at, splits, true);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* In place of smm_object_split_alloc(): no memory for the nodes. */
static void smm_test_split_alloc_fails(struct xa_state *xas, struct folio *folio,
				       struct mem_cgroup *memcg, gfp_t gfp)
{
	xas_set_err(xas, -ENOMEM);
}

/*
 * A split that gets no memory for its xarray nodes (reclaim's never waits
 * for it) fails before it touches the folio's mappings: the PMD stays and
 * no split is counted.  The nodes used to be asked for after the unmap,
 * so the folio stayed whole but every process had lost its PMD.
 */
static void smm_huge_split_nomem_keeps_pmd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long addr, at, splits;
	struct folio *folio;

	folio = smm_huge_test_map(test, pool, file, 0, &addr, &at);
	splits = smm_event_sum(pool, SMM_THP_SPLIT_PMD);
	folio_lock(folio);
	kunit_activate_static_stub(test, smm_object_split_alloc, smm_test_split_alloc_fails);
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), -ENOMEM);
	kunit_deactivate_static_stub(test, smm_object_split_alloc);
	smm_huge_test_expect_split(test, pool, at, splits, false);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));
	/* With memory it splits, dropping and counting the PMD. */
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), 0);
	smm_huge_test_expect_split(test, pool, at, splits, true);
	folio_unlock(folio);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A first touch in a mapping's aligned 2 MiB maps the folio with a PMD;
 * aging reads that PMD's young bit once (a folio's accesses through one
 * mapping count once), clears it, and finds it again after an access.
 * Once the kernel dropped the PMD (an munmap() of a page of it) and the
 * folio is mapped by ptes again, a young pte of any of its pages counts,
 * still once for the mapping.
 */
static void smm_huge_young_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long len = SMM_HUGE_TEST_MAP_LEN, addr, at;
	struct folio *folio;
	char c = 1;

	folio = smm_huge_test_map(test, pool, file, 5 * PAGE_SIZE, &addr, &at);
	/* The placement puts a mapping of 2 MiB or more on a 2 MiB boundary. */
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(addr, PMD_SIZE));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_THP_FAULT_ALLOC), 1UL);
	folio_lock(folio);
	KUNIT_EXPECT_EQ(test, smm_object_young_ptes(folio), 1U);
	KUNIT_EXPECT_EQ(test, smm_object_young_ptes(folio), 0U);
	folio_unlock(folio);
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)at + 300 * PAGE_SIZE), 0);
	folio_lock(folio);
	KUNIT_EXPECT_EQ(test, smm_object_young_ptes(folio), 1U);
	folio_unlock(folio);

	/* The kernel drops a file PMD an munmap() splits; ptes map it again. */
	KUNIT_EXPECT_EQ(test, vm_munmap(at + 16 * PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_EXPECT_FALSE(test, smm_huge_test_pmd_mapped(at));
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)at + 7 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)at + 8 * PAGE_SIZE), 0);
	/* Never written: zero, through the ptes as through the PMD. */
	KUNIT_EXPECT_EQ(test, c, 0);
	folio_lock(folio);
	KUNIT_EXPECT_EQ(test, smm_object_young_ptes(folio), 1U);
	KUNIT_EXPECT_EQ(test, smm_object_young_ptes(folio), 0U);
	folio_unlock(folio);
	folio_put(folio);

	KUNIT_EXPECT_EQ(test, vm_munmap(addr, len), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* VM_LOCKED as an mlock() that came after the split began shows it. */
static bool smm_huge_test_locked_once_unmapped(struct folio *folio)
{
	return !folio_mapped(folio);
}

/*
 * An mlock() between the start of a split and its unmap: it set
 * VM_LOCKED, found the PMD still there, faulted nothing and returned,
 * and the unmap then munlocked the folio.  Its 512 pages must still go
 * to the unevictable list.  The split asked before its unmap whether a
 * locked mapping covered them, was told no, and put them on the
 * inactive list, from which reclaim took a locked range.
 */
static void smm_huge_split_mlock_race_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long i, unevictable = 0, addr, at;
	struct smm_page *block;
	struct folio *folio;

	folio = smm_huge_test_map(test, pool, file, 0, &addr, &at);
	folio_lock(folio);
	smm_lru_drain_all(pool);

	kunit_activate_static_stub(test, smm_object_mapped_locked,
				   smm_huge_test_locked_once_unmapped);
	KUNIT_EXPECT_EQ(test, smm_object_split_huge(obj, folio), 0);
	kunit_deactivate_static_stub(test, smm_object_mapped_locked);
	smm_lru_drain_all(pool);
	block = smm_object_frame(pool, &folio->page);
	for (i = 0; i < SMM_HUGE_NR; i++)
		unevictable += smm_page_test(block + i, SMM_PG_unevictable);
	KUNIT_EXPECT_EQ(test, unevictable, SMM_HUGE_NR);
	folio_unlock(folio);
	folio_put(folio);

	KUNIT_EXPECT_EQ(test, vm_munmap(addr, SMM_HUGE_TEST_MAP_LEN), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * mglru's aging looks at a PMD-sized folio once per pass: its frame is
 * one entry of its generation's list but 512 of its pages.  A walk that
 * counted the frame as one page took it again and again while the
 * generation's page count lasted (a walk of its mapping each time, 512
 * for one folio).  The folio here is not young, so it stays where it is
 * and the walk would meet it again.
 */
static void smm_huge_gen_age_once_test(struct kunit *test)
{
	struct smm_pool *pool = smm_huge_test_pool(test);
	struct smm_node *node = &pool->zones.nodes[0];
	unsigned long len = SMM_HUGE_NR * PAGE_SIZE, addr, vmas;
	struct file *file;
	struct folio *folio;
	char c = 1;

	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), 0);
	file = smm_test_object_file(test, pool);
	KUNIT_ASSERT_EQ(test, smm_object_set_huge(pool, SMM_HUGE_ALWAYS), 0);
	addr = kunit_vm_mmap(test, file, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr) && IS_ALIGNED(addr, PMD_SIZE));
	KUNIT_ASSERT_EQ(test, put_user(c, (char __user *)addr), 0);
	KUNIT_ASSERT_TRUE(test, smm_huge_test_pmd_mapped(addr));
	smm_lru_drain_all(pool);
	folio = page_folio((struct page *)xa_load(&file->f_mapping->i_pages, 0));
	KUNIT_ASSERT_TRUE(test, folio_test_large(folio));
	folio_lock(folio);
	smm_object_young_ptes(folio);
	folio_unlock(folio);

	vmas = smm_event_sum(pool, SMM_RMAP_VMAS_SCANNED);
	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, node->lruvec.gen.max_seq, ULONG_MAX),
			0U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_RMAP_VMAS_SCANNED) - vmas, 1UL);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, len), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The knob: names parsed, refused where no folio can be built. */
static void smm_huge_knob_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &huge_pool);
	enum smm_huge_mode mode;

	KUNIT_EXPECT_EQ(test, smm_huge_parse_mode("advise\n", &mode), 0);
	KUNIT_EXPECT_EQ(test, mode, SMM_HUGE_ADVISE);
	KUNIT_EXPECT_EQ(test, smm_huge_parse_mode("Always", &mode), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_object_set_huge(pool, SMM_NR_HUGE_MODES), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_object_set_huge(pool, SMM_HUGE_NEVER), 0);
	if (smm_huge_supported()) {
		KUNIT_EXPECT_EQ(test, smm_object_set_huge(pool, SMM_HUGE_ALWAYS), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(pool->objects.huge), SMM_HUGE_ALWAYS);
	} else {
		KUNIT_EXPECT_EQ(test, smm_object_set_huge(pool, SMM_HUGE_ALWAYS), -EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, READ_ONCE(pool->objects.huge), SMM_HUGE_NEVER);
	}
}

static struct kunit_case smm_huge_cases[] = {
	KUNIT_CASE(smm_huge_make_unmake_test),
	KUNIT_CASE(smm_huge_object_split_test),
	KUNIT_CASE(smm_huge_split_charges_owner_test),
	KUNIT_CASE(smm_huge_held_folio_test),
	KUNIT_CASE(smm_huge_dirty_is_the_heads_test),
	KUNIT_CASE(smm_huge_split_keeps_stamp_test),
	KUNIT_CASE(smm_huge_split_stale_mlock_test),
	KUNIT_CASE(smm_huge_split_mlock_race_test),
	KUNIT_CASE(smm_huge_limit_test),
	KUNIT_CASE(smm_huge_young_test),
	KUNIT_CASE(smm_huge_held_split_keeps_pmd_test),
	KUNIT_CASE(smm_huge_split_nomem_keeps_pmd_test),
	KUNIT_CASE(smm_huge_gen_age_once_test),
	KUNIT_CASE(smm_huge_knob_test),
	{}
};

static struct kunit_suite smm_huge_suite = {
	.name = "shadowmm_huge",
	.test_cases = smm_huge_cases,
};

kunit_test_suites(&smm_huge_suite);
