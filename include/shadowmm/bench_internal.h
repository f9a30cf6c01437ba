/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark files of shadowmm_bench.ko share and nothing else
 * may use: the jobs, rows and results of a run, and the calls between the
 * measuring engine (bench/measure.c), the page benchmark
 * (bench/page_bench.c), the slab benchmark (bench/slab_bench.c) and the
 * debugfs file that runs them and shows their results (bench/bench.c).
 * The rest of the module sees only include/shadowmm/bench.h.
 */
#ifndef _SHADOWMM_BENCH_INTERNAL_H
#define _SHADOWMM_BENCH_INTERNAL_H

#include <linux/cache.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/types.h>

#include <shadowmm/slab.h>

struct kmem_cache;
struct seq_file;
struct smm_pool;
struct task_struct;

#define SMM_BENCH_REPEATS	15	/* "run": median of this many */
#define SMM_BENCH_MAX_N		16384	/* largest batch; room per CPU for blocks in flight */
#define SMM_BENCH_RING		256	/* cross_cpu hand-over buffer, blocks */
#define SMM_BENCH_MAX_ROWS	64
#define SMM_BENCH_SLAB_NR_SIZES	5	/* object sizes of the slab benchmark */

/*
 * The kernel side's allocations: its fast path is GFP_KERNEL's, but a side
 * that finds no memory fails, quietly, and is marked skipped, as
 * shadowmm's (SMM_GFP_NOWAIT) is.  Plain GFP_KERNEL never fails an
 * allocation of order 0..3 (PAGE_ALLOC_COSTLY_ORDER): with its batches
 * holding 64 MiB on a small machine, the OOM killer would kill users'
 * tasks on the bench's behalf.  Above that order the kernel never calls
 * the OOM killer, and __GFP_NORETRY would change what is measured (it
 * gives up on compaction sooner), so those keep GFP_KERNEL's retries.
 */
#define SMM_BENCH_KERNEL_GFP(order)					\
	((order) <= PAGE_ALLOC_COSTLY_ORDER ?				\
	 GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN : GFP_KERNEL | __GFP_NOWARN)

enum smm_bench_side {
	SMM_BENCH_KERNEL,
	SMM_BENCH_SMM,
	SMM_BENCH_NR_SIDES,
};

/* What one CPU does in one measurement. */
enum smm_bench_kind {
	SMM_BENCH_PAIR,		/* alloc+free one block, @rounds times */
	SMM_BENCH_MANY,		/* alloc @count blocks, free them, @rounds times */
	SMM_BENCH_PRODUCE,	/* alloc @count blocks into the ring */
	SMM_BENCH_CONSUME,	/* free @count blocks from the ring */
	SMM_BENCH_BULK,		/* bulk alloc+free @count objects, @rounds times */
};

/* What a block is: which pair of allocator calls a job uses. */
enum smm_bench_space {
	SMM_BENCH_PAGES,	/* pages of an order: alloc_pages */
	SMM_BENCH_CACHE,	/* objects of a cache: kmem_cache_alloc */
	SMM_BENCH_KMALLOC,	/* kmalloc of a size */
};

/* Where the CPUs of one measurement run. */
enum smm_bench_mode {
	SMM_BENCH_ONE_CPU,	/* the benchmark kthread alone */
	SMM_BENCH_CROSS,	/* produce here, consume on the second CPU */
	SMM_BENCH_TWO_CPUS,	/* the same job here and on the second CPU */
};

/**
 * struct smm_bench_ring - single-producer single-consumer hand-over buffer
 * @slot:	blocks handed over, indexed by count modulo SMM_BENCH_RING
 * @head:	blocks put in so far; written by the producer only, published
 *		with a release store after the slot is written
 * @tail:	blocks taken out so far; written by the consumer only,
 *		published with a release store after the slots are read
 * @failed:	set (release) by the producer when an allocation failed and
 *		@head will not grow any more
 *
 * No lock: each index has one writer, and the acquire loads of the other
 * side's index order the slot accesses.
 */
