// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the page-allocator and slab-allocator benchmarks.
 *
 * Times shadowmm's smm_alloc_pages(SMM_GFP_NOWAIT)/smm_free_pages() on the
 * live pool against the kernel's alloc_pages(GFP_KERNEL)/__free_pages(),
 * in the same kthread, alternating which of the two goes first from one
 * repeat to the next, and keeps the median of the repeats.  Every figure
 * is nanoseconds per block allocated and freed (one allocation plus one
 * free); only ratios between the two allocators mean anything under
 * emulation.
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
 *
 * The slab benchmark ("run slab") times shadowmm's slab allocator the same
 * way against SLUB (the kernel's kmem_cache_* and kmalloc), with figures
 * in ns per object allocated and freed.  For each object size it creates
 * a shadowmm cache (smm_kmem_cache_create(), no flags) and a kernel cache
 * (kmem_cache_create(), not merged with others where the kernel allows)
 * of that size, and destroys both when the size is done:
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
 *
 * Driven from debugfs (main.c adds the file): write "run" (or "run
 * quick", fewer repeats) to /sys/kernel/debug/shadowmm/bench for the page
 * benchmark, "run slab" (or "run slab quick") for the slab benchmark;
 * either runs synchronously.
 * Reading returns the table of the last run, whichever it was, followed
 * by the same rows as CSV, from the header line
 * "case,param,kernel_ns,shadowmm_ns,ratio" to the end of the file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include <shadowmm/bench.h>
#include <shadowmm/buddy.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>

#define SMM_BENCH_REPEATS	15	/* "run": median of this many */
#define SMM_BENCH_QUICK_REPEATS	5	/* "run quick" */
#define SMM_BENCH_MAX_N		16384	/* largest batch */
#define SMM_BENCH_PAIR_ITERS	16384	/* pairs per pair measurement */
#define SMM_BENCH_BATCH_BLOCKS	16384	/* blocks per batch measurement, at least */
#define SMM_BENCH_ORDER_ITERS	2048	/* pairs per order measurement */
#define SMM_BENCH_MANY_FRAMES	8192	/* frames in flight in order_many */
#define SMM_BENCH_MANY_BLOCKS	1024	/* blocks per order_many measurement, at least */
#define SMM_BENCH_RING		256	/* cross_cpu hand-over buffer, blocks */
#define SMM_BENCH_XCPU_PAGES	16384	/* blocks per cross_cpu measurement */
#define SMM_BENCH_SMP_BATCH	1024	/* smp_batch: blocks in flight per CPU */
#define SMM_BENCH_SMP_ROUNDS	16
#define SMM_BENCH_SLAB_PAIRS	16384	/* slab: pairs per pair or kmalloc measurement */
#define SMM_BENCH_SLAB_MANY	10000	/* alloc10k: objects in flight */
#define SMM_BENCH_SLAB_MANY_ROUNDS 2
#define SMM_BENCH_BULK_SIZE	64	/* bulk: object size */
#define SMM_BENCH_BULK_OBJS	16384	/* bulk: objects per measurement, at least */
#define SMM_BENCH_SLAB_XCPU	16384	/* slab cross_cpu: objects per measurement */
#define SMM_BENCH_MAX_ROWS	64

/* Object sizes of the slab pair, alloc10k and cross_cpu cases. */
static const unsigned int smm_bench_slab_sizes[] = { 32, 64, 256, 1024, 2048 };
/* N of the bulk case. */
static const unsigned int smm_bench_bulk_nr[] = { 8, 32, 128, 512, 2048 };

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
 * @skipped:	by side: no figure (the allocator could not satisfy the
 *		case, or there is no second CPU)
 */
struct smm_bench_row {
	const char *name;
	unsigned int param;
	u64 ps[SMM_BENCH_NR_SIDES];
	bool skipped[SMM_BENCH_NR_SIDES];
};

/**
 * struct smm_bench_results - what one run measured
 * @pool:	the pool it ran on
 * @slab:	the slab benchmark (else the page benchmark)
 * @repeats:	figures are medians of this many measurements
 * @cpu:	the benchmark kthread's CPU and the second CPU (or nr_cpu_ids)
 * @smm_batch:	shadowmm's per-CPU list batch, in the first populated zone
 * @smm_high:	and its high mark
 * @k_zone:	the kernel zone an order-0 GFP_KERNEL page came from
 * @k_batch:	that zone's per-CPU batch on the first CPU
 * @k_high:	and its high mark
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
	unsigned int smm_high;
	const char *k_zone;
	int k_batch;
	int k_high;
	unsigned int slab_cpu[ARRAY_SIZE(smm_bench_slab_sizes)];
	unsigned int slab_batch[ARRAY_SIZE(smm_bench_slab_sizes)];
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
 * @scache:	slab: shadowmm's cache of each smm_bench_slab_sizes size
 * @kcache:	slab: and the kernel's
 * @sdebug:	slab: shadowmm's debug cache of each size
 * @kdebug:	slab: and the kernel's
 * @kname:	slab: the kernel caches' names (the kernel copies them)
 * @res:	the results being built
 * @ret:	0, or the errno that stopped the run
 * @done:	completed by the benchmark kthread when @ret and @res are final
 */
struct smm_bench_ctx {
	struct smm_pool *pool;
	unsigned int repeats;
	void **slots[2];
	struct smm_bench_ring *ring;
	u64 samples[SMM_BENCH_NR_SIDES][SMM_BENCH_REPEATS];
	struct smm_bench_helper helper;
	struct smm_kmem_cache *scache[ARRAY_SIZE(smm_bench_slab_sizes)];
	struct kmem_cache *kcache[ARRAY_SIZE(smm_bench_slab_sizes)];
	struct smm_kmem_cache *sdebug[ARRAY_SIZE(smm_bench_slab_sizes)];
	struct kmem_cache *kdebug[ARRAY_SIZE(smm_bench_slab_sizes)];
	char kname[SMM_SLAB_NAME_LEN];
	struct smm_bench_results res;
	int ret;
	struct completion done;
};

/*
 * The results of the last run, shown by the live pool's "bench" file.
 * Only the live pool has debugfs files, so one set is all the module ever
 * needs; it is fixed-size static storage (nothing to free at unload).
 * smm_bench_lock serialises runs and protects smm_bench_last.
 */
static DEFINE_MUTEX(smm_bench_lock);
static struct smm_bench_results smm_bench_last;

static const char * const smm_bench_side_names[SMM_BENCH_NR_SIDES] = {
	"kernel", "shadowmm",
};

/*
 * The two allocators.  Each loop below is instantiated once per side and
 * space with @side and @space constants, so no measurement pays for a
 * branch on them.
 */
static __always_inline void *smm_bench_alloc(const struct smm_bench_job *job,
					     enum smm_bench_side side,
					     enum smm_bench_space space)
{
	switch (space) {
	case SMM_BENCH_CACHE:
		if (side == SMM_BENCH_SMM)
			return smm_kmem_cache_alloc(job->scache, SMM_GFP_NOWAIT);
		return kmem_cache_alloc(job->kcache, GFP_KERNEL);
	case SMM_BENCH_KMALLOC:
		if (side == SMM_BENCH_SMM)
			return smm_kmalloc(job->pool, job->size, SMM_GFP_NOWAIT);
		return kmalloc(job->size, GFP_KERNEL);
	default:
		if (side == SMM_BENCH_SMM)
			return smm_alloc_pages(job->pool, job->order, SMM_GFP_NOWAIT);
		return alloc_pages(GFP_KERNEL, job->order);
	}
}

static __always_inline void smm_bench_free(const struct smm_bench_job *job,
					   enum smm_bench_side side,
					   enum smm_bench_space space, void *block)
{
	switch (space) {
	case SMM_BENCH_CACHE:
		if (side == SMM_BENCH_SMM)
			smm_kmem_cache_free(job->scache, block);
		else
			kmem_cache_free(job->kcache, block);
		break;
	case SMM_BENCH_KMALLOC:
		if (side == SMM_BENCH_SMM)
			smm_kfree(job->pool, block);
		else
			kfree(block);
		break;
	default:
		if (side == SMM_BENCH_SMM)
			smm_free_pages(job->pool, block, job->order);
		else
			__free_pages(block, job->order);
		break;
	}
}

static __always_inline void smm_bench_do_pair(struct smm_bench_job *job,
					      enum smm_bench_side side,
					      enum smm_bench_space space)
{
	unsigned long i;

	for (i = 0; i < job->rounds; i++) {
		void *block = smm_bench_alloc(job, side, space);

		if (unlikely(!block)) {
			job->err = -ENOMEM;
			return;
		}
		smm_bench_free(job, side, space, block);
	}
}

static __always_inline void smm_bench_do_many(struct smm_bench_job *job,
					      enum smm_bench_side side,
					      enum smm_bench_space space)
{
	void **slots = job->slots;
	unsigned long i, r;

	for (r = 0; r < job->rounds; r++) {
		for (i = 0; i < job->count; i++) {
			slots[i] = smm_bench_alloc(job, side, space);
			if (unlikely(!slots[i])) {
				job->err = -ENOMEM;
				while (i--)
					smm_bench_free(job, side, space, slots[i]);
				return;
			}
		}
		for (i = 0; i < job->count; i++)
			smm_bench_free(job, side, space, slots[i]);
	}
}

/* SMM_BENCH_BULK: bulk calls exist for caches only (SMM_BENCH_CACHE). */
static __always_inline void smm_bench_do_bulk(struct smm_bench_job *job,
					      enum smm_bench_side side)
{
	void **slots = job->slots;
	unsigned long r;

	for (r = 0; r < job->rounds; r++) {
		if (side == SMM_BENCH_SMM) {
			if (unlikely(!smm_kmem_cache_alloc_bulk(job->scache, SMM_GFP_NOWAIT,
								job->count, slots))) {
				job->err = -ENOMEM;
				return;
			}
			smm_kmem_cache_free_bulk(job->scache, job->count, slots);
		} else {
			if (unlikely(!kmem_cache_alloc_bulk(job->kcache, GFP_KERNEL,
							    job->count, slots))) {
				job->err = -ENOMEM;
				return;
			}
			kmem_cache_free_bulk(job->kcache, job->count, slots);
		}
	}
}

static __always_inline void smm_bench_do_produce(struct smm_bench_job *job,
						 enum smm_bench_side side,
						 enum smm_bench_space space)
{
	struct smm_bench_ring *ring = job->ring;
	unsigned long head;

	for (head = 0; head < job->count; head++) {
		void *block = smm_bench_alloc(job, side, space);

		if (unlikely(!block)) {
			job->err = -ENOMEM;
			/* After the last head store: the consumer stops there. */
			smp_store_release(&ring->failed, 1);
			return;
		}
		/* Pairs with the consumer's tail store: the slot was read. */
		while (head - smp_load_acquire(&ring->tail) >= SMM_BENCH_RING)
			cpu_relax();
		ring->slot[head % SMM_BENCH_RING] = block;
		/* Publishes the slot before the consumer sees the new head. */
		smp_store_release(&ring->head, head + 1);
	}
}

static __always_inline void smm_bench_do_consume(struct smm_bench_job *job,
						 enum smm_bench_side side,
						 enum smm_bench_space space)
{
	struct smm_bench_ring *ring = job->ring;
	unsigned long tail = 0, head;

	while (tail < job->count) {
		/* Pairs with the producer's head store: slots below are set. */
		head = smp_load_acquire(&ring->head);
		if (head == tail) {
			/* Stored after the producer's last head store... */
			if (!smp_load_acquire(&ring->failed)) {
				cpu_relax();
				continue;
			}
			/* ...so a head read after it is final. */
			if (tail == smp_load_acquire(&ring->head))
				break;
			continue;
		}
		for (; tail < head; tail++)
			smm_bench_free(job, side, space,
				       ring->slot[tail % SMM_BENCH_RING]);
		/* The slots were read before the producer may reuse them. */
		smp_store_release(&ring->tail, tail);
	}
}

static __always_inline void smm_bench_do_space(struct smm_bench_job *job,
					       enum smm_bench_side side,
					       enum smm_bench_space space)
{
	switch (job->kind) {
	case SMM_BENCH_PAIR:
		smm_bench_do_pair(job, side, space);
		break;
	case SMM_BENCH_MANY:
		smm_bench_do_many(job, side, space);
		break;
	case SMM_BENCH_PRODUCE:
		smm_bench_do_produce(job, side, space);
		break;
	case SMM_BENCH_CONSUME:
		smm_bench_do_consume(job, side, space);
		break;
	case SMM_BENCH_BULK:
		if (space == SMM_BENCH_CACHE)
			smm_bench_do_bulk(job, side);
		break;
	}
}

static __always_inline void smm_bench_do(struct smm_bench_job *job,
					 enum smm_bench_side side)
{
	switch (job->space) {
	case SMM_BENCH_PAGES:
		smm_bench_do_space(job, side, SMM_BENCH_PAGES);
		break;
	case SMM_BENCH_CACHE:
		smm_bench_do_space(job, side, SMM_BENCH_CACHE);
		break;
	case SMM_BENCH_KMALLOC:
		smm_bench_do_space(job, side, SMM_BENCH_KMALLOC);
		break;
	}
}

/* Run one CPU's part of a measurement and time it. */
static noinline void smm_bench_job_run(struct smm_bench_job *job)
{
	job->err = 0;
	job->start = ktime_get_ns();
	if (job->side == SMM_BENCH_SMM)
		smm_bench_do(job, SMM_BENCH_SMM);
	else
		smm_bench_do(job, SMM_BENCH_KERNEL);
	job->end = ktime_get_ns();
}

/* Blocks one CPU allocates and frees in @job. */
static unsigned long smm_bench_job_blocks(const struct smm_bench_job *job)
{
	switch (job->kind) {
	case SMM_BENCH_PAIR:
		return job->rounds;
	case SMM_BENCH_MANY:
	case SMM_BENCH_BULK:
		return job->count * job->rounds;
	default:
		return job->count;
	}
}

/* Park a finished kthread until kthread_stop() reaps it. */
static void smm_bench_wait_stop(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}

static int smm_bench_helper_fn(void *data)
{
	struct smm_bench_helper *h = data;

	/* ready/go/done: release by the writer, acquire by the reader. */
	smp_store_release(&h->ready, 1);
	/* The job was written before go was stored. */
	while (!smp_load_acquire(&h->go))
		cpu_relax();
	smm_bench_job_run(&h->job);
	/* The job's results are written before done. */
	smp_store_release(&h->done, 1);
	smm_bench_wait_stop();
	return 0;
}

/* Start @h->job's thread on @cpu and wait until it spins there, ready. */
static int smm_bench_helper_start(struct smm_bench_helper *h, unsigned int cpu)
{
	struct task_struct *task;

	h->ready = 0;
	h->go = 0;
	h->done = 0;
	task = kthread_create_on_cpu(smm_bench_helper_fn, h, cpu, "smm_bench/%u");
	if (IS_ERR(task))
		return PTR_ERR(task);
	get_task_struct(task);
	h->task = task;
	wake_up_process(task);
	/* Pairs with the helper's ready store. */
	while (!smp_load_acquire(&h->ready))
		cond_resched();
	return 0;
}

/* Wait for the helper's job to finish, then reap the thread. */
static void smm_bench_helper_finish(struct smm_bench_helper *h)
{
	/* Pairs with the helper's done store: its job's results are in. */
	while (!smp_load_acquire(&h->done))
		cpu_relax();
	kthread_stop(h->task);
	put_task_struct(h->task);
	h->task = NULL;
}

/*
 * One measurement of one side: picoseconds per block into *@ps.
 * Return: 0, -ENOMEM when the allocator ran dry (every block it gave was
 * freed again), or another errno that ends the run.
 */
static int smm_bench_measure(struct smm_bench_ctx *ctx, enum smm_bench_mode mode,
			     const struct smm_bench_job *tmpl,
			     enum smm_bench_side side, u64 *ps)
{
	struct smm_bench_helper *h = &ctx->helper;
	struct smm_bench_job job = *tmpl;
	u64 start, end, blocks;
	int ret;

	job.side = side;
	job.slots = ctx->slots[0];
	job.ring = ctx->ring;

	if (mode == SMM_BENCH_ONE_CPU) {
		blocks = smm_bench_job_blocks(&job);
		smm_bench_job_run(&job);
		if (job.err)
			return job.err;
		*ps = div64_u64((job.end - job.start) * 1000, blocks);
		return 0;
	}

	h->job = job;
	h->job.slots = ctx->slots[1];
	if (mode == SMM_BENCH_CROSS) {
		memset(ctx->ring, 0, sizeof(*ctx->ring));
		job.kind = SMM_BENCH_PRODUCE;
		h->job.kind = SMM_BENCH_CONSUME;
	}
	blocks = smm_bench_job_blocks(&job);
	ret = smm_bench_helper_start(h, ctx->res.cpu[1]);
	if (ret)
		return ret;
	/* The helper's job (written above) is visible before it goes. */
	smp_store_release(&h->go, 1);
	smm_bench_job_run(&job);
	smm_bench_helper_finish(h);
	if (job.err || h->job.err)
		return -ENOMEM;

	if (mode == SMM_BENCH_CROSS) {
		/* From the first allocation to the last free. */
		start = job.start;
		end = h->job.end;
	} else {
		/* From the first start to the last end, for all the blocks. */
		start = min(job.start, h->job.start);
		end = max(job.end, h->job.end);
		blocks *= 2;
	}
	*ps = div64_u64((end - start) * 1000, blocks);
	return 0;
}

static int smm_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 smm_bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), smm_bench_cmp_u64, NULL);
	if (n & 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * One row: a warm-up of each side, then @ctx->repeats measurements of
 * each, the kernel first on even repeats and shadowmm first on odd ones.
 */
static int smm_bench_case(struct smm_bench_ctx *ctx, const char *name,
			  unsigned int param, enum smm_bench_mode mode,
			  const struct smm_bench_job *tmpl)
{
	struct smm_bench_results *res = &ctx->res;
	struct smm_bench_row *row;
	unsigned int rep, k;
	int side, ret;
	u64 ps;

	if (WARN_ON_ONCE(res->nr_rows >= SMM_BENCH_MAX_ROWS))
		return -ENOSPC;
	row = &res->rows[res->nr_rows++];
	row->name = name;
	row->param = param;

	if (mode != SMM_BENCH_ONE_CPU && res->cpu[1] >= nr_cpu_ids) {
		row->skipped[SMM_BENCH_KERNEL] = true;
		row->skipped[SMM_BENCH_SMM] = true;
		return 0;
	}

	for (side = 0; side < SMM_BENCH_NR_SIDES; side++) {
		cond_resched();
		ret = smm_bench_measure(ctx, mode, tmpl, side, &ps);
		if (ret == -ENOMEM)
			row->skipped[side] = true;
		else if (ret)
			return ret;
	}

	for (rep = 0; rep < ctx->repeats; rep++) {
		for (k = 0; k < SMM_BENCH_NR_SIDES; k++) {
			side = (rep & 1) ? SMM_BENCH_NR_SIDES - 1 - k : k;
			if (row->skipped[side])
				continue;
			cond_resched();
			ret = smm_bench_measure(ctx, mode, tmpl, side, &ps);
			if (ret == -ENOMEM) {
				row->skipped[side] = true;
				continue;
			}
			if (ret)
				return ret;
			ctx->samples[side][rep] = ps;
		}
	}

	for (side = 0; side < SMM_BENCH_NR_SIDES; side++) {
		if (row->skipped[side]) {
			pr_info("bench: %s %u: %s could not satisfy it, skipped\n",
				name, param, smm_bench_side_names[side]);
			continue;
		}
		row->ps[side] = smm_bench_median(ctx->samples[side], ctx->repeats);
	}
	return 0;
}

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
			res->smm_high = READ_ONCE(szone->pcp_high);
			break;
		}
	}
	page = alloc_pages(GFP_KERNEL, 0);
	if (!page)
		return;
	zone = page_zone(page);
	pcp = per_cpu_ptr(zone->per_cpu_pageset, res->cpu[0]);
	res->k_zone = zone->name;
	res->k_batch = READ_ONCE(pcp->batch);
	res->k_high = READ_ONCE(pcp->high);
	__free_pages(page, 0);
}

