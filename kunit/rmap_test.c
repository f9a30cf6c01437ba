// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the query of an object's i_mmap interval tree (module/rmap.c)
 * and the walks of evict.c that use it, over real mappings of the test
 * thread (kunit_vm_mmap()).  On an object mapped many times over
 * overlapping ranges, shared and private, every query finds exactly the
 * vmas a walk of the whole tree finds overlapping its range, in the same
 * order.  On an object mapped as NR_VMAS one-page vmas, the young-pte
 * walk and the locked-mapping check of a page look at its one vma, and
 * reclaim evicting mapped pages looks at about one vma per page judged
 * or unmapped (vmstat rmap_vmas_scanned), not at all NR_VMAS each time.
 * On a page mapped NR_SAME_PAGE times, the walk yields between vmas.
 *
 * Between mapping and unmapping only EXPECTs are used: the test thread's
 * mappings must be gone before the pool is (see smm_test_fput()).
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include <shadowmm/object_internal.h>
#include <shadowmm/rmap.h>
#include <shadowmm/stats.h>

#include "smm_test.h"

/* 1024 frames, one zone; a store of twice that. */
static const struct smm_test_pool_cfg rmap_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 2048,
};

/* One-page vmas of one object, as a process mapping it page by page. */
#define NR_VMAS		2048
/* Pages of them touched, NR_VMAS / NR_TOUCHED apart. */
#define NR_TOUCHED	64
/* Overlapping mappings of one object. */
#define NR_OVERLAPPING	160

static bool smm_test_overlaps(struct vm_area_struct *vma, pgoff_t first, pgoff_t last)
{
	return vma->vm_pgoff <= last && vma->vm_pgoff + vma_pages(vma) - 1 >= first;
}

/* From @rb on in tree order, the first vma over [@first, @last]: every one looked at. */
static struct vm_area_struct *smm_test_linear(struct rb_node *rb, pgoff_t first,
					      pgoff_t last)
{
	for (; rb; rb = rb_next(rb)) {
		struct vm_area_struct *vma = rb_entry(rb, struct vm_area_struct, shared.rb);

		if (smm_test_overlaps(vma, first, last))
			return vma;
	}
	return NULL;
}

/* The vmas of @mapping's tree. */
static unsigned long smm_test_nr_vmas(struct address_space *mapping)
{
	unsigned long n = 0;
	struct rb_node *rb;

	i_mmap_lock_read(mapping);
	for (rb = rb_first_cached(&mapping->i_mmap); rb; rb = rb_next(rb))
		n++;
	i_mmap_unlock_read(mapping);
	return n;
}

/*
 * Queries of [@first, @last] that answer otherwise than the walk of the
 * whole tree (a vma missing, one too many, or out of order); their hits
 * added to *@hits.
 */
static unsigned int smm_test_query(struct address_space *mapping, pgoff_t first,
				   pgoff_t last, unsigned long *hits)
{
	struct vm_area_struct *want, *got;

	want = smm_test_linear(rb_first_cached(&mapping->i_mmap), first, last);
	for (got = smm_rmap_first(mapping, first, last); got || want;
	     got = smm_rmap_next(got, first, last)) {
		if (got != want)
			return 1;
		(*hits)++;
		want = smm_test_linear(rb_next(&want->shared.rb), first, last);
	}
	return 0;
}

/*
 * Mappings of many lengths at many offsets, shared and private, nested
 * and overlapping, several at the same offset: every query over [0, 80)
 * finds what the walk of the whole tree does.
 */
