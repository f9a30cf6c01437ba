// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the backing store (module/swap.c), both backends: pages come back
 * byte-identical (random, zero, patterned), a full store refuses with
 * ENOSPC and takes again once a slot is freed, and a slot whose stored
 * bytes were damaged is refused with EIO by its checksum while the others
 * still read back; stores on two CPUs use two compressors; the swap file
 * is created exclusively and removed, and the compressed store charges
 * its memory to the owner's memory cgroup while the swap file's page
 * cache is charged to nobody (not the writer's cgroup); a frozen file
 * system refuses a page at once, as a full store does, and a read a fatal
 * signal ends is no damage.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/zsmalloc.h>

#include <shadowmm/compat.h>
#include <shadowmm/swap.h>

#include "smm_test.h"

#define SMM_TEST_SWAP_FILE	"/tmp/shadowmm-kunit-swap"

#ifdef SMM_HAVE_FREEZE_HOLDER
static int smm_test_freeze_super(struct super_block *sb)
{
	return freeze_super(sb, FREEZE_HOLDER_KERNEL);
}

static int smm_test_thaw_super(struct super_block *sb)
{
	return thaw_super(sb, FREEZE_HOLDER_KERNEL);
}
#else
static int smm_test_freeze_super(struct super_block *sb)
{
	return freeze_super(sb);
}

static int smm_test_thaw_super(struct super_block *sb)
{
	return thaw_super(sb);
}
#endif

static void smm_test_swap_destroy(void *swap)
{
	smm_swap_destroy(swap);
}

/* A store of @slots slots, compressed (@file NULL) or in a file. */
static struct smm_swap *smm_test_swap(struct kunit *test, unsigned long slots,
				      const char *file)
{
	struct smm_swap_config cfg = { .nr_slots = slots, .file = file };
	struct smm_swap *swap = kunit_kzalloc(test, sizeof(*swap), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, swap);
	ret = smm_swap_init(swap, &cfg);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "backing store %s", file ?: "compressed");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_swap_destroy, swap), 0);
	return swap;
}

static void *smm_test_page(struct kunit *test)
{
	void *p = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/* Page @n's own contents: no two pages alike, none of them zeroes. */
static void smm_test_page_fill(void *page, unsigned long n)
{
	u32 *w = page;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] = (n + 1) * 2654435761U + i;
}

/*
 * A file store whose pages go to a file on a private mount of its own
 * instead of its file in /tmp: a file system the test may freeze, or one
 * that reads through the page cache as disk file systems do (ramfs;
 * tmpfs does not), without touching anything of the VM's.  The store's
 * own file comes back before the store is destroyed.
 */
struct smm_test_private_file {
	struct smm_swap *swap;
	struct file *own;
	struct vfsmount *mnt;
};

static void smm_test_private_file_end(void *data)
{
	struct smm_test_private_file *pf = data;
	struct file *file = pf->swap->file;

	pf->swap->file = pf->own;
	filp_close(file, NULL);
	/* The close's fput() is deferred: the mount must not outlive it. */
	flush_delayed_fput();
	kern_unmount(pf->mnt);
}

static struct smm_swap *smm_test_swap_private(struct kunit *test, unsigned long slots,
					      const char *fstype)
{
	struct smm_swap *swap = smm_test_swap(test, slots, SMM_TEST_SWAP_FILE);
	struct smm_test_private_file *pf = kunit_kzalloc(test, sizeof(*pf), GFP_KERNEL);
	struct file_system_type *type = get_fs_type(fstype);
	struct vfsmount *mnt;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL(test, pf);
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no file system %s", fstype);
	mnt = kern_mount(type);
	module_put(type->owner);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "%s: %pe", fstype, mnt);
	file = file_open_root_mnt(mnt, "swap", O_RDWR | O_CREAT | O_EXCL | O_LARGEFILE, 0600);
	if (IS_ERR(file)) {
		kern_unmount(mnt);
		KUNIT_FAIL_AND_ABORT(test, "swap file on %s: %pe", fstype, file);
	}
	pf->swap = swap;
	pf->own = swap->file;
	pf->mnt = mnt;
	swap->file = file;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_private_file_end, pf), 0);
	KUNIT_ASSERT_EQ(test, vfs_truncate(&file->f_path, (loff_t)slots << PAGE_SHIFT), 0);
	return swap;
}

static const char * const smm_swap_params[] = { NULL, SMM_TEST_SWAP_FILE };

