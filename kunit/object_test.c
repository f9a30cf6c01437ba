// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: memory objects (module/object.c, module/file.c) on private
 * pools, through the file a user would have: bytes written come back
 * identical, holes read as zeroes, read stops at the size, a punched
 * range goes back to the buddy, a frame one object freed reads as zeroes
 * when another object's first touch gets it, the size limit refuses
 * writes beyond it and frees pages above a lowered one, an exhausted
 * region is ENOSPC with nothing lost, objects come from the pool's own
 * slab cache with a reserve behind it, a free frame whose memory
 * failed is never handed out, the pinned list is walked a batch at a
 * time, and a fault held up by a page's lock or a frozen count ends when
 * its task is killed.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/fs.h>
#include <linux/cpumask.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <uapi/shadowmm.h>

#include <shadowmm/compat.h>
#include <shadowmm/lru.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
#include <shadowmm/slab.h>
#include <shadowmm/stats.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg object_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

static void smm_test_fill(char *buf, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)(seed + i * 7 + (i >> 12));
}

/*
 * An object holds the module until it is evicted, not only through its
 * file: a walker's inode reference (the shadow trim's) can be the last
 * one, and an unload must not begin while it is.
 */
static void smm_object_holds_module_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	/* The objects' file operations are shadowmm's own. */
	struct module *mod = smm_test_object_file(test, pool)->f_op->owner;
	struct smm_object *obj;
	int before;

	KUNIT_ASSERT_NOT_NULL(test, mod);
	before = module_refcount(mod);
	obj = smm_object_create(pool);
	KUNIT_ASSERT_FALSE(test, IS_ERR(obj));
	KUNIT_EXPECT_EQ(test, module_refcount(mod), before + 1);
	smm_object_put(obj);
	KUNIT_EXPECT_EQ(test, module_refcount(mod), before);
}

/* Bytes written at odd offsets across pages come back identical. */
static void smm_object_rw_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	size_t n = 3 * PAGE_SIZE + 123;
	char *in = kunit_kmalloc(test, n, GFP_KERNEL);
	char *out = kunit_kzalloc(test, n, GFP_KERNEL);
	loff_t pos = 1000;

	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	smm_test_fill(in, n, 3);
	KUNIT_ASSERT_EQ(test, kernel_write(file, in, n, &pos), (ssize_t)n);
	KUNIT_EXPECT_EQ(test, i_size_read(obj->inode), 1000LL + n);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 4L);

	pos = 1000;
	KUNIT_ASSERT_EQ(test, kernel_read(file, out, n, &pos), (ssize_t)n);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, n), 0);
	/* At the size, end of file. */
	KUNIT_EXPECT_EQ(test, kernel_read(file, out, 10, &pos), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* A hole inside the size reads as zeroes and allocates nothing. */
static void smm_object_hole_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	loff_t pos = 5 * PAGE_SIZE;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kernel_write(file, "x", 1, &pos), 1);
	memset(buf, 0xaa, PAGE_SIZE);
	pos = 2 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, kernel_read(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 1L);
}

/* A punched range frees its pages to the buddy and reads as zeroes. */
static void smm_object_punch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long free_before = smm_pool_free_pages(pool);
	char *buf = kunit_kmalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 'p', 4 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, 4 * PAGE_SIZE, &pos),
			(ssize_t)(4 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before - 4);

	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, PAGE_SIZE, 3 * PAGE_SIZE), 2L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 2L);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before - 2);
	pos = 0;
	KUNIT_ASSERT_EQ(test, kernel_read(file, buf, 4 * PAGE_SIZE, &pos),
			(ssize_t)(4 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, buf[0], 'p');
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf + PAGE_SIZE, 0, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, buf[3 * PAGE_SIZE], 'p');
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A file opened without O_LARGEFILE (a 32-bit program's open()) is
 * written up to 2 GiB and no further, as generic_write_checks() limits
 * a regular file: a write across gets the part below, one at or past it
 * EFBIG and no page.
 */
static void smm_object_no_largefile_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	loff_t pos = MAX_NON_LFS - PAGE_SIZE + 1;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	file->f_flags &= ~O_LARGEFILE;
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, 2 * PAGE_SIZE, &pos), (ssize_t)(PAGE_SIZE - 1));
	KUNIT_EXPECT_EQ(test, pos, (loff_t)MAX_NON_LFS);
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, 1, &pos), (ssize_t)-EFBIG);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 1L);
	file->f_flags |= O_LARGEFILE;
	pos = (loff_t)MAX_NON_LFS + 1;
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, 1, &pos), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 2L);
}

/* A punch of pages 0..3 of an object, in a thread of its own. */
struct smm_test_puncher {
	struct smm_object *obj;
	long taken;
	struct completion done;
};

static int smm_test_puncher_fn(void *arg)
{
	struct smm_test_puncher *pu = arg;

	pu->taken = smm_object_punch(pu->obj, 0, 4 * PAGE_SIZE);
	complete(&pu->done);
	return 0;
}

/* Wait (5 s at most) until @old is no longer the page at @index. */
static bool smm_test_wait_gone(struct smm_object *obj, pgoff_t index, struct folio *old)
{
	unsigned long end = jiffies + 5 * HZ;

	while (xa_load(&obj->inode->i_mapping->i_pages, index) == old) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(1000, 2000);
	}
	return true;
}

/*
 * A punch takes no page out of the object while a mapping still maps it:
 * a process writing it meanwhile would write a page the object no longer
 * has, while another faults a new one in at the index, and the later of
 * their writes could be the one lost.  A page still mapped when its turn
 * comes is unmapped under its lock as it leaves.  The punch is held on
 * pages 1 and 3, locked here.
 */
