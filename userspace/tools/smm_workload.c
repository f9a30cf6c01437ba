// SPDX-License-Identifier: GPL-2.0
/*
 * smm_workload: real programs whose working data all lives on /dev/shadowmm,
 * to record their page references for the reclaim-policy benchmark.
 *
 *   smm_workload [--anon] [-c] [-m MB] [-s SEED] [-l PRESET] [-w WINDOW [-W FAULTS]]
 *                sort|xz|sqlite [-n SIZE]
 *   smm_workload --anon --self-test [-m MB] [-s SEED] [-n OPERATIONS]
 *
 * The arena: one open() of /dev/shadowmm (one memory object) mapped MB MiB
 * MAP_SHARED, with an allocator over it.  Every input, output and
 * temporary, and every allocation the libraries make (liblzma through an
 * lzma_allocator, SQLite through SQLITE_CONFIG_MALLOC), comes from it, so
 * the faults on that one object are the program's real page references:
 * data on the libc heap or in other mappings would be references the trace
 * never sees.  Only the stack, a few small statics and the code stay out.
 *
 * The allocator: a 16-byte header (the size of the block below, this
 * block's size) before each 16-byte-aligned payload.  Freed blocks of up to
 * 1 KiB go to exact-size free lists and are reused as they are; bigger ones
 * merge with free neighbours and go to lists by power of two, searched
 * first fit; the arena above the highest block is handed out bottom up.  A
 * request that does not fit gets NULL: the workload stops, saying the
 * arena is exhausted.
 *
 * Workloads (-n scales each; the defaults touch about 48 MiB, half as much
 * again as the policy benchmark's region holds, in a few seconds
 * natively).  Each writes "smm_workload: begin NAME" to tracefs's
 * trace_marker once its data is made, where scripts/record-trace's trace
 * starts (smm_refs -b):
 *   sort    -n records (default 250000) of 100 bytes, a 10-byte key and a
 *           payload derived from key and record number, sorted by key with
 *           a bottom-up merge sort that streams between the records and a
 *           temporary array, as an external sort merges its runs.  Checks
 *           the key order, every record's payload, and an order-independent
 *           checksum.
 *   xz      -n bytes (default 2800K; K and M suffixes) of text, words of a
 *           generated vocabulary drawn by Zipf popularity, compressed with
 *           liblzma preset -l (default 6: 8 MiB dictionary, binary-tree
 *           match finder) and decompressed again; every byte compared.
 *   sqlite  -n customers (default 37000), ten times as many orders, an
 *           index on the orders' customer, in an in-memory database; then
 *           point lookups by primary key and by that index, and a join
 *           grouped by region.  Every result is checked against values
 *           the program derives itself.
 *
 * Prints "arena: MB MiB ..." first, the workload's summary line, then the
 * high-water mark (how far into the arena blocks ever reached, headers and
 * free holes included), the pages touched (resident at exit by mincore(): lower if shadowmm
 * reclaimed some), and the libc heap in use (stdio's buffers: nothing of
 * the workload's).  xz's touched figure is the smaller: liblzma allocates
 * its match finder's tree for the whole dictionary but only writes as much
 * of it as the input fills.  -m defaults to what the workload needs.
 *
 * -w WINDOW sets shadowmm's fault_window knob to WINDOW at the mark (the
 * module's knobs file must be writable), so that only the part after it
 * pays a fault for every reference.  -W FAULTS takes it away again (the
 * knob back to the value it had before smm_workload started, and an
 * "smm_workload: end NAME" mark) once the object took that many faults
 * since: a recording kept to its first FAULTS references need not fault
 * through the whole run.  The knob is the pool's, every object's: it is
 * put back when the workload ends, and on every other way out too (an
 * error, SIGBUS, SIGINT, SIGTERM, SIGHUP, SIGQUIT; SIGKILL cannot be
 * caught).  Not with --anon, whose
 * memory no window applies to.  SMM_WORKLOAD_DEV and
 * SMM_WORKLOAD_DEBUGFS in the environment name another device and
 * debugfs directory (smm_workload_test.sh tries -w on the host with a
 * file for each).
 *
 * --anon maps private anonymous memory instead, to try the workloads on a
 * host without the module.  -c checks the allocator's structure at the
 * workload's peak and end (it reads every header: not while recording).
 * --self-test tries the allocator alone: -n random mallocs, frees and
 * reallocs (default 200000) of checked contents in a small arena (-m,
 * default 8 MiB) that runs full, its structure verified as it goes.
 *
 * Exits 0 when every result was right; 1 on a wrong one, an exhausted
 * arena, SIGBUS (shadowmm could not give a page) or a failing system call;
 * 2 on a bad argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <lzma.h>
#include <malloc.h>
#include <signal.h>
#include <shadowmm.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MiB		(1024.0 * 1024.0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define GOLDEN		0x9e3779b97f4a7c15ULL

static const char usage_text[] =
	"usage: smm_workload [--anon] [-c] [-m MB] [-s SEED] [-l PRESET] [-w WINDOW [-W FAULTS]] sort|xz|sqlite [-n SIZE]\n"
	"       smm_workload --anon --self-test [-m MB] [-s SEED] [-n OPERATIONS]\n"
	"  sort    -n records of 100 bytes (default 250000)\n"
	"  xz      -n bytes of text, K and M suffixes (default 2800K), -l xz preset (default 6)\n"
	"  sqlite  -n customers, ten orders each (default 37000)\n";

static uint64_t seed = 1;
static unsigned long long window;	/* -w: the fault window set at the mark */
static unsigned long long budget;	/* -W: faults under it, then it goes */
static int arena_fd = -1;		/* the object, for its fault counts */
static unsigned long long faults_at_mark;
static int check_arena;

static const char *dev_path = "/dev/shadowmm";
static char knobs_path[PATH_MAX] = "/sys/kernel/debug/shadowmm/knobs";
/*
 * -w: the knob's line as it was, made before anything changes so that a
 * signal handler can write it back with open(), write() and close() alone;
 * window_set while the knob may hold our window (a lock-free atomic: the
 * handlers may read it).
 */
static char window_before[48];
static int window_before_len;
static atomic_int window_set;