static void smm_swap_param_desc(const char * const *file, char *desc)
{
	strscpy(desc, *file ? "file" : "compressed", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(smm_swap_backend, smm_swap_params, smm_swap_param_desc);

/* Three kinds of page, each back byte for byte, slots stay filled. */
static void smm_swap_round_trip_test(struct kunit *test)
{
	const char *file = *(const char **)test->param_value;
	struct smm_swap *swap = smm_test_swap(test, 8, file);
	void *in[3], *out = smm_test_page(test);
	u32 slot[3];
	int i;

	for (i = 0; i < 3; i++)
		in[i] = smm_test_page(test);
	get_random_bytes(in[0], PAGE_SIZE);
	memset(in[1], 0, PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE; i++)
		((u8 *)in[2])[i] = i % 251;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, smm_swap_write(swap, in[i], &slot[i]), 0);
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 5UL);
	KUNIT_EXPECT_NE(test, slot[0], slot[1]);
	for (i = 2; i >= 0; i--) {
		memset(out, 0x5a, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot[i], out), 0);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(in[i], out, PAGE_SIZE), 0, "page %d", i);
	}
	/* Reading does not free. */
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot[1], out), 0);
	for (i = 0; i < 3; i++)
		smm_swap_free(swap, slot[i]);
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 8UL);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot[0], out), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, 9, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, SMM_SWAP_NONE, out), -EINVAL);
}

/* A full store refuses; a freed slot is taken again; stored pages stay. */
static void smm_swap_full_test(struct kunit *test)
{
	const char *file = *(const char **)test->param_value;
	struct smm_swap *swap = smm_test_swap(test, 4, file);
	void *page = smm_test_page(test), *out = smm_test_page(test);
	u32 slot[4], extra = 77;
	int i;

	for (i = 0; i < 4; i++) {
		memset(page, 'a' + i, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, smm_swap_write(swap, page, &slot[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 0UL);
	KUNIT_EXPECT_EQ(test, smm_swap_write(swap, page, &extra), -ENOSPC);
	KUNIT_EXPECT_EQ(test, extra, 77U);

	smm_swap_free(swap, slot[2]);
	memset(page, 'z', PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, smm_swap_write(swap, page, &extra), 0);
	KUNIT_EXPECT_EQ(test, extra, slot[2]);
	for (i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		KUNIT_ASSERT_EQ(test, smm_swap_read(swap, slot[i], out), 0);
		memset(page, 'a' + i, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, memcmp(page, out, PAGE_SIZE), 0);
		smm_swap_free(swap, slot[i]);
	}
	smm_swap_free(swap, extra);
}

/* Damage one slot's stored bytes behind the store's back. */
static void smm_test_corrupt(struct kunit *test, struct smm_swap *swap, u32 slot)
{
	struct smm_swap_slot *s = &swap->slots[slot - 1];

	if (swap->file) {
		loff_t pos = (loff_t)(slot - 1) * PAGE_SIZE + 100;

		KUNIT_ASSERT_EQ(test, kernel_write(swap->file, "!!", 2, &pos), 2);
		return;
	}
#if IS_ENABLED(CONFIG_ZSMALLOC)
	{
		u8 *data = zs_map_object(swap->zpool, s->handle, ZS_MM_RW);

		data[s->len / 2] ^= 0xff;
		zs_unmap_object(swap->zpool, s->handle);
	}
#else
	((u8 *)s->handle)[s->len / 2] ^= 0xff;
#endif
}

static void smm_swap_corrupt_test(struct kunit *test)
{
	const char *file = *(const char **)test->param_value;
	struct smm_swap *swap = smm_test_swap(test, 4, file);
	void *a = smm_test_page(test), *b = smm_test_page(test);
	void *out = smm_test_page(test);
	u32 sa, sb;

	get_random_bytes(a, PAGE_SIZE);
	get_random_bytes(b, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, smm_swap_write(swap, a, &sa), 0);
	KUNIT_ASSERT_EQ(test, smm_swap_write(swap, b, &sb), 0);
	smm_test_corrupt(test, swap, sa);

	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, sa, out), -EIO);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&swap->corrupt), 1L);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, sb, out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(b, out, PAGE_SIZE), 0);
	smm_swap_free(swap, sa);
	smm_swap_free(swap, sb);
}

