// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the slab allocator's fault reports (smm_slab_fault() in
 * module/slab_debug.c) as they reach the log.  A probe on the kernel's
 * "console" tracepoint, which printk() fires for every record it stores,
 * whatever the console loglevel, captures what the test's own task prints
 * while it provokes a fault on a debug cache of a private pool; the test
 * then reads the report line by line: the framed title with the cache
 * and the kind, what was found, the object and its slab, the owners and
 * their stacks, the dump of the damaged bytes, the detecting stack and
 * the closing FIX line, and that no line would read as a kernel bug to
 * the test VM's log verdict.
 *
 * The tracepoint is found by name (for_each_kernel_tracepoint()), as a
 * module on any kernel can: 6.12 exports it for register_trace_console(),
 * 6.1 does not.
 */

#include <kunit/test.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <shadowmm/slab.h>

#include "smm_test.h"

#define SMM_TEST_FLAGS	(SMM_GFP_NOWAIT | SMM_GFP_NOFAULT)
#define SMM_CAP_LINES	192
#define SMM_CAP_LEN	160
/* What every line of the reports starts with (module/slab_debug.c's pr_fmt). */
#define SMM_PFX		"shadowmm: "

static const struct smm_test_pool_cfg report_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.no_reserve = true, .pcp_off = true,
};

/**
 * struct smm_report_capture - the log lines one task printed
 * @tp:		the console tracepoint, while the probe is on it
 * @task:	whose lines are kept (the test's)
 * @nr:		lines kept
 * @lost:	lines beyond SMM_CAP_LINES, not kept
 * @line:	the lines, without their trailing newline, truncated
 */
struct smm_report_capture {
	struct tracepoint *tp;
	struct task_struct *task;
	unsigned int nr;
	unsigned int lost;
	char line[SMM_CAP_LINES][SMM_CAP_LEN];
};

/*
 * Every printk() record, on every CPU.  Only the test's task in process
 * context writes the capture, and the same task reads it once the probe
 * is off: no lock.
 */
static void smm_report_probe(void *data, const char *text, size_t len)
{
	struct smm_report_capture *cap = data;

	if (current != cap->task || !in_task())
		return;
	if (cap->nr == SMM_CAP_LINES) {
		cap->lost++;
		return;
	}
	if (len && text[len - 1] == '\n')
		len--;
	len = min_t(size_t, len, SMM_CAP_LEN - 1);
	memcpy(cap->line[cap->nr], text, len);
	cap->line[cap->nr][len] = '\0';
	cap->nr++;
}

static void smm_find_console(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "console"))
		*found = tp;
}

static void smm_capture_stop(void *data)
{
	struct smm_report_capture *cap = data;

	if (!cap->tp)
		return;
	tracepoint_probe_unregister(cap->tp, (void *)smm_report_probe, cap);
	tracepoint_synchronize_unregister();
	cap->tp = NULL;
}

/* Capture this task's log lines until smm_capture_stop() or the test's end. */
static struct smm_report_capture *smm_capture_start(struct kunit *test)
{
	struct smm_report_capture *cap;
	struct tracepoint *tp = NULL;

	if (!IS_ENABLED(CONFIG_PRINTK))
		kunit_skip(test, "no printk");
	for_each_kernel_tracepoint(smm_find_console, &tp);
	if (!tp)
		kunit_skip(test, "no console tracepoint");
	cap = kunit_kzalloc(test, sizeof(*cap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cap);
	cap->task = current;
	KUNIT_ASSERT_EQ(test, tracepoint_probe_register(tp, (void *)smm_report_probe, cap), 0);
	cap->tp = tp;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_capture_stop, cap), 0);
	return cap;
}

/* Show what was captured: a failed check is read against it. */
static void smm_capture_show(struct kunit *test, const struct smm_report_capture *cap)
{
	unsigned int i;

	kunit_info(test, "captured %u lines (%u lost):\n", cap->nr, cap->lost);
	for (i = 0; i < cap->nr; i++)
		kunit_info(test, "| %s\n", cap->line[i]);
}

/*
 * The first line from @from on that starts with @prefix (is @prefix, with
 * @whole); fails the test and returns -1 when none does.
 */
