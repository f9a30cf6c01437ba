// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: where the memory comes from.
 *
 * Two backends fill a struct smm_region:
 *
 * - kernel: size_mb taken from the kernel's page allocator at load, in
 *   max-order blocks spread over the NUMA nodes, each split into order-0
 *   pages.  Ownership: the region holds every frame from its allocation
 *   to smm_region_destroy().  While a pool lives on it, a free frame's
 *   count is zero, as a free page's is in the kernel's allocator, so that
 *   nobody can take a reference to it (smm_object_pool_init()); the
 *   allocation's reference comes back before the frames are returned.
 *
 * - reserved: a physical range the kernel never had, set aside at boot with
 *   memmap=SIZE$ADDR.  It must lie inside "Reserved" entries of the
 *   resource tree with no hole between them, touch no System RAM and lie
 *   below the end of RAM, where the kernel's memory map gives its frames
 *   struct pages; we claim it with request_mem_region() so nobody else
 *   can, and map it with memremap().  Its frames are not in the
 *   kernel's free lists, and their struct pages are PageReserved.  While the
 *   pool lives, their counts are zero as the kernel backend's are (the
 *   objects' rule for free frames); nothing else takes a reference to one,
 *   since a pool over a reserved range refuses mmap, which is how the
 *   kernel's mm would reach its pages.
 *
 * Either way the region is mapped once, contiguously, in kernel virtual
 * memory (vmap() of the pages, or the memremap() of the range), so frame
 * number, descriptor and address convert by arithmetic.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kasan.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/suspend.h>
#include <linux/vmalloc.h>

#include <shadowmm/compat.h>
#include <shadowmm/region.h>

struct smm_chunk {
	unsigned long pfn;
	int nid;
};

static int smm_chunk_cmp(const void *a, const void *b)
{
	const struct smm_chunk *x = a, *y = b;

	if (x->nid != y->nid)
		return x->nid < y->nid ? -1 : 1;
	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return 0;
}

/*
 * The allocations whose size follows the region's: a load asked for more
 * than the machine has fails with ENOMEM rather than have the OOM killer
 * make room for it.  __GFP_NORETRY, not __GFP_RETRY_MAYFAIL: with the
 * latter kvmalloc() would reclaim and compact hard for a high-order
 * kmalloc() before it fell back to vmalloc(), competing for the very
 * blocks the region is about to take.
 */
#define SMM_REGION_GFP	(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

static int smm_region_alloc_arrays(struct smm_region *r)
{
	r->nr_frames = r->nr_chunks * SMM_CHUNK_FRAMES;
	r->chunk_pfn = kvcalloc(r->nr_chunks, sizeof(*r->chunk_pfn), SMM_REGION_GFP);
	if (!r->chunk_pfn)
		return -ENOMEM;
	r->chunk_nid = kvcalloc(r->nr_chunks, sizeof(*r->chunk_nid), SMM_REGION_GFP);
	if (!r->chunk_nid)
		goto err_pfn;
	r->pages = kvcalloc(r->nr_frames, sizeof(*r->pages), SMM_REGION_GFP);
	if (!r->pages)
		goto err_nid;
	return 0;

err_nid:
	kvfree(r->chunk_nid);
err_pfn:
	kvfree(r->chunk_pfn);
	return -ENOMEM;
}

static void smm_region_free_arrays(struct smm_region *r)
{
	kvfree(r->pages);
	kvfree(r->chunk_nid);
	kvfree(r->chunk_pfn);
}

static void smm_free_chunks(struct smm_chunk *chunks, unsigned long n, bool split)
{
	unsigned long c, i;

	for (c = 0; c < n; c++) {
		if (!split) {
			__free_pages(pfn_to_page(chunks[c].pfn), SMM_CHUNK_ORDER);
			continue;
		}
		for (i = 0; i < SMM_CHUNK_FRAMES; i++)
			__free_page(pfn_to_page(chunks[c].pfn + i));
	}
}

