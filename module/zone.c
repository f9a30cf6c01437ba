// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: nodes and zones.
 *
 * The region's chunks are sorted by NUMA node, so each node is one range
 * of frame numbers.  Each node is cut into DMA, Normal and HighMem by the
 * pool's zone_split percentages; the cuts fall on max-order blocks when the
 * node is large enough, as the kernel keeps zone boundaries on pageblocks,
 * so that the whole zone can be seen coalesced at order 10.
 *
 * Watermarks and lowmem reserve follow the kernel's rules: the min marks of
 * the lowmem zones add up to min_free_kbytes, split by managed size;
 * HighMem gets a small fixed min; low and high sit one and two steps above
 * min, the step being the larger of min/4 and watermark_scale_factor/10000
 * of the zone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/zone.h>

const char * const smm_zone_names[SMM_NR_ZONE_TYPES] = {
	[SMM_ZONE_DMA] = "DMA",
	[SMM_ZONE_NORMAL] = "Normal",
	[SMM_ZONE_HIGHMEM] = "HighMem",
};

/* As the kernel's sysctl_lowmem_reserve_ratio for DMA, Normal, HighMem. */
static const unsigned int smm_lowmem_reserve_ratio[SMM_NR_ZONE_TYPES] = {
	256, 32, 0
};

/**
 * smm_parse_zone_split() - parse "DMA,Normal,HighMem" percentages
 * @val: e.g. "10,60,30", optionally ending in one newline
 * @split: written only on success
 *
 * Three decimal whole numbers, each parsed with kstrtouint() so none
 * wraps or is truncated, each 0..100, adding up to 100; Normal must not be
 * empty, since ordinary allocations start there.  Whether the split leaves
 * Normal large enough for a given region is checked when the pool is built.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL with a message.
 */
int smm_parse_zone_split(const char *val, unsigned int split[SMM_NR_ZONE_TYPES])
{
	unsigned int v[SMM_NR_ZONE_TYPES], sum = 0;
	size_t len = strlen(val);
	char buf[32], *rest = buf, *field;
	int i;

	if (len && val[len - 1] == '\n')
		len--;
	if (len >= sizeof(buf) || memchr(val, '\n', len))
		goto bad;
	memcpy(buf, val, len);
	buf[len] = '\0';
	for (i = 0; i < SMM_NR_ZONE_TYPES; i++) {
		field = strsep(&rest, ",");
		if (!field || kstrtouint(field, 10, &v[i]) || v[i] > 100)
			goto bad;
		sum += v[i];
	}
	if (rest || sum != 100 || !v[SMM_ZONE_NORMAL])
		goto bad;
	memcpy(split, v, sizeof(v));
	return 0;
bad:
	pr_err("zone_split=%.*s is invalid: expected DMA,Normal,HighMem percentages (each a whole number 0..100) adding up to 100, Normal not 0\n",
	       (int)min_t(size_t, len, 64), val);
	return -EINVAL;
}
SMM_EXPORT(smm_parse_zone_split);

/* Frames of [start, start + nr) the region owns. */
static unsigned long smm_count_present(struct smm_region *r, unsigned long start,
				       unsigned long nr)
{
	unsigned long sfn, n = 0;

	for (sfn = start; sfn < start + nr; sfn++)
		n += !smm_page_test(&r->pages[sfn], SMM_PG_absent);
	return n;
}

static void smm_zone_init_one(struct smm_pool *pool, struct smm_node *node,
			      enum smm_zone_type type, unsigned long start,
			      unsigned long nr)
{
	struct smm_zone *zone = &node->zones[type];
	unsigned long sfn;
	int o;

	spin_lock_init(&zone->lock);
	for (o = 0; o < SMM_NR_ORDERS; o++)
		INIT_LIST_HEAD(&zone->free_area[o].free_list);
	zone->type = type;
	zone->id = node->index * SMM_NR_ZONE_TYPES + type;
	zone->node = node;
	zone->pool = pool;
	zone->start_sfn = start;
	zone->spanned = nr;
	zone->present = smm_count_present(&pool->region, start, nr);
	/* Descriptors live beside the region, so every present frame is managed. */
	zone->managed = zone->present;
	pool->zones.table[zone->id] = zone;
	for (sfn = start; sfn < start + nr; sfn++)
		pool->region.pages[sfn].flags |= (unsigned long)zone->id << SMM_PAGE_ZONE_SHIFT;
}