static void die(const char *what)
{
	fprintf(stderr, "smm_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("smm_workload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* One line to the knobs file; async-signal-safe.  0, or -1 and errno. */
static int knob_write(const char *line, int len)
{
	int fd = open(knobs_path, O_WRONLY | O_CLOEXEC);
	ssize_t done;
	int err;

	if (fd < 0)
		return -1;
	done = write(fd, line, len);
	err = errno;
	close(fd);
	errno = err;
	return done == len ? 0 : -1;
}

/* The knob as it was, if our window may be in it: for the ways out. */
static void window_put_back(void)
{
	if (window_set)
		knob_write(window_before, window_before_len);
	window_set = 0;
}

static void on_sigbus(int sig)
{
	static const char msg[] =
		"smm_workload: SIGBUS: shadowmm could not give a page (region and store full?)\n";

	window_put_back();
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT (SA_RESETHAND): the knob back, then the signal. */
static void on_stop(int sig)
{
	window_put_back();
	raise(sig);
}

/* exit() from anywhere, fail() and die() included. */
static void window_at_exit(void)
{
	if (window_set && knob_write(window_before, window_before_len))
		fprintf(stderr, "smm_workload: -w: putting the knob fault_window back: %s\n",
			strerror(errno));
	window_set = 0;
}

/*
 * -w: the knob's value before any change, and the ways out that put it
 * back armed; the knobs file's lines are "name value".
 */
static void window_save(void)
{
	static const struct sigaction stop = {
		.sa_handler = on_stop,
		.sa_flags = SA_RESETHAND,
	};
	static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	char buf[4096] = "\n", *at;	/* a line's start before the first too */
	unsigned long long was;
	size_t got = 1, i;
	ssize_t len = 1;
	int fd;

	fd = open(knobs_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("-w: reading the knob fault_window");
	while (len > 0 && got < sizeof(buf) - 1) {
		len = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (len < 0)
			die("-w: reading the knob fault_window");
		got += len;
	}
	close(fd);
	buf[got] = '\0';
	at = strstr(buf, "\nfault_window ");
	if (!at || sscanf(at + 1, "fault_window %llu", &was) != 1)
		fail("-w: %s has no \"fault_window N\" line", knobs_path);
	window_before_len = snprintf(window_before, sizeof(window_before),
				     "fault_window %llu\n", was);
	if (atexit(window_at_exit))
		fail("-w: atexit failed");
	/* A signal ignored on entry (nohup, a background job) stays ignored. */
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++) {
		struct sigaction old;

		if (!sigaction(stop_signals[i], NULL, &old) && old.sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &stop, NULL);
	}
}

/*
 * "smm_workload: begin WHAT" into the trace, where the part worth replaying
 * begins (its data made): smm_refs -b starts there.  Without tracefs, or
 * without the right to write it, nothing happens.  With -w, the fault
 * window is set first: making the data runs at full speed, and every
 * reference from here on faults.
 */
static void set_window(unsigned long long n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "fault_window %llu\n", n);

	/* Before the write: a signal from here on puts the knob back. */
	window_set = 1;
	if (knob_write(line, len)) {
		window_set = 0;		/* refused: the knob is as it was */
		die("-w: setting the knob fault_window");
	}
}

/* The window taken away: the knob as it was before smm_workload. */
static void unset_window(void)
{
	if (knob_write(window_before, window_before_len)) {
		window_set = 0;		/* no second try at exit */
		die("-w: putting the knob fault_window back");
	}
	window_set = 0;
}

static void trace_mark(const char *what, const char *name)
{
	char line[64];
	int fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY | O_CLOEXEC);
	int len;

	if (fd < 0)
		return;
	len = snprintf(line, sizeof(line), "smm_workload: %s %s\n", what, name);
	if (write(fd, line, len) < 0)
		fprintf(stderr, "smm_workload: trace_marker: %s\n", strerror(errno));
	close(fd);
}

/* The object's faults so far, minor and major. */
static unsigned long long object_faults(void)
{
	struct shadowmm_info info;

	if (ioctl(arena_fd, SHADOWMM_IOC_INFO, &info))
		die("SHADOWMM_IOC_INFO");
	return info.faults_minor + info.faults_major;
}

/* The workload is over: no window left behind, whatever -W said. */
static void record_done(const char *what)
{
	if (!window)
		return;
	unset_window();
	window = 0;
	trace_mark("end", what);
}

static void mark_begin(const char *what)
{
	if (window) {
		if (budget && arena_fd >= 0)
			faults_at_mark = object_faults();
		set_window(window);
	}
	trace_mark("begin", what);
}

/*
 * Called between units of work: once -W faults were taken under the
 * window, the window goes (knob 0) and an end mark is written, so that
 * the rest of the run, which the trace would not keep, is not slowed by
 * a fault at every reference.
 */
static void record_tick(const char *what)
{
	static unsigned int calls;

	if (!window || !budget || arena_fd < 0 || ++calls % 16)
		return;
	if (object_faults() - faults_at_mark < budget)
		return;
	unset_window();
	window = 0;
	trace_mark("end", what);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: its finalizer mixes, its counter makes a stream. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t next64(uint64_t *state)
{
	*state += GOLDEN;
	return mix64(*state);
}

/* Value i of stream @kind: any one is found again without storing it. */
static uint64_t derive(uint64_t kind, uint64_t i)
{
	return mix64(mix64(seed ^ (kind * GOLDEN)) + i * GOLDEN);
}

/* ---- the arena and its allocator ---- */

#define HDR		16UL		/* prev_size and size */
#define MIN_BLOCK	32UL		/* a free block also holds two links */
#define SMALL_MAX	1024UL		/* blocks up to this go to exact-size lists */
#define NR_SMALL	(SMALL_MAX / 16 + 1)
#define NR_BINS		64
#define IN_USE		1UL

struct blk {
	size_t prev_size;	/* of the block just below; 0 for the lowest */
	size_t size;		/* header included; IN_USE in bit 0 */
	struct blk *next;	/* free lists only: in the payload */
	struct blk *prev;
};

static struct {
	char *base;
	size_t size;		/* mapped */
	size_t top;		/* the offset above the highest block */
	size_t last;		/* size of the block just below top; 0 if none */
	size_t high;		/* the highest top */
	size_t in_use;		/* live blocks, headers included */
	size_t failed;		/* the last request that did not fit */
	struct blk *small[NR_SMALL];	/* exact sizes, blocks still marked IN_USE */
	struct blk *bins[NR_BINS];	/* free blocks, by log2 of their size */
} arena;

static size_t blk_size(const struct blk *b)
{
	return b->size & ~IN_USE;
}

static struct blk *blk_above(struct blk *b)
{
	return (struct blk *)((char *)b + blk_size(b));
}

static int is_top(const struct blk *b)
{
	return (const char *)b == arena.base + arena.top;
}

static unsigned int bin_of(size_t size)
{
	return 63 - __builtin_clzl(size);
}

static void bin_insert(struct blk *b)
{
	struct blk **head = &arena.bins[bin_of(blk_size(b))];

	b->prev = NULL;
	b->next = *head;
	if (*head)
		(*head)->prev = b;
	*head = b;
}

static void bin_remove(struct blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		arena.bins[bin_of(blk_size(b))] = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* The block above (or top) must know where @b starts. */
static void set_size(struct blk *b, size_t size, size_t flags)
{
	struct blk *above;

	b->size = size | flags;
	above = blk_above(b);
	if (is_top(above))
		arena.last = size;
	else
		above->prev_size = size;
}

/* Merge @b with free neighbours; into top if it is the highest block. */
static void release(struct blk *b)
{
	size_t size = blk_size(b);
	struct blk *above;

	if (b->prev_size) {
		struct blk *below = (struct blk *)((char *)b - b->prev_size);

		if (!(below->size & IN_USE)) {
			bin_remove(below);
			size += blk_size(below);
			b = below;
		}
	}
	above = (struct blk *)((char *)b + size);
	if (is_top(above)) {
		arena.top = (char *)b - arena.base;
		arena.last = b->prev_size;
		return;
	}
	if (!(above->size & IN_USE)) {
		bin_remove(above);
		size += blk_size(above);
	}
	set_size(b, size, 0);
	bin_insert(b);
}

/* Cut an in-use block down to @need, giving back the rest if it can stand alone. */
static void split(struct blk *b, size_t need)
{
	size_t rest = blk_size(b) - need;
	struct blk *r;

	if (rest < MIN_BLOCK)
		return;
	set_size(b, need, IN_USE);
	r = blk_above(b);
	set_size(r, rest, IN_USE);
	release(r);
}

/* First fit in need's own bin; any block of a higher bin fits. */
static struct blk *take_blk(struct blk *b, size_t need)
{
	bin_remove(b);
	b->size |= IN_USE;
	split(b, need);
	return b;
}

/*
 * A free block of at least @need bytes.  The bin of @need's power of two
 * holds blocks smaller than @need too: only its first few are tried, then
 * the head of any bin above, whose every block fits, and only if that
 * fails the whole bin.  A first fit over the whole bin each time walked
 * hundreds of scattered headers per allocation: a page each, which is
 * what a recording under the fault window sees.
 */
static struct blk *take_free(size_t need)
{
	unsigned int i, first = bin_of(need), looked = 0;
	struct blk *b;

	for (b = arena.bins[first]; b && looked < 8; b = b->next, looked++)
		if (blk_size(b) >= need)
			return take_blk(b, need);
	for (i = first + 1; i < NR_BINS; i++)
		if (arena.bins[i])
			return take_blk(arena.bins[i], need);
	for (; b; b = b->next)
		if (blk_size(b) >= need)
			return take_blk(b, need);
	return NULL;
}

/* Give every small free block back to be merged; 0 if there was none. */
static int consolidate(void)
{
	struct blk *b;
	unsigned int i;
	int any = 0;

	for (i = 0; i < NR_SMALL; i++) {
		while ((b = arena.small[i])) {
			arena.small[i] = b->next;
			release(b);
			any = 1;
		}
	}
	return any;
}

static struct blk *take(size_t need)
{
	struct blk *b;

	if (need <= SMALL_MAX && arena.small[need / 16]) {
		b = arena.small[need / 16];
		arena.small[need / 16] = b->next;
		return b;
	}
	b = take_free(need);
	if (b)
		return b;
	/* Full: merge the small free blocks and look again (glibc's malloc_consolidate()). */
	if (need > arena.size - arena.top && consolidate()) {
		b = take_free(need);
		if (b)
			return b;
	}
	if (need > arena.size - arena.top)
		return NULL;
	b = (struct blk *)(arena.base + arena.top);
	b->prev_size = arena.last;
	arena.top += need;
	if (arena.top > arena.high)
		arena.high = arena.top;
	set_size(b, need, IN_USE);
	return b;
}

/* Block size for @n payload bytes; 0 if it could never fit. */
static size_t need_of(size_t n)
{
	if (n > arena.size)
		return 0;
	if (n <= MIN_BLOCK - HDR)
		return MIN_BLOCK;
	return (n + HDR + 15) & ~15UL;
}

/* The last one: SQLite survives some refusals, the one that stops it is later. */
static void *arena_fails(size_t n)
{
	arena.failed = n ? n : 1;
	return NULL;
}

static void *arena_malloc(size_t n)
{
	size_t need = need_of(n);
	struct blk *b;

	if (!need)
		return arena_fails(n);
	b = take(need);
	if (!b)
		return arena_fails(n);
	arena.in_use += blk_size(b);
	return (char *)b + HDR;
}

static void arena_free(void *p)
{
	struct blk *b;
	size_t size;

	if (!p)
		return;
	b = (struct blk *)((char *)p - HDR);
	size = blk_size(b);
	arena.in_use -= size;
	if (size <= SMALL_MAX) {
		b->next = arena.small[size / 16];
		arena.small[size / 16] = b;
		return;
	}
	release(b);
}

static size_t arena_usable(void *p)
{
	return blk_size((struct blk *)((char *)p - HDR)) - HDR;
}

static void *arena_realloc(void *p, size_t n)
{
	size_t need, size;
	struct blk *b, *above;
	void *q;

	if (!p)
		return arena_malloc(n);
	if (!n) {
		arena_free(p);
		return NULL;
	}
	need = need_of(n);
	if (!need)
		return arena_fails(n);
	b = (struct blk *)((char *)p - HDR);
	size = blk_size(b);
	if (need <= size) {
		/* Small blocks stay whole: a shrunk one would leave crumbs. */
		if (size > SMALL_MAX) {
			split(b, need);
			arena.in_use -= size - blk_size(b);
		}
		return p;
	}
	/* Grow in place into top or a free block above, as a real heap would. */
	above = blk_above(b);
	if (is_top(above)) {
		if (need - size <= arena.size - arena.top) {
			arena.top += need - size;
			if (arena.top > arena.high)
				arena.high = arena.top;
			set_size(b, need, IN_USE);
			goto grown;
		}
	} else if (!(above->size & IN_USE) && size + blk_size(above) >= need) {
		bin_remove(above);
		set_size(b, size + blk_size(above), IN_USE);
		split(b, need);
		goto grown;
	}
	q = arena_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, size - HDR);
	arena_free(p);
	return q;
grown:
	arena.in_use += blk_size(b) - size;
	return p;
}

static void out_of_arena(void)
{
	fail("the arena (%zu MiB) is exhausted: no room for %zu bytes at %.1f MiB high-water",
	     arena.size >> 20, arena.failed, arena.high / MiB);
}

static void *xmalloc(size_t n)
{
	void *p = arena_malloc(n);

	if (!p)
		out_of_arena();
	return p;
}

/* Every header, free list and count agrees; a line unless @quiet. */
static void arena_verify(const char *when, int quiet)
{
	size_t off = 0, below = 0, live = 0, listed = 0, nfree = 0, nblocks = 0;
	int below_free = 0;
	unsigned int i;
	struct blk *b;

	while (off < arena.top) {
		b = (struct blk *)(arena.base + off);
		if (b->prev_size != below || blk_size(b) < MIN_BLOCK || blk_size(b) % 16 ||
		    blk_size(b) > arena.top - off)
			fail("arena: bad block header at offset %zu (%s)", off, when);
		if (b->size & IN_USE) {
			live += blk_size(b);
		} else {
			if (below_free)
				fail("arena: two free blocks side by side at %zu (%s)", off, when);
			nfree++;
		}
		below_free = !(b->size & IN_USE);
		below = blk_size(b);
		off += below;
		nblocks++;
	}
	if (below != arena.last || off != arena.top)
		fail("arena: the highest block does not meet top (%s)", when);
	for (i = 0; i < NR_BINS; i++) {
		struct blk *prev = NULL;

		/* Counting down nfree also stops a list that loops. */
		for (b = arena.bins[i]; b; prev = b, b = b->next, nfree--) {
			if ((b->size & IN_USE) || bin_of(blk_size(b)) != i || b->prev != prev ||
			    !nfree)
				fail("arena: bad free list %u (%s)", i, when);
		}
	}
	if (nfree)
		fail("arena: %zu free blocks on no list (%s)", nfree, when);
	for (i = 0; i < NR_SMALL; i++) {
		for (b = arena.small[i]; b; b = b->next) {
			if (!(b->size & IN_USE) || blk_size(b) != i * 16UL)
				fail("arena: bad small list %u (%s)", i, when);
			listed += blk_size(b);
		}
	}
	if (live != arena.in_use + listed)
		fail("arena: %zu bytes in live blocks, %zu counted (%s)", live,
		     arena.in_use + listed, when);
	if (!quiet)
		printf("arena: %s: %zu blocks, structure ok\n", when, nblocks);
}

static void checkpoint(const char *when)
{
	if (check_arena)
		arena_verify(when, 0);
}

/* Everything the workload allocated came back: the bookkeeping balances. */
static void all_freed(void)
{
	if (arena.in_use)
		fail("%zu bytes of arena still allocated at the end", arena.in_use);
	checkpoint("end");
}

/* Pages of the arena resident now (mincore), in bytes. */
static long long touched(void)
{
	unsigned char vec[4096];
	long page = sysconf(_SC_PAGESIZE);
	size_t off, len, i;
	long long n = 0;

	for (off = 0; off < arena.size; off += len) {
		len = arena.size - off;
		if (len > sizeof(vec) * page)
			len = sizeof(vec) * page;
		if (mincore(arena.base + off, len, vec))
			return -1;
		for (i = 0; i < (len + page - 1) / page; i++)
			n += vec[i] & 1;
	}
	return n * page;
}

/* ---- the allocator's self-test ---- */

#define SLOTS		4096

struct slot {
	unsigned char *p;
	size_t n;
	unsigned char tag;
};

/* Mostly small, as SQLite's; now and then up to 256 KiB, as liblzma's. */
static size_t test_size(uint64_t r)
{
	if (r % 16)
		return (r >> 8) % (SMALL_MAX + 64);
	return (r >> 8) % (256 << 10);
}

static void test_fill(struct slot *s)
{
	size_t k;

	for (k = 0; k < s->n; k++)
		s->p[k] = s->tag + k * 7;
}

static void test_check(struct slot *s, size_t n, const char *when, long op)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (s->p[k] != (unsigned char)(s->tag + k * 7))
			fail("self-test: op %ld: byte %zu of a %zu-byte block changed (%s)", op, k,
			     s->n, when);
}

/*
 * Random malloc, free and realloc of checked contents in a small arena: it
 * runs full, so growth into top and into free neighbours, splits, moves,
 * consolidation and exhaustion all happen; the structure is verified often.
 */
static void self_test(long ops)
{
	struct slot *slots = xmalloc(SLOTS * sizeof(*slots));
	long op, nulls = 0;
	uint64_t rng = seed;
	size_t n;

	memset(slots, 0, SLOTS * sizeof(*slots));
	for (op = 0; op < ops; op++) {
		uint64_t r = next64(&rng);
		struct slot *s = &slots[r % SLOTS];
		unsigned char *p;

		r >>= 12;
		n = test_size(next64(&rng));
		if (!s->p) {
			s->p = arena_malloc(n);
			s->n = n;
			s->tag = r;
			if (!s->p) {
				nulls++;
				continue;
			}
		} else if (r % 3 == 0) {
			test_check(s, s->n, "before free", op);
			arena_free(s->p);
			s->p = NULL;
			continue;
		} else if (r % 3 == 1) {
			test_check(s, s->n, "before realloc", op);
			p = arena_realloc(s->p, n);
			if (!p && n) {
				nulls++;
				continue;
			}
			s->p = p;
			test_check(s, n < s->n ? n : s->n, "kept by realloc", op);
			s->n = n;
			if (!p)
				continue;
		} else {
			test_check(s, s->n, "in place", op);
			continue;
		}
		if ((uintptr_t)s->p % 16 || arena_usable(s->p) < s->n)
			fail("self-test: op %ld: a %zu-byte block at %p, %zu usable", op, s->n,
			     s->p, arena_usable(s->p));
		test_fill(s);
		if (op % 1024 == 0)
			arena_verify("self-test", 1);
	}
	for (n = 0; n < SLOTS; n++) {
		if (slots[n].p)
			test_check(&slots[n], slots[n].n, "at the end", ops);
		arena_free(slots[n].p);
	}
	arena_free(slots);
	arena_verify("self-test", 1);
	if (arena.in_use)
		fail("self-test: %zu bytes still allocated with everything freed", arena.in_use);
	consolidate();
	if (arena.top)
		fail("self-test: top at %zu with everything freed and merged", arena.top);
	if (!nulls)
		fail("self-test: the arena never ran full: a smaller -m, please");
	printf("self-test: %ld operations, %ld refused (arena full), arena consistent\n", ops,
	       nulls);
}

/* ---- sort ---- */

#define REC		100
#define KEY		10

/* Record @i's payload from its key and number: any byte out of place shows. */
static void payload(unsigned char *rec, uint64_t i)
{
	uint64_t h, st;
	int k;

	memcpy(&h, rec, 8);
	st = mix64(h ^ (rec[8] | rec[9] << 8)) ^ i;
	memcpy(rec + KEY, &i, 8);
	for (k = KEY + 8; k < REC; k += 8) {
		h = next64(&st);
		memcpy(rec + k, &h, REC - k < 8 ? REC - k : 8);
	}
}

static uint64_t rec_hash(const unsigned char *rec)
{
	uint64_t h = 0, w;
	int k;

	for (k = 0; k < REC; k += 8) {
		w = 0;
		memcpy(&w, rec + k, REC - k < 8 ? REC - k : 8);
		h = mix64(h ^ w);
	}
	return h;
}

static void merge(const unsigned char *a, size_t na, const unsigned char *b, size_t nb,
		  unsigned char *out)
{
	while (na && nb) {
		/* Ties take the left run: the sort is stable. */
		if (memcmp(b, a, KEY) < 0) {
			memcpy(out, b, REC);
			b += REC;
			nb--;
		} else {
			memcpy(out, a, REC);
			a += REC;
			na--;
		}
		out += REC;
	}
	memcpy(out, a, na * REC);
	memcpy(out + na * REC, b, nb * REC);
}

static void run_sort(size_t n)
{
	unsigned char *recs, *tmp, *src, *dst, *swap;
	uint64_t rng = seed, sum = 0, check = 0, st;
	size_t i, w, lo, mid, hi;
	unsigned char want[REC];
	int k;

	recs = xmalloc(n * REC);
	tmp = xmalloc(n * REC);
	for (i = 0; i < n; i++) {
		unsigned char *r = recs + i * REC;

		/* Capital letters: keys a person can read in a dump. */
		st = next64(&rng);
		for (k = 0; k < KEY; k++, st /= 26)
			r[k] = 'A' + st % 26;
		payload(r, i);
		sum += rec_hash(r);
	}
	mark_begin("sort");
	/* Bottom-up: each pass merges runs of w into runs of 2w, src to dst. */
	src = recs;
	dst = tmp;
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			merge(src + lo * REC, mid - lo, src + mid * REC, hi - mid, dst + lo * REC);
			if ((lo / (2 * w)) % 64 == 63)
				record_tick("sort");
		}
		record_tick("sort");
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != recs)
		memcpy(recs, src, n * REC);
	checkpoint("peak");
	for (i = 0; i < n; i++) {
		unsigned char *r = recs + i * REC;
		uint64_t num;

		if (i && memcmp(r - REC, r, KEY) > 0)
			fail("sort: record %zu's key is below record %zu's", i, i - 1);
		memcpy(&num, r + KEY, 8);
		memcpy(want, r, KEY);
		payload(want, num);
		if (num >= n || memcmp(want, r, REC))
			fail("sort: record %zu (number %llu) is corrupt", i,
			     (unsigned long long)num);
		check += rec_hash(r);
	}
	if (check != sum)
		fail("sort: checksum %016llx, generated %016llx", (unsigned long long)check,
		     (unsigned long long)sum);
	printf("sort: %zu records, %.1f MiB, sorted, checksum ok\n", n, n * REC / MiB);
	arena_free(tmp);
	arena_free(recs);
	all_freed();
}

