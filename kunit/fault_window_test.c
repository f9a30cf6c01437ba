// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the fault window (module/fault_window.c).  The ring keeps the
 * pages that faulted last in the order they came, a page already in it
 * keeps its place, and the oldest leaves when it is full.  Through a real
 * shared mapping of the test thread: with a window of W pages, every
 * access to a page outside the last W faulted ones faults again (a cyclic
 * walk over more than W pages faults on every access, where without a
 * window only the first touches fault), accesses inside it do not, and
 * the contents are kept.  A page whose fault is under way (its folio
 * locked) does not leave the window.  The knob refuses sizes that could
 * livelock or cost too much, changing nothing.
 */

#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>

#include <shadowmm/debugfs.h>
#include <shadowmm/fault_window.h>
#include <shadowmm/object.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg window_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

#define NR_PAGES	8

static void smm_fault_window_ring_test(struct kunit *test)
{
	pgoff_t slots[4], evicted = 99;
	struct smm_fault_window w;
	pgoff_t i;

	smm_fault_window_init(&w);
	spin_lock(&w.lock);
	/* Off: nothing is kept, nothing leaves. */
	KUNIT_EXPECT_FALSE(test, smm_fault_window_push(&w, 1, &evicted));
	KUNIT_EXPECT_EQ(test, w.count, 0U);

	w.slots = slots;
	w.size = ARRAY_SIZE(slots);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, smm_fault_window_push(&w, i, &evicted));
	KUNIT_EXPECT_EQ(test, w.count, 4U);
	/* Already in: keeps its place, the window is unchanged. */
	KUNIT_EXPECT_FALSE(test, smm_fault_window_push(&w, 1, &evicted));
	KUNIT_EXPECT_EQ(test, evicted, 99UL);
	/* Full: the oldest leaves, in the order they came. */
	KUNIT_EXPECT_TRUE(test, smm_fault_window_push(&w, 10, &evicted));
	KUNIT_EXPECT_EQ(test, evicted, 0UL);
	KUNIT_EXPECT_TRUE(test, smm_fault_window_push(&w, 11, &evicted));
	KUNIT_EXPECT_EQ(test, evicted, 1UL);
	KUNIT_EXPECT_TRUE(test, smm_fault_window_push(&w, 12, &evicted));
	KUNIT_EXPECT_EQ(test, evicted, 2UL);
	/* 10 is still in, 0 is not. */
	KUNIT_EXPECT_FALSE(test, smm_fault_window_push(&w, 10, &evicted));
	KUNIT_EXPECT_TRUE(test, smm_fault_window_push(&w, 0, &evicted));
	KUNIT_EXPECT_EQ(test, evicted, 3UL);
	KUNIT_EXPECT_EQ(test, w.count, 4U);
	spin_unlock(&w.lock);
	w.slots = NULL;
	smm_fault_window_destroy(&w);
}

/* Read one byte of each page in @order; the object's minor faults it took. */
static long smm_test_walk(struct kunit *test, struct smm_object *obj, char __user *p,
			  const unsigned int *order, unsigned int n)
{
	long before = atomic_long_read(&obj->faults[SMM_FAULT_MINOR]);
	unsigned int i;
	char c;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, get_user(c, p + order[i] * PAGE_SIZE + 7), 0);
		KUNIT_EXPECT_EQ(test, c, (char)(order[i] + 1));
	}
	return atomic_long_read(&obj->faults[SMM_FAULT_MINOR]) - before;
}

/*
 * @file's object, with the window set to @window, mapped shared by the
 * test thread: NR_PAGES pages, page i written i + 1 at byte 7.
 */
static char __user *smm_test_window_map(struct kunit *test, struct smm_pool *pool,
					struct file *file, unsigned int window)
{
	unsigned long addr;
	char __user *p;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, smm_fault_window_set(pool, window), 0);
	addr = kunit_vm_mmap(test, file, 0, NR_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE_MSG(test, addr && !IS_ERR_VALUE(addr), "mmap: %ld", (long)addr);
	p = (char __user *)addr;
	for (i = 0; i < NR_PAGES; i++)
		KUNIT_EXPECT_EQ(test, put_user((char)(i + 1), p + i * PAGE_SIZE + 7), 0);
	return p;
}

/*
 * @window pages (0: none) on a fresh object of NR_PAGES written pages:
 * the minor faults of a second cyclic walk over all of them, and of a
 * walk that goes back and forth between two pages the first did not end
 * with.
 */
static void smm_test_window_run(struct kunit *test, unsigned int window,
				long *cyclic, long *pair)
{
	static const unsigned int all[NR_PAGES] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const unsigned int two[] = { 1, 2, 1, 2, 1, 2 };
	struct smm_pool *pool = smm_test_pool(test, &window_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	char __user *p = smm_test_window_map(test, pool, file, window);

	/* The writes left the last @window pages mapped: the others fault. */
	KUNIT_EXPECT_EQ(test, smm_test_walk(test, obj, p, all, NR_PAGES),
			window && window < NR_PAGES ? (long)NR_PAGES : 0L);
	*cyclic = smm_test_walk(test, obj, p, all, NR_PAGES);
	*pair = smm_test_walk(test, obj, p, two, ARRAY_SIZE(two));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)NR_PAGES);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
}

