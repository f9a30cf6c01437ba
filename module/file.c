// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the file layer of memory objects, where the user ABI meets
 * them.
 *
 * The file operations of /dev/shadowmm: open() makes a new object
 * (module/object.c) behind the file, and its last close drops it; read(),
 * write() and lseek() reach the same bytes as the mappings (mmap is
 * module/fault.c's); the ioctls of include/uapi/shadowmm.h report on an
 * object, change its size limit and punch holes.  Every argument from
 * user space is checked here or by the object call it reaches before
 * anything changes: bad input gets -EINVAL, -EFAULT or -ENOTTY.  A page
 * whose memory failed (PG_hwpoison) is neither read nor written: -EIO.
 */

#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include <uapi/shadowmm.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/fault.h>
#include <shadowmm/lru.h>
#include <shadowmm/object.h>
#include <shadowmm/vma.h>
#include <shadowmm/object_internal.h>
#include <shadowmm/pool.h>

/*
 * An open of a struct smm_device: misc_open() left the miscdevice in
 * private_data; the file becomes a new object of the device's pool.
 */
static int smm_object_open(struct inode *inode, struct file *file)
{
	struct smm_device *dev = container_of(file->private_data,
					      struct smm_device, misc);
	struct smm_object *obj = smm_object_create(dev->pool);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/*
	 * With no ->page_mkwrite (module/fault.c), the kernel stamps the
	 * file's inode at a shared write fault (fault_dirty_shared_page()),
	 * and that inode is the device node, shared by every object, whose
	 * times stat() shows to anyone: they would tell any user when
	 * others' programs first write their mappings.  A device node has no
	 * contents of its own to date, so its times stay as they are.
	 */
	if (!IS_NOCMTIME(inode)) {
		inode_lock(inode);
		inode_set_flags(inode, S_NOCMTIME, S_NOCMTIME);
		inode_unlock(inode);
	}
	/*
	 * For the same reason no fsnotify event: an inotify watch on the
	 * device node would see every other user's open, read(), write()
	 * and close of an object.  The events name the node, not the object,
	 * so they tell a watcher nothing of its own either.  (fanotify's open
	 * permission event is raised before this runs.)
	 */
	smm_file_set_nonotify(file);
	file->private_data = obj;
	file->f_mapping = obj->inode->i_mapping;
	/*
	 * As a regular file's: threads sharing the fd see read(), write()
	 * and lseek() move the position one at a time (fdget_pos()).
	 */
	file->f_mode |= FMODE_ATOMIC_POS;
	return 0;
}

static int smm_object_release(struct inode *inode, struct file *file)
{
	struct smm_object *obj = smm_file_object(file);

	/* Perhaps an exit's last mapping: a tree with no notifier may go. */
	smm_vma_reap_dead(obj->pool);
	smm_object_put(obj);
	return 0;
}

/*
 * The object inode's i_rwsem orders read(), write() and the ioctls that
 * change contents or size against each other, as the kernel's own files
 * do: two writes to one page never copy at once (the bytes would
 * interleave), a read never sees half of a write, and O_APPEND's position
 * is the size when the write starts.  Stores through mappings are not
 * ordered by it, as with any shared file mapping.  Faults never take it,
 * so copying from or to a mapping of the same object under it cannot
 * deadlock.  The wait for it is killable (a copy from a buffer that never
 * resolves holds it; the others must still die), and IOCB_NOWAIT callers
 * (io_uring, for a file opened O_NONBLOCK) get -EAGAIN instead of waiting
 * for it, or for a page's lock, a swap-in or a new frame (what was copied
 * before such a page is returned).  The rwsem is taken directly: 6.1 has
 * no inode_lock_killable().
 */
static int smm_object_io_lock(struct kiocb *iocb, bool write)
{
	/* The object's inode: file_inode() is the device node's, shared. */
	struct inode *inode = smm_file_object(iocb->ki_filp)->inode;

	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (write ? !inode_trylock(inode) : !inode_trylock_shared(inode))
			return -EAGAIN;
		return 0;
	}
	if (write)
		return down_write_killable(&inode->i_rwsem) ? -EINTR : 0;
	return down_read_killable(&inode->i_rwsem) ? -EINTR : 0;
}

