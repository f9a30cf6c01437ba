# shellcheck shell=sh
# make bench, inside the VM: load shadowmm with a 256 MiB region, run the
# page-allocator benchmark and hand its table and CSV to the host.
# SMM_BENCH_MODE (set by scripts/bench): "run" or "run quick".
D=/sys/kernel/debug/shadowmm

if smm_insmod shadowmm size_mb=256; then
	smm_check "bench refuses a bad command with EINVAL" sh -c \
		"! echo walk >$D/bench 2>/tmp/bench.err && grep -q 'Invalid argument' /tmp/bench.err"
	smm_check "bench: ${SMM_BENCH_MODE:-run}" sh -c \
		"echo '${SMM_BENCH_MODE:-run}' >$D/bench"
	smm_log "page allocator benchmark" cat $D/bench
	smm_check "validate after the benchmark" sh -c "cat $D/validate | grep -qx ok"
	smm_rmmod shadowmm
fi
