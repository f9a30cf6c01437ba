/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowmm tracepoints.  Where the kernel has a twin (kmem.h, vmscan.h,
 * pagemap.h) the event keeps its field names and print format, with the
 * node and zone appended, so scripts written for the twin parse these.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM shadowmm

#if !defined(_TRACE_SHADOWMM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SHADOWMM_H

#include <linux/mm.h>
#include <linux/tracepoint.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compaction.h>
#include <shadowmm/object.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/slab.h>
#include <shadowmm/zone.h>

/* So trace-cmd and perf can print the zone names from the format file. */
TRACE_DEFINE_ENUM(SMM_ZONE_DMA);
TRACE_DEFINE_ENUM(SMM_ZONE_NORMAL);
TRACE_DEFINE_ENUM(SMM_ZONE_HIGHMEM);

#define smm_show_zone(type)						\
	__print_symbolic(type,						\
			 { SMM_ZONE_DMA, "DMA" },			\
			 { SMM_ZONE_NORMAL, "Normal" },			\
			 { SMM_ZONE_HIGHMEM, "HighMem" })

#define smm_show_gfp(flags)						\
	((flags) ? __print_flags(flags, "|",				\
				 { SMM_GFP_DMA, "SMM_GFP_DMA" },	\
				 { SMM_GFP_HIGHMEM, "SMM_GFP_HIGHMEM" },	\
				 { SMM_GFP_ZERO, "SMM_GFP_ZERO" },	\
				 { SMM_GFP_NOWAIT, "SMM_GFP_NOWAIT" },	\
				 { SMM_GFP_ATOMIC, "SMM_GFP_ATOMIC" },	\
				 { SMM_GFP_THISNODE, "SMM_GFP_THISNODE" }, \
				 { SMM_GFP_NOFAULT, "SMM_GFP_NOFAULT" },	\
				 { SMM_GFP_DIRECT_RECLAIM, "SMM_GFP_DIRECT_RECLAIM" }) \
		 : "none")

/*
 * The twin of mm_page_alloc.  A failed allocation is traced too, with
 * pfn -1 (printed as page=NULL pfn=0x0), as the kernel does.  shadowmm does
 * not group frames by mobility, so migratetype is always MIGRATE_UNMOVABLE.
 */
TRACE_EVENT(shadowmm_page_alloc,

	TP_PROTO(unsigned long pfn, unsigned int order, unsigned int gfp_flags,
		 int nid, int zone),

	TP_ARGS(pfn, order, gfp_flags, nid, zone),

	TP_STRUCT__entry(
		__field(unsigned long,	pfn)
		__field(unsigned int,	order)
		__field(unsigned long,	gfp_flags)
		__field(int,		migratetype)
		__field(int,		nid)
		__field(int,		zone)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->order = order;
		__entry->gfp_flags = gfp_flags;
		__entry->migratetype = MIGRATE_UNMOVABLE;
		__entry->nid = nid;
		__entry->zone = zone;
	),

	TP_printk("page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s node=%d zone=%s",
		  __entry->pfn != -1UL ? pfn_to_page(__entry->pfn) : NULL,
		  __entry->pfn != -1UL ? __entry->pfn : 0,
		  __entry->order, __entry->migratetype,
		  smm_show_gfp(__entry->gfp_flags), __entry->nid,
		  smm_show_zone(__entry->zone))
);

/* Events about one block: a pfn and an order, on a node and zone. */
DECLARE_EVENT_CLASS(shadowmm_block,

	TP_PROTO(unsigned long pfn, unsigned int order, int nid, int zone),

	TP_ARGS(pfn, order, nid, zone),

	TP_STRUCT__entry(
		__field(unsigned long,	pfn)
		__field(unsigned int,	order)
		__field(int,		nid)
		__field(int,		zone)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->order = order;
		__entry->nid = nid;
		__entry->zone = zone;
	),

	TP_printk("pfn=0x%lx order=%u node=%d zone=%s", __entry->pfn,
		  __entry->order, __entry->nid, smm_show_zone(__entry->zone))
);

/* The twin of mm_page_free, in its print format. */
DEFINE_EVENT_PRINT(shadowmm_block, shadowmm_page_free,

	TP_PROTO(unsigned long pfn, unsigned int order, int nid, int zone),

	TP_ARGS(pfn, order, nid, zone),

	TP_printk("page=%p pfn=0x%lx order=%d node=%d zone=%s",
		  pfn_to_page(__entry->pfn), __entry->pfn, __entry->order,
		  __entry->nid, smm_show_zone(__entry->zone))
);

/* A free block of @order at @pfn is halved; its upper half stays free. */
DEFINE_EVENT(shadowmm_block, shadowmm_buddy_split,
	TP_PROTO(unsigned long pfn, unsigned int order, int nid, int zone),
	TP_ARGS(pfn, order, nid, zone)
);

