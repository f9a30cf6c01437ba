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
 * stays where it is; a locked one is waited for and moves; a mapped page
 * moves, and an access through the mapping afterwards reaches the new
 * frame with the same bytes; the knobs refuse bad input and change
 * nothing then; a failed order-9 allocation wakes kcompactd, which builds
 * a block; the counters move by what the test did.  The free scanner
 * holds no more free frames than a batch needs and compaction keeps off
 * the min watermark; mlocked pages stay; races with faults, writes,
 * punches, eviction and swap-in lose no byte; only a pool that asks for
 * kcompactd has one, and a wake racing its destruction is harmless.
 *
 * Between mapping and unmapping only EXPECTs are used: the test thread's
 * mappings must be gone before the pool is (see smm_test_fput()).
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>

#include <shadowmm/compaction.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
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

static const struct smm_test_pool_cfg cmp_kcompactd_pool = {
	.mb = 16, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true, .kcompactd = true,
};

/* Two zones, for what is counted per zone. */
static const struct smm_test_pool_cfg cmp_two_zone_pool = {
	.mb = 16, .split = { 0, 50, 50 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

/* Per-CPU lists on, and a store: eviction and swap-in race too. */
static const struct smm_test_pool_cfg cmp_mix_pool = {
	.mb = 16, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .swap_pages = 4096,
};

/* The counters of a pool, before what a test does. */
static const enum smm_event cmp_events[] = {
	SMM_COMPACTMIGRATE_SCANNED, SMM_COMPACTFREE_SCANNED, SMM_COMPACTISOLATED,
	SMM_COMPACTSTALL, SMM_COMPACTSUCCESS, SMM_COMPACTFAIL, SMM_KCOMPACTD_WAKE,
};

struct cmp_counts {
	unsigned long v[ARRAY_SIZE(cmp_events)];
};

static void cmp_counts_take(struct smm_pool *pool, struct cmp_counts *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmp_events); i++)
		c->v[i] = smm_event_sum(pool, cmp_events[i]);
}

/* How much @item moved since @c was taken. */
static unsigned long cmp_delta(struct smm_pool *pool, const struct cmp_counts *c,
			       enum smm_event item)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmp_events); i++)
		if (cmp_events[i] == item)
			return smm_event_sum(pool, item) - c->v[i];
	return ULONG_MAX;
}

/*
 * Generation @gen of page @index's bytes: generation 0 is the pattern
 * cmp_fragment() writes; each later one differs in every byte from the
 * one before and carries its number and index at the start.
 */
static void cmp_stamp(u8 *buf, pgoff_t index, u32 gen)
{
	unsigned int i;
	u64 idx = index;

	smm_test_pattern(buf, index);
	if (!gen)
		return;
	for (i = 0; i < PAGE_SIZE; i++)
		buf[i] = (u8)(buf[i] + 2 * (gen % 127 + 1));
	memcpy(buf, &gen, sizeof(gen));
	memcpy(buf + sizeof(gen), &idx, sizeof(idx));
}

/*
 * One access of page @i of @file, mapped at @p: a read fault finds the
 * generation last written, a write fault stores the next one, and read()
 * finds that.  Returns how many of the three went wrong.
 */
static unsigned long cmp_access_page(struct file *file, char __user *p, pgoff_t i,
				     u32 *gen, u8 *buf, u8 *want)
{
	loff_t pos = (loff_t)i << PAGE_SHIFT;
	unsigned long bad = 0;

	cmp_stamp(want, i, *gen);
	if (copy_from_user(buf, p + i * PAGE_SIZE, PAGE_SIZE) ||
	    memcmp(buf, want, PAGE_SIZE))
		bad++;
	cmp_stamp(want, i, ++*gen);
	if (copy_to_user(p + i * PAGE_SIZE, want, PAGE_SIZE))
		bad++;
	if (kernel_read(file, buf, PAGE_SIZE, &pos) != PAGE_SIZE ||
	    memcmp(buf, want, PAGE_SIZE))
		bad++;
	return bad;
}

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
 * odd page punched.  With @until_full, writing stops at the first page
 * that finds no frame (a lower zone's reserve against a higher one's
 * allocations keeps some free).  Returns the number of pages written
 * (even ones stay).
 */
static pgoff_t __cmp_fragment(struct kunit *test, struct smm_pool *pool,
			      struct file *file, bool until_full)
{
	struct smm_object *obj = smm_file_object(file);
	unsigned long free = smm_pool_free_pages(pool);
	u8 *buf = smm_test_buf(test);
	pgoff_t i, n;

	KUNIT_ASSERT_GT(test, free, 4UL * CMP_SLACK);
	n = free - CMP_SLACK;
	for (i = 0; i < n; i++) {
		loff_t pos = (loff_t)i << PAGE_SHIFT;
		ssize_t ret;

		smm_test_pattern(buf, i);
		ret = kernel_write(file, buf, PAGE_SIZE, &pos);
		if (until_full && ret == -ENOSPC && i > 4 * CMP_SLACK) {
			n = i;
			break;
		}
		KUNIT_ASSERT_EQ(test, ret, (ssize_t)PAGE_SIZE);
	}
	smm_lru_drain_all(pool);
	for (i = 1; i < n; i += 2)
		KUNIT_ASSERT_EQ(test, smm_object_punch(obj, (loff_t)i << PAGE_SHIFT,
						       (loff_t)(i + 1) << PAGE_SHIFT), 1L);
	return n;
}