/*
 * Take one max-order block from @nid, or when @nid has none left, from the
 * next node of @nodes that has one.  Never from a node outside @nodes: a
 * pool asked for one node must not silently span two (its zones, kswapd
 * and node counters would then describe memory it was told not to use).
 * Every node is tried twice: a __GFP_NORETRY attempt can fail while the
 * compaction it started is still freeing a block.
 */
static struct page *smm_take_chunk(int nid, const nodemask_t *nodes)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY |
			  __GFP_THISNODE;
	struct page *page;
	int i, n = nid;

	for (i = 0; i < 2 * nodes_weight(*nodes); i++) {
		page = alloc_pages_node(n, gfp, SMM_CHUNK_ORDER);
		if (page)
			return page;
		n = next_node_in(n, *nodes);
	}
	return NULL;
}

/*
 * Pages a load of @nr_frames takes from the kernel after the frames
 * themselves: the page tables of their mapping, its KASAN shadow where
 * vmalloc space has one (an eighth of the region), and a margin for the
 * rest of the pool's set-up (per-node threads, per-CPU lists, the store's
 * compression contexts, debugfs).  The frames are taken only when the
 * kernel can give all of it without going below its own reserve.
 */
#define SMM_REGION_SETUP_PAGES	((8UL << 20) >> PAGE_SHIFT)

static unsigned long smm_region_kernel_extra(unsigned long nr_frames)
{
	unsigned long extra = DIV_ROUND_UP(nr_frames, PTRS_PER_PTE) + SMM_REGION_SETUP_PAGES;

#if defined(CONFIG_KASAN_VMALLOC) && \
	(defined(CONFIG_KASAN_GENERIC) || defined(CONFIG_KASAN_SW_TAGS))
	extra += nr_frames >> KASAN_SHADOW_SCALE_SHIFT;
#endif
	return extra;
}

static int smm_region_take_kernel(struct smm_region *r,
				  const struct smm_region_config *cfg)
{
	nodemask_t nodes = cfg->nodes;
	struct smm_chunk *chunks;
	struct page **map_pages;
	unsigned long c, i, nr_nodes, need, avail;
	int nid, ret;

	if (!cfg->nr_pages)
		return -EINVAL;
	if (nodes_empty(nodes))
		nodes = node_states[N_MEMORY];
	nr_nodes = nodes_weight(nodes);
	if (!nr_nodes)
		return -EINVAL;

	r->nr_chunks = DIV_ROUND_UP(cfg->nr_pages, SMM_CHUNK_FRAMES);
	/*
	 * Everything that grows with the region before its frames: taken
	 * after them, it would have to come out of the little they leave.
	 */
	ret = smm_region_alloc_arrays(r);
	if (ret)
		return ret;
	chunks = kvcalloc(r->nr_chunks, sizeof(*chunks), SMM_REGION_GFP);
	map_pages = kvmalloc_array(r->nr_frames, sizeof(*map_pages), SMM_REGION_GFP);
	if (!chunks || !map_pages) {
		ret = -ENOMEM;
		goto err_map_pages;
	}
	need = r->nr_frames + smm_region_kernel_extra(r->nr_frames);
	avail = si_mem_available();	/* never below 0: it clamps */
	if (need > avail) {
		pr_err("size_mb=%lu cannot be taken from the kernel: it has %lu MiB available, the region and its mapping need %lu MiB\n",
		       cfg->nr_pages >> (20 - PAGE_SHIFT),
		       avail >> (20 - PAGE_SHIFT), need >> (20 - PAGE_SHIFT));
		ret = -ENOMEM;
		goto err_map_pages;
	}

	/* Spread the chunks over the nodes round-robin. */
	nid = first_node(nodes);
	for (c = 0; c < r->nr_chunks; c++) {
		struct page *page = smm_take_chunk(nid, &nodes);

		if (!page) {
			pr_err("size_mb=%lu cannot be taken from the kernel: only %lu MiB free in max-order blocks\n",
			       cfg->nr_pages >> (20 - PAGE_SHIFT),
			       (c * SMM_CHUNK_FRAMES) >> (20 - PAGE_SHIFT));
			smm_free_chunks(chunks, c, false);
			ret = -ENOMEM;
			goto err_map_pages;
		}
		chunks[c].pfn = page_to_pfn(page);
		chunks[c].nid = page_to_nid(page);
		nid = next_node_in(nid, nodes);
	}

	/* Node by node, each in address order: a node is one sfn range. */
	sort(chunks, r->nr_chunks, sizeof(*chunks), smm_chunk_cmp, NULL);

	for (c = 0; c < r->nr_chunks; c++) {
		r->chunk_pfn[c] = chunks[c].pfn;
		r->chunk_nid[c] = chunks[c].nid;
		for (i = 0; i < SMM_CHUNK_FRAMES; i++)
			map_pages[c * SMM_CHUNK_FRAMES + i] = pfn_to_page(chunks[c].pfn + i);
	}
	r->vaddr = vmap(map_pages, r->nr_frames, VM_MAP, PAGE_KERNEL);
	kvfree(map_pages);
	map_pages = NULL;
	if (!r->vaddr) {
		ret = -ENOMEM;
		goto err_free;
	}
	r->map = r->vaddr;

	/* Each frame becomes a page of its own, with our one reference. */
	for (c = 0; c < r->nr_chunks; c++)
		split_page(pfn_to_page(chunks[c].pfn), SMM_CHUNK_ORDER);

	r->nr_present = r->nr_frames;
	kvfree(chunks);
	return 0;

err_free:
	smm_free_chunks(chunks, r->nr_chunks, false);
err_map_pages:
	kvfree(map_pages);
	kvfree(chunks);
	smm_region_free_arrays(r);
	return ret;
}

