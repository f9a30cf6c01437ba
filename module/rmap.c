// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the vmas of an object that map a range of its page offsets.
 *
 * Reclaim and compaction walk an object page's mappings themselves
 * (module/evict.c: its young ptes, the locked mappings of a run it
 * unmaps).  The kernel keeps a file's shared and private vmas in
 * mapping->i_mmap, an interval tree, and its own rmap finds the vmas over
 * an offset in O(log n + hits) with vma_interval_tree_iter_first() and
 * _next(), which it does not export to modules.  Walking every vma of the
 * tree instead costs as many steps as the object has mappings, for every
 * page judged, under the i_mmap lock every munmap of the object waits
 * for.  So this is a read-only query of that tree of shadowmm's own.
 *
 * What it relies on, as mm/interval_tree.c builds the tree (6.1 to 6.12
 * alike): an augmented rbtree of vm_area_struct linked through shared.rb,
 * in order of vm_pgoff (equal offsets in any order), where each node's
 * shared.rb_subtree_last is the greatest last offset (vm_pgoff +
 * vma_pages() - 1) of its subtree.  Under i_mmap_lock_read() none of it
 * moves: the kernel inserts and removes vmas, and changes the offset or
 * bounds of one in the tree, only with the lock held for writing.
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rbtree.h>

#include <shadowmm/compat.h>
#include <shadowmm/rmap.h>

static inline struct vm_area_struct *smm_rmap_vma(struct rb_node *rb)
{
	return rb_entry(rb, struct vm_area_struct, shared.rb);
}

/* The last page offset @vma maps. */
static inline pgoff_t smm_rmap_last(struct vm_area_struct *vma)
{
	return vma->vm_pgoff + vma_pages(vma) - 1;
}

/*
 * The first vma in tree order under @rb (a subtree, or NULL) that maps an
 * offset in [@first, @last], or NULL.  A subtree whose subtree_last is
 * below @first has no vma reaching @first.  Otherwise the first vma of it
 * that does is the answer when it starts at or before @last; when it
 * starts after, so does every vma after it, and there is none.  So the
 * descent goes left while the left subtree reaches @first, takes the node
 * itself if it overlaps, else goes right: one step a level.
 */
static struct vm_area_struct *smm_rmap_subtree_first(struct rb_node *rb,
						     pgoff_t first, pgoff_t last)
{
	while (rb) {
		struct vm_area_struct *vma = smm_rmap_vma(rb);

		if (vma->shared.rb_subtree_last < first)
			return NULL;
		if (rb->rb_left &&
		    smm_rmap_vma(rb->rb_left)->shared.rb_subtree_last >= first) {
			rb = rb->rb_left;
			continue;
		}
		if (vma->vm_pgoff > last)
			return NULL;
		if (smm_rmap_last(vma) >= first)
			return vma;
		rb = rb->rb_right;
	}
	return NULL;
}

/**
 * smm_rmap_first() - the first vma of an object over a range of offsets
 * @mapping: the object's address_space
 * @first: the range's first page offset
 * @last: its last page offset (inclusive), at least @first
 *
 * Context: The i_mmap lock of @mapping held (i_mmap_lock_read()).
 * Return: the first vma in the i_mmap tree's order that maps an offset in
 * [@first, @last], or NULL when none does.
 */
struct vm_area_struct *smm_rmap_first(struct address_space *mapping,
				      pgoff_t first, pgoff_t last)
{
	i_mmap_assert_locked(mapping);
	return smm_rmap_subtree_first(mapping->i_mmap.rb_root.rb_node, first, last);
}
SMM_EXPORT(smm_rmap_first);

/**
 * smm_rmap_next() - the next vma of an object over a range of offsets
 * @vma: one smm_rmap_first() or smm_rmap_next() gave for the same range
 * @first: the range's first page offset
 * @last: its last page offset (inclusive)
 *
 * What follows @vma in tree order: its right subtree, then each ancestor
 * it lies to the left of, and that ancestor's right subtree, until a vma
 * overlaps or one starts beyond @last.
 *
 * Context: The i_mmap lock of @vma's file held, since @vma was found.
 * Return: the next vma in the i_mmap tree's order that maps an offset in
 * [@first, @last], or NULL after the last.
 */
struct vm_area_struct *smm_rmap_next(struct vm_area_struct *vma,
				     pgoff_t first, pgoff_t last)
{
	struct rb_node *rb = &vma->shared.rb, *parent;

	i_mmap_assert_locked(vma->vm_file->f_mapping);
	for (;;) {
		vma = smm_rmap_subtree_first(rb->rb_right, first, last);
		if (vma)
			return vma;
		/* Up to the first ancestor reached from its left. */
		for (parent = rb_parent(rb); parent && parent->rb_right == rb;
		     parent = rb_parent(rb))
			rb = parent;
		if (!parent)
			return NULL;
		rb = parent;
		vma = smm_rmap_vma(rb);
		if (vma->vm_pgoff > last)
			return NULL;
		if (smm_rmap_last(vma) >= first)
			return vma;
	}
}
SMM_EXPORT(smm_rmap_next);