static pgoff_t cmp_fragment(struct kunit *test, struct smm_pool *pool, struct file *file)
{
	return __cmp_fragment(test, pool, file, false);
}

/*
 * Every even page of [0, @n) reads back its generation (@gens, or 0 when
 * NULL); the odd ones zeroes.
 */
static unsigned long cmp_check_gens(struct kunit *test, struct file *file, pgoff_t n,
				    const u32 *gens)
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
			cmp_stamp(want, i, gens ? gens[i] : 0);
		bad += !!memcmp(buf, want, PAGE_SIZE);
	}
	return bad;
}

static unsigned long cmp_check_bytes(struct kunit *test, struct file *file, pgoff_t n)
{
	return cmp_check_gens(test, file, n, NULL);
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
	struct cmp_counts c;
	pgoff_t n;

	n = cmp_fragment(test, pool, file);
	KUNIT_ASSERT_EQ(test, smm_test_validate(pool), 0U);
	cmp_counts_take(pool, &c);
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

	KUNIT_EXPECT_GT(test, cmp_delta(pool, &c, SMM_COMPACTMIGRATE_SCANNED), 0UL);
	KUNIT_EXPECT_GT(test, cmp_delta(pool, &c, SMM_COMPACTFREE_SCANNED), 0UL);
	KUNIT_EXPECT_GE(test, cmp_delta(pool, &c, SMM_COMPACTISOLATED), 2 * z.theory);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSTALL), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTFAIL), 0UL);
	/* The tracepoints told the same story. */
	KUNIT_EXPECT_EQ(test, tr->begins, 1UL);
	KUNIT_EXPECT_EQ(test, tr->ends, 1UL);
	KUNIT_EXPECT_EQ(test, tr->status, (int)SMM_COMPACT_COMPLETE);
	KUNIT_EXPECT_EQ(test, tr->taken, cmp_delta(pool, &c, SMM_COMPACTISOLATED));
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

/* smm_migrate_copy() as memory that failed makes it: nothing copied. */
static unsigned long cmp_copy_fails(struct smm_pool *pool, struct smm_page *to,
				    struct smm_page *from)
{
	return PAGE_SIZE;
}

/*
 * A migration whose read of the old frame fails (a memory error the
 * machine-check-safe copy survives) moves nothing: every page stays on
 * its frame with its bytes, no frame is lost, the failures are counted
 * and validate is clean.  (Before, the copy could not fail, and the
 * pages moved.)
 */
static void smm_compaction_copy_fails_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	struct smm_compact_stats stats = { };
	unsigned long free0, moved = 0;
	struct page **old;
	pgoff_t n, i;

	n = cmp_fragment(test, pool, file);
	old = kunit_kcalloc(test, n, sizeof(*old), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	for (i = 0; i < n; i += 2)
		old[i] = xa_load(&mapping->i_pages, i);
	free0 = smm_pool_free_pages(pool);

	kunit_activate_static_stub(test, smm_migrate_copy, cmp_copy_fails);
	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	kunit_deactivate_static_stub(test, smm_migrate_copy);
	KUNIT_EXPECT_EQ(test, stats.migrated, 0UL);
	KUNIT_EXPECT_GT(test, stats.failed, 0UL);
	for (i = 0; i < n; i += 2)
		moved += xa_load(&mapping->i_pages, i) != old[i];
	KUNIT_EXPECT_EQ(test, moved, 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
}

/*
 * In place of smm_migrate_copy(): a lookup that comes to @target's page
 * while its bytes are copied (or, with @held set before the run, one
 * that held it already), and lets go of it while the next page of the
 * batch is copied.  The real copy is made each time.
 */
struct cmp_busy_once {
	struct smm_page *target;
	struct page *held;	/* the lookup's page while it holds it */
	bool let_go;
};

static unsigned long cmp_copy_busy_once(struct smm_pool *pool, struct smm_page *to,
					struct smm_page *from)
{
	struct kunit *test = kunit_get_current_test();
	struct cmp_busy_once *b = test->priv;
	unsigned long left;

	if (b->held) {
		put_page(b->held);
		b->held = NULL;
		b->let_go = true;
	} else if (from == b->target && !b->let_go) {
		b->held = smm_frame_struct_page(pool, from);
		get_page(b->held);
	}
	kunit_deactivate_static_stub(test, smm_migrate_copy);
	left = smm_migrate_copy(pool, to, from);
	if (!b->let_go)
		kunit_activate_static_stub(test, smm_migrate_copy, cmp_copy_busy_once);
	return left;
}

/*
 * A knob run with the lowest page held for a moment, from before the run
 * (@early) or from its copy on, by a reference that is not a pin: the
 * page moves in the batch's next pass, no failure counted, no frame lost,
 * every byte intact.
 */
static void cmp_retries_busy(struct kunit *test, bool early)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	struct smm_compact_stats stats = { };
	struct cmp_busy_once b = { };
	unsigned long free0;
	struct page *old;
	pgoff_t n, idx;

	n = cmp_fragment(test, pool, file);
	cmp_lowest_pages(mapping, n, &idx, 1);
	old = xa_load(&mapping->i_pages, idx);
	KUNIT_ASSERT_TRUE(test, old && !xa_is_value(old));
	b.target = smm_object_frame(pool, old);
	if (early) {
		b.held = old;
		get_page(old);
	}
	free0 = smm_pool_free_pages(pool);

	test->priv = &b;
	kunit_activate_static_stub(test, smm_migrate_copy, cmp_copy_busy_once);
	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	/* The lowest page is not its batch's last: a copy came after it. */
	KUNIT_EXPECT_TRUE(test, b.let_go);
	if (!b.let_go)
		kunit_deactivate_static_stub(test, smm_migrate_copy);
	test->priv = NULL;
	if (b.held)
		put_page(b.held);

	KUNIT_EXPECT_EQ(test, stats.failed, 0UL);
	KUNIT_EXPECT_GT(test, stats.migrated, 0UL);
	KUNIT_EXPECT_PTR_NE(test, xa_load(&mapping->i_pages, idx), (void *)old);
	/* No per-CPU lists in this pool: a frame lost would show here. */
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
}

