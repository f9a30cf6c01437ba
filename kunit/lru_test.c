// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the LRU lists of object pages (module/lru.c) on a private pool:
 * the three rules (access, second chance at the inactive tail, active
 * aging), the inactive-ratio rule, the per-CPU batches (nothing reaches
 * the lists before a batch is full, everything after a drain, a changed
 * batch size, a CPU going offline), frames leaving their object from a
 * batch or a list, faults counted as accesses, and validate's walk of
 * the lists a batch at a time.
 */

#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <shadowmm/debugfs.h>
#include <shadowmm/lru.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg lru_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

static struct smm_lruvec *smm_test_lruvec(struct smm_pool *pool)
{
	return &pool->zones.nodes[0].lruvec;
}

/* The frame behind page @index of an object file, or NULL. */
static struct smm_page *smm_test_frame(struct smm_pool *pool, struct file *file,
				       pgoff_t index)
{
	struct page *page = xa_load(&file->f_mapping->i_pages, index);

	if (!page || xa_is_value(page))
		return NULL;
	return smm_sfn_page(&pool->region, page_private(page));
}

/* Pages [first, first + n) of @file written, so they exist. */
static ssize_t smm_test_write_pages(struct file *file, pgoff_t first, unsigned int n)
{
	static const char zero[PAGE_SIZE];
	loff_t pos = (loff_t)first << PAGE_SHIFT;
	ssize_t done = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ssize_t ret = kernel_write(file, zero, PAGE_SIZE, &pos);

		if (ret != PAGE_SIZE)
			return ret < 0 ? ret : -EIO;
		done += ret;
	}
	return done;
}

static bool smm_test_flag(struct smm_page *frame, enum smm_pageflags bit)
{
	return smm_page_test(frame, bit);
}

/* Rule 1: an access sets referenced; a second one activates. */
static void smm_lru_access_rule_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	unsigned long activated = smm_event_sum(pool, SMM_PGACTIVATE);
	struct smm_page *frame;

	KUNIT_ASSERT_EQ(test, smm_test_write_pages(file, 0, 1), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	frame = smm_test_frame(pool, file, 0);
	KUNIT_ASSERT_NOT_NULL(test, frame);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_lru));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(frame, SMM_PG_active));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(frame, SMM_PG_referenced));
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 1UL);

	/* Inactive, referenced 0: only the bit. */
	smm_test_access(test, pool, file, 0, 1);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_referenced));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(frame, SMM_PG_active));
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE), activated);

	/* Inactive, referenced 1: to the active head, bit cleared. */
	smm_test_access(test, pool, file, 0, 1);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_active));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(frame, SMM_PG_referenced));
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 0UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 1UL);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&lruvec->active_list,
						   struct smm_page, lru), frame);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE), activated + 1);

	/* Active: an access sets the bit, the page stays. */
	smm_test_access(test, pool, file, 0, 1);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_active));
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_referenced));
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Rule 2: the inactive tail: referenced 0 is a candidate, 1 a second chance. */
static void smm_lru_second_chance_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	struct smm_page *f[4], *out[4] = { };
	unsigned int i, n;

	KUNIT_ASSERT_EQ(test, smm_test_write_pages(file, 0, 4), 4 * (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	for (i = 0; i < 4; i++) {
		f[i] = smm_test_frame(pool, file, i);
		KUNIT_ASSERT_NOT_NULL(test, f[i]);
	}
	/* Added at the head in order: page 0 is the tail. */
	KUNIT_ASSERT_PTR_EQ(test, list_last_entry(&lruvec->inactive_list,
						  struct smm_page, lru), f[0]);
	KUNIT_ASSERT_PTR_EQ(test, list_first_entry(&lruvec->inactive_list,
						   struct smm_page, lru), f[3]);
	smm_test_access(test, pool, file, 1, 1);

	n = smm_lru_isolate_inactive(pool, &pool->zones.nodes[0], 2, out);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_PTR_EQ(test, out[0], f[0]);
	KUNIT_EXPECT_FALSE(test, smm_test_flag(f[0], SMM_PG_lru));
	/* Page 1 rotated to the head with its bit cleared. */
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&lruvec->inactive_list,
						   struct smm_page, lru), f[1]);
	KUNIT_EXPECT_FALSE(test, smm_test_flag(f[1], SMM_PG_referenced));
	KUNIT_EXPECT_TRUE(test, smm_test_flag(f[1], SMM_PG_lru));
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 3UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* Next scan: page 2 is the tail now, unreferenced. */
	n = smm_lru_isolate_inactive(pool, &pool->zones.nodes[0], 1, out + 1);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_PTR_EQ(test, out[1], f[2]);

	smm_lru_putback(pool, out, 2);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 4UL);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(f[0], SMM_PG_lru));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Rule 3: active-tail referenced pages go round, the others deactivate. */
