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
#include <shadowmm/main.h>

struct smm_params smm_params = {
	.size_mb = SMM_SIZE_MB_DEFAULT,
	.dev_mode = 0600,
};

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
	return smm_parse_size_mb(val, kp->arg);
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

static int smm_dev_open(struct inode *inode, struct file *file)
{
	return 0;
}

static int smm_dev_release(struct inode *inode, struct file *file)
{
	return 0;
}

static const struct file_operations smm_dev_fops = {
	.owner = THIS_MODULE,
	.open = smm_dev_open,
	.release = smm_dev_release,
	.llseek = noop_llseek,
};

static struct miscdevice smm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SMM_NAME,
	.fops = &smm_dev_fops,
};

static int __init smm_init(void)
{
	int ret;

	ret = smm_debugfs_init();
	if (ret)
		return ret;

	smm_miscdev.mode = smm_params.dev_mode;
	ret = misc_register(&smm_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", SMM_NAME, ret);
		goto err_debugfs;
	}

	pr_info("loaded: /dev/%s mode %04o, size_mb=%u\n", SMM_NAME,
		smm_params.dev_mode, smm_params.size_mb);
	return 0;

err_debugfs:
	smm_debugfs_exit();
	return ret;
}

static void __exit smm_exit(void)
{
	misc_deregister(&smm_miscdev);
	smm_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(smm_init);
module_exit(smm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowmm: a second, observable memory manager beside the kernel's own");
MODULE_AUTHOR("The shadowmm developers");
MODULE_VERSION("0.1");