/* Bad configurations are refused. */
static void smm_swap_config_test(struct kunit *test)
{
	struct smm_swap swap = { };
	struct smm_swap_config none = { .nr_slots = 0 };
	struct smm_swap_config dir = { .nr_slots = 4, .file = "/" };
	struct smm_swap_config rel = { .nr_slots = 4, .file = "tmp/shadowmm-kunit-rel" };
	/* One slot more than a shadow entry can name. */
	struct smm_swap_config big = { .nr_slots = SMM_SWAP_MAX_SLOTS + 1 };
	int ret;

	KUNIT_EXPECT_EQ(test, smm_swap_init(&swap, &none), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_swap_init(&swap, &dir), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_swap_init(&swap, &rel), -EINVAL);
	ret = smm_swap_init(&swap, &big);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	if (!ret)
		smm_swap_destroy(&swap);
}

/* Remove @path itself (a link, not what it points to). */
static int smm_test_unlink(const char *path)
{
	struct dentry *parent;
	struct inode *dir;
	struct path p;
	int ret = kern_path(path, 0, &p);

	if (ret)
		return ret;
	parent = dget_parent(p.dentry);
	dir = d_inode(parent);
	inode_lock_nested(dir, I_MUTEX_PARENT);
	ret = smm_vfs_unlink(p.mnt, dir, p.dentry);
	inode_unlock(dir);
	dput(parent);
	path_put(&p);
	return ret;
}

/* Size of @path itself (a link is not followed), or a negative errno. */
static loff_t smm_test_size(const char *path)
{
	struct path p;
	loff_t size;
	int ret = kern_path(path, 0, &p);

	if (ret)
		return ret;
	size = i_size_read(d_inode(p.dentry));
	path_put(&p);
	return size;
}

/*
 * The swap file is the store's own: created 0600 and owned by root, and
 * gone again once the store is; a second store on the same path works.
 */
static void smm_swap_file_lifetime_test(struct kunit *test)
{
	struct smm_swap_config cfg = { .nr_slots = 16, .file = SMM_TEST_SWAP_FILE };
	struct smm_swap *swap = kunit_kzalloc(test, sizeof(*swap), GFP_KERNEL);
	struct inode *inode;
	int round;

	KUNIT_ASSERT_NOT_NULL(test, swap);
	for (round = 0; round < 2; round++) {
		memset(swap, 0, sizeof(*swap));
		KUNIT_ASSERT_EQ(test, smm_swap_init(swap, &cfg), 0);
		inode = file_inode(swap->file);
		KUNIT_EXPECT_TRUE(test, S_ISREG(inode->i_mode));
		KUNIT_EXPECT_EQ(test, inode->i_mode & 07777, 0600);
		KUNIT_EXPECT_TRUE(test, uid_eq(inode->i_uid, GLOBAL_ROOT_UID));
		KUNIT_EXPECT_EQ(test, smm_test_size(SMM_TEST_SWAP_FILE), 16LL * PAGE_SIZE);
		smm_swap_destroy(swap);
		KUNIT_EXPECT_EQ(test, smm_test_size(SMM_TEST_SWAP_FILE), (loff_t)-ENOENT);
	}
}

#define SMM_TEST_SWAP_TARGET	SMM_TEST_SWAP_FILE "-target"
#define SMM_TEST_SWAP_LINK	SMM_TEST_SWAP_FILE "-link"

/*
 * The files smm_swap_file_exists_test() makes go however it ends: left
 * behind, the target would fail the case's own O_EXCL at every later
 * load.
 */
static void smm_test_swap_exists_cleanup(void *unused)
{
	smm_test_unlink(SMM_TEST_SWAP_LINK);
	smm_test_unlink(SMM_TEST_SWAP_TARGET);
}

/*
 * Whatever already exists at the path is refused and left as it was: an
 * empty root-owned file, a file with contents, and a link to one.
 */