/*
 * A page whose move fails because someone held it for a moment is tried
 * again in the batch's next pass, as the kernel's migrate_pages() retries
 * a folio it got -EAGAIN for, and moves.  Here a lookup takes its
 * reference between the move's count check and its freeze.  (Before, the
 * page was left where it was at the first failure, and the block it sat
 * in was lost to the run.)
 */
static void smm_compaction_retries_busy_test(struct kunit *test)
{
	cmp_retries_busy(test, false);
}

/*
 * The same with the reference held when the move locks the page (a read()
 * copying it, a get_user_pages() that is not a pin): worth another pass
 * too.  (Before, any reference beyond the ptes' was taken for a pin, and
 * the page stayed at once.)
 */
static void smm_compaction_retries_held_test(struct kunit *test)
{
	cmp_retries_busy(test, true);
}

/*
 * A page accessed through a mapping just before it moves: its young pte,
 * read before the unmap takes it, becomes shadowmm's mark on the new
 * frame, so reclaim gives it the chance an accessed page gets.  (Before,
 * the new frame carried no mark and was reclaimed at its first look.)
 */
static void smm_compaction_keeps_access_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	struct smm_compact_stats stats = { };
	u8 *buf = smm_test_buf(test);
	struct page *old, *now;
	pgoff_t n, idx[1] = { };
	unsigned long addr;

	n = cmp_fragment(test, pool, file);
	cmp_lowest_pages(mapping, n, idx, 1);
	addr = kunit_vm_mmap(test, file, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, (char __user *)addr + idx[0] * PAGE_SIZE,
					     PAGE_SIZE), 0UL);
	old = xa_load(&mapping->i_pages, idx[0]);
	/* Only the pte's young bit tells of the access. */
	clear_bit(SMM_PG_referenced, &smm_object_frame(pool, old)->flags);
	folio_clear_referenced(page_folio(old));

	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	now = xa_load(&mapping->i_pages, idx[0]);
	KUNIT_ASSERT_PTR_NE(test, now, old);
	KUNIT_EXPECT_TRUE(test, smm_page_test(smm_object_frame(pool, now), SMM_PG_referenced));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, n * PAGE_SIZE), 0);
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
 * A page someone holds locked when the knob's compaction comes to it is
 * waited for, as the kernel's synchronous migration waits, and moves once
 * it is unlocked: the block it sat in is not lost to a lock held for a
 * moment (reclaim's look at the page, a fault).  The test holds the lock
 * of the page on the lowest frame until the compaction sleeps on it (or
 * ten seconds pass).  (Before, the lock was only tried: the page stayed,
 * counted as a failed migration.)
 */
static void smm_compaction_waits_for_locked_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	unsigned long deadline = jiffies + 10 * HZ;
	struct task_struct *task;
	struct cmp_runner *c;
	struct folio *folio;
	struct page *old;
	bool waited;
	pgoff_t n, idx;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	n = cmp_fragment(test, pool, file);
	cmp_lowest_pages(mapping, n, &idx, 1);
	old = xa_load(&mapping->i_pages, idx);
	KUNIT_ASSERT_TRUE(test, old && !xa_is_value(old));
	folio = page_folio(old);
	KUNIT_ASSERT_TRUE(test, folio_trylock(folio));

	c->pool = pool;
	init_completion(&c->done);
	task = kthread_run(cmp_runner_fn, c, "cmp_runner");
	if (IS_ERR(task)) {
		folio_unlock(folio);
		KUNIT_FAIL(test, "no compaction thread: %ld", PTR_ERR(task));
		return;
	}
	while (!folio_test_waiters(folio) && !completion_done(&c->done) &&
	       time_before(jiffies, deadline))
		msleep(20);
	waited = folio_test_waiters(folio);
	folio_unlock(folio);
	wait_for_completion(&c->done);

	KUNIT_EXPECT_TRUE(test, waited);
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	KUNIT_EXPECT_EQ(test, c->stats.failed, 0UL);
	KUNIT_EXPECT_GT(test, c->stats.migrated, 0UL);
	KUNIT_EXPECT_PTR_NE(test, xa_load(&mapping->i_pages, idx), (void *)old);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
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
	unsigned long changed = 0;
	struct task_struct *task;
	struct cmp_runner *c;
	char __user *p;
	pgoff_t n, i = 0;
	u32 *gens;

	n = cmp_fragment(test, pool, file);
	gens = kunit_kcalloc(test, n, sizeof(*gens), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gens);
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
		loff_t pos;

		/*
		 * A read fault finds the last generation written; a write
		 * fault stores the next one, which differs in every byte, so
		 * a write lost to a migration (landing in the old frame after
		 * the copy) shows; a read() finds it; and once in a while a
		 * write() stores yet another.
		 */
		bad += cmp_access_page(file, p, i, &gens[i], buf, want);
		if (rounds % 3 == 0) {
			cmp_stamp(want, i, ++gens[i]);
			pos = (loff_t)i << PAGE_SHIFT;
			if (kernel_write(file, want, PAGE_SIZE, &pos) != PAGE_SIZE)
				bad++;
		}
		changed++;
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
	KUNIT_EXPECT_GT(test, changed, 0UL);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, n * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, cmp_check_gens(test, file, n, gens), 0UL);
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
	struct cmp_counts c;
	unsigned long free;
	unsigned int i;

	cmp_fragment(test, pool, file);
	free = smm_pool_free_pages(pool);
	cmp_counts_take(pool, &c);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold),
			(unsigned int)SMM_EXTFRAG_THRESHOLD_DEFAULT);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_knob_write(pool, bad[i]), -EINVAL, "%s", bad[i]);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold),
			(unsigned int)SMM_EXTFRAG_THRESHOLD_DEFAULT);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSTALL), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTMIGRATE_SCANNED), 0UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), free);

	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "extfrag_threshold 0"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold), 0U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "extfrag_threshold 1000"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->compact.extfrag_threshold), 1000U);
	KUNIT_EXPECT_EQ(test, smm_knob_write(pool, "compact 1"), 0);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSTALL), 1UL);
	KUNIT_EXPECT_GT(test, cmp_delta(pool, &c, SMM_COMPACTMIGRATE_SCANNED), 0UL);
}

