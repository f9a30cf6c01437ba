// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the fault path (module/fault.c) and VMA tracking on a private
 * pool, through real mappings of the test thread (kunit_vm_mmap()): first
 * touch reads zero and allocates, writes through a shared mapping reach
 * the object and the reverse, private writes are copied and leave the
 * object alone, faults beyond the limit or on an exhausted region fail
 * (SIGBUS, which a kernel access sees as -EFAULT), a pinned page punched
 * out waits until unpinned, and the shadow VMA tree follows munmap.  Each
 * fault finds its descriptor by address through the tree's cache, resyncs
 * a tree that lags behind a merge, and is served without a descriptor,
 * which validate then reports.  A page whose memory failed stays in its
 * object and every access to it fails.  With fault_order set a first
 * touch makes and maps a whole block, or one page when the block does not
 * fit.  A reader of the "vmas" listing waiting for a busy mm's mmap_lock
 * can be killed.
 *
 * Between mapping and unmapping only EXPECTs are used: the test thread's
 * mappings must be gone before the pool is (see smm_test_fput()).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/signal.h>
#include <linux/uaccess.h>

#include <shadowmm/fault_window.h>
#include <shadowmm/object.h>
#include <shadowmm/vma.h>
#include <uapi/shadowmm.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg fault_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

#define NR_PAGES	8

static char __user *smm_test_map(struct kunit *test, struct file *file,
				 unsigned long flags)
{
	unsigned long addr = kunit_vm_mmap(test, file, 0, NR_PAGES * PAGE_SIZE,
					   PROT_READ | PROT_WRITE, flags, 0);

	KUNIT_ASSERT_TRUE_MSG(test, addr && !IS_ERR_VALUE(addr), "mmap: %ld", (long)addr);
	return (char __user *)addr;
}

/*
 * The current process's tree, or NULL: it stays in the hash until a reap
 * (validate runs one) finds it empty.
 */
static struct smm_vma_tree *smm_test_current_tree(struct smm_pool *pool)
{
	struct smm_vma_tree *tree, *found = NULL;
	unsigned int bkt;

	spin_lock(&pool->vmas.lock);
	hash_for_each(pool->vmas.trees, bkt, tree, hnode)
		if (tree->mm == current->mm)
			found = tree;
	spin_unlock(&pool->vmas.lock);
	return found;
}

/* Descriptors in the current process's tree (those of gone vmas too). */
static unsigned long smm_test_nr_vmas(struct smm_pool *pool)
{
	struct smm_vma_tree *tree = smm_test_current_tree(pool);

	return tree ? READ_ONCE(tree->nr) : 0;
}

/* Descriptors the current process's tree set aside for its next reap. */
static unsigned long smm_test_nr_limbo(struct smm_pool *pool)
{
	struct smm_vma_tree *tree = smm_test_current_tree(pool);

	return tree ? READ_ONCE(tree->nr_limbo) : 0;
}

/*
 * The descriptor holding @addr as the tree has it now (no resync, no
 * cache): its range into @start and @end and its faults of @kind, or -1
 * when there is none.
 */
static long smm_test_vma_at(struct smm_pool *pool, unsigned long addr,
			    unsigned long *start, unsigned long *end,
			    enum smm_fault_kind kind)
{
	struct smm_vma_tree *tree = smm_test_current_tree(pool);
	struct smm_vma *v;
	long n = -1;

	if (!tree)
		return -1;
	spin_lock(&tree->lock);
	v = smm_vma_tree_search(tree, addr);
	if (v && v->start <= addr) {
		*start = v->start;
		*end = v->end;
		n = atomic_long_read(&v->faults[kind]);
	}
	spin_unlock(&tree->lock);
	return n;
}

/* The vmstat counters of the fault's lookup, to take differences of. */
struct smm_test_lookups {
	unsigned long calls, hits, untracked, resync;
};

static struct smm_test_lookups smm_test_lookups(struct smm_pool *pool)
{
	return (struct smm_test_lookups) {
		.calls = smm_event_sum(pool, SMM_VMACACHE_FIND_CALLS),
		.hits = smm_event_sum(pool, SMM_VMACACHE_FIND_HITS),
		.untracked = smm_event_sum(pool, SMM_PGFAULT_UNTRACKED),
		.resync = smm_event_sum(pool, SMM_VMA_RESYNC),
	};
}

static void smm_fault_shared_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *p = smm_test_map(test, file, MAP_SHARED);
	unsigned long start = 0, end = 0;
	char buf[8] = { };
	loff_t pos;
	char c = 1;

	/* Nothing is allocated at mmap. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 0L);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 1UL);

	/* First touch: a zeroed page. */
	KUNIT_EXPECT_EQ(test, get_user(c, p + 3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 1L);

	/* Through the mapping, then read(). */
	KUNIT_EXPECT_EQ(test, copy_to_user(p + PAGE_SIZE, "hello", 5), 0UL);
	pos = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, 5, &pos), 5);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "hello", 5), 0);

	/* write(), then through the mapping (fault-around maps it). */
	pos = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, kernel_write(file, "world", 5, &pos), 5);
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, p + 2 * PAGE_SIZE, 5), 0UL);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "world", 5), 0);

	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 3L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), 0L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFAULT), 3UL);
	/*
	 * Each fault looked its descriptor up once: the first filled the
	 * empty cache, the other two, in the same mapping, hit it.
	 */
	KUNIT_EXPECT_EQ(test, smm_test_vma_at(pool, (unsigned long)p, &start, &end,
					      SMM_FAULT_MINOR), 3L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_VMACACHE_FIND_CALLS), 3UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_VMACACHE_FIND_HITS), 2UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFAULT_UNTRACKED), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/*
	 * A hole in the middle: the split pieces' descriptors, and the
	 * hole's until a reap (validate runs one) finds its vma gone.
	 */
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 3UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 2UL);
	/* The object keeps its pages. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 3L);

	/* All gone: the reap empties the tree, which leaves the hash. */
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_NULL(test, smm_test_current_tree(pool));
}

