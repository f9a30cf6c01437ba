#!/bin/sh
# TAP test, run in the test VM: smmctl against the live module.  Without
# the module, every kind of command gives the documented message and exit
# status 1; with it (its own load: a 16 MiB region, a 64 MiB store) every
# view, as text and as JSON, exits 0, and the figures it shows are the
# debugfs files' (zones' free pages and watermarks, the region's frames,
# MemTotal, the LRU and the mapping while a program holds 512 written
# pages, the store's slots, the buddy totals, the slab caches); top stops
# after -n screens; record writes samples while a program runs and exits
# with its status.  busybox only: no python, no gnuplot.
# "A && B || { diagnose; return 1; }": the diagnosis is for any failure.
# shellcheck disable=SC2015,SC2016
. "$(dirname "$0")/tap.sh"
T=/tmp/smmctl-test
rm -rf $T
mkdir -p $T
NOT_LOADED="smmctl: shadowmm is not loaded (no $D): load it with insmod shadowmm.ko, and mount debugfs"
VIEWS="status buddy zones slab lru vmas workingset swap"
SIZE_MB=16
SWAP_MB=64
MAP_PAGES=512

# run ARGS...: smmctl's stdout in $T/out, stderr in $T/err, status in $rc
run() {
	smmctl "$@" >$T/out 2>$T/err
	rc=$?
}

# status_is N: the last run exited with N
status_is() {
	[ "$rc" -eq "$1" ] && return 0
	echo "# exit status $rc, expected $1; stderr:"
	say <$T/err
	return 1
}

# has FILE TEXT: FILE has a line that is exactly TEXT
has() {
	grep -qxF -- "$2" "$1" && return 0
	echo "# no line \"$2\" in:"
	say <"$1"
	return 1
}

# json_num FILE KEY: the number of the top-level "KEY": N line (JSON
# printed two spaces an indent level)
json_num() { sed -n "s/^  \"$2\": \\(-*[0-9.]*\\),*\$/\\1/p" "$1"; }

# steady CMD...: run CMD (smmctl) between two copies of the debugfs files
# it reads, until both copies agree, so that the figures compared below
# are from one state of the module ($T/raw holds it).
steady() {
	for _ in 1 2 3 4 5; do
		rm -rf $T/raw $T/raw2
		mkdir $T/raw $T/raw2
		for f in meminfo zoneinfo buddyinfo region swap slabinfo vmas vmstat; do
			cat "$D/$f" >"$T/raw/$f"
		done
		"$@"
		for f in meminfo zoneinfo buddyinfo region swap slabinfo vmas vmstat; do
			cat "$D/$f" >"$T/raw2/$f"
		done
		# vmstat may count events of the reads themselves: not compared.
		same=1
		for f in meminfo zoneinfo buddyinfo region swap slabinfo vmas; do
			cmp -s "$T/raw/$f" "$T/raw2/$f" || same=0
		done
		[ $same = 1 ] && return 0
	done
	echo "# the debugfs files kept changing: five tries"
	return 1
}

meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' $T/raw/meminfo; }

# --- without the module --------------------------------------------------

not_loaded_status() {
	! loaded || { echo "# shadowmm is loaded"; return 1; }
	run status
	status_is 1 && [ "$(cat $T/err)" = "$NOT_LOADED" ] && [ ! -s $T/out ] ||
		{ echo "# stderr, expected \"$NOT_LOADED\":"; say <$T/err; return 1; }
}

not_loaded_views() {
	for v in $VIEWS top; do
		for j in "" --json; do
			if [ "$v" = top ]; then run top -n 1 ${j:+"$j"}; else run "$v" ${j:+"$j"}; fi
			status_is 1 && [ "$(cat $T/err)" = "$NOT_LOADED" ] ||
				{ echo "# smmctl $v $j"; say <$T/err; return 1; }
		done
	done
}

not_loaded_record() {
	rm -f $T/ran $T/none.csv
	run record -o $T/none.csv -- touch $T/ran
	status_is 1 && [ "$(cat $T/err)" = "$NOT_LOADED" ] && [ ! -e $T/ran ] ||
		{ [ -e $T/ran ] && echo "# the program ran"; say <$T/err; return 1; }
}