static void smm_object_punch_unmaps_first_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct smm_test_puncher *pu;
	struct folio *folios[4];
	struct task_struct *task;
	unsigned long addr;
	long faults;
	char __user *p;
	char c = 0;
	pgoff_t i;

	pu = kunit_kzalloc(test, sizeof(*pu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pu);
	addr = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, put_user((char)(i + 1), p + i * PAGE_SIZE), 0);
	for (i = 0; i < 4; i++) {
		folios[i] = filemap_get_folio(obj->inode->i_mapping, i);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(folios[i]));
	}
	folio_lock(folios[1]);
	folio_lock(folios[3]);
	pu->obj = obj;
	init_completion(&pu->done);
	task = kthread_run(smm_test_puncher_fn, pu, "smm_test_puncher");
	if (IS_ERR(task)) {
		folio_unlock(folios[3]);
		folio_unlock(folios[1]);
		for (i = 0; i < 4; i++)
			folio_put(folios[i]);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		return;
	}

	/* Page 0 taken, the punch waits for page 1: page 2 is mapped. */
	KUNIT_EXPECT_TRUE(test, smm_test_wait_gone(obj, 0, folios[0]));
	KUNIT_EXPECT_EQ(test, get_user(c, p + 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, c, 3);
	KUNIT_EXPECT_TRUE(test, folio_mapped(folios[2]));

	/* Pages 1 and 2 taken, the punch waits for page 3. */
	folio_unlock(folios[1]);
	KUNIT_EXPECT_TRUE(test, smm_test_wait_gone(obj, 2, folios[2]));
	KUNIT_EXPECT_FALSE(test, folio_mapped(folios[2]));
	faults = atomic_long_read(&obj->faults[SMM_FAULT_MINOR]);
	KUNIT_EXPECT_EQ(test, get_user(c, p + 2 * PAGE_SIZE), 0);
	/* A new page, faulted in: not the old one through a pte left behind. */
	KUNIT_EXPECT_EQ(test, c, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), faults + 1);

	folio_unlock(folios[3]);
	wait_for_completion(&pu->done);
	for (i = 0; i < 4; i++)
		folio_put(folios[i]);
	KUNIT_EXPECT_EQ(test, pu->taken, 4L);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Writes stop at the limit; a lower limit frees what is above it. */
static void smm_object_limit_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kzalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, PAGE_SIZE + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, -PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, SHADOWMM_MAX_OBJECT_SIZE + PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, obj->size_limit, (loff_t)SHADOWMM_MAX_OBJECT_SIZE);

	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, 4 * PAGE_SIZE, &pos),
			(ssize_t)(4 * PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, smm_object_set_limit(obj, 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 2L);
	KUNIT_EXPECT_EQ(test, i_size_read(obj->inode), (loff_t)(2 * PAGE_SIZE));

	/* A write across the limit is short; one at it is refused. */
	pos = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, 2 * PAGE_SIZE, &pos),
			(ssize_t)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, 1, &pos), -EFBIG);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* With the region exhausted a write is ENOSPC, and what was written stays. */
static void smm_object_exhausted_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long pages = smm_pool_managed_pages(pool), i;
	char *page = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int retries = 0;
	loff_t pos = 0;
	ssize_t ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, page);
	/*
	 * The pressure the writes cause gives free slabs back meanwhile, in
	 * a work item that may finish after the write that failed: write
	 * until a write fails with that work done, however many frames it
	 * freed.
	 */
	for (i = 0; i <= pages; i++) {
		smm_test_fill(page, PAGE_SIZE, i);
		ret = kernel_write(file, page, PAGE_SIZE, &pos);
		if (ret == PAGE_SIZE)
			continue;
		flush_work(&pool->slab.shrink_work);
		if (!smm_pool_free_pages(pool) || ++retries > 8)
			break;
		i--;	/* the same page again, into the frames freed */
	}
	KUNIT_EXPECT_EQ(test, ret, (ssize_t)-ENOSPC);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), 0UL);
	KUNIT_EXPECT_GT(test, i, pages / 2);

	/* Every page written before is intact. */
	pages = i;
	pos = 0;
	for (i = 0; i < pages; i++) {
		char *want = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, want);
		smm_test_fill(want, PAGE_SIZE, i);
		KUNIT_ASSERT_EQ(test, kernel_read(file, page, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
		KUNIT_ASSERT_EQ_MSG(test, memcmp(page, want, PAGE_SIZE), 0, "page %lu", i);
		kunit_kfree(test, want);
	}
}

/*
 * Closing the last file frees every page (the object itself goes back to
 * the pool's object cache, which keeps its slab).
 */
static void smm_object_release_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_object_file_create(pool);
	unsigned long free_before = smm_pool_free_pages(pool);
	char buf[64] = "release";
	loff_t pos = 7 * PAGE_SIZE;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, sizeof(buf), &pos), (ssize_t)sizeof(buf));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->objects.nr_pages), 1L);
	__fput_sync(file);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->objects.nr_pages), 0L);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->objects.list));
}

/*
 * Objects come from the pool's own slab cache, and an open() can fail:
 * with the region exhausted and that cache out of free objects, an open
 * gets -ENOMEM at once and takes nothing from the VMA descriptors'
 * reserve, which a split or a fork (which cannot fail) needs; with a
 * free object back in the cache it succeeds again.
 */
static void smm_object_dogfood_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *first = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(first);
	struct smm_kmem_cache *cache = pool->objects.cache.cache;
	mempool_t *vma_reserve = pool->vmas.reserve.mempool;
	struct smm_test_dry *dry;
	struct smm_page *page;
	struct file *file;
	int spare;

	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_NOT_NULL(test, vma_reserve);
	KUNIT_EXPECT_NULL(test, pool->objects.cache.mempool);
	page = smm_virt_to_page(pool, obj);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, smm_page_test(page, SMM_PG_slab));
	KUNIT_EXPECT_PTR_EQ(test, page->slab_cache, cache);
	KUNIT_EXPECT_STREQ(test, cache->name, "shadowmm_object");
	spare = READ_ONCE(vma_reserve->curr_nr);

	dry = smm_test_dry(test, pool, cache);
	file = smm_object_file_create(pool);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(file), (long)-ENOMEM);
	if (!IS_ERR(file))
		__fput_sync(file);
	KUNIT_EXPECT_EQ(test, READ_ONCE(vma_reserve->curr_nr), spare);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* One object of the cache free again: the next open takes it. */
	smm_kmem_cache_free(cache, dry->objs[--dry->nr_objs]);
	file = smm_object_file_create(pool);
	KUNIT_EXPECT_FALSE(test, IS_ERR(file));
	if (!IS_ERR(file))
		__fput_sync(file);
	smm_test_dry_end(test, dry);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The page at @index of @file's object (no reference taken). */
