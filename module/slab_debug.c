// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: slab debugging, what a debug cache checks and how it reports.
 *
 * A cache is a debug cache when it has any SMM_SLAB_* flag, or every cache
 * is with the slab_debug module parameter.  The core (module/slab.c) sends
 * its allocations and frees straight to the slabs under the node locks and
 * calls the hooks here on each object, so each free is checked exactly:
 * every object has a state word (allocated, free or quarantined), optional
 * red zones around it, optional poison while free and optional owner
 * records (the last allocating and freeing caller, CPU, pid and time).
 * Exact double-free detection is kept to debug caches: it needs
 * per-object state every CPU sees (an object is freed on any CPU and
 * allocated on another), so an atomic bit flip on every alloc and free
 * plus a slab lookup on alloc, about what the lockless fast path saves.
 *
 * Each fault, here or in the core's cheaper checks, is reported once with
 * pr_err (which cache, which object by hashed address, slab frame and
 * index, and with owner tracking who had it last), counted, and leaves
 * every structure intact: a bad free changes nothing, and an object whose
 * red zone or poison was found damaged is quarantined: it stays counted
 * in use on its slab, chained on its node's quarantine list instead of a
 * free list, so nothing ever hands it out again (the slab goes back to the
 * buddy only with the cache).
 *
 * smm_slab_validate() checks every slab of every cache against its lists
 * and counters, and with debugging every object's state, red zones and
 * poison, for the pool's validate file and the KUnit suites.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>
#include <shadowmm/stats.h>

static unsigned int smm_slab_debug;

