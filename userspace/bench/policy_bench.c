// SPDX-License-Identifier: GPL-2.0
/*
 * policy_bench: shadowmm's page replacement on recorded access patterns,
 * against FIFO, LRU and Belady's OPT (MIN) simulated offline on the very
 * same traces with the same number of frames; reclaim throughput and
 * fault latency under pressure.
 *
 *   policy_bench [-q] [-v] [-r REPLAYS] [-F FRAMES [--no-pressure]] [-p PATTERN,...]
 *                [-P POLICY,...] [-t TRACE]...
 *   policy_bench --simulate-only [-q] [-F FRAMES] [-p PATTERN,...] [-t TRACE]...
 *                [PAGE...]
 *   policy_bench --self-test
 *
 * 1. Pressure: one object of three times the region (debugfs meminfo
 *    MemTotal) is written page after page.  Each first touch past the
 *    region's free memory is timed (clock_gettime around the one store
 *    that faults the page in): p50, p99, max.  Reclaim throughput is the
 *    vmstat pswpout delta over the time from the first such touch to the
 *    last.  The object's resident pages (SHADOWMM_IOC_INFO), sampled every
 *    8 pages, give FRAMES: the most object pages the region held at once.
 *    That high point is the frame count the simulations get (-F sets it),
 *    so they get at least as much memory as shadowmm ever had.  Every
 *    byte is then read back and checked.
 * 2. Patterns, over N pages with N larger than FRAMES (F); -q halves them:
 *      loop      N = 1.5 F pages in order, 4 passes
 *      scan+hot  8 rounds: a hot set of F/4 pages touched in turn, then
 *                the next F pages of a cyclic scan over 2 F cold pages (a
 *                hot page sees 1.25 F other pages between two uses: LRU
 *                loses the hot set, a scan-resistant policy keeps it)
 *      scan+hot8 the same with F/8 scan pages a round, 32 rounds (0.375 F
 *                between two uses: even LRU keeps the hot set)
 *      random    N = 2 F pages, 6 F accesses, uniform
 *      zipf      N = 4 F pages, 10 F accesses, popularity 1/rank (s = 1),
 *                the ranks scattered over the pages
 *    Each trace starts with a pass that writes every page in order (for
 *    scan+hot* the cold pages, then the hot set; its first-touch faults are
 *    not refaults and are not counted by anyone),
 *    then one access per trace entry: one in four writes the page's tag
 *    word (a per-page write count), the others read the whole page and
 *    check every byte.  Each page holds a pattern derived from its index
 *    and the tag; after the trace every byte of every page is checked.
 *    shadowmm's refaults are the object's major faults over the trace
 *    (SHADOWMM_IOC_INFO faults_major); vmstat pswpin and workingset_*
 *    deltas go to the CSV.  FIFO, LRU and OPT run on the same reference
 *    string (the first pass included, its misses not counted).  For
 *    scan+hot* the hot set's refaults are counted apart (the target:
 *    below 5 % of the hot set's accesses).
 *    Each trace is replayed under each of shadowmm's reclaim policies
 *    (-P: classic, workingset, mglru, lip and lirs by default; the knobs file's
 *    lru_policy switches them between replays, when no page is on the
 *    LRU), -r times each (default 5, 3 with -q), each time on a fresh
 *    object: shadowmm's figures are the medians of the replays, with the
 *    fewest and most refaults beside them (they vary from one replay to
 *    the next; the simulations do not).  The policy the device had at the
 *    start runs the pressure step and is restored at the end.
 * 3. Recorded traces (-t FILE, up to 8): the page references of a real
 *    program, recorded with the fault_window knob (scripts/record-trace;
 *    the format is at trace_load()), replayed the same way after a first
 *    pass that writes every page.  -p none leaves the generated patterns
 *    out.
 *
 * --no-pressure (with -F) leaves out step 1, to try patterns quickly.
 *
 * -v (--rounds) shows where a hot set is lost: for a trace with one, each
 * replay's line gives the hot set's refaults in each of its rounds (a
 * round: the hot set's touches, up to the next one), the device's
 * refaults from one round's end to the next (vmstat workingset_refault)
 * and how many of them lip put at the inactive tail, and the device's
 * Active and Inactive kB (debugfs meminfo) as each round of touches
 * ends, before the scan after it.
 *
 * Prints tables, then a CSV block (header "case,pattern,pages,frames,...",
 * one row per trace and policy, then the policy, the mean of the
 * object's resident pages over a replay (sampled every 64 accesses) and
 * LRU's misses with that many frames; a blank line ends it).  Exits 1 if any byte read back was wrong, or on
 * SIGBUS or a failing system call; never because of a figure.
 *
 * --simulate-only runs no device: the simulations of the generated
 * patterns and -t traces for -F frames (default 1000), or of the reference
 * string given as page numbers (no first pass then).  --self-test checks the
 * simulators against known reference strings and OPT against an
 * exhaustive search on small random traces.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <shadowmm.h>

#define DEV		"/dev/shadowmm"
#define MEMINFO		"/sys/kernel/debug/shadowmm/meminfo"
#define VMSTAT		"/sys/kernel/debug/shadowmm/vmstat"
#define NONE		UINT32_MAX
#define TAG_MAGIC	0x5348414430574d4dULL
#define MAX_REPORT	10
#define MAX_STATS	256
#define MAX_REPLAYS	15
#define KNOBS		"/sys/kernel/debug/shadowmm/knobs"
#define MAX_POLICIES	5
#define MAX_TRACES	8
#define MAX_TRACE_REFS	(1u << 26)
#define CSV_HEADER	"case,pattern,pages,frames,accesses,shadowmm_refaults,fifo_misses,lru_misses,opt_misses,smm_over_opt,fifo_over_opt,hot_accesses,shadowmm_hot_refaults,fifo_hot_misses,lru_hot_misses,opt_hot_misses,pswpin,pswpout,workingset_refault,workingset_activate,pgactivate,seconds,evicted_per_s,lat_p50_ns,lat_p99_ns,lat_max_ns,replays,shadowmm_refaults_min,shadowmm_refaults_max,shadowmm_hot_refaults_min,shadowmm_hot_refaults_max,policy,resident_mean,lru_at_resident_mean"

static long page_size;
static size_t words;		/* 64-bit words per page */
static int quick;
static int show_rounds;
static int replays;		/* of each trace; 0: the default */
/* The shadowmm reclaim policies each trace is replayed under. */
static const char *const all_policies[MAX_POLICIES] = { "classic", "workingset", "mglru", "lip",
							      "lirs" };
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* ---- small helpers ---- */