/* What the kcompactd wakeup tracepoint reported. */
struct cmp_wake_trace {
	struct task_struct *task;	/* the case's: only the wake its allocation makes */
	unsigned long wakes;
	int highest_zoneidx;
};

static void cmp_probe_wake(void *data, int nid, int order, int highest_zoneidx)
{
	struct cmp_wake_trace *t = data;

	if (current != t->task)
		return;
	t->wakes++;
	t->highest_zoneidx = highest_zoneidx;
}

/*
 * A failed order-9 allocation wakes kcompactd, traced with the zone the
 * allocation could use, and kcompactd builds a block: one success.
 */
static void smm_compaction_kcompactd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_kcompactd_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct cmp_wake_trace *tr;
	struct cmp_counts c;
	unsigned long end;
	struct smm_page *blk;
	pgoff_t n;

	tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tr);
	tr->highest_zoneidx = -1;
	tr->task = current;
	n = cmp_fragment(test, pool, file);
	KUNIT_ASSERT_EQ(test, cmp_blocks(zone), 0UL);
	KUNIT_ASSERT_GT(test, smm_zone_extfrag_index(zone, SMM_COMPACT_ORDER),
			SMM_EXTFRAG_THRESHOLD_DEFAULT);
	cmp_counts_take(pool, &c);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_wakeup_kcompactd(cmp_probe_wake,
										  tr), 0);
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, SMM_COMPACT_ORDER, 0));
	unregister_trace_shadowmm_compaction_wakeup_kcompactd(cmp_probe_wake, tr);
	tracepoint_synchronize_unregister();
	end = jiffies + 60 * HZ;
	while (!cmp_delta(pool, &c, SMM_COMPACTSUCCESS) ||
	       !smm_kcompactd_idle(pool, zone->node->index)) {
		if (time_after(jiffies, end))
			break;
		msleep(20);
	}
	KUNIT_EXPECT_EQ(test, tr->wakes, 1UL);
	/* Flags 0 allow Normal and below: the zone traced is Normal. */
	KUNIT_EXPECT_EQ(test, tr->highest_zoneidx, (int)SMM_ZONE_NORMAL);
	KUNIT_EXPECT_GE(test, cmp_delta(pool, &c, SMM_KCOMPACTD_WAKE), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTFAIL), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSTALL), 0UL);
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

/* The free scanner's takes, and how close to min they brought the zone. */
struct cmp_wmark_trace {
	struct smm_zone *zone;
	long lowest_margin;
	unsigned long max_taken;
};

static void cmp_probe_free_taken(void *data, unsigned long start_pfn, unsigned long end_pfn,
				 unsigned long nr_scanned, unsigned long nr_taken)
{
	struct cmp_wmark_trace *t = data;
	long margin = (long)smm_zone_free(t->zone) -
		      (long)READ_ONCE(t->zone->watermark[SMM_WMARK_MIN]);

	t->lowest_margin = min(t->lowest_margin, margin);
	t->max_taken = max(t->max_taken, nr_taken);
}

/* Every watermark of @zone at @pages (the test's own, restored after). */
static void cmp_set_watermarks(struct smm_pool *pool, struct smm_zone *zone,
			       unsigned long pages)
{
	int w;

	mutex_lock(&pool->tune_lock);
	for (w = SMM_WMARK_MIN; w <= SMM_WMARK_HIGH; w++)
		WRITE_ONCE(zone->watermark[w], pages);
	mutex_unlock(&pool->tune_lock);
}

/*
 * The free scanner takes as many free frames as a batch has pages, and
 * gives back what it did not use: with the min watermark four batches
 * below the zone's free frames, a whole run never takes the zone below
 * it, though the free blocks it scans hold many more frames than that.
 */
