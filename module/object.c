// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: memory objects, what each open() of /dev/shadowmm creates.
 *
 * An object is an inode of a small pseudo filesystem of the module's own
 * (never registered, so nobody can mount it), and the file that opened the
 * device points its f_mapping at that inode's address_space.  Pages are
 * shadow frames put in the address_space's i_pages under their page offset
 * with folio->mapping/index set and PG_uptodate, so the kernel's own
 * fault-around (filemap_map_pages()) and unmap_mapping_range() see them.
 * They never go on the kernel's LRU and are not counted as its page cache;
 * only this file and eviction (module/evict.c, which also migrates them
 * for compaction) add them and take them out.  The inodes are made with
 * alloc_anon_inode(), which keeps them off the superblock's inode list, so
 * drop_caches never walks them; fadvise() finds a no-op backing device.
 *
 * References (see include/shadowmm/object.h): a frame in an object has
 * shadowmm's own reference plus one per pte and per transient user.  It
 * leaves the object under its page lock (fault paths check folio->mapping
 * under that lock), then every pte is zapped, then the frame goes back to
 * the shadow buddy if shadowmm's reference is the only one left, or waits
 * on the pool's pinned list until get_user_pages pins are dropped.
 *
 * The objects themselves come from the pool's own slab cache
 * "shadowmm_object", allocated as SMM_GFP_NOWAIT allocates: never below
 * the min watermark, never reclaiming (open runs under the kernel's
 * misc_mtx), and with nothing set aside.  An open() can fail, and any user
 * can hold as many objects open as fds: were they allowed below min (as
 * metadata that cannot fail is), they would take what a fork's or a
 * split's VMA descriptors need.  The cache is made on the pool's first
 * open and lives until the pool is destroyed (every object is gone by
 * then: each holds the module until it is evicted).
 *
 * What user space calls on an object's file (open, read, write, lseek,
 * the ioctls) is the file layer, module/file.c; taking pages out of
 * objects under memory pressure is module/evict.c's, and checking every
 * object against the pool's counters module/object_validate.c's.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/page-flags.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>
#include <linux/xarray.h>

#include <uapi/shadowmm.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/huge.h>
#include <shadowmm/lru.h>
#include <shadowmm/lru_lirs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/object_internal.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/slab.h>
#include <shadowmm/vma.h>
#include <shadowmm/walk.h>
#include <trace/events/shadowmm.h>

#define SMM_FS_MAGIC		0x53484d4d	/* "SHMM" */
/* The kernel's batches are drained for the pinned list at most this often. */
#define SMM_PINNED_KERNEL_DRAIN	HZ

/* The pseudo filesystem every pool's objects live on; set at module init. */
static struct vfsmount *smm_object_mnt;
/* Object numbers: unique while the module is loaded (64 bits never wrap). */
static atomic64_t smm_object_next_id = ATOMIC64_INIT(0);
/* Drains of the kernel's per-CPU batches (see smm_object_kernel_batches_drain_all). */
static DEFINE_PER_CPU(struct work_struct, smm_kernel_drain_work);
/* One drain at a time: protects smm_kernel_drain_cpus and the work items' use. */
static DEFINE_MUTEX(smm_kernel_drain_lock);
/* The CPUs the drain under way queued its work on. */
static struct cpumask smm_kernel_drain_cpus;

/*
 * A frame whose memory failed (PG_hwpoison) is never handed out again:
 * reading it would read the failed memory (a machine check on real
 * hardware), and a later user would get what is left of it.  It waits on
 * the quarantine list, off the buddy, until the pool is destroyed; the
 * region then gives it back to the kernel, whose allocator keeps poisoned
 * pages out of its free lists.  Its count stays what it is: zero for a
 * frame that was free, or, for one that comes from the pinned list, the
 * list's two references of shadowmm's and others that may never go
 * (memory_failure() keeps the one MADV_HWPOISON took).
 */
static void smm_object_quarantine(struct smm_pool *pool, struct smm_page *frame)
{
	lockdep_assert_held(&pool->objects.pinned_lock);
	list_add_tail(&frame->lru, &pool->objects.quarantine);
	WRITE_ONCE(pool->objects.nr_quarantined, pool->objects.nr_quarantined + 1);
	smm_count_event(pool, SMM_HWPOISON_QUARANTINED);
	pr_warn_ratelimited("%s: frame %lu quarantined: its memory failed\n",
			    pool->name, smm_page_sfn(&pool->region, frame));
}

/**
 * smm_object_frame_quarantine() - keep a frame whose memory failed out
 * @pool: the pool
 * @frame: a frame nobody else will free: taken from the free lists, or
 *	   one that left its object, its count frozen
 *
 * Context: Any context; takes @pool->objects.pinned_lock.
 */
void smm_object_frame_quarantine(struct smm_pool *pool, struct smm_page *frame)
{
	spin_lock(&pool->objects.pinned_lock);
	smm_object_quarantine(pool, frame);
	spin_unlock(&pool->objects.pinned_lock);
}
SMM_EXPORT(smm_object_frame_quarantine);

static void smm_object_frame_clean(struct smm_pool *pool, struct page *page);

/**
 * smm_object_frame_free() - give a frame that left its object back
 * @pool: the pool
 * @page: the frame's struct page, its count frozen at zero
 *
 * Undoes what being an object page did to the struct page: the fields
 * shadowmm set and the flags the kernel's mm may have set while it was
 * mapped (dirty from a pte, referenced from an access, mlocked: counted
 * as unevictable_pgs_cleared, as the kernel's own free counts it), then
 * frees the frame to the buddy, or quarantines it when its memory failed
 * (PG_hwpoison).  The frozen count means nobody else can look.
 *
 * Context: Any context; not under @pool->objects.pinned_lock.
 */
void smm_object_frame_free(struct smm_pool *pool, struct page *page)
{
	struct smm_page *frame = smm_object_frame(pool, page);
	unsigned long i;

	VM_WARN_ON_ONCE_PAGE(page_mapped(page) || page_ref_count(page) != 0, page);
	if (!PageHead(page)) {
		smm_object_frame_clean(pool, page);
		atomic_long_dec(&pool->objects.nr_pages);
		if (unlikely(PageHWPoison(page))) {
			smm_object_frame_quarantine(pool, frame);
			return;
		}
		smm_free_pages(pool, frame, 0);
		return;
	}

	/*
	 * A PMD-sized folio that left its object whole: its pages are
	 * single pages again, each cleaned as one, and the block goes back
	 * whole unless the memory of some page failed (then each page on its
	 * own, the failed ones to quarantine).  Mlocked counts the folio's
	 * pages, as the kernel's mlock counts a large folio.
	 */
	if (unlikely(folio_test_mlocked(page_folio(page)))) {
		__folio_clear_mlocked(page_folio(page));
		mod_zone_page_state(page_zone(page), NR_MLOCK, -(long)SMM_HUGE_NR);
		count_vm_events(UNEVICTABLE_PGCLEARED, SMM_HUGE_NR);
	}
	smm_huge_folio_unmake(pool, page_folio(page));
	for (i = 0; i < SMM_HUGE_NR; i++)
		smm_object_frame_clean(pool, page + i);
	atomic_long_sub(SMM_HUGE_NR, &pool->objects.nr_pages);
	for (i = 0; i < SMM_HUGE_NR; i++)
		if (unlikely(PageHWPoison(page + i)))
			break;
	if (likely(i == SMM_HUGE_NR)) {
		smm_free_pages(pool, frame, SMM_HUGE_ORDER);
		return;
	}
	for (i = 0; i < SMM_HUGE_NR; i++) {
		if (PageHWPoison(page + i))
			smm_object_frame_quarantine(pool, frame + i);
		else
			smm_free_pages(pool, frame + i, 0);
	}
}

/*
 * What being an object page did to a frame's struct page and descriptor,
 * undone; the frame is then as a free one.
 */
static void smm_object_frame_clean(struct smm_pool *pool, struct page *page)
{
	struct smm_page *frame = smm_object_frame(pool, page);

	/*
	 * Still mlocked, yet in no mapping: a punch or truncation that
	 * zapped the page while munlock() was clearing VM_LOCKED (the one
	 * finds the flag clear, the other no pte) leaves it so.  The kernel's
	 * page allocator expects that of any freed page and clears it at
	 * free, taking it out of NR_MLOCK; the frame goes to shadowmm's
	 * buddy instead, so clear it here the same way.
	 */
	if (unlikely(folio_test_mlocked(page_folio(page)))) {
		/* Nobody else can look: a plain clear, no atomic on every free. */
		__folio_clear_mlocked(page_folio(page));
		mod_zone_page_state(page_zone(page), NR_MLOCK, -1);
		count_vm_event(UNEVICTABLE_PGCLEARED);
	}
	clear_bit(PG_uptodate, &page->flags);
	clear_bit(PG_dirty, &page->flags);
	clear_bit(PG_referenced, &page->flags);
	clear_bit(PG_active, &page->flags);
	clear_bit(PG_workingset, &page->flags);
	set_page_private(page, 0);
	page->index = 0;
	clear_bit(SMM_PG_dirty, &frame->flags);
	/*
	 * smm_lru_del() took it off the LRU, and off its generation, when it
	 * left its object: a generation left in the flags is a frame still
	 * counted on one.
	 */
	WARN_ON_ONCE(smm_page_test(frame, SMM_PG_lru));
	WARN_ON_ONCE(smm_page_flags(frame) & SMM_PAGE_GEN_MASK);
	/* No LRU or policy state outlives the page: the next user starts clean. */
	smm_page_set_field(frame, SMM_PAGE_GEN_MASK | SMM_PAGE_REFS_MASK |
			   SMM_PAGE_STAMP_MASK |
			   BIT(SMM_PG_referenced) | BIT(SMM_PG_active) |
			   BIT(SMM_PG_unevictable) | BIT(SMM_PG_workingset) |
			   BIT(SMM_PG_refault) | BIT(SMM_PG_head) |
			   BIT(SMM_PG_thrashing), 0);
	frame->object = NULL;
	frame->index = 0;
}

/* The kernel's per-CPU LRU and mlock batches of this CPU let go. */
static void smm_kernel_batches_drain_fn(struct work_struct *work)
{
	smm_compat_lru_add_drain();
}

/*
 * Every CPU's kernel LRU and mlock batches let go of what they hold: a
 * munlock queues the page with a reference of the batch's, which would
 * keep a punched mlocked page on the pinned list until that CPU's batch
 * happens to fill.  The batches are the kernel's, one set for all pools:
 * so are these work items, and the mutex lets one drain run at a time.
 * It runs work on every online CPU, so callers keep it to when a page
 * that is or was just mlocked is waiting (the mlock batches are the only
 * ones of the kernel's that take object pages, which are never on its
 * LRU), as the kernel's own mlock() drains every CPU's batches.
 *
 * No cpus_read_lock(), as the kernel's lru_add_drain_all() takes none:
 * this runs under mmap_lock (a fault whose new page a limit took back),
 * and the kernel takes the hotplug lock before mmap_lock (cpuset's
 * attach).  A CPU that goes offline meanwhile had its batches drained by
 * the kernel, and its work item runs elsewhere; each one queued is
 * flushed, by the mask of those queued.
 */
static void smm_object_kernel_batches_drain_all(struct smm_pool *pool)
{
	int cpu;

	smm_count_event(pool, SMM_KERNEL_BATCH_DRAIN);
	mutex_lock(&smm_kernel_drain_lock);
	cpumask_clear(&smm_kernel_drain_cpus);
	for_each_online_cpu(cpu) {
		queue_work_on(cpu, system_highpri_wq,
			      per_cpu_ptr(&smm_kernel_drain_work, cpu));
		__cpumask_set_cpu(cpu, &smm_kernel_drain_cpus);
	}
	for_each_cpu(cpu, &smm_kernel_drain_cpus)
		flush_work(per_cpu_ptr(&smm_kernel_drain_work, cpu));
	mutex_unlock(&smm_kernel_drain_lock);
}

/*
 * A pinned frame's count froze: it leaves the pool's count of pinned
 * pages and its object's.  The caller holds pool->objects.pinned_lock,
 * under which an object that goes away clears frame->object.
 */
static void smm_object_unpin(struct smm_pool *pool, struct smm_page *frame)
{
	unsigned long nr = smm_pinned_weight(pool, frame);
	struct smm_object *obj;

	lockdep_assert_held(&pool->objects.pinned_lock);
	WRITE_ONCE(pool->objects.nr_pinned, pool->objects.nr_pinned - nr);
	obj = frame->object;
	/* An object that went away first cleared frame->object. */
	if (obj)
		atomic_long_sub(nr, &obj->pinned);
}

