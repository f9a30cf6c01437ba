// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl top: the live view.
 *
 * Every interval the screen is cleared and drawn again (plain ANSI: home,
 * clear) from fresh reads of vmstat, meminfo, zoneinfo, slabinfo and swap;
 * rates are the vmstat counters' differences over the time between two
 * reads.  With the terminal on stdin, keys are read one at a time (no
 * canonical mode, no echo): q quits.  Ctrl-C, SIGTERM, SIGHUP and SIGQUIT
 * restore the terminal first and then end the program as the signal would;
 * Ctrl-Z restores it before stopping and takes it again on resume.
 * Signals arrive through a signalfd, so no handler runs in the middle of
 * a redraw.  With --json nothing touches the terminal: one object a line.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "smmctl.h"

#define SMM_TOP_DEFAULT_INTERVAL	1.0
#define SMM_TOP_FIXED_ROWS		23	/* rows drawn above the caches */

struct smm_top_sample {
	double when;
	struct smm_kvs vm;
	struct smm_kvs mem;
	struct smm_zoneinfo zi;
	struct smm_slabinfo si;
	struct smm_swap sw;
};

struct smm_tty {
	bool raw;		/* the terminal is ours: restore it */
	struct termios saved;
};

static void smm_sample_free(struct smm_top_sample *s)
{
	smm_kvs_free(&s->vm);
	smm_kvs_free(&s->mem);
	smm_zoneinfo_free(&s->zi);
	smm_slabinfo_free(&s->si);
}

static int smm_sample_load(const char *root, unsigned long page_size, struct smm_top_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->when = smm_now();
	if (smm_parse_vmstat(root, &s->vm) || smm_parse_meminfo(root, &s->mem) ||
	    smm_parse_zoneinfo(root, &s->zi) || smm_parse_swap(root, &s->sw) ||
	    smm_parse_slabinfo(root, page_size, &s->si)) {
		smm_sample_free(s);
		return -1;
	}
	smm_slab_sort(&s->si);
	return 0;
}

/* A counter's rate per second since @prev: false when unknown. */
static bool smm_rate(const struct smm_top_sample *prev, const struct smm_top_sample *cur,
		     const char *name, double *rate)
{
	unsigned long long a, b;
	double dt;

	if (!prev || !smm_counter_get(&prev->vm, name, &a) ||
	    !smm_counter_get(&cur->vm, name, &b) || b < a)
		return false;
	dt = cur->when - prev->when;
	if (dt <= 0)
		return false;
	*rate = (b - a) / dt;
	return true;
}

static void smm_tty_restore(struct smm_tty *tty)
{
	if (!tty->raw)
		return;
	fputs("\033[?25h", stdout);	/* the cursor back */
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty->saved);
	tty->raw = false;
}

/* Keys one at a time, without echo; signals from the keyboard still work. */
static void smm_tty_take(struct smm_tty *tty)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty->saved))
		return;
	t = tty->saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	tty->raw = true;
	fputs("\033[?25l", stdout);	/* no cursor blinking in the table */
}

static unsigned long long smm_mem_kb(const struct smm_top_sample *s, const char *name)
{
	unsigned long long v = 0;

	smm_kv_get(&s->mem, name, &v);
	return v;
}

static int smm_term_rows(void)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row)
		return ws.ws_row;
	return SMM_TOP_FIXED_ROWS + 5;
}

