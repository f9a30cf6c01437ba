// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: eviction of object pages, and the shadow entries it leaves.
 *
 * Reclaim (module/reclaim.c) isolates pages from the inactive list, locks
 * each, and asks the LRU (smm_lru_check_references(), module/lru.c)
 * whether it is a victim; the LRU reads the page's pins and young ptes
 * through the two helpers here (smm_object_page_pinned(),
 * smm_object_young_ptes(): a walk of the object's mappings of its own,
 * of only those over the page, found in the i_mmap interval tree by
 * module/rmap.c, so a page's judgment costs its own mappings, not every
 * mapping of its object; counted in vmstat rmap_vmas_scanned).
 * A victim goes to smm_object_remove_mapping(), which takes it out of its
 * object: unmapped, written to the backing store unless it is all zeroes,
 * replaced in the object by a shadow entry (node, age, store slot) and
 * freed.  A swap-in (module/object.c) undoes it on the next access.
 *
 * Compaction (module/compaction.c) moves object pages between frames
 * through smm_object_migrate_page(): the same lock, unmap and count
 * freeze as an eviction, but the page goes to another frame instead of
 * the store, and the new frame takes its place in i_pages and on the LRU.
 *
 * Shadow entries with a slot are the only copy of their page, bounded by
 * the store's size.  Those without (an evicted page of zeroes, never
 * written) only remember when the page left; above as many as the region
 * has frames, the eviction queues a work item that drops them down to
 * half, turning them into holes that read as the same zeroes: the
 * kernel's shadow node shrinker, counted as workingset_nodereclaim too.
 */

#include <linux/atomic.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/pagemap.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/rmap.h>
#include <shadowmm/stats.h>
#include <shadowmm/walk.h>
#include <trace/events/shadowmm.h>

/* What a walk of a folio's ptes found: young ptes of pfns [pfn, pfn + nr). */
struct smm_young_walk {
	unsigned long pfn;
	unsigned long nr;
	unsigned int young;
};

static int smm_object_pte_young(pte_t *pte, unsigned long addr, void *data)
{
	struct smm_young_walk *w = data;
	pte_t entry = ptep_get(pte);

	if (pte_present(entry) && pte_pfn(entry) - w->pfn < w->nr &&
	    smm_pte_test_and_clear_young(pte))
		w->young++;
	return 0;
}

/*
 * The PMD entry for @addr in @mm, if the tables above it are there.  The
 * caller holds the i_mmap lock of a file vma covering @addr: its page
 * tables stay until the vma leaves the tree.
 */
static pmd_t *smm_object_find_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (!pgd_present(READ_ONCE(*pgd)))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (!p4d_present(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (!pud_present(READ_ONCE(*pud)) || pud_leaf(READ_ONCE(*pud)))
		return NULL;
	return pmd_offset(pud, addr);
}

/*
 * The young entries of @vma mapping the walk's pfns in [@start, @end), a
 * range of the vma under one PMD entry: that PMD's young bit when it maps
 * the folio whole, else its ptes'.  Nothing is walked under an empty
 * entry, and a page table seen stays one (the kernel sets a PMD only over
 * an empty entry), so the pte walk never meets a PMD.
 */
static void smm_object_vma_young(struct vm_area_struct *vma, unsigned long start,
				 unsigned long end, struct smm_young_walk *w)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t *pmd = smm_object_find_pmd(mm, start);
	spinlock_t *ptl;
	pmd_t entry;

	if (!pmd)
		return;
	/*
	 * Unlocked first: an empty entry maps nothing, a table stays one,
	 * and a PMD never maps a single page: only a folio's leaf needs the
	 * lock, to test and clear its young bit.
	 */
	entry = READ_ONCE(*pmd);
	if (pmd_none(entry) || !pmd_present(entry))
		return;
	if (!pmd_leaf(entry)) {
		apply_to_existing_page_range(mm, start, end - start, smm_object_pte_young, w);
		return;
	}
	if (w->nr == 1)
		return;
	ptl = pmd_lock(mm, pmd);
	entry = READ_ONCE(*pmd);
	if (pmd_present(entry) && pmd_leaf(entry)) {
		if (pmd_pfn(entry) == w->pfn && smm_pmd_test_and_clear_young(pmd))
			w->young++;
	}
	spin_unlock(ptl);
}