/*
 * Where a zone of @pct percent of a node of @spanned frames ends: on a
 * max-order block when @on_chunks and the node is large enough.
 */
static unsigned long smm_zone_cut(unsigned long spanned, unsigned int pct, bool on_chunks)
{
	unsigned long cut = DIV_ROUND_CLOSEST(spanned * pct, 100);

	if (on_chunks && spanned >= SMM_NR_ZONE_TYPES * SMM_CHUNK_FRAMES)
		cut = round_down(cut + SMM_CHUNK_FRAMES / 2, SMM_CHUNK_FRAMES);
	return min(cut, spanned);
}

/* Where DMA and Normal end in @node, on max-order blocks or not. */
static void smm_node_cuts(const struct smm_pool *pool, const struct smm_node *node,
			  bool on_chunks, unsigned long *dma_end, unsigned long *normal_end)
{
	const unsigned int *split = pool->zones.split;

	*dma_end = smm_zone_cut(node->spanned, split[SMM_ZONE_DMA], on_chunks);
	*normal_end = smm_zone_cut(node->spanned, split[SMM_ZONE_DMA] + split[SMM_ZONE_NORMAL],
				   on_chunks);
	if (split[SMM_ZONE_HIGHMEM] == 0)
		*normal_end = node->spanned;
}

static void smm_node_init_zones(struct smm_pool *pool, struct smm_node *node)
{
	unsigned long dma_end, normal_end;

	/*
	 * Normal must have frames (zone_split refuses a 0 share): the knobs
	 * and the metadata live there.  Where rounding both cuts to blocks
	 * would leave it none (49,1,50 of 40 MiB), the cuts stay exact.
	 */
	smm_node_cuts(pool, node, true, &dma_end, &normal_end);
	if (normal_end == dma_end)
		smm_node_cuts(pool, node, false, &dma_end, &normal_end);
	smm_zone_init_one(pool, node, SMM_ZONE_DMA, node->start_sfn, dma_end);
	smm_zone_init_one(pool, node, SMM_ZONE_NORMAL, node->start_sfn + dma_end,
			  normal_end - dma_end);
	smm_zone_init_one(pool, node, SMM_ZONE_HIGHMEM, node->start_sfn + normal_end,
			  node->spanned - normal_end);
}

/* Each node tries itself first, then the others, nearest first. */
static int smm_nodes_build_fallback(struct smm_pool *pool)
{
	int i, j, k;

	for (i = 0; i < pool->zones.nr_nodes; i++) {
		struct smm_node *node = &pool->zones.nodes[i];
		int *fb = kcalloc(pool->zones.nr_nodes, sizeof(*fb), GFP_KERNEL);

		if (!fb)
			return -ENOMEM;
		node->fallback = fb;
		fb[0] = i;
		k = 1;
		for (j = 0; j < pool->zones.nr_nodes; j++)
			if (j != i)
				fb[k++] = j;
		/* Insertion sort of fb[1..] by distance from this node. */
		for (j = 2; j < pool->zones.nr_nodes; j++) {
			int v = fb[j], d = node_distance(node->nid, pool->zones.nodes[v].nid);

			for (k = j - 1; k >= 1 &&
			     node_distance(node->nid, pool->zones.nodes[fb[k]].nid) > d; k--)
				fb[k + 1] = fb[k];
			fb[k + 1] = v;
		}
	}
	return 0;
}

