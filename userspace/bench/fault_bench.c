// SPDX-License-Identifier: GPL-2.0
/*
 * fault_bench: first-touch page faults on /dev/shadowmm against the
 * kernel's own MAP_ANONYMOUS and memfd MAP_SHARED, in the same run.
 *
 *   fault_bench [-q] [-r REPEATS] [-s MiB,MiB,...] [-t THREADS,...]
 *
 * For each access (write, read), thread count (1, 2: each thread touches
 * its half of the range) and size (1, 8, 32, 128 MiB), every repeat maps a
 * fresh range on each backend in turn (A/B/C, the order rotating from one
 * repeat to the next) and times touching one byte of every page, so each
 * touch is one first-touch fault.  Mapping and unmapping are not timed.
 * Medians over the repeats; faults per second = pages / median time.
 * Beside each median, the spread of the repeats: in the table, faults per
 * second as "median (slowest-fastest)" in thousands; in the CSV, each
 * backend's fastest and slowest time (the *_min_ns, *_max_ns columns,
 * after the columns of medians and ratios).
 *
 * Read faults on MAP_ANONYMOUS map the shared zero page and allocate
 * nothing; memfd and shadowmm allocate and zero a page on a read fault
 * too.  Transparent huge pages are refused (MADV_NOHUGEPAGE) so every
 * backend takes one fault per 4 KiB page.
 *
 * Prints a table, then a CSV block (header "case,access,threads,...").
 *
 *   fault_bench -p [-q] [-r REPEATS] [-m MiB]
 *
 * The page-size rows instead: first-touch writes of a 32 MiB range (-m),
 * one byte every 4 KiB, with anonymous memory at 4 KiB (every THP size
 * off), at 64 KiB (mTHP: hugepages-64kB only) and at 2 MiB (THP always:
 * hugepages-2048kB only), set in sysfs for the row and put back after.
 * shadowmm's fault_order knob is 0 in the 4 KiB row and 4 in the others
 * (a first touch makes and maps a 64 KiB block), and its huge knob always
 * in the 2 MiB row (a first touch there makes a PMD-sized folio and the
 * kernel maps it with one PMD), set for the row and put back after; memfd takes one
 * fault per 4 KiB page in every row (shmem's huge pages are off).  Faults are counted
 * (getrusage() minor faults over the timed pass, not assumed), and the
 * page size each side really used is the range over its faults; the
 * anonymous side's large pages are counted too (the size's
 * stats/anon_fault_alloc), so a row whose anonymous memory fell back to
 * smaller pages says so.  Bytes per second and faults per second, medians
 * with the spread; CSV header "case,row_kib,...".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define DEV		"/dev/shadowmm"
#define MEMINFO		"/sys/kernel/debug/shadowmm/meminfo"
#define MAX_SIZES	16
#define MAX_THREADS	8
#define MAX_REPEATS	101
#define CSV_HEADER	"case,access,threads,size_mib,pages,shadowmm_ns,anon_ns,memfd_ns,shadowmm_fps,anon_fps,memfd_fps,shadowmm_over_memfd,shadowmm_over_anon,shadowmm_min_ns,shadowmm_max_ns,anon_min_ns,anon_max_ns,memfd_min_ns,memfd_max_ns"

enum backend { SMM, ANON, MEMFD, NR_BACKENDS };
static const char * const backend_name[NR_BACKENDS] = { "shadowmm", "anon", "memfd" };

enum access { WRITE, READ, NR_ACCESS };
static const char * const access_name[NR_ACCESS] = { "write", "read" };

static long page_size;

struct range {
	char *p;
	size_t len;
	int fd;
};

/*
 * Map @len at a 2 MiB boundary, so that shadowmm's blocks (fault_order)
 * never straddle a page table: reserve more, map over the reservation,
 * give back what is left of it on either side.
 */
