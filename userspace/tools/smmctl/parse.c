// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl: the debugfs files, parsed.
 *
 * Each parser knows the exact lines module/debugfs.c (and slab_debugfs.c,
 * vma.c, swap.c, workingset.c) print and refuses anything else, naming the
 * file and line: a format that changed is reported, never misread.  Only
 * meminfo and vmstat, lists of names and values that grow, take names
 * they do not know.
 */
#include <stdlib.h>
#include <string.h>

#include "smmctl.h"

/* "Node N, zone NAME": the start of a zoneinfo block and of an order row. */
static bool smm_scan_zone_head(struct smm_scan *s, int *nid, char *name)
{
	return smm_scan_word(s, "Node") && smm_scan_int(s, nid) && smm_scan_word(s, ",") &&
	       smm_scan_word(s, "zone") && smm_scan_token(s, name, SMM_NAME_LEN);
}

/* "key: N" and "key N" lines: the whole line or nothing. */
static bool smm_scan_key_ul(char *line, const char *key, unsigned long *v)
{
	struct smm_scan s = { line };

	return smm_scan_word(&s, key) && smm_scan_ul(&s, v) && smm_scan_end(&s);
}

static bool smm_scan_key_ull(char *line, const char *key, unsigned long long *v)
{
	struct smm_scan s = { line };

	return smm_scan_word(&s, key) && smm_scan_ull(&s, v) && smm_scan_end(&s);
}

static bool smm_scan_key_long(char *line, const char *key, long *v)
{
	struct smm_scan s = { line };

	return smm_scan_word(&s, key) && smm_scan_long(&s, v) && smm_scan_end(&s);
}

/* Does @line start with the word @key?  Then it must parse as such. */
static bool smm_is_key(char *line, const char *key)
{
	struct smm_scan s = { line };

	return smm_scan_word(&s, key);
}

/* region: where the memory came from, nodes, descriptor cost, chunks. */

enum {
	SMM_R_BACKEND = 1 << 0,
	SMM_R_FRAMES = 1 << 1,
	SMM_R_PRESENT = 1 << 2,
	SMM_R_NODES = 1 << 3,
	SMM_R_DESC = 1 << 4,
	SMM_R_META = 1 << 5,
	SMM_R_PPM = 1 << 6,
	SMM_R_CHUNKS = 1 << 7,
	SMM_R_ALL = (1 << 8) - 1,
};

static const char * const smm_region_keys[] = {
	"backend:", "frames:", "present:", "nodes:", "descriptor:", "metadata:",
	"metadata_ppm:", "chunks:",
};

