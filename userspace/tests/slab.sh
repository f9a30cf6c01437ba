#!/bin/sh
# TAP test, run in the test VM: the slab allocator as a user sees it,
# through debugfs: slabinfo in the /proc/slabinfo 2.1 format, Slab: in
# meminfo, the drop_slabs and slab_burst knobs and their errors, the
# per-node counts of slab/<cache>/ in SLUB's sysfs format, the
# dma-kmalloc caches, and with slab_debug the per-cache
# alloc_traces/free_traces in SLUB's format.
# shadowmm_bench.ko is loaded with shadowmm.ko for the slab_burst knob.
# "A && B || { diagnose; return 1; }": the diagnosis is for any failure.
# shellcheck disable=SC2015
. "$(dirname "$0")/tap.sh"
D=/sys/kernel/debug/shadowmm

slabinfo_header() {
	[ "$(head -n 1 $D/slabinfo)" = "slabinfo - version: 2.1" ] &&
		sed -n 2p $D/slabinfo | grep -q '^# name  *<active_objs> <num_objs>' ||
		{ head -n 2 $D/slabinfo | say; return 1; }
}

# name, 5 numbers, ": tunables" and 3, ": slabdata" and 3: 16 fields.
slabinfo_row() {
	row=$(grep '^kmalloc-64 ' $D/slabinfo)
	[ -n "$row" ] || { say <$D/slabinfo; return 1; }
	echo "$row" | awk 'NF != 16 || $7 != ":" || $8 != "tunables" || $12 != ":" ||
		$13 != "slabdata" { exit 1 }
		{ for (i = 2; i <= 16; i++) if (i != 7 && i != 8 && i != 12 && i != 13 &&
			$i !~ /^[0-9]+$/) exit 1 }' || { echo "# $row"; return 1; }
}

meminfo_slab() { grep -qE '^Slab: +[0-9]+ kB$' $D/meminfo || { say <$D/meminfo; return 1; }; }
slab_kb() { awk '/^Slab:/ { print $2 }' $D/meminfo; }

slab_burst_grows() {
	echo "slab_burst 200" >$D/knobs || return 1
	kb=$(slab_kb)
	[ "$kb" -gt 0 ] || { echo "# Slab: $kb kB after slab_burst"; return 1; }
	awk '$1 == "kmalloc-64" && $3 > 0 { f = 1 } END { exit !f }' $D/slabinfo ||
		{ say <$D/slabinfo; return 1; }
}

drop_slabs_empties() {
	echo "drop_slabs 1" >$D/knobs || return 1
	kb=$(slab_kb)
	[ "$kb" -eq 0 ] || { echo "# Slab: $kb kB after drop_slabs"; say <$D/slabinfo; return 1; }
}

# slabs, partial, free_slabs, objects, total_objects: "TOTAL N<nid>=<n>..."
# (SLUB's format), the nodes adding up to the total.
node_files() {
	for f in slabs partial free_slabs objects total_objects; do
		line=$(cat $D/slab/kmalloc-64/$f) || return 1
		echo "$line" | awk '!/^[0-9]+( N[0-9]+=[1-9][0-9]*)*$/ { exit 1 }
			{ s = 0; for (i = 2; i <= NF; i++) { split($i, a, "="); s += a[2] }
			  if (s != $1) exit 1 }' || { echo "# $f: $line"; return 1; }
	done
}

# The per-node files and slabinfo's row count the same slabs.
node_files_match_slabinfo() {
	slabs=$(cut -d' ' -f1 $D/slab/kmalloc-64/slabs)
	objs=$(cut -d' ' -f1 $D/slab/kmalloc-64/total_objects)
	awk -v s="$slabs" -v o="$objs" '$1 == "kmalloc-64" { f = ($15 == s && $3 == o && s > 0) }
		END { exit !f }' $D/slabinfo ||
		{ echo "# slabs $slabs, total_objects $objs"; grep '^kmalloc-64 ' $D/slabinfo | say; return 1; }
}

validate_ok() { [ "$(cat $D/validate)" = ok ] || { say <$D/validate; return 1; }; }

vmstat_n() { awk -v k="$1" '$1 == k { print $2 }' $D/vmstat; }

# slabs every cache holds: num_slabs, field 15 of each slabinfo row.
slabs_held() { awk 'NR > 2 { s += $15 } END { print s + 0 }' $D/slabinfo; }

# Pressure gives the free slabs back and counts them.  slab_burst leaves
# slabs with nothing live in them; a burst of 4096 blocks (15360 frames)
# takes the zones it may use (DMA and Normal, 70 % of the 64 MiB region)
# below their low watermarks, which queues the pool's shrink work and
# wakes kswapd.  Between them they give back every one of those slabs:
# Slab: ends at 0 and the counter moves, by at most their number (a node
# keeps at most its cache's free_limit free slabs: one emptied beyond
# that, when the pressure drains a per-CPU array, goes back at once and
# is not counted as shrunk).
vmstat_pressure() {
	echo "slab_burst 200" >$D/knobs || return 1
	slabs=$(slabs_held)
	before=$(vmstat_n slabs_shrunk_pressure)
	[ "$slabs" -gt 0 ] && [ -n "$before" ] ||
		{ echo "# $slabs slabs held, slabs_shrunk_pressure '$before'"; return 1; }
	echo "burst 4096" >$D/knobs || return 1
	i=0
	while [ "$(slab_kb)" -ne 0 ] && [ $i -lt 20 ]; do
		sleep 1
		i=$((i + 1))
	done
	after=$(vmstat_n slabs_shrunk_pressure)
	[ $((after - before)) -ge 1 ] && [ $((after - before)) -le "$slabs" ] &&
		[ "$(slab_kb)" -eq 0 ] || {
		echo "# $slabs slabs held; slabs_shrunk_pressure $before -> $after; Slab: $(slab_kb) kB"
		grep -E '^(wmark_low_fail|pgalloc_fail|pageoutrun) ' $D/vmstat | say
		return 1
	}
}

