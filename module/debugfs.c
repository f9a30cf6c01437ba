// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the debugfs directory /sys/kernel/debug/shadowmm/.
 *
 * Each subsystem adds its own files under the root returned here; the
 * whole tree goes in one debugfs_remove_recursive() at exit.
 */

#include <linux/debugfs.h>
#include <linux/err.h>

#include <shadowmm/debugfs.h>
#include <shadowmm/main.h>

/* Written once at init and cleared at exit; no lock needed. */
static struct dentry *smm_debugfs_dir;

/**
 * smm_debugfs_init() - create /sys/kernel/debug/shadowmm/
 *
 * Context: Process context, module init.
 * Return: 0, or a negative errno when the directory cannot be created.
 */
int smm_debugfs_init(void)
{
	struct dentry *dir;

	dir = debugfs_create_dir(SMM_NAME, NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	smm_debugfs_dir = dir;
	return 0;
}

/**
 * smm_debugfs_exit() - remove the directory and every file below it
 *
 * Context: Process context, module exit or init unwind.
 */
void smm_debugfs_exit(void)
{
	debugfs_remove_recursive(smm_debugfs_dir);
	smm_debugfs_dir = NULL;
}

/**
 * smm_debugfs_root() - the directory subsystems create their files in
 *
 * Context: Any context, between smm_debugfs_init() and smm_debugfs_exit().
 * Return: the debugfs dentry of /sys/kernel/debug/shadowmm/.
 */
struct dentry *smm_debugfs_root(void)
{
	return smm_debugfs_dir;
}
