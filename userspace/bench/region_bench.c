// SPDX-License-Identifier: GPL-2.0
/*
 * region_bench: how shadowmm's costs scale with the size of its region.
 *
 *   region_bench -k MODULE.ko -m SIZE_MB [-r REPEATS] [-s SWAP_MB]
 *                [-t TOUCH_PCT] [-c CAP_MB] [-H]
 *
 * One region size per run, shadowmm not loaded before; REPEATS (default
 * 3) times, each a load of its own:
 *
 *  1. load: finit_module() of MODULE.ko with "size_mb=SIZE_MB
 *     swap_mb=SWAP_MB" (default swap_mb: twice the region), timed; the
 *     kernel's MemFree before and after it (what the load took from the
 *     kernel, region included), and the module's own account of its
 *     metadata (debugfs region: "metadata:", the frame descriptors and
 *     chunk tables);
 *  2. validate on the idle region, timed, must read "ok";
 *  3. first touch: one MAP_SHARED mapping of /dev/shadowmm; its first
 *     TOUCH_PCT (default 85) % of the pool's free pages are written once
 *     each (a stamp in the first and last word of the page: one
 *     first-touch write fault a page), timed -> ns per fault; then the
 *     rest of the free pages, untimed (kswapd wakes there).  Before it,
 *     WARMUP_PAGES pages of another object are touched and the object
 *     closed, untimed: the first faults after a load pay once for what
 *     the emulator translates of the newly loaded code and for lists
 *     that start empty, about 8 ms, which only the smallest region's
 *     few thousand timed faults would notice (its first quarter measured
 *     twice as dear as the rest);
 *  4. reclaim: half the region's frames more, at most CAP_MB (default
 *     64), written the same way, so every fault needs a frame reclaim
 *     frees; the time over the pages evicted meanwhile (pgsteal_kswapd
 *     + pgsteal_direct + pgsteal_zero of shadowmm's vmstat) -> ns per
 *     evicted page; how many of them direct reclaim took.  The cap keeps the run within minutes: the read-back
 *     below refaults every evicted page, at about a third of the
 *     eviction rate under emulation;
 *  5. verify: every page of the mapping read back, last first (the
 *     evicted ones refault from the store): the stamps, and zeroes
 *     everywhere else; any other byte is a failure;
 *  6. once reclaim is idle, validate again with the region full, timed,
 *     must read "ok";
 *  7. unmap, close, then delete_module(), timed.
 *
 * Prints each load's figures, then the medians and spreads of the costs
 * per page, then the CSV row (after its header with -H): the medians,
 * then each metric's min and max over the repeats.  Exit status: 0, or 1
 * on any failure (a load, a validate that is not "ok", a byte read back
 * wrong, nothing evicted, an unload refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DEV		"/dev/shadowmm"
#define DBG		"/sys/kernel/debug/shadowmm/"

static long page_size;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The number after @key on the first line of @path that starts with it
 * ("key value" or "key: value kB"); -1 when there is none.
 */
static long long file_value(const char *path, const char *key)
{
	size_t klen = strlen(key);
	long long v = -1;
	char line[256];
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "region_bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		v = strtoll(line + klen, NULL, 10);
		break;
	}
	fclose(f);
	return v;
}

static long long evicted_now(void)
{
	long long a = file_value(DBG "vmstat", "pgsteal_kswapd");
	long long b = file_value(DBG "vmstat", "pgsteal_direct");
	long long c = file_value(DBG "vmstat", "pgsteal_zero");

	if (a < 0 || b < 0 || c < 0)
		return -1;
	return a + b + c;
}

/* Read validate to its end, timed; 0 when it said exactly "ok". */
static int read_validate(uint64_t *ns)
{
	char buf[4096];
	size_t len = 0;
	uint64_t t0;
	ssize_t n;
	int fd;

	t0 = now_ns();
	fd = open(DBG "validate", O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "region_bench: validate: %s\n", strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += n;
		if (len == sizeof(buf) - 1)
			len = 0;	/* keep reading; the report is too long to be "ok" */
	}
	close(fd);
	*ns = now_ns() - t0;
	buf[len] = '\0';
	if (n < 0 || strcmp(buf, "ok\n")) {
		fprintf(stderr, "region_bench: validate did not say ok:\n%s\n", buf);
		return -1;
	}
	return 0;
}

