// SPDX-License-Identifier: GPL-2.0
/*
 * shadowmm: the backing store, where evicted object pages go.
 *
 * A store has a fixed number of page-sized slots, numbered from 1 so that
 * 0 can mean "none".  Slots are found next-fit in a bitmap, as the kernel's
 * swap allocator scans from where it last stopped.  What a slot holds:
 *
 * - compressed store (default): the page compressed with the kernel's own
 *   compressor through the crypto API (LZO, as zswap's default), kept by
 *   zsmalloc, which packs objects of any size densely (kmalloc where the
 *   kernel has no zsmalloc).  A page that does not compress is kept whole.
 *   Each CPU has its own compressor and buffer (as zswap's per-CPU
 *   contexts), so stores and loads on different CPUs run side by side; a
 *   page kept whole is read back without one.  A context costs LZO's
 *   16 KiB of work memory and a two-page buffer, for every possible CPU.
 * - swap file (module parameter swap_file): slot n at byte (n - 1) * 4096.
 *   The file is the store's own: created exclusively (O_CREAT | O_EXCL |
 *   O_NOFOLLOW, mode 0600, owned by root), never an existing file or a
 *   link, and removed again when the store is destroyed or its creation
 *   fails.  Pages are read in the caller's context (kernel_read()) but
 *   written by the store's own worker, as the loop driver does its I/O:
 *   the write must not happen in whichever task happens to evict, whose
 *   RLIMIT_FSIZE the file system applies (SIGXFSZ for a file it never
 *   wrote) and whose memory cgroup the page cache would be charged to.
 *   A file system that is frozen takes no page: the write only tries for
 *   its freeze protection, and the page stays resident as with a full
 *   store, rather than every reclaimer sleeping unkillably until a thaw.
 *   The worker writes a copy of the page, so that the evicting task can
 *   leave on a fatal signal while the write sits in the file system.
 *
 * Memory the compressed store takes for a page is charged to the memory
 * cgroup the caller names (the page's owner, not whoever happens to evict
 * it): zsmalloc's allocations are made with __GFP_ACCOUNT inside a
 * set_active_memcg() scope.  The kernel's byte-exact zswap charging
 * (obj_cgroup_charge_zswap(), obj_cgroup_charge()) is not exported to
 * modules, so the charge is zsmalloc's own granularity: the pages of a
 * zspage go to the cgroup whose store made zsmalloc allocate them, handles
 * to each store's cgroup; everything is uncharged when zsmalloc frees it.
 * The swap file is charged to nobody: its page cache is filled by the
 * worker, which has no memory cgroup (the root's, which has no limit).
 * The owner is not charged for it either: kernel_write() cannot make the
 * page cache's charge fail at once as zsmalloc's does, so a charge
 * beyond the owner's limit would reclaim in, or OOM-kill, the owner's
 * cgroup on another task's behalf.
 *
 * Either way each slot keeps the CRC32 of the page as written and a read
 * refuses (-EIO) a page that does not match: a damaged store loses one
 * page loudly instead of handing back wrong bytes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/crc32.h>
#include <linux/cred.h>
#include <linux/crypto.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/zsmalloc.h>

#include <shadowmm/compat.h>
#include <shadowmm/swap.h>

#define SMM_SWAP_COMPRESSOR	"lzo"

/* Stores made so far: each zsmalloc pool needs a name of its own. */
static atomic_t smm_swap_stores = ATOMIC_INIT(0);

static u32 smm_swap_csum(const void *page)
{
	return crc32(~0U, page, PAGE_SIZE);
}

static struct smm_swap_slot *smm_swap_slot(struct smm_swap *swap, u32 slot)
{
	return &swap->slots[slot - 1];
}

/* A free slot, taken; SMM_SWAP_NONE when the store is full. */
static u32 smm_swap_alloc_slot(struct smm_swap *swap)
{
	unsigned long bit;

	spin_lock(&swap->lock);
	bit = find_next_zero_bit(swap->used, swap->nr_slots, swap->next);
	if (bit >= swap->nr_slots)
		bit = find_first_zero_bit(swap->used, swap->nr_slots);
	if (bit >= swap->nr_slots) {
		spin_unlock(&swap->lock);
		return SMM_SWAP_NONE;
	}
	__set_bit(bit, swap->used);
	WRITE_ONCE(swap->nr_used, swap->nr_used + 1);
	swap->next = bit + 1;
	spin_unlock(&swap->lock);
	return bit + 1;
}

static void smm_swap_release_slot_locked(struct smm_swap *swap, u32 slot)
{
	lockdep_assert_held(&swap->lock);
	if (!WARN_ON_ONCE(!__test_and_clear_bit(slot - 1, swap->used)))
		WRITE_ONCE(swap->nr_used, swap->nr_used - 1);
}

