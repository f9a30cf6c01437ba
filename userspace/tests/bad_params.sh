#!/bin/sh
# TAP test, run in the test VM with shadowmm not loaded: every module
# parameter given out-of-range, malformed, overflowing and conflicting
# values.  Each load must fail with the documented errno (EINVAL for a
# value or a combination the module refuses, EBUSY for a reserved range
# that is System RAM or already claimed, the file system's errno when a
# swap file cannot be created), the kernel log must say why in
# one line naming the parameter, and nothing may be left behind: no
# module, device node, debugfs directory or swap file, and no kernel
# memory (free memory, per-CPU lists included, around each load; that
# and Slab around the whole table, all within 8 MiB; kmemleak is read at
# the end of the VM run).
#
# The table is "errno | message (a grep regex after 'shadowmm: ') |
# parameters"; parameters with a blank in them cannot appear.
. "$(dirname "$0")/tap.sh"

SW=/tmp/smm-bad-params
LONG=/tmp/$(printf '%0300d' 0)
# More memory than the kernel says it can give (64 MiB more, so that the
# table's own loads cannot change the answer): refused before a frame is
# taken, not after the kernel was emptied to find that out.
ALL_MB=$(awk '/^MemAvailable:/ { print int($2 / 1024) + 64 }' /proc/meminfo)
ALL_ROW=
[ "$ALL_MB" -ge 4 ] && [ "$ALL_MB" -le 4096 ] &&
	ALL_ROW="ENOMEM|size_mb=$ALL_MB cannot be taken from the kernel: it has [0-9]* MiB available, the region and its mapping need|size_mb=$ALL_MB"

TABLE="
EINVAL|size_mb=0 is invalid|size_mb=0
EINVAL|size_mb=3 is invalid|size_mb=3
EINVAL|size_mb=4097 is invalid|size_mb=4097
EINVAL|size_mb=-1 is invalid|size_mb=-1
EINVAL|size_mb=4294967360 is invalid|size_mb=4294967360
EINVAL|size_mb=18446744073709551680 is invalid|size_mb=18446744073709551680
EINVAL|size_mb=64abc is invalid|size_mb=64abc
EINVAL|size_mb= is invalid|size_mb=
EINVAL|.' invalid for parameter .size_mb|size_mb
EINVAL|dev_mode=0777 is invalid|dev_mode=0777
EINVAL|dev_mode=0400 is invalid|dev_mode=0400
EINVAL|dev_mode=01600 is invalid|dev_mode=01600
EINVAL|dev_mode=0689 is invalid|dev_mode=0689
EINVAL|dev_mode=-1 is invalid|dev_mode=-1
EINVAL|zone_split=10,60 is invalid|zone_split=10,60
EINVAL|zone_split=10,60,30,0 is invalid|zone_split=10,60,30,0
EINVAL|zone_split=50,60,30 is invalid|zone_split=50,60,30
EINVAL|zone_split=10,0,90 is invalid|zone_split=10,0,90
EINVAL|zone_split=10,,90 is invalid|zone_split=10,,90
EINVAL|zone_split=-10,80,30 is invalid|zone_split=-10,80,30
EINVAL|zone_split=a,b,c is invalid|zone_split=a,b,c
EINVAL|zone_split=0,4294967396,0 is invalid|zone_split=0,4294967396,0
EINVAL|zone_split=0,18446744073709551716,0 is invalid|zone_split=0,18446744073709551716,0
EINVAL|zone_split=0x0a,60,30 is invalid|zone_split=0x0a,60,30
EINVAL|zone_split=0,1,99 is invalid for this region|zone_split=0,1,99 size_mb=16
EINVAL|zone_split=0,1,99 is invalid for this region|zone_split=0,1,99 phys_base=0x1e000000 phys_size=0x1000000
EINVAL|phys_base=0x1e000800 is invalid|phys_base=0x1e000800 phys_size=0x4000000
EINVAL|phys_size=0x4000800 is invalid|phys_base=0x1e000000 phys_size=0x4000800
EINVAL|phys_base=0x1e000000 is invalid without phys_size|phys_base=0x1e000000
EINVAL|phys_base=0x1e000000 is invalid without phys_size|phys_base=0x1e000000 phys_size=0
EINVAL|phys_base=.* phys_size=.* is invalid: both must be page aligned|phys_base=0x1e000000 phys_size=0x80000
EINVAL|phys_base=.* phys_size=.* is invalid: both must be page aligned|phys_base=0xfffffffffff00000 phys_size=0x200000
EINVAL|phys_base=abc is invalid|phys_base=abc phys_size=0x400000
EBUSY|phys_base=.* phys_size=.* is refused: the range overlaps System RAM|phys_size=0x400000
EBUSY|phys_base=.* phys_size=.* is refused: the range overlaps System RAM|phys_base=0x1c000000 phys_size=0x4000000
EINVAL|phys_base=.* phys_size=.* is refused: the range is not inside a Reserved range|phys_base=0x100000000000 phys_size=0x400000
EINVAL|size_mb=32 is invalid with phys_base/phys_size|phys_base=0x1e000000 phys_size=0x4000000 size_mb=32
EINVAL|swap_mb=16385 is invalid|swap_mb=16385
EINVAL|swap_mb=-1 is invalid|swap_mb=-1
EINVAL|swap_mb=4294967304 is invalid|swap_mb=4294967304
EINVAL|swap_mb=8MB is invalid|swap_mb=8MB
EINVAL|swap_file=smm-swap is invalid|swap_file=smm-swap
EINVAL|swap_file=/tmp/0000.* is invalid|swap_file=$LONG
EINVAL|swap_file=$SW is invalid with swap_mb=0|swap_mb=0 swap_file=$SW
EINVAL|swap_file=/dev/null is refused: it is a device|swap_mb=8 swap_file=/dev/null
EINVAL|swap_file=/tmp is refused: it is a directory|swap_mb=8 swap_file=/tmp
EINVAL|swap_file=/proc/version is refused|swap_mb=8 swap_file=/proc/version
ENOENT|swap_file=/proc/nonexistent/x cannot be created|swap_mb=8 swap_file=/proc/nonexistent/x
EINVAL|slab_debug=16 is invalid|slab_debug=16
EINVAL|slab_debug=4294967311 is invalid|slab_debug=4294967311
EINVAL|slab_debug=red is invalid|slab_debug=red
$ALL_ROW
"

settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# kB free, counting the pages the kernel's per-CPU lists hold: a region
# given back page by page lands there first, and MemFree leaves them out.
# One awk over both files: every process costs under emulation and KASAN.
free_kb() {
	awk '$1 == "MemFree:" { kb += $2 } $1 == "count:" { kb += 4 * $2 } END { print kb }' \
		/proc/meminfo /proc/zoneinfo
}

# nothing_left: no trace of a load anywhere, and what a refused swap_file
# named is still there; says what it found otherwise.  The shell's own
# read and test only (loaded too): a fork and an exec cost a tenth of a
# second under emulation with KASAN, and a row makes enough of them.
nothing_left() {
	nl_left=
	loaded && nl_left="$nl_left module"
	[ -e /dev/shadowmm ] && nl_left="$nl_left /dev/shadowmm"
	[ -e "$D" ] && nl_left="$nl_left $D"
	[ -e /sys/module/shadowmm ] && nl_left="$nl_left /sys/module/shadowmm"
	[ -e "$SW" ] && nl_left="$nl_left $SW"
	while IFS= read -r nl_rest; do
		case $nl_rest in *shadowmm*) nl_left="$nl_left an-iomem-claim" ;; esac
	done </proc/iomem
	[ -c /dev/null ] || nl_left="$nl_left /dev/null-is-gone"
	[ -d /tmp ] || nl_left="$nl_left /tmp-is-gone"
	[ -z "$nl_left" ] || { echo "# left behind:$nl_left"; return 1; }
}

