/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels shadowmm builds against (Debian's 6.1 and
 * 6.12 headers, and the 6.12 test kernel).  Everything version-dependent
 * lives here so the subsystems read like code for one kernel.
 */
#ifndef _SHADOWMM_COMPAT_H
#define _SHADOWMM_COMPAT_H

#include <linux/bitops.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagevec.h>
#include <linux/percpu.h>
#include <linux/pgtable.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

/*
 * Symbols the KUnit module (shadowmm_kunit.ko) and the benchmark module
 * (shadowmm_bench.ko) call are internal: they are exported only into the
 * SHADOWMM_INTERNAL namespace, which those two import with
 * MODULE_IMPORT_NS(SMM_NS).  6.13 made the namespace argument of
 * EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS() a string literal; before
 * it both stringify a bare name (SMM_HAVE_NS_STRING: Kbuild's test).
 */
#ifdef SMM_HAVE_NS_STRING
#define SMM_NS			"SHADOWMM_INTERNAL"
#else
#define SMM_NS			SHADOWMM_INTERNAL
#endif
#define SMM_EXPORT(sym)		EXPORT_SYMBOL_NS_GPL(sym, SMM_NS)

/*
 * No kernel has a namespaced EXPORT_TRACEPOINT_SYMBOL_GPL(), so trace.c,
 * which exports nothing else, defines DEFAULT_SYMBOL_NAMESPACE as
 * SMM_DEFAULT_NS before any include: every export it makes, the
 * tracepoints' and their static calls', goes into SHADOWMM_INTERNAL too.
 * That define is a string literal since 6.13, and in the 6.12 headers
 * too (SMM_HAVE_DEFAULT_NS_STRING: Kbuild's test); 6.1 stringifies it.
 */
#ifdef SMM_HAVE_DEFAULT_NS_STRING
#define SMM_DEFAULT_NS		"SHADOWMM_INTERNAL"
#else
#define SMM_DEFAULT_NS		SHADOWMM_INTERNAL
#endif
#define SMM_EXPORT_TRACEPOINT(name)	EXPORT_TRACEPOINT_SYMBOL_GPL(name)

/*
 * Ptes (and PMDs) mapping a folio of an object (never a typed page): what
 * folio_mapcount() says, which 6.1 has out of line and unexported.  Only
 * kernels with PMD-sized folios (module/huge.c) have large ones, and
 * their folio_mapcount() is inline.
 */
static inline int smm_folio_mapcount(struct folio *folio)
{
#ifdef SMM_HAVE_PMD_FOLIOS
	if (folio_test_large(folio))
		return folio_mapcount(folio);
#endif
	return atomic_read(&folio->_mapcount) + 1;
}

/*
 * This CPU's kernel LRU and mlock batches let go of their pages
 * (lru_add_drain(), which modules cannot call): releasing an empty batch
 * that has not drained yet drains them first.
 */
static inline void smm_compat_lru_add_drain(void)
{
#ifdef SMM_HAVE_FOLIO_BATCH_RELEASE
	struct folio_batch batch;

	folio_batch_init(&batch);
	__folio_batch_release(&batch);
#else
	struct pagevec batch;

	pagevec_init(&batch);
	__pagevec_release(&batch);
#endif
}

/*
 * Test and clear a user pte's accessed bit, as ptep_test_and_clear_young()
 * does (out of line and unexported on x86).  No TLB flush: as on the
 * kernel's own x86 path, a stale TLB entry only hides a later access.
 */
static inline bool smm_pte_test_and_clear_young(pte_t *pte)
{
#ifdef CONFIG_X86
	return pte_young(ptep_get(pte)) &&
	       test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)&pte->pte);
#else
	return pte_young(ptep_get(pte));
#endif
}

/* As smm_pte_test_and_clear_young(), for a PMD that maps a folio whole. */
static inline bool smm_pmd_test_and_clear_young(pmd_t *pmd)
{
#ifdef CONFIG_X86
	return pmd_young(READ_ONCE(*pmd)) &&
	       test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)&pmd->pmd);
#else
	return pmd_young(READ_ONCE(*pmd));
#endif
}

/*
 * vfs_unlink() of @dentry in @dir on @mnt: 6.3 replaced the mount's user
 * namespace argument by its idmap (SMM_HAVE_MNT_IDMAP: Kbuild's test).
 */
static inline int smm_vfs_unlink(struct vfsmount *mnt, struct inode *dir,
				 struct dentry *dentry)
{
#ifdef SMM_HAVE_MNT_IDMAP
	return vfs_unlink(mnt_idmap(mnt), dir, dentry, NULL);
#else
	return vfs_unlink(mnt_user_ns(mnt), dir, dentry, NULL);
#endif
}

