// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: a WARN at load; the load itself succeeds. */
#include <linux/bug.h>
#include <linux/module.h>

static int __init harness_warn_init(void)
{
	WARN(1, "harness self-test: this warning is deliberate\n");
	return 0;
}

static void __exit harness_warn_exit(void)
{
}

module_init(harness_warn_init);
module_exit(harness_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm harness self-test: a WARN");
