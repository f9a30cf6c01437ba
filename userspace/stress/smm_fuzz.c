// SPDX-License-Identifier: GPL-2.0
/*
 * smm_fuzz: seeded random system calls against /dev/shadowmm.
 *
 *   smm_fuzz [-p PROCS] [-t THREADS] [-s SECONDS] [-S SEED] [-w WATCHDOG] [-W GRACE]
 *            [-x CLASS,...] [-o CLASS,...] [-A ARENA_MB] [-M FAULT_MB]
 *            [-n OBJECTS] [-O OFFSET_MB] [-E CLASS,...] [-b OP=WEIGHT,...] [-Q POPULATE_PCT]
 *            [-D DEBUGFS_FILE,...] [-F CHILD_MS] [-P SETTLE] [-I FAIL_PCT] [-K] [-l]
 *
 * PROCS processes of THREADS threads each run random operations on memory
 * objects of /dev/shadowmm for SECONDS: open/close/dup; mmap, munmap,
 * mprotect, mremap, madvise, mlock, msync of random ranges; reads and
 * writes through the mappings (SIGBUS and SIGSEGV caught); read/write/
 * pread/pwrite/lseek with odd offsets and bad pointers; the ioctls with
 * good, malformed and random arguments; fork; pins (vmsplice,
 * process_vm_readv/writev, io_uring); the page-cache system calls; the
 * kernel's own code over the mappings' pages (/proc/PID/mem, pagemap and
 * the pfn files, NUMA migration, userfaultfd write protection); knob
 * switches (op_knob()); and each thread's checked object, whose every
 * byte is known and compared (op_check()).  One more process writes good
 * and bad lines to the module's debugfs files and reads all of them.
 *
 * Every thread draws from a PRNG of its own, seeded from SEED, its process
 * and its thread number, so the same seed (with the same -p/-t/-x/-o/-A)
 * replays the same stream of operations in each thread; timing decides
 * only how far each stream gets.  A forked child draws from a PRNG seeded
 * by its parent's stream.
 *
 * Memory the fuzzer maps at random lives in an arena of its own (a fixed
 * range of the address space far from everything else the process maps):
 * MAP_FIXED, munmap, mprotect, mremap and madvise only ever name arena
 * addresses, so they can hit each other's mappings but never the fuzzer's
 * own memory.  Object fds live at fixed numbers (dup3()), so a thread that
 * races a close meets EBADF or another object, never a foreign file.
 *
 * The parent is the watchdog: a worker (thread, forked child or the
 * debugfs process) whose progress counter in shared memory stands still
 * for WATCHDOG seconds (default 30) is noticed and its kernel stack shown;
 * if it is still standing GRACE seconds later (default 30; under emulation
 * a fork or a sweep can take that long) it is stuck: the kernel stacks and
 * wait channels of every task of every worker are dumped, every worker is
 * sent SIGKILL (one that survives it is reported as unkillable), and the
 * run fails.  -W 0 fails at WATCHDOG already.  A fault no guarded access
 * expected kills its task, and the parent tells where it hit and what the
 * task did last; a forked child dead of any signal but SIGKILL fails the
 * run as well, and so does a thread whose own memory (code, data, heap,
 * stack) an operation advised.  After the
 * run it checks that every worker exited, that debugfs validate says ok,
 * and that with every fd and mapping gone (and the per-CPU lists and
 * batches drained) Objects is 0 kB and MemFree and SwapFree are back to
 * their values before the run.  Results are TAP.
 *
 * -I FAIL_PCT runs that share of each thread's operations (the knob
 * switches excepted: they check their errnos strictly) with one of the
 * thread's next 64 allocations failed, by the kernel's fault injection:
 * /proc/thread-self/fail-nth fails the Nth slab allocation (failslab is
 * told to fail GFP_KERNEL ones too) and the Nth of the module's page
 * allocator.  The error paths run under the same checks: the checked
 * objects, the kernel log, and MemFree, Slab and the slab objects back to
 * their values after the run (a leak on an error path fails it).
 *
 * -D limits the debugfs process to the files whose name has one of the
 * given strings in it (knobs, fail_page_alloc, vmas, ...); -x
 * debugfs_read or debugfs_write limits it to writing or reading.
 *
 * Classes for -x (exclude) and -o (only): an operation's name, its group
 * (fd, vma, mem, rw, ioctl, fork, pin, pagecache, generic, knob), "debugfs" (the debugfs
 * process), flag classes of mmap ("populate": MAP_POPULATE and
 * MADV_POPULATE_*, "fixed": MAP_FIXED, "huge": huge lengths, "locked":
 * MAP_LOCKED) and "madv_<advice>" for one madvise advice.  -E switches on
 * what is off by default: "madv_hwpoison", "madv_soft_offline", and
 * "hugepopulate" (MAP_POPULATE on a huge length: it never finishes, so the
 * watchdog always fires; what counts is whether SIGKILL ends it), and
 * "hugeio" (reads and writes of arena buffers beyond 4 MiB: see rand_buf()),
 * and the operation "fault_window" (see op_window()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/cdefs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <shadowmm.h>

#include "smm_syscalls.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef noinline
#define noinline		__attribute_noinline__
#endif

/* SMM_FUZZ_DEV and SMM_FUZZ_DEBUGFS name others: to try the fuzzer itself. */
#define DEV_DEFAULT	"/dev/shadowmm"
#define DEBUGFS_DEFAULT	"/sys/kernel/debug/shadowmm"
#define FAILSLAB_DIR	"/sys/kernel/debug/failslab"
#define PG		4096UL
#define ARENA_BASE	0x500000000000UL	/* 80 TiB: far below mmap_base */
#define FD_BASE		200			/* object fds: FD_BASE.. */
#define NR_FDS		8
#define SCRATCH		(64 * 1024)
#define ARENA_IO_MAX	(4UL << 20)	/* see rand_buf() */
#define NR_FOREIGN	8
#define MAX_PROCS	16
#define MAX_THREADS	16
#define NR_KID_SLOTS	64
#define NR_SLOTS	(MAX_PROCS * MAX_THREADS + NR_KID_SLOTS + 1)
#define NR_ERR		136			/* errno 0..134, 135 = other */
#define NR_TRACE	16
#define MAX_FILES	256
/*
 * Each worker thread's checked object (see op_check()): its fd, and its
 * mapping's place, a reserve of CHECK_SPAN per thread far from the arena,
 * where nothing but the thread itself maps or unmaps.
 */
#define CHECK_FD_BASE	240
#define CHECK_BASE	0x580000000000UL	/* 88 TiB */
#define CHECK_SPAN	(64UL << 20)
#define CHECK_LEN	(4UL << 20)		/* two PMDs */
#define CHECK_PAGES	(CHECK_LEN / PG)
#define CHECK_UNKNOWN	UINT32_MAX
#define CHECK_PRIV_OFF	(16UL << 20)		/* the private alias, in the span */

/* ---- operations ---- */

enum op_id {
	OP_OPEN, OP_CLOSE, OP_DUP,
	OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_MLOCK,
	OP_MUNLOCK, OP_MLOCKALL, OP_MSYNC,
	OP_TOUCH, OP_SWEEP,
	OP_READ, OP_WRITE, OP_PREAD, OP_PWRITE, OP_LSEEK,
	OP_IOC_INFO, OP_IOC_LIMIT, OP_IOC_PUNCH, OP_IOC_RAND,
	OP_FORK,
	OP_VMSPLICE, OP_PVM, OP_IOURING,
	OP_CACHESTAT, OP_FADVISE, OP_READAHEAD, OP_MINCORE, OP_SFR, OP_FSYNC,
	OP_SPLICE, OP_SENDFILE, OP_CFR, OP_PMADVISE,
	OP_PROCMEM, OP_PFN, OP_MIGRATE, OP_UFFD,
	OP_WINDOW, OP_KNOB, OP_CHECK,
	OP_DEBUGFS_READ, OP_DEBUGFS_WRITE,
	NR_OPS
};

struct ctx;
/* An operation: 0, or the negative errno it met. */
typedef int (*op_fn)(struct ctx *c);

struct op {
	const char *name;
	const char *group;
	unsigned int weight;
	op_fn fn;
};

/* Flag classes (parts of operations) that -x/-o can switch. */
enum feature {
	F_POPULATE, F_FIXED, F_HUGE, F_LOCKED, F_DEBUGFS, F_HUGEPOP, F_HUGEIO,
	NR_FEATURES
};
static const char *const feature_names[NR_FEATURES] = {
	"populate", "fixed", "huge", "locked", "debugfs", "hugepopulate", "hugeio",
};

struct advice {
	const char *name;
	int value;
	bool dflt;		/* on unless named */
};

static const struct advice advices[] = {
	{ "normal", MADV_NORMAL, true },
	{ "random", MADV_RANDOM, true },
	{ "sequential", MADV_SEQUENTIAL, true },
	{ "willneed", MADV_WILLNEED, true },
	{ "dontneed", MADV_DONTNEED, true },
	{ "free", MADV_FREE, true },
	{ "remove", MADV_REMOVE, true },
	{ "dontfork", MADV_DONTFORK, true },
	{ "dofork", MADV_DOFORK, true },
	{ "mergeable", MADV_MERGEABLE, true },
	{ "unmergeable", MADV_UNMERGEABLE, true },
	{ "hugepage", MADV_HUGEPAGE, true },
	{ "nohugepage", MADV_NOHUGEPAGE, true },
	{ "dontdump", MADV_DONTDUMP, true },
	{ "dodump", MADV_DODUMP, true },
	{ "wipeonfork", MADV_WIPEONFORK, true },
	{ "keeponfork", MADV_KEEPONFORK, true },
	{ "cold", MADV_COLD, true },
	{ "pageout", MADV_PAGEOUT, true },
	{ "populate_read", MADV_POPULATE_READ, true },
	{ "populate_write", MADV_POPULATE_WRITE, true },
	{ "dontneed_locked", MADV_DONTNEED_LOCKED, true },
	{ "collapse", MADV_COLLAPSE, true },
	{ "invalid", 77, true },
	{ "hwpoison", MADV_HWPOISON, false },
	{ "soft_offline", MADV_SOFT_OFFLINE, false },
};
#define NR_ADVICES	ARRAY_SIZE(advices)

/* ---- shared memory: progress, traces, counts ---- */

enum slot_kind { SLOT_THREAD = 1, SLOT_CHILD, SLOT_DEBUGFS };

struct trace_ent {
	int op;
	unsigned long seq;
	unsigned long a[4];
};

struct slot {
	int used;		/* atomic: 0 free, 1 taken */
	int kind;
	int proc, thread;
	pid_t pid, tid;
	unsigned long progress;	/* atomic: operations done */
	int op;			/* operation running, -1 none */
	unsigned int head;	/* next trace entry */
	struct trace_ent trace[NR_TRACE];
	/* A fault no guarded access expected, as its handler saw it. */
	int fault_sig, fault_code;
	unsigned long fault_addr, fault_ip;
};

struct shared {
	struct slot slots[NR_SLOTS];
	pid_t worker_pid[MAX_PROCS];
	unsigned long count[NR_OPS];
	unsigned long err[NR_OPS][NR_ERR];
	unsigned long sigbus[NR_OPS], sigsegv[NR_OPS];
	int stop;
	unsigned long forks;
	unsigned long kids_killed;	/* forked children dead of a signal */
	/* op_check(): pages compared, found wrong, unreadable (SIGBUS, EIO) */
	unsigned long chk_compared, chk_bad, chk_unreadable;
	/* op_knob(): switches made, and errnos no knob documents */
	unsigned long knob_done, knob_bad;
	/* -I: operations run with an allocation to fail, and failures made */
	unsigned long fail_armed, fail_made;
};

/* ---- configuration ---- */

struct config {
	int procs, threads, seconds, watchdog, confirm, settle;
	uint64_t seed;
	size_t arena_len;
	size_t fault_max;	/* bytes one operation may fault in */
	int nr_objects;		/* object fds per process */
	uint64_t off_pages;	/* typical object offsets are below this */
	int child_ms;
	bool sysrq;
	bool list;
	bool op_on[NR_OPS];
	bool feature_on[NR_FEATURES];
	bool advice_on[NR_ADVICES];
	unsigned int weight[NR_OPS];
	unsigned int total_weight;
	unsigned int populate_pct;
	unsigned int fail_pct;	/* -I */
	char excluded[512];
	char only[512];
	char weights[512];
	char dfiles[256];	/* -D */
};

static struct config cfg;
static const char *dev_path = DEV_DEFAULT, *debugfs_dir = DEBUGFS_DEFAULT;
static struct shared *sh;
static double t_start, t_deadline;

/* ---- per-thread state ---- */

struct uring {
	int fd;
	bool tried;
	int setup_err;		/* what the one setup returned */
	void *sq, *cq;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	bool registered;
	unsigned long reg_addr;
	size_t reg_len;
};

struct ctx {
	uint64_t s[4];
	int proc, thread;
	bool child;
	struct slot *slot;
	sigjmp_buf jb;
	int guarded;		/* atomic: the fault handler reads it */
	unsigned char *scratch;
	int pipe[2];
	struct {
		unsigned long addr;
		size_t len;
	} foreign[NR_FOREIGN];
	pid_t kid;
	struct slot *kid_slot;
	struct uring ring;
	double deadline;
	unsigned long seq;
	int fail_nth;		/* -I: this thread's fail-nth file, or -1 */
	int sig;		/* the signal the last guarded access raised */
	struct {
		int fd;			/* -1: none */
		unsigned char *base;	/* where its mapping is now */
		uint32_t *ver;		/* a page's version: 0 zeroes, CHECK_UNKNOWN */
		unsigned char *priv;	/* its MAP_PRIVATE alias, never moved */
		uint32_t *pver;		/* the alias's copy: 0 none (the object's page) */
		uint32_t next;		/* the next version to write */
		unsigned char *buf;	/* a page, for pread/pwrite */
	} chk;
};

static __thread struct ctx *tls_ctx;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A file of the module's debugfs directory (one caller at a time). */
static const char *debugfs_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", debugfs_dir, name);
	return path;
}

/* ---- PRNG: splitmix64 seeds xoshiro256** ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(uint64_t s[4], uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static uint64_t rnd(struct ctx *c)
{
	return rng_next(c->s);
}

/* Uniform in [0, n); 0 when n is 0. */
static uint64_t below(struct ctx *c, uint64_t n)
{
	return n ? rnd(c) % n : 0;
}

static bool chance(struct ctx *c, unsigned int pct)
{
	return below(c, 100) < pct;
}

/* ---- counting and tracing ---- */

/* @err: 0 or the negative errno an operation returned. */
static void count(int op, int err)
{
	int e = -err;

	if (e < 0 || e >= NR_ERR)
		e = NR_ERR - 1;
	__atomic_fetch_add(&sh->count[op], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sh->err[op][e], 1, __ATOMIC_RELAXED);
}

/* Record what is about to run, for the watchdog's report. */
static void trace(struct ctx *c, int op, unsigned long a0, unsigned long a1,
		  unsigned long a2, unsigned long a3)
{
	struct slot *s = c->slot;
	struct trace_ent *e;

	if (!s)
		return;
	e = &s->trace[s->head % NR_TRACE];
	e->op = op;
	e->seq = c->seq;
	e->a[0] = a0;
	e->a[1] = a1;
	e->a[2] = a2;
	e->a[3] = a3;
	__atomic_store_n(&s->head, s->head + 1, __ATOMIC_RELEASE);
}

/* -errno of a system call's result: 0 when it did not fail. */
static int res(long ret)
{
	return ret < 0 ? -errno : 0;
}

static struct slot *slot_take(int kind, int proc, int thread)
{
	int i;

	for (i = 0; i < NR_SLOTS; i++) {
		struct slot *s = &sh->slots[i];
		int zero = 0;

		if (__atomic_compare_exchange_n(&s->used, &zero, 2, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			s->kind = kind;
			s->proc = proc;
			s->thread = thread;
			s->pid = getpid();
			s->tid = gettid();
			s->progress = 0;
			s->op = -1;
			s->head = 0;
			memset(s->trace, 0, sizeof(s->trace));
			s->fault_sig = 0;
			__atomic_store_n(&s->used, 1, __ATOMIC_RELEASE);
			return s;
		}
	}
	return NULL;
}

static void slot_release(struct slot *s)
{
	if (s)
		__atomic_store_n(&s->used, 0, __ATOMIC_RELEASE);
}

/* ---- guarded memory access ---- */

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	struct ctx *c = tls_ctx;