/* ---- xz ---- */

#define VOCAB		8192
#define WORD		16		/* a vocabulary slot: length byte, letters */

/* Common letters first: min of two picks skews towards them. */
static const char letters[] = "etaoinshrdlucmfwypvbgkjqxz";

static void make_text(unsigned char *text, size_t n)
{
	unsigned char *vocab = xmalloc(VOCAB * WORD);
	double *cdf = xmalloc(VOCAB * sizeof(*cdf));
	uint64_t rng = seed ^ 0x7e47;
	size_t pos = 0, line = 0, target = 0;
	double total = 0;
	int i, k, len;

	for (i = 0; i < VOCAB; i++) {
		len = 1 + next64(&rng) % 4 + next64(&rng) % 4 + next64(&rng) % 5;
		vocab[i * WORD] = len;
		for (k = 1; k <= len; k++) {
			uint64_t r = next64(&rng), a = r % 26, b = (r >> 8) % 26;

			vocab[i * WORD + k] = letters[a < b ? a : b];
		}
		/* Zipf, s = 1: the word of rank r is used 1/r as often as the first. */
		total += 1.0 / (i + 1);
		cdf[i] = total;
	}
	while (pos < n) {
		double u = (next64(&rng) >> 11) * (1.0 / 9007199254740992.0) * total;
		int l = 0, h = VOCAB - 1, m;
		unsigned char *word;

		while (l < h) {
			m = (l + h) / 2;
			if (cdf[m] < u)
				l = m + 1;
			else
				h = m;
		}
		word = vocab + l * WORD;
		if (!target)
			target = 20 + next64(&rng) % 80;
		/* A line starts with a capital and ends past its target length. */
		for (k = 1; k <= word[0] && pos < n; k++)
			text[pos++] = line || k > 1 ? word[k] : word[k] - 'a' + 'A';
		line += word[0] + 1;
		if (pos < n)
			text[pos++] = line < target ? ' ' : '\n';
		if (line >= target)
			line = target = 0;
	}
	arena_free(cdf);
	arena_free(vocab);
}

