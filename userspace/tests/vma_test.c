// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs shadowmm/vmas against /proc/PID/maps: after every operation that
 * creates, splits, merges, moves or removes a mapping of /dev/shadowmm, the
 * process's lines of vmas (range, permissions, offset) are exactly its
 * /dev/shadowmm lines of /proc/PID/maps.  And the per-VMA counters: faults
 * grow on touch, RESIDENT is what was touched.  And the faults' lookup of
 * their mapping (vmstat vmacache_find_calls, vmacache_find_hits): faults
 * in one mapping hit the cache, faults alternating between two do not,
 * and a mapping grown in place or a boundary moved by mprotect without
 * the module being told is found again after a resync.  And validate's
 * check of a process's mappings beside its munmaps finds no problem.
 * And the tree is resynced only where needed: a mapping made or moved
 * where a lagging descriptor still claims the range, and a split of a
 * mapping grown in place, are tracked; many mappings and their fork look
 * at few other descriptors (vmstat vma_resync_scanned), nor does a fault
 * in a mapping that lags among many.  The kernel removes the device's
 * vmas without telling the module (it has no ->close, which would make
 * 6.12 BUG() on a userfaultfd unregister): the descriptors of vmas a merge
 * removed, of a munmap and of a process that exited go all the same.  A process whose
 * main thread exited keeps its pid in vmas.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "smm_test.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	300

#define MAX_LINES	512
#define LINE_LEN	128

struct listing {
	int n;
	char line[MAX_LINES][LINE_LEN];
};

/* The "START-END PERMS OFFSET" of @pid's /dev/shadowmm lines of its maps. */
static int read_maps(pid_t pid, struct listing *l)
{
	char path[64], *buf, *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	buf = smm_slurp(path);
	l->n = 0;
	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char range[64], perms[8], off[32], dev[16];
		unsigned long ino;
		int pos = 0;

		if (sscanf(line, "%63s %7s %31s %15s %lu %n", range, perms, off, dev, &ino, &pos) < 5)
			continue;
		if (strcmp(line + pos, SMM_DEV))
			continue;
		if (l->n == MAX_LINES)
			break;
		snprintf(l->line[l->n++], LINE_LEN, "%s %s %s", range, perms, off);
	}
	free(buf);
	return 0;
}

/* One line of debugfs vmas, parsed. */
struct vline {
	int pid;
	unsigned long start, end;
	char perms[8];
	unsigned long long offset;
	unsigned long minor, major, cow, resident;
	char text[LINE_LEN];	/* "START-END PERMS OFFSET" as printed */
};

/*
 * @pid's lines of debugfs vmas (every pid's when @pid is 0) into @v (up
 * to @max); their number, or -1 when the file is missing or malformed.
 */
static int read_vmas(pid_t pid, struct vline *v, int max)
{
	char *buf = smm_slurp(SMM_DEBUGFS "/vmas"), *line, *save = NULL;
	int n = 0, first = 1;

	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char range[64], perms[8], off[32];
		struct vline x;

		if (first) {
			first = 0;
			if (line[0] != '#') {
				fprintf(stderr, "# vmas: no header line: '%s'\n", line);
				n = -1;
				break;
			}
			continue;
		}
		memset(&x, 0, sizeof(x));
		if (sscanf(line, "%d %63s %7s %31s %lu %lu %lu %lu", &x.pid, range, perms, off,
			   &x.minor, &x.major, &x.cow, &x.resident) != 8 ||
		    sscanf(range, "%lx-%lx", &x.start, &x.end) != 2 ||
		    strlen(perms) != 4) {
			fprintf(stderr, "# vmas: malformed line '%s'\n", line);
			n = -1;
			break;
		}
		if (pid && x.pid != pid)
			continue;
		x.offset = strtoull(off, NULL, 16);
		memcpy(x.perms, perms, 5);
		snprintf(x.text, LINE_LEN, "%s %s %s", range, perms, off);
		if (n < max)
			v[n] = x;
		n++;
	}
	free(buf);
	return n;
}

static struct vline vbuf[MAX_LINES];
static struct listing maps;

/*
 * @pid's lines of vmas equal its /dev/shadowmm lines of /proc/PID/maps;
 * both are printed when they do not.  @what names the moment.
 */
static int vmas_match(struct __test_metadata *_metadata, pid_t pid, const char *what)
{
	int n, i, same;

	if (read_maps(pid, &maps))
		return 0;
	n = read_vmas(pid, vbuf, MAX_LINES);
	same = n == maps.n;
	for (i = 0; same && i < n; i++)
		same = !strcmp(vbuf[i].text, maps.line[i]);
	if (!same) {
		TH_LOG("%s: pid %d: debugfs vmas (%d lines) differ from /proc/%d/maps (%d lines)",
		       what, pid, n, pid, maps.n);
		for (i = 0; i < n && i < MAX_LINES; i++)
			TH_LOG("  vmas: %s", vbuf[i].text);
		for (i = 0; i < maps.n; i++)
			TH_LOG("  maps: %s", maps.line[i]);
	}
	return same;
}

#define MATCH(what) ASSERT_TRUE(vmas_match(_metadata, getpid(), what))

/* The vmas line of this process that contains @addr. */
static int vline_at(pid_t pid, void *addr, struct vline *out)
{
	unsigned long a = (unsigned long)addr;
	int n = read_vmas(pid, vbuf, MAX_LINES), i;

	for (i = 0; i < n && i < MAX_LINES; i++) {
		if (vbuf[i].start <= a && a < vbuf[i].end) {
			*out = vbuf[i];
			return 0;
		}
	}
	return -1;
}

static char *map(int fd, size_t pages, int prot, int flags, size_t pgoff)
{
	void *p = mmap(NULL, pages * PG, prot, flags, fd, pgoff * PG);

	return p == MAP_FAILED ? NULL : p;
}

static char *map_shared(int fd, size_t pages, size_t pgoff)
{
	return map(fd, pages, PROT_READ | PROT_WRITE, MAP_SHARED, pgoff);
}

/* An address with @pages free pages at it (reserved, then released). */
static char *free_range(size_t pages)
{
	void *p = mmap(NULL, pages * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, pages * PG);
	return p;
}

/* ---- the file itself ---- */

TEST(vmas_header_and_line_format)
{
	char *buf, *nl;
	int fd = smm_open(), n;
	char *p;

	ASSERT_LE(0, fd);
	buf = smm_slurp(SMM_DEBUGFS "/vmas");
	ASSERT_NE(NULL, buf);
	EXPECT_EQ('#', buf[0]) TH_LOG("first line: %.80s", buf);
	nl = strchr(buf, '\n');
	ASSERT_NE(NULL, nl);
	free(buf);

	p = map_shared(fd, 3, 5);
	ASSERT_NE(NULL, p);
	n = read_vmas(getpid(), vbuf, MAX_LINES);
	ASSERT_EQ(1, n);
	EXPECT_EQ(getpid(), vbuf[0].pid);
	EXPECT_EQ((unsigned long)p, vbuf[0].start);
	EXPECT_EQ((unsigned long)p + 3 * PG, vbuf[0].end);
	EXPECT_STREQ("rw-s", vbuf[0].perms);
	EXPECT_EQ(5 * PG, vbuf[0].offset);
	EXPECT_EQ(0, vbuf[0].resident);
	MATCH("after mmap");
	munmap(p, 3 * PG);
	EXPECT_EQ(0, read_vmas(getpid(), vbuf, MAX_LINES));
	MATCH("after munmap");
}