static void smm_swap_release_slot(struct smm_swap *swap, u32 slot)
{
	spin_lock(&swap->lock);
	smm_swap_release_slot_locked(swap, slot);
	spin_unlock(&swap->lock);
}

/* ---- compressed store ---- */

/**
 * smm_swap_zalloc() - room in the compressed store
 * @swap: the store
 * @len: bytes
 * @memcg: the memory cgroup the room is charged to, or NULL for nobody
 * @may_reclaim: reclaim may make the room (GFP_NOIO), and, with @memcg,
 *	the charge may reclaim in @memcg before it fails (__GFP_NORETRY: no
 *	OOM kill in the owner's cgroup from someone else's reclaim); else
 *	nothing is reclaimed and a charge over @memcg's limit fails at once
 *
 * Context: Process context; may sleep when @may_reclaim.  Never with a
 * compressor's lock held when @may_reclaim: every store and load that
 * picks that context would wait out the reclaim.
 * Return: the handle, or 0 when there is no room.
 */
unsigned long smm_swap_zalloc(struct smm_swap *swap, size_t len,
			      struct mem_cgroup *memcg, bool may_reclaim)
{
	gfp_t gfp = (may_reclaim ? GFP_NOIO : GFP_NOWAIT) | __GFP_NOWARN;
	struct mem_cgroup *old = NULL;
	unsigned long handle;

	KUNIT_STATIC_STUB_REDIRECT(smm_swap_zalloc, swap, len, memcg, may_reclaim);
	if (memcg) {
		gfp |= __GFP_ACCOUNT | __GFP_NORETRY;
		old = set_active_memcg(memcg);
	}
#if IS_ENABLED(CONFIG_ZSMALLOC)
	handle = zs_malloc(swap->zpool, len, gfp);
	if (IS_ERR_VALUE(handle))
		handle = 0;
#else
	handle = (unsigned long)kmalloc(len, gfp);
#endif
	if (memcg)
		set_active_memcg(old);
	return handle;
}
SMM_EXPORT(smm_swap_zalloc);

static void smm_zfree(struct smm_swap *swap, unsigned long handle)
{
#if IS_ENABLED(CONFIG_ZSMALLOC)
	zs_free(swap->zpool, handle);
#else
	kfree((void *)handle);
#endif
}

static void *smm_zmap(struct smm_swap *swap, unsigned long handle, bool write)
{
#if IS_ENABLED(CONFIG_ZSMALLOC)
	return zs_map_object(swap->zpool, handle, write ? ZS_MM_WO : ZS_MM_RO);
#else
	return (void *)handle;
#endif
}

static void smm_zunmap(struct smm_swap *swap, unsigned long handle)
{
#if IS_ENABLED(CONFIG_ZSMALLOC)
	zs_unmap_object(swap->zpool, handle);
#endif
}

/*
 * The compressor context of the CPU this task runs on, locked.  The task
 * may be migrated once it has it: the lock keeps it its own until
 * mutex_unlock(&ctx->lock), and another CPU's task that picks the same
 * context waits only for this one.
 */
static struct smm_swap_ctx *smm_swap_ctx_get(struct smm_swap *swap)
{
	struct smm_swap_ctx *ctx = raw_cpu_ptr(swap->ctx);

	mutex_lock(&ctx->lock);
	return ctx;
}

/*
 * @src compressed with @ctx (locked): the bytes to store in *@data (the
 * context's buffer, or @src itself when it does not compress), and their
 * length is returned.
 */
static unsigned int smm_swap_compress(struct smm_swap_ctx *ctx, const void *src,
				      const void **data)
{
	unsigned int len = 2 * PAGE_SIZE;
	int ret;

	ret = crypto_comp_compress(ctx->tfm, src, PAGE_SIZE, ctx->buffer, &len);
	if (!ret && len < PAGE_SIZE) {
		*data = ctx->buffer;
		return len;
	}
	*data = src;
	return PAGE_SIZE;
}

static int smm_swap_store_compressed(struct smm_swap *swap, struct smm_swap_slot *s,
				     const void *src, struct mem_cgroup *memcg)
{
	struct smm_swap_ctx *ctx;
	unsigned long handle;
	const void *data;
	unsigned int len;

	ctx = smm_swap_ctx_get(swap);
	len = smm_swap_compress(ctx, src, &data);
	handle = smm_swap_zalloc(swap, len, memcg, false);
	if (!handle) {
		/*
		 * No room at once: made with reclaim, outside the
		 * compressor's lock, and the page compressed again (the
		 * same bytes, which nobody changes while they are stored,
		 * give the same length).
		 */
		mutex_unlock(&ctx->lock);
		handle = smm_swap_zalloc(swap, len, memcg, true);
		if (!handle)
			return -ENOMEM;
		ctx = smm_swap_ctx_get(swap);
		if (WARN_ON_ONCE(smm_swap_compress(ctx, src, &data) != len)) {
			mutex_unlock(&ctx->lock);
			smm_zfree(swap, handle);
			return -EIO;
		}
	}
	memcpy(smm_zmap(swap, handle, true), data, len);
	smm_zunmap(swap, handle);
	mutex_unlock(&ctx->lock);

	s->handle = handle;
	s->len = len;
	atomic_long_add(len, &swap->stored_bytes);
	return 0;
}

