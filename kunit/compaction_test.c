// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: compaction (module/compaction.c) and page migration
 * (smm_object_migrate_page(), module/evict.c) on a private pool.  A pool
 * is fragmented the way the design's benchmark does it: an object takes
 * nearly every frame, then every other page is punched, so the free
 * frames interleave with the pages and no high-order block is left.
 * Compaction must then give back at least 90 % of the order-9 blocks the
 * free frames could make, with every byte of the object intact, while
 * validate and readers running beside it see nothing wrong; a pinned page
 * stays where it is; a mapped page moves, and an access through the
 * mapping afterwards reaches the new frame with the same bytes; the
 * knobs refuse bad input and change nothing then; a failed order-9
 * allocation wakes kcompactd, which builds a block; the counters move.
 *
 * Between mapping and unmapping only EXPECTs are used: the test thread's
 * mappings must be gone before the pool is (see smm_test_fput()).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

#include <shadowmm/compaction.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/object.h>
#include <trace/events/shadowmm.h>

#include "smm_test.h"

/* Frames left free when the object fills the pool. */
#define CMP_SLACK	64

static const struct smm_test_pool_cfg cmp_big_pool = {
	.mb = 64, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

static const struct smm_test_pool_cfg cmp_small_pool = {
	.mb = 16, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

/* Free blocks of @zone counted in blocks of SMM_COMPACT_ORDER. */
static unsigned long cmp_blocks(struct smm_zone *zone)
{
	unsigned long n = 0;
	unsigned int o;

	for (o = SMM_COMPACT_ORDER; o < SMM_NR_ORDERS; o++)
		n += smm_test_nr_free(zone, o) << (o - SMM_COMPACT_ORDER);
	return n;
}

/*
 * An object over nearly every free frame of @pool, patterned, then every
 * odd page punched.  Returns the number of pages written (even ones stay).
 */
static pgoff_t cmp_fragment(struct kunit *test, struct smm_pool *pool,
			    struct file *file)
{
	struct smm_object *obj = smm_file_object(file);
	unsigned long free = smm_pool_free_pages(pool);
	u8 *buf = smm_test_buf(test);
	pgoff_t i, n;

	KUNIT_ASSERT_GT(test, free, 4UL * CMP_SLACK);
	n = free - CMP_SLACK;
	for (i = 0; i < n; i++) {
		loff_t pos = (loff_t)i << PAGE_SHIFT;

		smm_test_pattern(buf, i);
		KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
	}
	smm_lru_drain_all(pool);
	for (i = 1; i < n; i += 2)
		KUNIT_ASSERT_EQ(test, smm_object_punch(obj, (loff_t)i << PAGE_SHIFT,
						       (loff_t)(i + 1) << PAGE_SHIFT), 1L);
	return n;
}

/* Every even page of [0, @n) reads back its pattern; the odd ones zeroes. */
static unsigned long cmp_check_bytes(struct kunit *test, struct file *file, pgoff_t n)
{
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long bad = 0;
	pgoff_t i;

	for (i = 0; i < n; i++) {
		loff_t pos = (loff_t)i << PAGE_SHIFT;

		if (kernel_read(file, buf, PAGE_SIZE, &pos) != PAGE_SIZE) {
			bad++;
			continue;
		}
		if (i % 2)
			memset(want, 0, PAGE_SIZE);
		else
			smm_test_pattern(want, i);
		bad += !!memcmp(buf, want, PAGE_SIZE);
	}
	return bad;
}

/* What runs beside a compaction: validate, and a reader of the object. */
struct cmp_beside {
	struct smm_pool *pool;
	struct file *file;
	pgoff_t n;
	unsigned long rounds;
	unsigned long problems;
	unsigned long bad_reads;
	u8 buf[PAGE_SIZE];
	u8 want[PAGE_SIZE];
};

static int cmp_beside_fn(void *arg)
{
	struct cmp_beside *b = arg;
	pgoff_t i = 0;

	while (!kthread_should_stop()) {
		struct smm_report r = { };
		loff_t pos = (loff_t)i << PAGE_SHIFT;

		b->problems += smm_pool_validate(b->pool, &r);
		/* Even pages only: the odd ones are holes. */
		if (kernel_read(b->file, b->buf, PAGE_SIZE, &pos) != PAGE_SIZE) {
			b->bad_reads++;
		} else {
			smm_test_pattern(b->want, i);
			b->bad_reads += !!memcmp(b->buf, b->want, PAGE_SIZE);
		}
		i = (i + 2 * 97) % (b->n & ~1UL);
		b->rounds++;
		cond_resched();
	}
	return 0;
}

/* What the compaction tracepoints reported of one zone's run. */
struct cmp_trace {
	unsigned long zone_start;
	unsigned long zone_end;
	unsigned long begins;
	unsigned long ends;
	int status;
	unsigned long taken;
	unsigned long migrated;
};

static void cmp_probe_begin(void *data, unsigned long zone_start, unsigned long migrate_pfn,
			    unsigned long free_pfn, unsigned long zone_end, bool sync)
{
	struct cmp_trace *t = data;

	if (zone_start == t->zone_start && migrate_pfn == zone_start &&
	    free_pfn == t->zone_end && zone_end == t->zone_end && sync)
		t->begins++;
}

static void cmp_probe_end(void *data, unsigned long zone_start, unsigned long migrate_pfn,
			  unsigned long free_pfn, unsigned long zone_end, bool sync, int status)
{
	struct cmp_trace *t = data;

	if (zone_start == t->zone_start && zone_end == t->zone_end) {
		t->ends++;
		t->status = status;
	}
}

static void cmp_probe_isolate(void *data, unsigned long start_pfn, unsigned long end_pfn,
			      unsigned long nr_scanned, unsigned long nr_taken)
{
	struct cmp_trace *t = data;

	/* A zone's frames need not be in pfn order: no range check. */
	if (nr_taken <= nr_scanned)
		t->taken += nr_taken;
}

static void cmp_probe_migrate(void *data, unsigned int nr_migratepages,
			      unsigned int nr_succeeded)
{
	struct cmp_trace *t = data;

	t->migrated += nr_succeeded;
}

/*
 * A fragmented pool compacted with "compact 1": at least 90 % of the
 * order-9 blocks its free frames could make, every byte intact, validate
 * clean before, during and after, counters moved.
 */
static void smm_compaction_fragmented_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_big_pool);
	struct zone_stats { unsigned long free, theory, before, after; } z;
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct task_struct *task;
	struct cmp_beside *b;
	struct cmp_trace *tr;
	pgoff_t n;

	n = cmp_fragment(test, pool, file);
	KUNIT_ASSERT_EQ(test, smm_test_validate(pool), 0U);
	z.free = smm_pool_free_pages(pool);
	z.theory = z.free / SMM_COMPACT_BLOCK;
	z.before = cmp_blocks(zone);
	KUNIT_ASSERT_GE(test, z.theory, 8UL);
	/* Fragmented: nowhere near what the free frames could make. */
	KUNIT_EXPECT_LE(test, z.before, z.theory / 4);

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->pool = pool;
	b->file = file;
	b->n = n;
	tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tr);
	tr->zone_start = smm_sfn_pfn(&pool->region, zone->start_sfn);
	tr->zone_end = smm_sfn_pfn(&pool->region, smm_zone_end_sfn(zone) - 1) + 1;
	task = kthread_run(cmp_beside_fn, b, "cmp_beside");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_begin(cmp_probe_begin, tr), 0);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_end(cmp_probe_end, tr), 0);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_isolate_migratepages(cmp_probe_isolate,
										  tr), 0);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_isolate_freepages(cmp_probe_isolate,
										 tr), 0);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_migratepages(cmp_probe_migrate, tr),
			0);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "compact 1"), 0);
	unregister_trace_shadowmm_compaction_migratepages(cmp_probe_migrate, tr);
	unregister_trace_shadowmm_compaction_isolate_freepages(cmp_probe_isolate, tr);
	unregister_trace_shadowmm_compaction_isolate_migratepages(cmp_probe_isolate, tr);
	unregister_trace_shadowmm_compaction_end(cmp_probe_end, tr);
	unregister_trace_shadowmm_compaction_begin(cmp_probe_begin, tr);
	tracepoint_synchronize_unregister();
	kthread_stop(task);

	z.after = cmp_blocks(zone);
	kunit_info(test, "free %lu: order-9 blocks %lu before, %lu after, %lu possible; beside: %lu rounds",
		   z.free, z.before, z.after, z.theory, b->rounds);
	KUNIT_EXPECT_GE(test, z.after * 10, z.theory * 9);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), z.free);
	KUNIT_EXPECT_GT(test, b->rounds, 0UL);
	KUNIT_EXPECT_EQ(test, b->problems, 0UL);
	KUNIT_EXPECT_EQ(test, b->bad_reads, 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&smm_file_object(file)->resident),
			(long)((n + 1) / 2));

	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_COMPACTMIGRATE_SCANNED), 0UL);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_COMPACTFREE_SCANNED), 0UL);
	KUNIT_EXPECT_GE(test, smm_event_sum(pool, SMM_COMPACTISOLATED), 2 * z.theory);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTSTALL), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTSUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTFAIL), 0UL);
	/* The tracepoints told the same story. */
	KUNIT_EXPECT_EQ(test, tr->begins, 1UL);
	KUNIT_EXPECT_EQ(test, tr->ends, 1UL);
	KUNIT_EXPECT_EQ(test, tr->status, (int)SMM_COMPACT_COMPLETE);
	KUNIT_EXPECT_EQ(test, tr->taken, smm_event_sum(pool, SMM_COMPACTISOLATED));
	KUNIT_EXPECT_GE(test, tr->migrated, z.theory * SMM_COMPACT_BLOCK / 4);
	/* An order-9 block can be had again. */
	if (z.after) {
		struct smm_page *blk = smm_alloc_pages(pool, SMM_COMPACT_ORDER, 0);

		KUNIT_EXPECT_NOT_NULL(test, blk);
		if (blk)
			smm_free_pages(pool, blk, SMM_COMPACT_ORDER);
	}
}

