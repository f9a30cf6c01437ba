/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SHADOWMM_DEBUGFS_H
#define _SHADOWMM_DEBUGFS_H

struct dentry;

int smm_debugfs_init(void);
void smm_debugfs_exit(void);
struct dentry *smm_debugfs_root(void);

#endif /* _SHADOWMM_DEBUGFS_H */
