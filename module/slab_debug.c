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
 * Each fault, here or in the core's cheaper checks, is counted and
 * reported once, in the shape of SLUB's reports (see smm_slab_fault()):
 * a framed "BUG <cache> (pool <pool>): <what>" title (no colon after BUG,
 * so the test VM's log verdict, which fails a run on the kernel's own
 * "BUG: " reports, tells a deliberately provoked fault from a kernel
 * bug), what was found, the object and its slab, with owner tracking who
 * last allocated and freed it and from which stacks, a dump of the
 * damaged bytes, the detecting stack, and a "FIX" line saying what the
 * allocator did about it.  Every fault leaves every structure intact: a
 * bad free changes nothing, and an object whose red zone or poison was
 * found damaged is quarantined: it stays counted in use on its slab,
 * chained on its node's quarantine list instead of a free list, so nothing
 * ever hands it out again (the slab goes back to the buddy only with the
 * cache).
 *
 * Owner tracking records the caller, CPU, pid and time of the last
 * allocation and free of each object and, where the kernel has a stack
 * depot, the stack from that caller down (a handle into the depot,
 * SMM_SLAB_STACKS): an unwind and a hash lookup on every allocation and
 * free of such a cache, as SLUB pays with SLAB_STORE_USER.  Caches without
 * debugging never come here.
 *
 * smm_slab_validate() checks every slab of every cache against its lists
 * and counters, and with debugging every object's state, red zones and
 * poison, for the pool's validate file and the KUnit suites.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/slab_internal.h>
#include <shadowmm/stats.h>
#include <shadowmm/walk.h>

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
		 "SMM_SLAB_* debug flags for every cache of the module's pool: 1 red zone, 2 poison, 4 owner, 8 consistency (default 0)");

/**
 * smm_slab_debug_flags() - the debug flags the slab_debug parameter asks
 *			    for on every cache of the module's pool
 *
 * KUnit pools are built without them: each test says what it wants.
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

/* The title of a report of each kind, and what the allocator did about it. */
static const char * const smm_slab_error_names[SMM_SLAB_NR_ERRORS] = {
	[SMM_SLAB_ERR_DOUBLE_FREE] = "Double free",
	[SMM_SLAB_ERR_INVALID_FREE] = "Invalid free",
	[SMM_SLAB_ERR_REDZONE] = "Red zone overwritten",
	[SMM_SLAB_ERR_POISON] = "Write after free (poison overwritten)",
};

static const char * const smm_slab_error_fixes[SMM_SLAB_NR_ERRORS] = {
	[SMM_SLAB_ERR_DOUBLE_FREE] = "free ignored, nothing changed",
	[SMM_SLAB_ERR_INVALID_FREE] = "free ignored, nothing changed",
	[SMM_SLAB_ERR_REDZONE] = "object quarantined: it stays in use on its slab and is never handed out again",
	[SMM_SLAB_ERR_POISON] = "object quarantined: it stays in use on its slab and is never handed out again",
};

#define SMM_REPORT_DUMP_MAX	64	/* bytes of a damaged area a report dumps */
#define SMM_REPORT_ROW		16	/* bytes per dumped line */
#define SMM_TRACK_DEPTH		24	/* frames unwound for an owner's stack */

/**
 * struct smm_slab_damage - guard bytes of an object found overwritten
 * @what:	"Left red zone", "Right red zone" or "Poison"
 * @poison:	the area is the poisoned object, else a red zone
 * @start:	the area, in bytes from the object: [@start, @end)
 * @end:	its end
 * @first:	its first byte that differs from what was written there
 * @found:	when the damage was found ("on free", "on allocation")
 */