static void smm_fault_private_cow_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *p = smm_test_map(test, file, MAP_PRIVATE);
	char buf[8] = { 1 };
	loff_t pos = 0;

	KUNIT_EXPECT_EQ(test, copy_to_user(p, "copy", 4), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_COW]), 1L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFAULT_COW), 1UL);
	/* The object's page exists, still zero: the write went to a copy. */
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, 4, &pos), 4);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf, 0, 4));
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, p, 4), 0UL);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "copy", 4), 0);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
}

static void smm_fault_sigbus_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct file *hog = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char *page = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	char __user *p;
	loff_t pos = 0;
	char c;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, smm_object_set_limit(obj, 2 * PAGE_SIZE), 0);
	p = smm_test_map(test, file, MAP_SHARED);

	/* Below the limit a zeroed page, beyond it SIGBUS. */
	c = 1;
	KUNIT_EXPECT_EQ(test, get_user(c, p + PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	KUNIT_EXPECT_EQ(test, get_user(c, p + 2 * PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), 1L);

	/* The region exhausted by another object: no page, no OOM. */
	while (kernel_write(hog, page, PAGE_SIZE, &pos) == PAGE_SIZE)
		;
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	while (kernel_write(hog, page, PAGE_SIZE, &pos) == PAGE_SIZE)
		;
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, get_user(c, p), -EFAULT);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), 2L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFAULT_SIGBUS), 2UL);
	/* The page that was there is still served. */
	KUNIT_EXPECT_EQ(test, get_user(c, p + PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
}

/*
 * A new mapping merged into its neighbour without a callback: the fault in
 * the merged part finds the tree lagging, resyncs it (a kernel access
 * faults with the mmap_lock held) and counts on the grown descriptor;
 * the faults after it hit the cache.  The descriptor of the unmapped half
 * is still in the tree where the mapping grew: the resync, finding no vma
 * of its own over its range, sets it aside for the next reap.
 */
static void smm_fault_lookup_resync_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long p, q, start = 0, end = 0;
	struct smm_test_lookups l0, l1, l2;
	char c = 1;

	p = kunit_vm_mmap(test, file, 0, 2 * NR_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE_MSG(test, p && !IS_ERR_VALUE(p), "mmap: %ld", (long)p);
	/* The upper half goes, and comes back at its offset: a merge. */
	KUNIT_EXPECT_EQ(test, vm_munmap(p + NR_PAGES * PAGE_SIZE, NR_PAGES * PAGE_SIZE), 0);
	q = kunit_vm_mmap(test, file, p + NR_PAGES * PAGE_SIZE, NR_PAGES * PAGE_SIZE,
			  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
			  NR_PAGES * PAGE_SIZE);
	if (q != p + NR_PAGES * PAGE_SIZE) {
		vm_munmap(p, NR_PAGES * PAGE_SIZE);
		KUNIT_FAIL(test, "mmap of the upper half: %ld", (long)q);
		return;
	}
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_vma_at(pool, p, &start, &end, SMM_FAULT_MINOR), 0L);
	KUNIT_EXPECT_EQ(test, end, q);	/* lagging: the merge made no callback */

	l0 = smm_test_lookups(pool);
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)q + 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	l1 = smm_test_lookups(pool);
	/* Nothing at the address, a resync, found on the second look. */
	KUNIT_EXPECT_EQ(test, l1.calls - l0.calls, 2UL);
	KUNIT_EXPECT_EQ(test, l1.hits - l0.hits, 0UL);
	KUNIT_EXPECT_EQ(test, l1.resync - l0.resync, 1UL);
	KUNIT_EXPECT_EQ(test, l1.untracked - l0.untracked, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_vma_at(pool, q + 4 * PAGE_SIZE, &start, &end,
					      SMM_FAULT_MINOR), 1L);
	KUNIT_EXPECT_EQ(test, start, p);
	KUNIT_EXPECT_EQ(test, end, q + NR_PAGES * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_nr_limbo(pool), 1UL);

	/* The same mapping again, in either part: the cache answers. */
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)q + 5 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)p + 2 * PAGE_SIZE), 0);
	l2 = smm_test_lookups(pool);
	KUNIT_EXPECT_EQ(test, l2.calls - l1.calls, 2UL);
	KUNIT_EXPECT_EQ(test, l2.hits - l1.hits, 2UL);
	KUNIT_EXPECT_EQ(test, l2.resync - l1.resync, 0UL);
	KUNIT_EXPECT_EQ(test, l2.untracked, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_vma_at(pool, p, &start, &end, SMM_FAULT_MINOR), 3L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 3L);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_test_nr_limbo(pool), 0UL);
	KUNIT_EXPECT_EQ(test, vm_munmap(p, 2 * NR_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_NULL(test, smm_test_current_tree(pool));
}

/*
 * Bookkeeping lost: a mapping whose descriptor is no longer in the tree
 * (another mapping keeps the tree from being empty, which a reap would
 * take out of the hash).  validate reports that the lookup finds none for
 * it, and its fault is served all the same, counted as untracked.  The
 * descriptor goes back before the munmap.
 */
static void smm_fault_untracked_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *q = smm_test_map(test, file, MAP_SHARED);
	char __user *p = smm_test_map(test, file, MAP_SHARED);
	struct smm_vma_tree *tree = smm_test_current_tree(pool);
	struct smm_test_lookups l0, l1;
	struct vm_area_struct *vma;
	struct smm_vma *v = NULL;
	void *private = NULL;
	char c = 1;

	KUNIT_EXPECT_NOT_NULL(test, tree);
	if (tree) {
		spin_lock(&tree->lock);
		v = smm_vma_tree_search(tree, (unsigned long)p);
		if (v && v->start == (unsigned long)p)
			smm_vma_tree_erase(tree, v);
		else
			v = NULL;
		spin_unlock(&tree->lock);
	}
	KUNIT_EXPECT_NOT_NULL(test, v);
	/* No descriptor found for the vma, and 1 descriptor for 2 vmas. */
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 2U);

	l0 = smm_test_lookups(pool);
	KUNIT_EXPECT_EQ(test, get_user(c, p + PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	l1 = smm_test_lookups(pool);
	KUNIT_EXPECT_EQ(test, l1.untracked - l0.untracked, 1UL);
	/* Not there, and not there after a resync either. */
	KUNIT_EXPECT_EQ(test, l1.calls - l0.calls, 2UL);
	KUNIT_EXPECT_EQ(test, l1.hits - l0.hits, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), 0L);

	/*
	 * A vma that never got a descriptor (->open found none to give): a
	 * resync cannot help it, so its faults take one lookup and no walk
	 * of the tree.
	 */
	mmap_write_lock(current->mm);
	vma = find_vma(current->mm, (unsigned long)p);
	if (vma) {
		private = vma->vm_private_data;
		vma->vm_private_data = NULL;
	}
	mmap_write_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	l0 = smm_test_lookups(pool);
	KUNIT_EXPECT_EQ(test, get_user(c, p + 2 * PAGE_SIZE), 0);
	l1 = smm_test_lookups(pool);
	KUNIT_EXPECT_EQ(test, l1.untracked - l0.untracked, 1UL);
	KUNIT_EXPECT_EQ(test, l1.calls - l0.calls, 1UL);
	mmap_write_lock(current->mm);
	vma->vm_private_data = private;
	mmap_write_unlock(current->mm);

	if (v) {
		int ret;

		spin_lock(&tree->lock);
		ret = smm_vma_tree_insert(tree, v);
		spin_unlock(&tree->lock);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&v->faults[SMM_FAULT_MINOR]), 0L);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)q, NR_PAGES * PAGE_SIZE), 0);
}