static void *lz_alloc(void *opaque, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return arena_fails(SIZE_MAX);
	return arena_malloc(nmemb * size);
}

static void lz_free(void *opaque, void *ptr)
{
	arena_free(ptr);
}

static const lzma_allocator lz_arena = {
	.alloc = lz_alloc,
	.free = lz_free,
};

static void lz_check(lzma_ret ret, const char *what)
{
	if (ret == LZMA_MEM_ERROR && arena.failed)
		out_of_arena();
	fail("xz: %s: liblzma error %d", what, ret);
}

/* What xz at @preset needs: text, output and encoder (the decoder needs less). */
static size_t xz_arena_mb(size_t n, uint32_t preset)
{
	uint64_t enc = lzma_easy_encoder_memusage(preset);

	return (n + lzma_stream_buffer_bound(n) + enc) / (1 << 20) + 2;
}

static void run_xz(size_t n, uint32_t preset)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	unsigned char *text, *comp, *back;
	size_t bound = lzma_stream_buffer_bound(n), clen, i;
	lzma_ret ret;

	text = xmalloc(n);
	make_text(text, n);
	comp = xmalloc(bound);
	mark_begin("xz");
	strm.allocator = &lz_arena;
	ret = lzma_easy_encoder(&strm, preset, LZMA_CHECK_CRC64);
	if (ret != LZMA_OK)
		lz_check(ret, "lzma_easy_encoder");
	strm.next_in = text;
	strm.next_out = comp;
	strm.avail_out = bound;
	/* 4 KiB at a time: a unit of work between two record_tick()s. */
	i = 0;
	do {
		if (!strm.avail_in && i < n) {
			strm.next_in = text + i;
			strm.avail_in = n - i < 4096 ? n - i : 4096;
			i += strm.avail_in;
			record_tick("xz");
		}
		ret = lzma_code(&strm, i < n ? LZMA_RUN : LZMA_FINISH);
	} while (ret == LZMA_OK);
	if (ret != LZMA_STREAM_END)
		lz_check(ret, "compressing");
	clen = strm.total_out;
	checkpoint("peak");
	lzma_end(&strm);

	/* One byte more than the text: a longer output shows. */
	back = xmalloc(n + 1);
	strm.allocator = &lz_arena;
	ret = lzma_stream_decoder(&strm, UINT64_MAX, 0);
	if (ret != LZMA_OK)
		lz_check(ret, "lzma_stream_decoder");
	strm.next_in = comp;
	strm.avail_in = clen;
	strm.next_out = back;
	strm.avail_out = n + 1;
	do
		ret = lzma_code(&strm, LZMA_FINISH);
	while (ret == LZMA_OK && strm.avail_out);
	if (ret != LZMA_STREAM_END && ret != LZMA_OK)
		lz_check(ret, "decompressing");
	if (ret != LZMA_STREAM_END || strm.total_out != n)
		fail("xz: decompression gave %llu bytes%s, the text has %zu",
		     (unsigned long long)strm.total_out,
		     ret == LZMA_STREAM_END ? "" : " and more", n);
	lzma_end(&strm);
	if (memcmp(text, back, n)) {
		for (i = 0; text[i] == back[i]; i++)
			;
		fail("xz: decompressed byte %zu is %#x, the text's %#x", i, back[i], text[i]);
	}
	printf("xz: %zu bytes of text, %zu compressed (preset %u), decompressed, every byte ok\n",
	       n, clen, preset);
	arena_free(back);
	arena_free(comp);
	arena_free(text);
	all_freed();
}

