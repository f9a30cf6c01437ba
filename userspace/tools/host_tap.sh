# SPDX-License-Identifier: GPL-2.0
# The TAP helpers of the host-side tests of the tools (smmctl_test.sh,
# smm_workload_test.sh), sourced by them: POSIX sh.  The sourcing test
# sets $bin (the program under test) and $tmp (a scratch directory).
# shellcheck shell=sh disable=SC2154

n=0
passed=0
failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
say() { sed 's/^/# /'; }

# check DESCRIPTION COMMAND...: the command succeeds
check() {
	check_what=$1
	shift
	if "$@"; then ok "$check_what"; else not_ok "$check_what"; fi
}

# run ARGS...: $bin's stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# status N: the last run exited with N
status() {
	[ "$rc" -eq "$1" ] && return 0
	echo "# exit status $rc, expected $1"
	say <"$tmp/err"
	return 1
}