/* A punched page pinned by get_user_pages waits until it is unpinned. */
static void smm_fault_pinned_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *p = smm_test_map(test, file, MAP_SHARED);
	unsigned long free_before;
	struct page *page = NULL;
	int pinned;

	KUNIT_EXPECT_EQ(test, copy_to_user(p, "pin", 3), 0UL);
	free_before = smm_pool_free_pages(pool);
	pinned = pin_user_pages_fast((unsigned long)p, 1, FOLL_WRITE, &page);
	KUNIT_EXPECT_EQ(test, pinned, 1);

	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 0L);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 1UL);
	flush_delayed_work(&pool->objects.pinned_work);
	/* Still pinned: not back in the buddy, contents intact. */
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before);
	if (pinned == 1) {
		KUNIT_EXPECT_EQ(test, memcmp(page_address(page), "pin", 3), 0);
		unpin_user_page(page);
	}
	flush_delayed_work(&pool->objects.pinned_work);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before + 1);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
}

/*
 * A page whose memory failed (PG_hwpoison, set here as memory_failure()
 * sets it) stays in its object, and every access fails: a fault gets
 * VM_FAULT_HWPOISON (a kernel access sees -EFAULT), fault-around from a
 * neighbour never maps it, read() and write() get -EIO.  Punched, its
 * frame is quarantined: never handed out again, even when the region is
 * exhausted.  See smm_test_unpoison() for the flag at the end.
 */
