// SPDX-License-Identifier: GPL-2.0
/*
 * Memory objects of /dev/shadowmm as a program sees them: demand-zero
 * pages, the same bytes through mappings and read()/write(), fork and fd
 * passing, MAP_PRIVATE copy-on-write (across fork too), hole punching
 * with the ioctl, the size limit, region exhaustion, bad input,
 * concurrent faults and pinned pages.
 *
 * The module runs with its default region (size_mb=64) and no backing
 * store (swap_mb=0), so exhausting the region is SIGBUS at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "smm_syscalls.h"
#include "smm_test.h"
#include "smm_uring.h"

/*
 * Under emulation with KASAN and lockdep, faulting in the whole region
 * takes minutes, not the harness's default 30 seconds.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	600

#define REGION_MB	64	/* the module's default size_mb */

static char *map(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static char *map_shared(int fd, size_t len, off_t off)
{
	return map(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, off);
}

/* pread exactly @len bytes; the count read. */
static ssize_t pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + done);

		if (n <= 0)
			return n < 0 && !done ? -1 : (ssize_t)done;
		done += n;
	}
	return done;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* ---- demand-zero pages and object lifetime ---- */

TEST(fresh_pages_read_zero)
{
	int fd = smm_open();
	const size_t n = 64;
	char *p = map_shared(fd, n * PG, 0);
	size_t i;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, smm_info(fd).resident_pages) TH_LOG("nothing at mmap");
	/* Read faults on the first half, write faults on the second. */
	for (i = 0; i < n / 2; i++)
		EXPECT_EQ(-1, smm_check_zero(p + i * PG, PG)) TH_LOG("page %zu", i);
	for (i = n / 2; i < n; i++) {
		p[i * PG + 7] = 1;
		p[i * PG + 7] = 0;
		EXPECT_EQ(-1, smm_check_zero(p + i * PG, PG)) TH_LOG("page %zu", i);
	}
	EXPECT_EQ(n, smm_info(fd).resident_pages);
	EXPECT_EQ(0, munmap(p, n * PG));

	/* A page made by a short write is zero around the bytes written. */
	ASSERT_EQ(3, pwrite(fd, "abc", 3, n * PG + 100));
	p = map(fd, PG, PROT_READ, MAP_SHARED, n * PG);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, smm_check_zero(p, 100));
	EXPECT_EQ(0, memcmp(p + 100, "abc", 3));
	EXPECT_EQ(-1, smm_check_zero(p + 103, PG - 103));
	EXPECT_EQ(0, munmap(p, PG));
}

/* Frames freed by one object come back zeroed to the next one. */
TEST(recycled_frames_show_no_previous_bytes)
{
	const size_t n = 1024;	/* 4 MiB */
	int a = smm_open(), b;
	char *p, *q;
	size_t i;

	ASSERT_LE(0, a);
	p = map_shared(a, n * PG, 0);
	ASSERT_NE(NULL, p);
	memset(p, 0xa5, n * PG);
	ASSERT_EQ(0, munmap(p, n * PG));
	ASSERT_EQ(0, close(a));		/* the object and its frames go */

	b = smm_open();
	ASSERT_LE(0, b);
	q = map_shared(b, n * PG, 0);
	ASSERT_NE(NULL, q);
	for (i = 0; i < n; i++) {
		q[i * PG] = q[i * PG];	/* half read faults, half write faults */
		if (i % 2)
			q[i * PG + 1] = 0;
	}
	for (i = 0; i < n; i++)
		ASSERT_EQ(-1, smm_check_zero(q + i * PG, PG)) TH_LOG("page %zu", i);
	EXPECT_EQ(0, munmap(q, n * PG));
	close(b);
}

TEST(bytes_persist_across_munmap_and_mmap)
{
	int fd = smm_open();
	const size_t n = 16;
	char *p = map_shared(fd, n * PG, 0), *q;

	ASSERT_NE(NULL, p);
	smm_fill(p, n * PG, 1, 0);
	ASSERT_EQ(0, munmap(p, n * PG));
	EXPECT_EQ(n, smm_info(fd).resident_pages) TH_LOG("pages stay in the object");

	q = map_shared(fd, n * PG, 0);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(-1, smm_check_fill(q, n * PG, 1, 0));
	ASSERT_EQ(0, munmap(q, n * PG));

	/* A mapping at an offset sees the same bytes at the same offsets. */
	q = map(fd, 4 * PG, PROT_READ, MAP_SHARED, 5 * PG);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(-1, smm_check_fill(q, 4 * PG, 1, 5 * PG));
	EXPECT_EQ(0, munmap(q, 4 * PG));
}

TEST(mapping_outlives_its_fd)
{
	const size_t n = 32;
	long long before = smm_meminfo_kb("Objects:"), during, after;
	int fd = smm_open();
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, before);
	p = map_shared(fd, n * PG, 0);
	ASSERT_NE(NULL, p);
	smm_fill(p, n / 2 * PG, 2, 0);
	ASSERT_EQ(0, close(fd));

	/* The object lives on behind the mapping: old bytes, new faults. */
	EXPECT_EQ(-1, smm_check_fill(p, n / 2 * PG, 2, 0));
	smm_fill(p + n / 2 * PG, n / 2 * PG, 3, n / 2 * PG);
	EXPECT_EQ(-1, smm_check_fill(p, n / 2 * PG, 2, 0));
	EXPECT_EQ(-1, smm_check_fill(p + n / 2 * PG, n / 2 * PG, 3, n / 2 * PG));
	during = smm_meminfo_kb("Objects:");
	EXPECT_LE(before + (long long)n * 4, during);

	/* The last mapping gone, so is the object with its pages. */
	ASSERT_EQ(0, munmap(p, n * PG));
	after = smm_meminfo_kb("Objects:");
	EXPECT_GE(during - (long long)n * 4, after)
		TH_LOG("Objects: %lld kB before, %lld with the mapping, %lld after munmap",
		       before, during, after);
}

TEST(second_open_is_a_distinct_object)
{
	int a = smm_open(), b = smm_open();
	struct shadowmm_info ia, ib;
	char *pa, *pb;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	pa = map_shared(a, 4 * PG, 0);
	pb = map_shared(b, 4 * PG, 0);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	smm_fill(pa, 4 * PG, 4, 0);
	EXPECT_EQ(-1, smm_check_zero(pb, 4 * PG)) TH_LOG("b sees a's bytes");
	pb[0] = 'b';
	EXPECT_EQ(smm_pattern(4, 0), (unsigned char)pa[0]);

	ia = smm_info(a);
	ib = smm_info(b);
	EXPECT_NE(0, ia.id);
	EXPECT_NE(ia.id, ib.id);
	EXPECT_EQ(4, ia.resident_pages);
	EXPECT_EQ(4, ib.resident_pages);
	EXPECT_EQ(4 * PG, ia.size);
	EXPECT_EQ(4 * PG, ib.size);
	munmap(pa, 4 * PG);
	munmap(pb, 4 * PG);
	close(a);
	close(b);
}

/* ---- read()/write() and mappings ---- */

TEST(read_sees_mapped_bytes_and_mapping_sees_written_bytes)
{
	int fd = smm_open();
	const size_t n = 8;
	char *p = map_shared(fd, n * PG, 0);
	char *buf = malloc(n * PG);

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, buf);
	/* Mapping -> read(). */
	smm_fill(p, 4 * PG, 5, 0);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(4 * PG, read(fd, buf, 4 * PG));
	EXPECT_EQ(-1, smm_check_fill(buf, 4 * PG, 5, 0));
	/* Unaligned pread across a page boundary. */
	ASSERT_EQ(PG, pread(fd, buf, PG, PG + 123));
	EXPECT_EQ(-1, smm_check_fill(buf, PG, 5, PG + 123));

	/* write() -> mapping, into pages already mapped... */
	smm_fill(buf, 2 * PG, 6, 0);
	ASSERT_EQ(2 * PG + 10, lseek(fd, 2 * PG + 10, SEEK_SET));
	ASSERT_EQ(2 * PG, write(fd, buf, 2 * PG));
	EXPECT_EQ(4 * PG + 10, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, memcmp(p + 2 * PG + 10, buf, 2 * PG));
	EXPECT_EQ(-1, smm_check_fill(p, 2 * PG + 10, 5, 0));
	/* ... and into pages nobody faulted yet. */
	ASSERT_EQ(PG, pwrite(fd, buf, PG, 6 * PG));
	EXPECT_EQ(0, memcmp(p + 6 * PG, buf, PG));
	EXPECT_EQ(-1, smm_check_zero(p + 5 * PG, PG));

	/* A store through the mapping right after a pwrite of the same page. */
	p[6 * PG + 1] = 'Z';
	ASSERT_EQ(1, pread(fd, buf, 1, 6 * PG + 1));
	EXPECT_EQ('Z', buf[0]);
	free(buf);
	EXPECT_EQ(0, munmap(p, n * PG));
}

