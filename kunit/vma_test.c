// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the shadow VMA tree alone (module/vma.c), with no process behind
 * it: insertion refuses overlaps, lookups follow find_vma() and use the
 * cache, splits keep offsets, and munmap's four cases (whole, head, tail,
 * hole in the middle) leave exactly the expected descriptors.
 */

#include <kunit/test.h>
#include <linux/mm.h>

#include <shadowmm/vma.h>

#define P(n)	((unsigned long)(n) << PAGE_SHIFT)

static struct smm_vma *smm_test_vma(struct kunit *test, unsigned long start,
				    unsigned long end, unsigned long pgoff)
{
	struct smm_vma *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	RB_CLEAR_NODE(&v->rb);
	v->start = start;
	v->end = end;
	v->pgoff = pgoff;
	v->flags = VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE;
	return v;
}

static struct smm_vma_tree *smm_test_tree(struct kunit *test)
{
	struct smm_vma_tree *tree = kunit_kzalloc(test, sizeof(*tree), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tree);
	smm_vma_tree_init(tree);
	return tree;
}

static int smm_test_insert(struct smm_vma_tree *tree, struct smm_vma *v)
{
	int ret;

	spin_lock(&tree->lock);
	ret = smm_vma_tree_insert(tree, v);
	spin_unlock(&tree->lock);
	return ret;
}

static struct smm_vma *smm_test_find(struct smm_vma_tree *tree, unsigned long addr)
{
	struct smm_vma *v;

	spin_lock(&tree->lock);
	v = smm_vma_tree_find(tree, addr);
	spin_unlock(&tree->lock);
	return v;
}

/* Overlaps are refused and leave the tree as it was. */
static void smm_vma_insert_test(struct kunit *test)
{
	struct smm_vma_tree *tree = smm_test_tree(test);

	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(10), P(20), 0)), 0);
	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(30), P(40), 0)), 0);
	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(15), P(25), 0)), -EEXIST);
	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(5), P(11), 0)), -EEXIST);
	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(12), P(13), 0)), -EEXIST);
	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(20), P(20), 0)), -EINVAL);
	/* Touching is not overlapping. */
	KUNIT_EXPECT_EQ(test, smm_test_insert(tree, smm_test_vma(test, P(20), P(30), 0)), 0);
	KUNIT_EXPECT_EQ(test, tree->nr, 3UL);
}

/* find_vma(): the first mapping ending above the address; the cache. */
static void smm_vma_find_cache_test(struct kunit *test)
{
	struct smm_vma_tree *tree = smm_test_tree(test);
	struct smm_vma *a = smm_test_vma(test, P(10), P(20), 0);
	struct smm_vma *b = smm_test_vma(test, P(30), P(40), 0);
	struct smm_vma *c = smm_test_vma(test, P(50), P(60), 0);

	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, b), 0);
	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, a), 0);
	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, c), 0);

	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(19) + 1), a);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(20)), b);	/* in a gap */
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(55)), c);
	KUNIT_EXPECT_NULL(test, smm_test_find(tree, P(60)));

	/* Three lookups inside c: the first fills the cache, two hit it. */
	tree->lookups = 0;
	tree->cache_hits = 0;
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(51)), c);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(52)), c);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(59)), c);
	KUNIT_EXPECT_EQ(test, tree->lookups, 3UL);
	KUNIT_EXPECT_EQ(test, tree->cache_hits, 3UL);	/* c was cached by P(55) */
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(12)), a);
	KUNIT_EXPECT_EQ(test, tree->cache_hits, 3UL);

	/* Erasing the cached descriptor empties the cache. */
	spin_lock(&tree->lock);
	smm_vma_tree_erase(tree, a);
	KUNIT_EXPECT_NULL(test, tree->cache);
	spin_unlock(&tree->lock);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(12)), b);
}

/* A split gives each part the right range and page offset. */
static void smm_vma_split_test(struct kunit *test)
{
	struct smm_vma_tree *tree = smm_test_tree(test);
	struct smm_vma *v = smm_test_vma(test, P(10), P(20), 100);
	struct smm_vma *below = smm_test_vma(test, 0, 0, 0);
	struct smm_vma *above = smm_test_vma(test, 0, 0, 0);

	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, v), 0);
	spin_lock(&tree->lock);
	smm_vma_tree_split(tree, v, P(13), below, true);
	smm_vma_tree_split(tree, v, P(17), above, false);
	spin_unlock(&tree->lock);

	KUNIT_EXPECT_EQ(test, tree->nr, 3UL);
	KUNIT_EXPECT_EQ(test, below->start, P(10));
	KUNIT_EXPECT_EQ(test, below->end, P(13));
	KUNIT_EXPECT_EQ(test, below->pgoff, 100UL);
	KUNIT_EXPECT_EQ(test, v->start, P(13));
	KUNIT_EXPECT_EQ(test, v->end, P(17));
	KUNIT_EXPECT_EQ(test, v->pgoff, 103UL);
	KUNIT_EXPECT_EQ(test, above->start, P(17));
	KUNIT_EXPECT_EQ(test, above->end, P(20));
	KUNIT_EXPECT_EQ(test, above->pgoff, 107UL);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(18)), above);
}

