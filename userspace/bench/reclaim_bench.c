// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_bench: shadowmm's reclaim and compressed store against the
 * kernel's own reclaim of anonymous memory swapping to zswap, on the same
 * access pattern, in the same boot.
 *
 *   reclaim_bench [-q] [-r REPEATS] [-m MULT] [-s both|kernel|shadowmm]
 *
 * The region: shadowmm's debugfs meminfo MemTotal (the module must be
 * loaded with a compressed store, e.g. size_mb=32 swap_mb=256).  Each side
 * runs in a child process of its own:
 *
 *   kernel    MAP_PRIVATE|MAP_ANONYMOUS memory of a process in a memory
 *             cgroup v2 whose memory.max is the region's size and whose
 *             memory.swap.max is "max"; swap is a loop device over a
 *             sparse file in tmpfs, with zswap enabled in front of it and
 *             set to the compressor shadowmm's store uses (module/swap.c,
 *             SMM_SWAP_COMPRESSOR), so every page the kernel evicts is
 *             compressed into zswap's pool and nothing reaches the file
 *             (the run fails if zswap took no page);
 *   shadowmm  a MAP_SHARED mapping of /dev/shadowmm.
 *
 * The pattern, the same on both sides over MULT (default 3) times the
 * region's pages:
 *   1. stream: every page written in order; the first store to each page
 *      past the region's size is timed (first-touch fault latency under
 *      pressure: p50, p99, max); pages evicted per second over that time
 *      (kernel: /proc/vmstat zswpout + pswpout deltas; shadowmm: its debugfs
 *      vmstat pswpout);
 *   2. in order: every page read back and every byte checked;
 *   3. random order (one fixed permutation): the same.
 * In 2 and 3 each page's first load is timed, and counted as a refault
 * when the thread's major fault count (getrusage) went up across it: a
 * page that was evicted and is brought back (refault latency p50, p99);
 * swap-ins per second are the vmstat swap-in deltas (kernel: zswpin +
 * pswpin, shadowmm: pswpin) over the phase's time.
 *
 * The memory cgroup charges zswap's compressed copies to the cgroup (its
 * memory.stat "zswap"), while shadowmm's store lies outside its region: the
 * kernel keeps fewer pages resident under the same limit.  The pages
 * compress about 7:1 (one eighth of each page varies) so that the kernel's
 * compressed copies of the whole stream fit beside a useful resident set.
 * The table shows each side's resident memory at the end of the stream.
 *
 * Both sides run REPEATS times (default 3, 1 with -q), alternating which
 * goes first; every figure is the median, the pages evicted per second and
 * the first-touch p99 with their min-max beside them.  Prints a table and
 * a CSV block (header "case,side,pages,..."; a blank line ends it).
 *
 * Everything set up for the kernel side is undone on every way out
 * (swapoff, the loop device detached, the file removed, the cgroup
 * removed, zswap's parameters and the root cgroup's controllers restored,
 * cgroup2 unmounted if it was mounted here), also on SIGINT, SIGTERM and
 * SIGHUP.  Exits 1 if a byte read back was wrong, on SIGBUS, or when a
 * system call fails; 2 on a bad argument; never because of a figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/loop.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shadowmm.h>

#define DEV		"/dev/shadowmm"
#define MEMINFO		"/sys/kernel/debug/shadowmm/meminfo"
#define SMM_VMSTAT	"/sys/kernel/debug/shadowmm/vmstat"
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_DIR		CG_ROOT "/smm-reclaim-bench"
#define SWAP_FILE	"/tmp/smm-reclaim-bench.swap"
#define ZSWAP_PARAM	"/sys/module/zswap/parameters/"
#define ZSWAP_STORED	"/sys/kernel/debug/zswap/stored_pages"
/* The algorithm of shadowmm's compressed store: module/swap.c. */
#define SMM_COMPRESSOR	"lzo"
#define TAG_MAGIC	0x5348414430574d4dULL
#define MAX_REPEATS	15
#define MAX_REPORT	10
#define CSV_HEADER	"case,side,pages,region_pages,compressor,evicted,evicted_per_s,ft_p50_ns,ft_p99_ns,ft_max_ns,seq_swapins,seq_swapins_per_s,seq_refaults,seq_refault_p50_ns,seq_refault_p99_ns,rand_swapins,rand_swapins_per_s,rand_refaults,rand_refault_p50_ns,rand_refault_p99_ns,resident_kb,store_kb,zswpout,bytes_checked,bytes_bad,repeats,evicted_per_s_min,evicted_per_s_max,ft_p99_min_ns,ft_p99_max_ns"