static int smm_region_line(struct smm_text *t, char *line, struct smm_region *r,
			   unsigned int *seen, int *nodes, int *cap_nodes, int *cap_chunks)
{
	struct smm_scan s = { line };
	unsigned long long v;

	if (*seen & SMM_R_CHUNKS) {
		struct smm_chunk *c;

		r->chunks = smm_grow(r->chunks, cap_chunks, r->nr_chunks, sizeof(*c));
		c = &r->chunks[r->nr_chunks];
		if (!smm_scan_ul(&s, &c->index) || !smm_scan_word(&s, "pfn") ||
		    !smm_scan_hex(&s, &c->pfn) || !smm_scan_word(&s, "node") ||
		    !smm_scan_int(&s, &c->nid) || !smm_scan_end(&s))
			return smm_text_err(t, "expected a chunk \"<index> pfn 0x<pfn> node <nid>\"");
		r->nr_chunks++;
		return 0;
	}
	if (smm_scan_word(&s, "backend:")) {
		if (smm_scan_word(&s, "kernel") && smm_scan_end(&s)) {
			r->reserved = false;
		} else if (smm_scan_word(&s, "reserved") && smm_scan_hex(&s, &r->phys_base) &&
			   smm_scan_word(&s, "+") && smm_scan_hex(&s, &r->phys_size) &&
			   smm_scan_end(&s)) {
			r->reserved = true;
		} else {
			return smm_text_err(t, "expected \"backend: kernel\" or \"backend: reserved <base>+<size>\"");
		}
		*seen |= SMM_R_BACKEND;
	} else if (smm_is_key(line, "frames:")) {
		if (!smm_scan_key_ul(line, "frames:", &r->frames))
			return smm_text_err(t, "expected \"frames: <count>\"");
		*seen |= SMM_R_FRAMES;
	} else if (smm_is_key(line, "present:")) {
		if (!smm_scan_key_ul(line, "present:", &r->present))
			return smm_text_err(t, "expected \"present: <count>\"");
		*seen |= SMM_R_PRESENT;
	} else if (smm_is_key(line, "nodes:")) {
		if (!smm_scan_word(&s, "nodes:") || !smm_scan_int(&s, &r->nr_nodes) ||
		    r->nr_nodes < 1 || !smm_scan_end(&s))
			return smm_text_err(t, "expected \"nodes: <count>\", at least 1");
		*seen |= SMM_R_NODES;
	} else if (smm_scan_word(&s, "node")) {
		struct smm_region_node *n;

		r->nodes = smm_grow(r->nodes, cap_nodes, *nodes, sizeof(*n));
		n = &r->nodes[*nodes];
		if (!smm_scan_int(&s, &n->nid) || !smm_scan_word(&s, ":") ||
		    !smm_scan_word(&s, "sfn") || !smm_scan_ul(&s, &n->first_sfn) ||
		    !smm_scan_word(&s, "-") || !smm_scan_ul(&s, &n->last_sfn) ||
		    !smm_scan_end(&s) || n->last_sfn < n->first_sfn)
			return smm_text_err(t, "expected \"node <nid>: sfn <first>-<last>\"");
		(*nodes)++;
	} else if (smm_scan_word(&s, "descriptor:")) {
		if (!smm_scan_ul(&s, &r->desc_bytes) || !smm_scan_word(&s, "bytes") ||
		    !smm_scan_word(&s, "per") || !smm_scan_ul(&s, &r->page_size) ||
		    !smm_scan_word(&s, "-byte") || !smm_scan_word(&s, "frame") ||
		    !smm_scan_end(&s) || r->page_size < 1024)
			return smm_text_err(t, "expected \"descriptor: <n> bytes per <size>-byte frame\"");
		*seen |= SMM_R_DESC;
	} else if (smm_is_key(line, "metadata:")) {
		if (!smm_scan_word(&s, "metadata:") || !smm_scan_ull(&s, &v) ||
		    !smm_scan_word(&s, "bytes") || !smm_scan_end(&s))
			return smm_text_err(t, "expected \"metadata: <n> bytes\"");
		r->metadata_bytes = v;
		*seen |= SMM_R_META;
	} else if (smm_is_key(line, "metadata_ppm:")) {
		if (!smm_scan_key_ull(line, "metadata_ppm:", &r->metadata_ppm))
			return smm_text_err(t, "expected \"metadata_ppm: <n>\"");
		*seen |= SMM_R_PPM;
	} else if (smm_scan_word(&s, "chunks:") && smm_scan_end(&s)) {
		*seen |= SMM_R_CHUNKS;
	} else {
		return smm_text_err(t, "not a line of the region file");
	}
	return 0;
}

/**
 * smm_parse_region() - the region file
 * @root: the debugfs directory
 * @r: filled in; smm_region_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_region(const char *root, struct smm_region *r)
{
	int cap_nodes = 0, cap_chunks = 0, nodes = 0, i;
	unsigned int seen = 0;
	struct smm_text t;
	char *line;

	memset(r, 0, sizeof(*r));
	if (smm_text_open(&t, root, "region"))
		return -1;
	while ((line = smm_text_line(&t)))
		if (smm_region_line(&t, line, r, &seen, &nodes, &cap_nodes, &cap_chunks))
			goto fail;
	for (i = 0; i < ARRAY_SIZE(smm_region_keys); i++) {
		if (!(seen & (1u << i))) {
			smm_text_err_eof(&t, "no \"%s\" line", smm_region_keys[i]);
			goto fail;
		}
	}
	if (nodes != r->nr_nodes) {
		smm_text_err_eof(&t, "\"nodes: %d\" but %d \"node <nid>:\" lines",
				 r->nr_nodes, nodes);
		goto fail;
	}
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_region_free(r);
	return -1;
}

/**
 * smm_region_free() - free a parsed region
 * @r: the region
 */
void smm_region_free(struct smm_region *r)
{
	free(r->nodes);
	free(r->chunks);
	r->nodes = NULL;
	r->chunks = NULL;
}

/* zoneinfo: one block per zone, each line once (pagesets once per CPU). */

enum {
	SMM_Z_FREE, SMM_Z_MIN, SMM_Z_LOW, SMM_Z_HIGH, SMM_Z_SPANNED, SMM_Z_PRESENT,
	SMM_Z_MANAGED, SMM_Z_PROTECTION, SMM_Z_NR_FREE_PAGES, SMM_Z_NR_FREE_PCP,
	SMM_Z_START_SFN, SMM_Z_NR,
};