static struct page *smm_test_page_at(struct file *file, pgoff_t index)
{
	return xa_load(&file->f_mapping->i_pages, index);
}

/* SHADOWMM_IOC_INFO of @file, through user memory as a program asks. */
static void smm_test_info(struct kunit *test, struct file *file,
			  struct shadowmm_info *info)
{
	unsigned long uaddr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					    PROT_READ | PROT_WRITE,
					    MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_TRUE(test, uaddr && !IS_ERR_VALUE(uaddr));
	KUNIT_ASSERT_EQ(test, file->f_op->unlocked_ioctl(file, SHADOWMM_IOC_INFO, uaddr), 0L);
	KUNIT_ASSERT_EQ(test, copy_from_user(info, (void __user *)uaddr, sizeof(*info)), 0UL);
}

/*
 * A frame that left its object has refcount 0, as the kernel's free pages
 * have: a stale lookup (the pointer loaded from i_pages before a punch,
 * as fault-around and every lockless lookup hold one for a moment) cannot
 * take a reference to it, nor to it once reused at another index, where
 * it is no longer the old slot's.
 */
static void smm_object_free_frame_frozen_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct page *stale;
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 's', PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	stale = smm_test_page_at(file, 0);
	KUNIT_ASSERT_NOT_NULL(test, stale);
	/* A per-CPU LRU batch holds a reference until drained. */
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, page_ref_count(stale), 1);

	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, page_ref_count(stale), 0);
	KUNIT_EXPECT_FALSE(test, get_page_unless_zero(stale));
	KUNIT_EXPECT_FALSE(test, folio_try_get(page_folio(stale)));

	/* pcp off: the next frame is the one just freed, now at index 5. */
	pos = 5 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_page_at(file, 5), stale);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, page_ref_count(stale), 1);
	KUNIT_EXPECT_NULL(test, smm_test_page_at(file, 0));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * No page shows a previous user's bytes, on a frame known to be reused.
 * With the per-CPU lists off, a frame freed while its buddy (sfn ^ 1) is
 * allocated cannot merge: it goes to the head of the order-0 free list,
 * and the next order-0 allocation takes it.  So the frame of a page
 * punched out of one object, full of that object's bytes, is the one the
 * first touch of another object's page gets next, and that page must read
 * as zeroes.  Writing two pages more than there are free order-0 blocks
 * makes a buddy pair: those blocks go first, then a split hands out the
 * lower frame of a block and leaves its buddy as the only order-0 block,
 * which the next page takes.
 */
static void smm_object_reused_frame_zeroed_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct file *other = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long *sfn, n, i, j, victim = 0, addr;
	bool found = false;
	struct page *page;
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	n = smm_test_nr_free(zone, 0) + 2;
	sfn = kunit_kcalloc(test, n, sizeof(*sfn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sfn);
	memset(buf, 'u', PAGE_SIZE);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
		page = smm_test_page_at(file, i);
		KUNIT_ASSERT_NOT_NULL(test, page);
		sfn[i] = page_private(page);
	}
	for (i = 0; i < n && !found; i++) {
		for (j = 0; j < n; j++) {
			if (sfn[j] == (sfn[i] ^ 1)) {
				victim = i;
				found = true;
				break;
			}
		}
	}
	KUNIT_ASSERT_TRUE_MSG(test, found, "no two of %lu pages on buddy frames", n);
	/* The frame holds the first object's bytes. */
	KUNIT_ASSERT_NULL(test, memchr_inv(smm_page_address(pool,
							    smm_sfn_page(&pool->region, sfn[victim])),
					   'u', PAGE_SIZE));

	/* Mapped first: the mapping's descriptor comes from the pool too. */
	addr = kunit_vm_mmap(test, other, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, (loff_t)victim << PAGE_SHIFT,
					       (loff_t)(victim + 1) << PAGE_SHIFT), 1L);
	/* First touch of the other object: a fault that allocates. */
	memset(buf, 0xff, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, (void __user *)addr, PAGE_SIZE), 0UL);
	page = smm_test_page_at(other, 0);
	KUNIT_EXPECT_NOT_NULL(test, page);
	if (page)
		KUNIT_EXPECT_EQ_MSG(test, page_private(page), sfn[victim],
				    "the frame freed last was not the next one handed out");
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, PAGE_SIZE));
	vm_munmap(addr, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A lookup that took its reference before the page was punched keeps the
 * frame: it waits on the pinned list, counted for its own object only
 * (SHADOWMM_IOC_INFO's pinned_pages), and goes back with its count frozen
 * at zero once that reference is dropped.
 */
static void smm_object_pinned_per_object_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct file *other = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long free_before = smm_pool_free_pages(pool);
	struct shadowmm_info info;
	struct page *page;
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, kernel_write(file, "pin", 3, &pos), 3L);
	page = smm_test_page_at(file, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	get_page(page);
	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 1UL);
	smm_test_info(test, file, &info);
	KUNIT_EXPECT_EQ(test, info.pinned_pages, 1ULL);
	smm_test_info(test, other, &info);
	KUNIT_EXPECT_EQ(test, info.pinned_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	put_page(page);
	flush_delayed_work(&pool->objects.pinned_work);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	smm_test_info(test, file, &info);
	KUNIT_EXPECT_EQ(test, info.pinned_pages, 0ULL);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before);
}

