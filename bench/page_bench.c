// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the page-allocator benchmark ("run" in the bench file).
 *
 * Times shadowmm's smm_alloc_pages(SMM_GFP_NOWAIT)/smm_free_pages() on the
 * live pool against the kernel's alloc_pages()/__free_pages() (GFP_KERNEL,
 * without retries up to the costly order: SMM_BENCH_KERNEL_GFP()), in ns
 * per block allocated and freed (measure.c):
 *
 *   pair        order-0 alloc then free, repeated (the hot per-CPU path)
 *   batch       alloc N order-0 blocks, then free them; N = 1, 2 .. 16384
 *   order       alloc then free one block of an order, repeated; 0..10
 *   order_many  alloc 8192 frames' worth of blocks of an order, free them
 *   cross_cpu   alloc on one CPU, free on another, through a ring buffer
 *   smp_pair    the pair loop on 1 CPU, and on 2 CPUs at once
 *   smp_batch   alloc 1024 then free 1024, on 1 CPU and on 2 CPUs at once
 *
 * For the smp cases the figure is wall time over all the blocks of all
 * the CPUs, so "2 CPUs versus 1" is ns(1) / ns(2).  A case shadowmm cannot
 * satisfy (its region is too small) is reported as skipped.
 */

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include <shadowmm/bench_internal.h>
#include <shadowmm/buddy.h>
#include <shadowmm/pool.h>
#include <shadowmm/zone.h>

#define SMM_BENCH_PAIR_ITERS	16384	/* pairs per pair measurement */
#define SMM_BENCH_BATCH_BLOCKS	16384	/* blocks per batch measurement, at least */
#define SMM_BENCH_ORDER_ITERS	2048	/* pairs per order measurement */
#define SMM_BENCH_MANY_FRAMES	8192	/* frames in flight in order_many */
#define SMM_BENCH_MANY_BLOCKS	1024	/* blocks per order_many measurement, at least */
#define SMM_BENCH_XCPU_PAGES	16384	/* blocks per cross_cpu measurement */
#define SMM_BENCH_SMP_BATCH	1024	/* smp_batch: blocks in flight per CPU */
#define SMM_BENCH_SMP_ROUNDS	16

/* What the table's header says about both allocators' per-CPU lists. */
static void smm_bench_describe(struct smm_bench_ctx *ctx)
{
	struct smm_bench_results *res = &ctx->res;
	struct per_cpu_pages *pcp;
	struct smm_zone *szone;
	struct page *page;
	struct zone *zone;
	int i;

	for_each_smm_zone(ctx->pool, szone, i) {
		if (smm_zone_populated(szone)) {
			res->smm_batch = READ_ONCE(szone->pcp_batch);
			res->smm_high_min = READ_ONCE(szone->pcp_high_min);
			res->smm_high = READ_ONCE(szone->pcp_high);
			break;
		}
	}
	page = alloc_pages(SMM_BENCH_KERNEL_GFP(0), 0);
	if (!page)
		return;
	zone = page_zone(page);
	pcp = per_cpu_ptr(zone->per_cpu_pageset, res->cpu[0]);
	res->k_zone = zone->name;
	res->k_batch = READ_ONCE(pcp->batch);
	res->k_high = READ_ONCE(pcp->high);
	__free_pages(page, 0);
}