static int smm_cap_find(struct kunit *test, const struct smm_report_capture *cap,
			int from, const char *prefix, bool whole)
{
	unsigned int i;

	for (i = max(from, 0); i < cap->nr; i++)
		if (whole ? !strcmp(cap->line[i], prefix) : strstarts(cap->line[i], prefix))
			return i;
	KUNIT_FAIL(test, "no line %s \"%s\" from line %d on", whole ? "reading" : "starting",
		   prefix, from);
	smm_capture_show(test, cap);
	return -1;
}

static bool smm_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Lines starting with @prefix. */
static unsigned int smm_cap_count(const struct smm_report_capture *cap, const char *prefix)
{
	unsigned int i, n = 0;

	for (i = 0; i < cap->nr; i++)
		n += strstarts(cap->line[i], prefix);
	return n;
}

/*
 * Fixed text that each pattern of scripts/vm/verdict's KERNEL_BUGS needs
 * (BUG: and KASAN: reports, lockdep's WARNING: and INFO: lines, and the
 * rest): a line without any of them matches none, so a provoked fault's
 * report does not fail the VM run.  Kept in step with that list.
 */
static const char * const smm_verdict_needles[] = {
	"BUG: ", "KASAN: ", "UBSAN: ", "WARNING: ", "INFO: ", "DEBUG_LOCKS_WARN_ON",
	"unreferenced object 0x", "kmemleak: ", "soft lockup", "hard LOCKUP",
	" detected stall", "RCU Stall", "[ cut here ]", "kernel BUG at", "Oops: ",
	"general protection fault", "stack segment: ", "Kernel panic",
	"list_add corruption", "list_del corruption",
};

/*
 * One report, and only one, of @kind on @cache: its title framed by a
 * line of '=' before and of '-' after, the report's last line its FIX
 * line @fix, the detecting stack (naming @fn) between them, and no line
 * the log verdict would take for a kernel bug.  Returns the title's line.
 */
static int smm_check_report(struct kunit *test, const struct smm_report_capture *cap,
			    struct smm_kmem_cache *cache, const char *kind, const char *fix,
			    const char *fn)
{
	char want[SMM_CAP_LEN];
	unsigned int i, j;
	int t, s;

	KUNIT_EXPECT_EQ(test, cap->lost, 0U);
	snprintf(want, sizeof(want), SMM_PFX "BUG %s (pool %s): %s", cache->name,
		 cache->pool->name, kind);
	KUNIT_EXPECT_EQ_MSG(test, smm_cap_count(cap, SMM_PFX "BUG "), 1U, "one report per fault");
	t = smm_cap_find(test, cap, 0, want, true);
	KUNIT_ASSERT_GE(test, t, 1);
	KUNIT_ASSERT_LT(test, t + 1, (int)cap->nr);
	KUNIT_EXPECT_TRUE(test, strstarts(cap->line[t - 1], SMM_PFX "====="));
	KUNIT_EXPECT_TRUE(test, strstarts(cap->line[t + 1], SMM_PFX "-----"));

	/* The detecting stack: dump_stack()'s header, then this test's frame. */
	s = smm_cap_find(test, cap, t, "CPU: ", false);
	KUNIT_ASSERT_GT(test, s, t);
	for (i = s; i < cap->nr; i++)
		if (strstarts(cap->line[i], "Call Trace:") ||
		    strstarts(cap->line[i], "Call trace:"))
			break;
	KUNIT_ASSERT_LT_MSG(test, i, cap->nr, "no \"Call Trace:\" line");
	snprintf(want, sizeof(want), " %s+", fn);
	for (j = i; j < cap->nr; j++)
		if (strstr(cap->line[j], want))
			break;
	KUNIT_EXPECT_LT_MSG(test, j, cap->nr, "no frame of %s in the detecting stack", fn);

	snprintf(want, sizeof(want), SMM_PFX "FIX %s: %s", cache->name, fix);
	KUNIT_EXPECT_STREQ(test, cap->line[cap->nr - 1], want);

	for (i = 0; i < cap->nr; i++)
		for (j = 0; j < ARRAY_SIZE(smm_verdict_needles); j++)
			KUNIT_EXPECT_NULL_MSG(test, strstr(cap->line[i], smm_verdict_needles[j]),
					      "line %u \"%s\" holds \"%s\"", i, cap->line[i],
					      smm_verdict_needles[j]);
	return t;
}