static void smm_rmap_matches_tree_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &rmap_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	unsigned long *addr, *len, hits = 0, failed = 0, nr = 0;
	unsigned int bad = 0, i;
	pgoff_t first, last;

	addr = kunit_kcalloc(test, NR_OVERLAPPING, sizeof(*addr), GFP_KERNEL);
	len = kunit_kcalloc(test, NR_OVERLAPPING, sizeof(*len), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_ASSERT_NOT_NULL(test, len);
	for (i = 0; i < NR_OVERLAPPING; i++) {
		/* Offsets 0..63 out of order, lengths 1..8, and a few long ones. */
		pgoff_t pgoff = (i * 37) % 64;

		len[i] = i % 20 ? 1 + (i * 13) % 8 : 16 + i % 48;
		addr[i] = kunit_vm_mmap(test, file, 0, len[i] << PAGE_SHIFT,
					i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
					i % 3 ? MAP_SHARED : MAP_PRIVATE, pgoff << PAGE_SHIFT);
		if (!addr[i] || IS_ERR_VALUE(addr[i])) {
			failed++;
			addr[i] = 0;
		}
	}
	KUNIT_EXPECT_EQ(test, failed, 0UL);

	i_mmap_lock_read(mapping);
	for (first = 0; first < 80; first++)
		for (last = first; last < first + 24; last++)
			bad += smm_test_query(mapping, first, last, &hits);
	/* Beyond every mapping, and the whole of it. */
	KUNIT_EXPECT_NULL(test, smm_rmap_first(mapping, 200, 300));
	bad += smm_test_query(mapping, 0, ULONG_MAX, &nr);
	i_mmap_unlock_read(mapping);

	KUNIT_EXPECT_EQ(test, bad, 0U);
	/* The whole range finds every vma; the queries found many overlaps. */
	KUNIT_EXPECT_EQ(test, nr, smm_test_nr_vmas(mapping));
	KUNIT_EXPECT_GT(test, nr, NR_OVERLAPPING / 2UL);
	KUNIT_EXPECT_GT(test, hits, 10000UL);

	for (i = 0; i < NR_OVERLAPPING; i++)
		if (addr[i])
			KUNIT_EXPECT_EQ(test, vm_munmap(addr[i], len[i] << PAGE_SHIFT), 0);
}

/*
 * @file mapped as NR_VMAS one-page vmas, page i at @addr[i]: writable and
 * read-only in turn, so that none merges with another.  Returns the
 * mappings that failed (their @addr 0).
 */
static unsigned long smm_test_map_pages(struct kunit *test, struct file *file,
					unsigned long *addr)
{
	unsigned long failed = 0, i;

	for (i = 0; i < NR_VMAS; i++) {
		addr[i] = kunit_vm_mmap(test, file, 0, PAGE_SIZE,
					i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
					MAP_SHARED, i << PAGE_SHIFT);
		if (!addr[i] || IS_ERR_VALUE(addr[i])) {
			failed++;
			addr[i] = 0;
		}
	}
	return failed;
}

static void smm_test_unmap_pages(struct kunit *test, unsigned long *addr)
{
	unsigned long i;

	for (i = 0; i < NR_VMAS; i++)
		if (addr[i])
			KUNIT_EXPECT_EQ(test, vm_munmap(addr[i], PAGE_SIZE), 0);
}

/*
 * Page @i touched through its own vma: written if writable (never with
 * zero, so that its eviction stores it), else read (never written, it
 * reads zero).  Returns 0, or why not.
 */
static int smm_test_touch(unsigned long *addr, unsigned long i)
{
	char __user *p = (char __user *)addr[i];
	char c;

	if (i % 2)
		return get_user(c, p) ?: (c ? -EILSEQ : 0);
	return put_user((char)(1 + i % 127), p);
}

static unsigned long *smm_test_addrs(struct kunit *test)
{
	unsigned long *addr = kunit_kcalloc(test, NR_VMAS, sizeof(*addr), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, addr);
	return addr;
}

/*
 * Among NR_VMAS one-page mappings, the young-pte walk of a page and the
 * check for a locked mapping of it each look at its own vma only, and
 * still find what it did: the access, once.
 */