/* Flags this module does not know are a mistake, not bits to drop. */
static int smm_param_set_slab_debug(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || (v & ~SMM_SLAB_DEBUG)) {
		pr_err("slab_debug=%s is invalid: expected SMM_SLAB_* flags within 0x%lx\n",
		       val, (unsigned long)SMM_SLAB_DEBUG);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops smm_slab_debug_ops = {
	.set = smm_param_set_slab_debug,
	.get = param_get_uint,
};

module_param_cb(slab_debug, &smm_slab_debug_ops, &smm_slab_debug, 0444);
__MODULE_PARM_TYPE(slab_debug, "uint");
MODULE_PARM_DESC(slab_debug,
		 "SMM_SLAB_* debug flags for every cache: 1 red zone, 2 poison, 4 owner, 8 consistency (default 0)");

/**
 * smm_slab_debug_flags() - the debug flags the slab_debug parameter gives
 *			    every cache
 *
 * Context: Any context.
 * Return: SMM_SLAB_* debug flags, 0 when the parameter is not set.
 */
unsigned int smm_slab_debug_flags(void)
{
	return smm_slab_debug;
}

/* Debug state word of each object in a debug cache. */
#define SMM_OBJ_FREE		0x46524545UL	/* "FREE" */
#define SMM_OBJ_ALLOC		0x414c4c43UL	/* "ALLC" */
#define SMM_OBJ_QUARANTINE	0x51524e54UL	/* "QRNT" */

static const char * const smm_slab_error_names[SMM_SLAB_NR_ERRORS] = {
	[SMM_SLAB_ERR_DOUBLE_FREE] = "double free",
	[SMM_SLAB_ERR_INVALID_FREE] = "invalid free",
	[SMM_SLAB_ERR_REDZONE] = "red zone overwritten",
	[SMM_SLAB_ERR_POISON] = "write after free (poison overwritten)",
};

static inline unsigned long *smm_obj_state(struct smm_kmem_cache *cache, void *obj)
{
	return obj + cache->meta;
}

/* Red zone: the bytes of the stride before the object and after its end. */
static void smm_redzone_range(struct smm_kmem_cache *cache, unsigned int *lstart,
			      unsigned int *rstart, unsigned int *rend)
{
	*lstart = 0;
	*rstart = cache->object_size;
	*rend = ALIGN(cache->object_size, sizeof(long)) + sizeof(long);
}

static void smm_redzone_fill(struct smm_kmem_cache *cache, void *obj)
{
	unsigned int l, rs, re;

	smm_redzone_range(cache, &l, &rs, &re);
	memset(obj - cache->offset + l, SMM_RED_ACTIVE, cache->offset - l);
	memset(obj + rs, SMM_RED_ACTIVE, re - rs);
}

/*
 * Return the offset (from the object) of the first bad red zone byte, or 0.
 * memchr_inv() compares a word at a time.
 */
static long smm_redzone_check(struct smm_kmem_cache *cache, void *obj)
{
	unsigned int l, rs, re;
	u8 *bad;

	smm_redzone_range(cache, &l, &rs, &re);
	bad = memchr_inv(obj - cache->offset + l, SMM_RED_ACTIVE, cache->offset - l);
	if (bad)
		return bad - (u8 *)obj;
	bad = memchr_inv(obj + rs, SMM_RED_ACTIVE, re - rs);
	if (bad)
		return bad - (u8 *)obj;
	return 0;
}

static inline bool smm_cache_poisons(const struct smm_kmem_cache *cache)
{
	return (cache->flags & SMM_SLAB_POISON) && !cache->ctor;
}

static void smm_poison_fill(struct smm_kmem_cache *cache, void *obj)
{
	memset(obj, SMM_POISON_FREE, cache->object_size - 1);
	((u8 *)obj)[cache->object_size - 1] = SMM_POISON_END;
}

/* Return the offset of the first byte that differs from poison, or -1. */
static long smm_poison_check(struct smm_kmem_cache *cache, void *obj)
{
	unsigned int last = cache->object_size - 1;
	u8 *p = obj, *bad;

	bad = memchr_inv(p, SMM_POISON_FREE, last);
	if (bad)
		return bad - p;
	if (p[last] != SMM_POISON_END)
		return last;
	return -1;
}

static void smm_track_set(struct smm_kmem_cache *cache, void *obj, bool free,
			  unsigned long addr)
{
	struct smm_slab_track *t = smm_obj_track(cache, obj, free);

	t->addr = addr;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
	t->when = jiffies;
}

/**
 * smm_slab_fault() - report and count one fault a cache detected
 * @cache: the cache
 * @kind: what it is
 * @slab: the slab of the object, or NULL when the pointer is none of the
 *	  cache's objects
 * @obj: the object or pointer
 * @detail: appended to the report line ("" for none)
 *
 * One fault, one report: what, which cache, which object (hashed address,
 * slab frame and index) and, with owner tracking, who had it last.
 *
 * Context: Any context; may hold the node lock of @slab.
 */
void smm_slab_fault(struct smm_kmem_cache *cache, enum smm_slab_error kind,
		    struct smm_page *slab, const void *obj, const char *detail)
{
	atomic_long_inc(&cache->errors[kind]);
	if (slab) {
		void *base = smm_slab_base(cache, slab);

		pr_err("%s: cache %s: %s: object %p (slab sfn %lu, index %lu)%s\n",
		       cache->pool->name, cache->name, smm_slab_error_names[kind], obj,
		       smm_slab_sfn(cache, slab),
		       (unsigned long)(obj - base - cache->offset) / cache->size, detail);
	} else {
		pr_err("%s: cache %s: %s: pointer %p%s\n", cache->pool->name, cache->name,
		       smm_slab_error_names[kind], obj, detail);
	}
	if (slab && (cache->flags & SMM_SLAB_STORE_USER)) {
		struct smm_slab_track *a = smm_obj_track(cache, (void *)obj, false);
		struct smm_slab_track *f = smm_obj_track(cache, (void *)obj, true);

		pr_err("%s: cache %s: last alloc by %pS cpu %d pid %d, last free by %pS cpu %d pid %d\n",
		       cache->pool->name, cache->name, (void *)a->addr, a->cpu, a->pid,
		       (void *)f->addr, f->cpu, f->pid);
	}
}

/* Keep a damaged object of a slab of @n aside: in use, never handed out. */
static void smm_quarantine(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			   void *obj)
{
	lockdep_assert_held(&n->lock);
	*smm_obj_state(cache, obj) = SMM_OBJ_QUARANTINE;
	*smm_freeptr(cache, obj) = n->quarantine;
	n->quarantine = obj;
	n->nr_quarantined++;
}

/**
 * smm_slab_debug_setup() - the debug state of an object of a new slab
 * @cache: a debug cache
 * @obj: the object, free
 *
 * Red zones filled, state free, no owner, and poison (a cache with a
 * constructor is never poisoned, so its constructor may run after this).
 *
 * Context: Any context; the slab is on no list yet.
 */
void smm_slab_debug_setup(struct smm_kmem_cache *cache, void *obj)
{
	if (cache->flags & SMM_SLAB_RED_ZONE)
		smm_redzone_fill(cache, obj);
	*smm_obj_state(cache, obj) = SMM_OBJ_FREE;
	if (cache->flags & SMM_SLAB_STORE_USER)
		memset(smm_obj_track(cache, obj, false), 0,
		       2 * sizeof(struct smm_slab_track));
	if (smm_cache_poisons(cache))
		smm_poison_fill(cache, obj);
}

/**
 * smm_slab_debug_alloc() - check an object a debug cache takes off its slab
 * @cache: a debug cache
 * @n: the node whose lists hold @slab
 * @slab: the slab, its in-use count already counting @obj
 * @obj: the object, just off the slab's free list
 * @caller: recorded as its allocating owner
 *
 * A free object whose poison or red zone was written to is reported and
 * quarantined; any other is marked allocated.
 *
 * Context: @n->lock held.
 * Return: true when @obj may be handed out, false when it was quarantined.
 */
bool smm_slab_debug_alloc(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			  struct smm_page *slab, void *obj, unsigned long caller)
{
	unsigned long *state = smm_obj_state(cache, obj);
	bool damaged = false;
	long bad;

	lockdep_assert_held(&n->lock);
	if (smm_cache_poisons(cache)) {
		bad = smm_poison_check(cache, obj);
		if (bad >= 0) {
			char detail[64];

			snprintf(detail, sizeof(detail), ": byte %ld changed; quarantined",
				 bad);
			smm_slab_fault(cache, SMM_SLAB_ERR_POISON, slab, obj, detail);
			damaged = true;
		}
	}
	if ((cache->flags & SMM_SLAB_RED_ZONE) && smm_redzone_check(cache, obj)) {
		smm_slab_fault(cache, SMM_SLAB_ERR_REDZONE, slab, obj,
			       " (while free); quarantined");
		damaged = true;
	}
	if (unlikely(damaged)) {
		smm_quarantine(cache, n, obj);
		return false;
	}
	*state = SMM_OBJ_ALLOC;
	if (cache->flags & SMM_SLAB_STORE_USER)
		smm_track_set(cache, obj, false, caller);
	return true;
}

/**
 * smm_slab_debug_free() - check an object freed to a debug cache
 * @cache: a debug cache
 * @n: the node whose lists hold @slab
 * @slab: the object's slab
 * @obj: the object
 * @caller: recorded as its freeing owner
 *
 * An object that is not allocated (free, quarantined, or its state word
 * overwritten) is a double free: reported, and nothing changes.  One whose
 * red zone was overwritten is reported and quarantined.  Any other is
 * poisoned and marked free.
 *
 * Context: @n->lock held.
 * Return: true when the caller puts @obj back on its slab, false when it
 * must not.
 */
bool smm_slab_debug_free(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			 struct smm_page *slab, void *obj, unsigned long caller)
{
	unsigned long *state = smm_obj_state(cache, obj);
	long bad;

	lockdep_assert_held(&n->lock);
	if (*state != SMM_OBJ_ALLOC) {
		smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE, slab, obj,
			       *state == SMM_OBJ_FREE ? "" :
			       *state == SMM_OBJ_QUARANTINE ? " (quarantined)" :
			       " (state word corrupted)");
		return false;
	}
	if (cache->flags & SMM_SLAB_STORE_USER)
		smm_track_set(cache, obj, true, caller);
	if (cache->flags & SMM_SLAB_RED_ZONE) {
		bad = smm_redzone_check(cache, obj);
		if (bad) {
			char detail[64];

			snprintf(detail, sizeof(detail), ": byte %ld of the object; quarantined",
				 bad);
			smm_slab_fault(cache, SMM_SLAB_ERR_REDZONE, slab, obj, detail);
			smm_quarantine(cache, n, obj);
			return false;
		}
	}
	if (smm_cache_poisons(cache))
		smm_poison_fill(cache, obj);
	*state = SMM_OBJ_FREE;
	return true;
}

