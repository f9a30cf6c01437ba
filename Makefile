# SPDX-License-Identifier: GPL-2.0
#
# shadowmm — see README.md.  The two commands a newcomer needs:
#   make demo    boot the test VM, load the module, show it at work
#   make check   every test: KUnit and userspace in the VM, harness
#                self-test, lint, compat; ends with "N passed, N failed"
#
# Plain `make` builds shadowmm.ko and shadowmm_kunit.ko against KDIR: the
# running kernel's build directory when it exists, else the cached test
# kernel (built on first use).

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR))
# Resolved by the shell at recipe time, so the test kernel is only built
# when it is actually needed.
KDIR_CMD = $(if $(KDIR),$(KDIR),$$(scripts/vm/kernel debug))

.PHONY: all modules bootstrap kernel kernel-bench check check-harness demo \
	shell run lint compat bench stress clean help

all modules: bootstrap
	$(MAKE) -C $(KDIR_CMD) M=$(CURDIR) modules

bootstrap:
	@scripts/bootstrap

kernel: bootstrap
	@scripts/vm/kernel debug

kernel-bench: bootstrap
	@scripts/vm/kernel bench

check: bootstrap
	@scripts/check

check-harness: bootstrap
	@scripts/check-harness

demo: bootstrap
	@scripts/demo

shell: bootstrap
	@scripts/run --shell

# make run PROG=./a.out ARGS="..." [PARAMS="size_mb=128"] [CMDLINE="..."]
run: bootstrap
	@scripts/run --prog "$(PROG)" --args "$(ARGS)"

lint: bootstrap
	@scripts/lint

compat: bootstrap
	@scripts/compat

bench: bootstrap
	@scripts/bench

# make stress [SMM_STRESS_SECONDS=360] [SMM_STRESS_SEED=N] [SMM_STRESS_CYCLES=100]
stress: bootstrap
	@scripts/stress

clean:
	rm -rf build
	rm -f *.ko *.o *.mod *.mod.c modules.order Module.symvers .*.cmd
	find module kunit scripts/vm/selftest \( -name '*.o' -o -name '*.ko' \
		-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name 'modules.order' -o -name 'Module.symvers' \) -delete

help:
	@sed -n '3,11p' Makefile
