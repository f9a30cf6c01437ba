// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: page faults on mappings of memory objects.
 *
 * Nothing is allocated at mmap time.  A fault asks the object for the page
 * at its offset (module/object.c allocates and zeroes a shadow frame on
 * first touch) and hands it to the kernel locked, as a page-cache
 * filesystem does, so the kernel's own machinery does the rest:
 *
 * - read faults first try fault-around (filemap_map_pages() over the
 *   object's i_pages maps resident neighbours, clean, with the mapping's
 *   protection);
 * - write faults on MAP_SHARED: the kernel marks the page dirty through
 *   the object's dirty_folio.  There is no ->page_mkwrite, as on shmem:
 *   nothing is written back, so nothing needs to hear of a write, and a
 *   read fault maps a writable shared mapping's page writable at once.
 *   The kernel then allows long-term write pins of these pages
 *   (io_uring's registered buffers, RDMA, vfio), which it refuses on a
 *   mapping that asks for write notification (writable_file_mapping_allowed());
 * - write faults on MAP_PRIVATE make the kernel copy the page into an
 *   anonymous one (do_cow_fault); the object is never written.  These
 *   are the faults counted as cow (faults_cow, vmstat pgfault_cow): a
 *   write to a page the process has no pte for.  A private page already
 *   mapped (read-only after a read fault, or an anonymous copy shared
 *   with a child after fork) is copied by the kernel's do_wp_page()
 *   without calling the driver, and is not counted;
 * - a fault on an evicted page brings it back from the backing store
 *   (object.c): a major fault, VM_FAULT_MAJOR for the task's counters;
 * - with the fault_order knob set, a first touch makes the whole aligned
 *   block around its index and maps it at once (smm_fault_block()), as
 *   anonymous mTHP does;
 * - with the fault_window knob set, each object keeps only the pages that
 *   faulted last mapped, so that every reference faults and is traced
 *   (fault_window.c);
 * - a fault the object cannot serve (size limit, region and store
 *   exhausted, a damaged stored copy) is SIGBUS, never the OOM killer;
 * - a page whose memory failed (PG_hwpoison) stays in the object and
 *   every fault on it is VM_FAULT_HWPOISON; fault-around skips it.
 *
 * The pages are ordinary refcounted struct pages (no PFN or mixed map), so
 * mlock, get_user_pages, fork and mremap behave as on shmem.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/userfaultfd_k.h>

#include <shadowmm/compat.h>
#include <shadowmm/fault.h>
#include <shadowmm/fault_window.h>
#include <shadowmm/lru.h>
#include <shadowmm/object.h>
#include <shadowmm/pool.h>
#include <shadowmm/vma.h>
#include <trace/events/shadowmm.h>

/* Counted besides pgfault, which every fault is, as in /proc/vmstat. */
static const enum smm_event smm_fault_events[SMM_NR_FAULT_KINDS] = {
	[SMM_FAULT_MAJOR] = SMM_PGMAJFAULT,
	[SMM_FAULT_COW] = SMM_PGFAULT_COW,
	[SMM_FAULT_SIGBUS] = SMM_PGFAULT_SIGBUS,
};

/* A private write fault: the kernel copies the object's page (do_cow_fault()). */
static bool smm_fault_copies(const struct vm_fault *vmf)
{
	return (vmf->flags & FAULT_FLAG_WRITE) && !(vmf->vma->vm_flags & VM_SHARED);
}

/*
 * The object's, the mapping's and the pool's counts.  The mapping's
 * descriptor is looked up by address in the process's tree, as find_vma()
 * finds a vma; the fault is served whether it is found or not.
 */
static void smm_fault_account(struct vm_fault *vmf, struct smm_object *obj,
			      enum smm_fault_kind kind)
{
	atomic_long_inc(&obj->faults[kind]);
	smm_vma_count_fault(obj->pool, vmf, kind);
	smm_count_event(obj->pool, SMM_PGFAULT);
	if (kind != SMM_FAULT_MINOR)
		smm_count_event(obj->pool, smm_fault_events[kind]);
	trace_shadowmm_fault(vmf->address, vmf->pgoff, vmf->flags, kind, obj->id);
}

/*
 * The LRU side of a fault that maps @page (locked, still the object's): a
 * page of a locked mapping goes to the unevictable list, unless the fault
 * only copies it (a private write: the copy is what the locked mapping
 * maps, and nothing would ever take the page off that list); a page that
 * was resident counts as an access.  Both only queue on this CPU's batch.
 */
static void smm_fault_lru(struct vm_fault *vmf, struct smm_object *obj,
			  struct page *page, bool resident)
{
	struct smm_pool *pool = obj->pool;
	/* A PMD-sized folio's head frame stands for it on the LRU. */
	struct smm_page *frame = smm_sfn_page(&pool->region,
					      page_private(&page_folio(page)->page));

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(page_folio(page)), page_folio(page));
	if (((vmf->vma->vm_flags & VM_LOCKED) && !smm_fault_copies(vmf)) ||
	    folio_test_mlocked(page_folio(page)))
		smm_lru_mlock(pool, frame);
	else if (resident)
		smm_lru_mark_accessed(pool, frame);
}