/* ---- sqlite ---- */

#define REGIONS		16
#define ORDERS_EACH	10
#define BATCH		5000		/* rows a transaction */
#define TEXT_MAX	96

/* Customer, order and text streams of derive(). */
enum { S_CUSTOMER = 1, S_NAME, S_ORDER, S_NOTE, S_LOOKUP };

static const char * const syllables[] = {
	"an", "ber", "ca", "do", "el", "fa", "gro", "hu", "in", "jo", "ka", "lu", "ma", "ne",
	"or", "pi", "qua", "ro", "sa", "ti", "ul", "ve", "wa", "xe", "yo", "zu", "st", "er",
	"ing", "on", "ly", "ra",
};

/* @len bytes of words from stream value @h, NUL-terminated. */
static int make_words(char *buf, uint64_t h, int len)
{
	uint64_t st = h;
	int pos = 0;

	while (pos < len) {
		uint64_t r = next64(&st);
		const char *s = syllables[r % 32];

		while (*s && pos < len)
			buf[pos++] = *s++;
		if (pos < len && (r >> 8) % 3 == 0)
			buf[pos++] = ' ';
	}
	buf[pos] = 0;
	return pos;
}

struct customer {
	int region;
	char name[TEXT_MAX];
};

struct order {
	int64_t customer;
	int64_t amount;
	char note[TEXT_MAX];
};