static void die(const char *what)
{
	fprintf(stderr, "policy_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("calloc");
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* splitmix64's finalizer: a good 64-bit mix. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd(void)
{
	rng += 0x9e3779b97f4a7c15ULL;
	return mix64(rng);
}

/* A uniform double in [0, 1). */
static double rnd_unit(void)
{
	return (rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- traces ---- */

struct trace {
	const char *name;
	uint32_t *ref;		/* the page of each access */
	size_t len;		/* accesses, the first pass included */
	size_t warm;		/* the first pass: every page once */
	uint32_t npages;
	uint32_t hot;		/* pages below it are the hot set (0: none) */
};

static void trace_alloc(struct trace *t, const char *name, uint32_t npages,
			size_t accesses, uint32_t hot)
{
	uint32_t p;

	t->name = name;
	t->npages = npages;
	t->hot = hot;
	t->warm = npages;
	t->len = npages + accesses;
	t->ref = xcalloc(t->len, sizeof(*t->ref));
	for (p = 0; p < npages; p++)
		t->ref[p] = p;
}

static void trace_free(struct trace *t)
{
	free(t->ref);
	t->ref = NULL;
}

static void gen_loop(struct trace *t, uint32_t frames)
{
	uint32_t n = frames + frames / 2, p;
	int passes = quick ? 2 : 4, pass;
	size_t i;

	trace_alloc(t, "loop", n, (size_t)passes * n, 0);
	i = t->warm;
	for (pass = 0; pass < passes; pass++)
		for (p = 0; p < n; p++)
			t->ref[i++] = p;
}

/* Rounds of the hot set, then @chunk pages of a scan over 2 F cold pages. */
static void gen_scan_hot_chunks(struct trace *t, const char *name, uint32_t frames,
				uint32_t chunk, int rounds)
{
	uint32_t hot = frames / 4 ? frames / 4 : 1, cold = 2 * frames;
	uint32_t pos = 0, h, c;
	size_t i;
	int r;

	trace_alloc(t, name, hot + cold, (size_t)rounds * (hot + chunk), hot);
	/* The first pass writes the cold pages, then the hot set. */
	for (c = 0; c < cold; c++)
		t->ref[c] = hot + c;
	for (h = 0; h < hot; h++)
		t->ref[cold + h] = h;
	i = t->warm;
	for (r = 0; r < rounds; r++) {
		for (h = 0; h < hot; h++)
			t->ref[i++] = h;
		for (c = 0; c < chunk; c++) {
			t->ref[i++] = hot + pos;
			pos = (pos + 1) % cold;
		}
	}
}

static void gen_scan_hot(struct trace *t, uint32_t frames)
{
	gen_scan_hot_chunks(t, "scan+hot", frames, frames, quick ? 4 : 8);
}

static void gen_scan_hot8(struct trace *t, uint32_t frames)
{
	gen_scan_hot_chunks(t, "scan+hot8", frames, frames / 8 ? frames / 8 : 1,
			    quick ? 16 : 32);
}

static void gen_random(struct trace *t, uint32_t frames)
{
	uint32_t n = 2 * frames;
	size_t i, len = (size_t)(quick ? 3 : 6) * frames;

	trace_alloc(t, "random", n, len, 0);
	for (i = t->warm; i < t->len; i++)
		t->ref[i] = rnd() % n;
}

static void gen_zipf(struct trace *t, uint32_t frames)
{
	uint32_t n = 4 * frames, k, *perm;
	size_t i, len = (size_t)(quick ? 5 : 10) * frames;
	double *cdf, sum = 0;

	trace_alloc(t, "zipf", n, len, 0);
	cdf = xcalloc(n, sizeof(*cdf));
	perm = xcalloc(n, sizeof(*perm));
	for (k = 0; k < n; k++) {
		sum += 1.0 / (k + 1);
		cdf[k] = sum;
		perm[k] = k;
	}
	/* Rank k lives on page perm[k]: popular pages are not neighbours. */
	for (k = n - 1; k > 0; k--) {
		uint32_t j = rnd() % (k + 1), tmp = perm[k];

		perm[k] = perm[j];
		perm[j] = tmp;
	}
	for (i = t->warm; i < t->len; i++) {
		double u = rnd_unit() * sum;
		uint32_t lo = 0, hi = n - 1;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		t->ref[i] = perm[lo];
	}
	free(cdf);
	free(perm);
}

struct pattern {
	const char *name;
	void (*gen)(struct trace *t, uint32_t frames);
};

static const struct pattern patterns[] = {
	{ "loop", gen_loop },
	{ "scan+hot", gen_scan_hot },
	{ "scan+hot8", gen_scan_hot8 },
	{ "random", gen_random },
	{ "zipf", gen_zipf },
};

#define NR_PATTERNS (sizeof(patterns) / sizeof(*patterns))

/*
 * A recorded trace (scripts/record-trace writes them): text, '#' lines are
 * comments (of any length; any other line fits line[]), then "name NAME" (letters, digits, '+', '-', '_', as smm_refs
 * makes them), "pages N" once and one line per reference, the
 * difference between its page and the previous one's (the first from 0).
 * Deltas make the sequential runs of real programs repeat, so the files
 * compress well.  The first pass writes every page in order, as for the
 * generated patterns; the trace follows.
 */
#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-_"

static void trace_load(struct trace *t, const char *path)
{
	char line[256], name[64] = "";
	unsigned long long pages = 0;
	FILE *f = fopen(path, "r");
	size_t cap = 0, n = 0, lineno = 0;
	uint32_t *ref = NULL;
	long long cur = 0;

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *end;
		long long d;

		lineno++;
		/*
		 * Longer than line[]: fgets() gave part of it.  A comment's
		 * rest is skipped (smm_refs -c makes long ones); anything else
		 * would be read as two lines.
		 */
		if (len && line[len - 1] != '\n' && !feof(f)) {
			int c;

			if (line[0] != '#') {
				fprintf(stderr, "policy_bench: %s:%zu: a line longer than %zu characters: %.40s...\n",
					path, lineno, sizeof(line) - 2, line);
				exit(2);
			}
			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "name ", 5)) {
			/* It becomes a CSV field: no comma, quote or blank. */
			if (sscanf(line + 5, "%63s", name) != 1 ||
			    name[strspn(name, NAME_CHARS)])
				goto bad;
			continue;
		}
		if (!strncmp(line, "pages ", 6)) {
			/* Once, before the references it bounds. */
			if (pages)
				goto bad;
			pages = strtoull(line + 6, &end, 10);
			if (end == line + 6 || (*end && *end != '\n') || !pages ||
			    pages > MAX_TRACE_REFS)
				goto bad;
			continue;
		}
		errno = 0;
		d = strtoll(line, &end, 10);
		if (errno || end == line || (*end && *end != '\n') || !pages)
			goto bad;
		/* Within 0..pages - 1, checked before the sum, which could overflow. */
		if (d < -cur || d >= (long long)pages - cur || n >= MAX_TRACE_REFS)
			goto bad;
		cur += d;
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			ref = realloc(ref, cap * sizeof(*ref));
			if (!ref)
				die("realloc");
		}
		ref[n++] = cur;
	}
	if (ferror(f) || !n || !name[0]) {
		fprintf(stderr, "policy_bench: %s: no name, no pages or no reference\n", path);
		exit(2);
	}
	fclose(f);
	trace_alloc(t, strdup(name), pages, n, 0);
	memcpy(t->ref + t->warm, ref, n * sizeof(*ref));
	free(ref);
	return;
bad:
	fprintf(stderr, "policy_bench: %s:%zu: not a trace line: %s", path, lineno, line);
	exit(2);
}

/* ---- the offline policies ---- */

struct sim {
	size_t misses;		/* after the first pass */
	size_t hot_misses;	/* of those, on the hot set */
};

static void sim_miss(struct sim *s, const struct trace *t, size_t i)
{
	if (i < t->warm)
		return;
	s->misses++;
	if (t->ref[i] < t->hot)
		s->hot_misses++;
}

/* FIFO: evict the page that came in first, whatever its use since. */
static struct sim sim_fifo(const struct trace *t, uint32_t frames)
{
	unsigned char *in = xcalloc(t->npages, 1);
	uint32_t *queue = xcalloc(frames, sizeof(*queue)), head = 0, n = 0;
	struct sim s = { 0, 0 };
	size_t i;

	for (i = 0; i < t->len; i++) {
		uint32_t p = t->ref[i];

		if (in[p])
			continue;
		sim_miss(&s, t, i);
		if (n == frames) {
			in[queue[head]] = 0;
			queue[head] = p;
			head = (head + 1) % frames;
		} else {
			queue[(head + n) % frames] = p;
			n++;
		}
		in[p] = 1;
	}
	free(in);
	free(queue);
	return s;
}

/* LRU: evict the page used least recently (a list, most recent first). */
static struct sim sim_lru(const struct trace *t, uint32_t frames)
{
	uint32_t nil = t->npages, n = 0;
	uint32_t *prev = xcalloc(nil + 1, sizeof(*prev));
	uint32_t *next = xcalloc(nil + 1, sizeof(*next));
	unsigned char *in = xcalloc(nil, 1);
	struct sim s = { 0, 0 };
	size_t i;

	prev[nil] = nil;
	next[nil] = nil;
	for (i = 0; i < t->len; i++) {
		uint32_t p = t->ref[i];

		if (in[p]) {
			next[prev[p]] = next[p];
			prev[next[p]] = prev[p];
		} else {
			sim_miss(&s, t, i);
			if (n == frames) {
				uint32_t v = prev[nil];

				next[prev[v]] = nil;
				prev[nil] = prev[v];
				in[v] = 0;
			} else {
				n++;
			}
			in[p] = 1;
		}
		prev[p] = nil;
		next[p] = next[nil];
		prev[next[nil]] = p;
		next[nil] = p;
	}
	free(prev);
	free(next);
	free(in);
	return s;
}

/*
 * Belady's OPT (MIN): on a miss with every frame taken, evict the resident
 * page whose next use is furthest away (or never comes).  The next use of
 * every access is found in one backward pass; resident pages sit in a
 * max-heap on their next use, so a run costs O(len log frames).
 */
struct opt_heap {
	uint32_t *page;		/* heap of resident pages */
	uint32_t *key;		/* per page: its next use */
	uint32_t *pos;		/* per page: its heap slot, or NONE */
	uint32_t n;
};

static void heap_swap(struct opt_heap *h, uint32_t a, uint32_t b)
{
	uint32_t pa = h->page[a], pb = h->page[b];

	h->page[a] = pb;
	h->page[b] = pa;
	h->pos[pb] = a;
	h->pos[pa] = b;
}

static void heap_up(struct opt_heap *h, uint32_t i)
{
	while (i > 0 && h->key[h->page[(i - 1) / 2]] < h->key[h->page[i]]) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct opt_heap *h, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, big = i;

		if (l < h->n && h->key[h->page[l]] > h->key[h->page[big]])
			big = l;
		if (r < h->n && h->key[h->page[r]] > h->key[h->page[big]])
			big = r;
		if (big == i)
			return;
		heap_swap(h, i, big);
		i = big;
	}
}