static void smm_lru_active_aging_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	unsigned long refill = smm_event_sum(pool, SMM_PGREFILL);
	unsigned long deact = smm_event_sum(pool, SMM_PGDEACTIVATE);
	struct smm_page *f[3];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, smm_test_write_pages(file, 0, 3), 3 * (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	for (i = 0; i < 3; i++) {
		f[i] = smm_test_frame(pool, file, i);
		KUNIT_ASSERT_NOT_NULL(test, f[i]);
		smm_test_access(test, pool, file, i, 1);
		smm_test_access(test, pool, file, i, 1);
		smm_lru_drain_all(pool);
	}
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 3UL);
	KUNIT_ASSERT_PTR_EQ(test, list_last_entry(&lruvec->active_list,
						  struct smm_page, lru), f[0]);
	smm_test_access(test, pool, file, 0, 1);
	KUNIT_ASSERT_TRUE(test, smm_test_flag(f[0], SMM_PG_referenced));

	KUNIT_EXPECT_EQ(test, smm_lru_age_active(pool, &pool->zones.nodes[0], 2), 1U);
	/* Page 0 back at the active head, bit cleared; page 1 deactivated. */
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&lruvec->active_list,
						   struct smm_page, lru), f[0]);
	KUNIT_EXPECT_FALSE(test, smm_test_flag(f[0], SMM_PG_referenced));
	KUNIT_EXPECT_TRUE(test, smm_test_flag(f[0], SMM_PG_active));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(f[1], SMM_PG_active));
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&lruvec->inactive_list,
						   struct smm_page, lru), f[1]);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 2UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGREFILL), refill + 2);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGDEACTIVATE), deact + 1);

	/* A batched deactivation of page 2. */
	lock_page(xa_load(&file->f_mapping->i_pages, 2));
	smm_lru_deactivate(pool, f[2]);
	unlock_page(xa_load(&file->f_mapping->i_pages, 2));
	KUNIT_EXPECT_TRUE(test, smm_test_flag(f[2], SMM_PG_active));
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_FALSE(test, smm_test_flag(f[2], SMM_PG_active));
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* inactive * int_sqrt(10 * GiB) < active, ratio 1 below 1 GiB. */
static void smm_lru_inactive_ratio_test(struct kunit *test)
{
	struct smm_node *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);
	const unsigned long gib = 1UL << (30 - PAGE_SHIFT);

	KUNIT_ASSERT_NOT_NULL(test, node);
	node->lruvec.nr_inactive = 10;
	node->lruvec.nr_active = 10;
	KUNIT_EXPECT_FALSE(test, smm_lru_inactive_is_low(node));
	node->lruvec.nr_active = 11;
	KUNIT_EXPECT_TRUE(test, smm_lru_inactive_is_low(node));
	/* 4 GiB: ratio int_sqrt(40) = 6; 1 GiB * 6 is not below 3 GiB. */
	node->lruvec.nr_inactive = gib;
	node->lruvec.nr_active = 3 * gib;
	KUNIT_EXPECT_FALSE(test, smm_lru_inactive_is_low(node));
	/* 10 GiB: ratio 10; 0.5 GiB * 10 is below 9.5 GiB. */
	node->lruvec.nr_inactive = gib / 2;
	node->lruvec.nr_active = 10 * gib - gib / 2;
	KUNIT_EXPECT_TRUE(test, smm_lru_inactive_is_low(node));
	node->lruvec.nr_inactive = gib;
	node->lruvec.nr_active = 9 * gib;
	KUNIT_EXPECT_FALSE(test, smm_lru_inactive_is_low(node));
}

