# shellcheck shell=sh
# make check, inside the VM: every userspace test program, then the KUnit
# suites (they run when shadowmm_kunit.ko loads).
smm_tap module_load /tests/module_load.sh
smm_tap page_alloc /tests/page_alloc.sh
smm_tap slab /tests/slab.sh

if smm_insmod shadowmm; then
	for t in /tests/*_test; do
		[ -x "$t" ] || continue
		smm_tap "$(basename "$t")" "$t"
	done
	smm_kunit_module shadowmm_kunit
	smm_rmmod shadowmm
fi
