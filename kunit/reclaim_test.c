// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: reclaim (module/reclaim.c) and the eviction and swap-in paths
 * (module/evict.c, module/object.c) on a private pool with a compressed
 * backing store: kswapd wakes when a zone falls below low and stops once
 * above high; direct reclaim lets writes go past the region and counts
 * stalls; an evicted page comes back byte-identical as a major fault;
 * with region and store full a write fails and nothing stored is lost,
 * and kswapd gives up instead of spinning; a damaged slot fails its page
 * (EIO, SIGBUS) and no other, and a read a fatal signal ended fails
 * with EINTR and loses nothing; a refault within the refault distance
 * activates, one beyond does not, and a cycle longer than the inactive
 * list but within reach stops refaulting once stale active pages made
 * room for it; the active list is aged when the inactive one is too
 * short and only then; a victim whose mapping mlock() locked after its
 * verdict is not evicted; shadow entries without a slot are trimmed;
 * kmalloc reclaims on every path when it may sleep and on none when it
 * may not; a task being killed reclaims nothing.  The store's own round
 * trip, full and corrupt cases are in the shadowmm_swap suite, the
 * distance arithmetic in shadowmm_workingset.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/zsmalloc.h>

#include <shadowmm/compat.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/slab.h>
#include <shadowmm/swap.h>
#include <trace/events/shadowmm.h>

#include "smm_test.h"

/* 1024 frames, one zone; a store of twice that. */
static const struct smm_test_pool_cfg reclaim_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 2048,
};

static ssize_t smm_test_write_page(struct file *file, u8 *buf, unsigned long index)
{
	loff_t pos = (loff_t)index << PAGE_SHIFT;

	smm_test_pattern(buf, index);
	return kernel_write(file, buf, PAGE_SIZE, &pos);
}

/* Pages @i.. written until one fails or @end; returns where it stopped. */
static unsigned long smm_test_fill(struct file *file, u8 *buf, unsigned long i,
				   unsigned long end, ssize_t *ret)
{
	for (; i < end; i++) {
		*ret = smm_test_write_page(file, buf, i);
		if (*ret != PAGE_SIZE)
			break;
	}
	return i;
}

/* Page @index read back: 0 when it has its pattern, else an error. */
static int smm_test_check_page(struct file *file, u8 *buf, u8 *want,
			       unsigned long index)
{
	loff_t pos = (loff_t)index << PAGE_SHIFT;
	ssize_t ret = kernel_read(file, buf, PAGE_SIZE, &pos);

	if (ret != PAGE_SIZE)
		return ret < 0 ? ret : -EIO;
	smm_test_pattern(want, index);
	return memcmp(buf, want, PAGE_SIZE) ? -EILSEQ : 0;
}

static struct smm_kswapd *smm_test_kswapd(struct smm_pool *pool)
{
	/* The test's own pool: its threads outlive every use here. */
	return &rcu_dereference_protected(pool->reclaim.kswapd, true)[0];
}

/* Watermarks far enough apart to see where kswapd starts and stops. */
static void smm_test_watermarks(struct kunit *test, struct smm_pool *pool)
{
	KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 400), 0);
	KUNIT_ASSERT_EQ(test, smm_pool_set_watermark_scale_factor(pool, 1000), 0);
}

/* kswapd sleeps until a write takes the zone below low, then reclaims to high. */
static void smm_reclaim_kswapd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_kswapd *k = smm_test_kswapd(pool);
	unsigned long low, high, free, i;
	long waking = -1;
	u8 *buf = smm_test_buf(test);

	smm_test_watermarks(test, pool);
	low = zone->watermark[SMM_WMARK_LOW];
	high = zone->watermark[SMM_WMARK_HIGH];
	KUNIT_ASSERT_GT(test, high, low + SMM_RECLAIM_BATCH);

	for (i = 0; i < zone->managed; i++) {
		free = smm_zone_free(zone);
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
		if (atomic_long_read(&k->wakeups)) {
			waking = free;
			break;
		}
	}
	/* Woken by the allocation that went below low, not before, not after. */
	KUNIT_ASSERT_GE(test, waking, 0L);
	KUNIT_EXPECT_EQ(test, (unsigned long)waking, low);

	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	free = smm_zone_free(zone);
	KUNIT_EXPECT_GT(test, free, high);
	KUNIT_EXPECT_LE(test, free, high + SMM_RECLAIM_BATCH + 1);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_PGSTEAL_KSWAPD), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_KSWAPD),
			smm_event_sum(pool, SMM_PSWPOUT));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&k->wakeups), 1L);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Without kswapd, writes past the region reclaim directly; all reads back. */
static void smm_reclaim_direct_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long i, n = 2 * zone->managed;
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);

	smm_reclaim_pool_destroy(pool);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ_MSG(test, smm_test_write_page(file, buf, i),
				    (ssize_t)PAGE_SIZE, "page %lu", i);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_ALLOCSTALL_HIGH), 0UL);
	KUNIT_EXPECT_GE(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT),
			n - zone->managed);
	KUNIT_EXPECT_GE(test, smm_event_sum(pool, SMM_PGSCAN_DIRECT),
			smm_event_sum(pool, SMM_PGSTEAL_DIRECT));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_KSWAPD), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ_MSG(test, smm_test_check_page(file, buf, want, i), 0,
				    "page %lu", i);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_PSWPIN), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define NR_MAPPED	8

/* Evicted while mapped, a page comes back through a major fault, intact. */
static void smm_reclaim_major_fault_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long addr, i, tries;
	char __user *p;

	addr = kunit_vm_mmap(test, file, 0, NR_MAPPED * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	for (i = 0; i < NR_MAPPED; i++) {
		smm_test_pattern(want, i);
		KUNIT_EXPECT_EQ(test, copy_to_user(p + i * PAGE_SIZE, want, PAGE_SIZE), 0UL);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)NR_MAPPED);

	/* Young ptes earn each page a second chance first. */
	for (tries = 0; tries < 8 && atomic_long_read(&obj->resident); tries++)
		smm_reclaim_pages(pool, NR_MAPPED);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 0L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT), (unsigned long)NR_MAPPED);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MAJOR]), 0L);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	for (i = 0; i < NR_MAPPED; i++) {
		smm_test_pattern(want, i);
		KUNIT_EXPECT_EQ(test, copy_from_user(buf, p + i * PAGE_SIZE, PAGE_SIZE), 0UL);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(buf, want, PAGE_SIZE), 0, "page %lu", i);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_MAJOR]),
			(long)NR_MAPPED);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPIN), (unsigned long)NR_MAPPED);
	/* Every slot was freed on the way back. */
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(&pool->swap), pool->swap.nr_slots);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, NR_MAPPED * PAGE_SIZE);
}

/*
 * Region and store full: the next write fails, kswapd gives up rather
 * than spin, and once some room is made every page written reads back.
 */
static void smm_reclaim_store_full_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
		.pcp_off = true, .swap_pages = 64,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long i, n, kept;
	ssize_t ret = 0;

	i = smm_test_fill(file, buf, 0, 2 * zone->managed, &ret);
	KUNIT_EXPECT_EQ(test, ret, (ssize_t)-ENOSPC);
	/*
	 * Free slabs given back after that failure (kswapd's run, the
	 * pressure shrink work) are room again: use it up first.
	 */
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	i = smm_test_fill(file, buf, i, 2 * zone->managed, &ret);
	n = i;
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(&pool->swap), 0UL);
	KUNIT_EXPECT_GE(test, n, zone->managed - zone->watermark[SMM_WMARK_MIN]);
	KUNIT_EXPECT_LE(test, n, zone->managed + 64);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_PSWPOUT), 0UL);

	/* kswapd stops trying: asleep, having given up, no longer scanning. */
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_KSWAPD_GIVEUP), 0UL);
	i = smm_event_sum(pool, SMM_PGSCAN_KSWAPD);
	KUNIT_EXPECT_EQ(test, smm_test_write_page(file, buf, n), (ssize_t)-ENOSPC);
	msleep(100);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSCAN_KSWAPD), i);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* Room again: the newest quarter goes (resident pages, some slots). */
	kept = n - n / 4;
	KUNIT_ASSERT_EQ(test, smm_object_set_limit(obj, (loff_t)kept << PAGE_SHIFT), 0);
	for (i = 0; i < kept; i++)
		KUNIT_ASSERT_EQ_MSG(test, smm_test_check_page(file, buf, want, i), 0,
				    "page %lu of %lu", i, kept);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define NR_KEPT_MAPPED	16

/*
 * With the store full, pages with data keep their ptes: a reclaim pass
 * that finds no slot for them takes none out, and their users take no
 * fault.  A batch of victims was unmapped together before the first of
 * them found the store full, and kept unmapped.
 */
