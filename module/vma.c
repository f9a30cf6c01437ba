// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: shadow VMAs, each process's mappings of shadowmm objects.
 *
 * A process (an mm) has a tree of descriptors keyed by start address, with
 * a one-entry lookup cache in front as find_vma() had.  The kernel tells a
 * driver about its vmas only through callbacks, and each maps onto a tree
 * operation:
 *
 *   ->mmap (f_op)		insert a descriptor
 *   ->open, same mm, inside	a split (munmap of a head, tail or hole,
 *				mprotect of part): the source descriptor
 *				gives the new piece its part, as __split_vma()
 *				is about to do with the vma
 *   ->open, same mm, outside	mremap moved the mapping: a new descriptor
 *   ->open, other mm		fork: the child's copy
 *
 * There is no ->close.  A vma whose vm_ops has one cannot be removed by a
 * merge, and 6.12's vma_merge_existing_range() gives up such a merge only
 * after it moved the caller's vma iterator back: userfaultfd_unregister()
 * then meets the vma it has just cleared again, and BUG()s on it (a device
 * mapping qualifies for userfaultfd only while it is registered for
 * write-protection in async mode).  Any user of the device could take the
 * kernel down that way.  So the kernel removes the module's vmas (munmap,
 * exit, a merge) without a word, and a descriptor outlives its vma: its @vma
 * pointer is then stale and never followed.  A descriptor is freed only when
 * a reap has seen that no vma points to it: with the mm's mmap_lock held (no
 * vma can come or go), the reaper walks the mm's vmas, marks the descriptor
 * each of the device's points to (its vm_private_data) and frees the rest.
 * Reaps run before the tree is read (debugfs, validate), when a new mapping,
 * a split or a move finds the tree twice the size the last reap left (so a
 * mapping costs under two looked-at descriptors, amortized, and a walk of
 * the process's vmas per doubling of its tree), and a process's whole tree
 * goes as its mm does: an mmu notifier on the mm, registered with the tree,
 * has its ->release, which exit_mmap() calls before it tears the vmas down,
 * free it.  A descriptor of a vma that is still there is never freed: faults
 * reach theirs through their vma.
 *
 * The kernel also changes vmas without any callback: mremap grows one in
 * place, a new mmap next to a mapping of the same object with contiguous
 * offsets merges into it, mprotect of a whole vma changes its flags, and
 * mprotect of the end of one that then matches its neighbour moves the
 * boundary between them (or removes one of them).  So a live descriptor is
 * brought in line with its vma, with the mm's mmap_lock held so no vma can
 * change, when it matters: the whole tree as a reap frees the dead (before
 * a read), and one descriptor when a fault finds its own lagging or a
 * callback's step needs it.  A reap walks every vma and descriptor, and a
 * process has as many as it likes (up to vm.max_map_count): doing one on
 * every callback or lagging fault made N mappings, or a fork of them, cost
 * N^2/2 looks under the tree's lock.  So ->mmap and ->open insert, and
 * look only at the descriptors the insert meets, which must lag (the
 * kernel's vmas never overlap): each is brought in line when its vma is
 * found over the range it claims, and otherwise set aside in the tree's
 * limbo for the next reap (gone, or moved out of that range by silent
 * changes); a split first brings its source descriptor alone in line,
 * since the split is cut from it; a fork's copies are exact and go into
 * the child's own tree; and a move needs nothing (a neighbour the kernel
 * merged the moved vma into lags until a reader or a fault needs it).
 * Descriptors moved are counted (vmstat vma_resync), and so are those a
 * reap looked at (vma_resync_scanned).

 * Descriptors come from shadowmm's own slab cache, behind a mempool of
 * preallocated ones: ->open cannot fail, so a descriptor must be there
 * even when the region is exhausted.  Both are made on the pool's first
 * mapping (->open only ever follows one).
 *
 * A fault finds its descriptor as find_vma() finds a vma: by address, in
 * its mm's tree, through the last-lookup cache (smm_vma_count_fault()).
 * It may hold only its vma's own lock, not the mmap_lock: faults find the
 * tree in the pool's hash under RCU, and a tree is freed a grace period
 * after it left the hash and its last walker let go.  A tree leaves the
 * hash only once a reap found it empty (its mm's mmap_lock held), or as
 * its mm goes, and never gains a descriptor after; a faulting vma keeps
 * its own descriptor, and so its tree, from both.
 *
 * Locks: a tree's reap_lock is taken under its mm's mmap_lock, its lock
 * under that or the mmap_lock, or in a fault under the faulting vma's own
 * lock in the mmap_lock's place, or with no lock of the mm once the mm or
 * the pool goes; pool->vmas.lock, which guards the hash of trees, is
 * never held with a tree's lock; their place in the module's lock order
 * is in include/shadowmm/pool.h.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include <shadowmm/buddy.h>
#include <shadowmm/compat.h>
#include <shadowmm/fault.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>
#include <shadowmm/vma.h>
#include <shadowmm/walk.h>
#include <trace/events/shadowmm.h>

/* Descriptors kept aside for ->open when the region has none to give. */
#define SMM_VMA_RESERVE		32

/* A new mapping reaps a tree grown to twice its last reap's size plus this. */
#define SMM_VMA_REAP_SLACK	64

/* ---- the tree ---- */

/**
 * smm_vma_tree_init() - an empty tree with no mm (KUnit, or before use)
 * @tree: the tree
 *
 * Context: Any context.
 */
void smm_vma_tree_init(struct smm_vma_tree *tree)
{
	memset(tree, 0, sizeof(*tree));
	tree->root = RB_ROOT;
	spin_lock_init(&tree->lock);
	INIT_LIST_HEAD(&tree->limbo);
	mutex_init(&tree->reap_lock);
	tree->reap_at = SMM_VMA_REAP_SLACK;
	kref_init(&tree->ref);
}
SMM_EXPORT(smm_vma_tree_init);

/**
 * smm_vma_tree_insert() - add a descriptor
 * @tree: the tree, its lock held
 * @v: the descriptor, its range set, in no tree
 *
 * Context: Any context; @tree->lock held.
 * Return: 0, -EINVAL for an empty range, or -EEXIST (nothing changes)
 * when it overlaps one already there.
 */
int smm_vma_tree_insert(struct smm_vma_tree *tree, struct smm_vma *v)
{
	struct rb_node **link = &tree->root.rb_node, *parent = NULL;

	lockdep_assert_held(&tree->lock);
	if (v->start >= v->end)
		return -EINVAL;
	while (*link) {
		struct smm_vma *n = rb_entry(*link, struct smm_vma, rb);

		parent = *link;
		if (v->end <= n->start)
			link = &parent->rb_left;
		else if (v->start >= n->end)
			link = &parent->rb_right;
		else
			return -EEXIST;
	}
	rb_link_node(&v->rb, parent, link);
	rb_insert_color(&v->rb, &tree->root);
	/* Unchanged when a resync puts it back: faults read it unlocked. */
	if (v->tree != tree)
		v->tree = tree;
	tree->nr++;
	return 0;
}
SMM_EXPORT(smm_vma_tree_insert);

/*
 * Take @v out of @tree's order, keeping @v->tree: a resync moves it under
 * the tree's lock and puts it back (or sets it aside in the limbo), and a
 * fault finds the tree of its vma's descriptor through @v->tree before it
 * takes that lock.
 */
static void smm_vma_tree_unlink(struct smm_vma_tree *tree, struct smm_vma *v)
{
	lockdep_assert_held(&tree->lock);
	rb_erase(&v->rb, &tree->root);
	RB_CLEAR_NODE(&v->rb);
	if (tree->cache == v)
		tree->cache = NULL;
	tree->nr--;
}

/**
 * smm_vma_tree_erase() - take a descriptor out
 * @tree: the tree, its lock held
 * @v: a descriptor in @tree
 *
 * Context: Any context; @tree->lock held.
 */
void smm_vma_tree_erase(struct smm_vma_tree *tree, struct smm_vma *v)
{
	lockdep_assert_held(&tree->lock);
	/* Left out by a resync that could not put it back (it warned). */
	if (!RB_EMPTY_NODE(&v->rb))
		smm_vma_tree_unlink(tree, v);
	v->tree = NULL;
}
SMM_EXPORT(smm_vma_tree_erase);

/**
 * smm_vma_tree_search() - the first mapping ending above @addr, uncached
 * @tree: the tree, its lock held
 * @addr: an address
 *
 * smm_vma_tree_find() without the cache: for walks in address order
 * (debugfs, validate), which would miss it every time, leave it on the
 * last mapping they saw and count their lookups among the faults'.
 *
 * Context: Any context; @tree->lock held.
 * Return: the descriptor (it may start above @addr), or NULL.
 */
struct smm_vma *smm_vma_tree_search(struct smm_vma_tree *tree, unsigned long addr)
{
	struct rb_node *node = tree->root.rb_node;
	struct smm_vma *found = NULL;

	lockdep_assert_held(&tree->lock);
	while (node) {
		struct smm_vma *n = rb_entry(node, struct smm_vma, rb);

		if (n->end > addr) {
			found = n;
			if (n->start <= addr)
				break;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}
SMM_EXPORT(smm_vma_tree_search);

/**
 * smm_vma_tree_find() - find_vma(): the first mapping ending above @addr
 * @tree: the tree, its lock held
 * @addr: an address
 *
 * The cache answers when the last descriptor found contains @addr.  Each
 * lookup and each answer of the cache is counted in the tree and, for a
 * live tree, in vmstat (per CPU: this is on the fault path).
 *
 * Context: Any context; @tree->lock held.
 * Return: the descriptor (it may start above @addr), or NULL.
 */
struct smm_vma *smm_vma_tree_find(struct smm_vma_tree *tree, unsigned long addr)
{
	struct smm_vma *found, *c = tree->cache;

	lockdep_assert_held(&tree->lock);
	tree->lookups++;
	if (tree->pool)
		smm_count_event(tree->pool, SMM_VMACACHE_FIND_CALLS);
	if (c && c->start <= addr && addr < c->end) {
		tree->cache_hits++;
		if (tree->pool)
			smm_count_event(tree->pool, SMM_VMACACHE_FIND_HITS);
		return c;
	}
	found = smm_vma_tree_search(tree, addr);
	if (found)
		tree->cache = found;
	return found;
}
SMM_EXPORT(smm_vma_tree_find);

/**
 * smm_vma_tree_split() - cut a descriptor in two at @addr
 * @tree: the tree, its lock held
 * @v: a descriptor in @tree with v->start < @addr < v->end
 * @addr: where to cut
 * @new: a descriptor in no tree; it takes the part below @addr when
 *	 @new_below, else the part from @addr, as __split_vma() does
 * @new_below: which part @new takes
 *
 * Context: Any context; @tree->lock held.
 */
void smm_vma_tree_split(struct smm_vma_tree *tree, struct smm_vma *v,
			unsigned long addr, struct smm_vma *new, bool new_below)
{
	unsigned long shift = (addr - v->start) >> PAGE_SHIFT;

	lockdep_assert_held(&tree->lock);
	new->flags = v->flags;
	new->obj = v->obj;
	if (new_below) {
		new->start = v->start;
		new->end = addr;
		new->pgoff = v->pgoff;
		/* Shrinking in place keeps v's position among its neighbours. */
		v->start = addr;
		v->pgoff += shift;
	} else {
		new->start = addr;
		new->end = v->end;
		new->pgoff = v->pgoff + shift;
		v->end = addr;
	}
	WARN_ON_ONCE(smm_vma_tree_insert(tree, new));
}
SMM_EXPORT(smm_vma_tree_split);

/**
 * smm_vma_tree_first() - the lowest descriptor
 * @tree: the tree, its lock held
 *
 * Context: Any context; @tree->lock held.
 * Return: it, or NULL for an empty tree.
 */
struct smm_vma *smm_vma_tree_first(struct smm_vma_tree *tree)
{
	struct rb_node *node;

	lockdep_assert_held(&tree->lock);
	node = rb_first(&tree->root);
	return node ? rb_entry(node, struct smm_vma, rb) : NULL;
}
SMM_EXPORT(smm_vma_tree_first);

/**
 * smm_vma_tree_next() - the descriptor after @v
 * @v: a descriptor in a tree (@v->tree) whose lock is held
 *
 * Context: Any context; @v->tree->lock held.
 * Return: it, or NULL after the last.
 */
struct smm_vma *smm_vma_tree_next(struct smm_vma *v)
{
	struct rb_node *node;

	lockdep_assert_held(&v->tree->lock);
	node = rb_next(&v->rb);
	return node ? rb_entry(node, struct smm_vma, rb) : NULL;
}
SMM_EXPORT(smm_vma_tree_next);

/**
 * smm_vma_tree_unmap() - munmap(@start, @end - @start) on a tree
 * @tree: the tree, its lock held
 * @start: first address
 * @end: one past the last
 * @spare: two descriptors in no tree, for the splits; each one used is
 *	   set to NULL
 * @removed: the descriptors wholly inside the range, taken out; the caller
 *	     frees them
 * @max_removed: room in @removed
 *
 * The same steps the kernel takes, in its order, so the same callbacks
 * arrive for the live tree: split the first mapping at @start (the new
 * descriptor below), split the last at @end (the new one above), then
 * take out every mapping inside.  That covers the four cases: the whole
 * mapping, its head, its tail, and a hole in the middle.
 *
 * Context: Any context; @tree->lock held.
 * Return: the number of descriptors taken out, or -EINVAL (nothing
 * changes) for an empty range, a missing spare, or too little room.
 */
int smm_vma_tree_unmap(struct smm_vma_tree *tree, unsigned long start,
		       unsigned long end, struct smm_vma **spare,
		       struct smm_vma **removed, unsigned int max_removed)
{
	struct smm_vma *first, *last, *v, *next;
	unsigned int n = 0, need = 0, inside = 0;

	lockdep_assert_held(&tree->lock);
	if (start >= end)
		return -EINVAL;
	first = smm_vma_tree_find(tree, start);
	if (!first || first->start >= end)
		return 0;
	for (v = first; v && v->start < end; v = smm_vma_tree_next(v)) {
		last = v;
		inside++;
	}
	if (first->start < start)
		need++;
	if (last->end > end)
		need++;
	if (first == last && need == 2)
		inside = 1;
	if (inside > max_removed || (need >= 1 && !spare[0]) ||
	    (need == 2 && !spare[1]))
		return -EINVAL;

	if (first->start < start) {
		smm_vma_tree_split(tree, first, start, spare[0], true);
		spare[0] = NULL;
	}
	if (last->end > end) {
		struct smm_vma **s = spare[0] ? &spare[0] : &spare[1];

		smm_vma_tree_split(tree, last, end, *s, false);
		*s = NULL;
	}
	for (v = first; v && v->start < end; v = next) {
		next = smm_vma_tree_next(v);
		smm_vma_tree_erase(tree, v);
		removed[n++] = v;
	}
	return n;
}
SMM_EXPORT(smm_vma_tree_unmap);

/* ---- descriptors ---- */

/*
 * A descriptor for @vma.  @may_fail (->mmap, which can refuse the
 * mapping): as SMM_GFP_KERNEL allocates, reclaiming if need be and never
 * below min; else (->open, which cannot fail) from the reserve if need
 * be, which a program mapping as much as it can must not be able to empty.
 */
static struct smm_vma *smm_vma_alloc(struct smm_pool *pool,
				     struct vm_area_struct *vma, bool may_fail)
{
	struct smm_vma *v;
	int i;

	if (may_fail)
		v = smm_kmem_reserve_zalloc_kernel(&pool->vmas.reserve);
	else
		v = smm_kmem_reserve_zalloc(&pool->vmas.reserve);

	if (!v)
		return NULL;
	RB_CLEAR_NODE(&v->rb);
	INIT_LIST_HEAD(&v->resync);
	for (i = 0; i < SMM_NR_FAULT_KINDS; i++)
		atomic_long_set(&v->faults[i], 0);
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = vma->vm_pgoff;
	v->flags = vma->vm_flags;
	v->vma = vma;
	v->obj = smm_file_object(vma->vm_file);
	return v;
}

static void smm_vma_free(struct smm_pool *pool, struct smm_vma *v)
{
	smm_kmem_reserve_free(&pool->vmas.reserve, v);
}

/* ---- trees by mm ---- */

/* Free @tree, out of the hash, with no reference left. */
static void smm_vma_tree_free(struct smm_vma_tree *tree)
{
	mutex_destroy(&tree->reap_lock);
	mmdrop(tree->mm);
	/* A fault may still hold it (smm_vma_count_fault()). */
	kfree_rcu(tree, rcu);
}

/*
 * The notifier's last reference went, an SRCU grace period ago: its
 * ->release, if it ran, has returned.  Run as an SRCU callback, with
 * bottom halves off, so the module's unload (its synchronize_rcu()) waits
 * for what follows the count's fall here too.
 */
static void smm_vma_mn_free(struct mmu_notifier *mn)
{
	struct smm_vma_tree *tree = container_of(mn, struct smm_vma_tree, mn);
	struct smm_pool *pool = tree->pool;

	smm_vma_tree_free(tree);
	if (atomic_dec_and_test(&pool->vmas.nr_notified))
		wake_up_var(&pool->vmas.nr_notified);
}

static void smm_vma_mn_release(struct mmu_notifier *mn, struct mm_struct *mm);

/* Only the mm's end: the module keeps no secondary mapping to invalidate. */
static const struct mmu_notifier_ops smm_vma_mn_ops = {
	.release = smm_vma_mn_release,
	.free_notifier = smm_vma_mn_free,
};

static void smm_vma_tree_release(struct kref *ref)
{
	struct smm_vma_tree *tree = container_of(ref, struct smm_vma_tree, ref);

	if (tree->mn.ops)
		mmu_notifier_put(&tree->mn);
	else
		smm_vma_tree_free(tree);
}

static void smm_vma_tree_put(struct smm_vma_tree *tree)
{
	kref_put(&tree->ref, smm_vma_tree_release);
}

static struct smm_vma_tree *smm_vma_tree_lookup(struct smm_pool *pool,
						struct mm_struct *mm)
{
	struct smm_vma_tree *tree;

	lockdep_assert_held(&pool->vmas.lock);
	hash_for_each_possible(pool->vmas.trees, tree, hnode, (unsigned long)mm)
		if (tree->mm == mm)
			return tree;
	return NULL;
}

/*
 * @mm's tree, made on its first mapping, with an mmu notifier on @mm whose
 * ->release frees it when the mm goes (there is no ->close to tell the
 * module its vmas went).  The caller holds @mm's mmap_lock for writing; a
 * tree with users leaves the hash only under that lock too (a reap under
 * it held for reading), so it cannot go meanwhile.  Registering takes
 * every lock of the mm's vmas and gives up when a signal is pending (a
 * fork's child, or a process under a fast timer): the tree is then kept
 * without a notifier, and smm_vma_reap_dead() frees it once its mm has no
 * users.
 * Return: the tree, or NULL when there is no memory for one.
 */
static struct smm_vma_tree *smm_vma_tree_get(struct smm_pool *pool,
					     struct mm_struct *mm)
{
	struct smm_vma_tree *tree, *new;

	mmap_assert_write_locked(mm);
	spin_lock(&pool->vmas.lock);
	tree = smm_vma_tree_lookup(pool, mm);
	spin_unlock(&pool->vmas.lock);
	if (tree)
		return tree;

	smm_vma_reap_dead(pool);
	new = kmalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return NULL;
	smm_vma_tree_init(new);
	new->pool = pool;
	new->mm = mm;
	mmgrab(mm);
	new->mn.ops = &smm_vma_mn_ops;
	if (__mmu_notifier_register(&new->mn, mm))
		new->mn.ops = NULL;
	else
		atomic_inc(&pool->vmas.nr_notified);
	spin_lock(&pool->vmas.lock);
	hash_add_rcu(pool->vmas.trees, &new->hnode, (unsigned long)mm);
	if (!new->mn.ops)
		pool->vmas.nr_unnotified++;
	spin_unlock(&pool->vmas.lock);
	return new;
}

/*
 * Take @tree out of the hash: a reap found it empty (the caller holds its
 * mm's mmap_lock), its mm goes, its pool goes, or the mapping that made it
 * failed.  Only once.
 */
static void smm_vma_tree_unhash(struct smm_pool *pool, struct smm_vma_tree *tree)
{
	bool hashed;

	spin_lock(&pool->vmas.lock);
	hashed = hash_hashed(&tree->hnode);
	if (hashed) {
		hash_del_rcu(&tree->hnode);
		if (!tree->mn.ops)
			pool->vmas.nr_unnotified--;
	}
	spin_unlock(&pool->vmas.lock);
	if (hashed)
		smm_vma_tree_put(tree);
}

/*
 * Does @v say what its vma says?  Under the mm's mmap_lock, for a @v whose
 * vma is known to be there (see smm_vma_alive()).  VM_SOFTDIRTY, which
 * the kernel sets on every new vma after ->mmap and which means nothing
 * to a descriptor, is left out.
 */
static bool smm_vma_in_sync(const struct smm_vma *v)
{
	const struct vm_area_struct *vma = v->vma;

	return v->start == vma->vm_start && v->end == vma->vm_end &&
	       v->pgoff == vma->vm_pgoff &&
	       !((v->flags ^ vma->vm_flags) & ~VM_SOFTDIRTY);
}

/* Take @v's range, offset and flags from its vma; @v is in no tree. */
static void smm_vma_sync(struct smm_vma *v)
{
	const struct vm_area_struct *vma = v->vma;

	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = vma->vm_pgoff;
	v->flags = vma->vm_flags;
}

/*
 * Is @v's vma still there?  Looked for among the mm's vmas over the range
 * @v claims, by the descriptor it points to, so @v->vma (maybe freed) is
 * never followed before it is found.  A vma silent changes moved wholly
 * out of that range is not found: the caller then leaves @v to a reap.
 */
static bool smm_vma_alive(struct smm_vma_tree *tree, struct smm_vma *v)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;

	mmap_assert_locked(tree->mm);
	vma_iter_init(&vmi, tree->mm, v->start);
	for_each_vma_range(vmi, vma, v->end) {
		/* A failed fork's mark: what follows is not this mm's. */
		if (xa_is_zero(vma))
			break;
		if (vma->vm_private_data == v)
			return vma == v->vma;
	}
	return false;
}

/* Set @v, out of @tree's order, aside for the next reap. */
static void smm_vma_to_limbo(struct smm_vma_tree *tree, struct smm_vma *v)
{
	lockdep_assert_held(&tree->lock);
	list_add_tail(&v->resync, &tree->limbo);
	tree->nr_limbo++;
}

/*
 * Put @v, in line with its vma and out of @tree's order, into it.  The kernel's
 * vmas never overlap, so a descriptor in its way lags behind its own vma
 * (which shrank or moved without a callback), outlived it, or is one of
 * those a MAP_FIXED mapping replaces (6.12 keeps the old vmas in the tree
 * until the new one's ->mmap succeeded, and puts them back if it fails):
 * one whose vma is still over the range it claims, and no longer over
 * @cur's, is brought in line and put back the same way, and so on; any
 * other is set aside in the limbo for the next reap.  Each descriptor moves at most once, and only those in the way
 * are looked at: a lagging mapping costs its neighbours, never a walk of
 * the whole tree, which a process of many mappings could otherwise have a
 * fault do under the tree's spinlock.
 * Return: 0, or what @v's own insert returned (-EINVAL for an empty
 * range; -EEXIST only if two descriptors in line overlapped, which
 * warns).  Another descriptor that cannot go back goes to the limbo with
 * a warning.
 */
static int smm_vma_tree_place(struct smm_vma_tree *tree, struct smm_vma *v)
{
	struct smm_vma *cur, *n;
	LIST_HEAD(pending);
	int ret = 0, err;

	mmap_assert_locked(tree->mm);
	lockdep_assert_held(&tree->lock);
	list_add_tail(&v->resync, &pending);
	while (!list_empty(&pending)) {
		cur = list_first_entry(&pending, struct smm_vma, resync);
		list_del_init(&cur->resync);
		while ((n = smm_vma_tree_search(tree, cur->start)) && n->start < cur->end) {
			smm_vma_tree_unlink(tree, n);
			if (!smm_vma_alive(tree, n) ||
			    (n->vma->vm_start < cur->end && cur->start < n->vma->vm_end)) {
				smm_vma_to_limbo(tree, n);
				continue;
			}
			smm_vma_sync(n);
			smm_count_event(tree->pool, SMM_VMA_RESYNC);
			list_add_tail(&n->resync, &pending);
		}
		err = smm_vma_tree_insert(tree, cur);
		WARN_ON_ONCE(err == -EEXIST);
		if (cur == v)
			ret = err;
		else if (err)
			smm_vma_to_limbo(tree, cur);
	}
	return ret;
}

/*
 * Bring @v, in @tree or its limbo, alone in line with its vma (and any in
 * its way).  @v's vma is known to be there: the caller found @v through it.
 */
static void smm_vma_resync_one(struct smm_vma_tree *tree, struct smm_vma *v)
{
	mmap_assert_locked(tree->mm);
	lockdep_assert_held(&tree->lock);
	if (!RB_EMPTY_NODE(&v->rb)) {
		if (smm_vma_in_sync(v))
			return;
		smm_vma_tree_unlink(tree, v);
	} else if (!list_empty(&v->resync)) {
		list_del_init(&v->resync);
		tree->nr_limbo--;
	} else {
		return;
	}
	smm_vma_sync(v);
	smm_count_event(tree->pool, SMM_VMA_RESYNC);
	smm_vma_tree_place(tree, v);
}

/*
 * Free what smm_vma_tree_reap() found dead: traced as the vma's close, with
 * the range the descriptor last knew.
 */
static unsigned long smm_vma_free_list(struct smm_pool *pool, struct list_head *dead)
{
	struct smm_vma *v, *tmp;
	unsigned long n = 0;

	list_for_each_entry_safe(v, tmp, dead, resync) {
		list_del(&v->resync);
		trace_shadowmm_vma_close(v->start, v->end, v->pgoff, v->flags);
		smm_vma_free(pool, v);
		if (!(++n % SMM_WALK_BATCH))
			cond_resched();
	}
	return n;
}

/*
 * Free every descriptor of @tree whose vma is gone, and bring the others,
 * those in the limbo too, in line with their vmas.  The mm's vmas are
 * walked first, with only the mmap_lock held (no vma can come or go, but
 * faults may move descriptors meanwhile): each of the device's marks its
 * descriptor with this reap's generation.  Then, under the tree's lock,
 * an unmarked descriptor is one no vma points to.  A vma whose descriptor
 * is another tree's is a fork's copy not yet given its own, and is left
 * alone.
 * @freed, when not NULL, is set to the number of descriptors freed.
 * Return: true when the tree is left empty; the caller takes it out of
 * the hash.
 */
static bool smm_vma_tree_reap(struct smm_vma_tree *tree, unsigned long *freed)
{
	struct smm_vma *v, *next;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned long gen, seen = 0, n;
	LIST_HEAD(moved);
	LIST_HEAD(dead);
	bool empty;

	mmap_assert_locked(tree->mm);
	lockdep_assert_held(&tree->reap_lock);
	gen = ++tree->reap_gen;
	vma_iter_init(&vmi, tree->mm, 0);
	for_each_vma(vmi, vma) {
		if (xa_is_zero(vma))
			break;
		/* Up to vm.max_map_count of them; no spinlock is held. */
		if (!(++seen % SMM_WALK_BATCH))
			cond_resched();
		v = vma->vm_private_data;
		if (smm_vma_is_shadow(vma) && v && v->tree == tree)
			v->reap_gen = gen;
	}

	spin_lock(&tree->lock);
	smm_count_events(tree->pool, SMM_VMA_RESYNC_SCANNED, tree->nr + tree->nr_limbo);
	for (v = smm_vma_tree_first(tree); v; v = next) {
		next = smm_vma_tree_next(v);
		if (v->reap_gen == gen && smm_vma_in_sync(v))
			continue;
		smm_vma_tree_unlink(tree, v);
		list_add_tail(&v->resync, v->reap_gen == gen ? &moved : &dead);
	}
	list_for_each_entry_safe(v, next, &tree->limbo, resync)
		list_move_tail(&v->resync, v->reap_gen == gen ? &moved : &dead);
	tree->nr_limbo = 0;
	list_for_each_entry_safe(v, next, &moved, resync) {
		list_del_init(&v->resync);
		smm_vma_sync(v);
		smm_count_event(tree->pool, SMM_VMA_RESYNC);
		/* The kernel's vmas never overlap, so neither can these. */
		WARN_ON_ONCE(smm_vma_tree_place(tree, v));
	}
	list_for_each_entry(v, &dead, resync)
		v->tree = NULL;
	tree->reap_at = 2 * (tree->nr + tree->nr_limbo) + SMM_VMA_REAP_SLACK;
	empty = !tree->nr && !tree->nr_limbo;
	spin_unlock(&tree->lock);
	n = smm_vma_free_list(tree->pool, &dead);
	if (freed)
		*freed = n;
	return empty;
}

/*
 * Reap @tree when it has grown to twice what the last reap left.  Every
 * callback that gives its own process's tree a descriptor (mmap, a split,
 * a move) calls it first, so the dead never outnumber twice the live plus
 * the slack: an mprotect there and back splits a vma and merges it again
 * without a word, two dead descriptors a round.  A fork's copies, exact
 * in a new tree, leave nothing to reap (a parent's vmas still in the
 * child's maple tree would mark nothing of the child's anyway).  The
 * descriptor about to be added is in no vma and no tree yet.
 */
static void smm_vma_tree_reap_if_due(struct smm_vma_tree *tree)
{
	bool due;

	mmap_assert_write_locked(tree->mm);
	/* The mmap_lock held for writing keeps readers' reaps out meanwhile. */
	spin_lock(&tree->lock);
	due = tree->nr + tree->nr_limbo >= tree->reap_at;
	spin_unlock(&tree->lock);
	if (!due)
		return;
	mutex_lock(&tree->reap_lock);
	smm_vma_tree_reap(tree, NULL);
	mutex_unlock(&tree->reap_lock);
}

/*
 * Insert @v, the descriptor of a vma the kernel is adding.  Its range is
 * free among the kernel's vmas, so a descriptor found there lags behind a
 * change made without a callback (its vma shrank, or went) and is brought
 * in line or set aside.
 */
static int smm_vma_tree_add(struct smm_vma_tree *tree, struct smm_vma *v)
{
	int ret;

	mmap_assert_write_locked(tree->mm);
	spin_lock(&tree->lock);
	ret = smm_vma_tree_place(tree, v);
	spin_unlock(&tree->lock);
	return ret;
}

/* ---- the callbacks ---- */

/**
 * smm_vma_mmap() - track a new mapping of an object
 * @pool: the object's pool
 * @obj: the object
 * @vma: the new vma (its vm_private_data becomes the descriptor)
 *
 * Context: f_op->mmap: the mm's mmap_lock held for writing.
 * Return: 0, or -ENOMEM (the mmap fails).
 */
int smm_vma_mmap(struct smm_pool *pool, struct smm_object *obj,
		 struct vm_area_struct *vma)
{
	struct smm_vma_tree *tree;
	struct smm_vma *v;
	int ret;

	mmap_assert_write_locked(vma->vm_mm);
	/* Made when the object was (smm_object_create()): only checked here. */
	ret = smm_kmem_reserve_ready(pool, &pool->vmas.reserve);
	if (ret)
		return ret;
	v = smm_vma_alloc(pool, vma, true);
	if (!v)
		return -ENOMEM;
	tree = smm_vma_tree_get(pool, vma->vm_mm);
	if (!tree) {
		smm_vma_free(pool, v);
		return -ENOMEM;
	}
	smm_vma_tree_reap_if_due(tree);
	ret = smm_vma_tree_add(tree, v);
	if (WARN_ON_ONCE(ret)) {
		bool empty;

		spin_lock(&tree->lock);
		empty = !tree->nr && !tree->nr_limbo;
		spin_unlock(&tree->lock);
		if (empty)
			smm_vma_tree_unhash(pool, tree);
		smm_vma_free(pool, v);
		return -EBUSY;
	}
	vma->vm_private_data = v;
	trace_shadowmm_vma_open(v->start, v->end, v->pgoff, v->flags);
	return 0;
}

/**
 * smm_vma_open() - vm_operations_struct.open: a vma was copied
 * @vma: the copy; its vm_private_data is still the source's descriptor
 *
 * The copy is a fork's (another mm), a split piece (inside the source's
 * range) or mremap's new place (outside it).  The source's vma is there,
 * and so is its descriptor.
 *
 * Context: the mm's mmap_lock held for writing (the child's, for fork).
 */
void smm_vma_open(struct vm_area_struct *vma)
{
	struct smm_object *obj = smm_file_object(vma->vm_file);
	struct smm_vma *src = vma->vm_private_data, *v;
	struct smm_pool *pool = obj->pool;
	struct smm_vma_tree *tree;
	int ret = 0;

	mmap_assert_write_locked(vma->vm_mm);
	vma->vm_private_data = NULL;
	v = smm_vma_alloc(pool, vma, false);
	tree = v ? smm_vma_tree_get(pool, vma->vm_mm) : NULL;
	if (!tree) {
		/* Only after the region and the reserve ran dry. */
		if (v)
			smm_vma_free(pool, v);
		smm_count_event(pool, SMM_VMA_UNTRACKED);
		pr_warn_ratelimited("no descriptor for %#lx-%#lx: mapping untracked\n",
				    vma->vm_start, vma->vm_end);
		return;
	}

	if (!src || src->tree == tree)
		smm_vma_tree_reap_if_due(tree);
	/*
	 * A split piece is cut from its source, and a move is told from a
	 * split by the source's range: that one descriptor must be right.
	 * A fork's source is in the parent's tree, and its copy exact.
	 */
	spin_lock(&tree->lock);
	if (src && src->tree == tree)
		smm_vma_resync_one(tree, src);
	if (src && src->tree == tree && !RB_EMPTY_NODE(&src->rb) &&
	    src->start <= v->start && v->end <= src->end &&
	    (v->start == src->start) != (v->end == src->end)) {
		unsigned long addr = v->start == src->start ? v->end : v->start;

		smm_vma_tree_split(tree, src, addr, v, v->start == src->start);
		trace_shadowmm_vma_split(src->start < v->start ? src->start : v->start,
					 src->end > v->end ? src->end : v->end, addr);
		spin_unlock(&tree->lock);
	} else {
		spin_unlock(&tree->lock);
		ret = smm_vma_tree_add(tree, v);
		if (!ret)
			trace_shadowmm_vma_open(v->start, v->end, v->pgoff, v->flags);
	}
	if (WARN_ON_ONCE(ret)) {
		smm_vma_free(pool, v);
		smm_count_event(pool, SMM_VMA_UNTRACKED);
		return;
	}
	vma->vm_private_data = v;
}

/*
 * Free every descriptor of a tree no vma can point into any more (its mm
 * is going, or its pool), and take the tree out of the hash.
 */
static void smm_vma_tree_free_all(struct smm_pool *pool, struct smm_vma_tree *tree)
{
	unsigned int held = 0;
	struct smm_vma *v;
	LIST_HEAD(dead);

	spin_lock(&tree->lock);
	while ((v = smm_vma_tree_first(tree))) {
		smm_vma_tree_erase(tree, v);
		list_add_tail(&v->resync, &dead);
		/* Up to twice vm.max_map_count: let go now and then. */
		if (++held % SMM_WALK_BATCH)
			continue;
		spin_unlock(&tree->lock);
		cond_resched();
		spin_lock(&tree->lock);
	}
	list_splice_init(&tree->limbo, &dead);
	tree->nr_limbo = 0;
	spin_unlock(&tree->lock);
	smm_vma_free_list(pool, &dead);
	smm_vma_tree_unhash(pool, tree);
}

/*
 * mmu_notifier_ops.release: the mm has no users left and exit_mmap() is
 * about to tear its vmas down, without a callback (there is no ->close).
 * No fault, GUP or reader can reach them any more (readers take the mm
 * with mmget_not_zero()), nor, through them, the descriptors, which all
 * go with the tree now.
 */
static void smm_vma_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct smm_vma_tree *tree = container_of(mn, struct smm_vma_tree, mn);

	smm_vma_tree_free_all(tree->pool, tree);
}

/*
 * A hashed tree that @dead_only picks (one whose mm has no users, or with
 * @dead_only false any), with a reference for the caller, or NULL.
 */
static struct smm_vma_tree *smm_vma_tree_pick(struct smm_pool *pool, bool dead_only)
{
	struct smm_vma_tree *tree;
	unsigned int bkt;

	spin_lock(&pool->vmas.lock);
	hash_for_each(pool->vmas.trees, bkt, tree, hnode) {
		if (dead_only && (tree->mn.ops || atomic_read(&tree->mm->mm_users)))
			continue;
		kref_get(&tree->ref);
		spin_unlock(&pool->vmas.lock);
		return tree;
	}
	spin_unlock(&pool->vmas.lock);
	return NULL;
}

/**
 * smm_vma_reap_dead() - free the trees without a notifier whose mm is gone
 * @pool: the pool
 *
 * A tree whose mmu notifier could not be registered (a signal was pending)
 * is not told when its mm goes: once the mm has no users, no fault, GUP or
 * reader can reach its vmas, nor, through them, the descriptors, which all
 * go with the tree.  Run where it is cheap and timely: when an object's
 * file is released, before a new tree is made and before the trees are
 * read; a pool with no such tree pays one read.
 *
 * Context: Process context; takes pool->vmas.lock and each tree's lock.
 */
void smm_vma_reap_dead(struct smm_pool *pool)
{
	struct smm_vma_tree *tree;

	if (!READ_ONCE(pool->vmas.nr_unnotified))
		return;
	while ((tree = smm_vma_tree_pick(pool, true))) {
		smm_vma_tree_free_all(pool, tree);
		smm_vma_tree_put(tree);
	}
}
SMM_EXPORT(smm_vma_reap_dead);

/**
 * smm_vma_may_split() - vm_operations_struct.may_split
 * @vma: the vma about to be split
 * @addr: where
 *
 * Any page boundary inside a mapping is a valid place: the descriptor
 * follows in smm_vma_open() on the new piece.
 *
 * Context: the mm's mmap_lock held for writing.
 * Return: 0 (allowed), or -EINVAL for an address outside @vma.
 */
int smm_vma_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	if (addr <= vma->vm_start || addr >= vma->vm_end || !PAGE_ALIGNED(addr))
		return -EINVAL;
	return 0;
}

/* ---- the fault's lookup ---- */

/* @mm's tree, for a fault, which takes no pool->vmas.lock: under RCU. */
static struct smm_vma_tree *smm_vma_tree_lookup_rcu(struct smm_pool *pool,
						    struct mm_struct *mm)
{
	struct smm_vma_tree *tree;

	hash_for_each_possible_rcu(pool->vmas.trees, tree, hnode, (unsigned long)mm)
		if (tree->mm == mm)
			return tree;
	return NULL;
}

/*
 * Count @vmf on the descriptor found at its address.  None there, or one
 * of another vma, means the tree lags behind a change the kernel made to
 * the vmas without a callback (or the mapping is untracked).
 */
static bool smm_vma_tree_count_fault(struct smm_vma_tree *tree,
				     struct vm_fault *vmf,
				     enum smm_fault_kind kind)
{
	struct smm_vma *v;

	lockdep_assert_held(&tree->lock);
	v = smm_vma_tree_find(tree, vmf->address);
	/* A descriptor may outlive its vma: the pointer alone could match. */
	if (!v || v->start > vmf->address || v->vma != vmf->vma ||
	    vmf->vma->vm_private_data != v)
		return false;
	atomic_long_inc(&v->faults[kind]);
	return true;
}

/**
 * smm_vma_count_fault() - count a fault on the descriptor of its mapping
 * @pool: the pool of the mapped object
 * @vmf: the fault
 * @kind: how it was served
 *
 * The descriptor is looked up by address in the faulting mm's tree, as
 * find_vma() looks up a vma: the cache answers the faults that follow in
 * the same mapping.  When the tree lags behind the kernel's vmas, the
 * faulting vma's descriptor is brought in line with it (and those in its
 * way with theirs), which needs the mmap_lock, and looked up again.  A fault that
 * holds only its vma's own lock only tries for the mmap_lock: a writer
 * holding it may be waiting for that very vma lock.
 *
 * A fault no descriptor is found for is counted in vmstat
 * pgfault_untracked and served all the same: the descriptor is
 * bookkeeping, and validate reports a mapping it cannot find one for.
 *
 * Context: a fault handler: the mm's mmap_lock held, or the faulting vma's
 * own lock in its place; the folio lock of the page faulted in may be
 * held.  Takes the tree's lock, and may try for the mmap_lock.
 * Return: true when a descriptor was found and counted.
 */
bool smm_vma_count_fault(struct smm_pool *pool, struct vm_fault *vmf,
			 enum smm_fault_kind kind)
{
	bool vma_locked = smm_fault_vma_locked(vmf);
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct smm_vma_tree *tree;
	bool counted = false;
	struct smm_vma *v;

	rcu_read_lock();
	tree = smm_vma_tree_lookup_rcu(pool, mm);
	if (tree) {
		spin_lock(&tree->lock);
		counted = smm_vma_tree_count_fault(tree, vmf, kind);
		spin_unlock(&tree->lock);
	}
	/*
	 * Only the faulting vma's own descriptor, and those in its way, are
	 * brought in line: a vma that never got one (->open found none to
	 * give) has nothing to resync, and a walk of the whole tree on such
	 * faults would let a program of many mappings hold this lock for
	 * long.
	 */
	v = vmf->vma->vm_private_data;
	if (tree && !counted && v && (!vma_locked || mmap_read_trylock(mm))) {
		spin_lock(&tree->lock);
		if (v->tree == tree)
			smm_vma_resync_one(tree, v);
		counted = smm_vma_tree_count_fault(tree, vmf, kind);
		spin_unlock(&tree->lock);
		if (vma_locked)
			mmap_read_unlock(mm);
	}
	rcu_read_unlock();
	if (!counted)
		smm_count_event(pool, SMM_PGFAULT_UNTRACKED);
	return counted;
}

/* ---- reading ---- */

/*
 * The process using @mm, for the debugfs listing (0 if none is found).
 * Its threads share one mm, but a thread that has exited has none, and
 * a main thread that exits before the others (pthread_exit()) stays a
 * zombie leader: each process is judged by its first thread that still
 * has an mm, as find_lock_task_mm() does.  Only a leader (or a traced
 * thread) stays on the list once exited, so this looks at about one
 * thread a process.
 */
static pid_t smm_mm_pid(struct mm_struct *mm)
{
	struct task_struct *p, *t;
	pid_t pid = 0;

	rcu_read_lock();
	for_each_process(p) {
		for_each_thread(p, t) {
			struct mm_struct *t_mm = READ_ONCE(t->mm);

			if (!t_mm)
				continue;
			if (t_mm == mm)
				pid = task_tgid_nr(t);
			break;
		}
		if (pid)
			break;
	}
	rcu_read_unlock();
	return pid;
}

/*
 * Call @fn on every tree of the pool with its mm's mmap_lock held (for
 * writing when @write, else for reading) and the tree resynced; @fn takes
 * the tree's lock itself, for as long as it needs it, and returns nonzero
 * to stop the walk.  Trees of exiting processes are skipped: their
 * mappings are going; so are trees no longer their mm's (see
 * smm_vma_tree_current()), which go to @stale instead when it is set.
 * The read lock is taken killably: a walker queued behind a holder that
 * never finishes can still be killed, and then the walk stops.  The write
 * lock is only tried for, 20 ms apart, until a second after the walk
 * began: a program may hold its own mmap_lock for as long as it likes
 * (a fault that waits on a FUSE server), and a writer queued behind it
 * would also hold up everyone else's reads of that mm.
 * A tree whose lock could not be had is skipped and counted in @busy.
 */
struct smm_vma_walk {
	int (*fn)(struct smm_vma_tree *tree, void *arg);
	void *arg;
	bool write;
	unsigned int busy;
	int (*stale)(struct smm_vma_tree *tree, void *arg);
};

/* Gap between tries for a busy mm's write lock. */
#define SMM_VMA_WALK_WAIT_MS	20

static int smm_vma_walk_lock(struct mm_struct *mm, bool write, unsigned long deadline)
{
	if (!write)
		return mmap_read_lock_killable(mm);
	while (!smm_mmap_write_trylock(mm)) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (time_after(jiffies, deadline))
			return -EBUSY;
		msleep(SMM_VMA_WALK_WAIT_MS);
	}
	return 0;
}