static void smm_swap_file_exists_test(struct kunit *test)
{
	static const char * const target = SMM_TEST_SWAP_TARGET;
	static const char * const link = SMM_TEST_SWAP_LINK;
	struct smm_swap_config cfg = { .nr_slots = 16 };
	struct smm_swap swap = { };
	struct dentry *dentry;
	struct path parent;
	struct file *f;
	loff_t pos = 0;
	int ret;

	/* What a run that crashed left, then what this one makes. */
	smm_test_swap_exists_cleanup(NULL);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, smm_test_swap_exists_cleanup, NULL),
			0);
	f = filp_open(target, O_RDWR | O_CREAT | O_EXCL, 0600);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	cfg.file = target;
	KUNIT_EXPECT_EQ(test, smm_swap_init(&swap, &cfg), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_test_size(target), 0LL);
	KUNIT_EXPECT_EQ(test, kernel_write(f, "secret", 6, &pos), 6);
	filp_close(f, NULL);
	KUNIT_EXPECT_EQ(test, smm_swap_init(&swap, &cfg), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_test_size(target), 6LL);

	dentry = kern_path_create(AT_FDCWD, link, &parent, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dentry));
	ret = vfs_symlink(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry, target);
	done_path_create(&parent, dentry);
	KUNIT_ASSERT_EQ(test, ret, 0);
	cfg.file = link;
	KUNIT_EXPECT_EQ(test, smm_swap_init(&swap, &cfg), -EINVAL);
	KUNIT_EXPECT_EQ(test, smm_test_size(target), 6LL);

	KUNIT_EXPECT_EQ(test, smm_test_unlink(link), 0);
	KUNIT_EXPECT_EQ(test, smm_test_unlink(target), 0);
	/* Both gone: the cleanup finds nothing left. */
	KUNIT_EXPECT_EQ(test, smm_test_size(target), (loff_t)-ENOENT);
}

#if IS_ENABLED(CONFIG_MEMCG)
/*
 * Pages stored with an owner are charged to the owner's memory cgroup and
 * uncharged when their slots are freed; pages stored without one charge
 * nobody.  The cgroup is SMM_TEST_MEMCG, which the check plan creates with
 * the memory controller enabled; it holds no task, so only the store
 * changes its usage, give or take the per-CPU stock of pages memcg charges
 * ahead (MEMCG_CHARGE_BATCH a CPU).
 */
static void smm_swap_memcg_test(struct kunit *test)
{
	const unsigned long n = 4 * MEMCG_CHARGE_BATCH;
	const unsigned long stock = MEMCG_CHARGE_BATCH * num_possible_cpus() + 4;
	struct mem_cgroup *memcg = smm_test_memcg(test);
	unsigned long before, charged, after, i;
	struct smm_swap *swap;
	void *page;
	u32 *slot;

	swap = smm_test_swap(test, n, NULL);
	page = smm_test_page(test);
	slot = kunit_kcalloc(test, n, sizeof(*slot), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	before = smm_test_memcg_pages(memcg);
	/* Random pages do not compress: each takes a page of zsmalloc. */
	for (i = 0; i < n; i++) {
		get_random_bytes(page, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, smm_swap_write_memcg(swap, page, &slot[i], memcg), 0);
	}
	charged = smm_test_memcg_pages(memcg);
	KUNIT_EXPECT_GE(test, charged, before + n);
	for (i = 0; i < n; i++)
		smm_swap_free(swap, slot[i]);
	after = smm_test_memcg_pages(memcg);
	KUNIT_EXPECT_LE(test, after, before + stock);

	for (i = 0; i < n; i++) {
		get_random_bytes(page, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, smm_swap_write(swap, page, &slot[i]), 0);
	}
	KUNIT_EXPECT_LE(test, smm_test_memcg_pages(memcg), after);
	for (i = 0; i < n; i++)
		smm_swap_free(swap, slot[i]);
}

/*
 * The swap file's page cache is charged to nobody, in particular not to
 * the cgroup of whichever task evicts: here the test's own writes run
 * inside SMM_TEST_MEMCG (set_active_memcg(), which a page cache charge
 * prefers to the task's own cgroup), into a file no page of which is in
 * the page cache yet.  Written in the caller's context, every page of
 * it was charged there; nor does the owner's cgroup pay.
 */
static void smm_swap_file_charge_test(struct kunit *test)
{
	const unsigned long n = 4 * MEMCG_CHARGE_BATCH;
	struct mem_cgroup *memcg = smm_test_memcg(test), *old;
	struct smm_swap *swap = smm_test_swap(test, n, SMM_TEST_SWAP_FILE);
	unsigned long before, after, i;
	void *page = smm_test_page(test), *out = smm_test_page(test);
	u32 *slot = kunit_kcalloc(test, n, sizeof(*slot), GFP_KERNEL);
	int ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, slot);
	before = smm_test_memcg_pages(memcg);
	old = set_active_memcg(memcg);
	for (i = 0; i < n && !ret; i++) {
		smm_test_page_fill(page, i);
		ret = smm_swap_write_memcg(swap, page, &slot[i], memcg);
	}
	set_active_memcg(old);
	after = smm_test_memcg_pages(memcg);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_LT_MSG(test, after, before + n / 2,
			    "%lu pages written, %lu charged to the writer's cgroup",
			    n, after - before);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, smm_swap_read(swap, slot[i], out), 0);
		smm_test_page_fill(page, i);
		KUNIT_EXPECT_EQ(test, memcmp(page, out, PAGE_SIZE), 0);
		smm_swap_free(swap, slot[i]);
	}
}
#else
static void smm_swap_memcg_test(struct kunit *test)
{
	kunit_skip(test, "kernel without CONFIG_MEMCG: nothing to charge to");
}