/* Frames moved between a CPU's order-0 list and the buddy lists. */
DECLARE_EVENT_CLASS(shadowmm_pcp_batch,

	TP_PROTO(int nid, int zone, int cpu, unsigned int count),

	TP_ARGS(nid, zone, cpu, count),

	TP_STRUCT__entry(
		__field(int,		nid)
		__field(int,		zone)
		__field(int,		cpu)
		__field(unsigned int,	count)
	),

	TP_fast_assign(
		__entry->nid = nid;
		__entry->zone = zone;
		__entry->cpu = cpu;
		__entry->count = count;
	),

	TP_printk("node=%d zone=%s cpu=%d count=%u", __entry->nid,
		  smm_show_zone(__entry->zone), __entry->cpu, __entry->count)
);

DEFINE_EVENT(shadowmm_pcp_batch, shadowmm_pcp_refill,
	TP_PROTO(int nid, int zone, int cpu, unsigned int count),
	TP_ARGS(nid, zone, cpu, count)
);

DEFINE_EVENT(shadowmm_pcp_batch, shadowmm_pcp_drain,
	TP_PROTO(int nid, int zone, int cpu, unsigned int count),
	TP_ARGS(nid, zone, cpu, count)
);

/* The block at @pfn merged with its free buddy into one of @order. */
TRACE_EVENT(shadowmm_buddy_merge,

	TP_PROTO(unsigned long pfn, unsigned long buddy_pfn, unsigned int order,
		 int nid, int zone),

	TP_ARGS(pfn, buddy_pfn, order, nid, zone),

	TP_STRUCT__entry(
		__field(unsigned long,	pfn)
		__field(unsigned long,	buddy_pfn)
		__field(unsigned int,	order)
		__field(int,		nid)
		__field(int,		zone)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->buddy_pfn = buddy_pfn;
		__entry->order = order;
		__entry->nid = nid;
		__entry->zone = zone;
	),

	TP_printk("pfn=0x%lx buddy_pfn=0x%lx order=%u node=%d zone=%s",
		  __entry->pfn, __entry->buddy_pfn, __entry->order,
		  __entry->nid, smm_show_zone(__entry->zone))
);

/*
 * The twins of kmem_cache_alloc and kmem_cache_free.  The cache name is a
 * fixed array (the __string helpers differ between 6.1 and 6.12); node is
 * the node of the object's slab.
 */
TRACE_EVENT(shadowmm_kmem_cache_alloc,

	TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes_req,
		 size_t bytes_alloc, unsigned int gfp_flags, const char *name,
		 int node),

	TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp_flags, name, node),

	TP_STRUCT__entry(
		__field(unsigned long,	call_site)
		__field(const void *,	ptr)
		__field(size_t,		bytes_req)
		__field(size_t,		bytes_alloc)
		__field(unsigned long,	gfp_flags)
		__field(int,		node)
		__array(char,		name, SMM_SLAB_NAME_LEN)
	),

	TP_fast_assign(
		__entry->call_site = call_site;
		__entry->ptr = ptr;
		__entry->bytes_req = bytes_req;
		__entry->bytes_alloc = bytes_alloc;
		__entry->gfp_flags = gfp_flags;
		__entry->node = node;
		strscpy(__entry->name, name, SMM_SLAB_NAME_LEN);
	),

	TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d name=%s",
		  (void *)__entry->call_site, __entry->ptr, __entry->bytes_req,
		  __entry->bytes_alloc, smm_show_gfp(__entry->gfp_flags),
		  __entry->node, __entry->name)
);

TRACE_EVENT(shadowmm_kmem_cache_free,

	TP_PROTO(unsigned long call_site, const void *ptr, const char *name),

	TP_ARGS(call_site, ptr, name),

	TP_STRUCT__entry(
		__field(unsigned long,	call_site)
		__field(const void *,	ptr)
		__array(char,		name, SMM_SLAB_NAME_LEN)
	),

	TP_fast_assign(
		__entry->call_site = call_site;
		__entry->ptr = ptr;
		strscpy(__entry->name, name, SMM_SLAB_NAME_LEN);
	),

	TP_printk("call_site=%pS ptr=%p name=%s",
		  (void *)__entry->call_site, __entry->ptr, __entry->name)
);

/* A slab made from (grow) or given back to (shrink) the buddy. */
TRACE_EVENT(shadowmm_slab_grow,

	TP_PROTO(const char *name, unsigned long pfn, unsigned int order,
		 unsigned int objs, int nid),

	TP_ARGS(name, pfn, order, objs, nid),

	TP_STRUCT__entry(
		__array(char,		name, SMM_SLAB_NAME_LEN)
		__field(unsigned long,	pfn)
		__field(unsigned int,	order)
		__field(unsigned int,	objs)
		__field(int,		nid)
	),

	TP_fast_assign(
		strscpy(__entry->name, name, SMM_SLAB_NAME_LEN);
		__entry->pfn = pfn;
		__entry->order = order;
		__entry->objs = objs;
		__entry->nid = nid;
	),

	TP_printk("name=%s pfn=0x%lx order=%u objs=%u node=%d",
		  __entry->name, __entry->pfn, __entry->order, __entry->objs,
		  __entry->nid)
);

