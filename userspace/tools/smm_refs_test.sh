#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# smm_refs and policy_bench's trace reader on the host: a recorded
# trace-cmd report (testdata/refs/report.txt) becomes exactly the trace it
# should, policy_bench simulates that trace to the misses worked out by
# hand, and both refuse what they must.
#
#   userspace/tools/smm_refs_test.sh [SMM_REFS POLICY_BENCH]
#
# Without the binaries, both are built into a temporary directory.  Prints
# TAP; exits 0 only when every check passed.
#
# Checks are eval of single-quoted strings, expanded when they run.
# shellcheck disable=SC2016,SC2034
set -u

here=$(cd "$(dirname "$0")" && pwd)
data=$here/testdata/refs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

refs=${1:-} bench=${2:-}
if [ -z "$refs" ] || [ -z "$bench" ]; then
	make -s -C "$here/.." O="$tmp/build" "$tmp/build/tools/smm_refs" \
		"$tmp/build/bench/policy_bench" >&2 || exit 1
	refs=$tmp/build/tools/smm_refs bench=$tmp/build/bench/policy_bench
fi

n=0 failed=0
echo "1..20"
check() {
	local d=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/why" 2>&1; then
		echo "ok $n $d"
	else
		failed=$((failed + 1))
		echo "not ok $n $d"
		sed 's/^/# /' "$tmp/why"
	fi
}

# same FILE EXPECTED-TEXT: FILE holds exactly that text
same() { diff -u <(printf '%s\n' "$2") "$1"; }

# status N CMD...: CMD exits with N, its stderr in $tmp/err
status() {
	local want=$1 rc=0
	shift
	"$@" >/dev/null 2>"$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit status $rc, expected $want"; cat "$tmp/err"; return 1; }
}

# The faults of object 7 after the mark, one retried fault merged and
# object 8's left out: pages 0 3 1 2 0 3 4 0.
check "the report after the mark becomes the expected trace" \
	eval '"$refs" -n demo -b "smm_workload: begin" <"$data/report.txt" >"$tmp/demo.trace" &&
		diff -u "$data/demo.trace" "$tmp/demo.trace"'
check "every fault of the object from the start, without a mark" \
	eval '"$refs" -n all <"$data/report.txt" | tail -n +2 >"$tmp/all" &&
		same "$tmp/all" "$(printf "name all\npages 5\n+0\n+1\n+1\n-2\n+3\n-2\n+1\n-2\n+3\n+1\n-4")"'
check "-O picks another object" \
	eval '"$refs" -n eight -O 8 <"$data/report.txt" | tail -n +2 >"$tmp/eight" &&
		same "$tmp/eight" "$(printf "name eight\npages 10\n+9")"'
check "-m keeps the first references and says how many there were" \
	eval '"$refs" -n few -m 3 <"$data/report.txt" | tail -n +2 >"$tmp/few" &&
		same "$tmp/few" "$(printf "# the first 3 of the 11 recorded\nname few\npages 3\n+0\n+1\n+1")"'
# Worked out by hand for 3 frames after the first pass over pages 0..4.
check "policy_bench simulates the trace: FIFO 6, LRU 6, OPT 3 misses" \
	eval '"$bench" -S -F 3 -p none -t "$data/demo.trace" >"$tmp/sim" &&
		grep -Eq "^demo +5 +8 \| +6 +6 +3 \|" "$tmp/sim" || { cat "$tmp/sim"; false; }'
check "a report that lost events is refused" \
	eval '{ cat "$data/report.txt"; echo "CPU:1 [LOST 12 EVENTS]"; } >"$tmp/lost" &&
		status 1 "$refs" -n x <"$tmp/lost" && grep -q "lost events" "$tmp/err"'
check "a mark that never comes is refused" \
	eval 'status 1 "$refs" -n x -b "no such mark" <"$data/report.txt" &&
		grep -q "no line contains the mark" "$tmp/err"'
check "a name with a blank is refused with the usage" \
	eval 'status 2 "$refs" -n "a b" <"$data/report.txt" && grep -q "^usage:" "$tmp/err"'