static void smm_vma_walk_unlock(struct mm_struct *mm, bool write)
{
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
}

/*
 * Is @tree still its mm's tree?  One taken from the hash before its mm's
 * mmap_lock may have been found empty by a reap and left the hash since,
 * and a new mapping then made the mm a new tree, which holds its
 * descriptors: checked against the mm's vmas, the old one would lack them
 * all.  A tree joins the hash only under the mmap_lock held for writing
 * and leaves it under it held: with it held for writing the answer holds;
 * for reading, another reader's reap may still take the tree out of the
 * hash after a yes, which a reader copes with (it holds a reference, and
 * the tree was found empty).
 */
static bool smm_vma_tree_current(struct smm_pool *pool, struct smm_vma_tree *tree)
{
	bool current_tree;

	mmap_assert_locked(tree->mm);
	spin_lock(&pool->vmas.lock);
	current_tree = smm_vma_tree_lookup(pool, tree->mm) == tree;
	spin_unlock(&pool->vmas.lock);
	return current_tree;
}

/*
 * Reap @tree, its mm's current tree, under its reap lock, and take it out
 * of the hash when that leaves it empty; the mm's mmap_lock held.
 * Returns the number of descriptors freed.
 */
static unsigned long smm_vma_tree_reap_current(struct smm_pool *pool,
					       struct smm_vma_tree *tree)
{
	unsigned long freed;