struct smm_lru_fill {
	struct file *file;
	struct smm_lruvec *lruvec;
	pgoff_t next;
	unsigned int steps[4];
	unsigned long seen[4];
};

/* On one CPU: write steps[i] new pages, note the inactive count after each. */
static long smm_lru_fill_fn(void *arg)
{
	struct smm_lru_fill *f = arg;
	int i;

	for (i = 0; i < ARRAY_SIZE(f->steps) && f->steps[i]; i++) {
		ssize_t ret = smm_test_write_pages(f->file, f->next, f->steps[i]);

		if (ret < 0)
			return ret;
		f->next += f->steps[i];
		f->seen[i] = READ_ONCE(f->lruvec->nr_inactive);
	}
	return 0;
}

static int smm_test_other_cpu(void)
{
	int cpu, target = -1;

	for_each_online_cpu(cpu)
		if (cpu != 0)
			target = cpu;
	return target;
}

/* Nothing reaches the lists before 15 adds, all after a drain; then size 4. */
static void smm_lru_batch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct smm_lru_fill fill = {
		.file = smm_test_object_file(test, pool),
		.lruvec = smm_test_lruvec(pool),
		.steps = { 14, 1, 3 },
	};
	int cpu = raw_smp_processor_id();

	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, smm_lru_fill_fn, &fill), 0L);
	KUNIT_EXPECT_EQ(test, fill.seen[0], 0UL);
	KUNIT_EXPECT_EQ(test, fill.seen[1], 15UL);
	KUNIT_EXPECT_EQ(test, fill.seen[2], 15UL);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, fill.lruvec->nr_inactive, 18UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* Bad sizes change nothing. */
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_batch 0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_batch 64"), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "lru_batch x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->lru.batch_size), 15U);
	KUNIT_ASSERT_EQ(test, smm_knob_write(pool, "lru_batch 4\n"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->lru.batch_size), 4U);

	memset(fill.seen, 0, sizeof(fill.seen));
	fill.steps[0] = 3;
	fill.steps[1] = 1;
	fill.steps[2] = 0;
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, smm_lru_fill_fn, &fill), 0L);
	KUNIT_EXPECT_EQ(test, fill.seen[0], 18UL);
	KUNIT_EXPECT_EQ(test, fill.seen[1], 22UL);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "drain_lru 1"), 0);
	KUNIT_EXPECT_EQ(test, fill.lruvec->nr_inactive, 22UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* A CPU going offline hands its batches to the lists. */
static void smm_lru_cpu_offline_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct smm_lru_fill fill = {
		.file = smm_test_object_file(test, pool),
		.lruvec = smm_test_lruvec(pool),
		.steps = { 5 },
	};
	int target, ret;

	smm_test_require_cpu_hotplug(test);
	target = smm_test_other_cpu();
	KUNIT_ASSERT_GE(test, target, 1);
	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_lru_fill_fn, &fill), 0L);
	KUNIT_ASSERT_EQ(test, fill.seen[0], 0UL);
	KUNIT_ASSERT_EQ(test, (unsigned int)per_cpu_ptr(pool->lru.batch, target)->nr[SMM_LRU_BATCH_ADD],
			5U);

	ret = remove_cpu(target);
	if (ret)
		kunit_skip(test, "cannot take cpu %d offline: %d", target, ret);
	KUNIT_EXPECT_EQ(test, (unsigned int)per_cpu_ptr(pool->lru.batch, target)->nr[SMM_LRU_BATCH_ADD],
			0U);
	KUNIT_EXPECT_EQ(test, fill.lruvec->nr_inactive, 5UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, add_cpu(target), 0);
}

/*
 * Frames leaving their object are freed at once, wherever the LRU holds
 * them: on the inactive list, on the active list, or still in a CPU's
 * add batch (whose reference must not defer the free).
 */
