// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: leaks one allocation that kmemleak must report. */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static noinline void harness_lose(void *p)
{
	/* Write through it so the allocation cannot be optimised away. */
	memset(p, 0x5a, 200);
}

static int __init harness_leak_init(void)
{
	void *p = kmalloc(200, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	harness_lose(p);
	return 0;
}

static void __exit harness_leak_exit(void)
{
}

module_init(harness_leak_init);
module_exit(harness_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm harness self-test: a memory leak");
