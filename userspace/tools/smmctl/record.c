// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl record and plot.
 *
 * record runs a program and samples meminfo, vmstat and buddyinfo when it
 * starts, every interval while it runs, and once more when it has exited,
 * one CSV row a sample (README.md, "smmctl", lists the columns).  The
 * program gets the terminal and its signals: smmctl ignores Ctrl-C and
 * Ctrl-\ while it waits, as a shell running a command does, so the last
 * sample is always taken and the file complete.
 *
 * plot turns such a file into whitespace-separated data, gnuplot scripts
 * and PNGs: free blocks per order, the LRU lists and the store's use, and
 * the fault and reclaim rates, all over time.
 *
 * Both are run as root, often on a file in a directory others can write
 * (/tmp): a name planted there must not become a write through a link or
 * a script gnuplot runs.  record refuses a link or any file but a regular
 * one; plot writes everything into a directory of its own first, runs
 * gnuplot there, and renames the files into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smmctl.h"

#define SMM_RECORD_DEFAULT_INTERVAL	1.0

/* The meminfo lines a row holds, and their columns. */
static const char * const smm_csv_mem[][2] = {
	{ "MemFree", "mem_free_kb" },
	{ "Active", "active_kb" },
	{ "Inactive", "inactive_kb" },
	{ "Unevictable", "unevictable_kb" },
	{ "SwapTotal", "swap_total_kb" },
	{ "SwapFree", "swap_free_kb" },
};

#define SMM_CSV_NR_MEM	ARRAY_SIZE(smm_csv_mem)

struct smm_recorder {
	const char *root;
	FILE *f;
	double start;
	struct smm_zone_rows zones;	/* the first sample's: every row has them */
	long samples;
};

static void smm_csv_header(struct smm_recorder *rec)
{
	int i, o;

	fputs("time_s", rec->f);
	for (i = 0; i < SMM_CSV_NR_MEM; i++)
		fprintf(rec->f, ",%s", smm_csv_mem[i][1]);
	for (i = 0; i < SMM_NR_COUNTERS; i++)
		fprintf(rec->f, ",%s", smm_counter_names[i]);
	for (o = 0; o < SMM_ORDERS; o++)
		fprintf(rec->f, ",free_o%d", o);
	for (i = 0; i < rec->zones.nr; i++)
		for (o = 0; o < SMM_ORDERS; o++)
			fprintf(rec->f, ",n%d_%s_o%d", rec->zones.rows[i].nid,
				rec->zones.rows[i].name, o);
	fputc('\n', rec->f);
}

/* One row; the first also fixes the zones and writes the header. */
static int smm_record_sample(struct smm_recorder *rec)
{
	struct smm_kvs mem = { 0 }, vm = { 0 };
	long total[SMM_ORDERS] = { 0 };
	struct smm_zone_rows bi = { 0 };
	double when = smm_now();
	unsigned long long v;
	int ret = -1, i, o;

	if (smm_parse_meminfo(rec->root, &mem) || smm_parse_vmstat(rec->root, &vm) ||
	    smm_parse_zone_rows(rec->root, "buddyinfo", false, &bi))
		goto out;
	if (!rec->samples) {
		rec->zones = bi;
		memset(&bi, 0, sizeof(bi));
		rec->start = when;
		smm_csv_header(rec);
	} else {
		bool same = bi.nr == rec->zones.nr;

		for (i = 0; same && i < bi.nr; i++)
			same = bi.rows[i].nid == rec->zones.rows[i].nid &&
			       !strcmp(bi.rows[i].name, rec->zones.rows[i].name);
		if (!same) {
			smm_err("%s/buddyinfo: its zones changed since the first sample (module reloaded?)",
				rec->root);
			goto out;
		}
	}
	fprintf(rec->f, "%.3f", when - rec->start);
	for (i = 0; i < SMM_CSV_NR_MEM; i++) {
		v = 0;
		smm_kv_get(&mem, smm_csv_mem[i][0], &v);
		fprintf(rec->f, ",%llu", v);
	}
	for (i = 0; i < SMM_NR_COUNTERS; i++) {
		if (smm_counter_get(&vm, smm_counter_names[i], &v))
			fprintf(rec->f, ",%llu", v);
		else
			fputs(",", rec->f);
	}
	{
		const struct smm_zone_rows *rows = rec->samples ? &bi : &rec->zones;

		for (i = 0; i < rows->nr; i++)
			for (o = 0; o < SMM_ORDERS; o++)
				total[o] += rows->rows[i].v[o];
		for (o = 0; o < SMM_ORDERS; o++)
			fprintf(rec->f, ",%ld", total[o]);
		for (i = 0; i < rows->nr; i++)
			for (o = 0; o < SMM_ORDERS; o++)
				fprintf(rec->f, ",%ld", rows->rows[i].v[o]);
	}
	fputc('\n', rec->f);
	fflush(rec->f);
	rec->samples++;
	ret = 0;
out:
	smm_kvs_free(&mem);
	smm_kvs_free(&vm);
	smm_zone_rows_free(&bi);
	return ret;
}