	mutex_lock(&tree->reap_lock);
	if (smm_vma_tree_reap(tree, &freed))
		smm_vma_tree_unhash(pool, tree);
	mutex_unlock(&tree->reap_lock);
	return freed;
}

/* Trees one pressure reap looks at, at most. */
#define SMM_VMA_REAP_IDLE_TREES	16

/**
 * smm_vma_reap_idle() - under memory pressure, reap trees that hold dead
 *			 descriptors
 * @pool: the pool
 *
 * A tree is reaped when it grows (smm_vma_tree_reap_if_due()) or is read,
 * so a process that unmapped most of its mappings and maps nothing more
 * keeps their descriptors, from the pool's own memory, for as long as it
 * lives: up to twice the most it ever had.  A tree holding more than
 * twice as many descriptors as its process has vmas of any kind, plus
 * SMM_VMA_REAP_SLACK, is mostly dead ones, so a reap of it frees at least
 * half of what it walks (as the trees' own reaps amortize); up to
 * SMM_VMA_REAP_IDLE_TREES of those are reaped here, each under its mm's
 * mmap_lock for reading, only tried: reclaim waits for no process (the
 * multi-generational LRU walks mm's the same way).  The search starts
 * where the last one stopped, so trees that cannot be reaped now (their
 * mmap_lock busy) do not hide the others for good; trees whose mm is gone
 * without telling their notifier go first (smm_vma_reap_dead()).  The
 * counts are read without their locks: a tree missed now is met at the
 * next pressure.
 *
 * Context: Process context, may sleep (kswapd, before it gives the slab
 * caches' free slabs back); no lock held.
 * Return: the number of descriptors freed.
 */