static const char * const smm_zone_keys[SMM_Z_NR] = {
	"pages free", "min", "low", "high", "spanned", "present", "managed",
	"protection:", "nr_free_pages", "nr_free_pcp", "start_sfn:",
};

/* Every line a zone must have was there, in a block that began at @head. */
static int smm_zone_complete(const struct smm_text *t, const struct smm_zone *z,
			     unsigned int seen, int head)
{
	int k;

	for (k = 0; k < SMM_Z_NR; k++) {
		if (!(seen & (1u << k))) {
			smm_err("%s:%d: zone %s of node %d has no \"%s\" line", t->path, head,
				z->name, z->nid, smm_zone_keys[k]);
			return -1;
		}
	}
	if (z->populated && !(seen & (1u << SMM_Z_NR))) {
		smm_err("%s:%d: zone %s of node %d has pagesets but no \"start_pfn:\" line",
			t->path, head, z->name, z->nid);
		return -1;
	}
	return 0;
}

static int smm_zone_protection(struct smm_text *t, char *line, struct smm_zone *z)
{
	struct smm_scan s = { line };

	if (!smm_scan_word(&s, "protection:") || !smm_scan_word(&s, "("))
		goto bad;
	z->nr_protection = 0;
	do {
		if (z->nr_protection == SMM_MAX_PROTECTION ||
		    !smm_scan_ul(&s, &z->protection[z->nr_protection]))
			goto bad;
		z->nr_protection++;
	} while (smm_scan_word(&s, ","));
	if (smm_scan_word(&s, ")") && smm_scan_end(&s))
		return 0;
bad:
	return smm_text_err(t, "expected \"protection: (<pages>, ...)\"");
}

/* One line inside a zone's block. */
static int smm_zone_line(struct smm_text *t, char *line, struct smm_zone *z,
			 unsigned int *seen, int *cap_ps)
{
	static const char * const wmarks[] = { "min", "low", "high", "spanned",
					       "present", "managed" };
	unsigned long *wvals[] = { &z->min, &z->low, &z->high, &z->spanned,
				   &z->present, &z->managed };
	struct smm_scan s = { line };
	unsigned long v;
	int k;

	if (smm_is_key(line, "pages")) {
		if (!smm_scan_word(&s, "pages") || !smm_scan_word(&s, "free") ||
		    !smm_scan_ul(&s, &z->free) || !smm_scan_end(&s))
			return smm_text_err(t, "expected \"pages free <pages>\"");
		*seen |= 1u << SMM_Z_FREE;
		return 0;
	}
	/* The pagesets' "high:" before the watermark "high". */
	if (smm_is_key(line, "count:") || smm_is_key(line, "high:") ||
	    smm_is_key(line, "batch:")) {
		const char *key = smm_is_key(line, "count:") ? "count:" :
				  smm_is_key(line, "high:") ? "high:" : "batch:";
		struct smm_pageset *ps;

		if (!z->nr_pagesets)
			return smm_text_err(t, "\"%s\" before any \"cpu: <n>\" line", key);
		ps = &z->pagesets[z->nr_pagesets - 1];
		if (!smm_scan_key_ul(line, key, &v))
			return smm_text_err(t, "expected \"%s <n>\"", key);
		if (key[0] == 'c')
			ps->count = v;
		else if (key[0] == 'h')
			ps->high = v;
		else
			ps->batch = v;
		return 0;
	}
	for (k = 0; k < 6; k++) {
		if (smm_is_key(line, wmarks[k])) {
			if (!smm_scan_key_ul(line, wmarks[k], wvals[k]))
				return smm_text_err(t, "expected \"%s <pages>\"", wmarks[k]);
			*seen |= 1u << (SMM_Z_MIN + k);
			return 0;
		}
	}
	if (smm_is_key(line, "protection:")) {
		*seen |= 1u << SMM_Z_PROTECTION;
		return smm_zone_protection(t, line, z);
	}
	if (smm_is_key(line, "nr_free_pages")) {
		*seen |= 1u << SMM_Z_NR_FREE_PAGES;
		if (!smm_scan_key_ul(line, "nr_free_pages", &z->nr_free_pages))
			return smm_text_err(t, "expected \"nr_free_pages <pages>\"");
		return 0;
	}
	if (smm_is_key(line, "nr_free_pcp")) {
		*seen |= 1u << SMM_Z_NR_FREE_PCP;
		if (!smm_scan_key_ul(line, "nr_free_pcp", &z->nr_free_pcp))
			return smm_text_err(t, "expected \"nr_free_pcp <pages>\"");
		return 0;
	}
	if (smm_scan_word(&s, "pagesets") && smm_scan_end(&s)) {
		z->populated = true;
		return 0;
	}
	if (smm_is_key(line, "cpu:")) {
		struct smm_pageset *ps;

		if (!z->populated)
			return smm_text_err(t, "\"cpu:\" before the \"pagesets\" line");
		z->pagesets = smm_grow(z->pagesets, cap_ps, z->nr_pagesets, sizeof(*ps));
		ps = &z->pagesets[z->nr_pagesets];
		s.p = line;
		if (!smm_scan_word(&s, "cpu:") || !smm_scan_int(&s, &ps->cpu) || !smm_scan_end(&s))
			return smm_text_err(t, "expected \"cpu: <n>\"");
		z->nr_pagesets++;
		return 0;
	}
	if (smm_is_key(line, "start_pfn:")) {
		if (!z->populated)
			return smm_text_err(t, "\"start_pfn:\" in a zone without pagesets");
		if (!smm_scan_key_ul(line, "start_pfn:", &z->start_pfn))
			return smm_text_err(t, "expected \"start_pfn: <pfn>\"");
		*seen |= 1u << SMM_Z_NR;
		return 0;
	}
	if (smm_is_key(line, "start_sfn:")) {
		*seen |= 1u << SMM_Z_START_SFN;
		if (!smm_scan_key_ul(line, "start_sfn:", &z->start_sfn))
			return smm_text_err(t, "expected \"start_sfn: <sfn>\"");
		return 0;
	}
	return smm_text_err(t, "not a line of the zoneinfo file");
}

