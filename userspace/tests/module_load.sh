#!/bin/sh
# TAP test, run in the test VM: shadowmm.ko loads, registers /dev/shadowmm
# and its debugfs directory, unloads without a trace (CYCLES times in a
# row, checked by kmemleak: the first argument, default 4, as make check
# runs it beside the soak's ten; make stress runs 20), and refuses bad
# parameter values and bad knobs lines with a message, changing nothing: a reserved range without struct
# pages, a swap_file that exists (a link, a directory, a device, a FIFO,
# someone else's file, a file with contents) or is relative, a zone_split
# that wraps or leaves Normal too small for the module itself.
. "$(dirname "$0")/tap.sh"
KL=/sys/kernel/debug/kmemleak
CYCLES=${1:-4}
case $CYCLES in '' | *[!0-9]*) echo "module_load.sh: CYCLES is a whole number" >&2; exit 2 ;; esac

dev_mode_is() { [ -c /dev/shadowmm ] && [ "$(stat -c %a /dev/shadowmm)" = "$1" ]; }
dev_owner_root() { [ "$(stat -c %u:%g /dev/shadowmm)" = 0:0 ]; }
param_is() { [ "$(cat /sys/module/shadowmm/parameters/$1)" = "$2" ]; }
gone() {
	[ ! -e /dev/shadowmm ] && [ ! -e /sys/kernel/debug/shadowmm ] &&
		[ ! -e /sys/module/shadowmm ]
}

cycles() {
	i=0
	while [ $i -lt "$CYCLES" ]; do
		insmod $MOD || return 1
		[ -c /dev/shadowmm ] || return 1
		rmmod shadowmm || return 1
		i=$((i + 1))
	done
}

no_leaks() {
	[ -w $KL ] || { echo "# kmemleak not available"; return 1; }
	sleep 6
	echo scan >$KL
	echo scan >$KL
	if grep -q 'unreferenced object' $KL; then
		say <$KL
		return 1
	fi
}

# knob_raw_refused <printf format>: those exact bytes, in one write(), are
# refused with EINVAL and the knobs file reads as before.
knob_raw_refused() {
	tap_before=$(cat "$D/knobs")
	# shellcheck disable=SC2059
	printf "$1" >/tmp/knob.line
	if dd if=/tmp/knob.line of="$D/knobs" bs=4096 2>/tmp/knob.err; then
		echo "# '$1' was accepted"
		return 1
	fi
	grep -q "Invalid argument" /tmp/knob.err || { say </tmp/knob.err; return 1; }
	[ "$(cat "$D/knobs")" = "$tap_before" ]
}

knob_is() { grep -qx "$1 $2" "$D/knobs"; }

# A command is one write() from the start of the file: a write at an offset
# (dd's seek), and a second write on the same open file, are refused with
# EINVAL and change nothing; the first write on that file still applies.
knob_write_at_offset_refused() {
	echo "lru_batch 15" >"$D/knobs" || return 1
	printf 'lru_batch 7\n' >/tmp/knob.line
	# 12 bytes, written at offset 12 (inside what the file reads).
	if dd if=/tmp/knob.line of="$D/knobs" bs=12 seek=1 conv=notrunc 2>/tmp/knob.err; then
		echo "# a write at offset 12 was accepted"
		return 1
	fi
	grep -q "Invalid argument" /tmp/knob.err || { say </tmp/knob.err; return 1; }
	knob_is lru_batch 15
}

knob_second_write_refused() {
	echo "lru_batch 15" >"$D/knobs" || return 1
	exec 4>"$D/knobs" || return 1
	printf 'lru_batch 7\n' >&4 || { exec 4>&-; return 1; }
	if printf '6\n' >&4 2>/tmp/knob.err; then
		exec 4>&-
		echo "# a second write on the same open file was accepted"
		return 1
	fi
	exec 4>&-
	knob_is lru_batch 7 || return 1
	echo "lru_batch 15" >"$D/knobs"
}