static void smm_swap_file_charge_test(struct kunit *test)
{
	kunit_skip(test, "kernel without CONFIG_MEMCG: nothing to charge to");
}
#endif

struct smm_test_swap_writer {
	struct smm_swap *swap;
	const void *src;
	bool killed, killable;
	struct task_struct *task;
	u32 slot;
	int ret;
	struct completion going, done;
};

/*
 * Exits through kthread_complete_and_exit(): once @w->done is complete the
 * thread runs none of this module's code, which may be unloaded.
 */
static int smm_test_swap_writer_fn(void *arg)
{
	struct smm_test_swap_writer *w = arg;

	/* A kernel thread takes SIGKILL only when it allows it. */
	if (w->killed || w->killable)
		allow_signal(SIGKILL);
	complete(&w->going);
	if (w->killed)
		send_sig(SIGKILL, current, 1);
	w->ret = smm_swap_write(w->swap, w->src, &w->slot);
	kthread_complete_and_exit(&w->done, 0);
}

/*
 * A kthread on @cpu that stores @w->src once: @w->going is complete when
 * it is about to store, @w->done when it has.
 */
static bool smm_test_swap_writer_start(struct smm_test_swap_writer *w, int cpu)
{
	struct task_struct *t;

	init_completion(&w->going);
	init_completion(&w->done);
	t = kthread_create(smm_test_swap_writer_fn, w, "smm-swap-test/%d", cpu);
	if (IS_ERR(t))
		return false;
	kthread_bind(t, cpu);
	/* For the caller to signal: put with put_task_struct(). */
	w->task = w->killable ? get_task_struct(t) : NULL;
	wake_up_process(t);
	return true;
}

/*
 * As many writes still running for waiters that left as the store lets
 * run mean a stuck file system: a store then fails with -EBUSY, which
 * ends a reclaim pass as a full store does, and gives its slot back.
 * It failed with -ENOMEM, a page's own failure, so reclaim went on
 * unmapping page after page for writes refused alike.
 */
static void smm_swap_file_orphans_refuse_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap(test, 4, SMM_TEST_SWAP_FILE);
	void *page = smm_test_page(test), *out = smm_test_page(test);
	u32 slot;

	smm_test_page_fill(page, 1);
	spin_lock(&swap->lock);
	swap->nr_orphaned = SMM_SWAP_MAX_ORPHANED;
	spin_unlock(&swap->lock);
	KUNIT_EXPECT_EQ(test, smm_swap_write(swap, page, &slot), -EBUSY);
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 4UL);
	spin_lock(&swap->lock);
	swap->nr_orphaned = 0;
	spin_unlock(&swap->lock);
	KUNIT_ASSERT_EQ(test, smm_swap_write(swap, page, &slot), 0);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot, out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out, page, PAGE_SIZE), 0);
	smm_swap_free(swap, slot);
}

/* What smm_swap_zalloc() was asked, seen by the stub below. */
struct smm_zalloc_seen {
	int calls, reclaiming;
	bool locked;		/* a compressor's lock held while reclaiming */
};

/* In place of smm_swap_zalloc(): no room without reclaim. */
static unsigned long smm_test_zalloc_tight(struct smm_swap *swap, size_t len,
					   struct mem_cgroup *memcg, bool may_reclaim)
{
	struct kunit *test = kunit_get_current_test();
	struct smm_zalloc_seen *seen = test->priv;
	unsigned long handle;
	int cpu;

	seen->calls++;
	if (!may_reclaim)
		return 0;
	seen->reclaiming++;
	for_each_possible_cpu(cpu)
		if (mutex_is_locked(&per_cpu_ptr(swap->ctx, cpu)->lock))
			seen->locked = true;
	kunit_deactivate_static_stub(test, smm_swap_zalloc);
	handle = smm_swap_zalloc(swap, len, memcg, may_reclaim);
	kunit_activate_static_stub(test, smm_swap_zalloc, smm_test_zalloc_tight);
	return handle;
}

