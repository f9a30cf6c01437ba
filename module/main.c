// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: module init and exit, module parameters and /dev/shadowmm.
 *
 * Init brings the subsystems up in dependency order and exit takes them
 * down in exactly the reverse order; a failing step unwinds only what the
 * steps before it built.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <shadowmm/compat.h>
#include <shadowmm/debugfs.h>
#include <shadowmm/lru_policy.h>
#include <shadowmm/main.h>
#include <shadowmm/object.h>
#include <shadowmm/pcp.h>
#include <shadowmm/pool.h>
#include <shadowmm/slab.h>

struct smm_params smm_params = {
	.size_mb = SMM_SIZE_MB_DEFAULT,
	.dev_mode = 0600,
	.zone_split = { 10, 60, 30 },
};

/*
 * The live device's memory manager; set at init, cleared at exit.  Set
 * and cleared under the module's parameter lock, which the lru_policy
 * parameter's read holds (it shows this pool's policy).
 */
static struct smm_pool *smm_live_pool;

/* Publish (or clear) the live pool for the lru_policy parameter. */
static void smm_live_pool_publish(struct smm_pool *pool)
{
	kernel_param_lock(THIS_MODULE);
	smm_live_pool = pool;
	kernel_param_unlock(THIS_MODULE);
}

/* The live pool goes: cleared for readers first, then destroyed. */
static void smm_live_pool_destroy(void)
{
	struct smm_pool *pool = smm_live_pool;

	smm_live_pool_publish(NULL);
	smm_pool_destroy(pool);
}

/**
 * smm_device_pool() - the pool /dev/shadowmm serves
 *
 * For modules that add files to its debugfs directory beside the pool's
 * own (shadowmm_bench.ko).
 *
 * Context: Any context, once shadowmm has loaded: a module calling this
 * keeps it loaded, and the pool lives until it unloads.
 * Return: the live pool.
 */
struct smm_pool *smm_device_pool(void)
{
	return smm_live_pool;
}
SMM_EXPORT(smm_device_pool);

/*
 * Parameter setters validate before they store, so a bad value fails
 * insmod with -EINVAL and a message that names the parameter and its
 * allowed values, and leaves the default untouched.
 */

/**
 * smm_parse_size_mb() - parse and check a size_mb value
 * @val: the text given to insmod or written to sysfs
 * @mb: where the value goes; written only on success
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (with a message naming the allowed range).
 */
int smm_parse_size_mb(const char *val, unsigned int *mb)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < SMM_SIZE_MB_MIN || v > SMM_SIZE_MB_MAX) {
		pr_err("size_mb=%s is invalid: expected a number of MiB in [%u, %u]\n",
		       val, SMM_SIZE_MB_MIN, SMM_SIZE_MB_MAX);
		return -EINVAL;
	}
	*mb = v;
	return 0;
}
SMM_EXPORT(smm_parse_size_mb);

static int smm_param_set_size_mb(const char *val, const struct kernel_param *kp)
{
	int ret = smm_parse_size_mb(val, kp->arg);

	if (!ret)
		smm_params.size_mb_set = true;
	return ret;
}

static const struct kernel_param_ops smm_size_mb_ops = {
	.set = smm_param_set_size_mb,
	.get = param_get_uint,
};

module_param_cb(size_mb, &smm_size_mb_ops, &smm_params.size_mb, 0444);
__MODULE_PARM_TYPE(size_mb, "uint");
MODULE_PARM_DESC(size_mb,
		 "MiB of memory the default backend takes from the kernel (4..4096, default 64)");

/**
 * smm_parse_dev_mode() - parse and check a dev_mode value
 * @val: octal permission bits
 * @mode: where the value goes; written only on success
 *
 * The owner (root) always keeps read and write; nobody gets execute.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (with a message naming what is allowed).
 */
int smm_parse_dev_mode(const char *val, umode_t *mode)
{
	unsigned int v;

	if (kstrtouint(val, 8, &v) || (v & ~0666u) || (v & 0600u) != 0600u) {
		pr_err("dev_mode=%s is invalid: expected octal permission bits within 0666 that include 0600\n",
		       val);
		return -EINVAL;
	}
	*mode = v;
	return 0;
}
SMM_EXPORT(smm_parse_dev_mode);

static int smm_param_set_dev_mode(const char *val, const struct kernel_param *kp)
{
	return smm_parse_dev_mode(val, kp->arg);
}

static int smm_param_get_dev_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%04o\n", *(umode_t *)kp->arg);
}

static const struct kernel_param_ops smm_dev_mode_ops = {
	.set = smm_param_set_dev_mode,
	.get = smm_param_get_dev_mode,
};