static void smm_rmap_page_walks_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &rmap_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long *addr = smm_test_addrs(test);
	unsigned long i, scanned;

	KUNIT_EXPECT_EQ(test, smm_test_map_pages(test, file, addr), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_nr_vmas(file->f_mapping), (unsigned long)NR_VMAS);
	for (i = 0; i < NR_VMAS; i += NR_VMAS / NR_TOUCHED + 1) {
		struct folio *folio;
		struct page *page;

		if (!addr[i])
			continue;
		KUNIT_EXPECT_EQ(test, smm_test_touch(addr, i), 0);
		page = xa_load(&file->f_mapping->i_pages, i);
		KUNIT_EXPECT_TRUE_MSG(test, page && !xa_is_value(page), "page %lu", i);
		if (!page || xa_is_value(page))
			continue;
		folio = page_folio(page);
		folio_lock(folio);

		scanned = smm_event_sum(pool, SMM_RMAP_VMAS_SCANNED);
		KUNIT_EXPECT_EQ_MSG(test, smm_object_young_ptes(folio), 1U, "page %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, smm_object_young_ptes(folio), 0U, "page %lu", i);
		KUNIT_EXPECT_FALSE(test, smm_object_mapped_locked(folio));
		KUNIT_EXPECT_EQ_MSG(test, smm_event_sum(pool, SMM_RMAP_VMAS_SCANNED) - scanned,
				    3UL, "page %lu", i);
		folio_unlock(folio);
	}
	smm_test_unmap_pages(test, addr);
}

/*
 * Reclaim evicting NR_TOUCHED mapped pages among NR_VMAS one-page
 * mappings: each page judged or aged looks at its one vma for young
 * ptes, each unmapped at the vmas over its run, so no more vmas are
 * looked at than twice the pages scanned and aged.
 */
static void smm_rmap_reclaim_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &rmap_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long *addr = smm_test_addrs(test);
	unsigned long i, tries, scanned, pages;

	smm_reclaim_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, smm_test_map_pages(test, file, addr), 0UL);
	for (i = 0; i < NR_VMAS; i += NR_VMAS / NR_TOUCHED)
		if (addr[i])
			KUNIT_EXPECT_EQ(test, smm_test_touch(addr, i), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)NR_TOUCHED);

	scanned = smm_event_sum(pool, SMM_RMAP_VMAS_SCANNED);
	pages = smm_event_sum(pool, SMM_PGSCAN_DIRECT) + smm_event_sum(pool, SMM_PGREFILL);
	/* Young ptes earn each page a second chance first. */
	for (tries = 0; tries < 8 && atomic_long_read(&obj->resident); tries++)
		smm_reclaim_pages(pool, NR_TOUCHED);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 0L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT), (unsigned long)NR_TOUCHED);
	scanned = smm_event_sum(pool, SMM_RMAP_VMAS_SCANNED) - scanned;
	pages = smm_event_sum(pool, SMM_PGSCAN_DIRECT) + smm_event_sum(pool, SMM_PGREFILL) -
		pages;
	KUNIT_EXPECT_GE(test, scanned, (unsigned long)NR_TOUCHED);
	KUNIT_EXPECT_LE_MSG(test, scanned, 2 * pages, "%lu pages scanned and aged", pages);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	smm_test_unmap_pages(test, addr);
}

/* One page of an object mapped by this many vmas, for the yield test. */
#define NR_SAME_PAGE	1024U
/* Walks of it timed together. */
#define NR_WALKS	8U

/*
 * What makes a walk's yields seen: a timer on the walker's CPU that asks
 * it to give the CPU up every 100 us, as the tick does once its slice is
 * used, and a task of the same CPU that is always runnable, for it to
 * give the CPU to.
 */
struct smm_test_yield {
	struct hrtimer timer;
	struct task_struct *walker;
	atomic_t asked;
};

static enum hrtimer_restart smm_test_resched_fn(struct hrtimer *timer)
{
	struct smm_test_yield *y = container_of(timer, struct smm_test_yield, timer);