static int region_of(int64_t id)
{
	return derive(S_CUSTOMER, id) % REGIONS;
}

static void customer_of(int64_t id, struct customer *c)
{
	uint64_t h = derive(S_CUSTOMER, id);

	c->region = region_of(id);
	make_words(c->name, derive(S_NAME, id), 6 + (h >> 8) % 20);
}

static void order_of(int64_t id, int64_t customers, struct order *o)
{
	uint64_t h = derive(S_ORDER, id);

	o->customer = 1 + h % customers;
	o->amount = 1 + (h >> 24) % 10000;
	make_words(o->note, derive(S_NOTE, id), 16 + (h >> 48) % 64);
}

static void *sq_malloc(int n)
{
	return arena_malloc(n);
}

static void sq_free(void *p)
{
	arena_free(p);
}

static void *sq_realloc(void *p, int n)
{
	return arena_realloc(p, n);
}

static int sq_size(void *p)
{
	return p ? arena_usable(p) : 0;
}

static int sq_roundup(int n)
{
	return need_of(n) ? need_of(n) - HDR : n;
}

static int sq_init(void *data)
{
	return arena.base ? SQLITE_OK : SQLITE_ERROR;
}

static void sq_shutdown(void *data)
{
}

static const sqlite3_mem_methods sq_arena = {
	.xMalloc = sq_malloc,
	.xFree = sq_free,
	.xRealloc = sq_realloc,
	.xSize = sq_size,
	.xRoundup = sq_roundup,
	.xInit = sq_init,
	.xShutdown = sq_shutdown,
};

static sqlite3 *db;

