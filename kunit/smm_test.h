/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the KUnit suites: each test builds a small private pool
 * that KUnit destroys when the test ends, pass or fail.
 */
#ifndef _SHADOWMM_KUNIT_SMM_TEST_H
#define _SHADOWMM_KUNIT_SMM_TEST_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/cgroup.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>

#include <shadowmm/buddy.h>
#include <shadowmm/lru.h>
#include <shadowmm/object.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/reclaim.h>
#include <shadowmm/walk.h>

/* shadowmm_kunit.ko's cpu_hotplug parameter (main_test.c). */
extern bool smm_test_cpu_hotplug;

/*
 * A case that takes a CPU offline runs only when the module was loaded
 * with cpu_hotplug=1: the kernel moves the tasks pinned to that CPU
 * elsewhere and clears their affinity for good (select_fallback_rq()),
 * which a machine running other work must not have done behind its back.
 */
static inline void smm_test_require_cpu_hotplug(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2)
		kunit_skip(test, "needs CPU hotplug and two online CPUs");
	if (!smm_test_cpu_hotplug)
		kunit_skip(test, "takes a CPU offline, which clears the affinity of tasks pinned to it: load with cpu_hotplug=1");
}

/*
 * A test's pool goes when its objects have.  KUnit runs the cleanups as
 * soon as the test thread signals it is done, before that thread's exit
 * tears down the mm its kunit_vm_mmap() calls made: those mappings still
 * hold their objects' files, and their last fput() is deferred to a work
 * item (the thread is a kernel thread).  So wait, flushing deferred
 * fput()s, until the objects are gone; a test that leaked one has it
 * reported by smm_pool_destroy() after 10 s.
 */
static inline void smm_test_pool_destroy(void *data)
{
	struct smm_pool *pool = data;
	unsigned long end = jiffies + 10 * HZ;

	for (;;) {
		bool empty;

		flush_delayed_fput();
		spin_lock(&pool->objects.lock);
		empty = list_empty(&pool->objects.list);
		spin_unlock(&pool->objects.lock);
		if (empty || time_after(jiffies, end))
			break;
		msleep(20);
	}
	smm_pool_destroy(pool);
}

/**
 * struct smm_test_pool_cfg - a private pool for one test
 * @mb:		MiB from the kernel backend (a multiple of 4: whole chunks)
 * @split:	DMA, Normal, HighMem percentages
 * @one_node:	take every chunk from one node (the first with enough)
 * @no_reserve:	min_free_kbytes 0, so a zone can be emptied completely
 * @pcp_off:	pcp high 1 and batch 1: every order-0 free reaches the buddy
 * @swap_pages:	slots of a compressed backing store (0: none)
 * @slab_debug:	SMM_SLAB_* flags every cache of the pool gets
 * @kcompactd:	a kcompactd thread per node (only compaction tests want one)
 */
struct smm_test_pool_cfg {
	unsigned long mb;
	unsigned int split[SMM_NR_ZONE_TYPES];
	bool one_node;
	bool no_reserve;
	bool pcp_off;
	unsigned long swap_pages;
	unsigned int slab_debug;
	bool kcompactd;
};

static inline struct smm_pool *smm_test_pool(struct kunit *test,
					     const struct smm_test_pool_cfg *tc)
{
	struct smm_pool_config cfg = {
		.name = "kunit",
		.region = {
			.backend = SMM_BACKEND_KERNEL,
			.nr_pages = tc->mb << (20 - PAGE_SHIFT),
		},
		.swap.nr_slots = tc->swap_pages,
		.slab_debug = tc->slab_debug,
		.kcompactd = tc->kcompactd,
	};
	struct smm_pool *pool = NULL;
	int ret;

	memcpy(cfg.zone_split, tc->split, sizeof(cfg.zone_split));
	if (tc->one_node) {
		int nid;

		/*
		 * The first node whose max-order blocks suffice: what ran
		 * before in the VM can leave node 0 without any.
		 */
		ret = -ENOMEM;
		for_each_node_state(nid, N_MEMORY) {
			cfg.region.nodes = nodemask_of_node(nid);
			ret = smm_pool_create(&cfg, &pool);
			if (ret != -ENOMEM)
				break;
		}
	} else {
		ret = smm_pool_create(&cfg, &pool);
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "pool of %lu MiB", tc->mb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_pool_destroy, pool), 0);
	if (tc->no_reserve)
		KUNIT_ASSERT_EQ(test, smm_pool_set_min_free_kbytes(pool, 0), 0);
	if (tc->pcp_off)
		KUNIT_ASSERT_EQ(test, smm_pcp_set_tunables(pool, 1, 1), 0);
	return pool;
}