static void smm_fault_window_faults_test(struct kunit *test)
{
	long cyclic, pair;

	/* No window: the pages stay mapped, nothing faults again. */
	smm_test_window_run(test, 0, &cyclic, &pair);
	KUNIT_EXPECT_EQ(test, cyclic, 0L);
	KUNIT_EXPECT_EQ(test, pair, 0L);

	/* Four pages: a walk over eight faults on every access ... */
	smm_test_window_run(test, 4, &cyclic, &pair);
	KUNIT_EXPECT_EQ(test, cyclic, (long)NR_PAGES);
	/* ... and two pages used in turn fault once each, then stay. */
	KUNIT_EXPECT_EQ(test, pair, 2L);

	/* Eight: the whole object fits, the second walk is free. */
	smm_test_window_run(test, 8, &cyclic, &pair);
	KUNIT_EXPECT_EQ(test, cyclic, 0L);
	KUNIT_EXPECT_EQ(test, pair, 0L);
}

/* Is @index in @obj's window? */
static bool smm_test_window_has(struct smm_object *obj, pgoff_t index)
{
	struct smm_fault_window *w = &obj->window;
	bool found = false;
	unsigned int i;

	spin_lock(&w->lock);
	for (i = 0; i < w->count; i++)
		if (w->slots[(w->head + i) % w->size] == index)
			found = true;
	spin_unlock(&w->lock);
	return found;
}

/* Lock the folios of @obj's pages @idx[0..@n), as faults mapping them do. */
static void smm_test_lock_pages(struct kunit *test, struct smm_object *obj,
				struct folio **folios, const unsigned int *idx,
				unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		folios[i] = filemap_get_folio(obj->inode->i_mapping, idx[i]);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(folios[i]));
		folio_lock(folios[i]);
	}
}

static void smm_test_unlock_pages(struct folio **folios, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		folio_unlock(folios[i]);
		folio_put(folios[i]);
	}
}

/*
 * A fault maps its page only after ->fault returns, and holds the page's
 * folio lock until then: a page pushed out of the window meanwhile, and
 * unmapped before that fault maps it, would stay mapped outside the
 * window for good, its accesses missing from the trace.  Such a page
 * (locked here as that fault holds it) stays in the window as its newest
 * and the next oldest leaves instead; with every page locked the fault
 * still ends.
 */
static void smm_fault_window_fault_in_flight_test(struct kunit *test)
{
	static const unsigned int in_flight[] = { 4 };
	static const unsigned int mapped[] = { 6, 7, 0, 4 };
	static const unsigned int whole[] = { 7, 0, 4, 5 };
	static const unsigned int zero[] = { 0 }, one[] = { 1 }, five[] = { 5 };
	struct smm_pool *pool = smm_test_pool(test, &window_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct folio *folios[ARRAY_SIZE(whole)];
	char __user *p = smm_test_window_map(test, pool, file, 4);

	/* The window is 4, 5, 6, 7, oldest first; 0 comes in while 4 is locked. */
	smm_test_lock_pages(test, obj, folios, in_flight, ARRAY_SIZE(in_flight));
	KUNIT_EXPECT_EQ(test, smm_test_walk(test, obj, p, zero, 1), 1L);
	smm_test_unlock_pages(folios, ARRAY_SIZE(in_flight));
	KUNIT_EXPECT_TRUE(test, smm_test_window_has(obj, 4));
	KUNIT_EXPECT_FALSE(test, smm_test_window_has(obj, 5));
	/* What is mapped is the window: 4 was never unmapped, 5 was. */
	KUNIT_EXPECT_EQ(test, smm_test_walk(test, obj, p, mapped, ARRAY_SIZE(mapped)), 0L);
	KUNIT_EXPECT_EQ(test, smm_test_walk(test, obj, p, five, 1), 1L);

	/* The window is 7, 0, 4, 5: all of it locked, a fault on 1 still ends. */
	smm_test_lock_pages(test, obj, folios, whole, ARRAY_SIZE(whole));
	KUNIT_EXPECT_EQ(test, smm_test_walk(test, obj, p, one, 1), 1L);
	smm_test_unlock_pages(folios, ARRAY_SIZE(whole));
	KUNIT_EXPECT_EQ(test, obj->window.count, 4U);
	KUNIT_EXPECT_EQ(test, vm_munmap((unsigned long)p, NR_PAGES * PAGE_SIZE), 0);
}

static void smm_fault_window_knob_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &window_pool);
	static const char * const bad[] = {
		"fault_window 1", "fault_window 3", "fault_window 257", "fault_window -1",
		"fault_window", "fault_window 8 8",
	};
	unsigned int i, gen;

	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "fault_window 16\n"), 0);
	KUNIT_EXPECT_EQ(test, pool->fault_window.size, 16U);
	gen = pool->fault_window.gen;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, smm_knob_write(pool, bad[i]), -EINVAL, "%s", bad[i]);
		KUNIT_EXPECT_EQ(test, pool->fault_window.size, 16U);
		KUNIT_EXPECT_EQ(test, pool->fault_window.gen, gen);
	}
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "fault_window 4"), 0);
	KUNIT_EXPECT_EQ(test, pool->fault_window.size, 4U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "fault_window 0"), 0);
	KUNIT_EXPECT_EQ(test, pool->fault_window.size, 0U);
	KUNIT_EXPECT_NE(test, pool->fault_window.gen, gen);
}

static struct kunit_case smm_fault_window_cases[] = {
	KUNIT_CASE(smm_fault_window_ring_test),
	KUNIT_CASE(smm_fault_window_faults_test),
	KUNIT_CASE(smm_fault_window_fault_in_flight_test),
	KUNIT_CASE(smm_fault_window_knob_test),
	{}
};

static struct kunit_suite smm_fault_window_suite = {
	.name = "shadowmm_fault_window",
	.test_cases = smm_fault_window_cases,
};

kunit_test_suites(&smm_fault_window_suite);