module_param_cb(dev_mode, &smm_dev_mode_ops, &smm_params.dev_mode, 0444);
__MODULE_PARM_TYPE(dev_mode, "octal");
MODULE_PARM_DESC(dev_mode,
		 "permission bits of /dev/shadowmm, octal (default 0600: root only)");

static int smm_param_set_lru_policy(const char *val, const struct kernel_param *kp)
{
	enum smm_lru_policy_id id;

	if (smm_lru_policy_parse(val, &id)) {
		pr_err("lru_policy=%s is invalid: expected classic, workingset, mglru, lip or lirs\n", val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = id;
	return 0;
}

/*
 * The live pool's policy, as the knobs file last switched it; before the
 * pool exists (and after it went), the load-time value.  Called with the
 * module's parameter lock held (param_attr_show()), as smm_live_pool is
 * set and cleared.
 */
static int smm_param_get_lru_policy(char *buf, const struct kernel_param *kp)
{
	const struct smm_lru_policy *policy = smm_live_pool ? smm_lru_policy(smm_live_pool) :
					      smm_lru_policy_get(*(unsigned int *)kp->arg);

	return sysfs_emit(buf, "%s\n", policy->name);
}

static const struct kernel_param_ops smm_lru_policy_ops = {
	.set = smm_param_set_lru_policy,
	.get = smm_param_get_lru_policy,
};

module_param_cb(lru_policy, &smm_lru_policy_ops, &smm_params.lru_policy, 0444);
__MODULE_PARM_TYPE(lru_policy, "string");
MODULE_PARM_DESC(lru_policy,
		 "reclaim policy of the live pool: classic (two lists, refaults within the active list; default), workingset (refaults within both lists, 5.9+ rules), mglru (generations), lip (classic, refaults beyond both lists inserted at the inactive tail) or lirs (LIRS over the two lists: a short inactive list, refaults judged by reuse distance); the knobs file switches it while the LRU is empty");

static int smm_param_set_zone_split(const char *val, const struct kernel_param *kp)
{
	return smm_parse_zone_split(val, kp->arg);
}

static int smm_param_get_zone_split(char *buf, const struct kernel_param *kp)
{
	const unsigned int *v = kp->arg;

	return sysfs_emit(buf, "%u,%u,%u\n", v[0], v[1], v[2]);
}

static const struct kernel_param_ops smm_zone_split_ops = {
	.set = smm_param_set_zone_split,
	.get = smm_param_get_zone_split,
};

module_param_cb(zone_split, &smm_zone_split_ops, smm_params.zone_split, 0444);
__MODULE_PARM_TYPE(zone_split, "string");
MODULE_PARM_DESC(zone_split,
		 "percent of each node for the DMA,Normal,HighMem zones (default 10,60,30)");

/**
 * smm_parse_phys() - parse a page-aligned physical address or size
 * @name: the parameter, for the message
 * @val: the text
 * @out: written only on success
 *
 * Context: Any context.
 * Return: 0, or -EINVAL with a message.
 */
int smm_parse_phys(const char *name, const char *val, unsigned long *out)
{
	unsigned long v;

	if (kstrtoul(val, 0, &v) || !PAGE_ALIGNED(v)) {
		pr_err("%s=%s is invalid: expected a page-aligned physical address or size, e.g. 0x1e000000\n",
		       name, val);
		return -EINVAL;
	}
	*out = v;
	return 0;
}
SMM_EXPORT(smm_parse_phys);

static int smm_param_set_phys(const char *val, const struct kernel_param *kp)
{
	return smm_parse_phys(kp->name, val, kp->arg);
}

static const struct kernel_param_ops smm_phys_ops = {
	.set = smm_param_set_phys,
	.get = param_get_ulong,
};

module_param_cb(phys_base, &smm_phys_ops, &smm_params.phys_base, 0444);
__MODULE_PARM_TYPE(phys_base, "ulong");
MODULE_PARM_DESC(phys_base,
		 "reserved backend: physical base of a range set aside with memmap=SIZE$ADDR (with phys_size)");
module_param_cb(phys_size, &smm_phys_ops, &smm_params.phys_size, 0444);
__MODULE_PARM_TYPE(phys_size, "ulong");
MODULE_PARM_DESC(phys_size,
		 "reserved backend: size in bytes of that range (0: use the default backend and size_mb)");

/**
 * smm_parse_swap_mb() - parse and check a swap_mb value
 * @val: the text
 * @mb: set on success
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (logged, @mb unchanged) outside [0, SMM_SWAP_MB_MAX].
 */
int smm_parse_swap_mb(const char *val, unsigned int *mb)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v > SMM_SWAP_MB_MAX) {
		pr_err("swap_mb=%s is invalid: expected MiB in [0, %u] (0: no backing store)\n",
		       val, SMM_SWAP_MB_MAX);
		return -EINVAL;
	}
	*mb = v;
	return 0;
}
SMM_EXPORT(smm_parse_swap_mb);