/* The pool's only populated zone (for single-zone, single-node pools). */
static inline struct smm_zone *smm_test_only_zone(struct kunit *test,
						  struct smm_pool *pool)
{
	struct smm_zone *zone, *found = NULL;
	int i;

	for_each_smm_zone(pool, zone, i) {
		if (!smm_zone_populated(zone))
			continue;
		KUNIT_ASSERT_NULL_MSG(test, found, "more than one populated zone");
		found = zone;
	}
	KUNIT_ASSERT_NOT_NULL(test, found);
	return found;
}

static inline unsigned int smm_test_validate(struct smm_pool *pool)
{
	struct smm_report r = { };

	return smm_pool_validate(pool, &r);
}

/*
 * Let what a zone below its low watermark started finish: every node's
 * kswapd asleep with no wake pending (it may give free slabs back) and
 * the slab pressure work done.  A test that exhausts the region settles
 * it, then takes what that freed, so nothing frees frames behind its back.
 * Returns false when a kswapd is still busy after 20 s.
 */
static inline bool smm_test_settle(struct smm_pool *pool)
{
	unsigned long end = jiffies + 20 * HZ;
	int node;

	for (node = 0; node < pool->zones.nr_nodes; node++)
		while (!smm_kswapd_idle(pool, node)) {
			if (time_after(jiffies, end))
				return false;
			msleep(20);
		}
	flush_work(&pool->slab.shrink_work);
	return true;
}

/* What smm_test_dry() took, for smm_test_dry_end() to give back. */
struct smm_test_dry {
	struct smm_pool *pool;
	struct smm_kmem_cache *cache;
	struct smm_page **pages;
	unsigned int *orders;
	void **objs;
	unsigned int nr_pages, nr_objs;
};

/* Give back what smm_test_dry() took (again: nothing). */
static inline void smm_test_dry_undo(void *arg)
{
	struct smm_test_dry *d = arg;

	while (d->nr_objs)
		smm_kmem_cache_free(d->cache, d->objs[--d->nr_objs]);
	while (d->nr_pages) {
		d->nr_pages--;
		smm_free_pages(d->pool, d->pages[d->nr_pages], d->orders[d->nr_pages]);
	}
}

/*
 * The region exhausted and @cache out of free objects: every frame and
 * every free object of @cache taken (the test pinned to this CPU, so no
 * other CPU's array keeps some), as a region full of a program's memory
 * with nothing to reclaim leaves them.  smm_test_dry_end() undoes it, or
 * the test's end if an assertion stops it first (before the pool goes).
 */
static inline struct smm_test_dry *smm_test_dry(struct kunit *test, struct smm_pool *pool,
						struct smm_kmem_cache *cache)
{
	unsigned long managed = smm_pool_managed_pages(pool);
	struct smm_test_dry *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	unsigned int o;

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->pool = pool;
	d->cache = cache;
	d->pages = kunit_kcalloc(test, managed, sizeof(*d->pages), GFP_KERNEL);
	d->orders = kunit_kcalloc(test, managed, sizeof(*d->orders), GFP_KERNEL);
	d->objs = kunit_kcalloc(test, managed, sizeof(*d->objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->pages);
	KUNIT_ASSERT_NOT_NULL(test, d->orders);
	KUNIT_ASSERT_NOT_NULL(test, d->objs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_dry_undo, d), 0);

	set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
	smm_kmem_cache_drain(cache);
	for (o = SMM_MAX_ORDER + 1; o-- > 0;)
		while (d->nr_pages < managed &&
		       (d->pages[d->nr_pages] = smm_alloc_pages(pool, o,
								SMM_GFP_NOWAIT | SMM_GFP_NOFAULT)))
			d->orders[d->nr_pages++] = o;
	/* Pressure shrinks free slabs: let it, then take every free object. */
	KUNIT_ASSERT_TRUE(test, smm_test_settle(pool));
	while (d->nr_objs < managed &&
	       (d->objs[d->nr_objs] = smm_kmem_cache_alloc(cache, SMM_GFP_ATOMIC |
							   SMM_GFP_NOWAIT)))
		d->nr_objs++;
	/*
	 * A slab of another cache that the pressure gave back may leave a
	 * frame this cache's slabs cannot use: taken too.
	 */
	while (d->nr_pages < managed &&
	       (d->pages[d->nr_pages] = smm_alloc_pages(pool, 0, SMM_GFP_NOWAIT | SMM_GFP_NOFAULT)))
		d->orders[d->nr_pages++] = 0;
	KUNIT_EXPECT_LT(test, d->nr_objs, (unsigned int)managed);
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), 0UL);
	return d;
}