/*
 * Does @pfn have an initialised struct page the reserved backend may own?
 * A memmap= range inside RAM lies in a section the kernel brought up at
 * boot, whose memory map was allocated whole and whose holes were
 * initialised as reserved pages.  pfn_to_online_page() cannot say so on
 * a kernel with memory hotplug (every distribution kernel): it also
 * requires the subsection to be in the map of hot-pluggable memory, which
 * only RAM is.  So: a valid pfn in a boot-time section that is online,
 * and not device memory.
 */
static bool smm_region_pfn_has_page(unsigned long pfn)
{
	struct mem_section *ms;

	if (!pfn_valid(pfn))
		return false;
	ms = __pfn_to_section(pfn);
	if (!early_section(ms) || !online_section(ms))
		return false;
	return !is_zone_device_page(pfn_to_page(pfn));
}

/*
 * One Reserved piece of the walk over a range, in address order, clipped
 * to it: *@arg is the first byte no piece has covered yet.  A piece that
 * starts past it ends the walk with that byte short of the range's end.
 */
static int smm_region_cover_piece(struct resource *res, void *arg)
{
	phys_addr_t *next = arg;

	if (res->start > *next)
		return 1;
	*next = max_t(phys_addr_t, *next, res->end + 1);
	return 0;
}

/*
 * region_intersects() counts only the resources it finds: a range partly
 * in a Reserved entry and partly where the tree has nothing at all (a hole
 * of the firmware's map, or memory mem= took away) is "intersecting" by
 * its rule.  Frames there may have struct pages and still be no memory.
 */
static bool smm_region_reserved_covers(phys_addr_t base, phys_addr_t end)
{
	phys_addr_t next = base;

	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, base, end - 1,
			    &next, smm_region_cover_piece);
	return next >= end;
}