/* info.size is the end of the last page written or faulted. */
TEST(size_is_end_of_last_byte_written_or_page_faulted)
{
	int fd = smm_open();
	char *p;

	EXPECT_EQ(0, smm_info(fd).size);
	ASSERT_EQ(1, pwrite(fd, "x", 1, 99));
	EXPECT_EQ(100, smm_info(fd).size) TH_LOG("after writing byte 99");
	ASSERT_EQ(1, pwrite(fd, "y", 1, 3 * PG + 5));
	EXPECT_EQ(3 * PG + 6, smm_info(fd).size) TH_LOG("after writing byte 3*PG+5");

	p = map_shared(fd, 16 * PG, 0);
	ASSERT_NE(NULL, p);
	(void)__atomic_load_n(&p[9 * PG + 1], __ATOMIC_SEQ_CST);
	EXPECT_EQ(10 * PG, smm_info(fd).size) TH_LOG("after a read fault on page 9");
	/* Faults below the size do not move it. */
	p[6 * PG] = 1;
	EXPECT_EQ(10 * PG, smm_info(fd).size);
	EXPECT_EQ(10 * PG, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(0, munmap(p, 16 * PG));
}

TEST(read_stops_at_size_and_holes_read_zero)
{
	int fd = smm_open();
	char buf[3 * PG];
	struct shadowmm_info info;
	ssize_t n;

	memset(buf, 0x77, sizeof(buf));
	ASSERT_EQ(4, pwrite(fd, "data", 4, 5 * PG));
	info = smm_info(fd);
	ASSERT_LE(5 * PG + 4, info.size);
	EXPECT_EQ(1, info.resident_pages) TH_LOG("only the page written");

	/* The hole below reads as zeroes and allocates nothing. */
	ASSERT_EQ(sizeof(buf), pread_all(fd, buf, sizeof(buf), PG));
	EXPECT_EQ(-1, smm_check_zero(buf, sizeof(buf)));
	EXPECT_EQ(1, smm_info(fd).resident_pages);

	/* End of file at info.size: read returns 0 there, short before it. */
	EXPECT_EQ(0, pread(fd, buf, 1, info.size));
	EXPECT_EQ(0, pread(fd, buf, PG, info.size + 3 * PG));
	n = pread(fd, buf, sizeof(buf), info.size - 2);
	EXPECT_EQ(2, n);
	EXPECT_EQ((off_t)info.size, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(0, read(fd, buf, 1)) TH_LOG("read at SEEK_END");
}

/*
 * A write whose source runs into an unreadable page writes the bytes
 * before it and returns their count, as a regular file's does: the size
 * covers them and nothing past them.  A read into a buffer that runs into
 * one likewise fills what it can, returns that count and moves the
 * position by it.  (A partial copy is not -EFAULT, and the bytes not
 * copied are not counted.)
 */
TEST(copy_cut_short_by_an_unreadable_page_returns_what_it_copied)
{
	int fd = smm_open();
	char *buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *edge, *page = malloc(PG), got[200];

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(NULL, page);
	/* The last 100 bytes of a page before a PROT_NONE one. */
	ASSERT_EQ(0, mprotect(buf + PG, PG, PROT_NONE));
	edge = buf + PG - 100;

	smm_fill(edge, 100, 21, 0);
	EXPECT_EQ(100, pwrite(fd, edge, 200, 0));
	EXPECT_EQ(100, smm_info(fd).size);
	memset(got, 0, sizeof(got));
	EXPECT_EQ(100, pread(fd, got, sizeof(got), 0));
	EXPECT_EQ(-1, smm_check_fill(got, 100, 21, 0));
	EXPECT_EQ(0, pread(fd, got, sizeof(got), 100)) TH_LOG("a byte past the copy");

	smm_fill(page, PG, 22, 0);
	ASSERT_EQ(PG, pwrite(fd, page, PG, 0));
	memset(edge, 0, 100);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(100, read(fd, edge, 200));
	EXPECT_EQ(-1, smm_check_fill(edge, 100, 22, 0));
	EXPECT_EQ(100, lseek(fd, 0, SEEK_CUR));
	memset(edge, 0, 100);
	EXPECT_EQ(100, pread(fd, edge, 200, 1000));
	EXPECT_EQ(-1, smm_check_fill(edge, 100, 22, 1000));
	/* The object is as written: the reads changed nothing. */
	EXPECT_EQ(PG, smm_info(fd).size);
	EXPECT_EQ(PG, pread(fd, page, PG, 0));
	EXPECT_EQ(-1, smm_check_fill(page, PG, 22, 0));
	free(page);
	munmap(buf, 2 * PG);
	close(fd);
}

#ifndef RWF_APPEND
#define RWF_APPEND	0x00000010
#endif

/*
 * O_APPEND writes at the size wherever the position is, and leaves the
 * position after the bytes written; RWF_APPEND does the same for one
 * pwritev2() on an fd opened without it (and leaves its position alone,
 * as any positioned write does).
 */
TEST(append_writes_at_the_size)
{
	int fd = open(SMM_DEV, O_RDWR | O_APPEND | O_CLOEXEC), plain = smm_open();
	char ghi[] = "ghi", got[16];
	struct iovec iov = { ghi, 3 };

	ASSERT_LE(0, fd);
	ASSERT_LE(0, plain);
	ASSERT_EQ(3, write(fd, "abc", 3));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(3, write(fd, "def", 3));
	EXPECT_EQ(6, smm_info(fd).size);
	EXPECT_EQ(6, lseek(fd, 0, SEEK_CUR));
	memset(got, 0, sizeof(got));
	EXPECT_EQ(6, pread(fd, got, sizeof(got), 0));
	EXPECT_STREQ("abcdef", got);

	ASSERT_EQ(3, write(plain, "abc", 3));
	ASSERT_EQ(1, lseek(plain, 1, SEEK_SET));
	EXPECT_EQ(3, pwritev2(plain, &iov, 1, 0, RWF_APPEND));
	EXPECT_EQ(6, smm_info(plain).size);
	EXPECT_EQ(1, lseek(plain, 0, SEEK_CUR));
	memset(got, 0, sizeof(got));
	EXPECT_EQ(6, pread(plain, got, sizeof(got), 0));
	EXPECT_STREQ("abcghi", got);
	close(plain);
	close(fd);
}

/*
 * read() and write() whose user buffer is a fresh mapping of the same
 * object: the copy faults the object's pages in while the syscall holds
 * the object's lock and its own page, another page or the same one.  The
 * bytes land where they belong and nothing deadlocks: faults take neither
 * the object's lock nor hold the page's across the copy.  An alarm ends a
 * deadlock (its signal kills a killable wait) as a failure.
 */
TEST(read_and_write_with_a_buffer_mapping_the_same_object)
{
	int fd = smm_open();
	char *src = malloc(PG), *got = malloc(PG), *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, got);
	alarm(60);
	smm_fill(src, PG, 31, 0);
	ASSERT_EQ(PG, pwrite(fd, src, PG, 0));

	/* Page 0 read into page 2, which only the copy's fault makes. */
	p = map_shared(fd, 8 * PG, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(PG, pread(fd, p + 2 * PG, PG, 0));
	EXPECT_EQ(0, munmap(p, 8 * PG));
	/* Page 0 written to page 4 from a mapping of it not yet faulted. */
	q = map(fd, PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(PG, pwrite(fd, q, PG, 4 * PG));
	EXPECT_EQ(0, munmap(q, PG));
	EXPECT_EQ(PG, pread(fd, got, PG, 2 * PG));
	EXPECT_EQ(-1, smm_check_fill(got, PG, 31, 0)) TH_LOG("page 2");
	EXPECT_EQ(PG, pread(fd, got, PG, 4 * PG));
	EXPECT_EQ(-1, smm_check_fill(got, PG, 31, 0)) TH_LOG("page 4");

	/* The same page at both ends: page 4's second half read into its first. */
	p = map_shared(fd, PG, 4 * PG);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(PG / 2, pread(fd, p, PG / 2, 4 * PG + PG / 2));
	EXPECT_EQ(0, munmap(p, PG));
	EXPECT_EQ(PG, pread(fd, got, PG, 4 * PG));
	EXPECT_EQ(-1, smm_check_fill(got, PG / 2, 31, PG / 2)) TH_LOG("page 4, first half");
	EXPECT_EQ(-1, smm_check_fill(got + PG / 2, PG / 2, 31, PG / 2));
	/* And page 0's first half written over its second. */
	q = map(fd, PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(PG / 2, pwrite(fd, q, PG / 2, PG / 2));
	EXPECT_EQ(0, munmap(q, PG));
	EXPECT_EQ(PG, pread(fd, got, PG, 0));
	EXPECT_EQ(-1, smm_check_fill(got, PG / 2, 31, 0));
	EXPECT_EQ(-1, smm_check_fill(got + PG / 2, PG / 2, 31, 0)) TH_LOG("page 0, second half");
	alarm(0);
	free(src);
	free(got);
	close(fd);
}

/* A write of a page from @src at offset 0, in a thread of its own. */
struct held_writer {
	int fd;
	char *src;
	ssize_t ret;
};

static void *held_writer_fn(void *arg)
{
	struct held_writer *w = arg;

	w->ret = pwrite(w->fd, w->src, PG, 0);
	return NULL;
}

/* The state letter of process @pid in /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

/*
 * What a child does to an object whose lock a write holds: each of these
 * waits for the lock (for reading, the read; for writing, the others).
 */
static const char *const held_ops[] = { "pwrite", "pread", "SET_LIMIT", "PUNCH_HOLE" };

static void held_child(int fd, int op)
{
	char c;

	switch (op) {
	case 0:
		_exit(pwrite(fd, "k", 1, 2 * PG) == 1 ? 0 : 1);
	case 1:
		_exit(pread(fd, &c, 1, 0) >= 0 ? 0 : 1);
	case 2:
		_exit(smm_set_limit(fd, 64 * PG) ? 1 : 0);
	default:
		_exit(smm_punch(fd, 0, PG) ? 1 : 0);
	}
}

#define NR_HELD	((int)ARRAY_SIZE(held_ops))

/*
 * Whatever waits for an object's lock while a write holds it can be
 * killed: the write's copy waits on a userfaultfd-registered page of
 * anonymous memory nobody resolves (as a copy from a FUSE-backed buffer
 * may wait for good), and forked children's write, read and ioctls on the
 * same object sleep behind it.  SIGKILL must end each within 2 s, before
 * the page is resolved; the held write then completes, and the killed
 * calls changed nothing.
 */
TEST(calls_waiting_for_the_object_lock_can_be_killed)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct pollfd pfd = { .events = POLLIN };
	struct held_writer w = { .ret = -2 };
	int fd = smm_open(), ufd, status[NR_HELD], i, k, asleep;
	bool reaped[NR_HELD] = { false };
	char *src, *page = malloc(PG);
	struct uffdio_copy copy;
	pid_t pid[NR_HELD];
	struct uffd_msg msg;
	pthread_t tid;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, page);
	/* Not UFFD_USER_MODE_ONLY: the fault to catch is the kernel's copy. */
	ufd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ufd < 0 || ioctl(ufd, UFFDIO_API, &api))
		SKIP(return, "no userfaultfd that catches kernel faults: %s", strerror(errno));
	src = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	reg.range.start = (uintptr_t)src;
	reg.range.len = PG;
	if (ioctl(ufd, UFFDIO_REGISTER, &reg))
		SKIP(return, "UFFDIO_REGISTER (missing) on anonymous memory: %s", strerror(errno));

	w.fd = fd;
	w.src = src;
	ASSERT_EQ(0, pthread_create(&tid, NULL, held_writer_fn, &w));
	/* Its copy waits on the page: the write holds the object's lock. */
	pfd.fd = ufd;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("the write never faulted on its source");
	ASSERT_EQ(sizeof(msg), read(ufd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	for (k = 0; k < NR_HELD; k++) {
		pid[k] = fork();
		ASSERT_LE(0, pid[k]);
		if (!pid[k])
			held_child(fd, k);
		/* Asleep (D, killable or not) for 100 ms: waiting for the lock. */
		for (i = 0, asleep = 0; i < 200 && asleep < 5; i++) {
			asleep = proc_state(pid[k]) == 'D' ? asleep + 1 : 0;
			smm_msleep(20);
		}
		EXPECT_EQ(5, asleep) TH_LOG("the child's %s never waited", held_ops[k]);
	}
	for (k = 0; k < NR_HELD; k++)
		ASSERT_EQ(0, kill(pid[k], SIGKILL));
	for (i = 0; i < 100; i++) {
		bool all = true;

		for (k = 0; k < NR_HELD; k++) {
			if (!reaped[k])
				reaped[k] = waitpid(pid[k], &status[k], WNOHANG) == pid[k];
			all &= reaped[k];
		}
		if (all)
			break;
		smm_msleep(20);
	}
	for (k = 0; k < NR_HELD; k++) {
		const char *op = held_ops[k];

		EXPECT_TRUE(reaped[k]) TH_LOG("the killed %s still waits for the lock", op);
	}

	/* The page resolved: the held write goes on, then any wait left. */
	smm_fill(page, PG, 51, 0);
	copy = (struct uffdio_copy){
		.dst = msg.arg.pagefault.address & ~(PG - 1),
		.src = (uintptr_t)page,
		.len = PG,
	};
	EXPECT_EQ(0, ioctl(ufd, UFFDIO_COPY, &copy)) TH_LOG("UFFDIO_COPY: %s", strerror(errno));
	ASSERT_EQ(0, pthread_join(tid, NULL));
	EXPECT_EQ(PG, w.ret);
	for (k = 0; k < NR_HELD; k++) {
		if (!reaped[k])
			ASSERT_EQ(pid[k], waitpid(pid[k], &status[k], 0));
		EXPECT_TRUE(WIFSIGNALED(status[k]) && WTERMSIG(status[k]) == SIGKILL)
			TH_LOG("%s", held_ops[k]);
	}
	/* No killed write, limit or punch took effect. */
	EXPECT_EQ(PG, smm_info(fd).size);
	EXPECT_NE(64 * PG, smm_info(fd).size_limit);
	memset(page, 0, PG);
	EXPECT_EQ(PG, pread(fd, page, PG, 0));
	EXPECT_EQ(-1, smm_check_fill(page, PG, 51, 0));
	free(page);
	munmap(src, PG);
	close(ufd);
	close(fd);
}

/* ---- sharing ---- */

TEST(fork_shares_map_shared_pages)
{
	int fd = smm_open();
	int to_child[2], to_parent[2];
	char *p = map_shared(fd, 4 * PG, 0), c;
	pid_t pid;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	p[0] = 'P';		/* faulted before the fork */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		bad |= p[0] != 'P';
		p[PG] = 'C';	/* a new page, faulted in the child */
		p[1] = 'c';	/* an old one, written by the child */
		if (write(to_parent[1], "1", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		bad |= (p[2 * PG] != 'Q') << 1;	/* faulted by the parent after fork */
		bad |= (p[2] != 'q') << 2;
		_exit(bad);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ('C', p[PG]);
	EXPECT_EQ('c', p[1]);
	p[2 * PG] = 'Q';
	p[2] = 'q';
	ASSERT_EQ(1, write(to_child[1], "1", 1));
	c = 0;
	ASSERT_EQ(1, pread(fd, &c, 1, PG));
	EXPECT_EQ('C', c);
	EXPECT_EQ(0, wait_child(pid)) TH_LOG("child status (bit 0: old page, 1: new, 2: written)");
	EXPECT_EQ(3, smm_info(fd).resident_pages);
	munmap(p, 4 * PG);
}

TEST(map_private_cow_leaves_object_untouched)
{
	int fd = smm_open();
	const size_t n = 4;
	struct shadowmm_info before, after;
	long long cow0 = smm_vmstat("pgfault_cow"), cow1;
	char *priv, *shared, buf[PG];

	ASSERT_LE(0, cow0);
	priv = map(fd, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	shared = map_shared(fd, n * PG, 0);
	ASSERT_NE(NULL, priv);
	ASSERT_NE(NULL, shared);
	smm_fill(shared, 2 * PG, 7, 0);
	/* Private mapping reads the object's bytes. */
	EXPECT_EQ(-1, smm_check_fill(priv, 2 * PG, 7, 0));

	before = smm_info(fd);
	/* Writes: page 0 read first (then write-protect fault), page 3 fresh. */
	priv[10] = 'x';
	priv[3 * PG + 10] = 'y';
	after = smm_info(fd);
	EXPECT_EQ('x', priv[10]);
	EXPECT_EQ('y', priv[3 * PG + 10]);
	EXPECT_EQ(-1, smm_check_fill(priv + 11, PG - 11, 7, 11));

	/* The object did not change: read(), the shared mapping. */
	ASSERT_EQ(PG, pread(fd, buf, PG, 0));
	EXPECT_EQ(-1, smm_check_fill(buf, PG, 7, 0));
	EXPECT_EQ(-1, smm_check_fill(shared, 2 * PG, 7, 0));
	EXPECT_EQ(-1, smm_check_zero(shared + 3 * PG, PG));
	ASSERT_EQ(PG, pread(fd, buf, PG, 3 * PG));
	EXPECT_EQ(-1, smm_check_zero(buf, PG));

	/* A shared write after the copy is not seen by the private copy. */
	shared[10] = 'S';
	EXPECT_EQ('x', priv[10]);
	EXPECT_LE(before.faults_cow + 1, after.faults_cow)
		TH_LOG("faults_cow %llu -> %llu", (unsigned long long)before.faults_cow,
		       (unsigned long long)after.faults_cow);
	cow1 = smm_vmstat("pgfault_cow");
	EXPECT_LT(cow0, cow1);
	munmap(priv, n * PG);
	munmap(shared, n * PG);
}

/* Who wrote what in map_private_cow_after_fork: the seeds of the bytes. */
enum { COW_OBJ = 21, COW_PRE = 23, COW_CHILD = 31, COW_PARENT = 41 };

/* Page @i of @p holds the bytes of @seed (as written at offset i * PG). */
static int cow_page_is(const char *p, unsigned long i, uint64_t seed)
{
	return smm_check_fill(p + i * PG, PG, seed, i * PG) == -1;
}

static void cow_page_write(char *p, unsigned long i, uint64_t seed)
{
	smm_fill(p + i * PG, PG, seed, i * PG);
}

/*
 * The child's part: write page 0 (never mapped in it: a copy-on-write
 * fault) and page 3 (the parent's private copy, inherited), then read page
 * 2 (mapped read-only) and write it; last, what it sees.  Returns a bit
 * per page that was wrong, 64 when the parent stopped answering.
 */
static int cow_child(char *priv, int from_parent, int to_parent)
{
	int bad = 0;
	char c;

	bad |= !cow_page_is(priv, 3, COW_PRE) << 0;
	cow_page_write(priv, 0, COW_CHILD);
	cow_page_write(priv, 3, COW_CHILD);
	if (write(to_parent, "1", 1) != 1 || read(from_parent, &c, 1) != 1)
		return 64;
	bad |= !cow_page_is(priv, 2, COW_OBJ) << 1;
	cow_page_write(priv, 2, COW_CHILD);
	if (write(to_parent, "2", 1) != 1 || read(from_parent, &c, 1) != 1)
		return 64;
	bad |= !cow_page_is(priv, 0, COW_CHILD) << 2;
	bad |= !cow_page_is(priv, 1, COW_OBJ) << 3;
	bad |= !cow_page_is(priv, 2, COW_CHILD) << 4;
	bad |= !cow_page_is(priv, 3, COW_CHILD) << 5;
	return bad;
}

/*
 * The object's faults_cow moved by @cow since *@last, which becomes the
 * object's info now; @what names the step.
 */
static void cow_step(struct __test_metadata *_metadata, int fd,
		     struct shadowmm_info *last, __u64 cow, const char *what)
{
	struct shadowmm_info now = smm_info(fd);

	EXPECT_EQ(cow, now.faults_cow - last->faults_cow)
		TH_LOG("%s: faults_cow %llu -> %llu", what,
		       (unsigned long long)last->faults_cow, (unsigned long long)now.faults_cow);
	*last = now;
}

/*
 * Copy-on-write after fork.  An object of 4 pages written with write(),
 * mapped MAP_PRIVATE; the parent writes page 3 before fork.  Then the
 * child writes pages 0 and 3, reads page 2 and writes it, and the parent
 * writes page 0 and reads then writes page 2.  Each sees its own bytes
 * and the object's where it wrote nothing; the object (pread) is as it
 * was, with no page added.
 *
 * faults_cow counts write faults on MAP_PRIVATE mappings that reach the
 * device: a write to a page the process has no pte for (do_cow_fault()).
 * A private page already mapped, read-only after a read fault or shared
 * with the other process after fork, is copied by the kernel's
 * do_wp_page() without asking the device.  So the parent's page 3 before
 * fork and the two page 0 writes count, 3 in all; the page 3 and page 2
 * copies do not, and page 2's read is one minor fault.
 */
TEST(map_private_cow_after_fork)
{
	int fd = smm_open(), to_child[2], to_parent[2], status;
	struct shadowmm_info start, last, before_read;
	long long cow0 = smm_vmstat("pgfault_cow");
	char buf[PG], *priv, c;
	unsigned long i;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, cow0);
	for (i = 0; i < 4; i++) {
		smm_fill(buf, PG, COW_OBJ, i * PG);
		ASSERT_EQ(PG, pwrite(fd, buf, PG, i * PG));
	}
	priv = map(fd, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(NULL, priv);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));

	start = last = smm_info(fd);
	cow_page_write(priv, 3, COW_PRE);
	cow_step(_metadata, fd, &last, 1, "the parent's page 3 before fork");

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(cow_child(priv, to_child[0], to_parent[1]));

	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	cow_step(_metadata, fd, &last, 1, "the child's pages 0 and 3");
	before_read = last;
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	cow_step(_metadata, fd, &last, 0, "the child's page 2");
	EXPECT_EQ(before_read.faults_minor + 1, last.faults_minor)
		TH_LOG("the child's read of page 2 is one minor fault");

	cow_page_write(priv, 0, COW_PARENT);
	cow_step(_metadata, fd, &last, 1, "the parent's page 0");
	EXPECT_TRUE(cow_page_is(priv, 2, COW_OBJ)) TH_LOG("page 2 in the parent before its write");
	cow_page_write(priv, 2, COW_PARENT);
	cow_step(_metadata, fd, &last, 0, "the parent's page 2");

	ASSERT_EQ(1, write(to_child[1], "g", 1));
	status = wait_child(pid);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child: bit 0 inherited page 3, 1 page 2 read, 2..5 pages 0..3 at the end, 64 sync");

	EXPECT_TRUE(cow_page_is(priv, 0, COW_PARENT));
	EXPECT_TRUE(cow_page_is(priv, 1, COW_OBJ));
	EXPECT_TRUE(cow_page_is(priv, 2, COW_PARENT));
	EXPECT_TRUE(cow_page_is(priv, 3, COW_PRE));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(PG, pread(fd, buf, PG, i * PG));
		EXPECT_EQ(-1, smm_check_fill(buf, PG, COW_OBJ, i * PG)) TH_LOG("object page %lu", i);
	}
	last = smm_info(fd);
	EXPECT_EQ(start.resident_pages, last.resident_pages);
	EXPECT_EQ(4, last.resident_pages);
	EXPECT_EQ(start.faults_cow + 3, last.faults_cow);
	EXPECT_EQ(cow0 + 3, smm_vmstat("pgfault_cow"));
	munmap(priv, 4 * PG);
}

TEST(madv_dontneed_keeps_content)
{
	int fd = smm_open();
	const size_t n = 8;
	char *p = map_shared(fd, n * PG, 0);
	struct shadowmm_info info;

	ASSERT_NE(NULL, p);
	smm_fill(p, n * PG, 8, 0);
	ASSERT_EQ(0, madvise(p, n * PG, MADV_DONTNEED));
	info = smm_info(fd);
	EXPECT_EQ(n, info.resident_pages) TH_LOG("pages stay in the object");
	EXPECT_EQ(-1, smm_check_fill(p, n * PG, 8, 0));
	/* Part of the range, then read through read(). */
	ASSERT_EQ(0, madvise(p + 2 * PG, 3 * PG, MADV_DONTNEED));
	EXPECT_EQ(-1, smm_check_fill(p + 2 * PG, 3 * PG, 8, 2 * PG));
	EXPECT_EQ(n, smm_info(fd).resident_pages);
	munmap(p, n * PG);
}

/* ---- hole punching ---- */

/*
 * 8 pages of pattern, pages 2..4 punched by the ioctl: those read zero
 * through the mapping, a second mapping and read(); the others keep their
 * bytes; the object holds 3 pages fewer; touching them again gives fresh
 * zeroed pages.
 */
static void punch_case(struct __test_metadata *_metadata, int fd)
{
	const size_t n = 8;
	char *p = map_shared(fd, n * PG, 0), *q, buf[3 * PG];
	int ret = -1;
	size_t i;

	ASSERT_NE(NULL, p);
	q = map(fd, n * PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(NULL, q);
	smm_fill(p, n * PG, 9, 0);
	EXPECT_EQ(-1, smm_check_fill(q, n * PG, 9, 0));	/* both mapped */
	ASSERT_EQ(n, smm_info(fd).resident_pages);

	ret = smm_punch(fd, 2 * PG, 3 * PG);
	ASSERT_EQ(0, ret) TH_LOG("punch: %s", strerror(errno));

	EXPECT_EQ(n - 3, smm_info(fd).resident_pages);
	EXPECT_EQ(n * PG, smm_info(fd).size) TH_LOG("the size stays");
	EXPECT_EQ(-1, smm_check_zero(p + 2 * PG, 3 * PG)) TH_LOG("writer's mapping");
	EXPECT_EQ(-1, smm_check_zero(q + 2 * PG, 3 * PG)) TH_LOG("reader's mapping");
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 2 * PG));
	EXPECT_EQ(-1, smm_check_zero(buf, sizeof(buf))) TH_LOG("read()");
	EXPECT_EQ(-1, smm_check_fill(p, 2 * PG, 9, 0));
	EXPECT_EQ(-1, smm_check_fill(p + 5 * PG, 3 * PG, 9, 5 * PG));
	EXPECT_EQ(-1, smm_check_fill(q + 5 * PG, 3 * PG, 9, 5 * PG));

	/* Touched again: new pages, seen by both mappings. */
	for (i = 2; i < 5; i++)
		p[i * PG + 1] = 'n';
	EXPECT_EQ('n', q[3 * PG + 1]);
	EXPECT_EQ(0, q[3 * PG]);
	EXPECT_EQ(n, smm_info(fd).resident_pages);
	munmap(p, n * PG);
	munmap(q, n * PG);
}

TEST(punch_hole_by_ioctl)
{
	int fd = smm_open();

	punch_case(_metadata, fd);
}

/* Punching everything there can be at once is a valid range. */
TEST(punch_whole_object_range)
{
	int fd = smm_open();
	char *p = map_shared(fd, 4 * PG, 0);

	ASSERT_NE(NULL, p);
	memset(p, 1, 4 * PG);
	ASSERT_EQ(0, smm_punch(fd, 0, SHADOWMM_MAX_OBJECT_SIZE));
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	EXPECT_EQ(-1, smm_check_zero(p, 4 * PG));
	munmap(p, 4 * PG);
}

/* ---- size limit ---- */

TEST(size_limit_faults_get_sigbus)
{
	int fd = smm_open();
	const size_t n = 8;
	long long sigbus0 = smm_vmstat("pgfault_sigbus");
	struct shadowmm_info info;
	char *p, got;

	ASSERT_LE(0, sigbus0);
	ASSERT_EQ(0, smm_set_limit(fd, 4 * PG));
	EXPECT_EQ(4 * PG, smm_info(fd).size_limit);
	p = map_shared(fd, n * PG, 0);
	ASSERT_NE(NULL, p);

	EXPECT_EQ(0, smm_touch(p + 3 * PG + PG - 1, 1, 'a', NULL)) TH_LOG("last page below");
	EXPECT_EQ(SIGBUS, smm_touch(p + 4 * PG, 1, 'b', NULL)) TH_LOG("write at the limit");
	EXPECT_EQ(SIGBUS, smm_touch(p + 4 * PG, 0, 0, &got)) TH_LOG("read at the limit");
	EXPECT_EQ(SIGBUS, smm_touch(p + 7 * PG + 9, 0, 0, &got)) TH_LOG("read beyond");
	info = smm_info(fd);
	EXPECT_EQ(1, info.resident_pages);
	EXPECT_LE(3, info.faults_sigbus);
	EXPECT_EQ(4 * PG, info.size);
	EXPECT_LE(sigbus0 + 3, smm_vmstat("pgfault_sigbus"));

	/* Lowering the limit frees the pages beyond it and clamps the size. */
	memset(p, 'x', 4 * PG);
	ASSERT_EQ(4, smm_info(fd).resident_pages);
	ASSERT_EQ(0, smm_set_limit(fd, 2 * PG));
	info = smm_info(fd);
	EXPECT_EQ(2, info.resident_pages);
	EXPECT_EQ(2 * PG, info.size);
	EXPECT_EQ(SIGBUS, smm_touch(p + 2 * PG, 0, 0, &got)) TH_LOG("page 2, now beyond");
	EXPECT_EQ(0, smm_touch(p + PG, 0, 0, &got));
	EXPECT_EQ('x', got);

	/* Raised again: the freed page comes back as a new, zeroed one. */
	ASSERT_EQ(0, smm_set_limit(fd, SHADOWMM_MAX_OBJECT_SIZE));
	EXPECT_EQ(0, smm_touch(p + 2 * PG, 0, 0, &got));
	EXPECT_EQ(-1, smm_check_zero(p + 2 * PG, 2 * PG));
	munmap(p, n * PG);
}

/*
 * Lowering the limit is ftruncate() for a private mapping too: its copies
 * of pages beyond the new limit go, and touching them is SIGBUS, as it is
 * for a page the object never had there.
 */
TEST(size_limit_drops_private_copies_beyond)
{
	int fd = smm_open();
	char *priv, got;

	priv = map(fd, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(NULL, priv);
	memset(priv, 'c', 4 * PG);
	ASSERT_EQ(0, smm_set_limit(fd, 2 * PG));
	EXPECT_EQ(0, smm_touch(priv + PG, 0, 0, &got)) TH_LOG("copy below the limit");
	EXPECT_EQ('c', got);
	EXPECT_EQ(SIGBUS, smm_touch(priv + 2 * PG, 0, 0, &got)) TH_LOG("copy at the limit");
	EXPECT_EQ(SIGBUS, smm_touch(priv + 3 * PG, 1, 'd', NULL)) TH_LOG("copy beyond");
	munmap(priv, 4 * PG);
}

/*
 * Offsets at the top of what a file position and a mapping can name: a
 * write at LLONG_MAX - 1 gets EFBIG and a read there finds nothing; the
 * position cannot be set past the 1 TiB an object can hold; SEEK_DATA and
 * SEEK_HOLE keep to the size; a mapping at a page offset near 2^52 is
 * made, and its first touch is SIGBUS.  Nothing of it changes the object.
 */
TEST(offsets_at_the_top_of_the_range)
{
	off_t far_off = (off_t)(((1ULL << 52) - 4) * PG);
	struct shadowmm_info info;
	int fd = smm_open();
	char b[10] = "ten bytes";
	char *far, got;

	ASSERT_EQ(10, pwrite(fd, b, 10, 0));
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, b, 1, LLONG_MAX - 1));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(0, pread(fd, b, 1, LLONG_MAX - 1));
	errno = 0;
	EXPECT_EQ(-1, lseek(fd, (1LL << 40) + PG, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_DATA));
	EXPECT_EQ(10, lseek(fd, 0, SEEK_HOLE));
	errno = 0;
	EXPECT_EQ(-1, lseek(fd, 10, SEEK_DATA));
	EXPECT_EQ(ENXIO, errno);

	far = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, far_off);
	ASSERT_NE(MAP_FAILED, far);
	EXPECT_EQ(SIGBUS, smm_touch(far, 1, 'f', NULL));
	EXPECT_EQ(SIGBUS, smm_touch(far, 0, 0, &got));
	munmap(far, PG);

	info = smm_info(fd);
	EXPECT_EQ(1, info.resident_pages);
	EXPECT_EQ(10, info.size);
	close(fd);
}