/* Give back what smm_test_dry() took, and the test's CPUs. */
static inline void smm_test_dry_end(struct kunit *test, struct smm_test_dry *d)
{
	kunit_release_action(test, smm_test_dry_undo, d);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

static inline unsigned long smm_test_nr_free(struct smm_zone *zone, unsigned int order)
{
	return READ_ONCE(zone->free_area[order].nr_free);
}

/*
 * The file of a new object of @pool, released when the test ends.  Files
 * are released synchronously, after the deferred fput()s of the test
 * thread's unmapped vmas have run: a kernel thread's fput() is deferred to
 * a work item, which could otherwise run after the pool is gone.
 */
static inline void smm_test_fput(void *file)
{
	flush_delayed_fput();
	__fput_sync(file);
}

static inline struct file *smm_test_object_file(struct kunit *test,
						struct smm_pool *pool)
{
	struct file *file = smm_object_file_create(pool);

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_fput, file), 0);
	return file;
}

/* A page's worth of bytes that depend on @index, never all zero. */
static inline void smm_test_pattern(u8 *buf, unsigned long index)
{
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i++)
		buf[i] = (u8)(index * 131 + i * 7) | 1;
}

/* A page-sized buffer, freed with the test. */
static inline u8 *smm_test_buf(struct kunit *test)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return buf;
}

/* Pages [@first, @first + @n) of @file written with their patterns, on the LRU. */
static inline void smm_test_write_patterned(struct kunit *test, struct smm_pool *pool,
					struct file *file, pgoff_t first, pgoff_t n)
{
	u8 *buf = smm_test_buf(test);
	pgoff_t i;

	for (i = first; i < first + n; i++) {
		loff_t pos = (loff_t)i << PAGE_SHIFT;

		smm_test_pattern(buf, i);
		KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
	}
	smm_lru_drain_all(pool);
}

/* Page @index of @file read back (a refault if it was evicted): intact? */
static inline bool smm_test_read_page(struct kunit *test, struct file *file,
				      pgoff_t index)
{
	u8 *buf = smm_test_buf(test), *want = smm_test_buf(test);
	loff_t pos = (loff_t)index << PAGE_SHIFT;

	if (kernel_read(file, buf, PAGE_SIZE, &pos) != PAGE_SIZE)
		return false;
	smm_test_pattern(want, index);
	return !memcmp(buf, want, PAGE_SIZE);
}

/* The frame of resident page @index of @file, its page locked. */
static inline struct smm_page *smm_test_lock_frame(struct kunit *test,
						   struct smm_pool *pool,
						   struct file *file, pgoff_t index)
{
	struct page *page = xa_load(&file->f_mapping->i_pages, index);

	KUNIT_ASSERT_TRUE(test, page && !xa_is_value(page));
	lock_page(page);
	return smm_sfn_page(&pool->region, page_private(page));
}

static inline void smm_test_unlock_frame(struct file *file, pgoff_t index)
{
	unlock_page(xa_load(&file->f_mapping->i_pages, index));
}

/*
 * A test's simulated memory failure ends with it: the flag cleared, the
 * pool gives the frame back to the kernel as an ordinary page when it is
 * destroyed (a real failure's frame the kernel would keep out of its
 * allocator forever).  Teardown does not need it: quarantined frames go
 * back with the region either way.
 */
static inline void smm_test_unpoison(void *page)
{
	ClearPageHWPoison(page);
}

/*
 * The region exhausted by a new object's pages (patterned, so that none
 * is evicted as a page of zeroes): true when none of them is @bad.
 */
static inline bool smm_test_exhaust_avoids(struct kunit *test, struct smm_pool *pool,
					   struct page *bad)
{
	struct file *hog = smm_test_object_file(test, pool);
	u8 *buf = smm_test_buf(test);
	unsigned long index;
	struct page *page;
	bool avoided = true;
	loff_t pos = 0;

