/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smmctl: what shadowmm's debugfs files say, one screen at a time.
 *
 * read.c reads a file whole and walks it line by line, naming the file and
 * line of anything it cannot parse; parse.c turns each debugfs file into
 * the structures below; json.c writes JSON; views.c prints the views;
 * top.c is the live view; record.c records counters while a program runs
 * and plots them.
 */
#ifndef _SMMCTL_H
#define _SMMCTL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define ARRAY_SIZE(a)		((int)(sizeof(a) / sizeof((a)[0])))

#define SMM_ORDERS		11	/* buddy orders 0..10, as the module's */
#define SMM_NAME_LEN		64
#define SMM_DEFAULT_ROOT	"/sys/kernel/debug/shadowmm"

/* Exit statuses of smmctl's own (a recorded program's status aside). */
#define SMM_EXIT_ERROR		1	/* not loaded, unreadable or malformed file */
#define SMM_EXIT_USAGE		2	/* bad command line */

/* Options of the command line; each command uses the ones it needs. */
struct smm_opts {
	const char *root;	/* the debugfs directory to read */
	const char *root_from;	/* "--root", "SMMCTL_ROOT" or NULL: the default */
	bool json;
	double interval;	/* seconds; 0: the command's default */
	long count;		/* top: refreshes; 0: until q */
	const char *output;	/* record: CSV file; plot: directory */
};

/* read.c: a file read whole, then handed out one line at a time. */
struct smm_text {
	char path[PATH_MAX];
	char *buf;
	char *next;		/* start of the next line, NULL at the end */
	char *cur;		/* start of the line last handed out */
	int line;		/* number of the line last handed out */
};

int smm_text_open(struct smm_text *t, const char *root, const char *name);
int smm_text_open_path(struct smm_text *t, const char *path);
char *smm_text_line(struct smm_text *t);
int smm_text_err(const struct smm_text *t, const char *fmt, ...);
int smm_text_err_eof(const struct smm_text *t, const char *fmt, ...);
void smm_text_close(struct smm_text *t);
void smm_err(const char *fmt, ...);

/*
 * A cursor over one line: each call skips blanks first and returns false
 * when what it wants is not there, leaving the cursor where it was.
 */
struct smm_scan {
	char *p;
};

bool smm_scan_word(struct smm_scan *s, const char *word);
bool smm_scan_ul(struct smm_scan *s, unsigned long *v);
bool smm_scan_ull(struct smm_scan *s, unsigned long long *v);
bool smm_scan_hex(struct smm_scan *s, unsigned long long *v);
bool smm_scan_long(struct smm_scan *s, long *v);
bool smm_scan_int(struct smm_scan *s, int *v);
bool smm_scan_token(struct smm_scan *s, char *buf, size_t size);
bool smm_scan_end(struct smm_scan *s);
char *smm_scan_rest(struct smm_scan *s);

void *smm_grow(void *array, int *cap, int n, size_t size);

/* parse.c: the files. */

struct smm_region_node {
	int nid;
	unsigned long first_sfn;
	unsigned long last_sfn;
};

struct smm_chunk {
	unsigned long index;
	unsigned long long pfn;
	int nid;
};

struct smm_region {
	bool reserved;			/* backend: reserved, else kernel */
	unsigned long long phys_base;	/* reserved only */
	unsigned long long phys_size;
	unsigned long frames;
	unsigned long present;
	int nr_nodes;
	struct smm_region_node *nodes;	/* nr_nodes of them */
	unsigned long desc_bytes;	/* per frame */
	unsigned long page_size;	/* bytes per frame */
	unsigned long long metadata_bytes;
	unsigned long long metadata_ppm;
	int nr_chunks;
	struct smm_chunk *chunks;
};

struct smm_pageset {
	int cpu;
	unsigned long count;
	unsigned long high;
	unsigned long batch;
};

#define SMM_MAX_PROTECTION	8

struct smm_zone {
	int nid;
	char name[SMM_NAME_LEN];
	unsigned long free;
	unsigned long min;
	unsigned long low;
	unsigned long high;
	unsigned long spanned;
	unsigned long present;
	unsigned long managed;
	int nr_protection;
	unsigned long protection[SMM_MAX_PROTECTION];
	unsigned long nr_free_pages;
	unsigned long nr_free_pcp;
	bool populated;			/* has pagesets and a start_pfn */
	int nr_pagesets;
	struct smm_pageset *pagesets;
	unsigned long start_pfn;
	unsigned long start_sfn;
};

struct smm_zoneinfo {
	int nr;
	struct smm_zone *zones;
};

/* A row of buddyinfo, extfrag_index or unusable_index. */
struct smm_zone_row {
	int nid;
	char name[SMM_NAME_LEN];
	long v[SMM_ORDERS];		/* blocks, or an index in thousandths */
};

struct smm_zone_rows {
	int nr;
	struct smm_zone_row *rows;
};

/* meminfo (values in kB) or vmstat: name and value, in file order. */
struct smm_kv {
	char name[SMM_NAME_LEN];
	unsigned long long value;
};

struct smm_kvs {
	int nr;
	struct smm_kv *kv;
};