/**
 * smm_pinned_walk_hold_end() - a walk of the pinned list or quarantine
 *				is about to let go of their lock
 * @pool: the pool
 * @held: entries the walk looked at since it took the lock; reset to 0
 *
 * Keeps the longest such run in @pool->objects.walk_hold_max.
 *
 * Context: Holding @pool->objects.pinned_lock.
 */
void smm_pinned_walk_hold_end(struct smm_pool *pool, unsigned int *held)
{
	lockdep_assert_held(&pool->objects.pinned_lock);
	if (*held > pool->objects.walk_hold_max)
		pool->objects.walk_hold_max = *held;
	*held = 0;
}

/**
 * smm_pinned_walk_step() - one more entry of the pinned list or quarantine
 *			    looked at; after a batch, let go of their lock
 * @pool: the pool
 * @held: entries the walk looked at since it took the lock
 *
 * Every SMM_WALK_BATCH entries the lock is dropped and the CPU given up
 * for a moment, so that however long a user makes the pinned list (every
 * frame of the region, held by vmsplice() or io_uring), no walk holds the
 * lock, or the CPU, across more than a batch.  The entry the walk stands
 * on stays on its list meanwhile: the caller holds
 * @pool->objects.pinned_walk, without which nobody takes a frame off the
 * pinned list (and nobody ever takes one off the quarantine).  Frames may
 * be added at the tails meanwhile.
 *
 * Context: Process context, holding @pool->objects.pinned_walk and
 * @pool->objects.pinned_lock; may let go of the latter and sleep.
 */
void smm_pinned_walk_step(struct smm_pool *pool, unsigned int *held)
{
	lockdep_assert_held(&pool->objects.pinned_walk);
	if (++*held < SMM_WALK_BATCH)
		return;
	smm_pinned_walk_hold_end(pool, held);
	spin_unlock(&pool->objects.pinned_lock);
	cond_resched();
	spin_lock(&pool->objects.pinned_lock);
}

/* Is a page that waits on the pinned list mlocked? */
static bool smm_pinned_any_mlocked(struct smm_pool *pool)
{
	struct smm_page *frame;
	unsigned int held = 0;
	bool mlocked = false;

	mutex_lock(&pool->objects.pinned_walk);
	spin_lock(&pool->objects.pinned_lock);
	list_for_each_entry(frame, &pool->objects.pinned, lru) {
		if (folio_test_mlocked(page_folio(smm_frame_struct_page(pool, frame)))) {
			mlocked = true;
			break;
		}
		smm_pinned_walk_step(pool, &held);
	}
	smm_pinned_walk_hold_end(pool, &held);
	spin_unlock(&pool->objects.pinned_lock);
	mutex_unlock(&pool->objects.pinned_walk);
	return mlocked;
}

/*
 * Free the pinned frames whose pins are gone (the count freezes from
 * shadowmm's two references to zero); poll again while any is left.  The
 * module stays loaded while any frame waits here.  A pinned
 * frame whose memory failed is quarantined at once, pins and all: it is
 * never handed out again anyway, and memory_failure() may keep its
 * reference forever, which would keep the module loaded forever.
 *
 * The list is walked a batch at a time (smm_pinned_walk_step()), and only
 * as far as it reached when the walk began: frames added meanwhile wait
 * for the next poll.  With pinned_walk held, nobody else takes a frame
 * off the list, so the frame the walk stands on, and the next one, stay
 * on it while the lock is dropped.
 */
static void smm_pinned_release(struct smm_pool *pool, bool final)
{
	struct smm_page *frame, *next;
	unsigned int held = 0, nr = 0;
	unsigned long budget, delay;
	bool drop_ref = false;
	LIST_HEAD(released);

	/*
	 * A reference a batch holds is no pin: let the batches go.
	 * shadowmm's own always; the kernel's on the last walk, when a page
	 * waiting is mlocked, and else at most once a second: a batch entry
	 * can outlive the flag (an mlock's entry on one CPU, the munlock's,
	 * processed first, on another), and a page held by a pin (vmsplice,
	 * io_uring) must not make every CPU run a work item at each poll.
	 */
	smm_lru_drain_all(pool);
	if (final || smm_pinned_any_mlocked(pool) ||
	    time_after_eq(jiffies, pool->objects.pinned_drained + SMM_PINNED_KERNEL_DRAIN)) {
		smm_object_kernel_batches_drain_all(pool);
		if (!final)
			pool->objects.pinned_drained = jiffies;
	}

	mutex_lock(&pool->objects.pinned_walk);
	spin_lock(&pool->objects.pinned_lock);
	/* The pages of the entries there now: those added meanwhile follow them. */
	budget = pool->objects.nr_pinned;
	list_for_each_entry_safe(frame, next, &pool->objects.pinned, lru) {
		struct page *page = smm_frame_struct_page(pool, frame);
		unsigned long nr = smm_pinned_weight(pool, frame);

		if (budget < nr)
			break;
		budget -= nr;
		if (page_ref_freeze(page, 2)) {
			list_move_tail(&frame->lru, &released);
		} else if (PageHWPoison(page) && !PageHead(page)) {
			/* A folio waits whole: its other pages go back with it. */
			list_del(&frame->lru);
			smm_object_quarantine(pool, frame);
			atomic_long_dec(&pool->objects.nr_pages);
		} else {
			smm_pinned_walk_step(pool, &held);
			continue;
		}
		smm_object_unpin(pool, frame);
		/* Its object may be gone: no pointer to it outlives the count. */
		frame->object = NULL;
		smm_pinned_walk_step(pool, &held);
	}
	smm_pinned_walk_hold_end(pool, &held);
	if (!list_empty(&pool->objects.pinned)) {
		/* A flush beside the poll leaves its pace alone. */
		if (!final) {
			delay = pool->objects.pinned_delay;
			delay = list_empty(&released) ?
				min_t(unsigned long, 2 * delay, SMM_PINNED_POLL_MAX) :
				SMM_PINNED_POLL;
			WRITE_ONCE(pool->objects.pinned_delay, delay);
		}
		schedule_delayed_work(&pool->objects.pinned_work,
				      READ_ONCE(pool->objects.pinned_delay));
	} else {
		/* The list is empty: the reference its first frame took goes. */
		WRITE_ONCE(pool->objects.pinned_delay, SMM_PINNED_POLL);
		drop_ref = pool->objects.pinned_ref;
		pool->objects.pinned_ref = false;
	}
	spin_unlock(&pool->objects.pinned_lock);
	mutex_unlock(&pool->objects.pinned_walk);

	list_for_each_entry_safe(frame, next, &released, lru) {
		list_del_init(&frame->lru);
		smm_object_frame_free(pool, smm_frame_struct_page(pool, frame));
		if (!(++nr % SMM_WALK_BATCH))
			cond_resched();
	}
	if (drop_ref)
		module_put(THIS_MODULE);
}

static void smm_pinned_work_fn(struct work_struct *work)
{
	smm_pinned_release(container_of(to_delayed_work(work), struct smm_pool,
					objects.pinned_work), false);
}

/**
 * smm_object_pinned_flush() - free the pinned frames whose pins are gone,
 *			       every per-CPU batch drained first
 * @pool: the pool
 *
 * The walk the poll makes, with the kernel's batches always drained: what
 * is left afterwards is held by a real pin, not by a batch that has not
 * filled yet.  Pool destruction relies on it.
 *
 * Context: Process context, may sleep.
 */
void smm_object_pinned_flush(struct smm_pool *pool)
{
	smm_pinned_release(pool, true);
}
SMM_EXPORT(smm_object_pinned_flush);

/*
 * Give a frame that has left its object (and every page table) back, with
 * two references of shadowmm's: its object's and the one its taker held
 * (so its count was never one out of the object, see the reference rule
 * in object.h).  Now if those are the only ones (the count freezes from
 * two to zero atomically, so a stale lookup cannot slip in between), else
 * once the others are gone: the taker's reference becomes the pinned
 * list's.
 */
static void smm_object_frame_release(struct smm_pool *pool, struct page *page)
{
	struct smm_page *frame = smm_object_frame(pool, page);
	unsigned long nr;

	if (page_ref_freeze(page, 2)) {
		smm_object_frame_free(pool, page);
		return;
	}
	smm_count_event(pool, SMM_PINNED_DEFERRED);
	spin_lock(&pool->objects.pinned_lock);
	if (!pool->objects.pinned_ref) {
		pool->objects.pinned_ref = true;
		__module_get(THIS_MODULE);
		schedule_delayed_work(&pool->objects.pinned_work, SMM_PINNED_POLL);
	} else if (pool->objects.pinned_delay > SMM_PINNED_POLL) {
		/*
		 * The polls slowed down for older pins: this one may be brief.
		 * Once per poll: the frames after it find the pace at its
		 * minimum and leave the timer alone, so that a stream of them
		 * cannot keep pushing the poll away.
		 */
		WRITE_ONCE(pool->objects.pinned_delay, SMM_PINNED_POLL);
		mod_delayed_work(system_wq, &pool->objects.pinned_work, SMM_PINNED_POLL);
	}
	list_add_tail(&frame->lru, &pool->objects.pinned);
	nr = smm_pinned_weight(pool, frame);
	WRITE_ONCE(pool->objects.nr_pinned, pool->objects.nr_pinned + nr);
	if (frame->object)
		atomic_long_add(nr, &frame->object->pinned);
	spin_unlock(&pool->objects.pinned_lock);
}

/*
 * A shadow entry left the object: its store slot, if any, is free again
 * (a shadow-only entry is just no longer counted).
 */
static void smm_object_shadow_gone(struct smm_pool *pool, const void *shadow)
{
	u32 slot = smm_workingset_slot(shadow);

	if (slot)
		smm_swap_free(&pool->swap, slot);
	else
		atomic_long_dec(&pool->workingset.nr_shadow_only);
}

/*
 * Take the shadow entry at @index out of @obj, if it is still @shadow and
 * no page is there beside it.  A swap-in publishes its page beside the
 * entry and reads the entry's store slot until it takes the entry itself:
 * freeing the slot under that read would hand zsmalloc's object back while
 * it is being copied.  The caller's lookup may have missed the page (it
 * runs without the lock), so the page is looked for again here, under the
 * lock a publish takes; the caller then looks again and waits on the
 * page's lock.
 */
static bool smm_object_drop_shadow(struct smm_object *obj, pgoff_t index,
				   void *shadow)
{
	void *old = NULL;

	smm_object_change_begin(obj->pool);
	smm_object_lock(obj);
	if (!xa_load(&obj->inode->i_mapping->i_pages, index))
		old = __xa_cmpxchg(&obj->shadows, index, shadow, NULL, 0);
	smm_object_unlock(obj);
	if (old == shadow)
		smm_object_shadow_gone(obj->pool, shadow);
	smm_object_change_end(obj->pool);
	return old == shadow;
}

/**
 * smm_object_shadow() - the record an evicted page left at an index
 * @obj: the object
 * @index: page offset
 *
 * Context: Any context; a lockless snapshot.
 * Return: the shadow entry (an xarray value), or NULL.
 */
void *smm_object_shadow(struct smm_object *obj, pgoff_t index)
{
	return xa_load(&obj->shadows, index);
}
SMM_EXPORT(smm_object_shadow);

/*
 * What @index of @obj holds: a page with a reference (*pagep), a shadow
 * entry (*shadowp), or neither.  A page is read first, then, when there is
 * none, a shadow: an eviction stores its shadow before it erases the page,
 * so a lookup that missed the page finds the shadow.  A swap-in does it
 * the other way round, and a lookup may miss both while one runs: with
 * @confirm_empty, "empty" is confirmed under the lock.  A caller that will
 * fill an empty slot needs no confirmation (smm_object_publish() checks
 * both xarrays under the lock and the caller looks again when it finds
 * something), and a first-touch fault so takes the lock once, not twice.
 * A page whose count is frozen (being evicted, or a frame that left the
 * object) is looked for again; with @killable, not once a fatal signal is
 * pending (-EINTR, nothing found): a count that never thaws must not hold
 * a task in a fault or a read for good.  Returns 0 otherwise.
 */
static int smm_object_lookup(struct smm_object *obj, pgoff_t index,
			     struct page **pagep, void **shadowp,
			     bool confirm_empty, bool killable)
{
	struct xarray *pages = &obj->inode->i_mapping->i_pages;
	struct page *page;
	void *shadow;

	for (;;) {
		rcu_read_lock();
		page = xa_load(pages, index);
		if (page && !get_page_unless_zero(page)) {
			rcu_read_unlock();
			if (killable && fatal_signal_pending(current)) {
				*pagep = NULL;
				*shadowp = NULL;
				return -EINTR;
			}
			cond_resched();
			continue;
		}
		if (page && unlikely(page != xa_load(pages, index))) {
			/* Gone and reused meanwhile: not this index's. */
			rcu_read_unlock();
			put_page(page);
			continue;
		}
		/* Pairs with the order of smm_object_remove_mapping()'s two stores. */
		smp_rmb();
		shadow = page ? NULL : xa_load(&obj->shadows, index);
		rcu_read_unlock();
		if (page || shadow || !confirm_empty)
			break;
		smm_object_lock(obj);
		page = xa_load(pages, index);
		shadow = xa_load(&obj->shadows, index);
		smm_object_unlock(obj);
		if (!page && !shadow)
			break;
	}
	*pagep = page;
	*shadowp = shadow;
	return 0;
}