static uint64_t stamp(size_t i)
{
	return 0x5348414430000000ULL ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void write_pages(char *p, size_t from, size_t to)
{
	size_t last = page_size / sizeof(uint64_t) - 1;
	size_t i;

	for (i = from; i < to; i++) {
		uint64_t *w = (uint64_t *)(p + i * page_size);

		w[0] = stamp(i);
		w[last] = ~stamp(i);
	}
}

/*
 * Pages of [from, to) whose bytes are not what write_pages() left.  Last
 * page first: the pages written last are the ones still resident, so
 * reading them first evicts nothing, and each evicted page then refaults
 * once (in address order, every read past the region would evict a page
 * read again later, and every page would refault).
 */
static size_t verify_pages(const char *p, size_t from, size_t to)
{
	size_t words = page_size / sizeof(uint64_t);
	size_t i, j, bad = 0;

	for (i = to; i-- > from;) {
		const uint64_t *w = (const uint64_t *)(p + i * page_size);
		int ok = w[0] == stamp(i) && w[words - 1] == ~stamp(i);

		for (j = 1; ok && j < words - 1; j++)
			ok = !w[j];
		if (!ok && bad++ < 5)
			fprintf(stderr, "region_bench: page %zu reads back wrong (first word %#llx)\n",
				i, (unsigned long long)w[0]);
	}
	return bad;
}

static int load(const char *ko, unsigned int mb, unsigned int swap_mb, uint64_t *ns)
{
	char params[64];
	uint64_t t0;
	int fd, ret;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "region_bench: %s: %s\n", ko, strerror(errno));
		return -1;
	}
	snprintf(params, sizeof(params), "size_mb=%u swap_mb=%u", mb, swap_mb);
	t0 = now_ns();
	ret = syscall(SYS_finit_module, fd, params, 0);
	*ns = now_ns() - t0;
	close(fd);
	if (ret) {
		fprintf(stderr, "region_bench: loading %s %s: %s\n", ko, params, strerror(errno));
		return -1;
	}
	return 0;
}

static int unload(uint64_t *ns)
{
	uint64_t t0 = now_ns();
	int ret = syscall(SYS_delete_module, "shadowmm", O_NONBLOCK);

	*ns = now_ns() - t0;
	if (ret)
		fprintf(stderr, "region_bench: unloading shadowmm: %s\n", strerror(errno));
	return ret ? -1 : 0;
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: region_bench -k MODULE.ko -m SIZE_MB [-r REPEATS] [-s SWAP_MB] [-t TOUCH_PCT] [-c CAP_MB] [-H]\n");
	exit(2);
}

struct opts {
	const char *ko;
	unsigned int mb, swap_mb, touch_pct, cap_mb;
};

/* One load-to-unload cycle's figures. */
struct run {
	uint64_t load_ns, unload_ns, val_ns, val_full_ns, touch_ns, reclaim_ns, verify_ns;
	long long frames, meta, took_kb, touch_evicted, evicted, direct, pswpout, majfaults;
	size_t touch, fill, reclaim, total;
};

/* Pages touched untimed in an object of their own before the timed touch. */
#define WARMUP_PAGES	256

/* First touches of a scratch object, freed again: 0, or -1 on failure. */
static int warm_up(void)
{
	size_t len = (size_t)WARMUP_PAGES * page_size;
	int fd = open(DEV, O_RDWR | O_CLOEXEC);
	char *p;

	if (fd < 0)
		return -1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;	/* what the caller reports, not close()'s */

		close(fd);
		errno = err;
		return -1;
	}
	write_pages(p, 0, WARMUP_PAGES);
	munmap(p, len);
	close(fd);
	return 0;
}

/* Write [from, to) and say how much was evicted meanwhile (-1: unknown). */
static long long write_timed(char *p, size_t from, size_t to, uint64_t *ns)
{
	long long e0 = evicted_now(), e1;
	uint64_t t0 = now_ns();

	write_pages(p, from, to);
	*ns = now_ns() - t0;
	e1 = evicted_now();
	return e0 < 0 || e1 < 0 ? -1 : e1 - e0;
}

/*
 * Wait (up to 3 s) until reclaim is idle: validate on a pool that kswapd
 * is still working on retakes its walks 20 ms apart, which would time the
 * retries, not the walk.
 */
static void settle(void)
{
	long long last = evicted_now(), now;
	int i;

	for (i = 0; i < 30; i++) {
		usleep(100 * 1000);
		now = evicted_now();
		if (now == last)
			break;
		last = now;
	}
}