static ssize_t smm_object_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	unsigned int nowait = iocb->ki_flags & IOCB_NOWAIT ? SMM_GET_NOWAIT : 0;
	struct smm_object *obj = smm_file_object(iocb->ki_filp);
	struct smm_pool *pool = obj->pool;
	loff_t pos = iocb->ki_pos;
	ssize_t done = 0;
	int err;

	err = smm_object_io_lock(iocb, false);
	if (err)
		return err;
	while (iov_iter_count(to)) {
		loff_t size = i_size_read(obj->inode);
		size_t off = offset_in_page(pos), n, copied;
		enum smm_page_origin origin;
		struct page *page;

		if (pos >= size)
			break;
		n = min_t(loff_t, min_t(size_t, PAGE_SIZE - off, iov_iter_count(to)),
			  size - pos);
		page = smm_object_get_page(obj, pos >> PAGE_SHIFT, nowait, &origin);
		if (IS_ERR(page)) {
			err = PTR_ERR(page);
			break;
		}
		if (page && unlikely(PageHWPoison(page))) {
			/* Its memory failed: never read from it (as shmem). */
			unlock_page(page);
			put_page(page);
			err = -EIO;
			break;
		}
		if (page) {
			/* The reference keeps the frame; the lock is not needed
			 * to copy, and holding it across a user fault on this
			 * same page would deadlock.  A page found resident
			 * was accessed (the mglru policy counts reads).
			 */
			if (origin == SMM_PAGE_FOUND)
				smm_lru_note_read(pool, smm_object_frame(pool,
						  &page_folio(page)->page));
			unlock_page(page);
			copied = copy_to_iter(smm_page_address(pool,
							       smm_object_frame(pool, page)) + off,
					      n, to);
			put_page(page);
		} else {
			copied = iov_iter_zero(n, to);
		}
		done += copied;
		pos += copied;
		if (copied < n) {
			err = -EFAULT;
			break;
		}
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	inode_unlock_shared(obj->inode);
	if (!done)
		return err;
	iocb->ki_pos = pos;
	return done;
}

/*
 * What generic_write_check_limits() checks (6.1 does not export it): the
 * writer's RLIMIT_FSIZE, with SIGXFSZ past it, and 2 GiB for a file
 * opened without O_LARGEFILE (a 32-bit open()).  @from is cut short at
 * the limit.  Return 0, or -EFBIG when @pos is at or past it.
 */
static int smm_object_write_limits(struct file *file, loff_t pos, struct iov_iter *from)
{
	unsigned long fsize = rlimit(RLIMIT_FSIZE);
	loff_t max = file->f_flags & O_LARGEFILE ? MAX_LFS_FILESIZE : MAX_NON_LFS;

	if (fsize != RLIM_INFINITY) {
		if (pos >= fsize) {
			send_sig(SIGXFSZ, current, 0);
			return -EFBIG;
		}
		if (fsize < max)
			max = fsize;
	}
	if (pos >= max)
		return -EFBIG;
	iov_iter_truncate(from, max - pos);
	return 0;
}

static ssize_t smm_object_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	unsigned int nowait = iocb->ki_flags & IOCB_NOWAIT ? SMM_GET_NOWAIT : 0;
	struct smm_object *obj = smm_file_object(iocb->ki_filp);
	struct smm_pool *pool = obj->pool;
	loff_t pos = iocb->ki_pos;
	ssize_t done = 0;
	int err;

	/* Nothing to write is no write, at any offset (generic_write_checks()). */
	if (!iov_iter_count(from))
		return 0;
	err = smm_object_io_lock(iocb, true);
	if (err)
		return err;
	if (iocb->ki_flags & IOCB_APPEND)
		pos = i_size_read(obj->inode);
	err = smm_object_write_limits(iocb->ki_filp, pos, from);
	if (err) {
		inode_unlock(obj->inode);
		return err;
	}
	while (iov_iter_count(from)) {
		size_t off = offset_in_page(pos), n, copied;
		enum smm_page_origin origin;
		struct page *page;

		n = min_t(size_t, PAGE_SIZE - off, iov_iter_count(from));
		/*
		 * A source none of which can be read makes no page (nor brings
		 * one back from the store), as generic_perform_write() checks
		 * before it takes a folio: a bad buffer changes nothing.
		 */
		if (fault_in_iov_iter_readable(from, n) == n) {
			err = -EFAULT;
			break;
		}
		page = smm_object_get_page(obj, pos >> PAGE_SHIFT, SMM_GET_CREATE | nowait,
					   &origin);
		if (IS_ERR(page)) {
			err = PTR_ERR(page);
			break;
		}
		/* Its memory failed: nothing goes into it (as shmem). */
		if (unlikely(PageHWPoison(page))) {
			unlock_page(page);
			put_page(page);
			err = -EIO;
			break;
		}
		unlock_page(page);
		copied = copy_from_iter(smm_page_address(pool,
							 smm_object_frame(pool, page)) + off,
					n, from);
		if (copied)
			smm_object_mark_dirty(obj, page);
		put_page(page);
		done += copied;
		pos += copied;
		if (copied)
			smm_object_note_size(obj, pos);
		if (copied < n) {
			err = -EFAULT;
			break;
		}
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	inode_unlock(obj->inode);
	if (!done)
		return err;
	iocb->ki_pos = pos;
	return done;
}

