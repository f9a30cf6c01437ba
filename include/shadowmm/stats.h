/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event counters (module/stats.c): per-CPU, summed when read, named as in
 * /proc/vmstat where the kernel has a twin.
 */
#ifndef _SHADOWMM_STATS_H
#define _SHADOWMM_STATS_H

#include <linux/percpu.h>
#include <linux/stdarg.h>
#include <linux/types.h>

struct seq_file;
struct smm_pool;

enum smm_event {
	SMM_PGALLOC_DMA,		/* frames allocated, by zone type */
	SMM_PGALLOC_NORMAL,
	SMM_PGALLOC_HIGH,
	SMM_ALLOCSTALL_DMA,		/* direct reclaim entered, by zone class */
	SMM_ALLOCSTALL_NORMAL,
	SMM_ALLOCSTALL_HIGH,
	SMM_PGFREE,			/* frames freed */
	SMM_NUMA_HIT,			/* allocated on the preferred node */
	SMM_NUMA_MISS,			/* allocated on another node */
	SMM_ZONE_FALLBACK,		/* allocated below the preferred zone */
	SMM_PCP_ALLOC,			/* order-0 allocations served per-CPU */
	SMM_PCP_REFILL,			/* per-CPU list refills from the buddy */
	SMM_PCP_DRAIN,			/* per-CPU list drains to the buddy */
	SMM_BUDDY_SPLIT,		/* block halvings */
	SMM_BUDDY_MERGE,		/* buddy merges */
	SMM_WMARK_LOW_FAIL,		/* zonelist passes failed at the low mark */
	SMM_PGALLOC_FAIL,		/* allocations that returned NULL */
	SMM_PGALLOC_INJECTED,		/* of which fault injection failed */
	SMM_BAD_FREE,			/* frees refused: not an allocated block */
	SMM_SLABS_SHRUNK_PRESSURE,	/* free slabs given back under pressure */
	SMM_PGFAULT,			/* faults on object mappings */
	SMM_PGMAJFAULT,			/* of which brought back from the store */
	SMM_PGFAULT_COW,		/* of which private write faults (copied) */
	SMM_PGFAULT_SIGBUS,		/* of which refused with SIGBUS */
	SMM_MTHP_FAULT_ALLOC,		/* first touches that made a whole block */
	SMM_MTHP_FAULT_FALLBACK,	/* ... that found no block: one page */
	SMM_THP_FAULT_ALLOC,		/* first touches that made a PMD-sized folio */
	SMM_THP_FAULT_FALLBACK,		/* ... that found no block for one: smaller */
	SMM_THP_SPLIT_PMD,		/* PMDs of them dropped by a split */
	SMM_THP_SPLIT_PAGE,		/* PMD-sized folios made single pages */
	SMM_THP_SPLIT_PAGE_FAILED,	/* ... that could not be: held by a user */
	SMM_PINNED_DEFERRED,		/* frames left pinned when freed */
	SMM_KERNEL_BATCH_DRAIN,		/* drains of the kernel's mlock batches */
	SMM_VMA_RESYNC,			/* descriptors fixed after a silent change */
	SMM_VMA_RESYNC_SCANNED,		/* descriptors whole-tree resyncs looked at */
	SMM_VMA_UNTRACKED,		/* mappings left without a descriptor */
	SMM_VMACACHE_FIND_CALLS,	/* lookups of a fault's descriptor */
	SMM_VMACACHE_FIND_HITS,		/* of which the last one found answered */
	SMM_PGFAULT_UNTRACKED,		/* of pgfault: no descriptor found */
	SMM_WORKINGSET_REFAULT,		/* evicted pages faulted back */
	SMM_WORKINGSET_ACTIVATE,	/* of which activated at once */
	SMM_PSWPIN,			/* pages read back from the store */
	SMM_PSWPOUT,			/* pages written to the store */
	SMM_PGACTIVATE,			/* inactive (or unevictable) -> active */
	SMM_PGDEACTIVATE,		/* active -> inactive */
	SMM_PGREFILL,			/* active-list pages scanned by aging */
	SMM_UNEVICTABLE_PGRESCUED,	/* munlocked pages back from the unevictable list */
	SMM_PGSCAN_KSWAPD,		/* inactive pages isolated by kswapd */
	SMM_PGSCAN_DIRECT,		/* ... by direct reclaim */
	SMM_PGSTEAL_KSWAPD,		/* pages evicted by kswapd */
	SMM_PGSTEAL_DIRECT,		/* ... by direct reclaim */
	SMM_PGSTEAL_ZERO,		/* of which all zeroes: nothing stored */
	SMM_PAGEOUTRUN,			/* kswapd balance runs */
	SMM_KSWAPD_GIVEUP,		/* kswapd stopped with nothing reclaimable */
	SMM_RMAP_VMAS_SCANNED,		/* vmas evict.c's rmap walks looked at */
	SMM_WORKINGSET_NODERECLAIM,	/* shadow entries trimmed */
	SMM_WORKINGSET_REFAULT_ANON,	/* refaults the workingset policy judged */
	SMM_WORKINGSET_ACTIVATE_ANON,	/* of which it activated */
	SMM_WORKINGSET_ACTIVATE_CLASSIC, /* of those the classic rule would have */
	SMM_WORKINGSET_RESTORE_ANON,	/* activated and active when evicted */
	SMM_WORKINGSET_DEACTIVATE_REFAULT, /* active pages aged for refaults alone */
	SMM_WORKINGSET_REFAULT_TAIL,	/* lip: thrashing refaults put at the tail */
	SMM_LRU_GEN_AGING,		/* mglru: generations opened */
	SMM_LRU_GEN_PROMOTED,		/* mglru: pages aging found young */
	SMM_LRU_GEN_PROTECTED,		/* mglru: pages kept for their tier */
	SMM_LRU_GEN_REFAULT_RECENT,	/* mglru: refaults counted in a tier */
	SMM_PGMIGRATE_SUCCESS,		/* pages compaction moved to another frame */
	SMM_PGMIGRATE_FAIL,		/* pages it took and could not move */
	SMM_COMPACTMIGRATE_SCANNED,	/* frames compaction's migrate scanner looked at */
	SMM_COMPACTFREE_SCANNED,	/* frames its free scanner looked at */
	SMM_COMPACTISOLATED,		/* pages and free frames the scanners took */
	SMM_COMPACTSTALL,		/* compaction runs a caller waited for */
	SMM_COMPACTFAIL,		/* runs that left no free block of the order */
	SMM_COMPACTSUCCESS,		/* runs that left one */
	SMM_KCOMPACTD_WAKE,		/* wakes that reached a kcompactd */
	SMM_HWPOISON_QUARANTINED,	/* frames kept out: their memory failed */
	SMM_NR_EVENTS,
};