static void smm_lru_leave_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct smm_lru_fill fill = {
		.file = smm_test_object_file(test, pool),
		.lruvec = smm_test_lruvec(pool),
		.steps = { 15 },
	};
	struct smm_object *obj = smm_file_object(fill.file);
	struct smm_lruvec *lruvec = fill.lruvec;
	unsigned long free = smm_pool_free_pages(pool);
	unsigned long deferred = smm_event_sum(pool, SMM_PINNED_DEFERRED);
	int cpu = raw_smp_processor_id();
	struct smm_lru_batch *b = per_cpu_ptr(pool->lru.batch, cpu);
	pgoff_t i;

	/* 15 adds on one CPU fill its batch: all reach the inactive list. */
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, smm_lru_fill_fn, &fill), 0L);
	KUNIT_ASSERT_EQ(test, fill.seen[0], 15UL);
	/* Two accesses each make pages 0 and 1 active. */
	for (i = 0; i < 2; i++) {
		smm_test_access(test, pool, fill.file, i, 1);
		smm_test_access(test, pool, fill.file, i, 1);
	}
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 2UL);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 13UL);
	/* Five more stay in that CPU's add batch, on no list yet. */
	fill.steps[0] = 5;
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, smm_lru_fill_fn, &fill), 0L);
	KUNIT_ASSERT_EQ(test, fill.seen[0], 13UL);
	KUNIT_ASSERT_EQ(test, (unsigned int)b->nr[SMM_LRU_BATCH_ADD], 5U);
	KUNIT_ASSERT_EQ(test, atomic_long_read(&pool->objects.nr_pages), 20L);

	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, 20 * PAGE_SIZE), 20L);
	/* Off both lists, out of the batch, and every frame free now. */
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 0UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 0UL);
	KUNIT_EXPECT_EQ(test, (unsigned int)b->nr[SMM_LRU_BATCH_ADD], 0U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PINNED_DEFERRED) - deferred, 0UL);
	KUNIT_EXPECT_EQ(test, smm_object_pinned_pages(pool), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->objects.nr_pages), 0L);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free);
	/* A later drain finds nothing to add. */
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive + lruvec->nr_active, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Faults on resident pages (fault-around included) count as accesses. */
static void smm_lru_fault_access_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	unsigned long addr = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE,
					   PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	char __user *p = (char __user *)addr;
	struct smm_page *frame;
	char c;

	KUNIT_ASSERT_TRUE_MSG(test, addr && !IS_ERR_VALUE(addr), "mmap: %ld", (long)addr);
	/* First touch makes the page: no access yet. */
	KUNIT_EXPECT_EQ(test, get_user(c, p + PAGE_SIZE), 0);
	smm_lru_drain_all(pool);
	frame = smm_test_frame(pool, file, 1);
	KUNIT_EXPECT_NOT_NULL(test, frame);
	if (!frame)
		return;
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_lru));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(frame, SMM_PG_referenced));

	/* Zapped and touched again: a minor fault on a resident page. */
	unmap_mapping_range(file->f_mapping, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, get_user(c, p + PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_referenced));
	KUNIT_EXPECT_FALSE(test, smm_test_flag(frame, SMM_PG_active));

	/* Once more, a write this time: activated at the next drain. */
	unmap_mapping_range(file->f_mapping, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, put_user(c, p + PAGE_SIZE), 0);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_TRUE(test, smm_test_flag(frame, SMM_PG_active));
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define SMM_TEST_LRU_PAGES	(2 * SMM_WALK_BATCH + 9)

/*
 * A user decides how many pages are on the LRU lists, up to the region:
 * validate walks them, and every frame of the node, a batch of
 * SMM_WALK_BATCH at a time, and stays exact across the batches: a list
 * count one off is still found.
 */
static void smm_lru_validate_batched_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	unsigned long *nr;
	unsigned int max;

	KUNIT_ASSERT_EQ(test, smm_test_write_pages(file, 0, SMM_TEST_LRU_PAGES),
			(ssize_t)SMM_TEST_LRU_PAGES * PAGE_SIZE);
	smm_lru_drain_all(pool);
	nr = lruvec->nr_inactive >= lruvec->nr_active ? &lruvec->nr_inactive :
							&lruvec->nr_active;
	KUNIT_ASSERT_GT(test, READ_ONCE(*nr), (unsigned long)SMM_WALK_BATCH);

	smm_test_walk_max(lruvec, true);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	max = smm_test_walk_max(lruvec, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);

	/* One off: the list against its count, the marked frames against all. */
	spin_lock(&lruvec->lock);
	(*nr)++;
	spin_unlock(&lruvec->lock);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 2U);
	spin_lock(&lruvec->lock);
	(*nr)--;
	spin_unlock(&lruvec->lock);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_LE(test, smm_test_walk_max(lruvec, false),
			(unsigned int)SMM_WALK_BATCH);
}