/**
 * smm_region_check_reserved() - may the reserved backend use this range?
 * @base: physical address of the first byte
 * @size: length in bytes
 *
 * The range must be page aligned, at least 1 MiB, touch no System RAM, lie
 * wholly inside "Reserved" ranges of the resource tree (what
 * memmap=SIZE$ADDR creates), every byte of it, and have a struct page for
 * every frame: the frames become page-cache pages of objects.  A memmap=
 * range inside RAM has them (the kernel's memory map covers its holes);
 * one beyond the end of RAM has none, and every frame is checked, since
 * the map can end in the middle of a range.  Each refusal is logged with
 * its reason.
 *
 * Context: Process context, may sleep.
 * Return: 0 when usable, -EINVAL for a malformed range, one that is not
 * reserved or one without struct pages, -EBUSY when it overlaps System RAM.
 */
int smm_region_check_reserved(phys_addr_t base, phys_addr_t size)
{
	unsigned long pfn, end_pfn;
	phys_addr_t end;

	if (!PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) || size < SZ_1M ||
	    check_add_overflow(base, size, &end)) {
		pr_err("phys_base=%pa phys_size=%pa is invalid: both must be page aligned and the size at least 1 MiB, the end within the address space\n",
		       &base, &size);
		return -EINVAL;
	}
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("phys_base=%pa phys_size=%pa is refused: the range overlaps System RAM the kernel uses\n",
		       &base, &size);
		return -EBUSY;
	}
	if (region_intersects(base, size, IORESOURCE_MEM,
			      IORES_DESC_RESERVED) != REGION_INTERSECTS ||
	    !smm_region_reserved_covers(base, end)) {
		pr_err("phys_base=%pa phys_size=%pa is refused: the range is not inside a Reserved range of /proc/iomem (boot with memmap=SIZE$ADDR)\n",
		       &base, &size);
		return -EINVAL;
	}
	end_pfn = PHYS_PFN(end);
	for (pfn = PHYS_PFN(base); pfn < end_pfn; pfn++) {
		if (!smm_region_pfn_has_page(pfn)) {
			phys_addr_t bad = PFN_PHYS(pfn);

			pr_err("phys_base=%pa phys_size=%pa is refused: the range has no struct page at %pa: it lies beyond the end of RAM the kernel's memory map covers; use a memmap= range below the end of RAM\n",
			       &base, &size, &bad);
			return -EINVAL;
		}
		if (!(pfn % SMM_CHUNK_FRAMES))
			cond_resched();
	}
	return 0;
}
SMM_EXPORT(smm_region_check_reserved);

static int smm_region_take_reserved(struct smm_region *r,
				    const struct smm_region_config *cfg)
{
	unsigned long first_pfn, end_pfn, base_pfn, sfn, c;
	void *map;
	int ret;

	ret = smm_region_check_reserved(cfg->phys_base, cfg->phys_size);
	if (ret)
		return ret;

	r->res = request_mem_region(cfg->phys_base, cfg->phys_size, "shadowmm");
	if (!r->res) {
		pr_err("phys_base=%pa phys_size=%pa is refused: the range is already claimed by another driver\n",
		       &cfg->phys_base, &cfg->phys_size);
		return -EBUSY;
	}
	map = memremap(cfg->phys_base, cfg->phys_size, MEMREMAP_WB);
	if (!map) {
		ret = -ENOMEM;
		goto err_release;
	}

	/* The sfn space starts on a chunk boundary; frames before the range
	 * and after its end are holes.
	 */
	first_pfn = PHYS_PFN(cfg->phys_base);
	end_pfn = PHYS_PFN(cfg->phys_base + cfg->phys_size);
	base_pfn = ALIGN_DOWN(first_pfn, SMM_CHUNK_FRAMES);
	r->nr_chunks = DIV_ROUND_UP(end_pfn - base_pfn, SMM_CHUNK_FRAMES);
	ret = smm_region_alloc_arrays(r);
	if (ret)
		goto err_unmap;

	for (c = 0; c < r->nr_chunks; c++) {
		unsigned long pfn = max(base_pfn + c * SMM_CHUNK_FRAMES, first_pfn);

		r->chunk_pfn[c] = base_pfn + c * SMM_CHUNK_FRAMES;
		r->chunk_nid[c] = page_to_nid(pfn_to_page(pfn));
	}
	for (sfn = 0; sfn < r->nr_frames; sfn++) {
		if (base_pfn + sfn < first_pfn || base_pfn + sfn >= end_pfn)
			__smm_page_set(&r->pages[sfn], SMM_PG_absent);
	}
	r->nr_present = end_pfn - first_pfn;
	r->map = map;
	r->vaddr = (void *)((unsigned long)map - ((first_pfn - base_pfn) << PAGE_SHIFT));
	r->phys_base = cfg->phys_base;
	r->phys_size = cfg->phys_size;
	return 0;

err_unmap:
	memunmap(map);
err_release:
	release_mem_region(cfg->phys_base, cfg->phys_size);
	r->res = NULL;
	return ret;
}