static struct sim sim_opt(const struct trace *t, uint32_t frames)
{
	uint32_t *nextuse = xcalloc(t->len, sizeof(*nextuse));
	uint32_t *last = xcalloc(t->npages, sizeof(*last));
	struct opt_heap h;
	struct sim s = { 0, 0 };
	size_t i;

	if (t->len >= NONE) {
		fprintf(stderr, "policy_bench: trace too long for OPT\n");
		exit(1);
	}
	h.page = xcalloc(frames, sizeof(*h.page));
	h.key = xcalloc(t->npages, sizeof(*h.key));
	h.pos = xcalloc(t->npages, sizeof(*h.pos));
	h.n = 0;
	memset(last, 0xff, t->npages * sizeof(*last));
	memset(h.pos, 0xff, t->npages * sizeof(*h.pos));
	for (i = t->len; i-- > 0;) {
		nextuse[i] = last[t->ref[i]];
		last[t->ref[i]] = i;
	}
	for (i = 0; i < t->len; i++) {
		uint32_t p = t->ref[i];

		/* The next use only moves later: a key only grows. */
		h.key[p] = nextuse[i];
		if (h.pos[p] != NONE) {
			heap_up(&h, h.pos[p]);
			continue;
		}
		sim_miss(&s, t, i);
		if (h.n == frames) {
			h.pos[h.page[0]] = NONE;
			if (--h.n) {
				h.page[0] = h.page[h.n];
				h.pos[h.page[0]] = 0;
				heap_down(&h, 0);
			}
		}
		h.page[h.n] = p;
		h.pos[p] = h.n++;
		heap_up(&h, h.pos[p]);
	}
	free(nextuse);
	free(last);
	free(h.page);
	free(h.key);
	free(h.pos);
	return s;
}

/* ---- self-test of the simulators ---- */

/* The fewest misses any policy can have: every eviction choice tried. */
static size_t exhaustive(const uint32_t *ref, size_t len, size_t i, uint32_t frames,
			 unsigned int mask)
{
	unsigned int bit, v;
	size_t best = SIZE_MAX, m;

	for (; i < len && (mask & (1u << ref[i])); i++)
		;
	if (i == len)
		return 0;
	bit = 1u << ref[i];
	if ((unsigned int)__builtin_popcount(mask) < frames)
		return 1 + exhaustive(ref, len, i + 1, frames, mask | bit);
	for (v = 0; v < 32; v++) {
		if (!(mask & (1u << v)))
			continue;
		m = exhaustive(ref, len, i + 1, frames, (mask & ~(1u << v)) | bit);
		if (m < best)
			best = m;
	}
	return 1 + best;
}

static int expect_misses(const char *what, size_t got, size_t want)
{
	printf("  %-56s %3zu misses (expected %zu) %s\n", what, got, want,
	       got == want ? "ok" : "WRONG");
	return got != want;
}

static void trace_of(struct trace *t, const uint32_t *ref, size_t len)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ref = (uint32_t *)ref;
	t->len = len;
	for (i = 0; i < len; i++)
		if (ref[i] >= t->npages)
			t->npages = ref[i] + 1;
}