static void smm_top_text(const struct smm_region *r,
			 const struct smm_top_sample *prev, const struct smm_top_sample *cur,
			 double interval)
{
	int i, caches = smm_term_rows() - SMM_TOP_FIXED_ROWS;
	char clock[16], total[32], rate[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fputs("\033[H\033[2J", stdout);
	printf("smmctl top %s  %s backend, %lu frames, %d node%s  every %.1f s  q quits\n",
	       clock, r->reserved ? "reserved" : "kernel", r->frames, r->nr_nodes,
	       r->nr_nodes == 1 ? "" : "s", interval);
	printf("memory  %llu kB total, %llu kB free, slab %llu kB, objects %llu kB\n",
	       smm_mem_kb(cur, "MemTotal"), smm_mem_kb(cur, "MemFree"), smm_mem_kb(cur, "Slab"),
	       smm_mem_kb(cur, "Objects"));
	printf("lru     active %llu kB, inactive %llu kB, unevictable %llu kB\n",
	       smm_mem_kb(cur, "Active"), smm_mem_kb(cur, "Inactive"),
	       smm_mem_kb(cur, "Unevictable"));
	printf("store   %s%s%s", cur->sw.backend, cur->sw.detail[0] ? " " : "", cur->sw.detail);
	if (cur->sw.has_slots)
		printf(", %lu/%lu slots used", cur->sw.used, cur->sw.slots);
	printf(", SwapFree %llu of %llu kB\n\n", smm_mem_kb(cur, "SwapFree"),
	       smm_mem_kb(cur, "SwapTotal"));

	printf("%-19s %12s %10s   %-19s %12s %10s\n", "EVENT", "TOTAL", "/s", "EVENT", "TOTAL",
	       "/s");
	for (i = 0; i < SMM_NR_COUNTERS; i++) {
		const char *name = smm_counter_names[i];
		unsigned long long v;
		double per_s;

		if (smm_counter_get(&cur->vm, name, &v))
			snprintf(total, sizeof(total), "%llu", v);
		else
			snprintf(total, sizeof(total), "-");
		if (smm_rate(prev, cur, name, &per_s))
			snprintf(rate, sizeof(rate), "%.1f", per_s);
		else
			snprintf(rate, sizeof(rate), "-");
		printf("%-19s %12s %10s%s", name, total, rate, i % 2 ? "\n" : "   ");
	}

	printf("\n%-4s %-8s %9s %8s %8s %8s  %s\n", "NODE", "ZONE", "FREE", "MIN", "LOW", "HIGH",
	       "STATE");
	for (i = 0; i < cur->zi.nr; i++) {
		const struct smm_zone *z = &cur->zi.zones[i];

		printf("%-4d %-8s %9lu %8lu %8lu %8lu  %s\n", z->nid, z->name, z->free, z->min,
		       z->low, z->high, smm_zone_state(z));
	}
	/* The last line ends with no newline: the terminal must not scroll. */
	printf("\n%-24s %10s %9s %9s %8s", "CACHE", "MEMORY", "ACTIVE", "OBJS", "OBJSIZE");
	for (i = 0; i < cur->si.nr && i < caches && cur->si.caches[i].bytes; i++) {
		const struct smm_cache *c = &cur->si.caches[i];

		printf("\n%-24s %7llu kB %9lu %9lu %8lu", c->name, c->bytes / 1024, c->active_objs,
		       c->num_objs, c->objsize);
	}
	fflush(stdout);
}

static void smm_top_json(const struct smm_opts *o, const struct smm_top_sample *prev,
			 const struct smm_top_sample *cur, double start)
{
	struct smm_json j;
	double per_s;
	int i;

	smm_json_view(&j, o, "top", false);
	smm_json_real(&j, "time_s", cur->when - start, 3);
	if (prev)
		smm_json_real(&j, "interval_s", cur->when - prev->when, 3);
	else
		smm_json_null(&j, "interval_s");
	smm_json_object(&j, "memory");
	smm_json_uint(&j, "total_kb", smm_mem_kb(cur, "MemTotal"));
	smm_json_uint(&j, "free_kb", smm_mem_kb(cur, "MemFree"));
	smm_json_uint(&j, "slab_kb", smm_mem_kb(cur, "Slab"));
	smm_json_uint(&j, "active_kb", smm_mem_kb(cur, "Active"));
	smm_json_uint(&j, "inactive_kb", smm_mem_kb(cur, "Inactive"));
	smm_json_uint(&j, "unevictable_kb", smm_mem_kb(cur, "Unevictable"));
	smm_json_uint(&j, "swap_total_kb", smm_mem_kb(cur, "SwapTotal"));
	smm_json_uint(&j, "swap_free_kb", smm_mem_kb(cur, "SwapFree"));
	smm_json_end_object(&j);
	smm_json_array(&j, "zones");
	for (i = 0; i < cur->zi.nr; i++) {
		const struct smm_zone *z = &cur->zi.zones[i];

		smm_json_object(&j, NULL);
		smm_json_int(&j, "node", z->nid);
		smm_json_string(&j, "zone", z->name);
		smm_json_uint(&j, "free", z->free);
		smm_json_uint(&j, "min", z->min);
		smm_json_uint(&j, "low", z->low);
		smm_json_uint(&j, "high", z->high);
		smm_json_string(&j, "state", smm_zone_state(z));
		smm_json_end_object(&j);
	}
	smm_json_end_array(&j);
	smm_json_counters(&j, "counters", &cur->vm, smm_counter_names, SMM_NR_COUNTERS);
	smm_json_object(&j, "rates");
	for (i = 0; i < SMM_NR_COUNTERS; i++) {
		if (smm_rate(prev, cur, smm_counter_names[i], &per_s))
			smm_json_real(&j, smm_counter_names[i], per_s, 1);
		else
			smm_json_null(&j, smm_counter_names[i]);
	}
	smm_json_end_object(&j);
	smm_json_array(&j, "slab_top");
	for (i = 0; i < cur->si.nr && i < 5 && cur->si.caches[i].bytes; i++) {
		smm_json_object(&j, NULL);
		smm_json_string(&j, "name", cur->si.caches[i].name);
		smm_json_uint(&j, "memory_bytes", cur->si.caches[i].bytes);
		smm_json_end_object(&j);
	}
	smm_json_end_array(&j);
	smm_json_end_object(&j);
	smm_json_finish(&j);
}

enum smm_wait {
	SMM_WAIT_TIMEOUT,	/* the interval passed */
	SMM_WAIT_REDRAW,	/* resumed or resized: draw now */
	SMM_WAIT_QUIT,		/* q */
	SMM_WAIT_SIGNAL,	/* a signal to die of: *sig */
};

/* Wait until @deadline for a key or a signal. */
static enum smm_wait smm_top_wait(struct smm_tty *tty, int sfd, double deadline, int *sig)
{
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		double left = deadline - smm_now();
		struct signalfd_siginfo si;
		int n;

		if (left <= 0)
			return SMM_WAIT_TIMEOUT;
		n = poll(fds, tty->raw ? 2 : 1, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			return SMM_WAIT_TIMEOUT;
		if (n <= 0)
			continue;
		if (fds[0].revents & POLLIN &&
		    read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGWINCH)
				return SMM_WAIT_REDRAW;
			if (si.ssi_signo == SIGTSTP) {
				bool raw = tty->raw;

				smm_tty_restore(tty);
				kill(getpid(), SIGSTOP);
				if (raw)
					smm_tty_take(tty);
				return SMM_WAIT_REDRAW;
			}
			*sig = si.ssi_signo;
			return SMM_WAIT_SIGNAL;
		}
		if (tty->raw && fds[1].revents & (POLLIN | POLLHUP)) {
			char keys[32];
			ssize_t k = read(STDIN_FILENO, keys, sizeof(keys));

			if (k == 0 && fds[1].revents & POLLHUP)
				return SMM_WAIT_QUIT;
			while (k-- > 0)
				if (keys[k] == 'q' || keys[k] == 'Q')
					return SMM_WAIT_QUIT;
		}
	}
}

