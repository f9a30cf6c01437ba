// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the shadow VMA tree alone (module/vma.c), with no process behind
 * it: insertion refuses overlaps, lookups follow find_vma() and use the
 * cache, splits keep offsets, and munmap's four cases (whole, head, tail,
 * hole in the middle) leave exactly the expected descriptors, on one
 * mapping and among neighbours, across several and across holes; after an
 * unmap no lookup returns what it took out, whatever the cache held, and
 * the lookup counters count exactly what the cache answered.
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

static struct smm_vma *smm_test_search(struct smm_vma_tree *tree, unsigned long addr)
{
	struct smm_vma *v;

	spin_lock(&tree->lock);
	v = smm_vma_tree_search(tree, addr);
	spin_unlock(&tree->lock);
	return v;
}

static int smm_test_unmap(struct smm_vma_tree *tree, unsigned long start, unsigned long end,
			  struct smm_vma **spare, struct smm_vma **removed, unsigned int max)
{
	int n;

	spin_lock(&tree->lock);
	n = smm_vma_tree_unmap(tree, P(start), P(end), spare, removed, max);
	spin_unlock(&tree->lock);
	return n;
}

/*
 * The tree holds exactly @left, in order: (start page, end page, pgoff),
 * up to @max of them, the list ending early at an end of 0.  Copied under
 * the lock and compared after: a failing EXPECT may sleep.
 */
static void smm_test_expect_ranges(struct kunit *test, struct smm_vma_tree *tree,
				   const unsigned long (*left)[3], unsigned int max)
{
	struct { unsigned long start, end, pgoff; bool in_tree; } got[8];
	unsigned int i, n = 0, nr = 0;
	struct smm_vma *v;

	while (n < max && left[n][1])
		n++;
	spin_lock(&tree->lock);
	for (v = smm_vma_tree_first(tree); v; v = smm_vma_tree_next(v), nr++) {
		if (nr == ARRAY_SIZE(got))
			continue;
		got[nr].start = v->start;
		got[nr].end = v->end;
		got[nr].pgoff = v->pgoff;
		got[nr].in_tree = v->tree == tree;
	}
	spin_unlock(&tree->lock);

	KUNIT_EXPECT_EQ(test, nr, n);
	KUNIT_EXPECT_EQ(test, tree->nr, (unsigned long)n);
	for (i = 0; i < n && i < nr && i < ARRAY_SIZE(got); i++) {
		KUNIT_EXPECT_EQ_MSG(test, got[i].start, P(left[i][0]), "descriptor %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].end, P(left[i][1]), "descriptor %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].pgoff, left[i][2], "descriptor %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, got[i].in_tree, "descriptor %u", i);
	}
}

/* The neighbours the tests below unmap among: pages [10, 60) with holes. */
#define SMM_A	{ 10, 20, 100 }
#define SMM_B	{ 30, 40, 200 }
#define SMM_C	{ 50, 60, 300 }

static const unsigned long smm_three[3][3] = { SMM_A, SMM_B, SMM_C };

/* A tree of SMM_A, SMM_B and SMM_C; *@vs (if asked for) gets them. */
static struct smm_vma_tree *smm_test_three(struct kunit *test, struct smm_vma **vs)
{
	struct smm_vma_tree *tree = smm_test_tree(test);
	int i;

	for (i = 0; i < 3; i++) {
		struct smm_vma *v = smm_test_vma(test, P(smm_three[i][0]), P(smm_three[i][1]),
						 smm_three[i][2]);

		KUNIT_ASSERT_EQ(test, smm_test_insert(tree, v), 0);
		if (vs)
			vs[i] = v;
	}
	return tree;
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
	int n;

	KUNIT_ASSERT_EQ(test, smm_test_insert(tree, v), 0);
	n = smm_test_unmap(tree, c->start, c->end, spare, removed, 2);
	KUNIT_ASSERT_EQ(test, n, c->removed);
	if (n)
		KUNIT_EXPECT_TRUE(test, removed[0]->start >= P(c->start) &&
				  removed[0]->end <= P(c->end));
	smm_test_expect_ranges(test, tree, c->left, ARRAY_SIZE(c->left));
}

