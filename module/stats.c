// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: event counters and the validate report.
 *
 * Counters are per CPU (one add, no shared cache line, on the hot paths)
 * and summed when read, so a sum taken while others count is a snapshot,
 * exact once they stop.
 */

#include <linux/percpu.h>
#include <linux/seq_file.h>

#include <shadowmm/compat.h>
#include <shadowmm/pool.h>
#include <shadowmm/stats.h>

/* As /proc/vmstat names them where the kernel has a twin. */
const char * const smm_event_names[SMM_NR_EVENTS] = {
	[SMM_PGALLOC_DMA] = "pgalloc_dma",
	[SMM_PGALLOC_NORMAL] = "pgalloc_normal",
	[SMM_PGALLOC_HIGH] = "pgalloc_high",
	[SMM_ALLOCSTALL_DMA] = "allocstall_dma",
	[SMM_ALLOCSTALL_NORMAL] = "allocstall_normal",
	[SMM_ALLOCSTALL_HIGH] = "allocstall_high",
	[SMM_PGFREE] = "pgfree",
	[SMM_NUMA_HIT] = "numa_hit",
	[SMM_NUMA_MISS] = "numa_miss",
	[SMM_ZONE_FALLBACK] = "zone_fallback",
	[SMM_PCP_ALLOC] = "pcp_alloc",
	[SMM_PCP_REFILL] = "pcp_refill",
	[SMM_PCP_DRAIN] = "pcp_drain",
	[SMM_BUDDY_SPLIT] = "buddy_split",
	[SMM_BUDDY_MERGE] = "buddy_merge",
	[SMM_WMARK_LOW_FAIL] = "wmark_low_fail",
	[SMM_PGALLOC_FAIL] = "pgalloc_fail",
	[SMM_PGALLOC_INJECTED] = "pgalloc_fail_injected",
	[SMM_BAD_FREE] = "bad_free",
	[SMM_SLABS_SHRUNK_PRESSURE] = "slabs_shrunk_pressure",
	[SMM_PGFAULT] = "pgfault",
	[SMM_PGMAJFAULT] = "pgmajfault",
	[SMM_PGFAULT_COW] = "pgfault_cow",
	[SMM_PGFAULT_SIGBUS] = "pgfault_sigbus",
	/* The kernel's per-size anon_fault_alloc and anon_fault_fallback. */
	[SMM_MTHP_FAULT_ALLOC] = "mthp_fault_alloc",
	[SMM_MTHP_FAULT_FALLBACK] = "mthp_fault_fallback",
	[SMM_THP_FAULT_ALLOC] = "thp_fault_alloc",
	[SMM_THP_FAULT_FALLBACK] = "thp_fault_fallback",
	[SMM_THP_SPLIT_PMD] = "thp_split_pmd",
	[SMM_THP_SPLIT_PAGE] = "thp_split_page",
	[SMM_THP_SPLIT_PAGE_FAILED] = "thp_split_page_failed",
	[SMM_PINNED_DEFERRED] = "pinned_deferred",
	[SMM_KERNEL_BATCH_DRAIN] = "kernel_batch_drains",
	[SMM_VMA_RESYNC] = "vma_resync",
	[SMM_VMA_RESYNC_SCANNED] = "vma_resync_scanned",
	[SMM_VMA_UNTRACKED] = "vma_untracked",
	/* The kernel's names while find_vma() had its vmacache (until 6.1). */
	[SMM_VMACACHE_FIND_CALLS] = "vmacache_find_calls",
	[SMM_VMACACHE_FIND_HITS] = "vmacache_find_hits",
	[SMM_PGFAULT_UNTRACKED] = "pgfault_untracked",
	[SMM_WORKINGSET_REFAULT] = "workingset_refault",
	[SMM_WORKINGSET_ACTIVATE] = "workingset_activate",
	[SMM_PSWPIN] = "pswpin",
	[SMM_PSWPOUT] = "pswpout",
	[SMM_PGACTIVATE] = "pgactivate",
	[SMM_PGDEACTIVATE] = "pgdeactivate",
	[SMM_PGREFILL] = "pgrefill",
	[SMM_UNEVICTABLE_PGRESCUED] = "unevictable_pgs_rescued",
	[SMM_PGSCAN_KSWAPD] = "pgscan_kswapd",
	[SMM_PGSCAN_DIRECT] = "pgscan_direct",
	[SMM_PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[SMM_PGSTEAL_DIRECT] = "pgsteal_direct",
	[SMM_PGSTEAL_ZERO] = "pgsteal_zero",
	[SMM_PAGEOUTRUN] = "pageoutrun",
	[SMM_KSWAPD_GIVEUP] = "kswapd_giveup",
	[SMM_RMAP_VMAS_SCANNED] = "rmap_vmas_scanned",
	[SMM_WORKINGSET_NODERECLAIM] = "workingset_nodereclaim",
	[SMM_WORKINGSET_REFAULT_ANON] = "workingset_refault_anon",
	[SMM_WORKINGSET_ACTIVATE_ANON] = "workingset_activate_anon",
	[SMM_WORKINGSET_ACTIVATE_CLASSIC] = "workingset_activate_classic",
	[SMM_WORKINGSET_RESTORE_ANON] = "workingset_restore_anon",
	[SMM_WORKINGSET_DEACTIVATE_REFAULT] = "workingset_deactivate_refault",
	[SMM_WORKINGSET_REFAULT_TAIL] = "workingset_refault_tail",
	[SMM_LRU_GEN_AGING] = "lru_gen_aging",
	[SMM_LRU_GEN_PROMOTED] = "lru_gen_promoted",
	[SMM_LRU_GEN_PROTECTED] = "lru_gen_protected",
	[SMM_LRU_GEN_REFAULT_RECENT] = "lru_gen_refault_recent",
	[SMM_PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[SMM_PGMIGRATE_FAIL] = "pgmigrate_fail",
	[SMM_COMPACTMIGRATE_SCANNED] = "compact_migrate_scanned",
	[SMM_COMPACTFREE_SCANNED] = "compact_free_scanned",
	[SMM_COMPACTISOLATED] = "compact_isolated",
	[SMM_COMPACTSTALL] = "compact_stall",
	[SMM_COMPACTFAIL] = "compact_fail",
	[SMM_COMPACTSUCCESS] = "compact_success",
	[SMM_KCOMPACTD_WAKE] = "kcompactd_wake",
	[SMM_HWPOISON_QUARANTINED] = "hwpoison_quarantined",
};

/**
 * smm_event_sum() - one counter summed over every CPU
 * @pool: the pool
 * @item: the counter
 *
 * Context: Any context.
 * Return: the sum.
 */
unsigned long smm_event_sum(struct smm_pool *pool, enum smm_event item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(pool->events, cpu)->ev[item]);
	return sum;
}
SMM_EXPORT(smm_event_sum);

/**
 * smm_report() - note one problem found by a validate pass
 * @r: the report
 * @fmt: what is wrong, printf style, one line ending in a newline
 *
 * Context: Any context where the report's seq_file may be written.
 */
void smm_report(struct smm_report *r, const char *fmt, ...)
{
	va_list args;

	r->problems++;
	if (!r->m)
		return;
	va_start(args, fmt);
	seq_vprintf(r->m, fmt, args);
	va_end(args);
}
SMM_EXPORT(smm_report);

/**
 * smm_report_save() - where a report stands, before a walk whose findings
 *		       may have to be taken back
 * @r: the report
 * @pos: filled in
 *
 * Context: Any context.
 */
void smm_report_save(const struct smm_report *r, struct smm_report_pos *pos)
{
	pos->len = r->m ? r->m->count : 0;
	pos->problems = r->problems;
}

/**
 * smm_report_restore() - take back what a report said since
 *			  smm_report_save()
 * @r: the report
 * @pos: where it stood
 *
 * For a walk that a change overlapped: what it found is not to be believed.
 *
 * Context: Any context.
 */
void smm_report_restore(struct smm_report *r, const struct smm_report_pos *pos)
{
	if (r->m)
		r->m->count = pos->len;
	r->problems = pos->problems;
}