knob_lru_batch_5() {
	echo "lru_batch 5" >"$D/knobs" && knob_is lru_batch 5 &&
		echo "lru_batch 15" >"$D/knobs" && knob_is lru_batch 15
}

# A Reserved range of /proc/iomem above the last System RAM (a memmap=
# beyond the end of memory; QEMU's AMD CPUs also reserve a HyperTransport
# hole at 1012 GiB): "BASE SIZE" of 4 MiB in it, or nothing.
beyond_ram_range() {
	ram_end=0
	while IFS= read -r line; do
		case $line in
		" "*) continue ;;
		*": System RAM") r=${line%% :*}; ram_end=$((0x${r#*-})) ;;
		esac
	done </proc/iomem
	while IFS= read -r line; do
		case $line in
		" "*) continue ;;
		*": Reserved")
			r=${line%% :*}
			s=$((0x${r%-*})) e=$((0x${r#*-}))
			b=$(((s + 0x3fffff) & ~0x3fffff))
			if [ "$s" -gt "$ram_end" ] && [ $((b + 0x400000 - 1)) -le "$e" ]; then
				printf '0x%x 0x400000\n' "$b"
				return
			fi
			;;
		esac
	done </proc/iomem
}

# swap_refused <reason> <path>: a load with swap_file=<path> is refused
# with "swap_file=<path> is refused: <reason>".
swap_refused() {
	refused "swap_file=$2 is refused: $1" swap_mb=8 "swap_file=$2"
}

# same <file> <copy>: the file still holds exactly what it held.
same() { [ -f "$1" ] && cmp -s "$1" "$2"; }

SW=/tmp/smm-swap
swap_setup() {
	rm -rf $SW.*
	printf 'not yours\n' >$SW.target
	cp $SW.target $SW.target.copy
	ln -s $SW.target $SW.link
	ln -s $SW.nowhere $SW.dangling
	mkdir $SW.dir
	mkfifo $SW.fifo
	: >$SW.user
	chown 1000:1000 $SW.user
	printf 'contents\n' >$SW.full
	cp $SW.full $SW.full.copy
	: >$SW.empty
}

# The module's own file: a root-only regular file of swap_mb, gone at unload.
swap_file_own() {
	insmod "$MOD" swap_mb=8 swap_file=$SW.new || return 1
	st=$(stat -c '%F %a %u %s' $SW.new)
	rmmod shadowmm || return 1
	[ "$st" = "regular file 600 0 8388608" ] || { echo "# $SW.new: $st"; return 1; }
	[ ! -e $SW.new ] || { echo "# $SW.new stayed behind"; return 1; }
}

# A loader under a file-size limit below the store's (ulimit -f 1024):
# the module sizes its file in its own worker, so the loader's limit
# neither refuses the load nor kills the loader with SIGXFSZ.
swap_file_under_fsize_limit() {
	(ulimit -f 1024 && exec insmod "$MOD" swap_mb=8 swap_file=$SW.limited) ||
		{ echo "# the load under ulimit -f 1024 failed"; return 1; }
	st=$(stat -c %s $SW.limited)
	rmmod shadowmm || return 1
	[ "$st" = 8388608 ] || { echo "# $SW.limited: $st bytes"; return 1; }
}

# A load that fails after the file was made removes it again.
swap_file_removed_on_failure() {
	refused "zone_split=0,1,99 is invalid for this region" size_mb=16 \
		zone_split=0,1,99 swap_mb=8 swap_file=$SW.late || return 1
	[ ! -e $SW.late ] || { echo "# $SW.late stayed behind"; return 1; }
}

# A split just large enough loads, and an open() of the device works.
small_normal_works() {
	insmod "$MOD" size_mb=64 zone_split=0,13,87 || return 1
	echo data >/dev/shadowmm
	rc=$?
	rmmod shadowmm && [ $rc -eq 0 ]
}

# 1 % of 64 MiB rounds to no 4 MiB block: the cuts stay exact, so every
# node's Normal zone keeps its share (about 82 frames), enough to load.
one_percent_normal_kept() {
	insmod "$MOD" size_mb=64 zone_split=0,1,99 || return 1
	normal=$(awk '/zone +Normal/ { z = 1; next } /zone/ { z = 0 }
		z && $1 == "managed" { n++; if ($2 > 0) ok++ }
		END { print n + 0, ok + 0 }' /sys/kernel/debug/shadowmm/zoneinfo)
	echo data >/dev/shadowmm
	rc=$?
	rmmod shadowmm || return 1
	# shellcheck disable=SC2086
	set -- $normal
	[ "$1" -ge 1 ] && [ "$1" = "$2" ] && [ $rc -eq 0 ] ||
		{ echo "# Normal zones: $1, with frames: $2; write status $rc"; return 1; }
}

echo "TAP version 13"
echo "1..53"
check "insmod with defaults" insmod $MOD
check "/dev/shadowmm is a char device with mode 0600" dev_mode_is 600
check "/dev/shadowmm is owned by root" dev_owner_root
check "debugfs directory exists" test -d /sys/kernel/debug/shadowmm
# The descriptors' cache is made when the device is opened, not by the
# first mmap(): making a cache creates its debugfs directory under the
# slab/ directory's inode lock, which the kernel takes before the
# mmap_lock that ->mmap holds.
vma_cache_at_open() {
	[ ! -d /sys/kernel/debug/shadowmm/slab/shadowmm_vma ] || {
		echo "# shadowmm_vma exists before any open"
		return 1
	}
	exec 5<>/dev/shadowmm || return 1
	exec 5<&-
	[ -d /sys/kernel/debug/shadowmm/slab/shadowmm_vma ]
}
check "the mapping descriptors' cache is made at open, before any mmap_lock" vma_cache_at_open
check "debugfs: vmas and region (addresses of every process and of the region) are root-only" \
	sh -c '[ "$(stat -c %a /sys/kernel/debug/shadowmm/vmas)" = 400 ] &&
		[ "$(stat -c %a /sys/kernel/debug/shadowmm/region)" = 400 ]'
check "parameter size_mb reads 64" param_is size_mb 64
check "parameter dev_mode reads 0600" param_is dev_mode 0600
check "knobs: lru_batch 5 with a newline applies" knob_lru_batch_5
check "knobs: lru_batch 2^64+4 is refused, not wrapped" \
	knob_raw_refused 'lru_batch 18446744073709551620\n'
check "knobs: lru_batch 2^32+4 is refused, not truncated" \
	knob_raw_refused 'lru_batch 4294967300\n'
check "knobs: lru_batch 64 is refused" knob_raw_refused 'lru_batch 64\n'
check "knobs: text after the newline is refused" knob_raw_refused 'lru_batch 5\nfoo'
check "knobs: a second line is refused" knob_raw_refused 'lru_batch 5\nlru_batch 6\n'
check "knobs: a second value is refused" knob_raw_refused 'lru_batch 5 6\n'
check "knobs: text after a NUL byte is refused" knob_raw_refused 'lru_batch 5\000junk'
check "knobs: a write at an offset is refused" knob_write_at_offset_refused
check "knobs: a second write on one open file is refused" knob_second_write_refused
check "rmmod" rmmod shadowmm
check "unload removes device, debugfs and sysfs entries" gone
[ -w $KL ] && echo clear >$KL
check "$CYCLES load/unload cycles" cycles
if [ -e $KL ]; then
	check "kmemleak finds nothing after $CYCLES cycles" no_leaks
else
	skip "kmemleak finds nothing after $CYCLES cycles" "$(uname -r) has no kmemleak"
fi
check "size_mb=0 refused with a message" refused "size_mb=0 is invalid" size_mb=0
check "size_mb=5000 refused with a message" refused "size_mb=5000 is invalid" size_mb=5000
check "size_mb=abc refused with a message" refused "size_mb=abc is invalid" size_mb=abc
check "dev_mode=0777 refused with a message" refused "dev_mode=0777 is invalid" dev_mode=0777
check "zone_split=0,4294967396,0 refused, not truncated to 0,100,0" \
	refused "zone_split=0,4294967396,0 is invalid" zone_split=0,4294967396,0
check "zone_split=4294967306,60,30 refused" \
	refused "zone_split=4294967306,60,30 is invalid" zone_split=4294967306,60,30
check "zone_split=0,1,99 size_mb=16 refused: Normal too small for the module" \
	refused "zone_split=0,1,99 is invalid for this region" zone_split=0,1,99 size_mb=16
check "zone_split=0,1,99 size_mb=64 loads: Normal keeps its 1 % where blocks would leave none" \
	one_percent_normal_kept
check "zone_split=1,1,98 size_mb=4 refused: Normal too small for the module" \
	refused "zone_split=1,1,98 is invalid for this region" zone_split=1,1,98 size_mb=4
check "zone_split=0,13,87 size_mb=64 loads and open() works" small_normal_works
range=$(beyond_ram_range)
if [ -n "$range" ]; then
	# shellcheck disable=SC2086
	set -- $range
	check "a Reserved range beyond RAM ($1) is refused: no struct pages" \
		refused "phys_base=.* phys_size=.* is refused: the range has no struct page" \
		phys_base="$1" phys_size="$2"
else
	ok "a Reserved range beyond RAM is refused # SKIP no Reserved range above RAM in /proc/iomem"
fi
swap_setup
check "swap_file: a relative path is refused" \
	refused "swap_file=tmp/smm-swap.rel is invalid" swap_mb=8 swap_file=tmp/smm-swap.rel
check "swap_file: a symbolic link is refused" swap_refused "it is a symbolic link" $SW.link
check "swap_file: the link's target is untouched" same $SW.target $SW.target.copy
check "swap_file: a dangling link is refused" swap_refused "it is a symbolic link" $SW.dangling
check "swap_file: a dangling link's target is not created" test ! -e $SW.nowhere
check "swap_file: a directory is refused" swap_refused "it is a directory" $SW.dir
check "swap_file: /dev/null is refused" swap_refused "it is a device" /dev/null
check "swap_file: /dev/null is still a device" test -c /dev/null
check "swap_file: a FIFO is refused" swap_refused "it is a FIFO" $SW.fifo
check "swap_file: a file of uid 1000 is refused" \
	swap_refused "it is owned by uid 1000, not root" $SW.user
check "swap_file: the uid 1000 file is untouched" \
	test "$(stat -c '%u %s' $SW.user)" = "1000 0"
check "swap_file: a file with contents is refused" swap_refused "it is not empty" $SW.full
check "swap_file: the file with contents is untouched" same $SW.full $SW.full.copy
check "swap_file: an empty root-owned file is refused" \
	swap_refused "it already exists" $SW.empty
check "swap_file: the empty file stays empty" test ! -s $SW.empty
check "swap_file: created root-only, sized, removed at unload" swap_file_own
check "swap_file: a second load on the same path works" swap_file_own
check "swap_file: a loader under ulimit -f 1024 gets the whole file" \
	swap_file_under_fsize_limit
check "swap_file: removed when the load fails after creating it" \
	swap_file_removed_on_failure
rm -rf $SW.*
if insmod $MOD dev_mode=0660 && dev_mode_is 660 && rmmod shadowmm; then
	ok "dev_mode=0660 gives a 0660 device"
else
	not_ok "dev_mode=0660 gives a 0660 device"
	rmmod shadowmm 2>/dev/null
fi
tap_done
