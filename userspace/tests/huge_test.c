// SPDX-License-Identifier: GPL-2.0
/*
 * PMD mappings of /dev/shadowmm (the huge knob): a first touch in a 2 MiB
 * aligned range makes a PMD-sized folio of shadowmm's own frames and the
 * kernel maps it with one PMD, as /proc/self/smaps counts it
 * (FilePmdMapped); what must handle its pages one by one (a punch of part
 * of it, reclaim) splits it first, and every byte stays as written.
 * Kernels whose folio layout shadowmm does not know refuse the knob
 * (EOPNOTSUPP): the cases then skip.
 */
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "smm_test.h"

/*
 * Not the harness's 30 s a case: the whole file runs in about 25 s under
 * emulation on an idle host, but compaction_makes_room_for_pmd alone
 * passed 30 s on a host busy with other work, and failed make check
 * without a fault of the module's.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	300

#define HUGE	(2UL << 20)

/* The huge knob set to @mode; false (with errno) when refused. */
static bool set_huge(const char *mode)
{
	char line[32];

	snprintf(line, sizeof(line), "huge %s\n", mode);
	return smm_write_str(SMM_DEBUGFS "/knobs", line) == 0;
}

/* FilePmdMapped of the mapping at @p in /proc/self/smaps, in kB; -1: none. */
static long pmd_mapped_kb(const char *p)
{
	char *s = smm_slurp("/proc/self/smaps"), *l, *end;
	char start[32];
	long kb = -1;

	if (!s)
		return -1;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)p);
	for (l = s; l && *l; l = end ? end + 1 : NULL) {
		end = strchr(l, '\n');
		if (!strncmp(l, start, strlen(start))) {
			char *f = strstr(l, "FilePmdMapped:");

			if (f)
				kb = strtol(f + strlen("FilePmdMapped:"), NULL, 10);
			break;
		}
	}
	free(s);
	return kb;
}

/* "Name: N kB" of the kernel's /proc/meminfo; -1 when absent. */
static long kernel_meminfo_kb(const char *name)
{
	char *s = smm_slurp("/proc/meminfo"), *f;
	long kb = -1;

	if (!s)
		return -1;
	f = strstr(s, name);
	if (f)
		kb = strtol(f + strlen(name), NULL, 10);
	free(s);
	return kb;
}

/* "name N" of the kernel's /proc/vmstat; -1 when absent. */
static long long kernel_vmstat(const char *name)
{
	char *s = smm_slurp("/proc/vmstat"), *f, key[64];
	long long v = -1;

	if (!s)
		return -1;
	snprintf(key, sizeof(key), "\n%s ", name);
	f = strstr(s, key);
	if (f)
		v = strtoll(f + strlen(key), NULL, 10);
	free(s);
	return v;
}

static void fill(char *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = smm_pattern(seed, i);
}

/* The first offset of [@from, @from + @len) whose byte is not the pattern's. */
static long bad_byte(const char *p, size_t from, size_t len, uint64_t seed)
{
	size_t i;

	for (i = from; i < from + len; i++)
		if ((unsigned char)p[i] != smm_pattern(seed, i))
			return i;
	return -1;
}

/*
 * Each case opens an object with the knob at always (huge_begin(), then
 * SKIP on -1: no PMD-sized folios on this kernel or region) and ends
 * with it at never again (huge_end()).  Plain cases, not a fixture: the
 * harness's fixture code trips -Wclobbered.
 */
static int huge_begin(struct __test_metadata *_metadata)
{
	int fd = smm_open();

	EXPECT_LE(0, fd);
	if (fd < 0)
		return -2;
	if (set_huge("always"))
		return fd;
	close(fd);
	if (errno == EOPNOTSUPP)
		return -1;
	EXPECT_EQ(0, errno) TH_LOG("huge always refused");
	return -2;
}

static void huge_end(struct __test_metadata *_metadata, int fd)
{
	EXPECT_TRUE(set_huge("never"));
	close(fd);
	EXPECT_EQ(1, smm_validate_ok());
}

/*
 * One write fault in each 2 MiB of a shared mapping makes a folio there
 * and the kernel maps it with a PMD: the other 511 pages take their
 * writes without a fault, smaps counts 4 MiB PMD-mapped, read() returns
 * every byte, and the object holds 1024 pages.
 */