static void smm_reclaim_store_full_keeps_ptes_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
		.pcp_off = true, .swap_pages = 8,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long addr, i, tries, scanned, evicted = 0, mapped = 0;
	char __user *p;

	/* The store filled by pages nobody maps. */
	for (i = 0; i < pool->swap.nr_slots; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	for (tries = 0; tries < 8 && smm_swap_free_slots(&pool->swap); tries++)
		smm_reclaim_pages(pool, pool->swap.nr_slots);
	KUNIT_ASSERT_EQ(test, smm_swap_free_slots(&pool->swap), 0UL);

	addr = kunit_vm_mmap(test, file, 0, NR_KEPT_MAPPED * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 8 * PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	for (i = 0; i < NR_KEPT_MAPPED; i++) {
		smm_test_pattern(want, 8 + i);
		KUNIT_ASSERT_EQ(test, copy_to_user(p + i * PAGE_SIZE, want, PAGE_SIZE), 0UL);
	}
	/* Passes enough to make every pte old and every page a victim. */
	scanned = smm_event_sum(pool, SMM_PGSCAN_DIRECT);
	for (tries = 0; tries < 8; tries++)
		evicted += smm_reclaim_pages(pool, NR_KEPT_MAPPED);
	/* They were looked at: reclaim did not stop short of them. */
	KUNIT_EXPECT_GE(test, smm_event_sum(pool, SMM_PGSCAN_DIRECT) - scanned,
			(unsigned long)NR_KEPT_MAPPED);
	for (i = 0; i < NR_KEPT_MAPPED; i++) {
		struct folio *folio = filemap_get_folio(file->f_mapping, 8 + i);

		KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
		mapped += folio_mapped(folio);
		folio_put(folio);
	}
	KUNIT_EXPECT_EQ(test, evicted, 0UL);
	KUNIT_EXPECT_EQ(test, mapped, (unsigned long)NR_KEPT_MAPPED);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	for (i = 0; i < NR_KEPT_MAPPED; i++) {
		smm_test_pattern(want, 8 + i);
		KUNIT_EXPECT_EQ(test, copy_from_user(buf, p + i * PAGE_SIZE, PAGE_SIZE), 0UL);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(buf, want, PAGE_SIZE), 0, "page %lu", 8 + i);
	}
	vm_munmap(addr, NR_KEPT_MAPPED * PAGE_SIZE);
}

/* Damage the stored copy of page @index (evicted, holding a slot). */
static void smm_test_corrupt_page(struct kunit *test, struct smm_pool *pool,
				  struct file *file, pgoff_t index)
{
	void *shadow = smm_object_shadow(smm_file_object(file), index);
	struct smm_swap_slot *s;
	u32 slot;

	KUNIT_ASSERT_TRUE(test, xa_is_value(shadow));
	slot = smm_workingset_slot(shadow);
	KUNIT_ASSERT_NE(test, slot, SMM_SWAP_NONE);
	s = &pool->swap.slots[slot - 1];
#if IS_ENABLED(CONFIG_ZSMALLOC)
	{
		u8 *data = zs_map_object(pool->swap.zpool, s->handle, ZS_MM_RW);

		data[s->len / 2] ^= 0xff;
		zs_unmap_object(pool->swap.zpool, s->handle);
	}
#else
	((u8 *)s->handle)[s->len / 2] ^= 0xff;
#endif
}

/* A damaged slot loses its page loudly (EIO, SIGBUS) and no other. */
static void smm_reclaim_corrupt_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long addr, i;
	loff_t pos;
	char c;

	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 4), 4UL);
	smm_test_corrupt_page(test, pool, file, 1);

	pos = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, PAGE_SIZE, &pos), (ssize_t)-EIO);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->swap.corrupt), 1L);
	for (i = 0; i < 4; i += 2)
		KUNIT_EXPECT_EQ_MSG(test, smm_test_check_page(file, buf, want, i), 0,
				    "page %lu", i);
	KUNIT_EXPECT_EQ(test, smm_test_check_page(file, buf, want, 3), 0);
	/* Still lost, still its slot: validate agrees. */
	KUNIT_EXPECT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 1)));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	addr = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)addr + PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->faults[SMM_FAULT_SIGBUS]), 1L);
	KUNIT_EXPECT_EQ(test, get_user(c, (char __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, c, 1);
	vm_munmap(addr, 4 * PAGE_SIZE);
}

/*
 * The store's read, ended as a swap file's can end without losing the page:
 * by a signal (a disk file system on a fatal one, FUSE on any, NFS with a
 * restart code), or with no folio for its page cache (no memory, or the
 * reader's memory cgroup at its limit).
 */
static const int smm_test_swapin_errors[] = { -EINTR, -ERESTARTSYS, -ENOMEM };
static int smm_test_swapin_error;

static int smm_test_swap_read_fails(struct smm_swap *swap, u32 slot, void *dst)
{
	return smm_test_swapin_error;
}

static void smm_test_swapin_error_desc(const int *err, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", *err == -EINTR ? "EINTR" :
		 *err == -ERESTARTSYS ? "ERESTARTSYS" : "ENOMEM");
}
KUNIT_ARRAY_PARAM(smm_test_swapin_error, smm_test_swapin_errors, smm_test_swapin_error_desc);

/* Calls of the stub below, and the error it gives. */
static atomic_t smm_test_write_calls;
static int smm_test_write_error;

/* In place of smm_swap_write_memcg(): a store whose every write fails. */
static int smm_test_swap_write_fails(struct smm_swap *swap, const void *src, u32 *slot,
				     struct mem_cgroup *memcg)
{
	atomic_inc(&smm_test_write_calls);
	return smm_test_write_error;
}

/*
 * A store that refuses a write for a reason of its own (a swap file's
 * file system gone read-only or shut down: EROFS, EIO; stuck: EBUSY)
 * refuses the next page too: the pass ends at the first refusal, as on a full store, and
 * tries no other page.  Only ENOMEM (this owner's cgroup at its limit)
 * is the page's own, and reclaim goes on to other pages.  Every error
 * but ENOSPC used to go on, unmapping and copying page after page, the
 * passes repeated down to priority 0.
 */
static void smm_reclaim_store_error_ends_pass_test(struct kunit *test)
{
	static const int errors[] = { -EIO, -EROFS, -ENOSPC, -EBUSY, -ENOMEM };
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	const unsigned long n = 16;
	unsigned int i;

	smm_test_write_patterned(test, pool, file, 0, n);
	kunit_activate_static_stub(test, smm_swap_write_memcg, smm_test_swap_write_fails);
	for (i = 0; i < ARRAY_SIZE(errors); i++) {
		smm_test_write_error = errors[i];
		atomic_set(&smm_test_write_calls, 0);
		KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, n), 0UL);
		if (errors[i] == -ENOMEM)
			KUNIT_EXPECT_GE_MSG(test, atomic_read(&smm_test_write_calls), (int)n,
					    "error %d", errors[i]);
		else
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&smm_test_write_calls), 1,
					    "error %d", errors[i]);
	}
	kunit_deactivate_static_stub(test, smm_swap_write_memcg);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, i));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A swap-in whose read ended so lost nothing: the read() fails with that
 * errno (a restart code as EINTR: it must not leak), not EIO (a page lost),
 * nothing is counted as damaged, the page's shadow entry stays, and the
 * page comes back intact afterwards.
 */
static void smm_reclaim_swapin_not_lost_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	loff_t pos = 0;

	smm_test_swapin_error = *(const int *)test->param_value;
	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, 0), (ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	kunit_activate_static_stub(test, smm_swap_read, smm_test_swap_read_fails);
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, PAGE_SIZE, &pos),
			smm_test_swapin_error == -ERESTARTSYS ? (ssize_t)-EINTR :
			(ssize_t)smm_test_swapin_error);
	kunit_deactivate_static_stub(test, smm_swap_read);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->swap.corrupt), 0L);
	KUNIT_EXPECT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_test_check_page(file, buf, want, 0), 0);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPIN), 1UL);
}

/*
 * A kswapd that gave up on a full store takes wakes again once a swap-in
 * gives a slot back, as it does when a punch or direct reclaim frees
 * something: else it would sleep through the pressure that follows.
 */
static void smm_reclaim_swapin_rearms_kswapd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	struct smm_kswapd *k = smm_test_kswapd(pool);

	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, 0), (ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	/* As the store full made it: given up, wakes refused. */
	atomic_set(&k->failures, SMM_KSWAPD_MAX_FAILURES);
	KUNIT_EXPECT_EQ(test, smm_test_check_page(file, buf, want, 0), 0);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPIN), 1UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&k->failures), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* One ->read_iter (or ->write_iter) of a page at @pos with IOCB_NOWAIT. */
static ssize_t smm_test_nowait_io(struct file *file, void *buf, loff_t pos, bool write)
{
	struct kvec kv = { .iov_base = buf, .iov_len = PAGE_SIZE };
	struct iov_iter iter;
	struct kiocb kiocb;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = pos;
	kiocb.ki_flags |= IOCB_NOWAIT;
	iov_iter_kvec(&iter, write ? WRITE : READ, &kv, 1, PAGE_SIZE);
	if (write)
		return file->f_op->write_iter(&kiocb, &iter);
	return file->f_op->read_iter(&kiocb, &iter);
}

/*
 * io_uring reads and writes a file opened O_NONBLOCK with IOCB_NOWAIT,
 * inline in the submitter (or its SQPOLL thread), and asks again from a
 * worker that may wait when told -EAGAIN.  An evicted page would be read
 * back from the store, a locked page waited for and a new page allocated
 * with reclaim: each is -EAGAIN instead, and changes nothing.  A resident
 * page is served.
 */