TEST(size_limit_writes_get_efbig)
{
	int fd = smm_open();
	char *buf = malloc(3 * PG);
	struct shadowmm_info info;

	ASSERT_NE(NULL, buf);
	memset(buf, 'w', 3 * PG);
	ASSERT_EQ(0, smm_set_limit(fd, 2 * PG));
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, buf, 1, 2 * PG));
	EXPECT_EQ(EFBIG, errno);
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, buf, PG, 5 * PG));
	EXPECT_EQ(EFBIG, errno);
	/* A write across the limit stops there. */
	EXPECT_EQ(50, pwrite(fd, buf, 100, 2 * PG - 50));
	EXPECT_EQ(2 * PG, pwrite(fd, buf, 3 * PG, 0));
	/* write() at the file position too, which moves no further. */
	ASSERT_EQ(2 * PG - 1, lseek(fd, 2 * PG - 1, SEEK_SET));
	EXPECT_EQ(1, write(fd, buf, 2));
	errno = 0;
	EXPECT_EQ(-1, write(fd, buf, 1));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(2 * PG, lseek(fd, 0, SEEK_CUR));
	info = smm_info(fd);
	EXPECT_EQ(2, info.resident_pages);
	EXPECT_EQ(2 * PG, info.size);
	free(buf);
}

