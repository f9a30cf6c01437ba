/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nodes and zones (module/zone.c): the region split by the real NUMA node
 * of its frames, each node into DMA, Normal and HighMem by configurable
 * fractions, each zone with its watermarks, lowmem reserve, free lists and
 * per-CPU lists.
 */
#ifndef _SHADOWMM_ZONE_H
#define _SHADOWMM_ZONE_H

#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <shadowmm/lru.h>
#include <shadowmm/page.h>

struct smm_pool;
struct smm_node;
struct smm_pcp;

enum smm_zone_type {
	SMM_ZONE_DMA,
	SMM_ZONE_NORMAL,
	SMM_ZONE_HIGHMEM,
	SMM_NR_ZONE_TYPES,
};

enum smm_wmark {
	SMM_WMARK_MIN,
	SMM_WMARK_LOW,
	SMM_WMARK_HIGH,
	SMM_NR_WMARK,
};

/* Defaults, as the kernel's sysctls of the same names. */
#define SMM_WSF_DEFAULT		10	/* watermark_scale_factor, 1/10000 */
#define SMM_WSF_MAX		3000

/**
 * struct smm_free_area - one order's free list
 * @free_list:	heads of free blocks of this order (smm_page.lru)
 * @nr_free:	number of blocks on @free_list
 */
struct smm_free_area {
	struct list_head free_list;
	unsigned long nr_free;
};

/**
 * struct smm_zone - a zone of one node
 * @lock:	protects @free_area, @free_pages, @changes, @walk_hold_max and
 *		the SMM_PG_buddy flag and order of every frame in the zone
 *		while it is free
 * @free_area:	the buddy free lists, orders 0..SMM_MAX_ORDER
 * @free_pages:	frames on the free lists (not counting per-CPU lists);
 *		written under @lock, read locklessly
 * @pcp:	per-CPU lists of order-0 frames in front of @free_area
 * @pcp_high:	the most frames a per-CPU list holds before it drains
 *		(its high grows towards this while its CPU frees and
 *		refills, and decays back to @pcp_high_min)
 * @pcp_high_min: where a list's high starts and decays to: the low
 *		watermark shared among the CPUs, as the kernel's high_min
 *		(equal to @pcp_high when the sizes were set by hand)
 * @pcp_batch:	frames moved per refill or drain, before scaling
 * @watermark:	min/low/high, in frames; written under pool->tune_lock
 * @lowmem_reserve: frames kept back from allocations that could have used
 *		a higher zone, indexed by the highest zone they may use
 * @start_sfn:	first frame
 * @spanned:	frames from first to last
 * @present:	frames owned (spanned minus holes)
 * @managed:	frames handed to the buddy allocator
 * @type:	DMA, Normal or HighMem
 * @id:		index in the pool (node * SMM_NR_ZONE_TYPES + type)
 * @node:	the node it belongs to
 * @pool:	the pool it belongs to
 * @changes:	bumped once by every hold of @lock that may change
 *		@free_area (smm_zone_lock() in buddy.c): a validate walk that
 *		lets go of @lock midway trusts the block it stands on only
 *		while this is unchanged (beside @free_pages, on a line those
 *		holders write anyway)
 * @walk_hold_max: the most blocks a validate walk looked at under one
 *		hold of @lock (at most SMM_WALK_BATCH; the tests check it)
 */
struct smm_zone {
	spinlock_t lock;
	struct smm_free_area free_area[SMM_NR_ORDERS];
	unsigned long free_pages;
	unsigned long changes;
	struct smm_pcp __percpu *pcp;
	unsigned int pcp_high;
	unsigned int pcp_high_min;
	unsigned int pcp_batch;
	unsigned long watermark[SMM_NR_WMARK];
	unsigned long lowmem_reserve[SMM_NR_ZONE_TYPES];
	unsigned long start_sfn;
	unsigned long spanned;
	unsigned long present;
	unsigned long managed;
	enum smm_zone_type type;
	unsigned int id;
	struct smm_node *node;
	struct smm_pool *pool;
	unsigned int walk_hold_max;
};

/**
 * struct smm_node - the frames of one NUMA node
 * @zones:	its zones, by type (an empty zone has @spanned == 0)
 * @fallback:	pool node indexes in allocation order: itself, then the others
 *		by NUMA distance
 * @index:	index in the pool
 * @nid:	the real NUMA node of its frames
 * @start_sfn:	first frame
 * @spanned:	frames from first to last
 * @lruvec:	the LRU lists of its object frames (module/lru.c)
 */
struct smm_node {
	struct smm_zone zones[SMM_NR_ZONE_TYPES];
	int *fallback;
	int index;
	int nid;
	unsigned long start_sfn;
	unsigned long spanned;
	struct smm_lruvec lruvec;
};

/**
 * struct smm_pool_zones - a pool's page allocator: its nodes, their zones
 * and buddy lists, the watermarks and allocation fault injection
 * @nodes:	its nodes, ordered as their frames
 * @nr_nodes:	how many
 * @table:	every zone by id (node * SMM_NR_ZONE_TYPES + type)
 * @split:	percent of each node per zone type
 * @min_free_kbytes: the reserve the min watermarks add up to; written
 *		under the pool's tune_lock
 * @watermark_scale_factor: distance between watermarks, 1/10000 of a
 *		zone; written under the pool's tune_lock
 * @fail_page_alloc: fault injection for allocations (kernels with
 *		CONFIG_FAULT_INJECTION)
 * @fail_min_order: only allocations of at least this order fail
 */
struct smm_pool_zones {
	struct smm_node *nodes;
	int nr_nodes;
	struct smm_zone **table;
	unsigned int split[SMM_NR_ZONE_TYPES];
	unsigned long min_free_kbytes;
	unsigned int watermark_scale_factor;
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr fail_page_alloc;
#endif
	u32 fail_min_order;
};

extern const char * const smm_zone_names[SMM_NR_ZONE_TYPES];

int smm_zones_init(struct smm_pool *pool);
void smm_zones_destroy(struct smm_pool *pool);
unsigned long smm_zones_lowmem_pages(struct smm_pool *pool);
void smm_zones_setup_watermarks(struct smm_pool *pool);
bool smm_zone_watermark_ok(struct smm_zone *zone, unsigned int order,
			   unsigned long mark, enum smm_zone_type highest,
			   bool harder);
struct smm_node *smm_preferred_node(struct smm_pool *pool);
int smm_parse_zone_split(const char *val, unsigned int split[SMM_NR_ZONE_TYPES]);

static inline unsigned long smm_zone_free(const struct smm_zone *zone)
{
	return READ_ONCE(zone->free_pages);
}

static inline unsigned long smm_zone_end_sfn(const struct smm_zone *zone)
{
	return zone->start_sfn + zone->spanned;
}

static inline bool smm_zone_populated(const struct smm_zone *zone)
{
	return zone->managed != 0;
}

static inline const char *smm_zone_name(const struct smm_zone *zone)
{
	return smm_zone_names[zone->type];
}

#endif /* _SHADOWMM_ZONE_H */