static void smm_fault_hwpoison_test(struct kunit *test)
{
	struct smm_pool *pool;
	struct file *file;
	struct smm_object *obj;
	char __user *p;
	u8 *buf, *want;
	unsigned long quarantined;
	long resident, sigbus;
	struct page *page;
	loff_t pos;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		kunit_skip(test, "no CONFIG_MEMORY_FAILURE: PG_hwpoison cannot be set");
	pool = smm_test_pool(test, &fault_pool);
	file = smm_test_object_file(test, pool);
	obj = smm_file_object(file);
	buf = smm_test_buf(test);
	want = smm_test_buf(test);
	p = smm_test_map(test, file, MAP_SHARED);

	smm_test_pattern(want, 0);
	KUNIT_EXPECT_EQ(test, copy_to_user(p, want, PAGE_SIZE), 0UL);
	smm_test_pattern(buf, 1);
	KUNIT_EXPECT_EQ(test, copy_to_user(p + PAGE_SIZE, buf, PAGE_SIZE), 0UL);
	/* No pte left: the next access faults. */
	unmap_mapping_range(file->f_mapping, 0, 0, 1);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_EXPECT_TRUE(test, page && !xa_is_value(page));
	if (!page || xa_is_value(page))
		goto out;
	resident = atomic_long_read(&obj->resident);
	sigbus = atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]);
	SetPageHWPoison(page);
	if (kunit_add_action_or_reset(test, smm_test_unpoison, page))
		goto out;

	/* The neighbour's read fault maps around the page, never it. */
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, p + PAGE_SIZE, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), sigbus);
	/*
	 * Every access to it fails alike, writes too: nothing is lost.  Each
	 * faults at least once (a copy that faults may try again byte by
	 * byte from where it stopped, and fault a second time).
	 */
	KUNIT_EXPECT_NE(test, copy_from_user(buf, p, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_GT(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), sigbus);
	sigbus = atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]);
	KUNIT_EXPECT_NE(test, copy_from_user(buf, p, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_GT(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), sigbus);
	sigbus = atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]);
	KUNIT_EXPECT_NE(test, copy_to_user(p, "x", 1), 0UL);
	KUNIT_EXPECT_GT(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), sigbus);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&file->f_mapping->i_pages, 0), (void *)page);
	KUNIT_EXPECT_PTR_EQ(test, page->mapping, file->f_mapping);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), resident);

	pos = 0;
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, PAGE_SIZE, &pos), (ssize_t)-EIO);
	pos = 0;
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)-EIO);
	/* Its bytes were never replaced. */
	KUNIT_EXPECT_EQ(test, memcmp(page_address(page), want, PAGE_SIZE), 0);
out:
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
	if (!page || xa_is_value(page))
		return;

	/* Punched out, its frame goes to the quarantine, not the buddy. */
	quarantined = smm_event_sum(pool, SMM_HWPOISON_QUARANTINED);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_NULL(test, xa_load(&file->f_mapping->i_pages, 0));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), resident - 1);
	KUNIT_EXPECT_EQ(test, smm_object_quarantined_pages(pool), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_HWPOISON_QUARANTINED) - quarantined, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_TRUE(test, smm_test_exhaust_avoids(test, pool, page));
	KUNIT_EXPECT_EQ(test, smm_object_quarantined_pages(pool), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define SMM_TEST_NR_MAPPINGS	(2 * SMM_WALK_BATCH + 9)

/*
 * A program decides how many mappings it has, up to vm.max_map_count:
 * validate walks a process's descriptors and vmas a batch of
 * SMM_WALK_BATCH at a time under the tree's lock, and stays exact: a
 * count one off is still found.
 */
static void smm_fault_validate_batched_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long *addrs, i, mapped;
	struct smm_vma_tree *tree;

	addrs = kunit_kcalloc(test, SMM_TEST_NR_MAPPINGS, sizeof(*addrs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addrs);
	/* Every other page of the object: no two mappings merge. */
	for (mapped = 0; mapped < SMM_TEST_NR_MAPPINGS; mapped++) {
		addrs[mapped] = kunit_vm_mmap(test, file, 0, PAGE_SIZE,
					      PROT_READ | PROT_WRITE, MAP_SHARED,
					      2 * mapped * PAGE_SIZE);
		if (!addrs[mapped] || IS_ERR_VALUE(addrs[mapped])) {
			KUNIT_FAIL(test, "mmap %lu: %ld", mapped, (long)addrs[mapped]);
			break;
		}
	}
	tree = smm_test_current_tree(pool);
	KUNIT_EXPECT_NOT_NULL(test, tree);
	if (tree && mapped == SMM_TEST_NR_MAPPINGS) {
		KUNIT_EXPECT_EQ(test, READ_ONCE(tree->nr), (unsigned long)SMM_TEST_NR_MAPPINGS);
		smm_test_walk_max(tree, true);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		i = smm_test_walk_max(tree, true);
		KUNIT_EXPECT_GT(test, i, 0UL);
		KUNIT_EXPECT_LE(test, i, (unsigned long)SMM_WALK_BATCH);

		/* One off: the tree against its count. */
		spin_lock(&tree->lock);
		tree->nr++;
		spin_unlock(&tree->lock);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 1U);
		spin_lock(&tree->lock);
		tree->nr--;
		spin_unlock(&tree->lock);
		KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
		KUNIT_EXPECT_LE(test, smm_test_walk_max(tree, false),
				(unsigned int)SMM_WALK_BATCH);
	}
	for (i = 0; i < mapped; i++)
		vm_munmap(addrs[i], PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_NULL(test, smm_test_current_tree(pool));
}

/*
 * A process may hold its own mmap_lock for as long as it likes: validate
 * only tries for it, for a second, then leaves that process's mappings
 * unchecked and says so, instead of waiting (and, queued as a writer,
 * holding up every other reader of that mm meanwhile).
 */
static void smm_fault_validate_busy_mm_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	char __user *p = smm_test_map(test, file, MAP_SHARED);
	struct smm_report r = { };
	unsigned int problems;

	mmap_read_lock(current->mm);
	problems = smm_pool_validate(pool, &r);
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_EQ(test, problems, 0U);
	KUNIT_EXPECT_EQ(test, r.unchecked, 1U);

	memset(&r, 0, sizeof(r));
	KUNIT_EXPECT_EQ(test, smm_pool_validate(pool, &r), 0U);
	KUNIT_EXPECT_EQ(test, r.unchecked, 0U);
	vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE);
}