/* Load, measure, verify, unload: 0, or -1 with the module unloaded. */
static int run_once(const struct opts *o, struct run *r)
{
	long long free_before, free_after, pool_free, out0, maj0, dir0;
	uint64_t t0, fill_ns;
	size_t bad, cap = (size_t)o->cap_mb * (1024 * 1024 / page_size);
	int fd;
	char *p;

	memset(r, 0, sizeof(*r));
	free_before = file_value("/proc/meminfo", "MemFree:");
	if (load(o->ko, o->mb, o->swap_mb, &r->load_ns))
		return -1;
	free_after = file_value("/proc/meminfo", "MemFree:");
	r->meta = file_value(DBG "region", "metadata:");
	r->frames = file_value(DBG "region", "present:");
	pool_free = file_value(DBG "meminfo", "MemFree:");
	if (free_before < 0 || free_after < 0 || r->meta < 0 || r->frames <= 0 ||
	    pool_free <= 0) {
		fprintf(stderr, "region_bench: could not read MemFree, the region or meminfo\n");
		goto fail_loaded;
	}
	r->took_kb = free_before - free_after;
	pool_free = pool_free * 1024 / page_size;
	if (read_validate(&r->val_ns))
		goto fail_loaded;

	/*
	 * touch: timed first-touch faults, well above the low watermark;
	 * fill: the rest of the free pages, untimed (kswapd wakes in it);
	 * reclaim: cap pages more, timed, each needing a frame reclaim frees.
	 */
	r->touch = (size_t)pool_free * o->touch_pct / 100;
	r->fill = (size_t)pool_free - r->touch;
	r->reclaim = (size_t)r->frames / 2 < cap ? (size_t)r->frames / 2 : cap;
	r->total = r->touch + r->fill + r->reclaim;
	if (warm_up()) {
		fprintf(stderr, "region_bench: warm-up object: %s\n", strerror(errno));
		goto fail_loaded;
	}
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "region_bench: %s: %s\n", DEV, strerror(errno));
		goto fail_loaded;
	}
	p = mmap(NULL, r->total * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "region_bench: mmap %zu pages: %s\n", r->total, strerror(errno));
		close(fd);
		goto fail_loaded;
	}

	r->touch_evicted = write_timed(p, 0, r->touch, &r->touch_ns);
	write_timed(p, r->touch, r->touch + r->fill, &fill_ns);
	out0 = file_value(DBG "vmstat", "pswpout");
	dir0 = file_value(DBG "vmstat", "pgsteal_direct");
	r->evicted = write_timed(p, r->touch + r->fill, r->total, &r->reclaim_ns);
	r->pswpout = file_value(DBG "vmstat", "pswpout") - out0;
	r->direct = file_value(DBG "vmstat", "pgsteal_direct") - dir0;

	maj0 = file_value(DBG "vmstat", "pgmajfault");
	t0 = now_ns();
	bad = verify_pages(p, 0, r->total);
	r->verify_ns = now_ns() - t0;
	r->majfaults = file_value(DBG "vmstat", "pgmajfault") - maj0;

	settle();
	if (read_validate(&r->val_full_ns)) {
		munmap(p, r->total * page_size);
		close(fd);
		goto fail_loaded;
	}
	munmap(p, r->total * page_size);
	close(fd);
	if (unload(&r->unload_ns))
		return -1;

	printf("region %u MiB (%lld frames, store %u MiB): load %.1f ms, unload %.1f ms, validate %.1f ms idle / %.1f ms full\n",
	       o->mb, r->frames, o->swap_mb, r->load_ns / 1e6, r->unload_ns / 1e6,
	       r->val_ns / 1e6, r->val_full_ns / 1e6);
	printf("  first touch: %zu pages in %.1f ms, %.0f faults/s (%lld evicted meanwhile)\n",
	       r->touch, r->touch_ns / 1e6, r->touch * 1e9 / r->touch_ns, r->touch_evicted);
	printf("  reclaim: %zu pages past the %zu free in %.1f ms, %lld evicted (%lld by direct reclaim, %lld to the store), %.0f pages/s\n",
	       r->reclaim, r->touch + r->fill, r->reclaim_ns / 1e6, r->evicted, r->direct,
	       r->pswpout, r->evicted * 1e9 / r->reclaim_ns);
	printf("  verify: %zu pages read back in %.1f ms, %lld major faults, %zu wrong\n",
	       r->total, r->verify_ns / 1e6, r->majfaults, bad);
	printf("  metadata %lld bytes (%.2f per frame); the load took %lld kB of the kernel's MemFree (region %u kB)\n",
	       r->meta, (double)r->meta / r->frames, r->took_kb, o->mb * 1024);
	if (bad) {
		fprintf(stderr, "region_bench: %zu of %zu pages read back wrong\n", bad, r->total);
		return -1;
	}
	if (r->evicted <= 0) {
		fprintf(stderr, "region_bench: writing past the region evicted nothing\n");
		return -1;
	}
	if (r->touch_evicted)
		fprintf(stderr, "region_bench: note: %lld pages evicted during the first touch\n",
			r->touch_evicted);
	return 0;

