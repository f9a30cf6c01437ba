# shellcheck shell=sh
# make stress, inside the VM on the debug kernel (FUZZ_SECONDS, FUZZ_SEED
# and SOAK_CYCLES are set by scripts/stress): the fuzzer with its default
# mix and again leaning on MAP_POPULATE, mlock and MAP_FIXED (the mix that
# once left tasks unkillable under populate), the race stressors for
# several rounds, the bad-parameter table, and the load/unload soak.
if smm_insmod shadowmm size_mb=16 swap_mb=64; then
	smm_tap fuzz smm_fuzz -s "$((FUZZ_SECONDS * 2 / 3))" -S "$FUZZ_SEED"
	smm_rmmod shadowmm
fi
if smm_insmod shadowmm size_mb=16 swap_mb=64; then
	smm_tap fuzz_populate smm_fuzz -s "$((FUZZ_SECONDS / 3))" -S "$((FUZZ_SEED + 1))" \
		-Q 50 -b mmap=32,mlock=12,munmap=12,mremap=12,touch=20
	smm_rmmod shadowmm
fi
if smm_insmod shadowmm size_mb=16 swap_mb=96; then
	for r in 1 2 3; do
		smm_tap race_$r /tests/race_test
	done
	smm_rmmod shadowmm
fi
smm_tap bad_params /tests/bad_params.sh
smm_tap soak /tests/soak.sh "$SOAK_CYCLES"