	atomic_inc(&y->asked);
	set_tsk_need_resched(y->walker);
	set_preempt_need_resched();
	hrtimer_forward_now(timer, ns_to_ktime(100 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int smm_test_spin_fn(void *unused)
{
	while (!kthread_should_stop())
		cond_resched();
	return 0;
}

/*
 * A walk over the vmas of a page yields between them, as the kernel's
 * rmap walk does: one process may map a page vm.max_map_count times
 * (fork multiplies them), and a walk that never yields holds its CPU for
 * as long as the user likes (a soft lockup, on a kernel without full
 * preemption).  Asked to reschedule every 100 us, with a task waiting,
 * the walker switches many times a walk (80 on an idle emulator, 28 on
 * one sharing its host with two more); one that never yields switches at
 * most once or twice a walk, at its lock.  The walks go on until asked 16
 * times a walk, so that even a fast machine tells the two apart.
 */
static void smm_rmap_walk_yields_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &rmap_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long *addr, i, failed = 0, switches, walks, asked;
	bool too_fast = false;
	struct task_struct *spinner;
	struct smm_test_yield *y;
	unsigned int cpu, young = 0;
	struct folio *folio;
	struct page *page;
	loff_t pos = 0;
	char c = 'y';

	addr = kunit_kcalloc(test, NR_SAME_PAGE, sizeof(*addr), GFP_KERNEL);
	y = kunit_kzalloc(test, sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_ASSERT_NOT_NULL(test, y);
	y->walker = current;
	KUNIT_ASSERT_EQ(test, kernel_write(file, &c, 1, &pos), 1L);
	for (i = 0; i < NR_SAME_PAGE; i++) {
		addr[i] = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
		/* Read through each: a page table and a young pte to walk. */
		if (!addr[i] || IS_ERR_VALUE(addr[i]) ||
		    get_user(c, (char __user *)addr[i]) || c != 'y') {
			failed++;
			if (IS_ERR_VALUE(addr[i]))
				addr[i] = 0;
		}
	}
	KUNIT_EXPECT_EQ(test, failed, 0UL);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_EXPECT_TRUE(test, page && !xa_is_value(page));
	if (failed || !page || xa_is_value(page))
		goto out;
	folio = page_folio(page);

	cpu = raw_smp_processor_id();
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	spinner = kthread_create(smm_test_spin_fn, NULL, "smm_rmap_spin");
	KUNIT_EXPECT_FALSE(test, IS_ERR(spinner));
	if (IS_ERR(spinner))
		goto out_cpus;
	kthread_bind(spinner, cpu);
	wake_up_process(spinner);
	hrtimer_init(&y->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	y->timer.function = smm_test_resched_fn;

	folio_lock(folio);
	switches = current->nvcsw + current->nivcsw;
	hrtimer_start(&y->timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED);
	for (walks = 0; walks < NR_WALKS || (walks < 64 * NR_WALKS &&
	     (unsigned long)atomic_read(&y->asked) < 16 * walks); walks++)
		young += smm_object_young_ptes(folio);
	hrtimer_cancel(&y->timer);
	switches = current->nvcsw + current->nivcsw - switches;
	asked = atomic_read(&y->asked);
	folio_unlock(folio);
	kthread_stop(spinner);

	/* The first walk found every read, and cleared what it found. */
	KUNIT_EXPECT_EQ(test, young, NR_SAME_PAGE);
	too_fast = asked < 16 * walks;
	if (!too_fast)
		KUNIT_EXPECT_GT_MSG(test, switches, 4 * walks,
				    "%lu switches in %lu walks of %u vmas, asked %lu times",
				    switches, walks, NR_SAME_PAGE, asked);
out_cpus:
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(current, cpu_possible_mask), 0);
out:
	for (i = 0; i < NR_SAME_PAGE; i++)
		if (addr[i])
			KUNIT_EXPECT_EQ(test, vm_munmap(addr[i], PAGE_SIZE), 0);
	if (too_fast)
		kunit_skip(test, "walks too fast to be asked 16 times each");
}

static struct kunit_case smm_rmap_cases[] = {
	KUNIT_CASE(smm_rmap_matches_tree_test),
	KUNIT_CASE(smm_rmap_page_walks_test),
	KUNIT_CASE_SLOW(smm_rmap_walk_yields_test),
	KUNIT_CASE_SLOW(smm_rmap_reclaim_test),
	{}
};

static struct kunit_suite smm_rmap_suite = {
	.name = "shadowmm_rmap",
	.test_cases = smm_rmap_cases,
};

kunit_test_suites(&smm_rmap_suite);