static void smm_reclaim_nowait_io_never_waits_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	struct page *page;

	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, want, 0), (ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(obj, 0)));

	KUNIT_EXPECT_EQ(test, smm_test_nowait_io(file, buf, 0, false), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, smm_test_nowait_io(file, buf, 0, true), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPIN), 0UL);
	KUNIT_EXPECT_TRUE(test, xa_is_value(smm_object_shadow(obj, 0)));
	/* Past the end of what exists: a write would make a page. */
	KUNIT_EXPECT_EQ(test, smm_test_nowait_io(file, buf, PAGE_SIZE, true), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, i_size_read(obj->inode), (loff_t)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), 0L);

	/* Back, then locked by another: still no wait. */
	KUNIT_ASSERT_EQ(test, smm_test_check_page(file, buf, want, 0), 0);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page));
	lock_page(page);
	KUNIT_EXPECT_EQ(test, smm_test_nowait_io(file, buf, 0, false), (ssize_t)-EAGAIN);
	unlock_page(page);
	memset(buf, 0, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, smm_test_nowait_io(file, buf, 0, false), (ssize_t)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A balance pass that fails while a slot is freed does not give
 * up: the note of that progress may have found the failures still below
 * the limit and left them, and a kswapd that gave up after it would refuse
 * every wake with a slot free.  With nothing noted, the same pass gives up.
 */
static void smm_reclaim_progress_during_a_pass_keeps_kswapd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_kswapd *k = smm_test_kswapd(pool);
	int progress;

	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	atomic_set(&k->failures, 0);
	progress = atomic_read(&k->progress);
	smm_reclaim_note_progress(pool);
	KUNIT_EXPECT_FALSE(test, smm_kswapd_give_up(k, true, progress));
	KUNIT_EXPECT_EQ(test, atomic_read(&k->failures), 0);

	progress = atomic_read(&k->progress);
	KUNIT_EXPECT_TRUE(test, smm_kswapd_give_up(k, true, progress));
	KUNIT_EXPECT_GE(test, atomic_read(&k->failures), SMM_KSWAPD_MAX_FAILURES);
	smm_reclaim_note_progress(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&k->failures), 0);
}

/*
 * A kswapd that gave up takes wakes again for good when a punch frees
 * store slots, but for one pass only when it frees resident pages:
 * freeing makes nothing evictable, and reset as progress, every punch
 * kept a kswapd with nothing to reclaim scanning for as long as a task
 * faulted and punched a page in a loop.
 */
static void smm_reclaim_frees_keep_kswapd_given_up_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_kswapd *k = smm_test_kswapd(pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test);
	unsigned long tries;

	/* Page 1 evicted, holding a slot; page 0 resident. */
	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, 1), (ssize_t)PAGE_SIZE);
	for (tries = 0; tries < 8 && atomic_long_read(&obj->resident); tries++)
		smm_reclaim_pages(pool, 1);
	KUNIT_ASSERT_EQ(test, atomic_long_read(&obj->resident), 0L);
	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, 0), (ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_swap_free_slots(&pool->swap), pool->swap.nr_slots - 1);
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));

	/* Given up; a resident page punched: wakes taken, for one pass. */
	atomic_set(&k->failures, SMM_KSWAPD_MAX_FAILURES);
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, PAGE_SIZE), 1L);
	KUNIT_EXPECT_EQ(test, atomic_read(&k->failures), SMM_KSWAPD_MAX_FAILURES - 1);
	KUNIT_EXPECT_TRUE(test, smm_kswapd_give_up(k, false, atomic_read(&k->progress)));

	/* The evicted page punched: its slot revives kswapd. */
	smm_object_punch(obj, PAGE_SIZE, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(&pool->swap), pool->swap.nr_slots);
	KUNIT_EXPECT_EQ(test, atomic_read(&k->failures), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* What smm_reclaim_destroy_waits_for_a_waker_test()'s probe saw. */
struct smm_wake_beside_destroy {
	struct smm_pool *pool;
	struct task_struct *waker;
	struct task_struct *destroyer;
	struct completion destroyed;
	bool probed;
	bool destroyed_meanwhile;
};

/* Stops the pool's kswapds, then waits to be stopped itself. */
static int smm_test_destroyer_fn(void *arg)
{
	struct smm_wake_beside_destroy *ctx = arg;

	smm_reclaim_pool_destroy(ctx->pool);
	complete(&ctx->destroyed);
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * On the kswapd_wake tracepoint, in the waker, its kswapd in hand: start
 * the destruction on another CPU and give it two seconds to end.
 */
static void smm_test_probe_destroy_beside(void *data, int nid, int zone_type, int order)
{
	struct smm_wake_beside_destroy *ctx = data;
	unsigned long deadline = jiffies + 2 * HZ;

	/* Only the test's own wake: the module's pool may wake its kswapd too. */
	if (current != ctx->waker || ctx->probed)
		return;
	ctx->probed = true;
	wake_up_process(ctx->destroyer);
	while (!completion_done(&ctx->destroyed) && time_before(jiffies, deadline))
		udelay(100);
	ctx->destroyed_meanwhile = completion_done(&ctx->destroyed);
}

/*
 * A wake runs wherever the allocator does, beside a test or the pool's
 * teardown stopping the kswapds.  The destruction must not free a kswapd
 * a waker still holds: it waits for the waker to let go.
 */
static void smm_reclaim_destroy_waits_for_a_waker_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_kswapd *k = smm_test_kswapd(pool);
	struct smm_wake_beside_destroy ctx = { .pool = pool, .waker = current };
	u8 *buf = smm_test_buf(test);
	unsigned long i, high;
	int other;

	/* Between low and high: not balanced, and no allocation woke it. */
	smm_test_watermarks(test, pool);
	high = zone->watermark[SMM_WMARK_HIGH];
	for (i = 0; smm_zone_free(zone) >= high; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_GT(test, smm_zone_free(zone), zone->watermark[SMM_WMARK_LOW]);
	KUNIT_ASSERT_EQ(test, atomic_long_read(&k->wakeups), 0L);

	/* The destroyer on another CPU than the waker's, which spins. */
	init_completion(&ctx.destroyed);
	migrate_disable();
	other = cpumask_any_but(cpu_online_mask, smp_processor_id());
	if (other >= nr_cpu_ids) {
		migrate_enable();
		kunit_skip(test, "needs two online CPUs");
	}
	ctx.destroyer = kthread_create(smm_test_destroyer_fn, &ctx, "smm_destroyer");
	if (IS_ERR(ctx.destroyer)) {
		migrate_enable();
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(ctx.destroyer));
		return;
	}
	kthread_bind(ctx.destroyer, other);
	get_task_struct(ctx.destroyer);
	if (register_trace_shadowmm_kswapd_wake(smm_test_probe_destroy_beside, &ctx)) {
		migrate_enable();
		kthread_stop(ctx.destroyer);
		put_task_struct(ctx.destroyer);
		KUNIT_FAIL(test, "cannot probe shadowmm_kswapd_wake");
		return;
	}
	smm_kswapd_wake(pool, zone, 0, zone->type);
	migrate_enable();
	unregister_trace_shadowmm_kswapd_wake(smm_test_probe_destroy_beside, &ctx);
	tracepoint_synchronize_unregister();

	if (!ctx.probed) {
		/* Never woken: the destroyer never ran, and is stopped unstarted. */
		kthread_stop(ctx.destroyer);
		put_task_struct(ctx.destroyer);
		KUNIT_FAIL(test, "the wake never reached the tracepoint");
		return;
	}
	KUNIT_EXPECT_FALSE(test, ctx.destroyed_meanwhile);
	/* Let go of, the destruction ends. */
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&ctx.destroyed, 30 * HZ), 0UL);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(pool->reclaim.kswapd));
	kthread_stop(ctx.destroyer);
	put_task_struct(ctx.destroyer);
	/* Without kswapd a wake and a note find nothing to touch. */
	smm_kswapd_wake(pool, zone, 0, zone->type);
	smm_reclaim_note_progress(pool);
	KUNIT_EXPECT_TRUE(test, smm_kswapd_idle(pool, 0));
}

static bool smm_test_active(struct smm_pool *pool, struct file *file, pgoff_t index)
{
	struct page *page = xa_load(&file->f_mapping->i_pages, index);

	if (!page || xa_is_value(page))
		return false;
	smm_lru_drain_all(pool);
	return smm_page_test(smm_sfn_page(&pool->region, page_private(page)),
			     SMM_PG_active);
}

/* Make page @index active: two accesses. */
static void smm_test_activate(struct smm_pool *pool, struct file *file, pgoff_t index)
{
	struct page *page = xa_load(&file->f_mapping->i_pages, index);
	struct smm_page *frame = smm_sfn_page(&pool->region, page_private(page));

	lock_page(page);
	smm_lru_mark_accessed(pool, frame);
	smm_lru_mark_accessed(pool, frame);
	unlock_page(page);
}

/*
 * Pages 0..23 inactive, 24..31 active.  Page 0 evicted and read straight
 * back (distance 0) is activated; page 1 evicted, then 11 more, is 11
 * away with 9 pages active: it comes back inactive.
 */
static void smm_reclaim_refault_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long i;

	for (i = 0; i < 32; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	for (i = 24; i < 32; i++)
		smm_test_activate(pool, file, i);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, pool->zones.nodes[0].lruvec.nr_active, 8UL);

	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	KUNIT_EXPECT_EQ(test, smm_test_check_page(file, buf, want, 0), 0);
	KUNIT_EXPECT_TRUE(test, smm_test_active(pool, file, 0));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE), 1UL);

	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 1)));
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 11), 11UL);
	KUNIT_EXPECT_EQ(test, smm_test_check_page(file, buf, want, 1), 0);
	KUNIT_EXPECT_FALSE(test, smm_test_active(pool, file, 1));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_REFAULT), 2UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct smm_lruvec *smm_test_lruvec(struct smm_pool *pool)
{
	return &pool->zones.nodes[0].lruvec;
}

