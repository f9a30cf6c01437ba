// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the "bench" file, which runs the page and slab
 * benchmarks and shows the results of the last run.
 *
 * Driven from debugfs (main.c adds the file): write "run" (or "run
 * quick", fewer repeats) to /sys/kernel/debug/shadowmm/bench for the page
 * benchmark (page_bench.c), "run slab" (or "run slab quick") for the slab
 * benchmark (slab_bench.c); either runs synchronously, in a kthread bound
 * to the first online CPU.
 * Reading returns the table of the last run, whichever it was, followed
 * by the same rows as CSV, from the header line "case,param,kernel_ns,
 * shadowmm_ns,ratio,kernel_min_ns,kernel_max_ns,shadowmm_min_ns,
 * shadowmm_max_ns,ratio_min,ratio_max" (SMM_BENCH_CSV_HEADER) to the end
 * of the file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include <shadowmm/bench.h>
#include <shadowmm/bench_internal.h>
#include <shadowmm/debugfs.h>

#define SMM_BENCH_QUICK_REPEATS	5	/* "run quick" */

/*
 * The medians and their ratio first, where parsers of the first five
 * columns expect them; each side's fastest and slowest repeat after.
 */
#define SMM_BENCH_CSV_HEADER \
	"case,param,kernel_ns,shadowmm_ns,ratio," \
	"kernel_min_ns,kernel_max_ns,shadowmm_min_ns,shadowmm_max_ns," \
	"ratio_min,ratio_max"

/*
 * The results of the last run, shown by the live pool's "bench" file.
 * Only the live pool has debugfs files, so one set is all the module ever
 * needs; it is fixed-size static storage (nothing to free at unload).
 * smm_bench_lock serialises runs and protects smm_bench_last.
 */
static DEFINE_MUTEX(smm_bench_lock);
static struct smm_bench_results smm_bench_last;

/* The benchmark kthread, bound to the first CPU. */
static int smm_bench_main(void *data)
{
	struct smm_bench_ctx *ctx = data;
	u64 t0 = ktime_get_ns();

	if (ctx->res.slab)
		ctx->ret = smm_bench_slab_all(ctx);
	else
		ctx->ret = smm_bench_page_all(ctx);
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
	/*
	 * Wake up once a second, so a long run is not a hung task.  A fatal
	 * signal stops the run at its next measurement (one measurement is
	 * a bounded loop); the kthread uses @ctx until then, so wait for it.
	 */
	while (!wait_for_completion_timeout(&ctx->done, HZ))
		if (fatal_signal_pending(current))
			WRITE_ONCE(ctx->cancel, true);
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

/* Thousandths as a ratio with three decimals, into @buf. */
static const char *smm_bench_milli(char *buf, size_t len, u64 milli)
{
	snprintf(buf, len, "%llu.%03llu", div_u64(milli, 1000), milli % 1000);
	return buf;
}

/* The lowest and highest ratio within one repeat, as two CSV cells. */
static const char *smm_bench_csv_ratios(char *buf, size_t len,
					const struct smm_bench_row *row)
{
	char lo[24], hi[24];

	if (row->skipped[SMM_BENCH_KERNEL] || row->skipped[SMM_BENCH_SMM])
		return "skipped,skipped";
	snprintf(buf, len, "%s,%s", smm_bench_milli(lo, sizeof(lo), row->ratio_min),
		 smm_bench_milli(hi, sizeof(hi), row->ratio_max));
	return buf;
}

/* The ratio with its lowest and highest within one repeat, for the table. */
static const char *smm_bench_table_ratio(char *buf, size_t len,
					 const struct smm_bench_row *row)
{
	char med[24], lo[24], hi[24];
	const char *r = smm_bench_ratio(med, sizeof(med), row);

	if (r != med)
		return r;
	snprintf(buf, len, "%s (%s-%s)", med,
		 smm_bench_milli(lo, sizeof(lo), row->ratio_min),
		 smm_bench_milli(hi, sizeof(hi), row->ratio_max));
	return buf;
}

/* The fastest and slowest repeat of a side, as two CSV cells. */
static const char *smm_bench_csv_spread(char *buf, size_t len,
					const struct smm_bench_row *row, int side)
{
	char lo[24], hi[24];

	if (row->skipped[side])
		return "skipped,skipped";
	snprintf(buf, len, "%s,%s", smm_bench_ns(lo, sizeof(lo), row->ps_min[side]),
		 smm_bench_ns(hi, sizeof(hi), row->ps_max[side]));
	return buf;
}

/* A side's median with its spread, "median (min-max)", for the table. */
static const char *smm_bench_table_cell(char *buf, size_t len,
					const struct smm_bench_row *row, int side)
{
	char med[24], lo[24], hi[24];

	if (row->skipped[side])
		return "skipped";
	snprintf(buf, len, "%s (%s-%s)", smm_bench_ns(med, sizeof(med), row->ps[side]),
		 smm_bench_ns(lo, sizeof(lo), row->ps_min[side]),
		 smm_bench_ns(hi, sizeof(hi), row->ps_max[side]));
	return buf;
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

/**
 * smm_bench_show_cpus() - print which CPUs a run used and how long it took
 * @m:		the bench file
 * @res:	the results of the run
 *
 * Context: Process context, under the bench file's lock.
 */
void smm_bench_show_cpus(struct seq_file *m, const struct smm_bench_results *res)
{
	seq_printf(m, "# CPU %u (node %d)", res->cpu[0], cpu_to_node(res->cpu[0]));
	if (res->cpu[1] < nr_cpu_ids)
		seq_printf(m, " and CPU %u (node %d)", res->cpu[1], cpu_to_node(res->cpu[1]));
	else
		seq_puts(m, ", no second CPU online");
	seq_printf(m, "; the run took %llu ms\n", res->elapsed_ms);
}

/**
 * smm_bench_show_rows() - print a run's table, then its rows as CSV
 * @m:		the bench file
 * @res:	the results of the run
 *
 * One line a row (case, param, kernel ns and shadowmm ns, each as
 * "median (min-max)" over the repeats, and shadowmm/kernel, median over
 * median, with the lowest and highest ratio within one repeat), after the page benchmark the 2 CPUs versus 1 speedups, then a
 * blank line, the CSV header (SMM_BENCH_CSV_HEADER) and the same rows as
 * CSV: the medians and their ratio, then each side's minimum and maximum,
 * then the lowest and highest shadowmm/kernel of one repeat.
 *
 * Context: Process context, under the bench file's lock.
 */
void smm_bench_show_rows(struct seq_file *m, const struct smm_bench_results *res)
{
	char kbuf[80], sbuf[80], rbuf[80];
	unsigned int i;

	seq_printf(m, "%-14s %6s %26s %26s %26s\n", "case", "param", "kernel ns (min-max)",
		   "shadowmm ns (min-max)", "shadowmm/kernel (min-max)");
	for (i = 0; i < res->nr_rows; i++) {
		const struct smm_bench_row *row = &res->rows[i];

		seq_printf(m, "%-14s %6u %26s %26s %26s\n", row->name, row->param,
			   smm_bench_table_cell(kbuf, sizeof(kbuf), row, SMM_BENCH_KERNEL),
			   smm_bench_table_cell(sbuf, sizeof(sbuf), row, SMM_BENCH_SMM),
			   smm_bench_table_ratio(rbuf, sizeof(rbuf), row));
	}
	if (!res->slab) {
		smm_bench_show_speedup(m, res, "smp_pair");
		smm_bench_show_speedup(m, res, "smp_batch");
	}

	seq_puts(m, "\n" SMM_BENCH_CSV_HEADER "\n");
	for (i = 0; i < res->nr_rows; i++) {
		const struct smm_bench_row *row = &res->rows[i];
		char kspread[56], sspread[56], rspread[56];

		seq_printf(m, "%s,%u,%s,%s,%s,%s,%s,%s\n", row->name, row->param,
			   smm_bench_cell(kbuf, sizeof(kbuf), row, SMM_BENCH_KERNEL),
			   smm_bench_cell(sbuf, sizeof(sbuf), row, SMM_BENCH_SMM),
			   smm_bench_ratio(rbuf, sizeof(rbuf), row),
			   smm_bench_csv_spread(kspread, sizeof(kspread), row,
						SMM_BENCH_KERNEL),
			   smm_bench_csv_spread(sspread, sizeof(sspread), row,
						SMM_BENCH_SMM),
			   smm_bench_csv_ratios(rspread, sizeof(rspread), row));
	}
}

static void smm_bench_show_results(struct seq_file *m,
				   const struct smm_bench_results *res)
{
	if (res->slab)
		smm_bench_slab_show(m, res);
	else
		smm_bench_page_show(m, res);
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

	ret = smm_debugfs_user_line(buf, sizeof(buf), ubuf, len, ppos);
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
	if (ret)
		return ret;
	*ppos += len;
	return len;
}

const struct file_operations smm_bench_fops = {
	.owner = THIS_MODULE,
	.open = smm_bench_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = smm_bench_write,
	.release = single_release,
};
