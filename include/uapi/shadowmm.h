/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shadowmm user ABI: the ioctls of /dev/shadowmm.
 *
 * Every field is a fixed-width __u64/__u32 so 32- and 64-bit callers share
 * one layout; every struct ends on an 8-byte boundary; reserved fields must
 * be zero and are checked, so they can gain a meaning later.
 */
#ifndef _UAPI_SHADOWMM_H
#define _UAPI_SHADOWMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SHADOWMM_IOC_MAGIC	0xB7

#endif /* _UAPI_SHADOWMM_H */
