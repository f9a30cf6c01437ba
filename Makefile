# SPDX-License-Identifier: GPL-2.0
#
# shadowmm — see README.md.  The two commands a newcomer needs:
#   make demo    boot the test VM, load the module, show it at work
#   make check   every test: KUnit and userspace in the VM, the same on
#                Debian's own kernels (built there by dkms), harness
#                self-test, lint; ends with "N passed, N failed"
#
# Plain `make` builds shadowmm.ko, shadowmm_bench.ko and shadowmm_kunit.ko
# against KDIR (the running kernel's build directory when it exists, else
# the test kernel when it is already built): kbuild alone, it installs and
# builds nothing else.  The targets that boot the VM install what they need
# first (scripts/bootstrap).

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(or $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR)),$(shell \
	scripts/vm/kernel --cached debug))

.PHONY: all modules bootstrap kernel kernel-bench check check-harness check-stock demo \
	shell run lint compat dkms-install dkms-remove dkms-check bench stress \
	traces clean clean-modules help

all modules:
	@test -n "$(KDIR)" || { echo "make: no kernel to build against: no" \
		"$(RUNNING_KDIR), no test kernel built; pass KDIR=<kernel build" \
		"directory>, or run make kernel first" >&2; exit 1; }
	@scripts/kbuild-for $(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

bootstrap:
	@scripts/bootstrap

kernel:
	@scripts/bootstrap --check
	@scripts/vm/kernel debug

kernel-bench:
	@scripts/bootstrap --check
	@scripts/vm/kernel bench

check: bootstrap
	@scripts/check

check-harness:
	@scripts/check-harness

check-stock: bootstrap
	@scripts/stock $(STOCK)

demo: bootstrap
	@scripts/demo

shell: bootstrap
	@scripts/run --shell

# make run PROG=./a.out ARGS="..." [PARAMS="size_mb=128"] [CMDLINE="..."]
run: bootstrap
	@scripts/run --prog "$(PROG)" --args "$(ARGS)"

lint:
	@scripts/lint

compat:
	@scripts/compat

# The DKMS package (dkms.conf), version MODULE_VERSION() of module/main.c:
# make dkms-install [KVER=kernel version, default the running kernel]
# installs the sources in /usr/src/shadowmm-VERSION and has dkms add, build
# and install shadowmm.ko and shadowmm_bench.ko; make dkms-remove undoes it.
dkms-install:
	@KVER="$(KVER)" scripts/dkms install

dkms-remove:
	@scripts/dkms remove

# dkms build against the stock 6.1 and 6.12 headers in a private DKMS tree
dkms-check:
	@scripts/dkms-check

bench: bootstrap
	@scripts/bench

# make traces [TRACES="sort xz sqlite"]: record the policy benchmark's real
# workloads again (userspace/bench/traces/)
traces: bootstrap
	@scripts/record-trace $(TRACES)

# make stress [SMM_STRESS_SECONDS=360] [SMM_STRESS_SEED=N] [SMM_STRESS_CYCLES=100]
stress: bootstrap
	@scripts/stress

# What a build of the modules leaves (scripts/kbuild-for cleans with it).
clean-modules:
	rm -f *.ko *.o *.mod *.mod.c modules.order Module.symvers .*.cmd .kbuild-for
	find module kunit bench scripts/vm/selftest \( -name '*.o' -o -name '*.ko' \
		-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name 'modules.order' -o -name 'Module.symvers' \) -delete

clean: clean-modules
	rm -rf build

help:
	@sed -n '3,12p' Makefile
