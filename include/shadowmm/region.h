/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where shadowmm's memory comes from (module/region.c).
 *
 * Frames are numbered within the region ("sfn", shadow frame number) in
 * chunks of 1024 (one max-order block).  Each chunk is backed by 1024
 * physically contiguous, 1024-aligned frames, so buddy arithmetic on sfn
 * (sfn ^ (1 << order)) is buddy arithmetic on the real pfn.  The whole
 * region is mapped contiguously in kernel virtual memory, so descriptor,
 * sfn and address convert by arithmetic.
 */
#ifndef _SHADOWMM_REGION_H
#define _SHADOWMM_REGION_H

#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/types.h>

#include <shadowmm/page.h>

#define SMM_CHUNK_ORDER		SMM_MAX_ORDER
#define SMM_CHUNK_FRAMES	(1UL << SMM_CHUNK_ORDER)

/**
 * enum smm_backend - where the region's frames come from
 * @SMM_BACKEND_KERNEL:	taken from the kernel's page allocator at load, in
 *			max-order blocks, split into single pages
 * @SMM_BACKEND_RESERVED: a physical range set aside at boot with memmap=,
 *			that the kernel's allocator never had
 */
enum smm_backend {
	SMM_BACKEND_KERNEL,
	SMM_BACKEND_RESERVED,
};

/**
 * struct smm_region_config - what to build a region from
 * @backend:	which backend
 * @nr_pages:	SMM_BACKEND_KERNEL: frames to take (rounded up to chunks)
 * @nodes:	SMM_BACKEND_KERNEL: NUMA nodes to take them from, spread
 *		evenly and never from a node outside the mask
 *		(NODE_MASK_NONE: every online node with memory)
 * @phys_base:	SMM_BACKEND_RESERVED: first byte of the range
 * @phys_size:	SMM_BACKEND_RESERVED: its size
 */
struct smm_region_config {
	enum smm_backend backend;
	unsigned long nr_pages;
	nodemask_t nodes;
	phys_addr_t phys_base;
	phys_addr_t phys_size;
};

/**
 * struct smm_region - the frames a pool owns; immutable after creation
 * @backend:	where they come from
 * @nr_frames:	size of the sfn space (a multiple of SMM_CHUNK_FRAMES)
 * @nr_present:	frames actually owned (the rest are holes, SMM_PG_absent)
 * @nr_chunks:	nr_frames / SMM_CHUNK_FRAMES
 * @pages:	the descriptors, indexed by sfn
 * @chunk_pfn:	pfn of each chunk's first frame
 * @chunk_nid:	NUMA node of each chunk (chunks are sorted by node)
 * @vaddr:	kernel virtual address of sfn 0
 * @map:	the mapping to undo (vmap area or memremap cookie)
 * @phys_base:	reserved backend: the range claimed
 * @phys_size:	reserved backend: its size
 * @res:	reserved backend: our claim in the resource tree
 * @offline_nb:	memory notifier refusing to offline a block holding frames
 * @pm_nb:	reserved backend: PM notifier refusing hibernation, which
 *		would not save the range
 */
struct smm_region {
	enum smm_backend backend;
	unsigned long nr_frames;
	unsigned long nr_present;
	unsigned long nr_chunks;
	struct smm_page *pages;
	unsigned long *chunk_pfn;
	int *chunk_nid;
	void *vaddr;
	void *map;
	phys_addr_t phys_base;
	phys_addr_t phys_size;
	struct resource *res;
	struct notifier_block offline_nb;
	struct notifier_block pm_nb;
};

int smm_region_create(struct smm_region *region, const struct smm_region_config *cfg);
void smm_region_destroy(struct smm_region *region);
int smm_region_check_reserved(phys_addr_t base, phys_addr_t size);
bool smm_region_overlaps_pfns(const struct smm_region *region,
			      unsigned long start_pfn, unsigned long nr_pages);
size_t smm_region_metadata_bytes(const struct smm_region *region);

static inline unsigned long smm_page_sfn(const struct smm_region *region,
					 const struct smm_page *page)
{
	return page - region->pages;
}

static inline struct smm_page *smm_sfn_page(const struct smm_region *region,
					    unsigned long sfn)
{
	return region->pages + sfn;
}

static inline unsigned long smm_sfn_pfn(const struct smm_region *region,
					unsigned long sfn)
{
	/* chunk_pfn[] ends with the region: a zone's end is not a frame. */
	VM_WARN_ON_ONCE(sfn >= region->nr_frames);
	return region->chunk_pfn[sfn >> SMM_CHUNK_ORDER] +
	       (sfn & (SMM_CHUNK_FRAMES - 1));
}

static inline void *smm_sfn_vaddr(const struct smm_region *region,
				  unsigned long sfn)
{
	return region->vaddr + (sfn << PAGE_SHIFT);
}

static inline bool smm_region_contains_vaddr(const struct smm_region *region,
					     const void *addr)
{
	return addr >= region->vaddr &&
	       addr < region->vaddr + (region->nr_frames << PAGE_SHIFT);
}

#endif /* _SHADOWMM_REGION_H */