TEST(first_touch_maps_pmd)
{
	long long alloc0 = smm_vmstat("thp_fault_alloc");
	size_t len = 2 * HUGE;
	char *p, *buf;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, len, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, len, 1);
	EXPECT_EQ(2, smm_vmstat("thp_fault_alloc") - alloc0);
	EXPECT_EQ(4096, pmd_mapped_kb(p));
	EXPECT_EQ(1024, smm_info(fd).resident_pages);
	/* The LRU counts each folio's pages, as the kernel's lists do. */
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
	EXPECT_EQ(4096, smm_meminfo_kb("ObjectsHugePages:"));
	EXPECT_LE(4096, smm_meminfo_kb("Active:") + smm_meminfo_kb("Inactive:"));
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ((ssize_t)len, pread(fd, buf, len, 0));
	EXPECT_EQ(-1, bad_byte(buf, 0, len, 1));
	free(buf);
	EXPECT_EQ(0, munmap(p, len));
	huge_end(_metadata, fd);
}

/*
 * A punch of three pages inside a folio splits it: the hole reads zero,
 * the rest of the bytes stay, and the object holds 3 pages fewer.
 */
TEST(punch_inside_splits)
{
	long long split0 = smm_vmstat("thp_split_page"), pmd0 = smm_vmstat("thp_split_pmd");
	size_t i;
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 2);
	ASSERT_EQ(0, smm_punch(fd, 100 * PG, 3 * PG));
	EXPECT_EQ(1, smm_vmstat("thp_split_page") - split0);
	/* The one PMD that mapped it was dropped by the split. */
	EXPECT_EQ(1, smm_vmstat("thp_split_pmd") - pmd0);
	EXPECT_EQ(509, smm_info(fd).resident_pages);
	for (i = 100 * PG; i < 103 * PG; i++)
		if (p[i])
			break;
	EXPECT_EQ(103 * PG, i);
	EXPECT_EQ(-1, bad_byte(p, 0, 100 * PG, 2));
	EXPECT_EQ(-1, bad_byte(p, 103 * PG, HUGE - 103 * PG, 2));
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/* A punch of the whole folio takes it out whole, unsplit. */
TEST(punch_whole_folio)
{
	long long split0 = smm_vmstat("thp_split_page");
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 3);
	ASSERT_EQ(0, smm_punch(fd, 0, HUGE));
	EXPECT_EQ(0, smm_vmstat("thp_split_page") - split0);
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[HUGE - 1]);
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * An munmap of one page inside a PMD mapping: the kernel splits the PMD
 * (for a file, it drops it), the folio stays whole in the object, and the
 * rest of the mapping maps it again, every byte intact.
 */
TEST(partial_munmap_keeps_bytes)
{
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 4);
	ASSERT_EQ(0, munmap(p + 7 * PG, PG));
	EXPECT_EQ(512, smm_info(fd).resident_pages);
	EXPECT_EQ(-1, bad_byte(p, 0, 7 * PG, 4));
	EXPECT_EQ(-1, bad_byte(p, 8 * PG, HUGE - 8 * PG, 4));
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * Reclaim splits a folio before it judges its pages, and the pages come
 * back from the store byte for byte.
 */
TEST(reclaim_splits_and_restores)
{
	long long split0 = smm_vmstat("thp_split_page"), out0 = smm_vmstat("pswpout");
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 5);
	ASSERT_EQ(0, munmap(p, HUGE));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "reclaim 4096\n"));
	EXPECT_EQ(1, smm_vmstat("thp_split_page") - split0);
	EXPECT_LT(0, smm_vmstat("pswpout") - out0);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 5));
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * A private mapping reads the object's folio through a PMD, and a write
 * copies one page for the process: the object keeps its bytes.
 */
TEST(private_write_copies)
{
	char *s, *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	s = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, s);
	fill(s, HUGE, 6);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_PRIVATE);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 6));
	EXPECT_EQ(2048, pmd_mapped_kb(p));
	p[PG] = ~p[PG];
	EXPECT_EQ(-1, bad_byte(s, 0, HUGE, 6));
	EXPECT_NE(s[PG], p[PG]);
	EXPECT_EQ(0, munmap(p, HUGE));
	EXPECT_EQ(0, munmap(s, HUGE));
	huge_end(_metadata, fd);
}