/* The child: the signals as smmctl found them, then the program. */
static void smm_record_exec(char **argv, const sigset_t *old)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "smmctl: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * The CSV, made or emptied, but never through a symbolic link (O_NOFOLLOW)
 * and never a FIFO, a device or a file with another name (a hard link):
 * each is checked before anything is truncated, which O_TRUNC would do on
 * open.  O_NONBLOCK: a FIFO without a reader fails the open, not hangs it.
 */
static FILE *smm_record_open(const char *path)
{
	struct stat st;
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == ELOOP)
			smm_err("%s: a symbolic link: refusing to write through it", path);
		else if (errno == ENXIO)
			smm_err("%s: not a regular file: refusing to write it", path);
		else
			smm_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		smm_err("%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		smm_err("%s: not a regular file: refusing to write it", path);
	} else if (st.st_nlink != 1) {
		smm_err("%s: another name links to it: refusing to empty it", path);
	} else if (ftruncate(fd, 0) || fcntl(fd, F_SETFL, 0)) {	/* O_NONBLOCK off */
		smm_err("%s: %s", path, strerror(errno));
	} else {
		f = fdopen(fd, "w");
		if (f)
			return f;
		smm_err("%s: %s", path, strerror(errno));
	}
	close(fd);
	return NULL;
}

/**
 * smm_record() - run a program and sample the counters while it runs
 * @o: the options: output (the CSV file), interval (default 1 s)
 * @argv: the program and its arguments
 *
 * Return: the program's exit status (128 + the signal that killed it,
 * 127 when it could not be started), or 1 when the file could not be
 * written or a sample read (the program still runs to its end).
 */
int smm_record(const struct smm_opts *o, char **argv)
{
	double interval = o->interval ? o->interval : SMM_RECORD_DEFAULT_INTERVAL;
	struct smm_recorder rec = { .root = o->root };
	bool sampling = true;
	sigset_t chld, old;
	double next;
	int status, ret;
	pid_t pid;

	rec.f = smm_record_open(o->output);
	if (!rec.f)
		return SMM_EXIT_ERROR;
	if (smm_record_sample(&rec)) {
		fclose(rec.f);
		return SMM_EXIT_ERROR;
	}

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		smm_err("fork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		fclose(rec.f);
		return SMM_EXIT_ERROR;
	}
	if (pid == 0)
		smm_record_exec(argv, &old);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);

	next = rec.start + interval;
	for (;;) {
		double left = next - smm_now();

		if (left > 0) {
			struct timespec ts;

			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
			if (sigtimedwait(&chld, NULL, &ts) == SIGCHLD) {
				pid_t done = waitpid(pid, &status, WNOHANG);

				if (done == pid)
					break;
				if (done < 0) {
					smm_err("waitpid: %s", strerror(errno));
					status = -1;
					break;
				}
				continue;	/* it stopped, or was continued */
			}
			if (errno != EAGAIN)
				continue;	/* EINTR */
		}
		/* The interval passed. */
		if (sampling && smm_record_sample(&rec))
			sampling = false;
		next += interval;
		if (next < smm_now())
			next = smm_now() + interval;
	}
	if (sampling && smm_record_sample(&rec))
		sampling = false;
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);

	if (status == -1)
		ret = SMM_EXIT_ERROR;
	else if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = SMM_EXIT_ERROR;
	if (ferror(rec.f) | fclose(rec.f)) {
		smm_err("%s: write failed: %s", o->output, strerror(errno));
		sampling = false;
	}
	fprintf(stderr, "smmctl: %ld samples over %.1f s in %s\n", rec.samples,
		smm_now() - rec.start, o->output);
	smm_zone_rows_free(&rec.zones);
	if (!sampling)
		return SMM_EXIT_ERROR;
	return ret;
}

