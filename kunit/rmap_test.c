// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the query of an object's i_mmap interval tree (module/rmap.c),
 * over real mappings of the test thread (kunit_vm_mmap()).  On an object
 * mapped many times over overlapping ranges, shared and private, every
 * query finds exactly the vmas a walk of the whole tree finds
 * overlapping its range, in the same order.
 *
 * Between mapping and unmapping only EXPECTs are used: the test thread's
 * mappings must be gone before the pool is (see smm_test_fput()).
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rbtree.h>

#include <shadowmm/rmap.h>

#include "smm_test.h"

/* 1024 frames, one zone. */
static const struct smm_test_pool_cfg rmap_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true, .pcp_off = true,
};

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

static struct kunit_case smm_rmap_cases[] = {
	KUNIT_CASE(smm_rmap_matches_tree_test),
	{}
};

static struct kunit_suite smm_rmap_suite = {
	.name = "shadowmm_rmap",
	.test_cases = smm_rmap_cases,
};

kunit_test_suites(&smm_rmap_suite);
