/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backing store (module/swap.c): where reclaim writes the contents of
 * object pages it evicts, one page a slot, and where faults read them back.
 * Two backends: a compressed store in ordinary kernel memory (the kernel's
 * own compression through the crypto API, zsmalloc to hold the results,
 * charged to the memory cgroup of the pages' owner), or a swap file the
 * store creates and removes (read in the caller's context, written by the
 * store's own worker, charged to nobody).  Every slot keeps a CRC32 of
 * the page, checked on the way back.
 */
#ifndef _SHADOWMM_SWAP_H
#define _SHADOWMM_SWAP_H

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct crypto_comp;
struct file;
struct mem_cgroup;
struct seq_file;
struct workqueue_struct;
struct zs_pool;

/* No slot: what a page that was never stored has. */
#define SMM_SWAP_NONE		0U

/*
 * Slots are numbered 1..nr_slots, and a shadow entry names one in
 * SMM_SWAP_SLOT_BITS bits (module/workingset.c): enough for the largest
 * store swap_mb allows, the entry's other bits keeping time.
 */
#define SMM_SWAP_SLOT_BITS	23
#define SMM_SWAP_MAX_SLOTS	((1UL << SMM_SWAP_SLOT_BITS) - 1)

/**
 * struct smm_swap_config - what smm_swap_init() builds
 * @nr_slots:	capacity in pages
 * @file:	absolute path of a swap file to use instead of the compressed
 *		store, or NULL: created (it must not exist), sized to
 *		@nr_slots pages, and removed when the store is destroyed
 */
struct smm_swap_config {
	unsigned long nr_slots;
	const char *file;
};

/**
 * struct smm_swap_slot - what the store knows of one slot
 * @handle:	compressed store: the zsmalloc (or kmalloc) handle
 * @csum:	CRC32 of the page as it was written
 * @len:	compressed store: bytes stored (PAGE_SIZE: kept uncompressed)
 */
struct smm_swap_slot {
	unsigned long handle;
	u32 csum;
	u32 len;
};

/*
 * A swap file's writes whose waiters left, at most: each holds a page of
 * the kernel's and a slot until its file system is done with it.  Past
 * it every store fails with -EBUSY, as the file system then takes no
 * page, and the page stays resident.
 */
#define SMM_SWAP_MAX_ORPHANED	256

/**
 * struct smm_swap_ctx - one CPU's compressor for the compressed store
 * @lock:	serialises use of @tfm and @buffer.  A task takes the context
 *		of the CPU it runs on and may then migrate: the lock, not the
 *		CPU, makes the context its own
 * @tfm:	the compressor
 * @buffer:	room for one compressed page (2 pages: a compressor may
 *		expand its input)
 *
 * One per CPU, as zswap keeps its compression contexts, so that stores
 * and loads on different CPUs never wait for each other.
 */
struct smm_swap_ctx {
	struct mutex lock;
	struct crypto_comp *tfm;
	void *buffer;
};

/**
 * struct smm_swap - a backing store
 * @nr_slots:	capacity in pages; slot numbers run 1..@nr_slots
 * @lock:	protects @used, @nr_used, @nr_orphaned and @next, and the
 *		state of the swap file's write requests
 * @used:	bitmap of slots in use (bit n - 1 for slot n)
 * @nr_used:	slots in use
 * @nr_orphaned: of those, slots a swap file's write still holds after its
 *		waiter left on a fatal signal (given back when it ends)
 * @next:	where the next search for a free slot starts (next fit)
 * @slots:	per slot, indexed by slot number - 1; a slot's entry belongs
 *		to whoever holds the slot
 * @file:	the swap file, or NULL for the compressed store
 * @io_wq:	swap file: where its pages are written, one work item a page
 *		(WQ_MEM_RECLAIM: it runs for reclaim)
 * @ctx:	compressed store: one compressor context per possible CPU
 * @zpool:	compressed store: where compressed pages live (NULL without
 *		zsmalloc: kmalloc'ed buffers instead)
 * @zname:	@zpool's name, unique (zsmalloc names its caches after it)
 * @stored_bytes: compressed store: bytes held for the pages stored
 * @corrupt:	reads refused because the checksum did not match
 * @write_errors: swap file: pages its file system failed to write (the
 *		page stayed resident); vmstat's pswpout_fail
 * @ready:	smm_swap_init() built it and smm_swap_destroy() has not run;
 *		false for a pool without a backing store
 */
struct smm_swap {
	unsigned long nr_slots;
	spinlock_t lock;
	unsigned long *used;
	unsigned long nr_used;
	unsigned long nr_orphaned;
	unsigned long next;
	struct smm_swap_slot *slots;
	struct file *file;
	struct workqueue_struct *io_wq;
	struct smm_swap_ctx __percpu *ctx;
	struct zs_pool *zpool;
	char zname[24];
	atomic_long_t stored_bytes;
	atomic_long_t corrupt;
	atomic_long_t write_errors;
	bool ready;
};

int smm_swap_init(struct smm_swap *swap, const struct smm_swap_config *cfg);
void smm_swap_destroy(struct smm_swap *swap);
int smm_swap_write(struct smm_swap *swap, const void *src, u32 *slot);
unsigned long smm_swap_zalloc(struct smm_swap *swap, size_t len,
			      struct mem_cgroup *memcg, bool may_reclaim);
int smm_swap_write_memcg(struct smm_swap *swap, const void *src, u32 *slot,
			 struct mem_cgroup *memcg);
struct mem_cgroup *smm_swap_owner_get(void);
void smm_swap_owner_put(struct mem_cgroup *memcg);
int smm_swap_read(struct smm_swap *swap, u32 slot, void *dst);

/**
 * smm_swap_read_interrupted() - did a signal end a smm_swap_read()?
 * @err: what it returned
 *
 * A swap file's own file system says so in its own words: -EINTR (a disk
 * file system's page cache on a fatal signal, FUSE when its daemon honours
 * an interrupt), or a restart code (NFS's -ERESTARTSYS for a task being
 * killed), which must never reach a caller outside a system call.
 *
 * Context: Any context.
 * Return: true for -EINTR and the kernel's internal restart codes.
 */
static inline bool smm_swap_read_interrupted(int err)
{
	return err == -EINTR || err == -ERESTARTSYS || err == -ERESTARTNOINTR ||
	       err == -ERESTARTNOHAND || err == -ERESTART_RESTARTBLOCK;
}

/**
 * smm_swap_read_lost() - did a failed smm_swap_read() lose the page?
 * @err: what it returned
 *
 * A read that a signal ended (smm_swap_read_interrupted()) or that had no
 * memory (-ENOMEM) leaves the slot as it was, to be read again later.
 *
 * Context: Any context.
 * Return: true when the contents cannot be read back: any other error.
 */
static inline bool smm_swap_read_lost(int err)
{
	return err && !smm_swap_read_interrupted(err) && err != -ENOMEM;
}
void smm_swap_free(struct smm_swap *swap, u32 slot);
unsigned long smm_swap_free_slots(struct smm_swap *swap);
unsigned long smm_swap_owned_slots(struct smm_swap *swap);
void smm_swap_print(struct seq_file *m, struct smm_swap *swap);

#endif /* _SHADOWMM_SWAP_H */