/**
 * smm_parse_zoneinfo() - the zoneinfo file
 * @root: the debugfs directory
 * @zi: filled in, every zone of every node (populated or not), in file
 *	order; smm_zoneinfo_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_zoneinfo(const char *root, struct smm_zoneinfo *zi)
{
	int cap = 0, cap_ps = 0, head = 0;
	struct smm_zone *z = NULL;
	unsigned int seen = 0;
	struct smm_text t;
	char *line;

	memset(zi, 0, sizeof(*zi));
	if (smm_text_open(&t, root, "zoneinfo"))
		return -1;
	while ((line = smm_text_line(&t))) {
		struct smm_scan s = { line };

		if (smm_is_key(line, "Node")) {
			if (z && smm_zone_complete(&t, z, seen, head))
				goto fail;
			zi->zones = smm_grow(zi->zones, &cap, zi->nr, sizeof(*z));
			z = &zi->zones[zi->nr++];
			if (!smm_scan_zone_head(&s, &z->nid, z->name) || !smm_scan_end(&s)) {
				smm_text_err(&t, "expected \"Node <nid>, zone <name>\"");
				goto fail;
			}
			seen = 0;
			cap_ps = 0;
			head = t.line;
			continue;
		}
		if (!z) {
			smm_text_err(&t, "expected \"Node <nid>, zone <name>\" first");
			goto fail;
		}
		if (smm_zone_line(&t, line, z, &seen, &cap_ps))
			goto fail;
	}
	if (!z) {
		smm_text_err_eof(&t, "no zone");
		goto fail;
	}
	if (smm_zone_complete(&t, z, seen, head))
		goto fail;
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_zoneinfo_free(zi);
	return -1;
}

/**
 * smm_zoneinfo_free() - free a parsed zoneinfo
 * @zi: the zones
 */
void smm_zoneinfo_free(struct smm_zoneinfo *zi)
{
	int i;

	for (i = 0; i < zi->nr; i++)
		free(zi->zones[i].pagesets);
	free(zi->zones);
	zi->zones = NULL;
	zi->nr = 0;
}

/* "-1.000", "0.123": an index of extfrag_index or unusable_index. */
static bool smm_scan_milli(struct smm_scan *s, long *v)
{
	struct smm_scan c = *s;
	unsigned long whole, frac;
	bool neg;
	char *p;

	neg = smm_scan_word(&c, "-");
	if (neg && (*c.p < '0' || *c.p > '9'))
		return false;
	if (!smm_scan_ul(&c, &whole) || *c.p != '.')
		return false;
	c.p++;
	p = c.p;
	if (*p < '0' || *p > '9' || !smm_scan_ul(&c, &frac) || c.p - p != 3 ||
	    whole > 1000000)
		return false;
	*v = (long)(whole * 1000 + frac) * (neg ? -1 : 1);
	*s = c;
	return true;
}