struct smm_slab_damage {
	const char *what;
	bool poison;
	long start;
	long end;
	long first;
	const char *found;
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

#ifdef CONFIG_STACKDEPOT
/*
 * This task's stack from @caller down, in the stack depot, or 0 when the
 * depot has no room for it.  The frames above @caller are the slab
 * allocator's own and say nothing of the owner: they are left out when
 * @caller is among the frames unwound.
 */
static depot_stack_handle_t smm_track_stack(unsigned long caller)
{
	unsigned long entries[SMM_TRACK_DEPTH];
	unsigned int nr, i;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < nr && entries[i] != caller; i++)
		;
	if (i == nr)
		i = 0;
	/* Under a node lock: the depot may take a page, never wait for one. */
	return stack_depot_save(entries + i, nr - i, GFP_NOWAIT | __GFP_NOWARN);
}

/* The frames of a stack the depot holds; their number, 0 for none. */
static unsigned int smm_track_frames(depot_stack_handle_t stack, unsigned long **entries)
{
	return stack ? stack_depot_fetch(stack, entries) : 0;
}
#else
static depot_stack_handle_t smm_track_stack(unsigned long caller)
{
	return 0;
}

static unsigned int smm_track_frames(depot_stack_handle_t stack, unsigned long **entries)
{
	return 0;
}
#endif

static void smm_track_set(struct smm_kmem_cache *cache, void *obj, bool free,
			  unsigned long addr)
{
	struct smm_slab_track *t = smm_obj_track(cache, obj, free);

	t->addr = addr;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
	t->when = jiffies;
	t->stack = (cache->flags & SMM_SLAB_STACKS) ? smm_track_stack(addr) : 0;
}

/**
 * smm_slab_debug_init() - prepare a new cache's debugging
 * @cache: the cache, its flags set, not yet on its pool's list
 *
 * A cache that tracks owners keeps their stacks too (SMM_SLAB_STACKS)
 * when the kernel has a stack depot and it is ready; the depot is made
 * ready here when no one has yet.
 *
 * Context: Process context, may sleep.
 */
void smm_slab_debug_init(struct smm_kmem_cache *cache)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && (cache->flags & SMM_SLAB_STORE_USER) &&
	    !stack_depot_init())
		cache->flags |= SMM_SLAB_STACKS;
}

/* What a guarded byte at @off from the object holds while undamaged. */
static u8 smm_guard_byte(struct smm_kmem_cache *cache, const struct smm_slab_damage *d,
			 long off)
{
	if (!d->poison)
		return SMM_RED_ACTIVE;
	return off == cache->object_size - 1 ? SMM_POISON_END : SMM_POISON_FREE;
}

/* The damaged area of a report: its extent and first bad byte. */
static void smm_report_damage(struct smm_kmem_cache *cache, const u8 *obj,
			      const struct smm_slab_damage *d)
{
	unsigned int bad = 0;
	long off;

	for (off = d->first; off < d->end; off++)
		bad += obj[off] != smm_guard_byte(cache, d, off);
	pr_err("%s object%+ld..%+ld: %u of %ld bytes differ, first at object%+ld: 0x%02x instead of 0x%02x (found %s)\n",
	       d->what, d->start, d->end - 1, bad, d->end - d->start, d->first,
	       obj[d->first], smm_guard_byte(cache, d, d->first), d->found);
}

/*
 * A dump of at most SMM_REPORT_DUMP_MAX bytes of the damaged area from a
 * row before the one holding its first bad byte, after the owners as in
 * SLUB's reports.  Each line starts with its offset from the object.  No
 * ASCII column: the bytes are whatever was written there, and text in
 * them could read as a kernel report to a log scanner.
 */
static void smm_report_dump(const u8 *obj, const struct smm_slab_damage *d)
{
	char line[SMM_REPORT_ROW * 3 + 1];
	long off, start, end;

	start = round_down(d->first - d->start, SMM_REPORT_ROW);
	start = d->start + max(0L, start - SMM_REPORT_ROW);
	end = min(d->end, start + SMM_REPORT_DUMP_MAX);
	for (off = start; off < end; off += SMM_REPORT_ROW) {
		hex_dump_to_buffer(obj + off, min_t(long, end - off, SMM_REPORT_ROW),
				   SMM_REPORT_ROW, 1, line, sizeof(line), false);
		pr_err("%s object%+ld: %s\n", d->what, off, line);
	}
}