/* A recording read back: its header and rows of numbers. */
struct smm_csv {
	int nr_cols;
	char **cols;
	int nr_rows;
	double *v;		/* nr_rows * nr_cols, NAN for an empty field */
};

static void smm_csv_free(struct smm_csv *c)
{
	int i;

	for (i = 0; i < c->nr_cols; i++)
		free(c->cols[i]);
	free(c->cols);
	free(c->v);
}

static int smm_csv_read(const char *file, struct smm_csv *c)
{
	int cap_cols = 0, cap_v = 0, n = 0;
	struct smm_text t;
	char *line, *field, *save;

	memset(c, 0, sizeof(*c));
	if (smm_text_open_path(&t, file))
		return -1;
	line = smm_text_line(&t);
	if (!line) {
		smm_text_err_eof(&t, "no header line: not a recording of smmctl record");
		goto fail;
	}
	for (field = strtok_r(line, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
		c->cols = smm_grow(c->cols, &cap_cols, c->nr_cols, sizeof(*c->cols));
		c->cols[c->nr_cols] = strdup(field);
		if (!c->cols[c->nr_cols++]) {
			smm_err("out of memory");
			goto fail;
		}
	}
	if (!c->nr_cols || strcmp(c->cols[0], "time_s")) {
		smm_text_err(&t, "the header does not start with time_s: not a recording of smmctl record");
		goto fail;
	}
	while ((line = smm_text_line(&t))) {
		char *p = line;
		int k;

		for (k = 0; k < c->nr_cols; k++) {
			size_t len = strcspn(p, ",");
			char *end;

			c->v = smm_grow(c->v, &cap_v, n, sizeof(*c->v));
			if (!len) {
				c->v[n++] = NAN;
			} else {
				errno = 0;
				c->v[n++] = strtod(p, &end);
				if (errno || end != p + len) {
					smm_text_err(&t, "field %d (%s) is not a number", k + 1,
						     c->cols[k]);
					goto fail;
				}
			}
			p += len;
			if (k + 1 < c->nr_cols && *p != ',') {
				smm_text_err(&t, "%d fields, the header has %d", k + 1, c->nr_cols);
				goto fail;
			}
			if (*p == ',')
				p++;
		}
		if (*p || p[-1] == ',') {
			smm_text_err(&t, "more fields than the header's %d", c->nr_cols);
			goto fail;
		}
		c->nr_rows++;
	}
	if (c->nr_rows < 2) {
		smm_text_err_eof(&t, "%d sample%s: two at least are needed for a plot over time",
				 c->nr_rows, c->nr_rows == 1 ? "" : "s");
		goto fail;
	}
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_csv_free(c);
	return -1;
}

static int smm_csv_col(const struct smm_csv *c, const char *file, const char *name)
{
	int k;

	for (k = 0; k < c->nr_cols; k++)
		if (!strcmp(c->cols[k], name))
			return k;
	smm_err("%s:1: no column \"%s\": not a recording of smmctl record", file, name);
	return -1;
}

static double smm_csv_at(const struct smm_csv *c, int row, int col)
{
	return c->v[row * c->nr_cols + col];
}

/* A new file in plot's own directory: O_EXCL, nothing there is reused. */
static FILE *smm_plot_open(const char *dir, const char *name, char *path)
{
	FILE *f = NULL;
	int fd;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		f = fdopen(fd, "w");
		if (!f)
			close(fd);
	}
	if (!f)
		smm_err("%s: %s", path, strerror(errno));
	return f;
}