/*
 * The order of the block a first touch at @vmf may make, its first index
 * in @first: the fault_order knob's, when the naturally aligned range
 * around the index lies whole in the vma and in one page table (the
 * kernel's mTHP asks the same of a block).  0 with the fault window on
 * (there every page must fault on its own) and on a vma userfaultfd is
 * registered on (the kernel maps nothing around a fault there either: a
 * write-protect tracker would miss writes to pages mapped writable).
 */
static unsigned int smm_fault_block_order(struct vm_fault *vmf,
					  struct smm_pool *pool, pgoff_t *first)
{
	unsigned int order = READ_ONCE(pool->objects.fault_order);
	struct vm_area_struct *vma = vmf->vma;
	unsigned long before, after, start;

	/* As the kernel's fault-around: no ptes beside a userfaultfd's back. */
	if (!order || smm_fault_window_on(pool) || userfaultfd_armed(vmf->vma))
		return 0;
	*first = ALIGN_DOWN(vmf->pgoff, 1UL << order);
	before = (vmf->pgoff - *first) << PAGE_SHIFT;
	after = (PAGE_SIZE << order) - before;
	if (vmf->address - vma->vm_start < before ||
	    vma->vm_end - vmf->address < after)
		return 0;
	start = vmf->address - before;
	if ((start ^ (start + (PAGE_SIZE << order) - 1)) & PMD_MASK)
		return 0;
	return order;
}

/*
 * Map the pages of a block just made, all but the faulting one (which the
 * fault holds locked, so the walk skips it, and which the kernel maps when
 * the fault returns), through the same walk fault-around uses.  The
 * block's range is in one page table: the walk maps within the one
 * @vmf->pmd points to, which the kernel allocated before calling ->fault.
 * A write fault on a shared mapping maps them writable and dirty, as
 * anonymous mTHP does (the block was marked dirty first); any other fault
 * maps them clean with the vma's own protection (writable in a writable
 * shared mapping, which asks for no write notification, read-only in a
 * private one, whose later writes copy as for any page of the object).
 */
static void smm_fault_map_block(struct vm_fault *vmf, pgoff_t first,
				unsigned int nr, bool writable)
{
	enum fault_flag flags = vmf->flags;
	spinlock_t *ptl = vmf->ptl;
	pte_t *pte = vmf->pte;

	if (!writable)
		vmf->flags &= ~FAULT_FLAG_WRITE;
	filemap_map_pages(vmf, first, first + nr - 1);
	/* The walk leaves its page table pointers behind: as the kernel set them. */
	vmf->flags = flags;
	vmf->pte = pte;
	vmf->ptl = ptl;
}

/*
 * smm_fault_lru()'s mlock step for a page of a block the walk mapped: in a
 * locked vma the kernel mlocks each page as it maps it, and only such a
 * page goes to the unevictable list.  One the walk skipped (its pte was
 * taken, or someone held its lock) is left to reclaim, which moves it
 * there once it is mlocked: put there now, it could sit there unmapped.
 */
static void smm_fault_block_mlock(struct vm_fault *vmf, struct smm_object *obj,
				  struct page *page)
{
	struct smm_pool *pool = obj->pool;

	if (!(vmf->vma->vm_flags & VM_LOCKED) || !trylock_page(page))
		return;
	if (page->mapping == obj->inode->i_mapping && folio_test_mlocked(page_folio(page)))
		smm_lru_mlock(pool, smm_sfn_page(&pool->region, page_private(page)));
	unlock_page(page);
}