/*
 * RLIMIT_FSIZE caps write() as on any file: a write that starts past it
 * gets EFBIG (and SIGXFSZ), one across it stops there, and one of no bytes
 * is no write at all (0, no signal).  The module once ignored the limit:
 * under "ulimit -f 4" a write at 1 GiB grew the object to it.
 */
TEST(write_honours_rlimit_fsize)
{
	int fd = smm_open(), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 2 * PG, .rlim_max = RLIM_INFINITY };
		char buf[3 * PG];

		memset(buf, 'f', sizeof(buf));
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		/* SIGXFSZ at its default: a signal would kill the child. */
		if (pwrite(fd, buf, 0, 1 << 20) != 0)
			_exit(13);
		signal(SIGXFSZ, SIG_IGN);
		errno = 0;
		if (pwrite(fd, buf, 1, 1 << 20) != -1 || errno != EFBIG)
			_exit(11);
		if (pwrite(fd, buf, 3 * PG, 0) != 2 * PG)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child exit %d, signal %d (11: a write past the limit, 12: one across it, 13 or SIGXFSZ: one of 0 bytes past it)",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	EXPECT_EQ(2 * PG, smm_info(fd).size);
	close(fd);
}

/* Offsets up to the largest object work; at SHADOWMM_MAX_OBJECT_SIZE SIGBUS. */
TEST(mapping_at_max_object_size_gets_sigbus)
{
	int fd = smm_open();
	char *p = map_shared(fd, 2 * PG, SHADOWMM_MAX_OBJECT_SIZE - PG), got;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, smm_touch(p, 1, 'e', NULL)) TH_LOG("the last page");
	EXPECT_EQ(SIGBUS, smm_touch(p + PG, 0, 0, &got)) TH_LOG("the first beyond");
	EXPECT_EQ(1, smm_info(fd).resident_pages);
	EXPECT_EQ(SHADOWMM_MAX_OBJECT_SIZE, smm_info(fd).size);
	munmap(p, 2 * PG);
}

/* ---- region exhaustion ---- */

TEST(region_exhaustion_gets_sigbus_not_oom)
{
	int fd = smm_open();
	const size_t keep = 64, big = (REGION_MB + 16) << 20;
	long long sigbus0 = smm_vmstat("pgfault_sigbus"), objects0;
	struct shadowmm_info info;
	int status, fd2;
	char *p, *q;
	pid_t pid;

	ASSERT_LE(0, sigbus0);
	p = map_shared(fd, 2 * keep * PG, 0);
	ASSERT_NE(NULL, p);
	smm_fill(p, keep * PG, 10, 0);
	objects0 = smm_meminfo_kb("Objects:");

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = smm_open();
		size_t i;

		if (fd < 0)
			_exit(2);
		q = map_shared(fd, big, 0);
		if (!q)
			_exit(3);
		for (i = 0; i < big; i += PG)
			q[i] = 1;
		_exit(0);	/* every page fitted: the region was not exhausted */
	}
	status = wait_child(pid);
	ASSERT_TRUE(WIFSIGNALED(status))
		TH_LOG("child exited with %d after touching %zu MiB", WEXITSTATUS(status),
		       big >> 20);
	EXPECT_EQ(SIGBUS, WTERMSIG(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
	EXPECT_LT(sigbus0, smm_vmstat("pgfault_sigbus"));

	/* The parent's pages kept their bytes; the child's went back. */
	EXPECT_EQ(-1, smm_check_fill(p, keep * PG, 10, 0));
	info = smm_info(fd);
	EXPECT_EQ(keep, info.resident_pages);
	EXPECT_GE(objects0 + 64, smm_meminfo_kb("Objects:"));
	/* And the region serves new faults again. */
	memset(p + keep * PG, 'z', keep * PG);
	EXPECT_EQ(2 * keep, smm_info(fd).resident_pages);
	fd2 = smm_open();
	ASSERT_LE(0, fd2);
	q = map_shared(fd2, (REGION_MB / 4) << 20, 0);
	ASSERT_NE(NULL, q);
	memset(q, 'r', (REGION_MB / 4) << 20);
	EXPECT_EQ((REGION_MB / 4) << 8, smm_info(fd2).resident_pages);
	munmap(q, (REGION_MB / 4) << 20);
	close(fd2);
	EXPECT_TRUE(smm_validate_ok());
	munmap(p, 2 * keep * PG);
}

/* ---- bad input: refused, and nothing changes ---- */

static void expect_same_info(struct __test_metadata *_metadata, int fd,
			     const struct shadowmm_info *a, const char *what)
{
	struct shadowmm_info b = smm_info(fd);

	EXPECT_EQ(a->id, b.id) TH_LOG("%s", what);
	EXPECT_EQ(a->size, b.size) TH_LOG("%s", what);
	EXPECT_EQ(a->size_limit, b.size_limit) TH_LOG("%s", what);
	EXPECT_EQ(a->resident_pages, b.resident_pages) TH_LOG("%s", what);
	EXPECT_EQ(a->faults_minor, b.faults_minor) TH_LOG("%s", what);
	EXPECT_EQ(a->faults_major, b.faults_major) TH_LOG("%s", what);
	EXPECT_EQ(a->faults_cow, b.faults_cow) TH_LOG("%s", what);
	EXPECT_EQ(a->faults_sigbus, b.faults_sigbus) TH_LOG("%s", what);
	EXPECT_EQ(0, b.reserved[0]);
	EXPECT_EQ(0, b.reserved[1]);
	EXPECT_EQ(0, b.reserved[2]);
}

/* An object with 4 pages of pattern, a limit of 8 pages, mapped. */
static char *bad_input_setup(struct __test_metadata *_metadata, int fd,
			     struct shadowmm_info *info)
{
	char *p;

	EXPECT_EQ(0, smm_set_limit(fd, 8 * PG));
	p = map_shared(fd, 4 * PG, 0);
	if (!p)
		return NULL;
	smm_fill(p, 4 * PG, 11, 0);
	*info = smm_info(fd);
	return p;
}

#define REFUSED(err, call, what) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, (long)(call)) TH_LOG("%s was accepted", what);	\
	EXPECT_EQ(err, errno) TH_LOG("%s: %s", what, strerror(errno));	\
	expect_same_info(_metadata, fd, &info, what);		\
} while (0)

TEST(unknown_ioctls_get_enotty)
{
	int fd = smm_open();
	struct shadowmm_info info, big[2];
	char *p = bad_input_setup(_metadata, fd, &info);
	struct termios t;

	ASSERT_NE(NULL, p);
	REFUSED(ENOTTY, ioctl(fd, _IO(SHADOWMM_IOC_MAGIC, 0)), "nr 0");
	REFUSED(ENOTTY, ioctl(fd, _IO(SHADOWMM_IOC_MAGIC, 4)), "nr 4");
	REFUSED(ENOTTY, ioctl(fd, _IOR(SHADOWMM_IOC_MAGIC, 1, __u32), big), "INFO, wrong size");
	REFUSED(ENOTTY, ioctl(fd, _IOW(SHADOWMM_IOC_MAGIC, 1, struct shadowmm_info), big),
		"INFO, wrong direction");
	REFUSED(ENOTTY, ioctl(fd, _IOR(SHADOWMM_IOC_MAGIC, 2, struct shadowmm_limit), big),
		"SET_LIMIT, wrong direction");
	REFUSED(ENOTTY, ioctl(fd, _IOW(SHADOWMM_IOC_MAGIC + 1, 3, struct shadowmm_range), big),
		"PUNCH_HOLE, other magic");
	REFUSED(ENOTTY, ioctl(fd, TCGETS, &t), "TCGETS");
	EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	munmap(p, 4 * PG);
}

TEST(bad_pointers_get_efault)
{
	int fd = smm_open();
	struct shadowmm_info info;
	char *p = bad_input_setup(_metadata, fd, &info);
	void *none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* A struct whose second half runs into an unmapped page. */
	char *edge = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct shadowmm_range *r;
	struct shadowmm_limit *l;

	ASSERT_NE(NULL, p);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_NE(MAP_FAILED, edge);
	ASSERT_EQ(0, munmap(edge + PG, PG));
	r = (struct shadowmm_range *)(edge + PG - 8);
	r->offset = 0;				/* valid so far; length unreadable */
	l = (struct shadowmm_limit *)(edge + PG - 8);

	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_INFO, NULL), "INFO to NULL");
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_INFO, none), "INFO to PROT_NONE");
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_INFO, edge + PG - 16), "INFO across the edge");
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_SET_LIMIT, NULL), "SET_LIMIT from NULL");
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_SET_LIMIT, none), "SET_LIMIT from PROT_NONE");
	l->size_limit = PG;
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_SET_LIMIT, l), "SET_LIMIT across the edge");
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, NULL), "PUNCH from NULL");
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, (void *)1), "PUNCH from 1");
	r->offset = 0;
	REFUSED(EFAULT, ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, r), "PUNCH across the edge");
	/* read()/write() with bad buffers too. */
	REFUSED(EFAULT, pread(fd, none, 16, 0), "pread into PROT_NONE");
	REFUSED(EFAULT, pwrite(fd, none, 16, 0), "pwrite from PROT_NONE");
	EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	munmap(p, 4 * PG);
	munmap(none, PG);
	munmap(edge, PG);
}

/*
 * A write whose source cannot be read at all makes no page, past the size
 * or over an evicted one: nothing changes.  The module once made the page
 * first: the size did not cover it, and bytes a mapping then stored there
 * were past the end for read() (a fault found the page there and did
 * not grow the size).
 */