static int smm_swap_load_compressed(struct smm_swap *swap, struct smm_swap_slot *s,
				    void *dst)
{
	struct smm_swap_ctx *ctx = NULL;
	unsigned int len = PAGE_SIZE;
	int ret = 0;
	void *data;

	/* A page kept whole needs no compressor: a copy, no lock. */
	if (s->len != PAGE_SIZE)
		ctx = smm_swap_ctx_get(swap);
	data = smm_zmap(swap, s->handle, false);
	if (!ctx)
		memcpy(dst, data, PAGE_SIZE);
	else
		ret = crypto_comp_decompress(ctx->tfm, data, s->len, dst, &len);
	smm_zunmap(swap, s->handle);
	if (ctx)
		mutex_unlock(&ctx->lock);
	if (ret || len != PAGE_SIZE)
		return -EIO;
	return 0;
}

/* ---- swap file ---- */

static loff_t smm_swap_file_pos(u32 slot)
{
	return (loff_t)(slot - 1) << PAGE_SHIFT;
}

/*
 * A page for the store's worker to write, in a buffer of its own: its
 * waiter may leave on a fatal signal before the write is done, and the
 * page it was given is then no longer the request's to read.  @state,
 * under the store's lock, says who still has the request: the worker
 * frees it (and gives the slot back) if the waiter left, else the waiter
 * does.
 */
struct smm_swap_write_req {
	struct work_struct work;
	struct completion done;
	struct smm_swap *swap;
	void *buf;
	u32 slot;
	int ret;
	int state;
};

enum {
	SMM_SWAP_REQ_WAITING,	/* the waiter waits for the write */
	SMM_SWAP_REQ_DONE,	/* written; the waiter takes the result */
	SMM_SWAP_REQ_LEFT,	/* the waiter left: the worker cleans up */
};

static void smm_swap_write_req_free(struct smm_swap_write_req *req)
{
	free_page((unsigned long)req->buf);
	kfree(req);
}

/*
 * The file system refused a page: the page stays resident and the
 * reclaim pass ends, as on a full store, but the administrator has to hear of a
 * disk that fails or a file system that filled up, as the kernel logs
 * its swap devices' write errors.
 */
static void smm_swap_write_failed(struct smm_swap *swap, u32 slot, ssize_t n)
{
	atomic_long_inc(&swap->write_errors);
	pr_warn_ratelimited("swap_file %pD: writing slot %u failed: %pe\n",
			    swap->file, slot, ERR_PTR(n < 0 ? n : -EIO));
}

/*
 * kernel_write() with the freeze protection only tried for.  In the
 * worker: a kworker has no RLIMIT_FSIZE (it is kthreadd's, unlimited)
 * and no memory cgroup, and no signal of the evicting task ends it short.
 */
static void smm_swap_write_fn(struct work_struct *work)
{
	struct smm_swap_write_req *req = container_of(work, struct smm_swap_write_req, work);
	struct smm_swap *swap = req->swap;
	struct file *file = swap->file;
	loff_t pos = smm_swap_file_pos(req->slot);
	ssize_t n = -EINTR;
	bool left;

	/* A page nobody waits for any more is not written. */
	if (READ_ONCE(req->state) != SMM_SWAP_REQ_LEFT) {
		n = rw_verify_area(WRITE, file, &pos, PAGE_SIZE);
		if (!n) {
			/* Frozen: no room for now, as in a full store. */
			if (file_start_write_trylock(file)) {
				n = __kernel_write(file, req->buf, PAGE_SIZE, &pos);
				file_end_write(file);
				if (n != PAGE_SIZE)
					smm_swap_write_failed(swap, req->slot, n);
			} else {
				n = -ENOSPC;
			}
		} else {
			smm_swap_write_failed(swap, req->slot, n);
		}
	}
	spin_lock(&swap->lock);
	left = req->state == SMM_SWAP_REQ_LEFT;
	if (left) {
		/* Nobody took the slot: what it holds is nobody's page. */
		smm_swap_release_slot_locked(swap, req->slot);
		WRITE_ONCE(swap->nr_orphaned, swap->nr_orphaned - 1);
	} else {
		req->ret = n == PAGE_SIZE ? 0 : n < 0 ? n : -EIO;
		req->state = SMM_SWAP_REQ_DONE;
	}
	spin_unlock(&swap->lock);
	if (left) {
		smm_swap_write_req_free(req);
		return;
	}
	/* The waiter frees @req once this is seen. */
	complete(&req->done);
}