/*
 * A multi-size first touch: make the whole block around the faulting
 * index (smm_object_add_block()) and map it.  Returns false, nothing
 * mapped, when the knob is 0, the block does not fit, some page of its
 * range exists (its pages fault one by one, as before), or no free block
 * of the order is left (counted as a fallback); the fault then takes the
 * single-page path.  Returns true with @vmf->page set, locked and
 * referenced, as smm_object_fault_page() returns a page made on first
 * touch.
 */
static bool smm_fault_block(struct vm_fault *vmf, struct smm_object *obj)
{
	struct page *pages[1U << SMM_FAULT_ORDER_MAX];
	struct smm_pool *pool = obj->pool;
	unsigned int order, nr, at, i;
	bool writable;
	pgoff_t first;
	int made;

	order = smm_fault_block_order(vmf, pool, &first);
	if (!order)
		return false;
	made = smm_object_add_block(obj, first, order, pages);
	if (made == -ENOMEM)
		smm_count_event(pool, SMM_MTHP_FAULT_FALLBACK);
	if (made <= 0)
		return false;
	nr = 1U << order;
	at = vmf->pgoff - first;
	writable = (vmf->flags & FAULT_FLAG_WRITE) && (vmf->vma->vm_flags & VM_SHARED);
	smm_object_note_size(obj, (loff_t)(first + nr) << PAGE_SHIFT);
	for (i = 0; i < nr; i++) {
		if (!pages[i] || i == at)
			continue;
		if (writable)
			smm_object_mark_dirty(obj, pages[i]);
		/* Unlocked for the walk; the reference stays for the step after it. */
		unlock_page(pages[i]);
	}
	if (pages[at])
		smm_fault_map_block(vmf, first, nr, writable);
	for (i = 0; i < nr; i++) {
		if (!pages[i] || i == at)
			continue;
		smm_fault_block_mlock(vmf, obj, pages[i]);
		put_page(pages[i]);
	}
	/* Someone else filled the faulting index meanwhile: theirs serves it. */
	if (!pages[at])
		return false;
	smm_count_event(pool, SMM_MTHP_FAULT_ALLOC);
	vmf->page = pages[at];
	return true;
}

/*
 * Whether a first touch at @vmf may make a PMD-sized folio, and its first
 * index in @first: the huge knob allows it in this vma (never in one
 * given MADV_NOHUGEPAGE or of a process that disabled THP, as the kernel
 * then refuses the PMD anyway), and the kernel can map the folio with one
 * PMD there: the aligned 2 MiB around the address lies whole in the vma,
 * whose addresses and offsets agree modulo 2 MiB (thp_vma_suitable_order()).
 * Not with the fault window on, nor on a vma userfaultfd is registered on
 * (as for blocks, smm_fault_block_order()).
 */