TEST(unreadable_source_makes_no_page)
{
	int fd = smm_open();
	void *none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct shadowmm_info info;
	char got[6] = "";
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, none);
	info = smm_info(fd);
	/* REFUSED also finds the size and the resident pages as they were. */
	REFUSED(EFAULT, pwrite(fd, none, 16, 4 * PG), "pwrite past the size from PROT_NONE");
	/* The page a mapping's store makes there is the object's, size and all. */
	p = map_shared(fd, 8 * PG, 0);
	ASSERT_NE(NULL, p);
	memcpy(p + 4 * PG, "hello", 5);
	EXPECT_EQ(5 * PG, smm_info(fd).size);
	EXPECT_EQ(5, pread(fd, got, 5, 4 * PG));
	EXPECT_STREQ("hello", got);
	munmap(p, 8 * PG);
	munmap(none, PG);
	close(fd);
}

TEST(bad_punch_ranges_get_einval)
{
	int fd = smm_open();
	static const struct { uint64_t off, len; const char *what; } bad[] = {
		{ 0, 0, "zero length" },
		{ 4096, 0, "zero length at a page" },
		{ 1, 4096, "unaligned offset" },
		{ 2048, 4096, "offset half a page in" },
		{ 0, 1, "unaligned length" },
		{ 0, 4097, "length a page and a byte" },
		{ 4096, 4095, "length a byte short" },
		{ SHADOWMM_MAX_OBJECT_SIZE, 4096, "offset at the maximum" },
		{ SHADOWMM_MAX_OBJECT_SIZE - 4096, 8192, "end beyond the maximum" },
		{ 4096, SHADOWMM_MAX_OBJECT_SIZE, "length the maximum, offset a page" },
		{ 0, SHADOWMM_MAX_OBJECT_SIZE + 4096, "length beyond the maximum" },
		{ 1ULL << 63, 1ULL << 63, "offset + length wraps to 0" },
		{ ~0ULL & ~4095ULL, 8192, "offset + length wraps past 0" },
		{ 4096, ~0ULL & ~4095ULL, "huge length wraps" },
	};
	struct shadowmm_info info;
	char *p = bad_input_setup(_metadata, fd, &info);
	struct shadowmm_range r;
	size_t i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r.offset = bad[i].off;
		r.length = bad[i].len;
		REFUSED(EINVAL, ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, &r), bad[i].what);
	}
	EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	munmap(p, 4 * PG);
}

TEST(bad_limits_get_einval)
{
	int fd = smm_open();
	static const struct { uint64_t limit, flags; const char *what; } bad[] = {
		{ 1, 0, "one byte" },
		{ 4095, 0, "a byte short of a page" },
		{ 3 * 4096 + 1, 0, "unaligned" },
		{ SHADOWMM_MAX_OBJECT_SIZE + 4096, 0, "beyond the maximum" },
		{ SHADOWMM_MAX_OBJECT_SIZE * 2, 0, "twice the maximum" },
		{ ~0ULL & ~4095ULL, 0, "huge (negative as loff_t)" },
		{ 1ULL << 63, 0, "bit 63" },
		{ 2 * 4096, 1, "flags 1" },
		{ 2 * 4096, 1ULL << 63, "flags bit 63" },
		{ SHADOWMM_MAX_OBJECT_SIZE, 2, "good limit, flags 2" },
	};
	struct shadowmm_info info;
	char *p = bad_input_setup(_metadata, fd, &info);
	struct shadowmm_limit l;
	size_t i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		l.size_limit = bad[i].limit;
		l.flags = bad[i].flags;
		REFUSED(EINVAL, ioctl(fd, SHADOWMM_IOC_SET_LIMIT, &l), bad[i].what);
	}
	EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	/* The good ones at the edges are taken. */
	EXPECT_EQ(0, smm_set_limit(fd, SHADOWMM_MAX_OBJECT_SIZE));
	EXPECT_EQ(SHADOWMM_MAX_OBJECT_SIZE, smm_info(fd).size_limit);
	EXPECT_EQ(0, smm_set_limit(fd, 0));
	EXPECT_EQ(0, smm_info(fd).size_limit);
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	munmap(p, 4 * PG);
}

TEST(bad_mmaps_are_refused)
{
	int fd = smm_open();
	struct shadowmm_info info;
	char *p = bad_input_setup(_metadata, fd, &info);
	int ro = open(SMM_DEV, O_RDONLY | O_CLOEXEC);

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, ro);
	REFUSED(EINVAL, mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 1), "offset 1");
	REFUSED(EINVAL, mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG / 2), "offset PG/2");
	REFUSED(EINVAL, mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG + 8),
		"private, unaligned offset");
	REFUSED(EINVAL, mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), "length 0");
	REFUSED(EINVAL, mmap(NULL, PG, PROT_READ, 0, fd, 0), "neither shared nor private");
	REFUSED(EACCES, mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
		"writable shared map of a read-only fd");
	REFUSED(EOVERFLOW, mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, (off_t)-PG & ~(PG - 1)),
		"negative offset");
	EXPECT_EQ(-1, smm_check_fill(p, 4 * PG, 11, 0));
	close(ro);
	munmap(p, 4 * PG);
}

/*
 * An fd open for reading only cannot free the object's pages, as write()
 * and fallocate() cannot: SET_LIMIT and PUNCH_HOLE get EBADF.  Its object
 * holds pages its read faults made (zero-filled), which another holder
 * (a child, an fd passed over a socket) maps and reads; neither ioctl
 * may take them away.  INFO still answers.
 */
TEST(read_only_fd_cannot_free_pages)
{
	int fd = open(SMM_DEV, O_RDONLY | O_CLOEXEC);
	struct shadowmm_limit lim = { .size_limit = 0 };
	struct shadowmm_range range = { .offset = 0, .length = PG };
	struct shadowmm_info info;
	char *p;
	int i;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, p[i * PG]);
	info = smm_info(fd);
	ASSERT_EQ(4, info.resident_pages);
	REFUSED(EBADF, ioctl(fd, SHADOWMM_IOC_SET_LIMIT, &lim), "SET_LIMIT 0, read-only fd");
	lim.size_limit = 64 * PG;
	REFUSED(EBADF, ioctl(fd, SHADOWMM_IOC_SET_LIMIT, &lim), "SET_LIMIT up, read-only fd");
	REFUSED(EBADF, ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, &range), "PUNCH_HOLE, read-only fd");
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, p[i * PG]);
	munmap(p, 4 * PG);
	close(fd);
}

/* ---- concurrency ---- */

#define NTHREADS	8
#define SHARED_PAGES	128	/* every thread writes into each of these */
#define OWN_PAGES	32	/* and into these, its own */

struct fault_thread {
	pthread_t tid;
	pthread_barrier_t *go;
	unsigned char *p;
	int t;
};

/*
 * Thread t stores its byte at offset t * 64 + k of every shared page
 * (k = 0..63), half the threads going up and half down, all starting at
 * once, so first-touch faults of one page race; then it fills its own
 * pages, racing with the other threads' first touches of theirs.
 */
static void *fault_thread_fn(void *arg)
{
	struct fault_thread *ft = arg;
	size_t i, k;

	pthread_barrier_wait(ft->go);
	for (i = 0; i < SHARED_PAGES; i++) {
		size_t pg = ft->t % 2 ? SHARED_PAGES - 1 - i : i;

		for (k = 0; k < 64; k++)
			ft->p[pg * PG + ft->t * 64 + k] = smm_pattern(ft->t, pg * PG + k);
	}
	for (i = 0; i < OWN_PAGES; i++) {
		size_t off = (SHARED_PAGES + ft->t * OWN_PAGES + i) * PG;

		smm_fill(ft->p + off, PG, 100 + ft->t, off);
	}
	return NULL;
}

TEST(threads_faulting_same_and_different_pages_keep_every_byte)
{
	int fd = smm_open();
	const size_t n = SHARED_PAGES + NTHREADS * OWN_PAGES;
	struct fault_thread ft[NTHREADS];
	pthread_barrier_t go;
	unsigned char *p = (unsigned char *)map_shared(fd, n * PG, 0), *buf;
	size_t i, k, bad = 0;
	int t, round;

	ASSERT_NE(NULL, p);
	buf = malloc(n * PG);
	ASSERT_NE(NULL, buf);
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, pthread_barrier_init(&go, NULL, NTHREADS));
		for (t = 0; t < NTHREADS; t++) {
			ft[t] = (struct fault_thread){ .go = &go, .p = p, .t = t };
			ASSERT_EQ(0, pthread_create(&ft[t].tid, NULL, fault_thread_fn, &ft[t]));
		}
		for (t = 0; t < NTHREADS; t++)
			ASSERT_EQ(0, pthread_join(ft[t].tid, NULL));
		pthread_barrier_destroy(&go);

		EXPECT_EQ(n, smm_info(fd).resident_pages);
		/* Every byte, through the mapping and through read(). */
		ASSERT_EQ(n * PG, pread_all(fd, buf, n * PG, 0));
		for (i = 0; i < SHARED_PAGES; i++) {
			for (t = 0; t < NTHREADS; t++) {
				for (k = 0; k < 64; k++) {
					size_t o = i * PG + t * 64 + k;
					unsigned char want = smm_pattern(t, i * PG + k);

					bad += p[o] != want || buf[o] != want;
				}
			}
			bad += smm_check_zero(p + i * PG + NTHREADS * 64,
					      PG - NTHREADS * 64) != -1;
		}
		for (t = 0; t < NTHREADS; t++) {
			size_t off = (SHARED_PAGES + t * OWN_PAGES) * PG;

			bad += smm_check_fill(p + off, OWN_PAGES * PG, 100 + t, off) != -1;
			bad += smm_check_fill(buf + off, OWN_PAGES * PG, 100 + t, off) != -1;
		}
		EXPECT_EQ(0, bad) TH_LOG("round %d: %zu bytes or ranges wrong", round, bad);
		/* Next round: every page punched, so they fault in anew. */
		ASSERT_EQ(0, smm_punch(fd, 0, n * PG));
		EXPECT_EQ(0, smm_info(fd).resident_pages);
		EXPECT_EQ(-1, smm_check_zero(p, PG));
		ASSERT_EQ(0, smm_punch(fd, 0, PG));
	}
	EXPECT_TRUE(smm_validate_ok());
	free(buf);
	munmap(p, n * PG);
}

/* ---- two processes, one object ---- */

/*
 * Ping-pong between two processes on one object: each round, one side
 * writes a page through its mapping and the other checks it, through its
 * mapping and read(), then the roles swap.  @cfd is the child's channel.
 */
static int pingpong(int sock, char *p, int fd, int child)
{
	unsigned char buf[PG];
	int round;
	char c;

	for (round = 0; round < 8; round++) {
		int mine = (round % 2) == child;
		size_t off = round * PG;

		if (mine) {
			smm_fill(p + off, PG, 200 + round, off);
			if (write(sock, "w", 1) != 1)
				return 1;
		} else {
			if (read(sock, &c, 1) != 1)
				return 2;
			if (smm_check_fill(p + off, PG, 200 + round, off) != -1)
				return 10 + round;
			if (pread(fd, buf, PG, off) != PG ||
			    smm_check_fill(buf, PG, 200 + round, off) != -1)
				return 20 + round;
		}
	}
	return 0;
}

