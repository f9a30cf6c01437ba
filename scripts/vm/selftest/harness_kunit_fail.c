// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: one KUnit case fails, the other passes. */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_passing_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static void harness_failing_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, 1, 2, "this failure is deliberate");
}

static struct kunit_case harness_kunit_fail_cases[] = {
	KUNIT_CASE(harness_passing_case),
	KUNIT_CASE(harness_failing_case),
	{}
};

static struct kunit_suite harness_kunit_fail_suite = {
	.name = "harness_kunit_fail",
	.test_cases = harness_kunit_fail_cases,
};
kunit_test_suite(harness_kunit_fail_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm harness self-test: a failing KUnit case");
