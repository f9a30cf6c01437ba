/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault window (module/fault_window.c): each object keeps only the
 * pages that faulted last mapped, so that a trace of faults is a trace of
 * a program's page references.
 */
#ifndef _SHADOWMM_FAULT_WINDOW_H
#define _SHADOWMM_FAULT_WINDOW_H

#include <linux/spinlock.h>
#include <linux/types.h>

/* One instruction may need two source and two destination pages at once. */
#define SMM_FAULT_WINDOW_MIN	4
/* Each fault looks through the window: keep that short. */
#define SMM_FAULT_WINDOW_MAX	256

struct smm_object;
struct smm_pool;

/**
 * struct smm_pool_fault_window - the pool's fault_window knob
 * @size:	pages each object keeps mapped; 0: no window (the default)
 * @gen:	bumped at every change, so that each object starts its window
 *		again at its next fault
 *
 * Both are written under the pool's tune_lock, @gen last and with release
 * semantics, and read without it.
 */
struct smm_pool_fault_window {
	unsigned int size;
	unsigned int gen;
};

/**
 * struct smm_fault_window - one object's window: the pages that faulted
 * last, oldest first, in a ring
 * @lock:	protects the fields below; a leaf
 * @gen:	the pool's @gen this window was started for
 * @size:	slots in @slots; 0: no window
 * @head:	the oldest entry
 * @count:	entries in use
 * @slots:	page indices, from the kernel's allocator
 */
struct smm_fault_window {
	spinlock_t lock;
	unsigned int gen;
	unsigned int size;
	unsigned int head;
	unsigned int count;
	pgoff_t *slots;
};

void smm_fault_window_init(struct smm_fault_window *w);
void smm_fault_window_destroy(struct smm_fault_window *w);
bool smm_fault_window_push(struct smm_fault_window *w, pgoff_t index, pgoff_t *evicted);
void smm_fault_window_note(struct smm_object *obj, pgoff_t index);
bool smm_fault_window_on(struct smm_pool *pool);
int smm_fault_window_set(struct smm_pool *pool, unsigned int size);

#endif /* _SHADOWMM_FAULT_WINDOW_H */