check "policy_bench refuses a reference beyond the trace's pages" \
	eval 'printf "name x\npages 3\n+1\n+2\n" >"$tmp/big.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/big.trace" &&
		grep -q "big.trace:4: not a trace line" "$tmp/err"'
check "policy_bench refuses a line that is not a number" \
	eval 'printf "name x\npages 3\n+1\nfoo\n" >"$tmp/bad.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/bad.trace" &&
		grep -q "bad.trace:4: not a trace line" "$tmp/err"'
check "policy_bench refuses a trace without pages" \
	eval 'printf "name x\n+1\n" >"$tmp/nopages.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/nopages.trace"'
check "policy_bench refuses a second pages line, which would unbound the first's references" \
	eval 'printf "name x\npages 100\n+50\npages 10\n+1\n" >"$tmp/twice.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/twice.trace" &&
		grep -q "twice.trace:4: not a trace line" "$tmp/err"'
check "policy_bench refuses a name that would split its CSV field" \
	eval 'printf "name a,b\npages 3\n+1\n" >"$tmp/comma.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/comma.trace" &&
		grep -q "comma.trace:1: not a trace line" "$tmp/err"'

# policy_bench reads a line at a time into 256 bytes: a longer comment
# (smm_refs -c) was cut in two and its rest refused, a longer reference
# line read as two references.
long=$(printf '%0300d' 0)
check "policy_bench skips a comment longer than its line buffer" \
	eval '{ echo "# $long tail"; tail -n +2 "$data/demo.trace"; } >"$tmp/longc.trace" &&
		"$bench" -S -F 3 -p none -t "$tmp/longc.trace" >"$tmp/sim" &&
		grep -Eq "^demo +5 +8 \| +6 +6 +3 \|" "$tmp/sim" || { cat "$tmp/sim"; false; }'
check "policy_bench refuses a longer reference line, saying so" \
	eval 'printf "name x\npages 3\n+%s1\n" "$long" >"$tmp/longr.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/longr.trace" &&
		grep -q "longr.trace:3: a line longer than 254 characters" "$tmp/err"'
# A delta past 64 bits (ERANGE), or one whose sum with the page before
# would overflow (undefined; a sanitizer build stops there).
check "policy_bench refuses deltas out of range, before adding them" \
	eval 'printf "name x\npages 3\n+1\n+99999999999999999999\n" >"$tmp/erange.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/erange.trace" &&
		grep -q "erange.trace:4: not a trace line" "$tmp/err" &&
		printf "name x\npages 3\n+1\n+9223372036854775807\n" >"$tmp/wrap.trace" &&
		status 2 "$bench" -S -p none -t "$tmp/wrap.trace" &&
		grep -q "wrap.trace:4: not a trace line" "$tmp/err"'
# strtoull() took "-5" as 2^64 - 5 and skipped blanks.
check "smm_refs refuses a sign or a blank before -m and -O" \
	eval 'status 2 "$refs" -n x -m -5 <"$data/report.txt" &&
		grep -q "^smm_refs: -m: not a decimal count in range: -5" "$tmp/err" &&
		status 2 "$refs" -n x -O " 7" <"$data/report.txt" &&
		grep -q "^smm_refs: -O: not a decimal count in range:  7" "$tmp/err" &&
		status 2 "$refs" -n x -O +7 <"$data/report.txt"'
check "smm_refs refuses -m past 64 bits" \
	eval 'status 2 "$refs" -n x -m 99999999999999999999 <"$data/report.txt" &&
		grep -q "^usage:" "$tmp/err"'
c200=$(printf "%0200d" 0)
check "smm_refs takes a comment of 200 characters, the documented most" \
	eval '"$refs" -n demo -b "smm_workload: begin" -c "$c200" <"$data/report.txt" >"$tmp/c200.trace" &&
		grep -qx "# $c200" "$tmp/c200.trace"'
check "smm_refs refuses a longer comment, saying so" \
	eval 'status 2 "$refs" -n x -c "${c200}1" <"$data/report.txt" &&
		grep -q "^smm_refs: -c: at most 200 characters, 201 given" "$tmp/err"'
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
