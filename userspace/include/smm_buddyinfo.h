/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One line of the module's debugfs buddyinfo ("Node N, zone NAME  c0 c1
 * ... c10", as /proc/buddyinfo): the free block counts per order.  One
 * copy for the compaction test and the compaction benchmark.
 */
#ifndef _SHADOWMM_USERSPACE_BUDDYINFO_H
#define _SHADOWMM_USERSPACE_BUDDYINFO_H

#include <stdlib.h>
#include <string.h>

#define SMM_BUDDYINFO_ORDERS	11

/* Fill @nr_free from a zone's line; false for any other line. */
static inline int smm_buddyinfo_line(const char *line,
				     unsigned long nr_free[SMM_BUDDYINFO_ORDERS])
{
	char *p = strstr(line, "zone");
	int o;

	if (strncmp(line, "Node ", 5) || !p)
		return 0;
	p += 4;
	while (*p == ' ')
		p++;
	while (*p && *p != ' ')
		p++;
	for (o = 0; o < SMM_BUDDYINFO_ORDERS; o++)
		nr_free[o] = strtoul(p, &p, 10);
	return 1;
}

#endif /* _SHADOWMM_USERSPACE_BUDDYINFO_H */