TRACE_EVENT(shadowmm_slab_shrink,

	TP_PROTO(const char *name, unsigned long pfn, unsigned int order, int nid),

	TP_ARGS(name, pfn, order, nid),

	TP_STRUCT__entry(
		__array(char,		name, SMM_SLAB_NAME_LEN)
		__field(unsigned long,	pfn)
		__field(unsigned int,	order)
		__field(int,		nid)
	),

	TP_fast_assign(
		strscpy(__entry->name, name, SMM_SLAB_NAME_LEN);
		__entry->pfn = pfn;
		__entry->order = order;
		__entry->nid = nid;
	),

	TP_printk("name=%s pfn=0x%lx order=%u node=%d",
		  __entry->name, __entry->pfn, __entry->order, __entry->nid)
);

/* enum fault_flag: named in the format file so trace-cmd can decode it. */
TRACE_DEFINE_ENUM(FAULT_FLAG_WRITE);
TRACE_DEFINE_ENUM(FAULT_FLAG_MKWRITE);
TRACE_DEFINE_ENUM(FAULT_FLAG_ALLOW_RETRY);
TRACE_DEFINE_ENUM(FAULT_FLAG_RETRY_NOWAIT);
TRACE_DEFINE_ENUM(FAULT_FLAG_KILLABLE);
TRACE_DEFINE_ENUM(FAULT_FLAG_TRIED);
TRACE_DEFINE_ENUM(FAULT_FLAG_USER);
TRACE_DEFINE_ENUM(FAULT_FLAG_REMOTE);
TRACE_DEFINE_ENUM(FAULT_FLAG_INSTRUCTION);
TRACE_DEFINE_ENUM(FAULT_FLAG_INTERRUPTIBLE);

TRACE_DEFINE_ENUM(SMM_FAULT_MINOR);
TRACE_DEFINE_ENUM(SMM_FAULT_MAJOR);
TRACE_DEFINE_ENUM(SMM_FAULT_COW);
TRACE_DEFINE_ENUM(SMM_FAULT_SIGBUS);

/*
 * A fault on a mapping of an object: where, which page of the object, the
 * kernel's fault flags, how it was served, and which object (its id, also
 * its inode number and SHADOWMM_IOC_INFO's id).
 */
TRACE_EVENT(shadowmm_fault,

	TP_PROTO(unsigned long address, pgoff_t pgoff, unsigned int flags,
		 enum smm_fault_kind result, u64 object),

	TP_ARGS(address, pgoff, flags, result, object),

	TP_STRUCT__entry(
		__field(unsigned long,	address)
		__field(pgoff_t,	pgoff)
		__field(unsigned int,	flags)
		__field(unsigned int,	result)
		__field(u64,		object)
	),

	TP_fast_assign(
		__entry->address = address;
		__entry->pgoff = pgoff;
		__entry->flags = flags;
		__entry->result = result;
		__entry->object = object;
	),

	TP_printk("address=0x%lx pgoff=%lu flags=%s result=%s object=%llu",
		  __entry->address, __entry->pgoff,
		  __print_flags(__entry->flags, "|",
			{ FAULT_FLAG_WRITE, "WRITE" },
			{ FAULT_FLAG_MKWRITE, "MKWRITE" },
			{ FAULT_FLAG_ALLOW_RETRY, "ALLOW_RETRY" },
			{ FAULT_FLAG_RETRY_NOWAIT, "RETRY_NOWAIT" },
			{ FAULT_FLAG_KILLABLE, "KILLABLE" },
			{ FAULT_FLAG_TRIED, "TRIED" },
			{ FAULT_FLAG_USER, "USER" },
			{ FAULT_FLAG_REMOTE, "REMOTE" },
			{ FAULT_FLAG_INSTRUCTION, "INSTRUCTION" },
			{ FAULT_FLAG_INTERRUPTIBLE, "INTERRUPTIBLE" }),
		  __print_symbolic(__entry->result,
			{ SMM_FAULT_MINOR, "minor" },
			{ SMM_FAULT_MAJOR, "major" },
			{ SMM_FAULT_COW, "cow" },
			{ SMM_FAULT_SIGBUS, "sigbus" }),
		  __entry->object)
);

