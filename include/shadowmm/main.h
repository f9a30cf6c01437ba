/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide state of the live device: its parameters and where its
 * debugfs directory hangs.  The memory manager itself is an instance
 * (struct smm_pool), never file-scope state, so KUnit builds private pools.
 */
#ifndef _SHADOWMM_MAIN_H
#define _SHADOWMM_MAIN_H

#include <linux/types.h>

#define SMM_NAME		"shadowmm"

/* Bounds of the size_mb module parameter. */
#define SMM_SIZE_MB_MIN		4
#define SMM_SIZE_MB_MAX		4096
#define SMM_SIZE_MB_DEFAULT	64

/* Bounds of swap_mb; 0 means no store.  Unset: four times the region. */
#define SMM_SWAP_MB_MAX		16384
#define SMM_SWAP_REGION_FACTOR	4

/**
 * struct smm_params - validated module parameters of the live device
 * @size_mb:	region size taken from the kernel by the default backend
 * @size_mb_set: @size_mb was given (it conflicts with the reserved backend)
 * @dev_mode:	permission bits of /dev/shadowmm
 * @zone_split:	percent of each node for DMA, Normal, HighMem
 * @phys_base:	reserved backend: start of the memmap= range
 * @phys_size:	reserved backend: its size (0: default backend)
 * @swap_mb:	backing store capacity in MiB (0: none, nothing is evicted)
 * @swap_mb_set: @swap_mb was given (else it becomes four times the region)
 * @swap_file:	absolute path of a swap file, or "" for the compressed store
 * @lru_policy:	the live pool's reclaim policy at load (enum
 *		smm_lru_policy_id: 0 classic, 1 workingset, 2 mglru)
 */
struct smm_params {
	unsigned int size_mb;
	bool size_mb_set;
	umode_t dev_mode;
	unsigned int zone_split[3];
	unsigned long phys_base;
	unsigned long phys_size;
	unsigned int swap_mb;
	bool swap_mb_set;
	char swap_file[256];
	unsigned int lru_policy;
};

extern struct smm_params smm_params;

struct smm_pool;

struct smm_pool *smm_device_pool(void);

int smm_parse_size_mb(const char *val, unsigned int *mb);
int smm_parse_dev_mode(const char *val, umode_t *mode);
int smm_parse_phys(const char *name, const char *val, unsigned long *out);
int smm_parse_swap_mb(const char *val, unsigned int *mb);
int smm_parse_swap_file(const char *val, char *path, size_t size);

#endif /* _SHADOWMM_MAIN_H */
