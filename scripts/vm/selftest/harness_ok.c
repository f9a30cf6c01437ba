// SPDX-License-Identifier: GPL-2.0
/* Harness self-test: a clean module with a passing KUnit suite. */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_passing_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 2 + 2, 4);
}

static struct kunit_case harness_ok_cases[] = {
	KUNIT_CASE(harness_passing_case),
	{}
};

static struct kunit_suite harness_ok_suite = {
	.name = "harness_ok",
	.test_cases = harness_ok_cases,
};
kunit_test_suite(harness_ok_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm harness self-test: clean");
