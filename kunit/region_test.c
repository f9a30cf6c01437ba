// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: where the memory comes from (module/region.c): the reserved-range
 * checks, a pool over the VM's memmap= range, ownership of the kernel
 * backend's frames, address arithmetic, and the metadata budget.
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "smm_test.h"

static void smm_region_check_reserved_test(struct kunit *test)
{
	struct page *page = alloc_pages(GFP_KERNEL, 8);
	phys_addr_t ram;

	KUNIT_ASSERT_NOT_NULL(test, page);
	ram = page_to_phys(page);
	/* Malformed. */
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(0x1e000800, SZ_4M), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(0x1e000000, SZ_4M + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(0x1e000000, SZ_512K), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(~(phys_addr_t)0 - SZ_1M + 1, SZ_4M),
			-EINVAL);
	/* Memory the kernel uses. */
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(ram, SZ_1M), -EBUSY);
	/* Nothing there at all: not a reserved range. */
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(0x7f00000000ULL, SZ_4M), -EINVAL);
	__free_pages(page, 8);
}

/*
 * A Reserved range beyond the end of RAM, as memmap=SIZE$ADDR above the
 * memory makes: no struct pages there, so it is refused however it looks
 * in the resource tree.  A resource of the test's own stands in for the
 * memmap= entry, at the first 64 MiB from 4 GiB up that no resource and no
 * memory map covers.
 */
static void smm_region_beyond_ram_test(struct kunit *test)
{
	struct resource *res = kunit_kzalloc(test, sizeof(*res), GFP_KERNEL);
	phys_addr_t base;
	int ret = -EBUSY;

	KUNIT_ASSERT_NOT_NULL(test, res);
	res->name = "Reserved";
	res->flags = IORESOURCE_MEM | IORESOURCE_BUSY;
	res->desc = IORES_DESC_RESERVED;
	for (base = SZ_4G; base < (phys_addr_t)SZ_1G * 1024; base += SZ_1G) {
		if (pfn_to_online_page(PHYS_PFN(base)) ||
		    region_intersects(base, SZ_64M, IORESOURCE_MEM,
				      IORES_DESC_NONE) != REGION_DISJOINT)
			continue;
		res->start = base;
		res->end = base + SZ_64M - 1;
		ret = insert_resource(&iomem_resource, res);
		if (!ret)
			break;
	}
	if (ret)
		kunit_skip(test, "no free physical range beyond RAM for a test resource");

	/* As the old code saw it: reserved, disjoint from RAM... */
	KUNIT_EXPECT_EQ(test, region_intersects(base, SZ_4M, IORESOURCE_MEM,
						IORES_DESC_RESERVED), REGION_INTERSECTS);
	/* ...but without struct pages: refused, whole and in part. */
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(base, SZ_4M), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(base + SZ_32M, SZ_32M), -EINVAL);
	remove_resource(res);
}

static int smm_find_reserved(struct resource *res, void *arg)
{
	struct resource *found = arg;

	if (resource_size(res) >= SZ_8M && res->start >= SZ_16M && !found->end) {
		found->start = ALIGN(res->start, SZ_4M);
		found->end = found->start + SZ_4M - 1;
		if (found->end > res->end)
			found->end = 0;
	}
	return 0;
}

/*
 * A pool over 4 MiB of the VM's memmap= range: claimed in the resource
 * tree (a second claim fails), every frame free and usable, its node the
 * frames' own, and bytes written through the pool read back.
 */
