// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: memory objects (module/object.c) on private pools, through the
 * file a user would have: bytes written come back identical, holes read
 * as zeroes, read stops at the size, a punched range goes back to the
 * buddy, the size limit refuses writes beyond it and frees pages above a
 * lowered one, and an exhausted region is ENOSPC with nothing lost.
 */

#include <kunit/test.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>

#include <uapi/shadowmm.h>

#include <shadowmm/object.h>

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
	unsigned long free_before = smm_pool_free_pages(pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
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
	unsigned long pages = smm_pool_free_pages(pool), i;
	char *page = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	loff_t pos = 0;
	ssize_t ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, page);
	for (i = 0; i <= pages; i++) {
		smm_test_fill(page, PAGE_SIZE, i);
		ret = kernel_write(file, page, PAGE_SIZE, &pos);
		if (ret != PAGE_SIZE)
			break;
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

/* Closing the last file frees every page. */
static void smm_object_release_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &object_pool);
	unsigned long free_before = smm_pool_free_pages(pool);
	struct file *file = smm_object_file_create(pool);
	char buf[64] = "release";
	loff_t pos = 7 * PAGE_SIZE;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_EXPECT_EQ(test, kernel_write(file, buf, sizeof(buf), &pos), (ssize_t)sizeof(buf));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->object_pages), 1L);
	__fput_sync(file);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->object_pages), 0L);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free_before);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->objects));
}

static struct kunit_case smm_object_cases[] = {
	KUNIT_CASE(smm_object_rw_test),
	KUNIT_CASE(smm_object_hole_test),
	KUNIT_CASE(smm_object_punch_test),
	KUNIT_CASE(smm_object_limit_test),
	KUNIT_CASE(smm_object_exhausted_test),
	KUNIT_CASE(smm_object_release_test),
	{}
};

static struct kunit_suite smm_object_suite = {
	.name = "shadowmm_object",
	.test_cases = smm_object_cases,
};

kunit_test_suites(&smm_object_suite);
