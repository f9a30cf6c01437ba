// SPDX-License-Identifier: GPL-2.0
/*
 * smm_map: map /dev/shadowmm and act on the mapping step by step, showing
 * what shadowmm sees after each step.  For demos and teaching:
 *
 *   smm_map map 16 touch show unmap 6 4 show check
 *
 * Steps (page numbers count from the start of the latest mapping; every
 * step and number is checked before the first step runs, exit status 2 on
 * a wrong one):
 *   map N		mmap N pages MAP_SHARED (nothing is allocated yet)
 *   touch		write each mapped page (first-touch faults): its first
 *			8 bytes hold its number, the others its number's low byte;
 *			refused while a page protect made read-only is mapped
 *   unmap P N		munmap N pages from page P
 *   protect P N	mprotect N pages from page P read-only
 *   show		this process's lines of debugfs vmas and of
 *			/proc/self/maps, side by side
 *   check		read every still-mapped page back and compare every byte
 *			(exit status 1 on a wrong one)
 *   write N		write() N pages at the object's start (the reserved
 *			backend cannot be mapped): first 8 bytes its number + 1,
 *			the others its number's low byte ^ 0xa5, unlike touch
 *			and unlike a hole
 *   read		pread() every page write gave and compare every byte
 *   info		the object's SHADOWMM_IOC_INFO
 *   run CMD		run the shell command CMD (the mapping stays as it is);
 *			exit status 1 unless it exits 0
 *
 * SMM_MAP_DEV in the environment names a file to open instead of
 * /dev/shadowmm (smm_map_test.sh runs steps with /dev/null on the host).
 *
 * Mapping more than the region holds needs reclaim: the demo maps three
 * times a small region with "map N touch run '...' check info".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shadowmm.h>

#define VMAS "/sys/kernel/debug/shadowmm/vmas"

static long page_size;
static char *base;
static unsigned long nr_pages;
static unsigned char *mapped;	/* per page: still mapped */
static unsigned long nr_written;	/* pages the write step gave */