struct smm_bench_ring {
	void *slot[SMM_BENCH_RING];
	unsigned long head ____cacheline_aligned_in_smp;
	unsigned long tail ____cacheline_aligned_in_smp;
	int failed;
};

/**
 * struct smm_bench_job - one CPU's part of one measurement
 * @pool:	shadowmm's pool
 * @kind:	what to do
 * @space:	with which calls
 * @side:	whose allocator
 * @order:	PAGES: block order
 * @kernel_gfp:	PAGES: the kernel side's flags for @order, set when the job
 *		runs (SMM_BENCH_KERNEL_GFP())
 * @size:	KMALLOC: bytes asked for
 * @scache:	CACHE: shadowmm's cache
 * @kcache:	CACHE: the kernel's cache of the same object size
 * @count:	MANY: blocks in flight; PRODUCE, CONSUME: blocks in all
 * @rounds:	PAIR: iterations; MANY: repetitions
 * @slots:	MANY: room for @count blocks
 * @ring:	PRODUCE, CONSUME: the hand-over buffer
 * @start:	ktime_get_ns() when the timed part began
 * @end:	and when it ended
 * @err:	-ENOMEM when an allocation failed (all blocks freed again)
 */
struct smm_bench_job {
	struct smm_pool *pool;
	enum smm_bench_kind kind;
	enum smm_bench_space space;
	enum smm_bench_side side;
	unsigned int order;
	gfp_t kernel_gfp;
	size_t size;
	struct smm_kmem_cache *scache;
	struct kmem_cache *kcache;
	unsigned long count;
	unsigned long rounds;
	void **slots;
	struct smm_bench_ring *ring;
	u64 start;
	u64 end;
	int err;
};

/**
 * struct smm_bench_helper - a kthread bound to the second CPU
 * @task:	the thread, with a reference held until it is stopped
 * @job:	what it runs once told to go
 * @ready:	set (release) by the thread once it runs on its CPU
 * @go:		set (release) by the benchmark kthread to start @job
 * @done:	set (release) by the thread once @job is finished
 */
struct smm_bench_helper {
	struct task_struct *task;
	struct smm_bench_job job;
	int ready;
	int go;
	int done;
};

/**
 * struct smm_bench_row - one line of the table
 * @name:	the case
 * @param:	N, order, ring size or CPU count, by case
 * @ps:		median picoseconds per block allocated and freed, by side
 * @ps_min:	the fastest of the repeats, by side (same unit)
 * @ps_max:	and the slowest: the spread around @ps
 * @ratio_min:	the lowest shadowmm/kernel of one repeat's two measurements,
 *		in thousandths (the row's ratio is median over median)
 * @ratio_max:	and the highest
 * @skipped:	by side: no figure (the allocator could not satisfy the
 *		case, or there is no second CPU)
 */
struct smm_bench_row {
	const char *name;
	unsigned int param;
	u64 ps[SMM_BENCH_NR_SIDES];
	u64 ps_min[SMM_BENCH_NR_SIDES];
	u64 ps_max[SMM_BENCH_NR_SIDES];
	u64 ratio_min;
	u64 ratio_max;
	bool skipped[SMM_BENCH_NR_SIDES];
};

/**
 * struct smm_bench_results - what one run measured
 * @pool:	the pool it ran on
 * @slab:	the slab benchmark (else the page benchmark)
 * @repeats:	figures are medians of this many measurements
 * @cpu:	the benchmark kthread's CPU and the second CPU (or nr_cpu_ids)
 * @smm_batch:	shadowmm's per-CPU list batch, in the first populated zone
 * @smm_high_min: and the high its lists rest at
 * @smm_high:	and the most they may grow to
 * @k_zone:	the kernel zone an order-0 GFP_KERNEL page came from
 * @k_batch:	that zone's per-CPU batch on the first CPU
 * @k_high:	and its high mark now
 * @slab_cpu:	slab: by object size, shadowmm's per-CPU array capacity
 *		(0: none, a debug cache)
 * @slab_batch:	and its refill and flush batch
 * @slab_flags:	slab: shadowmm's caches' SMM_SLAB_* flags (slab_debug)
 * @k_nomerge:	slab: the kernel's caches were created unmergeable
 * @k_debug:	slab: the kernel's debug caches have SLUB debugging on
 * @elapsed_ms:	how long the run took
 * @nr_rows:	rows filled
 * @rows:	the table
 */