	if (c && __atomic_load_n(&c->guarded, __ATOMIC_RELAXED)) {
		__atomic_store_n(&c->guarded, 0, __ATOMIC_RELAXED);
		siglongjmp(c->jb, sig);
	}
	/*
	 * Not ours to catch: leave where it hit for the parent's report, and
	 * die of it (the access faults again), so the parent sees the signal.
	 */
	if (c && c->slot) {
		struct slot *s = c->slot;

		/* A child of fork() still in the C library's part of it. */
		if (s->pid != getpid() && c->kid_slot)
			s = c->kid_slot;
		s->fault_code = si->si_code;
		s->fault_addr = (unsigned long)si->si_addr;
#if defined(__x86_64__)
		s->fault_ip = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#endif
		__atomic_store_n(&s->fault_sig, sig, __ATOMIC_RELEASE);
	}
	signal(sig, SIG_DFL);
	/* Sent, not raised by an access: nothing repeats it, so raise it. */
	if (si->si_code <= 0)
		raise(sig);
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

static void *altstack_setup(void)
{
	stack_t ss;

	ss.ss_size = 64 * 1024;
	ss.ss_sp = malloc(ss.ss_size);
	ss.ss_flags = 0;
	if (ss.ss_sp)
		sigaltstack(&ss, NULL);
	return ss.ss_sp;
}

/*
 * Read (or write @val to) the byte at @p.  0 when that worked, else the
 * signal it raised.  The access is one byte, done exactly once, and only
 * the handler of this thread looks at guarded: signal fences keep the
 * access between setting and clearing it.
 */
static noinline int access_byte(struct ctx *c, unsigned long p, int write,
				unsigned char val)
{
	int sig;

	__atomic_store_n(&c->guarded, 1, __ATOMIC_RELAXED);
	sig = sigsetjmp(c->jb, 1);
	if (!sig) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (write)
			__atomic_store_n((unsigned char *)p, val, __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n((unsigned char *)p, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&c->guarded, 0, __ATOMIC_RELAXED);
	return sig;
}

static void count_sig(int op, int sig)
{
	if (sig == SIGBUS)
		__atomic_fetch_add(&sh->sigbus[op], 1, __ATOMIC_RELAXED);
	else if (sig == SIGSEGV)
		__atomic_fetch_add(&sh->sigsegv[op], 1, __ATOMIC_RELAXED);
}

/* ---- random arguments ---- */

static int fd_slot(struct ctx *c)
{
	return FD_BASE + below(c, cfg.nr_objects);
}

/* Mostly an object's fd; sometimes one that is no object or none at all. */
static int rand_fd(struct ctx *c)
{
	unsigned int r = below(c, 100);

	if (r < 90)
		return fd_slot(c);
	if (r < 93)
		return -1;
	if (r < 97)
		return c->pipe[below(c, 2)];
	return FD_BASE + NR_FDS + below(c, 8);	/* never open */
}

/*
 * For calls that would wait on a pipe (io_uring polls it; an ioctl may
 * clear its O_NONBLOCK): an object's fd or none.
 */
static int rand_fd_nopipe(struct ctx *c)
{
	int fd = rand_fd(c);

	return fd == c->pipe[0] || fd == c->pipe[1] ? -1 : fd;
}

static unsigned long arena_end(void)
{
	return ARENA_BASE + cfg.arena_len;
}

static bool in_arena(unsigned long addr, size_t len)
{
	return addr >= ARENA_BASE && addr < arena_end() && len <= arena_end() - addr;
}

/* Lengths of huge mappings: placed far from the arena, or refused. */
static size_t huge_len(struct ctx *c)
{
	static const size_t lens[] = {
		1UL << 40, (1UL << 40) + PG, 3UL << 40, 1UL << 42,
		1UL << 47, -PG, (size_t)-1, (1UL << 63),
	};

	return lens[below(c, ARRAY_SIZE(lens))];
}

/* A length for mmap: small mostly, sometimes odd, empty or huge. */
static size_t rand_map_len(struct ctx *c, bool *huge)
{
	unsigned int r = below(c, 100);

	*huge = false;
	if (r < 35)
		return PG * (1 + below(c, 4));
	if (r < 60)
		return PG * (1 + below(c, 64));
	if (r < 72)
		return PG * (1 + below(c, 1024));
	if (r < 82)
		return 1 + below(c, 256 * 1024);
	if (r < 87)
		return PG * (1 + below(c, cfg.arena_len / PG / 2));
	if (r < 90)
		return 0;
	if (r < 97 || !cfg.feature_on[F_HUGE])
		return PG * (1 + below(c, 16)) + below(c, PG);
	*huge = true;
	return huge_len(c);
}

/* An object offset: 0 or small mostly; odd, near the limit or beyond. */
static uint64_t rand_off(struct ctx *c)
{
	unsigned int r = below(c, 100);

	if (r < 45)
		return 0;
	if (r < 75)
		return PG * below(c, cfg.off_pages);
	if (r < 82)
		return PG * below(c, 16 * cfg.off_pages);
	if (r < 87)
		return below(c, 1 << 24);
	if (r < 92)
		return SHADOWMM_MAX_OBJECT_SIZE - PG * (1 + below(c, 64));
	if (r < 95)
		return SHADOWMM_MAX_OBJECT_SIZE + PG * below(c, 4);
	if (r < 98)
		return -PG * (1 + below(c, 4));
	return rnd(c);
}

/* A byte count for read/write-like calls. */
static size_t rand_count(struct ctx *c)
{
	unsigned int r = below(c, 100);

	if (r < 30)
		return 1 + below(c, PG);
	if (r < 60)
		return PG * (1 + below(c, 16));
	if (r < 75)
		return 1 + below(c, SCRATCH);
	if (r < 85)
		return 0;
	if (r < 95)
		return PG * (1 + below(c, 1024));
	return (size_t)1 << (20 + below(c, 43));
}

/*
 * Mappings made lately in the arena, per process (threads share it; a
 * torn or stale entry only names another part of the arena).
 */
#define NR_RECENT	64
static struct {
	unsigned long addr, len;
} recent[NR_RECENT];
static unsigned int recent_head;

static void recent_add(unsigned long addr, size_t len)
{
	unsigned int i = __atomic_fetch_add(&recent_head, 1, __ATOMIC_RELAXED) % NR_RECENT;

	if (!in_arena(addr, len) || len < PG)
		return;
	__atomic_store_n(&recent[i].addr, addr & ~(PG - 1), __ATOMIC_RELAXED);
	__atomic_store_n(&recent[i].len, len & ~(PG - 1), __ATOMIC_RELAXED);
}

/* A recent mapping, cut to the arena; false when there is none. */
static bool recent_pick(struct ctx *c, unsigned long *addr, size_t *len)
{
	unsigned int i = below(c, NR_RECENT);

	*addr = __atomic_load_n(&recent[i].addr, __ATOMIC_RELAXED);
	*len = __atomic_load_n(&recent[i].len, __ATOMIC_RELAXED);
	if (!*addr || *len < PG || !in_arena(*addr, PG))
		return false;
	if (*len > arena_end() - *addr)
		*len = arena_end() - *addr;
	return true;
}

/*
 * A random range of the arena: page aligned mostly; sometimes an odd start
 * or length, which calls that want alignment refuse.  Never past the arena.
 */
static void rand_range(struct ctx *c, unsigned long *addr, size_t *len)
{
	size_t pages = cfg.arena_len / PG, start, n;
	unsigned int r = below(c, 100);
	unsigned long ra;
	size_t rl;

	start = below(c, pages);
	if (r < 40)
		n = 1 + below(c, 16);
	else if (r < 70)
		n = 1 + below(c, 512);
	else if (r < 85)
		n = 1 + below(c, pages);
	else if (r < 93)
		n = pages - start;
	else if (r < 96)
		n = 0;
	else {
		start = 0;
		n = pages;
	}
	/* Mostly a part of a mapping made lately: the calls meet live vmas. */
	if (chance(c, 60) && recent_pick(c, &ra, &rl)) {
		size_t rp = rl / PG;

		start = (ra - ARENA_BASE) / PG + below(c, rp);
		rp -= start - (ra - ARENA_BASE) / PG;
		n = chance(c, 40) ? rp : 1 + below(c, rp);
	}
	if (start + n > pages)
		n = pages - start;
	*addr = ARENA_BASE + start * PG;
	*len = n * PG;
	if (chance(c, 3)) {
		*addr += 1 + below(c, PG - 1);
		*len = *len > PG ? *len - PG : 0;
	}
	if (chance(c, 3) && *len)
		*len -= 1 + below(c, PG - 1);
}

/* An arena range no longer than @max bytes (for buffers of calls). */
static void rand_range_max(struct ctx *c, unsigned long *addr, size_t *len, size_t max)
{
	rand_range(c, addr, len);
	if (*len > max)
		*len = max;
}

static int rand_prot(struct ctx *c)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_READ, PROT_READ, PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_EXEC,
	};
	int prot = prots[below(c, ARRAY_SIZE(prots))];

	if (chance(c, 2))
		prot |= chance(c, 50) ? PROT_GROWSDOWN : 0x10;
	return prot;
}

/*
 * A buffer for a call that writes to memory: the thread's scratch (with
 * the count cut to fit), an arena range (the count cut to the arena's
 * end, and to ARENA_IO_MAX unless -E hugeio), or a bad pointer.  An I/O
 * of more than the region through mappings of the same pool evicts and
 * brings back every page of it, twice: minutes at emulation speed, which
 * the watchdog cannot tell from a hang.  -E hugeio does it anyway; what
 * counts then is whether SIGKILL ends it.
 */
static void *rand_buf(struct ctx *c, size_t *cnt)
{
	static const unsigned long bad[] = {
		0, 1, 0xffffffff81000000UL, 0x800000000000UL, 0xffff888000000000UL,
	};
	unsigned int r = below(c, 100);
	unsigned long a;
	size_t len;

	if (r < 45) {
		if (*cnt > SCRATCH)
			*cnt = below(c, SCRATCH + 1);
		return c->scratch + below(c, SCRATCH - *cnt + 1);
	}
	if (r < 88) {
		rand_range(c, &a, &len);
		if (*cnt > arena_end() - a)
			*cnt = arena_end() - a;
		if (!cfg.feature_on[F_HUGEIO] && *cnt > ARENA_IO_MAX)
			*cnt = below(c, ARENA_IO_MAX + 1);
		return (void *)a;
	}
	return (void *)bad[below(c, ARRAY_SIZE(bad))];
}

/* A pointer for an ioctl argument: scratch, arena, or bad. */
static void *rand_arg_ptr(struct ctx *c)
{
	size_t n = 256;
	unsigned long p = (unsigned long)rand_buf(c, &n);

	/* A call writes its whole structure: none may end past the arena. */
	if (in_arena(p, 1) && arena_end() - p < PG)
		p -= PG;
	return (void *)p;
}

/* ---- foreign mappings (placed outside the arena by the kernel) ---- */

static void foreign_add(struct ctx *c, unsigned long addr, size_t len)
{
	int i, victim = below(c, NR_FOREIGN);

	for (i = 0; i < NR_FOREIGN; i++) {
		if (!c->foreign[i].addr) {
			victim = i;
			break;
		}
	}
	if (c->foreign[victim].addr)
		munmap((void *)c->foreign[victim].addr, c->foreign[victim].len);
	c->foreign[victim].addr = addr;
	c->foreign[victim].len = len;
}

static void foreign_drop_all(struct ctx *c)
{
	int i;

	for (i = 0; i < NR_FOREIGN; i++) {
		if (c->foreign[i].addr)
			munmap((void *)c->foreign[i].addr, c->foreign[i].len);
		c->foreign[i].addr = 0;
	}
}

/* A mapping call returned @p for @len bytes: keep track of it. */
static void note_mapping(struct ctx *c, unsigned long p, size_t len)
{
	if (in_arena(p, len))
		return;
	if (p < arena_end() && p + len > ARENA_BASE) {
		/* Straddles the arena's edge: give the outside part back. */
		if (p < ARENA_BASE)
			munmap((void *)p, ARENA_BASE - p);
		if (p + len > arena_end())
			munmap((void *)arena_end(), p + len - arena_end());
		return;
	}
	foreign_add(c, p, len);
}

/* ---- operations: fds ---- */

static int op_open(struct ctx *c)
{
	static const int acc[] = { O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_WRONLY };
	int flags = acc[below(c, 6)] | O_CLOEXEC, fd, target = fd_slot(c), err;

	if (chance(c, 10))
		flags |= O_NONBLOCK;
	if (chance(c, 5))
		flags |= O_APPEND;
	if (chance(c, 3))
		flags |= O_SYNC;
	if (chance(c, 3))
		flags |= O_DIRECT;
	trace(c, OP_OPEN, flags, target, 0, 0);
	fd = open(dev_path, flags);
	err = res(fd);
	if (fd >= 0) {
		dup3(fd, target, O_CLOEXEC);
		close(fd);
	}
	return err;
}

static int op_close(struct ctx *c)
{
	int fd = chance(c, 95) ? fd_slot(c) : FD_BASE + NR_FDS + below(c, 8);

	trace(c, OP_CLOSE, fd, 0, 0, 0);
	return res(close(fd));
}

static int op_dup(struct ctx *c)
{
	/* Slots hold objects only: never dup a pipe into one. */
	int from = rand_fd_nopipe(c), to = fd_slot(c), fd, err;

	trace(c, OP_DUP, from, to, 0, 0);
	switch (below(c, 3)) {
	case 0:
		return res(dup3(from, to, chance(c, 50) ? O_CLOEXEC : 0));
	case 1:
		fd = dup(from);
		err = res(fd);
		if (fd >= 0)
			close(fd);
		return err;
	default:
		fd = fcntl(from, F_DUPFD_CLOEXEC, FD_BASE + NR_FDS + 8);
		err = res(fd);
		if (fd >= 0)
			close(fd);
		return err;
	}
}

/* ---- operations: mappings ---- */

/*
 * A mapping made while mlockall(MCL_FUTURE | MCL_ONFAULT) holds gets
 * VM_LOCKED | VM_LOCKONFAULT, and mmap() populates it once it dropped the
 * mmap_lock: the populate skips a VM_LOCKONFAULT vma.  A munlockall() by
 * another thread in between clears both flags, and the populate then faults
 * in the whole mapping: terabytes for a huge one, which only SIGKILL ends
 * (the kernel's behaviour for any file or anonymous mapping).  A munlock()
 * of a range in it does the same to that range.  The threads of a process
 * make huge mappings, and any longer than one operation may fault in (-M),
 * under the read side, and mlockall(), munlockall() and munlock() under
 * the write side.  (Another thread's mremap() may still move a mapping of
 * at most 16 MiB into the range meanwhile, which is then faulted in:
 * bounded.)  A mapping asked to be populated is populated anyway, and
 * one of -E hugepopulate never ends: it takes no lock.  A forked child
 * runs alone and takes neither: its copy of the lock may show a holder
 * that is not there.
 */
static pthread_rwlock_t lock_flags_lock = PTHREAD_RWLOCK_INITIALIZER;

static int op_mmap(struct ctx *c)
{
	bool huge;
	size_t len = rand_map_len(c, &huge);
	uint64_t off = rand_off(c);
	int prot = rand_prot(c), flags, fd = rand_fd(c), err;
	unsigned int r = below(c, 100), how = below(c, 100);
	bool serialize;
	unsigned long addr = 0;
	void *p;

	if (r < 55)
		flags = MAP_SHARED;
	else if (r < 95)
		flags = MAP_PRIVATE;
	else if (r < 98)
		flags = MAP_SHARED_VALIDATE | (chance(c, 50) ? MAP_SYNC : 0x4000000);
	else
		flags = 0;
	if (chance(c, 20))
		flags |= MAP_NORESERVE;
	if (chance(c, 1))
		flags |= MAP_ANONYMOUS;
	if (!huge && len <= cfg.fault_max) {
		if (cfg.feature_on[F_POPULATE] && chance(c, cfg.populate_pct))
			flags |= MAP_POPULATE;
		if (cfg.feature_on[F_LOCKED] && chance(c, 5))
			flags |= MAP_LOCKED;
	}
	/* Off unless asked for: a populate of terabytes never ends. */
	if (huge && cfg.feature_on[F_HUGEPOP] && chance(c, 25))
		flags |= MAP_POPULATE;
	if (!huge && len <= cfg.arena_len) {
		addr = ARENA_BASE + PG * below(c, (cfg.arena_len - len) / PG + 1);
		if (cfg.feature_on[F_FIXED] && how < 40)
			flags |= MAP_FIXED;
		else if (how < 50)
			flags |= MAP_FIXED_NOREPLACE;
		if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && chance(c, 2))
			addr += 1 + below(c, PG - 1);
	}
	trace(c, OP_MMAP, addr, len, ((unsigned long)prot << 32) | (unsigned int)flags, off);
	serialize = (huge || len > cfg.fault_max) && !(flags & MAP_POPULATE) && !c->child;
	if (serialize)
		pthread_rwlock_rdlock(&lock_flags_lock);
	p = mmap((void *)addr, len, prot, flags, fd, off);
	if (serialize)
		pthread_rwlock_unlock(&lock_flags_lock);
	if (p == MAP_FAILED)
		return -errno;
	err = 0;
	if (huge) {
		/* Touch a little of it and give it back at once. */
		unsigned long a = (unsigned long)p;
		int i;

		for (i = 0; i < 4; i++)
			count_sig(OP_MMAP, access_byte(c, a + PG * below(c, len / PG),
						       chance(c, 50), (unsigned char)rnd(c)));
		munmap(p, len);
		return err;
	}
	note_mapping(c, (unsigned long)p, len);
	recent_add((unsigned long)p, len);
	return err;
}

static int op_munmap(struct ctx *c)
{
	unsigned long addr;
	size_t len;
	int i;

	if (chance(c, 10)) {
		i = below(c, NR_FOREIGN);
		if (c->foreign[i].addr) {
			addr = c->foreign[i].addr;
			len = c->foreign[i].len;
			c->foreign[i].addr = 0;
			trace(c, OP_MUNMAP, addr, len, 1, 0);
			return res(munmap((void *)addr, len));
		}
	}
	/* Small holes mostly: the arena should stay mapped for the others. */
	rand_range_max(c, &addr, &len, chance(c, 75) ? 1 << 20 : chance(c, 80) ? 8 << 20 : ~0UL);
	trace(c, OP_MUNMAP, addr, len, 0, 0);
	return res(munmap((void *)addr, len));
}

static int op_mprotect(struct ctx *c)
{
	unsigned long addr;
	size_t len;
	int prot = rand_prot(c);

	rand_range(c, &addr, &len);
	trace(c, OP_MPROTECT, addr, len, prot, 0);
	return res(mprotect((void *)addr, len, prot));
}

static int op_mremap(struct ctx *c)
{
	unsigned long addr, naddr = 0;
	size_t len, nlen;
	unsigned int r = below(c, 100);
	int flags;
	void *p;

	rand_range_max(c, &addr, &len, 16 << 20);
	if (r < 35)
		nlen = len + PG * (1 + below(c, 256));
	else if (r < 65)
		nlen = len > PG ? PG * (1 + below(c, len / PG)) : PG;
	else if (r < 85)
		nlen = len;
	else if (r < 90)
		nlen = 0;
	else
		nlen = len + 1 + below(c, PG);
	r = below(c, 100);
	if (r < 30)
		flags = 0;
	else if (r < 60)
		flags = MREMAP_MAYMOVE;
	else if (r < 88)
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
	else if (r < 96)
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
	else
		flags = chance(c, 50) ? MREMAP_FIXED : 0x40;
	/* Growing in place must stay in the arena. */
	if (nlen > arena_end() - addr) {
		nlen = arena_end() - addr;
		nlen &= ~(PG - 1);
	}
	if (flags & MREMAP_FIXED) {
		size_t room = cfg.arena_len > nlen ? cfg.arena_len - nlen : 0;

		naddr = ARENA_BASE + PG * below(c, room / PG + 1);
		if (nlen > cfg.arena_len)
			nlen = cfg.arena_len;
	}
	trace(c, OP_MREMAP, addr, len, nlen, ((unsigned long)flags << 48) | naddr);
	p = mremap((void *)addr, len, nlen, flags, (void *)naddr);
	if (p == MAP_FAILED)
		return -errno;
	note_mapping(c, (unsigned long)p, nlen);
	recent_add((unsigned long)p, nlen);
	return 0;
}

static int rand_advice(struct ctx *c)
{
	int tries;

	for (tries = 0; tries < 64; tries++) {
		unsigned int i = below(c, NR_ADVICES);

		if (cfg.advice_on[i])
			return advices[i].value;
	}
	return MADV_NORMAL;
}

static int op_madvise(struct ctx *c)
{
	unsigned long addr;
	size_t len;
	int advice = rand_advice(c);

	rand_range(c, &addr, &len);
	/* Populating the whole arena takes long under emulation. */
	if ((advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE ||
	     advice == MADV_WILLNEED) && len > cfg.fault_max)
		len = cfg.fault_max;
	trace(c, OP_MADVISE, addr, len, advice, 0);
	return res(madvise((void *)addr, len, advice));
}

static int op_mlock(struct ctx *c)
{
	unsigned long addr;
	size_t len;
	unsigned int r = below(c, 100);

	rand_range_max(c, &addr, &len, cfg.fault_max);
	trace(c, OP_MLOCK, addr, len, r, 0);
	if (r < 50)
		return res(mlock((void *)addr, len));
	if (r < 92)
		return res(mlock2((void *)addr, len, MLOCK_ONFAULT));
	return res(mlock2((void *)addr, len, 1U << below(c, 32)));
}

static int op_munlock(struct ctx *c)
{
	unsigned long addr;
	size_t len;
	int err;

	rand_range(c, &addr, &len);
	trace(c, OP_MUNLOCK, addr, len, 0, 0);
	if (!c->child)
		pthread_rwlock_wrlock(&lock_flags_lock);
	err = res(munlock((void *)addr, len));
	if (!c->child)
		pthread_rwlock_unlock(&lock_flags_lock);
	return err;
}

