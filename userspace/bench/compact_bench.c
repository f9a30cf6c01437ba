// SPDX-License-Identifier: GPL-2.0
/*
 * compact_bench: order-9 blocks under fragmentation, before and after
 * compaction, and how fast compaction moves pages.
 *
 *   compact_bench [-q] [-r REPEATS]
 *
 * Each repeat fragments the live region as userspace/tests/compaction_test.c
 * does: one object maps 80 % of the free frames, every page is written,
 * then every other page is punched, so the free frames interleave with the
 * pages held (the region half used where the object lies).  After the
 * per-CPU lists are drained, debugfs buddyinfo gives the free blocks of
 * order 9 or more (counted in order-9 blocks) and the theoretical number:
 * each zone's free frames / 512.  Then "compact 1" on the knobs file is
 * timed, the lists drained again and the blocks counted again; the pages
 * moved are vmstat pgmigrate_success over the run.  Every page held must
 * read back its own bytes afterwards (two words a page), or the program
 * fails.  kcompactd is kept out of the way meanwhile (extfrag_threshold
 * 1000, put back after).
 *
 * The fifth of the free frames left unmapped is not fragmented: its free
 * blocks are among those counted before compaction.
 *
 * Medians over the repeats (7, -q 3), with the fewest and most beside
 * them; prints a table, then a CSV block (header "case,repeats,...").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <shadowmm.h>
#include "smm_buddyinfo.h"

#define DEV		"/dev/shadowmm"
#define DBG		"/sys/kernel/debug/shadowmm/"
#define PG		4096UL
#define CMP_ORDER	9
#define NR_ORDERS	SMM_BUDDYINFO_ORDERS
#define MAX_REPEATS	31
#define CSV_HEADER	"case,repeats,pages_mapped,pages_held,blocks_theory,blocks_before,blocks_after,after_pct,migrated,migrate_failed,compact_ns,migrated_per_s,blocks_before_min,blocks_before_max,blocks_after_min,blocks_after_max,after_pct_min,after_pct_max,migrated_per_s_min,migrated_per_s_max,compact_min_ns,compact_max_ns"

static void die(const char *what)
{
	fprintf(stderr, "compact_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A whole debugfs file into @buf (NUL-terminated); its length. */
static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		die(path);
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return len;
}

static long long smm_vmstat(const char *name)
{
	static char buf[16384];
	size_t nl = strlen(name);
	char *line;

	slurp(DBG "vmstat", buf, sizeof(buf));
	for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, nl) && line[nl] == ' ')
			return strtoll(line + nl, NULL, 10);
	fprintf(stderr, "compact_bench: no %s in vmstat\n", name);
	exit(1);
}

static void knob(const char *line)
{
	int fd = open(DBG "knobs", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("open knobs");
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		fprintf(stderr, "compact_bench: knobs <- %.*s: %s\n", (int)strlen(line) - 1,
			line, strerror(errno));
		exit(1);
	}
	close(fd);
}

/*
 * Over every zone of buddyinfo: free frames, the free blocks of order
 * CMP_ORDER or more in order-CMP_ORDER blocks, and the blocks each zone's
 * free frames could make.
 */
struct blocks {
	unsigned long free, got, theory;
};

static struct blocks count_blocks(void)
{
	static char buf[8192];
	struct blocks b = { 0, 0, 0 };
	char *line = buf;
	int o;

	knob("drain_pcp 1\n");
	slurp(DBG "buddyinfo", buf, sizeof(buf));
	for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long zone_free = 0, nr_free[SMM_BUDDYINFO_ORDERS];

		if (!smm_buddyinfo_line(line, nr_free))
			continue;
		for (o = 0; o < NR_ORDERS; o++) {
			unsigned long v = nr_free[o];

			zone_free += v << o;
			if (o >= CMP_ORDER)
				b.got += v << (o - CMP_ORDER);
		}
		b.free += zone_free;
		b.theory += zone_free >> CMP_ORDER;
	}
	return b;
}

struct sample {
	unsigned long mapped, held, theory, before, after;
	long long migrated, failed;
	uint64_t ns;
};

static struct sample one_run(void)
{
	struct sample s;
	struct blocks b;
	long long m0, f0;
	unsigned long i;
	uint64_t t0;
	uint64_t *p;
	int fd;

	memset(&s, 0, sizeof(s));
	b = count_blocks();
	/* Most of the region, leaving the allocator its reserves. */
	s.mapped = b.free * 8 / 10;
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(DEV);
	p = mmap(NULL, s.mapped * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (i = 0; i < s.mapped; i++) {
		p[i * PG / 8] = i;
		p[(i + 1) * PG / 8 - 1] = ~i;
	}
	/* Every other page goes: the free frames interleave with the rest. */
	for (i = 1; i < s.mapped; i += 2) {
		struct shadowmm_range r = { .offset = i * PG, .length = PG };

		if (ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, &r))
			die("SHADOWMM_IOC_PUNCH_HOLE");
	}
	s.held = (s.mapped + 1) / 2;