static int smm_bench_all(struct smm_bench_ctx *ctx)
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

static int smm_bench_slab_all(struct smm_bench_ctx *ctx)
{
	int ret;

	ret = smm_bench_slab_create(ctx);
	if (!ret)
		ret = smm_bench_slab_cases(ctx);
	smm_bench_slab_destroy(ctx);
	return ret;
}

/* The benchmark kthread, bound to the first CPU. */
static int smm_bench_main(void *data)
{
	struct smm_bench_ctx *ctx = data;
	u64 t0 = ktime_get_ns();

	if (ctx->res.slab) {
		ctx->ret = smm_bench_slab_all(ctx);
	} else {
		smm_bench_describe(ctx);
		ctx->ret = smm_bench_all(ctx);
	}
	ctx->res.elapsed_ms = div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC);
	complete(&ctx->done);
	smm_bench_wait_stop();
	return 0;
}

static void smm_bench_ctx_free(struct smm_bench_ctx *ctx)
{
	kvfree(ctx->slots[0]);
	kvfree(ctx->slots[1]);
	kfree(ctx->ring);
	kfree(ctx);
}

static struct smm_bench_ctx *smm_bench_ctx_alloc(struct smm_pool *pool,
						 bool quick, bool slab)
{
	struct smm_bench_ctx *ctx;
	unsigned int cpu;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return NULL;
	ctx->slots[0] = kvmalloc_array(SMM_BENCH_MAX_N, sizeof(void *), GFP_KERNEL);
	ctx->slots[1] = kvmalloc_array(SMM_BENCH_MAX_N, sizeof(void *), GFP_KERNEL);
	ctx->ring = kzalloc(sizeof(*ctx->ring), GFP_KERNEL);
	if (!ctx->slots[0] || !ctx->slots[1] || !ctx->ring) {
		smm_bench_ctx_free(ctx);
		return NULL;
	}
	ctx->pool = pool;
	ctx->repeats = quick ? SMM_BENCH_QUICK_REPEATS : SMM_BENCH_REPEATS;
	init_completion(&ctx->done);
	ctx->res.pool = pool;
	ctx->res.slab = slab;
	ctx->res.repeats = ctx->repeats;
	cpu = cpumask_first(cpu_online_mask);
	ctx->res.cpu[0] = cpu;
	ctx->res.cpu[1] = cpumask_next(cpu, cpu_online_mask);
	return ctx;
}