/**
 * smm_zones_init() - build nodes and zones over the pool's region
 * @pool: a pool whose region, zone_split and tunables are set
 *
 * Also builds each zone's per-CPU lists, puts every present frame on the
 * buddy free lists, and sets the watermarks.
 *
 * Context: Process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int smm_zones_init(struct smm_pool *pool)
{
	struct smm_region *r = &pool->region;
	struct smm_zone *zone;
	unsigned long c;
	int n, i, ret;

	smm_pcp_pool_init(pool);
	pool->zones.nr_nodes = 0;
	for (c = 0; c < r->nr_chunks; c++)
		if (c == 0 || r->chunk_nid[c] != r->chunk_nid[c - 1])
			pool->zones.nr_nodes++;

	pool->zones.nodes = kcalloc(pool->zones.nr_nodes, sizeof(*pool->zones.nodes), GFP_KERNEL);
	if (!pool->zones.nodes)
		return -ENOMEM;
	pool->zones.table = kcalloc(pool->zones.nr_nodes * SMM_NR_ZONE_TYPES,
				   sizeof(*pool->zones.table), GFP_KERNEL);
	if (!pool->zones.table) {
		ret = -ENOMEM;
		goto err_nodes;
	}

	n = -1;
	for (c = 0; c < r->nr_chunks; c++) {
		if (c == 0 || r->chunk_nid[c] != r->chunk_nid[c - 1]) {
			n++;
			pool->zones.nodes[n].index = n;
			pool->zones.nodes[n].nid = r->chunk_nid[c];
			pool->zones.nodes[n].start_sfn = c * SMM_CHUNK_FRAMES;
		}
		pool->zones.nodes[n].spanned += SMM_CHUNK_FRAMES;
	}
	for (n = 0; n < pool->zones.nr_nodes; n++)
		smm_node_init_zones(pool, &pool->zones.nodes[n]);

	ret = smm_nodes_build_fallback(pool);
	if (ret)
		goto err_fallback;

	smm_pcp_set_default_sizes(pool);
	for_each_smm_zone(pool, zone, i) {
		ret = smm_pcp_init(zone);
		if (ret)
			goto err_pcp;
	}
	for_each_smm_zone(pool, zone, i)
		smm_buddy_init_free(zone, zone->start_sfn, zone->spanned);
	smm_zones_setup_watermarks(pool);
	return 0;

err_pcp:
	while (--i >= 0)
		smm_pcp_destroy(pool->zones.table[i]);
err_fallback:
	for (n = 0; n < pool->zones.nr_nodes; n++)
		kfree(pool->zones.nodes[n].fallback);
	kfree(pool->zones.table);
err_nodes:
	kfree(pool->zones.nodes);
	return ret;
}

/**
 * smm_zones_destroy() - undo smm_zones_init()
 * @pool: the pool
 *
 * The caller has drained the per-CPU lists.
 *
 * Context: Process context.
 */
void smm_zones_destroy(struct smm_pool *pool)
{
	struct smm_zone *zone;
	int i, n;

	smm_pcp_pool_stop(pool);
	for_each_smm_zone(pool, zone, i)
		smm_pcp_destroy(zone);
	for (n = 0; n < pool->zones.nr_nodes; n++)
		kfree(pool->zones.nodes[n].fallback);
	kfree(pool->zones.table);
	kfree(pool->zones.nodes);
}

/**
 * smm_zones_lowmem_pages() - the frames min_free_kbytes is shared among
 * @pool: the pool
 *
 * As the kernel's lowmem: every node's DMA and Normal zones, HighMem left
 * out.
 *
 * Context: Any context.
 * Return: their managed frames.
 */
unsigned long smm_zones_lowmem_pages(struct smm_pool *pool)
{
	unsigned long lowmem = 0;
	struct smm_zone *zone;
	int i;

	for_each_smm_zone(pool, zone, i)
		if (zone->type != SMM_ZONE_HIGHMEM)
			lowmem += zone->managed;
	return lowmem;
}
SMM_EXPORT(smm_zones_lowmem_pages);

/**
 * smm_zones_setup_watermarks() - recompute min/low/high and lowmem reserve
 * @pool: the pool, with min_free_kbytes and watermark_scale_factor set
 *
 * The per-CPU lists' pcp_high_min follows the low watermark.
 *
 * Context: Process context; called at init or with pool->tune_lock held.
 */