/* Frames a test holds references to, dropped at the latest when it ends. */
struct smm_test_pins {
	struct page **pages;
	unsigned long nr;
};

static void smm_test_unpin_all(void *data)
{
	struct smm_test_pins *pins = data;

	while (pins->nr)
		put_page(pins->pages[--pins->nr]);
}

/*
 * Write a byte to each of pages 0..@nr - 1 of @file and take a reference
 * to each, dropped when the test ends at the latest.  smm_test_unpin_all()
 * drops the last taken first: they are taken from the highest index down,
 * so page 0 is the first to go.
 */
static struct smm_test_pins *smm_test_pin_written(struct kunit *test, struct file *file,
						  unsigned long nr)
{
	struct smm_test_pins *pins = kunit_kzalloc(test, sizeof(*pins), GFP_KERNEL);
	unsigned long i;
	loff_t pos;

	KUNIT_ASSERT_NOT_NULL(test, pins);
	pins->pages = kunit_kcalloc(test, nr, sizeof(*pins->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pins->pages);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_unpin_all, pins), 0);
	for (i = nr; i-- > 0; ) {
		struct page *page;

		pos = i * PAGE_SIZE;
		KUNIT_ASSERT_EQ(test, kernel_write(file, "p", 1, &pos), 1L);
		page = smm_test_page_at(file, i);
		KUNIT_ASSERT_NOT_NULL(test, page);
		get_page(page);
		pins->pages[pins->nr++] = page;
	}
	return pins;
}

#define SMM_TEST_PINNED	(2 * SMM_WALK_BATCH + 17)

/* The pinned list's pace, read beside its poll. */
static unsigned long smm_test_pinned_delay(struct smm_pool *pool)
{
	return READ_ONCE(pool->objects.pinned_delay);
}

/*
 * Exactly one poll of the pinned list, now: its timer, which a slow
 * machine may let fire at any moment, is taken away first.  Returns the
 * pace it started from.
 */
static unsigned long smm_test_pinned_poll(struct smm_pool *pool)
{
	struct delayed_work *work = &pool->objects.pinned_work;
	unsigned long before;

	cancel_delayed_work_sync(work);
	before = smm_test_pinned_delay(pool);
	mod_delayed_work(system_wq, work, 0);
	flush_delayed_work(work);
	return before;
}

/*
 * A pin kept long slows the pinned list's polls: each that frees nothing
 * doubles the wait, up to SMM_PINNED_POLL_MAX, so that an io_uring buffer
 * kept for hours does not wake a CPU ten times a second.  A new waiting
 * frame brings the next poll near again (its pin may be a moment's), once:
 * frames after it leave the timer alone, so a stream of them cannot push
 * the poll away for ever.  A poll that frees one, or empties the list,
 * starts the pace over.
 */
static void smm_object_pinned_poll_backoff_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct delayed_work *work = &pool->objects.pinned_work;
	struct smm_test_pins *pins = smm_test_pin_written(test, file, 3);
	unsigned long before, expires;
	int i;

	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(work));
	for (i = 0; i < 6; i++) {
		before = smm_test_pinned_poll(pool);
		KUNIT_EXPECT_EQ_MSG(test, smm_test_pinned_delay(pool),
				    min_t(unsigned long, 2 * before, SMM_PINNED_POLL_MAX),
				    "poll %d, from %lu", i + 1, before);
		KUNIT_EXPECT_TRUE(test, delayed_work_pending(work));
	}
	KUNIT_EXPECT_EQ(test, smm_test_pinned_delay(pool), SMM_PINNED_POLL_MAX);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 1UL);

	/* A second frame waits: the next poll is a tenth of a second away. */
	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, PAGE_SIZE, 2 * PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, smm_test_pinned_delay(pool), SMM_PINNED_POLL);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(work));
	expires = READ_ONCE(work->timer.expires);
	KUNIT_EXPECT_TRUE(test, time_before_eq(expires, jiffies + SMM_PINNED_POLL));
	/* A third, a few ticks later, leaves that poll where it was. */
	msleep(20);
	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 2 * PAGE_SIZE, 3 * PAGE_SIZE), 1L);
	if (smm_test_pinned_delay(pool) == SMM_PINNED_POLL)
		KUNIT_EXPECT_EQ(test, READ_ONCE(work->timer.expires), expires);
	else
		kunit_info(test, "the poll ran during the 20 ms: not compared\n");

	/* The first pin goes: that poll frees it and the pace starts over. */
	put_page(pins->pages[--pins->nr]);
	smm_test_pinned_poll(pool);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_pinned_delay(pool), SMM_PINNED_POLL);
	smm_test_pinned_poll(pool);
	KUNIT_EXPECT_EQ(test, smm_test_pinned_delay(pool), 2 * SMM_PINNED_POLL);

	while (pins->nr)
		put_page(pins->pages[--pins->nr]);
	smm_test_pinned_poll(pool);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_pinned_delay(pool), SMM_PINNED_POLL);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(work));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A user can fill the pinned list with frames it keeps pinned, up to the
 * region.  The poll, validate and the object's close walk it at most
 * SMM_WALK_BATCH frames per hold of its lock, never the whole list; close
 * leaves no frame naming the object; every frame comes back once its
 * reference goes, and the list's module reference with the last.
 */