/**
 * struct smm_unmap_case - munmap on a tree holding [10, 20) at pgoff 100
 * @name:	the case
 * @start:	first page unmapped
 * @end:	one past the last
 * @removed:	descriptors taken out
 * @left:	ranges left, as (start page, end page, pgoff), 0-terminated
 */
struct smm_unmap_case {
	const char *name;
	unsigned long start, end;
	int removed;
	unsigned long left[2][3];
};

static const struct smm_unmap_case smm_unmap_cases[] = {
	{ "whole", 10, 20, 1, { } },
	{ "head", 10, 13, 1, { { 13, 20, 103 } } },
	{ "tail", 16, 20, 1, { { 10, 16, 100 } } },
	{ "hole in the middle", 12, 15, 1, { { 10, 12, 100 }, { 15, 20, 105 } } },
	{ "beyond both ends", 5, 25, 1, { } },
	{ "a gap beside it", 20, 30, 0, { { 10, 20, 100 } } },
};

static void smm_unmap_case_desc(const struct smm_unmap_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(smm_unmap, smm_unmap_cases, smm_unmap_case_desc);

static void smm_vma_unmap_test(struct kunit *test)
{
	const struct smm_unmap_case *c = test->param_value;
	struct smm_vma_tree *tree = smm_test_tree(test);
	struct smm_vma *spare[2] = { smm_test_vma(test, 0, 0, 0),
				     smm_test_vma(test, 0, 0, 0) };
	struct smm_vma *v = smm_test_vma(test, P(10), P(20), 100);
	struct smm_vma *removed[2];
	unsigned int i = 0;
	int n;

	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, v), 0);
	spin_lock(&tree->lock);
	n = smm_vma_tree_unmap(tree, P(c->start), P(c->end), spare, removed, 2);
	spin_unlock(&tree->lock);
	KUNIT_ASSERT_EQ(test, n, c->removed);
	if (n)
		KUNIT_EXPECT_TRUE(test, removed[0]->start >= P(c->start) &&
				  removed[0]->end <= P(c->end));

	spin_lock(&tree->lock);
	for (v = smm_vma_tree_first(tree); v; v = smm_vma_tree_next(v), i++) {
		KUNIT_ASSERT_LT(test, i, 2U);
		KUNIT_EXPECT_EQ(test, v->start, P(c->left[i][0]));
		KUNIT_EXPECT_EQ(test, v->end, P(c->left[i][1]));
		KUNIT_EXPECT_EQ(test, v->pgoff, c->left[i][2]);
	}
	spin_unlock(&tree->lock);
	KUNIT_EXPECT_EQ(test, i < 2 ? c->left[i][1] : 0UL, 0UL);
	KUNIT_EXPECT_EQ(test, tree->nr, (unsigned long)i);
}

/* Without the spare descriptors a split needs, nothing changes. */
static void smm_vma_unmap_no_spare_test(struct kunit *test)
{
	struct smm_vma_tree *tree = smm_test_tree(test);
	struct smm_vma *spare[2] = { smm_test_vma(test, 0, 0, 0), NULL };
	struct smm_vma *v = smm_test_vma(test, P(10), P(20), 0);
	struct smm_vma *removed[1];

	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, v), 0);
	spin_lock(&tree->lock);
	KUNIT_EXPECT_EQ(test, smm_vma_tree_unmap(tree, P(12), P(15), spare, removed, 1),
			-EINVAL);
	spin_unlock(&tree->lock);
	KUNIT_EXPECT_EQ(test, tree->nr, 1UL);
	KUNIT_EXPECT_EQ(test, v->start, P(10));
	KUNIT_EXPECT_EQ(test, v->end, P(20));
	KUNIT_EXPECT_NOT_NULL(test, spare[0]);
}

static struct kunit_case smm_vma_cases[] = {
	KUNIT_CASE(smm_vma_insert_test),
	KUNIT_CASE(smm_vma_find_cache_test),
	KUNIT_CASE(smm_vma_split_test),
	KUNIT_CASE_PARAM(smm_vma_unmap_test, smm_unmap_gen_params),
	KUNIT_CASE(smm_vma_unmap_no_spare_test),
	{}
};

static struct kunit_suite smm_vma_suite = {
	.name = "shadowmm_vma",
	.test_cases = smm_vma_cases,
};

kunit_test_suites(&smm_vma_suite);
