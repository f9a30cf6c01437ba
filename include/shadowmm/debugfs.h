/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/shadowmm/ (module/debugfs.c): the live pool's files,
 * each in the format of its /proc twin.
 */
#ifndef _SHADOWMM_DEBUGFS_H
#define _SHADOWMM_DEBUGFS_H

#include <linux/compiler_types.h>
#include <linux/list.h>
#include <linux/types.h>

struct dentry;
struct smm_pool;

/**
 * struct smm_knob - one writable knob of the knobs file
 * @name:	what the line starts with
 * @min:	smallest value accepted (when @min_fn is NULL)
 * @max:	largest value accepted (when @max_fn is NULL)
 * @min_fn:	the smallest value, where it depends on the pool
 * @max_fn:	the largest value, where it depends on the pool
 * @set:	applies a value within the bounds; its own checks still hold
 */
struct smm_knob {
	const char *name;
	unsigned long min;
	unsigned long max;
	unsigned long (*min_fn)(struct smm_pool *pool);
	unsigned long (*max_fn)(struct smm_pool *pool);
	int (*set)(struct smm_pool *pool, unsigned int val);
};

/**
 * struct smm_knob_set - knobs another module adds (smm_knobs_add())
 * @knobs:	the knobs, named unlike every other knob
 * @nr:		how many
 * @help:	what the knobs file shows for them: lines "# ...\n"
 * @list:	on the list of added sets
 *
 * They apply to every pool, the live one and the KUnit suites' alike,
 * from smm_knobs_add() until smm_knobs_remove().
 */
struct smm_knob_set {
	const struct smm_knob *knobs;
	unsigned int nr;
	const char *help;
	struct list_head list;
};

int smm_debugfs_init(void);
void smm_debugfs_exit(void);
struct dentry *smm_debugfs_root(void);
int smm_debugfs_add_pool(struct smm_pool *pool);
void smm_debugfs_remove_pool(struct smm_pool *pool);
int smm_knob_write(struct smm_pool *pool, const char *line);
int smm_knobs_add(struct smm_knob_set *set);
void smm_knobs_remove(struct smm_knob_set *set);
int smm_debugfs_user_line(char *buf, size_t size, const char __user *ubuf,
			  size_t len, const loff_t *ppos);

#endif /* _SHADOWMM_DEBUGFS_H */