static void smm_object_pinned_walk_batched_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long free_before = smm_pool_free_pages(pool), i;
	struct smm_test_pins *pins = smm_test_pin_written(test, file, SMM_TEST_PINNED);
	unsigned int max;

	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, SMM_TEST_PINNED * PAGE_SIZE),
			(long)SMM_TEST_PINNED);
	KUNIT_ASSERT_EQ(test, smm_object_pinned_pages(pool), (unsigned long)SMM_TEST_PINNED);

	/* A poll with every pin still held frees nothing, a batch at a time. */
	smm_test_hold_max(&pool->objects.pinned_lock, &pool->objects.walk_hold_max, true);
	flush_delayed_work(&pool->objects.pinned_work);
	max = smm_test_hold_max(&pool->objects.pinned_lock, &pool->objects.walk_hold_max, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), (unsigned long)SMM_TEST_PINNED);

	/* validate: as exact as before, a batch at a time. */
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	max = smm_test_hold_max(&pool->objects.pinned_lock, &pool->objects.walk_hold_max, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);

	/* Close: the object goes, and no frame still names it. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->pinned), (long)SMM_TEST_PINNED);
	kunit_release_action(test, smm_test_fput, file);
	max = smm_test_hold_max(&pool->objects.pinned_lock, &pool->objects.walk_hold_max, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);
	for (i = 0; i < SMM_TEST_PINNED; i++)
		KUNIT_EXPECT_NULL(test, smm_object_frame(pool, pins->pages[i])->object);

	/* The pins go: every frame comes back, its count frozen at zero. */
	kunit_release_action(test, smm_test_unpin_all, pins);
	/*
	 * A poll running while the pins went may have seen early frames
	 * still pinned and re-armed itself: flush until one ran after.
	 */
	for (i = 0; i < 20 && smm_object_pinned_pages(pool); i++)
		flush_delayed_work(&pool->objects.pinned_work);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(pool->objects.pinned_ref));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->objects.nr_pages), 0L);
	for (i = 0; i < SMM_TEST_PINNED; i++)
		KUNIT_EXPECT_EQ(test, page_ref_count(pins->pages[i]), 0);
	KUNIT_EXPECT_GE(test, smm_pool_free_pages(pool), free_before);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Object numbers are shadowmm's own: successive objects are numbered one
 * after the other, whatever else (pipes, sockets, anonymous inodes) took
 * numbers from the kernel's shared inode counter in between.
 */
static void smm_object_id_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *a = smm_test_object_file(test, pool);
	struct shadowmm_info ia, ib;
	struct file *b;

	/* What every new pipe or socket inode does. */
	get_next_ino();
	b = smm_test_object_file(test, pool);
	smm_test_info(test, a, &ia);
	smm_test_info(test, b, &ib);
	KUNIT_EXPECT_GT(test, ia.id, 0ULL);
	KUNIT_EXPECT_EQ(test, ib.id, ia.id + 1);
}

/*
 * A page punched while mlocked: the zap munlocks it through the kernel's
 * per-CPU mlock batch, which holds a reference of its own.  The punch
 * drains those batches, so the frame goes back at once instead of waiting
 * on the pinned list (and keeping the module loaded) until some batch
 * happens to fill.
 */
static void smm_object_mlock_punch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long addr, i, free_before;
	char __user *p;

	addr = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_LOCKED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, put_user((char)i, p + i * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, atomic_long_read(&obj->resident), 4L);
	free_before = smm_pool_free_pages(pool);

	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, 4 * PAGE_SIZE), 4L);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before + 4);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, 4 * PAGE_SIZE);
}

/*
 * A kernel batch's entry can outlive PG_mlocked: a page faulted into a
 * mapping locked on fault is mlocked through one CPU's mlock batch, which
 * keeps a reference; unmapped on another CPU, whose munlock entry is
 * processed first, it loses the flag.  Punched, the frame waits on the
 * pinned list with that reference only, and no flag says a batch holds
 * it.  A flush, what pool destruction does last, drains every CPU's
 * batches and frees it; a walk that drained the kernel's batches only for
 * mlocked pages left it there, and a KUnit pool was destroyed with it.
 */
static void smm_object_mlock_entry_outlives_flag_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long addr, free_before;
	int first, second, refs;
	struct page *page;
	loff_t pos = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	page = smm_test_page_at(file, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	refs = page_ref_count(page);
	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	smm_test_vma_lock(addr, VM_LOCKED | VM_LOCKONFAULT);

	first = raw_smp_processor_id();
	second = cpumask_any_but(cpu_online_mask, first);
	KUNIT_ASSERT_LT(test, second, nr_cpu_ids);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(first)), 0);
	KUNIT_ASSERT_EQ(test, put_user(1, (char __user *)addr), 0);
	smm_lru_drain_all(pool);
	/* Mapped, mlocked, and queued on the first CPU's mlock batch. */
	KUNIT_ASSERT_TRUE(test, folio_test_mlocked(page_folio(page)));
	KUNIT_ASSERT_EQ(test, page_ref_count(page), refs + 2);

	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(second)), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	smm_compat_lru_add_drain();
	smm_lru_drain_all(pool);
	/* The second CPU's munlock ran first: the flag is gone, the entry not. */
	KUNIT_ASSERT_FALSE(test, folio_test_mlocked(page_folio(page)));
	KUNIT_ASSERT_EQ(test, page_ref_count(page), refs + 1);
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(current, cpu_possible_mask), 0);

	free_before = smm_pool_free_pages(pool);
	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 1UL);
	smm_object_pinned_flush(pool);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before + 1);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Pages nobody mlocked are never in the kernel's batches: a punch of
 * pages that shadowmm's own LRU batches still hold drains those and
 * frees every frame at once, without making every CPU drain the
 * kernel's batches (which any user could otherwise have done, page by
 * page, with a loop of touch and punch).
 */
static void smm_object_punch_drains_own_batches_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long addr, i, free_before, drains;
	char __user *p;
	int round;

	addr = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	drains = smm_event_sum(pool, SMM_KERNEL_BATCH_DRAIN);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < 4; i++)
			KUNIT_ASSERT_EQ(test, put_user((char)i, p + i * PAGE_SIZE), 0);
		/* First touches: shadowmm's LRU batch has their references. */
		KUNIT_EXPECT_GT(test, page_ref_count(smm_test_page_at(file, 0)), 2);
		free_before = smm_pool_free_pages(pool);
		KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, 4 * PAGE_SIZE), 4L);
		KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
		KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before + 4);
	}
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_KERNEL_BATCH_DRAIN), drains);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, 4 * PAGE_SIZE);
}