/*
 * No fsnotify event for @file's reads and writes.  Kernels with the
 * FMODE_NONOTIFY_PERM pair (6.14, and stable backports) mean "none at
 * all" by FMODE_NONOTIFY alone of the two; before, it is one bit.
 */
static inline void smm_file_set_nonotify(struct file *file)
{
#ifdef FMODE_FSNOTIFY_MASK
	file->f_mode &= ~FMODE_FSNOTIFY_MASK;
#endif
	file->f_mode |= FMODE_NONOTIFY;
}

/*
 * Does @vmf hold only its vma's own lock, not the mm's mmap_lock?  Per-VMA
 * locks came in 6.4 (SMM_HAVE_VMA_LOCK: Kbuild's test); before, every
 * fault holds the mmap_lock.
 */
static inline bool smm_fault_vma_locked(const struct vm_fault *vmf)
{
#ifdef SMM_HAVE_VMA_LOCK
	return vmf->flags & FAULT_FLAG_VMA_LOCK;
#else
	return false;
#endif
}

/**
 * smm_default_get_unmapped_area() - the default placement of a mapping
 * @file: the file being mapped
 * @addr: the caller's hint, 0 for none (or the address, with MAP_FIXED)
 * @len: the mapping's length
 * @pgoff: its offset in @file, in pages
 * @flags: the mmap() flags
 *
 * Where the current mm would place the mapping for a file with no
 * get_unmapped_area of its own: 6.10 replaced the mm's method by
 * mm_get_unmapped_area() (SMM_HAVE_MM_GET_UNMAPPED_AREA: Kbuild's test).
 *
 * Context: Process context, the current mm's mmap_lock held for writing
 * (as by a file's get_unmapped_area).
 * Return: the address, or a negative errno cast to unsigned long.
 */
static inline unsigned long smm_default_get_unmapped_area(struct file *file,
							  unsigned long addr,
							  unsigned long len,
							  unsigned long pgoff,
							  unsigned long flags)
{
#ifdef SMM_HAVE_MM_GET_UNMAPPED_AREA
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#else
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}

/**
 * smm_mmap_write_trylock() - take @mm's mmap_lock for writing if it is free
 * @mm: the mm
 *
 * The kernel offers no mmap_write_trylock().  This takes the rwsem that
 * mmap_write_lock() takes and, where the mmap_lock is paired with a
 * sequence count (SMM_HAVE_MM_LOCK_SEQCOUNT: Kbuild's test), opens its
 * write section as mmap_write_lock() does, so that mmap_write_unlock(),
 * which closes it, stays balanced: per-VMA lock readers compare against
 * that count, and KCSAN checks the pairing.  Only the mmap_lock
 * tracepoints of the acquisition are left out.
 *
 * Context: Process context.
 * Return: true with the lock held for writing (release it with
 * mmap_write_unlock()), false without it.
 */
static inline bool smm_mmap_write_trylock(struct mm_struct *mm)
{
	if (!down_write_trylock(&mm->mmap_lock))
		return false;
#ifdef SMM_HAVE_MM_LOCK_SEQCOUNT
	mm_lock_seqcount_begin(mm);
#endif
	return true;
}

/*
 * This CPU's part of a per-CPU structure that has a spinlock of its own
 * (the per-CPU free lists, the LRU batches): the task stays on this CPU
 * while it holds the pointer, the lock guards the contents against the
 * drains other CPUs run.  preempt_disable() would do, but PREEMPT_RT
 * makes spinlock_t a sleeping lock, which must not be taken with
 * preemption off: there the task is pinned with migrate_disable()
 * instead, as mm/page_alloc.c pins its own per-CPU lists.
 */
#ifdef CONFIG_PREEMPT_RT
#define smm_cpu_pin()		migrate_disable()
#define smm_cpu_unpin()		migrate_enable()
#else
#define smm_cpu_pin()		preempt_disable()
#define smm_cpu_unpin()		preempt_enable()
#endif
#define smm_get_cpu_ptr(p)	({ smm_cpu_pin(); this_cpu_ptr(p); })
#define smm_put_cpu_ptr(p)	do { (void)(p); smm_cpu_unpin(); } while (0)

/*
 * KUnit's static stubs (6.2): a KUnit case may redirect a call of a
 * function that begins with KUNIT_STATIC_STUB_REDIRECT() to one of its
 * own, in its own thread only, to act inside a window no caller can hold
 * open (an object's last close in the middle of an eviction).  Without
 * CONFIG_KUNIT the redirect is nothing; 6.1 has no such header
 * (SMM_HAVE_KUNIT_STATIC_STUB: Kbuild's test).
 */
#ifdef SMM_HAVE_KUNIT_STATIC_STUB
#include <kunit/static_stub.h>
#else
#define KUNIT_STATIC_STUB_REDIRECT(real_fn_name, args...) ((void)(real_fn_name))
#endif

#endif /* _SHADOWMM_COMPAT_H */