/* Pages 0..63 of @file written, those from @first_active on made active. */
static void smm_test_lists(struct kunit *test, struct smm_pool *pool,
			   struct file *file, u8 *buf, unsigned long first_active)
{
	unsigned long i;

	for (i = 0; i < 64; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	for (i = first_active; i < 64; i++)
		smm_test_activate(pool, file, i);
	smm_lru_drain_all(pool);
}

/*
 * Every object page active, the inactive list empty: reclaim ages the
 * active list before it shrinks the inactive one.  64 pages, each made
 * active by two accesses (which spends its referenced bit); a reclaim of
 * 8 finds the inactive list too short (0 < 64), ages one batch of the
 * active tail (SMM_RECLAIM_BATCH pages looked at, none referenced, all
 * deactivated) and then evicts 8 of those from the inactive tail.
 */
static void smm_reclaim_ages_all_active_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	u8 *buf = smm_test_buf(test);
	unsigned long refill, deact, out;

	BUILD_BUG_ON(SMM_RECLAIM_BATCH < 8 || SMM_RECLAIM_BATCH > 64);
	smm_reclaim_pool_destroy(pool);
	smm_test_lists(test, pool, file, buf, 0);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 64UL);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 0UL);
	refill = smm_event_sum(pool, SMM_PGREFILL);
	deact = smm_event_sum(pool, SMM_PGDEACTIVATE);
	out = smm_event_sum(pool, SMM_PSWPOUT);

	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, 8), 8UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGREFILL) - refill,
			(unsigned long)SMM_RECLAIM_BATCH);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGDEACTIVATE) - deact,
			(unsigned long)SMM_RECLAIM_BATCH);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT) - out, 8UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 64UL - SMM_RECLAIM_BATCH);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, SMM_RECLAIM_BATCH - 8UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smm_file_object(file)->resident), 56L);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * The active list is aged only while the inactive one is too short
 * (inactive * 1 < active in a pool under 1 GiB).  Pages 0..55 inactive,
 * 56..63 active: evicting 48 leaves 8 and 8 and never touches the active
 * list, nor does one more eviction at 8 against 8; the next, at 7 against
 * 8, ages it (all 8 unreferenced: deactivated) before it evicts.
 */
static void smm_reclaim_ages_only_when_low_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	u8 *buf = smm_test_buf(test);
	unsigned long i, refill, deact;

	smm_reclaim_pool_destroy(pool);
	smm_test_lists(test, pool, file, buf, 56);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 8UL);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 56UL);
	refill = smm_event_sum(pool, SMM_PGREFILL);
	deact = smm_event_sum(pool, SMM_PGDEACTIVATE);

	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, 48), 48UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGREFILL), refill);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGDEACTIVATE), deact);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 8UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 8UL);
	for (i = 56; i < 64; i++)
		KUNIT_EXPECT_TRUE_MSG(test, smm_test_active(pool, file, i), "page %lu", i);

	/* 8 against 8 is not too short. */
	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGREFILL), refill);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 7UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 8UL);

	/* 7 against 8 is. */
	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGREFILL) - refill, 8UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGDEACTIVATE) - deact, 8UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_active, 0UL);
	KUNIT_EXPECT_EQ(test, lruvec->nr_inactive, 14UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Pages @first..@end - 1 of @file held, as a pipe's buffer holds a page. */
static void smm_test_hold(struct kunit *test, struct file *file, struct page **held,
			  unsigned long first, unsigned long end)
{
	unsigned long i;

	for (i = first; i < end; i++) {
		held[i - first] = xa_load(&file->f_mapping->i_pages, i);
		KUNIT_ASSERT_NOT_NULL(test, held[i - first]);
		get_page(held[i - first]);
	}
}

static void smm_test_release(struct page **held, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		put_page(held[i]);
}

/*
 * An inactive list reclaim can never evict (every page held) and no
 * shorter than the active one: the lists' ratio never asks for aging, so
 * only the pass at priority 0, which ages the active list whatever the
 * ratio, as the kernel forces deactivation after a run that reclaimed
 * nothing, reaches the pages behind it.  Pages 0..39 inactive and held,
 * 40..63 active: that pass deactivates the 24, rotates the 40 held ones
 * past them and evicts all 24.
 */
static void smm_reclaim_held_inactive_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	u8 *buf = smm_test_buf(test);
	struct page *held[40];
	unsigned long deact;

	smm_reclaim_pool_destroy(pool);
	smm_test_lists(test, pool, file, buf, 40);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 40UL);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, 24UL);
	KUNIT_ASSERT_FALSE(test, smm_lru_inactive_is_low(&pool->zones.nodes[0]));
	smm_test_hold(test, file, held, 0, 40);
	deact = smm_event_sum(pool, SMM_PGDEACTIVATE);

	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, SMM_RECLAIM_BATCH), 24UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGDEACTIVATE) - deact, 24UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smm_file_object(file)->resident), 40L);
	smm_test_release(held, 40);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Under mglru, pages reclaim kept (here held) go to the youngest
 * generation, not back to the oldest: more than a batch of them there
 * would be all that eviction ever found, the oldest generation would
 * never empty and min_seq would never move on to the pages behind it.
 * Pages 0..39, held, in the oldest generation; 40..63 in the next one.
 */
static void smm_reclaim_held_oldest_gen_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	u8 *buf = smm_test_buf(test);
	struct page *held[40];
	unsigned long i, min_seq;

	smm_reclaim_pool_destroy(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), 0);
	for (i = 0; i < 40; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	min_seq = g->min_seq;
	KUNIT_ASSERT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(min_seq)], 40UL);
	smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX);
	for (i = 40; i < 64; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, g->min_seq, min_seq);
	KUNIT_ASSERT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(min_seq)], 40UL);
	smm_test_hold(test, file, held, 0, 40);

	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, SMM_RECLAIM_BATCH), 24UL);
	KUNIT_EXPECT_GT(test, g->min_seq, min_seq);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smm_file_object(file)->resident), 40L);
	smm_test_release(held, 40);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define SMM_WS_CAP	192	/* resident pages the object may keep */
#define SMM_WS_COLD	64	/* active pages never touched again */
#define SMM_WS_PAGES	160	/* the cycle: above CAP - COLD, within CAP */
#define SMM_WS_PASSES	6

/* Evict until @obj keeps @cap resident pages, as a region that size would. */
static void smm_test_cap(struct kunit *test, struct smm_pool *pool,
			 struct smm_object *obj, long cap)
{
	long over = atomic_long_read(&obj->resident) - cap;

	if (over > 0)
		KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, over), (unsigned long)over);
}

/*
 * Refault distance balances the lists.  An object may keep 192 resident
 * pages; 64 of them (pages 160..223) are made active first and never
 * touched again, so the inactive list holds 128, and a cycle over pages
 * 0..159 (reads, which are no LRU access: only refaults can activate) is
 * more than it holds and less than the 192.  Without the refault rule the
 * cold pages keep the active list (128 inactive is never shorter than 64
 * active, so it is never aged) and the cycle misses on every read of
 * every pass, the inactive list being a FIFO shorter than the cycle.
 *
 * With it: pass 1 writes the cycle and evicts pages 0..31 (ages 65..96,
 * after the 64 activations).  In pass 2 page 0 refaults at distance 31,
 * within the 64 active pages, and is activated.  Each refault evicts the
 * inactive tail, the oldest page left from pass 1 (deactivated pages join
 * at the head), so every page is gone before its turn and all 160 reads
 * of pass 2 refault.  Their distances stay near 62 (an activation and an
 * eviction per read) while the active list holds 64 or more, so they are
 * activated; once it outgrows the inactive list it is aged, and the cold
 * pages at its tail go inactive and are evicted in turn.  By the end of
 * the pass all 160 pages are resident beside 32 cold ones, the object is
 * at its 192 and nothing is evicted any more.  (A model of these lists,
 * over caps of 160..256 pages, 32..cap/2 cold pages and cycles from just
 * above the inactive list's length up to the cap, gives the same: all of
 * pass 2 refaults, and no pass from the fifth on does.)  The LRU batches
 * are one page long, so the active count each refault reads is exact.
 */
