// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: module init fails, so insmod fails. */
#include <linux/module.h>

static int __init harness_loadfail_init(void)
{
	pr_err("harness self-test: refusing to load, deliberately\n");
	return -EINVAL;
}

module_init(harness_loadfail_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm harness self-test: a failing load");
