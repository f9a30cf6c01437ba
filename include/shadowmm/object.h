/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory objects (module/object.c; their file layer is module/file.c, their
 * eviction module/evict.c, their check module/object_validate.c): what one
 * open() of /dev/shadowmm is.
 *
 * An object is an inode of shadowmm's own pseudo filesystem.  Its pages sit
 * in that inode's address_space (i_pages, indexed by page offset) with
 * folio->mapping and folio->index set as for page cache, so the kernel's
 * fault-around (filemap_map_pages()) and unmap_mapping_range() work on
 * them; but they are never on the kernel's LRU nor counted as its page
 * cache, and shadowmm alone adds and removes them.
 *
 * Evicted pages are remembered in the object's own xarray (@shadows), never
 * in i_pages: every generic walker of a file's page cache (cachestat,
 * mincore, fadvise, splice, migration) decodes value entries in i_pages as
 * the kernel's workingset shadows or shmem swap entries, and shadowmm's
 * (node, age, store slot) would be misread.  An index holds a page in
 * i_pages or a record in @shadows, never both: records come and go only
 * under the i_pages lock, and a lockless lookup reads i_pages first.  An
 * eviction reserves its record's room beforehand, and gives it back when
 * it fails, under @shadows' own lock alone: a reserved slot reads as empty
 * to every lookup and walk.
 *
 * Reference rule: a frame in an object holds exactly one reference of
 * shadowmm's own, plus one per mapping pte and per transient user
 * (get_user_pages pins, lookups, the kernel's per-CPU mlock batches).  Any
 * frame that is not an object page has refcount 0, as the kernel's free
 * pages do, so a stale lookup (get_page_unless_zero(), folio_try_get())
 * can never take a reference to a frame that was freed and reused.  A
 * frame leaves its object under its page lock; once unmapped its count is
 * frozen to zero (see below) and it goes back to the shadow buddy, or, when
 * someone else still holds a reference, it waits on the pool's pinned list
 * until the freeze succeeds.  The count of a frame never drops to zero by
 * a put_page(), so it can never fall into the kernel's allocator.
 *
 * Out of its object a frame is never at a count of one: whoever took it
 * out keeps its reference beside the object's until the freeze from two,
 * and on the pinned list and in quarantine that second reference is the
 * list's (a quarantined frame that was freed has zero).  A count of one
 * on a page with no mapping is what the kernel's unpoison_memory() takes
 * for a page nobody else uses, and it would free it to the kernel's
 * allocator.
 */
#ifndef _SHADOWMM_OBJECT_H
#define _SHADOWMM_OBJECT_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <shadowmm/fault_window.h>
#include <shadowmm/huge.h>
#include <shadowmm/slab.h>

struct mem_cgroup;
struct smm_page;
struct smm_pool;
struct smm_reclaim_stat;
struct smm_report;
struct seq_file;

/**
 * enum smm_page_origin - where the page a lookup returned came from
 * @SMM_PAGE_FOUND:	resident already
 * @SMM_PAGE_CREATED:	allocated and zeroed now (first touch)
 * @SMM_PAGE_SWAPPED_IN: brought back from the backing store (major fault)
 */
enum smm_page_origin {
	SMM_PAGE_FOUND,
	SMM_PAGE_CREATED,
	SMM_PAGE_SWAPPED_IN,
};

/**
 * enum smm_fault_kind - how a fault was served (tracepoint, counters)
 * @SMM_FAULT_MINOR:	the page was resident, or allocated on first touch
 * @SMM_FAULT_MAJOR:	the page came back from the backing store
 * @SMM_FAULT_COW:	a write fault on a private mapping (the kernel copies)
 * @SMM_FAULT_SIGBUS:	refused: beyond the size limit, or no memory
 * @SMM_NR_FAULT_KINDS:	number of kinds
 */
enum smm_fault_kind {
	SMM_FAULT_MINOR,
	SMM_FAULT_MAJOR,
	SMM_FAULT_COW,
	SMM_FAULT_SIGBUS,
	SMM_NR_FAULT_KINDS,
};

/**
 * struct smm_object - one memory object
 * @pool:	where its pages come from
 * @id:		its number, unique while the module is loaded (also its
 *		inode number)
 * @inode:	its inode; the pages are in @inode->i_mapping
 * @shadows:	records of evicted pages (smm_workingset_eviction() values)
 *		by page offset; changed only under the i_pages lock, then
 *		its own (taken with interrupts off, as the i_pages lock is)
 * @node:	on the pool's object list (pool->objects.lock)
 * @size_lock:	serialises updates of @size_limit and of the inode's i_size
 * @size_limit:	faults at or beyond it get SIGBUS, writes -EFBIG
 * @limit_pending: @size_limit as smm_object_set_limit() sets it: stored
 *		before it (and put back if the change fails), so that no
 *		PMD-sized folio is made across a limit being applied
 * @resident:	frames in the object now
 * @pinned:	pages taken out of the object that wait on the pool's
 *		pinned list for their extra references to go (a PMD-sized
 *		folio, one entry there, counts its 512)
 * @memcg:	the memory cgroup of the task that opened it, referenced:
 *		the compressed store charges its evicted pages there
 * @faults:	faults by enum smm_fault_kind
 * @window:	the pages it keeps mapped while the pool's fault_window
 *		knob is set (fault_window.c)
 *
 * The inode's i_size is the object's size: the end of the last page written
 * or faulted in.  read() stops there, and fault-around maps nothing past it.
 */
struct smm_object {
	struct smm_pool *pool;
	u64 id;
	struct inode *inode;
	struct xarray shadows;
	struct list_head node;
	spinlock_t size_lock;
	loff_t size_limit;
	loff_t limit_pending;
	atomic_long_t resident;
	atomic_long_t pinned;
	struct mem_cgroup *memcg;
	atomic_long_t faults[SMM_NR_FAULT_KINDS];
	struct smm_fault_window window;
};

/**
 * struct smm_object_changes - changes to objects' entries, per CPU
 * @begun:	changes started on this CPU
 * @ended:	changes finished on this CPU
 *
 * A change is anything that moves the counts validate compares with its
 * walk: a page into or out of an object's i_pages, a shadow entry in or
 * out, a store slot taken or freed for one.  When the sums over every
 * CPU are equal, none is under way; validate compares counts only across
 * a walk that no change overlapped (see smm_object_validate()).
 */
struct smm_object_changes {
	unsigned long begun;
	unsigned long ended;
};

/*
 * The largest fault_order: blocks of up to 16 pages (64 KiB with 4 KiB
 * pages), the sizes anonymous mTHP starts with; within one page table.
 */
#define SMM_FAULT_ORDER_MAX	4

/**
 * struct smm_pool_objects - a pool's memory objects
 * @lock:	protects @list
 * @list:	every memory object of the pool (smm_object.node)
 * @cache:	the slab cache memory objects come from, nothing set aside
 *		(an open may fail); made on the first open
 * @nr_pages:	frames held by objects or waiting on @pinned
 * @changes:	per CPU, changes to objects' entries begun and ended
 * @pinned_walk: held by every walk of @pinned or @quarantine that lets go
 *		of @pinned_lock midway (a batch at a time), and by whoever takes
 *		a frame off @pinned (@pinned_work): so the entry a walk stopped
 *		at is still on its list when the walk takes the lock again
 * @pinned_lock: protects @pinned, @nr_pinned, @pinned_ref, @pinned_delay,
 *		@quarantine, @nr_quarantined, @walk_hold_max, and each
 *		object's count of pinned frames with the frames' object pointer
 * @pinned:	frames taken out of their object while someone still held a
 *		reference (get_user_pages pins), linked by lru; added at the
 *		tail by anyone, taken off only under @pinned_walk
 * @nr_pinned:	pages on @pinned (a PMD-sized folio waits as one entry,
 *		its head frame, and counts its 512)
 * @pinned_ref:	@pinned holds a module reference and @pinned_work is
 *		scheduled or running; cleared (and the reference dropped) by
 *		the run of @pinned_work that leaves @pinned empty
 * @pinned_work: polls @pinned and frees what is no longer pinned
 * @pinned_delay: jiffies from one run of @pinned_work to the next: a tenth
 *		of a second after a run that freed a frame or left @pinned
 *		empty, or once a frame came to wait since, doubled after a run
 *		that freed none, up to 1.6 s
 * @pinned_drained: jiffies of @pinned_work's last drain of the kernel's
 *		per-CPU batches; only @pinned_work uses it
 * @quarantine:	frames whose memory failed (PG_hwpoison), linked by lru:
 *		never handed out again, given back with the region; only
 *		ever added to (at the tail)
 * @nr_quarantined: frames on @quarantine
 * @walk_hold_max: the most entries of @pinned or @quarantine any walk
 *		looked at under one hold of @pinned_lock (at most
 *		SMM_WALK_BATCH; the tests check it)
 * @fault_order: the fault_order knob: a first-touch fault makes and maps a
 *		whole aligned block of 1 << @fault_order pages (0: one page);
 *		read locklessly by every fault, written under the pool's
 *		tune_lock
 * @huge:	the huge knob: when a first touch may make a PMD-sized folio
 *		(enum smm_huge_mode); read and written as @fault_order
 * @nr_huge:	PMD-sized folios in the pool's objects (module/huge.c)
 */
struct smm_pool_objects {
	spinlock_t lock;
	struct list_head list;
	struct smm_kmem_reserve cache;
	atomic_long_t nr_pages;
	struct smm_object_changes __percpu *changes;
	struct mutex pinned_walk;
	spinlock_t pinned_lock;
	struct list_head pinned;
	unsigned long nr_pinned;
	bool pinned_ref;
	struct delayed_work pinned_work;
	unsigned long pinned_delay;
	unsigned long pinned_drained;
	struct list_head quarantine;
	unsigned long nr_quarantined;
	unsigned int walk_hold_max;
	unsigned int fault_order;
	enum smm_huge_mode huge;
	atomic_long_t nr_huge;
};

/**
 * struct smm_device - a character device whose every open is an object
 * @misc:	the device (its fops: smm_object_fops)
 * @pool:	where the objects' pages come from; set before registering
 */
struct smm_device {
	struct miscdevice misc;
	struct smm_pool *pool;
};

int smm_object_subsys_init(void);
void smm_object_subsys_exit(void);
int smm_object_pool_init(struct smm_pool *pool);
void smm_object_pool_destroy(struct smm_pool *pool);

struct smm_object *smm_object_create(struct smm_pool *pool);
void smm_object_put(struct smm_object *obj);
struct file *smm_object_file_create(struct smm_pool *pool);

vm_fault_t smm_object_fault_page(struct smm_object *obj, pgoff_t index,
				 struct page **pagep, enum smm_page_origin *origin);
int smm_object_add_block(struct smm_object *obj, pgoff_t first,
			 unsigned int order, struct page **pages);
int smm_object_set_fault_order(struct smm_pool *pool, unsigned int order);
struct folio *smm_object_add_huge(struct smm_object *obj, pgoff_t first);
int smm_object_split_huge(struct smm_object *obj, struct folio *folio);
void smm_object_split_alloc(struct xa_state *xas, struct folio *folio,
			    struct mem_cgroup *memcg, gfp_t gfp);
int smm_object_set_huge(struct smm_pool *pool, enum smm_huge_mode mode);
bool smm_object_page_pinned(struct folio *folio);
unsigned int smm_object_young_ptes(struct folio *folio);
bool smm_object_mapped_locked(struct folio *folio);
void smm_object_unmap_victims(struct smm_pool *pool, struct smm_page **frames,
			      unsigned int nr);
int smm_object_remove_mapping(struct smm_pool *pool, struct smm_page *frame,
			      struct smm_reclaim_stat *stat);
unsigned long smm_migrate_copy(struct smm_pool *pool, struct smm_page *to,
			       struct smm_page *from);
int smm_object_migrate_page(struct smm_pool *pool, struct smm_page *frame,
			    struct smm_page **newp, bool sync);
unsigned long smm_object_shadow_trim(struct smm_pool *pool, unsigned long target);
void smm_object_note_size(struct smm_object *obj, loff_t end);
bool smm_object_mark_dirty(struct smm_object *obj, struct page *page);
long smm_object_punch(struct smm_object *obj, loff_t start, loff_t end);
int smm_object_set_limit(struct smm_object *obj, loff_t limit);
unsigned long smm_object_count_range(struct smm_object *obj, pgoff_t first,
				     pgoff_t last);
void *smm_object_shadow(struct smm_object *obj, pgoff_t index);
unsigned int smm_object_validate(struct smm_pool *pool, struct smm_report *r);
unsigned long smm_object_pinned_pages(struct smm_pool *pool);
void smm_object_pinned_flush(struct smm_pool *pool);
unsigned long smm_object_quarantined_pages(struct smm_pool *pool);
void smm_object_frame_quarantine(struct smm_pool *pool, struct smm_page *frame);

extern const struct file_operations smm_object_fops;

static inline struct smm_object *smm_file_object(struct file *file)
{
	return file->private_data;
}

#endif /* _SHADOWMM_OBJECT_H */