static int smm_plot_close(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f)) {
		smm_err("%s: write failed", path);
		return -1;
	}
	return 0;
}

static void smm_dat_value(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN", f);
	else
		fprintf(f, " %.3f", v);
}

/* A gnuplot single-quoted string: quotes doubled, nothing else special. */
static void smm_gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* Terminal, output, labels; the title is in page_title for the plots. */
static void smm_gp_head(FILE *f, const char *png, const char *title, const char *source,
			const char *ylabel)
{
	char t[PATH_MAX + 128];

	fputs("# made by smmctl plot; run in this directory: gnuplot FILE.gp\n", f);
	fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n", f);
	fputs("\tset terminal pngcairo size 1000,600\n} else {\n", f);
	fputs("\tset terminal png size 1000,600\n}\n", f);
	fprintf(f, "set output '%s'\npage_title = ", png);
	snprintf(t, sizeof(t), "%s (%s)", title, source);
	smm_gp_string(f, t);
	fprintf(f, "\nset xlabel 'seconds'\nset ylabel '%s'\n", ylabel);
	fputs("set grid\nset key outside right top\nset yrange [0:*]\n", f);
}

/* buddy.dat and buddy.gp: free blocks of each order, over time. */
static int smm_plot_buddy(const struct smm_csv *c, const char *file, const char *dir,
			  const char *source)
{
	char path[PATH_MAX], name[16];
	int col[SMM_ORDERS], r, o;
	FILE *f;

	for (o = 0; o < SMM_ORDERS; o++) {
		snprintf(name, sizeof(name), "free_o%d", o);
		col[o] = smm_csv_col(c, file, name);
		if (col[o] < 0)
			return -1;
	}
	f = smm_plot_open(dir, "buddy.dat", path);
	if (!f)
		return -1;
	fputs("# time_s free blocks of order 0..10 (all zones)\n", f);
	for (r = 0; r < c->nr_rows; r++) {
		fprintf(f, "%.3f", smm_csv_at(c, r, 0));
		for (o = 0; o < SMM_ORDERS; o++)
			smm_dat_value(f, smm_csv_at(c, r, col[o]));
		fputc('\n', f);
	}
	if (smm_plot_close(f, path))
		return -1;
	f = smm_plot_open(dir, "buddy.gp", path);
	if (!f)
		return -1;
	smm_gp_head(f, "buddy.png", "shadowmm: free blocks per order, all zones", source,
		    "free blocks");
	fputs("set title page_title noenhanced\n", f);
	/* Eight colours, then dashes: every order a line of its own look. */
	fputs("set for [t=9:11] linetype t lc (t - 8) dashtype 2\n", f);
	fprintf(f, "plot for [o=0:%d] 'buddy.dat' using 1:(column(o + 2)) with lines lt (o + 1) lw 2 title sprintf('order %%d', o)\n",
		SMM_ORDERS - 1);
	return smm_plot_close(f, path);
}

