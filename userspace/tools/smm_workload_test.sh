#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# smm_workload on the host, in private anonymous memory (--anon): no module,
# no VM.  Each workload at a small size with its summary line and the
# arena's structure checked (-c), the allocator's self-test, determinism by
# seed, and the error cases (a bad argument, a too small arena, no device).
#
#   userspace/tools/smm_workload_test.sh [SMM_WORKLOAD]
#
# SMM_WORKLOAD (or $SMM_WORKLOAD): the binary; without it smm_workload is
# built into a temporary directory.  Prints TAP and ends with "N passed,
# N failed"; exits 0 only when every check passed.
#
# Checks are commands run by check(); many are eval of a single-quoted
# string, expanded when the check runs.
# shellcheck disable=SC2016
set -u

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin=${1:-${SMM_WORKLOAD:-}}
if [ -z "$bin" ]; then
	make -s -C "$here/.." O="$tmp/build" "$tmp/build/tools/smm_workload" >&2 || exit 1
	bin=$tmp/build/tools/smm_workload
fi
[ -x "$bin" ] || { echo "smm_workload_test: $bin is not executable" >&2; exit 1; }

# shellcheck source=userspace/tools/host_tap.sh
. "$here/host_tap.sh"

# has FILE REGEX: FILE has a line that REGEX (extended) matches whole
has() {
	grep -qxE -- "$2" "$1" && return 0
	echo "# no line matching \"$2\" in:"
	say <"$1"
	return 1
}

# done_ok SUMMARY: exit 0, the summary line, the arena's structure checked
# at the peak and the end, the high-water line last
done_ok() {
	status 0 && has "$tmp/out" "$1" &&
		has "$tmp/out" 'arena: peak: [0-9]+ blocks, structure ok' &&
		has "$tmp/out" 'arena: end: [0-9]+ blocks, structure ok' &&
		tail -n 1 "$tmp/out" | grep -qE \
			'^arena: high-water [0-9.]+ MiB, [0-9.]+ MiB touched, libc heap [0-9]+ KiB, [0-9.]+ s$'
}

# exhausted MB: exit 1, stderr the one line saying the arena of MB MiB ran out
exhausted() {
	status 1 && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		has "$tmp/err" "smm_workload: the arena \\($1 MiB\\) is exhausted: no room for [0-9]+ bytes at [0-9.]+ MiB high-water"
}

# usage_error TEXT: exit 2, nothing on stdout, TEXT then the usage on stderr
usage_error() {
	status 2 && [ ! -s "$tmp/out" ] && has "$tmp/err" "smm_workload: $1" &&
		has "$tmp/err" 'usage: smm_workload .*sort\|xz\|sqlite.*'
}

# sort
run --anon -c sort -n 1000
check "sort: 1000 records" eval \
	'done_ok "sort: 1000 records, 0\\.1 MiB, sorted, checksum ok"'
run --anon -c sort -n 1
check "sort: one record" eval 'done_ok "sort: 1 records, 0\\.0 MiB, sorted, checksum ok"'
run --anon -c sort -n 4097 -s 12345
check "sort: an odd count, another seed" eval \
	'done_ok "sort: 4097 records, 0\\.4 MiB, sorted, checksum ok"'

# xz
run --anon -c xz -n 64K
check "xz: 64 KiB at preset 6" eval \
	'done_ok "xz: 65536 bytes of text, [0-9]+ compressed \\(preset 6\\), decompressed, every byte ok"'
run --anon -c -l 1 xz -n 100001
check "xz: an odd size at preset 1" eval \
	'done_ok "xz: 100001 bytes of text, [0-9]+ compressed \\(preset 1\\), decompressed, every byte ok"'
run --anon -l 0 xz -n 32K -s 5
sed -n 's/^xz: //p' "$tmp/out" >"$tmp/seed5a"
run --anon -l 0 xz -n 32K -s 5
sed -n 's/^xz: //p' "$tmp/out" >"$tmp/seed5b"
run --anon -l 0 xz -n 32K -s 6
sed -n 's/^xz: //p' "$tmp/out" >"$tmp/seed6"
check "xz: the same seed, the same text; another, another" eval \
	'[ -s "$tmp/seed5a" ] && cmp -s "$tmp/seed5a" "$tmp/seed5b" && ! cmp -s "$tmp/seed5a" "$tmp/seed6"'

# sqlite
run --anon -c sqlite -n 300
check "sqlite: 300 customers" eval \
	'done_ok "sqlite: 300 customers, 3000 orders, 1500 lookups, join by region, results ok"'
run --anon -c sqlite -n 1 -s 99
check "sqlite: one customer" eval \
	'done_ok "sqlite: 1 customers, 10 orders, 5 lookups, join by region, results ok"'

# the allocator alone
run --anon --self-test -n 50000
check "self-test: random malloc, free and realloc in a full arena" eval '
	status 0 &&
	has "$tmp/out" "self-test: 50000 operations, [1-9][0-9]* refused \\(arena full\\), arena consistent"'

