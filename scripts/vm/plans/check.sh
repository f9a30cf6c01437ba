# shellcheck shell=sh
# make check, inside the VM: every userspace test program, then the KUnit
# suites (they run when shadowmm_kunit.ko loads), with no backing store
# (swap_mb=0: an exhausted region is SIGBUS at once, as object_test
# expects); then reclaim_test with a module load of its own (a small region
# and a large backing store, so reclaim runs).
smm_tap module_load /tests/module_load.sh
smm_tap page_alloc /tests/page_alloc.sh
smm_tap slab /tests/slab.sh

if smm_insmod shadowmm swap_mb=0; then
	for t in /tests/*_test; do
		[ -x "$t" ] || continue
		[ "$(basename "$t")" = reclaim_test ] && continue
		smm_tap "$(basename "$t")" "$t"
	done
	smm_kunit_module shadowmm_kunit
	smm_rmmod shadowmm
fi

if [ -x /tests/reclaim_test ] && smm_insmod shadowmm size_mb=16 swap_mb=96; then
	smm_tap reclaim_test /tests/reclaim_test
	smm_rmmod shadowmm
fi