/**
 * smm_object_page_pinned() - does an object page have a pin?
 * @folio: a page (or PMD-sized folio) of an object, held by the caller:
 *	isolated from the LRU by reclaim, or looked up by a split
 *
 * Such a page holds shadowmm's own reference, the caller's and one per
 * pte or PMD that maps it; any more is a user that can keep it from
 * going (a get_user_pages() pin, a lookup under way, a pipe's buffer).
 *
 * Context: Any context; the page locked by the caller, so that no pte
 * mapping it can be added meanwhile.
 * Return: true when it holds more references than those.
 */
bool smm_object_page_pinned(struct folio *folio)
{
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	/* shadowmm's reference, the caller's, one per mapping: more is a pin. */
	return folio_ref_count(folio) > 2 + smm_folio_mapcount(folio);
}

/**
 * smm_object_young_ptes() - the accesses an object page's mappings made
 * @folio: a mapped page of an object
 *
 * Counts the page's ptes that are young, each made old again, as the
 * kernel's rmap walk (folio_referenced()) reads them.  The walk is
 * shadowmm's own, through the vmas of the object's i_mmap tree over the
 * folio's offsets (module/rmap.c), so what it finds does not depend on
 * what the kernel's LRU flavour (classic or multi-generational) does with
 * a young pte when it zaps one.  The i_mmap lock, taken here, keeps each
 * vma and its page tables; the page lock, which the caller holds, keeps
 * the page in the object.  A PMD-sized folio's accesses are its PMD's
 * young bit in a mapping that maps it whole, its ptes' young bits
 * elsewhere, and count once a mapping.
 *
 * Context: Process context, may sleep (the i_mmap lock); the page locked
 * by the caller.
 * Return: the number of young ptes found (of mappings, for a folio).
 */
unsigned int smm_object_young_ptes(struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	pgoff_t index = folio->index, nr = folio_nr_pages(folio);
	struct vm_area_struct *vma;
	unsigned int young = 0, vmas = 0;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	i_mmap_lock_read(mapping);
	smm_rmap_for_each_vma(vma, mapping, index, index + nr - 1) {
		struct smm_young_walk w = { .pfn = folio_pfn(folio), .nr = nr };
		unsigned long start, end, addr, next;
		pgoff_t first, last;

		vmas++;
		/* The part of the folio's range the vma maps. */
		first = max(index, vma->vm_pgoff);
		last = min(index + nr, vma->vm_pgoff + vma_pages(vma));
		start = vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT);
		end = start + ((last - first) << PAGE_SHIFT);
		for (addr = start; addr < end; addr = next) {
			next = pmd_addr_end(addr, end);
			smm_object_vma_young(vma, addr, next, &w);
		}
		/* A folio's accesses through one mapping count once. */
		young += nr > 1 ? !!w.young : w.young;
	}
	i_mmap_unlock_read(mapping);
	smm_count_events(smm_inode_object(mapping->host)->pool, SMM_RMAP_VMAS_SCANNED, vmas);
	return young;
}
SMM_EXPORT(smm_object_young_ptes);

/**
 * smm_object_mapped_locked() - does a locked mapping map part of a folio?
 * @folio: a folio of an object, locked by the caller
 *
 * The kernel mlocks a large folio only when mlock() walks it; one a
 * locked mapping faulted in stays unmarked until reclaim finds the
 * mapping, as this does among the vmas of the object's i_mmap tree over
 * the folio's offsets.  Nor does PG_mlocked say for a single page: the
 * munlock of one of two locked mappings clears it (see
 * smm_lru_rescue_unevictable()).
 *
 * Context: Process context, may sleep (the i_mmap lock).
 * Return: true when a VM_LOCKED vma covers any page of @folio.
 */
bool smm_object_mapped_locked(struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	pgoff_t index = folio->index, nr = folio_nr_pages(folio);
	struct vm_area_struct *vma;
	unsigned int vmas = 0;
	bool locked = false;

	KUNIT_STATIC_STUB_REDIRECT(smm_object_mapped_locked, folio);
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	i_mmap_lock_read(mapping);
	smm_rmap_for_each_vma(vma, mapping, index, index + nr - 1) {
		vmas++;
		if (vma->vm_flags & VM_LOCKED) {
			locked = true;
			break;
		}
	}
	i_mmap_unlock_read(mapping);
	smm_count_events(smm_inode_object(mapping->host)->pool, SMM_RMAP_VMAS_SCANNED, vmas);
	return locked;
}
SMM_EXPORT(smm_object_mapped_locked);