# errors
run --anon -m 1 sort -n 100000
check "sort: a too small -m says the arena is exhausted" eval 'exhausted 1'
run --anon -m 4 xz -n 64K
check "xz: a too small -m fails liblzma's allocation, says so" eval 'exhausted 4'
run --anon -m 1 sqlite -n 2000
check "sqlite: a too small -m fails SQLite's allocation, says so" eval 'exhausted 1'
run --anon bogus
check "a bad workload: exit 2 and the usage" eval 'usage_error "no such workload: bogus"'
run --anon sort -n 0
check "a bad -n: exit 2 and the usage" eval \
	'usage_error "not a number, or not one it can take: 0"'
run --anon
check "no workload: exit 2 and the usage" eval 'usage_error "no workload"'
if [ -e /dev/shadowmm ]; then
	ok "no /dev/shadowmm: exit 1 # SKIP /dev/shadowmm exists"
else
	run sort -n 10
	check "no /dev/shadowmm: exit 1, says so" eval \
		'status 1 && has "$tmp/err" "smm_workload: /dev/shadowmm: No such file or directory"'
fi

# strtoull() skips blanks and takes a sign; base 0 reads "010" as 8.
run --anon sort -n ' -1'
check "a blank and a sign before a number: exit 2 and the usage" eval \
	'usage_error "not a number, or not one it can take:  -1"'
run --anon -c sort -n 010
check "a leading 0 is decimal, not octal" eval \
	'done_ok "sort: 10 records, 0\\.0 MiB, sorted, checksum ok"'

run --anon -w 16 sort -n 10
check "-w with --anon: exit 2 and the usage" eval \
	'usage_error "-w sets shadowmm'"'"'s fault window: --anon'"'"'s memory has none"'
if [ -e /sys/kernel/debug/shadowmm/knobs ]; then
	ok "-w without the module: exit 1 # SKIP shadowmm's knobs file exists"
else
	run -w 16 sort -n 10
	check "-w without the module: exit 1 before the work, names the knob" eval \
		'status 1 && has "$tmp/err" "smm_workload: -w: reading the knob fault_window: .*" &&
		[ ! -s "$tmp/out" ]'
fi

# -w's knob is the pool's: it goes back to what it was on every way out.
# A file stands for the device (SMM_WORKLOAD_DEV, MAP_SHARED) and another
# for the knobs (in SMM_WORKLOAD_DEBUGFS): a write lands at its start, so
# its first line is the last one written.
mkdir "$tmp/dfs"
printf 'watermark_scale_factor 10\nlru_batch 15\nfault_window 8\nfault_order 0\n' >"$tmp/knobs"
# fake_run DEVICE-SIZE ARGS...: the workload on fresh files, in the background
fake_run() {
	cp "$tmp/knobs" "$tmp/dfs/knobs"
	rm -f "$tmp/dev"
	truncate -s "$1" "$tmp/dev"
	shift
	SMM_WORKLOAD_DEV=$tmp/dev SMM_WORKLOAD_DEBUGFS=$tmp/dfs "$bin" "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
}
# knob_is LINE: the last line written to the knobs
knob_is() {
	[ "$(head -n 1 "$tmp/dfs/knobs")" = "$1" ] && return 0
	echo "# the knob: \"$(head -n 1 "$tmp/dfs/knobs")\", expected \"$1\""
	return 1
}
fake_run 4M -c -w 16 sort -n 1000
wait $pid
rc=$?
check "-w: the window's knob back to its value before at the end" eval \
	'done_ok "sort: 1000 records, 0\\.1 MiB, sorted, checksum ok" && knob_is "fault_window 8"'
# liblzma's encoder, which does not fit, is made after the mark.
fake_run 4M -w 16 -m 4 xz -n 64K
wait $pid
rc=$?
check "-w: the knob back after an error past the mark (exit)" eval \
	'exhausted 4 && knob_is "fault_window 8"'
# The encoder's tables lie past the device file's 1 MiB: SIGBUS.
fake_run 1M -w 16 xz -n 64K
wait $pid
rc=$?
check "-w: the knob back after SIGBUS" eval \
	'status 1 && has "$tmp/err" "smm_workload: SIGBUS: .*" && knob_is "fault_window 8"'
# window_set: wait (10 s at most) until the run has set the window
window_set() {
	i=0
	while ! knob_is "fault_window 16" >/dev/null && kill -0 $pid 2>/dev/null && [ $i -lt 1000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
}
# signalled SIG: a run sent SIG once its window is set (the queries take
# about a second); its status in rc.  Without sh's "Terminated" on stderr.
signalled() {
	fake_run 128M -w 16 sqlite -n 20000
	window_set
	kill -"$1" $pid
	wait $pid 2>/dev/null
	rc=$?
}
signalled TERM
check "-w: the knob back after SIGTERM, which still ends it" eval \
	'status 143 && knob_is "fault_window 8"'
# A SIGHUP ignored on entry (nohup) stays ignored: the run goes on.
trap '' HUP
signalled HUP
trap - HUP
check "-w: a SIGHUP ignored on entry stays ignored; the knob back at the end" eval \
	'status 0 && knob_is "fault_window 8"'

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
