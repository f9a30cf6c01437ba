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
 *   object's i_pages maps resident neighbours, read-only);
 * - write faults on MAP_SHARED go through ->page_mkwrite, which dirties
 *   the page (read-mapped shared pages are write-protected for that);
 * - write faults on MAP_PRIVATE make the kernel copy the page into an
 *   anonymous one (do_cow_fault); the object is never written.  These
 *   are the faults counted as cow (faults_cow, vmstat pgfault_cow): a
 *   write to a page the process has no pte for.  A private page already
 *   mapped (read-only after a read fault, or an anonymous copy shared
 *   with a child after fork) is copied by the kernel's do_wp_page()
 *   without calling the driver, and is not counted;
 * - a fault on an evicted page brings it back from the backing store
 *   (object.c): a major fault, VM_FAULT_MAJOR for the task's counters;
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
 * page of a locked mapping goes to the unevictable list; a page that was
 * resident counts as an access.  Both only queue on this CPU's batch.
 */
static void smm_fault_lru(struct vm_fault *vmf, struct smm_object *obj,
			  struct page *page, bool resident)
{
	struct smm_pool *pool = obj->pool;
	struct smm_page *frame = smm_sfn_page(&pool->region, page_private(page));

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(page_folio(page)), page_folio(page));
	if ((vmf->vma->vm_flags & VM_LOCKED) || folio_test_mlocked(page_folio(page)))
		smm_lru_mlock(pool, frame);
	else if (resident)
		smm_lru_mark_accessed(pool, frame);
}

static vm_fault_t smm_vm_fault(struct vm_fault *vmf)
{
	struct smm_object *obj = smm_file_object(vmf->vma->vm_file);
	bool cow = (vmf->flags & FAULT_FLAG_WRITE) &&
		   !(vmf->vma->vm_flags & VM_SHARED);
	enum smm_page_origin origin;
	vm_fault_t ret;

	ret = smm_object_fault_page(obj, vmf->pgoff, &vmf->page, &origin);
	if (ret) {
		/* A task being killed gave up: its SIGBUS is never seen. */
		if (!fatal_signal_pending(current))
			smm_fault_account(vmf, obj, SMM_FAULT_SIGBUS);
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
	struct page *page;
	vm_fault_t ret;

	/* It would map pages that then never fault: ->fault does it all. */
	if (smm_fault_window_on(obj->pool))
		return 0;
	/*
	 * It skips PG_hwpoison pages: a poisoned faulting page is left to
	 * ->fault, which refuses it.
	 */
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
	if (xa_load(&mapping->i_pages, vmf->pgoff) == page && trylock_page(page)) {
		if (page->mapping == mapping && page->index == vmf->pgoff)
			smm_fault_lru(vmf, obj, page, true);
		unlock_page(page);
	}
	put_page(page);
	return ret;
}

/*
 * First write to a shared page mapped read-only: the page must still be
 * the object's.  Returned locked: the kernel then marks it dirty under
 * that lock, through smm_object_aops' dirty_folio.
 */
static vm_fault_t smm_vm_page_mkwrite(struct vm_fault *vmf)
{
	struct smm_object *obj = smm_file_object(vmf->vma->vm_file);
	struct page *page = vmf->page;

	lock_page(page);
	if (page->mapping != obj->inode->i_mapping) {
		/* Punched meanwhile: let the fault start over. */
		unlock_page(page);
		return VM_FAULT_NOPAGE;
	}
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct smm_vm_ops = {
	.open = smm_vma_open,
	.close = smm_vma_close,
	.may_split = smm_vma_may_split,
	.mremap = smm_vma_mremap,
	.fault = smm_vm_fault,
	.map_pages = smm_vm_map_pages,
	.page_mkwrite = smm_vm_page_mkwrite,
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