/* A child of fork() sees the parent's bytes through the shared mapping. */
TEST(fork_child_sees_bytes)
{
	int status, fd;
	pid_t pid;
	char *p;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 7);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(bad_byte(p, 0, HUGE, 7) == -1 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * MADV_NOHUGEPAGE keeps a mapping to single pages under always, and
 * advise makes a folio only where MADV_HUGEPAGE asked for one.
 */
TEST(madvise_decides_under_advise_and_always)
{
	long long alloc0;
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, 3 * HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, HUGE, MADV_NOHUGEPAGE));
	alloc0 = smm_vmstat("thp_fault_alloc");
	p[0] = 1;
	EXPECT_EQ(0, smm_vmstat("thp_fault_alloc") - alloc0);
	EXPECT_EQ(0, pmd_mapped_kb(p));

	ASSERT_TRUE(set_huge("advise"));
	p[HUGE] = 1;
	EXPECT_EQ(0, smm_vmstat("thp_fault_alloc") - alloc0);
	ASSERT_EQ(0, madvise(p + 2 * HUGE, HUGE, MADV_HUGEPAGE));
	p[2 * HUGE] = 2;
	EXPECT_EQ(1, smm_vmstat("thp_fault_alloc") - alloc0);
	EXPECT_EQ(2048, pmd_mapped_kb(p + 2 * HUGE));
	EXPECT_EQ(1 + 1 + 512, smm_info(fd).resident_pages);
	EXPECT_EQ(0, munmap(p, 3 * HUGE));
	huge_end(_metadata, fd);
}

/*
 * A read fault maps the folio with one PMD, writable (a shared mapping
 * that asks for no write notification); writes keep that PMD.  The
 * written bytes survive reclaim, which writes every page that holds data.
 */
TEST(read_then_write_maps_pmd_again)
{
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, p[5 * PG]);
	EXPECT_EQ(2048, pmd_mapped_kb(p));
	fill(p, HUGE, 8);
	EXPECT_EQ(2048, pmd_mapped_kb(p));
	ASSERT_EQ(0, munmap(p, HUGE));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "reclaim 4096\n"));
	EXPECT_GT(512, smm_info(fd).resident_pages);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 8));
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * mlock() of a PMD mapping: the kernel counts the folio's 512 pages
 * mlocked (its own /proc/meminfo); a punch of the whole folio while it is still mapped and locked
 * frees it, and the count goes back.
 */
TEST(mlock_counts_folio_and_punch_frees_it)
{
	long long mlocked0 = kernel_meminfo_kb("\nMlocked:");
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 9);
	ASSERT_EQ(0, mlock(p, HUGE));
	EXPECT_EQ(2048, kernel_meminfo_kb("\nMlocked:") - mlocked0);
	ASSERT_EQ(0, smm_punch(fd, 0, HUGE));
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, munlock(p, HUGE));
	EXPECT_EQ(0, munmap(p, HUGE));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
	huge_end(_metadata, fd);
	EXPECT_EQ(0, kernel_meminfo_kb("\nMlocked:") - mlocked0);
}

/*
 * A folio a locked mapping faulted in is not marked mlocked by the
 * kernel (it marks a large folio only when mlock() walks one already
 * mapped), yet it must never be evicted: with another, unlocked mapping
 * using it (which moves it off the unevictable list) and reclaim asked
 * for every page, it stays whole and resident, nothing of it stored.
 */
TEST(locked_mapping_keeps_folio_from_reclaim)
{
	long long split0, out0;
	char *l, *a;
	int fd, i;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	l = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, l);
	/* mlock() of an unpopulated range: its populate makes the folio. */
	ASSERT_EQ(0, mlock(l, HUGE));
	EXPECT_EQ(2048, pmd_mapped_kb(l));
	fill(l, HUGE, 13);
	a = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, a);
	split0 = smm_vmstat("thp_split_page");
	out0 = smm_vmstat("pswpout");
	for (i = 0; i < 8; i++) {
		EXPECT_EQ((char)smm_pattern(13, i * PG), a[i * PG]);
		EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
		EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "reclaim 4096\n"));
	}
	EXPECT_EQ(0, smm_vmstat("thp_split_page") - split0);
	EXPECT_EQ(0, smm_vmstat("pswpout") - out0);
	EXPECT_EQ(512, smm_info(fd).resident_pages);
	EXPECT_EQ(-1, bad_byte(l, 0, HUGE, 13));
	EXPECT_EQ(0, munmap(a, HUGE));
	EXPECT_EQ(0, munlock(l, HUGE));
	EXPECT_EQ(0, munmap(l, HUGE));
	huge_end(_metadata, fd);
}

/* mremap() moves a PMD mapping to another 2 MiB boundary, bytes intact. */
TEST(mremap_moves_pmd)
{
	char *p, *q, *to;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 10);
	to = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, to);
	q = mremap(p, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_EQ(to, q);
	EXPECT_EQ(-1, bad_byte(q, 0, HUGE, 10));
	EXPECT_EQ(2048, pmd_mapped_kb(q));
	EXPECT_EQ(0, munmap(q, HUGE));
	huge_end(_metadata, fd);
}