/* A shadow VMA appears (mmap, fork, mremap) or goes (munmap, exit). */
DECLARE_EVENT_CLASS(shadowmm_vma,

	TP_PROTO(unsigned long start, unsigned long end, unsigned long pgoff,
		 unsigned long vm_flags),

	TP_ARGS(start, end, pgoff, vm_flags),

	TP_STRUCT__entry(
		__field(unsigned long,	start)
		__field(unsigned long,	end)
		__field(unsigned long,	pgoff)
		__field(unsigned long,	vm_flags)
		__field(pid_t,		pid)
	),

	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->pgoff = pgoff;
		__entry->vm_flags = vm_flags;
		__entry->pid = current->tgid;
	),

	TP_printk("pid=%d start=0x%lx end=0x%lx pgoff=%lu vm_flags=%#lx",
		  __entry->pid, __entry->start, __entry->end, __entry->pgoff,
		  __entry->vm_flags)
);

DEFINE_EVENT(shadowmm_vma, shadowmm_vma_open,
	TP_PROTO(unsigned long start, unsigned long end, unsigned long pgoff,
		 unsigned long vm_flags),
	TP_ARGS(start, end, pgoff, vm_flags)
);

DEFINE_EVENT(shadowmm_vma, shadowmm_vma_close,
	TP_PROTO(unsigned long start, unsigned long end, unsigned long pgoff,
		 unsigned long vm_flags),
	TP_ARGS(start, end, pgoff, vm_flags)
);

/* A shadow VMA [start, end) is cut in two at addr. */
TRACE_EVENT(shadowmm_vma_split,

	TP_PROTO(unsigned long start, unsigned long end, unsigned long addr),

	TP_ARGS(start, end, addr),

	TP_STRUCT__entry(
		__field(unsigned long,	start)
		__field(unsigned long,	end)
		__field(unsigned long,	addr)
	),

	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->addr = addr;
	),

	TP_printk("start=0x%lx end=0x%lx addr=0x%lx",
		  __entry->start, __entry->end, __entry->addr)
);

/*
 * A page evicted earlier is faulted back: how far (evictions and
 * activations since), the active list it was measured against, and
 * whether that made it part of the working set.
 */
TRACE_EVENT(shadowmm_refault,

	TP_PROTO(int nid, unsigned long distance, unsigned long active,
		 bool activated),

	TP_ARGS(nid, distance, active, activated),

	TP_STRUCT__entry(
		__field(int,		nid)
		__field(unsigned long,	distance)
		__field(unsigned long,	active)
		__field(bool,		activated)
	),

	TP_fast_assign(
		__entry->nid = nid;
		__entry->distance = distance;
		__entry->active = active;
		__entry->activated = activated;
	),

	TP_printk("nid=%d distance=%lu active=%lu activated=%d",
		  __entry->nid, __entry->distance, __entry->active,
		  __entry->activated)
);

/*
 * LRU: pagemap.h's mm_lru_insertion and mm_lru_activate, and vmscan's
 * deactivation.  pfn is the real pfn of the frame; lru is enum
 * smm_lru_list (0 inactive, 1 active, 2 unevictable); flags as pagemap.h's
 * PAGEMAP_* (object pages are file pages).
 */
#define SMM_PAGEMAP_MLOCKED	0x0001u
#define SMM_PAGEMAP_ANONYMOUS	0x0002u
#define SMM_PAGEMAP_FILE	0x0004u
#define SMM_PAGEMAP_MAPPED	0x0008u

TRACE_EVENT(shadowmm_lru_insertion,

	TP_PROTO(unsigned long pfn, int lru, unsigned long flags),

	TP_ARGS(pfn, lru, flags),

	TP_STRUCT__entry(
		__field(unsigned long,	pfn)
		__field(int,		lru)
		__field(unsigned long,	flags)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->lru = lru;
		__entry->flags = flags;
	),

	TP_printk("folio=%p pfn=0x%lx lru=%d flags=%s%s%s%s%s",
		  pfn_to_page(__entry->pfn), __entry->pfn, __entry->lru,
		  __entry->flags & SMM_PAGEMAP_MLOCKED ? "M" : " ",
		  __entry->flags & SMM_PAGEMAP_ANONYMOUS ? "a" : "f",
		  __entry->flags & SMM_PAGEMAP_MAPPED ? "m" : " ",
		  " ", " ")
);

DECLARE_EVENT_CLASS(shadowmm_lru_move,

	TP_PROTO(unsigned long pfn),

	TP_ARGS(pfn),

	TP_STRUCT__entry(
		__field(unsigned long,	pfn)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
	),

	TP_printk("folio=%p pfn=0x%lx", pfn_to_page(__entry->pfn), __entry->pfn)
);

DEFINE_EVENT(shadowmm_lru_move, shadowmm_lru_activate,
	TP_PROTO(unsigned long pfn),
	TP_ARGS(pfn)
);