static void *map_pmd_aligned(size_t len, int flags, int fd)
{
	size_t align = 2 << 20;
	char *r = mmap(NULL, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (r == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)r + align - 1) & ~(uintptr_t)(align - 1));
	if (mmap(p, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0) == MAP_FAILED) {
		munmap(r, len + align);
		return MAP_FAILED;
	}
	if (p > r)
		munmap(r, p - r);
	if (r + len + align > p + len)
		munmap(p + len, r + len + align - (p + len));
	return p;
}

/*
 * @nohuge: MADV_NOHUGEPAGE on the range (one fault per 4 KiB page); the
 * page-size rows leave it to their THP and knob settings instead.
 */
static int map_range(enum backend b, size_t len, struct range *r, bool nohuge)
{
	int flags = MAP_SHARED;

	r->len = len;
	r->fd = -1;
	switch (b) {
	case SMM:
		r->fd = open(DEV, O_RDWR | O_CLOEXEC);
		break;
	case MEMFD:
		r->fd = memfd_create("fault_bench", MFD_CLOEXEC);
		if (r->fd >= 0 && ftruncate(r->fd, len)) {
			close(r->fd);
			r->fd = -1;
		}
		break;
	case ANON:
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	default:
		return -1;
	}
	if (b != ANON && r->fd < 0) {
		fprintf(stderr, "fault_bench: %s: %s\n", backend_name[b], strerror(errno));
		return -1;
	}
	r->p = map_pmd_aligned(len, flags, r->fd);
	if (r->p == MAP_FAILED) {
		fprintf(stderr, "fault_bench: mmap %s: %s\n", backend_name[b], strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		return -1;
	}
	/* One fault per 4 KiB page on every backend (EINVAL without THP). */
	if (nohuge)
		madvise(r->p, len, MADV_NOHUGEPAGE);
	return 0;
}

static void unmap_range(struct range *r)
{
	munmap(r->p, r->len);
	if (r->fd >= 0)
		close(r->fd);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long touch(char *p, size_t len, enum access a)
{
	unsigned long sum = 0;
	size_t off;

	if (a == WRITE) {
		for (off = 0; off < len; off += page_size)
			p[off] = 1;
	} else {
		for (off = 0; off < len; off += page_size)
			sum += __atomic_load_n(p + off, __ATOMIC_RELAXED);
	}
	return sum;
}

struct worker {
	pthread_t tid;
	pthread_barrier_t *start;
	char *p;
	size_t len;
	enum access a;
	unsigned long sum;
	uint64_t t0, t1;	/* this worker's own start and end */
};

/*
 * Each worker times itself: a clock read by the main thread after the
 * barrier can start after the workers did, even after they finished.
 */
static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->t0 = now_ns();
	w->sum = touch(w->p, w->len, w->a);
	w->t1 = now_ns();
	return NULL;
}

/* One timed pass over a fresh range; nanoseconds, or 0 on failure. */
static uint64_t one_run(enum backend b, size_t len, enum access a, int threads)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	size_t pages = len / page_size, per = pages / threads;
	struct range r;
	uint64_t t0, t1;
	int i, bad = 0;

	if (map_range(b, len, &r, true))
		return 0;
	if (threads == 1) {
		t0 = now_ns();
		w[0].sum = touch(r.p, len, a);
		t1 = now_ns();
	} else {
		pthread_barrier_init(&start, NULL, threads + 1);
		for (i = 0; i < threads; i++) {
			w[i].start = &start;
			w[i].p = r.p + i * per * page_size;
			w[i].len = (i == threads - 1 ? pages - i * per : per) * page_size;
			w[i].a = a;
			if (pthread_create(&w[i].tid, NULL, worker_fn, &w[i])) {
				fprintf(stderr, "fault_bench: pthread_create failed\n");
				exit(1);
			}
		}
		pthread_barrier_wait(&start);
		for (i = 0; i < threads; i++)
			pthread_join(w[i].tid, NULL);
		pthread_barrier_destroy(&start);
		/* From the first worker's start to the last one's end. */
		t0 = w[0].t0;
		t1 = w[0].t1;
		for (i = 1; i < threads; i++) {
			t0 = w[i].t0 < t0 ? w[i].t0 : t0;
			t1 = w[i].t1 > t1 ? w[i].t1 : t1;
		}
	}
	/* Every page was really touched: writes are there, reads saw zeroes. */
	if (a == WRITE)
		bad = r.p[0] != 1 || r.p[len - page_size] != 1;
	else
		for (i = 0; i < threads; i++)
			bad |= w[i].sum != 0;
	unmap_range(&r);
	if (bad) {
		fprintf(stderr, "fault_bench: %s: wrong bytes after the %s pass\n",
			backend_name[b], access_name[a]);
		exit(1);
	}
	return t1 - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* shadowmm's free memory in bytes (debugfs meminfo MemFree), or -1. */
static long long smm_free_bytes(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen(MEMINFO, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static int parse_list(const char *s, int *out, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		long v = strtol(s, &end, 10);

		if (end == s || v <= 0)
			return -1;
		out[n++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: fault_bench [-q] [-r REPEATS] [-s MiB,...] [-t THREADS,...]\n"
		"       fault_bench -p [-q] [-r REPEATS] [-m MiB]\n");
	exit(2);
}

struct result {
	int access, threads, mib;
	uint64_t ns[NR_BACKENDS];	/* median; 0: not measured */
	uint64_t min[NR_BACKENDS];	/* the fastest repeat */
	uint64_t max[NR_BACKENDS];	/* and the slowest */
};

static double fps(uint64_t ns, size_t pages)
{
	return ns ? pages * 1e9 / ns : 0;
}

/* Thousands of faults per second, "median (slowest-fastest)", or n/a. */
static const char *fps_cell(char *buf, size_t size, const struct result *r, int b,
			    size_t pages)
{
	if (!r->ns[b])
		return "n/a";
	snprintf(buf, size, "%.1fk (%.1f-%.1f)", fps(r->ns[b], pages) / 1e3,
		 fps(r->max[b], pages) / 1e3, fps(r->min[b], pages) / 1e3);
	return buf;
}

/*
 * The page-size rows (-p).  Each row sets the kernel's transparent huge
 * pages so that anonymous memory faults in pages of the row's size, then
 * times first-touch writes on the three backends.
 */
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"
#define THP_SIZES	{ 16, 32, 64, 128, 256, 512, 1024, 2048 }
#define NR_THP_SIZES	8
#define NR_THP_KNOBS	(2 + 2 * NR_THP_SIZES)
#define NR_ROWS		3
#define PS_HEADER	"case,row_kib,size_mib,shadowmm_page_kib,anon_page_kib,memfd_page_kib,shadowmm_faults,anon_faults,memfd_faults,anon_large_want,anon_large_min,shadowmm_ns,anon_ns,memfd_ns,shadowmm_mibps,anon_mibps,memfd_mibps,shadowmm_fps,anon_fps,memfd_fps,shadowmm_over_anon_bps,shadowmm_over_anon_fps,shadowmm_min_ns,shadowmm_max_ns,anon_min_ns,anon_max_ns,memfd_min_ns,memfd_max_ns"

static const int row_kib[NR_ROWS] = { 4, 64, 2048 };
static const char * const row_anon[NR_ROWS] = { "THP off", "mTHP 64K", "THP always" };

/* One sysfs setting, as found, to be put back. */
struct thp_knob {
	char path[128];
	char was[32];	/* the selected word; "" when the file is absent */
};

/* [0] enabled, [1] shmem_enabled, then each size's enabled, shmem_enabled. */
static struct thp_knob thp_knobs[NR_THP_KNOBS];
static int thp_saved;

/* The selected word of a sysfs choice ("always [madvise] never"), or "". */
static void thp_read(const char *path, char *out, size_t size)
{
	char buf[256], *a, *b;
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		a = strchr(buf, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b && (size_t)(b - a) <= size) {
			*b = '\0';
			snprintf(out, size, "%s", a + 1);
		}
	}
	fclose(f);
}

static int thp_write(const char *path, const char *word)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(word, f) < 0;
	ret |= fclose(f) != 0;
	if (ret)
		fprintf(stderr, "fault_bench: %s <- %s: %s\n", path, word, strerror(errno));
	return ret ? -1 : 0;
}

static void thp_restore(void)
{
	int i;

	if (!thp_saved)
		return;
	for (i = 0; i < NR_THP_KNOBS; i++)
		if (thp_knobs[i].was[0])
			thp_write(thp_knobs[i].path, thp_knobs[i].was);
	thp_saved = 0;
}

static void thp_save(void)
{
	static const int kib[NR_THP_SIZES] = THP_SIZES;
	int i;

	snprintf(thp_knobs[0].path, sizeof(thp_knobs[0].path), THP_DIR "/enabled");
	snprintf(thp_knobs[1].path, sizeof(thp_knobs[1].path), THP_DIR "/shmem_enabled");
	for (i = 0; i < NR_THP_SIZES; i++) {
		snprintf(thp_knobs[2 + 2 * i].path, sizeof(thp_knobs[0].path),
			 THP_DIR "/hugepages-%dkB/enabled", kib[i]);
		snprintf(thp_knobs[3 + 2 * i].path, sizeof(thp_knobs[0].path),
			 THP_DIR "/hugepages-%dkB/shmem_enabled", kib[i]);
	}
	for (i = 0; i < NR_THP_KNOBS; i++)
		thp_read(thp_knobs[i].path, thp_knobs[i].was, sizeof(thp_knobs[i].was));
	thp_saved = 1;
	atexit(thp_restore);
}

/*
 * Anonymous memory in pages of @kib only (4: none huge); shmem never huge,
 * so memfd stays at 4 KiB.  0, or -1 when the kernel lacks the size.
 */
static int thp_set(int kib)
{
	static const int sizes[NR_THP_SIZES] = THP_SIZES;
	int i, found = kib == 4, bad = 0;

	if (!thp_knobs[0].was[0])
		return kib == 4 ? 0 : -1;
	bad |= thp_write(thp_knobs[0].path, kib == 2048 ? "always" : "never");
	if (thp_knobs[1].was[0])
		bad |= thp_write(thp_knobs[1].path, "never");
	for (i = 0; i < NR_THP_SIZES; i++) {
		if (thp_knobs[2 + 2 * i].was[0]) {
			bad |= thp_write(thp_knobs[2 + 2 * i].path,
					 sizes[i] == kib ? "always" : "never");
			found |= sizes[i] == kib;
		}
		if (thp_knobs[3 + 2 * i].was[0])
			bad |= thp_write(thp_knobs[3 + 2 * i].path, "never");
	}
	/* A kernel without per-size knobs has PMD-sized THP alone. */
	if (kib == 2048 && !thp_knobs[2 + 2 * 7].was[0])
		found = 1;
	return found && !bad ? 0 : -1;
}

/* Anonymous pages of @kib faulted in as such so far (mTHP stats), or -1. */
static long long thp_fault_alloc(int kib)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), THP_DIR "/hugepages-%dkB/stats/anon_fault_alloc", kib);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