struct smm_cache {
	char name[SMM_NAME_LEN];
	unsigned long active_objs;
	unsigned long num_objs;
	unsigned long objsize;
	unsigned long objperslab;
	unsigned long pagesperslab;
	unsigned long limit;
	unsigned long batchcount;
	unsigned long sharedfactor;
	unsigned long active_slabs;
	unsigned long num_slabs;
	unsigned long sharedavail;
	unsigned long long bytes;	/* num_slabs * pagesperslab * page size */
};

struct smm_slabinfo {
	int nr;
	struct smm_cache *caches;
};

struct smm_vma {
	int pid;
	unsigned long long start;
	unsigned long long end;
	char perms[5];
	unsigned long long offset;
	unsigned long minor;
	unsigned long major;
	unsigned long cow;
	unsigned long resident;
};

struct smm_vmas {
	int nr;
	struct smm_vma *vmas;
};

struct smm_swap {
	char backend[16];		/* none, compressed or file */
	char detail[PATH_MAX];		/* the file, or compressor/pool */
	bool has_slots;
	unsigned long slots;
	unsigned long used;
	bool has_stored_bytes;		/* the compressed store only */
	long stored_bytes;
	bool has_corrupt;
	long corrupt;
};

struct smm_ws_bucket {
	unsigned long lo;
	unsigned long hi;
	long refaults;
};

struct smm_ws_node {
	int nid;
	long age;
	long refaults;
	long activated;
	int nr;
	struct smm_ws_bucket *buckets;
};

struct smm_workingset {
	long shadow_only;
	unsigned long shadow_only_max;
	int nr;
	struct smm_ws_node *nodes;
};

int smm_parse_region(const char *root, struct smm_region *r);
int smm_parse_zoneinfo(const char *root, struct smm_zoneinfo *zi);
int smm_parse_zone_rows(const char *root, const char *name, bool index,
			struct smm_zone_rows *zr);
int smm_parse_meminfo(const char *root, struct smm_kvs *kvs);
int smm_parse_vmstat(const char *root, struct smm_kvs *kvs);
int smm_parse_slabinfo(const char *root, unsigned long page_size, struct smm_slabinfo *si);
int smm_parse_vmas(const char *root, struct smm_vmas *v);
int smm_parse_swap(const char *root, struct smm_swap *s);
int smm_parse_workingset(const char *root, struct smm_workingset *ws);

void smm_region_free(struct smm_region *r);
void smm_zoneinfo_free(struct smm_zoneinfo *zi);
void smm_zone_rows_free(struct smm_zone_rows *zr);
void smm_kvs_free(struct smm_kvs *kvs);
void smm_slabinfo_free(struct smm_slabinfo *si);
void smm_vmas_free(struct smm_vmas *v);
void smm_workingset_free(struct smm_workingset *ws);

bool smm_kv_get(const struct smm_kvs *kvs, const char *name, unsigned long long *v);
const char *smm_zone_state(const struct smm_zone *z);
void smm_slab_sort(struct smm_slabinfo *si);

/* json.c: a writer of one value at a time; key NULL inside an array. */
#define SMM_JSON_DEPTH	16

struct smm_json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[SMM_JSON_DEPTH];
};

void smm_json_start(struct smm_json *j, FILE *f, bool pretty);
void smm_json_finish(struct smm_json *j);
void smm_json_object(struct smm_json *j, const char *key);
void smm_json_array(struct smm_json *j, const char *key);
void smm_json_end_object(struct smm_json *j);
void smm_json_end_array(struct smm_json *j);
void smm_json_string(struct smm_json *j, const char *key, const char *s);
void smm_json_uint(struct smm_json *j, const char *key, unsigned long long v);
void smm_json_int(struct smm_json *j, const char *key, long long v);
void smm_json_bool(struct smm_json *j, const char *key, bool v);
void smm_json_null(struct smm_json *j, const char *key);
void smm_json_milli(struct smm_json *j, const char *key, long milli);
void smm_json_real(struct smm_json *j, const char *key, double v, int decimals);
void smm_json_escape(FILE *f, const char *s);

/* views.c: one function per view; each returns an exit status. */
int smm_view_status(const struct smm_opts *o);
int smm_view_buddy(const struct smm_opts *o);
int smm_view_zones(const struct smm_opts *o);
int smm_view_slab(const struct smm_opts *o);
int smm_view_lru(const struct smm_opts *o);
int smm_view_vmas(const struct smm_opts *o);
int smm_view_workingset(const struct smm_opts *o);
int smm_view_swap(const struct smm_opts *o);

/* What status, top and record show of vmstat: fault and reclaim. */
#define SMM_NR_COUNTERS	14
extern const char * const smm_counter_names[SMM_NR_COUNTERS];
bool smm_counter_get(const struct smm_kvs *vm, const char *name, unsigned long long *v);
void smm_json_counters(struct smm_json *j, const char *key, const struct smm_kvs *vm,
		       const char * const *names, int nr);
void smm_json_view(struct smm_json *j, const struct smm_opts *o, const char *view, bool pretty);

/* top.c and record.c */
int smm_top(const struct smm_opts *o);
int smm_record(const struct smm_opts *o, char **argv);
int smm_plot(const struct smm_opts *o, const char *file);

double smm_now(void);

#endif /* _SMMCTL_H */