	b = count_blocks();
	s.theory = b.theory;
	s.before = b.got;
	m0 = smm_vmstat("pgmigrate_success");
	f0 = smm_vmstat("pgmigrate_fail");
	t0 = now_ns();
	knob("compact 1\n");
	s.ns = now_ns() - t0;
	s.migrated = smm_vmstat("pgmigrate_success") - m0;
	s.failed = smm_vmstat("pgmigrate_fail") - f0;
	s.after = count_blocks().got;

	for (i = 0; i < s.mapped; i += 2) {
		if (p[i * PG / 8] != i || p[(i + 1) * PG / 8 - 1] != ~i) {
			fprintf(stderr, "compact_bench: page %lu reads back wrong after compaction\n", i);
			exit(1);
		}
	}
	munmap(p, s.mapped * PG);
	close(fd);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, fewest and most of @n values (sorted in place). */
struct spread {
	double med, min, max;
};

static struct spread spread_of(double *v, int n)
{
	struct spread s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: compact_bench [-q] [-r REPEATS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct sample smp[MAX_REPEATS];
	double before[MAX_REPEATS], after[MAX_REPEATS], pct[MAX_REPEATS];
	double rate[MAX_REPEATS], ns[MAX_REPEATS], mig[MAX_REPEATS], fail[MAX_REPEATS];
	double theory[MAX_REPEATS], mapped[MAX_REPEATS], held[MAX_REPEATS];
	struct spread sb, sa, sp, sr, sn, sm, sf, st, smap, sh;
	int repeats = 7, opt, i;

	while ((opt = getopt(argc, argv, "qr:")) != -1) {
		switch (opt) {
		case 'q':
			repeats = 3;
			break;
		case 'r':
			repeats = atoi(optarg);
			if (repeats < 1 || repeats > MAX_REPEATS)
				bad_usage();
			break;
		default:
			bad_usage();
		}
	}

	knob("extfrag_threshold 1000\n");
	printf("compaction benchmark: 80 %% of the free frames mapped and written, every other page\n");
	printf("punched, then \"compact 1\"; free blocks of order %d or more (in order-%d blocks) before\n",
	       CMP_ORDER, CMP_ORDER);
	printf("and after, against the free frames / %d; medians of %d (fewest-most)\n",
	       1 << CMP_ORDER, repeats);
	printf("%6s %8s %8s %8s | %8s %8s %10s %10s %9s %10s\n", "repeat", "mapped", "held",
	       "theory", "before", "after", "after %", "migrated", "ms", "pages/s");
	fflush(stdout);
	for (i = 0; i < repeats; i++) {
		struct sample *s = &smp[i];

		*s = one_run();
		theory[i] = s->theory;
		mapped[i] = s->mapped;
		held[i] = s->held;
		before[i] = s->before;
		after[i] = s->after;
		pct[i] = s->theory ? 100.0 * s->after / s->theory : 0;
		ns[i] = s->ns;
		mig[i] = s->migrated;
		fail[i] = s->failed;
		rate[i] = s->ns ? s->migrated * 1e9 / s->ns : 0;
		printf("%6d %8lu %8lu %8lu | %8lu %8lu %9.1f%% %10lld %9.1f %10.0f\n", i + 1,
		       s->mapped, s->held, s->theory, s->before, s->after, pct[i], s->migrated,
		       s->ns / 1e6, rate[i]);
		fflush(stdout);
	}
	knob("extfrag_threshold 500\n");

	sb = spread_of(before, repeats);
	sa = spread_of(after, repeats);
	sp = spread_of(pct, repeats);
	sr = spread_of(rate, repeats);
	sn = spread_of(ns, repeats);
	sm = spread_of(mig, repeats);
	sf = spread_of(fail, repeats);
	st = spread_of(theory, repeats);
	smap = spread_of(mapped, repeats);
	sh = spread_of(held, repeats);
	printf("median: order-%d blocks %.0f (%.0f-%.0f) before, %.0f (%.0f-%.0f) after, of %.0f (%.0f-%.0f) in theory: %.1f %% (%.1f-%.1f)\n",
	       CMP_ORDER, sb.med, sb.min, sb.max, sa.med, sa.min, sa.max, st.med, st.min, st.max,
	       sp.med, sp.min, sp.max);
	printf("median: %.0f pages migrated (%.0f not) in %.1f ms (%.1f-%.1f): %.0f pages/s (%.0f-%.0f)\n",
	       sm.med, sf.med, sn.med / 1e6, sn.min / 1e6, sn.max / 1e6, sr.med, sr.min, sr.max);

	printf("\n%s\n", CSV_HEADER);
	printf("compaction,%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.1f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.1f,%.1f,%.0f,%.0f,%.0f,%.0f\n",
	       repeats, smap.med, sh.med, st.med, sb.med, sa.med, sp.med, sm.med,
	       sf.med, sn.med, sr.med, sb.min, sb.max, sa.min, sa.max, sp.min, sp.max, sr.min,
	       sr.max, sn.min, sn.max);
	printf("\n");
	return 0;
}