static void sq_check(int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return;
	if (arena.failed)
		out_of_arena();
	fail("sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static void exec(const char *sql)
{
	sq_check(sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st = NULL;

	sq_check(sqlite3_prepare_v2(db, sql, -1, &st, NULL), sql);
	return st;
}

/* Run a statement that returns nothing. */
static void step_done(sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sq_check(rc, what);
	if (rc != SQLITE_DONE)
		fail("sqlite: %s: a row where none was expected", what);
	sq_check(sqlite3_reset(st), what);
}

/* Step to the one row a lookup expects. */
static void step_row(sqlite3_stmt *st, const char *what, long long id)
{
	int rc = sqlite3_step(st);

	sq_check(rc, what);
	if (rc != SQLITE_ROW)
		fail("sqlite: %s %lld: no row", what, id);
}

static int text_is(sqlite3_stmt *st, int col, const char *want)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t && !strcmp((const char *)t, want);
}

/* What the orders table must give for a customer, counted while generating. */
struct per_customer {
	int64_t sum;
	int64_t count;
};

static void lookup_customer(sqlite3_stmt *st, int64_t id)
{
	struct customer c;

	customer_of(id, &c);
	sqlite3_bind_int64(st, 1, id);
	step_row(st, "customer", id);
	if (sqlite3_column_int(st, 0) != c.region || !text_is(st, 1, c.name))
		fail("sqlite: customer %lld: wrong row", (long long)id);
	sq_check(sqlite3_reset(st), "customer lookup");
}

static void lookup_order(sqlite3_stmt *st, int64_t id, int64_t customers)
{
	struct order o;

	order_of(id, customers, &o);
	sqlite3_bind_int64(st, 1, id);
	step_row(st, "order", id);
	if (sqlite3_column_int64(st, 0) != o.customer || sqlite3_column_int64(st, 1) != o.amount ||
	    !text_is(st, 2, o.note))
		fail("sqlite: order %lld: wrong row", (long long)id);
	sq_check(sqlite3_reset(st), "order lookup");
}

/* Through the index on orders(customer): each row, and all of them. */
static void lookup_orders_of(sqlite3_stmt *st, int64_t cust, int64_t customers,
			     const struct per_customer *pc)
{
	int64_t id, sum = 0, n = 0;
	struct order o;
	int rc;

	sqlite3_bind_int64(st, 1, cust);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		order_of(id, customers, &o);
		if (o.customer != cust || sqlite3_column_int64(st, 1) != o.amount)
			fail("sqlite: customer %lld's orders: wrong order %lld", (long long)cust,
			     (long long)id);
		sum += o.amount;
		n++;
	}
	sq_check(rc, "orders by customer");
	if (n != pc[cust - 1].count || sum != pc[cust - 1].sum)
		fail("sqlite: customer %lld: %lld orders, amounts %lld; %lld, %lld made",
		     (long long)cust, (long long)n, (long long)sum,
		     (long long)pc[cust - 1].count, (long long)pc[cust - 1].sum);
	sq_check(sqlite3_reset(st), "orders by customer");
}

static size_t sqlite_arena_mb(size_t customers)
{
	/* Measured: 1.3 KiB a customer with its ten orders; SQLite's own needs on top. */
	return customers * 1700 / (1 << 20) + 4;
}

static int sq_progress(void *data)
{
	record_tick("sqlite");
	return 0;
}

static void run_sqlite(size_t customers)
{
	int64_t orders = customers * ORDERS_EACH, region_sum[REGIONS] = { 0 };
	int64_t region_count[REGIONS] = { 0 }, id, i, lookups = customers * 5, got;
	sqlite3_stmt *ins_c, *ins_o, *get_c, *get_o, *by_cust, *join;
	struct per_customer *pc;
	struct customer c;
	struct order o;
	int rc, r;

	sq_check(sqlite3_config(SQLITE_CONFIG_SINGLETHREAD), "SQLITE_CONFIG_SINGLETHREAD");
	sq_check(sqlite3_config(SQLITE_CONFIG_MALLOC, &sq_arena), "SQLITE_CONFIG_MALLOC");
	sq_check(sqlite3_initialize(), "sqlite3_initialize");
	sq_check(sqlite3_open(":memory:", &db), "sqlite3_open");
	/* Sorts and temporary tables in memory (the arena), never in files. */
	exec("PRAGMA temp_store = MEMORY");
	exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, region INT, name TEXT)");
	exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INT, amount INT, note TEXT)");
	exec("CREATE INDEX orders_customer ON orders (customer)");
	pc = xmalloc(customers * sizeof(*pc));
	memset(pc, 0, customers * sizeof(*pc));

	ins_c = prepare("INSERT INTO customers VALUES (?, ?, ?)");
	for (id = 1; id <= (int64_t)customers; id++) {
		if (id % BATCH == 1)
			exec("BEGIN");
		customer_of(id, &c);
		sqlite3_bind_int64(ins_c, 1, id);
		sqlite3_bind_int(ins_c, 2, c.region);
		sqlite3_bind_text(ins_c, 3, c.name, -1, SQLITE_TRANSIENT);
		step_done(ins_c, "inserting a customer");
		if (id % BATCH == 0 || id == (int64_t)customers)
			exec("COMMIT");
	}
	ins_o = prepare("INSERT INTO orders VALUES (?, ?, ?, ?)");
	for (id = 1; id <= orders; id++) {
		if (id % BATCH == 1)
			exec("BEGIN");
		order_of(id, customers, &o);
		sqlite3_bind_int64(ins_o, 1, id);
		sqlite3_bind_int64(ins_o, 2, o.customer);
		sqlite3_bind_int64(ins_o, 3, o.amount);
		sqlite3_bind_text(ins_o, 4, o.note, -1, SQLITE_TRANSIENT);
		step_done(ins_o, "inserting an order");
		if (id % BATCH == 0 || id == orders)
			exec("COMMIT");
		pc[o.customer - 1].sum += o.amount;
		pc[o.customer - 1].count++;
		region_sum[region_of(o.customer)] += o.amount;
		region_count[region_of(o.customer)]++;
	}
	sqlite3_finalize(ins_o);
	sqlite3_finalize(ins_c);

	mark_begin("sqlite");
	/* The join is one statement: SQLite calls back between its steps. */
	sqlite3_progress_handler(db, 1000, sq_progress, NULL);
	/* Point lookups: 3/8 customers, 3/8 orders by key, 1/4 a customer's orders. */
	get_c = prepare("SELECT region, name FROM customers WHERE id = ?");
	get_o = prepare("SELECT customer, amount, note FROM orders WHERE id = ?");
	by_cust = prepare("SELECT id, amount FROM orders WHERE customer = ?");
	for (i = 0; i < lookups; i++) {
		uint64_t h = derive(S_LOOKUP, i);

		if (h % 8 < 3)
			lookup_customer(get_c, 1 + (h >> 8) % customers);
		else if (h % 8 < 6)
			lookup_order(get_o, 1 + (h >> 8) % orders, customers);
		else
			lookup_orders_of(by_cust, 1 + (h >> 8) % customers, customers, pc);
		record_tick("sqlite");
	}
	sqlite3_finalize(by_cust);
	sqlite3_finalize(get_o);
	sqlite3_finalize(get_c);

	join = prepare("SELECT c.region, count(*), sum(o.amount) FROM orders AS o\n"
		       "JOIN customers AS c ON c.id = o.customer GROUP BY c.region");
	got = 0;
	while ((rc = sqlite3_step(join)) == SQLITE_ROW) {
		r = sqlite3_column_int(join, 0);
		if (r < 0 || r >= REGIONS)
			fail("sqlite: join: a region %d", r);
		if (sqlite3_column_int64(join, 1) != region_count[r] ||
		    sqlite3_column_int64(join, 2) != region_sum[r])
			fail("sqlite: join: region %d: %lld orders, amounts %lld; %lld, %lld made",
			     r, (long long)sqlite3_column_int64(join, 1),
			     (long long)sqlite3_column_int64(join, 2),
			     (long long)region_count[r], (long long)region_sum[r]);
		got += region_count[r];
	}
	sq_check(rc, "join");
	if (got != orders)
		fail("sqlite: join: %lld orders in its regions, %lld inserted", (long long)got,
		     (long long)orders);
	sqlite3_finalize(join);
	checkpoint("peak");
	printf("sqlite: %zu customers, %lld orders, %lld lookups, join by region, results ok\n",
	       customers, (long long)orders, (long long)lookups);
	arena_free(pc);
	sq_check(sqlite3_close(db), "sqlite3_close");
	db = NULL;
	sq_check(sqlite3_shutdown(), "sqlite3_shutdown");
	all_freed();
}

