// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl: the views, each as text or as one JSON object.
 *
 * Every view reads the files it shows afresh and prints nothing until all
 * of them parsed, so a bad file gives one message and no half a screen.
 * README.md ("smmctl") documents each view's JSON keys.
 */
#include <stdlib.h>
#include <string.h>

#include "smmctl.h"

#define SMM_STATUS_CACHES	5	/* largest slab caches in status */

/*
 * The fault and reclaim counters status, top and record show, as vmstat
 * names them (module/stats.c); "pgalloc" and "allocstall" are the sums of
 * their per-zone-type counters.
 */
const char * const smm_counter_names[SMM_NR_COUNTERS] = {
	"pgfault", "pgmajfault", "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd",
	"pgsteal_direct", "pswpin", "pswpout", "workingset_refault",
	"workingset_activate", "allocstall", "pgalloc", "pgfree", "pgalloc_fail",
};

/**
 * smm_counter_get() - one counter of vmstat, or one of the two sums
 * @vm: vmstat
 * @name: a vmstat name, "pgalloc" or "allocstall"
 * @v: where the value goes
 *
 * Return: whether vmstat had it (for a sum: any of its parts).
 */
bool smm_counter_get(const struct smm_kvs *vm, const char *name, unsigned long long *v)
{
	static const char * const zone_types[] = { "dma", "normal", "high" };
	bool any = false;
	char part[SMM_NAME_LEN];
	int i;

	if (strcmp(name, "pgalloc") && strcmp(name, "allocstall"))
		return smm_kv_get(vm, name, v);
	*v = 0;
	for (i = 0; i < 3; i++) {
		unsigned long long n;

		snprintf(part, sizeof(part), "%s_%s", name, zone_types[i]);
		if (smm_kv_get(vm, part, &n)) {
			*v += n;
			any = true;
		}
	}
	return any;
}

/**
 * smm_json_counters() - an object of vmstat counters, null where missing
 * @j: the writer
 * @key: the object's key
 * @vm: vmstat
 * @names: the counters (smm_counter_get() names)
 * @nr: how many
 */
void smm_json_counters(struct smm_json *j, const char *key, const struct smm_kvs *vm,
		       const char * const *names, int nr)
{
	unsigned long long v;
	int i;

	smm_json_object(j, key);
	for (i = 0; i < nr; i++) {
		if (smm_counter_get(vm, names[i], &v))
			smm_json_uint(j, names[i], v);
		else
			smm_json_null(j, names[i]);
	}
	smm_json_end_object(j);
}

/**
 * smm_json_view() - start a view's object: "view" and "root"
 * @j: the writer, started here on stdout
 * @o: the options (the root)
 * @view: the view's name
 * @pretty: indented, or one line
 */
void smm_json_view(struct smm_json *j, const struct smm_opts *o, const char *view, bool pretty)
{
	smm_json_start(j, stdout, pretty);
	smm_json_object(j, NULL);
	smm_json_string(j, "view", view);
	smm_json_string(j, "root", o->root);
}

static void smm_json_done(struct smm_json *j)
{
	smm_json_end_object(j);
	smm_json_finish(j);
}

static void smm_json_kb(struct smm_json *j, const char *key, const struct smm_kvs *mem,
			const char *name)
{
	unsigned long long v;

	if (smm_kv_get(mem, name, &v))
		smm_json_uint(j, key, v);
	else
		smm_json_null(j, key);
}

static unsigned long long smm_kb(const struct smm_kvs *mem, const char *name)
{
	unsigned long long v = 0;

	smm_kv_get(mem, name, &v);
	return v;
}

/* Text for a counter: its value, or "-" when vmstat lacks it. */
static const char *smm_counter_text(const struct smm_kvs *vm, const char *name, char *buf,
				    size_t size)
{
	unsigned long long v;

	if (!smm_counter_get(vm, name, &v))
		return "-";
	snprintf(buf, size, "%llu", v);
	return buf;
}

/* Counters two to a line. */
static void smm_print_counters(const struct smm_kvs *vm, const char * const *names, int nr)
{
	char buf[32];
	int i;

	for (i = 0; i < nr; i++) {
		printf("%-22s %12s", names[i], smm_counter_text(vm, names[i], buf, sizeof(buf)));
		fputs(i % 2 || i == nr - 1 ? "\n" : "   ", stdout);
	}
}