/*
 * Run the page benchmark, or the slab benchmark with @slab, on @pool in a
 * kthread bound to the first online CPU and wait for it; on success the
 * results replace the last ones.
 */
static int smm_bench_run(struct smm_pool *pool, bool quick, bool slab)
{
	struct smm_bench_ctx *ctx;
	struct task_struct *task;
	int ret;

	ctx = smm_bench_ctx_alloc(pool, quick, slab);
	if (!ctx)
		return -ENOMEM;
	ret = mutex_lock_interruptible(&smm_bench_lock);
	if (ret)
		goto out_free;

	pr_info("bench: running the %s benchmark (%u repeats, CPUs %u and %u)\n",
		slab ? "slab" : "page", ctx->repeats, ctx->res.cpu[0], ctx->res.cpu[1]);
	task = kthread_create_on_cpu(smm_bench_main, ctx, ctx->res.cpu[0],
				     "smm_bench/%u");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto out_unlock;
	}
	get_task_struct(task);
	wake_up_process(task);
	/* Wake up once a second, so a long run is not a hung task. */
	while (!wait_for_completion_timeout(&ctx->done, HZ))
		;
	kthread_stop(task);
	put_task_struct(task);

	ret = ctx->ret;
	if (!ret)
		smm_bench_last = ctx->res;
	pr_info("bench: %s after %llu ms\n", ret ? "failed" : "done",
		ctx->res.elapsed_ms);