static int smm_param_set_swap_mb(const char *val, const struct kernel_param *kp)
{
	int ret = smm_parse_swap_mb(val, kp->arg);

	if (!ret)
		smm_params.swap_mb_set = true;
	return ret;
}

static const struct kernel_param_ops smm_swap_mb_ops = {
	.set = smm_param_set_swap_mb,
	.get = param_get_uint,
};

module_param_cb(swap_mb, &smm_swap_mb_ops, &smm_params.swap_mb, 0444);
__MODULE_PARM_TYPE(swap_mb, "uint");
MODULE_PARM_DESC(swap_mb,
		 "MiB of backing store for evicted pages (0..16384; 0: none, nothing is evicted; default four times the region)");

/**
 * smm_parse_swap_file() - parse and check a swap_file value
 * @val: the text, optionally ending in one newline
 * @path: set on success (an empty string selects the compressed store)
 * @size: room in @path
 *
 * Only the form is checked here; whether the path may be created is
 * decided at load (smm_swap_init()), which refuses any path that exists.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (logged, @path unchanged) for a relative or too
 * long path, or one holding a newline.
 */
int smm_parse_swap_file(const char *val, char *path, size_t size)
{
	size_t len = strlen(val);

	if (len && val[len - 1] == '\n')
		len--;
	if (len && (val[0] != '/' || len >= size || memchr(val, '\n', len))) {
		pr_err("swap_file=%.*s is invalid: expected an absolute path shorter than %zu bytes\n",
		       (int)min(len, size), val, size);
		return -EINVAL;
	}
	memcpy(path, val, len);
	path[len] = '\0';
	return 0;
}
SMM_EXPORT(smm_parse_swap_file);

static int smm_param_set_swap_file(const char *val, const struct kernel_param *kp)
{
	return smm_parse_swap_file(val, kp->str->string, kp->str->maxlen);
}

static const struct kernel_param_ops smm_swap_file_ops = {
	.set = smm_param_set_swap_file,
	.get = param_get_string,
};

static struct kparam_string smm_swap_file_param = {
	.maxlen = sizeof(smm_params.swap_file),
	.string = smm_params.swap_file,
};

module_param_cb(swap_file, &smm_swap_file_ops, &smm_swap_file_param, 0444);
__MODULE_PARM_TYPE(swap_file, "string");
MODULE_PARM_DESC(swap_file,
		 "absolute path of a swap file for evicted pages, created at load (it must not exist) and removed at unload (default: a compressed store in kernel memory)");

/* /dev/shadowmm: each open is a new memory object of the live pool. */
static struct smm_device smm_dev = {
	.misc = {
		.minor = MISC_DYNAMIC_MINOR,
		.name = SMM_NAME,
		.fops = &smm_object_fops,
	},
};

/*
 * What the pool needs for itself from the zones its own metadata can use.
 * Slabs of the memory-object and VMA-descriptor caches (and every other
 * metadata allocation) are taken without SMM_GFP_HIGHMEM, so from the DMA
 * and Normal zones of any node: they must hold the min watermarks of those
 * zones, what their per-CPU lists keep on every CPU once the zones run
 * short (each list's minimum: above it they give frames back), and the largest
 * slab of each of the two metadata caches.  @have is what they manage.
 */
static unsigned long smm_lowmem_need(struct smm_pool *pool, unsigned long *have)
{
	unsigned long need = 2UL << SMM_SLAB_MAX_ORDER;
	struct smm_zone *zone;
	int i;

	*have = 0;
	for_each_smm_zone(pool, zone, i) {
		if (zone->type == SMM_ZONE_HIGHMEM || !smm_zone_populated(zone))
			continue;
		*have += zone->managed;
		need += zone->watermark[SMM_WMARK_MIN] +
			(unsigned long)zone->pcp_high_min * num_possible_cpus();
	}
	return need;
}