static void smm_compaction_free_batch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_compact_stats stats = { };
	struct cmp_wmark_trace *tr;
	unsigned long free;
	pgoff_t n;

	n = cmp_fragment(test, pool, file);
	tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tr);
	tr->zone = zone;
	tr->lowest_margin = LONG_MAX;
	free = smm_zone_free(zone);
	KUNIT_ASSERT_GT(test, free, 8UL * SMM_COMPACT_BATCH);
	cmp_set_watermarks(pool, zone, free - 4 * SMM_COMPACT_BATCH);
	KUNIT_EXPECT_EQ(test, register_trace_shadowmm_compaction_isolate_freepages(cmp_probe_free_taken,
										 tr), 0);
	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	unregister_trace_shadowmm_compaction_isolate_freepages(cmp_probe_free_taken, tr);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ(test, smm_pool_set_min_free_kbytes(pool, 0), 0);

	kunit_info(test, "migrated %lu, free frames taken %lu, held at most %lu, margin %ld",
		   stats.migrated, stats.isolated_free, stats.max_free_held, tr->lowest_margin);
	KUNIT_EXPECT_GT(test, stats.migrated, 0UL);
	KUNIT_EXPECT_LE(test, stats.max_free_held, (unsigned long)SMM_COMPACT_BATCH);
	KUNIT_EXPECT_LE(test, tr->max_taken, (unsigned long)SMM_COMPACT_BATCH);
	KUNIT_EXPECT_LE(test, stats.isolated_free, stats.isolated_migrate);
	KUNIT_EXPECT_GE(test, tr->lowest_margin, 0L);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), free);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A zone whose free frames are below its min watermark plus a batch is
 * not compacted, by the knob or by anyone: nothing is taken or moved, and
 * no success or failure is counted.
 */
static void smm_compaction_watermark_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_compact_stats stats = { };
	enum smm_compact_result r;
	struct cmp_counts c;
	unsigned long free;

	cmp_fragment(test, pool, file);
	free = smm_zone_free(zone);
	cmp_set_watermarks(pool, zone, free - SMM_COMPACT_BATCH / 2);
	cmp_counts_take(pool, &c);
	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	mutex_lock(&pool->compact.lock);
	r = smm_compact_zone(pool, zone, SMM_COMPACT_ORDER, true, &stats);
	mutex_unlock(&pool->compact.lock);
	KUNIT_EXPECT_EQ(test, smm_pool_set_min_free_kbytes(pool, 0), 0);

	KUNIT_EXPECT_EQ(test, (int)r, (int)SMM_COMPACT_SKIPPED);
	KUNIT_EXPECT_EQ(test, stats.isolated_free, 0UL);
	KUNIT_EXPECT_EQ(test, stats.migrated, 0UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), free);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSTALL), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSUCCESS), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTFAIL), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTMIGRATE_SCANNED), 0UL);
}

/*
 * A pool that did not ask for kcompactd has none: a failed order-9
 * allocation wakes nothing and nothing moves behind the test's back.
 */
static void smm_compaction_no_kcompactd_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct file *file = smm_test_object_file(test, pool);
	struct cmp_counts c;
	unsigned long free;

	KUNIT_EXPECT_NULL(test, rcu_access_pointer(pool->compact.kcompactd));
	cmp_fragment(test, pool, file);
	free = smm_zone_free(zone);
	cmp_counts_take(pool, &c);
	KUNIT_EXPECT_NULL(test, smm_alloc_pages(pool, SMM_COMPACT_ORDER, 0));
	msleep(100);
	KUNIT_EXPECT_TRUE(test, smm_kcompactd_idle(pool, zone->node->index));
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_KCOMPACTD_WAKE), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTMIGRATE_SCANNED), 0UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), free);
	KUNIT_EXPECT_EQ(test, cmp_blocks(zone), 0UL);
}

/* Wakes kcompactd as fast as it can, as failed allocations would. */
struct cmp_waker {
	struct smm_pool *pool;
	unsigned long wakes;
};

static int cmp_waker_fn(void *arg)
{
	struct cmp_waker *w = arg;

	while (!kthread_should_stop()) {
		smm_kcompactd_wake(w->pool, &w->pool->zones.nodes[0], SMM_COMPACT_ORDER,
				   SMM_ZONE_NORMAL);
		smm_kcompactd_idle(w->pool, 0);
		w->wakes++;
		cond_resched();
	}
	return 0;
}

/*
 * kcompactd stopped while wakers keep coming and it is compacting: the
 * wakers see it gone and touch nothing freed (KASAN watches), and the
 * pool's own destruction afterwards finds nothing left to stop.
 */
static void smm_compaction_destroy_race_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_kcompactd_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct task_struct *task[2];
	struct cmp_waker *w;
	int i;

	cmp_fragment(test, pool, file);
	KUNIT_ASSERT_NOT_NULL(test, rcu_access_pointer(pool->compact.kcompactd));
	w = kunit_kcalloc(test, ARRAY_SIZE(task), sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < ARRAY_SIZE(task); i++) {
		w[i].pool = pool;
		task[i] = kthread_run(cmp_waker_fn, &w[i], "cmp_waker%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task[i]));
	}
	msleep(200);
	smm_compaction_pool_destroy(pool);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(pool->compact.kcompactd));
	msleep(50);
	for (i = 0; i < ARRAY_SIZE(task); i++) {
		kthread_stop(task[i]);
		KUNIT_EXPECT_GT(test, w[i].wakes, 0UL);
	}
	KUNIT_EXPECT_TRUE(test, smm_kcompactd_idle(pool, 0));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* The populated zone of @pool of type @type. */
static struct smm_zone *cmp_zone_of_type(struct smm_pool *pool, enum smm_zone_type type)
{
	struct smm_zone *zone;
	int i;

	for_each_smm_zone(pool, zone, i)
		if (zone->type == type && smm_zone_populated(zone))
			return zone;
	return NULL;
}

