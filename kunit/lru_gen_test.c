// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the mglru policy (module/lru_gen.c).  Aging moves max_seq on and
 * the pages whose ptes were young into the new youngest generation, the
 * others staying; eviction takes the oldest generation first; accesses
 * raise a page's tier; a tier whose refault rate is over twice tier 0's
 * is protected (its pages move to the next generation instead of being
 * taken), one that refaults like tier 0 is not; an eviction and its
 * refault are counted for the page's tier, and the refault gets its tier
 * back.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/string.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <shadowmm/lru.h>
#include <shadowmm/lru_gen.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/object.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/workingset.h>

#include "smm_test.h"

static const struct smm_test_pool_cfg lg_pool = {
	.mb = 4, .split = { 0, 100, 0 }, .one_node = true,
	.pcp_off = true, .swap_pages = 64,
};

static struct smm_pool *smm_lg_pool(struct kunit *test)
{
	struct smm_pool *pool = smm_test_pool(test, &lg_pool);

	KUNIT_ASSERT_EQ(test, pool->zones.nr_nodes, 1);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), 0);
	return pool;
}

/* The generation (seq % SMM_MAX_NR_GENS) page @index is on, -1 for none. */
static int smm_lg_gen(struct kunit *test, struct smm_pool *pool, struct file *file,
		      pgoff_t index)
{
	struct smm_page *frame = smm_test_lock_frame(test, pool, file, index);
	int gen = (int)((READ_ONCE(frame->flags) & SMM_PAGE_GEN_MASK) >> SMM_PAGE_GEN_SHIFT) - 1;

	smm_test_unlock_frame(file, index);
	return gen;
}

static unsigned int smm_lg_tier(struct kunit *test, struct smm_pool *pool,
				struct file *file, pgoff_t index)
{
	struct smm_page *frame = smm_test_lock_frame(test, pool, file, index);
	unsigned int tier = smm_lru_gen_tier(frame);

	smm_test_unlock_frame(file, index);
	return tier;
}

/* New pages join max_seq - 1; accesses climb the tiers 0, 0, 1, 2, 2, 3. */
static void smm_lru_gen_add_tier_test(struct kunit *test)
{
	static const unsigned int tiers[] = { 0, 0, 1, 2, 2, 3, 3 };
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lru_gen *g = &pool->zones.nodes[0].lruvec.gen;
	unsigned int i;

	smm_test_write_patterned(test, pool, file, 0, 1);
	KUNIT_EXPECT_EQ(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(g->max_seq - 1));
	KUNIT_EXPECT_EQ(test, smm_lru_gen_nr_pages(g), 1UL);
	KUNIT_EXPECT_EQ(test, pool->zones.nodes[0].lruvec.nr_inactive, 0UL);
	for (i = 0; i < ARRAY_SIZE(tiers); i++) {
		KUNIT_EXPECT_EQ_MSG(test, smm_lg_tier(test, pool, file, 0), tiers[i],
				    "after %u accesses", i);
		smm_test_access(test, pool, file, 0, 1);
	}
	/* A read of a resident page is an access too. */
	smm_test_write_patterned(test, pool, file, 1, 1);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 1));
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 1));
	KUNIT_EXPECT_EQ(test, smm_lg_tier(test, pool, file, 1), 1U);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

#define LG_NR_MAPPED	4
#define LG_NR_PAGES	8

/*
 * Pages 0..3 are written through a mapping (young ptes), 4..7 with
 * write() (never mapped).  Aging opens a new generation: max_seq + 1,
 * the four mapped pages in it, the others where they were.  A second
 * aging finds the ptes old (the first walk cleared them): nothing moves.
 * A third, with four generations and pages in the oldest, does nothing
 * at all (no fold); once the oldest is emptied, aging retires it.
 */