/* Whether @index of @obj holds a page or a shadow entry, under the locks. */
static bool smm_object_index_used(struct smm_object *obj, pgoff_t index)
{
	bool used;

	smm_object_lock(obj);
	used = xa_load(&obj->inode->i_mapping->i_pages, index) ||
	       xa_load(&obj->shadows, index);
	smm_object_unlock(obj);
	return used;
}

/*
 * The next index of [@first, @last] at which @obj holds a page or a shadow
 * entry, or false when there is none.  Both searches under the object's
 * lock: a swap-in puts its page in i_pages and only then, under that
 * lock, drops the shadow entry, so it cannot fall between them, a page
 * not there yet for the first and a shadow entry gone for the second,
 * and a punch or a lowered limit miss the page it brings back.
 */
static bool smm_object_next_index(struct smm_object *obj, pgoff_t first,
				  pgoff_t last, pgoff_t *index)
{
	unsigned long page_index = first, shadow_index = first;
	bool page, shadow;

	smm_object_lock(obj);
	page = xa_find(&obj->inode->i_mapping->i_pages, &page_index, last, XA_PRESENT);
	shadow = xa_find(&obj->shadows, &shadow_index, last, XA_PRESENT);
	smm_object_unlock(obj);
	if (!page && !shadow)
		return false;
	if (page && shadow)
		*index = min(page_index, shadow_index);
	else
		*index = page ? page_index : shadow_index;
	return true;
}

static int __smm_object_split_huge(struct smm_object *obj, struct folio *folio,
				   struct mem_cgroup *memcg, gfp_t gfp);

/* Tries of a split that a transient reference may fail, a tick apart. */
#define SMM_SPLIT_TRIES		3

/*
 * smm_object_split_huge(), tried again while another user's reference
 * is what stops it: a lookup, a compaction scan or an aging walk holds
 * one for a moment, a pin for good.  Between tries the folio is
 * unlocked, so that a lookup waiting for its lock with a reference can
 * finish and let go.  Same context and return; -EAGAIN too when the
 * folio changed while it was unlocked (split or taken out by another).
 */
static int smm_object_split_huge_retry(struct smm_object *obj, struct folio *folio)
{
	int tries = 0, err;

	for (;;) {
		/* A punch or SET_LIMIT splits for its caller, as shmem charges. */
		err = __smm_object_split_huge(obj, folio, NULL, GFP_KERNEL);
		if (err != -EBUSY)
			return err;
		if (++tries == SMM_SPLIT_TRIES || folio_maybe_dma_pinned(folio)) {
			smm_count_event(obj->pool, SMM_THP_SPLIT_PAGE_FAILED);
			return err;
		}
		folio_unlock(folio);
		schedule_timeout_uninterruptible(1);
		folio_lock(folio);
		if (folio->mapping != obj->inode->i_mapping || !folio_test_large(folio))
			return -EAGAIN;
	}
}

/*
 * Zero [@from, @to] of a PMD-sized folio that cannot be split, in place,
 * as the kernel does with a large folio it cannot split on truncation;
 * memory that failed is never written.  Returns the index after @to.
 */
static pgoff_t smm_object_zero_huge_part(struct smm_object *obj, struct folio *folio,
					 pgoff_t from, pgoff_t to)
{
	struct smm_pool *pool = obj->pool;
	pgoff_t i;

	for (i = from; i <= to; i++) {
		struct page *page = folio_page(folio, i - folio->index);
		struct smm_page *frame = smm_object_frame(pool, page);

		if (unlikely(PageHWPoison(page)))
			continue;
		memset(smm_page_address(pool, frame), 0, PAGE_SIZE);
	}
	/* The folio's flag, its head frame's (see smm_object_mark_dirty()). */
	set_bit(SMM_PG_dirty, &smm_object_frame(pool, &folio->page)->flags);
	return to + 1;
}

/*
 * Take a PMD-sized folio, locked, out of @obj whole onto @removed (its
 * head frame, linked by lru), for smm_object_release_removed() to free.
 * Unmapped first, under the folio lock that keeps it from being mapped
 * again: a PMD left until the range's unmap would sit where a new page of
 * these indexes may be mapped by ptes in another mapping meanwhile.
 */
static void smm_object_take_huge_whole(struct smm_object *obj, struct folio *folio,
				       struct list_head *removed)
{
	struct address_space *mapping = obj->inode->i_mapping;
	XA_STATE_ORDER(xas, &mapping->i_pages, folio->index, SMM_HUGE_ORDER);
	struct smm_pool *pool = obj->pool;
	pgoff_t i;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	unmap_mapping_pages(mapping, folio->index, SMM_HUGE_NR, false);
	smm_object_change_begin(pool);
	xas_lock_irq(&xas);
	xas_store(&xas, NULL);
	mapping->nrpages -= SMM_HUGE_NR;
	xas_unlock_irq(&xas);
	folio->mapping = NULL;
	atomic_long_sub(SMM_HUGE_NR, &obj->resident);
	smm_object_change_end(pool);
	atomic_long_dec(&pool->objects.nr_huge);
	/* Only the head frame is reached from here on: the pinned list's. */
	for (i = 1; i < SMM_HUGE_NR; i++)
		smm_object_frame(pool, folio_page(folio, i))->object = NULL;
	smm_lru_del(pool, smm_object_frame(pool, &folio->page));
	list_add_tail(&smm_object_frame(pool, &folio->page)->lru, removed);
	/* The taker's reference for frame_release(): the caller drops its own. */
	folio_get(folio);
}

/*
 * take_range()'s step for a PMD-sized folio: locked, it leaves whole when
 * [@first, @last] covers it, and is split otherwise (the caller then
 * looks at its pages again, one by one).  One that cannot be split (a pin,
 * another user's reference) keeps its pages, the part the range covers
 * zeroed in place, as the kernel does with a large folio it cannot split
 * on truncation.  Returns false when the folio changed meanwhile or was
 * split (look again), true with *@next the first index after what was
 * done otherwise.
 */
static bool smm_object_take_huge(struct smm_object *obj, struct folio *folio,
				 pgoff_t first, pgoff_t last,
				 struct list_head *removed, unsigned long *n,
				 pgoff_t *next)
{
	struct address_space *mapping = obj->inode->i_mapping;
	pgoff_t fl, fe;
	bool done = true;
	int err;

	folio_lock(folio);
	if (folio->mapping != mapping || !folio_test_large(folio)) {
		folio_unlock(folio);
		return false;
	}
	fl = folio->index;
	fe = fl + SMM_HUGE_NR - 1;
	if (first <= fl && fe <= last) {
		smm_object_take_huge_whole(obj, folio, removed);
		*n += SMM_HUGE_NR;
		*next = fe + 1;
	} else {
		err = smm_object_split_huge_retry(obj, folio);
		/* Split (or changed meanwhile): its pages are looked at again. */
		if (!err || err == -EAGAIN)
			done = false;
		else
			*next = smm_object_zero_huge_part(obj, folio, max(first, fl),
							  min(last, fe));
	}
	folio_unlock(folio);
	return done;
}

/*
 * Take @page, locked, out of @obj onto @removed (linked by its frame's
 * lru) if it is still the page at @index there; the caller's reference
 * goes with it (smm_object_frame_release()).  False, and nothing
 * changed, when it left meanwhile.  A page still mapped is unmapped
 * first, under the lock that keeps it from being mapped again: left
 * mapped, a process would go on writing a page the object no longer has
 * while another faults a new one in at the index.
 */
static bool smm_object_take_locked(struct smm_object *obj, struct page *page,
				   pgoff_t index, struct list_head *removed)
{
	struct address_space *mapping = obj->inode->i_mapping;
	struct smm_pool *pool = obj->pool;

	VM_WARN_ON_ONCE_PAGE(!PageLocked(page), page);
	if (page->mapping != mapping || page->index != index ||
	    xa_load(&mapping->i_pages, index) != page)
		return false;
	if (page_mapped(page))
		unmap_mapping_pages(mapping, index, 1, false);
	smm_object_change_begin(pool);
	xa_lock_irq(&mapping->i_pages);
	__xa_erase(&mapping->i_pages, index);
	mapping->nrpages--;
	xa_unlock_irq(&mapping->i_pages);
	page->mapping = NULL;
	atomic_long_dec(&obj->resident);
	smm_object_change_end(pool);
	smm_lru_del(pool, smm_object_frame(pool, page));
	list_add_tail(&smm_object_frame(pool, page)->lru, removed);
	return true;
}

/*
 * Take every page of [first, last] out of @obj onto @removed (linked by
 * their frames' lru), and drop every shadow entry there with its store
 * slot.  Each page leaves under its page lock, after mapping, index and
 * slot are checked again, so a fault that found it before sees
 * folio->mapping cleared and looks again.  An index whose entry changed
 * meanwhile (a page evicted while this waited for its lock, a shadow
 * entry swapped back in) is looked at once more.
 */
static unsigned long smm_object_take_range(struct smm_object *obj, pgoff_t first,
					   pgoff_t last, struct list_head *removed)
{
	struct smm_pool *pool = obj->pool;
	unsigned long n = 0, shadows = 0;
	pgoff_t index;

	while (first <= last && smm_object_next_index(obj, first, last, &index)) {
		struct page *page;
		void *shadow;
		bool again = false;

		/* A removal must finish: not killable. */
		smm_object_lookup(obj, index, &page, &shadow, true, false);
		if (shadow) {
			if (smm_object_drop_shadow(obj, index, shadow))
				shadows++;
			else
				again = true;
		} else if (page && PageHead(page)) {
			pgoff_t next;
			bool done;

			done = smm_object_take_huge(obj, page_folio(page), first, last,
						    removed, &n, &next);
			folio_put(page_folio(page));
			cond_resched();
			/* Not done: the folio changed, the same range is looked at again. */
			if (done) {
				if (next > last || !next)
					break;
				first = next;
			}
			continue;
		} else if (page) {
			lock_page(page);
			if (smm_object_take_locked(obj, page, index, removed)) {
				n++;
				/* The lookup's reference went with it. */
				unlock_page(page);
			} else {
				again = true;
				unlock_page(page);
				put_page(page);
			}
		}
		if (!again) {
			if (index == last)
				break;
			first = index + 1;
		} else {
			first = index;
		}
		cond_resched();
	}
	if (shadows)
		smm_reclaim_note_progress(pool);
	return n;
}

/* Zap every pte of [first, last] then release what was taken out. */
static void smm_object_release_removed(struct smm_object *obj, pgoff_t first,
				       pgoff_t last, struct list_head *removed)
{
	struct smm_pool *pool = obj->pool;
	bool held = false, mlocked = false;
	struct smm_page *frame, *next;
	unsigned long nr = 0;

	if (list_empty(removed))
		return;
	smm_reclaim_note_freed(pool);
	unmap_mapping_pages(obj->inode->i_mapping, first, last - first + 1, false);
	/*
	 * A frame still queued in a per-CPU batch (shadowmm's LRU batches,
	 * the kernel's mlock batches after the zap munlocked it) has the
	 * batch's reference: drain them, so it is freed now rather than
	 * deferred.  The kernel's only for a page the zap munlocked (see
	 * smm_object_kernel_batches_drain_all()).
	 */
	list_for_each_entry(frame, removed, lru) {
		struct page *page = smm_frame_struct_page(pool, frame);

		if (page_ref_count(page) > 2) {
			held = true;
			if (folio_test_mlocked(page_folio(page))) {
				mlocked = true;
				break;
			}
		}
	}
	if (held)
		smm_lru_drain_all(pool);
	if (mlocked)
		smm_object_kernel_batches_drain_all(pool);
	/* As long as the range was: every frame of the region, at most. */
	list_for_each_entry_safe(frame, next, removed, lru) {
		list_del_init(&frame->lru);
		smm_object_frame_release(pool, smm_frame_struct_page(pool, frame));
		if (!(++nr % SMM_WALK_BATCH))
			cond_resched();
	}
}

