// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the debugfs directory /sys/kernel/debug/shadowmm/.
 *
 * The live pool's state in the formats of the kernel's own files, so the
 * habits and scripts made for /proc/buddyinfo, /proc/zoneinfo,
 * /proc/meminfo, /proc/slabinfo, /proc/vmstat and debugfs extfrag/ work
 * here too:
 *
 *   buddyinfo zoneinfo meminfo slabinfo vmstat extfrag_index unusable_index
 *   region    where the memory came from, and what its metadata costs
 *   vmas      every live mapping of an object, as /proc/PID/maps lines
 *             with the pid in front and faults and resident pages after
 *   swap      the backing store: backend, slots used, bytes, corrupt reads
 *   workingset per node its age, refaults and their distances;
 *             shadow-only entries
 *   lru_gen   the generations of the mglru policy, in the format of the
 *             kernel's /sys/kernel/debug/lru_gen; or which policy runs
 *   validate  read: full consistency check, "ok" or one line per problem
 *   knobs     read: the tunables; write "name value" to change one (other
 *             modules add knobs of their own: smm_knobs_add())
 *   fail_page_alloc/  fault injection (the kernel's framework) + min-order
 *   slab/<cache>/     one directory per cache, eight files at most
 *             (module/slab_debugfs.c): errors; slabs, partial, free_slabs,
 *             objects, total_objects as SLUB's sysfs files; and, when the
 *             cache tracks owners, alloc_traces and free_traces
 *   bench     the allocator benchmarks (shadowmm_bench.ko adds it while
 *             loaded)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/fault-inject.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <shadowmm/buddy.h>
#include <shadowmm/fault_window.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/vma.h>
#include <shadowmm/compat.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/main.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/slab.h>

/* Written once at init and cleared at exit; no lock needed. */
static struct dentry *smm_debugfs_dir;

/*
 * Knob sets other modules added.  The lock is held across a set's knob
 * from lookup to return, so smm_knobs_remove() waits for it and the
 * module it lives in cannot go meanwhile.
 */
static LIST_HEAD(smm_knob_sets);
static DEFINE_MUTEX(smm_knob_sets_lock);

/**
 * smm_debugfs_init() - create /sys/kernel/debug/shadowmm/
 *
 * A kernel booted with debugfs=off (-EPERM) or debugfs=no-mount
 * (-ENOENT), or built without debugfs (-ENODEV), still gets the device:
 * the module loads without its files, and smm_debugfs_root() is NULL.
 *
 * Context: Process context, module init.
 * Return: 0, or a negative errno when the directory cannot be created
 * on a kernel whose debugfs is there.
 */
int smm_debugfs_init(void)
{
	struct dentry *dir;

	dir = debugfs_create_dir(SMM_NAME, NULL);
	if (IS_ERR(dir)) {
		if (PTR_ERR(dir) != -EPERM && PTR_ERR(dir) != -ENOENT &&
		    PTR_ERR(dir) != -ENODEV)
			return PTR_ERR(dir);
		pr_info("debugfs is not available (%pe): /dev/%s without its debugfs files\n",
			dir, SMM_NAME);
		return 0;
	}
	smm_debugfs_dir = dir;
	return 0;
}

/**
 * smm_debugfs_exit() - remove the directory and every file below it
 *
 * Context: Process context, module exit or init unwind.
 */
void smm_debugfs_exit(void)
{
	debugfs_remove_recursive(smm_debugfs_dir);
	smm_debugfs_dir = NULL;
}

/**
 * smm_debugfs_root() - the directory subsystems create their files in
 *
 * Context: Any context, between smm_debugfs_init() and smm_debugfs_exit().
 * Return: the debugfs dentry of /sys/kernel/debug/shadowmm/, or NULL
 * when debugfs is not available (never create a file with NULL: it would
 * land in the debugfs root).
 */
struct dentry *smm_debugfs_root(void)
{
	return smm_debugfs_dir;
}
SMM_EXPORT(smm_debugfs_root);

/* /proc/buddyinfo: free blocks per order. */
static int smm_buddyinfo_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;
	struct smm_zone *zone;
	int i, o;

	for_each_smm_zone(pool, zone, i) {
		if (!smm_zone_populated(zone))
			continue;
		seq_printf(m, "Node %d, zone %8s ", zone->node->nid, smm_zone_name(zone));
		for (o = 0; o < SMM_NR_ORDERS; o++)
			seq_printf(m, "%6lu ", READ_ONCE(zone->free_area[o].nr_free));
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_buddyinfo);

static unsigned long smm_zone_pcp_count(struct smm_zone *zone)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
	return n;
}