/* One slab of a cache on the lists of its node @nid, under its lock. */
static void smm_validate_slab(struct smm_kmem_cache *cache, int nid, struct smm_page *slab,
			      unsigned int list, struct smm_report *r)
{
	static const char * const names[] = { "full", "partial", "free" };
	unsigned int inuse = smm_slab_inuse(slab), nfree = 0, i;
	unsigned long sfn = smm_slab_sfn(cache, slab);
	void *base, *obj;

	lockdep_assert_held(&cache->node[nid].lock);
	for (i = 0; i < (1U << cache->order); i++)
		if (!smm_page_test(slab + i, SMM_PG_slab) || slab[i].slab_cache != cache) {
			smm_report(r, "cache %s: slab sfn %lu frame %u not marked as its slab\n",
				   cache->name, sfn, i);
			return;
		}
	if (smm_slab_nid(slab) != nid)
		smm_report(r, "cache %s: slab sfn %lu of node %d is on node %d's lists\n",
			   cache->name, sfn, smm_slab_nid(slab), nid);
	if (inuse > cache->objs_per_slab ||
	    (list == 0 && inuse != cache->objs_per_slab) ||
	    (list == 1 && (!inuse || inuse == cache->objs_per_slab)) ||
	    (list == 2 && inuse))
		smm_report(r, "cache %s: slab sfn %lu with %u of %u objects in use is on slabs_%s\n",
			   cache->name, sfn, inuse, cache->objs_per_slab, names[list]);
	for (obj = slab->freelist; obj; obj = *smm_freeptr(cache, obj)) {
		if (smm_obj_slab(cache, obj) != slab) {
			smm_report(r, "cache %s: slab sfn %lu free list holds a foreign pointer\n",
				   cache->name, sfn);
			break;
		}
		if (++nfree > cache->objs_per_slab) {
			smm_report(r, "cache %s: slab sfn %lu free list loops\n", cache->name, sfn);
			break;
		}
	}
	if (nfree + inuse != cache->objs_per_slab)
		smm_report(r, "cache %s: slab sfn %lu has %u free objects listed, %u in use, of %u\n",
			   cache->name, sfn, nfree, inuse, cache->objs_per_slab);
	if (!smm_cache_debug(cache))
		return;
	base = smm_slab_base(cache, slab);
	nfree = 0;
	for (i = 0; i < cache->objs_per_slab; i++) {
		unsigned long state;

		obj = smm_slab_obj(cache, base, i);
		state = *smm_obj_state(cache, obj);
		if (state == SMM_OBJ_QUARANTINE)
			continue;	/* damaged, kept aside: not checked again */
		if (state == SMM_OBJ_FREE)
			nfree++;
		else if (state != SMM_OBJ_ALLOC)
			smm_report(r, "cache %s: slab sfn %lu object %u: state word corrupted\n",
				   cache->name, sfn, i);
		if ((cache->flags & SMM_SLAB_RED_ZONE) && smm_redzone_check(cache, obj))
			smm_report(r, "cache %s: slab sfn %lu object %u: red zone overwritten\n",
				   cache->name, sfn, i);
		if (state == SMM_OBJ_FREE && smm_cache_poisons(cache) &&
		    smm_poison_check(cache, obj) >= 0)
			smm_report(r, "cache %s: slab sfn %lu object %u: written after free\n",
				   cache->name, sfn, i);
	}
	if (nfree + inuse != cache->objs_per_slab)
		smm_report(r, "cache %s: slab sfn %lu has %u objects marked free, %u in use\n",
			   cache->name, sfn, nfree, inuse);
}