static void smm_lru_gen_aging_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	struct smm_page *out[LG_NR_PAGES - LG_NR_MAPPED];
	u8 *buf = smm_test_buf(test);
	unsigned long addr, max_seq, min_seq, aging;
	int old_gen;
	pgoff_t i;

	addr = kunit_vm_mmap(test, file, 0, LG_NR_MAPPED * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	for (i = 0; i < LG_NR_MAPPED; i++) {
		smm_test_pattern(buf, i);
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(addr + i * PAGE_SIZE), buf,
						   PAGE_SIZE), 0UL);
	}
	smm_test_write_patterned(test, pool, file, LG_NR_MAPPED, LG_NR_PAGES - LG_NR_MAPPED);
	old_gen = smm_lg_gen(test, pool, file, LG_NR_MAPPED);
	max_seq = g->max_seq;
	aging = smm_event_sum(pool, SMM_LRU_GEN_AGING);

	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX), (unsigned int)LG_NR_MAPPED);
	KUNIT_EXPECT_EQ(test, g->max_seq, max_seq + 1);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_LRU_GEN_AGING) - aging, 1UL);
	KUNIT_EXPECT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(g->max_seq)],
			(unsigned long)LG_NR_MAPPED);
	for (i = 0; i < LG_NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_lg_gen(test, pool, file, i),
				    i < LG_NR_MAPPED ? (int)smm_lru_gen_from_seq(g->max_seq) :
				    old_gen, "page %lu", i);

	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX), 0U);
	KUNIT_EXPECT_EQ(test, g->max_seq, max_seq + 2);
	KUNIT_EXPECT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(g->max_seq)], 0UL);
	/*
	 * Four generations, the oldest holding pages 4..7: no fold, the
	 * aging does nothing, every page stays where it was.
	 */
	KUNIT_ASSERT_EQ(test, g->max_seq - g->min_seq + 1, (unsigned long)SMM_MAX_NR_GENS);
	KUNIT_ASSERT_EQ(test, old_gen, (int)smm_lru_gen_from_seq(g->min_seq));
	min_seq = g->min_seq;
	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX), 0U);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_LRU_GEN_AGING) - aging, 2UL);
	KUNIT_EXPECT_EQ(test, g->min_seq, min_seq);
	KUNIT_EXPECT_EQ(test, g->max_seq, max_seq + 2);
	KUNIT_EXPECT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(min_seq)],
			(unsigned long)(LG_NR_PAGES - LG_NR_MAPPED));
	KUNIT_EXPECT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(min_seq + 1)], 0UL);
	for (i = 0; i < LG_NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_lg_gen(test, pool, file, i),
				    i < LG_NR_MAPPED ? (int)smm_lru_gen_from_seq(max_seq + 1) :
				    old_gen, "page %lu", i);

	/* Pages 4..7 taken off: the empty oldest is retired, one opened. */
	KUNIT_ASSERT_EQ(test, smm_lru_gen_isolate(pool, node, LG_NR_PAGES - LG_NR_MAPPED, out),
			(unsigned int)(LG_NR_PAGES - LG_NR_MAPPED));
	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX), 0U);
	KUNIT_EXPECT_EQ(test, g->min_seq, min_seq + 1);
	KUNIT_EXPECT_EQ(test, g->max_seq, max_seq + 3);
	smm_lru_putback(pool, out, LG_NR_PAGES - LG_NR_MAPPED);
	for (i = 0; i < LG_NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, smm_lg_gen(test, pool, file, i),
				    (int)smm_lru_gen_from_seq(i < LG_NR_MAPPED ? max_seq + 1 :
							      min_seq + 1), "page %lu", i);
	KUNIT_EXPECT_EQ(test, smm_lru_gen_nr_pages(g), (unsigned long)LG_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, LG_NR_MAPPED * PAGE_SIZE);
}

/*
 * The walk's budget: four unmapped pages at the oldest tail, then four
 * mapped ones.  With a budget of six, the unmapped ones count (a page
 * looked at is scanned, taken or not): only two mapped pages are reached
 * and promoted; the next aging's walk goes on from there.
 */
static void smm_lru_gen_aging_budget_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	u8 *buf = smm_test_buf(test);
	unsigned long addr;
	pgoff_t i;

	smm_test_write_patterned(test, pool, file, LG_NR_MAPPED, LG_NR_PAGES - LG_NR_MAPPED);
	addr = kunit_vm_mmap(test, file, 0, LG_NR_MAPPED * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_TRUE(test, addr && !IS_ERR_VALUE(addr));
	for (i = 0; i < LG_NR_MAPPED; i++) {
		smm_test_pattern(buf, i);
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(addr + i * PAGE_SIZE), buf,
						   PAGE_SIZE), 0UL);
	}
	smm_lru_drain_all(pool);
	KUNIT_ASSERT_EQ(test, smm_lru_gen_nr_pages(g), (unsigned long)LG_NR_PAGES);

	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq),
					      LG_NR_PAGES - 2), 2U);
	KUNIT_EXPECT_EQ(test, g->nr_pages[smm_lru_gen_from_seq(g->max_seq)], 2UL);
	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq),
					      ULONG_MAX), 2U);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	vm_munmap(addr, LG_NR_MAPPED * PAGE_SIZE);
}