static void smm_reclaim_refault_balance_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct smm_lruvec *lruvec = smm_test_lruvec(pool);
	unsigned long refaults[SMM_WS_PASSES + 1], activated[SMM_WS_PASSES + 1];
	unsigned long deactivated[SMM_WS_PASSES + 1];
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long i, pass;

	smm_reclaim_pool_destroy(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_set_batch(pool, 1), 0);
	for (i = SMM_WS_PAGES; i < SMM_WS_PAGES + SMM_WS_COLD; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	for (i = SMM_WS_PAGES; i < SMM_WS_PAGES + SMM_WS_COLD; i++)
		smm_test_activate(pool, file, i);
	KUNIT_ASSERT_EQ(test, lruvec->nr_active, (unsigned long)SMM_WS_COLD);
	KUNIT_ASSERT_EQ(test, lruvec->nr_inactive, 0UL);

	/* Pass 1 writes the pages, the others read them back in turn. */
	for (pass = 1; pass <= SMM_WS_PASSES; pass++) {
		unsigned long refault = smm_event_sum(pool, SMM_WORKINGSET_REFAULT);
		unsigned long activate = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE);
		unsigned long deactivate = smm_event_sum(pool, SMM_PGDEACTIVATE);

		for (i = 0; i < SMM_WS_PAGES; i++) {
			if (pass == 1)
				KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i),
						(ssize_t)PAGE_SIZE);
			else
				KUNIT_ASSERT_EQ_MSG(test, smm_test_check_page(file, buf, want, i),
						    0, "pass %lu, page %lu", pass, i);
			smm_test_cap(test, pool, obj, SMM_WS_CAP);
		}
		refaults[pass] = smm_event_sum(pool, SMM_WORKINGSET_REFAULT) - refault;
		activated[pass] = smm_event_sum(pool, SMM_WORKINGSET_ACTIVATE) - activate;
		deactivated[pass] = smm_event_sum(pool, SMM_PGDEACTIVATE) - deactivate;
		kunit_info(test, "pass %lu: %lu refaults, %lu activated, %lu deactivated\n",
			   pass, refaults[pass], activated[pass], deactivated[pass]);
		if (pass == 1)
			KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT),
					(unsigned long)(SMM_WS_PAGES + SMM_WS_COLD - SMM_WS_CAP));
	}
	KUNIT_EXPECT_EQ(test, refaults[1], 0UL);
	KUNIT_EXPECT_EQ(test, refaults[2], (unsigned long)SMM_WS_PAGES);
	KUNIT_EXPECT_GT(test, activated[2], 0UL);
	KUNIT_EXPECT_GT(test, deactivated[2], 0UL);
	KUNIT_EXPECT_EQ(test, refaults[SMM_WS_PASSES], 0UL);
	KUNIT_EXPECT_EQ(test, activated[SMM_WS_PASSES], 0UL);
	/* The whole cycle resident; what the cap left for the cold pages. */
	KUNIT_EXPECT_EQ(test, smm_object_count_range(obj, 0, SMM_WS_PAGES - 1),
			(unsigned long)SMM_WS_PAGES);
	KUNIT_EXPECT_EQ(test, smm_object_count_range(obj, SMM_WS_PAGES,
						     SMM_WS_PAGES + SMM_WS_COLD - 1),
			(unsigned long)(SMM_WS_CAP - SMM_WS_PAGES));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * The LRU rule through the mappings' young bits, at the inactive tail:
 * page 0 (mapped, young, already referenced) is activated, page 1 (mapped,
 * young for the first time) stays mapped with its bit set and its pte made
 * old, page 2 (unmapped, unreferenced) is the one evicted.  Page 1, zapped
 * and touched again, faults, and that access activates it.
 */
static void smm_reclaim_young_rule_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct xarray *pages = &file->f_mapping->i_pages;
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	struct smm_page *frame;
	struct page *page;
	unsigned long addr, i;
	char __user *p;

	addr = kunit_vm_mmap(test, file, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	for (i = 0; i < 2; i++) {
		smm_test_pattern(want, i);
		KUNIT_ASSERT_EQ(test, copy_to_user(p + i * PAGE_SIZE, want, PAGE_SIZE), 0UL);
	}
	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, 2), (ssize_t)PAGE_SIZE);
	page = xa_load(pages, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	lock_page(page);
	smm_lru_mark_accessed(pool, smm_sfn_page(&pool->region, page_private(page)));
	unlock_page(page);
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE), 0UL);

	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_EXPECT_TRUE(test, smm_test_active(pool, file, 0));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE), 1UL);
	page = xa_load(pages, 1);
	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page));
	frame = smm_sfn_page(&pool->region, page_private(page));
	KUNIT_EXPECT_FALSE(test, smm_page_test(frame, SMM_PG_active));
	KUNIT_EXPECT_TRUE(test, smm_page_test(frame, SMM_PG_referenced));
	KUNIT_EXPECT_TRUE(test, page_mapped(page));
	KUNIT_EXPECT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 2)));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT), 1UL);

	unmap_mapping_pages(file->f_mapping, 1, 1, false);

	KUNIT_EXPECT_EQ(test, copy_from_user(buf, p + PAGE_SIZE, PAGE_SIZE), 0UL);
	smm_test_pattern(want, 1);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, smm_test_active(pool, file, 1));
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGACTIVATE), 2UL);
	KUNIT_EXPECT_EQ(test, smm_test_check_page(file, buf, want, 2), 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, 2 * PAGE_SIZE);
}

#define SMM_LRU_GEN_ENABLED "/sys/kernel/mm/lru_gen/enabled"

/*
 * Switch the kernel's multi-generational LRU on or off (its sysfs file,
 * as an administrator would).  Returns false when the kernel has none.
 */
static bool smm_test_lru_gen_set(struct kunit *test, bool on)
{
	struct file *f = filp_open(SMM_LRU_GEN_ENABLED, O_WRONLY, 0);
	loff_t pos = 0;

	if (IS_ERR(f))
		return false;
	KUNIT_EXPECT_EQ(test, kernel_write(f, on ? "y" : "n", 1, &pos), 1L);
	filp_close(f, NULL);
	return true;
}

/* What lru_gen/enabled read before a case switched it ("0x0007\n"). */
struct smm_test_lru_gen_saved {
	char caps[16];
	ssize_t len;
};

/* The machine's own choice comes back, whatever it was: not simply "n". */
static void smm_test_lru_gen_restore(void *data)
{
	struct smm_test_lru_gen_saved *saved = data;
	struct file *f = filp_open(SMM_LRU_GEN_ENABLED, O_WRONLY, 0);
	loff_t pos = 0;

	if (!IS_ERR(f)) {
		kernel_write(f, saved->caps, saved->len, &pos);
		filp_close(f, NULL);
	}
}

/*
 * Read lru_gen/enabled and have it written back when the case ends.
 * Returns false on a kernel without the multi-generational LRU.
 */
static bool smm_test_lru_gen_save(struct kunit *test)
{
	struct smm_test_lru_gen_saved *saved;
	struct file *f;
	loff_t pos = 0;

	saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	f = filp_open(SMM_LRU_GEN_ENABLED, O_RDONLY, 0);
	if (IS_ERR(f))
		return false;
	saved->len = kernel_read(f, saved->caps, sizeof(saved->caps) - 1, &pos);
	filp_close(f, NULL);
	KUNIT_ASSERT_GT(test, saved->len, 0L);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_lru_gen_restore, saved), 0);
	return true;
}

/*
 * One round of the two-mapping rule.  Pages 0..3 are written through the
 * file; pages 0..2 are mapped twice, read-only, and page 2 is read
 * through both mappings: those faults are accesses of page 2, and the
 * kernel's fault-around maps pages 0 and 1 beside it in both mappings
 * with young ptes (x86 makes every new pte young), which are no access
 * yet.  The scan reads page 0's two young ptes as an access: it stays,
 * referenced and mapped, as does page 1; page 2 (accessed, young) is
 * activated, and page 3, never mapped, is the one evicted.  Page 0,
 * touched again, is activated.  What the kernel's zap would do with the
 * young ptes (toggle PG_referenced per pte under the classic LRU, count
 * references under the multi-generational one) plays no part.
 */
static void smm_test_two_mappings_round(struct kunit *test, struct smm_pool *pool,
					bool lru_gen)
{
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long a, b, i;
	struct smm_page *frame;
	struct page *page;

	/*
	 * One drain per page: the test may move between CPUs, and draining
	 * two CPUs' batches at the end could put page 3 nearer the inactive
	 * tail than page 0, so the scan would stop before it reached page 0.
	 */
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
		smm_lru_drain_all(pool);
	}
	a = kunit_vm_mmap(test, file, 0, 3 * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	b = kunit_vm_mmap(test, file, 0, 3 * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, a && !IS_ERR_VALUE(a) && b && !IS_ERR_VALUE(b));
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)a + 2 * PAGE_SIZE,
					     PAGE_SIZE), 0UL);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)b + 2 * PAGE_SIZE,
					     PAGE_SIZE), 0UL);
	smm_lru_drain_all(pool);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ_MSG(test, smm_folio_mapcount(page_folio(page)), 2,
			    "fault-around mapped page 0 in both mappings");
	frame = smm_sfn_page(&pool->region, page_private(page));
	KUNIT_ASSERT_FALSE(test, smm_page_test(frame, SMM_PG_referenced));

	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_EXPECT_PTR_EQ_MSG(test, xa_load(&file->f_mapping->i_pages, 0), page,
				"lru_gen %d: page 0 evicted", lru_gen);
	KUNIT_EXPECT_TRUE_MSG(test, smm_page_test(frame, SMM_PG_referenced),
			      "lru_gen %d", lru_gen);
	KUNIT_EXPECT_TRUE(test, page_mapped(page));
	KUNIT_EXPECT_TRUE(test, smm_test_active(pool, file, 2));
	KUNIT_EXPECT_TRUE_MSG(test, xa_is_value(smm_object_shadow(obj, 3)),
			      "lru_gen %d: page 3 not evicted", lru_gen);

	/* Zapped (its TLB entries go too) and touched: an access. */
	unmap_mapping_pages(file->f_mapping, 0, 1, false);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)a, PAGE_SIZE), 0UL);
	smm_test_pattern(want, 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, smm_test_active(pool, file, 0), "lru_gen %d", lru_gen);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(a, 3 * PAGE_SIZE);
	vm_munmap(b, 3 * PAGE_SIZE);
	/* Nothing of this round is left for the next one's scan. */
	KUNIT_EXPECT_EQ(test, smm_object_punch(obj, 0, 4 * PAGE_SIZE), 3L);
}