struct ps_sample {
	uint64_t ns;
	long faults;
	long long large;	/* anon: pages of the row's size it got; -1 n/a */
};

/*
 * One timed write pass over a fresh range of @len, 2 MiB aligned so that
 * anonymous memory may take pages of any size; 0 in ->ns on failure.
 */
static struct ps_sample ps_run(enum backend b, size_t len, int kib)
{
	struct ps_sample out = { 0, 0, -1 };
	size_t align = 2 << 20, off;
	long long large0 = -1;
	struct range r;
	uint64_t t0;
	long f0;
	char *p;

	if (b == ANON) {
		r.fd = -1;
		r.len = len + align;
		r.p = mmap(NULL, r.len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r.p == MAP_FAILED) {
			fprintf(stderr, "fault_bench: mmap anon: %s\n", strerror(errno));
			return out;
		}
		p = (char *)(((uintptr_t)r.p + align - 1) & ~(uintptr_t)(align - 1));
		if (kib > 4)
			large0 = thp_fault_alloc(kib);
	} else {
		if (map_range(b, len, &r, false))
			return out;
		p = r.p;
	}
	f0 = minflt();
	t0 = now_ns();
	for (off = 0; off < len; off += page_size)
		p[off] = 1;
	out.ns = now_ns() - t0;
	out.faults = minflt() - f0;
	if (large0 >= 0)
		out.large = thp_fault_alloc(kib) - large0;
	else if (b == ANON && kib == 4)
		out.large = 0;
	if (p[0] != 1 || p[len - page_size] != 1) {
		fprintf(stderr, "fault_bench: %s: wrong bytes after the write pass\n",
			backend_name[b]);
		exit(1);
	}
	unmap_range(&r);
	return out;
}

