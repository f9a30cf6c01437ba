// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl: shadowmm's state from its debugfs files.
 *
 *   smmctl [--root DIR] [--json] status|buddy|zones|slab|lru|vmas|workingset|swap
 *   smmctl top [-i SECONDS] [-n COUNT] [--json]
 *   smmctl record -o FILE [-i SECONDS] -- PROGRAM [ARGS...]
 *   smmctl plot FILE [-o DIR]
 *
 * The files are read from /sys/kernel/debug/shadowmm, or from the
 * directory --root or SMMCTL_ROOT names (a recorded snapshot).  Exit
 * status: 0, 1 when shadowmm is not loaded or a file cannot be read or
 * parsed (the message names the file and line), 2 for a bad command line;
 * record exits with the program's status.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smmctl.h"

enum {
	SMM_OPT_JSON = 1 << 0,
	SMM_OPT_INTERVAL = 1 << 1,
	SMM_OPT_COUNT = 1 << 2,
	SMM_OPT_OUTPUT = 1 << 3,
};

static const struct smm_command {
	const char *name;
	int (*view)(const struct smm_opts *o);
	unsigned int opts;		/* the options it takes */
} smm_commands[] = {
	{ "status", smm_view_status, SMM_OPT_JSON },
	{ "buddy", smm_view_buddy, SMM_OPT_JSON },
	{ "zones", smm_view_zones, SMM_OPT_JSON },
	{ "slab", smm_view_slab, SMM_OPT_JSON },
	{ "lru", smm_view_lru, SMM_OPT_JSON },
	{ "vmas", smm_view_vmas, SMM_OPT_JSON },
	{ "workingset", smm_view_workingset, SMM_OPT_JSON },
	{ "swap", smm_view_swap, SMM_OPT_JSON },
	{ "top", NULL, SMM_OPT_JSON | SMM_OPT_INTERVAL | SMM_OPT_COUNT },
	{ "record", NULL, SMM_OPT_INTERVAL | SMM_OPT_OUTPUT },
	{ "plot", NULL, SMM_OPT_OUTPUT },
};

static const char smm_usage[] =
	"usage: smmctl [--root DIR] [--json] COMMAND [OPTIONS]\n"
	"\n"
	"views (each also with --json: one JSON object):\n"
	"  status        one screen: region, zones against their watermarks, LRU, store,\n"
	"                largest slab caches, fault and reclaim counters\n"
	"  buddy         free blocks per order, unusable and fragmentation indexes\n"
	"  zones         every zone's pages, watermarks, protection and pagesets\n"
	"  slab          every slab cache, largest in memory first\n"
	"  lru           LRU list sizes, aging and reclaim counters\n"
	"  vmas          every live mapping of /dev/shadowmm\n"
	"  workingset    refault distances per node, shadow entries\n"
	"  swap          the backing store\n"
	"\n"
	"  top [-i SECONDS] [-n COUNT]\n"
	"                live view every SECONDS (default 1) with rates per second;\n"
	"                q or Ctrl-C quits; --json: one JSON object per line each time\n"
	"  record -o FILE [-i SECONDS] -- PROGRAM [ARGS...]\n"
	"                run PROGRAM, write the counters every SECONDS (default 1) to the\n"
	"                CSV FILE until it exits; exits with PROGRAM's status\n"
	"  plot FILE [-o DIR]\n"
	"                gnuplot scripts and PNGs of a recording (DIR: FILE's directory)\n"
	"\n"
	"options:\n"
	"  -r, --root DIR        read the files from DIR, e.g. a recorded snapshot\n"
	"                        (default $SMMCTL_ROOT, else " SMM_DEFAULT_ROOT ")\n"
	"  -j, --json            JSON instead of text\n"
	"  -i, --interval SECS   seconds between refreshes or samples, e.g. 0.5\n"
	"  -n, --count N         top: stop after N refreshes\n"
	"  -o, --output PATH     record: the CSV file; plot: the directory\n"
	"  -h, --help            this text\n"
	"\n"
	"exit status: 0; 1 shadowmm not loaded, a file unreadable or malformed; 2 bad usage\n";

static int smm_bad_usage(const char *fmt, const char *arg)
{
	fputs("smmctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(smmctl --help for usage)\n", stderr);
	return SMM_EXIT_USAGE;
}