static unsigned long smm_object_remove_range(struct smm_object *obj,
					     pgoff_t first, pgoff_t last)
{
	struct address_space *mapping = obj->inode->i_mapping;
	pgoff_t zfirst = round_up(first, SMM_HUGE_NR);
	pgoff_t zend = round_down(last + 1, SMM_HUGE_NR);
	LIST_HEAD(removed);
	unsigned long n;

	/*
	 * The range's whole 2 MiB stretches at once, as truncation zaps
	 * first: then only a page faulted in again meanwhile, or in the
	 * stretches at either end, is unmapped on its own
	 * (smm_object_take_locked()).  A PMD the range cuts is left to the
	 * folio's split, which drops it and counts it.
	 */
	if (zfirst < zend && mapping_mapped(mapping))
		unmap_mapping_pages(mapping, zfirst, zend - zfirst, false);
	n = smm_object_take_range(obj, first, last, &removed);
	smm_object_release_removed(obj, first, last, &removed);
	return n;
}

/*
 * Whether the memory of @frame, just allocated, failed while it was free:
 * then it is quarantined, never zeroed nor used.
 */
static bool smm_object_frame_poisoned(struct smm_pool *pool, struct smm_page *frame)
{
	if (likely(!PageHWPoison(smm_frame_struct_page(pool, frame))))
		return false;
	smm_object_frame_quarantine(pool, frame);
	return true;
}

/*
 * Make @frame, allocated and not yet anybody's, the page of @index in
 * @obj, as smm_object_frame_prepare() describes.
 */
static struct page *smm_object_frame_adopt(struct smm_object *obj,
					   struct smm_page *frame, pgoff_t index)
{
	struct smm_pool *pool = obj->pool;
	struct page *page = smm_frame_struct_page(pool, frame);

	/* Every frame that is not an object page has a count of zero. */
	VM_WARN_ON_ONCE_PAGE(page_ref_count(page) != 0, page);
	frame->object = obj;
	frame->index = index;
	set_page_private(page, smm_page_sfn(&pool->region, frame));
	page->index = index;
	page->mapping = obj->inode->i_mapping;
	/* Non-atomic: with a count of zero nobody else touches the flags. */
	__folio_set_locked(page_folio(page));
	atomic_long_inc(&pool->objects.nr_pages);
	/* shadowmm's reference and the caller's; the stores above first. */
	page_ref_unfreeze(page, 2);
	return page;
}

/**
 * smm_object_frame_prepare() - a new frame for an index of an object
 * @obj: the object
 * @index: the page offset it will have
 *
 * The frame comes locked, its fields set, with a reference for the caller
 * besides shadowmm's own, not yet in i_pages.  A lookup that loaded this
 * frame's struct page from another slot before the frame was last freed
 * may still try to take a reference on it: everything is set while the
 * count is zero, where no such lookup can get one, and the count is made
 * nonzero last, with release order.  A lookup that gets its reference so
 * sees the page locked and can neither lock it nor take it for another
 * index's (smm_vm_map_pages() and the kernel's fault-around recheck the
 * slot, smm_object_lookup() the slot too).
 *
 * Context: Process context, may sleep (the allocation may reclaim).
 * Return: the page, or NULL when the region has no frame even after
 * reclaim.
 */
struct page *smm_object_frame_prepare(struct smm_object *obj, pgoff_t index)
{
	struct smm_pool *pool = obj->pool;
	struct smm_page *frame;

	for (;;) {
		frame = smm_alloc_pages(pool, 0, SMM_GFP_HIGHMEM | SMM_GFP_DIRECT_RECLAIM);
		if (!frame)
			return NULL;
		if (likely(!smm_object_frame_poisoned(pool, frame)))
			break;
	}
	return smm_object_frame_adopt(obj, frame, index);
}
SMM_EXPORT(smm_object_frame_prepare);

/**
 * smm_object_page_abandon() - give back a prepared frame no longer wanted
 * @pool: the pool
 * @page: a page from smm_object_frame_prepare(), locked, not (or no
 *	longer) in i_pages
 *
 * Nobody can find the page through its object, but a stale lookup (see
 * smm_object_frame_prepare()) may hold a transient reference: the frame
 * goes, with the caller's reference and shadowmm's, through
 * smm_object_frame_release(), which frees it only when those two are the
 * last and else leaves it to the pinned list.  Dropping them at once
 * would let that lookup's put_page() take the count to zero and hand a
 * shadowmm frame to the kernel's page allocator.  It is no page of its
 * object's any more, not even a pinned one.
 *
 * Context: Process context.
 */
void smm_object_page_abandon(struct smm_pool *pool, struct page *page)
{
	struct smm_page *frame = smm_object_frame(pool, page);
	unsigned long i, nr = PageHead(page) ? SMM_HUGE_NR : 1;

	/*
	 * Nobody used it as a page of its object, so a stale lookup's
	 * reference is no pin of the object's; and the object may go before
	 * that reference does (compaction, which abandons a copy, holds no
	 * reference on it), so the pinned list must not know it, nor may
	 * any frame of a PMD-sized folio name it.
	 */
	for (i = 0; i < nr; i++)
		frame[i].object = NULL;
	page->mapping = NULL;
	/* Atomic, with release order: a stale holder may be trying the lock. */
	unlock_page(page);
	smm_object_frame_release(pool, page);
}
SMM_EXPORT(smm_object_page_abandon);

static void smm_object_zero_frame(struct smm_pool *pool, struct page *page)
{
	/* Through the direct map where there is one: no vmap TLB entry. */
	if (pool->mappable)
		clear_highpage(page);
	else
		memset(smm_page_address(pool, smm_object_frame(pool, page)), 0,
		       PAGE_SIZE);
}

/*
 * Put @page in i_pages at @index if that slot is empty and the shadow
 * xarray holds @shadow there (NULL for a page made on first touch).
 * Returns 0, @busy when the index holds something else, or -ENOMEM.
 */
static int smm_object_publish(struct smm_object *obj, pgoff_t index,
			      struct page *page, void *shadow, int busy)
{
	struct address_space *mapping = obj->inode->i_mapping;
	XA_STATE(xas, &mapping->i_pages, index);

	do {
		xas_lock_irq(&xas);
		if (xas_load(&xas) || xa_load(&obj->shadows, index) != shadow) {
			xas_set_err(&xas, busy);
		} else {
			xas_store(&xas, page);
			if (!xas_error(&xas))
				mapping->nrpages++;
		}
		xas_unlock_irq(&xas);
	} while (xas_nomem(&xas, GFP_KERNEL));
	return xas_error(&xas);
}

/*
 * A new zeroed frame for @index, locked, with a reference for the caller
 * besides shadowmm's own.  -EEXIST when someone else put a page (or an
 * eviction a shadow entry) there first, -ENOSPC when the region has no
 * frame even after reclaim, -EFBIG beyond the limit.
 */
static struct page *smm_object_add_page(struct smm_object *obj, pgoff_t index)
{
	struct smm_pool *pool = obj->pool;
	struct page *page;
	int err;

	page = smm_object_frame_prepare(obj, index);
	if (!page)
		return ERR_PTR(-ENOSPC);
	smm_object_zero_frame(pool, page);
	__folio_mark_uptodate(page_folio(page));

	/* A page, or a shadow entry (its contents come back instead): -EEXIST. */
	smm_object_change_begin(pool);
	err = smm_object_publish(obj, index, page, NULL, -EEXIST);
	if (err) {
		smm_object_change_end(pool);
		smm_object_page_abandon(pool, page);
		return ERR_PTR(err);
	}
	atomic_long_inc(&obj->resident);
	smm_object_change_end(pool);
	smm_lru_add(pool, smm_object_frame(pool, page));

	/*
	 * Pairs with the barrier in smm_object_set_limit(): either it sees
	 * this page and removes it, or this sees the new limit.
	 */
	smp_mb();
	if ((loff_t)index >= READ_ONCE(obj->size_limit) >> PAGE_SHIFT) {
		/*
		 * This page only, still locked: a removal of the index once
		 * it is unlocked could meet the page of a write made after the
		 * limit was raised again.
		 */
		LIST_HEAD(removed);
		bool taken = smm_object_take_locked(obj, page, index, &removed);

		unlock_page(page);
		if (taken)
			smm_object_release_removed(obj, index, index, &removed);
		else
			put_page(page);
		return ERR_PTR(-EFBIG);
	}
	return page;
}

/* Whether no index of @first..@last of @obj holds a page or a shadow entry. */
static bool smm_object_range_empty(struct smm_object *obj, pgoff_t first,
				   pgoff_t last)
{
	unsigned long index = first;

	if (xa_find(&obj->inode->i_mapping->i_pages, &index, last, XA_PRESENT))
		return false;
	index = first;
	return !xa_find(&obj->shadows, &index, last, XA_PRESENT);
}

/*
 * smm_object_publish() for a block: each page of @pages (NULL: none for
 * that index) at @first + i if the slot and the shadow xarray are empty
 * there, all under one hold of the i_pages lock unless the xarray needs
 * memory.  Returns the mask of the indexes published; a page whose slot
 * was taken, or that no memory was left for, is not in it.
 */
static unsigned long smm_object_publish_block(struct smm_object *obj, pgoff_t first,
					      struct page **pages, unsigned int nr)
{
	struct address_space *mapping = obj->inode->i_mapping;
	XA_STATE(xas, &mapping->i_pages, first);
	unsigned long published = 0;
	unsigned int i = 0;

	do {
		xas_lock_irq(&xas);
		for (; i < nr; i++) {
			if (!pages[i])
				continue;
			xas_set(&xas, first + i);
			if (xas_load(&xas) || xa_load(&obj->shadows, first + i))
				continue;
			xas_store(&xas, pages[i]);
			if (xas_error(&xas))
				break;
			mapping->nrpages++;
			published |= BIT(i);
		}
		xas_unlock_irq(&xas);
		/* Out of memory at @i: allocate outside the lock, go on from there. */
	} while (xas_nomem(&xas, GFP_KERNEL));
	return published;
}

/**
 * smm_object_add_block() - zeroed pages for a whole aligned range at once
 * @obj: the object
 * @first: the range's first index, aligned to 1 << @order
 * @order: 1..SMM_FAULT_ORDER_MAX
 * @pages: 1 << @order entries: the page made for @first + i, or NULL
 *
 * A multi-size first touch: one buddy block of @order, taken without
 * direct reclaim (a fault falls back to a single page rather than reclaim
 * for a larger one; a failure wakes kcompactd, as any of order 3 or more
 * does), split into single frames, each zeroed and put at its
 * index of a range that held nothing.  From then on each is an ordinary
 * page of the object: evicted, punched and migrated one by one.  An index
 * someone filled meanwhile keeps what it has (its frame of the block goes
 * back to the buddy allocator), as does one whose frame's memory failed.
 *
 * Context: Process context.
 * Return: how many pages were made (each locked, with a reference for the
 * caller besides shadowmm's), -EBUSY when some index of the range holds a
 * page or a shadow entry or the range reaches the size limit, -ENOMEM
 * when no free block of @order was to be had (nothing changed either way).
 */
int smm_object_add_block(struct smm_object *obj, pgoff_t first,
			 unsigned int order, struct page **pages)
{
	unsigned int i, nr = 1U << order, made;
	pgoff_t last = first + nr - 1, limit;
	struct smm_pool *pool = obj->pool;
	unsigned long published;
	struct smm_page *block;

	/* smm_object_publish_block() reports a block in one long. */
	BUILD_BUG_ON((1U << SMM_FAULT_ORDER_MAX) > BITS_PER_LONG);
	if (WARN_ON_ONCE(!order || order > SMM_FAULT_ORDER_MAX || (first & (nr - 1))))
		return -EBUSY;
	if ((loff_t)last >= READ_ONCE(obj->size_limit) >> PAGE_SHIFT ||
	    !smm_object_range_empty(obj, first, last))
		return -EBUSY;
	block = smm_alloc_pages(pool, order, SMM_GFP_HIGHMEM | SMM_GFP_NOWAIT);
	if (!block)
		return -ENOMEM;

	for (i = 0; i < nr; i++) {
		struct smm_page *frame = block + i;

		pages[i] = NULL;
		if (unlikely(smm_object_frame_poisoned(pool, frame)))
			continue;
		pages[i] = smm_object_frame_adopt(obj, frame, first + i);
		smm_object_zero_frame(pool, pages[i]);
		__folio_mark_uptodate(page_folio(pages[i]));
	}

	smm_object_change_begin(pool);
	published = smm_object_publish_block(obj, first, pages, nr);
	made = hweight_long(published);
	atomic_long_add(made, &obj->resident);
	smm_object_change_end(pool);
	for (i = 0; i < nr; i++) {
		if (!pages[i])
			continue;
		if (published & BIT(i)) {
			smm_lru_add(pool, smm_object_frame(pool, pages[i]));
		} else {
			smm_object_page_abandon(pool, pages[i]);
			pages[i] = NULL;
		}
	}

	/* As in smm_object_add_page(): a new limit removes these, or is seen. */
	smp_mb();
	limit = READ_ONCE(obj->size_limit) >> PAGE_SHIFT;
	if ((loff_t)last >= limit) {
		LIST_HEAD(removed);

		/*
		 * Only its own pages at or beyond it, each still locked: once
		 * unlocked, an index may hold the page of a write made after
		 * the limit was raised again.  Those below it stay.
		 */
		for (i = 0; i < nr; i++) {
			bool taken;

			if (!pages[i])
				continue;
			taken = first + i >= limit &&
				smm_object_take_locked(obj, pages[i], first + i, &removed);
			unlock_page(pages[i]);
			if (!taken)
				put_page(pages[i]);
			pages[i] = NULL;
		}
		smm_object_release_removed(obj, max_t(pgoff_t, first, limit), last, &removed);
		return -EBUSY;
	}
	return made;
}
SMM_EXPORT(smm_object_add_block);