echo "TAP version 13"
# 3 without the module, the load, 2 per view, 2 of top, 11 on figures,
# record and the unload, 1 after it.
echo "1..$((3 + 1 + 2 * $(echo $VIEWS | wc -w) + 2 + 11 + 1))"
check "not loaded: status exits 1 with the documented message" not_loaded_status
check "not loaded: every view and top, text and --json, the same" not_loaded_views
check "not loaded: record exits 1 and does not run the program" not_loaded_record

if ! insmod "$MOD" size_mb=$SIZE_MB swap_mb=$SWAP_MB; then
	echo "Bail out! insmod $MOD size_mb=$SIZE_MB swap_mb=$SWAP_MB failed"
	exit 1
fi
ok "insmod shadowmm size_mb=$SIZE_MB swap_mb=$SWAP_MB"

# --- every view ----------------------------------------------------------

view_ok() {
	run "$@"
	status_is 0 && [ -s $T/out ] && [ ! -s $T/err ] ||
		{ echo "# smmctl $*: stdout:"; say <$T/out; return 1; }
}

view_json_ok() {
	run "$1" --json
	status_is 0 && [ ! -s $T/err ] && [ "$(head -n 1 $T/out)" = "{" ] &&
		[ "$(tail -n 1 $T/out)" = "}" ] && has $T/out "  \"view\": \"$1\"," &&
		has $T/out "  \"root\": \"$D\","
}

for v in $VIEWS; do
	check "$v exits 0 with output" view_ok "$v"
	check "$v --json exits 0 with one object" view_json_ok "$v"
done

top_ok() {
	run top -n 2 -i 0.2
	status_is 0 && [ "$(grep -c 'smmctl top' $T/out)" -eq 2 ] ||
		{ say <$T/out; return 1; }
}

top_json_ok() {
	run top -n 2 -i 0.2 --json
	status_is 0 && [ "$(wc -l <$T/out)" -eq 2 ] &&
		[ "$(grep -c '^{"view": *"top"' $T/out)" -eq 2 ] || { say <$T/out; return 1; }
}

check "top -n 2 exits 0 after two screens" top_ok
check "top -n 2 --json: two lines, each a top object" top_json_ok

# --- the figures are the files' -------------------------------------------

# status: the region's frames, MemTotal and MemFree, the LRU, and each
# zone's free pages, watermarks and managed pages as zoneinfo has them.
status_figures() {
	steady run status || return 1
	status_is 0 || return 1
	frames=$(awk '$1 == "frames:" { print $2 }' $T/raw/region)
	present=$(awk '$1 == "present:" { print $2 }' $T/raw/region)
	[ "$frames" -eq $((SIZE_MB * 256)) ] ||
		{ echo "# region: $frames frames for size_mb=$SIZE_MB"; return 1; }
	grep -q "^shadowmm: kernel backend, $frames frames ($present present) on " $T/out ||
		{ echo "# no region line for $frames frames:"; say <$T/out; return 1; }
	has $T/out "memory:   $(meminfo_kb MemTotal) kB total, $(meminfo_kb MemFree) kB free, slab $(meminfo_kb Slab) kB, objects $(meminfo_kb Objects) kB" &&
	has $T/out "lru:      active $(meminfo_kb Active) kB, inactive $(meminfo_kb Inactive) kB, unevictable $(meminfo_kb Unevictable) kB (mlocked $(meminfo_kb Mlocked) kB)" ||
		return 1
	# One "node zone free min low high managed" line per zone of zoneinfo.
	awk '/^Node / { n = $2; sub(",", "", n); z = $4 }
	     $1 == "pages" && $2 == "free" { f = $3 }
	     $1 == "min" { mi = $2 } $1 == "low" { lo = $2 } $1 == "high" { hi = $2 }
	     $1 == "managed" { print n, z, f, mi, lo, hi, $2 }' $T/raw/zoneinfo >$T/zones.raw
	[ -s $T/zones.raw ] || { echo "# no zone in zoneinfo"; return 1; }
	awk '$1 ~ /^[0-9]+$/ && NF == 8 { print $1, $2, $3, $4, $5, $6, $7 }' $T/out >$T/zones.smmctl
	cmp -s $T/zones.raw $T/zones.smmctl ||
		{ echo "# zoneinfo (node zone free min low high managed):"; say <$T/zones.raw
		  echo "# smmctl status:"; say <$T/zones.smmctl; return 1; }
}
check "status: frames, memory, LRU and every zone as the files have them" status_figures