/*
 * The compressed store makes room with reclaim only outside the
 * compressor's lock: every store and load that picks that CPU's
 * compressor would otherwise wait out the reclaim (and a charge at the
 * owner's limit reclaims in its cgroup twice).  The first try takes no
 * reclaim; when it finds no room, the page is stored all the same, and
 * reads back whole, compressed or not.
 */
static void smm_swap_reclaims_unlocked_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap(test, 4, NULL);
	void *page = smm_test_page(test), *out = smm_test_page(test);
	struct smm_zalloc_seen seen = { };
	u32 slot;
	int i;

	test->priv = &seen;
	for (i = 0; i < 2; i++) {
		/* A page that compresses, then one that does not. */
		if (i)
			get_random_bytes(page, PAGE_SIZE);
		else
			memset(page, 0x5a, PAGE_SIZE);
		kunit_activate_static_stub(test, smm_swap_zalloc, smm_test_zalloc_tight);
		KUNIT_EXPECT_EQ(test, smm_swap_write(swap, page, &slot), 0);
		kunit_deactivate_static_stub(test, smm_swap_zalloc);
		KUNIT_EXPECT_EQ(test, seen.calls, 2 * (i + 1));
		KUNIT_EXPECT_EQ(test, seen.reclaiming, i + 1);
		KUNIT_EXPECT_FALSE(test, seen.locked);
		KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot, out), 0);
		KUNIT_EXPECT_EQ(test, memcmp(out, page, PAGE_SIZE), 0);
		smm_swap_free(swap, slot);
	}
	test->priv = NULL;
}

/*
 * Every CPU has a compressor of its own: a store on one CPU goes through
 * while another CPU's compressor is busy (held here, as a long
 * compression would hold it), and a store on the busy CPU waits for it.
 * With one compressor for the whole store, as before, the first store
 * waited too.
 */
static void smm_swap_ctx_per_cpu_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap(test, 8, NULL);
	struct smm_test_swap_writer *w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	void *page = smm_test_page(test), *out = smm_test_page(test);
	bool started[2], other_done, busy_waited;
	struct smm_swap_ctx *busy;
	int i, cpu[2];

	KUNIT_ASSERT_NOT_NULL(test, w);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	cpu[0] = cpumask_first(cpu_online_mask);
	cpu[1] = cpumask_next(cpu[0], cpu_online_mask);
	for (i = 0; i < PAGE_SIZE; i++)
		((u8 *)page)[i] = i % 13;
	for (i = 0; i < 2; i++) {
		w[i].swap = swap;
		w[i].src = page;
	}
	busy = per_cpu_ptr(swap->ctx, cpu[0]);

	mutex_lock(&busy->lock);
	started[1] = smm_test_swap_writer_start(&w[1], cpu[1]);
	started[0] = smm_test_swap_writer_start(&w[0], cpu[0]);
	other_done = started[1] && wait_for_completion_timeout(&w[1].done, 30 * HZ);
	/* Half a second from the moment it calls the store, not before. */
	if (started[0])
		wait_for_completion(&w[0].going);
	busy_waited = started[0] && !wait_for_completion_timeout(&w[0].done, HZ / 2);
	mutex_unlock(&busy->lock);
	/* A wait that returned took its completion: only the others wait. */
	if (started[1] && !other_done)
		wait_for_completion(&w[1].done);
	if (busy_waited)
		wait_for_completion(&w[0].done);

	KUNIT_EXPECT_TRUE_MSG(test, other_done, "the store on CPU %d waited for CPU %d's compressor",
			      cpu[1], cpu[0]);
	KUNIT_EXPECT_TRUE_MSG(test, busy_waited, "the store on CPU %d did not wait for its compressor",
			      cpu[0]);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, w[i].ret, 0);
		if (!started[i] || w[i].ret)
			continue;
		memset(out, 0x5a, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, smm_swap_read(swap, w[i].slot, out), 0);
		KUNIT_EXPECT_EQ(test, memcmp(page, out, PAGE_SIZE), 0);
		smm_swap_free(swap, w[i].slot);
	}
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 8UL);
	KUNIT_EXPECT_TRUE(test, started[0] && started[1]);
}

