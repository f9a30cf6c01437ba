# shellcheck shell=sh
# make bench, inside the VM: load shadowmm with a 256 MiB region and
# shadowmm_bench.ko after it (the bench file), run the page-allocator and
# slab-allocator benchmarks, the userspace fault benchmark (and its rows
# at 4 KiB, 64 KiB and 2 MiB pages) and the compaction benchmark and hand
# their tables and CSVs to the host; then, in loads of their own with a
# small region and a big store (size_mb=32 swap_mb=256), reclaim against the
# kernel's own (a memory cgroup as big as the region, zswap) and the policy
# benchmark (reclaim against FIFO/LRU/OPT, throughput, latency).
# SMM_BENCH_MODE (set by scripts/bench): "run" or "run quick".
# SMM_BENCH_CASES (set by scripts/bench): "all", "page", "slab", "fault",
# "compaction", "reclaim" or "policy".  scripts/bench runs the policy
# benchmark in a VM of its own, booted with one NUMA node.
D=/sys/kernel/debug/shadowmm
mode=${SMM_BENCH_MODE:-run}
slab_mode="run slab${mode#run}"
cases=${SMM_BENCH_CASES:-all}
# SMM_BENCH_SKIP: a case "all" leaves out (the policy benchmark's own VM).
want() {
	[ "$1" != "${SMM_BENCH_SKIP:-}" ] && { [ "$cases" = all ] || [ "$cases" = "$1" ]; }
}
quick=
[ "$mode" = "run quick" ] && quick=-q

if { want page || want slab || want fault || want compaction; } &&
	smm_insmod shadowmm size_mb=256; then
	smm_insmod shadowmm_bench
	smm_check "bench refuses a bad command with EINVAL" sh -c \
		"! echo walk >$D/bench 2>/tmp/bench.err && grep -q 'Invalid argument' /tmp/bench.err"
	if want page; then
		smm_check "bench: $mode" sh -c "echo '$mode' >$D/bench"
		smm_log "page allocator benchmark" cat $D/bench
		smm_check "validate after the page benchmark" sh -c "cat $D/validate | grep -qx ok"
	fi
	if want slab; then
		smm_check "bench: $slab_mode" sh -c "echo '$slab_mode' >$D/bench"
		smm_log "slab allocator benchmark" cat $D/bench
		smm_check "validate after the slab benchmark" sh -c "cat $D/validate | grep -qx ok"
	fi
	if want fault; then
		smm_log "fault benchmark" /usr/bin/fault_bench ${quick:+"$quick"}
		smm_check "fault benchmark: fault_bench exited 0" [ $? -eq 0 ]
		smm_check "validate after the fault benchmark" sh -c "cat $D/validate | grep -qx ok"
		# First touch at each page size anonymous memory can have: THP
		# set for each row and put back (checked) after.
		thp="/sys/kernel/mm/transparent_hugepage/*enabled /sys/kernel/mm/transparent_hugepage/hugepages-*/*enabled"
		# shellcheck disable=SC2086
		cat $thp >/tmp/thp.before 2>/dev/null
		smm_log "fault page-size benchmark" /usr/bin/fault_bench -p ${quick:+"$quick"}
		smm_check "fault page-size benchmark: fault_bench -p exited 0" [ $? -eq 0 ]
		smm_check "fault page-size benchmark put THP back as it was" sh -c \
			"cat $thp 2>/dev/null | cmp -s - /tmp/thp.before"
	fi
	if want compaction; then
		smm_log "compaction benchmark" /usr/bin/compact_bench ${quick:+"$quick"}
		smm_check "compaction benchmark: compact_bench exited 0 (every page held read back right)" \
			[ $? -eq 0 ]
		smm_check "validate after the compaction benchmark" sh -c "cat $D/validate | grep -qx ok"
	fi
	smm_rmmod shadowmm_bench
	smm_rmmod shadowmm
fi

# Reclaim against the kernel's: reclaim_bench sets up a memory cgroup, a
# loop swap device over tmpfs and zswap for the kernel's side, and undoes
# all of it before it exits; the checks after it make sure it did, so
# whatever runs after it finds the guest as it was.
if want reclaim && smm_insmod shadowmm size_mb=32 swap_mb=256; then
	smm_log "reclaim benchmark" /usr/bin/reclaim_bench ${quick:+"$quick"}
	smm_check "reclaim benchmark: reclaim_bench exited 0 (every byte read back right)" [ $? -eq 0 ]
	smm_check "reclaim benchmark left no swap area, cgroup or loop device" sh -c \
		"[ \$(wc -l </proc/swaps) -le 1 ] && [ ! -e /sys/fs/cgroup/smm-reclaim-bench ] &&
		 ! grep -q . /sys/block/loop*/loop/backing_file 2>/dev/null"
	smm_check "validate after the reclaim benchmark" sh -c "cat $D/validate | grep -qx ok"
	smm_rmmod shadowmm
fi

# The policy benchmark maps several times the region: a small region (so
# the traces stay short under emulation) and a store that holds them all.
if want policy && smm_insmod shadowmm size_mb=32 swap_mb=256; then
	# Every recorded real workload (userspace/bench/traces) after the
	# generated patterns.
	traces=
	for t in /traces/*.trace; do
		[ -f "$t" ] && traces="$traces -t $t"
	done
	# Three replays of each trace under each of the three policies: the
	# median and spread, in a run that stays within its time.
	# Its own VM (scripts/bench) has one NUMA node: one LRU, as simulated.
	[ "$cases" = policy ] && smm_check "the policy benchmark's guest has one NUMA node" \
		[ ! -e /sys/devices/system/node/node1 ]
	# shellcheck disable=SC2086
	smm_log "policy benchmark" /usr/bin/policy_bench ${quick:+"$quick"} -r 3 $traces
	smm_check "policy benchmark: policy_bench exited 0 (every byte read back right)" [ $? -eq 0 ]
	smm_check "validate after the policy benchmark" sh -c "cat $D/validate | grep -qx ok"
	smm_rmmod shadowmm
fi