/*
 * The @nr even pages of [0, @n) on the lowest frames, lowest first: the
 * ones the migrate scanner comes to first (the allocator hands frames out
 * from the top of a zone down, so the object's first pages are not).
 */
static void cmp_lowest_pages(struct address_space *mapping, pgoff_t n,
			     pgoff_t *idx, unsigned int nr)
{
	unsigned long sfn[4];
	unsigned int k, j;
	pgoff_t i;

	for (k = 0; k < nr; k++)
		sfn[k] = ULONG_MAX;
	for (i = 0; i < n; i += 2) {
		struct page *page = xa_load(&mapping->i_pages, i);
		unsigned long s;

		if (!page || xa_is_value(page))
			continue;
		s = page_private(page);
		for (k = 0; k < nr && s >= sfn[k]; k++)
			;
		if (k == nr)
			continue;
		for (j = nr - 1; j > k; j--) {
			sfn[j] = sfn[j - 1];
			idx[j] = idx[j - 1];
		}
		sfn[k] = s;
		idx[k] = i;
	}
}

/*
 * A pinned page stays on its frame; mapped ones move, and an access
 * through the mapping afterwards reaches the new frame, with the bytes
 * the old one had; a write through it lands in the object's new page.
 */
static void smm_compaction_pinned_mapped_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	struct page *old[3], *pinned = NULL, *now = NULL;
	struct smm_compact_stats stats = { };
	u8 *buf = smm_test_buf(test), *got = smm_test_buf(test);
	unsigned long addr;
	pgoff_t n, idx[3] = { };
	char __user *p;
	loff_t pos;
	int i;

	n = cmp_fragment(test, pool, file);
	cmp_lowest_pages(mapping, n, idx, 3);
	addr = kunit_vm_mmap(test, file, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	/* Three pages mapped by a fault each; the second also pinned. */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, copy_from_user(buf, p + idx[i] * PAGE_SIZE, PAGE_SIZE), 0UL);
		old[i] = xa_load(&mapping->i_pages, idx[i]);
	}
	KUNIT_EXPECT_EQ(test, pin_user_pages_fast(addr + idx[1] * PAGE_SIZE, 1, FOLL_WRITE,
						  &pinned), 1);
	KUNIT_EXPECT_PTR_EQ(test, pinned, old[1]);

	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	KUNIT_EXPECT_GT(test, stats.migrated, 0UL);
	KUNIT_EXPECT_GE(test, stats.failed, 1UL);
	/* The pinned page did not move; the others did. */
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&mapping->i_pages, idx[1]), (void *)old[1]);
	KUNIT_EXPECT_PTR_NE(test, xa_load(&mapping->i_pages, idx[0]), (void *)old[0]);
	KUNIT_EXPECT_PTR_NE(test, xa_load(&mapping->i_pages, idx[2]), (void *)old[2]);
	/* An access through the mapping now reaches the new frame, same bytes. */
	for (i = 0; i < 3; i++) {
		smm_test_pattern(buf, idx[i]);
		KUNIT_EXPECT_EQ(test, copy_from_user(got, p + idx[i] * PAGE_SIZE, PAGE_SIZE), 0UL);
		KUNIT_EXPECT_EQ(test, memcmp(got, buf, PAGE_SIZE), 0);
	}
	KUNIT_EXPECT_EQ(test, pin_user_pages_fast(addr + idx[0] * PAGE_SIZE, 1, 0, &now), 1);
	if (now) {
		KUNIT_EXPECT_PTR_EQ(test, (void *)now, xa_load(&mapping->i_pages, idx[0]));
		KUNIT_EXPECT_PTR_NE(test, now, old[0]);
		unpin_user_page(now);
	}
	/* A write through the mapping lands in the object's new page. */
	KUNIT_EXPECT_EQ(test, copy_to_user(p + idx[2] * PAGE_SIZE, "moved", 5), 0UL);
	pos = (loff_t)idx[2] << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, 5, &pos), 5L);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "moved", 5), 0);
	if (pinned)
		unpin_user_page(pinned);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, n * PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, idx[0]));
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, idx[1]));
}