out_unlock:
	mutex_unlock(&smm_bench_lock);
out_free:
	smm_bench_ctx_free(ctx);
	return ret;
}

/* Picoseconds as nanoseconds with one decimal, into @buf. */
static const char *smm_bench_ns(char *buf, size_t len, u64 ps)
{
	u64 tenths = DIV_ROUND_CLOSEST_ULL(ps, 100);

	snprintf(buf, len, "%llu.%llu", div_u64(tenths, 10), tenths % 10);
	return buf;
}

/* shadowmm / kernel with three decimals, into @buf. */
static const char *smm_bench_ratio(char *buf, size_t len,
				   const struct smm_bench_row *row)
{
	u64 milli;

	if (row->skipped[SMM_BENCH_KERNEL] || row->skipped[SMM_BENCH_SMM] ||
	    !row->ps[SMM_BENCH_KERNEL])
		return "skipped";
	milli = div64_u64(row->ps[SMM_BENCH_SMM] * 1000 +
			  row->ps[SMM_BENCH_KERNEL] / 2, row->ps[SMM_BENCH_KERNEL]);
	snprintf(buf, len, "%llu.%03llu", div_u64(milli, 1000), milli % 1000);
	return buf;
}

static const char *smm_bench_cell(char *buf, size_t len,
				  const struct smm_bench_row *row, int side)
{
	if (row->skipped[side])
		return "skipped";
	return smm_bench_ns(buf, len, row->ps[side]);
}