/*
 * meminfo under mglru: Active is the two youngest generations, Inactive
 * the others, and together they are every page on the generations, after
 * each aging (never an Inactive that wrapped below zero).
 */
static void smm_lru_gen_meminfo_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	unsigned long active, inactive;
	unsigned int k;

	smm_test_write_patterned(test, pool, file, 0, LG_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_lru_pages(pool, SMM_LRU_ACTIVE), (unsigned long)LG_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_lru_pages(pool, SMM_LRU_INACTIVE), 0UL);
	for (k = 0; k < SMM_MAX_NR_GENS; k++) {
		/* Pages 8..15 join max_seq - 1 once there are four generations. */
		if (k == SMM_MAX_NR_GENS - 1)
			smm_test_write_patterned(test, pool, file, LG_NR_PAGES, LG_NR_PAGES);
		else
			smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX);
		active = smm_lru_pages(pool, SMM_LRU_ACTIVE);
		inactive = smm_lru_pages(pool, SMM_LRU_INACTIVE);
		KUNIT_EXPECT_EQ_MSG(test, active + inactive, smm_lru_gen_nr_pages(g),
				    "after aging %u", k);
		KUNIT_EXPECT_LE_MSG(test, inactive, smm_lru_gen_nr_pages(g),
				    "after aging %u", k);
		KUNIT_EXPECT_EQ_MSG(test, active,
				    g->nr_pages[smm_lru_gen_from_seq(g->max_seq)] +
				    g->nr_pages[smm_lru_gen_from_seq(g->max_seq - 1)],
				    "after aging %u", k);
	}
	KUNIT_EXPECT_EQ(test, inactive, (unsigned long)LG_NR_PAGES);
	KUNIT_EXPECT_EQ(test, active, (unsigned long)LG_NR_PAGES);
	smm_lru_gen_snapshot(g, &active, &inactive);
	KUNIT_EXPECT_EQ(test, inactive, (unsigned long)LG_NR_PAGES);
	KUNIT_EXPECT_EQ(test, active, (unsigned long)LG_NR_PAGES);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static unsigned int smm_lg_young(struct kunit *test, struct smm_pool *pool,
				 struct file *file, pgoff_t index)
{
	struct page *page;
	unsigned int n;

	smm_test_lock_frame(test, pool, file, index);
	page = xa_load(&file->f_mapping->i_pages, index);
	n = smm_object_young_ptes(page_folio(page));
	smm_test_unlock_frame(file, index);
	return n;
}

/*
 * The young-pte walk visits the vmas mapping a page's index, and only
 * them: three mappings of one object, A of pages 0..3, B of 4..7 and C
 * of 2..5.  Page 3 written through A and C has two young ptes, page 5
 * written through B one; each walk makes them old.
 */
static void smm_lru_gen_young_ptes_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test);
	unsigned long a, b, c;

	a = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	b = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  4 * PAGE_SIZE);
	c = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  2 * PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, a && !IS_ERR_VALUE(a) && b && !IS_ERR_VALUE(b) &&
			  c && !IS_ERR_VALUE(c));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(a + 3 * PAGE_SIZE), buf, 8), 0UL);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(c + 1 * PAGE_SIZE), buf, 8), 0UL);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(b + 1 * PAGE_SIZE), buf, 8), 0UL);
	smm_lru_drain_all(pool);

	KUNIT_EXPECT_EQ(test, smm_lg_young(test, pool, file, 3), 2U);
	KUNIT_EXPECT_EQ(test, smm_lg_young(test, pool, file, 3), 0U);
	KUNIT_EXPECT_EQ(test, smm_lg_young(test, pool, file, 5), 1U);
	KUNIT_EXPECT_EQ(test, smm_lg_young(test, pool, file, 5), 0U);
	vm_munmap(a, 4 * PAGE_SIZE);
	vm_munmap(b, 4 * PAGE_SIZE);
	vm_munmap(c, 4 * PAGE_SIZE);
}

/* debugfs "lru_gen" of @pool, printed into @buf (PAGE_SIZE). */
static const char *smm_lg_print(struct smm_pool *pool, char *buf)
{
	struct seq_file m = { .buf = buf, .size = PAGE_SIZE };

	memset(buf, 0, PAGE_SIZE);
	smm_lru_gen_print(&m, pool);
	buf[min_t(size_t, m.count, PAGE_SIZE - 1)] = '\0';
	return buf;
}