/* ---- mmap ---- */

TEST(mmap_kinds)
{
	int fd = smm_open(), fd2 = smm_open();
	char *a, *b, *c, *d, *e;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	MATCH("before any mapping");
	a = map_shared(fd, 16, 0);
	ASSERT_NE(NULL, a);
	MATCH("shared rw");
	b = map(fd, 4, PROT_READ, MAP_SHARED, 100);
	ASSERT_NE(NULL, b);
	MATCH("shared r at an offset");
	c = map(fd, 8, PROT_READ | PROT_WRITE, MAP_PRIVATE, 3);
	ASSERT_NE(NULL, c);
	MATCH("private rw");
	d = map(fd2, 2, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0);
	ASSERT_NE(NULL, d);
	MATCH("private r-x of a second object");
	e = map(fd2, 1, PROT_NONE, MAP_SHARED, 1);
	ASSERT_NE(NULL, e);
	MATCH("shared, no access");
	EXPECT_EQ(5, read_vmas(getpid(), vbuf, MAX_LINES));
	/* Closing the fds changes no mapping. */
	close(fd);
	close(fd2);
	MATCH("after closing the fds");
	munmap(a, 16 * PG);
	munmap(b, 4 * PG);
	munmap(c, 8 * PG);
	munmap(d, 2 * PG);
	munmap(e, PG);
	MATCH("all unmapped");
	EXPECT_EQ(0, read_vmas(getpid(), vbuf, MAX_LINES));
}

/* A mapping expected in vmas: [start, end) and offset, in pages. */
struct vexpect {
	unsigned long start, end, off;
};

/*
 * This process's lines of debugfs vmas are exactly @want[0..@n), in
 * address order, with start and end counted in pages from @base; the
 * lines are printed when not.  After MATCH(), /proc/PID/maps has the same.
 */
static int vmas_are(struct __test_metadata *_metadata, char *base,
		    const struct vexpect *want, int n, const char *what)
{
	int got = read_vmas(getpid(), vbuf, MAX_LINES), i, ok = got == n;

	for (i = 0; ok && i < n; i++)
		ok = vbuf[i].start == (unsigned long)base + want[i].start * PG &&
		     vbuf[i].end == (unsigned long)base + want[i].end * PG &&
		     vbuf[i].offset == want[i].off * PG;
	if (!ok) {
		TH_LOG("%s: %d vmas lines, %d wanted (pages from %p):", what, got, n, base);
		for (i = 0; i < n; i++)
			TH_LOG("  want %lu-%lu offset %lu", want[i].start, want[i].end, want[i].off);
		for (i = 0; i < got && i < MAX_LINES; i++)
			TH_LOG("  got  %s", vbuf[i].text);
	}
	return ok;
}

/*
 * A second mmap right after the first, same object, next offset: the
 * kernel merges the two into one vma (on every kernel: the device's vmas
 * have no ->close to keep them apart), and the module's descriptor follows
 * (one line in vmas and in maps, covering both).  A third mapping just
 * below, with offsets that do not continue, stays a vma of its own.  The
 * three go into a range reserved for them, so no mmap can find its place
 * taken.
 */
TEST(mmap_adjacent_same_object_merges)
{
	static const struct vexpect first[] = { { 4, 12, 0 } };
	static const struct vexpect merged[] = { { 4, 20, 0 } };
	static const struct vexpect apart[] = { { 0, 4, 40 }, { 4, 20, 0 } };
	int fd = smm_open();
	char *a = free_range(20), *p;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, a);
	p = mmap(a + 4 * PG, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		 fd, 0);
	ASSERT_EQ(a + 4 * PG, p) TH_LOG("mmap: %s", strerror(errno));
	MATCH("first half");
	ASSERT_TRUE(vmas_are(_metadata, a, first, 1, "first half"));
	p = mmap(a + 12 * PG, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		 fd, 8 * PG);
	ASSERT_EQ(a + 12 * PG, p) TH_LOG("mmap: %s", strerror(errno));
	MATCH("second half, contiguous offsets");
	EXPECT_TRUE(vmas_are(_metadata, a, merged, 1, "merged"));
	p = mmap(a, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 40 * PG);
	ASSERT_EQ(a, p) TH_LOG("mmap: %s", strerror(errno));
	MATCH("a neighbour with other offsets");
	EXPECT_TRUE(vmas_are(_metadata, a, apart, 2, "not merged"));
	munmap(a, 20 * PG);
	MATCH("unmapped");
	EXPECT_EQ(0, read_vmas(getpid(), vbuf, MAX_LINES));
}

/* MAP_FIXED over the middle of a mapping replaces that part. */
TEST(mmap_fixed_over_part)
{
	int fd = smm_open(), fd2 = smm_open();
	char *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	p = map_shared(fd, 16, 0);
	ASSERT_NE(NULL, p);
	memset(p, 1, 16 * PG);
	q = mmap(p + 4 * PG, 4 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd2, 0);
	ASSERT_EQ(p + 4 * PG, q);
	MATCH("another object over the middle");
	q = mmap(p + 12 * PG, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	ASSERT_EQ(p + 12 * PG, q);
	MATCH("anonymous memory over the tail");
	munmap(p, 16 * PG);
	MATCH("unmapped");
}

/* ---- munmap: the four cases ---- */

TEST(munmap_whole)
{
	int fd = smm_open();
	char *p = map_shared(fd, 8, 0), *q = map_shared(fd, 8, 8);

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, q);
	MATCH("two mappings");
	ASSERT_EQ(0, munmap(p, 8 * PG));
	MATCH("first unmapped whole");
	ASSERT_EQ(0, munmap(q, 8 * PG));
	MATCH("second unmapped whole");
}

TEST(munmap_head)
{
	int fd = smm_open();
	char *p = map_shared(fd, 8, 2);

	ASSERT_NE(NULL, p);
	memset(p, 1, 8 * PG);
	ASSERT_EQ(0, munmap(p, 3 * PG));
	MATCH("head of 3 pages unmapped");
	ASSERT_EQ(0, munmap(p + 3 * PG, PG));
	MATCH("head of 1 more page unmapped");
	munmap(p, 8 * PG);
	MATCH("rest unmapped");
}