/* The two-mapping rule under both of the kernel's LRU flavours. */
static void smm_reclaim_young_two_mappings_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);

	if (!smm_test_lru_gen_save(test))
		kunit_skip(test, "the kernel has no multi-generational LRU");
	KUNIT_ASSERT_TRUE(test, smm_test_lru_gen_set(test, false));
	smm_test_two_mappings_round(test, pool, false);
	KUNIT_ASSERT_TRUE(test, smm_test_lru_gen_set(test, true));
	smm_test_two_mappings_round(test, pool, true);
}

/*
 * mlock() between a victim's verdict and its unmap: a mapped page judged
 * a victim has its mapping locked (the VM_LOCKED that mlock() sets before
 * it walks the page tables) before reclaim unmaps it.  The zap munlocks
 * the page through the kernel's per-CPU batch, whose reference alone
 * kept it; once that batch drained, the page of a locked mapping was
 * evicted.  It stays, on the unevictable list, and its next access maps
 * it again with its bytes.
 */
static void smm_reclaim_mlock_after_verdict_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	struct smm_reclaim_stat stat = { };
	struct smm_page *frame, *victim;
	unsigned long addr;
	struct page *page;
	int res;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	smm_test_pattern(want, 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, want, PAGE_SIZE), 0UL);
	smm_lru_drain_all(pool);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page) && page_mapped(page));
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, &pool->zones.nodes[0], 1,
							 &frame), 1U);
	KUNIT_ASSERT_PTR_EQ(test, smm_frame_struct_page(pool, frame), page);

	/* Its young pte made old and its mark gone: a victim. */
	lock_page(page);
	smm_object_young_ptes(page_folio(page));
	clear_bit(SMM_PG_referenced, &frame->flags);
	KUNIT_EXPECT_EQ(test, smm_lru_check_references(pool, frame), SMM_LRUREF_RECLAIM);

	smm_test_vma_lock(addr, VM_LOCKED);
	/* On one CPU, whose batch the zap's munlock joins, drained then. */
	victim = frame;
	migrate_disable();
	smm_object_unmap_victims(pool, &victim, 1);
	smm_compat_lru_add_drain();
	migrate_enable();
	KUNIT_EXPECT_FALSE(test, page_mapped(page));
	res = smm_object_remove_mapping(pool, frame, &stat);
	KUNIT_EXPECT_EQ(test, res, (int)SMM_EVICT_MLOCKED);
	if (res != SMM_EVICT_RECLAIMED) {
		unlock_page(page);
		smm_lru_putback(pool, &frame, 1);
		KUNIT_EXPECT_TRUE(test, smm_page_test(frame, SMM_PG_unevictable));
	}
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&file->f_mapping->i_pages, 0), page);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT), 0UL);

	KUNIT_EXPECT_EQ(test, copy_from_user(buf, (void __user *)addr, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, page_mapped(page));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, PAGE_SIZE);
}

/*
 * The pool of smm_reclaim_close_in_evict_test(): its caches poison what is
 * freed, so a read of a freed object sees the poison.
 */
static const struct smm_test_pool_cfg reclaim_poison_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 2048,
	.slab_debug = SMM_SLAB_POISON | SMM_SLAB_CONSISTENCY,
};

/* What smm_reclaim_close_in_evict_test() set up, and what it saw. */
struct smm_close_in_evict {
	struct task_struct *task;	/* the evicting case: other pools evict too */
	struct file *file;
	bool closed;
	unsigned long evicted_ino;
};

/*
 * Page 0 of @file written from @buf, then taken off the LRU as reclaim
 * takes a candidate and locked: its frame, for a direct eviction.
 */
static struct smm_page *smm_test_isolate_page0(struct kunit *test, struct smm_pool *pool,
					       struct file *file, u8 *buf)
{
	struct smm_page *frame;
	struct page *page;

	KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, 0), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page));
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, &pool->zones.nodes[0], 1,
							 &frame), 1U);
	KUNIT_ASSERT_PTR_EQ(test, smm_frame_struct_page(pool, frame), page);
	lock_page(page);
	return frame;
}

/*
 * In place of smm_lru_del(), eviction's first call once the object's lock
 * is dropped: the object's last close comes here, then the real call.
 */
static void smm_test_lru_del_after_close(struct smm_pool *pool, struct smm_page *frame)
{
	struct kunit *test = kunit_get_current_test();
	struct smm_close_in_evict *ctx = test->priv;

	kunit_deactivate_static_stub(test, smm_lru_del);
	if (!ctx->closed) {
		ctx->closed = true;
		kunit_release_action(test, smm_test_fput, ctx->file);
	}
	smm_lru_del(pool, frame);
}

static void smm_test_probe_evict(void *data, unsigned long pfn, int nid,
				 unsigned long ino, pgoff_t index, u32 slot)
{
	struct smm_close_in_evict *ctx = data;

	if (current == ctx->task)
		WRITE_ONCE(ctx->evicted_ino, ino);
}

/*
 * An object's last close while an eviction of its page finishes.  Once
 * the eviction has put the shadow in the page's place and dropped the
 * object's lock, the removal of the whole object finds the shadow, not the
 * page, so it does not wait for the page lock the eviction still holds: it
 * drops the shadow and frees the object.  The eviction must be done with
 * the object by then.  Its first call past the lock is redirected to close
 * the file there, on a pool whose freed objects are poisoned: the object's
 * id the eviction's tracepoint reports was read before the close, not the
 * poison after it (the read an eviction made last; its stores just before
 * it, which came after the unlock too, are no call away from it and this
 * case cannot come between them).
 */
static void smm_reclaim_close_in_evict_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_poison_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_close_in_evict ctx = {
		.task = current, .file = file, .evicted_ino = ULONG_MAX,
	};
	struct smm_reclaim_stat stat = { };
	u8 *buf = smm_test_buf(test);
	unsigned long free_before, ino;
	struct smm_page *frame;
	u64 id;
	int res;

	id = smm_file_object(file)->id;
	free_before = smm_zone_free(zone);
	frame = smm_test_isolate_page0(test, pool, file, buf);
	clear_bit(SMM_PG_referenced, &frame->flags);
	KUNIT_ASSERT_EQ(test, smm_lru_check_references(pool, frame), SMM_LRUREF_RECLAIM);

	test->priv = &ctx;
	kunit_activate_static_stub(test, smm_lru_del, smm_test_lru_del_after_close);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_lru_evict(smm_test_probe_evict, &ctx), 0);
	res = smm_object_remove_mapping(pool, frame, &stat);
	unregister_trace_shadowmm_lru_evict(smm_test_probe_evict, &ctx);
	tracepoint_synchronize_unregister();
	test->priv = NULL;
	KUNIT_ASSERT_EQ(test, res, (int)SMM_EVICT_RECLAIMED);
	/* The close came in the window, and took the object and its slot. */
	KUNIT_EXPECT_TRUE(test, ctx.closed);
	ino = READ_ONCE(ctx.evicted_ino);
	KUNIT_EXPECT_EQ(test, ino, (unsigned long)id);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT), 1UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->swap.nr_used), 0UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), free_before);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * In place of smm_swap_write_memcg(): a lookup's reference taken while
 * the page is stored (test->priv: the page), then the real store.
 */
static int smm_test_swap_write_then_get(struct smm_swap *swap, const void *src, u32 *slot,
					struct mem_cgroup *memcg)
{
	struct kunit *test = kunit_get_current_test();

	kunit_deactivate_static_stub(test, smm_swap_write_memcg);
	get_page(test->priv);
	return smm_swap_write_memcg(swap, src, slot, memcg);
}

/*
 * An eviction a lookup wins (its reference came after the count was
 * checked, here while the page was stored) leaves no trace: the page
 * stays, the slot goes back, and the node's clock, which only pages that
 * leave move, is where it was.  The shadow entry used to be made before
 * the count was frozen, and the failed eviction still moved the clock,
 * making every later refault distance longer.
 */
static void smm_reclaim_lost_eviction_keeps_clock_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_reclaim_stat stat = { };
	u8 *buf = smm_test_buf(test);
	struct smm_page *frame;
	struct page *page;
	long age;
	int res;

	smm_test_pattern(buf, 0);
	frame = smm_test_isolate_page0(test, pool, file, buf);
	page = smm_frame_struct_page(pool, frame);
	age = atomic_long_read(&pool->workingset.nodes[0].age);
	test->priv = page;
	kunit_activate_static_stub(test, smm_swap_write_memcg, smm_test_swap_write_then_get);
	/* The stub takes itself away when it runs. */
	res = smm_object_remove_mapping(pool, frame, &stat);
	test->priv = NULL;
	KUNIT_EXPECT_EQ(test, res, (int)SMM_EVICT_BUSY);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nodes[0].age), age);
	unlock_page(page);
	put_page(page);
	smm_lru_putback(pool, &frame, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->swap.nr_used), 0UL);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* What smm_reclaim_shadow_only_counted_before_seen_test() punches, and saw. */
struct smm_punch_in_evict {
	struct smm_object *obj;
	long seen;
};

/* In place of smm_lru_del(): a punch of the page just evicted, then the call. */
static void smm_test_lru_del_after_punch(struct smm_pool *pool, struct smm_page *frame)
{
	struct kunit *test = kunit_get_current_test();
	struct smm_punch_in_evict *ctx = test->priv;

	kunit_deactivate_static_stub(test, smm_lru_del);
	smm_object_punch(ctx->obj, 0, PAGE_SIZE);
	ctx->seen = atomic_long_read(&pool->workingset.nr_shadow_only);
	smm_lru_del(pool, frame);
}