TEST(two_processes_after_fork_see_each_others_writes)
{
	int fd = smm_open();
	int sv[2], status;
	char *p;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	p = map_shared(fd, 8 * PG, 0);
	ASSERT_NE(NULL, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(pingpong(sv[1], p, fd, 1));
	EXPECT_EQ(0, pingpong(sv[0], p, fd, 0));
	status = wait_child(pid);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	EXPECT_EQ(8, smm_info(fd).resident_pages);
	munmap(p, 8 * PG);
}

static int send_fd(int sock, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST(two_processes_sharing_an_fd_over_a_unix_socket)
{
	struct shadowmm_info info;
	int sv[2], status, fd;
	char *p;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The object is made after the fork: only the socket brings it. */
		int cfd = recv_fd(sv[1]), rc;
		struct shadowmm_info ci;
		uint64_t id;
		char *cp;

		if (cfd < 0)
			_exit(40);
		cp = map_shared(cfd, 8 * PG, 0);
		if (!cp)
			_exit(41);
		rc = pingpong(sv[1], cp, cfd, 1);
		if (rc)
			_exit(rc);
		/* Both ends name the same object. */
		if (read(sv[1], &id, sizeof(id)) != sizeof(id))
			_exit(42);
		ci = smm_info(cfd);
		_exit(ci.id == id ? 0 : 43);
	}
	fd = smm_open();
	ASSERT_LE(0, fd);
	p = map_shared(fd, 8 * PG, 0);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	EXPECT_EQ(0, pingpong(sv[0], p, fd, 0));
	info = smm_info(fd);
	ASSERT_EQ(sizeof(info.id), write(sv[0], &info.id, sizeof(info.id)));
	status = wait_child(pid);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	EXPECT_EQ(8, smm_info(fd).resident_pages);
	munmap(p, 8 * PG);
	close(fd);
}

/* ---- get_user_pages pins ---- */

static long long wait_pinned(int fd, unsigned long long want, int ms)
{
	unsigned long long got = smm_info(fd).pinned_pages;

	while (got != want && ms > 0) {
		smm_msleep(20);
		ms -= 20;
		got = smm_info(fd).pinned_pages;
	}
	return got;
}

/* The pool's pinned frames (meminfo ObjectsPinned), waited for. */
static long long wait_pinned_kb(long long want, int ms)
{
	long long got = smm_meminfo_kb("ObjectsPinned:");

	while (got != want && ms > 0) {
		smm_msleep(20);
		ms -= 20;
		got = smm_meminfo_kb("ObjectsPinned:");
	}
	return got;
}

/*
 * vmsplice() puts references to the mapped pages themselves into the pipe.
 * Punching them takes them out of the object, but the pipe still reads
 * their bytes; they wait as pinned until the pipe lets them go.
 */
TEST(vmsplice_pin_survives_punch)
{
	int fd = smm_open();
	const size_t n = 4;
	struct iovec iov;
	char *p = map_shared(fd, n * PG, 0), buf[PG];
	long long pinned_kb;
	int pfd[2], i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, wait_pinned(fd, 0, 2000)) TH_LOG("pins left from before");
	smm_fill(p, n * PG, 12, 0);
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_LE(n * PG, fcntl(pfd[1], F_SETPIPE_SZ, 16 * PG));
	iov = (struct iovec){ p, n * PG };
	ASSERT_EQ(n * PG, vmsplice(pfd[1], &iov, 1, 0));

	ASSERT_EQ(0, smm_punch(fd, 0, n * PG));
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	EXPECT_EQ(n, smm_info(fd).pinned_pages);
	pinned_kb = smm_meminfo_kb("ObjectsPinned:");
	EXPECT_EQ(n * 4, pinned_kb);
	/* The mapping sees the hole; new faults get new pages. */
	EXPECT_EQ(-1, smm_check_zero(p, n * PG));
	memset(p, 'N', PG);

	/* The pin holder still reads the old bytes, a page at a time. */
	for (i = 0; i < (int)n; i++) {
		ASSERT_EQ(PG, read(pfd[0], buf, PG));
		EXPECT_EQ(-1, smm_check_fill(buf, PG, 12, i * PG)) TH_LOG("page %d", i);
	}
	/* Drained: the frames are freed once the pins go. */
	EXPECT_EQ(0, wait_pinned(fd, 0, 5000));
	EXPECT_EQ(0, smm_meminfo_kb("ObjectsPinned:"));
	EXPECT_EQ('N', p[PG - 1]);
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_TRUE(smm_validate_ok());
	munmap(p, n * PG);
}

/* The pins outlive the whole object (fd closed, mapping gone). */
TEST(vmsplice_pin_outlives_object)
{
	int fd = smm_open();
	char *p = map_shared(fd, 2 * PG, 0), buf[PG];
	struct iovec iov;
	int pfd[2], probe;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, wait_pinned(fd, 0, 2000));
	smm_fill(p, 2 * PG, 13, 0);
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ p + PG, PG };
	ASSERT_EQ(PG, vmsplice(pfd[1], &iov, 1, 0));
	ASSERT_EQ(0, munmap(p, 2 * PG));
	ASSERT_EQ(0, close(fd));

	/* The page waits for its pin: the pool counts it, no live object does. */
	probe = smm_open();
	ASSERT_LE(0, probe);
	EXPECT_EQ(4, wait_pinned_kb(4, 2000)) TH_LOG("the page waits for its pin");
	EXPECT_EQ(0, smm_info(probe).pinned_pages);
	ASSERT_EQ(PG, read(pfd[0], buf, PG));
	EXPECT_EQ(-1, smm_check_fill(buf, PG, 13, PG));
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_EQ(0, wait_pinned_kb(0, 5000));
	close(probe);
	EXPECT_TRUE(smm_validate_ok());
}

/* Closing the pipe unread releases the pins too. */
TEST(vmsplice_pin_released_by_closing_pipe)
{
	int fd = smm_open();
	char *p = map_shared(fd, 2 * PG, 0);
	struct iovec iov;
	int pfd[2];

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, wait_pinned(fd, 0, 2000));
	memset(p, 'v', 2 * PG);
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ p, 2 * PG };
	ASSERT_EQ(2 * PG, vmsplice(pfd[1], &iov, 1, 0));
	ASSERT_EQ(0, smm_punch(fd, 0, 2 * PG));
	EXPECT_EQ(2, smm_info(fd).pinned_pages);
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_EQ(0, wait_pinned(fd, 0, 5000));
	munmap(p, 2 * PG);
}

/*
 * A long-term write pin, as io_uring's registered buffers, RDMA and vfio
 * take (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE): since 6.5 the kernel
 * refuses it with EFAULT on a shared mapping that asks for write
 * notification, and allows it on shmem, which does not.  An object's mapping is like shmem's: the
 * buffer registers, a read into it lands in the object, a punch leaves
 * the pinned pages waiting, and unregistering frees them.
 */
TEST(long_term_write_pin_of_shared_mapping)
{
	const size_t n = 8;
	int fd = smm_open(), src = memfd_create("smm-src", MFD_CLOEXEC), r, nosys;
	char *p = map_shared(fd, n * PG, 0), buf[PG];
	struct uring u;
	struct iovec iov;

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, src);
	ASSERT_EQ(0, wait_pinned_kb(0, 2000)) TH_LOG("pins left from before");
	smm_fill(p, n * PG, 14, 0);
	memset(buf, 'R', PG);
	ASSERT_EQ(PG, pwrite(src, buf, PG, 0));
	syscall(-1);
	nosys = errno;
	r = uring_init(&u);
	if (r == -nosys || r == -EPERM) {
		uring_exit(&u);
		SKIP(return, "no io_uring in this kernel, or io_uring_disabled");
	}
	ASSERT_EQ(0, r);

	iov = (struct iovec){ p, n * PG };
	r = syscall(__NR_io_uring_register, u.fd, IORING_REGISTER_BUFFERS, &iov, 1);
	if (r && errno == EOPNOTSUPP) {
		uring_exit(&u);
		SKIP(return, "this io_uring takes no file memory but shmem's (before 6.5)");
	}
	ASSERT_EQ(0, r) TH_LOG("IORING_REGISTER_BUFFERS: %s", strerror(errno));
	/* io_uring writes into the pinned page 3: the object sees it. */
	EXPECT_EQ(PG, uring_rw(&u, IORING_OP_READ_FIXED, src, p + 3 * PG, PG, 0, 0));
	ASSERT_EQ(PG, pread(fd, buf, PG, 3 * PG));
	EXPECT_EQ('R', buf[0]);
	EXPECT_EQ('R', buf[PG - 1]);
	EXPECT_EQ(-1, smm_check_fill(p + 4 * PG, PG, 14, 4 * PG));

	/* Punched while pinned: out of the object, waiting for the pin. */
	ASSERT_EQ(0, smm_punch(fd, 2 * PG, 2 * PG));
	EXPECT_EQ(2, smm_info(fd).pinned_pages);
	EXPECT_EQ(n - 2, smm_info(fd).resident_pages);
	EXPECT_EQ(0, syscall(__NR_io_uring_register, u.fd, IORING_UNREGISTER_BUFFERS, NULL, 0));
	EXPECT_EQ(0, wait_pinned(fd, 0, 5000));
	EXPECT_EQ(-1, smm_check_zero(p + 2 * PG, 2 * PG));
	EXPECT_EQ(-1, smm_check_fill(p + 4 * PG, PG, 14, 4 * PG));
	uring_exit(&u);
	close(src);
	EXPECT_TRUE(smm_validate_ok());
	munmap(p, n * PG);
	close(fd);
}

/*
 * A shared write fault leaves the device node's times alone.  With no
 * page_mkwrite the kernel stamps the mapped file's inode at each one, and
 * that inode is /dev/shadowmm's, which anyone may stat(): its mtime would
 * say when someone's program wrote a mapping.  Faults a clock tick apart
 * (50 ms) would each move it.
 */
TEST(shared_write_faults_leave_device_node_times)
{
	int fd = smm_open(), i;
	char *p = map_shared(fd, 4 * PG, 0);
	struct stat before, after;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, stat(SMM_DEV, &before));
	for (i = 0; i < 4; i++) {
		smm_msleep(50);
		p[i * PG] = 'w';
	}
	ASSERT_EQ(0, stat(SMM_DEV, &after));
	EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	EXPECT_EQ(before.st_ctim.tv_sec, after.st_ctim.tv_sec);
	EXPECT_EQ(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec);
	EXPECT_EQ(4, smm_info(fd).resident_pages);
	munmap(p, 4 * PG);
	close(fd);
}

/* Another process reads and writes the mapping with process_vm_readv/writev. */
TEST(process_vm_readv_writev_reach_shared_mapping)
{
	int fd = smm_open();
	int go[2], done[2], status;
	char *p = map_shared(fd, 4 * PG, 0), buf[2 * PG], c;
	struct iovec local, remote;
	pid_t pid;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The target: its pages are faulted in by the reader, too. */
		smm_fill(p, PG, 14, 0);
		if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(smm_check_fill(p + 2 * PG, PG, 15, 2 * PG) == -1 ? 0 : 1);
	}
	ASSERT_EQ(1, read(done[0], &c, 1));
	/* Read pages 0 and 1 of the child: 1 is faulted by the pin itself. */
	local = (struct iovec){ buf, 2 * PG };
	remote = (struct iovec){ p, 2 * PG };
	ASSERT_EQ(2 * PG, process_vm_readv(pid, &local, 1, &remote, 1, 0));
	EXPECT_EQ(-1, smm_check_fill(buf, PG, 14, 0));
	EXPECT_EQ(-1, smm_check_zero(buf + PG, PG));
	/* Write page 2 into the child. */
	smm_fill(buf, PG, 15, 2 * PG);
	local = (struct iovec){ buf, PG };
	remote = (struct iovec){ p + 2 * PG, PG };
	ASSERT_EQ(PG, process_vm_writev(pid, &local, 1, &remote, 1, 0));
	ASSERT_EQ(1, write(go[1], "g", 1));
	status = wait_child(pid);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child did not see the write");
	EXPECT_EQ(-1, smm_check_fill(p + 2 * PG, PG, 15, 2 * PG));
	EXPECT_EQ(3, smm_info(fd).resident_pages);
	munmap(p, 4 * PG);
}

/*
 * process_vm_readv pins the pages it copies from while a thread keeps
 * rewriting and punching them: every byte read is the pattern or zero,
 * never anything else, and no pin is left at the end.
 */
struct puncher {
	int fd, stop;
	char *p;
};

static void *puncher_fn(void *arg)
{
	struct puncher *pu = arg;

	while (!__atomic_load_n(&pu->stop, __ATOMIC_ACQUIRE)) {
		smm_fill(pu->p, 4 * PG, 16, 0);
		smm_punch(pu->fd, 0, 4 * PG);
	}
	return NULL;
}

TEST(process_vm_readv_races_punch)
{
	int fd = smm_open();
	struct puncher pu = { .fd = fd };
	unsigned char buf[4 * PG];
	struct iovec local, remote;
	pthread_t tid;
	size_t bad = 0, i;
	int iter;

	pu.p = map_shared(fd, 4 * PG, 0);
	ASSERT_NE(NULL, pu.p);
	ASSERT_EQ(0, pthread_create(&tid, NULL, puncher_fn, &pu));
	for (iter = 0; iter < 2000; iter++) {
		local = (struct iovec){ buf, sizeof(buf) };
		remote = (struct iovec){ pu.p, sizeof(buf) };
		if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != sizeof(buf)) {
			bad++;
			break;
		}
		for (i = 0; i < sizeof(buf); i++)
			bad += buf[i] && buf[i] != smm_pattern(16, i);
	}
	__atomic_store_n(&pu.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, wait_pinned(fd, 0, 5000));
	EXPECT_TRUE(smm_validate_ok());
	munmap(pu.p, 4 * PG);
}

/*
 * A page whose memory failed (MADV_HWPOISON, root only; the kernel must
 * have CONFIG_MEMORY_FAILURE) stays in its object and every access to it
 * fails: a fault is SIGBUS, read() and write() -EIO, its neighbour keeps
 * its bytes.  memory_failure() keeps the reference MADV_HWPOISON took, so
 * the page punched out would wait as pinned forever: it is quarantined
 * instead (vmstat hwpoison_quarantined), and the module can still be
 * unloaded afterwards.
 */