static int op_mlockall(struct ctx *c)
{
	/*
	 * Never MCL_FUTURE alone: every later mapping would be populated.
	 * Any MCL_CURRENT, even with MCL_ONFAULT, ends in mm_populate() over
	 * the whole address space after the mmap_lock was dropped: a mapping
	 * another thread made in between has no VM_LOCKONFAULT and is faulted
	 * in whole, terabytes for a huge one, under the mmap_lock (the
	 * kernel's behaviour for any mapping).  So MCL_CURRENT only without
	 * huge mappings.  Nor MCL_CURRENT without MCL_ONFAULT beside the
	 * checked objects: its populate writes to every writable private
	 * mapping, and the private alias would get copies op_check() did not
	 * make (they no longer follow the object).
	 */
	static const int flags[] = {
		MCL_FUTURE | MCL_ONFAULT, MCL_ONFAULT, 0x40,
		MCL_CURRENT | MCL_ONFAULT, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT, MCL_CURRENT,
	};
	int f = flags[below(c, cfg.feature_on[F_HUGE] ? 3 : cfg.op_on[OP_CHECK] ? 5 : 6)], err;

	if (!c->child)
		pthread_rwlock_wrlock(&lock_flags_lock);
	if (chance(c, 40)) {
		trace(c, OP_MLOCKALL, 0, 0, 0, 0);
		err = res(munlockall());
	} else {
		trace(c, OP_MLOCKALL, f, 0, 0, 0);
		err = res(mlockall(f));
		/* Locked for a short while only: most operations see it unlocked. */
		if (chance(c, 50))
			munlockall();
	}
	if (!c->child)
		pthread_rwlock_unlock(&lock_flags_lock);
	return err;
}

static int op_msync(struct ctx *c)
{
	static const int flags[] = {
		MS_ASYNC, MS_SYNC, MS_INVALIDATE, MS_ASYNC | MS_INVALIDATE,
		MS_SYNC | MS_INVALIDATE, MS_ASYNC | MS_SYNC, 0, 0x10,
	};
	unsigned long addr;
	size_t len;
	int f = flags[below(c, 8)];

	rand_range(c, &addr, &len);
	trace(c, OP_MSYNC, addr, len, f, 0);
	return res(msync((void *)addr, len, f));
}

/* ---- operations: memory through the mappings ---- */

static int op_touch(struct ctx *c)
{
	int i, n = 1 + below(c, 32), sig, last = 0;

	trace(c, OP_TOUCH, n, 0, 0, 0);
	for (i = 0; i < n; i++) {
		unsigned long a = ARENA_BASE + below(c, cfg.arena_len), ra;
		size_t rl;

		if (chance(c, 70) && recent_pick(c, &ra, &rl))
			a = ra + below(c, rl);

		sig = access_byte(c, a, chance(c, 50), (unsigned char)rnd(c));
		count_sig(OP_TOUCH, sig);
		if (sig)
			last = sig;
	}
	return last == SIGBUS ? -EFAULT : last ? -EACCES : 0;
}

/* Every page of a range, in order: what makes the region fill. */
static int op_sweep(struct ctx *c)
{
	unsigned long addr, a;
	size_t len;
	int write = below(c, 3), sigs = 0, sig;

	rand_range_max(c, &addr, &len, cfg.fault_max / 2);
	trace(c, OP_SWEEP, addr, len, write, 0);
	for (a = addr & ~(PG - 1); a < addr + len; a += PG) {
		sig = access_byte(c, a + below(c, PG), write == 2 ? (int)below(c, 2) : write,
				  (unsigned char)(a >> 12));
		count_sig(OP_SWEEP, sig);
		sigs += !!sig;
		if (sigs > 64)
			break;
	}
	return sigs ? -EFAULT : 0;
}

/* ---- operations: read/write ---- */

/* @buf's @n bytes as two iovecs, for readv() and writev(). */
static void iov_halves(struct iovec iov[2], void *buf, size_t n)
{
	size_t m = n / 2;

	iov[0].iov_base = buf;
	iov[0].iov_len = m;
	iov[1].iov_base = (char *)buf + m;
	iov[1].iov_len = n - m;
}

static int op_read(struct ctx *c)
{
	size_t n = rand_count(c);
	int fd = rand_fd(c);
	void *buf = rand_buf(c, &n);

	trace(c, OP_READ, fd, (unsigned long)buf, n, 0);
	if (chance(c, 20)) {
		struct iovec iov[2];

		iov_halves(iov, buf, n);
		return res(readv(fd, iov, 2));
	}
	return res(read(fd, buf, n));
}

/* A buffer for a call that only reads memory: anything goes. */
static void *rand_src(struct ctx *c, size_t *cnt)
{
	return rand_buf(c, cnt);
}

static int op_write(struct ctx *c)
{
	size_t n = rand_count(c);
	int fd = rand_fd(c);
	void *buf = rand_src(c, &n);

	trace(c, OP_WRITE, fd, (unsigned long)buf, n, 0);
	if (chance(c, 20)) {
		struct iovec iov[2];

		iov_halves(iov, buf, n);
		return res(writev(fd, iov, 2));
	}
	return res(write(fd, buf, n));
}

static int rand_rwf(struct ctx *c)
{
	static const int f[] = { 0, 0, 0, RWF_NOWAIT, RWF_HIPRI, RWF_DSYNC, RWF_APPEND, 0x80 };

	return f[below(c, 8)];
}

static int op_pread(struct ctx *c)
{
	size_t n = rand_count(c);
	int fd = rand_fd(c), flags = rand_rwf(c);
	off_t off = rand_off(c);
	void *buf = rand_buf(c, &n);
	struct iovec iov = { buf, n };

	trace(c, OP_PREAD, fd, (unsigned long)buf, n, off);
	if (chance(c, 25))
		return res(preadv2(fd, &iov, 1, off, flags));
	return res(pread(fd, buf, n, off));
}

static int op_pwrite(struct ctx *c)
{
	size_t n = rand_count(c);
	int fd = rand_fd(c), flags = rand_rwf(c);
	off_t off = rand_off(c);
	void *buf = rand_src(c, &n);
	struct iovec iov = { buf, n };

	/* Keep most writes where the region can hold them. */
	if (chance(c, 70))
		off &= (64 << 20) - 1;
	trace(c, OP_PWRITE, fd, (unsigned long)buf, n, off);
	if (chance(c, 25))
		return res(pwritev2(fd, &iov, 1, off, flags));
	return res(pwrite(fd, buf, n, off));
}

static int op_lseek(struct ctx *c)
{
	static const int whence[] = { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 7 };
	int fd = rand_fd(c), w = whence[below(c, 6)];
	off_t off = chance(c, 50) ? (off_t)rand_off(c) : -(off_t)below(c, 1 << 20);

	trace(c, OP_LSEEK, fd, off, w, 0);
	return res(lseek(fd, off, w));
}

/* ---- operations: ioctls ---- */

static int op_ioc_info(struct ctx *c)
{
	int fd = rand_fd(c);
	void *arg = chance(c, 75) ? (void *)c->scratch : rand_arg_ptr(c);

	trace(c, OP_IOC_INFO, fd, (unsigned long)arg, 0, 0);
	return res(ioctl(fd, SHADOWMM_IOC_INFO, arg));
}

static int op_ioc_limit(struct ctx *c)
{
	struct shadowmm_limit *l = (void *)c->scratch;
	unsigned int r = below(c, 100);
	int fd = rand_fd(c);
	void *arg = l;

	l->flags = 0;
	if (r < 45)
		l->size_limit = SHADOWMM_MAX_OBJECT_SIZE;
	else if (r < 75)
		l->size_limit = PG * below(c, 2 * cfg.off_pages);
	else if (r < 80)
		l->size_limit = 0;
	else if (r < 85)
		l->size_limit = PG * below(c, 2 * cfg.off_pages) + 1 + below(c, PG - 1);
	else if (r < 90)
		l->size_limit = SHADOWMM_MAX_OBJECT_SIZE + PG * (1 + below(c, 4));
	else if (r < 93)
		l->size_limit = rnd(c);
	else if (r < 96) {
		l->size_limit = SHADOWMM_MAX_OBJECT_SIZE;
		l->flags = 1ULL << below(c, 64);
	} else {
		arg = rand_arg_ptr(c);
	}
	trace(c, OP_IOC_LIMIT, fd, l->size_limit, l->flags, (unsigned long)arg);
	return res(ioctl(fd, SHADOWMM_IOC_SET_LIMIT, arg));
}

static int op_ioc_punch(struct ctx *c)
{
	struct shadowmm_range *rg = (void *)c->scratch;
	unsigned int r = below(c, 100);
	int fd = rand_fd(c);
	void *arg = rg;

	rg->offset = PG * below(c, 2 * cfg.off_pages);
	rg->length = PG * (1 + below(c, cfg.off_pages));
	if (r < 70)
		;
	else if (r < 75)
		rg->length = 0;
	else if (r < 80)
		rg->offset += 1 + below(c, PG - 1);
	else if (r < 85)
		rg->length += 1 + below(c, PG - 1);
	else if (r < 88)
		rg->offset = SHADOWMM_MAX_OBJECT_SIZE - PG * below(c, 4);
	else if (r < 91)
		rg->length = -PG * (1 + below(c, 4));
	else if (r < 94) {
		rg->offset = rnd(c);
		rg->length = rnd(c);
	} else if (r < 97) {
		rg->offset = 0;
		rg->length = SHADOWMM_MAX_OBJECT_SIZE;
	} else {
		arg = rand_arg_ptr(c);
	}
	trace(c, OP_IOC_PUNCH, fd, rg->offset, rg->length, (unsigned long)arg);
	return res(ioctl(fd, SHADOWMM_IOC_PUNCH_HOLE, arg));
}

/*
 * Random command numbers: the device's magic with any number, size and
 * direction, a few generic ones the VFS answers itself, or anything at all
 * except the magics of file-attribute and freeze ioctls ('f', 'X'), which
 * would change /dev itself.
 */
static int op_ioc_rand(struct ctx *c)
{
	static const unsigned int generic[] = {
		FIONREAD, FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX, FIOQSIZE, 2 /* FIGETBSZ */,
	};
	unsigned int r = below(c, 100), cmd;
	int fd = rand_fd_nopipe(c);
	unsigned long arg;

	if (r < 50)
		cmd = _IOC(below(c, 4), SHADOWMM_IOC_MAGIC, below(c, 8), below(c, 256));
	else if (r < 65)
		cmd = generic[below(c, ARRAY_SIZE(generic))];
	else {
		do {
			cmd = (unsigned int)rnd(c);
		} while (_IOC_TYPE(cmd) == 'f' || _IOC_TYPE(cmd) == 'X');
	}
	r = below(c, 100);
	if (r < 40)
		arg = (unsigned long)c->scratch;
	else if (r < 80)
		arg = (unsigned long)rand_arg_ptr(c);
	else
		arg = below(c, 4);
	/* FIONBIO/FIOASYNC read an int; give them a real one mostly. */
	if (cmd == FIONBIO || cmd == FIOASYNC) {
		*(int *)c->scratch = below(c, 2);
		arg = (unsigned long)c->scratch;
	}
	trace(c, OP_IOC_RAND, fd, cmd, arg, 0);
	return res(ioctl(fd, cmd, arg));
}

/* ---- operations: fork ---- */

static void run_ops(struct ctx *c);
static void slot_report(const struct slot *s, char *buf, size_t size);

static void reap_kid(struct ctx *c, bool wait)
{
	int status;
	pid_t p;

	if (!c->kid)
		return;
	p = waitpid(c->kid, &status, wait ? 0 : WNOHANG);
	if (p == c->kid && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
		/* Only the parent's watchdog sends SIGKILL: any other is a failure. */
		char buf[4096];
		int n;

		__atomic_fetch_add(&sh->kids_killed, 1, __ATOMIC_RELAXED);
		n = snprintf(buf, sizeof(buf), "# child pid %d of process %d thread %d killed by signal %d (%s)\n",
			     p, c->proc, c->thread, WTERMSIG(status), strsignal(WTERMSIG(status)));
		if (n > 0 && (size_t)n < sizeof(buf))
			slot_report(c->kid_slot, buf + n, sizeof(buf) - n);
		if (write(STDOUT_FILENO, buf, strlen(buf)) < 0)
			perror("write");
	}
	if (p == c->kid || (p < 0 && errno == ECHILD)) {
		c->kid = 0;
		slot_release(c->kid_slot);
		c->kid_slot = NULL;
	}
}

static void uring_forget(struct uring *u)
{
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

static void chk_child(struct ctx *c);

static int op_fork(struct ctx *c)
{
	uint64_t kid_seed = rnd(c);
	int ms = 50 + below(c, cfg.child_ms), i;
	struct slot *s;
	pid_t pid;

	/* A forked child does not fork again. */
	if (c->child)
		return -EOPNOTSUPP;
	reap_kid(c, false);
	if (c->kid)
		return -EAGAIN;
	s = slot_take(SLOT_CHILD, c->proc, c->thread);
	if (!s)
		return -EAGAIN;
	trace(c, OP_FORK, ms, 0, 0, 0);
	/* Set before fork(): a child's fault before it takes s lands there. */
	c->kid_slot = s;
	pid = fork();
	if (pid < 0) {
		c->kid_slot = NULL;
		slot_release(s);
		return -errno;
	}
	if (pid == 0) {
		/* The forking thread alone goes on, in a copy of the mm. */
		s->pid = getpid();
		s->tid = gettid();
		c->child = true;
		c->slot = s;
		c->kid = 0;
		c->kid_slot = NULL;
		rng_seed(c->s, kid_seed);
		c->deadline = now() + ms / 1000.0;
		if (c->deadline > t_deadline)
			c->deadline = t_deadline;
		/* The parent's ring and pipes are the parent's. */
		uring_forget(&c->ring);
		close(c->pipe[0]);
		close(c->pipe[1]);
		if (pipe2(c->pipe, O_NONBLOCK | O_CLOEXEC))
			c->pipe[0] = c->pipe[1] = -1;
		for (i = 0; i < NR_FOREIGN; i++)
			c->foreign[i].addr = 0;
		chk_child(c);
		run_ops(c);
		_exit(0);
	}
	__atomic_fetch_add(&sh->forks, 1, __ATOMIC_RELAXED);
	c->kid = pid;
	c->kid_slot = s;
	return 0;
}

/* ---- operations: pins ---- */

static void drain_pipe(struct ctx *c)
{
	while (read(c->pipe[0], c->scratch, SCRATCH) > 0)
		;
}

static int op_vmsplice(struct ctx *c)
{
	struct iovec iov[4];
	int i, n = 1 + below(c, 4), err;
	unsigned long addr;
	size_t len;

	for (i = 0; i < n; i++) {
		rand_range_max(c, &addr, &len, 16 * PG);
		iov[i].iov_base = (void *)addr;
		iov[i].iov_len = len;
	}
	trace(c, OP_VMSPLICE, (unsigned long)iov[0].iov_base, iov[0].iov_len, n, 0);
	if (chance(c, 25)) {
		/* From the pipe into the mappings. */
		err = res(vmsplice(c->pipe[0], iov, n, SPLICE_F_NONBLOCK));
	} else {
		err = res(vmsplice(c->pipe[1], iov, n,
				   SPLICE_F_NONBLOCK | (chance(c, 20) ? SPLICE_F_GIFT : 0)));
		/* Pages may stay in the pipe, pinned, for a while. */
		if (chance(c, 60))
			drain_pipe(c);
	}
	return err;
}

static pid_t rand_pid(struct ctx *c)
{
	unsigned int r = below(c, 100);

	if (r < 50)
		return getpid();
	if (r < 80) {
		pid_t p = sh->worker_pid[below(c, cfg.procs)];

		return p ? p : getpid();
	}
	if (r < 95 && c->kid)
		return c->kid;
	return getppid();
}

static int op_pvm(struct ctx *c)
{
	struct iovec local, remote[2];
	unsigned long addr;
	size_t len, n = rand_count(c);
	pid_t pid = rand_pid(c);
	bool write = chance(c, 40);

	local.iov_base = write ? rand_src(c, &n) : rand_buf(c, &n);
	local.iov_len = n;
	rand_range_max(c, &addr, &len, 64 * PG);
	remote[0].iov_base = (void *)addr;
	remote[0].iov_len = len;
	rand_range_max(c, &addr, &len, 64 * PG);
	remote[1].iov_base = (void *)addr;
	remote[1].iov_len = len;
	trace(c, OP_PVM, pid, (unsigned long)remote[0].iov_base, remote[0].iov_len, write);
	if (write)
		return res(process_vm_writev(pid, &local, 1, remote, 2, 0));
	return res(process_vm_readv(pid, &local, 1, remote, 2, 0));
}

static int uring_setup(struct uring *u)
{
	struct io_uring_params p;
	int fd;

	u->tried = true;
	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 8, &p);
	if (fd < 0)
		return -errno;
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_len > u->sq_len)
			u->sq_len = u->cq_len;
		u->cq_len = u->sq_len;
	}
	u->sq = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		     fd, IORING_OFF_SQ_RING);
	if (u->sq == MAP_FAILED)
		goto fail;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq = u->sq;
	} else {
		u->cq = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (u->cq == MAP_FAILED)
			goto fail;
	}
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED)
		goto fail;
	u->sq_head = (void *)((char *)u->sq + p.sq_off.head);
	u->sq_tail = (void *)((char *)u->sq + p.sq_off.tail);
	u->sq_mask = (void *)((char *)u->sq + p.sq_off.ring_mask);
	u->sq_array = (void *)((char *)u->sq + p.sq_off.array);
	u->cq_head = (void *)((char *)u->cq + p.cq_off.head);
	u->cq_tail = (void *)((char *)u->cq + p.cq_off.tail);
	u->cq_mask = (void *)((char *)u->cq + p.cq_off.ring_mask);
	u->cqes = (void *)((char *)u->cq + p.cq_off.cqes);
	u->fd = fd;
	return 0;
fail:
	close(fd);
	u->fd = -1;
	return -ENOMEM;
}

static void uring_teardown(struct uring *u)
{
	if (u->fd < 0)
		return;
	munmap(u->sqes, u->sqes_len);
	if (u->cq != u->sq)
		munmap(u->cq, u->cq_len);
	munmap(u->sq, u->sq_len);
	close(u->fd);
	u->fd = -1;
}