/*
 * SQLite's Unix VFS loads extensions with dlopen(); the Makefile's --wrap
 * sends its calls here.  A static program has no shared glibc to load them
 * with: that is what glibc warns about at link time when anything but its
 * own startup code calls its static dlopen().
 */
void *__wrap_dlopen(const char *file, int mode)
{
	return NULL;
}

char *__wrap_dlerror(void)
{
	return "smm_workload is static: it loads no shared objects";
}

void *__wrap_dlsym(void *handle, const char *symbol)
{
	return NULL;
}

int __wrap_dlclose(void *handle)
{
	return 0;
}

/* ---- main ---- */

static void bad_usage(const char *why, const char *arg)
{
	if (why)
		fprintf(stderr, "smm_workload: %s%s\n", why, arg ? arg : "");
	fputs(usage_text, stderr);
	exit(2);
}

/*
 * A decimal number, with a K or M suffix if @suffix; positive unless
 * @zero_ok.  A digit first: strtoull() would skip blanks and take " -1"
 * as ULLONG_MAX, and base 0 would read "010" as 8.
 */
static unsigned long long parse_number(const char *s, int suffix, int zero_ok)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		bad_usage("not a number, or not one it can take: ", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (suffix && (*end == 'k' || *end == 'K') && v < 1ULL << 40) {
		v <<= 10;
		end++;
	} else if (suffix && (*end == 'm' || *end == 'M') && v < 1ULL << 30) {
		v <<= 20;
		end++;
	}
	if (errno || end == s || *end || (!v && !zero_ok))
		bad_usage("not a number, or not one it can take: ", s);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "anon", no_argument, NULL, 'a' },
		{ "self-test", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long mb = 0, size = 0, preset = 6;
	int anon = 0, self = 0, opt, fd = -1, flags;
	const char *name = "self-test";
	struct sigaction sa;
	struct mallinfo2 mi;
	double t0, t1;
	long long res;

	/* Every line out at once, even into a file, even if a fault kills us. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "acm:s:l:n:w:W:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			anon = 1;
			break;
		case 'c':
			check_arena = 1;
			break;
		case 't':
			self = 1;
			break;
		case 'm':
			mb = parse_number(optarg, 0, 0);
			if (mb > 1 << 20)
				bad_usage("-m too large: ", optarg);
			break;
		case 's':
			seed = parse_number(optarg, 0, 1);
			break;
		case 'l':
			preset = strtoull(optarg, NULL, 10);
			if (!*optarg || optarg[strspn(optarg, "0123456789")] || preset > 9)
				bad_usage("-l takes a preset 0..9: ", optarg);
			break;
		case 'n':
			size = parse_number(optarg, 1, 0);
			break;
		case 'w':
			window = parse_number(optarg, 0, 0);
			break;
		case 'W':
			budget = parse_number(optarg, 0, 0);
			break;
		default:
			bad_usage(NULL, NULL);
		}
	}
	if (optind < argc)
		name = argv[optind];
	if (self) {
		if (optind < argc)
			bad_usage("--self-test runs no workload: ", argv[optind]);
		size = size ? size : 200000;
		if (!mb)
			mb = 8;
	} else if (optind == argc) {
		bad_usage("no workload", NULL);
	} else if (optind < argc - 1) {
		bad_usage("one workload only: ", argv[optind + 1]);
	} else if (!strcmp(name, "sort")) {
		size = size ? size : 250000;
		if (size > (1ULL << 40) / REC)
			bad_usage("-n too large for sort", NULL);
		if (!mb)
			mb = (2 * size * REC + (1 << 20) - 1) / (1 << 20) + 1;
	} else if (!strcmp(name, "xz")) {
		size = size ? size : 2800 << 10;
		if (size > 1ULL << 34)
			bad_usage("-n too large for xz", NULL);
		if (!mb)
			mb = xz_arena_mb(size, preset);
	} else if (!strcmp(name, "sqlite")) {
		size = size ? size : 37000;
		if (size > INT32_MAX / ORDERS_EACH)
			bad_usage("-n too large for sqlite", NULL);
		if (!mb)
			mb = sqlite_arena_mb(size);
	} else {
		bad_usage("no such workload: ", name);
	}

	if (window && anon)
		bad_usage("-w sets shadowmm's fault window: --anon's memory has none", NULL);

	if (getenv("SMM_WORKLOAD_DEV"))
		dev_path = getenv("SMM_WORKLOAD_DEV");
	if (getenv("SMM_WORKLOAD_DEBUGFS"))
		snprintf(knobs_path, sizeof(knobs_path), "%s/knobs", getenv("SMM_WORKLOAD_DEBUGFS"));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	if (window)
		window_save();
	arena.size = mb << 20;
	flags = MAP_PRIVATE | MAP_ANONYMOUS;
	if (!anon) {
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(dev_path);
		flags = MAP_SHARED;
	}
	arena.base = mmap(NULL, arena.size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (arena.base == MAP_FAILED)
		die("mmap");
	/* The mapping keeps the object alive; -W reads its fault counts. */
	if (fd >= 0 && budget)
		arena_fd = fd;
	else if (fd >= 0)
		close(fd);
	printf("arena: %llu MiB, %s\n", mb,
	       anon ? "private anonymous (--anon)" : "MAP_SHARED of /dev/shadowmm");

	t0 = now();
	if (self)
		self_test(size);
	else if (!strcmp(name, "sort"))
		run_sort(size);
	else if (!strcmp(name, "xz"))
		run_xz(size, preset);
	else
		run_sqlite(size);
	t1 = now();
	record_done(name);

	res = touched();
	mi = mallinfo2();
	printf("arena: high-water %.1f MiB, %.1f MiB touched, libc heap %zu KiB, %.2f s\n",
	       arena.high / MiB, res < 0 ? -1.0 : res / MiB, mi.uordblks >> 10, t1 - t0);
	return 0;
}