/*
 * The lru_gen file: under mglru the kernel's "memcg     0 " line (no
 * path, no pool name), a node line and one line per generation; under
 * classic one comment line, nothing else.
 */
static void smm_lru_gen_print_test(struct kunit *test)
{
	static const char memcg[] = "memcg     0 ";	/* then a newline */
	struct smm_pool *pool = smm_lg_pool(test);
	char *buf = smm_test_buf(test);
	size_t len = strlen(memcg);
	const char *p;

	p = smm_lg_print(pool, buf);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(p, memcg) && p[len] == '\n' &&
			      str_has_prefix(p + len + 1, " node "), "%s", p);
	KUNIT_EXPECT_NULL(test, strstr(p, pool->name));
	/* The memcg line, " node %5d", two of " %10lu %10u %10lu  %10lu ". */
	KUNIT_EXPECT_EQ(test, strlen(p), len + 1 + 12 + SMM_MIN_NR_GENS * 47);

	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_CLASSIC), 0);
	p = smm_lg_print(pool, buf);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(p, "# lru_policy classic: "), "%s", p);
	KUNIT_EXPECT_PTR_EQ(test, strchr(p, '\n'), p + strlen(p) - 1);
}

/*
 * Two agers that both read max_seq before either aged, as kswapd and a
 * direct reclaimer do: the second finds max_seq moved on under the lock
 * and does nothing, so one generation is opened, not two (and no fold).
 */
static void smm_lru_gen_aging_race_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	unsigned long seen, aging;

	smm_test_write_patterned(test, pool, file, 0, LG_NR_PAGES);
	seen = READ_ONCE(g->max_seq);
	aging = smm_event_sum(pool, SMM_LRU_GEN_AGING);
	KUNIT_EXPECT_TRUE(test, smm_lru_gen_should_age(node));
	smm_lru_gen_age(pool, node, seen, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, smm_lru_gen_age(pool, node, seen, ULONG_MAX), 0U);
	KUNIT_EXPECT_EQ(test, g->max_seq, seen + 1);
	KUNIT_EXPECT_EQ(test, g->max_seq - g->min_seq + 1, (unsigned long)SMM_MIN_NR_GENS + 1);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_LRU_GEN_AGING) - aging, 1UL);
	KUNIT_EXPECT_EQ(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(seen - 1));
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Pages 0..3 go to a generation, aging opens another, then pages 4..7
 * join the one after the first.  Reclaiming four pages takes 0..3, the
 * oldest, and leaves 4..7 resident, though they are at no list's tail
 * disadvantage.
 */
static void smm_lru_gen_evict_oldest_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	struct smm_object *obj = smm_file_object(file);
	pgoff_t i;

	smm_test_write_patterned(test, pool, file, 0, LG_NR_PAGES / 2);
	KUNIT_ASSERT_EQ(test, smm_lru_gen_age(pool, node, READ_ONCE(g->max_seq), ULONG_MAX), 0U);
	smm_test_write_patterned(test, pool, file, LG_NR_PAGES / 2, LG_NR_PAGES / 2);
	KUNIT_ASSERT_NE(test, smm_lg_gen(test, pool, file, 0),
			smm_lg_gen(test, pool, file, LG_NR_PAGES / 2));

	KUNIT_EXPECT_EQ(test, smm_reclaim_pages(pool, LG_NR_PAGES / 2),
			(unsigned long)LG_NR_PAGES / 2);
	for (i = 0; i < LG_NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test, xa_is_value(smm_object_shadow(obj, i)),
				    i < LG_NR_PAGES / 2, "page %lu", i);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
	for (i = 0; i < LG_NR_PAGES; i++)
		KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, i));
}

/* Set tier @t's refaults and evictions; node 0's LRU lock held by none. */
static void smm_lg_set_rate(struct smm_node *node, unsigned int t,
			    unsigned long refaulted, unsigned long evicted)
{
	struct smm_lru_gen *g = &node->lruvec.gen;

	spin_lock(&node->lruvec.lock);
	g->avg_refaulted[t] = 0;
	g->avg_total[t] = 0;
	g->protected[t] = 0;
	atomic_long_set(&g->refaulted[t], refaulted);
	atomic_long_set(&g->evicted[t], evicted);
	spin_unlock(&node->lruvec.lock);
}