# zones --json: each zone's free pages, the "pages free" line of zoneinfo.
zones_json_free() {
	steady run zones --json || return 1
	status_is 0 || return 1
	awk '$1 == "pages" && $2 == "free" { print $3 }' $T/raw/zoneinfo >$T/free.raw
	sed -n 's/^      "free": \([0-9]*\),$/\1/p' $T/out >$T/free.json
	[ -s $T/free.raw ] && cmp -s $T/free.raw $T/free.json ||
		{ echo "# zoneinfo:"; say <$T/free.raw; echo "# smmctl zones --json:"; say <$T/free.json; return 1; }
}
check "zones --json: every zone's free pages as zoneinfo's" zones_json_free

# buddy: the total free pages, from buddyinfo's counts, equal MemFree.
buddy_total() {
	steady run buddy || return 1
	status_is 0 || return 1
	pages=$(awk '{ m = 1; for (o = 0; o <= 10; o++) { s += $(5 + o) * m; m *= 2 } } END { print s }' $T/raw/buddyinfo)
	total=$(awk '$1 == "total" { print $NF; exit }' $T/out)
	[ "$total" = "$pages" ] && [ $((pages * 4)) -eq "$(meminfo_kb MemFree)" ] ||
		{ echo "# smmctl buddy total $total, buddyinfo $pages pages, MemFree $(meminfo_kb MemFree) kB"; return 1; }
}
check "buddy: the total free pages are buddyinfo's, and MemFree" buddy_total

# store_key KEY N: $T/out's "store" object has "KEY": N
store_key() {
	grep -qE "^    \"$1\": $2,?\$" $T/out && return 0
	echo "# no \"$1\": $2 in the store:"
	say <$T/out
	return 1
}

# swap: the store's slots, as swap says, and SwapTotal/SwapFree.
swap_figures() {
	steady run swap --json || return 1
	status_is 0 || return 1
	slots=$(awk '$1 == "slots" { print $2 }' $T/raw/swap)
	[ "$slots" -eq $((SWAP_MB * 256)) ] || { echo "# swap: $slots slots for swap_mb=$SWAP_MB"; return 1; }
	store_key slots "$slots" && store_key swap_total_kb "$(meminfo_kb SwapTotal)" &&
		store_key swap_free_kb "$(meminfo_kb SwapFree)"
}
check "swap --json: the store's slots and SwapTotal/SwapFree" swap_figures

# slab: as many caches as slabinfo has rows.
slab_count() {
	steady run slab || return 1
	status_is 0 || return 1
	n=$(grep -cv -e '^slabinfo - version' -e '^#' $T/raw/slabinfo)
	grep -q "^$n caches, " $T/out || { echo "# slabinfo has $n caches:"; tail -n 1 $T/out | say; return 1; }
}
check "slab: as many caches as slabinfo" slab_count

# While a program holds MAP_PAGES written pages of a mapping (smm_map,
# waiting in its "run" step until told to go on): lru shows meminfo's
# lists, which hold at least the written pages (less those still in the
# per-CPU LRU batches, 15 a CPU), and vmas the program's mapping with
# every page resident.
hold_pages $T $MAP_PAGES check || :
map_pid=$hold_pid