/*
 * A frozen file system takes no page, at once: the write is refused as by
 * a full store (ENOSPC), nothing is stored and no slot taken, instead of
 * the writer sleeping unkillably until the thaw (with every reclaimer
 * behind it).  Once thawed, the store takes pages again.
 */
static void smm_swap_file_frozen_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap_private(test, 4, "ramfs");
	struct smm_test_swap_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	void *page = smm_test_page(test), *out = smm_test_page(test);
	struct super_block *sb = file_inode(swap->file)->i_sb;
	bool started, returned;
	u32 slot;

	KUNIT_ASSERT_NOT_NULL(test, w);
	smm_test_page_fill(page, 1);
	w->swap = swap;
	w->src = page;
	KUNIT_ASSERT_EQ(test, smm_test_freeze_super(sb), 0);
	started = smm_test_swap_writer_start(w, raw_smp_processor_id());
	returned = started && wait_for_completion_timeout(&w->done, 10 * HZ);
	KUNIT_EXPECT_EQ(test, smm_test_thaw_super(sb), 0);
	/* A write that waited for the thaw is over now. */
	if (started && !returned)
		wait_for_completion(&w->done);
	KUNIT_ASSERT_TRUE(test, started);
	KUNIT_EXPECT_TRUE_MSG(test, returned, "the write waited for the frozen file system");
	KUNIT_EXPECT_EQ(test, w->ret, -ENOSPC);
	if (!w->ret)
		smm_swap_free(swap, w->slot);
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 4UL);

	KUNIT_ASSERT_EQ(test, smm_swap_write(swap, page, &slot), 0);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot, out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(page, out, PAGE_SIZE), 0);
	smm_swap_free(swap, slot);
}

/*
 * A task killed while it waits for a swap file's write leaves: the write
 * sits in the file system (here it waits for the file's inode lock, as a
 * write waits for a slow disk or server) and the writer, sent SIGKILL
 * once its slot is taken, returns EINTR.  The slot stays in use while the
 * worker still writes to it, but no stored page owns it (what validate
 * compares with the shadow entries), and it comes back once the write is
 * over; the store then works on.  Before, the writer waited for the
 * worker unkillably.
 */
static void smm_swap_file_write_killed_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap_private(test, 4, "ramfs");
	struct smm_test_swap_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	void *page = smm_test_page(test), *out = smm_test_page(test);
	struct inode *inode = file_inode(swap->file);
	unsigned long free_while_written = 0, owned_while_written = 0;
	bool started, queued = false, returned = false;
	unsigned int i;
	u32 slot;

	KUNIT_ASSERT_NOT_NULL(test, w);
	smm_test_page_fill(page, 3);
	w->swap = swap;
	w->src = page;
	w->killable = true;
	inode_lock(inode);
	started = smm_test_swap_writer_start(w, raw_smp_processor_id());
	/*
	 * The worker in the write, waiting for the inode lock: a kill
	 * before it got there would have it skip the write, a case of its
	 * own.
	 */
	for (i = 0; started && i < 500 && !queued; i++) {
		queued = smm_swap_free_slots(swap) == 3 && rwsem_is_contended(&inode->i_rwsem);
		if (!queued)
			msleep(20);
	}
	if (queued) {
		send_sig(SIGKILL, w->task, 1);
		returned = wait_for_completion_timeout(&w->done, 10 * HZ);
	}
	if (returned) {
		free_while_written = smm_swap_free_slots(swap);
		owned_while_written = smm_swap_owned_slots(swap);
	}
	inode_unlock(inode);
	if (started && !returned)
		wait_for_completion(&w->done);
	if (started)
		put_task_struct(w->task);
	flush_workqueue(swap->io_wq);
	KUNIT_ASSERT_TRUE(test, started);
	KUNIT_ASSERT_TRUE_MSG(test, queued, "no write reached the file");
	KUNIT_EXPECT_TRUE_MSG(test, returned, "the killed writer waited for the file system");
	KUNIT_EXPECT_EQ(test, w->ret, -EINTR);
	if (!w->ret)
		smm_swap_free(swap, w->slot);
	if (returned) {
		KUNIT_EXPECT_EQ_MSG(test, free_while_written, 3UL,
				    "the slot was given back while it was written");
		KUNIT_EXPECT_EQ(test, owned_while_written, 0UL);
	}
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 4UL);
	KUNIT_EXPECT_EQ(test, smm_swap_owned_slots(swap), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&swap->corrupt), 0L);

	KUNIT_ASSERT_EQ(test, smm_swap_write(swap, page, &slot), 0);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot, out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(page, out, PAGE_SIZE), 0);
	smm_swap_free(swap, slot);
}