enum side { KERNEL, SHADOWMM, NR_SIDES };
static const char *const side_name[NR_SIDES] = { "kernel", "shadowmm" };

static long page_size;
static size_t words;
static pid_t owner;			/* the process that cleans up */

/* A phase's figures, or the whole run's (one child, one side). */
struct phase {
	double secs;
	long long swaps;		/* pages evicted (stream), swapped in (reads) */
	long long per_s;
	long long refaults;
	uint64_t p50, p99, max;
};

struct result {
	struct phase stream, seq, rand;
	long long resident_kb, store_kb;
	unsigned long long bytes_checked, bytes_bad;
	long long zswap_stored;		/* kernel: zswap's stored_pages after the stream */
	long long zswpout;		/* kernel: zswpout over the stream */
	int error;			/* the child failed: its message is on stderr */
};

static void die(const char *what)
{
	fprintf(stderr, "reclaim_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *msg)
{
	fprintf(stderr, "reclaim_bench: %s\n", msg);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* ---- the kernel side's setup, and its undoing ---- */

/* What was changed, so that cleanup() undoes exactly that. */
static struct {
	int mounted_cgroup;
	int enabled_memory;
	int made_cgroup;
	int made_file;
	int loop_fd;
	char loop_dev[32];
	int swap_on;
	char zswap_enabled[16];
	char zswap_compressor[32];
	int zswap_saved;
	pid_t child;
} st = { .loop_fd = -1 };

/* Write @val to @path; 0 or the errno.  Async-signal-safe. */
static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		err = n < 0 ? errno : EIO;
	close(fd);
	return err;
}

/* The first line of @path, newline cut, into @buf; 0 or the errno. */
static int get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void warn_raw(const char *msg)
{
	if (write(2, "reclaim_bench: cleanup: ", 24) < 0 || write(2, msg, strlen(msg)) < 0 ||
	    write(2, "\n", 1) < 0)
		return;
}

/* Undo the setup, last step first.  Async-signal-safe: system calls only. */
static void cleanup(void)
{
	int status;

	if (getpid() != owner)
		return;
	if (st.child > 0) {
		kill(st.child, SIGKILL);
		waitpid(st.child, &status, 0);
		st.child = 0;
	}
	if (st.made_cgroup) {
		struct timespec ms = { 0, 10000000 };
		int tries;

		/* The child is reaped; its cgroup may take a moment to empty. */
		for (tries = 0; tries < 200; tries++) {
			if (!rmdir(CG_DIR) || errno == ENOENT) {
				st.made_cgroup = 0;
				break;
			}
			nanosleep(&ms, NULL);
		}
		if (st.made_cgroup)
			warn_raw("could not remove " CG_DIR);
	}
	if (st.swap_on) {
		if (swapoff(st.loop_dev))
			warn_raw("swapoff failed");
		else
			st.swap_on = 0;
	}
	if (st.loop_fd >= 0) {
		ioctl(st.loop_fd, LOOP_CLR_FD, 0);
		close(st.loop_fd);
		st.loop_fd = -1;
	}
	if (st.made_file && !unlink(SWAP_FILE))
		st.made_file = 0;
	if (st.zswap_saved) {
		put(ZSWAP_PARAM "enabled", st.zswap_enabled);
		put(ZSWAP_PARAM "compressor", st.zswap_compressor);
		st.zswap_saved = 0;
	}
	if (st.enabled_memory && !put(CG_ROOT "/cgroup.subtree_control", "-memory"))
		st.enabled_memory = 0;
	if (st.mounted_cgroup && !umount(CG_ROOT))
		st.mounted_cgroup = 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_sigbus(int sig)
{
	static const char msg[] = "reclaim_bench: SIGBUS (region and store full, or no reclaim)\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void put_or_die(const char *path, const char *val)
{
	int err = put(path, val);

	if (err) {
		errno = err;
		die(path);
	}
}

/* A swap area's header (mkswap's): version 1, no bad pages, the magic. */
static void write_swap_header(int fd, size_t pages)
{
	char *hdr = calloc(1, page_size);
	uint32_t v[3] = { 1, (uint32_t)(pages - 1), 0 };

	if (!hdr)
		die("calloc");
	memcpy(hdr + 1024, v, sizeof(v));
	memcpy(hdr + page_size - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, hdr, page_size, 0) != page_size)
		die(SWAP_FILE);
	free(hdr);
}

static void kernel_setup(size_t region_pages, int mult)
{
	char buf[256], val[32];
	size_t swap_pages = (size_t)(mult + 1) * region_pages + 1;
	int fd, loop_ctl, n, err;
	struct stat sb;

	/* cgroup v2 with the memory controller for children. */
	if (stat(CG_ROOT "/cgroup.controllers", &sb)) {
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			die("mount cgroup2 on " CG_ROOT);
		st.mounted_cgroup = 1;
	}
	if (get(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) || !strstr(buf, "memory"))
		fail("cgroup v2 has no memory controller");
	err = get(CG_ROOT "/cgroup.subtree_control", buf, sizeof(buf));
	if (err) {
		errno = err;
		die(CG_ROOT "/cgroup.subtree_control");
	}
	if (!strstr(buf, "memory")) {
		put_or_die(CG_ROOT "/cgroup.subtree_control", "+memory");
		st.enabled_memory = 1;
	}
	/* A leftover of a killed run is removed if empty, else refused. */
	if (rmdir(CG_DIR) && errno != ENOENT)
		die("removing a leftover " CG_DIR);
	if (mkdir(CG_DIR, 0755))
		die(CG_DIR);
	st.made_cgroup = 1;
	snprintf(val, sizeof(val), "%zu", region_pages * page_size);
	put_or_die(CG_DIR "/memory.max", val);
	put_or_die(CG_DIR "/memory.swap.max", "max");

	/* zswap in front of the swap device, with shadowmm's compressor. */
	if (get(ZSWAP_PARAM "enabled", st.zswap_enabled, sizeof(st.zswap_enabled)) ||
	    get(ZSWAP_PARAM "compressor", st.zswap_compressor, sizeof(st.zswap_compressor)))
		fail("no zswap (" ZSWAP_PARAM ")");
	st.zswap_saved = 1;
	put_or_die(ZSWAP_PARAM "compressor", SMM_COMPRESSOR);
	put_or_die(ZSWAP_PARAM "enabled", "Y");
	if (get(ZSWAP_PARAM "compressor", buf, sizeof(buf)) || strcmp(buf, SMM_COMPRESSOR))
		fail("zswap did not take the compressor " SMM_COMPRESSOR);

	/* The swap device: a loop device over a sparse file in tmpfs. */
	if (unlink(SWAP_FILE) && errno != ENOENT)
		die("removing a leftover " SWAP_FILE);
	fd = open(SWAP_FILE, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die(SWAP_FILE);
	st.made_file = 1;
	if (ftruncate(fd, swap_pages * page_size))
		die(SWAP_FILE);
	write_swap_header(fd, swap_pages);
	loop_ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (loop_ctl < 0)
		die("/dev/loop-control");
	n = ioctl(loop_ctl, LOOP_CTL_GET_FREE);
	close(loop_ctl);
	if (n < 0)
		die("LOOP_CTL_GET_FREE");
	snprintf(st.loop_dev, sizeof(st.loop_dev), "/dev/loop%d", n);
	st.loop_fd = open(st.loop_dev, O_RDWR | O_CLOEXEC);
	if (st.loop_fd < 0)
		die(st.loop_dev);
	if (ioctl(st.loop_fd, LOOP_SET_FD, fd)) {
		close(st.loop_fd);
		st.loop_fd = -1;
		die("LOOP_SET_FD");
	}
	close(fd);
	if (swapon(st.loop_dev, 0))
		die("swapon");
	st.swap_on = 1;
}

/* ---- the pattern ---- */

/* Word w of page pg: the tag, one eighth varying, the rest repeated. */
static uint64_t expect_word(uint32_t pg, size_t w)
{
	if (w == 0)
		return TAG_MAGIC ^ pg;
	if (w < words / 8)
		return mix64(((uint64_t)pg << 20) ^ w);
	return mix64(~(uint64_t)pg);
}

static void fill_page(char *base, uint32_t pg, uint64_t *first_ns)
{
	uint64_t *q = (uint64_t *)(base + (size_t)pg * page_size), rep = expect_word(pg, words - 1);
	uint64_t t0 = now_ns();
	size_t w;

	q[0] = expect_word(pg, 0);
	*first_ns = now_ns() - t0;
	for (w = 1; w < words / 8; w++)
		q[w] = expect_word(pg, w);
	for (; w < words; w++)
		q[w] = rep;
}

static void check_page(const char *base, uint32_t pg, struct result *r)
{
	const uint64_t *q = (const uint64_t *)(base + (size_t)pg * page_size);
	uint64_t rep = expect_word(pg, words - 1);
	size_t w;
	int b;

	for (w = 0; w < words; w++) {
		uint64_t want = w < words / 8 ? expect_word(pg, w) : rep, diff = q[w] ^ want;

		if (!diff)
			continue;
		for (b = 0; b < 8; b++)
			r->bytes_bad += !!(diff & (0xffULL << (8 * b)));
		if (r->bytes_bad <= MAX_REPORT)
			fprintf(stderr, "reclaim_bench: page %u byte %zu: read %016llx, expected %016llx\n",
				pg, w * 8, (unsigned long long)q[w], (unsigned long long)want);
	}
	r->bytes_checked += page_size;
}

static long long majflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		die("getrusage");
	return ru.ru_majflt;
}

/* The value of @key in a "name value" file (vmstat, memory.stat), or -1. */
static long long stat_get(const char *path, const char *key)
{
	char name[64];
	long long v, val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key)) {
			val = v;
			break;
		}
	fclose(f);
	return val;
}

static long long meminfo_kb(const char *key)
{
	char line[128], name[64];
	long long kb, val = -1;
	FILE *f = fopen(MEMINFO, "r");

	if (!f)
		die(MEMINFO " (is shadowmm loaded?)");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %lld", name, &kb) == 2 && !strcmp(name, key))
			val = kb;
	fclose(f);
	return val;
}

/* Pages evicted, pages swapped in so far, by @side's counters. */
static long long evicted(enum side side)
{
	if (side == SHADOWMM)
		return stat_get(SMM_VMSTAT, "pswpout");
	return stat_get("/proc/vmstat", "zswpout") + stat_get("/proc/vmstat", "pswpout");
}

static long long swapped_in(enum side side)
{
	if (side == SHADOWMM)
		return stat_get(SMM_VMSTAT, "pswpin");
	return stat_get("/proc/vmstat", "zswpin") + stat_get("/proc/vmstat", "pswpin");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void percentiles(struct phase *p, uint64_t *lat, size_t n)
{
	qsort(lat, n, sizeof(*lat), cmp_u64);
	p->p50 = n ? lat[n / 2] : 0;
	p->p99 = n ? lat[(n * 99) / 100] : 0;
	p->max = n ? lat[n - 1] : 0;
}

/* Read every page in @order, checking it; time each page's first load. */
static void read_phase(enum side side, const char *base, const uint32_t *order, size_t pages,
		       uint64_t *lat, struct phase *p, struct result *r)
{
	long long s0 = swapped_in(side), m0, m1;
	uint64_t t, t0 = now_ns();
	size_t i, n = 0;

	for (i = 0; i < pages; i++) {
		uint32_t pg = order ? order[i] : i;
		const uint64_t *q = (const uint64_t *)(base + (size_t)pg * page_size);
		uint64_t v;

		m0 = majflt();
		t = now_ns();
		v = q[0];
		/* The load happens here, between the two clock reads. */
		asm volatile("" : : "r"(v) : "memory");
		t = now_ns() - t;
		m1 = majflt();
		if (m1 > m0)
			lat[n++] = t;
		check_page(base, pg, r);
	}
	p->secs = (now_ns() - t0) / 1e9;
	p->swaps = swapped_in(side) - s0;
	p->per_s = p->secs > 0 ? (long long)(p->swaps / p->secs) : 0;
	p->refaults = n;
	percentiles(p, lat, n);
}

/* One side's run, in the child; the kernel's moves into CG_DIR first. */
static void run_side(enum side side, size_t region, int mult, struct result *r)
{
	size_t pages = (size_t)mult * region, i, n = 0;
	uint64_t *lat = calloc(pages, sizeof(*lat));
	uint32_t *order = calloc(pages, sizeof(*order));
	uint64_t rng = 0x9e3779b97f4a7c15ULL, t0, ns;
	struct shadowmm_info info;
	long long e0, z0 = 0;
	char *base, buf[32];
	int fd = -1;

	if (!lat || !order)
		die("calloc");
	/* Touched now, so that they are charged where the parent is. */
	memset(lat, 0, pages * sizeof(*lat));
	for (i = 0; i < pages; i++)
		order[i] = i;
	for (i = pages - 1; i > 0; i--) {
		size_t j;
		uint32_t x;

		rng = mix64(rng + 0x9e3779b97f4a7c15ULL);
		j = rng % (i + 1);
		x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	if (side == KERNEL) {
		if (put(CG_DIR "/cgroup.procs", "0"))
			die(CG_DIR "/cgroup.procs");
		base = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		fd = open(DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die(DEV);
		base = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (base == MAP_FAILED)
		die("mmap");
	if (madvise(base, pages * page_size, MADV_NOHUGEPAGE) && side == KERNEL)
		die("madvise");

	/* 1. stream */
	e0 = evicted(side);
	t0 = now_ns();
	for (i = 0; i < pages; i++) {
		if (i == region) {
			e0 = evicted(side);
			if (side == KERNEL)
				z0 = stat_get("/proc/vmstat", "zswpout");
			t0 = now_ns();
		}
		fill_page(base, i, &ns);
		if (i >= region)
			lat[n++] = ns;
	}
	r->stream.secs = (now_ns() - t0) / 1e9;
	r->stream.swaps = evicted(side) - e0;
	r->stream.per_s = r->stream.secs > 0 ? (long long)(r->stream.swaps / r->stream.secs) : 0;
	r->stream.refaults = 0;
	percentiles(&r->stream, lat, n);
	if (side == KERNEL) {
		r->resident_kb = stat_get(CG_DIR "/memory.stat", "anon") / 1024;
		r->store_kb = stat_get(CG_DIR "/memory.stat", "zswap") / 1024;
		r->zswap_stored = -1;
		if (!get(ZSWAP_STORED, buf, sizeof(buf)))
			r->zswap_stored = strtoll(buf, NULL, 10);
		r->zswpout = stat_get("/proc/vmstat", "zswpout") - z0;
		if (r->stream.swaps > 0 && r->zswpout <= 0)
			fail("zswap took no page: the kernel side did not swap to zswap");
	} else {
		if (ioctl(fd, SHADOWMM_IOC_INFO, &info))
			die("SHADOWMM_IOC_INFO");
		r->resident_kb = info.resident_pages * page_size / 1024;
		/* Its compressed bytes are not shown anywhere. */
		r->store_kb = -1;
	}

	/* 2. in order, 3. random order */
	read_phase(side, base, NULL, pages, lat, &r->seq, r);
	read_phase(side, base, order, pages, lat, &r->rand, r);
	munmap(base, pages * page_size);
	if (fd >= 0)
		close(fd);
	free(lat);
	free(order);
}

/* Fork a child for @side; its result comes back through a pipe. */
static void run_child(enum side side, size_t region, int mult, struct result *r)
{
	int pfd[2], status;
	ssize_t got;

	memset(r, 0, sizeof(*r));
	if (pipe(pfd))
		die("pipe");
	fflush(NULL);
	st.child = fork();
	if (st.child < 0)
		die("fork");
	if (!st.child) {
		struct result res = { 0 };

		close(pfd[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		run_side(side, region, mult, &res);
		if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	got = read(pfd[0], r, sizeof(*r));
	close(pfd[0]);
	if (waitpid(st.child, &status, 0) < 0)
		die("waitpid");
	st.child = 0;
	if (got != sizeof(*r) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "reclaim_bench: the %s side's run failed (%s %d)\n",
			side_name[side], WIFSIGNALED(status) ? "signal" : "status",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		exit(1);
	}
}

/* ---- medians ---- */

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

struct spread {
	long long med, min, max;
};

static struct spread over(const struct result *res, int n, size_t off)
{
	long long v[MAX_REPEATS];
	struct spread s;
	int i;

	for (i = 0; i < n; i++) {
		const char *p = (const char *)&res[i] + off;

		/* Every field summarised is a long long or a uint64_t. */
		memcpy(&v[i], p, sizeof(v[i]));
	}
	qsort(v, n, sizeof(v[0]), cmp_ll);
	s.med = v[n / 2];
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

#define M(res, n, field) over(res, n, offsetof(struct result, field)).med
#define S(res, n, field) over(res, n, offsetof(struct result, field))

/* A figure, or "n/a" when there is none (-1). */
static const char *opt_ll(char *buf, size_t size, long long v)
{
	if (v < 0)
		return "n/a";
	snprintf(buf, size, "%lld", v);
	return buf;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: reclaim_bench [-q] [-r REPEATS 1..%d] [-m MULT 2..8] [-s both|kernel|shadowmm]\n",
		MAX_REPEATS);
	exit(2);
}

/* A whole decimal number in [lo, hi], else usage. */
static int arg_int(const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		bad_usage();
	return v;
}

int main(int argc, char **argv)
{
	static struct result res[NR_SIDES][MAX_REPEATS];
	int repeats = 0, mult = 3, quick = 0, want[NR_SIDES] = { 1, 1 }, opt, i, k;
	unsigned long long bad = 0;
	struct sigaction sa;
	char buf[32], zbuf[32];
	size_t region;
	long long kb;

	while ((opt = getopt(argc, argv, "qr:m:s:")) != -1) {
		switch (opt) {
		case 'q':
			quick = 1;
			break;
		case 'r':
			repeats = arg_int(optarg, 1, MAX_REPEATS);
			break;
		case 'm':
			mult = arg_int(optarg, 2, 8);
			break;
		case 's':
			if (!strcmp(optarg, "kernel"))
				want[SHADOWMM] = 0;
			else if (!strcmp(optarg, "shadowmm"))
				want[KERNEL] = 0;
			else if (strcmp(optarg, "both"))
				bad_usage();
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();
	if (!repeats)
		repeats = quick ? 1 : 3;
	if (geteuid())
		fail("must run as root (cgroups, swapon, /dev/shadowmm)");

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	words = page_size / sizeof(uint64_t);
	owner = getpid();
	kb = meminfo_kb("MemTotal");
	if (kb <= 0)
		fail("no MemTotal in " MEMINFO);
	if (want[SHADOWMM] && meminfo_kb("SwapTotal") < (long long)mult * kb)
		fail("shadowmm's store is smaller than the pattern (load it with swap_mb >= MULT x size_mb)");
	region = kb * 1024 / page_size;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (atexit(cleanup))
		fail("atexit");
	if (want[KERNEL])
		kernel_setup(region, mult);

	printf("reclaim benchmark: region %zu pages (%lld kB), pattern %d x the region (%zu pages), %d repeat%s\n",
	       region, kb, mult, mult * region, repeats, repeats > 1 ? "s" : "");
	printf("  kernel:   MAP_PRIVATE|MAP_ANONYMOUS in a memory cgroup, memory.max %lld kB, swap.max max, zswap (%s) over %s\n",
	       kb, SMM_COMPRESSOR, want[KERNEL] ? st.loop_dev : "-");
	printf("  shadowmm: MAP_SHARED mapping of %s, its compressed store (%s)\n",
	       DEV, SMM_COMPRESSOR);
	for (i = 0; i < repeats; i++) {
		for (k = 0; k < NR_SIDES; k++) {
			/* Alternate which side goes first. */
			enum side s = (k + i) % NR_SIDES;

			if (!want[s])
				continue;
			run_child(s, region, mult, &res[s][i]);
			bad += res[s][i].bytes_bad;
		}
	}

	printf("\n%-9s %10s %12s %10s %10s %10s %12s %10s %10s %12s %10s %10s %10s %9s\n",
	       "side", "evicted", "evicted/s", "ft p50", "ft p99", "ft max", "seq in/s", "rf p50", "rf p99",
	       "rand in/s", "rf p50", "rf p99", "resid kB", "store kB");
	for (k = 0; k < NR_SIDES; k++) {
		const struct result *r = res[k];

		if (!want[k])
			continue;
		printf("%-9s %10lld %12lld %8lluus %8lluus %8lluus %12lld %8lluus %8lluus %12lld %8lluus %8lluus %10lld %9s\n",
		       side_name[k], M(r, repeats, stream.swaps), M(r, repeats, stream.per_s),
		       M(r, repeats, stream.p50) / 1000ULL, M(r, repeats, stream.p99) / 1000ULL,
		       M(r, repeats, stream.max) / 1000ULL, M(r, repeats, seq.per_s),
		       M(r, repeats, seq.p50) / 1000ULL, M(r, repeats, seq.p99) / 1000ULL,
		       M(r, repeats, rand.per_s),
		       M(r, repeats, rand.p50) / 1000ULL, M(r, repeats, rand.p99) / 1000ULL,
		       M(r, repeats, resident_kb), opt_ll(buf, sizeof(buf), M(r, repeats, store_kb)));
	}
	if (want[KERNEL])
		printf("kernel (medians): pages evicted over the stream %lld, zswpout over it %lld, zswap stored_pages after it %lld; pages that reached the swap file since boot (pswpout): %lld\n",
		       M(res[KERNEL], repeats, stream.swaps), M(res[KERNEL], repeats, zswpout),
		       M(res[KERNEL], repeats, zswap_stored), stat_get("/proc/vmstat", "pswpout"));
	if (want[KERNEL] && want[SHADOWMM]) {
		struct spread ek = S(res[KERNEL], repeats, stream.per_s);
		struct spread es = S(res[SHADOWMM], repeats, stream.per_s);
		struct spread pk = S(res[KERNEL], repeats, stream.p99);
		struct spread ps = S(res[SHADOWMM], repeats, stream.p99);

		printf("shadowmm/kernel: evicted/s %.2fx, first-touch p99 %.2fx\n",
		       ek.med ? (double)es.med / ek.med : 0, pk.med ? (double)ps.med / pk.med : 0);
	}
	printf("data: %llu bytes checked per side, %llu wrong\n\n",
	       want[KERNEL] ? (unsigned long long)M(res[KERNEL], repeats, bytes_checked) :
	       (unsigned long long)M(res[SHADOWMM], repeats, bytes_checked), bad);

	printf("%s\n", CSV_HEADER);
	for (k = 0; k < NR_SIDES; k++) {
		const struct result *r = res[k];
		struct spread e, p;

		if (!want[k])
			continue;
		e = S(r, repeats, stream.per_s);
		p = S(r, repeats, stream.p99);
		printf("reclaim,%s,%zu,%zu,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,%s,%lld,%lld,%d,%lld,%lld,%lld,%lld\n",
		       side_name[k], mult * region, region, SMM_COMPRESSOR,
		       M(r, repeats, stream.swaps), e.med, M(r, repeats, stream.p50), p.med,
		       M(r, repeats, stream.max),
		       M(r, repeats, seq.swaps), M(r, repeats, seq.per_s), M(r, repeats, seq.refaults),
		       M(r, repeats, seq.p50), M(r, repeats, seq.p99),
		       M(r, repeats, rand.swaps), M(r, repeats, rand.per_s),
		       M(r, repeats, rand.refaults), M(r, repeats, rand.p50), M(r, repeats, rand.p99),
		       M(r, repeats, resident_kb),
		       M(r, repeats, store_kb) < 0 ? "" : opt_ll(buf, sizeof(buf), M(r, repeats, store_kb)),
		       k == KERNEL ? opt_ll(zbuf, sizeof(zbuf), M(r, repeats, zswpout)) : "",
		       M(r, repeats, bytes_checked), M(r, repeats, bytes_bad), repeats,
		       e.min, e.max, p.min, p.max);
	}
	printf("\n");
	if (bad) {
		fprintf(stderr, "reclaim_bench: %llu bytes read back wrong\n", bad);
		return 1;
	}
	return 0;
}