/**
 * struct smm_unmap3_case - munmap among neighbours: SMM_A, SMM_B, SMM_C
 * @name:	the case
 * @start:	first page unmapped
 * @end:	one past the last
 * @removed:	descriptors taken out
 * @left:	ranges left, as (start page, end page, pgoff), 0-terminated
 */
struct smm_unmap3_case {
	const char *name;
	unsigned long start, end;
	int removed;
	unsigned long left[4][3];
};

static const struct smm_unmap3_case smm_unmap3_cases[] = {
	/* munmap's four cases on the middle one: its neighbours stay. */
	{ "whole, between neighbours", 30, 40, 1, { SMM_A, SMM_C } },
	{ "head, between neighbours", 30, 33, 1, { SMM_A, { 33, 40, 203 }, SMM_C } },
	{ "tail, between neighbours", 36, 40, 1, { SMM_A, { 30, 36, 200 }, SMM_C } },
	{ "middle split, between neighbours", 32, 35, 1,
	  { SMM_A, { 30, 32, 200 }, { 35, 40, 205 }, SMM_C } },
	/* Ranges over more than one, and over holes. */
	{ "tail of one, head of the next", 15, 35, 2,
	  { { 10, 15, 100 }, { 35, 40, 205 }, SMM_C } },
	{ "two whole and the hole between", 10, 40, 2, { SMM_C } },
	{ "across all three and both holes", 15, 55, 3,
	  { { 10, 15, 100 }, { 55, 60, 305 } } },
	{ "from a hole into a head", 25, 35, 1, { SMM_A, { 35, 40, 205 }, SMM_C } },
	{ "from a tail into a hole", 15, 25, 1, { { 10, 15, 100 }, SMM_B, SMM_C } },
	{ "exactly a hole", 20, 30, 0, { SMM_A, SMM_B, SMM_C } },
	{ "inside a hole", 22, 28, 0, { SMM_A, SMM_B, SMM_C } },
	{ "everything", 0, 100, 3, { } },
};

static void smm_unmap3_case_desc(const struct smm_unmap3_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(smm_unmap3, smm_unmap3_cases, smm_unmap3_case_desc);

/*
 * Among neighbours: exactly the expected descriptors are taken out and
 * left, and afterwards no lookup of an address in the range finds one
 * there: the unmap's own lookup cached what it then took out.
 */
static void smm_vma_unmap_neighbours_test(struct kunit *test)
{
	const struct smm_unmap3_case *c = test->param_value;
	struct smm_vma_tree *tree = smm_test_three(test, NULL);
	struct smm_vma *spare[2] = { smm_test_vma(test, 0, 0, 0),
				     smm_test_vma(test, 0, 0, 0) };
	struct smm_vma *removed[3], *v;
	unsigned long page;
	int n, i;

	n = smm_test_unmap(tree, c->start, c->end, spare, removed, 3);
	KUNIT_ASSERT_EQ(test, n, c->removed);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_GE(test, removed[i]->start, P(c->start));
		KUNIT_EXPECT_LE(test, removed[i]->end, P(c->end));
		KUNIT_EXPECT_NULL(test, removed[i]->tree);
	}
	smm_test_expect_ranges(test, tree, c->left, ARRAY_SIZE(c->left));
	for (page = c->start; page < c->end; page++) {
		v = smm_test_find(tree, P(page));
		if (v)
			KUNIT_EXPECT_GE_MSG(test, v->start, P(c->end), "page %lu", page);
	}
}

/*
 * munmap's four cases on a cached mapping between neighbours: a lookup of
 * the address that cached it finds what is left above it, never the
 * descriptor taken out.
 */