/* The debugfs directory is there, or say why not. */
static int smm_check_root(const struct smm_opts *o)
{
	struct stat st;
	int err;

	if (stat(o->root, &st))
		err = errno;
	else if (!S_ISDIR(st.st_mode))
		err = ENOTDIR;
	else
		return 0;
	/* debugfs is root's alone (0700): not a sign of a missing mount. */
	if (err == EACCES && !o->root_from)
		smm_err("%s: permission denied: run smmctl as root (debugfs is for root only)",
			o->root);
	else if (err == EACCES)
		smm_err("%s: permission denied (given by %s)", o->root, o->root_from);
	else if (!o->root_from && !stat("/sys/module/shadowmm", &st))
		smm_err("shadowmm is loaded but %s is not there: mount debugfs (a kernel booted with debugfs=off has none)",
			o->root);
	else if (!o->root_from)
		smm_err("shadowmm is not loaded (no %s): load it with insmod shadowmm.ko, and mount debugfs",
			o->root);
	else if (err == ENOENT)
		smm_err("%s: no such directory (given by %s)", o->root, o->root_from);
	else if (err == ENOTDIR)
		smm_err("%s: not a directory (given by %s)", o->root, o->root_from);
	else
		smm_err("%s: %s (given by %s)", o->root, strerror(err), o->root_from);
	return SMM_EXIT_ERROR;
}

static int smm_parse_interval(const char *arg, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(*v) || *v < 0.01 || *v > 86400)
		return smm_bad_usage("-i %s: expected seconds from 0.01 to 86400", arg);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct smm_command *cmd = NULL;
	struct smm_opts o = { 0 };
	unsigned int given = 0;
	const char *env;
	int i, c;

	env = getenv("SMMCTL_ROOT");
	if (env && *env) {
		o.root = env;
		o.root_from = "SMMCTL_ROOT";
	} else {
		o.root = SMM_DEFAULT_ROOT;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:ji:n:o:h", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'r':
			o.root = optarg;
			o.root_from = "--root";
			break;
		case 'j':
			o.json = true;
			given |= SMM_OPT_JSON;
			break;
		case 'i':
			if (smm_parse_interval(optarg, &o.interval))
				return SMM_EXIT_USAGE;
			given |= SMM_OPT_INTERVAL;
			break;
		case 'n':
			errno = 0;
			o.count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.count < 1)
				return smm_bad_usage("-n %s: expected a count of 1 or more", optarg);
			given |= SMM_OPT_COUNT;
			break;
		case 'o':
			o.output = optarg;
			given |= SMM_OPT_OUTPUT;
			break;
		case 'h':
			fputs(smm_usage, stdout);
			return 0;
		default:
			if (optopt && strchr("rino", optopt)) {
				fprintf(stderr, "smmctl: -%c needs a value\n", optopt);
				return smm_bad_usage("%s", "a program's own options go after \"--\"");
			}
			return smm_bad_usage("%s: unknown option (a program's options go after \"--\")",
					     argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return smm_bad_usage("%s", "no command given");
	for (i = 0; i < ARRAY_SIZE(smm_commands); i++)
		if (!strcmp(argv[optind], smm_commands[i].name))
			cmd = &smm_commands[i];
	if (!cmd)
		return smm_bad_usage("%s: unknown command", argv[optind]);
	if (given & ~cmd->opts) {
		static const char * const names[] = { "--json", "-i", "-n", "-o" };

		for (i = 0; i < 4; i++)
			if (given & ~cmd->opts & (1u << i))
				break;
		fprintf(stderr, "smmctl: %s does not take %s\n", cmd->name, names[i]);
		return smm_bad_usage("%s", "wrong option for the command");
	}
	optind++;

	if (!strcmp(cmd->name, "plot")) {
		if (optind != argc - 1)
			return smm_bad_usage("%s", "plot takes one recording: plot FILE [-o DIR]");
		return smm_plot(&o, argv[optind]);
	}
	if (!strcmp(cmd->name, "record")) {
		if (!o.output)
			return smm_bad_usage("%s", "record needs -o FILE");
		if (optind >= argc)
			return smm_bad_usage("%s", "record needs a program: record -o FILE -- PROGRAM [ARGS...]");
		if (smm_check_root(&o))
			return SMM_EXIT_ERROR;
		return smm_record(&o, argv + optind);
	}
	if (optind < argc)
		return smm_bad_usage("%s: unexpected argument", argv[optind]);
	if (smm_check_root(&o))
		return SMM_EXIT_ERROR;
	if (!strcmp(cmd->name, "top"))
		return smm_top(&o);
	return cmd->view(&o);
}