/* Whether the memory of some frame of @block, just allocated, failed while it was free. */
static bool smm_object_block_poisoned(struct smm_pool *pool, struct smm_page *block,
				      unsigned int order)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++)
		if (unlikely(PageHWPoison(smm_frame_struct_page(pool, block + i))))
			return true;
	return false;
}

/*
 * Whether a PMD-sized folio over [@first, @last] would reach the limit,
 * or the one a limit change under way is about to apply.
 */
static bool smm_object_huge_over_limit(struct smm_object *obj, pgoff_t last)
{
	loff_t limit = min(READ_ONCE(obj->limit_pending), READ_ONCE(obj->size_limit));

	return (loff_t)last >= limit >> PAGE_SHIFT;
}

/*
 * Put @folio in i_pages as one entry over its whole range, if every index
 * of the range is empty in both xarrays.  Returns 0, -EBUSY, or -ENOMEM.
 */
static int smm_object_publish_huge(struct smm_object *obj, struct folio *folio)
{
	struct address_space *mapping = obj->inode->i_mapping;
	XA_STATE_ORDER(xas, &mapping->i_pages, folio->index, SMM_HUGE_ORDER);
	unsigned long shadow_index;
	void *entry;

	do {
		xas_lock_irq(&xas);
		xa_lock(&obj->shadows);
		shadow_index = folio->index;
		xas_for_each_conflict(&xas, entry)
			xas_set_err(&xas, -EBUSY);
		if (!xas_error(&xas) &&
		    xa_find(&obj->shadows, &shadow_index,
			    folio->index + SMM_HUGE_NR - 1, XA_PRESENT))
			xas_set_err(&xas, -EBUSY);
		if (!xas_error(&xas)) {
			xas_store(&xas, folio);
			if (!xas_error(&xas))
				mapping->nrpages += SMM_HUGE_NR;
		}
		xa_unlock(&obj->shadows);
		xas_unlock_irq(&xas);
	} while (xas_nomem(&xas, GFP_KERNEL));
	return xas_error(&xas);
}

/**
 * smm_object_add_huge() - a zeroed PMD-sized folio for an aligned range
 * @obj: the object
 * @first: the range's first index, aligned to SMM_HUGE_NR
 *
 * A first touch that a PMD will map: one buddy block of SMM_HUGE_ORDER,
 * taken without direct reclaim (the fault falls back to single pages
 * rather than reclaim for it), zeroed, made a folio (module/huge.c) and
 * put in i_pages as one entry.  Its head frame stands for it on the LRU;
 * whatever must handle its pages one by one (eviction, a punch of part of
 * it) splits it first (smm_object_split_huge()).
 *
 * Context: Process context, may sleep.
 * Return: the folio, locked, with a reference for the caller besides
 * shadowmm's; ERR_PTR(-EBUSY) when some index of the range holds a page
 * or a shadow entry or the range reaches the size limit, -ENOMEM when no
 * block that a PMD can map was to be had (nothing changed either way).
 */
struct folio *smm_object_add_huge(struct smm_object *obj, pgoff_t first)
{
	pgoff_t last = first + SMM_HUGE_NR - 1;
	struct smm_pool *pool = obj->pool;
	struct smm_page *block;
	struct folio *folio;
	unsigned long i;
	int err;

	if (WARN_ON_ONCE(!IS_ALIGNED(first, SMM_HUGE_NR)))
		return ERR_PTR(-EBUSY);
	if (smm_object_huge_over_limit(obj, last) || !smm_object_range_empty(obj, first, last))
		return ERR_PTR(-EBUSY);
	block = smm_alloc_pages(pool, SMM_HUGE_ORDER, SMM_GFP_HIGHMEM | SMM_GFP_NOWAIT);
	if (!block)
		return ERR_PTR(-ENOMEM);
	if (!smm_huge_block_mappable(pool, block)) {
		smm_free_pages(pool, block, SMM_HUGE_ORDER);
		return ERR_PTR(-ENOMEM);
	}
	if (unlikely(smm_object_block_poisoned(pool, block, SMM_HUGE_ORDER))) {
		/* Its failed frames never go back; the others one by one. */
		for (i = 0; i < SMM_HUGE_NR; i++) {
			if (PageHWPoison(smm_frame_struct_page(pool, block + i)))
				smm_object_frame_quarantine(pool, block + i);
			else
				smm_free_pages(pool, block + i, 0);
		}
		return ERR_PTR(-ENOMEM);
	}

	for (i = 0; i < SMM_HUGE_NR; i++) {
		struct page *page = smm_frame_struct_page(pool, block + i);

		VM_WARN_ON_ONCE_PAGE(page_ref_count(page) != 0, page);
		block[i].object = obj;
		block[i].index = first + i;
		set_page_private(page, smm_page_sfn(&pool->region, block + i));
		smm_object_zero_frame(pool, page);
	}
	folio = smm_huge_folio_make(pool, block);
	folio->index = first;
	folio->mapping = obj->inode->i_mapping;
	__folio_set_locked(folio);
	__folio_mark_uptodate(folio);
	atomic_long_add(SMM_HUGE_NR, &pool->objects.nr_pages);
	/* shadowmm's reference and the caller's; the stores above first. */
	folio_ref_unfreeze(folio, 2);

	smm_object_change_begin(pool);
	err = smm_object_publish_huge(obj, folio);
	if (err) {
		smm_object_change_end(pool);
		smm_object_page_abandon(pool, &folio->page);
		return ERR_PTR(err);
	}
	atomic_long_add(SMM_HUGE_NR, &obj->resident);
	smm_object_change_end(pool);
	atomic_long_inc(&pool->objects.nr_huge);
	/* On no list yet: the LRU counts the folio's pages once it links it. */
	set_bit(SMM_PG_head, &block->flags);
	smm_lru_add(pool, block);

	/*
	 * As in smm_object_add_page(): a new limit removes it, or is seen;
	 * and a limit change under way splits it, or is seen (pairs with
	 * the barrier after limit_pending's store in smm_object_set_limit()).
	 */
	smp_mb();
	if (smm_object_huge_over_limit(obj, last)) {
		LIST_HEAD(removed);

		/*
		 * Out while still locked: nobody has mapped it or copied into
		 * it yet, so nothing written below the limit goes with it.
		 */
		smm_object_take_huge_whole(obj, folio, &removed);
		folio_unlock(folio);
		folio_put(folio);
		smm_object_release_removed(obj, first, last, &removed);
		return ERR_PTR(-EBUSY);
	}
	return folio;
}
SMM_EXPORT(smm_object_add_huge);

/*
 * The nodes xas_split_alloc() took that no split used go back.
 * xas_destroy() is not exported; xas_nomem() calls it when the state
 * holds no -ENOMEM, which after a successful xas_split_alloc() it never
 * does.
 */
static void smm_xas_free_spare(struct xa_state *xas)
{
	WARN_ON_ONCE(xas_nomem(xas, GFP_NOWAIT));
}

/**
 * smm_object_split_alloc() - the xarray nodes a PMD-sized folio's split needs
 * @xas: the split's state, at @folio's index in its object's i_pages
 * @folio: the folio
 * @memcg: the memory cgroup the nodes are charged to (i_pages accounts
 *	   its nodes), or NULL for the caller's own
 * @gfp: how they are allocated
 *
 * On failure the state holds the error, and nothing is left allocated.
 *
 * Context: Process context; may sleep when @gfp allows.
 */
void smm_object_split_alloc(struct xa_state *xas, struct folio *folio,
			    struct mem_cgroup *memcg, gfp_t gfp)
{
	struct mem_cgroup *old_memcg;

	KUNIT_STATIC_STUB_REDIRECT(smm_object_split_alloc, xas, folio, memcg, gfp);
	old_memcg = set_active_memcg(memcg);
	xas_split_alloc(xas, folio, SMM_HUGE_ORDER, gfp);
	set_active_memcg(old_memcg);
}
SMM_EXPORT(smm_object_split_alloc);

/*
 * smm_object_split_huge() without its count of failures; the split's
 * xarray nodes are charged to @memcg (NULL: the caller's cgroup) and
 * allocated with @gfp.
 */
static int __smm_object_split_huge(struct smm_object *obj, struct folio *folio,
				   struct mem_cgroup *memcg, gfp_t gfp)
{
	struct address_space *mapping = obj->inode->i_mapping;
	XA_STATE(xas, &mapping->i_pages, folio->index);
	struct smm_pool *pool = obj->pool;
	struct page *head = &folio->page;
	struct smm_page *block;
	bool dirty, locked;
	int pmds;
	pgoff_t first;
	unsigned long i;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (folio->mapping != mapping || !folio_test_large(folio))
		return -EAGAIN;
	if (folio_maybe_dma_pinned(folio))
		return -EBUSY;
	/*
	 * As the kernel's can_split_folio() asks before it unmaps: with a
	 * reference beyond shadowmm's, the caller's and one per mapping (a
	 * lookup under way, a vmsplice()d pipe buffer), the freeze below
	 * would fail after every mapping had been dropped and counted split.
	 * shadowmm's own LRU batches let go of theirs first.
	 */
	if (smm_object_page_pinned(folio)) {
		smm_lru_drain_all(pool);
		if (smm_object_page_pinned(folio))
			return -EBUSY;
	}
	/*
	 * The nodes first, before any mapping goes: a split that finds no
	 * memory (reclaim's never waits for it) leaves the folio mapped.
	 * On failure it frees what it took itself.
	 */
	smm_object_split_alloc(&xas, folio, memcg, gfp);
	if (xas_error(&xas))
		return -ENOMEM;
	first = folio->index;
	block = smm_object_frame(pool, head);
	/* As the kernel counts a PMD it splits: each mapping's goes here. */
	pmds = folio_entire_mapcount(folio);
	unmap_mapping_pages(mapping, first, SMM_HUGE_NR, false);
	smm_count_events(pool, SMM_THP_SPLIT_PMD, pmds);
	/*
	 * The unmap munlocked it, and its pages are single ones unmapped:
	 * reclaim would no longer see that a locked mapping covers them.  So
	 * they go to the unevictable list, as a page a locked mapping faults
	 * in does, until a fault in that mapping mlocks them again.  Asked
	 * after the unmap, as eviction asks: an mlock() that set VM_LOCKED
	 * before it found the PMD still there, faulted nothing, and returned.
	 */
	locked = smm_object_mapped_locked(folio);
	/*
	 * shadowmm's per-CPU LRU batches may hold a reference of their own:
	 * drained.  The kernel's mlock batches are not drained under the
	 * folio lock (their drain runs work on every CPU): a folio one of
	 * them holds stays whole this time.
	 */
	if (folio_ref_count(folio) > 2)
		smm_lru_drain_all(pool);

	smm_object_change_begin(pool);
	xas_lock_irq(&xas);
	/* shadowmm's reference and the caller's: anything more keeps it whole. */
	if (xas_load(&xas) != folio || !folio_ref_freeze(folio, 2)) {
		xas_unlock_irq(&xas);
		smm_object_change_end(pool);
		smm_xas_free_spare(&xas);
		return -EBUSY;
	}
	xas_split(&xas, folio, SMM_HUGE_ORDER);
	/*
	 * Still marked mlocked with every mapping gone: a munlock() clears
	 * VM_LOCKED before its walk, which then finds the PMD this unmap
	 * dropped, and the kernel munlocks a large file folio only by that
	 * walk.  Unmapped and locked, nothing can mlock it again meanwhile;
	 * Mlocked counted the folio's pages, so they all go from it, as for
	 * a folio freed whole (smm_object_frame_free()).  Where its pages go
	 * is @locked's decision.
	 */
	if (unlikely(folio_test_clear_mlocked(folio))) {
		mod_zone_page_state(page_zone(head), NR_MLOCK, -(long)SMM_HUGE_NR);
		count_vm_events(UNEVICTABLE_PGCLEARED, SMM_HUGE_NR);
	}
	smm_huge_folio_unmake(pool, folio);
	for (i = 1; i < SMM_HUGE_NR; i++) {
		struct page *page = head + i;

		page->mapping = mapping;
		page->index = first + i;
		/* Nobody can reach the page yet: plain stores of its flags. */
		__SetPageUptodate(page);
		/* Locked until it is on the LRU, as a page being made is. */
		__SetPageLocked(page);
		__xa_store(&mapping->i_pages, first + i, page, 0);
		/* shadowmm's reference; the stores above first. */
		page_ref_unfreeze(page, 1);
	}
	xas_unlock_irq(&xas);
	page_ref_unfreeze(head, 2);
	smm_object_change_end(pool);
	smm_xas_free_spare(&xas);