/**
 * struct smm_events - one CPU's counters
 * @ev:	indexed by enum smm_event
 */
struct smm_events {
	unsigned long ev[SMM_NR_EVENTS];
};

extern const char * const smm_event_names[SMM_NR_EVENTS];

unsigned long smm_event_sum(struct smm_pool *pool, enum smm_event item);

/**
 * struct smm_report - where validate() writes what it finds
 * @m:		a seq_file to print into, or NULL to only count
 * @problems:	violations found so far
 * @unchecked:	parts (an object, a node's LRU, a zone's free lists) left
 *		unchecked because they changed during every walk of them
 *		for a second; validate's file then does not say a bare "ok"
 */
struct smm_report {
	struct seq_file *m;
	unsigned int problems;
	unsigned int unchecked;
};

/**
 * struct smm_report_pos - where a report stood (smm_report_save())
 * @len:	bytes in its seq_file
 * @problems:	its problems
 */
struct smm_report_pos {
	size_t len;
	unsigned int problems;
};

__printf(2, 3) void smm_report(struct smm_report *r, const char *fmt, ...);
void smm_report_save(const struct smm_report *r, struct smm_report_pos *pos);
void smm_report_restore(struct smm_report *r, const struct smm_report_pos *pos);

#endif /* _SHADOWMM_STATS_H */