static int self_test(void)
{
	/* Silberschatz's reference string; Belady's anomaly string. */
	static const uint32_t classic[] = {
		7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1
	};
	static const uint32_t anomaly[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	uint32_t ref[14];
	struct trace t;
	int bad = 0, k;
	size_t i;

	printf("self-test of the offline policies:\n");
	trace_of(&t, classic, 20);
	bad |= expect_misses("classic string, 3 frames, FIFO", sim_fifo(&t, 3).misses, 15);
	bad |= expect_misses("classic string, 3 frames, LRU", sim_lru(&t, 3).misses, 12);
	bad |= expect_misses("classic string, 3 frames, OPT", sim_opt(&t, 3).misses, 9);
	trace_of(&t, anomaly, 12);
	bad |= expect_misses("Belady's anomaly, 3 frames, FIFO", sim_fifo(&t, 3).misses, 9);
	bad |= expect_misses("Belady's anomaly, 4 frames, FIFO", sim_fifo(&t, 4).misses, 10);
	bad |= expect_misses("Belady's anomaly, 3 frames, OPT", sim_opt(&t, 3).misses, 7);
	bad |= expect_misses("Belady's anomaly, 4 frames, OPT", sim_opt(&t, 4).misses, 6);

	for (k = 0; k < 3000; k++) {
		uint32_t frames = 1 + rnd() % 4, npages = frames + 1 + rnd() % 3;
		size_t len = 1 + rnd() % 14, best, o, f, l;

		for (i = 0; i < len; i++)
			ref[i] = rnd() % npages;
		trace_of(&t, ref, len);
		best = exhaustive(ref, len, 0, frames, 0);
		o = sim_opt(&t, frames).misses;
		f = sim_fifo(&t, frames).misses;
		l = sim_lru(&t, frames).misses;
		if (o != best || f < o || l < o) {
			printf("  random trace %d (%u frames): OPT %zu, exhaustive %zu, FIFO %zu, LRU %zu WRONG\n",
			       k, frames, o, best, f, l);
			bad = 1;
			break;
		}
	}
	if (k == 3000)
		printf("  %-56s ok\n", "OPT = exhaustive minimum on 3000 random small traces");
	printf("self-test: %s\n", bad ? "FAILED" : "passed");
	return bad;
}

/* ---- the device ---- */

/* The pattern of word w of page pg after ver writes to its tag (word 0). */
static uint64_t expect_word(uint32_t pg, size_t w, uint32_t ver)
{
	if (w == 0)
		return TAG_MAGIC ^ ((uint64_t)ver << 32) ^ pg;
	/* Half the page varies, half repeats: it compresses about 2:1. */
	if (w < words / 2)
		return mix64(((uint64_t)pg << 20) ^ w);
	return mix64(~(uint64_t)pg);
}

/* What is going on, for the SIGBUS report (the fault is synchronous). */
static const char *phase = "start";
static size_t phase_page;
static unsigned long long bytes_checked, bytes_bad;

static void on_sigbus(int sig)
{
	char msg[200];
	int n;

	n = snprintf(msg, sizeof(msg),
		     "policy_bench: SIGBUS at page %zu while %s (region and store full, or no reclaim)\n",
		     phase_page, phase);
	if (write(2, msg, n) < 0)
		_exit(1);
	_exit(1);
}

struct obj {
	int fd;
	char *base;
	size_t pages;
};

static void obj_map(struct obj *o, size_t pages)
{
	o->pages = pages;
	o->fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (o->fd < 0)
		die(DEV);
	o->base = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd, 0);
	if (o->base == MAP_FAILED)
		die("mmap");
	madvise(o->base, pages * page_size, MADV_NOHUGEPAGE);
}

static void obj_unmap(struct obj *o)
{
	munmap(o->base, o->pages * page_size);
	close(o->fd);
}

static struct shadowmm_info obj_info(struct obj *o)
{
	struct shadowmm_info info;

	if (ioctl(o->fd, SHADOWMM_IOC_INFO, &info))
		die("SHADOWMM_IOC_INFO");
	return info;
}

static uint64_t *page_words(struct obj *o, uint32_t pg)
{
	return (uint64_t *)(o->base + (size_t)pg * page_size);
}

/* Write page pg whole; word 0 first when first_ns wants that store timed. */
static void fill_page(struct obj *o, uint32_t pg, uint32_t ver, uint64_t *first_ns)
{
	uint64_t *q = page_words(o, pg), rep = expect_word(pg, words - 1, ver), t0;
	size_t w;

	phase_page = pg;
	t0 = first_ns ? now_ns() : 0;
	q[0] = expect_word(pg, 0, ver);
	if (first_ns)
		*first_ns = now_ns() - t0;
	for (w = 1; w < words / 2; w++)
		q[w] = expect_word(pg, w, ver);
	for (; w < words; w++)
		q[w] = rep;
}

/* Read page pg whole and check every byte; wrong bytes are counted. */
static void check_page(struct obj *o, uint32_t pg, uint32_t ver)
{
	const uint64_t *q = page_words(o, pg);
	uint64_t rep = expect_word(pg, words - 1, ver);
	size_t w;

	phase_page = pg;
	for (w = 0; w < words; w++) {
		uint64_t want = w < words / 2 ? expect_word(pg, w, ver) : rep, got = q[w];
		uint64_t diff = got ^ want;
		int b;

		if (!diff)
			continue;
		for (b = 0; b < 8; b++)
			bytes_bad += !!(diff & (0xffULL << (8 * b)));
		if (bytes_bad <= MAX_REPORT)
			fprintf(stderr, "policy_bench: %s: page %u byte %zu: read %016llx, expected %016llx\n",
				phase, pg, w * 8, (unsigned long long)got,
				(unsigned long long)want);
	}
	bytes_checked += page_size;
}

/* debugfs meminfo: the value of KEY in kB, or -1. */
static long long meminfo_kb(const char *key)
{
	char line[128], name[64];
	long long kb, val = -1;
	FILE *f = fopen(MEMINFO, "r");

	if (!f)
		die(MEMINFO);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %lld", name, &kb) == 2 && !strcmp(name, key))
			val = kb;
	fclose(f);
	return val;
}

struct vmstat {
	int n;
	char name[MAX_STATS][48];
	long long val[MAX_STATS];
};

static void vmstat_read(struct vmstat *v)
{
	FILE *f = fopen(VMSTAT, "r");

	if (!f)
		die(VMSTAT);
	v->n = 0;
	while (v->n < MAX_STATS &&
	       fscanf(f, "%47s %lld", v->name[v->n], &v->val[v->n]) == 2)
		v->n++;
	fclose(f);
}

static long long vmstat_get(const struct vmstat *v, const char *name)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name))
			return v->val[i];
	return -1;
}