/* By object, then by offset: runs of consecutive offsets of one object. */
static int smm_victim_cmp(const void *a, const void *b)
{
	const struct smm_page *x = *(struct smm_page * const *)a;
	const struct smm_page *y = *(struct smm_page * const *)b;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/*
 * Unmap @nr victims at consecutive offsets of one object (@frames, each
 * locked, in order of offset) from every process, with one zap, then
 * keep those a locked mapping covers.  The verdict on a victim was given
 * before the zap: mlock() may have locked a mapping of it meanwhile.
 * mlock() sets VM_LOCKED before it walks the mapping's page tables and
 * populates them under their locks, so a pte the zap took out after that
 * walk saw it is of a mapping whose VM_LOCKED this walk, after the zap
 * took the same page table lock, sees; a pte the zap took out first is
 * faulted in again by mlock()'s populate, which waits on the page lock.
 * As the kernel's try_to_unmap_one() refuses a VM_LOCKED vma, such a page
 * is not evicted: it goes to the unevictable list (smm_lru_mlock()) and
 * its next access maps it again, mlocked by the kernel's rmap.  Without
 * this the zap's munlock, once its batch drained, would leave the page
 * of a locked mapping unmlocked and unmapped, and it would be evicted
 * after mlock() returned.
 */
static void smm_object_unmap_run(struct smm_pool *pool, struct smm_page **frames,
				 unsigned int nr)
{
	struct address_space *mapping = frames[0]->object->inode->i_mapping;
	pgoff_t start = frames[0]->index, last = start + nr - 1;
	struct vm_area_struct *vma;
	unsigned int vmas = 0;

	unmap_mapping_pages(mapping, start, nr, false);
	i_mmap_lock_read(mapping);
	smm_rmap_for_each_vma(vma, mapping, start, last) {
		pgoff_t first, end;

		vmas++;
		if (!(READ_ONCE(vma->vm_flags) & VM_LOCKED))
			continue;
		first = max_t(pgoff_t, start, vma->vm_pgoff);
		end = min_t(pgoff_t, last, vma->vm_pgoff + vma_pages(vma) - 1);
		for (; first <= end; first++)
			smm_lru_mlock(pool, frames[first - start]);
	}
	i_mmap_unlock_read(mapping);
	smm_count_events(pool, SMM_RMAP_VMAS_SCANNED, vmas);
}

/**
 * smm_object_unmap_victims() - unmap a batch of reclaim victims at once
 * @pool: the pool
 * @frames: frames smm_lru_check_references() found victims, isolated
 *	    and each locked by the caller (so none is mapped again
 *	    meanwhile); sorted here
 * @nr: how many
 *
 * Unmaps the victims from every process, one unmap_mapping_pages() call
 * for each run of consecutive offsets of one object, before
 * smm_object_remove_mapping() takes them out one by one and finds them
 * unmapped.  A written pte of a shared mapping makes the kernel's zap
 * flush the TLB before it drops the page table lock, so page by page
 * every eviction of a page that a task on another CPU maps costs a
 * shootdown IPI, waited for with that lock held, which the task's own
 * direct reclaim, walking the same page table for young ptes, spins on;
 * a run costs one flush for each page table it spans, as the kernel's
 * own reclaim batches its flushes (TTU_BATCH_FLUSH).  A victim that a
 * mapping locked by mlock() since its verdict covers is marked
 * unevictable, and smm_object_remove_mapping() keeps it.
 *
 * Context: Process context, may sleep (the i_mmap lock); every frame
 * locked by the caller.
 */
void smm_object_unmap_victims(struct smm_pool *pool, struct smm_page **frames,
			      unsigned int nr)
{
	unsigned int i, j;

	sort(frames, nr, sizeof(*frames), smm_victim_cmp, NULL);
	for (i = 0; i < nr; i = j) {
		struct smm_object *obj = frames[i]->object;
		pgoff_t start = frames[i]->index;
		bool mapped = false;

		for (j = i; j < nr; j++) {
			struct folio *folio;

			if (frames[j]->object != obj || frames[j]->index != start + (j - i))
				break;
			folio = page_folio(smm_frame_struct_page(pool, frames[j]));
			VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
			mapped |= folio_mapped(folio);
		}
		if (mapped)
			smm_object_unmap_run(pool, frames + i, j - i);
	}
}
SMM_EXPORT(smm_object_unmap_victims);

/**
 * smm_object_remove_mapping() - take a reclaim victim out of its object
 * @pool: the pool
 * @frame: a frame smm_lru_isolate_inactive() took (with its reference),
 *	   found a victim by smm_lru_check_references() under the page
 *	   lock the caller still holds
 * @stat: what was found, added to
 *
 * The page is unmapped from every process, unless
 * smm_object_unmap_victims() did already, or the store has no slot left
 * and the page, still mapped, holds data (SMM_EVICT_NOSPACE, its ptes
 * kept); a page that a mapping locked by
 * mlock() mapped (marked unevictable then), one still mapped after that,
 * or one with references beyond shadowmm's and the isolation's
 * (get_user_pages pins), stays.  The rest is written to the backing store (a page of
 * zeroes is not: its shadow entry has no slot and it comes back zeroed),
 * its count is frozen at the expected value so no lookup can take it
 * meanwhile, its shadow entry (node, age, store slot) goes into the
 * object's shadow xarray in place of the page in i_pages, and the frame
 * goes back to the buddy with its count at zero.  Every resident page is
 * dirty with respect to the store (a swap-in frees the slot it came from),
 * so every eviction writes.  The twin of the kernel's pageout() and
 * __remove_mapping() together.
 *
 * A page whose memory failed (PG_hwpoison) is never read to be stored:
 * it stays in its object, where every access to it fails, until it is
 * punched or its object goes (then its frame is quarantined).
 *
 * Context: Process context, may sleep (the unmap, the store's write); the
 * page locked by the caller.  On SMM_EVICT_RECLAIMED the page lock is
 * dropped here, before the frame is freed (no frame is freed under a page
 * lock, and the object may go once it is dropped); on any other result
 * the page is still locked, for the caller to unlock.
 * Return: SMM_EVICT_RECLAIMED (the isolation's reference is consumed),
 * or SMM_EVICT_BUSY, SMM_EVICT_PINNED, SMM_EVICT_MLOCKED or
 * SMM_EVICT_NOSPACE: the caller gives the frame back with
 * smm_lru_putback().
 */
int smm_object_remove_mapping(struct smm_pool *pool, struct smm_page *frame,
			      struct smm_reclaim_stat *stat)
{
	struct page *page = smm_frame_struct_page(pool, frame);
	struct folio *folio = page_folio(page);
	struct smm_node *node = smm_page_zone(pool, frame)->node;
	struct address_space *mapping = folio->mapping;
	struct smm_object *obj = frame->object;
	struct mem_cgroup *old_memcg;
	pgoff_t index = folio->index;
	u32 slot = SMM_SWAP_NONE;
	bool dirty, frozen;
	void *shadow, *addr;
	u64 id;
	int ret;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	VM_WARN_ON_ONCE_FOLIO(!mapping, folio);
	if (unlikely(PageHWPoison(page)))
		return SMM_EVICT_BUSY;
	/*
	 * No slot left: a mapped page that holds data could not be stored,
	 * so it keeps its ptes.  A page of zeroes needs no slot and goes on,
	 * and so does a locked or pinned one, to be refused for that below
	 * (it stays either way, but only a full store ends the pass).
	 */
	if (folio_mapped(folio) && !smm_swap_free_slots(&pool->swap) &&
	    !folio_test_mlocked(folio) && !folio_maybe_dma_pinned(folio)) {
		/* Its users may write it meanwhile: read again once unmapped. */
		if (data_race(memchr_inv(smm_page_address(pool, frame), 0, PAGE_SIZE)))
			return SMM_EVICT_NOSPACE;
	}
	if (folio_mapped(folio))
		smm_object_unmap_run(pool, &frame, 1);
	/* A locked mapping mapped it when it was unmapped: it stays. */
	if (smm_page_test(frame, SMM_PG_unevictable))
		return SMM_EVICT_MLOCKED;
	if (folio_mapped(folio)) {
		stat->nr_unmap_fail++;
		return SMM_EVICT_BUSY;
	}
	if (folio_ref_count(folio) != 2) {
		stat->nr_unmap_fail++;
		return SMM_EVICT_PINNED;
	}

	/*
	 * Room for the shadow entry, so storing it cannot fail below:
	 * charged, as the page's stored copy is, to the object's owner,
	 * forced (SMM_GFP_OWNER_FORCED), rather than every eviction of the
	 * owner's pages failing while its cgroup sits at its limit.  The
	 * overshoot is a node per 64 indexes evicted, no more than the
	 * store's slots and the shadow entries' bound allow.
	 */
	old_memcg = set_active_memcg(obj->memcg);
	ret = xa_reserve_irq(&obj->shadows, index, SMM_GFP_OWNER_FORCED);
	set_active_memcg(old_memcg);
	if (ret)
		return SMM_EVICT_BUSY;
	/* Nobody can reach the contents now: the lock keeps new users out. */
	smm_object_change_begin(pool);
	dirty = test_and_clear_bit(SMM_PG_dirty, &frame->flags);
	addr = smm_page_address(pool, frame);
	if (memchr_inv(addr, 0, PAGE_SIZE)) {
		ret = smm_swap_write_memcg(&pool->swap, addr, &slot, obj->memcg);
		if (ret) {
			if (dirty)
				set_bit(SMM_PG_dirty, &frame->flags);
			/*
			 * Only a shortage of memory (this owner's cgroup, a
			 * buffer) or the caller's death is this page's own:
			 * any other error (ENOSPC, or a swap file's EIO or
			 * EROFS) refuses every page alike, so the pass ends
			 * as on a full store instead of trying each.
			 */
			ret = ret == -ENOMEM || ret == -EINTR ? SMM_EVICT_BUSY :
			      SMM_EVICT_NOSPACE;
			goto out_release;
		}
	}
	smm_object_lock(obj);
	frozen = folio_ref_freeze(folio, 2);
	if (frozen) {
		/*
		 * Only now, the page certain to leave: the entry moves the
		 * node's clock on (mglru: counts the tier's evictions), which
		 * a page a lookup keeps must not do.
		 */
		shadow = smm_lru_eviction(pool, node, frame, slot);
		/* Counted before a punch can find it and uncount it. */
		if (!slot)
			atomic_long_inc(&pool->workingset.nr_shadow_only);
		/* The shadow first: a lockless lookup reads i_pages first. */
		__xa_store(&obj->shadows, index, shadow, 0);
		__xa_erase(&mapping->i_pages, index);
		mapping->nrpages--;
		/*
		 * Under the lock, with the page gone from i_pages: a removal
		 * of the whole object (its last close) finds the shadow now,
		 * not the page, so it does not wait for our page lock; once
		 * it has the lock after us, the object may be freed.
		 */
		folio->mapping = NULL;
		atomic_long_dec(&obj->resident);
		id = obj->id;
	}
	smm_object_unlock(obj);
	if (!frozen) {
		/* A lookup took a reference meanwhile: it wins. */
		if (slot)
			smm_swap_free(&pool->swap, slot);
		if (dirty)
			set_bit(SMM_PG_dirty, &frame->flags);
		ret = SMM_EVICT_BUSY;
		goto out_release;
	}
	smm_lru_del(pool, frame);
	/* No access to the object past this point: it may be gone. */
	folio_unlock(folio);

	if (slot) {
		smm_count_event(pool, SMM_PSWPOUT);
		if (dirty)
			stat->nr_dirty++;
	} else {
		smm_count_event(pool, SMM_PGSTEAL_ZERO);
		if (atomic_long_read(&pool->workingset.nr_shadow_only) > pool->workingset.shadow_only_max)
			queue_work(system_unbound_wq, &pool->workingset.trim_work);
	}
	smm_object_change_end(pool);
	trace_shadowmm_lru_evict(page_to_pfn(page), node->nid, id, index, slot);
	/* The count stays frozen at zero: a free frame has none. */
	smm_object_frame_free(pool, page);
	return SMM_EVICT_RECLAIMED;

out_release:
	smm_object_change_end(pool);
	xa_lock_irq(&obj->shadows);
	__xa_cmpxchg(&obj->shadows, index, XA_ZERO_ENTRY, NULL, 0);
	xa_unlock_irq(&obj->shadows);
	return ret;
}
SMM_EXPORT(smm_object_remove_mapping);

/**
 * smm_migrate_copy() - copy a page's bytes to the frame it moves to
 * @pool: the pool
 * @to: the new frame
 * @from: the old frame
 *
 * With the copy that survives memory that failed unnoticed (a machine
 * check on a plain copy's read of it in the kernel is fatal; compaction
 * reads every page it moves, in the background, as the kernel's
 * migration copies with folio_mc_copy()).  A failed read is reported to
 * memory_failure() here, as copy_mc_highpage() reports one: the machine
 * check taken in the copy does not.  Through the direct map where there
 * is one (no vmap TLB entry).  Not static only so that a KUnit case can
 * redirect it and make it fail.
 *
 * Context: Process context.
 * Return: the number of bytes not copied: 0 when all were.
 */
unsigned long smm_migrate_copy(struct smm_pool *pool, struct smm_page *to,
			       struct smm_page *from)
{
	struct page *page = smm_frame_struct_page(pool, from);
	unsigned long left;

	KUNIT_STATIC_STUB_REDIRECT(smm_migrate_copy, pool, to, from);
	if (pool->mappable)
		left = copy_mc_to_kernel(page_address(smm_frame_struct_page(pool, to)),
					 page_address(page), PAGE_SIZE);
	else
		left = copy_mc_to_kernel(smm_page_address(pool, to),
					 smm_page_address(pool, from), PAGE_SIZE);
	if (left)
		memory_failure_queue(page_to_pfn(page), 0);
	return left;
}
SMM_EXPORT(smm_migrate_copy);

/**
 * smm_object_migrate_page() - move an object page to another frame
 * @pool: the pool
 * @frame: the frame of an object page; the caller holds a reference on
 *	   its struct page (compaction's isolation) and nothing else
 * @newp: in: a free frame taken off the buddy lists (compaction's free
 *	  scanner), count zero, on no list, of @frame's node; out: set to
 *	  NULL when the frame was given back
 * @sync: wait for the page's lock when someone else holds it (killably),
 *	  as the kernel's synchronous migration does; else only try it
 *
 * The twin of the kernel's migrate_folio() for a page cache folio, in the
 * order of mm/migrate.c: the page is locked (tried, or waited for with
 * @sync: a page busy for a moment, under reclaim's look or a fault, must
 * not cost a compaction the caller waits for its block); one that left
 * its object, is mlocked or unevictable, is pinned (pin_user_pages(), as
 * folio_maybe_dma_pinned() tells) or has other references beyond
 * shadowmm's, the caller's and its ptes' (get_user_pages(), a read() or
 * write() copying, a lookup under way, an LRU batch) stays where it is.
 * Then it is unmapped from every process, and one that is still mapped,
 * or gained a reference, stays too.  Its contents are
 * copied to @new, which is made the object's page at the same index:
 * locked, uptodate, with shadowmm's reference and the caller's.  Under
 * the object's lock the old count is frozen from the two expected
 * references to zero (a lookup that comes now finds it frozen and looks
 * again) and @new replaces it in i_pages; a lookup that took a reference
 * before the freeze made it fail, and the page stays.  @new takes the
 * old frame's place on the LRU and its flags (smm_lru_migrate()), the
 * new page is unlocked, and anyone who waited on a fault, read or write
 * for the index finds the new page with the same bytes.  The old frame,
 * unlocked, goes back to the buddy.
 *
 * @new is prepared as smm_object_frame_prepare() prepares a frame: every
 * field and its lock set while its count is zero, the count made nonzero
 * last with release order.  From then on a stale lookup (one that loaded
 * the struct page for an earlier use of the frame) may hold a transient
 * reference, so when the freeze fails @new is given back as an abandoned
 * prepared page is (smm_object_page_abandon(): to the buddy, or to the
 * pinned list until that lookup lets go), never by waiting on or dropping
 * another CPU's reference, and *@newp becomes NULL.
 *
 * A write() copies into a page holding only a reference, never its lock:
 * the copy here happens after the count was seen at two and before the
 * freeze, so a writer that took its reference in between makes the
 * freeze fail, and one that took it before is seen by the count check.
 * No frame is allocated or freed under the page lock: @new comes from
 * the caller and goes back to it on failure, the old frame is freed after
 * both pages are unlocked.
 *
 * The accesses the unmap takes from the page's ptes (their young bits,
 * read first) become shadowmm's mark on the frame that holds the page
 * afterwards, new or old: a page hot through a mapping is not the next
 * victim for having moved, or for a move that failed.
 *
 * Context: Process context, may sleep (the unmap, and with @sync the page
 * lock); no spinlock and no page lock held.
 * Return: 0 when migrated (the caller's reference is consumed and *@newp
 * is the page's frame now), or -EAGAIN (locked by someone else, or with
 * @sync a fatal signal came while waiting for the lock), -EBUSY
 * (references beyond its ptes', mapped again, or a reference came
 * meanwhile: worth another try), -EPERM (pinned, mlocked or unevictable),
 * -ENOENT (no longer an object page) or -EIO (the old
 * frame's memory failed as it was read; *@newp is NULL then): the caller
 * still holds its reference, and *@newp, unless NULL, is still free and
 * its own.
 */
int smm_object_migrate_page(struct smm_pool *pool, struct smm_page *frame,
			    struct smm_page **newp, bool sync)
{
	struct smm_page *new = *newp;
	struct page *page = smm_frame_struct_page(pool, frame);
	struct page *newpage = smm_frame_struct_page(pool, new);
	struct folio *folio = page_folio(page);
	struct folio *newfolio = page_folio(newpage);
	struct address_space *mapping;
	struct smm_object *obj;
	bool frozen, copied, young = false;
	pgoff_t index;
	int ret;

	if (!folio_trylock(folio) && (!sync || folio_lock_killable(folio)))
		return -EAGAIN;
	mapping = folio->mapping;
	if (!mapping) {
		ret = -ENOENT;
		goto out_unlock;
	}
	/* A page whose memory failed is never read: it stays where it is. */
	if (folio_test_mlocked(folio) || smm_page_test(frame, SMM_PG_unevictable) ||
	    folio_maybe_dma_pinned(folio) || folio_test_hwpoison(folio)) {
		ret = -EPERM;
		goto out_unlock;
	}
	/* Held beyond its ptes, not pinned: a lookup, a copy, for a moment. */
	if (smm_object_page_pinned(folio)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	obj = frame->object;
	index = folio->index;
	if (folio_mapped(folio)) {
		/* Read before the zap takes them with the ptes. */
		young = smm_object_young_ptes(folio);
		unmap_mapping_pages(mapping, index, 1, false);
		if (folio_mapped(folio)) {
			ret = -EBUSY;
			goto out_unlock;
		}
		/*
		 * An mlock() between the check above and the zap (VM_LOCKED is
		 * set before the pages are marked): the zap munlocked the page
		 * and mlock() found nothing to fault.  As eviction's unmap does,
		 * it stays, on the unevictable list; its next access maps it
		 * again, mlocked.
		 */
		if (smm_object_mapped_locked(folio)) {
			smm_lru_mlock(pool, frame);
			ret = -EPERM;
			goto out_unlock;
		}
	}
	/* shadowmm's reference and the caller's: nobody else looks. */
	if (folio_ref_count(folio) != 2) {
		ret = -EBUSY;
		goto out_unlock;
	}

	/* The new page, as smm_object_frame_prepare() makes one. */
	VM_WARN_ON_ONCE_PAGE(page_ref_count(newpage) != 0, newpage);
	new->object = obj;
	new->index = index;
	set_page_private(newpage, smm_page_sfn(&pool->region, new));
	newpage->index = index;
	__folio_set_locked(newfolio);
	copied = !smm_migrate_copy(pool, new, frame);
	__folio_mark_uptodate(newfolio);
	newpage->mapping = mapping;
	/*
	 * shadowmm's reference and the caller's, as for the old page.  The
	 * frame's count was frozen at zero, as every free frame's is; a
	 * speculative lookup may try it from now on, so everything set
	 * above without atomics must be visible first: a release.
	 */
	page_ref_unfreeze(newpage, 2);
	atomic_long_inc(&pool->objects.nr_pages);

	smm_object_change_begin(pool);
	smm_object_lock(obj);
	/* A copy its memory failed: the old page stays (memory_failure()'s). */
	frozen = copied && xa_load(&mapping->i_pages, index) == page &&
		 folio_ref_freeze(folio, 2);
	ret = frozen ? 0 : copied ? -EBUSY : -EIO;
	/*
	 * With the count frozen nobody can map the page or queue it in an
	 * mlock batch, so PG_mlocked is settled: set now, it was left by a
	 * munlock that raced a zap (see smm_object_frame_free()).  The page
	 * stays where it is with its mark and NR_MLOCK as they are, rather
	 * than carry a stale mark to the new frame.
	 */
	if (frozen && folio_test_mlocked(folio)) {
		folio_ref_unfreeze(folio, 2);
		frozen = false;
		ret = -EPERM;
	}
	if (frozen)
		__xa_store(&mapping->i_pages, index, newpage, 0);
	smm_object_unlock(obj);
	if (!frozen) {
		/* A lookup took a reference meanwhile: it wins. */
		smm_object_change_end(pool);
		if (young)
			set_bit(SMM_PG_referenced, &frame->flags);
		/* No frame is freed under a page lock: the old page's first. */
		folio_unlock(folio);
		smm_object_page_abandon(pool, newpage);
		*newp = NULL;
		return ret;
	}
	/* Its list, its place there and its marks go with the page. */
	smm_lru_migrate(pool, frame, new);
	if (folio_test_referenced(folio))
		folio_set_referenced(newfolio);
	/* As the kernel carries a young pte across a migration. */
	if (young)
		set_bit(SMM_PG_referenced, &new->flags);
	folio->mapping = NULL;
	smm_object_change_end(pool);
	folio_unlock(newfolio);
	/* shadowmm's own stays. */
	put_page(newpage);
	folio_unlock(folio);
	/* The count stays frozen at zero: a free frame has none. */
	smm_object_frame_free(pool, page);
	return 0;

out_unlock:
	if (young)
		set_bit(SMM_PG_referenced, &frame->flags);
	folio_unlock(folio);
	return ret;
}
SMM_EXPORT(smm_object_migrate_page);

/* What a shadow trim is after, and what it did. */
struct smm_shadow_trim {
	unsigned long target;
	unsigned long dropped;
};

static bool smm_object_trim_one(struct smm_object *obj, void *arg)
{
	struct smm_pool *pool = obj->pool;
	XA_STATE(xas, &obj->shadows, 0);
	struct smm_shadow_trim *t = arg;
	void *entry;

	for (;;) {
		unsigned int seen = 0;
		bool paused = false;

		if (atomic_long_read(&pool->workingset.nr_shadow_only) <= t->target)
			return false;
		smm_object_change_begin(pool);
		smm_object_lock(obj);
		xas_for_each(&xas, entry, ULONG_MAX) {
			if (xa_is_value(entry) && !smm_workingset_slot(entry)) {
				xas_store(&xas, NULL);
				t->dropped++;
				if (atomic_long_dec_return(&pool->workingset.nr_shadow_only) <= t->target)
					break;
			}
			if (++seen >= SMM_WALK_BATCH) {
				xas_pause(&xas);
				paused = true;
				break;
			}
		}
		smm_object_unlock(obj);
		smm_object_change_end(pool);
		if (!paused)
			return true;
		cond_resched();
	}
}

/**
 * smm_object_shadow_trim() - drop shadow-only entries down to a target
 * @pool: the pool
 * @target: stop once at most this many are left
 *
 * Shadow entries that hold a store slot are the only copy of their page
 * and are never dropped; their number is bounded by the store's size.
 * Those without (pages of zeroes evicted without a write) only remember
 * when the page left: dropping one turns it into a hole, which reads as
 * the same zeroes, and forgets its refault distance.  Counted as
 * workingset_nodereclaim.  No lock is held for more than a batch of
 * entries.
 *
 * Context: Process context, may sleep.
 * Return: the number of entries dropped.
 */
unsigned long smm_object_shadow_trim(struct smm_pool *pool, unsigned long target)
{
	struct smm_shadow_trim t = { .target = target };

	smm_object_for_each(pool, smm_object_trim_one, &t);
	smm_count_events(pool, SMM_WORKINGSET_NODERECLAIM, t.dropped);
	return t.dropped;
}
SMM_EXPORT(smm_object_shadow_trim);

/**
 * smm_shadow_trim_fn() - the pool's shadow trim work
 * @work: pool->workingset.trim_work, queued by an eviction that left more
 *	  shadow-only entries than pool->workingset.shadow_only_max
 *
 * Trims them down to half that.
 *
 * Context: Process context (a work item), may sleep.
 */
void smm_shadow_trim_fn(struct work_struct *work)
{
	struct smm_pool *pool = container_of(work, struct smm_pool, workingset.trim_work);

	smm_object_shadow_trim(pool, pool->workingset.shadow_only_max / 2);
}