static const struct smm_bench_row *
smm_bench_find(const struct smm_bench_results *res, const char *name,
	       unsigned int param)
{
	unsigned int i;

	for (i = 0; i < res->nr_rows; i++)
		if (!strcmp(res->rows[i].name, name) && res->rows[i].param == param)
			return &res->rows[i];
	return NULL;
}

/* "2 CPUs vs 1": throughput with two CPUs over throughput with one. */
static void smm_bench_show_speedup(struct seq_file *m,
				   const struct smm_bench_results *res,
				   const char *name)
{
	const struct smm_bench_row *one = smm_bench_find(res, name, 1);
	const struct smm_bench_row *two = smm_bench_find(res, name, 2);
	int side;

	if (!one || !two)
		return;
	seq_printf(m, "# %-10s 2 CPUs vs 1 CPU:", name);
	for (side = 0; side < SMM_BENCH_NR_SIDES; side++) {
		u64 x100;

		if (one->skipped[side] || two->skipped[side] || !two->ps[side]) {
			seq_printf(m, " %s skipped", smm_bench_side_names[side]);
			continue;
		}
		x100 = div64_u64(one->ps[side] * 100 + two->ps[side] / 2, two->ps[side]);
		seq_printf(m, " %s %llu.%02llux", smm_bench_side_names[side],
			   div_u64(x100, 100), x100 % 100);
	}
	seq_putc(m, '\n');
}