/*
 * The object, slab and owner lines after line @from: @obj's address,
 * index, size and stride, its slab's frame number and in-use count
 * @inuse, then who allocated and freed it (@fn, this task) and, with the
 * stack depot, the stacks from @fn down.  Returns the line after them.
 */
static int smm_check_object(struct kunit *test, const struct smm_report_capture *cap,
			    int from, struct smm_kmem_cache *cache, void *obj,
			    unsigned int inuse, const char *fn)
{
	struct smm_pool *pool = cache->pool;
	unsigned long sfn = smm_virt_to_page(pool, obj) - pool->region.pages;
	struct smm_page *slab;
	char want[SMM_CAP_LEN];
	unsigned long idx;
	unsigned int o;
	int i;

	sfn &= ~((1UL << cache->order) - 1);
	slab = pool->region.pages + sfn;
	idx = (obj - smm_page_address(pool, slab) - cache->offset) / cache->size;
	snprintf(want, sizeof(want), SMM_PFX "Object %p: index %lu of its slab, size %u, stride %u",
		 obj, idx, cache->object_size, cache->size);
	i = smm_cap_find(test, cap, from, want, true);
	snprintf(want, sizeof(want),
		 SMM_PFX "Slab sfn %lu order %u node 0: %u of %u objects in use, frame %p flags 0x",
		 sfn, cache->order, inuse, cache->objs_per_slab, slab);
	i = smm_cap_find(test, cap, i, want, false);

	for (o = 0; o < 2; o++) {
		snprintf(want, sizeof(want), SMM_PFX "%s by %s+", o ? "Freed" : "Allocated", fn);
		i = smm_cap_find(test, cap, i, want, false);
		KUNIT_ASSERT_GE(test, i, 0);
		snprintf(want, sizeof(want), " pid %d", current->pid);
		KUNIT_EXPECT_TRUE_MSG(test, strstr(cap->line[i], " jiffies ago, cpu ") &&
				      smm_ends(cap->line[i], want),
				      "\"%s\": not this task's", cap->line[i]);
		/* The stack starts at the caller: the allocator's frames are cut. */
		if (IS_ENABLED(CONFIG_STACKDEPOT)) {
			snprintf(want, sizeof(want), SMM_PFX " %s+", fn);
			KUNIT_ASSERT_LT(test, i + 1, (int)cap->nr);
			KUNIT_EXPECT_TRUE_MSG(test, strstarts(cap->line[i + 1], want),
					      "stack starts \"%s\"", cap->line[i + 1]);
		}
	}
	return i + 1;
}

static struct smm_kmem_cache *smm_report_cache(struct kunit *test, struct smm_pool *pool,
					       unsigned int size, unsigned int flags)
{
	struct smm_kmem_cache *cache;

	cache = smm_kmem_cache_create(pool, "kunit-report", size, 0, flags, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	return cache;
}

static const char smm_fix_quarantined[] =
	"object quarantined: it stays in use on its slab and is never handed out again";
static const char smm_fix_ignored[] = "free ignored, nothing changed";

/*
 * A write two bytes past the end of a 24-byte object, found when it is
 * freed: the right red zone's extent and first bad byte, the bytes
 * written in the dump, the owners, the object quarantined.
 */
static void smm_slab_report_redzone_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &report_pool);
	struct smm_kmem_cache *cache = smm_report_cache(test, pool, 24, SMM_SLAB_RED_ZONE |
							 SMM_SLAB_STORE_USER);
	struct smm_report_capture *cap;
	int t, i;
	u8 *obj;

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	cap = smm_capture_start(test);
	obj[24] = 0x5a;
	obj[25] = 0x3c;
	smm_kmem_cache_free(cache, obj);
	smm_capture_stop(cap);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_REDZONE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 1UL);

	t = smm_check_report(test, cap, cache, "Red zone overwritten", smm_fix_quarantined,
			     __func__);
	/* Bytes 24..31 of the stride: from the object's end to its next word and one more. */
	i = smm_cap_find(test, cap, t,
			 SMM_PFX "Right red zone object+24..+31: 2 of 8 bytes differ, first at object+24: 0x5a instead of 0xcc (found on free)",
			 true);
	KUNIT_ASSERT_GT(test, i, t);
	i = smm_check_object(test, cap, i, cache, obj, 1, __func__);
	i = smm_cap_find(test, cap, i, SMM_PFX "Right red zone object+24: 5a 3c cc cc cc cc cc cc",
			 true);
	KUNIT_EXPECT_GT(test, i, t);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
}