DEFINE_EVENT(shadowmm_lru_move, shadowmm_lru_deactivate,
	TP_PROTO(unsigned long pfn),
	TP_ARGS(pfn)
);

/*
 * Reclaim: the twins of vmscan.h's events, with the node appended where
 * the twin has none.  reclaim_flags as vmscan's RECLAIM_WB_* (object pages
 * are file pages, and all writes are asynchronous to the faulting task).
 */
#define SMM_RECLAIM_WB_ANON	0x0001u
#define SMM_RECLAIM_WB_FILE	0x0002u
#define SMM_RECLAIM_WB_SYNC	0x0004u
#define SMM_RECLAIM_WB_ASYNC	0x0008u
#define SMM_RECLAIM_WB_MIXED	0x0010u

#define smm_show_reclaim_flags(flags)					\
	((flags) ? __print_flags(flags, "|",				\
				 { SMM_RECLAIM_WB_ANON, "RECLAIM_WB_ANON" }, \
				 { SMM_RECLAIM_WB_FILE, "RECLAIM_WB_FILE" }, \
				 { SMM_RECLAIM_WB_MIXED, "RECLAIM_WB_MIXED" }, \
				 { SMM_RECLAIM_WB_SYNC, "RECLAIM_WB_SYNC" }, \
				 { SMM_RECLAIM_WB_ASYNC, "RECLAIM_WB_ASYNC" }) \
		 : "RECLAIM_WB_NONE")

/* mm_vmscan_kswapd_wake: kswapd of node nid woken for zone zid. */
TRACE_EVENT(shadowmm_kswapd_wake,

	TP_PROTO(int nid, int zid, int order),

	TP_ARGS(nid, zid, order),

	TP_STRUCT__entry(
		__field(int,		nid)
		__field(int,		zid)
		__field(int,		order)
	),

	TP_fast_assign(
		__entry->nid = nid;
		__entry->zid = zid;
		__entry->order = order;
	),

	TP_printk("nid=%d order=%d zone=%s", __entry->nid, __entry->order,
		  smm_show_zone(__entry->zid))
);

/*
 * mm_vmscan_direct_reclaim_begin and _end, for kswapd's balance runs as
 * well: gfp_flags is 0 for kswapd, the allocation's SMM_GFP_* flags for
 * direct reclaim.
 */
TRACE_EVENT(shadowmm_reclaim_begin,

	TP_PROTO(int nid, int order, unsigned int gfp_flags),

	TP_ARGS(nid, order, gfp_flags),

	TP_STRUCT__entry(
		__field(int,		order)
		__field(unsigned long,	gfp_flags)
		__field(int,		nid)
	),

	TP_fast_assign(
		__entry->order = order;
		__entry->gfp_flags = gfp_flags;
		__entry->nid = nid;
	),

	TP_printk("order=%d gfp_flags=%s node=%d", __entry->order,
		  smm_show_gfp(__entry->gfp_flags), __entry->nid)
);

TRACE_EVENT(shadowmm_reclaim_end,

	TP_PROTO(int nid, unsigned long nr_reclaimed),

	TP_ARGS(nid, nr_reclaimed),

	TP_STRUCT__entry(
		__field(unsigned long,	nr_reclaimed)
		__field(int,		nid)
	),

	TP_fast_assign(
		__entry->nr_reclaimed = nr_reclaimed;
		__entry->nid = nid;
	),

	TP_printk("nr_reclaimed=%lu node=%d", __entry->nr_reclaimed, __entry->nid)
);

/* mm_vmscan_lru_shrink_inactive: one batch of the inactive list. */
TRACE_EVENT(shadowmm_lru_shrink_inactive,

	TP_PROTO(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
		 const struct smm_reclaim_stat *stat, int priority),

	TP_ARGS(nid, nr_scanned, nr_reclaimed, stat, priority),

	TP_STRUCT__entry(
		__field(int,		nid)
		__field(unsigned long,	nr_scanned)
		__field(unsigned long,	nr_reclaimed)
		__field(unsigned long,	nr_dirty)
		__field(unsigned long,	nr_writeback)
		__field(unsigned long,	nr_congested)
		__field(unsigned long,	nr_immediate)
		__field(unsigned int,	nr_activate0)
		__field(unsigned int,	nr_activate1)
		__field(unsigned long,	nr_ref_keep)
		__field(unsigned long,	nr_unmap_fail)
		__field(int,		priority)
		__field(int,		reclaim_flags)
	),

	TP_fast_assign(
		__entry->nid = nid;
		__entry->nr_scanned = nr_scanned;
		__entry->nr_reclaimed = nr_reclaimed;
		__entry->nr_dirty = stat->nr_dirty;
		__entry->nr_writeback = 0;
		__entry->nr_congested = 0;
		__entry->nr_immediate = 0;
		__entry->nr_activate0 = 0;
		__entry->nr_activate1 = stat->nr_activate;
		__entry->nr_ref_keep = stat->nr_ref_keep;
		__entry->nr_unmap_fail = stat->nr_unmap_fail;
		__entry->priority = priority;
		__entry->reclaim_flags = SMM_RECLAIM_WB_FILE | SMM_RECLAIM_WB_ASYNC;
	),

	TP_printk("nid=%d nr_scanned=%ld nr_reclaimed=%ld nr_dirty=%ld nr_writeback=%ld nr_congested=%ld nr_immediate=%ld nr_activate_anon=%d nr_activate_file=%d nr_ref_keep=%ld nr_unmap_fail=%ld priority=%d flags=%s",
		  __entry->nid, __entry->nr_scanned, __entry->nr_reclaimed,
		  __entry->nr_dirty, __entry->nr_writeback,
		  __entry->nr_congested, __entry->nr_immediate,
		  __entry->nr_activate0, __entry->nr_activate1,
		  __entry->nr_ref_keep, __entry->nr_unmap_fail,
		  __entry->priority, smm_show_reclaim_flags(__entry->reclaim_flags))
);