/*
 * Node @nid's quarantine list, under its lock: objects of the cache on
 * that node's slabs, so marked, as many as counted.
 */
static void smm_validate_quarantine(struct smm_kmem_cache *cache, int nid,
				    struct smm_report *r)
{
	struct smm_kmem_cache_node *node = &cache->node[nid];
	struct smm_page *slab;
	unsigned long n = 0;
	void *obj;

	lockdep_assert_held(&node->lock);
	for (obj = node->quarantine; obj; obj = *smm_freeptr(cache, obj)) {
		slab = smm_obj_slab(cache, obj);
		if (!slab || smm_slab_nid(slab) != nid ||
		    *smm_obj_state(cache, obj) != SMM_OBJ_QUARANTINE) {
			smm_report(r, "cache %s: node %d's quarantine holds a foreign or unmarked object\n",
				   cache->name, nid);
			return;
		}
		if (++n > node->nr_quarantined)
			break;
	}
	if (n != node->nr_quarantined)
		smm_report(r, "cache %s: node %d's quarantine lists %lu objects, counter says %lu\n",
			   cache->name, nid, n, node->nr_quarantined);
}

/* Every list of node @nid of @cache, and its counters against them. */
static void smm_validate_node(struct smm_kmem_cache *cache, int nid, struct smm_report *r)
{
	struct smm_kmem_cache_node *n = &cache->node[nid];
	struct list_head *lists[] = { &n->slabs_full, &n->slabs_partial, &n->slabs_free };
	unsigned long slabs = 0, nfree = 0, inuse = 0;
	struct smm_page *slab;
	unsigned int l;

	spin_lock(&n->lock);
	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		list_for_each_entry(slab, lists[l], lru) {
			smm_validate_slab(cache, nid, slab, l, r);
			slabs++;
			nfree += l == 2;
			inuse += smm_slab_inuse(slab);
		}
	}
	smm_validate_quarantine(cache, nid, r);
	if (slabs != n->nr_slabs || nfree != n->nr_free_slabs || inuse != n->inuse)
		smm_report(r, "cache %s: node %d's lists hold %lu slabs (%lu free, %lu objects in use), counters say %lu (%lu, %lu)\n",
			   cache->name, nid, slabs, nfree, inuse, n->nr_slabs,
			   n->nr_free_slabs, n->inuse);
	spin_unlock(&n->lock);
}

/**
 * smm_slab_validate() - check every slab of every cache
 * @pool: the pool
 * @r: where problems are reported
 *
 * Each slab on the lists of its own node, on the list its in-use count
 * calls for, its free list as long as its free objects and inside it,
 * each node's counters equal to the sums and its free slabs within the
 * limit; with debugging, every object's state, red zones and poison.
 *
 * Context: Process context, may sleep.
 * Return: the number of problems found.
 */
unsigned int smm_slab_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int before = r->problems;
	struct smm_kmem_cache *cache;

	mutex_lock(&pool->slab_mutex);
	list_for_each_entry(cache, &pool->caches, list) {
		int nid;

		for (nid = 0; nid < cache->nr_nodes; nid++)
			smm_validate_node(cache, nid, r);
	}
	mutex_unlock(&pool->slab_mutex);
	return r->problems - before;
}