/* PG_mlocked of pages [0, @n) of @file set or cleared, as mlock() would. */
static void smm_test_set_mlocked(struct file *file, unsigned long n, bool on)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page *page = xa_load(&file->f_mapping->i_pages, i);
		struct folio *folio = page_folio(page);

		if (on)
			folio_set_mlocked(folio);
		else
			folio_clear_mlocked(folio);
	}
}

/* No page goes back to the kernel with the flag, whatever the case did. */
static void smm_test_clear_mlocked(void *file)
{
	struct address_space *mapping = ((struct file *)file)->f_mapping;
	unsigned long index;
	struct page *page;

	xa_for_each(&mapping->i_pages, index, page)
		if (!xa_is_value(page))
			folio_clear_mlocked(page_folio(page));
}

/*
 * meminfo's Mlocked walks the unevictable lists, whose length a user
 * decides (mlock() of an object mapping, up to the region): a batch of
 * SMM_WALK_BATCH entries at a time under the LRU lock, and still exact.
 */
static void smm_lru_mlocked_batched_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lru_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	unsigned int max;
	unsigned long i;

	KUNIT_ASSERT_EQ(test, smm_test_write_pages(file, 0, SMM_TEST_LRU_PAGES),
			(ssize_t)SMM_TEST_LRU_PAGES * PAGE_SIZE);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_clear_mlocked, file), 0);
	smm_test_set_mlocked(file, SMM_TEST_LRU_PAGES, true);
	for (i = 0; i < SMM_TEST_LRU_PAGES; i++) {
		struct smm_page *frame = smm_test_lock_frame(test, pool, file, i);

		smm_lru_mlock(pool, frame);
		smm_test_unlock_frame(file, i);
	}
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, READ_ONCE(lruvec->nr_unevictable),
			(unsigned long)SMM_TEST_LRU_PAGES);

	smm_test_walk_max(lruvec, true);
	KUNIT_EXPECT_EQ(test, smm_lru_mlocked_pages(pool), (unsigned long)SMM_TEST_LRU_PAGES);
	max = smm_test_walk_max(lruvec, true);
	KUNIT_EXPECT_GT(test, max, 0U);
	KUNIT_EXPECT_LE(test, max, (unsigned int)SMM_WALK_BATCH);

	/* Munlocked by the kernel, still on the list: counted no more. */
	smm_test_set_mlocked(file, SMM_TEST_LRU_PAGES / 2, false);
	KUNIT_EXPECT_EQ(test, smm_lru_mlocked_pages(pool),
			(unsigned long)(SMM_TEST_LRU_PAGES - SMM_TEST_LRU_PAGES / 2));
	smm_test_set_mlocked(file, SMM_TEST_LRU_PAGES, false);
	KUNIT_EXPECT_EQ(test, smm_lru_mlocked_pages(pool), 0UL);
	KUNIT_EXPECT_LE(test, smm_test_walk_max(lruvec, false),
			(unsigned int)SMM_WALK_BATCH);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_lru_cases[] = {
	KUNIT_CASE(smm_lru_access_rule_test),
	KUNIT_CASE(smm_lru_second_chance_test),
	KUNIT_CASE(smm_lru_active_aging_test),
	KUNIT_CASE(smm_lru_inactive_ratio_test),
	KUNIT_CASE(smm_lru_batch_test),
	KUNIT_CASE(smm_lru_cpu_offline_test),
	KUNIT_CASE(smm_lru_leave_test),
	KUNIT_CASE(smm_lru_fault_access_test),
	KUNIT_CASE(smm_lru_validate_batched_test),
	KUNIT_CASE(smm_lru_mlocked_batched_test),
	{}
};

static struct kunit_suite smm_lru_suite = {
	.name = "shadowmm_lru",
	.test_cases = smm_lru_cases,
};

kunit_test_suites(&smm_lru_suite);