/* One owner record of a report, and its stack when the depot has it. */
static void smm_report_track(const char *what, const struct smm_slab_track *t)
{
	unsigned long *entries;
	unsigned int nr, i;

	if (!t->addr) {
		pr_err("%s: no record\n", what);
		return;
	}
	pr_err("%s by %pS %lu jiffies ago, cpu %d pid %d\n", what, (void *)t->addr,
	       jiffies - t->when, t->cpu, t->pid);
	nr = smm_track_frames(t->stack, &entries);
	for (i = 0; i < nr; i++)
		pr_err(" %pS\n", (void *)entries[i]);
}

/*
 * The report of one fault, in the shape of SLUB's (see the file comment);
 * @detail or @d says what was found.
 */
static void smm_slab_report(struct smm_kmem_cache *cache, enum smm_slab_error kind,
			    struct smm_page *slab, const void *obj, const char *detail,
			    const struct smm_slab_damage *d)
{
	pr_err("=============================================================================\n");
	pr_err("BUG %s (pool %s): %s\n", cache->name, cache->pool->name,
	       smm_slab_error_names[kind]);
	pr_err("-----------------------------------------------------------------------------\n");
	if (!slab) {
		pr_err("Pointer %p: %s\n", obj, detail);
	} else {
		void *base = smm_slab_base(cache, slab);
		/*
		 * The core's own checks report without the node lock, while
		 * its holder may change the in-use count: a snapshot will do.
		 */
		unsigned long flags = data_race(READ_ONCE(slab->flags));

		if (d)
			smm_report_damage(cache, obj, d);
		else
			pr_err("%s\n", detail);
		if (obj)
			pr_err("Object %p: index %lu of its slab, size %u, stride %u\n", obj,
			       (unsigned long)(obj - base - cache->offset) / cache->size,
			       cache->object_size, cache->size);
		pr_err("Slab sfn %lu order %u node %d: %lu of %u objects in use, frame %p flags %#lx\n",
		       smm_slab_sfn(cache, slab), cache->order, smm_slab_nid(slab),
		       (flags & SMM_PAGE_INUSE_MASK) >> SMM_PAGE_INUSE_SHIFT,
		       cache->objs_per_slab, slab, flags);
		if (obj && (cache->flags & SMM_SLAB_STORE_USER)) {
			smm_report_track("Allocated", smm_obj_track(cache, (void *)obj, false));
			smm_report_track("Freed", smm_obj_track(cache, (void *)obj, true));
		}
		if (d)
			smm_report_dump(obj, d);
	}
	dump_stack_lvl(KERN_ERR);
	/* A slab and no object: the slab's free list was lost (slab.c). */
	pr_err("FIX %s: %s\n", cache->name, slab && !obj ?
	       "slab counted full, its lost objects in use: it is never picked again" :
	       smm_slab_error_fixes[kind]);
}

static void __smm_slab_fault(struct smm_kmem_cache *cache, enum smm_slab_error kind,
			     struct smm_page *slab, const void *obj, const char *detail,
			     const struct smm_slab_damage *d)
{
	atomic_long_inc(&cache->errors[kind]);
	smm_slab_report(cache, kind, slab, obj, detail, d);
}