/* lru.dat and lru.gp: the lists and the store's use, over time. */
static int smm_plot_lru(const struct smm_csv *c, const char *file, const char *dir,
			const char *source)
{
	static const char * const names[] = {
		"active_kb", "inactive_kb", "unevictable_kb", "swap_total_kb", "swap_free_kb",
	};
	char path[PATH_MAX];
	int col[5], r, k;
	FILE *f;

	for (k = 0; k < 5; k++) {
		col[k] = smm_csv_col(c, file, names[k]);
		if (col[k] < 0)
			return -1;
	}
	f = smm_plot_open(dir, "lru.dat", path);
	if (!f)
		return -1;
	fputs("# time_s active_kb inactive_kb unevictable_kb store_used_kb\n", f);
	for (r = 0; r < c->nr_rows; r++) {
		fprintf(f, "%.3f", smm_csv_at(c, r, 0));
		for (k = 0; k < 3; k++)
			smm_dat_value(f, smm_csv_at(c, r, col[k]));
		smm_dat_value(f, smm_csv_at(c, r, col[3]) - smm_csv_at(c, r, col[4]));
		fputc('\n', f);
	}
	if (smm_plot_close(f, path))
		return -1;
	f = smm_plot_open(dir, "lru.gp", path);
	if (!f)
		return -1;
	smm_gp_head(f, "lru.png", "shadowmm: LRU lists and store use", source, "kB");
	fputs("set title page_title noenhanced\n", f);
	fputs("plot 'lru.dat' using 1:2 with lines lw 2 title 'active', \\\n", f);
	fputs("     '' using 1:3 with lines lw 2 title 'inactive', \\\n", f);
	fputs("     '' using 1:4 with lines lw 2 title 'unevictable', \\\n", f);
	fputs("     '' using 1:5 with lines lw 2 title 'store used'\n", f);
	return smm_plot_close(f, path);
}

/* rates.dat and rates.gp: faults and reclaim per second, over time. */
static int smm_plot_rates(const struct smm_csv *c, const char *file, const char *dir,
			  const char *source)
{
	/* Each rate is the sum of one or two counters. */
	static const char * const rates[][2] = {
		{ "pgfault", NULL }, { "pgmajfault", NULL },
		{ "pgscan_kswapd", "pgscan_direct" }, { "pgsteal_kswapd", "pgsteal_direct" },
		{ "pswpin", NULL }, { "pswpout", NULL },
	};
	int col[6][2], r, k, h;
	char path[PATH_MAX];
	FILE *f;

	for (k = 0; k < 6; k++) {
		for (h = 0; h < 2; h++) {
			col[k][h] = rates[k][h] ? smm_csv_col(c, file, rates[k][h]) : -2;
			if (col[k][h] == -1)
				return -1;
		}
	}
	f = smm_plot_open(dir, "rates.dat", path);
	if (!f)
		return -1;
	fputs("# time_s per second since the sample before: pgfault pgmajfault pgscan pgsteal pswpin pswpout\n",
	      f);
	for (r = 1; r < c->nr_rows; r++) {
		double dt = smm_csv_at(c, r, 0) - smm_csv_at(c, r - 1, 0);

		fprintf(f, "%.3f", smm_csv_at(c, r, 0));
		for (k = 0; k < 6; k++) {
			double d = 0;

			for (h = 0; h < 2; h++)
				if (col[k][h] >= 0)
					d += smm_csv_at(c, r, col[k][h]) -
					     smm_csv_at(c, r - 1, col[k][h]);
			/* Unknown, or a counter went back: the module was reloaded. */
			smm_dat_value(f, dt > 0 && d >= 0 ? d / dt : NAN);
		}
		fputc('\n', f);
	}
	if (smm_plot_close(f, path))
		return -1;
	f = smm_plot_open(dir, "rates.gp", path);
	if (!f)
		return -1;
	smm_gp_head(f, "rates.png", "shadowmm: faults and reclaim", source, "per second");
	fputs("set multiplot layout 2,1 title page_title noenhanced\n", f);
	fputs("set title 'faults'\nunset xlabel\nset key inside left top opaque\nset lmargin 10\n", f);
	fputs("plot 'rates.dat' using 1:2 with lines lw 2 title 'pgfault', \\\n", f);
	fputs("     '' using 1:3 with lines lw 2 title 'pgmajfault'\n", f);
	fputs("set title 'reclaim and the store'\nset xlabel 'seconds'\n", f);
	fputs("plot 'rates.dat' using 1:4 with lines lw 2 title 'pgscan (kswapd + direct)', \\\n", f);
	fputs("     '' using 1:5 with lines lw 2 title 'pgsteal (kswapd + direct)', \\\n", f);
	fputs("     '' using 1:6 with lines lw 2 title 'pswpin', \\\n", f);
	fputs("     '' using 1:7 with lines lw 2 title 'pswpout'\n", f);
	fputs("unset multiplot\n", f);
	return smm_plot_close(f, path);
}

