// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the measuring engine of the page and slab benchmarks.
 *
 * Times one job of allocations and frees on shadowmm's allocators and on
 * the kernel's, in the same kthread, alternating which of the two goes
 * first from one repeat to the next, and keeps the median of the repeats
 * as a row of the table, with the fastest and slowest repeat beside it.  Every figure is nanoseconds per block (a page
 * block or a slab object) allocated and freed (one allocation plus one
 * free); only ratios between the two allocators mean anything under
 * emulation.  A job runs on the benchmark kthread alone, or with a helper
 * kthread on the second CPU: the same job on both at once, or allocating
 * here and freeing there through a ring.  The allocation loops are
 * instantiated per side and per kind of block, so no measurement pays for
 * a branch on either.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include <shadowmm/bench_internal.h>
#include <shadowmm/buddy.h>
#include <shadowmm/slab.h>

const char * const smm_bench_side_names[SMM_BENCH_NR_SIDES] = {
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
		return kmem_cache_alloc(job->kcache, SMM_BENCH_KERNEL_GFP(0));
	case SMM_BENCH_KMALLOC:
		if (side == SMM_BENCH_SMM)
			return smm_kmalloc(job->pool, job->size, SMM_GFP_NOWAIT);
		return kmalloc(job->size, SMM_BENCH_KERNEL_GFP(0));	/* <= 8 KiB */
	default:
		if (side == SMM_BENCH_SMM)
			return smm_alloc_pages(job->pool, job->order, SMM_GFP_NOWAIT);
		return alloc_pages(job->kernel_gfp, job->order);
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

/*
 * One turn of a wait for the other CPU's thread.  With two CPUs each runs
 * one and the wait spins.  Should the second CPU go offline meanwhile,
 * both threads end up on one CPU, where a spin that never yields would
 * never let the other run (a soft lockup, on a kernel without full
 * preemption): the turn yields when the scheduler asks.
 */
static __always_inline void smm_bench_wait_turn(void)
{
	cpu_relax();
	cond_resched();
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
			if (unlikely(!kmem_cache_alloc_bulk(job->kcache, SMM_BENCH_KERNEL_GFP(0),
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
			smm_bench_wait_turn();
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
				smm_bench_wait_turn();
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
	/* Once, not per block in the timed loop. */
	job->kernel_gfp = SMM_BENCH_KERNEL_GFP(job->order);
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

/**
 * smm_bench_wait_stop() - park a finished kthread until it is stopped
 *
 * The benchmark kthread and the helper call it once their work is done,
 * so that kthread_stop() by whoever started them reaps them.
 *
 * Context: A benchmark kthread, process context; sleeps.
 */
void smm_bench_wait_stop(void)
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
		smm_bench_wait_turn();
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
		smm_bench_wait_turn();
	kthread_stop(h->task);
	put_task_struct(h->task);
	h->task = NULL;
}

/*
 * One measurement of one side: picoseconds per block into *@ps.
 * Return: 0, -ENOMEM when the allocator ran dry (every block it gave was
 * freed again), -ENODEV when a two-CPU measurement lost its second CPU
 * (both skip the side), or another errno that ends the run.
 */
static int smm_bench_measure(struct smm_bench_ctx *ctx, enum smm_bench_mode mode,
			     const struct smm_bench_job *tmpl,
			     enum smm_bench_side side, u64 *ps)
{
	struct smm_bench_helper *h = &ctx->helper;
	struct smm_bench_job job = *tmpl;
	u64 start, end, blocks;
	int ret;

	/* The writer was killed: nobody waits for the figures. */
	if (READ_ONCE(ctx->cancel))
		return -EINTR;
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
	/* The second CPU went offline since the run began: no figure. */
	if (!cpu_online(ctx->res.cpu[1]))
		return -ENODEV;
	ret = smm_bench_helper_start(h, ctx->res.cpu[1]);
	if (ret)
		return ret;
	/* The helper's job (written above) is visible before it goes. */
	smp_store_release(&h->go, 1);
	smm_bench_job_run(&job);
	smm_bench_helper_finish(h);
	if (job.err || h->job.err)
		return -ENOMEM;
	/* Gone meanwhile: both threads may have shared the first CPU. */
	if (!cpu_online(ctx->res.cpu[1]))
		return -ENODEV;

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

/* Sort the @n figures of @v and keep their median, minimum and maximum. */
static void smm_bench_spread(struct smm_bench_row *row, int side, u64 *v,
			     unsigned int n)
{
	sort(v, n, sizeof(*v), smm_bench_cmp_u64, NULL);
	if (n & 1)
		row->ps[side] = v[n / 2];
	else
		row->ps[side] = (v[n / 2 - 1] + v[n / 2]) / 2;
	row->ps_min[side] = v[0];
	row->ps_max[side] = v[n - 1];
}

/**
 * smm_bench_case() - measure one row of the table
 * @ctx:	the run; the row is appended to @ctx->res
 * @name:	the case, as the table names it
 * @param:	the row's parameter (N, order, size, ring size or CPU count)
 * @mode:	on which CPUs @tmpl runs
 * @tmpl:	the job; its side, slots and ring are filled in per measurement
 *
 * A warm-up of each side, then @ctx->repeats measurements of each, the
 * kernel first on even repeats and shadowmm first on odd ones; the row
 * keeps each side's median, and its fastest and slowest repeat, and the
 * lowest and highest ratio of the two sides within one repeat.  A side that runs out of memory is marked
 * skipped (and logged), as are both when @mode needs a second CPU and
 * there is none.
 *
 * Context: The benchmark kthread, process context; sleeps.
 * Return: 0 (skipped sides included), -ENOSPC when the table is full, or
 * the errno that keeps a helper kthread from starting.
 */
int smm_bench_case(struct smm_bench_ctx *ctx, const char *name,
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
		if (ret == -ENOMEM || ret == -ENODEV)
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
			if (ret == -ENOMEM || ret == -ENODEV) {
				row->skipped[side] = true;
				continue;
			}
			if (ret)
				return ret;
			ctx->samples[side][rep] = ps;
		}
	}

	/* Each repeat timed both sides back to back: their ratio, paired. */
	if (!row->skipped[SMM_BENCH_KERNEL] && !row->skipped[SMM_BENCH_SMM]) {
		u64 *k = ctx->samples[SMM_BENCH_KERNEL], *s = ctx->samples[SMM_BENCH_SMM];

		row->ratio_min = U64_MAX;
		row->ratio_max = 0;
		for (rep = 0; rep < ctx->repeats; rep++) {
			u64 milli = div64_u64(s[rep] * 1000 + k[rep] / 2, max(k[rep], 1ULL));

			row->ratio_min = min(row->ratio_min, milli);
			row->ratio_max = max(row->ratio_max, milli);
		}
	}

	for (side = 0; side < SMM_BENCH_NR_SIDES; side++) {
		if (row->skipped[side]) {
			pr_info("bench: %s %u: %s could not satisfy it, or the second CPU went offline: skipped\n",
				name, param, smm_bench_side_names[side]);
			continue;
		}
		smm_bench_spread(row, side, ctx->samples[side], ctx->repeats);
	}
	return 0;
}