TEST(hwpoison_page_fails_every_access_then_is_quarantined)
{
	int fd = smm_open();
	long long q0 = smm_vmstat("hwpoison_quarantined");
	char *p, got, buf[PG];

	ASSERT_LE(0, fd);
	p = map_shared(fd, 2 * PG, 0);
	ASSERT_NE(NULL, p);
	smm_fill(p, 2 * PG, 7, 0);
	if (madvise(p, PG, MADV_HWPOISON) && errno != EBUSY) {
		int err = errno;

		munmap(p, 2 * PG);
		close(fd);
		SKIP(return, "MADV_HWPOISON: %s", strerror(err));
	}
	/* memory_failure() leaves the page mapped: the next access must fault. */
	ASSERT_EQ(0, madvise(p, 2 * PG, MADV_DONTNEED));
	EXPECT_EQ(SIGBUS, smm_touch(p, 0, 0, &got)) TH_LOG("read of the poisoned page");
	EXPECT_EQ(SIGBUS, smm_touch(p + 5, 1, 'x', NULL)) TH_LOG("write to it");
	EXPECT_EQ(0, smm_touch(p + PG, 0, 0, &got)) TH_LOG("its neighbour");
	EXPECT_EQ(-1, smm_check_fill(p + PG, PG, 7, PG));
	EXPECT_EQ(2, smm_info(fd).resident_pages);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf, PG, 0));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, buf, PG, 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ((ssize_t)PG, pread(fd, buf, PG, PG));
	EXPECT_EQ(-1, smm_check_fill(buf, PG, 7, PG));
	munmap(p, 2 * PG);

	ASSERT_EQ(0, smm_punch(fd, 0, PG));
	EXPECT_EQ(1, smm_info(fd).resident_pages);
	/* The pinned list's next poll moves it on: no frame waits for ever. */
	EXPECT_EQ(0, wait_pinned_kb(0, 5000));
	EXPECT_EQ(q0 + 1, smm_vmstat("hwpoison_quarantined"));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/* The physical address of the page mapped at @p, or 0 (root reads PFNs). */
static unsigned long long phys_of(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)p / PG * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e >> 63))
		return 0;
	return (e & ((1ULL << 55) - 1)) * PG;
}

#define HARD_OFFLINE	"/sys/devices/system/memory/hard_offline_page"

/*
 * One page of @fd at offset 0, mapped shared and filled from @seed; its
 * physical address in *@phys (0 when unknown).  NULL if the map failed.
 */
static char *map_filled_page(int fd, int seed, unsigned long long *phys)
{
	char *p = map_shared(fd, PG, 0);

	if (!p)
		return NULL;
	smm_fill(p, PG, seed, 0);
	*phys = phys_of(p);
	return p;
}

/*
 * memory_failure() on the page at @phys, as a machine check reports it:
 * 0, or the errno of the write (EBUSY: it could not handle the page, only
 * mark it).
 */
static int hard_offline(unsigned long long phys)
{
	int off = open(HARD_OFFLINE, O_WRONLY | O_CLOEXEC), err = 0;
	char s[32];

	if (off < 0)
		return errno;
	snprintf(s, sizeof(s), "%#llx", phys);
	if (write(off, s, strlen(s)) < 0)
		err = errno;
	close(off);
	return err;
}

/*
 * As a machine check reports it: memory_failure() marks the page and,
 * unable to handle a page that is not on the kernel's LRU, keeps no
 * reference.  The kernel's fault path, seeing the flag on a page with no
 * other user, would drop it from the object and map a zeroed one in its
 * place: the bytes would be lost without a signal.  Every access must
 * fail instead, and the frame punched out is quarantined.
 */
TEST(hard_offline_page_is_never_replaced_by_zeroes)
{
	int fd = smm_open(), err;
	long long q0 = smm_vmstat("hwpoison_quarantined");
	unsigned long long phys;
	char *p, got;

	ASSERT_LE(0, fd);
	p = map_filled_page(fd, 9, &phys);
	ASSERT_NE(NULL, p);
	if (!phys || access(HARD_OFFLINE, W_OK)) {
		munmap(p, PG);
		close(fd);
		SKIP(return, "no hard_offline_page (CONFIG_MEMORY_FAILURE) or no PFN");
	}
	err = hard_offline(phys);
	EXPECT_TRUE(!err || err == EBUSY) TH_LOG("hard_offline_page: %s", strerror(err));
	ASSERT_EQ(0, madvise(p, PG, MADV_DONTNEED));
	/* No LRU batch may hold the page: then only the object does. */
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1"));
	EXPECT_EQ(SIGBUS, smm_touch(p, 0, 0, &got)) TH_LOG("read of the failed page");
	EXPECT_EQ(SIGBUS, smm_touch(p, 0, 0, &got)) TH_LOG("and again");
	EXPECT_EQ(1, smm_info(fd).resident_pages);
	munmap(p, PG);

	ASSERT_EQ(0, smm_punch(fd, 0, PG));
	EXPECT_EQ(0, smm_info(fd).resident_pages);
	EXPECT_EQ(q0 + 1, smm_vmstat("hwpoison_quarantined"));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/* Whether /proc/kpageflags has KPF_HWPOISON for @pfn: 1, 0, or -1. */
static int kpage_hwpoison(unsigned long long pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t flags;
	int ret = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) == sizeof(flags))
		ret = !!(flags & (1ULL << 19));
	close(fd);
	return ret;
}

/*
 * The kernel's unpoison (hwpoison_inject's unpoison-pfn, root only) frees
 * a poisoned page that has no mapping and a count of one, taking it for a
 * page nobody uses.  A frame quarantined while a pipe held it is such a
 * page once the pipe lets go, unless the quarantine keeps a second
 * reference: unpoison must refuse it (EBUSY), and leave it poisoned and
 * shadowmm's.  Freed, the kernel would hand out a frame the pool still
 * lists, and take it back a second time at rmmod.
 */
TEST(unpoison_leaves_a_quarantined_frame_alone)
{
	int fd = smm_open(), un, err;
	long long q0 = smm_vmstat("hwpoison_quarantined");
	unsigned long long phys;
	struct iovec iov;
	int pfd[2];
	char *p, s[32];

	ASSERT_LE(0, fd);
	p = map_filled_page(fd, 13, &phys);
	ASSERT_NE(NULL, p);
	un = open("/sys/kernel/debug/hwpoison/unpoison-pfn", O_WRONLY | O_CLOEXEC);
	if (!phys || access(HARD_OFFLINE, W_OK) || un < 0) {
		munmap(p, PG);
		close(fd);
		if (un >= 0)
			close(un);
		SKIP(return, "no hard_offline_page or unpoison-pfn (CONFIG_MEMORY_FAILURE, hwpoison_inject)");
	}
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ p, PG };
	ASSERT_EQ(PG, vmsplice(pfd[1], &iov, 1, 0));
	err = hard_offline(phys);
	EXPECT_TRUE(!err || err == EBUSY) TH_LOG("hard_offline_page: %s", strerror(err));
	if (kpage_hwpoison(phys / PG) < 0) {
		munmap(p, PG);
		close(pfd[0]);
		close(pfd[1]);
		close(un);
		close(fd);
		SKIP(return, "no /proc/kpageflags");
	}
	ASSERT_EQ(1, kpage_hwpoison(phys / PG));
	munmap(p, PG);

	/* Out of its object with the pipe's reference: the poll quarantines it. */
	ASSERT_EQ(0, smm_punch(fd, 0, PG));
	EXPECT_EQ(0, wait_pinned_kb(0, 5000));
	ASSERT_EQ(q0 + 1, smm_vmstat("hwpoison_quarantined"));
	close(pfd[0]);
	close(pfd[1]);

	snprintf(s, sizeof(s), "%llu", phys / PG);
	errno = 0;
	EXPECT_EQ(-1, write(un, s, strlen(s))) TH_LOG("unpoison took a quarantined frame");
	EXPECT_EQ(EBUSY, errno);
	close(un);
	EXPECT_EQ(1, kpage_hwpoison(phys / PG));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

/*
 * Soft offline (MADV_SOFT_OFFLINE, or a pfn written to soft_offline_page)
 * migrates a healthy page away before marking it: it can move pages on the
 * kernel's LRU or free in its buddy, neither of which a shadowmm frame is.
 * It must fail and change nothing: the object page keeps its bytes and
 * stays resident, an idle frame is not marked, nothing is quarantined.
 */