static loff_t smm_object_llseek(struct file *file, loff_t offset, int whence)
{
	struct smm_object *obj = smm_file_object(file);

	return generic_file_llseek_size(file, offset, whence,
					SHADOWMM_MAX_OBJECT_SIZE,
					i_size_read(obj->inode));
}

/* A byte range from user space: page aligned, non-empty, in bounds. */
static bool smm_object_range_ok(u64 offset, u64 length)
{
	return length && PAGE_ALIGNED(offset) && PAGE_ALIGNED(length) &&
	       offset < SHADOWMM_MAX_OBJECT_SIZE &&
	       length <= SHADOWMM_MAX_OBJECT_SIZE - offset;
}

static void smm_object_fill_info(struct smm_object *obj, struct shadowmm_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = obj->id;
	info->size = i_size_read(obj->inode);
	info->size_limit = READ_ONCE(obj->size_limit);
	info->resident_pages = atomic_long_read(&obj->resident);
	info->faults_minor = atomic_long_read(&obj->faults[SMM_FAULT_MINOR]);
	info->faults_major = atomic_long_read(&obj->faults[SMM_FAULT_MAJOR]);
	info->faults_cow = atomic_long_read(&obj->faults[SMM_FAULT_COW]);
	info->faults_sigbus = atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]);
	info->pinned_pages = atomic_long_read(&obj->pinned);
}

static long smm_object_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct smm_object *obj = smm_file_object(file);
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case SHADOWMM_IOC_INFO: {
		struct shadowmm_info info;

		smm_object_fill_info(obj, &info);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case SHADOWMM_IOC_SET_LIMIT: {
		struct shadowmm_limit lim;

		/* It frees pages, as a write would: fallocate()'s rule. */
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		if (copy_from_user(&lim, uarg, sizeof(lim)))
			return -EFAULT;
		if (lim.flags)
			return -EINVAL;
		if (down_write_killable(&obj->inode->i_rwsem))
			return -EINTR;
		ret = smm_object_set_limit(obj, lim.size_limit);
		inode_unlock(obj->inode);
		return ret;
	}
	case SHADOWMM_IOC_PUNCH_HOLE: {
		struct shadowmm_range range;

		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		if (copy_from_user(&range, uarg, sizeof(range)))
			return -EFAULT;
		if (!smm_object_range_ok(range.offset, range.length))
			return -EINVAL;
		if (down_write_killable(&obj->inode->i_rwsem))
			return -EINTR;
		smm_object_punch(obj, range.offset, range.offset + range.length);
		inode_unlock(obj->inode);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * A mapping whose file range holds a whole aligned 2 MiB is placed so that
 * its addresses and offsets agree modulo 2 MiB, as the kernel places a
 * file THP may back (thp_get_unmapped_area()): then every naturally
 * aligned block of the object (fault_order) lies in one page table and
 * can be made on first touch, wherever the program maps it.  A hint or
 * MAP_FIXED gets the default placement, as before: the padded search would
 * pass over a free hint whose hole fits the mapping but not 2 MiB more.  So
 * does a 32-bit program, whose address space the padding would waste (the
 * kernel's own placement leaves compat tasks alone too, in 6.12).
 */
static unsigned long smm_object_get_unmapped_area(struct file *file, unsigned long addr,
						  unsigned long len, unsigned long pgoff,
						  unsigned long flags)
{
	if (addr || (flags & MAP_FIXED) || in_compat_syscall())
		return smm_default_get_unmapped_area(file, addr, len, pgoff, flags);
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
#else
/* Without THP the kernel has no such placement: the default search. */
#define smm_object_get_unmapped_area	NULL
#endif

/*
 * Every open of /dev/shadowmm, and KUnit's files (made with
 * smm_object_file_create(), which never calls .open), use these.
 */
const struct file_operations smm_object_fops = {
	.owner = THIS_MODULE,
	.open = smm_object_open,
	.release = smm_object_release,
	.read_iter = smm_object_read_iter,
	.write_iter = smm_object_write_iter,
	.llseek = smm_object_llseek,
	/* Memory only, as shmem: nothing to write back, and nothing fails. */
	.fsync = noop_fsync,
	.mmap = smm_object_mmap,
	.get_unmapped_area = smm_object_get_unmapped_area,
	.unlocked_ioctl = smm_object_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
