// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm_bench: the knobs "burst" and "slab_burst", which allocate and
 * free again at once, to show the allocators at work (their tracepoints,
 * split and merge, slab growth) and to exercise them from tests.
 *
 *   burst N       N allocations (1..4096) of orders 0..3, then freed
 *   slab_burst N  N kmallocs (1..4096) cycling through every size class
 *                 (its size and a little less), then freed
 */

#include <linux/slab.h>

#include <shadowmm/bench.h>
#include <shadowmm/buddy.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>

/* Bursts allocate at most this many blocks or objects at once. */
#define SMM_KNOB_BURST_MAX	4096

/* A burst of allocations of mixed orders, all freed: shows split and merge. */
static int smm_knob_burst(struct smm_pool *pool, unsigned int n)
{
	struct smm_page **pages;
	unsigned int *orders;
	unsigned int i;

	if (n < 1 || n > SMM_KNOB_BURST_MAX)
		return -EINVAL;
	pages = kcalloc(n, sizeof(*pages), GFP_KERNEL);
	orders = kcalloc(n, sizeof(*orders), GFP_KERNEL);
	if (!pages || !orders) {
		kfree(pages);
		kfree(orders);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		orders[i] = (i * 7) % 4;
		pages[i] = smm_alloc_pages(pool, orders[i], SMM_GFP_NOWAIT);
	}
	for (i = 0; i < n; i++)
		if (pages[i])
			smm_free_pages(pool, pages[i], orders[i]);
	kfree(orders);
	kfree(pages);
	return 0;
}

/* kmalloc @n objects of every class's size and a little less, free them. */
static int smm_knob_slab_burst(struct smm_pool *pool, unsigned int n)
{
	unsigned int i;
	void **objs;

	if (n < 1 || n > SMM_KNOB_BURST_MAX)
		return -EINVAL;
	objs = kcalloc(n, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		objs[i] = smm_kmalloc(pool, smm_kmalloc_sizes[i % SMM_KMALLOC_NR] - i % 3,
				      SMM_GFP_NOWAIT);
	for (i = 0; i < n; i++)
		smm_kfree(pool, objs[i]);
	kfree(objs);
	return 0;
}

static const struct smm_knob smm_burst_knob_table[] = {
	{ "burst", 1, SMM_KNOB_BURST_MAX, NULL, NULL, smm_knob_burst },
	{ "slab_burst", 1, SMM_KNOB_BURST_MAX, NULL, NULL, smm_knob_slab_burst },
};

struct smm_knob_set smm_burst_knobs = {
	.knobs = smm_burst_knob_table,
	.nr = ARRAY_SIZE(smm_burst_knob_table),
	.help = "# \"burst N\" and \"slab_burst N\" allocate N blocks or objects and free them\n",
};