TEST(soft_offline_changes_nothing)
{
	int fd = smm_open(), off;
	long long q0 = smm_vmstat("hwpoison_quarantined");
	unsigned long pfn = 0;
	int node, ret;
	char *p, *region, *line, s[32], got;

	ASSERT_LE(0, fd);
	p = map_shared(fd, 2 * PG, 0);
	ASSERT_NE(NULL, p);
	smm_fill(p, 2 * PG, 31, 0);
	ret = madvise(p, PG, MADV_SOFT_OFFLINE);
	if (ret && errno == EINVAL) {
		munmap(p, 2 * PG);
		close(fd);
		SKIP(return, "no MADV_SOFT_OFFLINE (CONFIG_MEMORY_FAILURE)");
	}
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(errno == EIO || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, smm_touch(p, 0, 0, &got)) TH_LOG("the page is still there");
	EXPECT_EQ(-1, smm_check_fill(p, 2 * PG, 31, 0));
	EXPECT_EQ(2, smm_info(fd).resident_pages);

	/* The last frame of the last chunk, by pfn: idle or not, untouched. */
	region = smm_slurp(SMM_DEBUGFS "/region");
	ASSERT_NE(NULL, region);
	for (line = strstr(region, "chunks:\n"); line; line = strchr(line + 1, '\n')) {
		unsigned long v;

		if (sscanf(line + 1, "%*u pfn %lx node %d", &v, &node) == 2)
			pfn = v;
	}
	free(region);
	ASSERT_NE(0, pfn);
	off = open("/sys/devices/system/memory/soft_offline_page", O_WRONLY | O_CLOEXEC);
	if (off >= 0) {
		snprintf(s, sizeof(s), "%#lx", (pfn + 1023) * PG);
		EXPECT_EQ(-1, write(off, s, strlen(s)));
		EXPECT_TRUE(errno == EIO || errno == EBUSY) TH_LOG("errno %d", errno);
		close(off);
	}
	EXPECT_EQ(q0, smm_vmstat("hwpoison_quarantined"));
	EXPECT_EQ(-1, smm_check_fill(p, 2 * PG, 31, 0));
	munmap(p, 2 * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

/*
 * Memory offline of a block holding region frames must fail at once with
 * EBUSY and change nothing.  Without the module's refusal it would not
 * fail: idle frames have refcount 0, which page isolation takes for free
 * memory, and offline_pages() would retry its "all free now?" test until a
 * signal came.  Each offline runs in a child a watchdog alarm kills, so a
 * hang is a failure, not a stuck test.  A small region's blocks may all be
 * refused by the kernel itself first (holes, two zones): make check runs
 * this again on a 256 MiB region, where some block gets as far as asking.
 */
TEST(memory_offline_of_region_blocks_is_refused)
{
	char *bs = smm_slurp("/sys/devices/system/memory/block_size_bytes");
	unsigned long long block_bytes = bs ? strtoull(bs, NULL, 16) : 0;
	unsigned long blocks[16], pfn;
	char *region, *again, *line, path[96], state[16];
	int fd, node, n = 0, tried = 0, busy = 0, i, j, status;
	char *p;

	free(bs);
	if (!block_bytes)
		SKIP(return, "no memory blocks (a kernel without memory hotplug)");
	region = smm_slurp(SMM_DEBUGFS "/region");
	ASSERT_NE(NULL, region);
	line = strstr(region, "chunks:\n");
	ASSERT_NE(NULL, line);
	for (line = strchr(line, '\n'); line && n < 16; line = strchr(line + 1, '\n')) {
		if (sscanf(line + 1, "%*u pfn %lx node %d", &pfn, &node) != 2)
			continue;
		for (j = 0; j < n && blocks[j] != pfn * PG / block_bytes; j++)
			;
		if (j == n)
			blocks[n++] = pfn * PG / block_bytes;
	}
	ASSERT_LT(0, n);

	for (i = 0; i < n; i++) {
		pid_t pid;

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state",
			 blocks[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		j = read(fd, state, sizeof(state) - 1);
		close(fd);
		if (j <= 0 || strncmp(state, "online", 6))
			continue;
		tried++;
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			alarm(30);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				_exit(errno);
			if (write(fd, "offline", 7) >= 0) {
				/* Put it back before saying so. */
				if (write(fd, "online", 6) < 0)
					_exit(254);
				_exit(255);
			}
			_exit(errno);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		/* EINVAL: the kernel refuses the block before asking (holes, zones). */
		EXPECT_TRUE(WIFEXITED(status) &&
			    (WEXITSTATUS(status) == EBUSY || WEXITSTATUS(status) == EINVAL))
			TH_LOG("memory%lu: %s %d (EBUSY is %d; 255: it went offline)",
			       blocks[i], WIFSIGNALED(status) ? "hung, killed by signal" : "errno",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			       EBUSY);
		busy += WIFEXITED(status) && WEXITSTATUS(status) == EBUSY;
	}
	if (!busy) {
		free(region);
		SKIP(return, "%d blocks hold region frames; the kernel refused each before asking",
			     tried);
	}

	/* Nothing changed: the same frames, and they still serve objects. */
	again = smm_slurp(SMM_DEBUGFS "/region");
	ASSERT_NE(NULL, again);
	EXPECT_STREQ(region, again);
	free(again);
	free(region);
	fd = smm_open();
	ASSERT_LE(0, fd);
	p = map_shared(fd, 64 * PG, 0);
	ASSERT_NE(NULL, p);
	smm_fill(p, 64 * PG, 23, 0);
	EXPECT_EQ(-1, smm_check_fill(p, 64 * PG, 23, 0));
	munmap(p, 64 * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

/* ---- multi-size first touch: the fault_order knob ---- */

#define BLOCK	16	/* pages of a block at fault_order 4 */

static long minflt(void)
{
	struct rusage ru;

	/*
	 * After a fork() the stack is copy-on-write, and a getrusage() can
	 * fault on writing @ru after it took the count: then the next count
	 * is one more with no fault of the test's.  The second call counts
	 * that fault and takes none.
	 */
	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Pages of [@p, @p + @n pages) with a present pte (/proc/self/pagemap). */
static int ptes_present(const char *p, int n)
{
	uint64_t e[BLOCK * 2];
	int fd = open("/proc/self/pagemap", O_RDONLY), i, nr = 0;

	if (fd < 0 || n > BLOCK * 2)
		return -1;
	if (pread(fd, e, n * sizeof(e[0]), (uintptr_t)p / PG * sizeof(e[0])) !=
	    (ssize_t)(n * sizeof(e[0]))) {
		close(fd);
		return -1;
	}
	close(fd);
	for (i = 0; i < n; i++)
		nr += !!(e[i] & (1ULL << 63));
	return nr;
}

/*
 * With fault_order 4 one write fault on a shared mapping makes and maps
 * the 16 pages of the aligned block around it, writable: the other 15
 * take their writes without a fault, the object holds every byte, and
 * the block's pages are the object's one by one (a punch takes one, an
 * munmap of part of the block leaves the rest, a child sees them).  A
 * read fault maps the block read-only; mlock() mlocks every page of the
 * block it faults in; a block that does not fit in the mapping is a
 * single page, as is fault_order 0.
 */
/*
 * The knob goes back to 0 however a case of it ends: a case returns on a
 * failed step (EXPECT, then return) instead of an ASSERT, which would end
 * the test before the knob is reset.
 */
static bool step(struct __test_metadata *_metadata, bool ok, const char *what)
{
	EXPECT_TRUE(ok) TH_LOG("%s", what);
	return ok;
}

static void blocks_case(struct __test_metadata *_metadata)
{
	long long alloc0 = smm_vmstat("mthp_fault_alloc"), mlocked;
	int fd = smm_open();
	struct shadowmm_info info;
	char *p, *blk, buf[PG];
	long f0, f1;
	pid_t pid;
	int i;

	if (!step(_metadata, fd >= 0, "open"))
		return;
	if (!step(_metadata, alloc0 >= 0, "vmstat"))
		return;
	p = smm_map_pmd_aligned(fd, 4 * BLOCK * PG, 0, MAP_SHARED);
	if (!step(_metadata, p != NULL, "mmap"))
		return;
	/* The second block of the object: aligned in the object, where it maps. */
	blk = p + BLOCK * PG;

	f0 = minflt();
	blk[5 * PG + 1] = 1;
	for (i = 0; i < BLOCK; i++)
		smm_fill(blk + i * PG, PG, 61, (BLOCK + i) * PG);
	f1 = minflt();
	EXPECT_EQ(1, f1 - f0);
	EXPECT_EQ(BLOCK, ptes_present(blk, BLOCK));
	EXPECT_EQ(0, ptes_present(p, BLOCK));
	info = smm_info(fd);
	EXPECT_EQ(BLOCK, info.resident_pages);
	EXPECT_EQ(2ULL * BLOCK * PG, info.size);
	EXPECT_EQ(alloc0 + 1, smm_vmstat("mthp_fault_alloc"));
	for (i = 0; i < BLOCK; i++) {
		if (!step(_metadata, pread(fd, buf, PG, (BLOCK + i) * PG) == PG, "pread"))
			return;
		EXPECT_EQ(-1, smm_check_fill(buf, PG, 61, (BLOCK + i) * PG));
	}

	/* One page punched, part of the block unmapped: the rest stays. */
	if (!step(_metadata, !smm_punch(fd, (BLOCK + 3) * PG, PG), "punch"))
		return;
	EXPECT_EQ(-1, smm_check_zero(blk + 3 * PG, PG));
	EXPECT_EQ(0, munmap(blk + 8 * PG, 4 * PG));
	EXPECT_EQ(BLOCK, smm_info(fd).resident_pages);
	pid = fork();
	if (!step(_metadata, pid >= 0, "fork"))
		return;
	if (!pid) {
		for (i = 0; i < BLOCK; i++)
			if (i != 3 && (i < 8 || i >= 12) &&
			    smm_check_fill(blk + i * PG, PG, 61, (BLOCK + i) * PG) != -1)
				_exit(1);
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));

	/*
	 * A read fault: the block mapped, clean and, as the mapping is shared
	 * and writable and asks for no write notification, writable: its
	 * writes fault no more either (as on shmem).
	 */
	f0 = minflt();
	EXPECT_EQ(0, p[2 * BLOCK * PG + 9]);
	for (i = 0; i < BLOCK; i++)
		EXPECT_EQ(0, p[(2 * BLOCK + i) * PG]);
	EXPECT_EQ(1, minflt() - f0);
	f0 = minflt();
	p[(2 * BLOCK + 1) * PG] = 2;
	EXPECT_EQ(0, minflt() - f0);
	EXPECT_EQ(2 * BLOCK, smm_info(fd).resident_pages);
	munmap(p, 4 * BLOCK * PG);

	/* mlock() faults a block in and every page of it is mlocked. */
	p = smm_map_pmd_aligned(fd, BLOCK * PG, 6 * BLOCK * PG, MAP_SHARED);
	if (!step(_metadata, p != NULL, "mmap"))
		return;
	mlocked = smm_meminfo_kb("Mlocked:");
	if (!step(_metadata, !mlock(p, BLOCK * PG), "mlock"))
		return;
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "drain_lru 1\n"));
	EXPECT_EQ(mlocked + BLOCK * PG / 1024, smm_meminfo_kb("Mlocked:"));
	EXPECT_EQ(3 * BLOCK, smm_info(fd).resident_pages);
	EXPECT_EQ(alloc0 + 3, smm_vmstat("mthp_fault_alloc"));
	munlock(p, BLOCK * PG);
	munmap(p, BLOCK * PG);

	/* A mapping of 8 pages holds no block; fault_order 0: one page. */
	p = map_shared(fd, 8 * PG, 4 * BLOCK * PG);
	if (!step(_metadata, p != NULL, "mmap"))
		return;
	p[0] = 1;
	EXPECT_EQ(3 * BLOCK + 1, smm_info(fd).resident_pages);
	if (!step(_metadata, !smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 0\n"), "fault_order 0"))
		return;
	munmap(p, 8 * PG);
	p = map_shared(fd, BLOCK * PG, 5 * BLOCK * PG);
	if (!step(_metadata, p != NULL, "mmap"))
		return;
	p[0] = 1;
	EXPECT_EQ(3 * BLOCK + 2, smm_info(fd).resident_pages);
	EXPECT_EQ(alloc0 + 3, smm_vmstat("mthp_fault_alloc"));
	munmap(p, BLOCK * PG);
	close(fd);
	EXPECT_TRUE(smm_validate_ok());
}

TEST(fault_order_makes_and_maps_whole_blocks)
{
	ASSERT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 4\n"));
	blocks_case(_metadata);
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 0\n"));
}

#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC	(1 << 15)
#endif

/*
 * A mapping a userfaultfd is registered on (write-protect, asynchronous:
 * allowed on any memory since 6.7) gets one page a fault, as the kernel
 * maps nothing around a fault there: a block's other pages, mapped
 * writable, would be written without the tracker knowing.
 */
static void uffd_case(struct __test_metadata *_metadata)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	int fd = smm_open(), ufd;
	char *p;

	if (!step(_metadata, fd >= 0, "open"))
		return;
	ufd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ufd < 0 || ioctl(ufd, UFFDIO_API, &api)) {
		close(fd);
		SKIP(return, "no asynchronous write-protect userfaultfd (before 6.7)");
	}
	p = smm_map_pmd_aligned(fd, 2 * BLOCK * PG, 0, MAP_SHARED);
	if (!step(_metadata, p != NULL, "mmap"))
		return;
	reg.range.start = (uintptr_t)p;
	reg.range.len = 2 * BLOCK * PG;
	if (!step(_metadata, !ioctl(ufd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER"))
		return;
	p[3 * PG] = 1;
	EXPECT_EQ(1, smm_info(fd).resident_pages);
	EXPECT_EQ(0, ioctl(ufd, UFFDIO_UNREGISTER, &reg.range));
	/* Unregistered: the next first touch makes its block again. */
	p[BLOCK * PG] = 1;
	EXPECT_EQ(1 + BLOCK, smm_info(fd).resident_pages);
	munmap(p, 2 * BLOCK * PG);
	close(ufd);
	close(fd);
}

TEST(fault_order_userfaultfd_mapping_takes_one_page_a_fault)
{
	ASSERT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 4\n"));
	uffd_case(_metadata);
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 0\n"));
}

TEST(fault_order_bad_values_change_nothing)
{
	static const char *const bad[] = {
		"fault_order 5\n", "fault_order -1\n", "fault_order 4 4\n",
		"fault_order\n", "fault_order 99999999999\n",
	};
	unsigned int i;
	char *k;

	ASSERT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 2\n"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, smm_write_str(SMM_DEBUGFS "/knobs", bad[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i]);
		k = smm_slurp(SMM_DEBUGFS "/knobs");
		EXPECT_NE(NULL, k);
		if (!k)
			break;
		EXPECT_NE(NULL, strstr(k, "\nfault_order 2\n")) TH_LOG("after %s", bad[i]);
		free(k);
	}
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 0\n"));
}

/*
 * A mapping whose range of the object holds an aligned 2 MiB is placed
 * with its addresses and offsets equal modulo 2 MiB, as the kernel places
 * a file THP may back.  Eight mappings of 2 MiB + 4 KiB side by side would
 * otherwise leave at most one of them aligned.  MAP_FIXED is honoured
 * exactly, and so is a free hint, even one whose hole holds the mapping
 * but not 2 MiB more (the aligned search, padded by 2 MiB, would pass over
 * it).  And so a fresh 4 MiB mapping with fault_order 4 takes one fault a
 * block wherever the kernel put it: no block straddles a page table.
 */
#define PMD_BYTES	(2UL << 20)

static void placement_case(struct __test_metadata *_metadata, int fd)
{
	char *p[8], *q, *r;
	long f0, f1;
	int i;

	for (i = 0; i < 8; i++) {
		p[i] = mmap(NULL, PMD_BYTES + PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (!step(_metadata, p[i] != MAP_FAILED, "mmap of 2 MiB + 4 KiB"))
			return;
		EXPECT_EQ(0, (uintptr_t)p[i] % PMD_BYTES) TH_LOG("mapping %d at %p", i, p[i]);
	}
	/* At offset 4 KiB: 4 KiB past a boundary, so offset 2 MiB is on one. */
	q = mmap(NULL, 2 * PMD_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	if (!step(_metadata, q != MAP_FAILED, "mmap at offset 4 KiB"))
		return;
	EXPECT_EQ(PG, (uintptr_t)q % PMD_BYTES);
	r = mmap(q + 3 * PG, PMD_BYTES + PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0);
	EXPECT_EQ(q + 3 * PG, r);
	munmap(q, 2 * PMD_BYTES);
	for (i = 0; i < 8; i++)
		munmap(p[i], PMD_BYTES + PG);

	/* A hole of exactly 2 MiB + 4 KiB, 4 KiB past a boundary: the hint. */
	q = mmap(NULL, 4 * PMD_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!step(_metadata, q != MAP_FAILED, "reserve 8 MiB"))
		return;
	r = (char *)(((uintptr_t)q + PMD_BYTES - 1) & ~(PMD_BYTES - 1)) + PMD_BYTES + PG;
	munmap(r, PMD_BYTES + PG);
	EXPECT_EQ(r, mmap(r, PMD_BYTES + PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	munmap(q, 4 * PMD_BYTES);

	q = mmap(NULL, 2 * PMD_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4 * PMD_BYTES);
	if (!step(_metadata, q != MAP_FAILED, "mmap of 4 MiB"))
		return;
	f0 = minflt();
	for (i = 0; i < (int)(2 * PMD_BYTES / PG); i++)
		q[i * PG] = 1;
	f1 = minflt();
	EXPECT_EQ(2 * PMD_BYTES / PG / BLOCK, f1 - f0);
	EXPECT_EQ(2 * PMD_BYTES / PG, smm_info(fd).resident_pages);
	munmap(q, 2 * PMD_BYTES);
}

TEST(mappings_of_2mib_are_placed_at_2mib_boundaries)
{
	int fd;

	/* Without THP (it is off on PREEMPT_RT) the kernel has no such placement. */
	if (access("/sys/kernel/mm/transparent_hugepage", F_OK))
		SKIP(return, "kernel without transparent huge pages");
	fd = smm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 4\n"));
	placement_case(_metadata, fd);
	EXPECT_EQ(0, smm_write_str(SMM_DEBUGFS "/knobs", "fault_order 0\n"));
	close(fd);
}

/* Last: everything above left the module consistent, nothing pinned. */
TEST(validate_ok_at_the_end)
{
	int fd = smm_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, wait_pinned(fd, 0, 5000));
	EXPECT_TRUE(smm_validate_ok());
	close(fd);
}

TEST_HARNESS_MAIN