/*
 * Success and failure are counted per zone compacted, by what that zone
 * has afterwards: of two fragmented zones, the one whose pages can move
 * builds a block (a success); the one whose pages are all held stays
 * fragmented (a failure), though the pool as a whole has a block.
 */
static void smm_compaction_per_zone_outcome_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_two_zone_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_zone *normal = cmp_zone_of_type(pool, SMM_ZONE_NORMAL);
	struct smm_zone *high = cmp_zone_of_type(pool, SMM_ZONE_HIGHMEM);
	struct smm_compact_stats stats = { };
	unsigned long nr = 0, k;
	struct cmp_counts c;
	struct page **held;
	pgoff_t n, i;

	KUNIT_ASSERT_NOT_NULL(test, normal);
	KUNIT_ASSERT_NOT_NULL(test, high);
	n = __cmp_fragment(test, pool, file, true);
	KUNIT_ASSERT_EQ(test, cmp_blocks(normal), 0UL);
	KUNIT_ASSERT_EQ(test, cmp_blocks(high), 0UL);
	held = kunit_kcalloc(test, n, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	/* Nothing else runs on the pool: every resident page stays put. */
	for (i = 0; i < n; i += 2) {
		struct page *page = xa_load(&file->f_mapping->i_pages, i);
		unsigned long sfn;

		if (!page || xa_is_value(page))
			continue;
		sfn = page_private(page);
		if (sfn < high->start_sfn || sfn >= smm_zone_end_sfn(high))
			continue;
		get_page(page);
		held[nr++] = page;
	}
	KUNIT_ASSERT_GT(test, nr, 0UL);
	cmp_counts_take(pool, &c);
	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	for (k = 0; k < nr; k++)
		put_page(held[k]);

	KUNIT_EXPECT_GT(test, cmp_blocks(normal), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_blocks(high), 0UL);
	/* The migrate scanner reaches the lower half before the scanners meet. */
	KUNIT_EXPECT_GT(test, stats.failed, 0UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTSUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_delta(pool, &c, SMM_COMPACTFAIL), 1UL);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Deferral is per order: a failure at an order defers that order and
 * above, twice as long each time up to the bound, never a lower order;
 * a success ends it.
 */
static void smm_compaction_defer_test(struct kunit *test)
{
	struct smm_compact_defer d = { .order_failed = SMM_NR_ORDERS };
	unsigned int round, k;

	KUNIT_EXPECT_FALSE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER));
	for (round = 1; round <= 3; round++) {
		smm_compaction_defer(&d, SMM_COMPACT_ORDER);
		KUNIT_EXPECT_EQ(test, d.defer_shift, round);
		/* The order below is never held off by this one's failure. */
		KUNIT_EXPECT_FALSE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER - 1));
		for (k = 1; k < (1U << round); k++)
			KUNIT_EXPECT_TRUE_MSG(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER),
					      "round %u, run %u", round, k);
		KUNIT_EXPECT_FALSE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER));
		KUNIT_EXPECT_FALSE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER));
	}
	/* A higher order is held off as well. */
	smm_compaction_defer(&d, SMM_COMPACT_ORDER);
	KUNIT_EXPECT_TRUE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER + 1));
	for (k = 0; k < 10; k++)
		smm_compaction_defer(&d, SMM_COMPACT_ORDER);
	KUNIT_EXPECT_EQ(test, d.defer_shift, (unsigned int)SMM_COMPACT_MAX_DEFER_SHIFT);
	smm_compaction_defer_reset(&d, SMM_COMPACT_ORDER);
	KUNIT_EXPECT_EQ(test, d.defer_shift, 0U);
	KUNIT_EXPECT_EQ(test, d.order_failed, SMM_COMPACT_ORDER + 1);
	KUNIT_EXPECT_FALSE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER));
	KUNIT_EXPECT_FALSE(test, smm_compaction_deferred(&d, SMM_COMPACT_ORDER + 1));
}

/* Resident pages of [0, @n) of @file whose struct page is PG_mlocked. */
static unsigned long cmp_mlocked(struct file *file, pgoff_t n)
{
	unsigned long nr = 0;
	pgoff_t i;

	for (i = 0; i < n; i++) {
		struct page *page = xa_load(&file->f_mapping->i_pages, i);

		if (page && !xa_is_value(page))
			nr += folio_test_mlocked(page_folio(page));
	}
	return nr;
}

/* Frames of @pool with no reference (free) whose struct page is PG_mlocked. */
static unsigned long cmp_free_mlocked(struct smm_pool *pool)
{
	struct smm_region *r = &pool->region;
	unsigned long sfn, nr = 0;

	for (sfn = 0; sfn < r->nr_frames; sfn++) {
		struct page *page;

		if (smm_page_test(smm_sfn_page(r, sfn), SMM_PG_absent))
			continue;
		page = pfn_to_page(smm_sfn_pfn(r, sfn));
		nr += !page_ref_count(page) && folio_test_mlocked(page_folio(page));
	}
	return nr;
}

/*
 * mlocked pages stay on their frames, with their mark: the pages of a
 * locked mapping do not move while their neighbours do, the number of
 * PG_mlocked pages does not change, and no free frame carries the mark,
 * before or after the mapping goes.
 */