/* /proc/zoneinfo: sizes, watermarks, protection and pagesets. */
static int smm_zoneinfo_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;
	struct smm_region *r = &pool->region;
	struct smm_zone *zone;
	int i, t, cpu;

	for_each_smm_zone(pool, zone, i) {
		seq_printf(m, "Node %d, zone %8s\n", zone->node->nid, smm_zone_name(zone));
		seq_printf(m, "  pages free     %lu\n", smm_zone_free(zone));
		seq_printf(m, "        min      %lu\n", READ_ONCE(zone->watermark[SMM_WMARK_MIN]));
		seq_printf(m, "        low      %lu\n", READ_ONCE(zone->watermark[SMM_WMARK_LOW]));
		seq_printf(m, "        high     %lu\n", READ_ONCE(zone->watermark[SMM_WMARK_HIGH]));
		seq_printf(m, "        spanned  %lu\n", zone->spanned);
		seq_printf(m, "        present  %lu\n", zone->present);
		seq_printf(m, "        managed  %lu\n", zone->managed);
		seq_puts(m, "        protection: (");
		for (t = 0; t < SMM_NR_ZONE_TYPES; t++)
			seq_printf(m, "%s%lu", t ? ", " : "",
				   READ_ONCE(zone->lowmem_reserve[t]));
		seq_puts(m, ")\n");
		seq_printf(m, "      nr_free_pages %lu\n", smm_zone_free(zone));
		seq_printf(m, "      nr_free_pcp %lu\n", smm_zone_pcp_count(zone));
		if (smm_zone_populated(zone)) {
			seq_puts(m, "  pagesets\n");
			for_each_online_cpu(cpu) {
				seq_printf(m, "    cpu: %i\n", cpu);
				seq_printf(m, "              count: %u\n",
					   READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count));
				seq_printf(m, "              high:  %u\n",
					   READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->high));
				seq_printf(m, "              batch: %u\n", READ_ONCE(zone->pcp_batch));
			}
			seq_printf(m, "  start_pfn:           %lu\n",
				   smm_sfn_pfn(r, zone->start_sfn));
		}
		seq_printf(m, "  start_sfn:           %lu\n", zone->start_sfn);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_zoneinfo);