/* Which CPUs, and how long the run took. */
static void smm_bench_show_cpus(struct seq_file *m, const struct smm_bench_results *res)
{
	seq_printf(m, "# CPU %u (node %d)", res->cpu[0], cpu_to_node(res->cpu[0]));
	if (res->cpu[1] < nr_cpu_ids)
		seq_printf(m, " and CPU %u (node %d)", res->cpu[1], cpu_to_node(res->cpu[1]));
	else
		seq_puts(m, ", no second CPU online");
	seq_printf(m, "; the run took %llu ms\n", res->elapsed_ms);
}

/* The table, then the same rows as CSV. */
static void smm_bench_show_rows(struct seq_file *m, const struct smm_bench_results *res)
{
	char kbuf[24], sbuf[24], rbuf[24];
	unsigned int i;

	seq_printf(m, "%-14s %6s %11s %12s %16s\n", "case", "param", "kernel ns",
		   "shadowmm ns", "shadowmm/kernel");
	for (i = 0; i < res->nr_rows; i++) {
		const struct smm_bench_row *row = &res->rows[i];

		seq_printf(m, "%-14s %6u %11s %12s %16s\n", row->name, row->param,
			   smm_bench_cell(kbuf, sizeof(kbuf), row, SMM_BENCH_KERNEL),
			   smm_bench_cell(sbuf, sizeof(sbuf), row, SMM_BENCH_SMM),
			   smm_bench_ratio(rbuf, sizeof(rbuf), row));
	}
	if (!res->slab) {
		smm_bench_show_speedup(m, res, "smp_pair");
		smm_bench_show_speedup(m, res, "smp_batch");
	}

	seq_puts(m, "\ncase,param,kernel_ns,shadowmm_ns,ratio\n");
	for (i = 0; i < res->nr_rows; i++) {
		const struct smm_bench_row *row = &res->rows[i];

		seq_printf(m, "%s,%u,%s,%s,%s\n", row->name, row->param,
			   smm_bench_cell(kbuf, sizeof(kbuf), row, SMM_BENCH_KERNEL),
			   smm_bench_cell(sbuf, sizeof(sbuf), row, SMM_BENCH_SMM),
			   smm_bench_ratio(rbuf, sizeof(rbuf), row));
	}
}