static void smm_vma_stale_cache_test(struct kunit *test)
{
	static const struct {
		const char *name;
		unsigned long start, end, addr, found;
	} cases[] = {
		{ "whole", 30, 40, 35, 50 },	/* the next mapping */
		{ "head", 30, 33, 31, 33 },	/* its remainder */
		{ "tail", 36, 40, 38, 50 },
		{ "middle", 32, 35, 33, 35 },	/* its upper piece */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct smm_vma *spare[2] = { smm_test_vma(test, 0, 0, 0),
					     smm_test_vma(test, 0, 0, 0) };
		struct smm_vma *vs[3], *removed[1], *v;
		struct smm_vma_tree *tree = smm_test_three(test, vs);

		KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(cases[i].addr)), vs[1]);
		KUNIT_ASSERT_EQ_MSG(test, smm_test_unmap(tree, cases[i].start, cases[i].end,
							 spare, removed, 1), 1, "%s", cases[i].name);
		/* The cached descriptor is the one munmap took out... */
		KUNIT_EXPECT_PTR_EQ_MSG(test, removed[0], vs[1], "%s", cases[i].name);
		/* ... and it still covers the address, so only the cache could give it. */
		KUNIT_EXPECT_TRUE_MSG(test, vs[1]->start <= P(cases[i].addr) &&
				      P(cases[i].addr) < vs[1]->end, "%s", cases[i].name);
		v = smm_test_find(tree, P(cases[i].addr));
		KUNIT_EXPECT_PTR_NE_MSG(test, v, vs[1], "%s", cases[i].name);
		KUNIT_EXPECT_NOT_NULL_MSG(test, v, "%s", cases[i].name);
		if (v)
			KUNIT_EXPECT_EQ_MSG(test, v->start, P(cases[i].found), "%s", cases[i].name);
		KUNIT_EXPECT_TRUE(test, !tree->cache || tree->cache->tree == tree);
	}
}

/*
 * Lookups and cache hits: a repeat lookup inside the cached mapping is a
 * hit; one in another mapping, in a hole (even the one before the cached
 * mapping) or above everything is not.  A search neither counts nor moves
 * the cache.
 */
static void smm_vma_cache_counters_test(struct kunit *test)
{
	static const struct {
		unsigned long page;
		int found;			/* 0, 1, 2: SMM_A, B, C; -1: none */
		unsigned long lookups, hits;	/* after it */
	} steps[] = {
		{ 15, 0, 1, 0 },	/* the cache starts empty */
		{ 15, 0, 2, 1 },	/* the same address */
		{ 19, 0, 3, 2 },	/* the same mapping */
		{ 35, 1, 4, 2 },	/* another one */
		{ 55, 2, 5, 2 },
		{ 15, 0, 6, 2 },	/* back: the cache held C */
		{ 25, 1, 7, 2 },	/* a hole: the next one up, now cached */
		{ 25, 1, 8, 2 },	/* the cache answers only inside its mapping */
		{  5, 0, 9, 2 },	/* below the cached B: A, not B */
		{ 65, -1, 10, 2 },	/* above everything: the cache keeps A */
		{ 12, 0, 11, 3 },
	};
	struct smm_vma *vs[3], *v;
	struct smm_vma_tree *tree = smm_test_three(test, vs);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, tree->lookups, 0UL);
	KUNIT_EXPECT_EQ(test, tree->cache_hits, 0UL);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		v = smm_test_find(tree, P(steps[i].page));
		KUNIT_EXPECT_PTR_EQ_MSG(test, v, steps[i].found < 0 ? NULL : vs[steps[i].found],
					"step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, tree->lookups, steps[i].lookups, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, tree->cache_hits, steps[i].hits, "step %u", i);
	}
	KUNIT_EXPECT_PTR_EQ(test, smm_test_search(tree, P(35)), vs[1]);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_search(tree, P(65)), NULL);
	KUNIT_EXPECT_EQ(test, tree->lookups, 11UL);
	KUNIT_EXPECT_PTR_EQ(test, smm_test_find(tree, P(13)), vs[0]);
	KUNIT_EXPECT_EQ(test, tree->cache_hits, 4UL);
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
	KUNIT_CASE_PARAM(smm_vma_unmap_neighbours_test, smm_unmap3_gen_params),
	KUNIT_CASE(smm_vma_stale_cache_test),
	KUNIT_CASE(smm_vma_cache_counters_test),
	KUNIT_CASE(smm_vma_unmap_no_spare_test),
	{}
};

static struct kunit_suite smm_vma_suite = {
	.name = "shadowmm_vma",
	.test_cases = smm_vma_cases,
};

kunit_test_suites(&smm_vma_suite);