static bool smm_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, len ? path : ".", prog);
		if (!access(buf, X_OK))
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

/*
 * gnuplot on one script in @work, plot's own directory; @dir, where the
 * files go, for the message.  Ctrl-C and Ctrl-\ are gnuplot's meanwhile,
 * as a shell leaves them to the command it runs: smmctl stays to remove
 * its directory.
 */
static int smm_gnuplot(const char *work, const char *dir, const char *script)
{
	sighandler_t old_int, old_quit;
	int status, ret = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		smm_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (chdir(work)) {
			fprintf(stderr, "smmctl: %s: %s\n", work, strerror(errno));
			_exit(127);
		}
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		fprintf(stderr, "smmctl: cannot run gnuplot: %s\n", strerror(errno));
		_exit(127);
	}
	old_int = signal(SIGINT, SIG_IGN);
	old_quit = signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			smm_err("waitpid: %s", strerror(errno));
			ret = -1;
			break;
		}
	}
	signal(SIGINT, old_int);
	signal(SIGQUIT, old_quit);
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		smm_err("gnuplot failed on %s/%s", dir, script);
		ret = -1;
	}
	return ret;
}

/* What plot makes, scripts and data first, as they are written. */
static const char * const smm_plot_files[] = {
	"buddy.dat", "buddy.gp", "lru.dat", "lru.gp", "rates.dat", "rates.gp",
	"buddy.png", "lru.png", "rates.png",
};

/* The data and scripts, gnuplot's input. */
#define SMM_PLOT_NR_INPUTS	6

/*
 * The files in @work renamed into @dir (the first @nr of smm_plot_files;
 * one gnuplot did not make is left out), then @work removed with whatever
 * is left in it.  A rename replaces the name: whatever had it, a link or
 * another user's file, is never written through or reused.
 */
