#!/bin/sh
# TAP test, run in the test VM with shadowmm not loaded: load/unload soak.
# SMM_SOAK_CYCLES cycles (default 10; make stress runs 100) of insmod ->
# workload -> rmmod, turning through parameter sets: the kernel and the
# reserved backend, no store, a small and a large compressed store, a swap
# file, every slab debug flag, several zone splits.  The workload fills
# an object over more than the region holds when there is a store (so
# reclaim evicts and faults or reads bring pages back) through a mapping
# and through write() (the reserved backend: write() alone), checks
# every byte through the mapping and pread(), reads every
# debugfs file and needs validate to say ok.  Across the cycles the
# kernel's own MemFree, Slab and the bytes /proc/slabinfo accounts must
# stay flat within 8 MiB (measured after the first cycle, so what the
# first load leaves cached for good is not counted), and every unload
# must leave nothing behind; kmemleak is read at the end of the VM run.
. "$(dirname "$0")/tap.sh"

CYCLES=${SMM_SOAK_CYCLES:-${1:-10}}
SWAPF=/tmp/smm-soak.swap

# "parameters|pages to fill" per set (past the region where there is a
# store); the reserved set takes half of the VM's memmap=64M$0x1e000000.
# Small regions: what a cycle checks (reclaim and swap-in through every
# backend, then nothing left after the unload) does not grow with the
# region, and under emulation with KASAN each page through the store
# costs about a millisecond.
SETS="
size_mb=8 swap_mb=32|2560
phys_base=0x1e000000 phys_size=0x2000000 swap_mb=64|9216
size_mb=8 swap_mb=0|1024
size_mb=8 swap_mb=4|2048
size_mb=16 swap_mb=512|5120
size_mb=8 swap_mb=32 swap_file=$SWAPF|2560
size_mb=8 swap_mb=32 slab_debug=15|2560
size_mb=8 swap_mb=32 zone_split=0,100,0|2560
size_mb=32 zone_split=30,40,30|2048
size_mb=8 swap_mb=16 zone_split=10,80,10|2560
"
NSETS=$(echo "$SETS" | grep -c '|')

meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# kB free, counting the pages the kernel's per-CPU lists hold: a region
# given back page by page lands there first, and MemFree leaves them out.
free_kb() {
	echo $(($(awk '$1 == "MemFree:" { print $2 }' /proc/meminfo) + \
		$(awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo)))
}
# kB of objects /proc/slabinfo accounts (active objects times their size).
slabinfo_kb() {
	awk 'NR > 2 { b += $2 * $4 } END { printf "%d\n", b / 1024 }' /proc/slabinfo
}

settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

gone() {
	! loaded && [ ! -e /dev/shadowmm ] && [ ! -e "$D" ] && [ ! -e "$SWAPF" ]
}

# Every debugfs file reads without an error (bench runs a benchmark when
# read: left out), and validate says ok.  One cat for all of them: it
# reads each file, names any that fails on stderr and goes on; a cat per
# file cost a fork and an exec each, 40 s a cycle for some 200 files
# under emulation with KASAN.
read_debugfs() {
	find "$D" -type f ! -name bench | xargs cat >/dev/null 2>/tmp/soak.err
	rd_rc=$?
	if [ $rd_rc -ne 0 ] || [ -s /tmp/soak.err ]; then
		echo "# reading the debugfs files failed (status $rd_rc):"
		say </tmp/soak.err
		return 1
	fi
	grep -qx ok "$D/validate"
}

# cycle <n>: one load of set n mod NSETS with its workload.
cycle() {
	line=$(echo "$SETS" | grep '|' | sed -n "$(($1 % NSETS + 1))p")
	params=${line%|*} pages=${line#*|}
	# The first pass over the sets runs the full workload; later passes
	# (make stress's 100 cycles) an eighth of it, inside the region: what
	# they look for is what a load and an unload leave behind.
	[ "$1" -lt "$NSETS" ] || pages=$((pages / 8))
	# In the kernel log, so that a report there names its cycle.
	echo "shadowmm-vm: soak cycle $1: $params, $pages pages" >/dev/kmsg 2>/dev/null
	# shellcheck disable=SC2086
	if ! insmod "$MOD" $params; then
		echo "# cycle $1: insmod $params failed"
		dmesg | tail -5 | say
		return 1
	fi
	# The reserved backend cannot be mapped: write() and pread() it.
	case $params in
	*phys_base*) steps="write $pages read info" ;;
	*) steps="map $pages touch check write $((pages / 2)) read info" ;;
	esac
	# shellcheck disable=SC2086
	if ! smm_map $steps >/tmp/soak.out 2>&1; then
		echo "# cycle $1 ($params): smm_map $steps failed"
		say </tmp/soak.out
		rmmod shadowmm
		return 1
	fi
	echo "shadowmm-vm: soak cycle $1: reading every debugfs file" >/dev/kmsg 2>/dev/null
	if ! read_debugfs; then
		echo "# cycle $1 ($params): a debugfs read failed or validate is not ok"
		rmmod shadowmm
		return 1
	fi
	rmmod shadowmm || return 1
	gone || { echo "# cycle $1 ($params): something is left after rmmod"; return 1; }
}

echo "1..4"
rm -f "$SWAPF"
failed=0
i=0
while [ $i -lt "$CYCLES" ]; do
	if ! cycle $i; then
		failed=$((failed + 1))
		break
	fi
	if [ $i -eq 0 ]; then
		settle
		free0=$(free_kb) slab0=$(meminfo_kb Slab) objs0=$(slabinfo_kb)
	fi
	i=$((i + 1))
done
check "$CYCLES load/workload/unload cycles over $NSETS parameter sets" test $failed -eq 0

settle
free1=$(free_kb) slab1=$(meminfo_kb Slab) objs1=$(slabinfo_kb)
echo "# after cycle 1 -> after $i: free (MemFree and per-CPU lists) $free0 -> $free1 kB, Slab $slab0 -> $slab1 kB, slabinfo objects $objs0 -> $objs1 kB"
# No baseline when the first cycle failed: the numbers say nothing then.
[ -n "$free0" ] || free0=99999999 slab0=-99999999 objs0=-99999999
check "free memory flat within 8 MiB over $i cycles" test $((free0 - free1)) -lt 8192
check "Slab flat within 8 MiB over $i cycles" test $((slab1 - slab0)) -lt 8192
check "slabinfo's objects flat within 8 MiB over $i cycles" test $((objs1 - objs0)) -lt 8192
tap_done