/*
 * A page punched while still mlocked but in no mapping, the state a punch
 * racing munlock() leaves (the zap found VM_LOCKED already clear, the
 * munlock walk found no pte): made here directly, as mlock_folio() makes
 * it, PG_mlocked and one more in its zone's NR_MLOCK.  The frame goes back
 * with the flag clear and NR_MLOCK as it was, as the kernel's own page
 * allocator frees such a page, not with the flag left for the frame's
 * next user (nor a warning).
 */
static void smm_object_mlocked_unmapped_punch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long free_before;
	long mlock_before;
	struct page *page;
	struct zone *zone;
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	page = smm_test_page_at(file, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_FALSE(test, page_mapped(page));
	zone = page_zone(page);
	mlock_before = zone_page_state_snapshot(zone, NR_MLOCK);
	KUNIT_ASSERT_FALSE(test, folio_test_set_mlocked(page_folio(page)));
	mod_zone_page_state(zone, NR_MLOCK, 1);
	free_before = smm_pool_free_pages(pool);

	KUNIT_ASSERT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_FALSE(test, folio_test_mlocked(page_folio(page)));
	KUNIT_EXPECT_EQ(test, zone_page_state_snapshot(zone, NR_MLOCK), mlock_before);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before + 1);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A lookup that loaded a frame's struct page before the frame was freed
 * may get its reference once the frame is prepared again for another
 * index.  When that prepared page is then abandoned (its publish lost a
 * race), the lookup's reference keeps the frame: it waits on the pinned
 * list and goes back to the buddy only when the lookup lets go, never by
 * a put_page() that takes the count to zero (the kernel's page allocator
 * would get the frame).  It is no page of its object's, pinned or not.
 */
static void smm_object_abandon_stale_ref_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long free_before = smm_pool_free_pages(pool);
	unsigned long pinned_before = smm_object_pinned_pages(pool);
	struct page *page;
	int count;

	page = smm_object_frame_prepare(obj, 3);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, PageLocked(page));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before - 1);

	/* The stale lookup's reference, as get_page_unless_zero() takes it. */
	KUNIT_ASSERT_TRUE(test, get_page_unless_zero(page));
	smm_object_page_abandon(pool, page);
	count = page_ref_count(page);
	KUNIT_EXPECT_EQ_MSG(test, count, 3,
			    "the lookup's, shadowmm's and the pinned list's references");
	if (count != 3) {
		/*
		 * Freed with the lookup's reference still counted: drop it
		 * without a put_page() that would free the frame to the
		 * kernel.
		 */
		if (count > 0)
			set_page_count(page, 0);
		return;
	}
	KUNIT_EXPECT_FALSE(test, PageLocked(page));
	KUNIT_EXPECT_NULL(test, page->mapping);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), pinned_before + 1);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before - 1);
	/*
	 * No pin of its object's: the object may go before the lookup lets
	 * go (compaction, which abandons a copy, holds no reference on it),
	 * and nothing may then count it there.
	 */
	KUNIT_EXPECT_NULL(test, smm_object_frame(pool, page)->object);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->pinned), 0L);

	/*
	 * The lookup finds it is no page of its slot and lets go.  Until the
	 * poll the frame waits with two references: with one, the kernel's
	 * unpoison_memory() would take it for a page nobody uses and free it.
	 * The poll is held off while the count is read; a flush then walks.
	 */
	cancel_delayed_work_sync(&pool->objects.pinned_work);
	put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
	smm_object_pinned_flush(pool);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), pinned_before);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

struct smm_stale_locker {
	struct page *page;		/* the struct page it keeps trying */
	atomic_t stop;
	unsigned long refs;		/* references it got */
	unsigned long locked;		/* ... and locks it took */
	struct completion done;
};

/*
 * A stale holder of a frame's struct page, as a lockless lookup or the
 * kernel's fault-around is: reference, lock, look, unlock, put, over and
 * over, while the frame is prepared and abandoned again and again.
 */
static int smm_stale_locker_fn(void *arg)
{
	struct smm_stale_locker *s = arg;
	unsigned long n = 0;

	while (!atomic_read(&s->stop)) {
		if (get_page_unless_zero(s->page)) {
			s->refs++;
			if (trylock_page(s->page)) {
				s->locked++;
				unlock_page(s->page);
			}
			put_page(s->page);
		}
		if (!(++n % 64))
			cond_resched();
	}
	complete(&s->done);
	return 0;
}

/*
 * A frame being prepared is locked before anyone can take a reference on
 * it: a stale holder spinning on its struct page (above) never takes the
 * lock of a prepared page, nor unlocks it under its preparer.  The frame
 * has its buddy allocated (the first two order-0 frames of a fresh pool
 * split from one block), so with the per-CPU lists off each abandon puts
 * it at the head of the order-0 list and the next prepare gets it again.
 */