/*
 * The caller's page is copied and written by the store's worker.  The
 * caller waits for it killably: the write may sit in the file system for
 * as long as it likes (dirty throttling, a synchronous mount's disk, a
 * server that does not answer), and a killed task must not wait with it.
 * The slot is given back on failure: here, or, when the caller left
 * (-EINTR), by the worker once nothing writes to it any more.
 */
static int smm_swap_store_file(struct smm_swap *swap, u32 slot, const void *src)
{
	const gfp_t gfp = GFP_NOIO | __GFP_NOWARN;
	struct smm_swap_write_req *req;
	bool left;
	int ret;

	/*
	 * As many writes as that still run for killed waiters: the file
	 * system is stuck, and takes no page of anybody's for now.
	 */
	if (READ_ONCE(swap->nr_orphaned) >= SMM_SWAP_MAX_ORPHANED) {
		ret = -EBUSY;
		goto fail;
	}
	req = kmalloc(sizeof(*req), gfp);
	if (!req)
		goto no_memory;
	req->buf = (void *)__get_free_page(gfp);
	if (!req->buf) {
		kfree(req);
		goto no_memory;
	}
	memcpy(req->buf, src, PAGE_SIZE);
	req->swap = swap;
	req->slot = slot;
	req->state = SMM_SWAP_REQ_WAITING;
	init_completion(&req->done);
	INIT_WORK(&req->work, smm_swap_write_fn);
	queue_work(swap->io_wq, &req->work);

	if (wait_for_completion_killable(&req->done)) {
		spin_lock(&swap->lock);
		left = req->state == SMM_SWAP_REQ_WAITING;
		if (left) {
			WRITE_ONCE(req->state, SMM_SWAP_REQ_LEFT);
			WRITE_ONCE(swap->nr_orphaned, swap->nr_orphaned + 1);
		}
		spin_unlock(&swap->lock);
		if (left)
			return -EINTR;
		/* Written just now: the worker is completing. */
		wait_for_completion(&req->done);
	}
	ret = req->ret;
	smm_swap_write_req_free(req);
	if (ret)
		smm_swap_release_slot(swap, slot);
	return ret;

no_memory:
	ret = -ENOMEM;
fail:
	smm_swap_release_slot(swap, slot);
	return ret;
}

/*
 * In the faulting task, with the credentials that opened the file: a
 * security module checks every read against the reader (SELinux wants
 * the opener's fd:use and the file's read of a confined task), and the
 * store's reads are the module's, not the task's.
 */
static int smm_swap_load_file(struct smm_swap *swap, u32 slot, void *dst)
{
	loff_t pos = smm_swap_file_pos(slot);
	const struct cred *old;
	ssize_t n;

	old = override_creds(swap->file->f_cred);
	n = kernel_read(swap->file, dst, PAGE_SIZE, &pos);
	revert_creds(old);
	return n == PAGE_SIZE ? 0 : n < 0 ? n : -EIO;
}

/* ---- the store ---- */

/**
 * smm_swap_write_memcg() - store one page, charged to its owner
 * @swap: the store
 * @src: the page's contents (PAGE_SIZE bytes)
 * @slot: where it went, on success
 * @memcg: the memory cgroup the stored bytes are charged to, normally the
 *	page owner's from smm_swap_owner_get(); NULL charges nobody.  The
 *	caller keeps its reference for the call.
 *
 * The compressed store charges the memory zsmalloc takes for the page to
 * @memcg and uncharges it when the slot is freed; a charge beyond @memcg's
 * limit fails the write with -ENOMEM, as a full store would.  A swap file
 * charges nobody, neither @memcg nor the caller's cgroup: the store's
 * worker writes it, and the caller's RLIMIT_FSIZE does not apply.
 *
 * Context: Process context, may sleep: a swap file's write waits for the
 * store's worker, killably (it never waits for a frozen file system).
 * Return: 0, -ENOSPC when every slot is taken or the swap file's file
 * system is frozen (or full), -ENOMEM when the compressed store has no
 * memory or @memcg no room (or a swap file's write no buffer), -EBUSY
 * when too many swap-file writes whose waiters left still run, -EIO when
 * a page compressed twice gave two lengths, -EINTR when the caller has
 * a fatal signal and the store is a swap file (at once, or after the
 * write was queued), or the file's write error.  On error nothing is stored and no slot is taken
 * (after -EINTR the worker gives the slot back once its write is over).
 */
int smm_swap_write_memcg(struct smm_swap *swap, const void *src, u32 *slot,
			 struct mem_cgroup *memcg)
{
	struct smm_swap_slot *s;
	int ret;
	u32 n;