/*
 * An object page evicted: its frame, the object's inode number and page
 * offset, the store slot now holding it (0: all zeroes, nothing stored).
 */
TRACE_EVENT(shadowmm_lru_evict,

	TP_PROTO(unsigned long pfn, int nid, unsigned long ino, pgoff_t index,
		 u32 slot),

	TP_ARGS(pfn, nid, ino, index, slot),

	TP_STRUCT__entry(
		__field(unsigned long,	pfn)
		__field(int,		nid)
		__field(unsigned long,	ino)
		__field(pgoff_t,	index)
		__field(u32,		slot)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->nid = nid;
		__entry->ino = ino;
		__entry->index = index;
		__entry->slot = slot;
	),

	TP_printk("folio=%p pfn=0x%lx ino=%lu ofs=%lu slot=%u node=%d",
		  pfn_to_page(__entry->pfn), __entry->pfn, __entry->ino,
		  __entry->index << PAGE_SHIFT, __entry->slot, __entry->nid)
);

/*
 * The multi-generational LRU (module/lru_gen.c).  A scan of generations,
 * with the fields of the kernel's mm_vmscan_lru_isolate (what MGLRU's
 * scan_folios() reports) and the node and its sequence numbers after:
 * shadowmm_lru_gen_scan for eviction's scan of the oldest generation
 * (nr_taken: pages isolated; nr_skipped: kept, protected tiers included),
 * shadowmm_lru_gen_age for aging's walk of the older generations after
 * max_seq moved on (nr_taken: pages found young, moved to max_seq;
 * nr_skipped: unmapped or being freed).
 */
DECLARE_EVENT_CLASS(shadowmm_lru_gen_walk,

	TP_PROTO(int nid, unsigned long min_seq, unsigned long max_seq,
		 unsigned long nr_requested, unsigned long nr_scanned,
		 unsigned long nr_skipped, unsigned long nr_taken),

	TP_ARGS(nid, min_seq, max_seq, nr_requested, nr_scanned, nr_skipped, nr_taken),

	TP_STRUCT__entry(
		__field(int,		highest_zoneidx)
		__field(int,		order)
		__field(unsigned long,	nr_requested)
		__field(unsigned long,	nr_scanned)
		__field(unsigned long,	nr_skipped)
		__field(unsigned long,	nr_taken)
		__field(int,		lru)
		__field(int,		nid)
		__field(unsigned long,	min_seq)
		__field(unsigned long,	max_seq)
	),

	TP_fast_assign(
		__entry->highest_zoneidx = SMM_ZONE_HIGHMEM;
		__entry->order = 0;
		__entry->nr_requested = nr_requested;
		__entry->nr_scanned = nr_scanned;
		__entry->nr_skipped = nr_skipped;
		__entry->nr_taken = nr_taken;
		__entry->lru = 0;
		__entry->nid = nid;
		__entry->min_seq = min_seq;
		__entry->max_seq = max_seq;
	),

	TP_printk("classzone=%d order=%d nr_requested=%lu nr_scanned=%lu nr_skipped=%lu nr_taken=%lu lru=%s nid=%d min_seq=%lu max_seq=%lu",
		  __entry->highest_zoneidx, __entry->order, __entry->nr_requested,
		  __entry->nr_scanned, __entry->nr_skipped, __entry->nr_taken,
		  __print_symbolic(__entry->lru, { 0, "inactive_anon" }),
		  __entry->nid, __entry->min_seq, __entry->max_seq)
);