static void smm_region_reserved_pool_test(struct kunit *test)
{
	struct resource found = { };
	struct smm_pool_config cfg = {
		.name = "kunit-reserved",
		.zone_split = { 0, 100, 0 },
		.region.backend = SMM_BACKEND_RESERVED,
	};
	struct smm_pool *pool, *second;
	struct smm_page *page;
	u32 *p;
	int i;

	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, 0, ULLONG_MAX,
			    &found, smm_find_reserved);
	if (!found.end)
		kunit_skip(test, "no memmap= reserved range of 8 MiB or more");
	cfg.region.phys_base = found.start;
	cfg.region.phys_size = SZ_4M;
	KUNIT_ASSERT_EQ(test, smm_pool_create(&cfg, &pool), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_pool_destroy, pool), 0);

	KUNIT_EXPECT_EQ(test, pool->region.backend, SMM_BACKEND_RESERVED);
	KUNIT_EXPECT_EQ(test, pool->region.nr_present, 1024UL);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), 1024UL);
	KUNIT_EXPECT_EQ(test, pool->zones.nodes[0].nid,
			page_to_nid(pfn_to_page(PHYS_PFN(found.start))));
	KUNIT_EXPECT_EQ(test, smm_sfn_pfn(&pool->region, 0), PHYS_PFN(found.start));
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(found.start, SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, smm_pool_create(&cfg, &second), -EBUSY);

	page = smm_alloc_pages(pool, 2, SMM_GFP_NOWAIT | SMM_GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	p = smm_page_address(pool, page);
	for (i = 0; i < 4 * PAGE_SIZE / sizeof(u32); i++)
		KUNIT_ASSERT_EQ(test, p[i], 0U);
	for (i = 0; i < 4 * PAGE_SIZE / sizeof(u32); i++)
		p[i] = i * 2654435761U;
	for (i = 0; i < 4 * PAGE_SIZE / sizeof(u32); i++)
		KUNIT_ASSERT_EQ(test, p[i], i * 2654435761U);
	KUNIT_EXPECT_PTR_EQ(test, smm_virt_to_page(pool, p + 1024 + 5), page + 1);
	smm_free_pages(pool, page, 2);
}

/*
 * A range half in the memmap= entry and half in a hole of the resource
 * tree, where no resource at all describes the memory: region_intersects()
 * calls it "intersecting" Reserved (it counts only what it finds), and the
 * frames there have struct pages, so only a walk over the Reserved pieces
 * sees the hole.  The test makes the hole itself: it shrinks the memmap=
 * entry by 4 MiB at its top (adjust_resource()) and restores it after.
 */
static void smm_region_reserved_hole_test(struct kunit *test)
{
	struct resource found = { }, *claim, *entry;
	resource_size_t start, size;
	phys_addr_t top;
	int ret;

	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, 0, ULLONG_MAX,
			    &found, smm_find_reserved);
	if (!found.end)
		kunit_skip(test, "no memmap= reserved range of 8 MiB or more");
	/* The entry itself: the parent a claim inside it hangs under. */
	claim = request_mem_region(found.start, SZ_4M, "shadowmm-kunit");
	KUNIT_ASSERT_NOT_NULL(test, claim);
	entry = claim->parent;
	release_mem_region(found.start, SZ_4M);
	KUNIT_ASSERT_NOT_NULL(test, entry);
	start = entry->start;
	size = resource_size(entry);
	if (size < SZ_16M || entry->desc != IORES_DESC_RESERVED)
		kunit_skip(test, "the memmap= entry is not one Reserved resource of 16 MiB");
	top = start + size;
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(top - SZ_8M, SZ_8M), 0);

	KUNIT_ASSERT_EQ(test, adjust_resource(entry, start, size - SZ_4M), 0);
	/* The hole is no System RAM, has struct pages, and fools the old test. */
	KUNIT_EXPECT_EQ(test, region_intersects(top - SZ_8M, SZ_8M, IORESOURCE_SYSTEM_RAM,
						IORES_DESC_NONE), REGION_DISJOINT);
	KUNIT_EXPECT_EQ(test, region_intersects(top - SZ_8M, SZ_8M, IORESOURCE_MEM,
						IORES_DESC_RESERVED), REGION_INTERSECTS);
	KUNIT_EXPECT_NOT_NULL(test, pfn_to_online_page(PHYS_PFN(top - SZ_4M)));
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(top - SZ_8M, SZ_8M), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(top - SZ_4M, SZ_4M), -EINVAL);
	/* What is still Reserved is still usable. */
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(top - SZ_8M, SZ_4M), 0);
	ret = adjust_resource(entry, start, size);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, smm_region_check_reserved(top - SZ_8M, SZ_8M), 0);
}