static int smm_live_pool_create(void)
{
	struct smm_pool_config cfg = { .name = SMM_NAME, .kcompactd = true };
	unsigned long region_mb, need, have;
	struct smm_pool *pool;
	int ret;

	memcpy(cfg.zone_split, smm_params.zone_split, sizeof(cfg.zone_split));
	/* Parameters that each parse but cannot go together. */
	if (smm_params.swap_file[0] && smm_params.swap_mb_set && !smm_params.swap_mb) {
		pr_err("swap_file=%s is invalid with swap_mb=0: a swap file needs a size\n",
		       smm_params.swap_file);
		return -EINVAL;
	}
	if (smm_params.phys_base || smm_params.phys_size) {
		if (!smm_params.phys_size) {
			pr_err("phys_base=0x%lx is invalid without phys_size\n",
			       smm_params.phys_base);
			return -EINVAL;
		}
		if (smm_params.size_mb_set) {
			pr_err("size_mb=%u is invalid with phys_base/phys_size: the reserved range's size is phys_size\n",
			       smm_params.size_mb);
			return -EINVAL;
		}
		cfg.region.backend = SMM_BACKEND_RESERVED;
		cfg.region.phys_base = smm_params.phys_base;
		cfg.region.phys_size = smm_params.phys_size;
	} else {
		cfg.region.backend = SMM_BACKEND_KERNEL;
		cfg.region.nr_pages = (unsigned long)smm_params.size_mb << (20 - PAGE_SHIFT);
	}
	region_mb = cfg.region.backend == SMM_BACKEND_KERNEL ? smm_params.size_mb :
		    smm_params.phys_size >> 20;
	if (!smm_params.swap_mb_set)
		smm_params.swap_mb = min_t(unsigned long, SMM_SWAP_REGION_FACTOR * region_mb,
					   SMM_SWAP_MB_MAX);
	BUILD_BUG_ON(((unsigned long)SMM_SWAP_MB_MAX << (20 - PAGE_SHIFT)) > SMM_SWAP_MAX_SLOTS);
	cfg.swap.nr_slots = (unsigned long)smm_params.swap_mb << (20 - PAGE_SHIFT);
	cfg.swap.file = smm_params.swap_file;
	cfg.slab_debug = smm_slab_debug_flags();
	cfg.lru_policy = smm_params.lru_policy;
	ret = smm_pool_create(&cfg, &pool);
	if (ret)
		return ret;
	smm_live_pool_publish(pool);

	need = smm_lowmem_need(smm_live_pool, &have);
	if (have < need) {
		pr_err("zone_split=%u,%u,%u is invalid for this region: DMA+Normal get %lu KiB, below the %lu KiB shadowmm needs there for itself (min watermarks, per-CPU lists, metadata slabs); give Normal a larger share\n",
		       cfg.zone_split[SMM_ZONE_DMA], cfg.zone_split[SMM_ZONE_NORMAL],
		       cfg.zone_split[SMM_ZONE_HIGHMEM], have << (PAGE_SHIFT - 10),
		       need << (PAGE_SHIFT - 10));
		smm_live_pool_destroy();
		return -EINVAL;
	}
	return 0;
}

static int __init smm_init(void)
{
	int ret;

	ret = smm_pcp_subsys_init();
	if (ret)
		return ret;

	ret = smm_slab_subsys_init();
	if (ret)
		goto err_pcp;

	ret = smm_object_subsys_init();
	if (ret)
		goto err_slab;

	ret = smm_debugfs_init();
	if (ret)
		goto err_objects;

	/* A refused parameter is logged where it is found, naming it. */
	ret = smm_live_pool_create();
	if (ret)
		goto err_debugfs;

	ret = smm_debugfs_add_pool(smm_live_pool);
	if (ret)
		goto err_pool;

	smm_dev.pool = smm_live_pool;
	smm_dev.misc.mode = smm_params.dev_mode;
	ret = misc_register(&smm_dev.misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", SMM_NAME, ret);
		goto err_pool_files;
	}

	pr_info("loaded: /dev/%s mode %04o, %lu MiB from the %s backend in %d node(s)\n",
		SMM_NAME, smm_params.dev_mode,
		smm_pool_managed_pages(smm_live_pool) >> (20 - PAGE_SHIFT),
		smm_live_pool->region.backend == SMM_BACKEND_RESERVED ? "reserved" : "kernel",
		smm_live_pool->zones.nr_nodes);
	return 0;

err_pool_files:
	smm_debugfs_remove_pool(smm_live_pool);
err_pool:
	smm_live_pool_destroy();
err_debugfs:
	smm_debugfs_exit();
err_objects:
	smm_object_subsys_exit();
err_slab:
	smm_slab_subsys_exit();
err_pcp:
	smm_pcp_subsys_exit();
	/*
	 * EINVAL and EBUSY are refusals of parameters, each already logged
	 * with its parameter; anything else gets a line of its own.
	 */
	if (ret != -EINVAL && ret != -EBUSY)
		pr_err("not loaded: %pe\n", ERR_PTR(ret));
	return ret;
}

static void __exit smm_exit(void)
{
	misc_deregister(&smm_dev.misc);
	smm_debugfs_remove_pool(smm_live_pool);
	smm_live_pool_destroy();
	smm_debugfs_exit();
	smm_object_subsys_exit();
	smm_slab_subsys_exit();
	smm_pcp_subsys_exit();
	pr_info("unloaded\n");
}

module_init(smm_init);
module_exit(smm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm: a second, observable memory manager beside the kernel's own");
MODULE_AUTHOR("The shadowmm developers");
MODULE_VERSION("0.1");