static int smm_bench_page_cases(struct smm_bench_ctx *ctx)
{
	struct smm_bench_job job = { .pool = ctx->pool };
	unsigned int n, order;
	int ret;

	/* The hot per-CPU pair. */
	job.kind = SMM_BENCH_PAIR;
	job.order = 0;
	job.rounds = SMM_BENCH_PAIR_ITERS;
	ret = smm_bench_case(ctx, "pair", 0, SMM_BENCH_ONE_CPU, &job);
	if (ret)
		return ret;

	/* Alloc N, then free N. */
	job.kind = SMM_BENCH_MANY;
	for (n = 1; n <= SMM_BENCH_MAX_N; n *= 2) {
		job.count = n;
		job.rounds = DIV_ROUND_UP(SMM_BENCH_BATCH_BLOCKS, n);
		ret = smm_bench_case(ctx, "batch", n, SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}

	/* Every order: one block at a time, and many at once. */
	for (order = 0; order <= SMM_MAX_ORDER; order++) {
		job.kind = SMM_BENCH_PAIR;
		job.order = order;
		job.rounds = SMM_BENCH_ORDER_ITERS;
		ret = smm_bench_case(ctx, "order", order, SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}
	for (order = 0; order <= SMM_MAX_ORDER; order++) {
		job.kind = SMM_BENCH_MANY;
		job.order = order;
		job.count = SMM_BENCH_MANY_FRAMES >> order;
		job.rounds = DIV_ROUND_UP(SMM_BENCH_MANY_BLOCKS, job.count);
		ret = smm_bench_case(ctx, "order_many", order, SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}
	job.order = 0;

	/* Alloc on the first CPU, free on the second. */
	job.kind = SMM_BENCH_PRODUCE;
	job.count = SMM_BENCH_XCPU_PAGES;
	ret = smm_bench_case(ctx, "cross_cpu", SMM_BENCH_RING, SMM_BENCH_CROSS, &job);
	if (ret)
		return ret;

	/* One CPU, then both at once. */
	job.kind = SMM_BENCH_PAIR;
	job.rounds = SMM_BENCH_PAIR_ITERS;
	ret = smm_bench_case(ctx, "smp_pair", 1, SMM_BENCH_ONE_CPU, &job);
	if (!ret)
		ret = smm_bench_case(ctx, "smp_pair", 2, SMM_BENCH_TWO_CPUS, &job);
	if (ret)
		return ret;
	job.kind = SMM_BENCH_MANY;
	job.count = SMM_BENCH_SMP_BATCH;
	job.rounds = SMM_BENCH_SMP_ROUNDS;
	ret = smm_bench_case(ctx, "smp_batch", 1, SMM_BENCH_ONE_CPU, &job);
	if (!ret)
		ret = smm_bench_case(ctx, "smp_batch", 2, SMM_BENCH_TWO_CPUS, &job);
	return ret;
}

/**
 * smm_bench_page_all() - run the page-allocator benchmark
 * @ctx:	the run; its results get the per-CPU lists' figures and a row
 *		per case
 *
 * Context: The benchmark kthread, process context; sleeps.
 * Return: 0, or the errno that stopped the run (smm_bench_case()).
 */
int smm_bench_page_all(struct smm_bench_ctx *ctx)
{
	smm_bench_describe(ctx);
	return smm_bench_page_cases(ctx);
}

/**
 * smm_bench_page_show() - print the page benchmark's results
 * @m:		the bench file
 * @res:	the results of a page benchmark run
 *
 * The header lines (what was timed, on which CPUs, both allocators'
 * per-CPU lists, what each case does), then the table and its CSV.
 *
 * Context: Process context, under the bench file's lock.
 */
void smm_bench_page_show(struct seq_file *m, const struct smm_bench_results *res)
{
	seq_puts(m, "# shadowmm page allocator benchmark: shadowmm smm_alloc_pages(SMM_GFP_NOWAIT)/smm_free_pages\n");
	seq_puts(m, "# against the kernel's alloc_pages(GFP_KERNEL, no retry)/__free_pages, in one kthread, alternating\n");
	seq_printf(m, "# which goes first; each figure the median of %u repeats (the fastest and slowest in brackets),\n",
		   res->repeats);
	seq_puts(m, "# in ns per block allocated and freed\n");
	smm_bench_show_cpus(m, res);
	seq_printf(m, "# shadowmm: %lu frames, %d node(s), per-CPU batch %u high %u..%u\n",
		   smm_pool_managed_pages(res->pool), res->pool->zones.nr_nodes,
		   res->smm_batch, res->smm_high_min, res->smm_high);
	if (res->k_zone)
		seq_printf(m, "# kernel: zone %s, per-CPU batch %d high %d now\n",
			   res->k_zone, res->k_batch, res->k_high);
	seq_puts(m, "# pair: order-0 alloc+free, repeated; batch: alloc N order-0 blocks then free them;\n");
	seq_printf(m, "# order: alloc+free one block, repeated; order_many: alloc %u frames in blocks of the order, then free;\n",
		   SMM_BENCH_MANY_FRAMES);
	seq_puts(m, "# cross_cpu: alloc on the first CPU, free on the second, through a ring of param blocks;\n");
	seq_printf(m, "# smp_pair, smp_batch (%u blocks): on param CPUs at once, wall time over all their blocks\n",
		   SMM_BENCH_SMP_BATCH);
	smm_bench_show_rows(m, res);
}