/* A compaction run in a thread of its own, for the test to race with. */
struct cmp_runner {
	struct smm_pool *pool;
	struct smm_compact_stats stats;
	int ret;
	struct completion done;
};

static int cmp_runner_fn(void *arg)
{
	struct cmp_runner *c = arg;

	c->ret = smm_compact_pool(c->pool, &c->stats);
	complete(&c->done);
	return 0;
}

/*
 * Faults, reads and writes through a mapping of the whole object race
 * with a compaction run: each access sees the page's bytes, old frame or
 * new, and afterwards every byte is intact and validate clean.
 */
static void smm_compaction_race_faults_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long addr, rounds = 0, bad = 0;
	struct task_struct *task;
	struct cmp_runner *c;
	char __user *p;
	pgoff_t n, i = 0;

	n = cmp_fragment(test, pool, file);
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->pool = pool;
	init_completion(&c->done);
	addr = kunit_vm_mmap(test, file, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	task = kthread_run(cmp_runner_fn, c, "cmp_runner");
	KUNIT_EXPECT_FALSE(test, IS_ERR(task));
	if (IS_ERR(task))
		complete(&c->done);
	while (!completion_done(&c->done)) {
		loff_t pos = (loff_t)i << PAGE_SHIFT;

		smm_test_pattern(want, i);
		/* A read fault, a write fault with the same bytes, a read(). */
		if (copy_from_user(buf, p + i * PAGE_SIZE, PAGE_SIZE) ||
		    memcmp(buf, want, PAGE_SIZE))
			bad++;
		if (copy_to_user(p + i * PAGE_SIZE, want, PAGE_SIZE))
			bad++;
		if (kernel_read(file, buf, PAGE_SIZE, &pos) != PAGE_SIZE ||
		    memcmp(buf, want, PAGE_SIZE))
			bad++;
		i = (i + 2 * 37) % (n & ~1UL);
		rounds++;
		cond_resched();
	}
	wait_for_completion(&c->done);
	kunit_info(test, "%lu accesses beside %lu migrations", rounds, c->stats.migrated);
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	KUNIT_EXPECT_GT(test, c->stats.migrated, 0UL);
	KUNIT_EXPECT_GT(test, rounds, 0UL);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, n * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The knobs refuse what they do not take, and nothing changes then. */
static void smm_compaction_knob_test(struct kunit *test)
{
	static const char * const bad[] = {
		"compact 0", "compact 2", "compact -1", "compact x", "compact",
		"compact 1 1", "extfrag_threshold 1001", "extfrag_threshold -1",
		"extfrag_threshold", "extfrag_threshold 5x",
	};
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	unsigned long free;
	unsigned int i;

	cmp_fragment(test, pool, file);
	free = smm_pool_free_pages(pool);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold),
			(unsigned int)SMM_EXTFRAG_THRESHOLD_DEFAULT);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_knob_write(pool, bad[i]), -EINVAL, "%s", bad[i]);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold),
			(unsigned int)SMM_EXTFRAG_THRESHOLD_DEFAULT);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTSTALL), 0UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTMIGRATE_SCANNED), 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free);

	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "extfrag_threshold 0"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold), 0U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "extfrag_threshold 1000"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold), 1000U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "compact 1"), 0);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTSTALL), 1UL);
	KUNIT_EXPECT_GT(test, smm_event_sum(pool, SMM_COMPACTMIGRATE_SCANNED), 0UL);
}

