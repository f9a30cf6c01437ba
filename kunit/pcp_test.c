// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: per-CPU lists (module/pcp.c): refill and drain in batches with
 * exact counts, tunables refused when out of range, drain of all lists,
 * and a CPU going offline leaves no frame behind on its lists.
 */

#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/workqueue.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg one_chunk = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true, .no_reserve = true,
};

static unsigned int smm_test_pcp_count(struct smm_zone *zone, int cpu)
{
	return READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
}

/*
 * batch 4, high 8: the first allocation refills 4 and takes 1; four more
 * allocations take the rest and refill once more; frees go to the list
 * until it reaches 8, when the 4 coldest go back to the buddy lists.
 */
static void smm_pcp_refill_drain_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned long managed = zone->managed, refills, drains;
	struct smm_page *pages[5];
	int i, cpu;

	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 8, 4), 0);
	refills = smm_event_sum(pool, SMM_PCP_REFILL);
	drains = smm_event_sum(pool, SMM_PCP_DRAIN);

	migrate_disable();
	cpu = smp_processor_id();
	pages[0] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 3U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed - 4);
	for (i = 1; i < 4; i++)
		pages[i] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 0U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_REFILL) - refills, 1UL);
	pages[4] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 3U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_REFILL) - refills, 2UL);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed - 8);

	for (i = 0; i < 4; i++)
		smm_free_pages(pool, pages[i], 0);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 7U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_DRAIN) - drains, 0UL);
	smm_free_pages(pool, pages[4], 0);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 4U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed - 4);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_PCP_DRAIN) - drains, 1UL);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_pcp_drain_all(pool), 4U);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, cpu), 0U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), managed);
	KUNIT_EXPECT_EQ(test, smm_test_nr_free(zone, SMM_MAX_ORDER), 1UL);
}

/* Out-of-range tunables are refused and change nothing. */
static void smm_pcp_tunables_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	unsigned int high = zone->pcp_high, batch = zone->pcp_batch;

	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 4, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 4096, SMM_PCP_BATCH_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, SMM_PCP_HIGH_MAX + 1, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, high);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, batch);
	KUNIT_EXPECT_EQ(test, smm_pcp_set_tunables(pool, 186, 31), 0);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, 186U);
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, 31U);
}

struct smm_pcp_fill {
	struct smm_pool *pool;
	unsigned int n;
};

/* Runs on the target CPU: leaves frames on that CPU's list. */
static long smm_pcp_fill_fn(void *arg)
{
	struct smm_pcp_fill *f = arg;
	struct smm_page *pages[3];
	int i;

	for (i = 0; i < 3; i++) {
		pages[i] = smm_alloc_pages(f->pool, 0, SMM_GFP_NOWAIT);
		if (!pages[i])
			return -ENOMEM;
	}
	for (i = 0; i < 3; i++)
		smm_free_pages(f->pool, pages[i], 0);
	return 0;
}

/* A CPU going offline leaves nothing on its lists. */
static void smm_pcp_cpu_offline_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &one_chunk);
	struct smm_zone *zone = smm_test_only_zone(test, pool);
	struct smm_pcp_fill fill = { .pool = pool };
	int cpu, target = -1, ret;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2)
		kunit_skip(test, "needs CPU hotplug and two online CPUs");
	for_each_online_cpu(cpu)
		if (cpu != 0)
			target = cpu;
	KUNIT_ASSERT_GE(test, target, 1);
	KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 64, 8), 0);
	KUNIT_ASSERT_EQ(test, work_on_cpu(target, smm_pcp_fill_fn, &fill), 0L);
	KUNIT_ASSERT_GT(test, smm_test_pcp_count(zone, target), 0U);
	KUNIT_ASSERT_LT(test, smm_zone_free(zone), zone->managed);

	ret = remove_cpu(target);
	if (ret)
		kunit_skip(test, "cannot take cpu %d offline: %d", target, ret);
	KUNIT_EXPECT_EQ(test, smm_test_pcp_count(zone, target), 0U);
	KUNIT_EXPECT_EQ(test, smm_zone_free(zone), zone->managed);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, add_cpu(target), 0);
}

static struct kunit_case smm_pcp_cases[] = {
	KUNIT_CASE(smm_pcp_refill_drain_test),
	KUNIT_CASE(smm_pcp_tunables_test),
	KUNIT_CASE(smm_pcp_cpu_offline_test),
	{}
};

static struct kunit_suite smm_pcp_suite = {
	.name = "shadowmm_pcp",
	.test_cases = smm_pcp_cases,
};

kunit_test_suites(&smm_pcp_suite);