static double smm_percent(unsigned long long part, unsigned long long whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

/* The region as a JSON object. */
static void smm_json_region(struct smm_json *j, const struct smm_region *r)
{
	int i;

	smm_json_object(j, "region");
	smm_json_string(j, "backend", r->reserved ? "reserved" : "kernel");
	if (r->reserved) {
		smm_json_uint(j, "phys_base", r->phys_base);
		smm_json_uint(j, "phys_size", r->phys_size);
	} else {
		smm_json_null(j, "phys_base");
		smm_json_null(j, "phys_size");
	}
	smm_json_uint(j, "frames", r->frames);
	smm_json_uint(j, "present", r->present);
	smm_json_uint(j, "page_size", r->page_size);
	smm_json_uint(j, "descriptor_bytes", r->desc_bytes);
	smm_json_uint(j, "metadata_bytes", r->metadata_bytes);
	smm_json_uint(j, "metadata_ppm", r->metadata_ppm);
	smm_json_array(j, "nodes");
	for (i = 0; i < r->nr_nodes; i++) {
		smm_json_object(j, NULL);
		smm_json_int(j, "node", r->nodes[i].nid);
		smm_json_uint(j, "first_sfn", r->nodes[i].first_sfn);
		smm_json_uint(j, "last_sfn", r->nodes[i].last_sfn);
		smm_json_end_object(j);
	}
	smm_json_end_array(j);
	smm_json_array(j, "chunks");
	for (i = 0; i < r->nr_chunks; i++) {
		smm_json_object(j, NULL);
		smm_json_uint(j, "index", r->chunks[i].index);
		smm_json_uint(j, "pfn", r->chunks[i].pfn);
		smm_json_int(j, "node", r->chunks[i].nid);
		smm_json_end_object(j);
	}
	smm_json_end_array(j);
	smm_json_end_object(j);
}

/* The store's one-line description: "compressed lzo/zsmalloc". */
static void smm_print_store(const struct smm_swap *sw, const struct smm_kvs *mem)
{
	printf("store:    %s%s%s", sw->backend, sw->detail[0] ? " " : "", sw->detail);
	if (sw->has_slots)
		printf(", %lu/%lu slots used (%.1f %%)", sw->used, sw->slots,
		       smm_percent(sw->used, sw->slots));
	if (sw->has_stored_bytes)
		printf(", %ld bytes stored", sw->stored_bytes);
	if (sw->has_corrupt)
		printf(", %ld corrupt", sw->corrupt);
	printf("\n          SwapTotal %llu kB, SwapFree %llu kB\n", smm_kb(mem, "SwapTotal"),
	       smm_kb(mem, "SwapFree"));
}

static void smm_json_store(struct smm_json *j, const char *key, const struct smm_swap *sw,
			   const struct smm_kvs *mem, unsigned long page_size)
{
	const char *slash = strchr(sw->detail, '/');
	bool compressed = !strcmp(sw->backend, "compressed");
	char part[PATH_MAX];

	smm_json_object(j, key);
	smm_json_string(j, "backend", sw->backend);
	if (compressed) {
		snprintf(part, sizeof(part), "%.*s", (int)(slash - sw->detail), sw->detail);
		smm_json_string(j, "compressor", part);
		smm_json_string(j, "pool", slash + 1);
	} else {
		smm_json_null(j, "compressor");
		smm_json_null(j, "pool");
	}
	smm_json_string(j, "file", strcmp(sw->backend, "file") ? NULL : sw->detail);
	if (sw->has_slots) {
		smm_json_uint(j, "slots", sw->slots);
		smm_json_uint(j, "used", sw->used);
		smm_json_uint(j, "free", sw->slots >= sw->used ? sw->slots - sw->used : 0);
	} else {
		smm_json_null(j, "slots");
		smm_json_null(j, "used");
		smm_json_null(j, "free");
	}
	if (sw->has_stored_bytes) {
		smm_json_int(j, "stored_bytes", sw->stored_bytes);
		if (sw->used)
			smm_json_real(j, "stored_per_page", (double)sw->stored_bytes / sw->used, 1);
		else
			smm_json_null(j, "stored_per_page");
	} else {
		smm_json_null(j, "stored_bytes");
		smm_json_null(j, "stored_per_page");
	}
	if (sw->has_corrupt)
		smm_json_int(j, "corrupt", sw->corrupt);
	else
		smm_json_null(j, "corrupt");
	smm_json_uint(j, "page_size", page_size);
	smm_json_kb(j, "swap_total_kb", mem, "SwapTotal");
	smm_json_kb(j, "swap_free_kb", mem, "SwapFree");
	smm_json_end_object(j);
}

/**
 * smm_view_status() - the one-screen summary
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_status(const struct smm_opts *o)
{
	struct smm_kvs mem = { 0 }, vm = { 0 };
	struct smm_zoneinfo zi = { 0 };
	struct smm_slabinfo si = { 0 };
	struct smm_region r = { 0 };
	struct smm_swap sw;
	struct smm_json j;
	int ret = SMM_EXIT_ERROR, i;

	if (smm_parse_region(o->root, &r) || smm_parse_zoneinfo(o->root, &zi) ||
	    smm_parse_meminfo(o->root, &mem) || smm_parse_swap(o->root, &sw) ||
	    smm_parse_slabinfo(o->root, r.page_size, &si) || smm_parse_vmstat(o->root, &vm))
		goto out;
	smm_slab_sort(&si);

	if (o->json) {
		smm_json_view(&j, o, "status", true);
		smm_json_region(&j, &r);
		smm_json_object(&j, "memory");
		smm_json_kb(&j, "total_kb", &mem, "MemTotal");
		smm_json_kb(&j, "free_kb", &mem, "MemFree");
		smm_json_kb(&j, "slab_kb", &mem, "Slab");
		smm_json_kb(&j, "objects_kb", &mem, "Objects");
		smm_json_kb(&j, "objects_pinned_kb", &mem, "ObjectsPinned");
		smm_json_end_object(&j);
		smm_json_array(&j, "zones");
		for (i = 0; i < zi.nr; i++) {
			const struct smm_zone *z = &zi.zones[i];

			smm_json_object(&j, NULL);
			smm_json_int(&j, "node", z->nid);
			smm_json_string(&j, "zone", z->name);
			smm_json_uint(&j, "free", z->free);
			smm_json_uint(&j, "min", z->min);
			smm_json_uint(&j, "low", z->low);
			smm_json_uint(&j, "high", z->high);
			smm_json_uint(&j, "managed", z->managed);
			smm_json_string(&j, "state", smm_zone_state(z));
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_object(&j, "lru");
		smm_json_kb(&j, "active_kb", &mem, "Active");
		smm_json_kb(&j, "inactive_kb", &mem, "Inactive");
		smm_json_kb(&j, "unevictable_kb", &mem, "Unevictable");
		smm_json_kb(&j, "mlocked_kb", &mem, "Mlocked");
		smm_json_end_object(&j);
		smm_json_store(&j, "store", &sw, &mem, r.page_size);
		smm_json_array(&j, "slab_top");
		for (i = 0; i < si.nr && i < SMM_STATUS_CACHES && si.caches[i].bytes; i++) {
			smm_json_object(&j, NULL);
			smm_json_string(&j, "name", si.caches[i].name);
			smm_json_uint(&j, "memory_bytes", si.caches[i].bytes);
			smm_json_uint(&j, "active_objs", si.caches[i].active_objs);
			smm_json_uint(&j, "num_objs", si.caches[i].num_objs);
			smm_json_uint(&j, "objsize", si.caches[i].objsize);
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_counters(&j, "counters", &vm, smm_counter_names, SMM_NR_COUNTERS);
		smm_json_done(&j);
		ret = 0;
		goto out;
	}

	printf("shadowmm: %s backend", r.reserved ? "reserved" : "kernel");
	if (r.reserved)
		printf(" 0x%llx+0x%llx", r.phys_base, r.phys_size);
	printf(", %lu frames (%lu present) on %d node%s, metadata %llu bytes (%llu ppm)\n",
	       r.frames, r.present, r.nr_nodes, r.nr_nodes == 1 ? "" : "s",
	       r.metadata_bytes, r.metadata_ppm);
	printf("memory:   %llu kB total, %llu kB free, slab %llu kB, objects %llu kB\n",
	       smm_kb(&mem, "MemTotal"), smm_kb(&mem, "MemFree"), smm_kb(&mem, "Slab"),
	       smm_kb(&mem, "Objects"));
	printf("lru:      active %llu kB, inactive %llu kB, unevictable %llu kB (mlocked %llu kB)\n",
	       smm_kb(&mem, "Active"), smm_kb(&mem, "Inactive"), smm_kb(&mem, "Unevictable"),
	       smm_kb(&mem, "Mlocked"));
	smm_print_store(&sw, &mem);

	printf("\n%-4s %-8s %9s %8s %8s %8s %9s  %s\n", "NODE", "ZONE", "FREE", "MIN", "LOW",
	       "HIGH", "MANAGED", "STATE");
	for (i = 0; i < zi.nr; i++) {
		const struct smm_zone *z = &zi.zones[i];

		printf("%-4d %-8s %9lu %8lu %8lu %8lu %9lu  %s\n", z->nid, z->name, z->free,
		       z->min, z->low, z->high, z->managed, smm_zone_state(z));
	}

	printf("\n%-24s %10s %9s %9s %8s\n", "CACHE", "MEMORY", "ACTIVE", "OBJS", "OBJSIZE");
	for (i = 0; i < si.nr && i < SMM_STATUS_CACHES && si.caches[i].bytes; i++) {
		const struct smm_cache *c = &si.caches[i];

		printf("%-24s %7llu kB %9lu %9lu %8lu\n", c->name, c->bytes / 1024,
		       c->active_objs, c->num_objs, c->objsize);
	}
	putchar('\n');
	smm_print_counters(&vm, smm_counter_names, SMM_NR_COUNTERS);
	ret = 0;
out:
	smm_region_free(&r);
	smm_zoneinfo_free(&zi);
	smm_kvs_free(&mem);
	smm_kvs_free(&vm);
	smm_slabinfo_free(&si);
	return ret;
}

/* The index row of @zr for the zone of @b, or NULL. */
static const struct smm_zone_row *smm_row_of(const struct smm_zone_rows *zr,
					     const struct smm_zone_row *b)
{
	int i;

	for (i = 0; i < zr->nr; i++)
		if (zr->rows[i].nid == b->nid && !strcmp(zr->rows[i].name, b->name))
			return &zr->rows[i];
	return NULL;
}

static void smm_json_orders(struct smm_json *j, const char *key, const struct smm_zone_row *row,
			    bool index)
{
	int o;

	if (!row) {
		smm_json_null(j, key);
		return;
	}
	smm_json_array(j, key);
	for (o = 0; o < SMM_ORDERS; o++) {
		if (index)
			smm_json_milli(j, NULL, row->v[o]);
		else
			smm_json_int(j, NULL, row->v[o]);
	}
	smm_json_end_array(j);
}

static void smm_print_index_table(const char *title, const struct smm_zone_rows *zr)
{
	long a;
	int i, o;

	printf("\n%s\n%-4s %-8s", title, "NODE", "ZONE");
	for (o = 0; o < SMM_ORDERS; o++)
		printf(" %6d", o);
	putchar('\n');
	for (i = 0; i < zr->nr; i++) {
		printf("%-4d %-8s", zr->rows[i].nid, zr->rows[i].name);
		for (o = 0; o < SMM_ORDERS; o++) {
			a = labs(zr->rows[i].v[o]);
			printf(" %s%ld.%03ld", zr->rows[i].v[o] < 0 ? "-" : " ", a / 1000, a % 1000);
		}
		putchar('\n');
	}
}

/**
 * smm_view_buddy() - free blocks per order, and the fragmentation indexes
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_buddy(const struct smm_opts *o)
{
	struct smm_zone_rows bi = { 0 }, un = { 0 }, ex = { 0 };
	unsigned long long total[SMM_ORDERS] = { 0 }, total_pages = 0;
	int ret = SMM_EXIT_ERROR, i, k;
	struct smm_json j;

	if (smm_parse_zone_rows(o->root, "buddyinfo", false, &bi) ||
	    smm_parse_zone_rows(o->root, "unusable_index", true, &un) ||
	    smm_parse_zone_rows(o->root, "extfrag_index", true, &ex))
		goto out;
	for (i = 0; i < bi.nr; i++) {
		for (k = 0; k < SMM_ORDERS; k++) {
			total[k] += bi.rows[i].v[k];
			total_pages += (unsigned long long)bi.rows[i].v[k] << k;
		}
	}

	if (o->json) {
		smm_json_view(&j, o, "buddy", true);
		smm_json_int(&j, "orders", SMM_ORDERS);
		smm_json_array(&j, "zones");
		for (i = 0; i < bi.nr; i++) {
			unsigned long long pages = 0;

			for (k = 0; k < SMM_ORDERS; k++)
				pages += (unsigned long long)bi.rows[i].v[k] << k;
			smm_json_object(&j, NULL);
			smm_json_int(&j, "node", bi.rows[i].nid);
			smm_json_string(&j, "zone", bi.rows[i].name);
			smm_json_orders(&j, "free_blocks", &bi.rows[i], false);
			smm_json_uint(&j, "free_pages", pages);
			smm_json_orders(&j, "unusable_index", smm_row_of(&un, &bi.rows[i]), true);
			smm_json_orders(&j, "extfrag_index", smm_row_of(&ex, &bi.rows[i]), true);
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_array(&j, "total_free_blocks");
		for (k = 0; k < SMM_ORDERS; k++)
			smm_json_uint(&j, NULL, total[k]);
		smm_json_end_array(&j);
		smm_json_uint(&j, "total_free_pages", total_pages);
		smm_json_done(&j);
		ret = 0;
		goto out;
	}

	printf("free blocks per order (order N: 2^N pages)\n%-4s %-8s", "NODE", "ZONE");
	for (k = 0; k < SMM_ORDERS; k++)
		printf(" %6d", k);
	printf(" %10s\n", "FREE PAGES");
	for (i = 0; i < bi.nr; i++) {
		unsigned long long pages = 0;

		printf("%-4d %-8s", bi.rows[i].nid, bi.rows[i].name);
		for (k = 0; k < SMM_ORDERS; k++) {
			printf(" %6ld", bi.rows[i].v[k]);
			pages += (unsigned long long)bi.rows[i].v[k] << k;
		}
		printf(" %10llu\n", pages);
	}
	printf("%-13s", "total");
	for (k = 0; k < SMM_ORDERS; k++)
		printf(" %6llu", total[k]);
	printf(" %10llu\n", total_pages);
	smm_print_index_table("unusable free space index (0: all free space usable at that order)",
			      &un);
	smm_print_index_table("fragmentation index (-1: a block is free; near 0: short of memory, near 1: fragmented)",
			      &ex);
	ret = 0;
out:
	smm_zone_rows_free(&bi);
	smm_zone_rows_free(&un);
	smm_zone_rows_free(&ex);
	return ret;
}

/**
 * smm_view_zones() - every zone's pages, watermarks and pagesets
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_zones(const struct smm_opts *o)
{
	struct smm_zoneinfo zi = { 0 };
	struct smm_json j;
	int i, k;

	if (smm_parse_zoneinfo(o->root, &zi))
		return SMM_EXIT_ERROR;

	if (o->json) {
		smm_json_view(&j, o, "zones", true);
		smm_json_array(&j, "zones");
		for (i = 0; i < zi.nr; i++) {
			const struct smm_zone *z = &zi.zones[i];

			smm_json_object(&j, NULL);
			smm_json_int(&j, "node", z->nid);
			smm_json_string(&j, "zone", z->name);
			smm_json_bool(&j, "populated", z->populated);
			smm_json_uint(&j, "free", z->free);
			smm_json_uint(&j, "min", z->min);
			smm_json_uint(&j, "low", z->low);
			smm_json_uint(&j, "high", z->high);
			smm_json_string(&j, "state", smm_zone_state(z));
			smm_json_uint(&j, "spanned", z->spanned);
			smm_json_uint(&j, "present", z->present);
			smm_json_uint(&j, "managed", z->managed);
			smm_json_array(&j, "protection");
			for (k = 0; k < z->nr_protection; k++)
				smm_json_uint(&j, NULL, z->protection[k]);
			smm_json_end_array(&j);
			smm_json_uint(&j, "nr_free_pages", z->nr_free_pages);
			smm_json_uint(&j, "nr_free_pcp", z->nr_free_pcp);
			smm_json_uint(&j, "start_sfn", z->start_sfn);
			if (z->populated)
				smm_json_uint(&j, "start_pfn", z->start_pfn);
			else
				smm_json_null(&j, "start_pfn");
			smm_json_array(&j, "pagesets");
			for (k = 0; k < z->nr_pagesets; k++) {
				smm_json_object(&j, NULL);
				smm_json_int(&j, "cpu", z->pagesets[k].cpu);
				smm_json_uint(&j, "count", z->pagesets[k].count);
				smm_json_uint(&j, "high", z->pagesets[k].high);
				smm_json_uint(&j, "batch", z->pagesets[k].batch);
				smm_json_end_object(&j);
			}
			smm_json_end_array(&j);
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_done(&j);
		smm_zoneinfo_free(&zi);
		return 0;
	}

	printf("%-4s %-8s %8s %7s %7s %7s %10s %5s  %-10s %8s %8s %8s  %s\n", "NODE", "ZONE",
	       "FREE", "MIN", "LOW", "HIGH", "STATE", "PCP", "START_SFN", "SPANNED", "PRESENT",
	       "MANAGED", "PROTECTION");
	for (i = 0; i < zi.nr; i++) {
		const struct smm_zone *z = &zi.zones[i];

		printf("%-4d %-8s %8lu %7lu %7lu %7lu %10s %5lu  %-10lu %8lu %8lu %8lu  (", z->nid,
		       z->name, z->free, z->min, z->low, z->high, smm_zone_state(z), z->nr_free_pcp,
		       z->start_sfn, z->spanned, z->present, z->managed);
		for (k = 0; k < z->nr_protection; k++)
			printf("%s%lu", k ? ", " : "", z->protection[k]);
		puts(")");
	}
	printf("\npagesets (per-CPU lists of order-0 pages)\n%-4s %-8s %4s %6s %6s %6s\n",
	       "NODE", "ZONE", "CPU", "COUNT", "HIGH", "BATCH");
	for (i = 0; i < zi.nr; i++) {
		const struct smm_zone *z = &zi.zones[i];

		for (k = 0; k < z->nr_pagesets; k++)
			printf("%-4d %-8s %4d %6lu %6lu %6lu\n", z->nid, z->name,
			       z->pagesets[k].cpu, z->pagesets[k].count, z->pagesets[k].high,
			       z->pagesets[k].batch);
	}
	smm_zoneinfo_free(&zi);
	return 0;
}

/**
 * smm_view_slab() - every slab cache, largest in memory first
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_slab(const struct smm_opts *o)
{
	unsigned long long total = 0, active = 0, objs = 0;
	struct smm_slabinfo si = { 0 };
	struct smm_region r = { 0 };
	struct smm_json j;
	int i;

	if (smm_parse_region(o->root, &r) || smm_parse_slabinfo(o->root, r.page_size, &si)) {
		smm_region_free(&r);
		return SMM_EXIT_ERROR;
	}
	smm_slab_sort(&si);
	for (i = 0; i < si.nr; i++) {
		total += si.caches[i].bytes;
		active += si.caches[i].active_objs;
		objs += si.caches[i].num_objs;
	}

	if (o->json) {
		smm_json_view(&j, o, "slab", true);
		smm_json_uint(&j, "page_size", r.page_size);
		smm_json_uint(&j, "total_bytes", total);
		smm_json_array(&j, "caches");
		for (i = 0; i < si.nr; i++) {
			const struct smm_cache *c = &si.caches[i];

			smm_json_object(&j, NULL);
			smm_json_string(&j, "name", c->name);
			smm_json_uint(&j, "active_objs", c->active_objs);
			smm_json_uint(&j, "num_objs", c->num_objs);
			smm_json_uint(&j, "objsize", c->objsize);
			smm_json_uint(&j, "objperslab", c->objperslab);
			smm_json_uint(&j, "pagesperslab", c->pagesperslab);
			smm_json_uint(&j, "limit", c->limit);
			smm_json_uint(&j, "batchcount", c->batchcount);
			smm_json_uint(&j, "sharedfactor", c->sharedfactor);
			smm_json_uint(&j, "active_slabs", c->active_slabs);
			smm_json_uint(&j, "num_slabs", c->num_slabs);
			smm_json_uint(&j, "sharedavail", c->sharedavail);
			smm_json_uint(&j, "memory_bytes", c->bytes);
			if (c->num_objs)
				smm_json_real(&j, "use_percent",
					      smm_percent(c->active_objs, c->num_objs), 1);
			else
				smm_json_null(&j, "use_percent");
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_done(&j);
		goto out;
	}

	printf("%-24s %9s %9s %5s %8s %8s %10s %6s %11s\n", "CACHE", "ACTIVE", "OBJS", "USE",
	       "OBJSIZE", "OBJ/SLAB", "PAGES/SLAB", "SLABS", "MEMORY");
	for (i = 0; i < si.nr; i++) {
		const struct smm_cache *c = &si.caches[i];

		printf("%-24s %9lu %9lu %4.0f%% %8lu %8lu %10lu %6lu %8llu kB\n", c->name,
		       c->active_objs, c->num_objs, smm_percent(c->active_objs, c->num_objs),
		       c->objsize, c->objperslab, c->pagesperslab, c->num_slabs, c->bytes / 1024);
	}
	printf("%d caches, %llu of %llu objects active, %llu kB in slabs\n", si.nr, active, objs,
	       total / 1024);
out:
	smm_region_free(&r);
	smm_slabinfo_free(&si);
	return 0;
}

static const char * const smm_lru_counters[] = {
	"pgactivate", "pgdeactivate", "pgrefill", "pgscan_kswapd", "pgscan_direct",
	"pgsteal_kswapd", "pgsteal_direct", "pgsteal_zero", "workingset_refault",
	"workingset_activate", "workingset_nodereclaim", "pageoutrun", "kswapd_giveup",
};

#define SMM_NR_LRU_COUNTERS	ARRAY_SIZE(smm_lru_counters)

/**
 * smm_view_lru() - the LRU lists' sizes and the aging and reclaim counters
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_lru(const struct smm_opts *o)
{
	struct smm_kvs mem = { 0 }, vm = { 0 };
	unsigned long long act, inact;
	struct smm_json j;

	if (smm_parse_meminfo(o->root, &mem) || smm_parse_vmstat(o->root, &vm)) {
		smm_kvs_free(&mem);
		return SMM_EXIT_ERROR;
	}
	act = smm_kb(&mem, "Active");
	inact = smm_kb(&mem, "Inactive");

	if (o->json) {
		smm_json_view(&j, o, "lru", true);
		smm_json_kb(&j, "active_kb", &mem, "Active");
		smm_json_kb(&j, "inactive_kb", &mem, "Inactive");
		smm_json_kb(&j, "unevictable_kb", &mem, "Unevictable");
		smm_json_kb(&j, "mlocked_kb", &mem, "Mlocked");
		if (act + inact)
			smm_json_real(&j, "inactive_percent", smm_percent(inact, act + inact), 1);
		else
			smm_json_null(&j, "inactive_percent");
		smm_json_counters(&j, "counters", &vm, smm_lru_counters, SMM_NR_LRU_COUNTERS);
		smm_json_done(&j);
	} else {
		printf("%-12s %10llu kB\n", "active", act);
		printf("%-12s %10llu kB  (%.1f %% of the evictable pages)\n", "inactive", inact,
		       smm_percent(inact, act + inact));
		printf("%-12s %10llu kB\n", "unevictable", smm_kb(&mem, "Unevictable"));
		printf("%-12s %10llu kB\n\n", "mlocked", smm_kb(&mem, "Mlocked"));
		smm_print_counters(&vm, smm_lru_counters, SMM_NR_LRU_COUNTERS);
	}
	smm_kvs_free(&mem);
	smm_kvs_free(&vm);
	return 0;
}

/**
 * smm_view_vmas() - every live mapping of an object
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_vmas(const struct smm_opts *o)
{
	unsigned long long pages = 0, resident = 0, minor = 0, major = 0, cow = 0;
	struct smm_region r = { 0 };
	struct smm_vmas v = { 0 };
	struct smm_json j;
	char hex[24];
	int i;

	if (smm_parse_region(o->root, &r) || smm_parse_vmas(o->root, &v)) {
		smm_region_free(&r);
		return SMM_EXIT_ERROR;
	}
	for (i = 0; i < v.nr; i++) {
		pages += (v.vmas[i].end - v.vmas[i].start) / r.page_size;
		resident += v.vmas[i].resident;
		minor += v.vmas[i].minor;
		major += v.vmas[i].major;
		cow += v.vmas[i].cow;
	}

	if (o->json) {
		smm_json_view(&j, o, "vmas", true);
		smm_json_uint(&j, "page_size", r.page_size);
		smm_json_array(&j, "vmas");
		for (i = 0; i < v.nr; i++) {
			const struct smm_vma *m = &v.vmas[i];

			smm_json_object(&j, NULL);
			smm_json_int(&j, "pid", m->pid);
			snprintf(hex, sizeof(hex), "0x%llx", m->start);
			smm_json_string(&j, "start", hex);
			snprintf(hex, sizeof(hex), "0x%llx", m->end);
			smm_json_string(&j, "end", hex);
			smm_json_string(&j, "perms", m->perms);
			snprintf(hex, sizeof(hex), "0x%llx", m->offset);
			smm_json_string(&j, "offset", hex);
			smm_json_uint(&j, "pages", (m->end - m->start) / r.page_size);
			smm_json_uint(&j, "resident", m->resident);
			smm_json_uint(&j, "minor", m->minor);
			smm_json_uint(&j, "major", m->major);
			smm_json_uint(&j, "cow", m->cow);
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_object(&j, "totals");
		smm_json_uint(&j, "mappings", v.nr);
		smm_json_uint(&j, "pages", pages);
		smm_json_uint(&j, "resident", resident);
		smm_json_uint(&j, "minor", minor);
		smm_json_uint(&j, "major", major);
		smm_json_uint(&j, "cow", cow);
		smm_json_end_object(&j);
		smm_json_done(&j);
	} else {
		printf("%7s %-33s %-5s %-9s %8s %8s %8s %8s %8s\n", "PID", "START-END", "PERMS",
		       "OFFSET", "PAGES", "RESIDENT", "MINOR", "MAJOR", "COW");
		for (i = 0; i < v.nr; i++) {
			const struct smm_vma *m = &v.vmas[i];
			char range[40];

			snprintf(range, sizeof(range), "%08llx-%08llx", m->start, m->end);
			printf("%7d %-33s %-5s %08llx  %8llu %8lu %8lu %8lu %8lu\n", m->pid, range,
			       m->perms, m->offset, (m->end - m->start) / r.page_size, m->resident,
			       m->minor, m->major, m->cow);
		}
		printf("%d mapping%s, %llu pages, %llu resident; faults: %llu minor, %llu major, %llu cow\n",
		       v.nr, v.nr == 1 ? "" : "s", pages, resident, minor, major, cow);
	}
	smm_region_free(&r);
	smm_vmas_free(&v);
	return 0;
}

static const char * const smm_ws_counters[] = {
	"workingset_refault", "workingset_activate", "workingset_nodereclaim",
};

/**
 * smm_view_workingset() - refault distances per node, shadow entries
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_workingset(const struct smm_opts *o)
{
	struct smm_workingset ws = { 0 };
	struct smm_kvs vm = { 0 };
	struct smm_json j;
	int i, b;

	if (smm_parse_workingset(o->root, &ws) || smm_parse_vmstat(o->root, &vm)) {
		smm_workingset_free(&ws);
		return SMM_EXIT_ERROR;
	}

	if (o->json) {
		smm_json_view(&j, o, "workingset", true);
		smm_json_int(&j, "shadow_only", ws.shadow_only);
		smm_json_uint(&j, "shadow_only_max", ws.shadow_only_max);
		smm_json_array(&j, "nodes");
		for (i = 0; i < ws.nr; i++) {
			const struct smm_ws_node *n = &ws.nodes[i];

			smm_json_object(&j, NULL);
			smm_json_int(&j, "node", n->nid);
			smm_json_int(&j, "age", n->age);
			smm_json_int(&j, "refaults", n->refaults);
			smm_json_int(&j, "activated", n->activated);
			smm_json_array(&j, "distances");
			for (b = 0; b < n->nr; b++) {
				smm_json_object(&j, NULL);
				smm_json_uint(&j, "min", n->buckets[b].lo);
				smm_json_uint(&j, "max", n->buckets[b].hi);
				smm_json_int(&j, "refaults", n->buckets[b].refaults);
				smm_json_end_object(&j);
			}
			smm_json_end_array(&j);
			smm_json_end_object(&j);
		}
		smm_json_end_array(&j);
		smm_json_counters(&j, "counters", &vm, smm_ws_counters, ARRAY_SIZE(smm_ws_counters));
		smm_json_done(&j);
	} else {
		printf("shadow entries without a slot: %ld (at most %lu)\n", ws.shadow_only,
		       ws.shadow_only_max);
		for (i = 0; i < ws.nr; i++) {
			const struct smm_ws_node *n = &ws.nodes[i];

			printf("\nnode %d: age %ld, refaults %ld, activated %ld\n", n->nid, n->age,
			       n->refaults, n->activated);
			if (!n->nr)
				continue;
			printf("  %-20s %10s\n", "DISTANCE", "REFAULTS");
			for (b = 0; b < n->nr; b++) {
				char range[48];

				snprintf(range, sizeof(range), "%lu-%lu", n->buckets[b].lo,
					 n->buckets[b].hi);
				printf("  %-20s %10ld\n", range, n->buckets[b].refaults);
			}
		}
		putchar('\n');
		smm_print_counters(&vm, smm_ws_counters, ARRAY_SIZE(smm_ws_counters));
	}
	smm_workingset_free(&ws);
	smm_kvs_free(&vm);
	return 0;
}

static const char * const smm_swap_counters[] = { "pswpin", "pswpout", "pgmajfault" };

/**
 * smm_view_swap() - the backing store
 * @o: the options
 *
 * Return: an exit status.
 */
int smm_view_swap(const struct smm_opts *o)
{
	struct smm_kvs mem = { 0 }, vm = { 0 };
	struct smm_region r = { 0 };
	int ret = SMM_EXIT_ERROR;
	struct smm_swap sw;
	struct smm_json j;

	if (smm_parse_region(o->root, &r) || smm_parse_swap(o->root, &sw) ||
	    smm_parse_meminfo(o->root, &mem) || smm_parse_vmstat(o->root, &vm))
		goto out;

	if (o->json) {
		smm_json_view(&j, o, "swap", true);
		smm_json_store(&j, "store", &sw, &mem, r.page_size);
		smm_json_counters(&j, "counters", &vm, smm_swap_counters, ARRAY_SIZE(smm_swap_counters));
		smm_json_done(&j);
		ret = 0;
		goto out;
	}
	printf("backend:   %s%s%s\n", sw.backend, sw.detail[0] ? " " : "", sw.detail);
	if (sw.has_slots) {
		/* Read apart, used may pass slots for a moment: none left, as in JSON. */
		unsigned long left = sw.slots >= sw.used ? sw.slots - sw.used : 0;

		printf("slots:     %lu, %lu used (%.1f %%), %lu free (%llu kB)\n", sw.slots, sw.used,
		       smm_percent(sw.used, sw.slots), left,
		       (unsigned long long)left * r.page_size / 1024);
	}
	if (sw.has_stored_bytes && sw.used)
		printf("stored:    %ld bytes, %.1f per page of %lu bytes\n", sw.stored_bytes,
		       (double)sw.stored_bytes / sw.used, r.page_size);
	else if (sw.has_stored_bytes)
		printf("stored:    %ld bytes\n", sw.stored_bytes);
	if (sw.has_corrupt)
		printf("corrupt:   %ld reads\n", sw.corrupt);
	printf("meminfo:   SwapTotal %llu kB, SwapFree %llu kB\n\n", smm_kb(&mem, "SwapTotal"),
	       smm_kb(&mem, "SwapFree"));
	smm_print_counters(&vm, smm_swap_counters, ARRAY_SIZE(smm_swap_counters));
	ret = 0;
out:
	smm_region_free(&r);
	smm_kvs_free(&mem);
	smm_kvs_free(&vm);
	return ret;
}