/*
 * A use after free of a 256-byte object, found when it would be handed
 * out again: the dump is bounded, four rows around the first bad byte.
 */
static void smm_slab_report_poison_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &report_pool);
	struct smm_kmem_cache *cache = smm_report_cache(test, pool, 256, SMM_SLAB_POISON |
							 SMM_SLAB_STORE_USER);
	struct smm_report_capture *cap;
	u8 *obj, *again;
	int t, i;

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	smm_kmem_cache_free(cache, obj);
	cap = smm_capture_start(test);
	obj[100] = 0x11;
	obj[101] = 0x22;
	again = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	smm_capture_stop(cap);
	KUNIT_ASSERT_NOT_NULL(test, again);
	KUNIT_EXPECT_PTR_NE(test, again, obj);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_POISON), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_quarantined(cache), 1UL);

	t = smm_check_report(test, cap, cache, "Write after free (poison overwritten)",
			     smm_fix_quarantined, __func__);
	i = smm_cap_find(test, cap, t,
			 SMM_PFX "Poison object+0..+255: 2 of 256 bytes differ, first at object+100: 0x11 instead of 0x6b (found on allocation)",
			 true);
	KUNIT_ASSERT_GT(test, i, t);
	/* Counted in use while checked: the allocation took it off its slab. */
	i = smm_check_object(test, cap, i, cache, obj, 1, __func__);
	i = smm_cap_find(test, cap, i,
			 SMM_PFX "Poison object+80: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b",
			 true);
	KUNIT_ASSERT_GT(test, i, t);
	KUNIT_ASSERT_LT(test, i + 3, (int)cap->nr);
	KUNIT_EXPECT_STREQ(test, cap->line[i + 1],
			   SMM_PFX "Poison object+96: 6b 6b 6b 6b 11 22 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b");
	KUNIT_EXPECT_TRUE(test, strstarts(cap->line[i + 2], SMM_PFX "Poison object+112: "));
	KUNIT_EXPECT_TRUE(test, strstarts(cap->line[i + 3], SMM_PFX "Poison object+128: "));
	KUNIT_EXPECT_EQ(test, smm_cap_count(cap, SMM_PFX "Poison object+64: "), 0U);
	KUNIT_EXPECT_EQ(test, smm_cap_count(cap, SMM_PFX "Poison object+144: "), 0U);

	smm_kmem_cache_free(cache, again);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
}

/* A second free of a freed object: refused, with who freed it first. */
static void smm_slab_report_double_free_test(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &report_pool);
	struct smm_kmem_cache *cache = smm_report_cache(test, pool, 32, SMM_SLAB_CONSISTENCY |
							 SMM_SLAB_STORE_USER);
	struct smm_report_capture *cap;
	void *obj;
	int t, i;

	obj = smm_kmem_cache_alloc(cache, SMM_TEST_FLAGS);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	smm_kmem_cache_free(cache, obj);
	cap = smm_capture_start(test);
	smm_kmem_cache_free(cache, obj);
	smm_capture_stop(cap);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_errors(cache, SMM_SLAB_ERR_DOUBLE_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_inuse(cache), 0UL);

	t = smm_check_report(test, cap, cache, "Double free", smm_fix_ignored, __func__);
	i = smm_cap_find(test, cap, t, SMM_PFX "Object already free", true);
	KUNIT_ASSERT_GT(test, i, t);
	smm_check_object(test, cap, i, cache, obj, 0, __func__);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	KUNIT_EXPECT_EQ(test, smm_kmem_cache_destroy(cache), 0);
}

static struct kunit_case smm_slab_report_cases[] = {
	KUNIT_CASE(smm_slab_report_redzone_test),
	KUNIT_CASE(smm_slab_report_poison_test),
	KUNIT_CASE(smm_slab_report_double_free_test),
	{}
};

static struct kunit_suite smm_slab_report_suite = {
	.name = "shadowmm_slab_report",
	.test_cases = smm_slab_report_cases,
};

kunit_test_suites(&smm_slab_report_suite);