unsigned long smm_vma_reap_idle(struct smm_pool *pool)
{
	struct smm_vma_tree *trees[SMM_VMA_REAP_IDLE_TREES], *tree;
	unsigned int n = 0, i, b, bkt = 0;
	unsigned long freed = 0;

	smm_vma_reap_dead(pool);
	spin_lock(&pool->vmas.lock);
	for (b = 0; b < HASH_SIZE(pool->vmas.trees) && n < ARRAY_SIZE(trees); b++) {
		bkt = (pool->vmas.reap_bkt + b) % HASH_SIZE(pool->vmas.trees);
		hlist_for_each_entry(tree, &pool->vmas.trees[bkt], hnode) {
			unsigned long nr, vmas;

			if (n == ARRAY_SIZE(trees))
				break;
			/* A hint: changed under the tree's lock, never held here. */
			nr = data_race(tree->nr + tree->nr_limbo);
			/* The mm is the tree's (mmgrab()); a hint as well. */
			vmas = data_race(tree->mm->map_count);
			if (nr <= 2 * vmas + SMM_VMA_REAP_SLACK)
				continue;
			kref_get(&tree->ref);
			trees[n++] = tree;
		}
	}
	pool->vmas.reap_bkt = (bkt + 1) % HASH_SIZE(pool->vmas.trees);
	spin_unlock(&pool->vmas.lock);

	for (i = 0; i < n; i++) {
		struct mm_struct *mm;

		tree = trees[i];
		mm = tree->mm;
		if (!mmget_not_zero(mm))
			goto put;
		if (mmap_read_trylock(mm)) {
			if (!test_bit(MMF_UNSTABLE, &mm->flags) &&
			    smm_vma_tree_current(pool, tree))
				freed += smm_vma_tree_reap_current(pool, tree);
			mmap_read_unlock(mm);
		}
		/* Not the exit's teardown in the reclaimer, if last. */
		mmput_async(mm);
put:
		smm_vma_tree_put(tree);
	}
	return freed;
}
SMM_EXPORT(smm_vma_reap_idle);