	atomic_long_dec(&pool->objects.nr_huge);
	smm_lru_split_head(pool, block);
	/* The folio's writes went to the head frame's flag: all of it is dirty. */
	dirty = smm_page_test(block, SMM_PG_dirty);
	if (locked)
		smm_lru_mlock(pool, block);
	for (i = 1; i < SMM_HUGE_NR; i++) {
		if (dirty)
			set_bit(SMM_PG_dirty, &block[i].flags);
		/* Read by the add: the unevictable list, not the inactive one. */
		if (locked)
			set_bit(SMM_PG_unevictable, &block[i].flags);
		/* Used when the folio was (lirs), not now. */
		smm_lru_lirs_stamp(block + i, smm_lru_lirs_stamp_of(block));
		smm_lru_add(pool, block + i);
		unlock_page(head + i);
	}
	smm_count_event(pool, SMM_THP_SPLIT_PAGE);
	return 0;
}

/**
 * smm_object_split_huge() - make a PMD-sized folio single pages again
 * @obj: its object
 * @folio: the folio, locked, with a reference of the caller's
 *
 * Every pte and PMD that maps the folio goes (the kernel maps its pages
 * again, one by one, on the next faults), then, with the folio's count
 * frozen so that no lookup can take a reference meanwhile, its entry in
 * i_pages is split into one per page and the compound taken apart.  Each
 * page then carries what the folio did: uptodate, dirty (shadowmm's
 * flag); the unmap munlocked it, as any unmapped page is, and each tail
 * joins the inactive list.
 * The caller keeps the head page, locked, with its reference.
 *
 * The xarray nodes the split needs are charged to the object's owner
 * (SMM_GFP_OWNER_FORCED): reclaim and the fault window split for
 * whoever happens to run them.
 *
 * Context: Process context, may sleep.
 * Return: 0; -EAGAIN when the folio left the object meanwhile; -EBUSY
 * when a user besides the caller holds a reference (a get_user_pages()
 * pin, a lookup under way, a pipe's buffer): the folio stays whole;
 * -ENOMEM when the xarray had no memory for the split at once.
 */
int smm_object_split_huge(struct smm_object *obj, struct folio *folio)
{
	int err = __smm_object_split_huge(obj, folio, obj->memcg, SMM_GFP_OWNER_FORCED);

	if (err == -EBUSY)
		smm_count_event(obj->pool, SMM_THP_SPLIT_PAGE_FAILED);
	return err;
}
SMM_EXPORT(smm_object_split_huge);

/*
 * Bring an evicted page back: a new frame takes the place of its shadow
 * entry at once, locked and not uptodate, so every other user of @index
 * waits on its lock while the store is read.  Then the store slot is
 * freed (the page is dirty again: its only copy is in memory), and the
 * refault distance says which list it joins.  A slot that cannot be read
 * back (checksum mismatch) keeps its shadow entry: every later access
 * fails the same way rather than seeing other bytes.  So does a read a
 * signal ended, silently: its slot is intact.
 *
 * Returns the page locked with a reference for the caller, or
 * ERR_PTR(-EAGAIN) when the entry changed meanwhile, -ENOSPC when no frame
 * is left even after reclaim, -EINTR when a signal ended the read,
 * -ENOMEM when the read had no memory (a swap file's page cache; the slot
 * reads back later), -EIO when the contents are lost.
 */
static struct page *smm_object_swapin(struct smm_object *obj, pgoff_t index,
				      void *shadow)
{
	struct address_space *mapping = obj->inode->i_mapping;
	struct smm_pool *pool = obj->pool;
	struct smm_page *frame;
	unsigned long age;
	struct page *page;
	bool shadow_held;
	int node, err;
	u32 slot;

	page = smm_object_frame_prepare(obj, index);
	if (!page)
		return ERR_PTR(-ENOSPC);
	frame = smm_object_frame(pool, page);

	/*
	 * The page goes in beside the shadow entry, which stays until the
	 * contents are back: lookups find the page first and wait on its
	 * lock, and a failed read leaves the entry as it was.
	 */
	smm_object_change_begin(pool);
	err = smm_object_publish(obj, index, page, shadow, -EAGAIN);
	if (err) {
		smm_object_change_end(pool);
		smm_object_page_abandon(pool, page);
		return ERR_PTR(err);
	}
	atomic_long_inc(&obj->resident);

	smm_workingset_unpack(shadow, &node, &age, &slot);
	if (slot)
		err = smm_swap_read(&pool->swap, slot, smm_page_address(pool, frame));
	else
		smm_object_zero_frame(pool, page);
	if (err) {
		/* A signal or no memory ended the read: nothing is lost. */
		if (smm_swap_read_lost(err))
			pr_err_ratelimited("object %llu: page %lu lost in the backing store (slot %u): %d\n",
					   obj->id, index, slot, err);
		xa_lock_irq(&mapping->i_pages);
		__xa_erase(&mapping->i_pages, index);
		mapping->nrpages--;
		xa_unlock_irq(&mapping->i_pages);
		atomic_long_dec(&obj->resident);
		smm_object_change_end(pool);
		smm_object_page_abandon(pool, page);
		if (smm_swap_read_interrupted(err))
			err = -EINTR;
		return ERR_PTR(smm_swap_read_lost(err) ? -EIO : err);
	}
	folio_mark_uptodate(page_folio(page));
	/* A trim may have dropped a slotless entry meanwhile: it counted it. */
	smm_object_lock(obj);
	shadow_held = __xa_cmpxchg(&obj->shadows, index, shadow, NULL, 0) == shadow;
	smm_object_unlock(obj);
	if (shadow_held)
		smm_object_shadow_gone(pool, shadow);
	smm_object_change_end(pool);
	/*
	 * Room in the store: a kswapd that gave up on it may try again (a
	 * punch notes it once for its range, take_range()).
	 */
	if (shadow_held && slot)
		smm_reclaim_note_progress(pool);
	if (slot)
		smm_count_event(pool, SMM_PSWPIN);
	set_bit(SMM_PG_dirty, &frame->flags);
	smm_lru_refault(pool, shadow, frame);
	smm_lru_add(pool, frame);
	return page;
}

/**
 * smm_object_get_page() - the page at an index of an object
 * @obj: the object
 * @index: page offset
 * @flags: SMM_GET_CREATE to make a zeroed page when the index holds none;
 *	   SMM_GET_NOWAIT to take only a resident page whose lock is free
 *	   (IOCB_NOWAIT: io_uring asks again from a thread that may wait)
 * @origin: where the page came from
 *
 * Brings an evicted page back from the store.  A fatal signal ends the
 * retries: a task in a fault, a populate or a read can always be killed.
 *
 * Context: Process context; may sleep unless SMM_GET_NOWAIT.
 * Return: the page, locked and referenced; NULL (no SMM_GET_CREATE) for a
 * hole or an index at or beyond the size limit; ERR_PTR(-EFBIG at or
 * beyond the limit / -ENOSPC / -ENOMEM / -EIO / -EINTR) on failure, or
 * -EAGAIN with SMM_GET_NOWAIT for a page that is evicted, locked or not
 * there to be made.
 */
struct page *smm_object_get_page(struct smm_object *obj, pgoff_t index,
				 unsigned int flags, enum smm_page_origin *origin)
{
	struct address_space *mapping = obj->inode->i_mapping;
	bool create = flags & SMM_GET_CREATE;
	bool nowait = flags & SMM_GET_NOWAIT;
	struct page *page;
	void *shadow;

	*origin = SMM_PAGE_FOUND;
	for (;;) {
		if (fatal_signal_pending(current))
			return ERR_PTR(-EINTR);
		/*
		 * Beyond the limit nothing is served, not even a page still
		 * there: a lowered limit takes its pages out only after it is
		 * set, and a fault meanwhile must not map one of them.
		 */
		if ((loff_t)index >= READ_ONCE(obj->size_limit) >> PAGE_SHIFT)
			return create ? ERR_PTR(-EFBIG) : NULL;
		/* Empty is final only when nothing will be made there. */
		if (smm_object_lookup(obj, index, &page, &shadow, !create, true))
			return ERR_PTR(-EINTR);
		if (shadow && nowait)
			return ERR_PTR(-EAGAIN);
		if (shadow) {
			page = smm_object_swapin(obj, index, shadow);
			if (PTR_ERR(page) == -EAGAIN)
				continue;
			if (!IS_ERR(page))
				*origin = SMM_PAGE_SWAPPED_IN;
			return page;
		}

		if (page) {
			struct folio *folio = page_folio(page);

			if (nowait && !folio_trylock(folio)) {
				folio_put(folio);
				return ERR_PTR(-EAGAIN);
			}
			if (!nowait && folio_lock_killable(folio)) {
				folio_put(folio);
				return ERR_PTR(-EINTR);
			}
			/* A PMD-sized folio serves each of its indexes whole. */
			if (folio->mapping == mapping &&
			    index - folio->index < folio_nr_pages(folio))
				return folio_page(folio, index - folio->index);
			/* Removed meanwhile: look again. */
			unlock_page(page);
			put_page(page);
			continue;
		}
		if (!create)
			return NULL;
		/* A new frame may need reclaim, which waits. */
		if (nowait)
			return ERR_PTR(-EAGAIN);
		page = smm_object_add_page(obj, index);
		if (PTR_ERR(page) == -EEXIST)
			continue;
		/*
		 * The unconfirmed "empty" may have missed a swap-in that ran
		 * between the two lockless loads: no frame for a new page is
		 * no failure when the index holds one now.
		 */
		if (PTR_ERR(page) == -ENOSPC && smm_object_index_used(obj, index))
			continue;
		if (!IS_ERR(page))
			*origin = SMM_PAGE_CREATED;
		return page;
	}
}

/**
 * smm_object_note_size() - grow an object's size to cover a byte
 * @obj: the object
 * @end: one past the last byte written or faulted in
 *
 * Context: Any context; takes @obj->size_lock.
 */
void smm_object_note_size(struct smm_object *obj, loff_t end)
{
	struct inode *inode = obj->inode;

	if (end <= i_size_read(inode))
		return;
	spin_lock(&obj->size_lock);
	if (end > i_size_read(inode))
		i_size_write(inode, min(end, obj->size_limit));
	spin_unlock(&obj->size_lock);
}

/**
 * smm_object_fault_page() - the page a fault at @index maps
 * @obj: the object
 * @index: page offset in the object
 * @pagep: the page, locked, with a reference that becomes the pte's
 * @origin: where it came from (resident, made now, or read back from the
 *	backing store: a major fault)
 *
 * Allocates and zeroes a frame on first touch, reclaiming directly when
 * the region is below its min watermark; brings an evicted page back
 * from the store.  Never returns VM_FAULT_OOM: a region with no frame
 * left is the mapping's problem, not the system's.
 *
 * Context: Process context (a fault), may sleep.
 * Return: 0 (@pagep set), or VM_FAULT_SIGBUS at or beyond the size limit,
 * when neither the region nor the store has room, when the page's stored
 * copy is damaged, or when a fatal signal ended the wait (as shmem does:
 * the dying task never sees it).
 */
vm_fault_t smm_object_fault_page(struct smm_object *obj, pgoff_t index,
				 struct page **pagep, enum smm_page_origin *origin)
{
	struct page *page;

	page = smm_object_get_page(obj, index, SMM_GET_CREATE, origin);
	if (IS_ERR(page))
		return VM_FAULT_SIGBUS;
	/*
	 * Whatever made the page (a write whose copy then faulted leaves one
	 * the size does not cover), the size covers what a fault maps.
	 */
	smm_object_note_size(obj, ((loff_t)index + 1) << PAGE_SHIFT);
	*pagep = page;
	return 0;
}
SMM_EXPORT(smm_object_fault_page);

/**
 * smm_object_set_fault_order() - set the fault_order knob
 * @pool: the pool
 * @order: 0 (one page a first-touch fault) .. SMM_FAULT_ORDER_MAX
 *
 * Faults under way finish with the order they read; pages already made
 * stay as they are.
 *
 * Context: Process context; takes the pool's tune_lock.
 * Return: 0, or -EINVAL for an order out of range (nothing changes).
 */
int smm_object_set_fault_order(struct smm_pool *pool, unsigned int order)
{
	if (order > SMM_FAULT_ORDER_MAX)
		return -EINVAL;
	mutex_lock(&pool->tune_lock);
	WRITE_ONCE(pool->objects.fault_order, order);
	mutex_unlock(&pool->tune_lock);
	return 0;
}
SMM_EXPORT(smm_object_set_fault_order);