/**
 * smm_slab_fault() - report and count one fault a cache detected
 * @cache: the cache
 * @kind: what it is
 * @slab: the slab of the object, or NULL when the pointer is none of the
 *	  cache's objects
 * @obj: the object or pointer; NULL with @slab for a fault of the slab's
 *	 free list that no one object can be blamed for
 * @detail: what was found: with @slab a sentence of its own ("Object
 *	    already free"); without, what is wrong with the pointer, printed
 *	    after "Pointer <hashed address>: "
 *
 * One fault, one report of these lines, each through pr_err()::
 *
 *   =====...
 *   BUG <cache> (pool <pool>): <kind>
 *   -----...
 *   <detail>, or for damaged guard bytes which area, how many bytes of it
 *	differ and the first one's offset, value and expected value
 *   Object <hashed address>: index <i> of its slab, size <n>, stride <n>
 *   Slab sfn <sfn> order <o> node <nid>: <n> of <n> objects in use, frame
 *	<hashed descriptor address> flags <descriptor flags>
 *   Allocated by <caller> <age> jiffies ago, cpu <c> pid <p>, and the
 *	stack from the caller down; the same for "Freed" (owner tracking)
 *   <area> object<+offset>: <hex bytes>, up to 64 bytes around the first
 *	damaged one (damaged guard bytes)
 *   the detecting stack (dump_stack_lvl())
 *   FIX <cache>: <what the allocator did: free ignored, or quarantined>
 *
 * (without @slab, "Pointer <hashed address>: <detail>" in place of the
 * detail, object, slab and owner lines).  Not rate-limited: each report
 * is of a bug to fix, and the counters say how many there were.
 *
 * Context: Any context; may hold the node lock of @slab.
 */
void smm_slab_fault(struct smm_kmem_cache *cache, enum smm_slab_error kind,
		    struct smm_page *slab, const void *obj, const char *detail)
{
	__smm_slab_fault(cache, kind, slab, obj, detail, NULL);
}

/* Report the red zone byte at @bad (from the object) found overwritten. */
static void smm_redzone_fault(struct smm_kmem_cache *cache, struct smm_page *slab,
			      void *obj, long bad, const char *found)
{
	struct smm_slab_damage d = { .first = bad, .found = found };
	unsigned int l, rs, re;

	smm_redzone_range(cache, &l, &rs, &re);
	if (bad < 0) {
		d.what = "Left red zone";
		d.start = (long)l - cache->offset;
		d.end = 0;
	} else {
		d.what = "Right red zone";
		d.start = rs;
		d.end = re;
	}
	__smm_slab_fault(cache, SMM_SLAB_ERR_REDZONE, slab, obj, NULL, &d);
}

/* Report the poison byte at @bad of a free object found overwritten. */
static void smm_poison_fault(struct smm_kmem_cache *cache, struct smm_page *slab,
			     void *obj, long bad)
{
	struct smm_slab_damage d = {
		.what = "Poison", .poison = true, .start = 0,
		.end = cache->object_size, .first = bad, .found = "on allocation",
	};

	__smm_slab_fault(cache, SMM_SLAB_ERR_POISON, slab, obj, NULL, &d);
}

