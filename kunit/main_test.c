// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module parameter parsing (module/main.c).
 *
 * A bad value must be refused with -EINVAL and must not change the value
 * already held; a good one must be stored exactly.
 */

#include <kunit/test.h>

#include <shadowmm/compat.h>
#include <shadowmm/main.h>

#include "smm_test.h"

struct size_mb_case {
	const char *text;
	int ret;
	unsigned int value;
};

static const struct size_mb_case size_mb_cases[] = {
	{ "4", 0, 4 },
	{ "64", 0, 64 },
	{ "4096", 0, 4096 },
	{ "0x40", 0, 64 },
	{ "3", -EINVAL, 0 },
	{ "0", -EINVAL, 0 },
	{ "4097", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "64k", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "99999999999999999999", -EINVAL, 0 },
};

static void size_mb_case_desc(const struct size_mb_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size_mb=\"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(size_mb, size_mb_cases, size_mb_case_desc);

static void smm_param_size_mb_test(struct kunit *test)
{
	const struct size_mb_case *c = test->param_value;
	unsigned int mb = 12345;

	KUNIT_EXPECT_EQ(test, smm_parse_size_mb(c->text, &mb), c->ret);
	KUNIT_EXPECT_EQ(test, mb, c->ret ? 12345u : c->value);
}

struct dev_mode_case {
	const char *text;
	int ret;
	umode_t value;
};

static const struct dev_mode_case dev_mode_cases[] = {
	{ "0600", 0, 0600 },
	{ "600", 0, 0600 },
	{ "0660", 0, 0660 },
	{ "0666", 0, 0666 },
	{ "0400", -EINVAL, 0 },
	{ "0700", -EINVAL, 0 },
	{ "0644", 0, 0644 },
	{ "4600", -EINVAL, 0 },
	{ "0", -EINVAL, 0 },
	{ "rw", -EINVAL, 0 },
	{ "0608", -EINVAL, 0 },
};

static void dev_mode_case_desc(const struct dev_mode_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "dev_mode=\"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(dev_mode, dev_mode_cases, dev_mode_case_desc);

static void smm_param_dev_mode_test(struct kunit *test)
{
	const struct dev_mode_case *c = test->param_value;
	umode_t mode = 0123;

	KUNIT_EXPECT_EQ(test, smm_parse_dev_mode(c->text, &mode), c->ret);
	KUNIT_EXPECT_EQ(test, mode, c->ret ? (umode_t)0123 : c->value);
}

struct swap_file_case {
	const char *text;
	int ret;
	const char *value;
};

static const struct swap_file_case swap_file_cases[] = {
	{ "/tmp/shadowmm.swap", 0, "/tmp/shadowmm.swap" },
	{ "/tmp/shadowmm.swap\n", 0, "/tmp/shadowmm.swap" },
	{ "", 0, "" },
	{ "tmp/shadowmm.swap", -EINVAL },
	{ "./shadowmm.swap", -EINVAL },
	{ "/tmp/shadowmm.swap\nfoo", -EINVAL },
	{ "/tmp/shadowmm.swap\n\n", -EINVAL },
};

static void swap_file_case_desc(const struct swap_file_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "swap_file=\"%*pE\"", (int)strlen(c->text),
		 c->text);
}

KUNIT_ARRAY_PARAM(swap_file, swap_file_cases, swap_file_case_desc);

static void smm_param_swap_file_test(struct kunit *test)
{
	const struct swap_file_case *c = test->param_value;
	char path[sizeof(smm_params.swap_file)] = "/old";

	KUNIT_EXPECT_EQ(test, smm_parse_swap_file(c->text, path, sizeof(path)), c->ret);
	KUNIT_EXPECT_STREQ(test, path, c->ret ? "/old" : c->value);
}

static struct kunit_case smm_params_cases[] = {
	KUNIT_CASE_PARAM(smm_param_size_mb_test, size_mb_gen_params),
	KUNIT_CASE_PARAM(smm_param_dev_mode_test, dev_mode_gen_params),
	KUNIT_CASE_PARAM(smm_param_swap_file_test, swap_file_gen_params),
	{}
};

static struct kunit_suite smm_params_suite = {
	.name = "shadowmm_params",
	.test_cases = smm_params_cases,
};

kunit_test_suites(&smm_params_suite);

bool smm_test_cpu_hotplug;
module_param_named(cpu_hotplug, smm_test_cpu_hotplug, bool, 0444);
MODULE_PARM_DESC(cpu_hotplug,
		 "run the cases that take a CPU offline and back (tasks pinned to that CPU lose their affinity; default off)");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for shadowmm");
/* The suites call shadowmm.ko's internal symbols (see compat.h). */
MODULE_IMPORT_NS(SMM_NS);
/* shadowmm_debugfs uses the burst knob, which shadowmm_bench.ko adds. */
MODULE_SOFTDEP("pre: shadowmm_bench");