# row <errno> <regex> <params...>: the load fails with that errno, the log
# names the parameter in exactly one line, and nothing is left behind.
# The kernel log is empty when a row begins: the table starts with it
# cleared and each row reads and clears it (dmesg -c) on every path.
# Free memory at the start of a row is the previous row's last reading.
row() {
	r_err=$1 r_re=$2
	shift 2
	r_free0=${r_free1:-$(free_kb)}
	r_free1=
	# One finit_module() (busybox's insmod tries twice), its errno's name.
	r_got=$(smm_load "$MOD" "$@")
	r_log=$(dmesg -c)
	if [ "$r_got" = loaded ]; then
		rmmod shadowmm
		dmesg -c >/dev/null
		echo "# insmod $* was accepted"
		return 1
	fi
	if [ "$r_got" != "$r_err" ]; then
		echo "# expected $r_err, the load failed with $r_got"
		echo "$r_log" | say
		return 1
	fi
	r_lines=$(grep -c "shadowmm: $r_re" <<EOF_LOG
$r_log
EOF_LOG
)
	if [ "$r_lines" != 1 ]; then
		echo "# $r_lines lines match 'shadowmm: $r_re' in:"
		echo "$r_log" | say
		return 1
	fi
	case $r_log in
	*WARNING* | *BUG* | *Oops* | *"Call Trace"* | *KASAN*)
		echo "$r_log" | say
		return 1
		;;
	esac
	nothing_left || return 1
	# A region a refused load kept is 16 MiB or more: 8 MiB is a leak.
	# What the kernel frees later (RCU callbacks, exited kthreads) gets
	# some seconds to come back first.
	r_try=0
	while :; do
		r_free1=$(free_kb)
		[ $((r_free0 - r_free1)) -ge 8192 ] || break
		if [ $r_try -ge 5 ]; then
			echo "# free $r_free0 -> $r_free1 kB across this load"
			r_free1=
			return 1
		fi
		r_try=$((r_try + 1))
		settle
		sleep 2
	done
}



# near_all_memory: size_mb of all the memory available but 48 MiB.  The
# region's frames fit; its mapping (and KASAN's shadow of it, an eighth,
# on the test kernel) and metadata may not.  The load either works and
# unloads, or fails with ENOMEM and says why: never does the OOM killer
# make the room.
near_all_memory() {
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	size=$((avail - 48))
	[ "$size" -gt 4096 ] && size=4096
	dmesg -c >/dev/null
	got=$(smm_load "$MOD" size_mb=$size swap_mb=0)
	[ "$got" = loaded ] && { rmmod shadowmm || return 1; }
	log=$(dmesg -c)
	echo "# size_mb=$size of $avail MiB available: $got"
	if echo "$log" | grep -qE 'invoked oom-killer|Out of memory'; then
		echo "# the load called the OOM killer:"
		echo "$log" | grep -E 'invoked oom-killer|Out of memory|shadowmm:' | head -4 | say
		return 1
	fi
	[ "$got" = loaded ] && return 0
	[ "$got" = ENOMEM ] && echo "$log" | grep -q "shadowmm: size_mb=$size cannot be taken from the kernel" && return 0
	echo "$log" | tail -4 | say
	return 1
}

# The plan: a check per row and four after the table.
echo "1..$(($(echo "$TABLE" | grep -c '|') + 4))"
rm -f "$SW"
# KASAN holds freed slab objects in a quarantine of up to 1/32 of memory:
# until it is full, every pool built and torn down shows as MemFree lost
# (10 to 18 MiB a time in a run straight after boot).  Four loads and
# unloads of a 64 MiB pool fill it before anything is measured.
i=0
while [ $i -lt 4 ]; do
	smm_load "$MOD" size_mb=64 >/dev/null && rmmod shadowmm
	i=$((i + 1))
done
settle
free0=$(free_kb) slab0=$(meminfo_kb Slab)
dmesg -c >/dev/null
r_free1=
# The table's lines ($SW and $LONG were expanded when TABLE was set); a
# here-document keeps the loop in this shell, so its checks count.
while IFS='|' read -r err re params; do
	[ -n "$err" ] || continue
	# shellcheck disable=SC2086
	check "$err: $(echo "$params" | cut -c1-80)" row "$err" "$re" $params
done <<EOF_TABLE
$TABLE
EOF_TABLE
# shellcheck disable=SC2154 # counted by tap.sh's check
n=$tap_n

settle
free1=$(free_kb) slab1=$(meminfo_kb Slab)
echo "# free (MemFree and per-CPU lists) ${free0} -> ${free1} kB, Slab ${slab0} -> ${slab1} kB over $n refused loads"
check "free memory is back within 8 MiB after $n refused loads" \
	test $((free0 - free1)) -lt 8192
check "Slab is back within 8 MiB after $n refused loads" \
	test $((slab1 - slab0)) -lt 8192
check "size_mb of all but 48 MiB of the available memory: loaded or ENOMEM, no OOM kill" near_all_memory
check "a good load still works after the table" sh -c "smm_load $MOD && rmmod shadowmm"
tap_done