/**
 * smm_parse_zone_rows() - buddyinfo, extfrag_index or unusable_index
 * @root: the debugfs directory
 * @name: which of them
 * @index: the values are indexes ("0.123"), not counts
 * @zr: filled in, a row per populated zone; smm_zone_rows_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_zone_rows(const char *root, const char *name, bool index,
			struct smm_zone_rows *zr)
{
	struct smm_text t;
	int cap = 0, o;
	char *line;

	memset(zr, 0, sizeof(*zr));
	if (smm_text_open(&t, root, name))
		return -1;
	while ((line = smm_text_line(&t))) {
		struct smm_scan s = { line };
		struct smm_zone_row *row;

		zr->rows = smm_grow(zr->rows, &cap, zr->nr, sizeof(*row));
		row = &zr->rows[zr->nr];
		if (!smm_scan_zone_head(&s, &row->nid, row->name)) {
			smm_text_err(&t, "expected \"Node <nid>, zone <name>\" and %d %s",
				     SMM_ORDERS, index ? "indexes" : "counts");
			goto fail;
		}
		for (o = 0; o < SMM_ORDERS; o++) {
			unsigned long n;
			bool ok;

			if (index) {
				ok = smm_scan_milli(&s, &row->v[o]);
			} else {
				ok = smm_scan_ul(&s, &n) && n <= (unsigned long)LONG_MAX;
				row->v[o] = n;
			}
			if (!ok)
				break;
		}
		if (o < SMM_ORDERS || !smm_scan_end(&s)) {
			smm_text_err(&t, "expected %d %s (orders 0..%d) after the zone",
				     SMM_ORDERS, index ? "indexes like 0.123" : "counts",
				     SMM_ORDERS - 1);
			goto fail;
		}
		zr->nr++;
	}
	if (!zr->nr) {
		smm_text_err_eof(&t, "no zone");
		goto fail;
	}
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_zone_rows_free(zr);
	return -1;
}

/**
 * smm_zone_rows_free() - free parsed rows
 * @zr: the rows
 */
void smm_zone_rows_free(struct smm_zone_rows *zr)
{
	free(zr->rows);
	zr->rows = NULL;
	zr->nr = 0;
}

/* meminfo and vmstat: "Name: N kB" or "name N" lines. */
static int smm_parse_kvs(const char *root, const char *name, bool kb, struct smm_kvs *kvs,
			 const char * const *required)
{
	struct smm_text t;
	int cap = 0;
	char *line;

	memset(kvs, 0, sizeof(*kvs));
	if (smm_text_open(&t, root, name))
		return -1;
	while ((line = smm_text_line(&t))) {
		struct smm_scan s = { line };
		struct smm_kv *kv;
		size_t len;

		kvs->kv = smm_grow(kvs->kv, &cap, kvs->nr, sizeof(*kv));
		kv = &kvs->kv[kvs->nr];
		if (!smm_scan_token(&s, kv->name, sizeof(kv->name)))
			goto bad;
		len = strlen(kv->name);
		if (kb) {
			if (len < 2 || kv->name[len - 1] != ':')
				goto bad;
			kv->name[len - 1] = '\0';
		}
		if (!smm_scan_ull(&s, &kv->value) || (kb && !smm_scan_word(&s, "kB")) ||
		    !smm_scan_end(&s))
			goto bad;
		kvs->nr++;
	}
	for (; required && *required; required++) {
		unsigned long long v;

		if (!smm_kv_get(kvs, *required, &v)) {
			smm_text_err_eof(&t, "no \"%s%s\" line", *required, kb ? ":" : "");
			goto fail;
		}
	}
	smm_text_close(&t);
	return 0;
bad:
	smm_text_err(&t, kb ? "expected \"<Name>: <n> kB\"" : "expected \"<name> <n>\"");
fail:
	smm_text_close(&t);
	smm_kvs_free(kvs);
	return -1;
}