	KUNIT_STATIC_STUB_REDIRECT(smm_swap_write_memcg, swap, src, slot, memcg);
	/* A killed task would only leave the write behind (kswapd is never). */
	if (swap->file && fatal_signal_pending(current))
		return -EINTR;
	n = smm_swap_alloc_slot(swap);
	if (n == SMM_SWAP_NONE)
		return -ENOSPC;
	s = smm_swap_slot(swap, n);
	s->csum = smm_swap_csum(src);
	if (swap->file) {
		/* It gives the slot back itself on failure. */
		ret = smm_swap_store_file(swap, n, src);
	} else {
		ret = smm_swap_store_compressed(swap, s, src, memcg);
		if (ret)
			smm_swap_release_slot(swap, n);
	}
	if (ret)
		return ret;
	*slot = n;
	return 0;
}
SMM_EXPORT(smm_swap_write_memcg);

/**
 * smm_swap_write() - store one page, charged to nobody
 * @swap: the store
 * @src: the page's contents (PAGE_SIZE bytes)
 * @slot: where it went, on success
 *
 * As smm_swap_write_memcg() with no cgroup: for pages no user owns.
 *
 * Context: Process context, may sleep.
 * Return: as smm_swap_write_memcg().
 */
int smm_swap_write(struct smm_swap *swap, const void *src, u32 *slot)
{
	return smm_swap_write_memcg(swap, src, slot, NULL);
}
SMM_EXPORT(smm_swap_write);

/**
 * smm_swap_owner_get() - the memory cgroup of the calling task
 *
 * What a memory object records when it is opened, so that the store
 * charges its evicted pages to the user who made them, whichever task
 * evicts them later.
 *
 * Context: Process context.
 * Return: a referenced cgroup for smm_swap_write_memcg(), to be given back
 * with smm_swap_owner_put(); NULL when the kernel has no memory cgroups.
 */
struct mem_cgroup *smm_swap_owner_get(void)
{
	return get_mem_cgroup_from_mm(current->mm);
}
SMM_EXPORT(smm_swap_owner_get);

/**
 * smm_swap_owner_put() - drop what smm_swap_owner_get() returned
 * @memcg: the cgroup, or NULL
 *
 * Context: Any context.
 */
void smm_swap_owner_put(struct mem_cgroup *memcg)
{
	mem_cgroup_put(memcg);
}
SMM_EXPORT(smm_swap_owner_put);

/**
 * smm_swap_read() - bring one page back
 * @swap: the store
 * @slot: a slot smm_swap_write() filled (it stays filled)
 * @dst: where to put the page (PAGE_SIZE bytes)
 *
 * A swap file is read in the caller's context: a file system that reads
 * through the page cache (not tmpfs) gives up with -EINTR when the caller
 * has a fatal signal pending (FUSE on any signal, NFS with a restart code:
 * smm_swap_read_interrupted()), and with -ENOMEM when the page cache gets
 * no folio (no memory, or the caller's memory cgroup at its limit, which
 * the folio is charged to).  Neither loses anything nor is damage
 * (smm_swap_read_lost()): they are passed back, neither counted nor
 * logged, and the slot reads back later.
 *
 * Context: Process context, may sleep.
 * Return: 0, -EINVAL for a slot not in use, -EINTR (or a restart code,
 * see smm_swap_read_interrupted()) when a signal ended a swap file's
 * read, -ENOMEM when it had no memory, or -EIO when the contents
 * cannot be read back or do not match their checksum (counted).
 */
int smm_swap_read(struct smm_swap *swap, u32 slot, void *dst)
{
	struct smm_swap_slot *s;
	int ret;

	KUNIT_STATIC_STUB_REDIRECT(smm_swap_read, swap, slot, dst);
	if (slot == SMM_SWAP_NONE || slot > swap->nr_slots ||
	    !test_bit(slot - 1, swap->used))
		return -EINVAL;
	s = smm_swap_slot(swap, slot);
	if (swap->file)
		ret = smm_swap_load_file(swap, slot, dst);
	else
		ret = smm_swap_load_compressed(swap, s, dst);
	if (!ret && smm_swap_csum(dst) != s->csum)
		ret = -EIO;
	if (smm_swap_read_lost(ret)) {
		atomic_long_inc(&swap->corrupt);
		pr_err_ratelimited("backing store slot %u: %s\n", slot,
				   ret == -EIO ? "checksum mismatch, page lost" : "read failed");
	}
	return ret;
}
SMM_EXPORT(smm_swap_read);

/**
 * smm_swap_free() - give a slot back
 * @swap: the store
 * @slot: a slot in use
 *
 * Context: Process context (the compressed store's free may sleep).
 */