static bool smm_fault_huge_allowed(struct vm_fault *vmf, struct smm_pool *pool,
				   pgoff_t *first)
{
	enum smm_huge_mode mode = READ_ONCE(pool->objects.huge);
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;

	if (mode == SMM_HUGE_NEVER || smm_fault_window_on(pool) || userfaultfd_armed(vma))
		return false;
	if (mode == SMM_HUGE_ADVISE && !(vma->vm_flags & VM_HUGEPAGE))
		return false;
	if ((vma->vm_flags & VM_NOHUGEPAGE) ||
	    test_bit(MMF_DISABLE_THP, &vma->vm_mm->flags))
		return false;
	if (haddr < vma->vm_start || vma->vm_end - haddr < PMD_SIZE ||
	    !IS_ALIGNED((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff, SMM_HUGE_NR))
		return false;
	*first = ALIGN_DOWN(vmf->pgoff, SMM_HUGE_NR);
	return true;
}

/*
 * A first touch a PMD will map: a PMD-sized folio for the aligned range
 * (smm_object_add_huge()), whose page at the faulting index the fault
 * returns; the kernel then maps the whole folio with one PMD
 * (finish_fault(), do_set_pmd()), or that page alone where a page table
 * is in the way.  Returns false, nothing made, when the knob or the vma
 * does not allow it, some index of the range holds a page or a shadow
 * entry, or no block was to be had (counted as thp_fault_fallback): the
 * fault then tries a smaller block, then a single page.
 */
static bool smm_fault_huge(struct vm_fault *vmf, struct smm_object *obj)
{
	struct smm_pool *pool = obj->pool;
	struct folio *folio;
	pgoff_t first;

	if (!smm_huge_supported() || !smm_fault_huge_allowed(vmf, pool, &first))
		return false;
	folio = smm_object_add_huge(obj, first);
	if (IS_ERR(folio)) {
		if (PTR_ERR(folio) == -ENOMEM)
			smm_count_event(pool, SMM_THP_FAULT_FALLBACK);
		return false;
	}
	smm_object_note_size(obj, (loff_t)(first + SMM_HUGE_NR) << PAGE_SHIFT);
	smm_count_event(pool, SMM_THP_FAULT_ALLOC);
	vmf->page = folio_page(folio, vmf->pgoff - first);
	return true;
}

/*
 * The fault returns a page of a PMD-sized folio (locked, referenced):
 * what the kernel's do_set_pmd() would not see for itself.  With the fault
 * window on (switched on after the folio was made) the folio is split,
 * or the kernel would map all of it with this fault, and the fault starts
 * over on a single page; one a pin keeps whole is mapped whole after all
 * (no exported call keeps finish_fault() from it): retrying would spin.
 * A folio with a page whose memory failed is marked so
 * (smm_huge_note_poison()), and the kernel then maps only the faulting
 * page, never the folio by PMD.  Returns 0 to go on, or
 * VM_FAULT_NOPAGE after a split (the page let go).
 */
static vm_fault_t smm_fault_huge_check(struct vm_fault *vmf, struct smm_object *obj)
{
	struct folio *folio = page_folio(vmf->page);

	if (smm_fault_window_on(obj->pool) && !smm_object_split_huge(obj, folio)) {
		folio_unlock(folio);
		folio_put(folio);
		vmf->page = NULL;
		return VM_FAULT_NOPAGE;
	}
	smm_huge_note_poison(folio);
	return 0;
}

static vm_fault_t smm_vm_fault(struct vm_fault *vmf)
{
	struct smm_object *obj = smm_file_object(vmf->vma->vm_file);
	bool cow = smm_fault_copies(vmf);
	enum smm_page_origin origin;
	vm_fault_t ret;

	if (smm_fault_huge(vmf, obj) || smm_fault_block(vmf, obj)) {
		origin = SMM_PAGE_CREATED;
		goto mapped;
	}
	ret = smm_object_fault_page(obj, vmf->pgoff, &vmf->page, &origin);
	if (ret) {
		/* A task being killed gave up: its SIGBUS is never seen. */
		if (!fatal_signal_pending(current))
			smm_fault_account(vmf, obj, SMM_FAULT_SIGBUS);
		return ret;
	}
mapped:
	if (unlikely(folio_test_large(page_folio(vmf->page)))) {
		ret = smm_fault_huge_check(vmf, obj);
		if (ret)
			return ret;
	}
	/*
	 * Its memory failed: the kernel, seeing the flag, would take a clean
	 * page out of i_pages behind the object's back and the retry would
	 * map a zeroed one.  The page stays the object's and every access
	 * fails alike (SIGBUS with BUS_MCEERR_AR), as on shmem.
	 */
	if (unlikely(PageHWPoison(vmf->page))) {
		unlock_page(vmf->page);
		put_page(vmf->page);
		vmf->page = NULL;
		smm_fault_account(vmf, obj, SMM_FAULT_SIGBUS);
		return VM_FAULT_HWPOISON;
	}
	/*
	 * A write through a shared mapping dirties the page now, so that the
	 * kernel's folio_mark_dirty() after the map finds it dirty: then it
	 * does not drop the mmap lock for a writeback throttle these pages
	 * never need (fault_dirty_shared_page()).
	 */
	if ((vmf->flags & FAULT_FLAG_WRITE) && (vmf->vma->vm_flags & VM_SHARED))
		smm_object_mark_dirty(obj, vmf->page);
	smm_fault_lru(vmf, obj, vmf->page, origin == SMM_PAGE_FOUND);
	smm_fault_window_note(obj, vmf->pgoff);
	/* Read back from the store: major for the task's counters too. */
	if (origin == SMM_PAGE_SWAPPED_IN) {
		smm_fault_account(vmf, obj, SMM_FAULT_MAJOR);
		return VM_FAULT_LOCKED | VM_FAULT_MAJOR;
	}
	smm_fault_account(vmf, obj, cow ? SMM_FAULT_COW : SMM_FAULT_MINOR);
	return VM_FAULT_LOCKED;
}

/*
 * Fault-around: the kernel's own walk of i_pages maps the resident pages
 * near a read fault.  When it mapped the faulting address too, that fault
 * was served here.
 */
static vm_fault_t smm_vm_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				   pgoff_t end_pgoff)
{
	struct smm_object *obj = smm_file_object(vmf->vma->vm_file);
	struct address_space *mapping = obj->inode->i_mapping;
	struct folio *folio;
	struct page *page;
	vm_fault_t ret;

	/* It would map pages that then never fault: ->fault does it all. */
	if (smm_fault_window_on(obj->pool))
		return 0;
	/*
	 * It skips PG_hwpoison pages: a poisoned faulting page is left to
	 * ->fault, which refuses it.  A PMD-sized folio it would map whole
	 * (filemap_map_pmd(): the one at the faulting index, the window lying
	 * in one PMD) is looked at first, with a reference so that it is not
	 * split meanwhile; in a pool that holds none, no lookup is spent.
	 */
	if (atomic_long_read(&obj->pool->objects.nr_huge)) {
		rcu_read_lock();
		page = xa_load(&mapping->i_pages, vmf->pgoff);
		if (page && !xa_is_value(page) && PageHead(page) &&
		    folio_try_get(page_folio(page))) {
			if (xa_load(&mapping->i_pages, vmf->pgoff) == page)
				smm_huge_note_poison(page_folio(page));
			folio_put(page_folio(page));
		}
		rcu_read_unlock();
	}
	ret = filemap_map_pages(vmf, start_pgoff, end_pgoff);
	if (!(ret & VM_FAULT_NOPAGE))
		return ret;
	smm_fault_account(vmf, obj, SMM_FAULT_MINOR);

	/*
	 * The faulting page was resident: an access (neighbours are not).
	 * A free frame has no reference to take, and one that was freed and
	 * reused since the load is no longer in this slot: checked again
	 * once the reference holds it, before its lock is tried, so that the
	 * lock of a frame another index or object owns (or one being
	 * prepared) is never taken here.
	 */
	rcu_read_lock();
	page = xa_load(&mapping->i_pages, vmf->pgoff);
	if (xa_is_value(page) || (page && !get_page_unless_zero(page)))
		page = NULL;
	rcu_read_unlock();
	if (!page)
		return ret;
	/*
	 * Under its lock, so it cannot leave the object meanwhile: a removal
	 * clears page->mapping under it.
	 */
	folio = page_folio(page);
	if (xa_load(&mapping->i_pages, vmf->pgoff) == page && folio_trylock(folio)) {
		if (folio->mapping == mapping &&
		    vmf->pgoff - folio->index < folio_nr_pages(folio))
			smm_fault_lru(vmf, obj, page, true);
		folio_unlock(folio);
	}
	folio_put(folio);
	return ret;
}

