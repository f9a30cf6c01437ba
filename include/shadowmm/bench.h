/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowmm_bench.ko (bench/), loaded after shadowmm.ko, which carries no
 * benchmark code: what its init (bench/main.c) adds to the live pool.
 * The file /sys/kernel/debug/shadowmm/bench (bench.c) runs the page- and
 * slab-allocator benchmarks (page_bench.c and slab_bench.c, timed against
 * the kernel's allocators by measure.c) and shows their results; the
 * knobs "burst" and "slab_burst" (burst.c) join the knobs file.  What the
 * benchmark files share among themselves is in bench_internal.h.
 */
#ifndef _SHADOWMM_BENCH_H
#define _SHADOWMM_BENCH_H

#include <linux/fs.h>

#include <shadowmm/debugfs.h>

/*
 * The "bench" file of the live pool: write "run" (or "run quick", "run
 * slab", "run slab quick") to run a benchmark, read the table and CSV of
 * the last run.
 */
extern const struct file_operations smm_bench_fops;

/* "burst N" and "slab_burst N": allocate N blocks or objects, free them. */
extern struct smm_knob_set smm_burst_knobs;

#endif /* _SHADOWMM_BENCH_H */
