# shellcheck shell=sh
# make stress, inside the VM on the race kernel (KCSAN): the fuzzer and the
# race stressors; a data race KCSAN reports fails the run.  The fuzzer
# runs with shadowmm_bench.ko (the bench file and the burst knobs).
if smm_insmod shadowmm size_mb=16 swap_mb=64; then
	smm_insmod shadowmm_bench
	smm_tap fuzz smm_fuzz -s "$FUZZ_SECONDS" -S "$FUZZ_SEED"
	smm_rmmod shadowmm_bench
	smm_rmmod shadowmm
fi
if smm_insmod shadowmm size_mb=8 swap_mb=32; then
	for r in 1 2; do
		smm_tap race_$r /tests/race_test
	done
	smm_rmmod shadowmm
fi