/* One tree of smm_vma_walk_trees(), its mm held by the caller. */
static int smm_vma_walk_tree(struct smm_pool *pool, struct smm_vma_walk *walk,
			     struct smm_vma_tree *tree, unsigned long deadline)
{
	int ret = 0, err = smm_vma_walk_lock(tree->mm, walk->write, deadline);

	if (err == -EBUSY) {
		walk->busy++;
		return 0;
	}
	if (err)
		return err;
	/*
	 * A fork whose copy failed leaves its child's vmas half the
	 * parent's, behind a marker, until the child goes: nothing to read.
	 */
	if (test_bit(MMF_UNSTABLE, &tree->mm->flags)) {
		smm_vma_walk_unlock(tree->mm, walk->write);
		return 0;
	}
	if (smm_vma_tree_current(pool, tree)) {
		smm_vma_tree_reap_current(pool, tree);
		ret = walk->fn(tree, walk->arg);
	} else if (walk->stale) {
		ret = walk->stale(tree, walk->arg);
	}
	smm_vma_walk_unlock(tree->mm, walk->write);
	return ret;
}

static int smm_vma_walk_trees(struct smm_pool *pool, struct smm_vma_walk *walk)
{
	unsigned long deadline = jiffies + HZ;
	struct smm_vma_tree *tree, **trees;
	unsigned int n = 0, i, bkt;
	int ret = 0;

	smm_vma_reap_dead(pool);
	spin_lock(&pool->vmas.lock);
	hash_for_each(pool->vmas.trees, bkt, tree, hnode)
		n++;
	spin_unlock(&pool->vmas.lock);
	trees = kvcalloc(n + 1, sizeof(*trees), GFP_KERNEL);
	if (!trees)
		return -ENOMEM;
	i = 0;
	spin_lock(&pool->vmas.lock);
	hash_for_each(pool->vmas.trees, bkt, tree, hnode) {
		if (i == n)
			break;
		kref_get(&tree->ref);
		trees[i++] = tree;
	}
	spin_unlock(&pool->vmas.lock);

	for (n = i, i = 0; i < n; i++) {
		struct mm_struct *mm = trees[i]->mm;

		if (!ret && mmget_not_zero(mm)) {
			ret = smm_vma_walk_tree(pool, walk, trees[i], deadline);
			mmput(mm);
		}
		smm_vma_tree_put(trees[i]);
		cond_resched();
	}
	kvfree(trees);
	return ret;
}