/* The change of NAME from a to b; -1 when vmstat has no such line. */
static long long vmstat_delta(const struct vmstat *a, const struct vmstat *b, const char *name)
{
	long long x = vmstat_get(a, name), y = vmstat_get(b, name);

	return x < 0 || y < 0 ? -1 : y - x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "n/a" for a missing figure, else the number. */
static const char *fmt_ll(char *buf, size_t size, long long v)
{
	if (v < 0)
		return "n/a";
	snprintf(buf, size, "%lld", v);
	return buf;
}

static const char *csv_ll(char *buf, size_t size, long long v)
{
	return v < 0 ? "" : fmt_ll(buf, size, v);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- 1. pressure: a streaming write of three times the region ---- */

struct pressure {
	size_t region, free0, pages, timed;
	uint32_t frames;		/* resident pages at their high point */
	double secs;			/* from the first timed touch to the end */
	long long pswpout, evicted_per_s;
	long long scan_kswapd, scan_direct, steal_kswapd, steal_direct, allocstall;
	long long pswpin_back;		/* reading it all back */
	uint64_t p50, p99, max;
};

static void pressure_run(struct pressure *r)
{
	struct vmstat *v0 = xcalloc(1, sizeof(*v0)), *v1 = xcalloc(1, sizeof(*v1));
	uint64_t *lat, t0 = 0, ns;
	struct shadowmm_info info;
	struct obj o;
	size_t i;

	if (meminfo_kb("MemTotal") <= 0 || meminfo_kb("MemFree") <= 0) {
		fprintf(stderr, "policy_bench: no MemTotal/MemFree in %s\n", MEMINFO);
		exit(1);
	}
	r->region = meminfo_kb("MemTotal") * 1024 / page_size;
	r->free0 = meminfo_kb("MemFree") * 1024 / page_size;
	r->pages = 3 * r->region;
	lat = xcalloc(r->pages, sizeof(*lat));
	obj_map(&o, r->pages);
	phase = "streaming a write of 3x the region";
	r->frames = 0;
	r->timed = 0;
	vmstat_read(v0);
	for (i = 0; i < r->pages; i++) {
		if (i == r->free0) {
			vmstat_read(v0);
			t0 = now_ns();
		}
		fill_page(&o, i, 0, &ns);
		if (i >= r->free0)
			lat[r->timed++] = ns;
		if (i % 8 == 7 || i + 1 == r->pages) {
			info = obj_info(&o);
			if (info.resident_pages > r->frames)
				r->frames = info.resident_pages;
		}
	}
	ns = now_ns() - t0;
	vmstat_read(v1);
	r->secs = ns / 1e9;
	r->pswpout = vmstat_delta(v0, v1, "pswpout");
	r->evicted_per_s = r->pswpout < 0 || !ns ? -1 : (long long)(r->pswpout / r->secs);
	r->scan_kswapd = vmstat_delta(v0, v1, "pgscan_kswapd");
	r->scan_direct = vmstat_delta(v0, v1, "pgscan_direct");
	r->steal_kswapd = vmstat_delta(v0, v1, "pgsteal_kswapd");
	r->steal_direct = vmstat_delta(v0, v1, "pgsteal_direct");
	r->allocstall = vmstat_delta(v0, v1, "allocstall");
	if (r->allocstall < 0) {
		long long a = vmstat_delta(v0, v1, "allocstall_dma");
		long long b = vmstat_delta(v0, v1, "allocstall_normal");
		long long c = vmstat_delta(v0, v1, "allocstall_high");

		r->allocstall = a < 0 || b < 0 || c < 0 ? -1 : a + b + c;
	}
	qsort(lat, r->timed, sizeof(*lat), cmp_u64);
	r->p50 = r->timed ? lat[r->timed / 2] : 0;
	r->p99 = r->timed ? lat[(r->timed * 99) / 100] : 0;
	r->max = r->timed ? lat[r->timed - 1] : 0;

	phase = "reading the streamed object back";
	vmstat_read(v0);
	for (i = 0; i < r->pages; i++)
		check_page(&o, i, 0);
	vmstat_read(v1);
	r->pswpin_back = vmstat_delta(v0, v1, "pswpin");
	obj_unmap(&o);
	free(lat);
	free(v0);
	free(v1);
}

/* ---- 2. a trace replayed on the device ---- */

#define MAX_ROUNDS	64

struct replay {
	long long refaults, hot_refaults;
	/* -v: per round of the hot set, its refaults and the lists' kB */
	int rounds;
	long long round_refaults[MAX_ROUNDS];
	long long round_active_kb[MAX_ROUNDS], round_inactive_kb[MAX_ROUNDS];
	/* vmstat workingset_refault and _tail as each round ends, and before */
	long long round_ws[MAX_ROUNDS + 1], round_tail[MAX_ROUNDS + 1];
	size_t hot_accesses;
	long long pswpin, pswpout, ws_refault, ws_activate, pgactivate;
	long long resident;	/* the object's resident pages, mean over the replay */
	double secs;
};

/* Accesses between two samples of the object's resident pages. */
#define RESIDENT_EVERY	64

static int is_write(size_t i)
{
	return mix64(i ^ 0x77726974650aULL) % 4 == 0;
}

/*
 * -v: the device's refaults so far, and those the lip policy put at the
 * inactive tail, as round @n's touches end (0: as the replay begins).
 */
static void replay_note_refaults(struct replay *r, int n)
{
	struct vmstat *v = xcalloc(1, sizeof(*v));

	vmstat_read(v);
	r->round_ws[n] = vmstat_get(v, "workingset_refault");
	r->round_tail[n] = vmstat_get(v, "workingset_refault_tail");
	free(v);
}

/*
 * A round of the hot set's touches ended with @refaults of its pages
 * brought back; -v keeps them, and the lists as it ends, apart.
 */
static void replay_end_round(struct replay *r, long long refaults)
{
	r->hot_refaults += refaults;
	if (!show_rounds || r->rounds == MAX_ROUNDS)
		return;
	r->round_refaults[r->rounds] = refaults;
	r->round_active_kb[r->rounds] = meminfo_kb("Active");
	r->round_inactive_kb[r->rounds] = meminfo_kb("Inactive");
	r->rounds++;
	replay_note_refaults(r, r->rounds);
}

/* -v: one replay's rounds, on one line. */
static void replay_show_rounds(const struct trace *t, const char *policy, int n,
			       const struct replay *r)
{
	int i;

	if (!show_rounds || !r->rounds)
		return;
	printf("  rounds %s %s replay %d: hot-set refaults", t->name, policy, n + 1);
	for (i = 0; i < r->rounds; i++)
		printf(" %lld", r->round_refaults[i]);
	printf("; Active/Inactive kB as each round's touches end");
	for (i = 0; i < r->rounds; i++)
		printf(" %lld/%lld", r->round_active_kb[i], r->round_inactive_kb[i]);
	/* What a policy did with the refaults that led to each round's end. */
	printf("; refaults up to each round's end (at the tail)");
	for (i = 0; i < r->rounds; i++)
		printf(" %lld(%lld)", r->round_ws[i + 1] - r->round_ws[i],
		       r->round_tail[i + 1] - r->round_tail[i]);
	printf("\n");
	fflush(stdout);
}

static void replay_run(const struct trace *t, struct replay *r)
{
	struct vmstat *v0 = xcalloc(1, sizeof(*v0)), *v1 = xcalloc(1, sizeof(*v1));
	uint32_t *ver = xcalloc(t->npages, sizeof(*ver)), p;
	struct shadowmm_info i0, i1, seg;
	char what[64];
	int prev_hot = -1;
	uint64_t t0, seg_major, resident_sum = 0, samples = 0;
	struct obj o;
	size_t i;

	memset(r, 0, sizeof(*r));
	obj_map(&o, t->npages);
	snprintf(what, sizeof(what), "%s: the first pass", t->name);
	phase = what;
	for (i = 0; i < t->warm; i++)
		fill_page(&o, t->ref[i], 0, NULL);

	snprintf(what, sizeof(what), "%s: replaying", t->name);
	i0 = obj_info(&o);
	seg_major = i0.faults_major;
	vmstat_read(v0);
	if (show_rounds)
		replay_note_refaults(r, 0);
	t0 = now_ns();
	for (i = t->warm; i < t->len; i++) {
		int hot;

		p = t->ref[i];
		hot = p < t->hot;
		if (t->hot && hot != prev_hot) {
			seg = obj_info(&o);
			if (prev_hot == 1)
				replay_end_round(r, seg.faults_major - seg_major);
			seg_major = seg.faults_major;
			prev_hot = hot;
		}
		r->hot_accesses += hot;
		if ((i - t->warm) % RESIDENT_EVERY == 0) {
			resident_sum += obj_info(&o).resident_pages;
			samples++;
		}
		if (is_write(i)) {
			phase_page = p;
			ver[p]++;
			page_words(&o, p)[0] = expect_word(p, 0, ver[p]);
		} else {
			check_page(&o, p, ver[p]);
		}
	}
	r->secs = (now_ns() - t0) / 1e9;
	i1 = obj_info(&o);
	vmstat_read(v1);
	if (prev_hot == 1)
		replay_end_round(r, i1.faults_major - seg_major);
	r->refaults = i1.faults_major - i0.faults_major;
	r->resident = samples ? (resident_sum + samples / 2) / samples : 0;
	r->pswpin = vmstat_delta(v0, v1, "pswpin");
	r->pswpout = vmstat_delta(v0, v1, "pswpout");
	r->ws_refault = vmstat_delta(v0, v1, "workingset_refault");
	r->ws_activate = vmstat_delta(v0, v1, "workingset_activate");
	r->pgactivate = vmstat_delta(v0, v1, "pgactivate");

	snprintf(what, sizeof(what), "%s: checking every page", t->name);
	for (p = 0; p < t->npages; p++)
		check_page(&o, p, ver[p]);
	obj_unmap(&o);
	free(ver);
	free(v0);
	free(v1);
}

/*
 * The @n replays of one trace: every figure of @med the median of the
 * replays', @lo and @hi the fewest and most refaults (and hot refaults).
 */
static void replay_summarise(const struct replay *all, int n, struct replay *med,
			     struct replay *lo, struct replay *hi)
{
	long long v[MAX_REPLAYS];
	double d[MAX_REPLAYS];
	int i;

#define SUMMARISE(field) do {						\
		for (i = 0; i < n; i++)					\
			v[i] = all[i].field;				\
		qsort(v, n, sizeof(*v), cmp_ll);			\
		med->field = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; \
		lo->field = v[0];					\
		hi->field = v[n - 1];					\
	} while (0)
	memset(med, 0, sizeof(*med));
	memset(lo, 0, sizeof(*lo));
	memset(hi, 0, sizeof(*hi));
	SUMMARISE(refaults);
	SUMMARISE(hot_refaults);
	SUMMARISE(pswpin);
	SUMMARISE(pswpout);
	SUMMARISE(ws_refault);
	SUMMARISE(ws_activate);
	SUMMARISE(pgactivate);
	SUMMARISE(resident);
#undef SUMMARISE
	med->hot_accesses = all[0].hot_accesses;
	for (i = 0; i < n; i++)
		d[i] = all[i].secs;
	qsort(d, n, sizeof(*d), cmp_double);
	med->secs = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
}

/* ---- the reclaim policy of the device ---- */

/* The policy the knobs file names now, into @buf. */
static void policy_current(char *buf, size_t size)
{
	char line[256];
	FILE *f = fopen(KNOBS, "r");

	if (!f)
		die(KNOBS);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "lru_policy %31s", buf) == 1)
			break;
	fclose(f);
	if (!buf[0] || size < 32) {
		fprintf(stderr, "policy_bench: %s names no lru_policy\n", KNOBS);
		exit(1);
	}
}