/*
 * A page of zeroes evicted leaves a shadow entry without a slot, counted
 * in nr_shadow_only (debugfs workingset).  A punch that takes the entry
 * as soon as the eviction drops the object's lock uncounts it: the count
 * must already include it then, or it reads -1 until the eviction ends.
 */
static void smm_reclaim_shadow_only_counted_before_seen_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_poison_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_reclaim_stat stat = { };
	u8 *buf = smm_test_buf(test);
	struct smm_punch_in_evict ctx = { .obj = smm_file_object(file), .seen = LONG_MIN };
	struct smm_page *frame;
	struct page *page;
	loff_t pos = 0;

	memset(buf, 0, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos), (ssize_t)PAGE_SIZE);
	smm_lru_drain_all(pool);
	page = xa_load(&file->f_mapping->i_pages, 0);
	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page));
	KUNIT_ASSERT_EQ(test, smm_lru_isolate_inactive(pool, &pool->zones.nodes[0], 1,
							 &frame), 1U);
	lock_page(page);
	clear_bit(SMM_PG_referenced, &frame->flags);
	KUNIT_ASSERT_EQ(test, smm_lru_check_references(pool, frame), SMM_LRUREF_RECLAIM);
	KUNIT_ASSERT_EQ(test, atomic_long_read(&pool->workingset.nr_shadow_only), 0L);

	test->priv = &ctx;
	kunit_activate_static_stub(test, smm_lru_del, smm_test_lru_del_after_punch);
	KUNIT_EXPECT_EQ(test, smm_object_remove_mapping(pool, frame, &stat),
			(int)SMM_EVICT_RECLAIMED);
	test->priv = NULL;
	KUNIT_EXPECT_EQ(test, ctx.seen, 0L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_ZERO), 1UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nr_shadow_only), 0L);
	KUNIT_EXPECT_TRUE(test, !smm_object_shadow(smm_file_object(file), 0));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* Pages of zeroes leave shadow entries without a slot; those are trimmed. */
static void smm_reclaim_shadow_trim_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test);
	unsigned long i;
	loff_t pos = 0;

	pool->workingset.shadow_only_max = 4;
	memset(buf, 0, PAGE_SIZE);
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 16), 16UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_ZERO), 16UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PSWPOUT), 0UL);
	flush_work(&pool->workingset.trim_work);
	KUNIT_EXPECT_LE(test, atomic_long_read(&pool->workingset.nr_shadow_only), 4L);
	KUNIT_EXPECT_GE(test, smm_event_sum(pool, SMM_WORKINGSET_NODERECLAIM), 12UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	/* Trimmed or not, every page still reads as zeroes. */
	pos = 0;
	for (i = 0; i < 16; i++) {
		memset(buf, 0xaa, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, kernel_read(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
		KUNIT_EXPECT_FALSE_MSG(test, memchr_inv(buf, 0, PAGE_SIZE), "page %lu", i);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->workingset.nr_shadow_only), 0L);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* A kmalloc of each kind: small class, largest class (order-3 slabs), buddy block. */
static const size_t smm_reclaim_kmalloc_sizes[] = { 64, 8192, 8193 };

static void smm_reclaim_kmalloc_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", *size);
}
KUNIT_ARRAY_PARAM(smm_reclaim_kmalloc, smm_reclaim_kmalloc_sizes, smm_reclaim_kmalloc_desc);

/* Held around allocations that must not sleep: a sleep would be reported. */
static DEFINE_SPINLOCK(smm_test_atomic_lock);

static unsigned long smm_test_stalls(struct smm_pool *pool)
{
	return smm_event_sum(pool, SMM_ALLOCSTALL_DMA) +
	       smm_event_sum(pool, SMM_ALLOCSTALL_NORMAL) +
	       smm_event_sum(pool, SMM_ALLOCSTALL_HIGH);
}

/*
 * The region full of object pages, kswapd stopped and every frame above
 * min taken: a kmalloc that must not sleep (SMM_GFP_NOWAIT, under a
 * spinlock) fails, with no stall counted and nothing scanned, and one with
 * SMM_GFP_KERNEL reclaims object pages for its slab or block and gets its
 * memory.  Slab-backed sizes used to fail either way: a slab never grew
 * with reclaim, while the buddy path did.
 */
static void smm_reclaim_kmalloc_test(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long i, nr = 0, steal, scan, stalls;
	u8 *buf = smm_test_buf(test);
	struct smm_page **held;
	ssize_t ret = 0;
	void *p;

	smm_reclaim_pool_destroy(pool);
	held = kunit_kcalloc(test, zone->managed, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	/* Past the region: direct reclaim made room, the rest is object pages. */
	KUNIT_ASSERT_EQ(test, smm_test_fill(file, buf, 0, zone->managed + 64, &ret),
			zone->managed + 64);
	/* Free slabs go back now, not behind the test's back later. */
	flush_work(&pool->slab.shrink_work);
	smm_slab_shrink_all(pool);
	while (nr < zone->managed &&
	       (held[nr] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT | SMM_GFP_NOFAULT)))
		nr++;
	KUNIT_ASSERT_LT(test, nr, zone->managed);
	steal = smm_event_sum(pool, SMM_PGSTEAL_DIRECT);
	scan = smm_event_sum(pool, SMM_PGSCAN_DIRECT);
	stalls = smm_test_stalls(pool);

	spin_lock(&smm_test_atomic_lock);
	p = smm_kmalloc(pool, size, SMM_GFP_NOWAIT | SMM_GFP_NOFAULT);
	spin_unlock(&smm_test_atomic_lock);
	KUNIT_EXPECT_NULL(test, p);
	smm_kfree(pool, p);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSCAN_DIRECT), scan);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT), steal);
	KUNIT_EXPECT_EQ(test, smm_test_stalls(pool), stalls);

	p = smm_kmalloc(pool, size, SMM_GFP_KERNEL | SMM_GFP_NOFAULT | SMM_GFP_ZERO);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (p)
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, size));
	KUNIT_EXPECT_GT(test, smm_test_stalls(pool), stalls);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT), steal);
	smm_kfree(pool, p);
	for (i = 0; i < nr; i++)
		smm_free_pages(pool, held[i], 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Without a store nothing is evicted, and a full region is ENOSPC: the
 * write that fails is the one that finds the zone at the reserve its
 * allocations must leave (min, plus the lowmem reserve kept from
 * HighMem-class requests), not earlier, and every page written before it
 * is still resident.
 */
static void smm_reclaim_no_store_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 4, .split = { 0, 100, 0 }, .one_node = true, .pcp_off = true,
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	unsigned long reserve = zone->watermark[SMM_WMARK_MIN] +
				zone->lowmem_reserve[SMM_ZONE_HIGHMEM];
	u8 *buf = smm_test_buf(test);
	unsigned long i;
	ssize_t ret = 0;

	KUNIT_ASSERT_GT(test, reserve, 0UL);
	i = smm_test_fill(file, buf, 0, 2 * zone->managed, &ret);
	KUNIT_EXPECT_EQ(test, ret, (ssize_t)-ENOSPC);
	/*
	 * Free slabs given back after that failure (kswapd's run, the
	 * pressure shrink work) are room again: use it up first, so nothing
	 * frees frames behind the checks below.
	 */
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	i = smm_test_fill(file, buf, i, 2 * zone->managed, &ret);
	KUNIT_EXPECT_EQ(test, ret, (ssize_t)-ENOSPC);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), reserve);
	KUNIT_EXPECT_GT(test, i, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)i);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->objects.nr_pages), (long)i);

	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, 8), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&obj->resident), (long)i);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSCAN_DIRECT) +
			smm_event_sum(pool, SMM_PGSCAN_KSWAPD), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT) +
			smm_event_sum(pool, SMM_PGSTEAL_KSWAPD), 0UL);
}

/*
 * The "reclaim N" and "compact 1" knobs end for any signal to their
 * writer, not only a fatal one: a ^C, or the freezer's wake-up for
 * suspend, which would otherwise wait out the whole run and give up.
 * With SIGUSR1 pending each write is -EINTR and evicts nothing; without
 * it the same write evicts.
 */
static void smm_reclaim_knob_signal_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test);
	unsigned long i, steal;

	for (i = 0; i < 2 * SMM_RECLAIM_BATCH; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	steal = smm_event_sum(pool, SMM_PGSTEAL_DIRECT);

	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	KUNIT_EXPECT_TRUE(test, signal_pending(current));
	KUNIT_EXPECT_FALSE(test, fatal_signal_pending(current));
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "reclaim 32"), -EINTR);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "compact 1"), -EINTR);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT), steal);
	flush_signals(current);
	disallow_signal(SIGUSR1);

	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "reclaim 32"), 0);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT), steal);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A task being killed reclaims nothing: its allocation below min fails
 * at once, scanning no page, though reclaim could have freed one for it,
 * and its "reclaim N" stops before the first batch.  (Before, it scanned
 * and evicted as any other, pass after pass.)  Without the signal the
 * same allocation reclaims and succeeds.
 */