struct smm_bench_results {
	struct smm_pool *pool;
	bool slab;
	unsigned int repeats;
	unsigned int cpu[2];
	unsigned int smm_batch;
	unsigned int smm_high_min;
	unsigned int smm_high;
	const char *k_zone;
	int k_batch;
	int k_high;
	unsigned int slab_cpu[SMM_BENCH_SLAB_NR_SIZES];
	unsigned int slab_batch[SMM_BENCH_SLAB_NR_SIZES];
	unsigned int slab_flags;
	bool k_nomerge;
	bool k_debug;
	u64 elapsed_ms;
	unsigned int nr_rows;
	struct smm_bench_row rows[SMM_BENCH_MAX_ROWS];
};

/**
 * struct smm_bench_ctx - one run, owned by the writer that started it
 * @pool:	the pool
 * @repeats:	measurements per figure
 * @slots:	room for SMM_BENCH_MAX_N blocks, one array per CPU
 * @ring:	the cross_cpu hand-over buffer
 * @samples:	per side, one figure per repeat, picoseconds per block
 * @helper:	the second CPU's kthread of the measurement under way
 * @scache:	slab: shadowmm's cache of each object size
 * @kcache:	slab: and the kernel's
 * @sdebug:	slab: shadowmm's debug cache of each size
 * @kdebug:	slab: and the kernel's
 * @kname:	slab: the kernel caches' names (the kernel copies them)
 * @res:	the results being built
 * @ret:	0, or the errno that stopped the run
 * @cancel:	set by the writer when a fatal signal came: the run stops
 *		before its next measurement, with -EINTR
 * @done:	completed by the benchmark kthread when @ret and @res are final
 */
struct smm_bench_ctx {
	struct smm_pool *pool;
	unsigned int repeats;
	void **slots[2];
	struct smm_bench_ring *ring;
	u64 samples[SMM_BENCH_NR_SIDES][SMM_BENCH_REPEATS];
	struct smm_bench_helper helper;
	struct smm_kmem_cache *scache[SMM_BENCH_SLAB_NR_SIZES];
	struct kmem_cache *kcache[SMM_BENCH_SLAB_NR_SIZES];
	struct smm_kmem_cache *sdebug[SMM_BENCH_SLAB_NR_SIZES];
	struct kmem_cache *kdebug[SMM_BENCH_SLAB_NR_SIZES];
	char kname[SMM_SLAB_NAME_LEN];
	struct smm_bench_results res;
	int ret;
	bool cancel;
	struct completion done;
};

/* measure.c: the timed loops, one row of measurements. */
extern const char * const smm_bench_side_names[SMM_BENCH_NR_SIDES];
int smm_bench_case(struct smm_bench_ctx *ctx, const char *name,
		   unsigned int param, enum smm_bench_mode mode,
		   const struct smm_bench_job *tmpl);
void smm_bench_wait_stop(void);

/* page_bench.c: the page-allocator benchmark. */
int smm_bench_page_all(struct smm_bench_ctx *ctx);
void smm_bench_page_show(struct seq_file *m, const struct smm_bench_results *res);

/* slab_bench.c: the slab-allocator benchmark. */
int smm_bench_slab_all(struct smm_bench_ctx *ctx);
void smm_bench_slab_show(struct seq_file *m, const struct smm_bench_results *res);

/* bench.c: the parts of the table both benchmarks print. */
void smm_bench_show_cpus(struct seq_file *m, const struct smm_bench_results *res);
void smm_bench_show_rows(struct seq_file *m, const struct smm_bench_results *res);

#endif /* _SHADOWMM_BENCH_INTERNAL_H */