	smm_test_pattern(buf, 0);
	while (kernel_write(hog, buf, PAGE_SIZE, &pos) == PAGE_SIZE)
		;
	KUNIT_EXPECT_TRUE(test, smm_test_settle(pool));
	while (kernel_write(hog, buf, PAGE_SIZE, &pos) == PAGE_SIZE)
		;
	KUNIT_EXPECT_EQ(test, smm_pool_free_pages(pool), 0UL);
	KUNIT_EXPECT_GT(test, (unsigned long)(pos >> PAGE_SHIFT), 0UL);
	xa_for_each(&hog->f_mapping->i_pages, index, page)
		if (page == bad)
			avoided = false;
	return avoided;
}

/* @n accesses to page @index, as faults on a resident page make them. */
static inline void smm_test_access(struct kunit *test, struct smm_pool *pool,
				   struct file *file, pgoff_t index, unsigned int n)
{
	struct smm_page *frame = smm_test_lock_frame(test, pool, file, index);

	while (n--)
		smm_lru_mark_accessed(pool, frame);
	smm_test_unlock_frame(file, index);
}

/*
 * The most entries a batched walk looked at under one hold of @lock
 * (*@max, a walk_hold_max field @lock protects), reset to 0 when @reset.
 */
static inline unsigned int smm_test_hold_max(spinlock_t *lock, unsigned int *max,
					     bool reset)
{
	unsigned int n;

	spin_lock(lock);
	n = *max;
	if (reset)
		*max = 0;
	spin_unlock(lock);
	return n;
}

/* The same, for a structure whose ->lock guards its ->walk_hold_max. */
#define smm_test_walk_max(obj, reset) \
	smm_test_hold_max(&(obj)->lock, &(obj)->walk_hold_max, reset)

/*
 * The mapping at @addr given @flags (VM_LOCKED, with VM_LOCKONFAULT as
 * mlock2(MLOCK_ONFAULT) leaves it), as mlock() sets them before it walks
 * the pages: those already mapped stay unmarked.
 */
static inline void smm_test_vma_lock(unsigned long addr, vm_flags_t flags)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	mmap_write_lock(mm);
	vma = find_vma(mm, addr);
	vm_flags_set(vma, flags);
	mm->locked_vm += vma_pages(vma);
	mmap_write_unlock(mm);
}

#if IS_ENABLED(CONFIG_MEMCG)
/* A memory cgroup with no task in it, made by scripts/vm/plans/check.sh. */
#define SMM_TEST_MEMCG		"/shadowmm-kunit"
#define SMM_TEST_CGROUP_ROOT	"/sys/fs/cgroup"

/* Usage of @memcg in pages, as its memory.current shows it. */
static inline unsigned long smm_test_memcg_pages(struct mem_cgroup *memcg)
{
	return page_counter_read(&memcg->memory);
}

/* Drops the reference smm_test_memcg() took (a KUnit action). */
static inline void smm_test_css_put(void *css)
{
	css_put(css);
}

/*
 * SMM_TEST_MEMCG's memory.max, written as a user would (the check plan
 * mounts cgroup2 at SMM_TEST_CGROUP_ROOT): "max", or a number of bytes.
 */
static inline int smm_test_memcg_set_max(const char *max)
{
	struct file *f = filp_open(SMM_TEST_CGROUP_ROOT SMM_TEST_MEMCG "/memory.max",
				   O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, max, strlen(max), &pos);
	filp_close(f, NULL);
	return n < 0 ? n : 0;
}

/* A KUnit action: SMM_TEST_MEMCG without a limit again. */
static inline void smm_test_memcg_unlimit(void *unused)
{
	smm_test_memcg_set_max("max");
}

/* SMM_TEST_MEMCG's memory cgroup, referenced until the test ends; or skip. */
static inline struct mem_cgroup *smm_test_memcg(struct kunit *test)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;

	if (mem_cgroup_disabled())
		kunit_skip(test, "memory cgroups disabled (cgroup_disable=memory)");
	cgrp = cgroup_get_from_path(SMM_TEST_MEMCG);
	if (IS_ERR(cgrp))
		kunit_skip(test, "no cgroup %s (the check plan creates it)", SMM_TEST_MEMCG);
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	if (!css || css->cgroup != cgrp) {
		if (css)
			css_put(css);
		cgroup_put(cgrp);
		kunit_skip(test, "memory controller not enabled for %s", SMM_TEST_MEMCG);
	}
	cgroup_put(cgrp);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_css_put, css), 0);
	return mem_cgroup_from_css(css);
}
#endif

#endif /* _SHADOWMM_KUNIT_SMM_TEST_H */