static void smm_compaction_mlocked_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	struct smm_compact_stats stats = { };
	unsigned long addr, locked, moved = 0;
	struct page **old;
	pgoff_t n, half, i;

	n = cmp_fragment(test, pool, file);
	half = (n / 2) & ~1UL;
	old = kunit_kcalloc(test, half, sizeof(*old), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	addr = kunit_vm_mmap(test, file, 0, half * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_LOCKED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	locked = cmp_mlocked(file, n);
	KUNIT_EXPECT_GT(test, locked, 0UL);
	for (i = 0; i < half; i += 2)
		old[i] = xa_load(&mapping->i_pages, i);

	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	for (i = 0; i < half; i += 2)
		moved += xa_load(&mapping->i_pages, i) != old[i];
	kunit_info(test, "%lu mlocked, %lu migrated, %lu of the locked moved",
		   locked, stats.migrated, moved);
	KUNIT_EXPECT_GT(test, stats.migrated, 0UL);
	KUNIT_EXPECT_EQ(test, moved, 0UL);
	KUNIT_EXPECT_EQ(test, cmp_mlocked(file, n), locked);
	KUNIT_EXPECT_EQ(test, cmp_free_mlocked(pool), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	KUNIT_EXPECT_EQ(test, vm_munmap(addr, half * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	KUNIT_EXPECT_EQ(test, cmp_free_mlocked(pool), 0UL);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * mlock() sets VM_LOCKED before it marks the pages (and the munlock of
 * one of two locked mappings leaves a page unmarked): a mapped page of a
 * locked mapping with no PG_mlocked stays on its frame.  Compaction's
 * zap would take it out of the locked mapping, munlocked, with nothing to
 * map it again before reclaim evicted it; it goes to the unevictable
 * list instead.  Every page kept of the fragmented object is mapped so:
 * compaction isolates some (it moves nearly all of them unlocked) and
 * moves none.
 */
static void smm_compaction_locked_vma_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_small_pool);
	struct file *file = smm_test_object_file(test, pool);
	struct address_space *mapping = file->f_mapping;
	struct smm_compact_stats stats = { };
	unsigned long addr, moved = 0;
	struct page **old;
	char __user *p;
	pgoff_t n, i;
	u8 byte;

	n = cmp_fragment(test, pool, file);
	old = kunit_kcalloc(test, n, sizeof(*old), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	addr = kunit_vm_mmap(test, file, 0, n * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	/* Mapped by a read each; the odd pages are holes, left alone. */
	for (i = 0; i < n; i += 2)
		KUNIT_ASSERT_EQ(test, copy_from_user(&byte, p + i * PAGE_SIZE, 1), 0UL);
	smm_test_vma_lock(addr, VM_LOCKED);
	KUNIT_ASSERT_EQ(test, cmp_mlocked(file, n), 0UL);
	for (i = 0; i < n; i += 2)
		old[i] = xa_load(&mapping->i_pages, i);

	KUNIT_EXPECT_EQ(test, smm_compact_pool(pool, &stats), 0);
	for (i = 0; i < n; i += 2)
		moved += xa_load(&mapping->i_pages, i) != old[i];
	kunit_info(test, "%lu isolated, %lu migrated, %lu pages of the locked mapping moved",
		   stats.isolated_migrate, stats.migrated, moved);
	KUNIT_EXPECT_GT(test, stats.isolated_migrate, 0UL);
	KUNIT_EXPECT_EQ(test, moved, 0UL);
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);

	KUNIT_EXPECT_EQ(test, vm_munmap(addr, n * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, cmp_check_bytes(test, file, n), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/* What races with compaction in smm_compaction_race_mix_test(). */
struct cmp_mix {
	struct smm_pool *pool;
	struct file *file;
	pgoff_t n;
	u32 *gens;
	unsigned long rounds;
	unsigned long bad;
	unsigned long evicted;
	struct smm_compact_stats stats;
	u8 buf[PAGE_SIZE];
	u8 want[PAGE_SIZE];
};

/*
 * Pages 2 mod 4: each checked, punched, checked empty, and written with
 * its next generation.
 */
static int cmp_mix_punch_fn(void *arg)
{
	struct cmp_mix *m = arg;
	struct smm_object *obj = smm_file_object(m->file);
	pgoff_t i = 2;

	while (!kthread_should_stop()) {
		loff_t pos = (loff_t)i << PAGE_SHIFT;

		cmp_stamp(m->want, i, m->gens[i]);
		if (kernel_read(m->file, m->buf, PAGE_SIZE, &pos) != PAGE_SIZE ||
		    memcmp(m->buf, m->want, PAGE_SIZE))
			m->bad++;
		smm_object_punch(obj, (loff_t)i << PAGE_SHIFT, (loff_t)(i + 1) << PAGE_SHIFT);
		memset(m->want, 0, PAGE_SIZE);
		pos = (loff_t)i << PAGE_SHIFT;
		if (kernel_read(m->file, m->buf, PAGE_SIZE, &pos) != PAGE_SIZE ||
		    memcmp(m->buf, m->want, PAGE_SIZE))
			m->bad++;
		cmp_stamp(m->want, i, ++m->gens[i]);
		pos = (loff_t)i << PAGE_SHIFT;
		if (kernel_write(m->file, m->want, PAGE_SIZE, &pos) != PAGE_SIZE)
			m->bad++;
		m->rounds++;
		i = (i + 4 * 29) % (m->n & ~3UL);
		cond_resched();
	}
	return 0;
}

/* Eviction to the store, a few pages at a time. */
static int cmp_mix_evict_fn(void *arg)
{
	struct cmp_mix *m = arg;

	while (!kthread_should_stop()) {
		m->evicted += smm_reclaim_pages(m->pool, 16);
		m->rounds++;
		usleep_range(200, 400);
	}
	return 0;
}

/* Compaction of the whole pool, again and again. */
static int cmp_mix_compact_fn(void *arg)
{
	struct cmp_mix *m = arg;

	while (!kthread_should_stop()) {
		int ret = smm_compact_pool(m->pool, &m->stats);

		/* kthread_stop() is a signal to it (TIF_NOTIFY_SIGNAL). */
		if (ret && !(ret == -EINTR && kthread_should_stop()))
			m->bad++;
		m->rounds++;
		cond_resched();
	}
	return 0;
}

/* The threads of the mix: compaction first, as the test reads m[0]. */
static int (* const cmp_mix_fns[])(void *) = {
	cmp_mix_compact_fn, cmp_mix_punch_fn, cmp_mix_evict_fn,
};

/*
 * Compaction runs again and again while, with the per-CPU lists on, one
 * thread punches pages and writes them anew, another evicts pages to the
 * store, and the test faults pages back in (swap-in) and writes each
 * with its next generation through a mapping: every access finds the
 * last generation written, and afterwards every byte is right and
 * validate is clean.
 */
static void smm_compaction_race_mix_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &cmp_mix_pool);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	unsigned long addr, rounds = 0, bad = 0, start, end, pswpin;
	struct task_struct *task[ARRAY_SIZE(cmp_mix_fns)];
	struct cmp_mix *m;
	char __user *p;
	pgoff_t n, i = 0;
	u32 *gens;
	int t;

	n = cmp_fragment(test, pool, file);
	KUNIT_ASSERT_GT(test, n, 64UL);
	gens = kunit_kcalloc(test, n, sizeof(*gens), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gens);
	m = kunit_kcalloc(test, ARRAY_SIZE(task), sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	addr = kunit_vm_mmap(test, file, 0, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	p = (char __user *)addr;
	pswpin = smm_event_sum(pool, SMM_PSWPIN);
	for (t = 0; t < ARRAY_SIZE(task); t++) {
		m[t].pool = pool;
		m[t].file = file;
		m[t].n = n;
		m[t].gens = gens;
		task[t] = kthread_run(cmp_mix_fns[t], &m[t], "cmp_mix%d", t);
		if (IS_ERR(task[t])) {
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task[t]));
			break;
		}
	}
	/* At least three compaction runs and 3 s, at most 30 s. */
	start = jiffies;
	end = start + 30 * HZ;
	while (t == ARRAY_SIZE(task) && time_before(jiffies, end) &&
	       (READ_ONCE(m[0].rounds) < 3 || time_before(jiffies, start + 3 * HZ))) {
		bad += cmp_access_page(file, p, i, &gens[i], buf, want);
		i = (i + 4 * 37) % (n & ~3UL);
		rounds++;
		cond_resched();
	}
	while (t--)
		kthread_stop(task[t]);
	pswpin = smm_event_sum(pool, SMM_PSWPIN) - pswpin;
	kunit_info(test, "%lu accesses, %lu punches, %lu evicted, %lu swapped in, %lu compactions moving %lu",
		   rounds, m[1].rounds, m[2].evicted, pswpin, m[0].rounds, m[0].stats.migrated);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, m[0].bad, 0UL);
	KUNIT_EXPECT_EQ(test, m[1].bad, 0UL);
	KUNIT_EXPECT_GE(test, m[0].rounds, 2UL);
	KUNIT_EXPECT_GT(test, m[0].stats.migrated, 0UL);
	KUNIT_EXPECT_GT(test, m[1].rounds, 0UL);
	KUNIT_EXPECT_GT(test, m[2].evicted, 0UL);
	KUNIT_EXPECT_GT(test, pswpin, 0UL);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, n * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, cmp_check_gens(test, file, n, gens), 0UL);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_compaction_cases[] = {
	KUNIT_CASE_SLOW(smm_compaction_fragmented_test),
	KUNIT_CASE(smm_compaction_pinned_mapped_test),
	KUNIT_CASE(smm_compaction_waits_for_locked_test),
	KUNIT_CASE(smm_compaction_copy_fails_test),
	KUNIT_CASE(smm_compaction_retries_busy_test),
	KUNIT_CASE(smm_compaction_retries_held_test),
	KUNIT_CASE(smm_compaction_keeps_access_test),
	KUNIT_CASE_SLOW(smm_compaction_race_faults_test),
	KUNIT_CASE(smm_compaction_knob_test),
	KUNIT_CASE_SLOW(smm_compaction_kcompactd_test),
	KUNIT_CASE(smm_compaction_extfrag_test),
	KUNIT_CASE(smm_compaction_free_batch_test),
	KUNIT_CASE(smm_compaction_watermark_test),
	KUNIT_CASE(smm_compaction_no_kcompactd_test),
	KUNIT_CASE_SLOW(smm_compaction_destroy_race_test),
	KUNIT_CASE(smm_compaction_per_zone_outcome_test),
	KUNIT_CASE(smm_compaction_defer_test),
	KUNIT_CASE_SLOW(smm_compaction_mlocked_test),
	KUNIT_CASE_SLOW(smm_compaction_locked_vma_test),
	KUNIT_CASE_SLOW(smm_compaction_race_mix_test),
	{}
};

static struct kunit_suite smm_compaction_suite = {
	.name = "shadowmm_compaction",
	.test_cases = smm_compaction_cases,
};

kunit_test_suites(&smm_compaction_suite);