/* mprotect() of part of a PMD mapping: bytes intact on both sides. */
TEST(mprotect_part_keeps_bytes)
{
	char *p;
	int fd;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 11);
	ASSERT_EQ(0, mprotect(p + 16 * PG, 16 * PG, PROT_READ));
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 11));
	p[0] = ~p[0];
	p[HUGE - 1] = ~p[HUGE - 1];
	EXPECT_EQ(512, smm_info(fd).resident_pages);
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * The kernel's own split of a folio (split_folio(), from madvise() of
 * part of a PMD) is refused: it counts on a page-cache folio holding a
 * reference per page, which an object's folio does not, and 511 pipe
 * buffers holding its pages would make its count look right.  The folio
 * stays whole in the object, its bytes intact, and the pipes' pages go
 * back to shadowmm, not to the kernel, when they close.
 */
TEST(kernel_split_is_refused)
{
	long long split0;
	int pipes[2][2], fd, i, n = 0;
	char *p, c;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 12);
	ASSERT_EQ(2048, pmd_mapped_kb(p));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pipe(pipes[i]));
		ASSERT_EQ(1 << 20, fcntl(pipes[i][1], F_SETPIPE_SZ, 1 << 20));
	}
	/* One reference per page of 1..511: pipe 0 takes 256, pipe 1 255. */
	for (i = 1; i < 512; i++) {
		struct iovec iov = { p + i * PG, PG };

		n += vmsplice(pipes[i <= 256 ? 0 : 1][1], &iov, 1, SPLICE_F_NONBLOCK) == PG;
	}
	ASSERT_EQ(511, n);
	/* No per-CPU LRU batch holds a reference of its own. */
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
	split0 = kernel_vmstat("thp_split_page");
	EXPECT_EQ(0, madvise(p, PG, MADV_COLD));
	EXPECT_EQ(0, madvise(p + PG, PG, MADV_PAGEOUT));
	EXPECT_EQ(0, kernel_vmstat("thp_split_page") - split0);
	EXPECT_EQ(2048, smm_meminfo_kb("ObjectsHugePages:"));
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 12));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(1, read(pipes[i][0], &c, 1));
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 12));
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * A size limit inside a folio a pipe's buffer holds whole: the folio
 * cannot be split, and its pages beyond the limit cannot leave it, so
 * the change is refused with EBUSY and nothing changes (the limit, the
 * pages, the bytes, the PMD mapping).  Once the pipe lets go, the same
 * change splits the folio, frees the pages beyond the limit, and a fault
 * there is SIGBUS.  (Before, the limit applied, the pages beyond it were
 * zeroed in place and stayed mapped, readable and writable.)
 */
TEST(limit_inside_held_folio)
{
	long long split0 = smm_vmstat("thp_split_page");
	struct iovec iov;
	int pfd[2], fd;
	char *p, c;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 13);
	ASSERT_EQ(2048, pmd_mapped_kb(p));
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ p + 7 * PG, PG };
	ASSERT_EQ((ssize_t)PG, vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));

	EXPECT_EQ(-1, smm_set_limit(fd, HUGE / 2));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(SHADOWMM_MAX_OBJECT_SIZE, smm_info(fd).size_limit);
	EXPECT_EQ(512, smm_info(fd).resident_pages);
	EXPECT_EQ(0, smm_vmstat("thp_split_page") - split0);
	/* The failed split dropped the PMD; the reads map it again. */
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 13));
	EXPECT_EQ(2048, pmd_mapped_kb(p));

	EXPECT_EQ(1, read(pfd[0], &c, 1));
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_EQ(0, smm_set_limit(fd, HUGE / 2));
	EXPECT_EQ(HUGE / 2, smm_info(fd).size_limit);
	EXPECT_EQ(256, smm_info(fd).resident_pages);
	EXPECT_EQ(1, smm_vmstat("thp_split_page") - split0);
	EXPECT_EQ(SIGBUS, smm_touch(p + HUGE / 2 + 5 * PG, 0, 0, NULL));
	EXPECT_EQ(SIGBUS, smm_touch(p + HUGE - 1, 1, 1, NULL));
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE / 2, 13));
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * A punch of a whole folio a pipe's buffer holds: the folio leaves the
 * object whole and waits as one entry of the pinned list, which counts
 * its 512 pages (the object's pinned_pages, meminfo's ObjectsPinned, and
 * validate's sum); the pipe still reads its bytes, and once it lets go
 * every count is back.  (Before, a folio counted as one page there.)
 */
TEST(pinned_folio_counts_its_pages)
{
	long long pinned0 = smm_meminfo_kb("ObjectsPinned:");
	char buf[PG];
	struct iovec iov;
	int pfd[2], fd, ms;
	size_t i;
	char *p;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	p = smm_map_pmd_aligned(fd, HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 14);
	ASSERT_EQ(2048, pmd_mapped_kb(p));
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ p + 7 * PG, PG };
	ASSERT_EQ((ssize_t)PG, vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK));

	ASSERT_EQ(0, smm_punch(fd, 0, HUGE));
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	EXPECT_EQ(512, smm_info(fd).pinned_pages);
	EXPECT_EQ(2048, smm_meminfo_kb("ObjectsPinned:") - pinned0);
	EXPECT_TRUE(smm_validate_ok());
	ASSERT_EQ((ssize_t)PG, read(pfd[0], buf, PG));
	for (i = 0; i < PG; i++)
		if ((unsigned char)buf[i] != smm_pattern(14, 7 * PG + i))
			break;
	EXPECT_EQ(PG, i);
	close(pfd[0]);
	close(pfd[1]);
	for (ms = 0; ms < 5000 && smm_info(fd).pinned_pages; ms += 20)
		smm_msleep(20);
	EXPECT_EQ(0, smm_info(fd).pinned_pages);
	EXPECT_EQ(0, smm_meminfo_kb("ObjectsPinned:") - pinned0);
	EXPECT_EQ(0, munmap(p, HUGE));
	huge_end(_metadata, fd);
}