/**
 * smm_region_overlaps_pfns() - does a pfn range hold any of the region's frames
 * @region: the region
 * @start_pfn: first pfn of the range
 * @nr_pages: its length
 *
 * Context: Any context; the region is immutable.
 * Return: true when some frame the region owns lies in the range.
 */
bool smm_region_overlaps_pfns(const struct smm_region *region,
			      unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long end_pfn = start_pfn + nr_pages, c;

	if (region->backend == SMM_BACKEND_RESERVED)
		return PHYS_PFN(region->phys_base) < end_pfn &&
		       start_pfn < PHYS_PFN(region->phys_base + region->phys_size);
	for (c = 0; c < region->nr_chunks; c++)
		if (region->chunk_pfn[c] < end_pfn &&
		    start_pfn < region->chunk_pfn[c] + SMM_CHUNK_FRAMES)
			return true;
	return false;
}
SMM_EXPORT(smm_region_overlaps_pfns);

/*
 * Memory offline must not take a block holding our frames.  It would not
 * fail by itself: frames that are not object pages have refcount 0, which
 * page isolation takes for free memory, and since they are not on the
 * kernel's free lists offline_pages() would then retry its "are they all
 * free now" test until a signal came, draining every CPU's LRU batches on
 * each pass.  Refusing here, where offline_pages() asks before it migrates
 * anything, fails it at once with -EBUSY; the block stays online and the
 * region untouched.  (A reserved backend's frames are PageReserved, which
 * isolation refuses already; asking costs nothing.)
 */
static int smm_region_offline_notify(struct notifier_block *nb,
				     unsigned long action, void *data)
{
	struct smm_region *region = container_of(nb, struct smm_region, offline_nb);
	const struct memory_notify *arg = data;

	if (action != MEM_GOING_OFFLINE)
		return NOTIFY_DONE;
	if (!smm_region_overlaps_pfns(region, arg->start_pfn, arg->nr_pages))
		return NOTIFY_OK;
	pr_info_ratelimited("memory offline of pfn 0x%lx-0x%lx refused: it holds frames of a shadowmm pool\n",
			    arg->start_pfn, arg->start_pfn + arg->nr_pages - 1);
	return notifier_from_errno(-EBUSY);
}

/*
 * Hibernation saves only what the kernel counts as RAM.  A range set
 * aside with memmap= is not (e820__register_nosave_regions() marks it
 * nosave), so a reserved pool's frames would be missing from the image:
 * after resume the objects' bytes and the module's own slabs (objects,
 * VMA descriptors, free pointers) would hold whatever the range held
 * after the power cycle, while the saved descriptors still call them
 * in use.  Refused before any task freezes; suspend to RAM or to idle
 * keeps the memory powered and is not refused.
 */
static int smm_region_pm_notify(struct notifier_block *nb, unsigned long action,
				void *data)
{
	struct smm_region *region = container_of(nb, struct smm_region, pm_nb);

	if (action != PM_HIBERNATION_PREPARE)
		return NOTIFY_DONE;
	pr_warn_ratelimited("hibernation refused: the reserved range %pa+%pa of a shadowmm pool is not saved in an image; unload shadowmm first\n",
			    &region->phys_base, &region->phys_size);
	return notifier_from_errno(-EBUSY);
}