DEFINE_EVENT(shadowmm_lru_gen_walk, shadowmm_lru_gen_scan,
	TP_PROTO(int nid, unsigned long min_seq, unsigned long max_seq,
		 unsigned long nr_requested, unsigned long nr_scanned,
		 unsigned long nr_skipped, unsigned long nr_taken),
	TP_ARGS(nid, min_seq, max_seq, nr_requested, nr_scanned, nr_skipped, nr_taken)
);

DEFINE_EVENT(shadowmm_lru_gen_walk, shadowmm_lru_gen_age,
	TP_PROTO(int nid, unsigned long min_seq, unsigned long max_seq,
		 unsigned long nr_requested, unsigned long nr_scanned,
		 unsigned long nr_skipped, unsigned long nr_taken),
	TP_ARGS(nid, min_seq, max_seq, nr_requested, nr_scanned, nr_skipped, nr_taken)
);

/*
 * A batch evicted from the oldest generation, with the fields of the
 * kernel's mm_vmscan_lru_shrink_inactive (what MGLRU's evict_folios()
 * reports); activations (pages found young, moved to max_seq) count as
 * anon: the generations hold swap-backed pages.
 */
TRACE_EVENT(shadowmm_lru_gen_evict,

	TP_PROTO(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
		 const struct smm_reclaim_stat *stat, int priority),

	TP_ARGS(nid, nr_scanned, nr_reclaimed, stat, priority),

	TP_STRUCT__entry(
		__field(int,		nid)
		__field(unsigned long,	nr_scanned)
		__field(unsigned long,	nr_reclaimed)
		__field(unsigned long,	nr_dirty)
		__field(unsigned long,	nr_writeback)
		__field(unsigned long,	nr_congested)
		__field(unsigned long,	nr_immediate)
		__field(unsigned int,	nr_activate0)
		__field(unsigned int,	nr_activate1)
		__field(unsigned long,	nr_ref_keep)
		__field(unsigned long,	nr_unmap_fail)
		__field(int,		priority)
		__field(int,		reclaim_flags)
	),

	TP_fast_assign(
		__entry->nid = nid;
		__entry->nr_scanned = nr_scanned;
		__entry->nr_reclaimed = nr_reclaimed;
		__entry->nr_dirty = stat->nr_dirty;
		__entry->nr_writeback = 0;
		__entry->nr_congested = 0;
		__entry->nr_immediate = 0;
		__entry->nr_activate0 = stat->nr_activate;
		__entry->nr_activate1 = 0;
		__entry->nr_ref_keep = stat->nr_ref_keep;
		__entry->nr_unmap_fail = stat->nr_unmap_fail;
		__entry->priority = priority;
		__entry->reclaim_flags = SMM_RECLAIM_WB_ANON | SMM_RECLAIM_WB_ASYNC;
	),

	TP_printk("nid=%d nr_scanned=%ld nr_reclaimed=%ld nr_dirty=%ld nr_writeback=%ld nr_congested=%ld nr_immediate=%ld nr_activate_anon=%d nr_activate_file=%d nr_ref_keep=%ld nr_unmap_fail=%ld priority=%d flags=%s",
		  __entry->nid, __entry->nr_scanned, __entry->nr_reclaimed,
		  __entry->nr_dirty, __entry->nr_writeback,
		  __entry->nr_congested, __entry->nr_immediate,
		  __entry->nr_activate0, __entry->nr_activate1,
		  __entry->nr_ref_keep, __entry->nr_unmap_fail,
		  __entry->priority, smm_show_reclaim_flags(__entry->reclaim_flags))
);

/*
 * Compaction (module/compaction.c), with the fields and print formats of
 * the kernel's mm_compaction_* events in trace/events/compaction.h.
 * Frames are shown by pfn.
 */
TRACE_DEFINE_ENUM(SMM_COMPACT_SKIPPED);
TRACE_DEFINE_ENUM(SMM_COMPACT_COMPLETE);
TRACE_DEFINE_ENUM(SMM_COMPACT_SUCCESS);
TRACE_DEFINE_ENUM(SMM_COMPACT_CONTENDED);
TRACE_DEFINE_ENUM(SMM_COMPACT_PARTIAL_SKIPPED);

#define smm_show_compact_status(status)					\
	__print_symbolic(status,					\
			 { SMM_COMPACT_SKIPPED, "skipped" },		\
			 { SMM_COMPACT_COMPLETE, "complete" },		\
			 { SMM_COMPACT_SUCCESS, "success" },		\
			 { SMM_COMPACT_CONTENDED, "contended" },	\
			 { SMM_COMPACT_PARTIAL_SKIPPED, "partial_skipped" })