void smm_zones_setup_watermarks(struct smm_pool *pool)
{
	unsigned long pages_min = pool->zones.min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem = smm_zones_lowmem_pages(pool);
	struct smm_zone *zone;
	int i, n, j, k;

	for_each_smm_zone(pool, zone, i) {
		unsigned long min, step;

		if (zone->type == SMM_ZONE_HIGHMEM)
			/* HighMem serves no one who must not fail: a token min. */
			min = clamp(zone->managed / 1024, 32UL, 128UL);
		else
			min = lowmem ? mult_frac(pages_min, zone->managed, lowmem) : 0;
		min = min(min, zone->managed / 4);
		step = max(min / 4, mult_frac(zone->managed,
					      (unsigned long)pool->zones.watermark_scale_factor,
					      10000UL));
		WRITE_ONCE(zone->watermark[SMM_WMARK_MIN], min);
		WRITE_ONCE(zone->watermark[SMM_WMARK_LOW], min + step);
		WRITE_ONCE(zone->watermark[SMM_WMARK_HIGH], min + 2 * step);
	}

	/*
	 * A lower zone keeps back, from allocations that could have used the
	 * zones above it, a share of those zones' size.
	 */
	for (n = 0; n < pool->zones.nr_nodes; n++) {
		struct smm_node *node = &pool->zones.nodes[n];

		for (j = 0; j < SMM_NR_ZONE_TYPES; j++) {
			struct smm_zone *lower = &node->zones[j];
			unsigned long above = 0;

			for (k = 0; k < SMM_NR_ZONE_TYPES; k++) {
				unsigned long reserve = 0;

				if (k > j && smm_lowmem_reserve_ratio[j]) {
					above += node->zones[k].managed;
					reserve = above / smm_lowmem_reserve_ratio[j];
				}
				WRITE_ONCE(lower->lowmem_reserve[k], reserve);
			}
		}
	}
	smm_pcp_update_high_min(pool);
}

/**
 * smm_zone_watermark_ok() - may @zone give a block of @order?
 * @zone: the zone
 * @order: the block's order
 * @mark: the watermark to stay above, in frames
 * @highest: the highest zone type the allocation may use (picks the
 *	lowmem reserve that applies)
 * @harder: an atomic allocation, which may use half of @mark
 *
 * Like the kernel's zone_watermark_ok(): the free frames left after the
 * allocation must exceed @mark plus the reserve, and for order > 0 a free
 * block of at least @order must exist.  Reads are lockless; the answer is
 * a hint that the allocation itself confirms under the zone lock.
 *
 * Context: Any context.
 * Return: true when the allocation may proceed.
 */
bool smm_zone_watermark_ok(struct smm_zone *zone, unsigned int order,
			   unsigned long mark, enum smm_zone_type highest,
			   bool harder)
{
	long free = (long)smm_zone_free(zone) - (1L << order) + 1;
	long min = mark;
	unsigned int o;

	if (harder)
		min -= min / 2;
	if (free <= min + (long)READ_ONCE(zone->lowmem_reserve[highest]))
		return false;
	if (!order)
		return true;
	for (o = order; o < SMM_NR_ORDERS; o++)
		if (READ_ONCE(zone->free_area[o].nr_free))
			return true;
	return false;
}
SMM_EXPORT(smm_zone_watermark_ok);

/**
 * smm_preferred_node() - the node an allocation on this CPU starts from
 * @pool: the pool
 *
 * Context: Any context; the answer may be stale once preemption is enabled.
 * Return: the node whose NUMA node is this CPU's, else the first node.
 */
struct smm_node *smm_preferred_node(struct smm_pool *pool)
{
	int nid = numa_node_id();
	int n;

	for (n = 0; n < pool->zones.nr_nodes; n++)
		if (pool->zones.nodes[n].nid == nid)
			return &pool->zones.nodes[n];
	return &pool->zones.nodes[0];
}