/* Keep a damaged object of a slab of @n aside: in use, never handed out. */
static void smm_quarantine(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			   void *obj)
{
	lockdep_assert_held(&n->lock);
	*smm_obj_state(cache, obj) = SMM_OBJ_QUARANTINE;
	*smm_freeptr(cache, obj) = n->quarantine;
	n->quarantine = obj;
	WRITE_ONCE(n->nr_quarantined, n->nr_quarantined + 1);
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
 * smm_slab_debug_next() - the free object after @obj on its slab's list
 * @cache: a debug cache
 * @n: the node whose lists hold @slab
 * @slab: the slab, @obj the head of its free list and still counted free
 * @obj: the object being taken
 *
 * The link lies outside the object, where poison does not reach and a red
 * zone only catches a write that runs over it: one written after the free
 * (a stray store, a use after free) would be followed blindly, to a wild
 * pointer or to an object already handed out.  A link that names no
 * other free object of @slab, or ends the list while objects it did not
 * name are free, is reported as a write after free and the list rebuilt
 * from the objects' state words, the in-use counts made to agree with it.
 *
 * Context: @n->lock held.
 * Return: the next free object, NULL at the end of the list.
 */
void *smm_slab_debug_next(struct smm_kmem_cache *cache, struct smm_kmem_cache_node *n,
			  struct smm_page *slab, void *obj)
{
	void *next = *smm_freeptr(cache, obj), *head = NULL, **tail = &head;
	void *base, *o;
	unsigned int i, nfree = 0, inuse;

	lockdep_assert_held(&n->lock);
	/*
	 * The end of the list only where every other object is in use: a
	 * link zeroed (or one that skipped free objects, found here at the
	 * end) would lose the rest of the list, and leave the slab on the
	 * partial list with nothing to give.
	 */
	if (next ? next != obj && smm_obj_slab(cache, next) == slab &&
		   *smm_obj_state(cache, next) == SMM_OBJ_FREE :
		   smm_slab_inuse(slab) + 1 == cache->objs_per_slab)
		return next;
	smm_slab_fault(cache, SMM_SLAB_ERR_POISON, slab, obj,
		       "free pointer overwritten after the free; free list rebuilt");
	base = smm_slab_base(cache, slab);
	for (i = 0; i < cache->objs_per_slab; i++) {
		o = smm_slab_obj(cache, base, i);
		if (o == obj || *smm_obj_state(cache, o) != SMM_OBJ_FREE)
			continue;
		*tail = o;
		tail = smm_freeptr(cache, o);
		nfree++;
	}
	*tail = NULL;
	/* @obj still counts as free: its caller takes it next. */
	inuse = cache->objs_per_slab - nfree - 1;
	WRITE_ONCE(n->inuse, n->inuse - smm_slab_inuse(slab) + inuse);
	smm_slab_set_inuse(slab, inuse);
	return head;
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
			smm_poison_fault(cache, slab, obj, bad);
			damaged = true;
		}
	}
	if (cache->flags & SMM_SLAB_RED_ZONE) {
		bad = smm_redzone_check(cache, obj);
		if (bad) {
			smm_redzone_fault(cache, slab, obj, bad, "on allocation");
			damaged = true;
		}
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
		char detail[80];

		if (*state == SMM_OBJ_FREE)
			strscpy(detail, "Object already free", sizeof(detail));
		else if (*state == SMM_OBJ_QUARANTINE)
			strscpy(detail, "Object already quarantined (its guard bytes were damaged)",
				sizeof(detail));
		else
			snprintf(detail, sizeof(detail),
				 "Object not allocated: its state word reads %#lx (corrupted)",
				 *state);
		smm_slab_fault(cache, SMM_SLAB_ERR_DOUBLE_FREE, slab, obj, detail);
		return false;
	}
	if (cache->flags & SMM_SLAB_STORE_USER)
		smm_track_set(cache, obj, true, caller);
	if (cache->flags & SMM_SLAB_RED_ZONE) {
		bad = smm_redzone_check(cache, obj);
		if (bad) {
			smm_redzone_fault(cache, slab, obj, bad, "on free");
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
	if ((cache->flags & SMM_SLAB_CACHE_DMA) &&
	    smm_page_zone(cache->pool, slab)->type != SMM_ZONE_DMA)
		smm_report(r, "cache %s: slab sfn %lu lies in zone %s, not DMA\n",
			   cache->name, sfn, smm_zone_name(smm_page_zone(cache->pool, slab)));
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

/*
 * Every list of node @nid of @cache, and its counters against them, a
 * batch at a time (a program decides how many mappings, and so
 * descriptors, a cache holds; a debug cache's slab counts with its
 * objects, looked at in one hold); false when the node changed while its
 * lock was let go: the slab the walk stood on may be on another list now,
 * or gone, and nothing the walk found is to be believed.
 */
static bool smm_validate_node(struct smm_kmem_cache *cache, int nid, struct smm_report *r)
{
	struct smm_kmem_cache_node *n = &cache->node[nid];
	struct list_head *lists[] = { &n->slabs_full, &n->slabs_partial, &n->slabs_free };
	unsigned int weight = 1 + (smm_cache_debug(cache) ? cache->objs_per_slab : 0);
	unsigned long slabs = 0, nfree = 0, inuse = 0;
	struct smm_walk w = SMM_WALK_INIT(&n->lock, &n->changes, &n->walk_hold_max);
	struct smm_page *slab;
	bool done = false;
	unsigned int l;

	spin_lock(&n->lock);
	smm_walk_begin(&w);
	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		list_for_each_entry(slab, lists[l], lru) {
			smm_validate_slab(cache, nid, slab, l, r);
			slabs++;
			nfree += l == 2;
			inuse += smm_slab_inuse(slab);
			/* Lists longer than their count (reported below) end here. */
			if (slabs > n->nr_slabs)
				break;
			if (!smm_walk_step(&w, weight))
				goto out;
		}
	}
	smm_validate_quarantine(cache, nid, r);
	if (slabs != n->nr_slabs || nfree != n->nr_free_slabs || inuse != n->inuse)
		smm_report(r, "cache %s: node %d's lists hold %lu slabs (%lu free, %lu objects in use), counters say %lu (%lu, %lu)\n",
			   cache->name, nid, slabs, nfree, inuse, n->nr_slabs,
			   n->nr_free_slabs, n->inuse);
	done = true;
out:
	smm_walk_hold_end(&w);
	spin_unlock(&n->lock);
	return done;
}

/*
 * A node that changed under its walk is walked again at once, this many
 * times in all: the walk holds pool->slab.mutex, which the CPU-dead
 * callback takes under cpu_hotplug_lock, so it does not sleep to wait.
 */
#define SMM_SLAB_VALIDATE_TRIES	4

/**
 * smm_slab_validate() - check every slab of every cache
 * @pool: the pool
 * @r: where problems are reported
 *
 * Each slab on the lists of its own node (in the DMA zone for a DMA
 * cache), on the list its in-use count calls for, its free list as long
 * as its free objects and inside it, and each node's counters equal to
 * the sums; with debugging, every
 * object's state, red zones and poison.
 *
 * A node's lock is let go once a walk has looked at SMM_WALK_BATCH slabs
 * and objects (a slab's objects are looked at in one hold), so what a walk
 * of a node finds is only believed when nothing changed the node during
 * it: a walk something did is taken back and made again, up to
 * SMM_SLAB_VALIDATE_TRIES times; a node still not walked whole then is
 * logged and counted in @r->unchecked, not reported as a problem.
 *
 * Context: Process context, may sleep.
 * Return: the number of problems found.
 */
unsigned int smm_slab_validate(struct smm_pool *pool, struct smm_report *r)
{
	unsigned int before = r->problems, uncompared = 0;
	struct smm_kmem_cache *cache;

	mutex_lock(&pool->slab.mutex);
	list_for_each_entry(cache, &pool->slab.caches, list) {
		int nid;

		for (nid = 0; nid < cache->nr_nodes; nid++) {
			unsigned int tries;

			for (tries = 0; tries < SMM_SLAB_VALIDATE_TRIES; tries++) {
				struct smm_report_pos pos;

				smm_report_save(r, &pos);
				if (smm_validate_node(cache, nid, r))
					break;
				/* What a walk a change overlapped said is taken back. */
				smm_report_restore(r, &pos);
				cond_resched();
			}
			if (tries == SMM_SLAB_VALIDATE_TRIES)
				uncompared++;
			cond_resched();
		}
	}
	mutex_unlock(&pool->slab.mutex);
	r->unchecked += uncompared;
	if (uncompared)
		pr_info_ratelimited("%s: validate: %u slab cache nodes not checked: they changed during each of %u walks\n",
				    pool->name, uncompared, SMM_SLAB_VALIDATE_TRIES);
	return r->problems - before;
}