/* Whether every chunk of the region lies at a 2 MiB boundary of memory. */
static bool smm_object_region_huge_aligned(const struct smm_region *region)
{
	unsigned long i;

	for (i = 0; i < region->nr_chunks; i++)
		if (!IS_ALIGNED(region->chunk_pfn[i], SMM_HUGE_NR))
			return false;
	return true;
}

/**
 * smm_object_set_huge() - set the huge knob
 * @pool: the pool
 * @mode: when a first touch may make a PMD-sized folio
 *
 * Faults under way finish with the mode they read; folios already made
 * stay as they are.
 *
 * Context: Process context; takes the pool's tune_lock.
 * Return: 0; -EINVAL for a mode out of range; -EOPNOTSUPP for a mode other
 * than never where PMD-sized folios cannot be built (the kernel's folio
 * layout is not one module/huge.c knows, or the region's memory is not
 * 2 MiB aligned).  Nothing changes on failure.
 */
int smm_object_set_huge(struct smm_pool *pool, enum smm_huge_mode mode)
{
	if (mode >= SMM_NR_HUGE_MODES)
		return -EINVAL;
	if (mode != SMM_HUGE_NEVER &&
	    (!smm_huge_supported() || !smm_object_region_huge_aligned(&pool->region)))
		return -EOPNOTSUPP;
	mutex_lock(&pool->tune_lock);
	WRITE_ONCE(pool->objects.huge, mode);
	mutex_unlock(&pool->tune_lock);
	return 0;
}
SMM_EXPORT(smm_object_set_huge);

/**
 * smm_object_mark_dirty() - note that a page's contents changed
 * @obj: its object
 * @page: the page, or any page of a PMD-sized folio
 *
 * A folio's flag is its head frame's, as the kernel keeps a folio's
 * PG_dirty: a split gives it to every page (smm_object_split_huge()).
 *
 * Context: Any context.
 * Return: true when the page (the folio) was clean before.
 */
bool smm_object_mark_dirty(struct smm_object *obj, struct page *page)
{
	return !test_and_set_bit(SMM_PG_dirty,
				 &smm_object_frame(obj->pool, &page_folio(page)->page)->flags);
}

/*
 * The kernel marks a page of a shared writable mapping dirty through its
 * mapping's a_ops (after a write fault maps it, or when a dirty pte is
 * zapped).  A flag for statistics only: every eviction stores a page that
 * holds data, dirty or not, since a write through a pin that reached a
 * clean writable pte marks nothing.
 */
static bool smm_object_dirty_folio(struct address_space *mapping,
				   struct folio *folio)
{
	struct smm_object *obj = smm_inode_object(mapping->host);

	return smm_object_mark_dirty(obj, &folio->page);
}

/*
 * The kernel asks this before it takes a folio apart or out of its
 * mapping on its own (filemap_release_folio(): its THP split, migration,
 * invalidation): an object's pages leave it only through shadowmm, so
 * never.  Above all the kernel's split of a large folio (split_folio()
 * from madvise(MADV_COLD/PAGEOUT) of part of a PMD, memory_failure())
 * counts on a page-cache folio holding a reference per page, which an
 * object's folio does not: with its other references making up the
 * difference, the split would go on and free the folio's pages to the
 * kernel's allocator.  So would __do_fault()'s invalidation of a page
 * poisoned after the fault handler looked at it, of any size.
 * mapping_set_release_always() makes the kernel ask for every folio
 * (smm_object_create()).
 */
static bool smm_object_release_folio(struct folio *folio, gfp_t gfp)
{
	return false;
}

static const struct address_space_operations smm_object_aops = {
	.dirty_folio = smm_object_dirty_folio,
	.release_folio = smm_object_release_folio,
};

/**
 * smm_object_punch() - free the pages of a byte range
 * @obj: the object
 * @start: first byte, page aligned
 * @end: one past the last byte, page aligned, > @start
 *
 * The pages are unmapped from every process and go back to the shadow
 * buddy (or wait until unpinned); the range reads as zeroes afterwards.
 *
 * Context: Process context, may sleep.
 * Return: the number of pages taken out.
 */
long smm_object_punch(struct smm_object *obj, loff_t start, loff_t end)
{
	return smm_object_remove_range(obj, start >> PAGE_SHIFT,
				       (end >> PAGE_SHIFT) - 1);
}
SMM_EXPORT(smm_object_punch);

/**
 * smm_object_for_each() - call a function on every object of a pool
 * @pool: the pool
 * @fn: called with each object and @arg until it returns false; may sleep
 * @arg: for @fn
 *
 * The object list's spinlock is not held while @fn runs (it may sleep, and
 * an object may hold millions of entries): an inode reference keeps each
 * object, and with it its place on the list, until the walk has moved on.
 * An object whose last reference is gone but which is still on the list
 * (its evict_inode has not finished) is skipped.
 *
 * Context: Process context, may sleep.
 * Return: the number of objects skipped as going away.
 */
unsigned long smm_object_for_each(struct smm_pool *pool,
				  bool (*fn)(struct smm_object *obj, void *arg),
				  void *arg)
{
	struct smm_object *obj, *prev = NULL;
	unsigned long skipped = 0;
	bool more = true;

	spin_lock(&pool->objects.lock);
	list_for_each_entry(obj, &pool->objects.list, node) {
		/* Going away: its evict_inode takes it off the list. */
		if (!igrab(obj->inode)) {
			skipped++;
			continue;
		}
		spin_unlock(&pool->objects.lock);
		if (prev)
			iput(prev->inode);
		prev = obj;
		more = fn(obj, arg);
		cond_resched();
		spin_lock(&pool->objects.lock);
		if (!more)
			break;
	}
	spin_unlock(&pool->objects.lock);
	if (prev)
		iput(prev->inode);
	return skipped;
}

/*
 * A limit at @index must not fall inside a PMD-sized folio: the pages
 * below it stay in the object, those at or beyond it go, and a folio is
 * all in or all out.  So one across @index (its first page below it) is
 * split before the limit applies (obj->limit_pending keeps another from
 * being made there meanwhile).  A pin or a pipe's buffer that keeps it
 * whole makes the change fail, so that nothing changes: zeroed in place,
 * as a punch leaves such a folio, its pages beyond the limit would stay
 * in the object, mapped and written through a PMD, with nothing to take
 * them out once the pin goes.  Returns 0 (no such folio, or split),
 * -EBUSY, -ENOMEM or -EINTR.
 */
static int smm_object_split_across(struct smm_object *obj, pgoff_t index)
{
	struct address_space *mapping = obj->inode->i_mapping;

	if (!atomic_long_read(&obj->pool->objects.nr_huge))
		return 0;
	for (;;) {
		struct folio *folio;
		struct page *page;
		void *shadow;
		int err = 0;

		if (fatal_signal_pending(current) ||
		    smm_object_lookup(obj, index, &page, &shadow, true, true))
			return -EINTR;
		if (!page)
			return 0;
		folio = page_folio(page);
		if (folio_lock_killable(folio)) {
			folio_put(folio);
			return -EINTR;
		}
		if (folio->mapping != mapping)
			err = -EAGAIN;
		else if (folio_test_large(folio) && folio->index < index)
			err = smm_object_split_huge_retry(obj, folio);
		folio_unlock(folio);
		folio_put(folio);
		/* Changed while it waited: looked at again. */
		if (err != -EAGAIN)
			return err;
	}
}

/**
 * smm_object_set_limit() - change an object's size limit
 * @obj: the object
 * @limit: bytes, page aligned, at most SHADOWMM_MAX_OBJECT_SIZE
 *
 * Pages at or beyond the new limit are freed and unmapped, and the size
 * is clamped to it, as ftruncate() would.  A PMD-sized folio across the
 * limit is split first.
 *
 * Context: Process context, may sleep.
 * Return: 0; or, nothing changed: -EINVAL for a bad @limit, -EBUSY when a
 * PMD-sized folio across the limit is held whole (a get_user_pages() pin,
 * a pipe's buffer), -ENOMEM, or -EINTR (a fatal signal).
 */
int smm_object_set_limit(struct smm_object *obj, loff_t limit)
{
	struct inode *inode = obj->inode;
	loff_t old;
	int err;

	if (limit < 0 || !PAGE_ALIGNED(limit) || limit > SHADOWMM_MAX_OBJECT_SIZE)
		return -EINVAL;
	/*
	 * From here no folio is made across @limit (a first touch under way
	 * either sees it or is seen by the lookup), so the one split now is
	 * the last.  It is the limit's value from now on, never raised
	 * again while this one applies: a first touch reading both may see
	 * either.  Changes of the limit are serialised by the inode's
	 * i_rwsem.
	 */
	old = obj->limit_pending;
	WRITE_ONCE(obj->limit_pending, limit);
	/* Pairs with the barrier in smm_object_add_huge(). */
	smp_mb();
	if (limit < SHADOWMM_MAX_OBJECT_SIZE) {
		err = smm_object_split_across(obj, limit >> PAGE_SHIFT);
		if (err) {
			WRITE_ONCE(obj->limit_pending, old);
			return err;
		}
	}
	spin_lock(&obj->size_lock);
	WRITE_ONCE(obj->size_limit, limit);
	if (i_size_read(inode) > limit)
		i_size_write(inode, limit);
	spin_unlock(&obj->size_lock);
	/* Pairs with the barriers in smm_object_add_page() and _add_block(). */
	smp_mb();
	if (limit < SHADOWMM_MAX_OBJECT_SIZE) {
		smm_object_remove_range(obj, limit >> PAGE_SHIFT,
					(SHADOWMM_MAX_OBJECT_SIZE >> PAGE_SHIFT) - 1);
		/*
		 * Private copies of pages beyond the limit go too, as a
		 * truncation's do: their next access faults, and is SIGBUS.
		 */
		unmap_mapping_range(inode->i_mapping, limit, 0, 1);
	}
	return 0;
}
SMM_EXPORT(smm_object_set_limit);

/**
 * smm_object_count_range() - resident pages of a page-offset range
 * @obj: the object
 * @first: first page offset
 * @last: last page offset (inclusive)
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_object_count_range(struct smm_object *obj, pgoff_t first,
				     pgoff_t last)
{
	XA_STATE(xas, &obj->inode->i_mapping->i_pages, first);
	unsigned long n = 0;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, last) {
		struct folio *folio;
		pgoff_t from, to;

		if (xas_retry(&xas, entry))
			continue;
		/* A PMD-sized folio: the pages of it inside the range. */
		folio = page_folio((struct page *)entry);
		from = max(first, xas.xa_index & ~(folio_nr_pages(folio) - 1));
		to = min(last, from | (folio_nr_pages(folio) - 1));
		n += to - from + 1;
	}
	rcu_read_unlock();
	return n;
}
SMM_EXPORT(smm_object_count_range);

/* ---- the pseudo filesystem ---- */

/*
 * No frame on the pinned list may point at @obj once it is freed: clear
 * the pointer of each of its frames, a batch at a time (another user's
 * frames may make the list as long as the region).  The walk stops once
 * it has found as many as @obj counts: under pinned_walk nobody takes
 * one off meanwhile, and none of @obj's can be added.
 */
static void smm_pinned_forget(struct smm_pool *pool, struct smm_object *obj)
{
	struct smm_page *frame;
	unsigned int held = 0;
	long left;

	mutex_lock(&pool->objects.pinned_walk);
	spin_lock(&pool->objects.pinned_lock);
	left = atomic_long_read(&obj->pinned);
	list_for_each_entry(frame, &pool->objects.pinned, lru) {
		if (left <= 0)
			break;
		if (frame->object == obj) {
			frame->object = NULL;
			left -= smm_pinned_weight(pool, frame);
		}
		smm_pinned_walk_step(pool, &held);
	}
	smm_pinned_walk_hold_end(pool, &held);
	spin_unlock(&pool->objects.pinned_lock);
	mutex_unlock(&pool->objects.pinned_walk);
}