TEST(munmap_tail)
{
	int fd = smm_open();
	char *p = map(fd, 8, PROT_READ | PROT_WRITE, MAP_PRIVATE, 1);

	ASSERT_NE(NULL, p);
	memset(p, 1, 8 * PG);
	ASSERT_EQ(0, munmap(p + 5 * PG, 3 * PG));
	MATCH("tail of 3 pages unmapped");
	ASSERT_EQ(0, munmap(p + 4 * PG, PG));
	MATCH("tail of 1 more page unmapped");
	munmap(p, 8 * PG);
	MATCH("rest unmapped");
}

TEST(munmap_hole_in_the_middle)
{
	int fd = smm_open();
	char *p = map_shared(fd, 16, 4);
	struct vline v;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, munmap(p + 5 * PG, 3 * PG));
	MATCH("hole of 3 pages");
	ASSERT_EQ(2, read_vmas(getpid(), vbuf, MAX_LINES));
	ASSERT_EQ(0, vline_at(getpid(), p + 8 * PG, &v));
	EXPECT_EQ(12 * PG, v.offset) TH_LOG("the upper piece's offset");
	ASSERT_EQ(0, munmap(p + 10 * PG, PG));
	MATCH("a second hole, in the upper piece");
	ASSERT_EQ(0, munmap(p + PG, PG));
	MATCH("a third hole, in the lower piece");
	EXPECT_EQ(4, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(p, 16 * PG);
	MATCH("everything unmapped");
}

/* One munmap across several mappings, cutting the first and last. */
TEST(munmap_across_several)
{
	int fd = smm_open(), fd2 = smm_open();
	char *a = free_range(24), *p;
	int i;

	ASSERT_NE(NULL, a);
	for (i = 0; i < 3; i++) {
		p = mmap(a + i * 8 * PG, 8 * PG, PROT_READ | (i == 1 ? 0 : PROT_WRITE),
			 MAP_SHARED | MAP_FIXED_NOREPLACE, i == 1 ? fd2 : fd, i * 16 * PG);
		ASSERT_EQ(a + i * 8 * PG, p);
	}
	MATCH("three mappings side by side");
	ASSERT_EQ(0, munmap(a + 5 * PG, 14 * PG));
	MATCH("tail of the first, all of the second, head of the third");
	munmap(a, 24 * PG);
	MATCH("everything unmapped");
}

/* ---- mprotect, mlock, madvise ---- */

TEST(mprotect_part_and_whole)
{
	int fd = smm_open();
	char *p = map_shared(fd, 16, 0);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mprotect(p + 4 * PG, 4 * PG, PROT_READ));
	MATCH("middle made read-only");
	ASSERT_EQ(0, mprotect(p, 2 * PG, PROT_NONE));
	MATCH("head made inaccessible");
	ASSERT_EQ(0, mprotect(p + 14 * PG, 2 * PG, PROT_READ | PROT_EXEC));
	MATCH("tail made r-x");
	ASSERT_EQ(0, mprotect(p, 16 * PG, PROT_READ | PROT_WRITE));
	MATCH("all back to rw (the pieces may merge)");
	ASSERT_EQ(0, mprotect(p, 16 * PG, PROT_READ));
	MATCH("all read-only at once");
	munmap(p, 16 * PG);
	MATCH("unmapped");
}

TEST(mlock_and_madvise)
{
	int fd = smm_open();
	char *p = map_shared(fd, 8, 0);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mlock(p + 2 * PG, 2 * PG)) TH_LOG("mlock: %s", strerror(errno));
	MATCH("part locked");
	ASSERT_EQ(0, munlock(p, 8 * PG));
	MATCH("unlocked");
	ASSERT_EQ(0, madvise(p, 8 * PG, MADV_DONTNEED));
	MATCH("MADV_DONTNEED");
	ASSERT_EQ(0, madvise(p + PG, 2 * PG, MADV_DONTFORK));
	MATCH("MADV_DONTFORK on part");
	munmap(p, 8 * PG);
	MATCH("unmapped");
}

/* ---- mremap ---- */

TEST(mremap_move)
{
	int fd = smm_open();
	char *p = map_shared(fd, 8, 3), *to = free_range(8), *q;
	struct vline v;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, to);
	smm_fill(p, 8 * PG, 1, 3 * PG);
	q = mremap(p, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_EQ(to, q);
	MATCH("moved whole");
	ASSERT_EQ(0, vline_at(getpid(), q, &v));
	EXPECT_EQ(3 * PG, v.offset);
	EXPECT_EQ(-1, smm_check_fill(q, 8 * PG, 1, 3 * PG));
	/* Part of it moved away: the source is split. */
	p = free_range(2);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(p, mremap(q + 3 * PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p));
	MATCH("middle part moved");
	ASSERT_EQ(0, vline_at(getpid(), p, &v));
	EXPECT_EQ(6 * PG, v.offset);
	EXPECT_EQ(-1, smm_check_fill(p, 2 * PG, 1, 6 * PG));
	munmap(q, 8 * PG);
	munmap(p, 2 * PG);
	MATCH("unmapped");
}

