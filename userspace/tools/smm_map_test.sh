#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# smm_map's checks of its steps, on the host: no module, no VM.  Every
# step and number is checked before the device is opened, so a refused
# command line exits 2 here as it would in the VM, having done nothing.
#
#   userspace/tools/smm_map_test.sh [SMM_MAP]
#
# SMM_MAP (or $SMM_MAP): the binary; without it smm_map is built into a
# temporary directory.  Prints TAP and ends with "N passed, N failed";
# exits 0 only when every check passed.
#
# shellcheck disable=SC2016
set -u

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin=${1:-${SMM_MAP:-}}
if [ -z "$bin" ]; then
	make -s -C "$here/.." O="$tmp/build" "$tmp/build/tools/smm_map" >&2 || exit 1
	bin=$tmp/build/tools/smm_map
fi
[ -x "$bin" ] || { echo "smm_map_test: $bin is not executable" >&2; exit 1; }

# shellcheck source=userspace/tools/host_tap.sh
. "$here/host_tap.sh"

# refused TEXT: exit 2, nothing on stdout, the one line "smm_map: TEXT"
refused() {
	status 2 && [ ! -s "$tmp/out" ] && [ "$(cat "$tmp/err")" = "smm_map: $1" ] && return 0
	echo "# stderr:"
	say <"$tmp/err"
	return 1
}

# strtoul() reads "-1" as the largest number: page -1 plus 2 pages wrapped
# to 1 and passed the old check, unmapping the page below the mapping.
run map 4 unmap -1 2
check "a negative page is refused" refused "not a number in range: -1"
run map 4 unmap 3 2
check "pages past the mapping's end are refused" refused "beyond the mapping: unmap"
run map 4 protect 0 0
check "no page to act on is refused" refused "beyond the mapping: protect"
run unmap 0 1
check "an unmap before any map is refused" refused "beyond the mapping: unmap"
run map 4 unmap 0 4 map 2 protect 1 2
check "pages count from the latest mapping" refused "beyond the mapping: protect"
run map 99999999999999999999
check "a number past the largest is refused" refused "not a number in range: 99999999999999999999"
run map 4x
check "a number with a tail is refused" refused "not a number in range: 4x"
run map 0
check "a mapping of no page is refused" refused "map of no page"
run map 4 touch nosuchstep
check "an unknown step is refused before any other runs" refused "unknown step: nosuchstep"
run map 4 run
check "run without its command is refused" refused "missing command"
# touch writes every mapped page: one protect made read-only would end
# smm_map by SIGSEGV.
run map 4 protect 0 2 touch
check "a touch of a page protect made read-only is refused" \
	refused "touch would write a page protect made read-only: 0"
run map 4 protect 0 2 unmap 0 1 touch
check "pages unmapped since are left out, the others still refused" \
	refused "touch would write a page protect made read-only: 1"
run map 0x10 touch unmap 0xf 1 protect 0 15 write 3 read check show info unmap 0 15 touch \
	map 2 protect 0 1 map 1 touch
check "a line of every step within range passes the checks" eval 'status 1 ||
	{ [ "$rc" -ne 2 ] && [ -e /dev/shadowmm ]; } || { say <"$tmp/err"; false; }'

# run: a command that fails fails the demo.  SMM_MAP_DEV=/dev/null: the
# steps without shadowmm.
SMM_MAP_DEV=/dev/null "$bin" run true run 'echo ran' >"$tmp/out" 2>"$tmp/err"
rc=$?
check "run: commands that exit 0, exit 0" eval 'status 0 && grep -qx ran "$tmp/out"'
SMM_MAP_DEV=/dev/null "$bin" run 'exit 3' run 'echo ran' >"$tmp/out" 2>"$tmp/err"
rc=$?
check "run: a command that fails stops the steps, exit 1, says so" eval '
	status 1 && ! grep -q ran "$tmp/out" && [ "$(cat "$tmp/err")" = "smm_map: run exit 3: exit status 3" ]'
SMM_MAP_DEV=/dev/null "$bin" run 'kill -TERM $$' >"$tmp/out" 2>"$tmp/err"
rc=$?
check "run: a command killed by a signal, exit 1, says so" eval '
	status 1 && [ "$(cat "$tmp/err")" = "smm_map: run kill -TERM \$\$: killed by signal 15" ]'

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