static int knob_write(const char *line)
{
	int fd = open(KNOBS, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		die(KNOBS);
	if (write(fd, line, strlen(line)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Switch the device to @name.  The switch is refused while pages are on
 * the LRU: the last replay's object is gone, but its pages may still sit
 * in per-CPU batches or on their way back, so drain and retry for a while.
 */
static void policy_set(const char *name)
{
	char line[64];
	int tries, ret = 0;

	snprintf(line, sizeof(line), "lru_policy %s\n", name);
	for (tries = 0; tries < 200; tries++) {
		ret = knob_write(line);
		if (ret != -EBUSY)
			break;
		knob_write("drain_lru 1\n");
		usleep(10000);
	}
	if (ret) {
		fprintf(stderr, "policy_bench: \"lru_policy %s\" refused: %s\n", name, strerror(-ret));
		exit(1);
	}
}

/* ---- output ---- */

/* shadowmm's figures for one trace under one policy. */
struct polres {
	const char *policy;
	struct replay smm;		/* medians of the replays */
	struct replay smm_min, smm_max;	/* refaults: the spread */
	size_t lru_held;		/* LRU's misses with smm.resident frames */
};

struct row {
	const char *name;
	uint32_t npages;
	size_t accesses, hot_accesses;
	int device;
	int replays;
	int npol;			/* 0 with --simulate-only */
	struct polres pol[MAX_POLICIES];
	struct sim fifo, lru, opt;
};

static void ratio(char *buf, size_t size, double num, double den, int ok)
{
	if (ok && den > 0)
		snprintf(buf, size, "%.2f", num / den);
	else
		snprintf(buf, size, "%s", ok && num == 0 ? "1.00" : "n/a");
}

static void print_row(const struct row *w)
{
	char a[16], b[16], c[16];
	int k;

	ratio(a, sizeof(a), w->fifo.misses, w->opt.misses, 1);
	ratio(b, sizeof(b), w->lru.misses, w->opt.misses, 1);
	printf("%-10s %7u %9zu | %9zu %9zu %9zu | %8s %8s\n", w->name, w->npages,
	       w->accesses, w->fifo.misses, w->lru.misses, w->opt.misses, a, b);
	for (k = 0; k < w->npol; k++) {
		const struct polres *r = &w->pol[k];
		char smm[72];

		snprintf(smm, sizeof(smm), "%lld (%lld-%lld)", r->smm.refaults,
			 r->smm_min.refaults, r->smm_max.refaults);
		ratio(c, sizeof(c), r->smm.refaults, w->opt.misses, 1);
		printf("  %-12s %27s   %8s x OPT%s; held %lld frames on average, LRU with as many: %zu\n",
		       r->policy, smm, c,
		       r->smm.refaults <= (long long)w->fifo.misses &&
		       r->smm.refaults <= (long long)w->lru.misses ? ", <= FIFO and LRU" : "",
		       r->smm.resident, r->lru_held);
	}
	fflush(stdout);
}

static void print_hot(const struct row *w)
{
	double n = w->hot_accesses ? w->hot_accesses : 1;
	int k;

	printf("\n%s, the hot set alone: %zu accesses; misses FIFO %zu (%.2f %%), LRU %zu (%.2f %%), OPT %zu (%.2f %%)\n",
	       w->name, w->hot_accesses, w->fifo.hot_misses, 100.0 * w->fifo.hot_misses / n,
	       w->lru.hot_misses, 100.0 * w->lru.hot_misses / n,
	       w->opt.hot_misses, 100.0 * w->opt.hot_misses / n);
	for (k = 0; k < w->npol; k++) {
		const struct polres *r = &w->pol[k];

		printf("  %-12s refaults %lld (%.2f %%; %.2f-%.2f %% over %d replays): < 5 %% %s\n",
		       r->policy, r->smm.hot_refaults, 100.0 * r->smm.hot_refaults / n,
		       100.0 * r->smm_min.hot_refaults / n, 100.0 * r->smm_max.hot_refaults / n,
		       w->replays, 100.0 * r->smm.hot_refaults / n < 5 ? "met" : "missed");
	}
}

/* One CSV row: @r is shadowmm's under one policy, or NULL (simulations). */
static void print_csv_row(const struct row *w, const struct polres *r, uint32_t frames)
{
	char a[16], b[16], h[4][24], s[5][24];
	int hot = w->hot_accesses > 0;

	ratio(a, sizeof(a), r ? r->smm.refaults : 0, w->opt.misses, !!r);
	ratio(b, sizeof(b), w->fifo.misses, w->opt.misses, 1);
	if (!strcmp(a, "n/a"))
		a[0] = '\0';
	if (!strcmp(b, "n/a"))
		b[0] = '\0';
	printf("policy,%s,%u,%u,%zu,%s,%zu,%zu,%zu,%s,%s,", w->name, w->npages, frames,
	       w->accesses, r ? csv_ll(s[0], 24, r->smm.refaults) : "",
	       w->fifo.misses, w->lru.misses, w->opt.misses, a, b);
	if (hot) {
		snprintf(h[0], 24, "%zu", w->fifo.hot_misses);
		snprintf(h[1], 24, "%zu", w->lru.hot_misses);
		snprintf(h[2], 24, "%zu", w->opt.hot_misses);
		snprintf(h[3], 24, "%lld", r ? r->smm.hot_refaults : 0);
		printf("%zu,%s,", w->hot_accesses, r ? h[3] : "");
		printf("%s,%s,%s,", h[0], h[1], h[2]);
	} else {
		printf(",,,,,");
	}
	if (r)
		printf("%s,%s,%s,%s,%s,%.3f,,,,,", csv_ll(s[0], 24, r->smm.pswpin),
		       csv_ll(s[1], 24, r->smm.pswpout), csv_ll(s[2], 24, r->smm.ws_refault),
		       csv_ll(s[3], 24, r->smm.ws_activate), csv_ll(s[4], 24, r->smm.pgactivate),
		       r->smm.secs);
	else
		printf(",,,,,,,,,,");
	if (r) {
		printf("%d,%lld,%lld,", w->replays, r->smm_min.refaults, r->smm_max.refaults);
		if (hot)
			printf("%lld,%lld,", r->smm_min.hot_refaults, r->smm_max.hot_refaults);
		else
			printf(",,");
		printf("%s,%lld,%zu\n", r->policy, r->smm.resident, r->lru_held);
	} else {
		printf(",,,,,,,\n");
	}
}

static void print_pressure(const struct pressure *r)
{
	char b[5][24];

	printf("reclaim under pressure: a streaming write of %zu pages (3x the region's %zu), %zu of them past its free memory (%zu pages) timed\n",
	       r->pages, r->region, r->timed, r->free0);
	printf("  pages evicted (vmstat pswpout) %s in %.2f s: %s pages/s\n",
	       fmt_ll(b[0], 24, r->pswpout), r->secs, fmt_ll(b[1], 24, r->evicted_per_s));
	printf("  pgscan kswapd %s direct %s, pgsteal kswapd %s direct %s, allocstall %s\n",
	       fmt_ll(b[0], 24, r->scan_kswapd), fmt_ll(b[1], 24, r->scan_direct),
	       fmt_ll(b[2], 24, r->steal_kswapd), fmt_ll(b[3], 24, r->steal_direct),
	       fmt_ll(b[4], 24, r->allocstall));
	printf("  first-touch fault latency under pressure: p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       r->p50 / 1e3, r->p99 / 1e3, r->max / 1e3);
	printf("  read back: every byte checked, pswpin %s\n", fmt_ll(b[0], 24, r->pswpin_back));
	printf("  frames: the object's resident pages at their high point, %u (%.1f %% of MemTotal): the simulations' frame count\n",
	       r->frames, r->region ? 100.0 * r->frames / r->region : 0);
	fflush(stdout);
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: policy_bench [-q] [-v] [-r REPLAYS] [-F FRAMES [--no-pressure]] [-p PATTERN,...]\n");
	fprintf(stderr, "                    [-P POLICY,...] [-t TRACE]...\n");
	fprintf(stderr, "       policy_bench --simulate-only [-q] [-F FRAMES] [-p PATTERN,...] [-t TRACE]... [PAGE...]\n");
	fprintf(stderr, "       policy_bench --self-test\n");
	fprintf(stderr, "patterns: loop, scan+hot, scan+hot8, random, zipf (none: only the -t traces)\n");
	fprintf(stderr, "policies: classic, workingset, mglru, lip, lirs (default: all five)\n");
	exit(2);
}

static int pattern_wanted(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s = list;

	if (!list)
		return 1;
	while (s && *s) {
		if (!strncmp(s, name, n) && (s[n] == ',' || !s[n]))
			return 1;
		s = strchr(s, ',');
		if (s)
			s++;
	}
	return 0;
}

/* --simulate-only with page numbers: one reference string, no first pass. */
static int simulate_string(char **argv, int argc, uint32_t frames)
{
	uint32_t *ref = xcalloc(argc, sizeof(*ref));
	struct trace t;
	int i;

	for (i = 0; i < argc; i++) {
		char *end;
		unsigned long v = strtoul(argv[i], &end, 10);

		if (*end || end == argv[i] || v >= 1u << 30)
			bad_usage();
		ref[i] = v;
	}
	trace_of(&t, ref, argc);
	printf("reference string of %d accesses over %u pages, %u frames: FIFO %zu, LRU %zu, OPT %zu misses\n",
	       argc, t.npages, frames, sim_fifo(&t, frames).misses, sim_lru(&t, frames).misses,
	       sim_opt(&t, frames).misses);
	free(ref);
	return 0;
}

/* Add the policies of the comma-separated @list to @out, checked. */
static int policies_parse(const char *list, const char **out)
{
	int n = 0, k;

	for (k = 0; k < MAX_POLICIES; k++)
		if (pattern_wanted(list, all_policies[k]))
			out[n++] = all_policies[k];
	/* Every name in the list must be one of them. */
	for (const char *p = list; p && *p; ) {
		size_t len = strcspn(p, ",");

		for (k = 0; k < MAX_POLICIES; k++)
			if (strlen(all_policies[k]) == len && !strncmp(p, all_policies[k], len))
				break;
		if (k == MAX_POLICIES)
			bad_usage();
		p += len + (p[len] == ',');
	}
	if (!n)
		bad_usage();
	return n;
}

/* Simulate @t, and replay it under every policy of @pols on the device. */
static void run_trace(struct row *w, struct trace *t, uint32_t frames, int device,
		      const char **pols, int npol)
{
	size_t i;
	int k;

	memset(w, 0, sizeof(*w));
	w->name = t->name;
	w->npages = t->npages;
	w->accesses = t->len - t->warm;
	for (i = t->warm; i < t->len; i++)
		w->hot_accesses += t->ref[i] < t->hot;
	w->fifo = sim_fifo(t, frames);
	w->lru = sim_lru(t, frames);
	w->opt = sim_opt(t, frames);
	w->device = device;
	if (!device)
		return;
	w->replays = replays;
	w->npol = npol;
	for (k = 0; k < npol; k++) {
		struct replay all[MAX_REPLAYS];
		int r;

		policy_set(pols[k]);
		w->pol[k].policy = pols[k];
		for (r = 0; r < replays; r++) {
			replay_run(t, &all[r]);
			replay_show_rounds(t, pols[k], r, &all[r]);
		}
		replay_summarise(all, replays, &w->pol[k].smm, &w->pol[k].smm_min,
				 &w->pol[k].smm_max);
		w->pol[k].lru_held = w->pol[k].smm.resident > 0 ?
			sim_lru(t, w->pol[k].smm.resident).misses : 0;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "frames", required_argument, NULL, 'F' },
		{ "patterns", required_argument, NULL, 'p' },
		{ "policies", required_argument, NULL, 'P' },
		{ "trace", required_argument, NULL, 't' },
		{ "simulate-only", no_argument, NULL, 'S' },
		{ "self-test", no_argument, NULL, 'T' },
		{ "no-pressure", no_argument, NULL, 'N' },
		{ "replays", required_argument, NULL, 'r' },
		{ "rounds", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct row rows[NR_PATTERNS + MAX_TRACES];
	const char *pols[MAX_POLICIES], *trace_files[MAX_TRACES];
	int simulate = 0, pressure = 1, nrows = 0, npol = 0, ntraces = 0, opt, k;
	const char *wanted = NULL;
	char initial[32] = "";
	struct pressure pr;
	long frames_opt = 0;
	uint32_t frames;

	while ((opt = getopt_long(argc, argv, "qvr:F:p:P:t:STN", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = 1;
			break;
		case 'v':
			show_rounds = 1;
			break;
		case 'F':
			frames_opt = atol(optarg);
			if (frames_opt < 1 || frames_opt > (1L << 24))
				bad_usage();
			break;
		case 'p':
			wanted = optarg;
			break;
		case 'P':
			npol = policies_parse(optarg, pols);
			break;
		case 't':
			if (ntraces == MAX_TRACES)
				bad_usage();
			trace_files[ntraces++] = optarg;
			break;
		case 'r':
			replays = atoi(optarg);
			if (replays < 1 || replays > MAX_REPLAYS)
				bad_usage();
			break;
		case 'S':
			simulate = 1;
			break;
		case 'T':
			return self_test();
		case 'N':
			pressure = 0;
			break;
		default:
			bad_usage();
		}
	}
	if ((optind < argc && !simulate) || (!pressure && !frames_opt))
		bad_usage();
	if (optind < argc)
		return simulate_string(argv + optind, argc - optind, frames_opt ? frames_opt : 3);
	if (!replays)
		replays = quick ? 3 : 5;
	if (!npol)
		npol = policies_parse("classic,workingset,mglru,lip,lirs", pols);
	/* A bad trace file fails now, not after minutes of replays. */
	for (k = 0; k < ntraces; k++) {
		struct trace t;

		trace_load(&t, trace_files[k]);
		trace_free(&t);
	}

	/* Every line out at once, even if SIGBUS ends the run. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	words = page_size / sizeof(uint64_t);
	memset(&pr, 0, sizeof(pr));
	if (simulate) {
		frames = frames_opt ? frames_opt : 1000;
		printf("policy benchmark, simulations only: %u frames%s\n", frames,
		       quick ? ", quick" : "");
	} else {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigbus;
		sigaction(SIGBUS, &sa, NULL);
		policy_current(initial, sizeof(initial));
		printf("policy benchmark: shadowmm's reclaim policies against FIFO, LRU and Belady's OPT on the same traces%s\n",
		       quick ? " (quick)" : "");
		printf("each trace replayed %d times under each policy: shadowmm's figures are medians, (min-max) beside them\n",
		       replays);
		if (pressure) {
			printf("reclaim policy for the pressure run: %s\n", initial);
			pressure_run(&pr);
			print_pressure(&pr);
		}
		frames = frames_opt ? frames_opt : pr.frames;
		if (frames_opt)
			printf("  frames set by -F: %u\n", frames);
		if (frames < 16) {
			fprintf(stderr, "policy_bench: only %u frames: nothing to compare\n", frames);
			return 1;
		}
	}

	printf("\nrefaults after a first pass that writes every page (FIFO, LRU, OPT: misses with %u frames)\n",
	       frames);
	printf("%-10s %7s %9s | %9s %9s %9s | %8s %8s\n", "trace", "pages", "accesses",
	       "FIFO", "LRU", "OPT", "FIFO/OPT", "LRU/OPT");
	if (!simulate)
		printf("  %-12s %27s   %8s\n", "policy", "shadowmm refaults (min-max)", "");
	fflush(stdout);
	for (k = 0; k < (int)NR_PATTERNS + ntraces; k++) {
		struct trace t;

		if (k < (int)NR_PATTERNS) {
			if (!pattern_wanted(wanted, patterns[k].name))
				continue;
			patterns[k].gen(&t, frames);
		} else {
			trace_load(&t, trace_files[k - NR_PATTERNS]);
		}
		run_trace(&rows[nrows], &t, frames, !simulate, pols, npol);
		trace_free(&t);
		print_row(&rows[nrows]);
		nrows++;
	}
	for (k = 0; k < nrows; k++)
		if (rows[k].hot_accesses)
			print_hot(&rows[k]);
	if (!simulate) {
		policy_set(initial);
		printf("\nvmstat over each replay, medians of the replays:\n%-10s %-11s %9s %9s %10s %10s %10s %8s\n",
		       "trace", "policy", "pswpin", "pswpout", "ws_refault", "ws_activat", "pgactivate",
		       "seconds");
		for (k = 0; k < nrows; k++) {
			int j;

			for (j = 0; j < rows[k].npol; j++) {
				const struct replay *s = &rows[k].pol[j].smm;
				char b[5][24];

				printf("%-10s %-11s %9s %9s %10s %10s %10s %8.2f\n", rows[k].name,
				       rows[k].pol[j].policy, fmt_ll(b[0], 24, s->pswpin),
				       fmt_ll(b[1], 24, s->pswpout), fmt_ll(b[2], 24, s->ws_refault),
				       fmt_ll(b[3], 24, s->ws_activate), fmt_ll(b[4], 24, s->pgactivate),
				       s->secs);
			}
		}
		printf("\ndata: %llu bytes read back and checked, %llu wrong\n", bytes_checked,
		       bytes_bad);
	}

	printf("\n%s\n", CSV_HEADER);
	for (k = 0; k < nrows; k++) {
		int j;

		if (!rows[k].npol)
			print_csv_row(&rows[k], NULL, frames);
		for (j = 0; j < rows[k].npol; j++)
			print_csv_row(&rows[k], &rows[k].pol[j], frames);
	}
	if (!simulate && pressure) {
		char b[3][24];

		printf("pressure,stream,%zu,%u,%zu,,,,,,,,,,,,%s,%s,,,,%.3f,%s,%llu,%llu,%llu,,,,,,%s\n",
		       pr.pages, frames, pr.pages, csv_ll(b[0], 24, pr.pswpin_back),
		       csv_ll(b[1], 24, pr.pswpout), pr.secs, csv_ll(b[2], 24, pr.evicted_per_s),
		       (unsigned long long)pr.p50, (unsigned long long)pr.p99,
		       (unsigned long long)pr.max, initial);
	}
	printf("\n");
	if (bytes_bad) {
		fprintf(stderr, "policy_bench: %llu of %llu bytes read back were wrong\n", bytes_bad,
			bytes_checked);
		return 1;
	}
	return 0;
}