static long median_long(long *v, int n)
{
	uint64_t u[MAX_REPEATS];
	int i;

	for (i = 0; i < n; i++)
		u[i] = v[i];
	return median(u, n);
}

struct ps_result {
	int kib, ok;			/* ok: the kernel has the row's size */
	uint64_t ns[NR_BACKENDS], min[NR_BACKENDS], max[NR_BACKENDS];
	long faults[NR_BACKENDS];	/* median over the repeats */
	long long large_min;		/* anon: fewest pages of the size got */
	long large_want;
};

static double mibps(size_t len, uint64_t ns)
{
	return ns ? (double)len / (1 << 20) * 1e9 / ns : 0;
}

/* The page size a side really used: the range over its faults, in KiB. */
static double used_kib(size_t len, long faults)
{
	return faults > 0 ? (double)len / 1024 / faults : 0;
}

#define KNOBS	"/sys/kernel/debug/shadowmm/knobs"

/* shadowmm's fault_order knob now, or -1. */
static int smm_fault_order(void)
{
	char line[128];
	int v = -1;
	FILE *f = fopen(KNOBS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "fault_order %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int smm_set_fault_order(int order)
{
	char line[32];
	int fd = open(KNOBS, O_WRONLY), n, ok;

	if (fd < 0)
		return -1;
	n = snprintf(line, sizeof(line), "fault_order %d\n", order);
	ok = write(fd, line, n) == n;
	close(fd);
	if (!ok)
		fprintf(stderr, "fault_bench: fault_order %d: %s\n", order, strerror(errno));
	return ok ? 0 : -1;
}

/* shadowmm's huge knob now ("never", "always", "advise"), or "" without one. */
static void smm_huge_mode(char *mode, size_t size)
{
	char line[128];
	FILE *f = fopen(KNOBS, "r");

	mode[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "huge %15s", mode) == 1)
			break;
	fclose(f);
}

/*
 * The huge knob set to @mode; a kernel without PMD-sized folios refuses
 * anything but never (EOPNOTSUPP): its 2 MiB row then maps 64 KiB blocks,
 * which the page size column shows.
 */
static void smm_set_huge(const char *mode)
{
	char line[32];
	int fd = open(KNOBS, O_WRONLY), n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "huge %s\n", mode);
	if (write(fd, line, n) != n && errno != EOPNOTSUPP)
		fprintf(stderr, "fault_bench: huge %s: %s\n", mode, strerror(errno));
	close(fd);
}