/**
 * smm_parse_meminfo() - the meminfo file, values in kB
 * @root: the debugfs directory
 * @kvs: filled in, names without their colon; smm_kvs_free() it after
 *
 * MemTotal, MemFree, Active, Inactive, Unevictable, SwapTotal and SwapFree
 * must be there.
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_meminfo(const char *root, struct smm_kvs *kvs)
{
	static const char * const required[] = {
		"MemTotal", "MemFree", "Active", "Inactive", "Unevictable", "SwapTotal",
		"SwapFree", NULL
	};

	return smm_parse_kvs(root, "meminfo", true, kvs, required);
}

/**
 * smm_parse_vmstat() - the vmstat file
 * @root: the debugfs directory
 * @kvs: filled in; smm_kvs_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_vmstat(const char *root, struct smm_kvs *kvs)
{
	static const char * const required[] = { "nr_free_pages", NULL };

	return smm_parse_kvs(root, "vmstat", false, kvs, required);
}

/**
 * smm_kvs_free() - free parsed names and values
 * @kvs: them
 */
void smm_kvs_free(struct smm_kvs *kvs)
{
	free(kvs->kv);
	kvs->kv = NULL;
	kvs->nr = 0;
}

/**
 * smm_kv_get() - look a value up by name
 * @kvs: the values
 * @name: its name (meminfo's without the colon)
 * @v: where it goes
 *
 * Return: whether the name was there.
 */
bool smm_kv_get(const struct smm_kvs *kvs, const char *name, unsigned long long *v)
{
	int i;

	for (i = 0; i < kvs->nr; i++) {
		if (!strcmp(kvs->kv[i].name, name)) {
			*v = kvs->kv[i].value;
			return true;
		}
	}
	return false;
}

/**
 * smm_parse_slabinfo() - the slabinfo file (version 2.1)
 * @root: the debugfs directory
 * @page_size: bytes per frame, for each cache's memory
 * @si: filled in, in file order; smm_slabinfo_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_slabinfo(const char *root, unsigned long page_size, struct smm_slabinfo *si)
{
	struct smm_text t;
	int cap = 0;
	char *line;

	memset(si, 0, sizeof(*si));
	if (smm_text_open(&t, root, "slabinfo"))
		return -1;
	line = smm_text_line(&t);
	if (!line) {
		smm_text_err_eof(&t, "no \"slabinfo - version: 2.1\" line");
		goto fail;
	}
	if (strcmp(line, "slabinfo - version: 2.1")) {
		smm_text_err(&t, "expected \"slabinfo - version: 2.1\"");
		goto fail;
	}
	while ((line = smm_text_line(&t))) {
		struct smm_scan s = { line };
		struct smm_cache *c;

		if (line[0] == '#')
			continue;
		si->caches = smm_grow(si->caches, &cap, si->nr, sizeof(*c));
		c = &si->caches[si->nr];
		if (!smm_scan_token(&s, c->name, sizeof(c->name)) ||
		    !smm_scan_ul(&s, &c->active_objs) || !smm_scan_ul(&s, &c->num_objs) ||
		    !smm_scan_ul(&s, &c->objsize) || !smm_scan_ul(&s, &c->objperslab) ||
		    !smm_scan_ul(&s, &c->pagesperslab) || !smm_scan_word(&s, ":") ||
		    !smm_scan_word(&s, "tunables") || !smm_scan_ul(&s, &c->limit) ||
		    !smm_scan_ul(&s, &c->batchcount) || !smm_scan_ul(&s, &c->sharedfactor) ||
		    !smm_scan_word(&s, ":") || !smm_scan_word(&s, "slabdata") ||
		    !smm_scan_ul(&s, &c->active_slabs) || !smm_scan_ul(&s, &c->num_slabs) ||
		    !smm_scan_ul(&s, &c->sharedavail) || !smm_scan_end(&s)) {
			smm_text_err(&t, "expected \"<name> <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\"");
			goto fail;
		}
		c->bytes = (unsigned long long)c->num_slabs * c->pagesperslab * page_size;
		si->nr++;
	}
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_slabinfo_free(si);
	return -1;
}

/**
 * smm_slabinfo_free() - free parsed caches
 * @si: the caches
 */
void smm_slabinfo_free(struct smm_slabinfo *si)
{
	free(si->caches);
	si->caches = NULL;
	si->nr = 0;
}

static int smm_cache_cmp(const void *a, const void *b)
{
	const struct smm_cache *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->name, y->name);
}

/**
 * smm_slab_sort() - order caches by memory, largest first, then by name
 * @si: the caches
 */
void smm_slab_sort(struct smm_slabinfo *si)
{
	if (si->nr)
		qsort(si->caches, si->nr, sizeof(*si->caches), smm_cache_cmp);
}