static unsigned int smm_lg_protected_tier(struct smm_node *node)
{
	unsigned int t;

	spin_lock(&node->lruvec.lock);
	t = smm_lru_gen_protected_tier(node);
	spin_unlock(&node->lruvec.lock);
	return t;
}

/*
 * The controller: tier 2 refaulting at 100% against tier 0's 10% is
 * protected, and so is tier 3 above it; at tier 0's rate, or with too few
 * refaults to tell, nothing is.  Then on pages: page 0 (tier 2) and page
 * 1 (tier 0) are the oldest tail.  With tier 2 cold both are taken; with
 * it hot page 0 moves to the next generation, its accesses spent, and
 * only page 1 is taken.
 */
static void smm_lru_gen_tier_protection_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	struct smm_page *out[2];
	unsigned long protected;
	unsigned int n;

	smm_lg_set_rate(node, 0, 100, 1000);
	smm_lg_set_rate(node, 2, 500, 500);
	KUNIT_EXPECT_EQ(test, smm_lg_protected_tier(node), 2U);
	smm_lg_set_rate(node, 2, 100, 1000);
	KUNIT_EXPECT_EQ(test, smm_lg_protected_tier(node), SMM_MAX_NR_TIERS);
	smm_lg_set_rate(node, 2, SMM_LRU_GEN_MIN_REFAULTS - 1, SMM_LRU_GEN_MIN_REFAULTS - 1);
	KUNIT_EXPECT_EQ(test, smm_lg_protected_tier(node), SMM_MAX_NR_TIERS);

	smm_test_write_patterned(test, pool, file, 0, 2);
	smm_test_access(test, pool, file, 0, 3);
	KUNIT_ASSERT_EQ(test, smm_lg_tier(test, pool, file, 0), 2U);
	KUNIT_ASSERT_EQ(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(g->min_seq));

	/* Cold: both taken, then given back to the oldest generation. */
	n = smm_lru_gen_isolate(pool, node, 2, out);
	KUNIT_EXPECT_EQ(test, n, 2U);
	smm_lru_putback(pool, out, n);
	KUNIT_ASSERT_EQ(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(g->min_seq));
	KUNIT_ASSERT_EQ(test, smm_lg_gen(test, pool, file, 1),
			(int)smm_lru_gen_from_seq(g->min_seq));

	/* Hot: page 0 is kept. */
	smm_lg_set_rate(node, 2, 500, 500);
	protected = smm_event_sum(pool, SMM_LRU_GEN_PROTECTED);
	n = smm_lru_gen_isolate(pool, node, 2, out);
	KUNIT_EXPECT_EQ(test, n, 1U);
	if (n == 1)
		KUNIT_EXPECT_PTR_EQ(test, out[0], smm_sfn_page(&pool->region,
			page_private((struct page *)xa_load(&file->f_mapping->i_pages, 1))));
	smm_lru_putback(pool, out, n);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_LRU_GEN_PROTECTED) - protected, 1UL);
	KUNIT_EXPECT_EQ(test, g->protected[2], 1UL);
	KUNIT_EXPECT_EQ(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(g->min_seq + 1));
	KUNIT_EXPECT_EQ(test, smm_lg_tier(test, pool, file, 0), 0U);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * Page 0, accessed twice (tier 1), is evicted: tier 1's evictions count
 * it.  Read straight back (min_seq unchanged), its refault counts for
 * tier 1, as a restore, and the page is in tier 1 again; it joins a
 * generation, never as active.
 */