/* Submit one request and wait for its completion; its result in *@out. */
static int uring_run(struct uring *u, const struct io_uring_sqe *sqe, int *out)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	int ret;

	u->sqes[idx] = *sqe;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	ret = syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	if (ret < 0)
		return -errno;
	for (;;) {
		head = *u->cq_head;
		if (head != __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
			break;
		ret = syscall(__NR_io_uring_enter, u->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
		if (ret < 0 && errno != EINTR)
			return -errno;
	}
	*out = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

static int op_iouring(struct ctx *c)
{
	struct uring *u = &c->ring;
	struct io_uring_sqe sqe;
	unsigned int r = below(c, 100);
	unsigned long addr;
	size_t len, n;
	int err, out = 0;

	if (u->fd < 0) {
		/* Set up once: after a failure, every call meets its error. */
		if (u->tried)
			return u->setup_err;
		err = uring_setup(u);
		u->setup_err = err;
		if (err)
			return err;
	}
	memset(&sqe, 0, sizeof(sqe));
	sqe.fd = rand_fd_nopipe(c);
	sqe.off = chance(c, 80) ? PG * below(c, 2 * cfg.off_pages) + below(c, 2) * below(c, PG) : rand_off(c);
	n = rand_count(c);
	if (r < 12 && !u->registered) {
		/* Long-term pins of mapped object pages. */
		struct iovec iov;

		rand_range_max(c, &addr, &len, 256 * PG);
		iov.iov_base = (void *)addr;
		iov.iov_len = len;
		trace(c, OP_IOURING, 100, addr, len, 0);
		err = res(syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_BUFFERS, &iov, 1));
		if (!err) {
			u->registered = true;
			u->reg_addr = addr;
			u->reg_len = len;
		}
		return err;
	}
	if (r < 20 && u->registered) {
		trace(c, OP_IOURING, 101, 0, 0, 0);
		u->registered = false;
		return res(syscall(__NR_io_uring_register, u->fd, IORING_UNREGISTER_BUFFERS,
				   NULL, 0));
	}
	if (r < 40 && u->registered && u->reg_len) {
		sqe.opcode = chance(c, 50) ? IORING_OP_READ_FIXED : IORING_OP_WRITE_FIXED;
		len = 1 + below(c, u->reg_len);
		sqe.addr = u->reg_addr + below(c, u->reg_len - len + 1);
		sqe.len = len;
		sqe.buf_index = 0;
	} else if (r < 65) {
		sqe.opcode = IORING_OP_READ;
		sqe.addr = (unsigned long)rand_buf(c, &n);
		sqe.len = n;
	} else if (r < 85) {
		sqe.opcode = IORING_OP_WRITE;
		sqe.addr = (unsigned long)rand_src(c, &n);
		sqe.len = n;
	} else if (r < 93) {
		sqe.opcode = IORING_OP_MADVISE;
		rand_range_max(c, &addr, &len, cfg.fault_max);
		sqe.addr = addr;
		sqe.len = len;
		/*
		 * Since 6.10 a non-zero off is the length (64 bits), len only
		 * the fallback; 6.1 refuses any off.  The random file offset
		 * the other requests get would advise from the arena to the
		 * top of the address space: the thread stacks and heaps.
		 */
		sqe.off = chance(c, 50) ? len : 0;
		sqe.fadvise_advice = rand_advice(c);
	} else {
		static const int adv[] = {
			POSIX_FADV_DONTNEED, POSIX_FADV_WILLNEED, POSIX_FADV_NOREUSE, 9,
		};

		sqe.opcode = IORING_OP_FADVISE;
		sqe.len = PG * below(c, cfg.off_pages);
		sqe.fadvise_advice = adv[below(c, 4)];
	}
	trace(c, OP_IOURING, sqe.opcode, sqe.addr, sqe.len, sqe.off);
	err = uring_run(u, &sqe, &out);
	if (err)
		return err;
	return out < 0 ? out : 0;
}

/* ---- operations: the page-cache system calls on the fd ---- */

static int op_cachestat(struct ctx *c)
{
	struct smm_cachestat_range *rg = (void *)c->scratch;
	void *cs = c->scratch + 64;
	int fd = rand_fd(c);
	unsigned int flags = chance(c, 95) ? 0 : 1U << below(c, 32);

	rg->off = chance(c, 70) ? PG * below(c, 2 * cfg.off_pages) : rand_off(c);
	rg->len = chance(c, 30) ? 0 : PG * below(c, 2 * cfg.off_pages);
	if (chance(c, 5))
		cs = rand_arg_ptr(c);
	trace(c, OP_CACHESTAT, fd, rg->off, rg->len, flags);
	return res(syscall(__NR_cachestat, fd, rg, cs, flags));
}

static int op_fadvise(struct ctx *c)
{
	static const int adv[] = {
		POSIX_FADV_DONTNEED, POSIX_FADV_WILLNEED, POSIX_FADV_NOREUSE,
		POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL, 42,
	};
	int fd = rand_fd(c), a = adv[below(c, 7)];
	off_t off = chance(c, 80) ? (off_t)(PG * below(c, 2 * cfg.off_pages)) : (off_t)rand_off(c);
	off_t len = chance(c, 20) ? 0 : (off_t)(PG * below(c, 2 * cfg.off_pages));

	trace(c, OP_FADVISE, fd, off, len, a);
	/* The raw call: glibc's wrapper returns the error instead of -1. */
	return res(syscall(SYS_fadvise64, fd, off, len, a));
}

static int op_readahead(struct ctx *c)
{
	int fd = rand_fd(c);
	off_t off = chance(c, 80) ? (off_t)(PG * below(c, 2 * cfg.off_pages)) : (off_t)rand_off(c);
	size_t n = rand_count(c);

	trace(c, OP_READAHEAD, fd, off, n, 0);
	return res(readahead(fd, off, n));
}

static int op_mincore(struct ctx *c)
{
	unsigned long addr;
	size_t len;
	void *vec = c->scratch;

	rand_range_max(c, &addr, &len, (size_t)SCRATCH * PG);
	if (chance(c, 10)) {
		size_t n = (len + PG - 1) / PG;

		vec = rand_buf(c, &n);
		if (n < (len + PG - 1) / PG)
			vec = NULL;
	}
	trace(c, OP_MINCORE, addr, len, (unsigned long)vec, 0);
	return res(mincore((void *)addr, len, vec));
}

static int op_sfr(struct ctx *c)
{
	int fd = rand_fd(c);
	unsigned int flags = below(c, 8);
	off_t off = chance(c, 80) ? (off_t)(PG * below(c, 2 * cfg.off_pages)) : (off_t)rand_off(c);
	off_t n = chance(c, 20) ? 0 : (off_t)(PG * below(c, 2 * cfg.off_pages));

	if (chance(c, 5))
		flags = 1U << below(c, 32);
	trace(c, OP_SFR, fd, off, n, flags);
	return res(sync_file_range(fd, off, n, flags));
}

static int op_fsync(struct ctx *c)
{
	int fd = rand_fd(c), r = below(c, 3);

	trace(c, OP_FSYNC, fd, r, 0, 0);
	if (r == 0)
		return res(fsync(fd));
	if (r == 1)
		return res(fdatasync(fd));
	return res(syncfs(fd));
}

static int op_splice(struct ctx *c)
{
	int fd = rand_fd(c), err;
	loff_t off = chance(c, 80) ? (loff_t)(PG * below(c, 2 * cfg.off_pages)) : (loff_t)rand_off(c);
	size_t n = 1 + below(c, 16 * PG);

	trace(c, OP_SPLICE, fd, off, n, 0);
	if (chance(c, 70)) {
		err = res(splice(fd, chance(c, 80) ? &off : NULL, c->pipe[1], NULL, n,
				 SPLICE_F_NONBLOCK));
		drain_pipe(c);
		return err;
	}
	if (write(c->pipe[1], c->scratch, 1 + below(c, PG)) < 0)
		return -errno;
	err = res(splice(c->pipe[0], NULL, fd, chance(c, 80) ? &off : NULL, n,
			 SPLICE_F_NONBLOCK));
	drain_pipe(c);
	return err;
}

static int op_sendfile(struct ctx *c)
{
	int in = rand_fd(c), out = chance(c, 50) ? c->pipe[1] : rand_fd(c), err;
	off_t off = chance(c, 80) ? (off_t)(PG * below(c, 2 * cfg.off_pages)) : (off_t)rand_off(c);
	size_t n = 1 + below(c, 16 * PG);

	trace(c, OP_SENDFILE, in, out, off, n);
	err = res(sendfile(out, in, chance(c, 80) ? &off : NULL, n));
	drain_pipe(c);
	return err;
}

static int op_cfr(struct ctx *c)
{
	int in = rand_fd(c), out = rand_fd(c);
	loff_t oin = PG * below(c, 2 * cfg.off_pages), oout = PG * below(c, 2 * cfg.off_pages);
	size_t n = rand_count(c);
	unsigned int flags = chance(c, 95) ? 0 : 1;

	trace(c, OP_CFR, in, out, oin, n);
	return res(copy_file_range(in, &oin, out, &oout, n, flags));
}

static int op_pmadvise(struct ctx *c)
{
	static const int adv[] = {
		MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED, MADV_COLLAPSE, MADV_DONTNEED, 99,
	};
	struct iovec iov[4];
	int i, n = 1 + below(c, 4), pidfd, err, a = adv[below(c, 6)];
	unsigned long addr;
	size_t len;
	pid_t pid = rand_pid(c);

	for (i = 0; i < n; i++) {
		rand_range_max(c, &addr, &len, 8 << 20);
		iov[i].iov_base = (void *)addr;
		iov[i].iov_len = len;
	}
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	trace(c, OP_PMADVISE, pid, (unsigned long)iov[0].iov_base, iov[0].iov_len, a);
	err = res(syscall(__NR_process_madvise, pidfd, iov, n, a, 0));
	close(pidfd);
	return err;
}

/* ---- operations: the kernel's generic code over the mappings' pages ---- */

/*
 * /proc/PID/mem, as a debugger reads and writes: FOLL_FORCE, so a write
 * to a read-only private mapping breaks COW through the fault handler
 * with a write fault on a vma without VM_WRITE.  The range stays in the
 * arena: the count never passes the range's length.
 */
static int op_procmem(struct ctx *c)
{
	bool write = chance(c, 50);
	pid_t pid = rand_pid(c);
	unsigned long addr;
	char path[32];
	size_t len, n;
	int fd, err;
	void *buf;

	rand_range_max(c, &addr, &len, 16 * PG);
	n = len;
	buf = write ? rand_src(c, &n) : rand_buf(c, &n);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	trace(c, OP_PROCMEM, pid, addr, n, write);
	err = res(write ? pwrite(fd, buf, n, addr) : pread(fd, buf, n, addr));
	close(fd);
	return err;
}

/*
 * What tools read of the frames by number: the pagemap entries of a range,
 * then one of /proc/kpageflags, kpagecount and kpagecgroup over the 512
 * frames around a frame found there (mapped, free and in-between frames of
 * the region alike: the kernel reads their struct pages in whatever state
 * the module keeps them), and sometimes numa_maps, which walks the page
 * tables and reads each mapped page.
 */
static int op_pfn(struct ctx *c)
{
	static const char *const files[] = {
		"/proc/kpageflags", "/proc/kpagecount", "/proc/kpagecgroup",
	};
	uint64_t *ents = (uint64_t *)c->scratch, *win = ents + 512;
	unsigned int tries = 0;
	unsigned long addr;
	size_t len, n, i;
	int fd, err = 0;
	ssize_t got;

	rand_range_max(c, &addr, &len, 512 * PG);
	n = (len + PG - 1) / PG;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	trace(c, OP_PFN, addr, len, 0, 0);
	got = pread(fd, ents, n * sizeof(*ents), addr / PG * sizeof(*ents));
	err = res(got);
	close(fd);
	if (err)
		return err;
	fd = open(files[below(c, ARRAY_SIZE(files))], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (i = 0; i < (size_t)got / sizeof(*ents) && tries < 4 && !err; i++) {
		uint64_t pfn = ents[i] & ((1ULL << 55) - 1);

		/* Present, and the frame number shown (root only). */
		if (!(ents[i] >> 63) || !pfn)
			continue;
		tries++;
		err = res(pread(fd, win, 512 * sizeof(*win), (pfn & ~511ULL) * sizeof(*win)));
	}
	close(fd);
	if (!err && chance(c, 10)) {
		fd = open("/proc/self/numa_maps", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		while ((got = read(fd, c->scratch, SCRATCH)) > 0)
			;
		err = res(got);
		close(fd);
	}
	return err;
}

/*
 * NUMA migration asked of the mappings' pages (the VM has two nodes; a
 * third is not there): move_pages(2) of a few addresses, mbind(2) of a
 * range with MPOL_MF_MOVE, or migrate_pages(2) of a whole process.  The
 * module's pages are not on the kernel's LRU: none may be taken, and
 * the vma changes mbind makes (a policy, a split) must hold.
 */
static int op_migrate(struct ctx *c)
{
	unsigned long addr, mask = 1UL << below(c, 3), old = 3;
	int nodes[16], status[16], mode, flags;
	unsigned int i, n = 1 + below(c, 16), r = below(c, 100);
	pid_t pid = rand_pid(c);
	void *pages[16];
	size_t len;

	if (r < 60) {
		for (i = 0; i < n; i++) {
			rand_range(c, &addr, &len);
			pages[i] = (void *)addr;
			nodes[i] = below(c, 3);
		}
		flags = chance(c, 80) ? MPOL_MF_MOVE : MPOL_MF_MOVE_ALL;
		trace(c, OP_MIGRATE, pid, (unsigned long)pages[0], n, flags);
		return res(syscall(__NR_move_pages, pid, n, pages,
				   chance(c, 80) ? nodes : NULL, status, flags));
	}
	if (r < 95) {
		rand_range(c, &addr, &len);
		mode = chance(c, 20) ? MPOL_DEFAULT : chance(c, 50) ? MPOL_BIND : MPOL_PREFERRED;
		flags = MPOL_MF_MOVE | (chance(c, 30) ? MPOL_MF_STRICT : 0) |
			(chance(c, 10) ? MPOL_MF_MOVE_ALL : 0);
		trace(c, OP_MIGRATE, addr, len, mode, flags);
		return res(syscall(__NR_mbind, addr, len, mode,
				   mode == MPOL_DEFAULT ? NULL : &mask,
				   mode == MPOL_DEFAULT ? 0 : 64, flags));
	}
	trace(c, OP_MIGRATE, pid, old, mask, 0);
	return res(syscall(__NR_migrate_pages, pid, 64, &old, &mask));
}

/*
 * userfaultfd write protection in async mode, the one mode the kernel
 * takes on any vma (CRIU's dirty tracking, with the pagemap scan): it puts
 * markers in the empty ptes of the module's vmas and write-protects the
 * present ones and splits PMD mappings, all of which faults, evictions,
 * punches and compaction then meet.  The other modes must refuse the
 * module's vmas.  The registration lasts a little while, then goes (at
 * close, or before it), and the markers with it.  The unregister of a
 * whole vma after one it can merge with BUG()s on 6.12 when the vmas have
 * a ->close (see README, "userfaultfd and the missing ->close"): this is
 * the operation that found it.  A registration in another mode the kernel
 * takes on the arena's anonymous mappings, where another thread's fault
 * then waits for it to go (at most 50 ms: nobody reads its events).
 */
static int op_uffd(struct ctx *c)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct smm_page_region *vec = (void *)c->scratch;
	struct uffdio_writeprotect wp;
	struct uffdio_register reg;
	struct smm_pm_scan_arg arg;
	unsigned long addr, asked;
	int fd, pfd, err;
	size_t len;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK |
		     (chance(c, 50) ? UFFD_USER_MODE_ONLY : 0));
	if (fd < 0)
		return -errno;
	if (chance(c, 80))
		api.features = UFFD_FEATURE_WP_ASYNC |
			       (chance(c, 50) ? UFFD_FEATURE_WP_UNPOPULATED : 0);
	/* The kernel answers with every feature it has: trace what was asked. */
	asked = api.features;
	err = res(ioctl(fd, UFFDIO_API, &api));
	if (err)
		goto out;
	rand_range(c, &addr, &len);
	reg.range.start = addr;
	reg.range.len = len;
	reg.mode = chance(c, 80) ? UFFDIO_REGISTER_MODE_WP : 1U << below(c, 3);
	trace(c, OP_UFFD, addr, len, reg.mode, asked);
	err = res(ioctl(fd, UFFDIO_REGISTER, &reg));
	if (err)
		goto out;
	if (chance(c, 70)) {
		wp.range = reg.range;
		wp.mode = chance(c, 80) ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
		err = res(ioctl(fd, UFFDIO_WRITEPROTECT, &wp));
	}
	pfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (!err && pfd >= 0 && chance(c, 60)) {
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.start = addr;
		arg.end = addr + len;
		arg.vec = (uintptr_t)vec;
		arg.vec_len = SCRATCH / sizeof(*vec);
		arg.return_mask = SMM_PAGE_IS_ALL;
		arg.category_anyof_mask = SMM_PAGE_IS_ALL;
		if (chance(c, 60)) {
			/* Take the written pages and protect them again. */
			arg.flags = SMM_PM_SCAN_WP_MATCHING | SMM_PM_SCAN_CHECK_WPASYNC;
			arg.category_mask = SMM_PAGE_IS_WRITTEN;
			arg.category_anyof_mask = 0;
		}
		err = res(ioctl(pfd, SMM_PAGEMAP_SCAN, &arg));
	}
	if (pfd >= 0)
		close(pfd);
	sleep_ms(below(c, 50));
	if (chance(c, 50))
		ioctl(fd, UFFDIO_UNREGISTER, &reg.range);
out:
	close(fd);
	return err;
}

static int write_file(const char *path, const char *line, size_t len);

/*
 * The fault window (knobs), set or taken away by a worker in the middle of
 * everything else: while it is on, every fault past it unmaps a page from
 * every process, under whatever else runs.  Off one time in three, else
 * 4..16 pages, small enough that the workers' faults keep wrapping it.
 * Off by default (-E fault_window): a MAP_POPULATE or a pin of more pages
 * than the window, while other threads fault on the same object, can
 * see each page it faulted unmapped again before it takes it, and may not
 * finish before the watchdog gives up on it, which tells nothing.
 */
static int op_window(struct ctx *c)
{
	char line[32];
	unsigned int n = chance(c, 33) ? 0 : 4 + (unsigned int)below(c, 13);

	snprintf(line, sizeof(line), "fault_window %u", n);
	trace(c, OP_WINDOW, n, 0, 0, 0);
	return write_file(debugfs_path("knobs"), line, strlen(line));
}

/*
 * Knob switches by a worker, while every other thread faults, maps and
 * reads: the huge mode, the first-touch block order, a compaction, a
 * reclaim, the extfrag threshold, the reclaim policy, drains.  Each may
 * fail only as the knob documents (the huge mode where the kernel or CPU
 * cannot map PMDs, the policy while a page is on an LRU list); any other
 * errno is counted as a broken contract and fails the run.
 */
static int op_knob(struct ctx *c)
{
	static const char *const modes[] = { "never", "always", "advise" };
	static const char *const policies[] = { "classic", "workingset", "mglru", "lip",
						  "lirs" };
	unsigned int which = below(c, 8);
	int err, ok_err = 0;
	char line[48];

	switch (which) {
	case 0:
		snprintf(line, sizeof(line), "huge %s", modes[below(c, 3)]);
		ok_err = -EOPNOTSUPP;
		break;
	case 1:
		snprintf(line, sizeof(line), "fault_order %u", (unsigned int)below(c, 5));
		break;
	case 2:
		snprintf(line, sizeof(line), "compact 1");
		break;
	case 3:
		/* At most 512: every region (4 MiB or more) manages more. */
		snprintf(line, sizeof(line), "reclaim %u", 1 + (unsigned int)below(c, 512));
		ok_err = -EOPNOTSUPP;	/* a load without a store (swap_mb=0) */
		break;
	case 4:
		snprintf(line, sizeof(line), "extfrag_threshold %u", (unsigned int)below(c, 1001));
		break;
	case 5:
		snprintf(line, sizeof(line), "lru_policy %s", policies[below(c, ARRAY_SIZE(policies))]);
		ok_err = -EBUSY;
		break;
	case 6:
		snprintf(line, sizeof(line), "drain_lru 1");
		break;
	default:
		snprintf(line, sizeof(line), "drain_pcp 1");
		break;
	}
	trace(c, OP_KNOB, which, 0, 0, 0);
	err = write_file(debugfs_path("knobs"), line, strlen(line));
	if (!err) {
		__atomic_fetch_add(&sh->knob_done, 1, __ATOMIC_RELAXED);
	} else if (err != ok_err && !(err == -EINTR && (which == 2 || which == 3))) {
		/* A signal ends a compact or reclaim run (io_uring task work is one). */
		__atomic_fetch_add(&sh->knob_bad, 1, __ATOMIC_RELAXED);
		printf("# worker %d.%d: knob '%s' failed with %s, which it does not document\n",
		       c->proc, c->thread, line, strerror(-err));
		fflush(stdout);
	}
	return err;
}

/*
 * The checked object: each worker thread has one object of its own, mapped
 * MAP_SHARED at a 2 MiB-aligned place outside the arena (so PMDs can map
 * it when the huge knob allows), that no other operation names.  What its
 * pages hold is known: a page is zeroes but for three words (the first,
 * the last and one that depends on the index) derived from the page's
 * index and the version last written to it; 0 is a page of zeroes.
 * Writes go through the mapping and through pwrite(); punches zero
 * ranges; madvise, mprotect and mremap change how it is mapped, never what
 * it holds.  A MAP_PRIVATE alias of it gets writes of its own (the
 * kernel's copies, which punches leave and MADV_DONTNEED drops); a forked
 * child finds the copies it inherited as they were and writes its own,
 * which the parent's must not see; other threads' knob switches, reclaim, compaction and fault
 * injection change where its pages live.  Sampled pages are compared,
 * through the mapping and through pread(), with what they must hold: any
 * other byte fails the run.  A write that ended in SIGBUS or an error
 * (the region and the store full) leaves its page unknown until the next
 * whole write; a read that ends so is counted as unreadable, not wrong.
 */
static uint64_t chk_word(unsigned long index, uint32_t ver, unsigned int k)
{
	return (((uint64_t)index << 40) ^ ((uint64_t)ver << 8) ^ (k + 1) ^
		0x9e3779b97f4a7c15ULL) | 1;
}

/* The word indices that may be non-zero in page @index. */
static void chk_words(unsigned long index, unsigned int w[3])
{
	w[0] = 0;
	w[1] = 1 + index % (PG / 8 - 2);
	w[2] = PG / 8 - 1;
}

/* What page @index holds at version @ver (@k0 as for chk_store()). */
static void chk_expect_k(unsigned long index, uint32_t ver, unsigned int k0, uint64_t *page)
{
	unsigned int w[3], k;

	memset(page, 0, PG);
	if (!ver)
		return;
	chk_words(index, w);
	for (k = 0; k < 3; k++)
		page[w[k]] = chk_word(index, ver, k0 + k);
}

static void chk_expect(unsigned long index, uint32_t ver, uint64_t *page)
{
	chk_expect_k(index, ver, 0, page);
}

static uint32_t chk_next_ver(struct ctx *c)
{
	if (++c->chk.next == CHECK_UNKNOWN)
		c->chk.next = 1;
	return c->chk.next;
}

/* Copy @n bytes with the faults caught: 0, or the signal that stopped it. */
static noinline int guarded_copy(struct ctx *c, void *dst, const void *src, size_t n)
{
	int sig;

	__atomic_store_n(&c->guarded, 1, __ATOMIC_RELAXED);
	sig = sigsetjmp(c->jb, 1);
	if (!sig) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		memcpy(dst, src, n);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&c->guarded, 0, __ATOMIC_RELAXED);
	return sig;
}

