# shellcheck shell=sh
# make stress, inside the VM on the race kernel (KCSAN): the fuzzer and the
# race stressors; a data race KCSAN reports fails the run.
if smm_insmod shadowmm size_mb=16 swap_mb=64; then
	smm_tap fuzz smm_fuzz -s "$FUZZ_SECONDS" -S "$FUZZ_SEED"
	smm_rmmod shadowmm
fi
if smm_insmod shadowmm size_mb=16 swap_mb=96; then
	for r in 1 2; do
		smm_tap race_$r /tests/race_test
	done
	smm_rmmod shadowmm
fi
