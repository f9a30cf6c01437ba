// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/shadowmm as a device: it exists with the mode the module was loaded
 * with, root opens it, an unprivileged user does not, and what one opener
 * does with its object raises no file event on the node others can watch.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DEV "/dev/shadowmm"

TEST(device_node_is_root_only_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(10, major(st.st_rdev)); /* a misc device */
}

TEST(root_opens_read_write)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

/*
 * The refusal must be the node's mode: the unprivileged user reaches the
 * node (stat() searches every directory on the way) and opens /dev/null
 * beside it, so an EACCES from the path (a guest whose / is 0700) cannot
 * pass for it.
 */
TEST(unprivileged_open_is_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct stat st;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (stat(DEV, &st))
			_exit(3);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(4);
		close(fd);
		fd = open(DEV, O_RDWR | O_CLOEXEC);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("1: opened; 3: cannot reach " DEV "; 4: cannot open /dev/null");
}

/*
 * Every object is a file of the one device node: an inotify watch on it
 * (anyone the node's mode lets read it may set one) would report each
 * open, read(), write() and close of every user's object.  None is.
 */
TEST(object_io_raises_no_file_events)
{
	char buf[4096], ev[4096];
	int ifd, wd, fd;
	ssize_t n;

	memset(buf, 0x5a, sizeof(buf));
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, ifd);
	wd = inotify_add_watch(ifd, DEV, IN_ACCESS | IN_MODIFY | IN_OPEN | IN_CLOSE);
	ASSERT_LE(0, wd);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)sizeof(buf), pwrite(fd, buf, sizeof(buf), 0));
	EXPECT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0x5a, buf[sizeof(buf) - 1]);
	EXPECT_EQ(0, close(fd));
	n = read(ifd, ev, sizeof(ev));
	EXPECT_EQ(-1, n) TH_LOG("%zd bytes of inotify events for " DEV, n);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, close(ifd));
}

TEST_HARNESS_MAIN
