// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the one place the tracepoints are created.  They are exported
 * so the KUnit suites can attach probes and check the fields, into the
 * internal namespace only (see SMM_DEFAULT_NS in compat.h): this define
 * must come before the first include.
 */

#define DEFAULT_SYMBOL_NAMESPACE	SMM_DEFAULT_NS

#define CREATE_TRACE_POINTS
#include <trace/events/shadowmm.h>

#include <shadowmm/compat.h>

SMM_EXPORT_TRACEPOINT(shadowmm_page_alloc);
SMM_EXPORT_TRACEPOINT(shadowmm_page_free);
SMM_EXPORT_TRACEPOINT(shadowmm_pcp_refill);
SMM_EXPORT_TRACEPOINT(shadowmm_pcp_drain);
SMM_EXPORT_TRACEPOINT(shadowmm_buddy_split);
SMM_EXPORT_TRACEPOINT(shadowmm_buddy_merge);
SMM_EXPORT_TRACEPOINT(shadowmm_kmem_cache_alloc);
SMM_EXPORT_TRACEPOINT(shadowmm_kmem_cache_free);
SMM_EXPORT_TRACEPOINT(shadowmm_slab_grow);
SMM_EXPORT_TRACEPOINT(shadowmm_slab_shrink);
SMM_EXPORT_TRACEPOINT(shadowmm_fault);
SMM_EXPORT_TRACEPOINT(shadowmm_vma_open);
SMM_EXPORT_TRACEPOINT(shadowmm_vma_close);
SMM_EXPORT_TRACEPOINT(shadowmm_vma_split);
SMM_EXPORT_TRACEPOINT(shadowmm_refault);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_insertion);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_activate);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_deactivate);
SMM_EXPORT_TRACEPOINT(shadowmm_kswapd_wake);
SMM_EXPORT_TRACEPOINT(shadowmm_reclaim_begin);
SMM_EXPORT_TRACEPOINT(shadowmm_reclaim_end);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_shrink_inactive);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_evict);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_gen_scan);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_gen_age);
SMM_EXPORT_TRACEPOINT(shadowmm_lru_gen_evict);
SMM_EXPORT_TRACEPOINT(shadowmm_compaction_begin);
SMM_EXPORT_TRACEPOINT(shadowmm_compaction_end);
SMM_EXPORT_TRACEPOINT(shadowmm_compaction_isolate_migratepages);
SMM_EXPORT_TRACEPOINT(shadowmm_compaction_isolate_freepages);
SMM_EXPORT_TRACEPOINT(shadowmm_compaction_migratepages);
SMM_EXPORT_TRACEPOINT(shadowmm_compaction_wakeup_kcompactd);