static bool smm_perms_ok(const char *p)
{
	return strlen(p) == 4 && (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
	       (p[2] == 'x' || p[2] == '-') && (p[3] == 's' || p[3] == 'p');
}

/**
 * smm_parse_vmas() - the vmas file
 * @root: the debugfs directory
 * @v: filled in, in file order; smm_vmas_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_vmas(const char *root, struct smm_vmas *v)
{
	struct smm_text t;
	int cap = 0;
	char *line;

	memset(v, 0, sizeof(*v));
	if (smm_text_open(&t, root, "vmas"))
		return -1;
	while ((line = smm_text_line(&t))) {
		struct smm_scan s = { line };
		struct smm_vma *m;

		if (line[0] == '#')
			continue;
		v->vmas = smm_grow(v->vmas, &cap, v->nr, sizeof(*m));
		m = &v->vmas[v->nr];
		if (!smm_scan_int(&s, &m->pid) || !smm_scan_hex(&s, &m->start) ||
		    !smm_scan_word(&s, "-") || !smm_scan_hex(&s, &m->end) ||
		    !smm_scan_token(&s, m->perms, sizeof(m->perms)) || !smm_perms_ok(m->perms) ||
		    !smm_scan_hex(&s, &m->offset) || !smm_scan_ul(&s, &m->minor) ||
		    !smm_scan_ul(&s, &m->major) || !smm_scan_ul(&s, &m->cow) ||
		    !smm_scan_ul(&s, &m->resident) || !smm_scan_end(&s) || m->end <= m->start) {
			smm_text_err(&t, "expected \"<pid> <start>-<end> <perms> <offset> <minor> <major> <cow> <resident>\"");
			goto fail;
		}
		v->nr++;
	}
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_vmas_free(v);
	return -1;
}

/**
 * smm_vmas_free() - free parsed mappings
 * @v: the mappings
 */
void smm_vmas_free(struct smm_vmas *v)
{
	free(v->vmas);
	v->vmas = NULL;
	v->nr = 0;
}

/**
 * smm_parse_swap() - the swap file: the backing store
 * @root: the debugfs directory
 * @sw: filled in
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_swap(const char *root, struct smm_swap *sw)
{
	struct smm_text t;
	char *line;

	memset(sw, 0, sizeof(*sw));
	if (smm_text_open(&t, root, "swap"))
		return -1;
	line = smm_text_line(&t);
	if (!line) {
		smm_text_err_eof(&t, "no \"backend\" line");
		goto fail;
	}
	{
		struct smm_scan s = { line };
		char *rest;

		if (!smm_scan_word(&s, "backend") ||
		    !smm_scan_token(&s, sw->backend, sizeof(sw->backend)) ||
		    (strcmp(sw->backend, "none") && strcmp(sw->backend, "file") &&
		     strcmp(sw->backend, "compressed"))) {
			smm_text_err(&t, "expected \"backend none\", \"backend compressed <compressor>/<pool>\" or \"backend file <name>\"");
			goto fail;
		}
		rest = smm_scan_rest(&s);
		if (!strcmp(sw->backend, "none") ? *rest != '\0' :
		    *rest == '\0' || (!strcmp(sw->backend, "compressed") && !strchr(rest, '/'))) {
			smm_text_err(&t, "expected \"backend none\", \"backend compressed <compressor>/<pool>\" or \"backend file <name>\"");
			goto fail;
		}
		snprintf(sw->detail, sizeof(sw->detail), "%s", rest);
	}
	while ((line = smm_text_line(&t))) {
		unsigned long used;

		if (!strcmp(sw->backend, "none")) {
			smm_text_err(&t, "no line may follow \"backend none\"");
			goto fail;
		}
		if (smm_is_key(line, "slots")) {
			if (!smm_scan_key_ul(line, "slots", &sw->slots))
				goto bad;
			sw->has_slots = true;
		} else if (smm_is_key(line, "used")) {
			if (!smm_scan_key_ul(line, "used", &used))
				goto bad;
			sw->used = used;
		} else if (smm_is_key(line, "stored_bytes")) {
			if (!smm_scan_key_long(line, "stored_bytes", &sw->stored_bytes))
				goto bad;
			sw->has_stored_bytes = true;
		} else if (smm_is_key(line, "corrupt")) {
			if (!smm_scan_key_long(line, "corrupt", &sw->corrupt))
				goto bad;
			sw->has_corrupt = true;
		} else {
			goto bad;
		}
	}
	if (strcmp(sw->backend, "none") && (!sw->has_slots || !sw->has_corrupt)) {
		smm_text_err_eof(&t, "no \"%s\" line", sw->has_slots ? "corrupt" : "slots");
		goto fail;
	}
	smm_text_close(&t);
	return 0;
bad:
	smm_text_err(&t, "expected \"slots <n>\", \"used <n>\", \"stored_bytes <n>\" or \"corrupt <n>\"");
fail:
	smm_text_close(&t);
	return -1;
}

/**
 * smm_parse_workingset() - the workingset file
 * @root: the debugfs directory
 * @ws: filled in; smm_workingset_free() it after
 *
 * Return: 0, or -1 after naming the file and line at fault.
 */
int smm_parse_workingset(const char *root, struct smm_workingset *ws)
{
	struct smm_ws_node *n = NULL;
	int cap = 0, cap_b = 0;
	struct smm_text t;
	char *line;

	memset(ws, 0, sizeof(*ws));
	if (smm_text_open(&t, root, "workingset"))
		return -1;
	line = smm_text_line(&t);
	{
		struct smm_scan s = { line };

		if (!line) {
			smm_text_err_eof(&t, "no \"shadow_only <n> max <n>\" line");
			goto fail;
		}
		if (!smm_scan_word(&s, "shadow_only") || !smm_scan_long(&s, &ws->shadow_only) ||
		    !smm_scan_word(&s, "max") || !smm_scan_ul(&s, &ws->shadow_only_max) ||
		    !smm_scan_end(&s)) {
			smm_text_err(&t, "expected \"shadow_only <n> max <n>\"");
			goto fail;
		}
	}
	while ((line = smm_text_line(&t))) {
		struct smm_scan s = { line };
		struct smm_ws_bucket *b;

		if (smm_is_key(line, "Node")) {
			ws->nodes = smm_grow(ws->nodes, &cap, ws->nr, sizeof(*n));
			n = &ws->nodes[ws->nr++];
			cap_b = 0;
			if (!smm_scan_word(&s, "Node") || !smm_scan_int(&s, &n->nid) ||
			    !smm_scan_word(&s, "age") || !smm_scan_long(&s, &n->age) ||
			    !smm_scan_word(&s, "refaults") || !smm_scan_long(&s, &n->refaults) ||
			    !smm_scan_word(&s, "activated") || !smm_scan_long(&s, &n->activated) ||
			    !smm_scan_end(&s)) {
				smm_text_err(&t, "expected \"Node <nid> age <n> refaults <n> activated <n>\"");
				goto fail;
			}
			continue;
		}
		if (!n) {
			smm_text_err(&t, "expected \"Node <nid> age <n> refaults <n> activated <n>\"");
			goto fail;
		}
		if (smm_scan_word(&s, "distance")) {
			if (!smm_scan_word(&s, "refaults") || !smm_scan_end(&s)) {
				smm_text_err(&t, "expected \"distance refaults\"");
				goto fail;
			}
			continue;
		}
		n->buckets = smm_grow(n->buckets, &cap_b, n->nr, sizeof(*b));
		b = &n->buckets[n->nr];
		if (!smm_scan_ul(&s, &b->lo) || !smm_scan_word(&s, "-") || !smm_scan_ul(&s, &b->hi) ||
		    !smm_scan_long(&s, &b->refaults) || !smm_scan_end(&s) || b->hi < b->lo) {
			smm_text_err(&t, "expected a histogram row \"<min>-<max> <refaults>\"");
			goto fail;
		}
		n->nr++;
	}
	smm_text_close(&t);
	return 0;
fail:
	smm_text_close(&t);
	smm_workingset_free(ws);
	return -1;
}

/**
 * smm_workingset_free() - free a parsed workingset file
 * @ws: it
 */
void smm_workingset_free(struct smm_workingset *ws)
{
	int i;

	for (i = 0; i < ws->nr; i++)
		free(ws->nodes[i].buckets);
	free(ws->nodes);
	ws->nodes = NULL;
	ws->nr = 0;
}

/**
 * smm_zone_state() - where a zone's free pages stand against its marks
 * @z: the zone
 *
 * As the module's watermark test, free pages at or under a mark fail it.
 *
 * Return: "empty" (no managed pages), "under_min", "under_low",
 * "under_high" or "ok".
 */
const char *smm_zone_state(const struct smm_zone *z)
{
	if (!z->managed)
		return "empty";
	if (z->free <= z->min)
		return "under_min";
	if (z->free <= z->low)
		return "under_low";
	if (z->free <= z->high)
		return "under_high";
	return "ok";
}
