/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/shadowmm/ (module/debugfs.c): the live pool's files,
 * each in the format of its /proc twin.
 */
#ifndef _SHADOWMM_DEBUGFS_H
#define _SHADOWMM_DEBUGFS_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct dentry;
struct smm_pool;

int smm_debugfs_init(void);
void smm_debugfs_exit(void);
struct dentry *smm_debugfs_root(void);
int smm_debugfs_add_pool(struct smm_pool *pool);
void smm_debugfs_remove_pool(struct smm_pool *pool);
int smm_knob_write(struct smm_pool *pool, const char *line);
int smm_debugfs_user_line(char *buf, size_t size, const char __user *ubuf,
			  size_t len);

#endif /* _SHADOWMM_DEBUGFS_H */
