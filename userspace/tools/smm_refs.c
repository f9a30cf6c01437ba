// SPDX-License-Identifier: GPL-2.0
/*
 * smm_refs: turn a recording of shadowmm_fault events into a page trace
 * that policy_bench replays (policy_bench -t FILE).
 *
 *   trace-cmd report -i trace.dat | smm_refs -n NAME [-O OBJECT] [-b MARK]
 *                                            [-m MAX] [-c COMMENT]... >NAME.trace
 *
 * Reads the text of `trace-cmd report` or of tracefs's trace file: every
 * "shadowmm_fault:" line gives its pgoff= and object= fields.  Record the
 * program with the fault_window knob set (see module/fault_window.c), so
 * that the faults are its page references and not only its first touches.
 *
 *   -n NAME	the trace's name (letters, digits, '+', '-', '_'; required)
 *   -O OBJECT	keep the faults of this object (its id, as SHADOWMM_IOC_INFO
 *		and the event's object= field give it); by default the
 *		object with the most faults
 *   -b MARK	start after the first line that contains MARK (a program
 *		writes one to /sys/kernel/tracing/trace_marker where the part
 *		worth replaying begins: after it made its data)
 *   -m MAX	keep at most MAX references (default: all)
 *   -c TEXT	a comment line for the file's header (repeatable), at most
 *		MAX_COMMENT characters: with its "# " a line policy_bench reads
 *		whole
 *
 * OBJECT and MAX are decimal: no sign, no blank before.
 *
 * The output: '#' comment lines, "name NAME", "pages N" (one more than the
 * highest page kept), then one line per reference: its page minus the
 * previous one's ("+1" for the next page; the first from page 0).  Two
 * faults in a row on one page are one reference (the second comes from
 * the kernel retrying the same access).  Exits 1 with a message when no
 * fault is left to keep or the report says events were lost, 2 on bad
 * usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECTS	64
#define MAX_COMMENTS	16
#define MAX_COMMENT	200

struct fault {
	unsigned long long object;
	unsigned long pgoff;
};

static void bad_usage(void)
{
	fprintf(stderr, "usage: smm_refs -n NAME [-O OBJECT] [-b MARK] [-m MAX] [-c COMMENT]... <report >trace\n");
	exit(2);
}

static void bad_arg(int opt, const char *why, const char *arg)
{
	fprintf(stderr, "smm_refs: -%c: %s: %s\n", opt, why, arg);
	bad_usage();
}

/*
 * A decimal count, a digit first: strtoull() skips blanks and takes "-5"
 * as 2^64 - 5.
 */
static unsigned long long count_arg(int opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno)
		bad_arg(opt, "not a decimal count in range", s);
	return v;
}

static int name_ok(const char *s)
{
	if (!*s || strlen(s) > 63)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* A field "key=value" of @line as a number; 0 when absent. */
static int field(const char *line, const char *key, unsigned long long *val)
{
	const char *at = strstr(line, key);
	char *end;

	if (!at)
		return 0;
	errno = 0;
	*val = strtoull(at + strlen(key), &end, 0);
	return !errno && end != at + strlen(key);
}

int main(int argc, char **argv)
{
	const char *name = NULL, *mark = NULL, *comments[MAX_COMMENTS];
	unsigned long long want = 0, objs[MAX_OBJECTS], counts[MAX_OBJECTS];
	size_t n = 0, cap = 0, max = 0, kept = 0, all = 0, i;
	int have_obj = 0, ncomments = 0, nobjs = 0, started, opt, k;
	unsigned long pages = 0, prev = 0, last = ~0UL;
	struct fault *f = NULL;
	char line[4096];

	while ((opt = getopt(argc, argv, "n:O:b:m:c:")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'O':
			want = count_arg(opt, optarg);
			have_obj = 1;
			break;
		case 'b':
			mark = optarg;
			break;
		case 'm':
			max = count_arg(opt, optarg);
			if (!max)
				bad_arg(opt, "at least 1", optarg);
			break;
		case 'c':
			if (ncomments == MAX_COMMENTS || strchr(optarg, '\n'))
				bad_usage();
			if (strlen(optarg) > MAX_COMMENT) {
				fprintf(stderr, "smm_refs: -c: at most %d characters, %zu given\n",
					MAX_COMMENT, strlen(optarg));
				bad_usage();
			}
			comments[ncomments++] = optarg;
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc || !name || !name_ok(name))
		bad_usage();

	started = !mark;
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long obj, pg;

		/* A reference string with holes would be a different one. */
		if (strstr(line, "[LOST") && strstr(line, "EVENTS]")) {
			fprintf(stderr, "smm_refs: the recording lost events (a bigger buffer: trace-cmd record -b): %s",
				line);
			return 1;
		}
		if (!started) {
			started = !!strstr(line, mark);
			continue;
		}
		if (!strstr(line, "shadowmm_fault:") || !field(line, " pgoff=", &pg) ||
		    !field(line, " object=", &obj))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			f = realloc(f, cap * sizeof(*f));
			if (!f) {
				perror("smm_refs");
				return 1;
			}
		}
		f[n].object = obj;
		f[n].pgoff = pg;
		n++;
		for (k = 0; k < nobjs && objs[k] != obj; k++)
			;
		if (k == nobjs && nobjs < MAX_OBJECTS) {
			objs[nobjs] = obj;
			counts[nobjs++] = 0;
		}
		if (k < nobjs)
			counts[k]++;
	}
	if (!started) {
		fprintf(stderr, "smm_refs: no line contains the mark \"%s\"\n", mark);
		return 1;
	}
	if (!have_obj && nobjs) {
		int most = 0;

		for (k = 1; k < nobjs; k++)
			if (counts[k] > counts[most])
				most = k;
		want = objs[most];
		have_obj = 1;
	}
	/* One pass for the pages and the counts, one to print. */
	for (i = 0; i < n && have_obj; i++) {
		if (f[i].object != want || f[i].pgoff == last)
			continue;
		last = f[i].pgoff;
		all++;
		if (max && kept == max)
			continue;
		if (last >= pages)
			pages = last + 1;
		kept++;
	}
	if (!kept) {
		fprintf(stderr, "smm_refs: no shadowmm_fault event to keep%s\n",
			have_obj ? " for that object" : "");
		return 1;
	}
	printf("# shadowmm page trace: %zu references of object %llu over %lu pages\n", kept,
	       want, pages);
	if (kept < all)
		printf("# the first %zu of the %zu recorded\n", kept, all);
	for (k = 0; k < ncomments; k++)
		printf("# %s\n", comments[k]);
	printf("name %s\npages %lu\n", name, pages);
	last = ~0UL;
	kept = 0;
	for (i = 0; i < n; i++) {
		if (f[i].object != want || f[i].pgoff == last)
			continue;
		if (max && kept == max)
			break;
		last = f[i].pgoff;
		printf("%+ld\n", (long)(last - prev));
		prev = last;
		kept++;
	}
	free(f);
	return ferror(stdout) ? 1 : 0;
}