TEST(mremap_grow_and_shrink)
{
	int fd = smm_open();
	char *a = free_range(32), *p, *q, *blocker;

	ASSERT_NE(NULL, a);
	p = mmap(a, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	ASSERT_EQ(a, p);
	memset(p, 'g', 4 * PG);
	/* Room above it: grows in place. */
	q = mremap(p, 4 * PG, 12 * PG, 0);
	ASSERT_EQ(p, q) TH_LOG("mremap in place: %s", strerror(errno));
	MATCH("grown in place");
	q[11 * PG] = 'h';
	EXPECT_EQ('g', q[0]);
	/* Shrunk. */
	ASSERT_EQ(p, mremap(p, 12 * PG, 6 * PG, 0));
	MATCH("shrunk");
	/* A neighbour above: growing must move it. */
	blocker = mmap(a + 6 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	ASSERT_EQ(a + 6 * PG, blocker);
	q = mremap(p, 6 * PG, 20 * PG, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_NE(p, q);
	MATCH("grown by moving");
	EXPECT_EQ('g', q[3 * PG]);
	EXPECT_EQ('h', q[11 * PG]) TH_LOG("page 11 stays in the object after the shrink");
	EXPECT_EQ(0, q[19 * PG]);
	munmap(q, 20 * PG);
	munmap(blocker, PG);
	MATCH("unmapped");
}

/* ---- fork and exit ---- */

TEST(fork_child_gets_its_own_lines_and_exit_removes_them)
{
	int fd = smm_open(), to_child[2], to_parent[2], status, n, i;
	char *p = map_shared(fd, 8, 0), *r, c;
	pid_t pid;

	ASSERT_NE(NULL, p);
	r = map(fd, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE, 8);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, munmap(p + 2 * PG, PG));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	MATCH("parent before fork");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ok = vmas_match(_metadata, getpid(), "child after fork");

		/* The child changes its own mappings; the parent's stay. */
		munmap(p, 2 * PG);
		ok = ok && vmas_match(_metadata, getpid(), "child after its munmap");
		if (write(to_parent[1], "1", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	MATCH("parent while the child lives");
	EXPECT_TRUE(vmas_match(_metadata, pid, "the child, seen from the parent"));
	n = read_vmas(pid, vbuf, MAX_LINES);
	EXPECT_EQ(2, n) TH_LOG("the child keeps the upper piece and the private mapping");
	for (i = 0; i < n && i < MAX_LINES; i++)
		EXPECT_EQ(pid, vbuf[i].pid);
	EXPECT_EQ(3, read_vmas(getpid(), vbuf, MAX_LINES));
	ASSERT_EQ(1, write(to_child[1], "1", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child's own comparison failed");
	EXPECT_EQ(0, read_vmas(pid, vbuf, MAX_LINES)) TH_LOG("lines of the exited child");
	MATCH("parent after the child exited");
}

/* A process killed with its mappings still there leaves no line. */
TEST(killed_process_lines_go)
{
	int fd = smm_open(), ready[2], status;
	pid_t pid;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int i;

		for (i = 0; i < 10; i++)
			if (!map(fd, i + 1, PROT_READ, i % 2 ? MAP_SHARED : MAP_PRIVATE, i * 4))
				_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(10, read_vmas(pid, vbuf, MAX_LINES));
	EXPECT_TRUE(vmas_match(_metadata, pid, "the child before the kill"));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, read_vmas(pid, vbuf, MAX_LINES));
}

/*
 * A munmap() takes the vmas out of the maple tree under the mmap_lock held
 * for writing, then downgrades it and zaps and closes them under the read
 * side: a check of the process's mappings beside it must not take the
 * vmas gone from the tree but not yet closed for a damaged tree.  Each
 * munmap here also closes the process's last mapping of the device, so
 * its tree goes, and the next mmap makes it a new one: a check that found
 * the old tree before must not hold it against the new mappings.
 */
struct unmapper {
	int fd;
	int stop;
	unsigned long rounds;
	int err;
};

static void *unmap_loop(void *arg)
{
	struct unmapper *u = arg;

	while (!__atomic_load_n(&u->stop, __ATOMIC_RELAXED)) {
		char *p = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, u->fd, 0);
		int i;

		if (p == MAP_FAILED) {
			u->err = errno;
			break;
		}
		/* Pages to zap, and three vmas for the munmap to close. */
		for (i = 0; i < 64; i += 4)
			p[i * PG] = 1;
		if (mprotect(p + 16 * PG, 16 * PG, PROT_READ)) {
			u->err = errno;
			break;
		}
		munmap(p, 64 * PG);
		__atomic_fetch_add(&u->rounds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(validate_beside_munmap_finds_no_problem)
{
	struct unmapper u = { .fd = smm_open() };
	unsigned long checks = 0, unchecked = 0, problems = 0;
	char *first = NULL;
	struct timespec t0, t;
	pthread_t th;

	ASSERT_LE(0, u.fd);
	ASSERT_EQ(0, pthread_create(&th, NULL, unmap_loop, &u));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		char *s = smm_slurp(SMM_DEBUGFS "/validate");

		ASSERT_NE(NULL, s);
		checks++;
		if (!strncmp(s, "ok but ", 7))
			unchecked++;
		else if (strcmp(s, "ok\n") && !problems++)
			first = strdup(s);
		free(s);
		clock_gettime(CLOCK_MONOTONIC, &t);
		/* Ten seconds, longer on a slow host until 100 munmaps ran beside. */
	} while ((t.tv_sec - t0.tv_sec < 10 ||
		  __atomic_load_n(&u.rounds, __ATOMIC_RELAXED) <= 100) &&
		 t.tv_sec - t0.tv_sec < 60);
	__atomic_store_n(&u.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	TH_LOG("%lu validates beside %lu munmaps: %lu with a problem, %lu with a part unchecked",
	       checks, u.rounds, problems, unchecked);
	EXPECT_EQ(0, u.err);
	EXPECT_LT(100, u.rounds);
	EXPECT_LT(10, checks - unchecked);
	EXPECT_EQ(0, problems) {
		TH_LOG("the first:\n%s", first);
	}
	free(first);
	close(u.fd);
}

/* Mappings made by another thread are the process's (its tgid). */
static void *thread_map(void *arg)
{
	return map_shared(*(int *)arg, 4, 0);
}

TEST(thread_mappings_listed_under_the_process)
{
	int fd = smm_open();
	pthread_t t;
	void *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_map, &fd));
	ASSERT_EQ(0, pthread_join(t, &p));
	ASSERT_NE(NULL, p);
	MATCH("mapped by a thread");
	EXPECT_EQ(1, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(p, 4 * PG);
	MATCH("unmapped");
}

/*
 * A process whose main thread has exited (pthread_exit()) while another
 * thread runs on with its mappings: the main thread stays a zombie
 * leader without an mm, and its lines still carry the process's pid.
 */
static void *wait_forever(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* The state letter of @pid's /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], *buf, *paren, state = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = smm_slurp(path);
	if (!buf)
		return 0;
	paren = strrchr(buf, ')');
	if (paren && paren[1] == ' ')
		state = paren[2];
	free(buf);
	return state;
}

TEST(main_thread_exited_lines_keep_the_pid)
{
	int fd = smm_open(), ready[2], status, n, tries;
	char c;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pthread_t t;

		if (!map_shared(fd, 4, 0) || pthread_create(&t, NULL, wait_forever, NULL) ||
		    write(ready[1], "r", 1) != 1)
			_exit(1);
		pthread_exit(NULL);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* A zombie leader has been through exit_mm(): its mm is gone. */
	for (tries = 0; tries < 1000 && proc_state(pid) != 'Z'; tries++)
		smm_msleep(10);
	EXPECT_EQ('Z', proc_state(pid)) TH_LOG("the main thread did not exit");
	n = read_vmas(pid, vbuf, MAX_LINES);
	EXPECT_EQ(1, n) TH_LOG("lines under pid %d (0 is nobody's)", pid);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, read_vmas(pid, vbuf, MAX_LINES));
	close(fd);
}

/* ---- the tree when it lags behind the kernel's vmas ---- */

/*
 * Two mappings of one object, [0, 8) and [8, 16) pages from @a, then
 * mprotect of the second one's head, which the kernel merges into the
 * first without a callback: the vmas are [0, 10) and [10, 16), the
 * descriptors still [0, 8) and [8, 16).  Then the first goes: [8, 10) is
 * free, but the second's descriptor still claims it.  Nothing here reads
 * vmas or faults, which would resync the tree.  0, or -1 on a failure.
 */
static int lagging_descriptor_over_a_hole(int fd, char *a)
{
	if (mmap(a, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		 fd, 0) != a ||
	    mmap(a + 8 * PG, 8 * PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE,
		 fd, 8 * PG) != a + 8 * PG ||
	    mprotect(a + 8 * PG, 2 * PG, PROT_READ | PROT_WRITE) ||
	    munmap(a, 10 * PG))
		return -1;
	return 0;
}

/*
 * A new mapping where a lagging descriptor still claims the range: the
 * insert meets it, resyncs the tree and goes in.  Without that the mmap
 * fails (with a WARN).
 */
TEST(mmap_where_a_lagging_descriptor_was)
{
	int fd = smm_open(), fd2 = smm_open();
	char *a = free_range(16), *p;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, lagging_descriptor_over_a_hole(fd, a)) TH_LOG("%s", strerror(errno));
	p = mmap(a + 8 * PG, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd2, 0);
	ASSERT_EQ(a + 8 * PG, p) TH_LOG("mmap: %s", strerror(errno));
	MATCH("a new mapping over the lagging descriptor's old range");
	EXPECT_EQ(2, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(a, 16 * PG);
	MATCH("unmapped");
}

/* The same, the range taken by a mapping mremap moves there. */
TEST(mremap_to_where_a_lagging_descriptor_was)
{
	int fd = smm_open(), fd2 = smm_open();
	char *a, *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	/* First, so that it cannot land in the free range. */
	p = map_shared(fd2, 2, 4);
	ASSERT_NE(NULL, p);
	a = free_range(16);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, lagging_descriptor_over_a_hole(fd, a)) TH_LOG("%s", strerror(errno));
	q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a + 8 * PG);
	ASSERT_EQ(a + 8 * PG, q) TH_LOG("mremap: %s", strerror(errno));
	MATCH("a mapping moved over the lagging descriptor's old range");
	EXPECT_EQ(2, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(a, 16 * PG);
	MATCH("unmapped");
}

/*
 * A hole punched in a mapping grown in place (without a callback): the
 * split pieces are cut from the source descriptor, which must first take
 * its vma's range.  Cut from its old range, the lower piece would not fit
 * and stay untracked (with a WARN).
 */
TEST(split_of_a_mapping_grown_in_place)
{
	int fd = smm_open();
	char *a = free_range(16), *p;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, a);
	p = mmap(a, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	ASSERT_EQ(a, p);
	ASSERT_EQ(p, mremap(p, 4 * PG, 12 * PG, 0)) TH_LOG("mremap in place: %s", strerror(errno));
	ASSERT_EQ(0, munmap(p + 6 * PG, 2 * PG));
	MATCH("a hole in the grown part");
	EXPECT_EQ(2, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(p, 12 * PG);
	MATCH("unmapped");
}

/*
 * Adding a mapping, or fork copying a process's mappings, looks at few
 * other descriptors of the process: N mappings once cost N^2/2 looks under
 * the tree's lock (a resync of the whole tree on every mmap and every
 * fork copy), and a fork of 65530 of them minutes with the mmap_lock
 * held.  vmstat vma_resync_scanned counts the descriptors whole-tree
 * reaps looked at: a new mapping reaps only a tree grown to twice what
 * the last reap left, so the mmaps look at fewer than two per mapping,
 * and a fork's copies, which are exact, at none (it was N^2/2 for the
 * mmaps and as much again for the fork).  Every mapping is tracked, in
 * the parent and in the child.
 */
#define MANY	1000

TEST(many_mappings_and_a_fork_walk_no_tree)
{
	int fd = smm_open(), go[2], ready[2], status, i;
	long long s0, s1, s2;
	char *a, c;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	/* Reserved: every mapping goes over part of it. */
	a = mmap(NULL, MANY * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	s0 = smm_vmstat("vma_resync_scanned");
	ASSERT_LE(0, s0);
	for (i = 0; i < MANY; i++) {
		/* Offsets run on, protections alternate: no two merge. */
		char *p = mmap(a + i * PG, PG, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_FIXED, fd, i * PG);

		ASSERT_EQ(a + i * PG, p) TH_LOG("mapping %d: %s", i, strerror(errno));
	}
	s1 = smm_vmstat("vma_resync_scanned");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	s2 = smm_vmstat("vma_resync_scanned");
	TH_LOG("%d mappings: %lld descriptors looked at by resyncs for the mmaps, %lld for the fork",
	       MANY, s1 - s0, s2 - s1);
	EXPECT_GT(2 * MANY, s1 - s0);
	EXPECT_EQ(0, s2 - s1);
	EXPECT_EQ(MANY, read_vmas(pid, vbuf, MAX_LINES)) TH_LOG("the child's copies");
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(MANY, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(a, MANY * PG);
	EXPECT_EQ(0, read_vmas(getpid(), vbuf, MAX_LINES));
	close(fd);
}

/*
 * A fault in a mapping whose descriptor lags brings that descriptor in
 * line, and those in its way, never the whole tree: the walk runs under
 * a spinlock, and a process of many mappings that grew one in place, or
 * moved a boundary by mprotect, could make each such fault look at every
 * one of them (65530 at vm.max_map_count).  Among MANY mappings, one
 * grows in place, and the tail of another passes to its neighbour by
 * mprotect; a fault in each grown part is tracked, and no descriptor is
 * looked at by a whole-tree resync (the old code looked at all of them,
 * once per fault).
 */
TEST(a_lagging_mapping_is_resynced_alone)
{
	int fd = smm_open(), i;
	long long s0, s1, r0, r1, u0, u1;
	char *a, *grow, *x, *y;

	ASSERT_LE(0, fd);
	/* MANY one-page mappings, a hole, then x (2 pages) and y (1). */
	a = mmap(NULL, (MANY + 5) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	for (i = 0; i < MANY; i++) {
		char *p = mmap(a + i * PG, PG, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_FIXED, fd, i * PG);

		ASSERT_EQ(a + i * PG, p) TH_LOG("mapping %d: %s", i, strerror(errno));
	}
	grow = a + (MANY - 1) * PG;
	ASSERT_EQ(0, munmap(grow + PG, PG));
	x = a + (MANY + 1) * PG;
	y = x + 2 * PG;
	ASSERT_EQ(x, mmap(x, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			  fd, (MANY + 1) * PG));
	ASSERT_EQ(y, mmap(y, PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, (MANY + 3) * PG));
	/* No callback for either: both steps leave descriptors lagging. */
	ASSERT_EQ(grow, mremap(grow, PG, 2 * PG, 0)) TH_LOG("mremap in place: %s",
							    strerror(errno));
	ASSERT_EQ(0, mprotect(x + PG, PG, PROT_READ));

	s0 = smm_vmstat("vma_resync_scanned");
	r0 = smm_vmstat("vma_resync");
	u0 = smm_vmstat("pgfault_untracked");
	ASSERT_LE(0, s0);
	EXPECT_EQ(0, grow[PG]);
	EXPECT_EQ(0, y[-(long)PG]);
	s1 = smm_vmstat("vma_resync_scanned");
	r1 = smm_vmstat("vma_resync");
	u1 = smm_vmstat("pgfault_untracked");
	TH_LOG("%d mappings: %lld descriptors moved, %lld looked at by whole-tree resyncs",
	       MANY + 2, r1 - r0, s1 - s0);
	EXPECT_EQ(0, s1 - s0);
	/* The grown one, y, and x in y's way. */
	EXPECT_EQ(3, r1 - r0);
	EXPECT_EQ(0, u1 - u0) TH_LOG("a fault in a grown part went untracked");
	EXPECT_EQ(MANY + 2, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(a, (MANY + 5) * PG);
	close(fd);
}

/* ---- random operations, compared after each ---- */

#define ARENA	256	/* pages */
#define HISTORY	8

/* Every line of /proc/self/maps inside [lo, hi), as TAP comments. */
static void log_maps_between(struct __test_metadata *_metadata, char *lo, char *hi)
{
	char *buf = smm_slurp("/proc/self/maps"), *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); buf && line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && e > (unsigned long)lo &&
		    s < (unsigned long)hi)
			TH_LOG("  %s", line);
	}
	free(buf);
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 8) % n;
}

TEST(random_operations)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
				     PROT_READ | PROT_EXEC };
	int fds[3], i, step;
	unsigned int seed = 20240601;
	char *arena, what[160], history[HISTORY][160];

	for (i = 0; i < 3; i++) {
		fds[i] = smm_open();
		ASSERT_LE(0, fds[i]);
	}
	/* A reserved arena: everything below happens inside it. */
	arena = mmap(NULL, ARENA * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arena);

	for (step = 0; step < 400; step++) {
		unsigned int op = rnd(&seed, 10), at = rnd(&seed, ARENA - 1);
		unsigned int len = 1 + rnd(&seed, 32);
		char *p;
		int ret = 0;

		if (at + len > ARENA)
			len = ARENA - at;
		p = arena + (size_t)at * PG;
		switch (op) {
		case 0: case 1: case 2: case 3: {
			int fd = fds[rnd(&seed, 3)], shared = rnd(&seed, 2);
			int prot = prots[rnd(&seed, 2)];
			unsigned int off = rnd(&seed, 64);

			snprintf(what, sizeof(what), "step %d: mmap %s %d pages at +%u, offset %u",
				 step, shared ? "shared" : "private", len, at, off);
			ret = mmap(p, len * PG, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED,
				   fd, off * PG) == MAP_FAILED;
			break;
		}
		case 4: case 5:
			snprintf(what, sizeof(what), "step %d: munmap %d pages at +%u", step, len, at);
			ret = munmap(p, len * PG);
			if (!ret && !vmas_match(_metadata, getpid(), what))
				break;
			/* Fill the hole again so nothing else lands in the arena. */
			ret = mmap(p, len * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0) == MAP_FAILED;
			break;
		case 6: case 7: {
			int prot = prots[rnd(&seed, 4)];

			snprintf(what, sizeof(what), "step %d: mprotect %d pages at +%u to %d",
				 step, len, at, prot);
			ret = mprotect(p, len * PG, prot);
			break;
		}
		case 8: {
			unsigned int to = rnd(&seed, ARENA - len);

			snprintf(what, sizeof(what), "step %d: mremap %d pages from +%u to +%u",
				 step, len, at, to);
			if (to < at + len && at < to + len)
				break;	/* overlapping: not allowed */
			/*
			 * Only within one vma; else EFAULT, which is fine, but
			 * the kernel may have unmapped the destination already.
			 * Whatever is left a hole is filled again.
			 */
			if (mremap(p, len * PG, len * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
				   arena + (size_t)to * PG) == MAP_FAILED)
				p = arena + (size_t)to * PG;
			if (!vmas_match(_metadata, getpid(), what))
				break;
			ret = mmap(p, len * PG, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED;
			break;
		}
		default: {
			char got;

			snprintf(what, sizeof(what), "step %d: touch +%u", step, at);
			if (smm_touch(p, 1, 'r', NULL) == SIGSEGV)
				smm_touch(p, 0, 0, &got);
			break;
		}
		}
		memcpy(history[step % HISTORY], what, sizeof(what));
		if (ret) {
			TH_LOG("%s: %s; the steps before:", what, strerror(errno));
			for (i = step > HISTORY ? step - HISTORY + 1 : 0; i < step; i++)
				TH_LOG("  %s", history[i % HISTORY]);
			TH_LOG("the arena (+0 at %p):", arena);
			log_maps_between(_metadata, arena, arena + ARENA * PG);
		}
		ASSERT_EQ(0, ret);
		ASSERT_TRUE(vmas_match(_metadata, getpid(), what));
	}
	munmap(arena, ARENA * PG);
	MATCH("arena unmapped");
	EXPECT_TRUE(smm_validate_ok());
}

/* ---- per-VMA counters ---- */

TEST(fault_counters_grow_and_resident_matches)
{
	int fd = smm_open();
	char *p = map_shared(fd, 16, 0), *priv;
	struct vline v0, v1, v2, pv;
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, vline_at(getpid(), p, &v0));
	EXPECT_EQ(0, v0.minor);
	EXPECT_EQ(0, v0.major);
	EXPECT_EQ(0, v0.cow);
	EXPECT_EQ(0, v0.resident);

	/* Write faults on pages 0..4. */
	for (i = 0; i < 5; i++)
		p[i * PG] = 1;
	ASSERT_EQ(0, vline_at(getpid(), p, &v1));
	EXPECT_LE(v0.minor + 5, v1.minor);
	EXPECT_EQ(5, v1.resident);
	/* Read faults on pages 10..12. */
	for (i = 10; i < 13; i++)
		(void)__atomic_load_n(&p[i * PG], __ATOMIC_RELAXED);
	ASSERT_EQ(0, vline_at(getpid(), p, &v2));
	EXPECT_LE(v1.minor + 3, v2.minor);
	EXPECT_EQ(8, v2.resident);
	EXPECT_EQ(0, v2.major);
	EXPECT_EQ(0, v2.cow);
	EXPECT_EQ(8, smm_info(fd).resident_pages);

	/* Pages touched again: no new page, RESIDENT stays. */
	for (i = 0; i < 5; i++)
		p[i * PG + 1] = 2;
	ASSERT_EQ(0, vline_at(getpid(), p, &v1));
	EXPECT_EQ(8, v1.resident);

	/* Write faults on a private mapping of new pages are COW faults. */
	priv = map(fd, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE, 20);
	ASSERT_NE(NULL, priv);
	priv[0] = 1;
	priv[3 * PG] = 1;
	ASSERT_EQ(0, vline_at(getpid(), priv, &pv));
	EXPECT_LE(2, pv.cow);
	ASSERT_EQ(0, vline_at(getpid(), p, &v1));
	EXPECT_EQ(0, v1.cow) TH_LOG("the shared mapping has no COW fault");

	/* Punched: RESIDENT falls. */
	ASSERT_EQ(0, smm_punch(fd, 0, 2 * PG));
	ASSERT_EQ(0, vline_at(getpid(), p, &v1));
	EXPECT_EQ(6, v1.resident);
	MATCH("counters test");
	munmap(priv, 4 * PG);
	munmap(p, 16 * PG);
}

/* Each piece of a split mapping counts its own pages. */
TEST(resident_per_piece_after_split)
{
	int fd = smm_open();
	char *p = map_shared(fd, 12, 0);
	struct vline lo, hi;
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 12; i += 2)
		p[i * PG] = 1;		/* pages 0, 2, 4, 6, 8, 10 */
	ASSERT_EQ(0, munmap(p + 4 * PG, 2 * PG));
	ASSERT_EQ(0, vline_at(getpid(), p, &lo));
	ASSERT_EQ(0, vline_at(getpid(), p + 6 * PG, &hi));
	EXPECT_EQ(2, lo.resident);	/* 0, 2 */
	EXPECT_EQ(3, hi.resident);	/* 6, 8, 10 */
	p[PG] = 1;
	p[11 * PG] = 1;
	ASSERT_EQ(0, vline_at(getpid(), p, &lo));
	ASSERT_EQ(0, vline_at(getpid(), p + 6 * PG, &hi));
	EXPECT_EQ(3, lo.resident);
	EXPECT_EQ(4, hi.resident);
	EXPECT_LE(1, hi.minor) TH_LOG("the upper piece's own fault");
	MATCH("split and touched");
	munmap(p, 12 * PG);
}

/* ---- the faults' lookup of their mapping ---- */

struct lookups {
	long long calls, hits, untracked, resync;
};

static struct lookups lookups_now(void)
{
	return (struct lookups) {
		.calls = smm_vmstat("vmacache_find_calls"),
		.hits = smm_vmstat("vmacache_find_hits"),
		.untracked = smm_vmstat("pgfault_untracked"),
		.resync = smm_vmstat("vma_resync"),
	};
}

/*
 * Write faults on MAP_SHARED pages never resident: one ->fault each, no
 * fault-around, so one lookup each.  Nothing reads vmas between the
 * faults and the counters: a listing resyncs the trees.
 */
TEST(lookup_counters_follow_faults)
{
	int fd = smm_open(), i;
	char *p = map_shared(fd, 16, 0), *q = map_shared(fd, 16, 32);
	struct lookups l0, l1, l2;
	struct vline vp, vq;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, q);
	l0 = lookups_now();
	ASSERT_LE(0, l0.calls);
	ASSERT_LE(0, l0.hits);
	ASSERT_LE(0, l0.untracked);

	/* One mapping: the first lookup fills the cache, the rest hit it. */
	for (i = 0; i < 8; i++)
		p[i * PG] = 1;
	l1 = lookups_now();
	EXPECT_EQ(8, l1.calls - l0.calls);
	EXPECT_LE(7, l1.hits - l0.hits);
	EXPECT_GE(8, l1.hits - l0.hits);

	/* Two, in turn: only the first can find the cache holding its own. */
	for (i = 8; i < 12; i++) {
		p[i * PG] = 1;
		q[i * PG] = 1;
	}
	l2 = lookups_now();
	EXPECT_EQ(8, l2.calls - l1.calls);
	EXPECT_GE(1, l2.hits - l1.hits);
	EXPECT_EQ(l0.untracked, l2.untracked);

	/* And each fault was counted on its own mapping. */
	ASSERT_EQ(0, vline_at(getpid(), p, &vp));
	ASSERT_EQ(0, vline_at(getpid(), q, &vq));
	EXPECT_EQ(12, vp.minor);
	EXPECT_EQ(4, vq.minor);
	munmap(p, 16 * PG);
	munmap(q, 16 * PG);
}

/*
 * mremap grows a mapping in place without a callback: the first fault in
 * the new part finds no descriptor there, resyncs the tree (a user fault
 * holds only its vma's lock and tries for the mmap_lock, which nothing
 * else here holds) and counts on the grown descriptor; the rest hit.
 */
TEST(lookup_after_grow_in_place)
{
	int fd = smm_open(), i;
	char *a = free_range(32), *p;
	struct lookups l0, l1;
	struct vline v;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, a);
	p = mmap(a, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	ASSERT_EQ(a, p);
	for (i = 0; i < 4; i++)
		p[i * PG] = 1;
	ASSERT_EQ(p, mremap(p, 4 * PG, 12 * PG, 0)) TH_LOG("mremap in place: %s", strerror(errno));

	l0 = lookups_now();
	for (i = 4; i < 12; i++)
		p[i * PG] = 1;
	l1 = lookups_now();
	/*
	 * Normally one resync, 9 lookups, 7 hits.  A writer holding the
	 * mmap_lock at that moment (say khugepaged) costs the first fault its
	 * count; the next one resyncs.
	 */
	EXPECT_GE(1, l1.untracked - l0.untracked);
	EXPECT_LE(1, l1.resync - l0.resync);
	EXPECT_LE(9, l1.calls - l0.calls);
	EXPECT_LE(6, l1.hits - l0.hits);
	ASSERT_EQ(0, vline_at(getpid(), p, &v));
	EXPECT_EQ((unsigned long)p, v.start);
	EXPECT_EQ((unsigned long)p + 12 * PG, v.end);
	EXPECT_LE(11, v.minor);
	EXPECT_EQ(12, v.resident);
	MATCH("grown in place and touched");
	munmap(p, 12 * PG);
}

/*
 * mprotect of the second mapping's head merges it into the first without
 * a callback: the descriptor still found at those pages is the second
 * mapping's, which must not be counted for a fault in the first; the
 * fault resyncs and counts on the first.
 */
TEST(lookup_after_mprotect_moves_a_boundary)
{
	int fd = smm_open();
	char *a = free_range(16), *p, *q;
	struct lookups l0, l1;
	struct vline lo, hi;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, a);
	p = mmap(a, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	ASSERT_EQ(a, p);
	q = mmap(a + 8 * PG, 8 * PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 8 * PG);
	ASSERT_EQ(a + 8 * PG, q);
	ASSERT_EQ(0, mprotect(q, 2 * PG, PROT_READ | PROT_WRITE));

	l0 = lookups_now();
	p[9 * PG] = 1;
	l1 = lookups_now();
	EXPECT_LE(1, l1.resync - l0.resync);
	EXPECT_GE(1, l1.untracked - l0.untracked);
	ASSERT_EQ(0, vline_at(getpid(), p + 9 * PG, &lo));
	ASSERT_EQ(0, vline_at(getpid(), p + 12 * PG, &hi));
	EXPECT_EQ((unsigned long)p, lo.start) TH_LOG("the first mapping took the pages over");
	EXPECT_EQ((unsigned long)p + 10 * PG, lo.end);
	EXPECT_EQ(0, hi.minor) TH_LOG("counted on the mapping that held the page before");
	/* Counted on the first, unless a writer held the mmap_lock then. */
	EXPECT_EQ(1, lo.minor + (l1.untracked - l0.untracked));
	MATCH("a boundary moved by mprotect");
	munmap(p, 16 * PG);
}

/* ---- vmas the kernel removes without a word ---- */

#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC	(1 << 15)
#endif

/*
 * userfaultfd's write-protection in async mode, the one mode the kernel
 * allows on any vma, registered on the middle page of three and then
 * unregistered: the middle vma's flags match its neighbours' again, and
 * the kernel merges the three back into one, removing two.  A vma whose
 * vm_ops has ->close cannot be removed by a merge, and on 6.12 the
 * unregister then meets the cleared vma twice and BUG()s (fs/userfaultfd.c,
 * userfaultfd_unregister()): any user of the device took the kernel down.
 * The descriptors follow the merge, and the pages keep their bytes.
 */
TEST(userfaultfd_unregister_merges_the_vmas_back)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_range range;
	int fd = smm_open(), ufd;
	char *p, c = 0;

	ASSERT_LE(0, fd);
	ufd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ufd < 0 || ioctl(ufd, UFFDIO_API, &api)) {
		close(fd);
		SKIP(return, "no asynchronous write-protect userfaultfd (before 6.7)");
	}
	p = map_shared(fd, 3, 0);
	ASSERT_NE(NULL, p);
	memset(p, 'a', 3 * PG);
	reg.range.start = (unsigned long)p + PG;
	reg.range.len = PG;
	ASSERT_EQ(0, ioctl(ufd, UFFDIO_REGISTER, &reg)) TH_LOG("%s", strerror(errno));
	MATCH("the middle page registered");
	EXPECT_EQ(3, read_vmas(getpid(), vbuf, MAX_LINES));
	/* Write-protected, async: the write goes through and is tracked. */
	p[PG] = 'b';
	range = reg.range;
	ASSERT_EQ(0, ioctl(ufd, UFFDIO_UNREGISTER, &range)) TH_LOG("%s", strerror(errno));
	MATCH("unregistered");
	EXPECT_EQ(1, read_vmas(getpid(), vbuf, MAX_LINES)) TH_LOG("the three merged back");
	EXPECT_EQ('b', p[PG]);
	p[2 * PG] = 'c';
	ASSERT_EQ(1, pread(fd, &c, 1, 2 * PG));
	EXPECT_EQ('c', c);
	close(ufd);
	munmap(p, 3 * PG);
	MATCH("unmapped");
	close(fd);
}

