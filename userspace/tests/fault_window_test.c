// SPDX-License-Identifier: GPL-2.0
/*
 * The fault_window knob records a program's page references: with a
 * window of W pages, the shadowmm_fault events of an object are exactly
 * the accesses to pages outside the last W it faulted in (a FIFO that a
 * page already in keeps its place in), read through tracefs and filtered
 * by the event's object field as a user of trace-cmd would.  Without a
 * window only the first touches fault.  The contents survive every unmap,
 * and the knob refuses what could livelock or cost too much.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_test.h"

#define TRACING		"/sys/kernel/tracing"
#define EVENT		TRACING "/events/shadowmm/shadowmm_fault"
#define NPAGES		16
#define NACCESS		400
#define MAX_EVENTS	4096

/* Write @s to @path in one write(); 0 or -errno. */
static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int set_window(unsigned int n)
{
	char line[64];

	snprintf(line, sizeof(line), "fault_window %u\n", n);
	return put(SMM_DEBUGFS "/knobs", line);
}

/* Start recording the faults of object @id alone, on an empty buffer. */
static int trace_start(uint64_t id)
{
	char filter[64];

	snprintf(filter, sizeof(filter), "object == %llu", (unsigned long long)id);
	if (put(EVENT "/filter", filter) || put(TRACING "/trace", "") ||
	    put(EVENT "/enable", "1"))
		return -1;
	return 0;
}

/* Stop, and the pgoff of each recorded fault in order into @pg. */
static int trace_stop(unsigned long *pg, int max)
{
	char *buf, *line, *save = NULL;
	int n = 0;

	put(EVENT "/enable", "0");
	put(EVENT "/filter", "0");
	buf = smm_slurp(TRACING "/trace");
	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *at = strstr(line, "shadowmm_fault:");

		if (at)
			at = strstr(at, " pgoff=");
		if (line[0] == '#' || !at)
			continue;
		if (n < max)
			pg[n] = strtoul(at + 7, NULL, 10);
		n++;
	}
	free(buf);
	return n;
}

/*
 * The faults a window of @w pages lets through for @n accesses to @ref:
 * a page outside the window faults, joins it as the newest and pushes the
 * oldest out once it is full; a page inside is not seen.
 */
static int expect_faults(const unsigned long *ref, int n, unsigned int w,
			 unsigned long *out)
{
	unsigned long win[256];
	unsigned int head = 0, count = 0, k;
	int i, nf = 0;

	for (i = 0; i < n; i++) {
		int in = 0;

		for (k = 0; k < count; k++)
			in |= win[(head + k) % w] == ref[i];
		if (in)
			continue;
		out[nf++] = ref[i];
		if (count < w) {
			win[(head + count++) % w] = ref[i];
		} else {
			win[head] = ref[i];
			head = (head + 1) % w;
		}
	}
	return nf;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned long next_page(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % NPAGES;
}

/*
 * Map NPAGES pages, write each in order, then NACCESS accesses (one in
 * three a write of a new value, the others a check); every fault of the
 * object recorded into @got, the accesses into @ref.  Returns the number
 * of faults, or -1 with the reason printed.
 */
static int run(struct __test_metadata *_metadata, unsigned long *ref, unsigned long *got)
{
	unsigned char val[NPAGES];
	struct shadowmm_info info;
	int fd = smm_open(), i, n;
	char *p;

	ASSERT_GE(fd, 0);
	info = smm_info(fd);
	ASSERT_NE(info.id, 0);
	p = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(p, MAP_FAILED);
	ASSERT_EQ(trace_start(info.id), 0);
	for (i = 0; i < NPAGES; i++) {
		ref[i] = i;
		val[i] = i + 1;
		p[i * PG + 100] = val[i];
	}
	for (i = NPAGES; i < NPAGES + NACCESS; i++) {
		unsigned long pg = next_page();

		ref[i] = pg;
		if (i % 3 == 0) {
			val[pg]++;
			p[pg * PG + 100] = val[pg];
		} else {
			EXPECT_EQ(p[pg * PG + 100], (char)val[pg]);
		}
	}
	n = trace_stop(got, MAX_EVENTS);
	for (i = 0; i < NPAGES; i++)
		EXPECT_EQ(p[i * PG + 100], (char)val[i]);
	munmap(p, NPAGES * PG);
	close(fd);
	return n;
}

FIXTURE(window) {
	int ok;
};

FIXTURE_SETUP(window)
{
	self->ok = !access(EVENT "/enable", W_OK);
	if (!self->ok)
		SKIP(return, "no tracefs at " TRACING);
}

FIXTURE_TEARDOWN(window)
{
	set_window(0);
	if (self->ok) {
		put(EVENT "/enable", "0");
		put(EVENT "/filter", "0");
	}
}

TEST_F(window, every_reference_outside_the_window_is_traced)
{
	static unsigned long ref[NPAGES + NACCESS], got[MAX_EVENTS], want[NPAGES + NACCESS];
	static const unsigned int sizes[] = { 4, 7 };
	unsigned int s;

	for (s = 0; s < 2; s++) {
		int n, nw, i;

		ASSERT_EQ(set_window(sizes[s]), 0);
		n = run(_metadata, ref, got);
		nw = expect_faults(ref, NPAGES + NACCESS, sizes[s], want);
		TH_LOG("window %u: %d faults traced, %d expected of %d accesses", sizes[s], n, nw,
		       NPAGES + NACCESS);
		/* Far more than the first touches: the window works at all. */
		ASSERT_GT(nw, 4 * NPAGES);
		ASSERT_EQ(n, nw);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(got[i], want[i]) {
				TH_LOG("fault %d: page %lu traced, %lu expected", i, got[i], want[i]);
				break;
			}
		}
	}
}

TEST_F(window, without_a_window_only_first_touches_are_traced)
{
	static unsigned long ref[NPAGES + NACCESS], got[MAX_EVENTS];
	int n, i;

	ASSERT_EQ(set_window(0), 0);
	n = run(_metadata, ref, got);
	ASSERT_EQ(n, NPAGES);
	for (i = 0; i < NPAGES; i++)
		EXPECT_EQ(got[i], (unsigned long)i);
}

TEST(bad_sizes_are_refused_and_change_nothing)
{
	static const char *const bad[] = {
		"fault_window 1\n", "fault_window 3\n", "fault_window 257\n",
		"fault_window -4\n", "fault_window 4 4\n", "fault_window\n",
	};
	char *before, *after;
	unsigned int i;

	ASSERT_EQ(set_window(8), 0);
	before = smm_slurp(SMM_DEBUGFS "/knobs");
	ASSERT_NE(before, NULL);
	ASSERT_NE(strstr(before, "\nfault_window 8\n"), NULL);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		EXPECT_EQ(put(SMM_DEBUGFS "/knobs", bad[i]), -EINVAL) TH_LOG("%s", bad[i]);
		after = smm_slurp(SMM_DEBUGFS "/knobs");
		ASSERT_NE(after, NULL);
		EXPECT_STREQ(after, before);
		free(after);
	}
	free(before);
	EXPECT_EQ(set_window(0), 0);
}

TEST_HARNESS_MAIN
