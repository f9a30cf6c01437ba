# shellcheck shell=sh
# make stress, inside the VM on the debug kernel (FUZZ_SECONDS, FUZZ_SEED
# and SOAK_CYCLES are set by scripts/stress): the fuzzer with its default
# mix (CPU 1 going offline and online meanwhile, and a quick benchmark
# after it, still under hotplug) and again leaning on MAP_POPULATE, mlock
# and MAP_FIXED (the mix that once left tasks unkillable under populate),
# the race stressors for several rounds, the load table with 20 plain
# load/unload cycles (make check runs 4), rmmod while the module is held,
# the bad-parameter table, and the soak.  The
# fuzzer runs with shadowmm_bench.ko too: its debugfs writer uses the bench
# file and the burst knobs.
CPU1=/sys/devices/system/cpu/cpu1/online

# CPU 1 offline and online again every two seconds while $HOTPLUG_ON
# exists: the per-CPU lists, LRU batches and slab arrays are flushed and
# rebuilt under the fuzzer's load.  Counts its round trips in $HOTPLUG_N.
HOTPLUG_ON=/tmp/hotplug.on HOTPLUG_N=/tmp/hotplug.n
hotplug() {
	n=0
	while [ -e $HOTPLUG_ON ]; do
		echo 0 >$CPU1 && sleep 2 && echo 1 >$CPU1 && n=$((n + 1))
		echo $n >$HOTPLUG_N
		sleep 2
	done
}

# The default mix on a region with room for 2 MiB blocks, the huge mode
# on from the start (the workers switch it and fault_order meanwhile):
# the checked objects' PMD mappings meet mremap, mprotect, punches and
# madvise.
if smm_insmod shadowmm size_mb=64 swap_mb=64; then
	smm_insmod shadowmm_bench
	echo "huge always" >/sys/kernel/debug/shadowmm/knobs 2>/dev/null
	if [ -w $CPU1 ]; then
		touch $HOTPLUG_ON
		hotplug &
		hotplug_pid=$!
	fi
	smm_tap fuzz smm_fuzz -s "$((FUZZ_SECONDS * 2 / 3))" -S "$FUZZ_SEED"
	if [ -e $HOTPLUG_ON ]; then
		rm -f $HOTPLUG_ON
		wait "$hotplug_pid"
		echo 1 >$CPU1
		smm_check "cpu1 went offline and online during the fuzzer ($(cat $HOTPLUG_N) times)" \
			[ "$(cat $HOTPLUG_N)" -gt 0 ]

		# A quick benchmark begun with CPU 1 online, which then comes
		# and goes: a two-CPU measurement that loses the CPU is
		# skipped, its threads never left spinning on one CPU.
		sh -c "echo 'run quick' >/sys/kernel/debug/shadowmm/bench" &
		bench_pid=$!
		sleep 5
		touch $HOTPLUG_ON
		hotplug &
		hotplug_pid=$!
		smm_check "bench: a quick run completes while cpu1 goes offline and online" \
			wait "$bench_pid"
		rm -f $HOTPLUG_ON
		wait "$hotplug_pid"
		echo 1 >$CPU1
	fi
	smm_rmmod shadowmm_bench
	smm_rmmod shadowmm
fi
if smm_insmod shadowmm size_mb=16 swap_mb=64; then
	smm_insmod shadowmm_bench
	smm_tap fuzz_populate smm_fuzz -s "$((FUZZ_SECONDS / 3))" -S "$((FUZZ_SEED + 1))" \
		-Q 50 -b mmap=32,mlock=12,munmap=12,mremap=12,touch=20
	smm_rmmod shadowmm_bench
	smm_rmmod shadowmm
fi
# The default mix with four operations in ten meeting a failed slab or
# frame allocation: the error paths under the same checks.
if [ -w /sys/kernel/debug/failslab/ignore-gfp-wait ] &&
	smm_insmod shadowmm size_mb=16 swap_mb=64; then
	smm_insmod shadowmm_bench
	smm_tap fuzz_inject smm_fuzz -s "$((FUZZ_SECONDS / 3))" -S "$((FUZZ_SEED + 2))" -I 40
	smm_rmmod shadowmm_bench
	smm_rmmod shadowmm
fi
if smm_insmod shadowmm size_mb=8 swap_mb=32; then
	for r in 1 2 3; do
		smm_tap race_$r /tests/race_test
	done
	smm_rmmod shadowmm
fi
smm_tap module_load /tests/module_load.sh 20
smm_tap held /tests/held.sh
smm_tap bad_params /tests/bad_params.sh
smm_tap soak /tests/soak.sh "$SOAK_CYCLES"