/*
 * A region fragmented by single pages (every other one of most of it
 * held), whose free 2 MiB blocks first touches then take until one falls
 * back to smaller pages, has none left; compaction moves the held pages
 * together, and a first touch then gets a folio and a PMD again, every
 * held byte intact.
 */
TEST(compaction_makes_room_for_pmd)
{
	long long free_kb, fb0, alloc0;
	size_t n, i;
	char *f, *p;
	int fd, hf;

	fd = huge_begin(_metadata);
	if (fd == -1)
		SKIP(return, "no PMD-sized folios on this kernel or region");
	ASSERT_LE(0, fd);
	/* Fragment with single pages: the knob off for this object. */
	ASSERT_TRUE(set_huge("never"));
	hf = smm_open();
	ASSERT_LE(0, hf);
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_pcp 1\n"));
	free_kb = smm_meminfo_kb("MemFree:");
	n = (size_t)free_kb * 1024 / PG * 8 / 10;
	f = smm_map_pmd_aligned(hf, n * PG, 0, MAP_SHARED);
	ASSERT_NE(NULL, f);
	fill(f, n * PG, 14);
	for (i = 1; i < n; i += 2)
		ASSERT_EQ(0, smm_punch(hf, i * PG, PG));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_pcp 1\n"));

	ASSERT_TRUE(set_huge("always"));
	fb0 = smm_vmstat("thp_fault_fallback");
	p = smm_map_pmd_aligned(fd, 16 * HUGE, 0, MAP_SHARED);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 16 && smm_vmstat("thp_fault_fallback") == fb0; i++)
		p[i * HUGE] = 1;
	ASSERT_EQ(1, smm_vmstat("thp_fault_fallback") - fb0);
	ASSERT_EQ(0, munmap(p, 16 * HUGE));
	/* Only the fallback's page is let go: the folios keep their blocks. */
	ASSERT_EQ(0, smm_punch(fd, (i - 1) * HUGE, HUGE));
	alloc0 = smm_vmstat("thp_fault_alloc");

	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "compact 1\n"));
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_pcp 1\n"));
	p = smm_map_pmd_aligned(fd, HUGE, 16 * HUGE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	fill(p, HUGE, 15);
	EXPECT_EQ(1, smm_vmstat("thp_fault_alloc") - alloc0);
	EXPECT_EQ(2048, pmd_mapped_kb(p));
	EXPECT_EQ(-1, bad_byte(p, 0, HUGE, 15));
	for (i = 0; i < n; i += 2)
		if (bad_byte(f, i * PG, PG, 14) != -1)
			break;
	EXPECT_LE(n, i) TH_LOG("held page %zu of %zu changed", i, n);
	EXPECT_EQ(0, munmap(p, HUGE));
	EXPECT_EQ(0, munmap(f, n * PG));
	close(hf);
	huge_end(_metadata, fd);
}

/* A bad mode changes nothing. */
TEST(huge_knob_refuses_bad_mode)
{
	char *k;

	EXPECT_FALSE(set_huge("sometimes"));
	EXPECT_EQ(EINVAL, errno);
	k = smm_slurp(SMM_DEBUGFS "/knobs");
	ASSERT_NE(NULL, k);
	EXPECT_NE(NULL, strstr(k, "\nhuge never\n"));
	free(k);
}

TEST_HARNESS_MAIN