/*
 * A reader of debugfs "vmas" in a kernel thread of its own that takes
 * SIGKILL: @going is complete once it takes SIGKILL, @done once
 * smm_vma_print() returned @ret.  Exits
 * through kthread_complete_and_exit(), as the object tests' threads do.
 */
struct smm_test_vmas_reader {
	struct smm_pool *pool;
	char *buf;
	int ret;
	struct completion going, done;
};

static int smm_test_vmas_reader_fn(void *arg)
{
	struct smm_test_vmas_reader *r = arg;
	struct seq_file m = { .buf = r->buf, .size = PAGE_SIZE };

	/* A kernel thread takes SIGKILL only when it allows it. */
	allow_signal(SIGKILL);
	complete(&r->going);
	r->ret = smm_vma_print(&m, r->pool);
	kthread_complete_and_exit(&r->done, 0);
}

/* Is @t asleep with a waiter queued on @mm's mmap_lock (its own)? */
static bool smm_test_vmas_reader_queued(struct mm_struct *mm, struct task_struct *t)
{
	return rwsem_is_contended(&mm->mmap_lock) && !task_is_running(t);
}

/*
 * A reader of "vmas" queued behind a process that holds its mmap_lock for
 * writing (for as long as it likes: a fault waiting on a FUSE server) can
 * be killed: once the reader sleeps on the lock (the rwsem has a waiter),
 * SIGKILL ends its walk with -EINTR within a second, the lock still the
 * holder's.  An unkillable wait would still sleep; the test then lets it
 * have the lock.
 */
static void smm_fault_vmas_walk_killable_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_test_vmas_reader *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	u8 *buf = smm_test_buf(test);
	bool waited = false, returned = false, still_held;
	unsigned long deadline = jiffies + 10 * HZ;
	struct task_struct *t;
	struct mm_struct *mm;
	char __user *p;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->pool = pool;
	r->buf = buf;
	init_completion(&r->going);
	init_completion(&r->done);
	/* The test thread's mm exists once it maps something. */
	p = smm_test_map(test, file, MAP_SHARED);
	mm = current->mm;

	mmap_write_lock(mm);
	t = kthread_create(smm_test_vmas_reader_fn, r, "smm_test_vmas");
	if (!IS_ERR(t)) {
		get_task_struct(t);
		wake_up_process(t);
		/* Its SIGKILL is allowed before it can queue on the lock. */
		wait_for_completion(&r->going);
	}
	while (!IS_ERR(t) && !smm_test_vmas_reader_queued(mm, t) &&
	       !completion_done(&r->done) && time_before(jiffies, deadline))
		msleep(20);
	waited = !IS_ERR(t) && smm_test_vmas_reader_queued(mm, t) &&
		 !completion_done(&r->done);
	if (waited) {
		send_sig(SIGKILL, t, 1);
		returned = wait_for_completion_timeout(&r->done, HZ);
	}
	still_held = rwsem_is_locked(&mm->mmap_lock);
	mmap_write_unlock(mm);
	/* A wait the kill did not end takes the lock now and walks. */
	if (!IS_ERR(t)) {
		/* A completion the timed wait took is not there twice. */
		if (!returned)
			wait_for_completion(&r->done);
		put_task_struct(t);
	}

	KUNIT_EXPECT_FALSE_MSG(test, IS_ERR(t), "no reader thread");
	KUNIT_EXPECT_TRUE_MSG(test, waited, "the walk never waited for the mmap_lock");
	KUNIT_EXPECT_TRUE_MSG(test, returned, "the killed walk went on waiting");
	KUNIT_EXPECT_EQ(test, r->ret, -EINTR);
	KUNIT_EXPECT_TRUE(test, still_held);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define BLOCK_PAGES	(1UL << SMM_FAULT_ORDER_MAX)

/*
 * A mapping of two page tables' worth (nothing allocated), the knob at its
 * largest, and the address of page 5 of the third block past the mapping's
 * first page-table boundary: that block lies in one page table wherever
 * the mapping landed.  *@blk: the block's first page, *@first its index.
 */