static int page_size_rows(int repeats, int mib)
{
	static struct ps_sample smp[NR_BACKENDS][MAX_REPEATS];
	struct ps_result res[NR_ROWS];
	size_t len = (size_t)mib << 20;
	int row, rep, i, b, fault_order_was;
	char huge_was[16];

	fault_order_was = smm_fault_order();
	smm_huge_mode(huge_was, sizeof(huge_was));
	thp_save();
	printf("fault page-size benchmark: first-touch writes of %d MiB, one byte every %ld bytes, medians of %d\n",
	       mib, page_size, repeats);
	printf("(shadowmm: fault_order 0 in the 4 KiB row, 4 (64 KiB blocks) in the others, huge always in the 2 MiB row;\n");
	printf("memfd: %ld-byte pages in every row, shmem huge pages off;\n", page_size);
	printf("anon at the row's page size; page = the size each side really faulted in, range/faults;\n");
	printf("MiB/s and thousands of faults/s, median (slowest-fastest repeat))\n");
	printf("%-5s %-10s %-9s %9s %8s | %26s %24s\n", "row", "anon THP", "side", "page KiB",
	       "faults", "MiB/s", "k faults/s");
	fflush(stdout);

	for (row = 0; row < NR_ROWS; row++) {
		struct ps_result *r = &res[row];
		size_t want;

		memset(r, 0, sizeof(*r));
		r->kib = row_kib[row];
		r->large_min = -1;
		want = len / ((size_t)r->kib << 10);
		r->large_want = r->kib > 4 ? (long)want : 0;
		r->ok = !thp_set(r->kib) && !smm_set_fault_order(r->kib > 4 ? 4 : 0);
		smm_set_huge(r->kib == 2048 ? "always" : "never");
		if (!r->ok) {
			printf("%-5s %-10s kernel has no %d KiB anonymous pages (or THP knobs unwritable): row skipped\n",
			       r->kib == 4 ? "4K" : r->kib == 64 ? "64K" : "2M", row_anon[row], r->kib);
			continue;
		}
		for (rep = 0; rep < repeats; rep++) {
			for (i = 0; i < NR_BACKENDS; i++) {
				b = (i + rep) % NR_BACKENDS;
				smp[b][rep] = ps_run(b, len, r->kib);
			}
		}
		for (b = 0; b < NR_BACKENDS; b++) {
			uint64_t ns[MAX_REPEATS];
			long faults[MAX_REPEATS];
			int ok = 1;

			for (rep = 0; rep < repeats; rep++) {
				ns[rep] = smp[b][rep].ns;
				faults[rep] = smp[b][rep].faults;
				ok &= ns[rep] != 0;
				if (b == ANON && (r->large_min < 0 || smp[b][rep].large < r->large_min))
					r->large_min = smp[b][rep].large;
			}
			r->ns[b] = ok ? median(ns, repeats) : 0;
			r->min[b] = ok ? ns[0] : 0;
			r->max[b] = ok ? ns[repeats - 1] : 0;
			r->faults[b] = median_long(faults, repeats);
		}
		for (b = 0; b < NR_BACKENDS; b++) {
			char page[32], bw[48], fs[48];

			snprintf(page, sizeof(page), "%.1f", used_kib(len, r->faults[b]));
			if (b == ANON && r->kib > 4 && r->large_min != r->large_want)
				snprintf(page, sizeof(page), "%.1f!", used_kib(len, r->faults[b]));
			if (r->ns[b]) {
				snprintf(bw, sizeof(bw), "%.0f (%.0f-%.0f)", mibps(len, r->ns[b]),
					 mibps(len, r->max[b]), mibps(len, r->min[b]));
				snprintf(fs, sizeof(fs), "%.1fk (%.1f-%.1f)",
					 r->faults[b] * 1e6 / r->ns[b],
					 r->faults[b] * 1e6 / r->max[b],
					 r->faults[b] * 1e6 / r->min[b]);
			} else {
				snprintf(bw, sizeof(bw), "n/a");
				snprintf(fs, sizeof(fs), "n/a");
			}
			printf("%-5s %-10s %-9s %9s %8ld | %26s %24s\n",
			       b ? "" : r->kib == 4 ? "4K" : r->kib == 64 ? "64K" : "2M",
			       b ? "" : row_anon[row], backend_name[b], page, r->faults[b], bw, fs);
		}
		if (r->kib > 4)
			printf("%-5s anon got %lld of %ld pages of %d KiB in its worst repeat%s\n", "",
			       r->large_min, r->large_want, r->kib,
			       r->large_min == r->large_want ? "" :
			       " (!: it fell back to smaller pages: not the row's page size)");
		if (r->ns[SMM] && r->ns[ANON])
			printf("%-5s shadowmm/anon: bytes/s %.3f, faults/s %.3f\n", "",
			       (double)r->ns[ANON] / r->ns[SMM],
			       (double)r->faults[SMM] * r->ns[ANON] / r->faults[ANON] / r->ns[SMM]);
		fflush(stdout);
	}
	thp_restore();
	if (fault_order_was >= 0)
		smm_set_fault_order(fault_order_was);
	if (huge_was[0])
		smm_set_huge(huge_was);

	printf("\n%s\n", PS_HEADER);
	for (row = 0; row < NR_ROWS; row++) {
		struct ps_result *r = &res[row];

		if (!r->ok)
			continue;
		printf("fault_size,%d,%d", r->kib, mib);
		for (b = 0; b < NR_BACKENDS; b++)
			printf(",%.1f", used_kib(len, r->faults[b]));
		for (b = 0; b < NR_BACKENDS; b++)
			printf(",%ld", r->faults[b]);
		printf(",%ld,%lld", r->large_want, r->large_min);
		for (b = 0; b < NR_BACKENDS; b++)
			printf(",%llu", (unsigned long long)r->ns[b]);
		for (b = 0; b < NR_BACKENDS; b++)
			printf(",%.1f", mibps(len, r->ns[b]));
		for (b = 0; b < NR_BACKENDS; b++)
			printf(",%.0f", r->ns[b] ? r->faults[b] * 1e9 / r->ns[b] : 0);
		if (r->ns[SMM] && r->ns[ANON] && r->faults[ANON])
			printf(",%.3f,%.3f", (double)r->ns[ANON] / r->ns[SMM],
			       (double)r->faults[SMM] * r->ns[ANON] / r->faults[ANON] / r->ns[SMM]);
		else
			printf(",,");
		for (b = 0; b < NR_BACKENDS; b++)
			printf(",%llu,%llu", (unsigned long long)r->min[b],
			       (unsigned long long)r->max[b]);
		printf("\n");
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int sizes[MAX_SIZES] = { 1, 8, 32, 128 }, nsizes = 4;
	int threads[MAX_THREADS] = { 1, 2 }, nthreads = 2;
	static struct result res[NR_ACCESS * MAX_THREADS * MAX_SIZES];
	static uint64_t samples[NR_BACKENDS][MAX_REPEATS];
	int repeats = 15, nres = 0, opt, a, t, s, rep, i, b, psize = 0, ps_mib = 32;
	long long smm_free;

	while ((opt = getopt(argc, argv, "pm:qr:s:t:")) != -1) {
		switch (opt) {
		case 'p':
			psize = 1;
			break;
		case 'm':
			ps_mib = atoi(optarg);
			if (ps_mib < 2 || ps_mib % 2)
				bad_usage();
			break;
		case 'q':
			repeats = 5;
			break;
		case 'r':
			repeats = atoi(optarg);
			if (repeats < 1 || repeats > MAX_REPEATS)
				bad_usage();
			break;
		case 's':
			nsizes = parse_list(optarg, sizes, MAX_SIZES);
			if (nsizes <= 0)
				bad_usage();
			break;
		case 't':
			nthreads = parse_list(optarg, threads, MAX_THREADS);
			if (nthreads <= 0)
				bad_usage();
			break;
		default:
			bad_usage();
		}
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (psize)
		return page_size_rows(repeats, ps_mib);
	smm_free = smm_free_bytes();

	printf("fault benchmark: first-touch faults, one per %ld-byte page, medians of %d\n",
	       page_size, repeats);
	printf("(thousands of faults per second, median (slowest-fastest repeat); ratio = shadowmm\n");
	printf("faults/s over the other's, median over median: > 1 is faster)\n");
	printf("%-6s %3s %6s %9s | %22s %22s %22s | %8s %8s\n", "access", "thr", "MiB", "pages",
	       "shadowmm k/s", "anon k/s", "memfd k/s", "smm/memfd", "smm/anon");
	fflush(stdout);

	for (a = 0; a < NR_ACCESS; a++) {
		for (t = 0; t < nthreads; t++) {
			for (s = 0; s < nsizes; s++) {
				size_t len = (size_t)sizes[s] << 20, pages = len / page_size;
				struct result *r = &res[nres++];
				/* shadowmm needs the frames (and some for its metadata). */
				int smm_fits = smm_free < 0 || (long long)len <= smm_free - (4 << 20);
				double f[NR_BACKENDS];
				char cell[NR_BACKENDS][48];

				memset(r, 0, sizeof(*r));
				r->access = a;
				r->threads = threads[t];
				r->mib = sizes[s];
				for (rep = 0; rep < repeats; rep++) {
					for (i = 0; i < NR_BACKENDS; i++) {
						b = (i + rep) % NR_BACKENDS;
						samples[b][rep] = b == SMM && !smm_fits ? 0 :
							one_run(b, len, a, threads[t]);
					}
				}
				for (b = 0; b < NR_BACKENDS; b++) {
					int ok = 1;

					for (rep = 0; rep < repeats; rep++)
						ok &= samples[b][rep] != 0;
					r->ns[b] = ok ? median(samples[b], repeats) : 0;
					/* median() sorted them. */
					r->min[b] = ok ? samples[b][0] : 0;
					r->max[b] = ok ? samples[b][repeats - 1] : 0;
					f[b] = fps(r->ns[b], pages);
				}
				printf("%-6s %3d %6d %9zu | %22s %22s %22s | ",
				       access_name[a], threads[t], sizes[s], pages,
				       fps_cell(cell[SMM], sizeof(cell[SMM]), r, SMM, pages),
				       fps_cell(cell[ANON], sizeof(cell[ANON]), r, ANON, pages),
				       fps_cell(cell[MEMFD], sizeof(cell[MEMFD]), r, MEMFD, pages));
				if (f[SMM] && f[MEMFD] && f[ANON])
					printf("%8.3f %8.3f\n", f[SMM] / f[MEMFD], f[SMM] / f[ANON]);
				else
					printf("%8s %8s\n", "n/a", "n/a");
				fflush(stdout);
			}
		}
	}

	printf("\n%s\n", CSV_HEADER);
	for (i = 0; i < nres; i++) {
		struct result *r = &res[i];
		size_t pages = ((size_t)r->mib << 20) / page_size;
		double fs = fps(r->ns[SMM], pages), fa = fps(r->ns[ANON], pages);
		double fm = fps(r->ns[MEMFD], pages);

		printf("fault,%s,%d,%d,%zu,%llu,%llu,%llu,%.0f,%.0f,%.0f,", access_name[r->access],
		       r->threads, r->mib, pages, (unsigned long long)r->ns[SMM],
		       (unsigned long long)r->ns[ANON], (unsigned long long)r->ns[MEMFD],
		       fs, fa, fm);
		if (fs && fm && fa)
			printf("%.3f,%.3f", fs / fm, fs / fa);
		else
			printf(",");
		for (b = 0; b < NR_BACKENDS; b++) {
			if (r->ns[b])
				printf(",%llu,%llu", (unsigned long long)r->min[b],
				       (unsigned long long)r->max[b]);
			else
				printf(",,");
		}
		printf("\n");
	}
	printf("\n");
	return 0;
}