static int smm_plot_finish(const char *work, const char *dir, int nr)
{
	char from[PATH_MAX], to[PATH_MAX];
	int ret = 0, i;

	for (i = 0; i < ARRAY_SIZE(smm_plot_files); i++) {
		/* Both fit: smm_plot() left room in work, longer than dir. */
		if (snprintf(from, sizeof(from), "%s/%s", work, smm_plot_files[i]) >= sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", dir, smm_plot_files[i]) >= sizeof(to))
			continue;
		if (i < nr && !rename(from, to))
			continue;
		if (i < nr && errno != ENOENT) {
			smm_err("%s: %s", to, strerror(errno));
			ret = -1;
		}
		if (unlink(from) && errno != ENOENT) {
			smm_err("%s: %s", from, strerror(errno));
			ret = -1;
		}
	}
	if (rmdir(work)) {
		smm_err("%s: %s", work, strerror(errno));
		ret = -1;
	}
	return ret;
}

/*
 * Whether someone else may rename entries of @dir: its owner when that is
 * another user, its group or everyone when they may write it, unless the
 * sticky bit keeps them to their own entries (and we or root own it).
 * Such a user could swap plot's own directory for one of theirs between
 * two steps, and gnuplot would run their script: plot refuses the
 * directory instead (exit 1), as it says.
 */
static int smm_plot_dir_shared(const char *dir)
{
	uid_t me = geteuid();
	struct stat st;
	bool others;

	if (stat(dir, &st)) {
		smm_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	/* 0020: the group may write; 0002: everyone may. */
	others = (st.st_uid != me && st.st_uid != 0) ||
		 ((st.st_mode & 0020) && st.st_gid != 0) || (st.st_mode & 0002);
	if (!others || ((st.st_mode & S_ISVTX) && (st.st_uid == me || st.st_uid == 0)))
		return 0;
	smm_err("%s: other users may rename its entries (not sticky, or not ours): refusing to plot into it",
		dir);
	return -1;
}

/**
 * smm_plot() - data, gnuplot scripts and PNGs of a recording
 * @o: the options: output, the directory (default: the recording's)
 * @file: the CSV smm_record() wrote
 *
 * Everything is written in a directory of plot's own made in the output
 * directory (mkdtemp(): mode 0700, a name nobody could plant beforehand),
 * and gnuplot runs there; the files are then renamed into the output
 * directory and plot's own removed, whatever failed.
 *
 * Return: an exit status: 1 when the file is unreadable or not such a
 * recording, a file cannot be written, gnuplot is missing or fails.
 */
int smm_plot(const struct smm_opts *o, const char *file)
{
	static const char * const scripts[] = { "buddy.gp", "lru.gp", "rates.gp" };
	char fcopy[PATH_MAX], dcopy[PATH_MAX], work[PATH_MAX];
	int made = SMM_PLOT_NR_INPUTS, ret = SMM_EXIT_ERROR;
	const char *dir, *source;
	struct smm_csv c;
	struct stat st;
	int i;

	if (smm_csv_read(file, &c))
		return SMM_EXIT_ERROR;
	snprintf(fcopy, sizeof(fcopy), "%s", file);
	snprintf(dcopy, sizeof(dcopy), "%s", file);
	source = basename(fcopy);
	dir = o->output ? o->output : dirname(dcopy);
	if (stat(dir, &st) && errno == ENOENT && mkdir(dir, 0777)) {
		smm_err("%s: %s", dir, strerror(errno));
		smm_csv_free(&c);
		return SMM_EXIT_ERROR;
	}
	if (smm_plot_dir_shared(dir)) {
		smm_csv_free(&c);
		return SMM_EXIT_ERROR;
	}
	/* Room left for "/rates.png" and the like. */
	if (snprintf(work, sizeof(work), "%s/.smmctl-plot-XXXXXX", dir) >= sizeof(work) - 16) {
		smm_err("%s: %s", dir, strerror(ENAMETOOLONG));
		smm_csv_free(&c);
		return SMM_EXIT_ERROR;
	}
	if (!mkdtemp(work)) {
		smm_err("%s: cannot make a directory in it: %s", dir, strerror(errno));
		smm_csv_free(&c);
		return SMM_EXIT_ERROR;
	}
	if (smm_plot_buddy(&c, file, work, source) || smm_plot_lru(&c, file, work, source) ||
	    smm_plot_rates(&c, file, work, source)) {
		made = 0;
		goto out;
	}
	if (!smm_in_path("gnuplot")) {
		smm_err("gnuplot is not installed (not found in PATH): install it (Debian: apt-get install gnuplot-nox), then run \"gnuplot buddy.gp\", \"gnuplot lru.gp\" and \"gnuplot rates.gp\" in %s",
			dir);
		goto out;
	}
	made = ARRAY_SIZE(smm_plot_files);
	for (i = 0; i < ARRAY_SIZE(scripts); i++)
		if (smm_gnuplot(work, dir, scripts[i]))
			goto out;
	ret = 0;
out:
	smm_csv_free(&c);
	if (smm_plot_finish(work, dir, made))
		ret = SMM_EXIT_ERROR;
	if (ret)
		return ret;
	printf("%s/buddy.png: free blocks per order\n", dir);
	printf("%s/lru.png: LRU lists and store use\n", dir);
	printf("%s/rates.png: fault and reclaim rates\n", dir);
	return 0;
}