static char __user *smm_test_block_map(struct kunit *test, struct smm_pool *pool,
				       struct file *file, unsigned long flags,
				       char __user **blk, pgoff_t *first)
{
	unsigned long p, at;

	/* Before the mapping: no ASSERT may end the test while it lives. */
	KUNIT_ASSERT_EQ(test, smm_object_set_fault_order(pool, SMM_FAULT_ORDER_MAX), 0);
	p = kunit_vm_mmap(test, file, 0, 2 * PMD_SIZE, PROT_READ | PROT_WRITE, flags, 0);
	KUNIT_ASSERT_TRUE_MSG(test, p && !IS_ERR_VALUE(p), "mmap: %ld", (long)p);
	at = ALIGN(p, PMD_SIZE) + (2 * BLOCK_PAGES + 5) * PAGE_SIZE;
	*first = ALIGN_DOWN((at - p) >> PAGE_SHIFT, BLOCK_PAGES);
	*blk = (char __user *)(p + (*first << PAGE_SHIFT));
	return (char __user *)at;
}

/* How many writable or dirty ptes map page @index of @file (made clean). */
static int smm_test_mkclean(struct file *file, pgoff_t index)
{
	struct page *page = xa_load(&file->f_mapping->i_pages, index);
	int n;

	if (!page || xa_is_value(page))
		return -1;
	lock_page(page);
	n = folio_mkclean(page_folio(page));
	unlock_page(page);
	return n;
}

/* Each page of the block but @at's has @want writable ptes (made clean). */
static void smm_test_block_ptes(struct kunit *test, struct file *file,
				char __user *blk, char __user *at, pgoff_t first, int want)
{
	unsigned long i;

	for (i = 0; i < BLOCK_PAGES; i++)
		if (blk + i * PAGE_SIZE != at)
			KUNIT_EXPECT_EQ_MSG(test, smm_test_mkclean(file, first + i), want,
					    "page %lu of the block", i);
}

/* The mapping smm_test_block_map() made, whole. */
static void smm_test_block_unmap(struct kunit *test, char __user *blk, pgoff_t first)
{
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)blk - (first << PAGE_SHIFT),
					2 * PMD_SIZE), 0);
}

/*
 * A read fault with fault_order 4: one fault makes the 16 pages of the
 * block around it, zeroed, and maps them all, clean: reading every page
 * of the block faults no more (an unmapped neighbour would be a fault,
 * fault-around's included), and no page is marked dirty.  The mapping is
 * shared and writable and asks for no write notification (no
 * page_mkwrite, as shmem), so each neighbour's pte is writable: a write
 * needs no fault.  So too on a pool whose fault window was once set.
 */
static void smm_fault_block_read_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *blk, *at;
	unsigned long i;
	pgoff_t first;
	char c = 1;

	/*
	 * A fault window set once and taken away: the object's first fault
	 * restarts its (empty) window, which must not unmap the block.
	 */
	KUNIT_ASSERT_EQ(test, smm_fault_window_set(pool, SMM_FAULT_WINDOW_MIN), 0);
	KUNIT_ASSERT_EQ(test, smm_fault_window_set(pool, 0), 0);
	at = smm_test_block_map(test, pool, file, MAP_SHARED, &blk, &first);
	KUNIT_EXPECT_EQ(test, get_user(c, at), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, smm_object_count_range(obj, first, first + BLOCK_PAGES - 1),
			BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_ALLOC), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_FALLBACK), 0UL);
	KUNIT_EXPECT_GE(test, i_size_read(file_inode(file)),
			(loff_t)(first + BLOCK_PAGES) << PAGE_SHIFT);
	for (i = 0; i < BLOCK_PAGES; i++) {
		c = 1;
		KUNIT_EXPECT_EQ(test, get_user(c, blk + i * PAGE_SIZE + 100), 0);
		KUNIT_EXPECT_EQ(test, c, 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 1L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFAULT), 1UL);
	for (i = 0; i < BLOCK_PAGES; i++) {
		struct page *page = xa_load(&file->f_mapping->i_pages, first + i);

		KUNIT_EXPECT_TRUE(test, page && !xa_is_value(page) &&
			!test_bit(SMM_PG_dirty, &smm_sfn_page(&pool->region,
							    page_private(page))->flags));
	}
	smm_test_block_ptes(test, file, blk, at, first, 1);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_test_block_unmap(test, blk, first);
}

/*
 * A write fault on a shared mapping maps the block's other pages writable
 * and dirty, as anonymous mTHP does: each had a writable pte before any
 * write of its own, and writing every page of the block faults no more.
 * What the mapping wrote is what the object holds.
 */
static void smm_fault_block_write_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *blk, *at;
	unsigned long i;
	pgoff_t first;
	loff_t pos;
	char c;

	at = smm_test_block_map(test, pool, file, MAP_SHARED, &blk, &first);
	KUNIT_EXPECT_EQ(test, put_user((char)0x5a, at), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_ALLOC), 1UL);
	for (i = 0; i < BLOCK_PAGES; i++) {
		struct page *page = xa_load(&file->f_mapping->i_pages, first + i);

		KUNIT_EXPECT_TRUE(test, page && !xa_is_value(page) &&
			test_bit(SMM_PG_dirty, &smm_sfn_page(&pool->region,
							   page_private(page))->flags));
	}
	smm_test_block_ptes(test, file, blk, at, first, 1);
	/* Write-protected and cleaned, they are written again: no fault of ours. */
	for (i = 0; i < BLOCK_PAGES; i++)
		if (blk + i * PAGE_SIZE != at)
			KUNIT_EXPECT_EQ(test, put_user((char)(0x80 | i), blk + i * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 1L);
	for (i = 0; i < BLOCK_PAGES; i++) {
		char want = blk + i * PAGE_SIZE == at ? 0x5a : (char)(0x80 | i);

		c = 0;
		pos = (loff_t)(first + i) << PAGE_SHIFT;
		KUNIT_EXPECT_EQ(test, kernel_read(file, &c, 1, &pos), 1);
		KUNIT_EXPECT_EQ(test, c, want);
	}
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_test_block_unmap(test, blk, first);
}