/* A failed order-9 allocation wakes kcompactd, which builds a block. */
static void smm_compaction_kcompactd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long end;
	struct smm_page *blk;
	pgoff_t n;

	n = cmp_fragment(test, pool, file);
	KUNIT_ASSERT_EQ(test, cmp_blocks(zone), 0UL);
	KUNIT_ASSERT_GT(test, smm_zone_extfrag_index(zone, SMM_COMPACT_ORDER),
			SMM_EXTFRAG_THRESHOLD_DEFAULT);
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, SMM_COMPACT_ORDER, 0));
	end = jiffies + 60 * HZ;
	while (!smm_event_sum(pool, SMM_COMPACTSUCCESS) ||
	       !smm_kcompactd_idle(pool, zone->node->index)) {
		if (time_after(jiffies, end))
			break;
		msleep(20);
	}
	KUNIT_EXPECT_GE(test, smm_event_sum(pool, SMM_KCOMPACTD_WAKE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTSUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_COMPACTSTALL), 0UL);
	KUNIT_EXPECT_GT(test, cmp_blocks(zone), 0UL);
	blk = smm_alloc_pages(pool, SMM_COMPACT_ORDER, 0);
	KUNIT_EXPECT_NOT_NULL(test, blk);
	if (blk)
		smm_free_pages(pool, blk, SMM_COMPACT_ORDER);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The fragmentation index, on a zone with nothing free and then some. */
