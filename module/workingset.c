// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: refault-distance working-set detection.
 *
 * The kernel's idea (mm/workingset.c), on shadowmm's pages: time is the
 * number of evictions and activations a node has seen, so no timestamps
 * are needed.  A page evicted at age E and faulted back at age R was out
 * for R - E of them.  Had the inactive list been R - E pages longer, it
 * would not have been evicted at all; the active list could give that
 * many pages only if it holds at least R - E.  So a refault distance not
 * above the active list's size means the page belongs to the working set
 * and is activated at once; a longer one means it was a stream, and it
 * starts over on the inactive list.
 *
 * Evictions move the age on in smm_workingset_eviction(), activations in
 * smm_workingset_activation(): the LRU calls it for every page it
 * activates (a second access drained from a batch, reclaim finding a
 * young page referenced) and smm_workingset_refault() for a refault it
 * activates, where the kernel's folio_mark_accessed(),
 * move_folios_to_lru() and workingset_refault() age its lruvec.
 *
 * A shadow entry is an xarray value entry (63 bits):
 *   bits 0..22	the backing-store slot holding the page's contents, or
 *		0 for a page of zeroes, evicted without being stored (the
 *		largest store swap_mb allows has 2^22 slots)
 *   bits 23..28	the node's index in the pool
 *   bit  29	the page was part of the working set (SMM_PG_workingset)
 *   bits 30..32	the reclaim policy that evicted it (enum
 *		smm_lru_policy_id): a refault is judged by the rules of
 *		the policy it was evicted under, or not at all
 *   bits 33..62	the node's age in buckets of 2^bucket_order, truncated
 *		to 30 bits; under mglru, the generation and tier the page
 *		left from; under lirs, the age when the page was last seen
 *		used
 * As the kernel's mm/workingset.c does with its bucket_order, the age is
 * stored shifted right by the pool's bucket order, the smallest that lets
 * 30 bits cover every distance that can matter (one no larger than the
 * pages the pool and its store can hold): distances are then exact to
 * 2^bucket_order.  An entry older than 2^30 buckets reads as a shorter
 * distance than it was.  The kernel accepts that too, with 36 bits on
 * Debian's 64-bit kernels; here an entry holding a slot lives as long as
 * its page stays in the store, so the slot takes no more bits than the
 * largest store needs: at 100,000 evictions a second the clock goes round
 * in three hours, where 21 bits of age went round in 21 seconds.
 * Entries live in their object's shadows xarray, never in i_pages.  Not
 * every entry holds a slot: one with a slot is the only copy of its page,
 * and their number is bounded by the store's capacity; one without (a
 * page of zeroes, evicted without being stored, comes back zeroed) only
 * remembers when the page left.  Nothing else bounds those shadow-only
 * entries, so they are counted and trimmed above a bound (the shadow trim
 * of module/evict.c, as the kernel's shadow shrinker does).
 */

#include <linux/log2.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <shadowmm/compat.h>
#include <shadowmm/pool.h>
#include <shadowmm/workingset.h>
#include <trace/events/shadowmm.h>

#define SMM_WS_SLOT_BITS	SMM_SWAP_SLOT_BITS
#define SMM_WS_SLOT_MASK	((1UL << SMM_WS_SLOT_BITS) - 1)
#define SMM_WS_NODE_BITS	6
#define SMM_WS_WS_SHIFT		(SMM_WS_SLOT_BITS + SMM_WS_NODE_BITS)
#define SMM_WS_POLICY_SHIFT	(SMM_WS_WS_SHIFT + 1)
#define SMM_WS_POLICY_BITS	3
#define SMM_WS_AGE_SHIFT	(SMM_WS_POLICY_SHIFT + SMM_WS_POLICY_BITS)
#define SMM_WS_AGE_BITS		(BITS_PER_XA_VALUE - SMM_WS_AGE_SHIFT)
#define SMM_WS_AGE_MASK		((1UL << SMM_WS_AGE_BITS) - 1)

static struct smm_workingset *smm_ws(struct smm_pool *pool, int node)
{
	return &pool->workingset.nodes[node];
}

/**
 * smm_workingset_pack() - a shadow entry from its parts
 * @node: index of the node the page was on
 * @slot: the store slot holding its contents, or SMM_SWAP_NONE (0)
 * @value: the node's age (classic, workingset) or the generation token
 *	   (mglru); truncated to what the entry holds
 * @policy: the policy that evicted the page
 * @workingset: the page was part of the working set
 *
 * Context: Any context.
 * Return: an xarray value entry.
 */
void *smm_workingset_pack(int node, u32 slot, unsigned long value,
			  enum smm_lru_policy_id policy, bool workingset)
{
	return xa_mk_value(((value & SMM_WS_AGE_MASK) << SMM_WS_AGE_SHIFT) |
			   ((unsigned long)policy << SMM_WS_POLICY_SHIFT) |
			   ((unsigned long)workingset << SMM_WS_WS_SHIFT) |
			   ((unsigned long)node << SMM_WS_SLOT_BITS) | slot);
}
SMM_EXPORT(smm_workingset_pack);

/**
 * smm_workingset_evict() - the shadow entry an evicted page leaves, by the
 * refault-distance policies
 * @pool: the pool
 * @node: index of the node the page was on
 * @slot: the store slot now holding its contents, or SMM_SWAP_NONE (0)
 *	  for a page of zeroes, which was not stored
 * @policy: SMM_LRU_POLICY_CLASSIC or SMM_LRU_POLICY_WORKINGSET
 * @workingset: the page was part of the working set (kept for the
 *	  workingset policy's restore rule)
 *
 * The node's age moves on by one; the entry holds it in buckets of the
 * pool's bucket order.
 *
 * Context: Any context.
 * Return: an xarray value entry.
 */
void *smm_workingset_evict(struct smm_pool *pool, int node, u32 slot,
			   enum smm_lru_policy_id policy, bool workingset)
{
	unsigned long age = atomic_long_inc_return(&smm_ws(pool, node)->age);

	return smm_workingset_pack(node, slot, age >> pool->workingset.bucket_order,
				   policy, workingset);
}
SMM_EXPORT(smm_workingset_evict);

/**
 * smm_workingset_evict_value() - the shadow entry an evicted page leaves,
 * holding a value its policy chose
 * @pool: the pool
 * @node: index of the node the page was on
 * @slot: the store slot now holding its contents, or SMM_SWAP_NONE (0)
 * @policy: the policy that evicts it
 * @value: what the entry keeps in place of the node's age (lirs: the
 *	   clock when the page was last seen used), in the units of
 *	   smm_workingset_clock()
 *
 * The node's age moves on by one, as for every eviction.
 *
 * Context: Any context.
 * Return: an xarray value entry.
 */
void *smm_workingset_evict_value(struct smm_pool *pool, int node, u32 slot,
				 enum smm_lru_policy_id policy, unsigned long value)
{
	atomic_long_inc(&smm_ws(pool, node)->age);
	return smm_workingset_pack(node, slot, value, policy, false);
}
SMM_EXPORT(smm_workingset_evict_value);

/**
 * smm_workingset_clock() - a node's age now, as shadow entries keep it
 * @pool: the pool
 * @node: index of the node
 *
 * Context: Any context.
 * Return: the age in buckets of 2^bucket_order, truncated to
 * SMM_WS_VALUE_BITS.
 */
unsigned long smm_workingset_clock(struct smm_pool *pool, int node)
{
	return (atomic_long_read(&smm_ws(pool, node)->age) >> pool->workingset.bucket_order) &
	       SMM_WS_AGE_MASK;
}
SMM_EXPORT(smm_workingset_clock);

/**
 * smm_workingset_eviction() - the shadow entry an evicted page leaves
 * @pool: the pool
 * @node: index of the node the page was on
 * @slot: the store slot now holding its contents, or SMM_SWAP_NONE (0)
 *	  for a page of zeroes, which was not stored
 *
 * The classic policy's entry: smm_workingset_evict() with no working-set
 * mark.  The node's age moves on by one.
 *
 * Context: Any context.
 * Return: an xarray value entry.
 */
void *smm_workingset_eviction(struct smm_pool *pool, int node, u32 slot)
{
	return smm_workingset_evict(pool, node, slot, SMM_LRU_POLICY_CLASSIC, false);
}
SMM_EXPORT(smm_workingset_eviction);

/**
 * smm_workingset_shadow_policy() - the policy a shadow entry was left by
 * @shadow: a value entry from smm_workingset_pack()
 *
 * Context: Any context.
 * Return: its enum smm_lru_policy_id.
 */
enum smm_lru_policy_id smm_workingset_shadow_policy(const void *shadow)
{
	return (xa_to_value(shadow) >> SMM_WS_POLICY_SHIFT) &
	       ((1UL << SMM_WS_POLICY_BITS) - 1);
}
SMM_EXPORT(smm_workingset_shadow_policy);

/**
 * smm_workingset_shadow_ws() - was the evicted page part of the working set?
 * @shadow: a value entry from smm_workingset_pack()
 *
 * Context: Any context.
 * Return: the mark it was packed with.
 */
bool smm_workingset_shadow_ws(const void *shadow)
{
	return xa_to_value(shadow) & BIT(SMM_WS_WS_SHIFT);
}
SMM_EXPORT(smm_workingset_shadow_ws);

/**
 * smm_workingset_unpack() - what a shadow entry holds
 * @shadow: a value entry from smm_workingset_eviction()
 * @node: the node's index
 * @age: the node's age at eviction (truncated)
 * @slot: the store slot, SMM_SWAP_NONE for a page of zeroes
 *
 * Context: Any context.
 */
void smm_workingset_unpack(const void *shadow, int *node, unsigned long *age,
			   u32 *slot)
{
	unsigned long v = xa_to_value(shadow);

	*slot = v & SMM_WS_SLOT_MASK;
	*node = (v >> SMM_WS_SLOT_BITS) & ((1UL << SMM_WS_NODE_BITS) - 1);
	*age = v >> SMM_WS_AGE_SHIFT;
}
SMM_EXPORT(smm_workingset_unpack);

/**
 * smm_workingset_slot() - the store slot of a shadow entry
 * @shadow: a value entry from smm_workingset_eviction()
 *
 * Context: Any context.
 * Return: the slot, or SMM_SWAP_NONE (0) when the page was not stored.
 */
u32 smm_workingset_slot(const void *shadow)
{
	return xa_to_value(shadow) & SMM_WS_SLOT_MASK;
}
SMM_EXPORT(smm_workingset_slot);

/**
 * smm_workingset_distance() - how far back a shadow entry's eviction was
 * @pool: the pool
 * @shadow: the entry a classic or workingset eviction left
 * @node: set to the index of the node it was evicted from
 *
 * Context: Any context.
 * Return: the node's age now minus its age then (evictions and
 * activations since, to the bucket: a multiple of 2^bucket_order), or
 * ULONG_MAX when the node is not the pool's.
 */
unsigned long smm_workingset_distance(struct smm_pool *pool, const void *shadow,
				      int *node)
{
	unsigned long then;
	u32 slot;

	smm_workingset_unpack(shadow, node, &then, &slot);
	if (WARN_ON_ONCE(*node >= pool->zones.nr_nodes))
		return ULONG_MAX;
	return ((smm_workingset_clock(pool, *node) - then) & SMM_WS_AGE_MASK) <<
	       pool->workingset.bucket_order;
}
SMM_EXPORT(smm_workingset_distance);

/**
 * smm_workingset_count_refault() - count a refault in its node's totals
 * @pool: the pool
 * @node: the index of the node it was evicted from
 * @activate: it is counted as an activation too
 *
 * For every refault, judged by a distance or not (mglru's, or one whose
 * entry another policy left): the node's refaults and activations are
 * then the vmstat counters' share of that node.
 *
 * Context: Any context.
 */
void smm_workingset_count_refault(struct smm_pool *pool, int node, bool activate)
{
	struct smm_workingset *ws = smm_ws(pool, node);

	atomic_long_inc(&ws->refaults);
	smm_count_event(pool, SMM_WORKINGSET_REFAULT);
	if (activate) {
		atomic_long_inc(&ws->activated);
		smm_count_event(pool, SMM_WORKINGSET_ACTIVATE);
	}
}
SMM_EXPORT(smm_workingset_count_refault);

/**
 * smm_workingset_note_refault() - count a refault and the verdict on it
 * @pool: the pool
 * @node: the index of the node it was evicted from
 * @distance: its refault distance
 * @size: what the distance was compared with (traced)
 * @activate: the verdict: straight to the active list
 *
 * Counts the refault (vmstat workingset_refault) and its distance in the
 * histogram; an activation is counted as workingset_activate and moves
 * the node's age on, as the kernel's workingset_refault() does.  The
 * caller links the page active itself (smm_lru_add() with SMM_PG_active
 * set), which is no LRU activation, so this one is not counted twice.
 *
 * Context: Any context.
 */
void smm_workingset_note_refault(struct smm_pool *pool, int node,
				 unsigned long distance, unsigned long size,
				 bool activate)
{
	struct smm_workingset *ws = smm_ws(pool, node);

	atomic_long_inc(&ws->hist[min_t(unsigned int, distance ? ilog2(distance) + 1 : 0,
					SMM_WS_BUCKETS - 1)]);
	smm_workingset_count_refault(pool, node, activate);
	if (activate)
		smm_workingset_activation(pool, node, 1);
	trace_shadowmm_refault(pool->zones.nodes[node].nid, distance, size, activate);
}
SMM_EXPORT(smm_workingset_note_refault);

/**
 * smm_workingset_refault() - decide where a refaulting page goes (the
 * classic rule)
 * @pool: the pool
 * @shadow: the entry its eviction left
 * @active: pages on the active list of the node it was evicted from
 *
 * A refault distance not above @active activates; counted by
 * smm_workingset_note_refault().
 *
 * Context: Any context.
 * Return: true when the page should go straight to the active list.
 */
bool smm_workingset_refault(struct smm_pool *pool, const void *shadow,
			    unsigned long active)
{
	unsigned long distance;
	bool activate;
	int node;

	distance = smm_workingset_distance(pool, shadow, &node);
	if (distance == ULONG_MAX)
		return false;
	activate = distance <= active;
	smm_workingset_note_refault(pool, node, distance, active, activate);
	return activate;
}
SMM_EXPORT(smm_workingset_refault);

/**
 * smm_workingset_activation() - a page was promoted to the active list
 * @pool: the pool
 * @node: the index of the node the page is on
 * @nr: the pages activated
 *
 * Activations age the node as evictions do: both push the inactive pages
 * toward eviction, so a refault distance that left them out would call
 * too many refaults part of the working set.  Called once per activation,
 * with the pages activated (a PMD-sized folio's 512): by the LRU's
 * activation (module/lru.c) and by smm_workingset_refault().
 *
 * Context: Any context (one atomic add); the LRU calls it under a node's
 * LRU lock or with an isolated page locked.
 */
void smm_workingset_activation(struct smm_pool *pool, int node, unsigned long nr)
{
	atomic_long_add(nr, &smm_ws(pool, node)->age);
}

/**
 * smm_workingset_print() - debugfs "workingset": counts and histogram
 * @m: where to print
 * @pool: the pool
 *
 * Context: Process context.
 */
void smm_workingset_print(struct seq_file *m, struct smm_pool *pool)
{
	int n, b;

	for (n = 0; n < pool->zones.nr_nodes; n++) {
		struct smm_workingset *ws = smm_ws(pool, n);

		seq_printf(m, "Node %d age %ld refaults %ld activated %ld\n",
			   pool->zones.nodes[n].nid, atomic_long_read(&ws->age),
			   atomic_long_read(&ws->refaults),
			   atomic_long_read(&ws->activated));
		seq_puts(m, "  distance       refaults\n");
		for (b = 0; b < SMM_WS_BUCKETS; b++) {
			long c = atomic_long_read(&ws->hist[b]);
			unsigned long lo = b ? 1UL << (b - 1) : 0;
			unsigned long hi = b ? (1UL << b) - 1 : 0;

			if (c)
				seq_printf(m, "  %6lu-%-7lu %8ld\n", lo, hi, c);
		}
	}
}
SMM_EXPORT(smm_workingset_print);

/**
 * smm_workingset_bucket_order() - the bucket order for a pool's ages
 * @max_pages: pages the pool and its backing store can hold together
 *
 * As the kernel's workingset_init(): the bits a distance up to
 * @max_pages needs, beyond those a shadow entry has for the age.
 *
 * Context: Any context.
 * Return: max(0, bits of @max_pages - SMM_WS_VALUE_BITS).
 */
unsigned int smm_workingset_bucket_order(unsigned long max_pages)
{
	unsigned int bits = max_pages > 1 ? fls_long(max_pages - 1) : 0;

	return bits > SMM_WS_AGE_BITS ? bits - SMM_WS_AGE_BITS : 0;
}
SMM_EXPORT(smm_workingset_bucket_order);

/**
 * smm_workingset_pool_init() - per-node counters of a new pool
 * @pool: the pool being built (its nodes and zones set)
 * @store_pages: the backing store's capacity in pages (0 for none)
 *
 * The bucket order comes from the pool's managed pages plus @store_pages.
 *
 * Context: Process context, may sleep.
 * Return: 0, -EINVAL for more nodes than an entry can name, or -ENOMEM.
 */
int smm_workingset_pool_init(struct smm_pool *pool, unsigned long store_pages)
{
	BUILD_BUG_ON(SMM_WS_AGE_BITS < 20);
	BUILD_BUG_ON(SMM_WS_AGE_BITS != SMM_WS_VALUE_BITS);
	BUILD_BUG_ON(SMM_NR_LRU_POLICIES > (1 << SMM_WS_POLICY_BITS));
	if (pool->zones.nr_nodes > (1 << SMM_WS_NODE_BITS))
		return -EINVAL;
	pool->workingset.bucket_order =
		smm_workingset_bucket_order(smm_pool_managed_pages(pool) + store_pages);
	pool->workingset.nodes = kcalloc(pool->zones.nr_nodes, sizeof(*pool->workingset.nodes),
				   GFP_KERNEL);
	return pool->workingset.nodes ? 0 : -ENOMEM;
}

/**
 * smm_workingset_pool_destroy() - free them
 * @pool: the pool
 *
 * Context: Process context.
 */
void smm_workingset_pool_destroy(struct smm_pool *pool)
{
	kfree(pool->workingset.nodes);
}