/*
 * One line per descriptor, with the tree's mm's mmap_lock held (for
 * reading) and the tree just reaped, so every descriptor's vma is there
 * and keeps its object.  The tree's lock is held only to copy one
 * descriptor: counting the resident pages of a large mapping takes long,
 * and faults may move descriptors meanwhile.  An inode reference keeps the
 * object while it is counted.
 */
static int smm_vma_print_tree(struct smm_vma_tree *tree, void *arg)
{
	struct seq_file *m = arg;
	pid_t pid;
	unsigned long addr = 0;

	mmap_assert_locked(tree->mm);
	pid = smm_mm_pid(tree->mm);
	for (;;) {
		/*
		 * A full buffer makes seq_file start over with a bigger one:
		 * no point counting the rest now.  A killed reader stops.
		 */
		if (seq_has_overflowed(m))
			return 0;
		if (fatal_signal_pending(current))
			return -EINTR;
		unsigned long start, end, flags, minor, major, cow, resident = 0;
		struct smm_object *obj;
		struct inode *inode;
		pgoff_t pgoff;
		struct smm_vma *v;

		spin_lock(&tree->lock);
		v = smm_vma_tree_search(tree, addr);
		if (!v) {
			spin_unlock(&tree->lock);
			break;
		}
		start = v->start;
		end = v->end;
		flags = v->flags;
		pgoff = v->pgoff;
		minor = atomic_long_read(&v->faults[SMM_FAULT_MINOR]);
		major = atomic_long_read(&v->faults[SMM_FAULT_MAJOR]);
		cow = atomic_long_read(&v->faults[SMM_FAULT_COW]);
		obj = v->obj;
		inode = igrab(obj->inode);
		spin_unlock(&tree->lock);

		if (inode) {
			resident = smm_object_count_range(obj, pgoff,
							  pgoff + ((end - start) >> PAGE_SHIFT) - 1);
			iput(inode);
		}
		seq_printf(m, "%d %08lx-%08lx %c%c%c%c %08llx %lu %lu %lu %lu\n",
			   pid, start, end,
			   flags & VM_READ ? 'r' : '-',
			   flags & VM_WRITE ? 'w' : '-',
			   flags & VM_EXEC ? 'x' : '-',
			   flags & VM_MAYSHARE ? 's' : 'p',
			   (unsigned long long)pgoff << PAGE_SHIFT,
			   minor, major, cow, resident);
		addr = end;
		cond_resched();
	}
	return 0;
}