static void smm_reclaim_killed_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned int flags = SMM_GFP_HIGHMEM | SMM_GFP_NOFAULT;
	u8 *buf = smm_test_buf(test);
	unsigned long i, n = 0, scanned;
	struct smm_page **frames, *frame;

	smm_reclaim_pool_destroy(pool);
	frames = kunit_kcalloc(test, zone->managed + 2, sizeof(*frames), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, frames);
	/* Half the region evictable, the rest taken down to min. */
	for (i = 0; i < zone->managed / 2; i++)
		KUNIT_ASSERT_EQ(test, smm_test_write_page(file, buf, i), (ssize_t)PAGE_SIZE);
	while ((frame = smm_alloc_pages(pool, 0, flags | SMM_GFP_NOWAIT)))
		frames[n++] = frame;
	/*
	 * The pressure gives free slabs back (the mapping descriptors' cache
	 * is made with the object): let it, and take what it freed too.
	 */
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	while (n < zone->managed + 1 &&
	       (frame = smm_alloc_pages(pool, 0, flags | SMM_GFP_NOWAIT)))
		frames[n++] = frame;
	scanned = smm_event_sum(pool, SMM_PGSCAN_DIRECT);

	allow_signal(SIGKILL);
	send_sig(SIGKILL, current, 1);
	KUNIT_EXPECT_TRUE(test, fatal_signal_pending(current));
	frame = smm_alloc_pages(pool, 0, flags | SMM_GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_NULL(test, frame);
	if (frame)
		frames[n++] = frame;
	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, SMM_RECLAIM_BATCH), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PGSCAN_DIRECT) - scanned, 0UL);
	flush_signals(current);
	disallow_signal(SIGKILL);

	frame = smm_alloc_pages(pool, 0, flags | SMM_GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_NOT_NULL(test, frame);
	if (frame)
		frames[n++] = frame;
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_PGSTEAL_DIRECT), 0UL);
	while (n)
		smm_free_pages(pool, frames[--n], 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#if IS_ENABLED(CONFIG_MEMCG)
/*
 * The shadow entries an eviction leaves are charged to the object's
 * owner, as its stored copies are, not to the task that happens to
 * reclaim.  Pages of zeroes (no stored copy, so no store charge), 64
 * indexes apart so that each needs an xarray node of its own, are evicted
 * by this test's kthread, in the root cgroup, from an object owned by
 * SMM_TEST_MEMCG, which holds no task: only those nodes can move its
 * usage.  Fewer than the pool's pages, so the shadow trim leaves them.
 */
static void smm_reclaim_shadow_charge_test(struct kunit *test)
{
	const unsigned long nr = 768, batch = 256, stride = 64;
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct mem_cgroup *memcg = smm_test_memcg(test);
	u8 *zero = smm_test_buf(test);
	unsigned long before, charged, i, j;

	/* The object's reference, given back when it goes. */
	css_get(&memcg->css);
	smm_swap_owner_put(obj->memcg);
	obj->memcg = memcg;
	memset(zero, 0, PAGE_SIZE);
	before = smm_test_memcg_pages(memcg);
	for (i = 0; i < nr; i += batch) {
		for (j = i; j < i + batch; j++) {
			loff_t pos = (loff_t)(j * stride) << PAGE_SHIFT;

			KUNIT_ASSERT_EQ(test, kernel_write(file, zero, PAGE_SIZE, &pos),
					(ssize_t)PAGE_SIZE);
		}
		KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, batch), batch);
	}
	charged = smm_test_memcg_pages(memcg) - before;
	kunit_info(test, "%lu shadow entries, a node each: %lu pages charged to the owner",
		   nr, charged);
	/* Half of them at least: the per-CPU stock may have held the rest. */
	KUNIT_EXPECT_GE(test, charged, nr * sizeof(struct xa_node) / PAGE_SIZE / 2);
}

/*
 * At the owner's memory.max the shadow entry's node is charged past the
 * limit, without reclaim or OOM kill in the owner's cgroup on the
 * evicting task's behalf (memory.events: "max" grows, "oom" does not),
 * and every eviction goes through.  The charge used to retry as any
 * GFP_KERNEL one does: reclaim in the owner's cgroup, then its OOM
 * killer, which in a cgroup with tasks kills one of them.  Refused
 * instead (GFP_NOWAIT alone), the owner's pages could not be evicted at
 * all while its cgroup sat at its limit.
 */
static void smm_reclaim_shadow_charge_at_limit_test(struct kunit *test)
{
	const unsigned long batch = 256, stride = 64, max_batches = 32;
	struct smm_pool *pool = smm_test_pool(test, &reclaim_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_object *obj = smm_file_object(file);
	struct mem_cgroup *memcg = smm_test_memcg(test);
	u8 *zero = smm_test_buf(test);
	unsigned long written = 0, evicted = 0, b, j;
	long oom0, max0;
	char max[24];

	css_get(&memcg->css);
	smm_swap_owner_put(obj->memcg);
	obj->memcg = memcg;
	memset(zero, 0, PAGE_SIZE);
	/* No room beyond what it uses now (the per-CPU stocks' pages included). */
	snprintf(max, sizeof(max), "%lu", smm_test_memcg_pages(memcg) << PAGE_SHIFT);
	if (smm_test_memcg_set_max(max))
		kunit_skip(test, "no %s%s/memory.max to write", SMM_TEST_CGROUP_ROOT,
			   SMM_TEST_MEMCG);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_memcg_unlimit, NULL), 0);
	oom0 = atomic_long_read(&memcg->memory_events[MEMCG_OOM]);
	max0 = atomic_long_read(&memcg->memory_events[MEMCG_MAX]);
	/*
	 * A new node for every page, a batch at a time, until the charges
	 * met the limit: once the stocks' pages ran out.
	 */
	for (b = 0; b < max_batches; b++) {
		for (j = b * batch; j < (b + 1) * batch; j++) {
			loff_t pos = (loff_t)(j * stride) << PAGE_SHIFT;

			if (kernel_write(file, zero, PAGE_SIZE, &pos) != PAGE_SIZE)
				break;
			written++;
		}
		evicted += smm_reclaim_pages(pool, batch);
		if (j < (b + 1) * batch || evicted < written ||
		    atomic_long_read(&memcg->memory_events[MEMCG_MAX]) != max0)
			break;
	}
	kunit_info(test, "%lu pages written, %lu evicted; memory.events max +%ld, oom +%ld",
		   written, evicted,
		   atomic_long_read(&memcg->memory_events[MEMCG_MAX]) - max0,
		   atomic_long_read(&memcg->memory_events[MEMCG_OOM]) - oom0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&memcg->memory_events[MEMCG_MAX]), max0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&memcg->memory_events[MEMCG_OOM]), oom0);
	KUNIT_EXPECT_EQ(test, evicted, written);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}
#else
static void smm_reclaim_shadow_charge_test(struct kunit *test)
{
	kunit_skip(test, "kernel without CONFIG_MEMCG: nothing to charge to");
}

static void smm_reclaim_shadow_charge_at_limit_test(struct kunit *test)
{
	kunit_skip(test, "kernel without CONFIG_MEMCG: nothing to charge to");
}
#endif

static struct kunit_case smm_reclaim_cases[] = {
	KUNIT_CASE_SLOW(smm_reclaim_kswapd_test),
	KUNIT_CASE_SLOW(smm_reclaim_direct_test),
	KUNIT_CASE(smm_reclaim_major_fault_test),
	KUNIT_CASE_SLOW(smm_reclaim_store_full_test),
	KUNIT_CASE(smm_reclaim_store_full_keeps_ptes_test),
	KUNIT_CASE(smm_reclaim_store_error_ends_pass_test),
	KUNIT_CASE(smm_reclaim_corrupt_test),
	KUNIT_CASE_PARAM(smm_reclaim_swapin_not_lost_test, smm_test_swapin_error_gen_params),
	KUNIT_CASE(smm_reclaim_swapin_rearms_kswapd_test),
	KUNIT_CASE(smm_reclaim_progress_during_a_pass_keeps_kswapd_test),
	KUNIT_CASE(smm_reclaim_frees_keep_kswapd_given_up_test),
	KUNIT_CASE(smm_reclaim_destroy_waits_for_a_waker_test),
	KUNIT_CASE(smm_reclaim_nowait_io_never_waits_test),
	KUNIT_CASE(smm_reclaim_refault_test),
	KUNIT_CASE(smm_reclaim_ages_all_active_test),
	KUNIT_CASE(smm_reclaim_ages_only_when_low_test),
	KUNIT_CASE(smm_reclaim_held_inactive_test),
	KUNIT_CASE(smm_reclaim_held_oldest_gen_test),
	KUNIT_CASE_SLOW(smm_reclaim_refault_balance_test),
	KUNIT_CASE(smm_reclaim_young_rule_test),
	KUNIT_CASE(smm_reclaim_young_two_mappings_test),
	KUNIT_CASE(smm_reclaim_mlock_after_verdict_test),
	KUNIT_CASE(smm_reclaim_close_in_evict_test),
	KUNIT_CASE(smm_reclaim_lost_eviction_keeps_clock_test),
	KUNIT_CASE(smm_reclaim_shadow_only_counted_before_seen_test),
	KUNIT_CASE(smm_reclaim_shadow_trim_test),
	KUNIT_CASE(smm_reclaim_shadow_charge_test),
	KUNIT_CASE_SLOW(smm_reclaim_shadow_charge_at_limit_test),
	KUNIT_CASE(smm_reclaim_no_store_test),
	KUNIT_CASE(smm_reclaim_killed_test),
	KUNIT_CASE(smm_reclaim_knob_signal_test),
	KUNIT_CASE_PARAM_ATTR(smm_reclaim_kmalloc_test, smm_reclaim_kmalloc_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite smm_reclaim_suite = {
	.name = "shadowmm_reclaim",
	.test_cases = smm_reclaim_cases,
};

kunit_test_suites(&smm_reclaim_suite);
