# shellcheck shell=sh
# make check, inside the VM: the shell tests of the module's load, page
# allocator, slab and smmctl (each loads it itself); every userspace test
# program, then the KUnit suites (they run when shadowmm_kunit.ko loads;
# shadowmm_bench.ko first, for the burst knob shadowmm_debugfs uses), with
# no backing store (swap_mb=0: an exhausted region is SIGBUS at once, as
# object_test expects); huge_test with a store (eviction splits PMD-sized
# folios); then reclaim_test and race_test with a module
# load of their own (a small region and a large backing store, so reclaim
# runs and objects have evicted pages), a minute of the fuzzer and part
# of reclaim_test again with the store in a swap file, and with that
# file on a file system too small for it; then pagecache_test on a load
# like reclaim_test's, the debugfs walks on a large region, suspend and
# hibernation as far as their freezer; last, the bad-parameter table, ten load/unload cycles and rmmod while the module
# is held.
#
# make check boots two VMs at once, one per host core (each emulated
# machine runs on one host thread), over three parts of this plan: LANE=1,
# 2 or 3 runs one part; with LANE unset (the stock kernels) one VM runs
# all.
smm_lane() { [ -z "${LANE:-}" ] || [ "$LANE" = "$1" ]; }

if smm_lane 1; then
	smm_tap module_load /tests/module_load.sh
	smm_tap page_alloc /tests/page_alloc.sh
	smm_tap slab /tests/slab.sh
	smm_tap smmctl /tests/smmctl.sh

	# A memory cgroup without tasks for shadowmm_swap's charging test (kernels
	# with CONFIG_MEMCG; elsewhere the test skips).
	mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null &&
		echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir /sys/fs/cgroup/shadowmm-kunit 2>/dev/null

	if smm_insmod shadowmm swap_mb=0; then
		for t in /tests/*_test; do
			[ -x "$t" ] || continue
			case $(basename "$t") in
			reclaim_test | race_test | pagecache_test | walks_test | huge_test) continue ;;
			esac
			smm_tap "$(basename "$t")" "$t"
		done
		# A kernel without KUnit (Debian's own) has no shadowmm_kunit.ko.
		if [ -f "$SMM_MODDIR/shadowmm_kunit.ko" ]; then
			smm_insmod shadowmm_bench
			# This VM runs nothing pinned to a CPU: the hotplug cases may run.
			smm_kunit_module shadowmm_kunit cpu_hotplug=1
			# The case that switches the kernel's multi-generational LRU
			# off and on, alone again (kunit.filter_glob), from a setting
			# no case writes: the machine's own must be back after it.
			lru_gen=/sys/kernel/mm/lru_gen/enabled glob=/sys/module/kunit/parameters/filter_glob
			case_name=smm_reclaim_young_two_mappings_test
			if [ -w $lru_gen ] && [ -w $glob ]; then
				lru_gen_boot=$(cat $lru_gen)
				echo 0x0001 >$lru_gen
				printf '%s' "shadowmm_reclaim.$case_name" >$glob
				if smm_insmod shadowmm_kunit; then
					smm_check "$case_name passes from lru_gen/enabled 0x0001" \
						grep -Eq "^[[:space:]]*ok [0-9]+ $case_name" \
						$SMM_KUNIT_DIR/shadowmm_reclaim/results
					smm_check "$case_name leaves lru_gen/enabled as it found it (0x0001)" \
						test "$(cat $lru_gen)" = 0x0001
					smm_rmmod shadowmm_kunit
				fi
				printf '%s' '*.*' >$glob
				echo "$lru_gen_boot" >$lru_gen
			fi
			smm_rmmod shadowmm_bench
		else
			smm_skip "KUnit suites" "$(uname -r) is built without CONFIG_KUNIT"
		fi
		smm_rmmod shadowmm
	fi

	# PMD mappings: eviction splits their folios, so a store is needed.
	if [ -x /tests/huge_test ] && smm_insmod shadowmm size_mb=32 swap_mb=64; then
		smm_tap huge_test /tests/huge_test
		smm_rmmod shadowmm
	fi
fi

if smm_lane 2; then
	if [ -x /tests/reclaim_test ] && smm_insmod shadowmm size_mb=8 swap_mb=32; then
		smm_tap reclaim_test /tests/reclaim_test
		smm_tap race_test /tests/race_test
		smm_rmmod shadowmm
	fi

	# A minute of the fuzzer (make stress runs the long campaign), with the
	# seed scripts/check printed; with shadowmm_bench.ko, whose bench file and
	# burst knobs its debugfs writer uses too.  Where the kernel has
	# failslab, one operation in ten meets a failed allocation (-I).
	if smm_insmod shadowmm size_mb=16 swap_mb=64; then
		smm_insmod shadowmm_bench
		inject=
		[ -w /sys/kernel/debug/failslab/ignore-gfp-wait ] && inject="-I 10"
		# shellcheck disable=SC2086
		smm_tap fuzz smm_fuzz -s "$FUZZ_SECONDS" -S "$FUZZ_SEED" $inject
		smm_rmmod shadowmm_bench
		smm_rmmod shadowmm
	fi

	# The same store in a swap file (the swap_file parameter): the round trip
	# through 3x the region and the full store, end to end, evictions by a
	# task under RLIMIT_FSIZE 0, and no file event nor mtime for the I/O.
	if [ -x /tests/reclaim_test ] &&
		smm_insmod shadowmm size_mb=8 swap_mb=32 swap_file=/tmp/shadowmm.swap; then
		smm_check "swap_file: the store is the file" \
			grep -q '^backend file .*shadowmm.swap$' /sys/kernel/debug/shadowmm/swap
		smm_tap reclaim_test_swap_file /tests/reclaim_test -t module_has_small_region \
			-t three_times_region_one_mapping -t store_full_sigbus \
			-t swap_file_evicts_under_fsize_limit -t swap_file_io_raises_no_file_events
		smm_rmmod shadowmm
		smm_check "swap_file: the file is removed at unload" [ ! -e /tmp/shadowmm.swap ]
	fi
fi

if smm_lane 3; then
	# A swap file whose file system fills up before the store does: a
	# sparse file on a 1 MiB tmpfs. What it refuses is counted and logged,
	# and stays resident.
	if [ -x /tests/reclaim_test ] && mkdir -p /tmp/small-fs &&
		smm_check "swap_file: a 1 MiB tmpfs to hold it" mount -t tmpfs -o size=1m tmpfs /tmp/small-fs &&
		smm_insmod shadowmm size_mb=8 swap_mb=32 swap_file=/tmp/small-fs/shadowmm.swap; then
		smm_tap reclaim_test_full_fs /tests/reclaim_test -t module_has_small_region \
			-t swap_file_write_errors_counted
		smm_check "swap_file: a refused write is logged" sh -c \
			"dmesg | grep -q 'swap_file shadowmm.swap: writing slot [0-9]* failed: -ENOSPC'"
		smm_rmmod shadowmm
		umount /tmp/small-fs
	fi

	# The page cache's contract, on a load like reclaim_test's (part 2
	# would be the longest part by far with it).
	if [ -x /tests/pagecache_test ] && smm_insmod shadowmm size_mb=8 swap_mb=48; then
		smm_tap pagecache_test /tests/pagecache_test
		smm_rmmod shadowmm
	fi

	# The debugfs walks on a large region with many mappings (their own load).
	# Memory offline of its blocks refused, on a region large enough that
	# some block is not refused by the kernel first (object_test above
	# ran it on a small one); kernels without memory hotplug skip it.
	if [ -x /tests/walks_test ] && smm_insmod shadowmm size_mb=256 swap_mb=0; then
		smm_tap walks_test /tests/walks_test
		smm_tap memory_offline /tests/object_test -t memory_offline_of_region_blocks_is_refused
		smm_rmmod shadowmm
	fi

	# Suspend and hibernation as far as their freezer (/sys/power/pm_test).
	smm_tap pm /tests/pm.sh

	# Last: 70 loads and unloads, each taking a region from the kernel and
	# giving it back page by page, which leaves the kernel's max-order blocks
	# split for a while: nothing that needs many of them runs after.
	smm_tap bad_params /tests/bad_params.sh
	smm_tap soak /tests/soak.sh 10
	smm_tap held /tests/held.sh
fi