static void smm_bench_show_slab(struct seq_file *m, const struct smm_bench_results *res)
{
	unsigned int i;

	seq_puts(m, "# shadowmm slab allocator benchmark: shadowmm smm_kmem_cache_*, smm_kmalloc/smm_kfree\n");
	seq_puts(m, "# (SMM_GFP_NOWAIT) against SLUB's kmem_cache_*, kmalloc/kfree (GFP_KERNEL), in one kthread,\n");
	seq_printf(m, "# alternating which goes first; each figure the median of %u repeats, in ns per object\n",
		   res->repeats);
	seq_puts(m, "# allocated and freed\n");
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

static void smm_bench_show_results(struct seq_file *m,
				   const struct smm_bench_results *res)
{
	if (res->slab) {
		smm_bench_show_slab(m, res);
		return;
	}
	seq_puts(m, "# shadowmm page allocator benchmark: shadowmm smm_alloc_pages(SMM_GFP_NOWAIT)/smm_free_pages\n");
	seq_puts(m, "# against the kernel's alloc_pages(GFP_KERNEL)/__free_pages, in one kthread, alternating\n");
	seq_printf(m, "# which goes first; each figure the median of %u repeats, in ns per block allocated and freed\n",
		   res->repeats);
	smm_bench_show_cpus(m, res);
	seq_printf(m, "# shadowmm: %lu frames, %d node(s), per-CPU batch %u high %u\n",
		   smm_pool_managed_pages(res->pool), res->pool->nr_nodes,
		   res->smm_batch, res->smm_high);
	if (res->k_zone)
		seq_printf(m, "# kernel: zone %s, per-CPU batch %d high %d\n",
			   res->k_zone, res->k_batch, res->k_high);
	seq_puts(m, "# pair: order-0 alloc+free, repeated; batch: alloc N order-0 blocks then free them;\n");
	seq_printf(m, "# order: alloc+free one block, repeated; order_many: alloc %u frames in blocks of the order, then free;\n",
		   SMM_BENCH_MANY_FRAMES);
	seq_puts(m, "# cross_cpu: alloc on the first CPU, free on the second, through a ring of param blocks;\n");
	seq_printf(m, "# smp_pair, smp_batch (%u blocks): on param CPUs at once, wall time over all their blocks\n",
		   SMM_BENCH_SMP_BATCH);
	smm_bench_show_rows(m, res);
}

static int smm_bench_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;
	int ret;

	ret = mutex_lock_interruptible(&smm_bench_lock);
	if (ret)
		return ret;
	if (smm_bench_last.pool == pool && smm_bench_last.nr_rows)
		smm_bench_show_results(m, &smm_bench_last);
	else
		seq_puts(m, "# no results yet: write \"run\" or \"run slab\" (or \"run quick\", \"run slab quick\") to this file\n");
	mutex_unlock(&smm_bench_lock);
	return 0;
}

static int smm_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, smm_bench_show, inode->i_private);
}

static ssize_t smm_bench_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct smm_pool *pool = ((struct seq_file *)file->private_data)->private;
	char buf[16];
	bool quick, slab;
	int ret;

	ret = smm_debugfs_user_line(buf, sizeof(buf), ubuf, len);
	if (ret)
		return ret;
	if (sysfs_streq(buf, "run"))
		quick = false;
	else if (sysfs_streq(buf, "run quick"))
		quick = true;
	else if (sysfs_streq(buf, "run slab"))
		quick = false;
	else if (sysfs_streq(buf, "run slab quick"))
		quick = true;
	else
		return -EINVAL;
	slab = !strncmp(buf, "run slab", 8);
	ret = smm_bench_run(pool, quick, slab);
	return ret ? ret : len;
}

const struct file_operations smm_bench_fops = {
	.owner = THIS_MODULE,
	.open = smm_bench_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = smm_bench_write,
	.release = single_release,
};