/*
 * A private mapping's write fault copies the faulting page and maps the
 * block's others read-only: a later write to one is copied by the kernel
 * without a fault of shadowmm's, and the object's page stays zero.
 */
static void smm_fault_block_private_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *blk, *at, *next;
	pgoff_t first;
	loff_t pos;
	char c;

	at = smm_test_block_map(test, pool, file, MAP_PRIVATE, &blk, &first);
	next = at + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, put_user('x', at), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_COW]), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, put_user('y', next), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_COW]), 1L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGFAULT), 1UL);
	c = 0;
	KUNIT_EXPECT_EQ(test, get_user(c, next), 0);
	KUNIT_EXPECT_EQ(test, c, 'y');
	c = 1;
	pos = (loff_t)(first + (next - blk) / PAGE_SIZE) << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, kernel_read(file, &c, 1, &pos), 1);
	KUNIT_EXPECT_EQ(test, c, 0);
	smm_test_block_unmap(test, blk, first);
}

/*
 * One page, as with fault_order 0, when the block does not fit: a mapping
 * smaller than a block, a block with a page in it already, a block past
 * the size limit, and a region with no free block of the order (counted
 * as a fallback).  A knob value out of range changes nothing.
 */
static void smm_fault_block_fallback_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct file *small = smm_test_object_file(test, pool);
	struct file *hog = smm_test_object_file(test, pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test);
	char __user *blk, *at, *p;
	unsigned long free_blocks = 0;
	unsigned int order;
	pgoff_t first, i;
	loff_t pos;
	char c;

	at = smm_test_block_map(test, pool, file, MAP_SHARED, &blk, &first);
	KUNIT_EXPECT_EQ(test, smm_object_set_fault_order(pool, SMM_FAULT_ORDER_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->objects.fault_order), SMM_FAULT_ORDER_MAX);

	/* A mapping of 8 pages holds no block of 16. */
	p = smm_test_map(test, small, MAP_SHARED);
	c = 1;
	KUNIT_EXPECT_EQ(test, get_user(c, p), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smm_file_object(small)->resident), 1L);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);

	/* A page of the block exists: the fault makes its own page only. */
	pos = (loff_t)(first + 3) << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, kernel_write(file, "z", 1, &pos), 1);
	KUNIT_EXPECT_EQ(test, get_user(c, at), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 2L);

	/* The next block reaches past the size limit. */
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, (loff_t)(first + BLOCK_PAGES + 8) << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, get_user(c, at + BLOCK_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 3L);
	KUNIT_EXPECT_EQ(test, smm_object_set_limit(obj, SHADOWMM_MAX_OBJECT_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_ALLOC), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_FALLBACK), 0UL);

	/* The region full, then every other page of the hog given back. */
	smm_test_pattern(buf, 0);
	pos = 0;
	while (kernel_write(hog, buf, PAGE_SIZE, &pos) == PAGE_SIZE)
		;
	KUNIT_EXPECT_TRUE(test, smm_test_settle(pool));
	while (kernel_write(hog, buf, PAGE_SIZE, &pos) == PAGE_SIZE)
		;
	for (i = 1; i < pos >> PAGE_SHIFT; i += 2)
		smm_object_punch(smm_file_object(hog), (loff_t)i << PAGE_SHIFT,
				 (loff_t)(i + 1) << PAGE_SHIFT);
	for (order = SMM_FAULT_ORDER_MAX; order < SMM_NR_ORDERS; order++)
		free_blocks += smm_test_nr_free(zone, order);
	KUNIT_EXPECT_EQ(test, free_blocks, 0UL);
	c = 1;
	KUNIT_EXPECT_EQ(test, get_user(c, at + 2 * BLOCK_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 4L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_ALLOC), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_FALLBACK), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_test_block_unmap(test, blk, first);
}

/*
 * The block's pages are the object's one by one: one punched out leaves
 * the other 15 where they were, mapped, and a fault on the hole makes a
 * single page (its block is not empty).
 */