/**
 * smm_top() - the live view
 * @o: the options: interval (default 1 s), count (0: until q), json
 *
 * Return: an exit status; a deadly signal ends the process by that signal,
 * after the terminal is restored.
 */
int smm_top(const struct smm_opts *o)
{
	struct smm_top_sample samples[2], *prev = NULL, *cur;
	double interval = o->interval ? o->interval : SMM_TOP_DEFAULT_INTERVAL;
	struct smm_tty tty = { 0 };
	int ret = 0, sig = 0, sfd;
	struct smm_region r;
	double start, next;
	sigset_t set, old;
	long n = 0;

	if (smm_parse_region(o->root, &r))
		return SMM_EXIT_ERROR;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTSTP);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		smm_err("signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		smm_region_free(&r);
		return SMM_EXIT_ERROR;
	}
	if (!o->json)
		smm_tty_take(&tty);

	start = smm_now();
	next = start;
	for (;;) {
		enum smm_wait w;

		cur = &samples[n % 2];
		if (smm_sample_load(o->root, r.page_size, cur)) {
			smm_tty_restore(&tty);
			ret = SMM_EXIT_ERROR;
			break;
		}
		if (o->json)
			smm_top_json(o, prev, cur, start);
		else
			smm_top_text(&r, prev, cur, interval);
		if (prev)
			smm_sample_free(prev);
		prev = cur;
		n++;
		if (o->count && n >= o->count)
			break;
		next += interval;
		if (next < smm_now())
			next = smm_now() + interval;
		w = smm_top_wait(&tty, sfd, next, &sig);
		if (w == SMM_WAIT_QUIT || w == SMM_WAIT_SIGNAL)
			break;
		if (w == SMM_WAIT_REDRAW)
			next = smm_now();
	}
	if (prev)
		smm_sample_free(prev);
	if (!o->json)
		putchar('\n');
	smm_tty_restore(&tty);
	fflush(stdout);
	close(sfd);
	smm_region_free(&r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (sig) {
		/* Die of it, as without smmctl's terminal to restore. */
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
	}
	return ret;
}