static void smm_show_kb(struct seq_file *m, const char *name, unsigned long pages)
{
	seq_printf(m, "%-16s%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

/* /proc/meminfo. */
static int smm_meminfo_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;

	smm_show_kb(m, "MemTotal:", smm_pool_managed_pages(pool));
	smm_show_kb(m, "MemFree:", smm_pool_free_pages(pool));
	smm_show_kb(m, "Active:", smm_lru_pages(pool, SMM_LRU_ACTIVE));
	smm_show_kb(m, "Inactive:", smm_lru_pages(pool, SMM_LRU_INACTIVE));
	smm_show_kb(m, "Unevictable:", smm_lru_pages(pool, SMM_LRU_UNEVICTABLE));
	smm_show_kb(m, "Mlocked:", smm_lru_mlocked_pages(pool));
	smm_show_kb(m, "Slab:", smm_slab_pages(pool));
	smm_show_kb(m, "Objects:", atomic_long_read(&pool->objects.nr_pages));
	smm_show_kb(m, "ObjectsPinned:", smm_object_pinned_pages(pool));
	/* As ShmemHugePages: pages of the objects' PMD-sized folios. */
	smm_show_kb(m, "ObjectsHugePages:",
		    atomic_long_read(&pool->objects.nr_huge) * SMM_HUGE_NR);
	smm_show_kb(m, "SwapTotal:", pool->swap.ready ? pool->swap.nr_slots : 0);
	smm_show_kb(m, "SwapFree:", pool->swap.ready ? smm_swap_free_slots(&pool->swap) : 0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_meminfo);

/* /proc/slabinfo, version 2.1. */
static int smm_slabinfo_show(struct seq_file *m, void *v)
{
	smm_slab_print_info(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_slabinfo);

/* /proc/vmstat: state first, then the event counters. */
static int smm_vmstat_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;
	struct smm_zone *zone;
	unsigned long pcp = 0;
	int i;

	for_each_smm_zone(pool, zone, i)
		pcp += smm_zone_pcp_count(zone);
	seq_printf(m, "nr_free_pages %lu\n", smm_pool_free_pages(pool));
	seq_printf(m, "nr_free_pcp %lu\n", pcp);
	for (i = 0; i < SMM_NR_EVENTS; i++)
		seq_printf(m, "%s %lu\n", smm_event_names[i], smm_event_sum(pool, i));
	/* The store's own count: its KUnit stores have no pool to count in. */
	seq_printf(m, "pswpout_fail %ld\n", atomic_long_read(&pool->swap.write_errors));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_vmstat);

/* The backing store: backend, slots, bytes held, corrupt reads. */
static int smm_swap_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;

	if (pool->swap.ready)
		smm_swap_print(m, &pool->swap);
	else
		seq_puts(m, "backend none\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_swap);

/* Refault distances per node, and the shadow entries' bound. */
static int smm_workingset_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;

	seq_printf(m, "shadow_only %ld max %lu\n",
		   atomic_long_read(&pool->workingset.nr_shadow_only), pool->workingset.shadow_only_max);
	smm_workingset_print(m, pool);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_workingset);

/* The generations per node under mglru, as the kernel's lru_gen file. */
static int smm_lru_gen_show(struct seq_file *m, void *v)
{
	smm_lru_gen_print(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_lru_gen);

/* /proc/PID/maps for every process mapping an object. */
static int smm_vmas_show(struct seq_file *m, void *v)
{
	return smm_vma_print(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(smm_vmas);

/* The kernel's contig_page_info: free blocks in total, free frames, and
 * free blocks that could serve an allocation of @order.
 */
struct smm_contig_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};

static void smm_contig_info(struct smm_zone *zone, unsigned int order,
			    struct smm_contig_info *info)
{
	unsigned int o;

	memset(info, 0, sizeof(*info));
	for (o = 0; o < SMM_NR_ORDERS; o++) {
		unsigned long blocks = READ_ONCE(zone->free_area[o].nr_free);

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= order)
			info->free_blocks_suitable += blocks << (o - order);
	}
}

/* The fragmentation index, as compaction reads it (compaction.c). */
static int smm_extfrag_index(struct smm_zone *zone, unsigned int order)
{
	return smm_zone_extfrag_index(zone, order);
}

/* Unusable free space index: the share of free frames in blocks too
 * small for @order, in thousandths (1000 when nothing is free).
 */
static int smm_unusable_index(struct smm_zone *zone, unsigned int order)
{
	struct smm_contig_info info;

	smm_contig_info(zone, order, &info);
	if (!info.free_pages)
		return 1000;
	return (info.free_pages - (info.free_blocks_suitable << order)) * 1000 /
	       info.free_pages;
}

static void smm_show_index(struct seq_file *m, struct smm_pool *pool,
			   int (*index)(struct smm_zone *, unsigned int))
{
	struct smm_zone *zone;
	unsigned int o;
	int i;

	for_each_smm_zone(pool, zone, i) {
		if (!smm_zone_populated(zone))
			continue;
		seq_printf(m, "Node %d, zone %8s ", zone->node->nid, smm_zone_name(zone));
		for (o = 0; o < SMM_NR_ORDERS; o++) {
			int idx = index(zone, o);

			seq_printf(m, "%s%d.%03d ", idx < 0 ? "-" : "",
				   abs(idx) / 1000, abs(idx) % 1000);
		}
		seq_putc(m, '\n');
	}
}

static int smm_extfrag_show(struct seq_file *m, void *v)
{
	smm_show_index(m, m->private, smm_extfrag_index);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_extfrag);

static int smm_unusable_show(struct seq_file *m, void *v)
{
	smm_show_index(m, m->private, smm_unusable_index);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_unusable);

static int smm_region_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;
	struct smm_region *r = &pool->region;
	size_t meta = smm_region_metadata_bytes(r);
	unsigned long c;
	int n;

	if (r->backend == SMM_BACKEND_RESERVED)
		seq_printf(m, "backend:         reserved %pa+%pa\n", &r->phys_base,
			   &r->phys_size);
	else
		seq_puts(m, "backend:         kernel\n");
	seq_printf(m, "frames:          %lu\n", r->nr_frames);
	seq_printf(m, "present:         %lu\n", r->nr_present);
	seq_printf(m, "nodes:           %d\n", pool->zones.nr_nodes);
	for (n = 0; n < pool->zones.nr_nodes; n++)
		seq_printf(m, "node %d:          sfn %lu-%lu\n", pool->zones.nodes[n].nid,
			   pool->zones.nodes[n].start_sfn,
			   pool->zones.nodes[n].start_sfn + pool->zones.nodes[n].spanned - 1);
	seq_printf(m, "descriptor:      %zu bytes per %lu-byte frame\n",
		   sizeof(struct smm_page), PAGE_SIZE);
	seq_printf(m, "metadata:        %zu bytes\n", meta);
	seq_printf(m, "metadata_ppm:    %llu\n",
		   div64_u64((u64)meta * 1000000, (u64)r->nr_present << PAGE_SHIFT));
	seq_puts(m, "chunks:\n");
	for (c = 0; c < r->nr_chunks; c++)
		seq_printf(m, "  %4lu pfn 0x%lx node %d\n", c, r->chunk_pfn[c],
			   r->chunk_nid[c]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_region);

static int smm_validate_show(struct seq_file *m, void *v)
{
	struct smm_report r = { .m = m };

	if (smm_pool_validate(m->private, &r))
		seq_printf(m, "%u problems\n", r.problems);
	else if (r.unchecked)
		seq_printf(m, "ok but %u parts unchecked: they changed during every walk, or their process's mmap_lock stayed busy, for a second (the kernel log says which)\n",
			   r.unchecked);
	else
		seq_puts(m, "ok\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smm_validate);

static int smm_knobs_show(struct seq_file *m, void *v)
{
	struct smm_pool *pool = m->private;
	/* Zones start with sizes of their own; show node 0's Normal zone. */
	struct smm_zone *zone = pool->zones.table[SMM_ZONE_NORMAL];
	struct smm_knob_set *set;

	mutex_lock(&pool->tune_lock);
	seq_printf(m, "watermark_scale_factor %u\n", pool->zones.watermark_scale_factor);
	seq_printf(m, "min_free_kbytes %lu\n", pool->zones.min_free_kbytes);
	seq_printf(m, "pcp_high %u\n", READ_ONCE(zone->pcp_high));
	seq_printf(m, "pcp_batch %u\n", READ_ONCE(zone->pcp_batch));
	seq_printf(m, "pcp_auto %d\n", !READ_ONCE(pool->pcp.fixed));
	seq_printf(m, "lru_batch %u\n", READ_ONCE(pool->lru.batch_size));
	seq_printf(m, "lru_policy %s\n", smm_lru_policy(pool)->name);
	seq_printf(m, "fault_window %u\n", READ_ONCE(pool->fault_window.size));
	seq_printf(m, "fault_order %u\n", READ_ONCE(pool->objects.fault_order));
	seq_printf(m, "huge %s\n", smm_huge_mode_names[READ_ONCE(pool->objects.huge)]);
	seq_printf(m, "extfrag_threshold %u\n", READ_ONCE(pool->compact.extfrag_threshold));
	mutex_unlock(&pool->tune_lock);
	seq_puts(m, "# \"lru_policy classic|workingset|mglru|lip|lirs\" switches the reclaim policy while no page is on the LRU,\n");
	seq_printf(m, "# \"fault_window N\" (0 or %u..%u) keeps only the N pages of each object that faulted last mapped,\n",
		   SMM_FAULT_WINDOW_MIN, SMM_FAULT_WINDOW_MAX);
	seq_printf(m, "# \"fault_order N\" (0..%u) makes and maps a block of 2^N pages on a first touch,\n",
		   SMM_FAULT_ORDER_MAX);
	seq_puts(m, "# \"huge never|always|advise\" lets a first touch map 2 MiB with one PMD (advise: MADV_HUGEPAGE only),\n");
	seq_printf(m, "# \"pcp_auto 1\": per-CPU lists sized by zone, each high tuned from %u to pcp_high; \"pcp_auto 0\"\n",
		   READ_ONCE(zone->pcp_high_min));
	seq_puts(m, "# fixes each zone's at its own pcp_high, \"pcp_high N\" or \"pcp_batch N\" every zone's at N,\n");
	seq_puts(m, "# write \"name value\" to set; \"drain_pcp 1\" drains every per-CPU list,\n");
	seq_puts(m, "# \"drain_lru 1\" moves every per-CPU LRU batch to the lists,\n");
	seq_puts(m, "# \"drop_slabs 1\" gives every cache's free slabs back,\n");
	seq_printf(m, "# \"compact 1\" compacts every zone; \"extfrag_threshold N\" (0..%u) wakes kcompactd above it,\n",
		   SMM_EXTFRAG_THRESHOLD_MAX);
	mutex_lock(&smm_knob_sets_lock);
	seq_printf(m, "# \"reclaim N\" evicts up to N object pages to the backing store (none: refused)%s\n",
		   list_empty(&smm_knob_sets) ? "" : ",");
	list_for_each_entry(set, &smm_knob_sets, list)
		seq_puts(m, set->help);
	mutex_unlock(&smm_knob_sets_lock);
	return 0;
}

static int smm_knob_set_wsf(struct smm_pool *pool, unsigned int val)
{
	return smm_pool_set_watermark_scale_factor(pool, val);
}

static int smm_knob_set_min_free_kbytes(struct smm_pool *pool, unsigned int val)
{
	return smm_pool_set_min_free_kbytes(pool, val);
}

static int smm_knob_set_pcp_high(struct smm_pool *pool, unsigned int val)
{
	return smm_pcp_set_one(pool, true, val);
}

static int smm_knob_set_pcp_batch(struct smm_pool *pool, unsigned int val)
{
	return smm_pcp_set_one(pool, false, val);
}

static int smm_knob_pcp_auto(struct smm_pool *pool, unsigned int val)
{
	if (val)
		smm_pcp_set_auto(pool);
	else
		smm_pcp_set_fixed(pool);
	return 0;
}

static int smm_knob_set_lru_batch(struct smm_pool *pool, unsigned int val)
{
	return smm_lru_set_batch(pool, val);
}

static int smm_knob_set_fault_window(struct smm_pool *pool, unsigned int val)
{
	if (val && val < SMM_FAULT_WINDOW_MIN) {
		pr_err_ratelimited("knobs: fault_window %u is too small: 0 turns it off, or at least %u\n",
				   val, SMM_FAULT_WINDOW_MIN);
		return -EINVAL;
	}
	return smm_fault_window_set(pool, val);
}

static int smm_knob_drain_pcp(struct smm_pool *pool, unsigned int val)
{
	smm_pcp_drain_all(pool);
	return 0;
}

static int smm_knob_drain_lru(struct smm_pool *pool, unsigned int val)
{
	smm_lru_drain_all(pool);
	return 0;
}

static int smm_knob_drop_slabs(struct smm_pool *pool, unsigned int val)
{
	smm_slab_shrink_all(pool);
	return 0;
}

static int smm_knob_compact(struct smm_pool *pool, unsigned int val)
{
	return smm_compact_pool(pool, NULL);
}

static int smm_knob_set_extfrag_threshold(struct smm_pool *pool, unsigned int val)
{
	return smm_compaction_set_extfrag_threshold(pool, val);
}

/*
 * A pool loaded with swap_mb=0 has nowhere to put a page: "up to N" would
 * be a success that can never evict anything, so it is refused instead.
 */
static int smm_knob_reclaim(struct smm_pool *pool, unsigned int val)
{
	if (!pool->swap.ready)
		return -EOPNOTSUPP;
	smm_reclaim_pages(pool, val);
	/* A signal ended it early: what went stays evicted. */
	return signal_pending(current) ? -EINTR : 0;
}

/* What a knob accepts right now: some bounds follow the pool's state. */
static unsigned long smm_knob_min_pcp_high(struct smm_pool *pool)
{
	return max(1U, READ_ONCE(pool->zones.table[SMM_ZONE_NORMAL]->pcp_batch));
}

static unsigned long smm_knob_max_pcp_batch(struct smm_pool *pool)
{
	return min_t(unsigned int, SMM_PCP_BATCH_MAX,
		     READ_ONCE(pool->zones.table[SMM_ZONE_NORMAL]->pcp_high));
}

static const struct smm_knob smm_knobs[] = {
	{ "watermark_scale_factor", 1, SMM_WSF_MAX, NULL, NULL, smm_knob_set_wsf },
	{ "min_free_kbytes", 0, 0, NULL, smm_pool_max_min_free_kbytes,
	  smm_knob_set_min_free_kbytes },
	{ "pcp_high", 0, SMM_PCP_HIGH_MAX, smm_knob_min_pcp_high, NULL,
	  smm_knob_set_pcp_high },
	{ "pcp_batch", 1, 0, NULL, smm_knob_max_pcp_batch, smm_knob_set_pcp_batch },
	{ "pcp_auto", 0, 1, NULL, NULL, smm_knob_pcp_auto },
	{ "lru_batch", 1, SMM_LRU_BATCH_MAX, NULL, NULL, smm_knob_set_lru_batch },
	{ "fault_window", 0, SMM_FAULT_WINDOW_MAX, NULL, NULL, smm_knob_set_fault_window },
	{ "fault_order", 0, SMM_FAULT_ORDER_MAX, NULL, NULL, smm_object_set_fault_order },
	{ "drain_pcp", 1, 1, NULL, NULL, smm_knob_drain_pcp },
	{ "drain_lru", 1, 1, NULL, NULL, smm_knob_drain_lru },
	{ "drop_slabs", 1, 1, NULL, NULL, smm_knob_drop_slabs },
	{ "reclaim", 1, 0, NULL, smm_pool_managed_pages, smm_knob_reclaim },
	{ "compact", 1, 1, NULL, NULL, smm_knob_compact },
	{ "extfrag_threshold", 0, SMM_EXTFRAG_THRESHOLD_MAX, NULL, NULL,
	  smm_knob_set_extfrag_threshold },
};

/* The knob of @knobs named by the first @name_len bytes of @line. */
static const struct smm_knob *smm_knob_find(const struct smm_knob *knobs,
					    unsigned int nr, const char *line,
					    size_t name_len)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (strlen(knobs[i].name) == name_len &&
		    !strncmp(line, knobs[i].name, name_len))
			return &knobs[i];
	return NULL;
}

/*
 * Check the value after the name (and @blanks blanks) of @line against
 * @k's bounds and apply it.  @len: the line without its newline.
 */
static int smm_knob_apply(struct smm_pool *pool, const struct smm_knob *k,
			  const char *line, int len, size_t blanks)
{
	size_t name_len = strlen(k->name);
	unsigned long min, max;
	unsigned int val;
	int ret;

	min = k->min_fn ? k->min_fn(pool) : k->min;
	max = k->max_fn ? k->max_fn(pool) : k->max;
	/* kstrtouint() refuses overflow and trailing text (one "\n" aside). */
	if (!blanks || kstrtouint(line + name_len + blanks, 10, &val) ||
	    val < min || val > max) {
		pr_err_ratelimited("knobs: \"%*pE\" is invalid: %s expects a decimal number in [%lu, %lu]\n",
				   len, line, k->name, min, max);
		return -EINVAL;
	}
	ret = k->set(pool, val);
	/* A signal that ended a run is the writer's, not a refusal. */
	if (ret && ret != -EINTR)
		pr_err_ratelimited("knobs: \"%*pE\" is refused: %d\n", len, line, ret);
	return ret;
}

/*
 * "lru_policy NAME": a knob that takes a name, not a number (as "huge"
 * does).  The switch is refused (-EBUSY) while pages are on the LRU.
 */
static int smm_knob_lru_policy(struct smm_pool *pool, const char *line, int len,
			       size_t name_len, size_t blanks)
{
	enum smm_lru_policy_id id;
	int ret;

	if (!blanks || smm_lru_policy_parse(line + name_len + blanks, &id)) {
		pr_err_ratelimited("knobs: \"%*pE\" is invalid: lru_policy expects classic, workingset, mglru, lip or lirs\n",
				   len, line);
		return -EINVAL;
	}
	ret = smm_lru_set_policy(pool, id);
	if (ret)
		pr_err_ratelimited("knobs: \"%*pE\" is refused: %d (pages are on the LRU)\n",
				   len, line, ret);
	return ret;
}

/*
 * "huge MODE": when a first touch may map a PMD.  Refused (-EOPNOTSUPP)
 * where PMD-sized folios cannot be built or mapped: a kernel whose folio
 * layout module/huge.c does not know, a CPU without 2 MiB pages, or a
 * region whose memory is not 2 MiB aligned.
 */
static int smm_knob_huge(struct smm_pool *pool, const char *line, int len,
			 size_t name_len, size_t blanks)
{
	enum smm_huge_mode mode;
	int ret;

	if (!blanks || smm_huge_parse_mode(line + name_len + blanks, &mode)) {
		pr_err_ratelimited("knobs: \"%*pE\" is invalid: huge expects never, always or advise\n",
				   len, line);
		return -EINVAL;
	}
	ret = smm_object_set_huge(pool, mode);
	if (ret)
		pr_err_ratelimited("knobs: \"%*pE\" is refused: %d (no PMD-sized folios here)\n",
				   len, line, ret);
	return ret;
}

/**
 * smm_knob_write() - set one tunable from a "name value" line
 * @pool: the pool
 * @line: e.g. "pcp_batch 8"; a newline is allowed as its last character
 *
 * The line is a knob's name, blanks (spaces or tabs), and a decimal value
 * that fits an unsigned int, with nothing after it but one newline; the
 * value must be within the knob's range:
 * watermark_scale_factor (1..3000), min_free_kbytes (0..a quarter of the
 * DMA and Normal zones), pcp_high (pcp_batch..65536) and pcp_batch
 * (1..pcp_high, at most 1024), set for every zone with the other value
 * taken from node 0's Normal zone and fixed there, pcp_auto (1: sized by zone and tuned
 * again; 0: each zone's fixed at its own sizes), lru_batch (1..63),
 * fault_window (0, or 4..256 pages each object keeps mapped, see
 * fault_window.c), fault_order (0..4: a first
 * touch makes and maps 2^N pages), drain_pcp, drain_lru and drop_slabs
 * (1: every cache gives its free slabs back), reclaim (1..managed pages:
 * evict that many object pages, as far as possible; refused on a pool
 * without a backing store), and the knobs other
 * modules added (smm_knobs_add(); shadowmm_bench.ko's burst and
 * slab_burst).  Two knobs take a name: lru_policy (classic, workingset,
 * mglru, lip or lirs), which switches the reclaim policy only while no
 * page is on the LRU, and huge (never, always or advise).  Anything else
 * changes nothing and is logged once, naming the knob and what it
 * accepts.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINVAL for a malformed line, an unknown knob or a value
 * out of range; -EBUSY for lru_policy with pages on the LRU; -EOPNOTSUPP
 * for huge other than never where PMD-sized folios cannot be built, and
 * for reclaim on a pool without a backing store.
 */
int smm_knob_write(struct smm_pool *pool, const char *line)
{
	const char *nl = strchr(line, '\n');
	int len = nl ? nl - line : strlen(line);
	const struct smm_knob *k;
	struct smm_knob_set *set;
	size_t name_len, blanks;
	int ret = -EINVAL;

	/* Nothing may follow the newline: one line is one knob. */
	if (nl && nl[1]) {
		pr_err_ratelimited("knobs: \"%*pE\" is invalid: text after the newline\n",
				   (int)strlen(line), line);
		return -EINVAL;
	}
	name_len = strcspn(line, " \t\n");
	blanks = strspn(line + name_len, " \t");
	if (name_len == strlen("lru_policy") && !strncmp(line, "lru_policy", name_len))
		return smm_knob_lru_policy(pool, line, len, name_len, blanks);
	if (name_len == strlen("huge") && !strncmp(line, "huge", name_len))
		return smm_knob_huge(pool, line, len, name_len, blanks);
	k = smm_knob_find(smm_knobs, ARRAY_SIZE(smm_knobs), line, name_len);
	if (k)
		return smm_knob_apply(pool, k, line, len, blanks);

	mutex_lock(&smm_knob_sets_lock);
	list_for_each_entry(set, &smm_knob_sets, list) {
		k = smm_knob_find(set->knobs, set->nr, line, name_len);
		if (k) {
			ret = smm_knob_apply(pool, k, line, len, blanks);
			break;
		}
	}
	mutex_unlock(&smm_knob_sets_lock);
	if (!k)
		pr_err_ratelimited("knobs: \"%*pE\" is invalid: no such knob\n", len, line);
	return ret;
}
SMM_EXPORT(smm_knob_write);

/*
 * @k, a knob of @set, is named like a knob of shadowmm's own, one before
 * it in @set or one of a set added already.  The caller holds
 * smm_knob_sets_lock.
 */
static bool smm_knob_taken(const struct smm_knob_set *set, const struct smm_knob *k)
{
	size_t len = strlen(k->name);
	struct smm_knob_set *other;

	lockdep_assert_held(&smm_knob_sets_lock);
	if (smm_knob_find(smm_knobs, ARRAY_SIZE(smm_knobs), k->name, len) ||
	    smm_knob_find(set->knobs, k - set->knobs, k->name, len))
		return true;
	list_for_each_entry(other, &smm_knob_sets, list)
		if (smm_knob_find(other->knobs, other->nr, k->name, len))
			return true;
	return false;
}

/**
 * smm_knobs_add() - add knobs of another module to the knobs file
 * @set: the knobs, with their help lines; stays in use until removed
 *
 * From now on smm_knob_write() applies them to any pool, and the knobs
 * file shows @set->help after its own lines.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EEXIST (logged) when a knob's name is taken already.
 */
int smm_knobs_add(struct smm_knob_set *set)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&smm_knob_sets_lock);
	for (i = 0; i < set->nr; i++) {
		if (smm_knob_taken(set, &set->knobs[i])) {
			pr_err("knobs: %s is taken already\n", set->knobs[i].name);
			ret = -EEXIST;
			goto out;
		}
	}
	list_add_tail(&set->list, &smm_knob_sets);
out:
	mutex_unlock(&smm_knob_sets_lock);
	return ret;
}
SMM_EXPORT(smm_knobs_add);

/**
 * smm_knobs_remove() - take away knobs smm_knobs_add() added
 * @set: as added
 *
 * Waits for a write of one of them that is under way.
 *
 * Context: Process context, may sleep.
 */
void smm_knobs_remove(struct smm_knob_set *set)
{
	mutex_lock(&smm_knob_sets_lock);
	list_del(&set->list);
	mutex_unlock(&smm_knob_sets_lock);
}
SMM_EXPORT(smm_knobs_remove);

/**
 * smm_debugfs_user_line() - copy a short command written to a debugfs file
 * @buf: where it goes, NUL-terminated
 * @size: size of @buf
 * @ubuf: the user's buffer
 * @len: bytes written
 * @ppos: the file position the write is at
 *
 * A command is one write() at the start of the file, as the kernel's
 * strict sysctls take a value: a write at an offset, or a second one on
 * the same open file (the caller moves the position past an applied
 * command), is refused, or the tail of a command written in pieces
 * would be read as a command of its own.  A NUL byte inside the command
 * is refused: what follows it would be silently ignored otherwise.
 *
 * Context: Process context, may fault.
 * Return: 0, -EINVAL when not at the start of the file, empty, too long
 * for @buf or holding a NUL byte, -EFAULT.
 */
int smm_debugfs_user_line(char *buf, size_t size, const char __user *ubuf,
			  size_t len, const loff_t *ppos)
{
	if (*ppos || len == 0 || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EINVAL;
	return 0;
}
SMM_EXPORT(smm_debugfs_user_line);

static int smm_knobs_open(struct inode *inode, struct file *file)
{
	return single_open(file, smm_knobs_show, inode->i_private);
}

static ssize_t smm_knobs_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct smm_pool *pool = ((struct seq_file *)file->private_data)->private;
	char buf[64];
	int ret;

	ret = smm_debugfs_user_line(buf, sizeof(buf), ubuf, len, ppos);
	if (ret)
		return ret;
	ret = smm_knob_write(pool, buf);
	if (ret)
		return ret;
	*ppos += len;
	return len;
}

static const struct file_operations smm_knobs_fops = {
	.owner = THIS_MODULE,
	.open = smm_knobs_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = smm_knobs_write,
	.release = single_release,
};

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
} smm_pool_files[] = {
	{ "buddyinfo", 0444, &smm_buddyinfo_fops },
	{ "zoneinfo", 0444, &smm_zoneinfo_fops },
	{ "meminfo", 0444, &smm_meminfo_fops },
	{ "slabinfo", 0444, &smm_slabinfo_fops },
	{ "vmstat", 0444, &smm_vmstat_fops },
	{ "vmas", 0400, &smm_vmas_fops },
	{ "swap", 0444, &smm_swap_fops },
	{ "workingset", 0444, &smm_workingset_fops },
	{ "lru_gen", 0444, &smm_lru_gen_fops },
	{ "extfrag_index", 0444, &smm_extfrag_fops },
	{ "unusable_index", 0444, &smm_unusable_fops },
	{ "region", 0400, &smm_region_fops },
	{ "validate", 0400, &smm_validate_fops },
	{ "knobs", 0600, &smm_knobs_fops },
};

/**
 * smm_debugfs_add_pool() - create the live pool's files
 * @pool: the pool
 *
 * Context: Process context, module init.
 * Return: 0, or a negative errno.
 */
int smm_debugfs_add_pool(struct smm_pool *pool)
{
	struct dentry *dir = smm_debugfs_dir;
	int i;

	if (!dir)
		return 0;

	for (i = 0; i < ARRAY_SIZE(smm_pool_files); i++)
		debugfs_create_file(smm_pool_files[i].name, smm_pool_files[i].mode,
				    dir, pool, smm_pool_files[i].fops);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	{
		struct dentry *fail;

		fail = fault_create_debugfs_attr("fail_page_alloc", dir,
						 &pool->zones.fail_page_alloc);
		if (IS_ERR(fail)) {
			smm_debugfs_remove_pool(pool);
			return PTR_ERR(fail);
		}
		debugfs_create_u32("min-order", 0600, fail, &pool->zones.fail_min_order);
	}
#endif
	smm_slab_debugfs_add(pool, dir);
	return 0;
}

/**
 * smm_debugfs_remove_pool() - remove the files smm_debugfs_add_pool() made
 * @pool: the pool
 *
 * Once this returns no reader is inside a file, so the pool may go.
 *
 * Context: Process context.
 */
void smm_debugfs_remove_pool(struct smm_pool *pool)
{
	int i;

	smm_slab_debugfs_remove(pool);
	if (!smm_debugfs_dir)
		return;
	debugfs_lookup_and_remove("fail_page_alloc", smm_debugfs_dir);
	for (i = ARRAY_SIZE(smm_pool_files) - 1; i >= 0; i--)
		debugfs_lookup_and_remove(smm_pool_files[i].name, smm_debugfs_dir);
}
