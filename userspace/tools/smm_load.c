// SPDX-License-Identifier: GPL-2.0
/*
 * smm_load: load a module once and say exactly how the kernel answered.
 *
 *   smm_load MODULE.ko [param=value ...]
 *
 * One finit_module() call with the parameters joined by blanks: prints
 * "loaded" and exits 0, or prints the errno's name (EINVAL, EBUSY, ...)
 * and exits 1.  busybox's insmod retries a failed finit_module() with
 * init_module(), so the module runs its checks (and logs) twice, and it
 * words some errnos its own way: the parameter tests need the one answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = 1;
	char *params;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: smm_load MODULE.ko [param=value ...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params)
		return 2;
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		const char *name = strerrorname_np(errno);

		printf("%s\n", name ? name : "unknown errno");
		return 1;
	}
	printf("loaded\n");
	return 0;
}
