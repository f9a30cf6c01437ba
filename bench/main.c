// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the benchmarks and the burst knobs, kept out of
 * shadowmm.ko as the kernel keeps a test driver apart from what it tests.
 *
 * Loaded after shadowmm.ko, it adds the file "bench" (bench.c) to the
 * live pool's debugfs directory and the knobs "burst" and "slab_burst"
 * (burst.c) to its knobs file; unloading takes them away again.  It uses
 * shadowmm.ko's internal symbols, so shadowmm.ko stays loaded meanwhile.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>

#include <shadowmm/bench.h>
#include <shadowmm/compat.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/main.h>

/* Written once at init, removed at exit; no lock needed. */
static struct dentry *smm_bench_file;

static int __init smm_bench_init(void)
{
	struct dentry *file;
	int ret;

	if (!smm_debugfs_root()) {
		pr_err("%s has no debugfs directory: no bench file to serve\n", SMM_NAME);
		return -ENODEV;
	}
	file = debugfs_create_file("bench", 0600, smm_debugfs_root(),
				   smm_device_pool(), &smm_bench_fops);
	if (IS_ERR(file)) {
		pr_err("cannot create %s/bench: %pe\n", SMM_NAME, file);
		return PTR_ERR(file);
	}
	ret = smm_knobs_add(&smm_burst_knobs);
	if (ret) {
		debugfs_remove(file);
		return ret;
	}
	smm_bench_file = file;
	return 0;
}

static void __exit smm_bench_exit(void)
{
	smm_knobs_remove(&smm_burst_knobs);
	debugfs_remove(smm_bench_file);
}

module_init(smm_bench_init);
module_exit(smm_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm's allocator benchmarks and burst knobs");
MODULE_IMPORT_NS(SMM_NS);