/* The descriptors allocated now: shadowmm_vma's active objects. */
static long vma_descriptors(void)
{
	char *s = smm_slurp(SMM_DEBUGFS "/slabinfo"), *l;
	long n = -1;

	if (!s)
		return -1;
	l = strstr(s, "\nshadowmm_vma ");
	if (l && sscanf(l + 1, "shadowmm_vma %ld", &n) != 1)
		n = -1;
	free(s);
	return n;
}

/*
 * A process that maps the device many times and exits, with nothing read
 * after: its descriptors are freed by the time its parent reaps it (the
 * release of its file, the last step of the exit that holds the vmas,
 * frees the trees of every mm left without users).
 */
TEST(an_exited_process_leaves_no_descriptor)
{
	int ready[2], status, fd = smm_open();
	long before, mapped, after;
	pid_t pid;
	char c, *p;

	/* The cache is made on the first mapping; this one's tree emptied. */
	ASSERT_LE(0, fd);
	p = map_shared(fd, 1, 0);
	ASSERT_NE(NULL, p);
	munmap(p, PG);
	close(fd);
	EXPECT_EQ(0, read_vmas(getpid(), vbuf, MAX_LINES));
	ASSERT_EQ(0, pipe(ready));
	before = vma_descriptors();
	ASSERT_LE(0, before);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *a = mmap(NULL, MANY * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int i, cfd = smm_open();

		if (cfd < 0 || a == MAP_FAILED)
			_exit(1);
		for (i = 0; i < MANY; i++)
			if (mmap(a + i * PG, PG, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, cfd, i * PG) != a + i * PG)
				_exit(1);
		close(cfd);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	mapped = vma_descriptors();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	after = vma_descriptors();
	TH_LOG("descriptors: %ld before, %ld mapped, %ld after the exit", before, mapped, after);
	EXPECT_LE(before + MANY, mapped);
	EXPECT_EQ(before, after);
}

/*
 * Rounds of a pile-up test: descriptors that piled up (one or two a
 * round, before the reaps) would pass the bound of 200 well within them.
 */
#define ROUNDS	500

/*
 * @round run ROUNDS times: the most descriptors there ever were beyond
 * those when it began, or -1 when a round failed.
 */
static long descriptor_peak(int (*round)(int fd, char *p, int i), int fd, char *p)
{
	long before = vma_descriptors(), peak = 0, n;
	int i;

	if (before < 0)
		return -1;
	for (i = 0; i < ROUNDS; i++) {
		if (round(fd, p, i))
			return -1;
		n = vma_descriptors() - before;
		if (n > peak)
			peak = n;
	}
	return peak;
}

static int map_and_unmap(int fd, char *p, int i)
{
	char *q = map_shared(fd, 1, i);

	return !q || munmap(q, PG);
}

static int split_and_merge(int fd, char *p, int i)
{
	return mprotect(p + PG, PG, PROT_READ) ||
	       mprotect(p + PG, PG, PROT_READ | PROT_WRITE);
}

/*
 * munmap and a merge remove vmas without a word: their descriptors go at
 * the next reap, which a new mapping runs once the tree doubled.  A
 * process that maps and unmaps one page at a time keeps no more than
 * twice its live mappings plus the reap's slack, however long it goes on
 * (each new one may land where the last was, or elsewhere).
 */
TEST(unmapped_descriptors_do_not_pile_up)
{
	int fd = smm_open();
	long peak;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, map_shared(fd, 1, 0));
	EXPECT_EQ(1, read_vmas(getpid(), vbuf, MAX_LINES));
	peak = descriptor_peak(map_and_unmap, fd, NULL);
	ASSERT_LE(0, peak) TH_LOG("%s", strerror(errno));
	TH_LOG("%d mappings made and unmapped: at most %ld descriptors more", ROUNDS, peak);
	EXPECT_GT(200, peak);
	MATCH("after the mmaps and munmaps");
	close(fd);
}

/*
 * mprotect of a page in the middle and back: the kernel splits the vma
 * (two ->open, two descriptors) and merges the three again without a
 * word, leaving both dead.  Splits reap the tree once it doubled, as new
 * mappings do: the rounds keep no more than the reap's slack and its
 * doubling of the one live mapping, where each round once added two.
 */
TEST(split_and_merge_rounds_do_not_pile_up)
{
	int fd = smm_open();
	long peak;
	char *p;

	ASSERT_LE(0, fd);
	p = map_shared(fd, 3, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(1, read_vmas(getpid(), vbuf, MAX_LINES));
	peak = descriptor_peak(split_and_merge, fd, p);
	ASSERT_LE(0, peak) TH_LOG("%s", strerror(errno));
	TH_LOG("%d rounds of split and merge: at most %ld descriptors more", ROUNDS, peak);
	EXPECT_GT(200, peak);
	MATCH("after the rounds");
	EXPECT_EQ(1, read_vmas(getpid(), vbuf, MAX_LINES));
	munmap(p, 3 * PG);
	close(fd);
}

TEST_HARNESS_MAIN