/*
 * Kernel backend: each frame is a page of its own, and the pool's mapping
 * and the kernel's direct map show the same bytes.  While the pool owns
 * them, frames that are not object pages have refcount 0, as the
 * kernel's free pages do: nobody can take a reference to one, so nobody's
 * put_page() can ever free it either.
 */
static void smm_region_kernel_ownership_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 0, 100, 0 },
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_region *r = &pool->region;
	unsigned long sfn, wrong = 0;

	for (sfn = 0; sfn < r->nr_frames; sfn++) {
		struct page *kp = pfn_to_page(smm_sfn_pfn(r, sfn));

		wrong += page_count(kp) != 0 || PageCompound(kp) || PageBuddy(kp);
	}
	KUNIT_EXPECT_EQ(test, wrong, 0UL);

	for (sfn = 0; sfn < r->nr_frames; sfn += 997) {
		u64 *mine = smm_sfn_vaddr(r, sfn);
		u64 *kernels = page_address(pfn_to_page(smm_sfn_pfn(r, sfn)));

		*mine = 0x5eed0000ULL + sfn;
		KUNIT_EXPECT_EQ(test, *kernels, 0x5eed0000ULL + sfn);
	}
}

/*
 * A pool asked for one node takes its chunks from that node or fails: with
 * every max-order block of that node held here, it must not quietly take
 * another node's (its zones and kswapd would describe memory it was told
 * not to use).
 */
static void smm_region_node_mask_test(struct kunit *test)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NORETRY |
			  __GFP_NOWARN;
	struct smm_pool_config cfg = {
		.name = "kunit",
		.region = {
			.backend = SMM_BACKEND_KERNEL,
			.nr_pages = 2 * SMM_CHUNK_FRAMES,
		},
		.zone_split = { 0, 100, 0 },
	};
	struct smm_pool *pool = NULL;
	struct page *page, *next;
	unsigned long c, held = 0, elsewhere = 0;
	LIST_HEAD(blocks);
	int nid, ret;

	if (num_node_state(N_MEMORY) < 2)
		kunit_skip(test, "needs two nodes with memory");
	nid = first_node(node_states[N_MEMORY]);
	cfg.region.nodes = nodemask_of_node(nid);

	while ((page = alloc_pages_node(nid, gfp, SMM_CHUNK_ORDER))) {
		list_add(&page->lru, &blocks);
		held++;
	}
	ret = smm_pool_create(&cfg, &pool);
	if (!ret) {
		for (c = 0; c < pool->region.nr_chunks; c++)
			elsewhere += pool->region.chunk_nid[c] != nid;
		smm_pool_destroy(pool);
	}
	list_for_each_entry_safe(page, next, &blocks, lru) {
		list_del(&page->lru);
		__free_pages(page, SMM_CHUNK_ORDER);
	}
	kunit_info(test, "held %lu max-order blocks of node %d\n", held, nid);
	KUNIT_EXPECT_EQ_MSG(test, elsewhere, 0UL, "chunks taken from another node");
	/* Compaction may yet build a block on that node: then it is used. */
	KUNIT_EXPECT_TRUE_MSG(test, ret == -ENOMEM || ret == 0, "ret %d", ret);
}

/* Descriptors and chunk tables cost under 1 % of the region. */
static void smm_region_metadata_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 16, .split = { 0, 100, 0 },
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	size_t meta = smm_region_metadata_bytes(&pool->region);

	KUNIT_EXPECT_LE(test, sizeof(struct smm_page), 40UL);
	KUNIT_EXPECT_LT(test, meta * 100, (size_t)pool->region.nr_present * PAGE_SIZE);
}

/*
 * Memory offline asks before it takes a block: a range holding any frame
 * of the region, down to its first and last frame of a chunk, is refused
 * with -EBUSY; a range beside the frames, or another event, is not our
 * business.  (The notifier is called as the kernel calls it: the test
 * kernel has no memory hotplug, Debian's kernels, where userspace
 * object_test offlines a real block, do.)
 */