static void smm_object_prepare_locked_first_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long rounds = 0, reused = 0, lost = 0, end;
	struct smm_stale_locker *s;
	struct task_struct *task;
	struct page *keep, *page;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	keep = smm_object_frame_prepare(obj, 0);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	page = smm_object_frame_prepare(obj, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	s->page = page;
	atomic_set(&s->stop, 0);
	init_completion(&s->done);

	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	task = kthread_create(smm_stale_locker_fn, s, "smm_stale_locker");
	if (IS_ERR(task)) {
		smm_object_page_abandon(pool, page);
		smm_object_page_abandon(pool, keep);
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(task));
		return;
	}
	kthread_bind(task, cpu);
	wake_up_process(task);

	end = jiffies + 2 * HZ;
	do {
		/* Held locked for a while: a stolen lock shows here. */
		udelay(1);
		if (!PageLocked(page))
			lost++;
		smm_object_page_abandon(pool, page);
		/* The holder's reference deferred it: get it back. */
		while (smm_object_pinned_pages(pool) && time_before(jiffies, end + HZ)) {
			flush_delayed_work(&pool->objects.pinned_work);
			cond_resched();
		}
		page = smm_object_frame_prepare(obj, 1);
		if (!page)
			break;
		rounds++;
		if (page == s->page)
			reused++;
		if (!(rounds % 256))
			cond_resched();
	} while (time_before(jiffies, end));
	atomic_set(&s->stop, 1);
	wait_for_completion(&s->done);
	if (page)
		smm_object_page_abandon(pool, page);
	smm_object_page_abandon(pool, keep);
	flush_delayed_work(&pool->objects.pinned_work);

	kunit_info(test, "%lu rounds, %lu on the same frame; holder: %lu refs, %lu locks\n",
		   rounds, reused, s->refs, s->locked);
	KUNIT_EXPECT_NOT_NULL(test, page);
	/* The test tests nothing unless the frame came back and was hit. */
	KUNIT_EXPECT_GT(test, reused, rounds / 2);
	KUNIT_EXPECT_GT(test, s->refs, 0UL);
	KUNIT_EXPECT_EQ(test, lost, 0UL);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A fault at an index of an object in a kernel thread of its own that
 * takes SIGKILL, for a test to hold up (a page lock, a frozen count) and
 * then kill: @going is complete just before the fault, @done once it
 * returned, with @ret and whether it got a page (which the thread let go).
 * Exits through kthread_complete_and_exit(): once @done is complete the
 * thread runs none of this module's code.
 */
struct smm_test_faulter {
	struct smm_object *obj;
	pgoff_t index;
	struct task_struct *task;
	struct completion going, done;
	vm_fault_t ret;
	bool got;
};

static int smm_test_faulter_fn(void *arg)
{
	struct smm_test_faulter *f = arg;
	enum smm_page_origin origin;
	struct page *page = NULL;

	/* A kernel thread takes SIGKILL only when it allows it. */
	allow_signal(SIGKILL);
	complete(&f->going);
	f->ret = smm_object_fault_page(f->obj, f->index, &page, &origin);
	f->got = page;
	if (page) {
		unlock_page(page);
		put_page(page);
	}
	kthread_complete_and_exit(&f->done, 0);
}

/* Start @f's thread; put @f->task with put_task_struct() once @f->done. */
static bool smm_test_faulter_start(struct smm_test_faulter *f, struct smm_object *obj,
				   pgoff_t index)
{
	struct task_struct *t;

	f->obj = obj;
	f->index = index;
	init_completion(&f->going);
	init_completion(&f->done);
	t = kthread_create(smm_test_faulter_fn, f, "smm_test_faulter");
	if (IS_ERR(t))
		return false;
	f->task = get_task_struct(t);
	wake_up_process(t);
	return true;
}

/*
 * Reap @f's thread once what held its fault up is gone; @returned: the
 * kill's timed wait saw it end (and took the completion, which is not
 * there twice).
 */
static void smm_test_faulter_reap(struct smm_test_faulter *f, bool started, bool returned)
{
	if (!started)
		return;
	if (!returned)
		wait_for_completion(&f->done);
	put_task_struct(f->task);
}

/*
 * What @f's killed fault must have done: ended within the kill's wait
 * (@returned; else @still is why it went on), with SIGBUS and no page.
 */
static void smm_test_faulter_expect_killed(struct kunit *test, struct smm_test_faulter *f,
					   bool returned, const char *still)
{
	KUNIT_EXPECT_TRUE_MSG(test, returned, "%s", still);
	KUNIT_EXPECT_TRUE_MSG(test, f->ret == VM_FAULT_SIGBUS, "fault returned %#x",
			      (__force unsigned int)f->ret);
	KUNIT_EXPECT_FALSE(test, f->got);
}

/* SIGKILL to @f's blocked fault: did it return within 2 s? */
static bool smm_test_faulter_kill(struct smm_test_faulter *f)
{
	send_sig(SIGKILL, f->task, 1);
	return wait_for_completion_timeout(&f->done, 2 * HZ);
}

/* A fault at @index, with no signal pending, maps @page. */
static void smm_test_fault_finds(struct kunit *test, struct smm_object *obj,
				 pgoff_t index, struct page *page)
{
	enum smm_page_origin origin;
	struct page *got = NULL;

	KUNIT_ASSERT_TRUE(test, !smm_object_fault_page(obj, index, &got, &origin));
	KUNIT_EXPECT_PTR_EQ(test, got, page);
	unlock_page(got);
	put_page(got);
}

/*
 * A fault waiting for a page whose lock someone else holds (a swap-in
 * that never ends, a stuck holder) gives up when the task gets a fatal
 * signal, as filemap's and shmem's do: the task can always be killed.
 * The fault runs in a thread of its own and is killed only once it
 * sleeps on the lock (the folio has waiters): it must return SIGBUS with
 * no page within 2 s, the lock still the test's.  An unkillable wait
 * would still be asleep; the test then lets it have the page.
 */
static void smm_object_fault_killable_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct smm_test_faulter *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	bool started, waited = false, returned = false, still_locked;
	unsigned long deadline = jiffies + 10 * HZ;
	struct folio *folio;
	struct page *page;
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, kernel_write(file, "kill", 4, &pos), 4L);
	page = smm_test_page_at(file, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page);
	lock_page(page);
	started = smm_test_faulter_start(f, obj, 0);
	/* Its SIGKILL is allowed before the waiters bit can be its own. */
	if (started)
		wait_for_completion(&f->going);
	while (started && !folio_test_waiters(folio) && !completion_done(&f->done) &&
	       time_before(jiffies, deadline))
		msleep(20);
	waited = started && folio_test_waiters(folio) && !completion_done(&f->done);
	if (waited)
		returned = smm_test_faulter_kill(f);
	still_locked = PageLocked(page);
	unlock_page(page);
	/* A wait the kill did not end gets the page now, and lets it go. */
	smm_test_faulter_reap(f, started, returned);

	KUNIT_ASSERT_TRUE_MSG(test, started, "no fault thread");
	KUNIT_ASSERT_TRUE_MSG(test, waited, "the fault never waited for the page lock");
	smm_test_faulter_expect_killed(test, f, returned,
				       "the killed fault went on waiting for the lock");
	KUNIT_EXPECT_TRUE(test, still_locked);

	smm_test_fault_finds(test, obj, 0, page);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A page whose count stays frozen at zero (an eviction that never ends, a
 * count a stale holder dropped) makes a lookup look again and again: a
 * fault caught in that loop ends once SIGKILL comes, with SIGBUS, instead
 * of spinning for good with the mm's mmap_lock held.  The loop never
 * sleeps (it only yields), so the fault, in a thread of its own, is given
 * 100 ms to reach it before the kill; it must return within 2 s, the
 * count still frozen.  A loop that ignored the signal would still spin;
 * the test then thaws the count to let it out.
 */