void smm_swap_free(struct smm_swap *swap, u32 slot)
{
	struct smm_swap_slot *s;

	if (WARN_ON_ONCE(slot == SMM_SWAP_NONE || slot > swap->nr_slots))
		return;
	s = smm_swap_slot(swap, slot);
	if (!swap->file && s->handle) {
		smm_zfree(swap, s->handle);
		atomic_long_sub(s->len, &swap->stored_bytes);
		s->handle = 0;
	}
	smm_swap_release_slot(swap, slot);
}
SMM_EXPORT(smm_swap_free);

/**
 * smm_swap_free_slots() - slots not in use (SwapFree)
 * @swap: the store
 *
 * Context: Any context; a lockless snapshot.
 * Return: the count.
 */
unsigned long smm_swap_free_slots(struct smm_swap *swap)
{
	return swap->nr_slots - READ_ONCE(swap->nr_used);
}
SMM_EXPORT(smm_swap_free_slots);

/**
 * smm_swap_owned_slots() - slots in use that stored pages hold
 * @swap: the store
 *
 * Slots in use but those a swap file's write still holds after its
 * waiter left (they go back when the write ends, with no page).
 *
 * Context: Process context or softirq-free atomic context; takes the
 * store's lock.
 * Return: the count.
 */
unsigned long smm_swap_owned_slots(struct smm_swap *swap)
{
	unsigned long n;

	spin_lock(&swap->lock);
	n = swap->nr_used - swap->nr_orphaned;
	spin_unlock(&swap->lock);
	return n;
}
SMM_EXPORT(smm_swap_owned_slots);

/**
 * smm_swap_print() - describe a store (debugfs "swap")
 * @m: where to print
 * @swap: the store
 *
 * Context: Process context.
 */
void smm_swap_print(struct seq_file *m, struct smm_swap *swap)
{
	unsigned long used = READ_ONCE(swap->nr_used);

	if (swap->file)
		seq_printf(m, "backend file %pD\n", swap->file);
	else
		seq_printf(m, "backend compressed %s/%s\n", SMM_SWAP_COMPRESSOR,
			   swap->zpool ? "zsmalloc" : "kmalloc");
	seq_printf(m, "slots %lu\nused %lu\n", swap->nr_slots, used);
	if (!swap->file)
		seq_printf(m, "stored_bytes %ld\n", atomic_long_read(&swap->stored_bytes));
	seq_printf(m, "corrupt %ld\n", atomic_long_read(&swap->corrupt));
}
SMM_EXPORT(smm_swap_print);

/*
 * @path exists: say why it cannot be the swap file.  The link itself is
 * looked at, never what it points to.
 */
static void smm_swap_file_refuse(const char *path)
{
	struct inode *inode;
	struct path p;
	umode_t mode;

	if (kern_path(path, 0, &p)) {
		pr_err("swap_file=%s is refused: it already exists\n", path);
		return;
	}
	inode = d_inode(p.dentry);
	mode = inode->i_mode;
	if (S_ISLNK(mode))
		pr_err("swap_file=%s is refused: it is a symbolic link\n", path);
	else if (S_ISDIR(mode))
		pr_err("swap_file=%s is refused: it is a directory\n", path);
	else if (S_ISCHR(mode) || S_ISBLK(mode))
		pr_err("swap_file=%s is refused: it is a device\n", path);
	else if (S_ISFIFO(mode))
		pr_err("swap_file=%s is refused: it is a FIFO\n", path);
	else if (!S_ISREG(mode))
		pr_err("swap_file=%s is refused: it is not a regular file\n", path);
	else if (!uid_eq(inode->i_uid, GLOBAL_ROOT_UID))
		pr_err("swap_file=%s is refused: it is owned by uid %u, not root\n",
		       path, from_kuid(&init_user_ns, inode->i_uid));
	else if (i_size_read(inode))
		pr_err("swap_file=%s is refused: it is not empty (%lld bytes)\n",
		       path, i_size_read(inode));
	else
		pr_err("swap_file=%s is refused: it already exists (shadowmm creates its swap file itself and removes it at unload)\n",
		       path);
	path_put(&p);
}

/*
 * Remove the store's file by its own dentry, wherever it has been moved
 * since: never a name someone else's file may have taken meanwhile.  The
 * file is still open, so the dentry gets a reference of its own for the
 * unlink, as a lookup would give it: with the file's as the only one,
 * d_delete() would turn the open file's dentry negative.
 */