static void smm_fault_block_punch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *blk;
	unsigned long i;
	pgoff_t first;
	char c;

	smm_test_block_map(test, pool, file, MAP_SHARED, &blk, &first);
	for (i = 0; i < BLOCK_PAGES; i++)
		KUNIT_EXPECT_EQ(test, put_user((char)(i + 1), blk + i * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 1L);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, (loff_t)(first + 7) << PAGE_SHIFT,
					       (loff_t)(first + 8) << PAGE_SHIFT), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)BLOCK_PAGES - 1);
	for (i = 0; i < BLOCK_PAGES; i++) {
		c = -1;
		KUNIT_EXPECT_EQ(test, get_user(c, blk + i * PAGE_SIZE), 0);
		KUNIT_EXPECT_EQ(test, c, i == 7 ? 0 : (char)(i + 1));
	}
	/* Only the hole faulted again, and made one page. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MINOR]), 2L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_MTHP_FAULT_ALLOC), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_test_block_unmap(test, blk, first);
}

#define FAULT_NR_IDLE	100

/*
 * A process that unmapped its mappings and maps nothing more keeps their
 * descriptors (nothing reaps its tree) until memory pressure: the reap
 * kswapd runs then frees those of a tree that holds more than twice as
 * many descriptors as its process has vmas (plus 64), and leaves a tree
 * whose descriptors are all live.
 */
static void smm_fault_reap_idle_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long addr[FAULT_NR_IDLE], scanned;
	unsigned int i;

	/* Every other page: no two of the mappings can merge. */
	for (i = 0; i < FAULT_NR_IDLE; i++) {
		addr[i] = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
					MAP_SHARED, 2 * i * PAGE_SIZE);
		KUNIT_ASSERT_TRUE(test, addr[i] && !IS_ERR_VALUE(addr[i]));
	}
	KUNIT_ASSERT_EQ(test, smm_test_nr_vmas(pool), (unsigned long)FAULT_NR_IDLE);
	scanned = smm_event_sum(pool, SMM_VMA_RESYNC_SCANNED);
	KUNIT_EXPECT_EQ(test, smm_vma_reap_idle(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_VMA_RESYNC_SCANNED), scanned);

	for (i = 1; i < FAULT_NR_IDLE; i++)
		KUNIT_ASSERT_EQ(test, vm_munmap(addr[i], PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), (unsigned long)FAULT_NR_IDLE);
	/* The kthread's mm has the one mapping left and few others. */
	if (2 * current->mm->map_count + 64 >= FAULT_NR_IDLE)
		kunit_skip(test, "the test's mm has %d vmas", current->mm->map_count);
	KUNIT_EXPECT_EQ(test, smm_vma_reap_idle(pool), (unsigned long)FAULT_NR_IDLE - 1);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(pool), 1UL);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr[0], PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * An mmap cannot empty the reserve that the copies of ->open need (a
 * split cannot fail): with the region exhausted and the descriptors'
 * cache out of free objects, a new mapping fails with -ENOMEM and takes
 * nothing from the reserve, and a split of a mapping made before still
 * gets its descriptor from it.
 */
static void smm_fault_mmap_spares_reserve_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &fault_pool);
	struct file *file = smm_test_object_file(test, pool);
	char __user *p = smm_test_map(test, file, MAP_SHARED);
	mempool_t *reserve = pool->vmas.reserve.mempool;
	unsigned long untracked = smm_event_sum(pool, SMM_VMA_UNTRACKED);
	struct smm_test_dry *dry;
	unsigned long addr;
	int spare, left;

	KUNIT_ASSERT_NOT_NULL(test, reserve);
	dry = smm_test_dry(test, pool, pool->vmas.reserve.cache);
	spare = READ_ONCE(reserve->curr_nr);
	KUNIT_EXPECT_GT(test, spare, 1);

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-ENOMEM);
	left = READ_ONCE(reserve->curr_nr);
	KUNIT_EXPECT_EQ(test, left, spare);

	/* Its last page unmapped: one split, one copy of the vma. */
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p + (NR_PAGES - 1) * PAGE_SIZE,
					PAGE_SIZE), 0);
	left = READ_ONCE(reserve->curr_nr);
	KUNIT_EXPECT_EQ(test, left, spare - 1);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_VMA_UNTRACKED), untracked);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_test_dry_end(test, dry);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, (NR_PAGES - 1) * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_fault_cases[] = {
	KUNIT_CASE(smm_fault_shared_test),
	KUNIT_CASE(smm_fault_private_cow_test),
	KUNIT_CASE(smm_fault_sigbus_test),
	KUNIT_CASE(smm_fault_pinned_test),
	KUNIT_CASE(smm_fault_lookup_resync_test),
	KUNIT_CASE(smm_fault_untracked_test),
	KUNIT_CASE(smm_fault_reap_idle_test),
	KUNIT_CASE(smm_fault_mmap_spares_reserve_test),
	KUNIT_CASE(smm_fault_hwpoison_test),
	KUNIT_CASE(smm_fault_validate_batched_test),
	KUNIT_CASE(smm_fault_validate_busy_mm_test),
	KUNIT_CASE(smm_fault_vmas_walk_killable_test),
	KUNIT_CASE(smm_fault_block_read_test),
	KUNIT_CASE(smm_fault_block_write_test),
	KUNIT_CASE(smm_fault_block_private_test),
	KUNIT_CASE(smm_fault_block_fallback_test),
	KUNIT_CASE(smm_fault_block_punch_test),
	{}
};

static struct kunit_suite smm_fault_suite = {
	.name = "shadowmm_fault",
	.test_cases = smm_fault_cases,
};

kunit_test_suites(&smm_fault_suite);