static void smm_object_frozen_count_killable_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct smm_test_faulter *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	bool started, spinning = false, returned = false, frozen, still_frozen;
	struct page *page;
	loff_t pos = 0;
	char buf[6];

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, kernel_write(file, "frozen", 6, &pos), 6L);
	page = smm_test_page_at(file, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	smm_lru_drain_all(pool);
	frozen = page_ref_freeze(page, 1);
	KUNIT_ASSERT_TRUE(test, frozen);
	started = smm_test_faulter_start(f, obj, 0);
	if (started) {
		wait_for_completion(&f->going);
		msleep(100);
		spinning = !completion_done(&f->done);
	}
	if (spinning)
		returned = smm_test_faulter_kill(f);
	still_frozen = !page_ref_count(page);
	page_ref_unfreeze(page, 1);
	/* A loop the kill did not end finds the page now, and lets it go. */
	smm_test_faulter_reap(f, started, returned);

	KUNIT_ASSERT_TRUE_MSG(test, started, "no fault thread");
	KUNIT_ASSERT_TRUE_MSG(test, spinning, "the fault did not wait for the frozen count");
	smm_test_faulter_expect_killed(test, f, returned, "the killed fault went on looking");
	KUNIT_EXPECT_TRUE(test, still_frozen);

	/* Thawed, the same page is found again, contents intact. */
	smm_test_fault_finds(test, obj, 0, page);
	pos = 0;
	KUNIT_ASSERT_EQ(test, kernel_read(file, buf, 6, &pos), 6L);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "frozen", 6), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * validate compares an object's page count with its walk only when no
 * change to objects' entries overlapped the walk: a count one step
 * behind its xarray while a change is under way (as between a swap-in's
 * publish and its count) is not a problem; the same count once no change
 * is under way is reported.
 */
static void smm_object_validate_live_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *buf = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, 2 * PAGE_SIZE, &pos),
			(ssize_t)(2 * PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, smm_test_validate(pool), 0U);

	smm_object_change_begin(pool);
	atomic_long_inc(&obj->resident);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_object_change_end(pool);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 1U);
	atomic_long_dec(&obj->resident);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A free frame whose memory failed (PG_hwpoison set while it was on the
 * free lists, as memory_failure() leaves a page it cannot handle) is never
 * handed out: the allocation that finds it quarantines it and takes
 * another, so the region exhausted never includes it.
 */
static void smm_object_hwpoison_free_frame_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct smm_page *frame;
	struct page *page;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		kunit_skip(test, "no CONFIG_MEMORY_FAILURE: PG_hwpoison cannot be set");
	pool = smm_test_pool(test, &object_pool);
	frame = smm_alloc_pages(pool, 0, SMM_GFP_NOFAULT);
	KUNIT_ASSERT_NOT_NULL(test, frame);
	page = smm_frame_struct_page(pool, frame);
	SetPageHWPoison(page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_unpoison, page), 0);
	smm_free_pages(pool, frame, 0);

	KUNIT_EXPECT_TRUE(test, smm_test_exhaust_avoids(test, pool, page));
	KUNIT_EXPECT_EQ(test, smm_object_quarantined_pages(pool), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_HWPOISON_QUARANTINED), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_object_cases[] = {
	KUNIT_CASE(smm_object_holds_module_test),
	KUNIT_CASE(smm_object_rw_test),
	KUNIT_CASE(smm_object_hole_test),
	KUNIT_CASE(smm_object_punch_test),
	KUNIT_CASE(smm_object_punch_unmaps_first_test),
	KUNIT_CASE(smm_object_no_largefile_test),
	KUNIT_CASE(smm_object_limit_test),
	KUNIT_CASE(smm_object_exhausted_test),
	KUNIT_CASE(smm_object_release_test),
	KUNIT_CASE(smm_object_dogfood_test),
	KUNIT_CASE(smm_object_free_frame_frozen_test),
	KUNIT_CASE(smm_object_reused_frame_zeroed_test),
	KUNIT_CASE(smm_object_pinned_per_object_test),
	KUNIT_CASE(smm_object_pinned_poll_backoff_test),
	KUNIT_CASE(smm_object_pinned_walk_batched_test),
	KUNIT_CASE(smm_object_id_test),
	KUNIT_CASE(smm_object_mlock_punch_test),
	KUNIT_CASE(smm_object_mlocked_unmapped_punch_test),
	KUNIT_CASE(smm_object_mlock_entry_outlives_flag_test),
	KUNIT_CASE(smm_object_punch_drains_own_batches_test),
	KUNIT_CASE(smm_object_abandon_stale_ref_test),
	KUNIT_CASE_SLOW(smm_object_prepare_locked_first_test),
	KUNIT_CASE(smm_object_fault_killable_test),
	KUNIT_CASE(smm_object_frozen_count_killable_test),
	KUNIT_CASE(smm_object_validate_live_test),
	KUNIT_CASE(smm_object_hwpoison_free_frame_test),
	{}
};

static struct kunit_suite smm_object_suite = {
	.name = "shadowmm_object",
	.test_cases = smm_object_cases,
};

kunit_test_suites(&smm_object_suite);