static void smm_lru_gen_refault_tier_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_node *node = &pool->zones.nodes[0];
	struct smm_lru_gen *g = &node->lruvec.gen;
	struct smm_workingset *ws = &pool->workingset.nodes[0];
	unsigned long restored, recent;
	long refaults, activated;

	smm_test_write_patterned(test, pool, file, 0, 1);
	smm_test_access(test, pool, file, 0, 2);
	KUNIT_ASSERT_EQ(test, smm_lg_tier(test, pool, file, 0), 1U);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 1), 1UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&g->evicted[1]), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&g->evicted[0]), 0L);

	restored = smm_event_sum(pool, SMM_WORKINGSET_RESTORE_ANON);
	recent = smm_event_sum(pool, SMM_LRU_GEN_REFAULT_RECENT);
	refaults = atomic_long_read(&ws->refaults);
	activated = atomic_long_read(&ws->activated);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	smm_lru_drain_all(pool);
	/* The workingset file's node counts it as vmstat does. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ws->refaults) - refaults, 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ws->activated) - activated, 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&g->refaulted[1]), 1L);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_LRU_GEN_REFAULT_RECENT) - recent, 1UL);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_WORKINGSET_RESTORE_ANON) - restored, 1UL);
	KUNIT_EXPECT_EQ(test, smm_lg_tier(test, pool, file, 0), 1U);
	/*
	 * A refault joins min_seq + 1, or min_seq with two generations; not
	 * max_seq, as an activated page would.
	 */
	KUNIT_EXPECT_EQ(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(g->max_seq - g->min_seq + 1 > SMM_MIN_NR_GENS ?
						  g->min_seq + 1 : g->min_seq));
	KUNIT_EXPECT_NE(test, smm_lg_gen(test, pool, file, 0),
			(int)smm_lru_gen_from_seq(g->max_seq));
	KUNIT_EXPECT_FALSE(test, smm_page_test(smm_test_lock_frame(test, pool, file, 0),
					       SMM_PG_refault));
	smm_test_unlock_frame(file, 0);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

/*
 * A page evicted before a switch to classic and back is no recent
 * refault of the new history: the generations start past the old ones,
 * so its token (the min_seq it left under) matches none of them.  When
 * every switch restarted at 0, the old min_seq came round again and the
 * refault counted for its tier.
 */
static void smm_lru_gen_refault_after_switch_test(struct kunit *test)
{
	struct smm_pool *pool = smm_lg_pool(test);
	struct file *file = smm_test_object_file(test, pool);
	struct smm_lru_gen *g = &pool->zones.nodes[0].lruvec.gen;
	struct smm_workingset *ws = &pool->workingset.nodes[0];
	unsigned long recent, max_seq;
	long refaults, activated;

	smm_test_write_patterned(test, pool, file, 0, 2);
	KUNIT_ASSERT_EQ(test, smm_reclaim_pages(pool, 2), 2UL);
	KUNIT_ASSERT_TRUE(test, xa_is_value(smm_object_shadow(smm_file_object(file), 0)));
	max_seq = g->max_seq;
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_CLASSIC), 0);
	KUNIT_ASSERT_EQ(test, smm_lru_set_policy(pool, SMM_LRU_POLICY_MGLRU), 0);
	KUNIT_EXPECT_GT(test, g->min_seq, max_seq);
	KUNIT_EXPECT_EQ(test, g->max_seq - g->min_seq + 1, (unsigned long)SMM_MIN_NR_GENS);

	recent = smm_event_sum(pool, SMM_LRU_GEN_REFAULT_RECENT);
	refaults = atomic_long_read(&ws->refaults);
	activated = atomic_long_read(&ws->activated);
	KUNIT_EXPECT_TRUE(test, smm_test_read_page(test, file, 0));
	smm_lru_drain_all(pool);
	KUNIT_EXPECT_EQ(test, smm_event_sum(pool, SMM_LRU_GEN_REFAULT_RECENT), recent);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&g->refaulted[0]), 0L);
	/* A refault all the same, in the workingset file: no activation. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ws->refaults) - refaults, 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ws->activated), activated);
	KUNIT_EXPECT_EQ(test, smm_test_validate(pool), 0U);
}

static struct kunit_case smm_lru_gen_cases[] = {
	KUNIT_CASE(smm_lru_gen_add_tier_test),
	KUNIT_CASE(smm_lru_gen_aging_test),
	KUNIT_CASE(smm_lru_gen_aging_race_test),
	KUNIT_CASE(smm_lru_gen_aging_budget_test),
	KUNIT_CASE(smm_lru_gen_meminfo_test),
	KUNIT_CASE(smm_lru_gen_young_ptes_test),
	KUNIT_CASE(smm_lru_gen_print_test),
	KUNIT_CASE(smm_lru_gen_evict_oldest_test),
	KUNIT_CASE(smm_lru_gen_tier_protection_test),
	KUNIT_CASE(smm_lru_gen_refault_tier_test),
	KUNIT_CASE(smm_lru_gen_refault_after_switch_test),
	{}
};

static struct kunit_suite smm_lru_gen_suite = {
	.name = "shadowmm_lru_gen",
	.test_cases = smm_lru_gen_cases,
};

kunit_test_suites(&smm_lru_gen_suite);
