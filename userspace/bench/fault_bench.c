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
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static int map_range(enum backend b, size_t len, struct range *r)
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
	r->p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, r->fd, 0);
	if (r->p == MAP_FAILED) {
		fprintf(stderr, "fault_bench: mmap %s: %s\n", backend_name[b], strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		return -1;
	}
	/* One fault per 4 KiB page on every backend (EINVAL without THP). */
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
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->sum = touch(w->p, w->len, w->a);
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

	if (map_range(b, len, &r))
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
		t0 = now_ns();
		for (i = 0; i < threads; i++)
			pthread_join(w[i].tid, NULL);
		t1 = now_ns();
		pthread_barrier_destroy(&start);
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
	fprintf(stderr, "usage: fault_bench [-q] [-r REPEATS] [-s MiB,...] [-t THREADS,...]\n");
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

int main(int argc, char **argv)
{
	int sizes[MAX_SIZES] = { 1, 8, 32, 128 }, nsizes = 4;
	int threads[MAX_THREADS] = { 1, 2 }, nthreads = 2;
	static struct result res[NR_ACCESS * MAX_THREADS * MAX_SIZES];
	static uint64_t samples[NR_BACKENDS][MAX_REPEATS];
	int repeats = 15, nres = 0, opt, a, t, s, rep, i, b;
	long long smm_free;

	while ((opt = getopt(argc, argv, "qr:s:t:")) != -1) {
		switch (opt) {
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
