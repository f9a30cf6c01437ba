// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the slab-allocator benchmark ("run slab" in the bench
 * file).
 *
 * Times shadowmm's slab allocator against SLUB (the kernel's kmem_cache_*
 * and kmalloc) the way measure.c times the page allocators, with figures
 * in ns per object allocated and freed.  For each object size it creates
 * a shadowmm cache (smm_kmem_cache_create(), no flags) and a kernel cache
 * (kmem_cache_create(), not merged with others where the kernel allows)
 * of that size, and destroys both when the run is done:
 *
 *   pair        alloc+free one object, repeated; param the object size
 *   alloc10k    alloc 10,000 objects, then free them; param the size
 *   kmalloc     kmalloc+kfree of one size class, repeated; 8 .. 8192
 *   bulk        alloc_bulk N objects of SMM_BENCH_BULK_SIZE bytes, then
 *		free_bulk them; param N
 *   cross_cpu   alloc on one CPU, free on another, through the ring;
 *		param the object size
 *   pair_debug, alloc10k_debug
 *		pair and alloc10k on caches with every debugging flag: a
 *		shadowmm cache with SMM_SLAB_DEBUG against a SLUB cache with
 *		SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER and
 *		SLAB_CONSISTENCY_CHECKS (plain when the kernel lacks
 *		CONFIG_SLUB_DEBUG); the cost of debugging is the shadowmm
 *		figure against its pair or alloc10k row
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <shadowmm/bench_internal.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>

#define SMM_BENCH_SLAB_PAIRS	16384	/* slab: pairs per pair or kmalloc measurement */
#define SMM_BENCH_SLAB_MANY	10000	/* alloc10k: objects in flight */
#define SMM_BENCH_SLAB_MANY_ROUNDS 2
#define SMM_BENCH_BULK_SIZE	64	/* bulk: object size */
#define SMM_BENCH_BULK_OBJS	16384	/* bulk: objects per measurement, at least */
#define SMM_BENCH_SLAB_XCPU	16384	/* slab cross_cpu: objects per measurement */

/* Object sizes of the slab pair, alloc10k and cross_cpu cases. */
static const unsigned int smm_bench_slab_sizes[] = { 32, 64, 256, 1024, 2048 };
static_assert(ARRAY_SIZE(smm_bench_slab_sizes) == SMM_BENCH_SLAB_NR_SIZES);
/* N of the bulk case. */
static const unsigned int smm_bench_bulk_nr[] = { 8, 32, 128, 512, 2048 };

/* The kernel's benchmark caches are its own, not merged with others. */
#ifdef SLAB_NO_MERGE
#define SMM_BENCH_KCACHE_FLAGS	SLAB_NO_MERGE
#else
#define SMM_BENCH_KCACHE_FLAGS	0
#endif

/* SLUB's debugging flags matching SMM_SLAB_DEBUG, where it has them. */
#ifdef CONFIG_SLUB_DEBUG
#define SMM_BENCH_KDEBUG_FLAGS	(SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | \
				 SLAB_CONSISTENCY_CHECKS)
#else
#define SMM_BENCH_KDEBUG_FLAGS	0
#endif

/* Create both allocators' caches, plain and debug, of every object size. */
static int smm_bench_slab_create(struct smm_bench_ctx *ctx)
{
	struct smm_bench_results *res = &ctx->res;
	unsigned int i, size;

	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		size = smm_bench_slab_sizes[i];
		snprintf(ctx->kname, sizeof(ctx->kname), "smm_bench-%u", size);
		ctx->scache[i] = smm_kmem_cache_create(ctx->pool, ctx->kname, size,
						       0, 0, NULL);
		ctx->kcache[i] = kmem_cache_create(ctx->kname, size, 0,
						   SMM_BENCH_KCACHE_FLAGS, NULL);
		snprintf(ctx->kname, sizeof(ctx->kname), "smm_bench_debug-%u", size);
		ctx->sdebug[i] = smm_kmem_cache_create(ctx->pool, ctx->kname, size,
						       0, SMM_SLAB_DEBUG, NULL);
		ctx->kdebug[i] = kmem_cache_create(ctx->kname, size, 0,
						   SMM_BENCH_KCACHE_FLAGS |
						   SMM_BENCH_KDEBUG_FLAGS, NULL);
		if (!ctx->scache[i] || !ctx->kcache[i] || !ctx->sdebug[i] || !ctx->kdebug[i])
			return -ENOMEM;
		res->slab_cpu[i] = ctx->scache[i]->cpu_limit;
		res->slab_batch[i] = ctx->scache[i]->batch;
		res->slab_flags = ctx->scache[i]->flags;
	}
	res->k_nomerge = SMM_BENCH_KCACHE_FLAGS != 0;
	res->k_debug = SMM_BENCH_KDEBUG_FLAGS != 0;
	return 0;
}