# SMM_GFP_DMA kmallocs have caches of their own, shown as the kernel's
# (the default zone_split gives every node a DMA zone).
dma_caches() {
	for c in 8 64 96 192 1k 8k; do
		[ "$(cat $D/slab/kmalloc-$c/cache_dma)" = 0 ] &&
			[ "$(cat $D/slab/dma-kmalloc-$c/cache_dma)" = 1 ] &&
			grep -q "^dma-kmalloc-$c " $D/slabinfo ||
			{ echo "# dma-kmalloc-$c"; say <$D/slabinfo; return 1; }
	done
}

# shellcheck disable=SC2012 # a listing for the log
no_traces_without_debug() {
	[ -d $D/slab/kmalloc-64 ] && [ ! -e $D/slab/kmalloc-64/alloc_traces ] ||
		{ ls -l $D/slab/kmalloc-64 2>&1 | say; return 1; }
}

# Every cache's errors file holds exactly these five counters, in this
# order.  No fault a cache detects can be caused from user space (the
# caches hold only the module's own objects; shadowmm_slab_report provokes
# the faults in KUnit), so this checks the file's format and that correct
# use, bursts included, raises none: all five stay 0.
errors_file() {
	want=$(printf 'double_free 0\ninvalid_free 0\nred_zone 0\npoison 0\nquarantined 0')
	n=0
	for f in "$D"/slab/*/errors; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		[ "$(cat "$f")" = "$want" ] || { echo "# $f:"; say <"$f"; return 1; }
	done
	[ "$n" -gt 0 ] || { echo "# no slab/*/errors file"; return 1; }
}

traces_exist() {
	for f in alloc_traces free_traces; do
		[ -f $D/slab/kmalloc-64/$f ] || { echo "# no $f"; return 1; }
	done
}

# SLUB's line: count, caller, age=min/avg/max, pid=..., cpus=...
traces_lines() {
	f=$D/slab/kmalloc-64/$1
	lines=$(grep -cE '^ *[0-9]+ .+ age=[0-9]+/[0-9]+/[0-9]+ pid=[0-9]+(-[0-9]+)? cpus=[0-9,-]+$' "$f")
	[ "$lines" -ge 1 ] && [ "$lines" -eq "$(wc -l <"$f")" ] && grep -q smm_knob "$f" ||
		{ say <"$f"; return 1; }
}

echo "1..26"
if ! load_with_bench; then
	echo "Bail out! insmod $MOD and $BENCH failed"
	exit 1
fi
check "slabinfo has the 2.1 header" slabinfo_header
check "slabinfo has a kmalloc-64 row of 16 fields" slabinfo_row
check "slab/ and slabinfo show dma-kmalloc-N caches, cache_dma 1" dma_caches
check "meminfo has Slab:" meminfo_slab
check "slab_burst fills the kmalloc caches" slab_burst_grows
check "slab/kmalloc-64 per-node files in SLUB's format, nodes adding up" node_files
check "slab/kmalloc-64/slabs and total_objects agree with slabinfo" node_files_match_slabinfo
check "validate says ok after slab_burst" validate_ok
check "drop_slabs 1 gives every slab back" drop_slabs_empties
check "validate says ok after drop_slabs" validate_ok
check "pressure gives every free slab back, counted in slabs_shrunk_pressure" vmstat_pressure
check "knobs: drop_slabs 2 is refused" knob_refused "drop_slabs 2"
check "knobs: slab_burst 0 is refused" knob_refused "slab_burst 0"
check "knobs: slab_burst 5000 is refused" knob_refused "slab_burst 5000"
check "slab/kmalloc-64 has no traces without owner tracking" no_traces_without_debug
check "slab/*/errors: the five counters, all 0" errors_file
check "unload" unload_with_bench
if ! load_with_bench slab_debug=7; then
	echo "Bail out! insmod $MOD slab_debug=7 and $BENCH failed"
	exit 1
fi
check "slab_debug=7: kmalloc-64 has alloc_traces and free_traces" traces_exist
check "slab_debug=7: slab_burst works" slab_burst_grows
check "slab_debug=7: alloc_traces has SLUB's lines" traces_lines alloc_traces
check "slab_debug=7: free_traces has SLUB's lines" traces_lines free_traces
check "slab_debug=7: validate says ok" validate_ok
check "slab_debug=7: slab/*/errors: the checks found nothing in the bursts" errors_file
check "slab_debug=7: drop_slabs 1 gives every slab back" drop_slabs_empties
check "slab_debug=7: validate says ok after drop_slabs" validate_ok
check "unload" unload_with_bench
tap_done
