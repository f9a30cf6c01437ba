/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal io_uring for the userspace tests, by raw system calls (no
 * liburing in the VM): set up, one request submitted and waited for at a
 * time, torn down.
 */
#ifndef SMM_URING_H
#define SMM_URING_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/io_uring.h>

#include "smm_syscalls.h"

struct uring {
	int fd;
	void *sq_ring, *cq_ring;
	size_t sq_size, cq_size, sqes_size;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* 0, or -errno of io_uring_setup or of a mapping. */
static inline int uring_init(struct uring *u)
{
	struct io_uring_params par;

	memset(&par, 0, sizeof(par));
	memset(u, 0, sizeof(*u));
	u->fd = syscall(__NR_io_uring_setup, 4, &par);
	if (u->fd < 0)
		return -errno;
	u->sq_size = par.sq_off.array + par.sq_entries * sizeof(unsigned int);
	u->cq_size = par.cq_off.cqes + par.cq_entries * sizeof(struct io_uring_cqe);
	if (par.features & IORING_FEAT_SINGLE_MMAP)
		u->sq_size = u->cq_size = u->sq_size > u->cq_size ? u->sq_size : u->cq_size;
	u->sq_ring = mmap(NULL, u->sq_size, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (u->sq_ring == MAP_FAILED)
		return -errno;
	if (par.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq_ring = u->sq_ring;
	} else {
		u->cq_ring = mmap(NULL, u->cq_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_CQ_RING);
		if (u->cq_ring == MAP_FAILED)
			return -errno;
	}
	u->sqes_size = par.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED)
		return -errno;
	u->sq_tail = (unsigned int *)((char *)u->sq_ring + par.sq_off.tail);
	u->sq_mask = (unsigned int *)((char *)u->sq_ring + par.sq_off.ring_mask);
	u->sq_array = (unsigned int *)((char *)u->sq_ring + par.sq_off.array);
	u->cq_head = (unsigned int *)((char *)u->cq_ring + par.cq_off.head);
	u->cq_tail = (unsigned int *)((char *)u->cq_ring + par.cq_off.tail);
	u->cq_mask = (unsigned int *)((char *)u->cq_ring + par.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)((char *)u->cq_ring + par.cq_off.cqes);
	return 0;
}

/*
 * One read or write (@opcode: IORING_OP_READ, or IORING_OP_READ_FIXED or
 * IORING_OP_WRITE_FIXED into registered buffer @buf_index), waited for:
 * its result (bytes, or -errno).
 */
static inline int uring_rw(struct uring *u, uint8_t opcode, int fd, void *buf,
			   unsigned int len, uint64_t off, uint16_t buf_index)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	struct io_uring_sqe *sqe = &u->sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = buf_index;
	sqe->user_data = off;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = __atomic_load_n(u->cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static inline int uring_read(struct uring *u, int fd, void *buf, unsigned int len,
			     uint64_t off)
{
	return uring_rw(u, IORING_OP_READ, fd, buf, len, off, 0);
}

static inline void uring_exit(struct uring *u)
{
	if (u->sqes && u->sqes != MAP_FAILED)
		munmap(u->sqes, u->sqes_size);
	if (u->cq_ring && u->cq_ring != MAP_FAILED && u->cq_ring != u->sq_ring)
		munmap(u->cq_ring, u->cq_size);
	if (u->sq_ring && u->sq_ring != MAP_FAILED)
		munmap(u->sq_ring, u->sq_size);
	if (u->fd >= 0)
		close(u->fd);
}

#endif /* SMM_URING_H */
