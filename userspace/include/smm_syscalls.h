/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System call and mman numbers the userspace programs use that Debian 12's
 * C library headers may predate (they are the kernel's x86-64 ABI), and
 * the cachestat(2) structures (include/uapi/linux/mman.h since 6.5), the
 * userfaultfd and memory policy flags and the pagemap scan's.  One
 * copy for the tests, the fuzzer and the tools.
 */
#ifndef _SHADOWMM_USERSPACE_SYSCALLS_H
#define _SHADOWMM_USERSPACE_SYSCALLS_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425
#define __NR_io_uring_enter	426
#define __NR_io_uring_register	427
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise	440
#endif
#ifndef __NR_cachestat
#define __NR_cachestat		451
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT		4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		1
#endif

#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC		(1 << 15)
#endif
#ifndef MPOL_PREFERRED
#define MPOL_DEFAULT		0
#define MPOL_PREFERRED		1
#define MPOL_BIND		2
#define MPOL_MF_STRICT		(1 << 0)
#define MPOL_MF_MOVE		(1 << 1)
#define MPOL_MF_MOVE_ALL	(1 << 2)
#endif

/* cachestat(2)'s range and result. */
struct smm_cachestat_range {
	uint64_t off;
	uint64_t len;
};

struct smm_cachestat {
	uint64_t nr_cache;
	uint64_t nr_dirty;
	uint64_t nr_writeback;
	uint64_t nr_evicted;
	uint64_t nr_recently_evicted;
};

/* The pagemap's scan (include/uapi/linux/fs.h since 6.7). */
struct smm_page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

struct smm_pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

#define SMM_PAGEMAP_SCAN	_IOWR('f', 16, struct smm_pm_scan_arg)
#define SMM_PM_SCAN_WP_MATCHING	(1 << 0)
#define SMM_PM_SCAN_CHECK_WPASYNC (1 << 1)
#define SMM_PAGE_IS_WRITTEN	(1 << 1)
#define SMM_PAGE_IS_ALL		0xff

#endif /* _SHADOWMM_USERSPACE_SYSCALLS_H */