static void smm_object_evict_inode(struct inode *inode)
{
	struct smm_object *obj = smm_inode_object(inode);
	struct smm_pool *pool;

	/* The filesystem's root, at unmount: no object, no page. */
	if (!obj) {
		clear_inode(inode);
		return;
	}
	pool = obj->pool;
	/* No file and no mapping is left: only pins can outlive this. */
	smm_object_remove_range(obj, 0, (SHADOWMM_MAX_OBJECT_SIZE >> PAGE_SHIFT) - 1);
	WARN_ON_ONCE(atomic_long_read(&obj->resident) || !xa_empty(&obj->shadows));
	xa_destroy(&obj->shadows);
	smm_fault_window_destroy(&obj->window);
	smm_swap_owner_put(obj->memcg);
	clear_inode(inode);

	/*
	 * Frames still pinned outlive the object: they forget it.  Its
	 * count of them can only fall now (no page is left to leave it), so
	 * none read here means none to forget.
	 */
	if (atomic_long_read(&obj->pinned))
		smm_pinned_forget(pool, obj);

	spin_lock(&pool->objects.lock);
	list_del(&obj->node);
	spin_unlock(&pool->objects.lock);
	smm_kmem_reserve_free(&pool->objects.cache, obj);
	/*
	 * Last: whoever dropped the inode still runs module code after this
	 * (a file's release, which holds the module itself; the trim work,
	 * which the unload cancels and waits for; a debugfs reader, held by
	 * its file; a KUnit case, whose module depends on this one).
	 */
	module_put(THIS_MODULE);
}

static const struct super_operations smm_fs_sops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
	.evict_inode = smm_object_evict_inode,
};

static int smm_fs_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, SMM_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &smm_fs_sops;
	return 0;
}

static struct file_system_type smm_fs_type = {
	.name = "shadowmm",
	.init_fs_context = smm_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * smm_object_create() - a new, empty memory object
 * @pool: where its pages will come from
 *
 * The object comes from the pool's own cache, never from below the min
 * watermark and without reclaiming (an open may fail: ENOMEM), made on
 * the first call, as is the cache of the mapping descriptors
 * (smm_vma_mmap() then finds it made).
 *
 * Context: Process context, may sleep.
 * Return: the object with one reference (smm_object_put() drops it), or
 * an ERR_PTR (-ENOMEM).
 */
struct smm_object *smm_object_create(struct smm_pool *pool)
{
	struct smm_object *obj;
	struct inode *inode;
	int i, ret;

	ret = smm_kmem_reserve_ready(pool, &pool->objects.cache);
	if (ret)
		return ERR_PTR(ret);
	/*
	 * The mapping descriptors' cache too, before anything can map the
	 * object: ->mmap holds the mmap_lock, and making a cache creates its
	 * debugfs directory under the slab/ directory's inode lock, which
	 * the kernel takes before the mmap_lock (a getdents() of it can
	 * fault on its buffer).
	 */
	ret = smm_kmem_reserve_ready(pool, &pool->vmas.reserve);
	if (ret)
		return ERR_PTR(ret);
	/*
	 * Never below min, and never reclaiming: ->open runs under the
	 * kernel's misc_mtx, which every misc device's open takes, so it
	 * must not wait on eviction (a swap file's write may take as long
	 * as its file system likes).  A region at min wakes kswapd and the
	 * open gets -ENOMEM.
	 */
	obj = smm_kmem_cache_alloc(pool->objects.cache.cache, SMM_GFP_NOWAIT | SMM_GFP_ZERO);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	inode = alloc_anon_inode(smm_object_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		smm_kmem_reserve_free(&pool->objects.cache, obj);
		return ERR_CAST(inode);
	}
	obj->pool = pool;
	obj->id = atomic64_inc_return(&smm_object_next_id);
	/* Not get_next_ino()'s: that one wraps and pipes share it. */
	inode->i_ino = obj->id;
	obj->inode = inode;
	/* Its lock is only ever taken with interrupts off (smm_object_lock()). */
	xa_init_flags(&obj->shadows, XA_FLAGS_LOCK_IRQ | XA_FLAGS_ACCOUNT);
	spin_lock_init(&obj->size_lock);
	obj->size_limit = SHADOWMM_MAX_OBJECT_SIZE;
	obj->limit_pending = SHADOWMM_MAX_OBJECT_SIZE;
	atomic_long_set(&obj->resident, 0);
	atomic_long_set(&obj->pinned, 0);
	/* Its evicted pages are charged to whoever opened it. */
	obj->memcg = smm_swap_owner_get();
	for (i = 0; i < SMM_NR_FAULT_KINDS; i++)
		atomic_long_set(&obj->faults[i], 0);
	smm_fault_window_init(&obj->window);
	inode->i_private = obj;
	inode->i_mapping->a_ops = &smm_object_aops;
#ifdef SMM_HAVE_RELEASE_ALWAYS
	/*
	 * Small pages need it too: a page memory_failure() poisons after
	 * the fault handler looked is invalidated by the kernel's
	 * __do_fault(), which would free it from under the object and fault
	 * a zeroed page in its place.  Kernels before 6.6 without the
	 * flag's backport have no large folios here, but that hole remains.
	 */
	mapping_set_release_always(inode->i_mapping);
#endif

	/*
	 * The object holds the module until its evict_inode is done: a
	 * walker's inode reference (the shadow trim's) can outlive the file,
	 * and an object evicted while the module is being unloaded would
	 * leave a pinned frame on a pool about to be freed.  The caller's
	 * own reference (the device file's, or a KUnit module's) makes this
	 * one safe to take.
	 */
	__module_get(THIS_MODULE);
	spin_lock(&pool->objects.lock);
	list_add_tail(&obj->node, &pool->objects.list);
	spin_unlock(&pool->objects.lock);
	return obj;
}
SMM_EXPORT(smm_object_create);

/**
 * smm_object_put() - drop a reference to an object
 * @obj: the object; freed with its pages when the last reference goes
 *
 * Context: Process context, may sleep.
 */
void smm_object_put(struct smm_object *obj)
{
	iput(obj->inode);
}
SMM_EXPORT(smm_object_put);

/**
 * smm_object_file_create() - a new object behind a file of its own
 * @pool: where the object's pages come from
 *
 * For in-kernel users (KUnit maps it with kunit_vm_mmap()).
 *
 * Context: Process context, may sleep.
 * Return: the file (fput() releases it), or an ERR_PTR.
 */
struct file *smm_object_file_create(struct smm_pool *pool)
{
	struct smm_object *obj = smm_object_create(pool);
	struct file *file;

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	/* __fput() drops the fops owner's reference: take it, as open does. */
	__module_get(THIS_MODULE);
	/* The file's dentry takes a reference of its own; ours stays in
	 * private_data and goes at release, as for the device.
	 */
	ihold(obj->inode);
	file = alloc_file_pseudo(obj->inode, smm_object_mnt, "shadowmm",
				 O_RDWR | O_LARGEFILE, &smm_object_fops);
	if (IS_ERR(file)) {
		iput(obj->inode);
		smm_object_put(obj);
		module_put(THIS_MODULE);
		return file;
	}
	file->private_data = obj;
	return file;
}
SMM_EXPORT(smm_object_file_create);

/**
 * smm_object_pinned_pages() - frames waiting for their pins to go
 * @pool: the pool
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_object_pinned_pages(struct smm_pool *pool)
{
	return READ_ONCE(pool->objects.nr_pinned);
}
SMM_EXPORT(smm_object_pinned_pages);

/**
 * smm_object_quarantined_pages() - frames kept out because their memory
 *				    failed
 * @pool: the pool
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_object_quarantined_pages(struct smm_pool *pool)
{
	return READ_ONCE(pool->objects.nr_quarantined);
}
SMM_EXPORT(smm_object_quarantined_pages);

/*
 * Every frame of the region whose struct page count is @from gets @to: a
 * new pool's frames come with the reference their owner (the kernel's
 * allocator, or the memmap of a reserved range) gave them and go to zero,
 * as free pages have; at the end they get it back for the region to
 * return them.  A frame some object page still holds keeps its count.
 */
static void smm_object_frames_set_count(struct smm_pool *pool, int from, int to)
{
	struct smm_region *r = &pool->region;
	unsigned long sfn;

	for (sfn = 0; sfn < r->nr_frames; sfn++) {
		struct page *page;

		if (smm_page_test(smm_sfn_page(r, sfn), SMM_PG_absent))
			continue;
		page = pfn_to_page(smm_sfn_pfn(r, sfn));
		if (page_ref_count(page) == from)
			set_page_count(page, to);
		if (!(sfn % 4096))
			cond_resched();
	}
}

/**
 * smm_object_pool_init() - the object state of a new pool
 * @pool: the pool being built
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM (nothing is left to undo).
 */
int smm_object_pool_init(struct smm_pool *pool)
{
	pool->objects.changes = alloc_percpu(struct smm_object_changes);
	if (!pool->objects.changes)
		return -ENOMEM;
	smm_object_frames_set_count(pool, 1, 0);
	spin_lock_init(&pool->objects.lock);
	INIT_LIST_HEAD(&pool->objects.list);
	smm_kmem_reserve_init(&pool->objects.cache, "shadowmm_object",
			      sizeof(struct smm_object), 0);
	atomic_long_set(&pool->objects.nr_pages, 0);
	mutex_init(&pool->objects.pinned_walk);
	spin_lock_init(&pool->objects.pinned_lock);
	INIT_LIST_HEAD(&pool->objects.pinned);
	WRITE_ONCE(pool->objects.nr_pinned, 0);
	pool->objects.pinned_ref = false;
	pool->objects.pinned_delay = SMM_PINNED_POLL;
	pool->objects.pinned_drained = jiffies - SMM_PINNED_KERNEL_DRAIN;
	pool->objects.walk_hold_max = 0;
	INIT_DELAYED_WORK(&pool->objects.pinned_work, smm_pinned_work_fn);
	INIT_LIST_HEAD(&pool->objects.quarantine);
	WRITE_ONCE(pool->objects.nr_quarantined, 0);
	atomic_long_set(&pool->workingset.nr_shadow_only, 0);
	/* As many remembered evictions of zero pages as the region has frames. */
	pool->workingset.shadow_only_max = smm_pool_managed_pages(pool);
	INIT_WORK(&pool->workingset.trim_work, smm_shadow_trim_fn);
	/* The kernel's mm reaches object pages through their struct pages and
	 * the direct map (copy-on-write copies, get_user_pages users), which a
	 * memmap= range outside System RAM does not have.
	 */
	pool->mappable = pool->region.backend == SMM_BACKEND_KERNEL;
	return 0;
}

/*
 * The quarantine and the pinned list let go of the references they hold:
 * each frame is left with the one the region gives back, and whatever
 * others may never go.  A frame still pinned at this point is a leak
 * already reported; its holder's last put_page() then frees it.
 */
static void smm_lists_put_refs(struct smm_pool *pool)
{
	struct list_head *lists[] = { &pool->objects.quarantine, &pool->objects.pinned };
	struct smm_page *frame;
	unsigned int held = 0, i;

	mutex_lock(&pool->objects.pinned_walk);
	spin_lock(&pool->objects.pinned_lock);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry(frame, lists[i], lru) {
			struct page *page = smm_frame_struct_page(pool, frame);

			/* Zero: freed, nobody can take one; else at least the two. */
			if (page_ref_count(page))
				page_ref_dec(page);
			smm_pinned_walk_step(pool, &held);
		}
	}
	smm_pinned_walk_hold_end(pool, &held);
	spin_unlock(&pool->objects.pinned_lock);
	mutex_unlock(&pool->objects.pinned_walk);
}

/**
 * smm_object_pool_destroy() - check a pool has no object left, and undo
 *			       smm_object_pool_init() and the object reserve
 * @pool: the pool being taken apart
 *
 * Objects hold the module until they are evicted, so none can be left;
 * pinned frames hold the module too.  A KUnit pool's test must have dropped its
 * objects and pins: what is left is reported (and the object cache, which
 * then refuses to go, is reported again and freed with the pool's slabs).
 *
 * Context: Process context, may sleep.
 */
void smm_object_pool_destroy(struct smm_pool *pool)
{
	cancel_work_sync(&pool->workingset.trim_work);
	cancel_delayed_work_sync(&pool->objects.pinned_work);
	smm_object_pinned_flush(pool);
	cancel_delayed_work_sync(&pool->objects.pinned_work);
	WARN(!list_empty(&pool->objects.list) || pool->objects.nr_pinned,
	     "%s: destroyed with objects or %lu pinned frames left\n",
	     pool->name, pool->objects.nr_pinned);
	smm_kmem_reserve_destroy(&pool->objects.cache);
	smm_lists_put_refs(pool);
	smm_object_frames_set_count(pool, 0, 1);
	free_percpu(pool->objects.changes);
	mutex_destroy(&pool->objects.pinned_walk);
}

/**
 * smm_object_subsys_init() - mount the objects' pseudo filesystem
 *
 * Context: Module init.
 * Return: 0, or a negative errno from the mount.
 */
int smm_object_subsys_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&smm_kernel_drain_work, cpu),
			  smm_kernel_batches_drain_fn);
	smm_object_mnt = kern_mount(&smm_fs_type);
	return PTR_ERR_OR_ZERO(smm_object_mnt);
}

/**
 * smm_object_subsys_exit() - unmount it
 *
 * Context: Module exit, every object gone.
 */
void smm_object_subsys_exit(void)
{
	kern_unmount(smm_object_mnt);
}