static void smm_region_offline_refused_test(struct kunit *test)
{
	static const struct smm_test_pool_cfg cfg = {
		.mb = 8, .split = { 0, 100, 0 },
	};
	struct smm_pool *pool = smm_test_pool(test, &cfg);
	struct smm_region *r = &pool->region;
	struct notifier_block *nb = &r->offline_nb;
	struct memory_notify arg = { .nr_pages = 1 };
	unsigned long c, after;
	bool checked_after = false;

	for (c = 0; c < r->nr_chunks; c++) {
		arg.start_pfn = r->chunk_pfn[c];
		KUNIT_EXPECT_EQ(test, notifier_to_errno(nb->notifier_call(nb,
				MEM_GOING_OFFLINE, &arg)), -EBUSY);
		arg.start_pfn = r->chunk_pfn[c] + SMM_CHUNK_FRAMES - 1;
		KUNIT_EXPECT_EQ(test, notifier_to_errno(nb->notifier_call(nb,
				MEM_GOING_OFFLINE, &arg)), -EBUSY);
		/* Not ours to judge: only going offline is asked. */
		KUNIT_EXPECT_EQ(test, nb->notifier_call(nb, MEM_OFFLINE, &arg),
				NOTIFY_DONE);
		KUNIT_EXPECT_EQ(test, nb->notifier_call(nb, MEM_GOING_ONLINE, &arg),
				NOTIFY_DONE);

		/* The frame after a chunk, unless another chunk starts there. */
		after = r->chunk_pfn[c] + SMM_CHUNK_FRAMES;
		if (c + 1 < r->nr_chunks && r->chunk_pfn[c + 1] == after)
			continue;
		if (c && r->chunk_pfn[c - 1] == after)
			continue;
		arg.start_pfn = after;
		KUNIT_EXPECT_EQ(test, nb->notifier_call(nb, MEM_GOING_OFFLINE, &arg),
				NOTIFY_OK);
		checked_after = true;
	}
	/* Spread over the nodes, two chunks are rarely adjacent. */
	if (!checked_after)
		kunit_info(test, "every chunk adjoins another: no frame beside one checked");

	/* A whole block's worth around the first chunk; pfn 0 to a chunk. */
	arg.start_pfn = ALIGN_DOWN(r->chunk_pfn[0], 32768);
	arg.nr_pages = 32768;
	KUNIT_EXPECT_EQ(test, notifier_to_errno(nb->notifier_call(nb,
			MEM_GOING_OFFLINE, &arg)), -EBUSY);
	arg.start_pfn = 0;
	arg.nr_pages = r->chunk_pfn[r->nr_chunks - 1] + SMM_CHUNK_FRAMES;
	KUNIT_EXPECT_EQ(test, notifier_to_errno(nb->notifier_call(nb,
			MEM_GOING_OFFLINE, &arg)), -EBUSY);
	/* pfn 0 is firmware's on x86, never a chunk's. */
	arg.nr_pages = 1;
	KUNIT_EXPECT_EQ(test, nb->notifier_call(nb, MEM_GOING_OFFLINE, &arg), NOTIFY_OK);
}

static struct kunit_case smm_region_cases[] = {
	KUNIT_CASE(smm_region_check_reserved_test),
	KUNIT_CASE(smm_region_beyond_ram_test),
	KUNIT_CASE(smm_region_reserved_pool_test),
	KUNIT_CASE(smm_region_reserved_hole_test),
	KUNIT_CASE(smm_region_kernel_ownership_test),
	KUNIT_CASE(smm_region_node_mask_test),
	KUNIT_CASE(smm_region_metadata_test),
	KUNIT_CASE(smm_region_offline_refused_test),
	{}
};

static struct kunit_suite smm_region_suite = {
	.name = "shadowmm_region",
	.test_cases = smm_region_cases,
};

kunit_test_suites(&smm_region_suite);