fail_loaded:
	unload(&r->unload_ns);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, lowest and highest of @n values (sorted in place). */
static void spread(double *v, int n, double out[3])
{
	qsort(v, n, sizeof(*v), cmp_double);
	out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out[1] = v[0];
	out[2] = v[n - 1];
}

enum metric { LOAD, UNLOAD, VALIDATE, VALIDATE_FULL, TOUCH, RECLAIM, NR_METRICS };
static const char * const metric_name[NR_METRICS] = {
	"load", "unload", "validate", "validate_full", "touch", "reclaim",
};

/* Cost per page of run @r's metric @m: ns per frame, fault or evicted page. */
static double per_page(const struct run *r, enum metric m)
{
	switch (m) {
	case LOAD:
		return (double)r->load_ns / r->frames;
	case UNLOAD:
		return (double)r->unload_ns / r->frames;
	case VALIDATE:
		return (double)r->val_ns / r->frames;
	case VALIDATE_FULL:
		return (double)r->val_full_ns / r->frames;
	case TOUCH:
		return (double)r->touch_ns / r->touch;
	case RECLAIM:
		return (double)r->reclaim_ns / r->evicted;
	default:
		return 0;
	}
}

#define MAX_REPEATS	15

int main(int argc, char **argv)
{
	struct opts o = { .touch_pct = 85, .cap_mb = 64 };
	struct run runs[MAX_REPEATS];
	double v[MAX_REPEATS], s[NR_METRICS][3], ev[3], dir[3];
	int header = 0, repeats = 3, opt, i, m;

	while ((opt = getopt(argc, argv, "k:m:r:s:t:c:H")) != -1) {
		switch (opt) {
		case 'k':
			o.ko = optarg;
			break;
		case 'm':
			o.mb = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		case 's':
			o.swap_mb = strtoul(optarg, NULL, 10);
			break;
		case 't':
			o.touch_pct = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o.cap_mb = strtoul(optarg, NULL, 10);
			break;
		case 'H':
			header = 1;
			break;
		default:
			bad_usage();
		}
	}
	if (!o.ko || !o.mb || !o.touch_pct || o.touch_pct > 95 || !o.cap_mb ||
	    repeats < 1 || repeats > MAX_REPEATS)
		bad_usage();
	if (!o.swap_mb)
		o.swap_mb = 2 * o.mb;
	page_size = sysconf(_SC_PAGESIZE);

	for (i = 0; i < repeats; i++)
		if (run_once(&o, &runs[i]))
			return 1;

	for (m = 0; m < NR_METRICS; m++) {
		for (i = 0; i < repeats; i++)
			v[i] = per_page(&runs[i], m);
		spread(v, repeats, s[m]);
	}
	for (i = 0; i < repeats; i++)
		v[i] = runs[i].evicted;
	spread(v, repeats, ev);
	for (i = 0; i < repeats; i++)
		v[i] = runs[i].direct;
	spread(v, repeats, dir);

	printf("\nregion %u MiB, %lld frames, median (min-max) of %d loads, per page:\n",
	       o.mb, runs[0].frames, repeats);
	for (m = 0; m < NR_METRICS; m++)
		printf("  %-14s %10.1f (%.1f-%.1f) ns\n", metric_name[m], s[m][0], s[m][1], s[m][2]);
	printf("  %-14s %10.2f bytes\n\n", "metadata", (double)runs[0].meta / runs[0].frames);

	if (header) {
		printf("case,size_mb,frames,repeats,metadata_bytes,load_took_kb,touch_pages,reclaim_pages,evicted,evicted_direct");
		for (m = 0; m < NR_METRICS; m++)
			printf(",%s_ns_per_page", metric_name[m]);
		for (m = 0; m < NR_METRICS; m++)
			printf(",%s_min,%s_max", metric_name[m], metric_name[m]);
		printf("\n");
	}
	printf("region,%u,%lld,%d,%lld,%lld,%zu,%zu,%.0f,%.0f", o.mb, runs[0].frames, repeats,
	       runs[0].meta, runs[0].took_kb, runs[0].touch, runs[0].reclaim, ev[0], dir[0]);
	for (m = 0; m < NR_METRICS; m++)
		printf(",%.2f", s[m][0]);
	for (m = 0; m < NR_METRICS; m++)
		printf(",%.2f,%.2f", s[m][1], s[m][2]);
	printf("\n");
	return 0;
}