/**
 * smm_vma_print() - the debugfs "vmas" listing
 * @m: where to print
 * @pool: the pool
 *
 * One line per live mapping: pid, then range, permissions and offset as
 * /proc/PID/maps prints them, then faults (minor, major, cow) and the
 * resident pages of the mapped range.
 *
 * Context: Process context, may sleep; takes each mm's mmap_lock
 * (killably) and, for a moment per mapping, its tree's lock.
 * Return: 0, -EINTR when a fatal signal ended the wait for an mmap_lock,
 * or -ENOMEM.
 */
int smm_vma_print(struct seq_file *m, struct smm_pool *pool)
{
	struct smm_vma_walk walk = { smm_vma_print_tree, m };

	seq_puts(m, "# pid start-end perms offset minor major cow resident\n");
	return smm_vma_walk_trees(pool, &walk);
}
SMM_EXPORT(smm_vma_print);

/*
 * One more descriptor or vma looked at by validate's walk of @tree: every
 * SMM_WALK_BATCH of them the tree's lock is let go for a moment, since a
 * program decides how many mappings it has (up to vm.max_map_count).  The
 * walk holds the mmap_lock for writing, so no descriptor can come, go or
 * move meanwhile (inserts and reaps happen under the mmap_lock, and a
 * fault moves one only with it held for reading); faults only move the
 * lookup cache and count, and may come in.
 */