/* A page: mostly anywhere, often at the edges of the two 2 MiB halves. */
static unsigned long chk_page(struct ctx *c)
{
	static const unsigned long edges[] = { 0, 1, 511, 512, 513, 1022, 1023 };

	if (chance(c, 25))
		return edges[below(c, ARRAY_SIZE(edges))] % CHECK_PAGES;
	return below(c, CHECK_PAGES);
}

/* A range of pages: small, across the 2 MiB boundary, or all of them. */
static void chk_range(struct ctx *c, unsigned long *first, unsigned long *n)
{
	unsigned int r = below(c, 100);

	if (r < 50) {
		*first = chk_page(c);
		*n = 1 + below(c, 64);
	} else if (r < 75) {
		*first = CHECK_PAGES / 2 - 1 - below(c, 64);
		*n = 2 + below(c, 128);
	} else if (r < 90) {
		*first = CHECK_PAGES / 2 * below(c, 2);
		*n = CHECK_PAGES / 2;
	} else {
		*first = 0;
		*n = CHECK_PAGES;
	}
	if (*first + *n > CHECK_PAGES)
		*n = CHECK_PAGES - *first;
}

static void chk_forget(struct ctx *c, unsigned long first, unsigned long n)
{
	while (n--)
		c->chk.ver[first++] = CHECK_UNKNOWN;
}

/*
 * Page @index's three words of version @ver (@k0: 0 the object's, 3 a
 * private copy's) through the mapping at @base, the faults caught: 0, or
 * the signal that stopped it.
 */
static noinline int chk_store(struct ctx *c, unsigned char *base, unsigned long index,
			      uint32_t ver, unsigned int k0)
{
	uint64_t *page = (uint64_t *)(base + index * PG);
	unsigned int w[3], k;
	int sig;

	chk_words(index, w);
	trace(c, OP_CHECK, k0 ? 8 : 1, index, ver, (unsigned long)page);
	__atomic_store_n(&c->guarded, 1, __ATOMIC_RELAXED);
	sig = sigsetjmp(c->jb, 1);
	if (!sig) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		for (k = 0; k < 3; k++)
			__atomic_store_n(&page[w[k]], chk_word(index, ver, k0 + k), __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&c->guarded, 0, __ATOMIC_RELAXED);
	if (sig)
		count_sig(OP_CHECK, sig);
	return sig;
}

/* @index's words written through @base: its version, or unknown after a signal. */
static int chk_write(struct ctx *c, unsigned char *base, uint32_t *vers, unsigned long index,
		     unsigned int k0)
{
	uint32_t ver = chk_next_ver(c);
	int sig = chk_store(c, base, index, ver, k0);

	vers[index] = sig ? CHECK_UNKNOWN : ver;
	return !sig ? 0 : sig == SIGBUS ? -EFAULT : -EINVAL;
}

/* Its three words, through the mapping. */
static int chk_write_map(struct ctx *c, unsigned long index)
{
	return chk_write(c, c->chk.base, c->chk.ver, index, 0);
}

/* A whole page, through pwrite(). */
static int chk_pwrite(struct ctx *c, unsigned long index)
{
	uint32_t ver = chk_next_ver(c);
	ssize_t n;

	chk_expect(index, ver, (uint64_t *)c->chk.buf);
	trace(c, OP_CHECK, 2, index, ver, 0);
	n = pwrite(c->chk.fd, c->chk.buf, PG, index * PG);
	if (n != (ssize_t)PG) {
		c->chk.ver[index] = CHECK_UNKNOWN;
		return n < 0 ? -errno : -EIO;
	}
	c->chk.ver[index] = ver;
	return 0;
}

static int chk_punch(struct ctx *c)
{
	struct shadowmm_range rg;
	unsigned long first, n;
	int err;

	chk_range(c, &first, &n);
	rg.offset = first * PG;
	rg.length = n * PG;
	trace(c, OP_CHECK, 3, first, n, 0);
	err = res(ioctl(c->chk.fd, SHADOWMM_IOC_PUNCH_HOLE, &rg));
	if (err)
		chk_forget(c, first, n);
	else
		memset(&c->chk.ver[first], 0, n * sizeof(*c->chk.ver));
	return err;
}

static int chk_madvise(struct ctx *c)
{
	static const int adv[] = {
		MADV_DONTNEED, MADV_PAGEOUT, MADV_COLD, MADV_WILLNEED, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, MADV_COLLAPSE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
	};
	int a = adv[below(c, ARRAY_SIZE(adv))];
	unsigned long first, n;

	/* The huge flags on all of it, or the mapping could no longer move whole. */
	if (a == MADV_HUGEPAGE || a == MADV_NOHUGEPAGE) {
		first = 0;
		n = CHECK_PAGES;
	} else {
		chk_range(c, &first, &n);
	}
	trace(c, OP_CHECK, 4, first, n, a);
	return res(madvise(c->chk.base + first * PG, n * PG, a));
}

/*
 * Read-only for a moment (splitting what maps it), where a write must fault
 * with SIGSEGV and change nothing, then writable again.
 */
static int chk_mprotect(struct ctx *c)
{
	unsigned long first, n;
	unsigned char *p, v;
	int err, sig;

	chk_range(c, &first, &n);
	p = c->chk.base + first * PG;
	trace(c, OP_CHECK, 5, first, n, 0);
	err = res(mprotect(p, n * PG, PROT_READ));
	if (err)
		return err;
	/* The byte it holds, written back: a write that went through changes nothing. */
	sig = guarded_copy(c, &v, p, 1);
	if (!sig) {
		sig = access_byte(c, (unsigned long)p, 1, v);
		if (!sig) {
			__atomic_fetch_add(&sh->chk_bad, 1, __ATOMIC_RELAXED);
			printf("# worker %d.%d: checked object page %lu: a write through a read-only mapping went through\n",
			       c->proc, c->thread, first);
			fflush(stdout);
		}
	}
	err = res(mprotect(p, n * PG, PROT_READ | PROT_WRITE));
	if (err) {
		/* Not writable again: the mapping is given up (the next op re-maps it). */
		munmap(c->chk.base, CHECK_LEN);
		c->chk.base = NULL;
	}
	return err;
}

/* The whole mapping moves within the thread's reserve, or one page off 2 MiB. */
static int chk_mremap(struct ctx *c)
{
	unsigned long slot = CHECK_BASE + (unsigned long)c->thread * CHECK_SPAN;
	unsigned long to = (unsigned long)c->chk.base < slot + CHECK_SPAN / 2 ?
			   slot + CHECK_SPAN / 2 : slot;
	void *p;

	if (chance(c, 25))
		to += PG;
	trace(c, OP_CHECK, 6, (unsigned long)c->chk.base, to, 0);
	p = mremap(c->chk.base, CHECK_LEN, CHECK_LEN, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)to);
	if (p == MAP_FAILED)
		return -errno;
	c->chk.base = p;
	return 0;
}

/* A wrong page: counted, and told with its worker (or the worker's child). */
static void chk_wrong(struct ctx *c, unsigned long index, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&sh->chk_bad, 1, __ATOMIC_RELAXED);
	printf("# %s %d.%d: checked object page %lu", c->child ? "child of worker" : "worker",
	       c->proc, c->thread, index);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Page @index as read through @what, against what it must hold. */
static void chk_compare(struct ctx *c, unsigned long index, const uint64_t *got,
			const uint64_t *want, const char *what)
{
	size_t w;

	__atomic_fetch_add(&sh->chk_compared, 1, __ATOMIC_RELAXED);
	if (!memcmp(got, want, PG))
		return;
	for (w = 0; w < PG / 8 && got[w] == want[w]; w++)
		;
	chk_wrong(c, index, " read through %s: word %zu is %#llx, not %#llx", what, w,
		  (unsigned long long)got[w], (unsigned long long)want[w]);
}

/*
 * Page @index of the mapping at @base into @got: true when it was read.
 * SIGBUS (no frame to bring it back into) is unreadable for now; any
 * other signal is wrong: the mapping is there and readable.
 */
static bool chk_read_map(struct ctx *c, const unsigned char *base, unsigned long index,
			 uint64_t *got, const char *what)
{
	int sig = guarded_copy(c, got, base + index * PG, PG);

	if (sig == SIGBUS)
		__atomic_fetch_add(&sh->chk_unreadable, 1, __ATOMIC_RELAXED);
	else if (sig)
		chk_wrong(c, index, ": signal %d reading %s", sig, what);
	return !sig;
}

/*
 * Page @index through the mapping (unless @map is false) and through
 * pread(): does it hold what it must?
 */
static void chk_verify(struct ctx *c, unsigned long index, bool map)
{
	uint64_t want[PG / 8], *got = (uint64_t *)c->chk.buf;
	uint32_t ver = c->chk.ver[index];
	char what[48];
	ssize_t n;

	if (ver == CHECK_UNKNOWN)
		return;
	chk_expect(index, ver, want);
	trace(c, OP_CHECK, 7, index, ver, map);
	snprintf(what, sizeof(what), "the mapping (version %u)", ver);
	if (map && chk_read_map(c, c->chk.base, index, got, what))
		chk_compare(c, index, got, want, what);
	n = pread(c->chk.fd, got, PG, index * PG);
	if (n == (ssize_t)PG) {
		snprintf(what, sizeof(what), "pread() (version %u)", ver);
		chk_compare(c, index, got, want, what);
	} else if (ver && (n >= 0 || (errno != ENOSPC && errno != ENOMEM && errno != EINTR))) {
		/*
		 * Short of a page is wrong for a page written: nothing shrinks
		 * the size (a short read), nothing may lose it (EIO).  No frame
		 * or no memory to read it back into, or a signal, is not.
		 */
		chk_wrong(c, index, " (version %u): pread() returned %zd (%s)", ver, n,
			  n < 0 ? strerror(errno) : "short");
	} else {
		__atomic_fetch_add(&sh->chk_unreadable, 1, __ATOMIC_RELAXED);
	}
}

/*
 * A write through the private alias: the kernel copies the page (COW) and
 * the copy holds the new words; the object's page is untouched.
 */
static int chk_write_priv(struct ctx *c, unsigned long index)
{
	return chk_write(c, c->chk.priv, c->chk.pver, index, 3);
}

/* MADV_DONTNEED drops the alias's copies: it reads the object's pages again. */
static int chk_drop_priv(struct ctx *c)
{
	unsigned long first, n;
	int err;

	chk_range(c, &first, &n);
	trace(c, OP_CHECK, 9, first, n, 0);
	err = res(madvise(c->chk.priv + first * PG, n * PG, MADV_DONTNEED));
	if (!err)
		memset(&c->chk.pver[first], 0, n * sizeof(*c->chk.pver));
	return err;
}

/*
 * Page @index through the private alias: its copy, or the object's page
 * while it has none.  @object false: only a copy is looked at (a forked
 * child, whose parent writes the object meanwhile).
 */
static void chk_verify_priv(struct ctx *c, unsigned long index, bool object)
{
	uint64_t want[PG / 8], *got = (uint64_t *)c->chk.buf;
	uint32_t pver = c->chk.pver[index], ver = c->chk.ver[index];
	char what[64];

	if (pver == CHECK_UNKNOWN || (!pver && (!object || ver == CHECK_UNKNOWN)))
		return;
	/* A private copy's words are other than any the object's page holds. */
	if (pver)
		chk_expect_k(index, pver, 3, want);
	else
		chk_expect(index, ver, want);
	trace(c, OP_CHECK, 10, index, pver, ver);
	snprintf(what, sizeof(what), "its private alias (copy %u, object %u)", pver, ver);
	if (chk_read_map(c, c->chk.priv, index, got, what))
		chk_compare(c, index, got, want, what);
}

/*
 * In a child fork() just made: the private copies it inherited hold what
 * they held in the parent, and writes to them (copied again, now the
 * child's own) leave the parent's as they were, which the parent checks.
 */
static void chk_child(struct ctx *c)
{
	unsigned long i;

	if (!c->chk.priv)
		return;
	for (i = 0; i < CHECK_PAGES; i++) {
		if (!c->chk.pver[i] || c->chk.pver[i] == CHECK_UNKNOWN)
			continue;
		chk_verify_priv(c, i, false);
		if (chance(c, 50))
			chk_write_priv(c, i);
	}
}