static void smm_swap_remove_file(struct file *file)
{
	struct dentry *dentry = dget(file->f_path.dentry);
	struct vfsmount *mnt = file->f_path.mnt;
	struct dentry *parent;
	struct inode *dir;
	int ret;

	ret = mnt_want_write(mnt);
	if (ret)
		goto out;
	parent = dget_parent(dentry);
	dir = d_inode(parent);
	inode_lock_nested(dir, I_MUTEX_PARENT);
	if (dentry->d_parent == parent && !d_unhashed(dentry) && d_is_positive(dentry))
		ret = smm_vfs_unlink(mnt, dir, dentry);
	else
		ret = -ENOENT;
	inode_unlock(dir);
	dput(parent);
	mnt_drop_write(mnt);
out:
	dput(dentry);
	if (ret)
		pr_err("swap file %pD cannot be removed: %d\n", file, ret);
}

/*
 * Work for the store's worker, on the waiter's stack: size @file.  As the
 * writes: a kworker has no RLIMIT_FSIZE, and sends no SIGXFSZ.
 */
struct smm_swap_size_req {
	struct work_struct work;
	struct completion done;
	struct file *file;
	loff_t size;
	int ret;
};

static void smm_swap_size_fn(struct work_struct *work)
{
	struct smm_swap_size_req *req = container_of(work, struct smm_swap_size_req, work);

	req->ret = vfs_truncate(&req->file->f_path, req->size);
	/* @req is gone once this is seen: the worker does not touch it again. */
	complete(&req->done);
}

/*
 * The swap file sized to the store, by the store's worker.  Waited for
 * unkillably: a failed creation removes the file, which must come after
 * the worker is done with it, and sizing a new empty file writes no data.
 */
static int smm_swap_size_file(struct smm_swap *swap, struct file *file)
{
	struct smm_swap_size_req req = {
		.file = file,
		.size = (loff_t)swap->nr_slots << PAGE_SHIFT,
	};

	/* Not flush_work(): its barrier would be a second work item. */
	INIT_WORK_ONSTACK(&req.work, smm_swap_size_fn);
	init_completion(&req.done);
	queue_work(swap->io_wq, &req.work);
	wait_for_completion(&req.done);
	destroy_work_on_stack(&req.work);
	return req.ret;
}

/*
 * Create the swap file: exclusively, never through a link in its last
 * component, 0600 and owned by root, then sized to the store.  An
 * existing path is refused with its reason.
 */
static int smm_swap_create_file(struct smm_swap *swap, const char *path)
{
	const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_LARGEFILE;
	struct inode *inode;
	struct file *file;
	int ret;

	if (path[0] != '/') {
		pr_err("swap_file=%s is refused: not an absolute path\n", path);
		return -EINVAL;
	}
	file = filp_open(path, flags, 0600);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		if (ret == -EEXIST) {
			smm_swap_file_refuse(path);
			return -EINVAL;
		}
		pr_err("swap_file=%s cannot be created: %pe\n", path, file);
		return ret;
	}
	inode = file_inode(file);
	if (!S_ISREG(inode->i_mode) || !uid_eq(inode->i_uid, GLOBAL_ROOT_UID) ||
	    (inode->i_mode & 0077)) {
		pr_err("swap_file=%s is refused: the file system made it mode %04o uid %u, not a root-only regular file\n",
		       path, inode->i_mode & 07777, from_kuid(&init_user_ns, inode->i_uid));
		ret = -EINVAL;
		goto err_remove;
	}
	/*
	 * Its reads and writes are the store's, no event of the file's: an
	 * inotify watch on its directory, which anyone may set, would time
	 * every eviction and swap-in for any user.  (The mtime still moves:
	 * tmpfs and the generic write path update it whatever the file's
	 * mode; the README says to keep the file in a directory only root
	 * can search.)
	 */
	smm_file_set_nonotify(file);
	/* Per CPU: the worker runs where the page it writes is cache-hot. */
	swap->io_wq = alloc_workqueue("shadowmm_swap_io", WQ_MEM_RECLAIM, 0);
	if (!swap->io_wq) {
		ret = -ENOMEM;
		goto err_remove;
	}
	/* Not in insmod's task, whose RLIMIT_FSIZE the file system applies. */
	ret = smm_swap_size_file(swap, file);
	if (ret) {
		pr_err("swap_file=%s cannot be sized to %lu pages: %d\n", path,
		       swap->nr_slots, ret);
		goto err_wq;
	}
	swap->file = file;
	return 0;

err_wq:
	destroy_workqueue(swap->io_wq);
	swap->io_wq = NULL;
err_remove:
	smm_swap_remove_file(file);
	filp_close(file, NULL);
	return ret;
}

static void smm_swap_free_ctxs(struct smm_swap *swap)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct smm_swap_ctx *ctx = per_cpu_ptr(swap->ctx, cpu);

		kfree(ctx->buffer);
		if (!IS_ERR_OR_NULL(ctx->tfm))
			crypto_free_comp(ctx->tfm);
		mutex_destroy(&ctx->lock);
	}
	free_percpu(swap->ctx);
	swap->ctx = NULL;
}

