// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: module init never returns, so the guest never ends. */
#include <linux/delay.h>
#include <linux/module.h>

static int __init harness_hang_init(void)
{
	for (;;)
		msleep(1000);
	return 0;
}

module_init(harness_hang_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm harness self-test: a hang");
