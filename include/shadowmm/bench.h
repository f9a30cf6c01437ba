/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-allocator benchmark (module/bench.c): shadowmm's
 * smm_alloc_pages()/smm_free_pages() timed against the kernel's
 * alloc_pages()/__free_pages() in the same kthread, driven from the
 * debugfs file /sys/kernel/debug/shadowmm/bench.
 */
#ifndef _SHADOWMM_BENCH_H
#define _SHADOWMM_BENCH_H

#include <linux/fs.h>

/*
 * The "bench" file of the live pool: write "run" (or "run quick") to run
 * the benchmark, read the table and CSV of the last run.
 */
extern const struct file_operations smm_bench_fops;

#endif /* _SHADOWMM_BENCH_H */