/* Destroy the caches smm_bench_slab_create() made; every object is free. */
static void smm_bench_slab_destroy(struct smm_bench_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		if (ctx->scache[i] && smm_kmem_cache_destroy(ctx->scache[i]))
			pr_warn("bench: shadowmm cache %s left behind\n",
				ctx->scache[i]->name);
		if (ctx->sdebug[i] && smm_kmem_cache_destroy(ctx->sdebug[i]))
			pr_warn("bench: shadowmm cache %s left behind\n",
				ctx->sdebug[i]->name);
		kmem_cache_destroy(ctx->kcache[i]);
		kmem_cache_destroy(ctx->kdebug[i]);
		ctx->scache[i] = NULL;
		ctx->kcache[i] = NULL;
		ctx->sdebug[i] = NULL;
		ctx->kdebug[i] = NULL;
	}
}

static int smm_bench_slab_cases(struct smm_bench_ctx *ctx)
{
	struct smm_bench_job job = { .pool = ctx->pool, .space = SMM_BENCH_CACHE };
	unsigned int i, bulk = 0;
	int ret;

	/* One object at a time, then 10,000 in flight, at every size. */
	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		job.kind = SMM_BENCH_PAIR;
		job.rounds = SMM_BENCH_SLAB_PAIRS;
		job.scache = ctx->scache[i];
		job.kcache = ctx->kcache[i];
		ret = smm_bench_case(ctx, "pair", smm_bench_slab_sizes[i],
				     SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
		if (smm_bench_slab_sizes[i] == SMM_BENCH_BULK_SIZE)
			bulk = i;
	}
	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		job.kind = SMM_BENCH_MANY;
		job.count = SMM_BENCH_SLAB_MANY;
		job.rounds = SMM_BENCH_SLAB_MANY_ROUNDS;
		job.scache = ctx->scache[i];
		job.kcache = ctx->kcache[i];
		ret = smm_bench_case(ctx, "alloc10k", smm_bench_slab_sizes[i],
				     SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}

	/* Every kmalloc class. */
	job.space = SMM_BENCH_KMALLOC;
	job.kind = SMM_BENCH_PAIR;
	job.rounds = SMM_BENCH_SLAB_PAIRS;
	for (i = 0; i < SMM_KMALLOC_NR; i++) {
		job.size = smm_kmalloc_sizes[i];
		ret = smm_bench_case(ctx, "kmalloc", job.size, SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}

	/* The bulk calls. */
	job.space = SMM_BENCH_CACHE;
	job.kind = SMM_BENCH_BULK;
	job.scache = ctx->scache[bulk];
	job.kcache = ctx->kcache[bulk];
	for (i = 0; i < ARRAY_SIZE(smm_bench_bulk_nr); i++) {
		job.count = smm_bench_bulk_nr[i];
		job.rounds = DIV_ROUND_UP(SMM_BENCH_BULK_OBJS, job.count);
		ret = smm_bench_case(ctx, "bulk", job.count, SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}

	/* Alloc on the first CPU, free on the second. */
	job.kind = SMM_BENCH_PRODUCE;
	job.count = SMM_BENCH_SLAB_XCPU;
	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		job.scache = ctx->scache[i];
		job.kcache = ctx->kcache[i];
		ret = smm_bench_case(ctx, "cross_cpu", smm_bench_slab_sizes[i],
				     SMM_BENCH_CROSS, &job);
		if (ret)
			return ret;
	}

	/* The cost of debugging: pair and alloc10k on the debug caches. */
	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		job.kind = SMM_BENCH_PAIR;
		job.rounds = SMM_BENCH_SLAB_PAIRS;
		job.scache = ctx->sdebug[i];
		job.kcache = ctx->kdebug[i];
		ret = smm_bench_case(ctx, "pair_debug", smm_bench_slab_sizes[i],
				     SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++) {
		job.kind = SMM_BENCH_MANY;
		job.count = SMM_BENCH_SLAB_MANY;
		job.rounds = SMM_BENCH_SLAB_MANY_ROUNDS;
		job.scache = ctx->sdebug[i];
		job.kcache = ctx->kdebug[i];
		ret = smm_bench_case(ctx, "alloc10k_debug", smm_bench_slab_sizes[i],
				     SMM_BENCH_ONE_CPU, &job);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * smm_bench_slab_all() - run the slab-allocator benchmark
 * @ctx:	the run; its results get the caches' figures and a row per
 *		case
 *
 * Creates both allocators' caches of every object size, runs the cases
 * and destroys the caches again, whether the cases ran or not.
 *
 * Context: The benchmark kthread, process context; sleeps.
 * Return: 0, -ENOMEM when a cache could not be created, or the errno that
 * stopped the run (smm_bench_case()).
 */
int smm_bench_slab_all(struct smm_bench_ctx *ctx)
{
	int ret;

	ret = smm_bench_slab_create(ctx);
	if (!ret)
		ret = smm_bench_slab_cases(ctx);
	smm_bench_slab_destroy(ctx);
	return ret;
}

/**
 * smm_bench_slab_show() - print the slab benchmark's results
 * @m:		the bench file
 * @res:	the results of a slab benchmark run
 *
 * The header lines (what was timed, on which CPUs, the caches' per-CPU
 * arrays and flags, what each case does), then the table and its CSV.
 *
 * Context: Process context, under the bench file's lock.
 */
void smm_bench_slab_show(struct seq_file *m, const struct smm_bench_results *res)
{
	unsigned int i;

	seq_puts(m, "# shadowmm slab allocator benchmark: shadowmm smm_kmem_cache_*, smm_kmalloc/smm_kfree\n");
	seq_puts(m, "# (SMM_GFP_NOWAIT) against SLUB's kmem_cache_*, kmalloc/kfree (GFP_KERNEL, no retry), in one kthread,\n");
	seq_printf(m, "# alternating which goes first; each figure the median of %u repeats (the fastest and slowest in\n",
		   res->repeats);
	seq_puts(m, "# brackets), in ns per object allocated and freed\n");
	smm_bench_show_cpus(m, res);
	seq_printf(m, "# shadowmm: %lu frames; benchmark caches' flags 0x%x%s; per-CPU array/batch by size:",
		   smm_pool_managed_pages(res->pool), res->slab_flags,
		   res->slab_flags & SMM_SLAB_DEBUG ? " (debugging on)" : " (debugging off)");
	for (i = 0; i < ARRAY_SIZE(smm_bench_slab_sizes); i++)
		seq_printf(m, " %u: %u/%u", smm_bench_slab_sizes[i], res->slab_cpu[i],
			   res->slab_batch[i]);
	seq_putc(m, '\n');
	seq_printf(m, "# kernel: caches from kmem_cache_create()%s\n",
		   res->k_nomerge ? " with SLAB_NO_MERGE" : " (may be merged with others)");
	seq_puts(m, "# pair: alloc+free one object of param bytes, repeated; alloc10k: alloc 10000 objects, then free them;\n");
	seq_puts(m, "# kmalloc: kmalloc+kfree of param bytes, repeated;\n");
	seq_printf(m, "# bulk: alloc_bulk param objects of %u bytes, then free_bulk them;\n",
		   SMM_BENCH_BULK_SIZE);
	seq_printf(m, "# cross_cpu: alloc objects of param bytes on the first CPU, free on the second, through a ring of %u\n",
		   SMM_BENCH_RING);
	seq_printf(m, "# pair_debug, alloc10k_debug: as pair and alloc10k, on shadowmm caches with flags 0x%lx against%s\n",
		   SMM_SLAB_DEBUG, res->k_debug ?
		   " SLUB caches with red zone, poison, owner tracking and consistency checks" :
		   " plain SLUB caches (no CONFIG_SLUB_DEBUG)");
	smm_bench_show_rows(m, res);
}