static void die(const char *what)
{
	fprintf(stderr, "smm_map: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void show_file(const char *path, const char *prefix, const char *needle)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, prefix, strlen(prefix)) && (!needle || strstr(line, needle)))
			printf("    %s", line);
	fclose(f);
}

static void show(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d ", getpid());
	printf("  %s (pid start-end perms offset minor major cow resident):\n", VMAS);
	show_file(VMAS, pid, NULL);
	printf("  /proc/self/maps:\n");
	show_file("/proc/self/maps", "", "/dev/shadowmm");
}

/* What byte off of page i holds after touch. */
static char expected(unsigned long i, unsigned long off)
{
	if (off < sizeof(unsigned long))
		return (char)(i >> (8 * off));
	return (char)(i & 0xff);
}

/* What byte off of page i holds after write. */
static char written(unsigned long i, unsigned long off)
{
	if (off < sizeof(unsigned long))
		return (char)((i + 1) >> (8 * off));
	return (char)((i & 0xff) ^ 0xa5);
}

/* Page i's contents after touch, in @buf. */
static void fill(char *buf, unsigned long i)
{
	memset(buf, (int)(i & 0xff), page_size);
	memcpy(buf, &i, sizeof(i));
}

/* Page i's contents after write, in @buf. */
static void fill_written(char *buf, unsigned long i)
{
	unsigned long n = i + 1;

	memset(buf, (int)((i & 0xff) ^ 0xa5), page_size);
	memcpy(buf, &n, sizeof(n));
}

static void on_sigbus(int sig)
{
	static const char msg[] =
		"smm_map: SIGBUS: shadowmm could not give the page (region and store full?)\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "smm_map: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

/*
 * Argument @i, a whole number (decimal, or 0x hexadecimal) of at most
 * @max: no sign (strtoul() would take "-1" as ULONG_MAX), nothing after.
 */
static unsigned long arg(char **argv, int i, int argc, unsigned long max)
{
	unsigned long v;
	char *end;

	if (i >= argc)
		usage_error("missing number", NULL);
	errno = 0;
	v = strtoul(argv[i], &end, 0);
	if (argv[i][0] < '0' || argv[i][0] > '9' || *end || errno || v > max)
		usage_error("not a number in range", argv[i]);
	return v;
}

/* The unmap and protect steps since the latest map: pages [p, p + n). */
struct range {
	unsigned long p, n;
	int unmap;
};

/*
 * The first page of @r that is still mapped after the unmaps in @done
 * (the steps before), or @r's end: once unmapped, a page of a mapping
 * stays so.
 */
static unsigned long first_mapped(const struct range *r, const struct range *done, int nr)
{
	unsigned long page = r->p;
	int k, moved = 1;

	while (moved && page < r->p + r->n) {
		moved = 0;
		for (k = 0; k < nr; k++) {
			if (done[k].unmap && done[k].p <= page && page < done[k].p + done[k].n) {
				page = done[k].p + done[k].n;
				moved = 1;
			}
		}
	}
	return page;
}

/*
 * Every step and its numbers checked before the first is run, so that a
 * mistake late on the command line leaves nothing half done; the pages
 * of unmap and protect within the mapping they act on, and no touch of a
 * page protect made read-only (its write would end smm_map by SIGSEGV).
 */
static void check_steps(int argc, char **argv)
{
	unsigned long pages = 0, p, n, max = (unsigned long)-1 / page_size;
	struct range *done = calloc(argc, sizeof(*done));
	int a, k, nr = 0;

	if (!done)
		die("calloc");
	for (a = 1; a < argc; a++) {
		const char *op = argv[a];

		if (!strcmp(op, "map")) {
			pages = arg(argv, ++a, argc, max);
			if (!pages)
				usage_error("map of no page", NULL);
			nr = 0;
		} else if (!strcmp(op, "unmap") || !strcmp(op, "protect")) {
			p = arg(argv, ++a, argc, max);
			n = arg(argv, ++a, argc, max);
			if (!n || p > pages || n > pages - p)
				usage_error("beyond the mapping", op);
			done[nr].p = p;
			done[nr].n = n;
			done[nr++].unmap = op[0] == 'u';
		} else if (!strcmp(op, "touch")) {
			for (k = 0; k < nr; k++) {
				char page[32];

				if (done[k].unmap)
					continue;
				p = first_mapped(&done[k], done, nr);
				if (p == done[k].p + done[k].n)
					continue;
				snprintf(page, sizeof(page), "%lu", p);
				usage_error("touch would write a page protect made read-only", page);
			}
		} else if (!strcmp(op, "write")) {
			arg(argv, ++a, argc, max);
		} else if (!strcmp(op, "run")) {
			if (++a >= argc)
				usage_error("missing command", NULL);
		} else if (strcmp(op, "show") && strcmp(op, "check") &&
			   strcmp(op, "read") && strcmp(op, "info")) {
			usage_error("unknown step", op);
		}
	}
	free(done);
}

int main(int argc, char **argv)
{
	/* Another file (/dev/null) tries the steps on a host without shadowmm. */
	const char *dev = getenv("SMM_MAP_DEV") ?: "/dev/shadowmm";
	unsigned long p, n, i;
	int fd, a, status;

	page_size = sysconf(_SC_PAGESIZE);
	/* Every line out at once, even into a file, even if a fault kills us. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGBUS, on_sigbus);
	check_steps(argc, argv);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(dev);
	for (a = 1; a < argc; a++) {
		const char *op = argv[a];

		if (!strcmp(op, "map")) {
			nr_pages = arg(argv, ++a, argc, (unsigned long)-1);
			free(mapped);
			base = mmap(NULL, nr_pages * page_size, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, 0);
			if (base == MAP_FAILED)
				die("mmap");
			mapped = calloc(nr_pages, 1);
			if (!mapped)
				die("calloc");
			memset(mapped, 1, nr_pages);
			printf("$ mmap %lu pages at %p\n", nr_pages, base);
		} else if (!strcmp(op, "touch")) {
			for (i = 0; i < nr_pages; i++) {
				if (!mapped[i])
					continue;
				fill(base + i * page_size, i);
			}
			printf("$ wrote every mapped page\n");
		} else if (!strcmp(op, "unmap") || !strcmp(op, "protect")) {
			/* check_steps() kept them within the mapping. */
			p = arg(argv, ++a, argc, nr_pages);
			n = arg(argv, ++a, argc, nr_pages - p);
			if (op[0] == 'u') {
				if (munmap(base + p * page_size, n * page_size))
					die("munmap");
				memset(mapped + p, 0, n);
			} else if (mprotect(base + p * page_size, n * page_size, PROT_READ)) {
				die("mprotect");
			}
			printf("$ %s pages %lu..%lu\n", op[0] == 'u' ? "munmap" : "mprotect PROT_READ",
			       p, p + n - 1);
		} else if (!strcmp(op, "show")) {
			show();
		} else if (!strcmp(op, "check")) {
			unsigned long bad = 0, seen = 0;

			for (i = 0; i < nr_pages; i++) {
				if (!mapped[i])
					continue;
				seen++;
				for (p = 0; p < (unsigned long)page_size; p++)
					bad += base[i * page_size + p] != expected(i, p);
			}
			printf("$ read back %lu pages: %lu bad bytes\n", seen, bad);
			if (bad)
				return 1;
		} else if (!strcmp(op, "write") || !strcmp(op, "read")) {
			char *buf = malloc(page_size);
			unsigned long bad = 0;

			if (!buf)
				die("malloc");
			if (op[0] == 'w')
				nr_written = arg(argv, ++a, argc, (unsigned long)-1);
			for (i = 0; i < nr_written; i++) {
				off_t off = (off_t)i * page_size;

				if (op[0] == 'w') {
					fill_written(buf, i);
					if (pwrite(fd, buf, page_size, off) != page_size)
						die("pwrite");
					continue;
				}
				if (pread(fd, buf, page_size, off) != page_size)
					die("pread");
				for (p = 0; p < (unsigned long)page_size; p++)
					bad += buf[p] != written(i, p);
			}
			free(buf);
			if (op[0] == 'w') {
				printf("$ wrote %lu pages with write()\n", nr_written);
				continue;
			}
			printf("$ read back %lu pages with pread(): %lu bad bytes\n",
			       nr_written, bad);
			if (bad)
				return 1;
		} else if (!strcmp(op, "info")) {
			struct shadowmm_info info;

			if (ioctl(fd, SHADOWMM_IOC_INFO, &info))
				die("SHADOWMM_IOC_INFO");
			printf("$ object %llu: size %llu, %llu pages resident, faults minor %llu major %llu cow %llu sigbus %llu\n",
			       info.id, info.size, info.resident_pages, info.faults_minor,
			       info.faults_major, info.faults_cow, info.faults_sigbus);
		} else if (!strcmp(op, "run")) {
			if (++a >= argc)
				fprintf(stderr, "smm_map: missing command\n"), exit(2);
			fflush(stdout);
			status = system(argv[a]);
			if (status == -1)
				die("system");
			/* A demo goes on only from a command that did what it should. */
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "smm_map: run %s: %s %d\n", argv[a],
					WIFEXITED(status) ? "exit status" : "killed by signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
				return 1;
			}
		}
	}
	return 0;
}