static void smm_compaction_extfrag_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file;

	/* A whole free pool: a block of every order is there. */
	KUNIT_EXPECT_EQ(test, smm_zone_extfrag_index(zone, SMM_COMPACT_ORDER), -1000);
	file = smm_test_object_file(test, pool);
	cmp_fragment(test, pool, file);
	/* Half free, all in single frames: fragmentation, near 1000. */
	KUNIT_EXPECT_GT(test, smm_zone_extfrag_index(zone, SMM_COMPACT_ORDER), 900);
	KUNIT_EXPECT_LE(test, smm_zone_extfrag_index(zone, SMM_COMPACT_ORDER), 1000);
	/* Order 0 is always served while anything is free. */
	KUNIT_EXPECT_EQ(test, smm_zone_extfrag_index(zone, 0), -1000);
}

static struct kunit_case smm_compaction_cases[] = {
	KUNIT_CASE_SLOW(smm_compaction_fragmented_test),
	KUNIT_CASE(smm_compaction_pinned_mapped_test),
	KUNIT_CASE_SLOW(smm_compaction_race_faults_test),
	KUNIT_CASE(smm_compaction_knob_test),
	KUNIT_CASE_SLOW(smm_compaction_kcompactd_test),
	KUNIT_CASE(smm_compaction_extfrag_test),
	{}
};

static struct kunit_suite smm_compaction_suite = {
	.name = "shadowmm_compaction",
	.test_cases = smm_compaction_cases,
};

kunit_test_suites(&smm_compaction_suite);