lru_while_mapped() {
	# hold_pages said why when it did not get there.
	[ -e $T/mapped ] || return 1
	steady run lru || return 1
	status_is 0 || return 1
	active=$(meminfo_kb Active)
	inactive=$(meminfo_kb Inactive)
	ncpu=$(grep -c '^processor' /proc/cpuinfo)
	[ $((active + inactive)) -ge $(((MAP_PAGES - 15 * ncpu) * 4)) ] ||
		{ echo "# active $active + inactive $inactive kB for $MAP_PAGES written pages"; return 1; }
	grep -q "^active  *$active kB\$" $T/out && grep -q "^inactive  *$inactive kB  (" $T/out ||
		{ echo "# meminfo active $active kB, inactive $inactive kB; smmctl lru:"; say <$T/out; return 1; }
	steady run lru --json || return 1
	status_is 0 && [ "$(json_num $T/out active_kb)" = "$(meminfo_kb Active)" ] &&
		[ "$(json_num $T/out inactive_kb)" = "$(meminfo_kb Inactive)" ] ||
		{ grep -E '^(Active|Inactive):' $T/raw/meminfo | say; echo "# smmctl lru --json:"; say <$T/out; return 1; }
}
check "lru: while $MAP_PAGES written pages are mapped, meminfo's lists, holding them" lru_while_mapped

vmas_while_mapped() {
	[ -e $T/mapped ] || return 1
	steady run vmas || return 1
	status_is 0 || return 1
	awk -v pid=$map_pid -v n=$MAP_PAGES '$1 == pid && $3 == "rw-s" && $5 == n && $6 == n { found = 1 }
		END { exit !found }' $T/out ||
		{ echo "# no rw-s mapping of $MAP_PAGES pages, all resident, for pid $map_pid:"; say <$T/out; return 1; }
	# The same line, as the file has it (pid start-end perms offset minor major cow resident).
	awk -v pid=$map_pid -v n=$MAP_PAGES '$1 == pid && $3 == "rw-s" && $NF == n { found = 1 }
		END { exit !found }' $T/raw/vmas ||
		{ echo "# debugfs vmas:"; say <$T/raw/vmas; return 1; }
}
check "vmas: the program's mapping, $MAP_PAGES pages, all resident" vmas_while_mapped

map_rc=0
release_pages || map_rc=$?
map_read_back() {
	[ $map_rc -eq 0 ] && grep -q "^\\$ read back $MAP_PAGES pages: 0 bad bytes\$" $T/map.out ||
		{ echo "# smm_map exited with $map_rc:"; say <$T/map.out; return 1; }
}
check "the mapping read back after smmctl's reads, every byte right" map_read_back

# --- record ----------------------------------------------------------------

# csv_col FILE NAME: the column of NAME in FILE's header
csv_col() { head -n 1 "$1" | tr , '\n' | grep -nxF "$2" | cut -d: -f1; }

record_samples() {
	rm -f $T/rec.csv
	run record -o $T/rec.csv -i 0.2 -- smm_map map 2048 touch run "sleep 1" check
	status_is 0 || return 1
	grep -q '^\$ read back 2048 pages: 0 bad bytes$' $T/out || { say <$T/out; return 1; }
	samples=$(sed -n 's/^smmctl: \([0-9]*\) samples over .*/\1/p' $T/err)
	rows=$(($(wc -l <$T/rec.csv) - 1))
	[ -n "$samples" ] && [ "$samples" -ge 5 ] && [ "$rows" -eq "$samples" ] ||
		{ echo "# $rows rows, stderr:"; say <$T/err; return 1; }
	head -n 1 $T/rec.csv | grep -q '^time_s,mem_free_kb,active_kb,inactive_kb,' ||
		{ head -n 1 $T/rec.csv | say; return 1; }
	# Every row as many fields as the header.
	awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' $T/rec.csv ||
		{ echo "# rows of different lengths"; return 1; }
	c=$(csv_col $T/rec.csv pgfault)
	first=$(awk -F, -v c="$c" 'NR == 2 { print $c }' $T/rec.csv)
	last=$(awk -F, -v c="$c" 'END { print $c }' $T/rec.csv)
	[ $((last - first)) -ge 2048 ] || { echo "# pgfault $first .. $last for 2048 touched pages"; return 1; }
}
check "record -o F -i 0.2: samples while the program runs, its faults counted" record_samples

record_status() {
	run record -o $T/rec3.csv -i 0.2 -- sh -c 'sleep 0.5; exit 3'
	status_is 3 && [ "$(wc -l <$T/rec3.csv)" -ge 3 ]
}
check "record: exits with the program's status" record_status

rmmod shadowmm && ok "rmmod shadowmm" || not_ok "rmmod shadowmm"
check "unloaded again: status exits 1 with the documented message" not_loaded_status
rm -rf $T
tap_done