static void smm_vma_validate_step(struct smm_vma_tree *tree, unsigned int *held)
{
	lockdep_assert_held(&tree->lock);
	if (++*held < SMM_WALK_BATCH)
		return;
	if (*held > tree->walk_hold_max)
		tree->walk_hold_max = *held;
	*held = 0;
	spin_unlock(&tree->lock);
	cond_resched();
	spin_lock(&tree->lock);
}

/* A tree against its mm's vmas, with that mm's mmap_lock held for writing. */
static int smm_vma_validate_tree(struct smm_vma_tree *tree, void *arg)
{
	struct smm_report *r = arg;
	unsigned long prev_end = 0, n = 0, mapped = 0;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	struct smm_vma *v, *cache;
	unsigned int held = 0;
	bool cached;

	mmap_assert_write_locked(tree->mm);
	vma_iter_init(&vmi, tree->mm, 0);

	spin_lock(&tree->lock);
	/* The cache as the walk began: faults move it while the lock is let go. */
	cache = tree->cache;
	cached = !cache;
	for (v = smm_vma_tree_first(tree); v; v = smm_vma_tree_next(v)) {
		n++;
		cached |= v == cache;
		if (v->start >= v->end || v->start < prev_end || v->tree != tree)
			smm_report(r, "vma tree %p: %lx-%lx out of order or overlapping\n",
				   tree, v->start, v->end);
		prev_end = v->end;
		vma = find_vma(tree->mm, v->start);
		if (vma != v->vma || vma->vm_private_data != v)
			smm_report(r, "vma tree %p: %lx-%lx has no vma of its own\n",
				   tree, v->start, v->end);
		/* A tree longer than its count (reported below) ends here. */
		if (n > tree->nr)
			break;
		smm_vma_validate_step(tree, &held);
	}
	if (n != tree->nr)
		smm_report(r, "vma tree %p: %lu descriptors, %lu counted\n", tree, n, tree->nr);
	/* The walk's reap, under the same hold of the mmap_lock, emptied it. */
	if (tree->nr_limbo || !list_empty(&tree->limbo))
		smm_report(r, "vma tree %p: %lu descriptors set aside after a reap\n",
			   tree, tree->nr_limbo);
	if (!cached)
		smm_report(r, "vma tree %p: lookup cache points outside the tree\n", tree);
	for_each_vma(vmi, vma) {
		if (xa_is_zero(vma))
			break;
		smm_vma_validate_step(tree, &held);
		if (!smm_vma_is_shadow(vma) || smm_file_object(vma->vm_file)->pool != tree->pool)
			continue;
		mapped++;
		/* Found as a fault finds it: by address (the tree is resynced). */
		v = smm_vma_tree_search(tree, vma->vm_start);
		if (v && v->start == vma->vm_start && v->end == vma->vm_end && v->vma == vma)
			continue;
		if (!vma->vm_private_data)
			smm_report(r, "vma %lx-%lx: untracked\n", vma->vm_start, vma->vm_end);
		else
			smm_report(r, "vma %lx-%lx: the lookup finds no descriptor of its own\n",
				   vma->vm_start, vma->vm_end);
	}
	if (mapped != n)
		smm_report(r, "vma tree %p: %lu descriptors for %lu device vmas\n",
			   tree, n, mapped);
	if (held > tree->walk_hold_max)
		tree->walk_hold_max = held;
	spin_unlock(&tree->lock);
	return 0;
}

/*
 * A tree validate found no longer its mm's: it left the hash empty, and a
 * tree never gains a descriptor after (none can come meanwhile: the walk
 * holds the mm's mmap_lock for writing).
 */
static int smm_vma_validate_stale(struct smm_vma_tree *tree, void *arg)
{
	struct smm_report *r = arg;
	unsigned long nr;

	mmap_assert_write_locked(tree->mm);
	spin_lock(&tree->lock);
	nr = tree->nr + tree->nr_limbo;
	spin_unlock(&tree->lock);
	if (nr)
		smm_report(r, "vma tree %p: out of the hash with %lu descriptors\n", tree, nr);
	return 0;
}

/**
 * smm_vma_validate() - check every tree against its process's vmas
 * @pool: the pool
 * @r: where problems are reported
 *
 * Each process's mappings are checked with its mmap_lock held for
 * writing, which is only tried for (see smm_vma_walk_trees()): a process
 * whose lock stays busy for the second the walk allows is counted in
 * @r->unchecked and logged, not checked.
 *
 * Context: Process context, may sleep; tries for each mm's mmap_lock.
 * Return: the number of problems found.
 */
unsigned int smm_vma_validate(struct smm_pool *pool, struct smm_report *r)
{
	struct smm_vma_walk walk = {
		.fn = smm_vma_validate_tree,
		.arg = r,
		.write = true,
		.stale = smm_vma_validate_stale,
	};
	unsigned int before = r->problems;

	if (smm_vma_walk_trees(pool, &walk))
		smm_report(r, "vma trees: walk stopped (signal or no memory)\n");
	r->unchecked += walk.busy;
	if (walk.busy)
		pr_info_ratelimited("%s: validate: the mappings of %u processes not checked: their mmap_lock was busy for a second\n",
				    pool->name, walk.busy);
	return r->problems - before;
}
SMM_EXPORT(smm_vma_validate);

/**
 * smm_vma_pool_init() - the VMA state of a new pool
 * @pool: the pool being built
 *
 * Context: Process context.
 */
void smm_vma_pool_init(struct smm_pool *pool)
{
	spin_lock_init(&pool->vmas.lock);
	hash_init(pool->vmas.trees);
	atomic_set(&pool->vmas.nr_notified, 0);
	smm_kmem_reserve_init(&pool->vmas.reserve, "shadowmm_vma", sizeof(struct smm_vma),
			      SMM_VMA_RESERVE);
}

/**
 * smm_vma_pool_destroy() - undo smm_vma_pool_init() and the reserve
 * @pool: the pool; no mapping of its objects is left
 *
 * Context: Process context, may sleep.
 */
void smm_vma_pool_destroy(struct smm_pool *pool)
{
	struct smm_vma_tree *tree;

	/*
	 * Processes that unmapped everything and live on: none reaped them.
	 * One may exit meanwhile, its notifier freeing its tree: each is
	 * taken with a reference, under the hash's lock.
	 */
	while ((tree = smm_vma_tree_pick(pool, false))) {
		smm_vma_tree_free_all(pool, tree);
		smm_vma_tree_put(tree);
	}
	/*
	 * The notifiers' frees (module code) run before the module goes.
	 * A process whose mm ends meanwhile may have taken its tree out of
	 * the hash before the walk above looked, and put its notifier only
	 * after a barrier here would have returned: its ->release, module
	 * code run with no reference on the module, is then still running.
	 * The free comes only once it returned.
	 */
	wait_var_event(&pool->vmas.nr_notified, !atomic_read(&pool->vmas.nr_notified));
	mmu_notifier_synchronize();
	smm_kmem_reserve_destroy(&pool->vmas.reserve);
}
