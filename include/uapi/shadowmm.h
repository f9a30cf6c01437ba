/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shadowmm user ABI: the ioctls of /dev/shadowmm.
 *
 * Each open() of /dev/shadowmm creates a memory object: pages indexed by
 * file offset, allocated and zeroed on first touch (a fault or a write),
 * shared by every mapping and by read()/write() of that file.
 *
 * Every field is a fixed-width __u64/__u32 so 32- and 64-bit callers share
 * one layout; every struct ends on an 8-byte boundary; reserved fields and
 * flags must be zero and are checked, so they can gain a meaning later.
 */
#ifndef _UAPI_SHADOWMM_H
#define _UAPI_SHADOWMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SHADOWMM_IOC_MAGIC	0xB7

/* The largest object: offsets and size limits stay below this. */
#define SHADOWMM_MAX_OBJECT_SIZE	(1ULL << 40)

/**
 * struct shadowmm_info - SHADOWMM_IOC_INFO: one object's state
 * @id:			the object's number: objects are numbered 1, 2, 3, ...
 *			in the order they are opened, never reused while the
 *			module is loaded (fstat() and /proc/PID/maps show the
 *			device node's inode, the same for every object: this
 *			is the way to tell objects apart)
 * @size:		one past the last byte written, or the end of the last
 *			page faulted in, whichever is further; read() returns
 *			end of file there
 * @size_limit:		faults at or beyond it get SIGBUS, writes EFBIG
 * @resident_pages:	pages the object holds now
 * @faults_minor:	faults served without I/O (first touch included)
 * @faults_major:	faults that brought a page back from the backing store
 * @faults_cow:		write faults on MAP_PRIVATE mappings that reached the
 *			device (the kernel copies the page)
 * @faults_sigbus:	faults refused with SIGBUS (limit or region exhausted)
 * @pinned_pages:	pages removed from this object (punched, beyond a
 *			lowered limit) but still pinned by someone
 *			(get_user_pages, vmsplice); freed when unpinned
 * @reserved:		zero
 */
struct shadowmm_info {
	__u64 id;
	__u64 size;
	__u64 size_limit;
	__u64 resident_pages;
	__u64 faults_minor;
	__u64 faults_major;
	__u64 faults_cow;
	__u64 faults_sigbus;
	__u64 pinned_pages;
	__u64 reserved[3];
};

/**
 * struct shadowmm_limit - SHADOWMM_IOC_SET_LIMIT
 * @size_limit:	new limit in bytes: a multiple of the page size, at most
 *		SHADOWMM_MAX_OBJECT_SIZE; pages at or beyond it are freed and
 *		unmapped (as ftruncate would), and @size is clamped to it;
 *		EBUSY, nothing changed, when a PMD-mapped 2 MiB folio lies
 *		across it and a pin (get_user_pages, a pipe's buffer) keeps
 *		it from being split (ENOMEM when memory for the split is
 *		short)
 * @flags:	zero
 *
 * Only on an fd open for writing (EBADF otherwise, as fallocate() has it):
 * a lower limit frees pages.
 */
struct shadowmm_limit {
	__u64 size_limit;
	__u64 flags;
};

/**
 * struct shadowmm_range - SHADOWMM_IOC_PUNCH_HOLE: free a range of pages
 * @offset:	first byte, a multiple of the page size
 * @length:	bytes, a non-zero multiple of the page size; the range must
 *		end at or below SHADOWMM_MAX_OBJECT_SIZE
 *
 * The pages are unmapped from every process and freed; the range reads as
 * zeroes afterwards (copies already made by MAP_PRIVATE writes stay).
 * Only on an fd open for writing (EBADF otherwise).
 */
struct shadowmm_range {
	__u64 offset;
	__u64 length;
};

#define SHADOWMM_IOC_INFO	_IOR(SHADOWMM_IOC_MAGIC, 1, struct shadowmm_info)
#define SHADOWMM_IOC_SET_LIMIT	_IOW(SHADOWMM_IOC_MAGIC, 2, struct shadowmm_limit)
#define SHADOWMM_IOC_PUNCH_HOLE	_IOW(SHADOWMM_IOC_MAGIC, 3, struct shadowmm_range)

#endif /* _UAPI_SHADOWMM_H */