/*
 * A compressor and a buffer for every possible CPU, made here at once: no
 * CPU hotplug callback, and a store never lacks one.
 */
static int smm_swap_alloc_ctxs(struct smm_swap *swap)
{
	int cpu;

	swap->ctx = alloc_percpu(struct smm_swap_ctx);
	if (!swap->ctx)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		mutex_init(&per_cpu_ptr(swap->ctx, cpu)->lock);
	for_each_possible_cpu(cpu) {
		struct smm_swap_ctx *ctx = per_cpu_ptr(swap->ctx, cpu);
		int ret;

		ctx->tfm = crypto_alloc_comp(SMM_SWAP_COMPRESSOR, 0, 0);
		if (IS_ERR(ctx->tfm)) {
			ret = PTR_ERR(ctx->tfm);
			pr_err("no %s compressor for the backing store: %d\n",
			       SMM_SWAP_COMPRESSOR, ret);
			smm_swap_free_ctxs(swap);
			return ret;
		}
		ctx->buffer = kmalloc_node(2 * PAGE_SIZE, GFP_KERNEL, cpu_to_node(cpu));
		if (!ctx->buffer) {
			smm_swap_free_ctxs(swap);
			return -ENOMEM;
		}
	}
	return 0;
}

static int smm_swap_init_compressed(struct smm_swap *swap)
{
	int ret;

	ret = smm_swap_alloc_ctxs(swap);
	if (ret)
		return ret;
#if IS_ENABLED(CONFIG_ZSMALLOC)
	snprintf(swap->zname, sizeof(swap->zname), "shadowmm-%d",
		 atomic_inc_return(&smm_swap_stores));
	swap->zpool = zs_create_pool(swap->zname);
	if (!swap->zpool) {
		smm_swap_free_ctxs(swap);
		return -ENOMEM;
	}
#endif
	return 0;
}

/**
 * smm_swap_init() - build a backing store
 * @swap: zeroed by the caller; filled in on success
 * @cfg: capacity and backend
 *
 * A swap file is created here (see smm_swap_create_file()); on failure
 * nothing is left behind, the file included.
 *
 * Context: Process context, may sleep.
 * Return: 0, -EINVAL for no capacity or a path that exists or is not
 * absolute (logged with the reason), the error creating or sizing the
 * file, or -ENOMEM.
 */
int smm_swap_init(struct smm_swap *swap, const struct smm_swap_config *cfg)
{
	int ret;

	if (!cfg->nr_slots || cfg->nr_slots > SMM_SWAP_MAX_SLOTS)
		return -EINVAL;
	swap->nr_slots = cfg->nr_slots;
	spin_lock_init(&swap->lock);
	atomic_long_set(&swap->stored_bytes, 0);
	atomic_long_set(&swap->corrupt, 0);
	atomic_long_set(&swap->write_errors, 0);
	swap->used = bitmap_zalloc(swap->nr_slots, GFP_KERNEL);
	if (!swap->used)
		return -ENOMEM;
	swap->slots = vcalloc(swap->nr_slots, sizeof(*swap->slots));
	if (!swap->slots) {
		ret = -ENOMEM;
		goto err_used;
	}
	if (cfg->file && cfg->file[0])
		ret = smm_swap_create_file(swap, cfg->file);
	else
		ret = smm_swap_init_compressed(swap);
	if (ret)
		goto err_slots;
	swap->ready = true;
	return 0;

err_slots:
	vfree(swap->slots);
err_used:
	bitmap_free(swap->used);
	return ret;
}
SMM_EXPORT(smm_swap_init);

/**
 * smm_swap_destroy() - take a store apart
 * @swap: the store; slots still in use are freed (reported: a leak)
 *
 * A swap file is removed: its contents belong to objects that are gone.
 *
 * Context: Process context, may sleep.
 */
void smm_swap_destroy(struct smm_swap *swap)
{
	unsigned long bit;

	/* Writes whose waiters left give their slots back first. */
	if (swap->file)
		drain_workqueue(swap->io_wq);
	WARN(swap->nr_used, "backing store destroyed with %lu slots in use\n",
	     swap->nr_used);
	for_each_set_bit(bit, swap->used, swap->nr_slots)
		smm_swap_free(swap, bit + 1);
	if (swap->file) {
		destroy_workqueue(swap->io_wq);
		smm_swap_remove_file(swap->file);
		filp_close(swap->file, NULL);
	} else {
#if IS_ENABLED(CONFIG_ZSMALLOC)
		zs_destroy_pool(swap->zpool);
#endif
		smm_swap_free_ctxs(swap);
	}
	vfree(swap->slots);
	bitmap_free(swap->used);
	swap->ready = false;
}
SMM_EXPORT(smm_swap_destroy);