DECLARE_EVENT_CLASS(shadowmm_compaction_isolate_template,

	TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
		 unsigned long nr_scanned, unsigned long nr_taken),

	TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken),

	TP_STRUCT__entry(
		__field(unsigned long,	start_pfn)
		__field(unsigned long,	end_pfn)
		__field(unsigned long,	nr_scanned)
		__field(unsigned long,	nr_taken)
	),

	TP_fast_assign(
		__entry->start_pfn = start_pfn;
		__entry->end_pfn = end_pfn;
		__entry->nr_scanned = nr_scanned;
		__entry->nr_taken = nr_taken;
	),

	TP_printk("range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",
		  __entry->start_pfn, __entry->end_pfn,
		  __entry->nr_scanned, __entry->nr_taken)
);

/* mm_compaction_isolate_migratepages: the migrate scanner's batch. */
DEFINE_EVENT(shadowmm_compaction_isolate_template, shadowmm_compaction_isolate_migratepages,

	TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
		 unsigned long nr_scanned, unsigned long nr_taken),

	TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken)
);

/* mm_compaction_isolate_freepages: the free scanner's block. */
DEFINE_EVENT(shadowmm_compaction_isolate_template, shadowmm_compaction_isolate_freepages,

	TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
		 unsigned long nr_scanned, unsigned long nr_taken),

	TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken)
);

/* mm_compaction_migratepages: one batch's migrations. */
TRACE_EVENT(shadowmm_compaction_migratepages,

	TP_PROTO(unsigned int nr_migratepages, unsigned int nr_succeeded),

	TP_ARGS(nr_migratepages, nr_succeeded),

	TP_STRUCT__entry(
		__field(unsigned long,	nr_migrated)
		__field(unsigned long,	nr_failed)
	),

	TP_fast_assign(
		__entry->nr_migrated = nr_succeeded;
		__entry->nr_failed = nr_migratepages - nr_succeeded;
	),

	TP_printk("nr_migrated=%lu nr_failed=%lu",
		  __entry->nr_migrated, __entry->nr_failed)
);

/* mm_compaction_begin: a zone's run starts. */
TRACE_EVENT(shadowmm_compaction_begin,

	TP_PROTO(unsigned long zone_start, unsigned long migrate_pfn,
		 unsigned long free_pfn, unsigned long zone_end, bool sync),

	TP_ARGS(zone_start, migrate_pfn, free_pfn, zone_end, sync),

	TP_STRUCT__entry(
		__field(unsigned long,	zone_start)
		__field(unsigned long,	migrate_pfn)
		__field(unsigned long,	free_pfn)
		__field(unsigned long,	zone_end)
		__field(bool,		sync)
	),

	TP_fast_assign(
		__entry->zone_start = zone_start;
		__entry->migrate_pfn = migrate_pfn;
		__entry->free_pfn = free_pfn;
		__entry->zone_end = zone_end;
		__entry->sync = sync;
	),

	TP_printk("zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s",
		  __entry->zone_start, __entry->migrate_pfn, __entry->free_pfn,
		  __entry->zone_end, __entry->sync ? "sync" : "async")
);

/* mm_compaction_end: where the scanners stopped, and why. */
TRACE_EVENT(shadowmm_compaction_end,

	TP_PROTO(unsigned long zone_start, unsigned long migrate_pfn,
		 unsigned long free_pfn, unsigned long zone_end, bool sync,
		 int status),

	TP_ARGS(zone_start, migrate_pfn, free_pfn, zone_end, sync, status),

	TP_STRUCT__entry(
		__field(unsigned long,	zone_start)
		__field(unsigned long,	migrate_pfn)
		__field(unsigned long,	free_pfn)
		__field(unsigned long,	zone_end)
		__field(bool,		sync)
		__field(int,		status)
	),

	TP_fast_assign(
		__entry->zone_start = zone_start;
		__entry->migrate_pfn = migrate_pfn;
		__entry->free_pfn = free_pfn;
		__entry->zone_end = zone_end;
		__entry->sync = sync;
		__entry->status = status;
	),

	TP_printk("zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s status=%s",
		  __entry->zone_start, __entry->migrate_pfn, __entry->free_pfn,
		  __entry->zone_end, __entry->sync ? "sync" : "async",
		  smm_show_compact_status(__entry->status))
);

/* mm_compaction_wakeup_kcompactd: a node's kcompactd woken. */
TRACE_EVENT(shadowmm_compaction_wakeup_kcompactd,

	TP_PROTO(int nid, int order, int highest_zoneidx),

	TP_ARGS(nid, order, highest_zoneidx),

	TP_STRUCT__entry(
		__field(int,		nid)
		__field(int,		order)
		__field(int,		highest_zoneidx)
	),

	TP_fast_assign(
		__entry->nid = nid;
		__entry->order = order;
		__entry->highest_zoneidx = highest_zoneidx;
	),

	TP_printk("nid=%d order=%d highest_zoneidx=%-8s",
		  __entry->nid, __entry->order,
		  smm_show_zone(__entry->highest_zoneidx))
);

#endif /* _TRACE_SHADOWMM_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE shadowmm
#include <trace/define_trace.h>