/* Open and map the thread's checked object; false when that failed. */
static bool chk_map(struct ctx *c)
{
	unsigned long at = CHECK_BASE + (unsigned long)c->thread * CHECK_SPAN;
	void *p;

	if (c->chk.fd < 0) {
		int fd = open(dev_path, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return false;
		c->chk.fd = dup3(fd, CHECK_FD_BASE + c->thread, O_CLOEXEC);
		close(fd);
		if (c->chk.fd < 0)
			return false;
	}
	if (!c->chk.priv) {
		p = mmap((void *)(at + CHECK_PRIV_OFF), CHECK_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED_NOREPLACE, c->chk.fd, 0);
		if (p == MAP_FAILED)
			return false;
		c->chk.priv = p;
	}
	p = mmap((void *)at, CHECK_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		 c->chk.fd, 0);
	if (p == MAP_FAILED)
		return false;
	c->chk.base = p;
	return true;
}

static int op_check(struct ctx *c)
{
	unsigned int r = below(c, 100), i;
	int err = 0;

	/* A forked child's copy of the mapping is its parent thread's to write. */
	if (c->child || !c->chk.ver)
		return -EOPNOTSUPP;
	if (!c->chk.base && !chk_map(c))
		return -ENOMEM;
	if (r < 24) {
		for (i = 1 + below(c, 4); i && !err; i--)
			err = chk_write_map(c, chk_page(c));
	} else if (r < 34) {
		err = chk_pwrite(c, chk_page(c));
	} else if (r < 42) {
		err = chk_punch(c);
	} else if (r < 50) {
		err = chk_madvise(c);
	} else if (r < 57) {
		err = chk_mprotect(c);
	} else if (r < 60) {
		err = chk_mremap(c);
	} else if (r < 68) {
		for (i = 1 + below(c, 3); i && !err; i--)
			err = chk_write_priv(c, chk_page(c));
	} else if (r < 71) {
		err = chk_drop_priv(c);
	} else {
		for (i = 2 + below(c, 6); i; i--) {
			unsigned long index = chk_page(c);

			if (chance(c, 70))
				chk_verify(c, index, true);
			else
				chk_verify_priv(c, index, true);
		}
	}
	return err;
}

/* A thread's last look at its checked object: every page it knows. */
static void chk_teardown(struct ctx *c)
{
	unsigned long i;

	/* A page of zeroes read through the mapping would be made: pread() only. */
	if (c->chk.base && c->chk.ver)
		for (i = 0; i < CHECK_PAGES; i++)
			chk_verify(c, i, c->chk.ver[i] != 0);
	if (c->chk.priv && c->chk.pver)
		for (i = 0; i < CHECK_PAGES; i++)
			if (c->chk.pver[i] || c->chk.ver[i])
				chk_verify_priv(c, i, true);
	if (c->chk.base)
		munmap(c->chk.base, CHECK_LEN);
	if (c->chk.priv)
		munmap(c->chk.priv, CHECK_LEN);
	if (c->chk.fd >= 0)
		close(c->chk.fd);
	free(c->chk.ver);
	free(c->chk.pver);
	free(c->chk.buf);
}

static const struct op ops[NR_OPS] = {
	[OP_OPEN] = { "open", "fd", 4, op_open },
	[OP_CLOSE] = { "close", "fd", 1, op_close },
	[OP_DUP] = { "dup", "fd", 2, op_dup },
	[OP_MMAP] = { "mmap", "vma", 16, op_mmap },
	[OP_MUNMAP] = { "munmap", "vma", 6, op_munmap },
	[OP_MPROTECT] = { "mprotect", "vma", 5, op_mprotect },
	[OP_MREMAP] = { "mremap", "vma", 6, op_mremap },
	[OP_MADVISE] = { "madvise", "vma", 8, op_madvise },
	[OP_MLOCK] = { "mlock", "vma", 4, op_mlock },
	[OP_MUNLOCK] = { "munlock", "vma", 3, op_munlock },
	[OP_MLOCKALL] = { "mlockall", "vma", 1, op_mlockall },
	[OP_MSYNC] = { "msync", "vma", 2, op_msync },
	[OP_TOUCH] = { "touch", "mem", 14, op_touch },
	[OP_SWEEP] = { "sweep", "mem", 5, op_sweep },
	[OP_READ] = { "read", "rw", 3, op_read },
	[OP_WRITE] = { "write", "rw", 3, op_write },
	[OP_PREAD] = { "pread", "rw", 4, op_pread },
	[OP_PWRITE] = { "pwrite", "rw", 5, op_pwrite },
	[OP_LSEEK] = { "lseek", "rw", 2, op_lseek },
	[OP_IOC_INFO] = { "ioctl_info", "ioctl", 2, op_ioc_info },
	[OP_IOC_LIMIT] = { "ioctl_limit", "ioctl", 2, op_ioc_limit },
	[OP_IOC_PUNCH] = { "ioctl_punch", "ioctl", 4, op_ioc_punch },
	[OP_IOC_RAND] = { "ioctl_rand", "ioctl", 2, op_ioc_rand },
	[OP_FORK] = { "fork", "fork", 1, op_fork },
	[OP_VMSPLICE] = { "vmsplice", "pin", 2, op_vmsplice },
	[OP_PVM] = { "process_vm", "pin", 2, op_pvm },
	[OP_IOURING] = { "io_uring", "pin", 2, op_iouring },
	[OP_CACHESTAT] = { "cachestat", "pagecache", 1, op_cachestat },
	[OP_FADVISE] = { "fadvise", "pagecache", 1, op_fadvise },
	[OP_READAHEAD] = { "readahead", "pagecache", 1, op_readahead },
	[OP_MINCORE] = { "mincore", "pagecache", 1, op_mincore },
	[OP_SFR] = { "sync_file_range", "pagecache", 1, op_sfr },
	[OP_FSYNC] = { "fsync", "pagecache", 1, op_fsync },
	[OP_SPLICE] = { "splice", "pagecache", 1, op_splice },
	[OP_SENDFILE] = { "sendfile", "pagecache", 1, op_sendfile },
	[OP_CFR] = { "copy_file_range", "pagecache", 1, op_cfr },
	[OP_PMADVISE] = { "process_madvise", "pagecache", 1, op_pmadvise },
	[OP_PROCMEM] = { "proc_mem", "generic", 2, op_procmem },
	[OP_PFN] = { "pfn_flags", "generic", 1, op_pfn },
	[OP_MIGRATE] = { "migrate", "generic", 1, op_migrate },
	[OP_UFFD] = { "userfaultfd", "generic", 1, op_uffd },
	[OP_WINDOW] = { "fault_window", "knob", 1, op_window },
	[OP_KNOB] = { "knob", "knob", 1, op_knob },
	[OP_CHECK] = { "check", "mem", 8, op_check },
	[OP_DEBUGFS_READ] = { "debugfs_read", "debugfs", 0, NULL },
	[OP_DEBUGFS_WRITE] = { "debugfs_write", "debugfs", 0, NULL },
};

static int pick_op(struct ctx *c)
{
	unsigned int w = below(c, cfg.total_weight), i;

	for (i = 0; i < NR_OPS; i++) {
		if (!cfg.op_on[i] || !ops[i].fn)
			continue;
		if (w < cfg.weight[i])
			return i;
		w -= cfg.weight[i];
	}
	return OP_TOUCH;
}

/* -I: fail the thread's @nth allocation from now on; false if not armed. */
static bool fail_arm(struct ctx *c, unsigned int nth)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", nth);

	if (pwrite(c->fail_nth, num, len, 0) != len)
		return false;
	__atomic_fetch_add(&sh->fail_armed, 1, __ATOMIC_RELAXED);
	return true;
}

/* Stop failing; count the failure if the count ran out (it was made). */
static void fail_disarm(struct ctx *c)
{
	char num[16];
	ssize_t len = pread(c->fail_nth, num, sizeof(num) - 1, 0);

	if (len > 0) {
		num[len] = 0;
		if (!atoi(num))
			__atomic_fetch_add(&sh->fail_made, 1, __ATOMIC_RELAXED);
	}
	if (pwrite(c->fail_nth, "0", 1, 0) != 1) {
		fprintf(stderr, "# worker %d.%d: fail-nth cannot be disarmed\n", c->proc, c->thread);
		exit(3);
	}
}

static void run_ops(struct ctx *c)
{
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED) && now() < c->deadline) {
		int op = pick_op(c), err;
		/*
		 * A forked child's file would be its parent thread's; a ring
		 * whose one setup failed would be off for the whole run.
		 */
		bool fail = c->fail_nth >= 0 && !c->child && op != OP_KNOB &&
			    (op != OP_IOURING || c->ring.tried) && below(c, 100) < cfg.fail_pct;

		c->seq++;
		__atomic_store_n(&c->slot->op, op, __ATOMIC_RELAXED);
		/* Most operations make few allocations: mostly one of the first 8. */
		if (fail)
			fail = fail_arm(c, 1 + below(c, chance(c, 75) ? 8 : 64));
		err = ops[op].fn(c);
		if (fail)
			fail_disarm(c);
		count(op, err);
		__atomic_store_n(&c->slot->op, -1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&c->slot->progress, 1, __ATOMIC_RELEASE);
		if (!c->child)
			reap_kid(c, false);
	}
}

/* ---- worker processes ---- */

struct thread_arg {
	int proc, thread;
};

/* Set by a thread that found its own memory advised: the worker fails. */
static int own_memory_touched;

/*
 * Flags that only the fuzzer's madvise() sets, never the C library on its
 * own memory: dc (MADV_DONTFORK), wf (MADV_WIPEONFORK), rr and sr
 * (MADV_RANDOM, MADV_SEQUENTIAL), hg (MADV_HUGEPAGE).
 */
static const char *const advised_flags[] = { " dc", " wf", " rr", " sr", " hg" };

/*
 * Did an operation meant for the arena reach the thread's own memory (its
 * code, data, heap, stack, alternate signal stack, the shared counters)?
 * Tell each such mapping; the number of them.
 */
static int check_own_memory(struct ctx *c, void *alt)
{
	int here;
	const struct {
		const char *what;
		unsigned long addr;
	} own[] = {
		{ "code", (unsigned long)check_own_memory },
		{ "data", (unsigned long)&cfg },
		{ "shared counters", (unsigned long)sh },
		{ "context", (unsigned long)c },
		{ "scratch", (unsigned long)c->scratch },
		{ "stack", (unsigned long)&here },
		{ "signal stack", (unsigned long)alt },
	};
	unsigned long lo = 0, hi = 0, l, h;
	char line[512], range[64] = "";
	FILE *f = fopen("/proc/self/smaps", "r");
	int bad = 0;
	size_t i, j;

	if (!f) {
		printf("# worker %d.%d: cannot read smaps (%s): its memory goes unchecked\n",
		       c->proc, c->thread, strerror(errno));
		fflush(stdout);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line; "Anonymous: 0 kB" starts with hex too. */
		if (sscanf(line, "%lx-%lx ", &l, &h) == 2 && !strstr(line, " kB")) {
			lo = l;
			hi = h;
			snprintf(range, sizeof(range), "%lx-%lx", lo, hi);
			continue;
		}
		if (strncmp(line, "VmFlags:", 8))
			continue;
		for (i = 0; i < ARRAY_SIZE(own); i++) {
			if (!own[i].addr || own[i].addr < lo || own[i].addr >= hi)
				continue;
			for (j = 0; j < ARRAY_SIZE(advised_flags); j++) {
				if (!strstr(line + 8, advised_flags[j]))
					continue;
				printf("# worker %d.%d: an madvise() reached its %s (%s), VmFlags:%s",
				       c->proc, c->thread, own[i].what, range, line + 8);
				fflush(stdout);
				bad++;
				break;
			}
		}
	}
	fclose(f);
	return bad;
}

static void *worker_thread(void *p)
{
	struct thread_arg *ta = p;
	struct ctx *c = calloc(1, sizeof(*c));
	stack_t ss = { .ss_flags = SS_DISABLE };
	void *alt;

	if (!c)
		return NULL;
	tls_ctx = c;
	alt = altstack_setup();
	c->proc = ta->proc;
	c->thread = ta->thread;
	rng_seed(c->s, cfg.seed ^ ((uint64_t)(ta->proc + 1) * 0xd1b54a32d192ed03ULL) ^
			   ((uint64_t)(ta->thread + 1) * 0xabc98388fb8fac03ULL));
	c->scratch = malloc(SCRATCH + PG);
	c->slot = slot_take(SLOT_THREAD, ta->proc, ta->thread);
	uring_forget(&c->ring);
	if (!c->scratch || !c->slot || pipe2(c->pipe, O_NONBLOCK | O_CLOEXEC)) {
		fprintf(stderr, "# worker %d.%d: no memory, slot or pipe\n", ta->proc, ta->thread);
		exit(3);
	}
	memset(c->scratch, 0x5a, SCRATCH);
	c->fail_nth = -1;
	if (cfg.fail_pct) {
		c->fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		if (c->fail_nth < 0) {
			fprintf(stderr, "# worker %d.%d: /proc/thread-self/fail-nth: %s\n",
				ta->proc, ta->thread, strerror(errno));
			exit(3);
		}
	}
	c->chk.fd = -1;
	if (cfg.op_on[OP_CHECK]) {
		c->chk.ver = calloc(CHECK_PAGES, sizeof(*c->chk.ver));
		c->chk.pver = calloc(CHECK_PAGES, sizeof(*c->chk.pver));
		c->chk.buf = malloc(PG);
		if (!c->chk.ver || !c->chk.pver || !c->chk.buf || !chk_map(c)) {
			fprintf(stderr, "# worker %d.%d: cannot map its checked object\n",
				ta->proc, ta->thread);
			exit(3);
		}
	}
	c->deadline = t_deadline;
	run_ops(c);
	if (check_own_memory(c, alt))
		__atomic_store_n(&own_memory_touched, 1, __ATOMIC_RELAXED);
	reap_kid(c, true);
	chk_teardown(c);
	foreign_drop_all(c);
	uring_teardown(&c->ring);
	close(c->pipe[0]);
	close(c->pipe[1]);
	__atomic_store_n(&c->slot->op, -1, __ATOMIC_RELAXED);
	slot_release(c->slot);
	tls_ctx = NULL;
	sigaltstack(&ss, NULL);
	free(alt);
	free(c->scratch);
	free(c);
	return NULL;
}

static void worker_main(int proc)
{
	pthread_t th[MAX_THREADS];
	struct thread_arg ta[MAX_THREADS];
	unsigned long a;
	uint64_t s[4];
	int i;

	install_handlers();
	/* Start with every object slot open. */
	for (i = 0; i < cfg.nr_objects; i++) {
		int fd = open(dev_path, O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			dup3(fd, FD_BASE + i, O_CLOEXEC);
			close(fd);
		}
	}
	/* Start with the arena mapped, in 4 MiB pieces of those objects. */
	rng_seed(s, cfg.seed ^ ((uint64_t)(proc + 1) * 0x9fb21c651e98df25ULL));
	for (a = ARENA_BASE; a + (4 << 20) <= arena_end(); a += 4 << 20) {
		void *p = mmap((void *)a, 4 << 20, PROT_READ | PROT_WRITE,
			       (rng_next(s) & 1 ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED,
			       FD_BASE + rng_next(s) % cfg.nr_objects,
			       PG * (rng_next(s) % cfg.off_pages));

		if (p != MAP_FAILED)
			recent_add(a, 4 << 20);
	}
	for (i = 0; i < cfg.threads; i++) {
		ta[i].proc = proc;
		ta[i].thread = i;
		if (pthread_create(&th[i], NULL, worker_thread, &ta[i])) {
			fprintf(stderr, "# worker %d: pthread_create failed\n", proc);
			exit(3);
		}
	}
	for (i = 0; i < cfg.threads; i++)
		pthread_join(th[i], NULL);
	munmap((void *)ARENA_BASE, cfg.arena_len);
	for (i = 0; i < NR_FDS; i++)
		close(FD_BASE + i);
	exit(__atomic_load_n(&own_memory_touched, __ATOMIC_RELAXED) ? 4 : 0);
}

/* ---- the debugfs process ---- */

struct dfile {
	char path[256];
	const char *name;	/* after debugfs_dir "/" */
	bool readable, writable;
	char saved[128];	/* the value before the run, to restore */
	bool has_saved;
};

static struct dfile files[MAX_FILES];
static int nr_files;
/* Every value line of knobs (they come before its "#" help lines). */
#define MAX_SAVED_KNOBS	12
static char saved_knobs[MAX_SAVED_KNOBS][64];
static int nr_saved_knobs;

static void scan_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && nr_files < MAX_FILES) {
		char path[512];
		struct stat st;

		if (de->d_name[0] == '.' || strlen(dir) + strlen(de->d_name) + 2 >
					    sizeof(files[0].path))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			scan_dir(path);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		memcpy(files[nr_files].path, path, strlen(path) + 1);
		files[nr_files].name = files[nr_files].path + strlen(debugfs_dir) + 1;
		files[nr_files].readable = st.st_mode & 0444;
		files[nr_files].writable = st.st_mode & 0222;
		nr_files++;
	}
	closedir(d);
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n <= 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

/* Write @line to @path in one write(); 0 or -errno. */
static int write_file(const char *path, const char *line, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, line, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

static bool is_knobs(const struct dfile *f)
{
	return !strcmp(f->name, "knobs");
}

static bool is_bench(const struct dfile *f)
{
	return !strcmp(f->name, "bench");
}

/* Remember the writable files' values, to restore after the run. */
static void save_debugfs(void)
{
	char buf[4096], *line, *save = NULL;
	int i;

	for (i = 0; i < nr_files; i++) {
		struct dfile *f = &files[i];

		if (!f->writable || !f->readable || is_bench(f))
			continue;
		if (read_file(f->path, buf, sizeof(buf)) < 0)
			continue;
		if (is_knobs(f)) {
			for (line = strtok_r(buf, "\n", &save); line && nr_saved_knobs < MAX_SAVED_KNOBS;
			     line = strtok_r(NULL, "\n", &save)) {
				if (line[0] == '#')
					break;
				snprintf(saved_knobs[nr_saved_knobs++], 64, "%s", line);
			}
			continue;
		}
		buf[strcspn(buf, "\n")] = '\0';
		buf[sizeof(f->saved) - 1] = '\0';
		memcpy(f->saved, buf, sizeof(f->saved));
		f->has_saved = true;
	}
}

static void knob_write(const char *line)
{
	write_file(debugfs_path("knobs"), line, strlen(line));
}

static void restore_debugfs(void)
{
	int i;

	for (i = 0; i < nr_files; i++) {
		const struct dfile *f = &files[i];

		/* probability first: nothing fails while the rest is restored */
		if (f->has_saved && strstr(f->name, "probability"))
			write_file(f->path, f->saved, strlen(f->saved));
	}
	for (i = 0; i < nr_files; i++) {
		const struct dfile *f = &files[i];

		if (f->has_saved)
			write_file(f->path, f->saved, strlen(f->saved));
	}
	for (i = 0; i < nr_saved_knobs; i++)
		knob_write(saved_knobs[i]);
}

static void knob_line(struct ctx *c, char *buf, size_t size, bool good)
{
	static const char *const bad[] = {
		"", "\n", "nonsense 1", "lru_batch 0", "lru_batch 64", "pcp_batch 0",
		"watermark_scale_factor 0", "watermark_scale_factor 3001", "reclaim 0",
		"drain_pcp 2", "drain_lru 0", "drop_slabs 7", "burst 0", "burst 4097",
		"slab_burst 99999", "lru_batch 18446744073709551620",
		"min_free_kbytes 18446744073709551615", "pcp_high -1", "lru_batch 8 trailing",
		"lru_batch 8\nlru_batch 9", "lru_batch", " lru_batch 8", "lru_batch 0x10",
		"watermark_scale_factor 4294967296", "reclaim 99999999",
		"a_name_that_is_far_too_long_for_the_knobs_parser_to_accept_at_all 1",
		"fault_window 1", "fault_window 3", "fault_window 257", "fault_window -4",
		"fault_window 4 8", "lru_policy", "lru_policy lru", "lru_policy classic extra",
		"fault_order 5", "fault_order -1", "fault_order 4294967300", "fault_order 2 2",
		"pcp_auto 2", "pcp_auto -1", "huge", "huge sometimes", "huge always extra",
		"huge 1", "huge Always",
	};
	static const char *const huge_modes[] = { "never", "always", "advise" };
	static const char *const policies[] = { "classic", "workingset", "mglru", "lip",
						  "lirs" };
	unsigned int r = below(c, 100);

	if (!good) {
		if (chance(c, 10)) {
			size_t i, n = 1 + below(c, size - 1);

			for (i = 0; i < n; i++)
				buf[i] = (char)rnd(c);
			buf[n - 1] = '\0';
			return;
		}
		snprintf(buf, size, "%s", bad[below(c, ARRAY_SIZE(bad))]);
		return;
	}
	if (r < 10)
		snprintf(buf, size, "watermark_scale_factor %u", 1 + (unsigned int)below(c, 1000));
	else if (r < 18)
		snprintf(buf, size, "min_free_kbytes %u", 64 + (unsigned int)below(c, 2048));
	else if (r < 28)
		snprintf(buf, size, "pcp_high %u", (unsigned int)below(c, 512));
	else if (r < 34)
		snprintf(buf, size, "pcp_batch %u", 1 + (unsigned int)below(c, 64));
	else if (r < 38)
		/* Sized by zone and tuned again, or fixed where they are. */
		snprintf(buf, size, "pcp_auto %u", (unsigned int)below(c, 2));
	else if (r < 50)
		snprintf(buf, size, "lru_batch %u\n", 1 + (unsigned int)below(c, 63));
	else if (r < 60)
		snprintf(buf, size, "drain_pcp 1");
	else if (r < 70)
		snprintf(buf, size, "drain_lru 1\n");
	else if (r < 78)
		snprintf(buf, size, "drop_slabs 1");
	else if (r < 84)
		snprintf(buf, size, "reclaim %u", 1 + (unsigned int)below(c, 256));
	else if (r < 89)
		snprintf(buf, size, "burst %u", 1 + (unsigned int)below(c, 256));
	else if (r < 93)
		snprintf(buf, size, "slab_burst %u", 1 + (unsigned int)below(c, 512));
	else if (r < 94)
		/* Multi-size first touch: blocks of 1..16 pages from then on. */
		snprintf(buf, size, "fault_order %u", (unsigned int)below(c, 5));
	else if (r < 96)
		/* PMD mappings (refused where the kernel has no PMD-sized folios). */
		snprintf(buf, size, "huge %s", huge_modes[below(c, ARRAY_SIZE(huge_modes))]);
	else if (r < 98 && cfg.op_on[OP_WINDOW])
		/* Off, or 4..16 pages, with -E fault_window (see op_window()). */
		snprintf(buf, size, "fault_window %u",
			 chance(c, 33) ? 0 : 4 + (unsigned int)below(c, 13));
	else
		/* Refused with EBUSY while pages are on the LRU, as most of the time. */
		snprintf(buf, size, "lru_policy %s", policies[below(c, ARRAY_SIZE(policies))]);
}

/* A value for a fault-injection attribute (or any other number file). */
static void attr_line(struct ctx *c, const struct dfile *f, char *buf, size_t size, bool good)
{
	static const char *const bad[] = {
		"", "abc", "-", "99999999999999999999999", "1 2", "0x", "\n\n", "-99999999999",
	};

	if (!good) {
		snprintf(buf, size, "%s", bad[below(c, ARRAY_SIZE(bad))]);
		return;
	}
	if (strstr(f->name, "probability"))
		snprintf(buf, size, "%u", chance(c, 70) ? (unsigned int)below(c, 5)
							: (unsigned int)below(c, 101));
	else if (strstr(f->name, "interval"))
		snprintf(buf, size, "%u", 1 + (unsigned int)below(c, 100));
	else if (strstr(f->name, "times"))
		snprintf(buf, size, "%d", chance(c, 5) ? -1 : (int)below(c, 200));
	else if (strstr(f->name, "verbose"))
		snprintf(buf, size, "%u", (unsigned int)below(c, 2));
	else if (strstr(f->name, "task-filter"))
		snprintf(buf, size, "%c", chance(c, 80) ? 'N' : 'Y');
	else if (strstr(f->name, "min-order"))
		snprintf(buf, size, "%u", (unsigned int)below(c, 12));
	else
		snprintf(buf, size, "%u", (unsigned int)below(c, 4096));
}

/* -D: only files whose name has one of these in it (all without -D). */
static bool file_wanted(const struct dfile *f)
{
	char buf[256], *tok, *save = NULL;

	if (!cfg.dfiles[0])
		return true;
	snprintf(buf, sizeof(buf), "%s", cfg.dfiles);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strstr(f->name, tok))
			return true;
	return false;
}