static const struct vm_operations_struct smm_vm_ops = {
	/* No .close: see module/vma.c. */
	.open = smm_vma_open,
	.may_split = smm_vma_may_split,
	.fault = smm_vm_fault,
	.map_pages = smm_vm_map_pages,
	/* No .page_mkwrite: see the top of this file. */
};

/**
 * smm_vma_is_shadow() - is this a mapping of a shadowmm object?
 * @vma: any vma
 *
 * Context: the vma's mm locked.
 * Return: true when it is.
 */
bool smm_vma_is_shadow(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &smm_vm_ops;
}

/**
 * smm_object_mmap() - file_operations.mmap of an object
 * @file: an open object
 * @vma: the new mapping; nothing is allocated until it faults
 *
 * The vma's flags stay as the caller asked: changing them here would let
 * the kernel merge the new vma into a neighbour after this call.
 *
 * Context: the mm's mmap_lock held for writing.
 * Return: 0, -ENODEV when the pool's memory cannot be mapped (a memmap=
 * range outside the kernel's direct map), or -ENOMEM.
 */
int smm_object_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct smm_object *obj = smm_file_object(file);
	int ret;

	if (!obj->pool->mappable)
		return -ENODEV;
	ret = smm_vma_mmap(obj->pool, obj, vma);
	if (!ret)
		vma->vm_ops = &smm_vm_ops;
	return ret;
}