/* Give back what smm_region_take_kernel()/_reserved() took. */
static void smm_region_give_back(struct smm_region *region)
{
	unsigned long c, i;

	switch (region->backend) {
	case SMM_BACKEND_KERNEL:
		vunmap(region->map);
		for (c = 0; c < region->nr_chunks; c++)
			for (i = 0; i < SMM_CHUNK_FRAMES; i++)
				__free_page(pfn_to_page(region->chunk_pfn[c] + i));
		break;
	case SMM_BACKEND_RESERVED:
		memunmap(region->map);
		release_mem_region(region->phys_base, region->phys_size);
		break;
	}
	smm_region_free_arrays(region);
}

/**
 * smm_region_create() - take the memory a pool will manage
 * @region: filled in on success; zeroed by the caller
 * @cfg: which backend, and how much or which range
 *
 * The descriptors come back zeroed except for SMM_PG_absent on holes.
 * Until smm_region_destroy(), memory offline of a block holding any of the
 * frames fails with -EBUSY.
 *
 * Context: Process context, may sleep.
 * Return: 0, -EINVAL for a bad configuration, -EBUSY for a reserved range
 * in use, -ENOMEM when the memory cannot be had.
 */
int smm_region_create(struct smm_region *region, const struct smm_region_config *cfg)
{
	int ret;

	region->backend = cfg->backend;
	switch (cfg->backend) {
	case SMM_BACKEND_KERNEL:
		ret = smm_region_take_kernel(region, cfg);
		break;
	case SMM_BACKEND_RESERVED:
		ret = smm_region_take_reserved(region, cfg);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret)
		return ret;

	region->offline_nb.notifier_call = smm_region_offline_notify;
	ret = register_memory_notifier(&region->offline_nb);
	if (ret)
		goto err_give_back;
	if (region->backend == SMM_BACKEND_RESERVED) {
		unsigned int sleep_flags;

		/*
		 * Under the lock a hibernation holds from before it asks its
		 * notifiers until after the thaw: one asked before we were
		 * registered cannot take its image with this range in use.
		 */
		region->pm_nb.notifier_call = smm_region_pm_notify;
		sleep_flags = lock_system_sleep();
		ret = register_pm_notifier(&region->pm_nb);
		unlock_system_sleep(sleep_flags);
		if (ret)
			goto err_offline_nb;
	}
	return 0;

err_offline_nb:
	unregister_memory_notifier(&region->offline_nb);
err_give_back:
	smm_region_give_back(region);
	return ret;
}

/**
 * smm_region_destroy() - give the memory back
 * @region: a region smm_region_create() filled
 *
 * Kernel backend: each frame's one reference goes back; a frame someone
 * else still holds (a pin) returns to the kernel when they let go, which is
 * fine, since the region no longer owns it.  Reserved backend: unmapped and
 * released; the frames never were the kernel's.  Memory offline may take
 * their blocks again.
 *
 * Context: Process context, may sleep.
 */
void smm_region_destroy(struct smm_region *region)
{
	/* Each waits for a call in progress: none reads the region after. */
	if (region->backend == SMM_BACKEND_RESERVED)
		unregister_pm_notifier(&region->pm_nb);
	unregister_memory_notifier(&region->offline_nb);
	smm_region_give_back(region);
}

/**
 * smm_region_metadata_bytes() - what the region's bookkeeping costs
 * @region: the region
 *
 * Context: Any context.
 * Return: bytes of descriptors and chunk tables.
 */
size_t smm_region_metadata_bytes(const struct smm_region *region)
{
	return region->nr_frames * sizeof(struct smm_page) +
	       region->nr_chunks * (sizeof(*region->chunk_pfn) +
				    sizeof(*region->chunk_nid));
}
SMM_EXPORT(smm_region_metadata_bytes);