/* The debugfs process has something to do with @f. */
static bool file_usable(const struct dfile *f)
{
	return file_wanted(f) && ((f->readable && cfg.op_on[OP_DEBUGFS_READ]) ||
				  (f->writable && cfg.op_on[OP_DEBUGFS_WRITE]));
}

static void debugfs_main(void)
{
	static char buf[1 << 16];
	struct ctx *c = calloc(1, sizeof(*c));
	char line[128];

	if (!c)
		exit(3);
	tls_ctx = c;
	rng_seed(c->s, cfg.seed ^ 0x2545f4914f6cdd1dULL);
	c->slot = slot_take(SLOT_DEBUGFS, -1, 0);
	if (!c->slot)
		exit(3);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED) && now() < t_deadline && nr_files) {
		const struct dfile *f = &files[below(c, nr_files)];
		bool rd = f->readable && cfg.op_on[OP_DEBUGFS_READ];
		bool wr = f->writable && cfg.op_on[OP_DEBUGFS_WRITE];
		int op, err;

		c->seq++;
		/* Not for this run; main() made sure some file is, so one comes soon. */
		if (!file_wanted(f) || (!rd && !wr)) {
			sleep_ms(1);
			continue;
		}
		if (rd && (!wr || chance(c, 50))) {
			op = OP_DEBUGFS_READ;
			trace(c, op, f - files, 0, 0, 0);
			__atomic_store_n(&c->slot->op, op, __ATOMIC_RELAXED);
			err = read_file(f->path, buf, sizeof(buf)) < 0 ? -errno : 0;
		} else {
			bool good = chance(c, 60) && !is_bench(f);

			op = OP_DEBUGFS_WRITE;
			if (is_knobs(f))
				knob_line(c, line, sizeof(line), good);
			else if (is_bench(f))
				snprintf(line, sizeof(line), "%s",
					 chance(c, 50) ? "walk" : "run fast");
			else
				attr_line(c, f, line, sizeof(line), good);
			trace(c, op, f - files, good, 0, 0);
			__atomic_store_n(&c->slot->op, op, __ATOMIC_RELAXED);
			err = write_file(f->path, line, strlen(line) ? strlen(line) : chance(c, 50));
		}
		count(op, err);
		__atomic_store_n(&c->slot->op, -1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&c->slot->progress, 1, __ATOMIC_RELEASE);
		/* Some files walk everything: leave the workers most of the CPU. */
		sleep_ms(20 + below(c, 180));
	}
	slot_release(c->slot);
	exit(0);
}

/* ---- the watchdog ---- */

static void dump_file_text(char *buf, const char *prefix)
{
	char *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("%s%s\n", prefix, line);
}

static void dump_file(const char *path, const char *prefix)
{
	char buf[8192];

	if (read_file(path, buf, sizeof(buf)) < 0) {
		printf("%s(%s: %s)\n", prefix, path, strerror(errno));
		return;
	}
	dump_file_text(buf, prefix);
}

/* State letter of a task ('R', 'D', 'Z', ...), or 0 when it is gone. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : 0;
}

static void dump_task(pid_t pid, pid_t tid)
{
	char path[96], wchan[128] = "", comm[64] = "";

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	read_file(path, wchan, sizeof(wchan));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	read_file(path, comm, sizeof(comm));
	comm[strcspn(comm, "\n")] = '\0';
	printf("# task %d/%d (%s) state %c wchan %s\n", pid, tid, comm,
	       task_state(pid, tid) ?: '?', wchan[0] ? wchan : "-");
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	dump_file(path, "#   syscall: ");
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	dump_file(path, "#   ");
}

/* The stacks of the tasks of @pid that are running or runnable now. */
static void dump_running_process(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (de->d_name[0] != '.' && task_state(pid, tid) == 'R') {
			snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
			printf("# sample of running task %d/%d:\n", pid, tid);
			dump_file(path, "#   ");
		}
	}
	closedir(d);
}

static void dump_process(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			dump_task(pid, atoi(de->d_name));
	closedir(d);
}

static const char *op_name(int op)
{
	return op >= 0 && op < NR_OPS ? ops[op].name : "-";
}

/*
 * What the handler saw of a fault that killed @s's task, and the task's
 * last operations, as comment lines appended to @buf.
 */
static void slot_report(const struct slot *s, char *buf, size_t size)
{
	unsigned int head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE), i;
	size_t len = strlen(buf);
	int sig = __atomic_load_n(&s->fault_sig, __ATOMIC_ACQUIRE);

	if (sig && len < size)
		len += snprintf(buf + len, size - len,
				"#   tid %d: signal %d code %d at %#lx, ip %#lx, in %s\n",
				s->tid, sig, s->fault_code, s->fault_addr, s->fault_ip,
				op_name(s->op));
	else if (len < size)
		len += snprintf(buf + len, size - len, "#   tid %d: in %s, no fault seen\n",
				s->tid, op_name(s->op));
	for (i = head > NR_TRACE ? head - NR_TRACE : 0; i < head && len < size; i++) {
		const struct trace_ent *e = &s->trace[i % NR_TRACE];

		len += snprintf(buf + len, size - len, "#   op %lu %s %#lx %#lx %#lx %#lx\n",
				e->seq, op_name(e->op), e->a[0], e->a[1], e->a[2], e->a[3]);
	}
}

static void dump_trace(const struct slot *s)
{
	unsigned int head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE), i;

	for (i = head > NR_TRACE ? head - NR_TRACE : 0; i < head; i++) {
		const struct trace_ent *e = &s->trace[i % NR_TRACE];

		printf("#   op %lu %s %#lx %#lx %#lx %#lx\n", e->seq, op_name(e->op),
		       e->a[0], e->a[1], e->a[2], e->a[3]);
	}
}

static const char *slot_what(const struct slot *s, char *buf, size_t size)
{
	if (s->kind == SLOT_THREAD)
		snprintf(buf, size, "process %d thread %d", s->proc, s->thread);
	else if (s->kind == SLOT_CHILD)
		snprintf(buf, size, "child of process %d thread %d", s->proc, s->thread);
	else
		snprintf(buf, size, "debugfs process");
	return buf;
}

static void trigger_sysrq(char what)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, &what, 1) < 0)
			perror("# sysrq");
		close(fd);
	}
}

static void dump_all(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			dump_process(pids[i]);
	for (i = 0; i < NR_SLOTS; i++) {
		const struct slot *s = &sh->slots[i];

		if (__atomic_load_n(&s->used, __ATOMIC_ACQUIRE) == 1 && s->kind == SLOT_CHILD)
			dump_process(s->pid);
	}
}

static void dump_running(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			dump_running_process(pids[i]);
	for (i = 0; i < NR_SLOTS; i++) {
		const struct slot *s = &sh->slots[i];

		if (__atomic_load_n(&s->used, __ATOMIC_ACQUIRE) == 1 && s->kind == SLOT_CHILD)
			dump_running_process(s->pid);
	}
}

/* ---- main ---- */

static void print_usage(const char *argv0)
{
	int i;

	fprintf(stderr,
		"usage: %s [-p PROCS] [-t THREADS] [-s SECONDS] [-S SEED] [-w WATCHDOG] [-W GRACE]\n"
		"          [-x CLASS,...] [-o CLASS,...] [-A ARENA_MB] [-M FAULT_MB] [-n OBJECTS]\n"
		"          [-O OFFSET_MB] [-E CLASS,...] [-b OP=WEIGHT,...] [-Q POPULATE_PCT]\n"
		"          [-D DEBUGFS_FILE,...] [-F CHILD_MS] [-P SETTLE_S] [-I FAIL_PCT] [-K] [-l]\n"
		"  -x excludes, -o runs only, -E enables (for what is off by default):\n"
		"  an operation, a group, a flag class (populate fixed huge locked debugfs,\n"
		"  hugepopulate and hugeio: off by default, as is the operation fault_window)\n"
		"  or madv_<advice>; -K: no sysrq\n"
		"  dumps when stuck; -l: list the classes\n", argv0);
	fprintf(stderr, "operations:");
	for (i = 0; i < NR_OPS; i++)
		if (ops[i].fn)
			fprintf(stderr, " %s(%s)", ops[i].name, ops[i].group);
	fprintf(stderr, "\nadvices:");
	for (i = 0; i < (int)NR_ADVICES; i++)
		fprintf(stderr, " madv_%s%s", advices[i].name, advices[i].dflt ? "" : "(off)");
	fprintf(stderr, "\n");
}

/* Apply one class name to the switches; false when no class has it. */
static bool set_class(const char *name, bool on)
{
	bool found = false;
	int i;

	for (i = 0; i < NR_OPS; i++) {
		if (!strcmp(name, ops[i].name) || !strcmp(name, ops[i].group)) {
			cfg.op_on[i] = on;
			found = true;
		}
	}
	for (i = 0; i < NR_FEATURES; i++) {
		if (!strcmp(name, feature_names[i])) {
			cfg.feature_on[i] = on;
			found = true;
		}
	}
	if (!strcmp(name, "populate")) {
		for (i = 0; i < (int)NR_ADVICES; i++)
			if (advices[i].value == MADV_POPULATE_READ ||
			    advices[i].value == MADV_POPULATE_WRITE)
				cfg.advice_on[i] = on;
	}
	if (!strncmp(name, "madv_", 5)) {
		for (i = 0; i < (int)NR_ADVICES; i++) {
			if (!strcmp(name + 5, advices[i].name)) {
				cfg.advice_on[i] = on;
				found = true;
			}
		}
	}
	return found;
}

static bool parse_classes(const char *list, bool on)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!set_class(tok, on)) {
			fprintf(stderr, "unknown class '%s' (-l lists them)\n", tok);
			return false;
		}
	}
	return true;
}

/* "op=weight,..." (an operation or a group): bias the mix. */
static bool parse_weights(const char *list)
{
	char buf[512], *tok, *save = NULL;
	int i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		bool found = false;

		if (!eq) {
			fprintf(stderr, "-b wants name=weight, not '%s'\n", tok);
			return false;
		}
		*eq = '\0';
		for (i = 0; i < NR_OPS; i++) {
			if (!strcmp(tok, ops[i].name) || !strcmp(tok, ops[i].group)) {
				cfg.weight[i] = atoi(eq + 1);
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "unknown operation '%s' (-l lists them)\n", tok);
			return false;
		}
	}
	return true;
}

static int parse_args(int argc, char **argv)
{
	bool only = false;
	int opt, i;

	cfg.procs = 2;
	cfg.threads = 2;
	cfg.seconds = 60;
	cfg.watchdog = 30;
	cfg.confirm = 30;
	cfg.settle = 15;
	cfg.arena_len = 64UL << 20;
	cfg.fault_max = 4UL << 20;
	cfg.nr_objects = NR_FDS;
	cfg.off_pages = (16UL << 20) / PG;
	cfg.child_ms = 1000;
	cfg.sysrq = true;
	cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (i = 0; i < NR_OPS; i++) {
		cfg.op_on[i] = true;
		cfg.weight[i] = ops[i].weight;
	}
	/* Off unless -E or -o names it: see op_window(). */
	cfg.op_on[OP_WINDOW] = false;
	cfg.populate_pct = 15;
	for (i = 0; i < NR_FEATURES; i++)
		cfg.feature_on[i] = i != F_HUGEPOP && i != F_HUGEIO;
	for (i = 0; i < (int)NR_ADVICES; i++)
		cfg.advice_on[i] = advices[i].dflt;

	/* -o first: it switches everything else off. */
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "-o")) {
			only = true;
			break;
		}
	}
	if (only) {
		for (i = 0; i < NR_OPS; i++)
			cfg.op_on[i] = false;
		cfg.feature_on[F_DEBUGFS] = false;
	}
	while ((opt = getopt(argc, argv, "p:t:s:S:w:W:x:o:E:b:D:A:M:n:O:Q:F:P:I:Klh")) != -1) {
		switch (opt) {
		case 'p':
			cfg.procs = atoi(optarg);
			break;
		case 't':
			cfg.threads = atoi(optarg);
			break;
		case 's':
			cfg.seconds = atoi(optarg);
			break;
		case 'S':
			cfg.seed = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			cfg.watchdog = atoi(optarg);
			break;
		case 'W':
			cfg.confirm = atoi(optarg);
			break;
		case 'x':
			if (!parse_classes(optarg, false))
				return -1;
			snprintf(cfg.excluded + strlen(cfg.excluded),
				 sizeof(cfg.excluded) - strlen(cfg.excluded), "%s%s",
				 cfg.excluded[0] ? "," : "", optarg);
			break;
		case 'o':
			if (!parse_classes(optarg, true))
				return -1;
			snprintf(cfg.only + strlen(cfg.only), sizeof(cfg.only) - strlen(cfg.only),
				 "%s%s", cfg.only[0] ? "," : "", optarg);
			break;
		case 'E':
			if (!parse_classes(optarg, true))
				return -1;
			snprintf(cfg.weights + strlen(cfg.weights),
				 sizeof(cfg.weights) - strlen(cfg.weights), " -E %s", optarg);
			break;
		case 'b':
			if (!parse_weights(optarg))
				return -1;
			snprintf(cfg.weights + strlen(cfg.weights),
				 sizeof(cfg.weights) - strlen(cfg.weights), " -b %s", optarg);
			break;
		case 'D':
			snprintf(cfg.dfiles, sizeof(cfg.dfiles), "%s", optarg);
			snprintf(cfg.weights + strlen(cfg.weights),
				 sizeof(cfg.weights) - strlen(cfg.weights), " -D %s", optarg);
			break;
		case 'Q':
			cfg.populate_pct = atoi(optarg);
			break;
		case 'A':
			cfg.arena_len = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'M':
			cfg.fault_max = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'n':
			cfg.nr_objects = atoi(optarg);
			break;
		case 'O':
			cfg.off_pages = (strtoull(optarg, NULL, 0) << 20) / PG;
			break;
		case 'F':
			cfg.child_ms = atoi(optarg);
			break;
		case 'P':
			cfg.settle = atoi(optarg);
			break;
		case 'K':
			cfg.sysrq = false;
			break;
		case 'I':
			cfg.fail_pct = atoi(optarg);
			break;
		case 'l':
			cfg.list = true;
			break;
		default:
			return -1;
		}
	}
	if (cfg.procs < 1 || cfg.procs > MAX_PROCS || cfg.threads < 1 ||
	    cfg.threads > MAX_THREADS || cfg.seconds < 1 || cfg.watchdog < 2 || cfg.confirm < 0 ||
	    cfg.arena_len < (1UL << 20) || cfg.arena_len > (1UL << 34) || cfg.child_ms < 1 ||
	    cfg.fault_max < (1UL << 20) || cfg.nr_objects < 1 || cfg.nr_objects > NR_FDS ||
	    cfg.off_pages < 1 || cfg.fail_pct > 100 ||
	    cfg.settle < 0) {
		fprintf(stderr, "bad argument\n");
		return -1;
	}
	for (i = 0; i < NR_OPS; i++)
		if (cfg.op_on[i] && ops[i].fn)
			cfg.total_weight += cfg.weight[i];
	if (!cfg.total_weight && !cfg.feature_on[F_DEBUGFS]) {
		fprintf(stderr, "every operation is excluded\n");
		return -1;
	}
	return 0;
}