/*
 * A task already killed stores nothing in a swap file: it would only
 * leave the write behind, with a slot and a copy of the page for as long
 * as the file system takes (a killed direct reclaimer would otherwise
 * queue the rest of its batch).  It gets EINTR and takes no slot, while
 * the file is busy (its inode lock held) as before.
 */
static void smm_swap_file_write_killed_early_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap_private(test, 4, "ramfs");
	struct smm_test_swap_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct inode *inode = file_inode(swap->file);
	unsigned long free_after = 0, next = swap->next;
	bool started, returned;

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->swap = swap;
	w->src = smm_test_page(test);
	smm_test_page_fill((void *)w->src, 4);
	w->killed = true;
	inode_lock(inode);
	started = smm_test_swap_writer_start(w, raw_smp_processor_id());
	returned = started && wait_for_completion_timeout(&w->done, 10 * HZ);
	if (returned)
		free_after = smm_swap_free_slots(swap);
	inode_unlock(inode);
	if (started && !returned)
		wait_for_completion(&w->done);
	flush_workqueue(swap->io_wq);
	KUNIT_ASSERT_TRUE(test, started);
	KUNIT_EXPECT_TRUE(test, returned);
	KUNIT_EXPECT_EQ(test, w->ret, -EINTR);
	if (!w->ret)
		smm_swap_free(swap, w->slot);
	KUNIT_EXPECT_EQ_MSG(test, free_after, 4UL, "the killed writer took a slot");
	/* Every slot taken moves the next-fit cursor, even one given back. */
	KUNIT_EXPECT_EQ_MSG(test, swap->next, next, "the killed writer took a slot");
	KUNIT_EXPECT_EQ(test, smm_swap_free_slots(swap), 4UL);
}

/*
 * A read that a fatal signal ends (a file system reading through the page
 * cache gives up with EINTR) is passed back as it is: no damage counted,
 * the slot still readable once the signal is gone.
 */
static void smm_swap_file_read_killed_test(struct kunit *test)
{
	struct smm_swap *swap = smm_test_swap_private(test, 4, "ramfs");
	void *page = smm_test_page(test), *out = smm_test_page(test);
	u32 slot;
	int ret;

	smm_test_page_fill(page, 2);
	KUNIT_ASSERT_EQ(test, smm_swap_write(swap, page, &slot), 0);
	/* A kernel thread takes SIGKILL only when it allows it. */
	allow_signal(SIGKILL);
	send_sig(SIGKILL, current, 1);
	ret = smm_swap_read(swap, slot, out);
	flush_signals(current);
	disallow_signal(SIGKILL);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&swap->corrupt), 0L);
	KUNIT_EXPECT_EQ(test, smm_swap_read(swap, slot, out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(page, out, PAGE_SIZE), 0);
	smm_swap_free(swap, slot);
}

static struct kunit_case smm_swap_cases[] = {
	KUNIT_CASE_PARAM(smm_swap_round_trip_test, smm_swap_backend_gen_params),
	KUNIT_CASE_PARAM(smm_swap_full_test, smm_swap_backend_gen_params),
	KUNIT_CASE_PARAM(smm_swap_corrupt_test, smm_swap_backend_gen_params),
	KUNIT_CASE(smm_swap_config_test),
	KUNIT_CASE(smm_swap_file_lifetime_test),
	KUNIT_CASE(smm_swap_file_exists_test),
	KUNIT_CASE(smm_swap_memcg_test),
	KUNIT_CASE(smm_swap_file_charge_test),
	KUNIT_CASE(smm_swap_file_frozen_test),
	KUNIT_CASE(smm_swap_file_write_killed_test),
	KUNIT_CASE(smm_swap_file_write_killed_early_test),
	KUNIT_CASE(smm_swap_file_read_killed_test),
	KUNIT_CASE(smm_swap_ctx_per_cpu_test),
	KUNIT_CASE(smm_swap_reclaims_unlocked_test),
	KUNIT_CASE(smm_swap_file_orphans_refuse_test),
	{}
};

static struct kunit_suite smm_swap_suite = {
	.name = "shadowmm_swap",
	.test_cases = smm_swap_cases,
};

kunit_test_suites(&smm_swap_suite);