static long long meminfo_kb(const char *name)
{
	char buf[4096], *p;
	size_t n = strlen(name);

	if (read_file(debugfs_path("meminfo"), buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ':')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

/*
 * The objects every cache of slabinfo has in use, summed: what the slabs
 * hold for their users (the metadata caches' reserves included), and in
 * *@free_slabs the slabs they keep with none in use; -1 when the file
 * cannot be read.
 */
static long long slab_objects(long long *free_slabs)
{
	char buf[16384], *p, *data;
	long long sum = 0;

	*free_slabs = 0;
	if (read_file(debugfs_path("slabinfo"), buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		long long active, active_slabs, slabs;
		char name[64];

		if (*p == '#' || !strncmp(p, "slabinfo", 8))
			continue;
		data = strstr(p, "slabdata");
		if (sscanf(p, "%63s %lld", name, &active) != 2 || !data ||
		    sscanf(data, "slabdata %lld %lld", &active_slabs, &slabs) != 2)
			return -1;
		sum += active;
		*free_slabs += slabs - active_slabs;
	}
	return sum;
}

/* Counters of the module's vmstat worth showing for a run. */
static const char *const vmstat_names[] = {
	"pgfault", "pgmajfault", "pgfault_sigbus", "pgfault_cow", "pswpout", "pswpin",
	"pgsteal_zero", "allocstall_normal", "pgalloc_fail", "pgalloc_injected",
	"pinned_deferred", "kernel_batch_drains", "vma_resync", "vma_untracked",
	"pgfault_untracked", "workingset_refault", "kswapd_giveup",
	"thp_fault_alloc", "thp_fault_fallback", "thp_split_pmd", "thp_split_page",
	"mthp_fault_alloc", "compact_stall", "pgmigrate_success",
};
#define NR_VMSTAT	ARRAY_SIZE(vmstat_names)

static void read_vmstat(long long *v)
{
	static char buf[16384];
	unsigned int i;

	if (read_file(debugfs_path("vmstat"), buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	for (i = 0; i < NR_VMSTAT; i++) {
		size_t n = strlen(vmstat_names[i]);
		char *p;

		v[i] = -1;
		for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			if (!strncmp(p, vmstat_names[i], n) && p[n] == ' ') {
				v[i] = strtoll(p + n + 1, NULL, 10);
				break;
			}
		}
	}
}

static void settle_knobs(void)
{
	knob_write("drain_pcp 1");
	knob_write("drain_lru 1");
	knob_write("drop_slabs 1");
}

/* The device's first open and mapping set up reserves that stay: do them now. */
static void warm_up(void)
{
	int fd = open(dev_path, O_RDWR | O_CLOEXEC);
	char listing[4096];
	void *p;

	if (fd < 0)
		return;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		__atomic_store_n((char *)p, 1, __ATOMIC_RELAXED);
		munmap(p, PG);
	}
	close(fd);
	/*
	 * The kernel removes a mapping without telling the module: its
	 * descriptor goes at the next reap of this process's tree, which a
	 * read of the listing runs (the run's own readers would do it later,
	 * and the slab objects counted before would be one too many).
	 */
	read_file(debugfs_path("vmas"), listing, sizeof(listing));
}

static void print_stats(void)
{
	unsigned long total = 0;
	int i, e;

	printf("# %-16s %9s %9s %7s %7s  errors\n", "operation", "count", "ok", "SIGBUS", "SIGSEGV");
	for (i = 0; i < NR_OPS; i++) {
		char errs[1024] = "";
		size_t len = 0;

		if (!sh->count[i])
			continue;
		total += sh->count[i];
		for (e = 1; e < NR_ERR; e++) {
			if (!sh->err[i][e])
				continue;
			len += snprintf(errs + len, sizeof(errs) - len > 0 ? sizeof(errs) - len : 0,
					" %s:%lu", e == NR_ERR - 1 ? "other" : strerrorname_np(e) ?: "?",
					sh->err[i][e]);
			if (len >= sizeof(errs))
				break;
		}
		printf("# %-16s %9lu %9lu %7lu %7lu %s\n", ops[i].name, sh->count[i], sh->err[i][0],
		       sh->sigbus[i], sh->sigsegv[i], errs);
	}
	printf("# total %lu operations, %lu forks\n", total, sh->forks);
}

static unsigned long total_ops(void)
{
	unsigned long t = 0;
	int i;

	for (i = 0; i < NR_OPS; i++)
		t += __atomic_load_n(&sh->count[i], __ATOMIC_RELAXED);
	return t;
}

static int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	tap_failed += !ok;
	printf("%s %d - ", ok ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void tap_skip(const char *what, const char *why)
{
	tap_n++;
	printf("ok %d - %s # SKIP %s\n", tap_n, what, why);
}

/*
 * A worker process ended: when a signal killed it, say so at once with
 * what its threads were doing, and free their slots either way, so the
 * watchdog does not count a dead thread as stuck.
 */
static void report_death(int proc, pid_t pid, int status, double t)
{
	static char buf[1 << 16];
	int i;

	if (WIFSIGNALED(status))
		printf("# %.0f s: worker pid %d killed by signal %d (%s)\n", t - t_start, pid,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	for (i = 0; i < NR_SLOTS; i++) {
		struct slot *s = &sh->slots[i];

		if (__atomic_load_n(&s->used, __ATOMIC_ACQUIRE) != 1)
			continue;
		/* Its forked child, orphaned: nobody would reap or judge it. */
		if (s->kind == SLOT_CHILD && s->proc == proc && proc < cfg.procs) {
			if (s->pid != pid)
				kill(s->pid, SIGKILL);
			__atomic_store_n(&s->used, 0, __ATOMIC_RELEASE);
			continue;
		}
		if (s->pid != pid || s->kind == SLOT_CHILD)
			continue;
		if (WIFSIGNALED(status)) {
			buf[0] = 0;
			slot_report(s, buf, sizeof(buf));
			fputs(buf, stdout);
		}
		__atomic_store_n(&s->used, 0, __ATOMIC_RELEASE);
	}
	fflush(stdout);
}

/* Is any task of a worker stuck, i.e. alive and not a zombie? */
static bool process_alive(pid_t pid)
{
	char s = task_state(pid, pid);

	return s && s != 'Z' && s != 'X';
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_PROCS + 1];
	int status[MAX_PROCS + 1], nr_pids, nr_usable = 0, i, stuck = 0;
	bool exited[MAX_PROCS + 1] = { false }, clean = true;
	unsigned long last_progress[NR_SLOTS] = { 0 };
	double last_change[NR_SLOTS], next_report;
	bool noticed[NR_SLOTS] = { false };
	long long free0, swap0, objs, pinned, free1 = -1, swap1 = -1;
	long long slab0, slab1 = -1, sobj0, sobj1 = -1, sfree0, sfree1 = -1;
	long long vm0[NR_VMSTAT], vm1[NR_VMSTAT];
	static char meminfo0[4096];
	unsigned int k;
	char what[96];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("SMM_FUZZ_DEV"))
		dev_path = getenv("SMM_FUZZ_DEV");
	if (getenv("SMM_FUZZ_DEBUGFS"))
		debugfs_dir = getenv("SMM_FUZZ_DEBUGFS");
	if (parse_args(argc, argv)) {
		print_usage(argv[0]);
		return 2;
	}
	if (cfg.list) {
		print_usage(argv[0]);
		return 0;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap shared");
		return 2;
	}
	printf("# smm_fuzz: seed %llu, %d processes x %d threads, %d s, watchdog %d s, arena %zu MiB\n",
	       (unsigned long long)cfg.seed, cfg.procs, cfg.threads, cfg.seconds, cfg.watchdog,
	       cfg.arena_len >> 20);
	printf("# replay: smm_fuzz -S %llu -p %d -t %d -s %d -A %zu -M %zu -n %d -O %llu -Q %u -I %u%s%s%s%s%s\n",
	       (unsigned long long)cfg.seed, cfg.procs, cfg.threads, cfg.seconds,
	       cfg.arena_len >> 20, cfg.fault_max >> 20, cfg.nr_objects,
	       (unsigned long long)(cfg.off_pages * PG) >> 20, cfg.populate_pct, cfg.fail_pct,
	       cfg.excluded[0] ? " -x " : "", cfg.excluded, cfg.only[0] ? " -o " : "", cfg.only,
	       cfg.weights);
	if (access(dev_path, R_OK | W_OK)) {
		printf("# %s: %s\n", dev_path, strerror(errno));
		tap(false, "%s is there", dev_path);
		printf("1..%d\n", tap_n);
		return 1;
	}

	/* -I: GFP_KERNEL slab allocations may fail too. */
	if (cfg.fail_pct &&
	    (write_file(FAILSLAB_DIR "/ignore-gfp-wait", "N", 1) ||
	     write_file(FAILSLAB_DIR "/verbose", "0", 1))) {
		printf("# -I: %s cannot be set: no failslab in this kernel?\n", FAILSLAB_DIR);
		return 2;
	}

	/* The arena must be free in every process: check it here once. */
	{
		void *p = mmap((void *)ARENA_BASE, cfg.arena_len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
			       -1, 0);

		if (p != (void *)ARENA_BASE) {
			printf("# arena at %#lx: %s\n", ARENA_BASE, strerror(errno));
			return 2;
		}
		munmap(p, cfg.arena_len);
	}

	scan_dir(debugfs_dir);
	for (i = 0; i < nr_files; i++)
		nr_usable += file_usable(&files[i]);
	if (cfg.dfiles[0] && cfg.feature_on[F_DEBUGFS] && !nr_usable) {
		printf("# -D %s: no debugfs file to read or write\n", cfg.dfiles);
		return 2;
	}
	save_debugfs();
	/*
	 * -I: each failure quietly (the module's attribute dumps a stack for
	 * every one by default); restore_debugfs() puts its value back.
	 */
	if (cfg.fail_pct) {
		write_file(debugfs_path("fail_page_alloc/verbose"), "0", 1);
		write_file("/sys/kernel/debug/fail_page_alloc/verbose", "0", 1);
	}
	warm_up();
	/* Deferred frees of the warm-up (pinned list, batches) settle first. */
	for (i = 0, free0 = -2; i < 20; i++) {
		long long f;

		settle_knobs();
		sleep_ms(250);
		f = meminfo_kb("MemFree");
		if (f == free0)
			break;
		free0 = f;
	}
	free0 = meminfo_kb("MemFree");
	swap0 = meminfo_kb("SwapFree");
	slab0 = meminfo_kb("Slab");
	sobj0 = slab_objects(&sfree0);
	read_vmstat(vm0);
	if (read_file(debugfs_path("meminfo"), meminfo0, sizeof(meminfo0)) < 0)
		meminfo0[0] = '\0';
	printf("# before: MemFree %lld kB, SwapFree %lld kB, Objects %lld kB, %d debugfs files\n",
	       free0, swap0, meminfo_kb("Objects"), nr_files);

	t_start = now();
	t_deadline = t_start + cfg.seconds;
	nr_pids = 0;
	for (i = 0; i < cfg.procs; i++) {
		pid_t pid = fork();

		if (pid == 0)
			worker_main(i);
		if (pid < 0) {
			perror("fork");
			break;
		}
		sh->worker_pid[i] = pid;
		pids[nr_pids++] = pid;
	}
	/* Without a usable file it would make no progress: the watchdog fires. */
	if (cfg.feature_on[F_DEBUGFS] && nr_usable) {
		pid_t pid = fork();

		if (pid == 0)
			debugfs_main();
		if (pid > 0)
			pids[nr_pids++] = pid;
	}

	/* The watchdog. */
	for (i = 0; i < NR_SLOTS; i++)
		last_change[i] = t_start;
	next_report = t_start + 10;
	for (;;) {
		double t = now();
		int alive = 0;

		for (i = 0; i < nr_pids; i++) {
			if (exited[i])
				continue;
			if (waitpid(pids[i], &status[i], WNOHANG) == pids[i]) {
				exited[i] = true;
				report_death(i, pids[i], status[i], t);
			} else {
				alive++;
			}
		}
		if (!alive)
			break;
		for (i = 0; i < NR_SLOTS; i++) {
			const struct slot *s = &sh->slots[i];
			unsigned long p;

			if (__atomic_load_n(&s->used, __ATOMIC_ACQUIRE) != 1) {
				last_change[i] = t;
				continue;
			}
			p = __atomic_load_n(&s->progress, __ATOMIC_ACQUIRE);
			if (p != last_progress[i]) {
				last_progress[i] = p;
				last_change[i] = t;
				continue;
			}
			/* A child that exited waits to be reaped: not stuck. */
			if (s->kind == SLOT_CHILD && !process_alive(s->pid)) {
				last_change[i] = t;
				continue;
			}
			if (t - last_change[i] >= cfg.watchdog + cfg.confirm) {
				if (!stuck)
					printf("# watchdog: %.0f s into the run\n", t - t_start);
				printf("# stuck: %s (pid %d tid %d) no progress for %.0f s, in %s after %lu operations\n",
				       slot_what(s, what, sizeof(what)), s->pid, s->tid,
				       t - last_change[i], op_name(s->op), p);
				dump_trace(s);
				stuck++;
			} else if (t - last_change[i] >= cfg.watchdog && !noticed[i]) {
				/* Slow or stuck: say so now, judge once the grace is over. */
				noticed[i] = true;
				printf("# watchdog: %s (pid %d tid %d) no progress for %.0f s, in %s; %d s more and it counts as stuck\n",
				       slot_what(s, what, sizeof(what)), s->pid, s->tid,
				       t - last_change[i], op_name(s->op), cfg.confirm);
				dump_task(s->pid, s->tid);
			}
		}
		for (i = 0; i < NR_SLOTS; i++) {
			if (noticed[i] && last_change[i] == t) {
				noticed[i] = false;
				printf("# watchdog: slot %d went on: slow, not stuck\n", i);
			}
		}
		if (!stuck && t > t_deadline + cfg.watchdog + cfg.confirm + 30) {
			printf("# watchdog: workers still running %.0f s after the end\n",
			       t - t_deadline);
			stuck = -1;
		}
		if (stuck)
			break;
		if (t >= next_report) {
			printf("# %3.0f s: %lu operations\n", t - t_start, total_ops());
			next_report += 10;
		}
		sleep_ms(250);
	}

	if (stuck) {
		int round;

		printf("# kernel stacks of every worker task:\n");
		dump_all(pids, nr_pids);
		/* A task looping in the kernel shows where it last yielded: sample it. */
		for (round = 0; round < 4; round++) {
			sleep_ms(300);
			dump_running(pids, nr_pids);
		}
		__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
		if (cfg.sysrq) {
			trigger_sysrq('w');
			trigger_sysrq('l');
			printf("# sysrq w and l written: the kernel log has blocked tasks and CPU backtraces\n");
		}
		for (i = 0; i < nr_pids; i++)
			if (!exited[i])
				kill(pids[i], SIGKILL);
		for (i = 0; i < NR_SLOTS; i++) {
			const struct slot *s = &sh->slots[i];

			if (__atomic_load_n(&s->used, __ATOMIC_ACQUIRE) == 1 && s->kind == SLOT_CHILD)
				kill(s->pid, SIGKILL);
		}
		for (round = 0; round < 20; round++) {
			int alive = 0;

			sleep_ms(500);
			for (i = 0; i < nr_pids; i++) {
				if (!exited[i] && waitpid(pids[i], &status[i], WNOHANG) == pids[i])
					exited[i] = true;
				alive += !exited[i];
			}
			if (!alive)
				break;
		}
		tap(false, "every worker made progress (%lu operations)", total_ops());
		for (i = 0; i < nr_pids; i++) {
			if (exited[i] && WIFSIGNALED(status[i]) && WTERMSIG(status[i]) != SIGKILL)
				printf("# worker pid %d killed by signal %d (%s)\n", pids[i],
				       WTERMSIG(status[i]), strsignal(WTERMSIG(status[i])));
			else if (exited[i] && WIFEXITED(status[i]) && WEXITSTATUS(status[i]))
				printf("# worker pid %d exited with status %d\n", pids[i],
				       WEXITSTATUS(status[i]));
		}
		for (i = 0; i < nr_pids; i++) {
			if (exited[i])
				continue;
			printf("# pid %d still there 10 s after SIGKILL: unkillable; stacks now:\n",
			       pids[i]);
			dump_process(pids[i]);
		}
		print_stats();
		tap_skip("every worker exited cleanly", "workers stuck");
		tap_skip("the checked objects held what was written", "workers stuck");
		tap_skip("knob switches failed only as documented", "workers stuck");
		if (cfg.fail_pct)
			tap_skip("injected allocation failures were made", "workers stuck");
		tap_skip("validate says ok", "workers stuck");
		tap_skip("Objects and ObjectsPinned are 0 kB", "workers stuck");
		tap_skip("MemFree and SwapFree are back", "workers stuck");
		printf("1..%d\n", tap_n);
		printf("# seed %llu\n", (unsigned long long)cfg.seed);
		return 1;
	}

	tap(true, "every worker made progress (%lu operations in %.0f s)", total_ops(),
	    now() - t_start);
	for (i = 0; i < nr_pids; i++) {
		if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0)
			continue;
		clean = false;
		if (WIFSIGNALED(status[i]))
			printf("# worker pid %d killed by signal %d (%s)\n", pids[i],
			       WTERMSIG(status[i]), strsignal(WTERMSIG(status[i])));
		else
			printf("# worker pid %d exited with status %d\n", pids[i],
			       WEXITSTATUS(status[i]));
	}
	if (sh->kids_killed) {
		clean = false;
		printf("# %lu forked children killed by a signal (each reported above)\n",
		       sh->kids_killed);
	}
	tap(clean, "every worker exited cleanly");
	/* Nothing compared is no proof: a run with the operation on must compare. */
	tap(!sh->chk_bad && (!cfg.op_on[OP_CHECK] || sh->chk_compared),
	    "the checked objects held what was written (%lu pages compared, %lu wrong, %lu unreadable)",
	    sh->chk_compared, sh->chk_bad, sh->chk_unreadable);
	tap(!sh->knob_bad, "knob switches failed only as documented (%lu made, %lu not)",
	    sh->knob_done, sh->knob_bad);
	if (cfg.fail_pct)
		tap(sh->fail_made, "injected allocation failures were made (%lu operations armed, %lu failed allocations)",
		    sh->fail_armed, sh->fail_made);

	/* Everything is closed and unmapped: the pool must be as before. */
	restore_debugfs();
	{
		double until = now() + cfg.settle;

		do {
			settle_knobs();
			sleep_ms(250);
			objs = meminfo_kb("Objects");
			pinned = meminfo_kb("ObjectsPinned");
			free1 = meminfo_kb("MemFree");
			swap1 = meminfo_kb("SwapFree");
			slab1 = meminfo_kb("Slab");
			sobj1 = slab_objects(&sfree1);
			if (!objs && !pinned && free1 + slab1 == free0 + slab0 &&
			    sobj1 == sobj0 && sfree1 <= sfree0 && swap1 == swap0)
				break;
		} while (now() < until);
	}
	{
		char buf[8192];
		ssize_t n = read_file(debugfs_path("validate"), buf, sizeof(buf));
		bool ok = n >= 0 && !strcmp(buf, "ok\n");

		if (!ok)
			printf("# validate:\n%s", n >= 0 ? buf : strerror(errno));
		tap(ok, "validate says ok");
	}
	tap(!objs && !pinned, "Objects and ObjectsPinned are 0 kB (%lld, %lld)", objs, pinned);
	/*
	 * Every frame is back but those the slabs hold, and the slabs hold
	 * the objects they held before (a leaked one would be more).  Their
	 * frames may differ: a metadata cache's reserve (a mempool) refills
	 * with whatever elements are freed while it runs low, as under the
	 * allocation failures the run injects, so the same elements can
	 * end up spread over more slabs, none of them free to give back
	 * (no more slabs without an object in use are kept than before).
	 */
	tap(sobj0 >= 0 && free1 + slab1 == free0 + slab0 && sobj1 == sobj0 &&
	    sfree1 <= sfree0 && swap1 == swap0,
	    "MemFree and SwapFree are back (MemFree %lld -> %lld kB besides the slabs' %lld -> %lld kB; slab objects in use %lld -> %lld, free slabs %lld -> %lld; SwapFree %lld -> %lld kB)",
	    free0, free1, slab0, slab1, sobj0, sobj1, sfree0, sfree1, swap0, swap1);
	if (free1 + slab1 != free0 + slab0 || sobj1 != sobj0 || sfree1 > sfree0 || objs || pinned) {
		printf("# meminfo before the run:\n");
		dump_file_text(meminfo0, "#   ");
		printf("# meminfo after:\n");
		dump_file(debugfs_path("meminfo"), "#   ");
		/* Which caches hold the frames the slabs kept. */
		printf("# slabinfo after:\n");
		dump_file(debugfs_path("slabinfo"), "#   ");
	}
	read_vmstat(vm1);
	printf("# vmstat during the run:");
	for (k = 0; k < NR_VMSTAT; k++)
		if (vm0[k] >= 0 && vm1[k] >= 0)
			printf(" %s %lld", vmstat_names[k], vm1[k] - vm0[k]);
	printf("\n");
	print_stats();
	printf("1..%d\n", tap_n);
	printf("# seed %llu\n", (unsigned long long)cfg.seed);
	return tap_failed ? 1 : 0;
}
