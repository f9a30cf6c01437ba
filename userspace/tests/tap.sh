# shellcheck shell=sh
# Helpers for the shell TAP tests: source it, call `check`, end with
# `tap_done` (exit status 0 only when every check passed).
MOD=${SMM_MODDIR:-/modules}/shadowmm.ko
BENCH=${SMM_MODDIR:-/modules}/shadowmm_bench.ko
D=/sys/kernel/debug/shadowmm
tap_n=0
tap_fails=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n $1"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fails=$((tap_fails + 1)); echo "not ok $tap_n $1"; }

# skip <description> <why>: a check this kernel cannot run (a kernel
# without the feature it needs), counted as skipped.
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n $1 # SKIP $2"; }

# check <description> <command...>
check() {
	tap_d=$1
	shift
	if "$@"; then ok "$tap_d"; else not_ok "$tap_d"; fi
}

# say: indent a diagnostic as TAP comments
say() { sed 's/^/# /'; }

# The shell's read, not grep: a fork and an exec cost a tenth of a second
# under emulation with KASAN, and the tests ask often.
loaded() {
	while read -r tap_mod _; do
		[ "$tap_mod" = shadowmm ] && return 0
	done </proc/modules
	return 1
}

# load_with_bench [params...]: shadowmm.ko, then shadowmm_bench.ko (the
# burst knobs); both or neither.
load_with_bench() {
	insmod "$MOD" "$@" || return 1
	insmod "$BENCH" && return 0
	rmmod shadowmm
	return 1
}

# unload_with_bench: both again, shadowmm_bench.ko first.
unload_with_bench() { rmmod shadowmm_bench && rmmod shadowmm; }

# refused <message regex> <params...>: the load fails, loads nothing, and
# the kernel log says why in a line matching "shadowmm: <regex>".  One
# finit_module() (smm_load): busybox's insmod would load the module a
# second time after the refusal, which costs a second under KASAN.
refused() {
	tap_re=$1
	shift
	dmesg -c >/dev/null
	if [ "$(smm_load "$MOD" "$@")" = loaded ]; then
		rmmod shadowmm
		echo "# the load with $* succeeded"
		return 1
	fi
	loaded && { echo "# module stayed loaded"; return 1; }
	dmesg | grep -q "shadowmm: $tap_re" || {
		echo "# no message matching '$tap_re' in:"
		dmesg | say
		return 1
	}
}

# knob_refused <line>: writing it to knobs fails with EINVAL and changes
# nothing.
knob_refused() {
	tap_before=$(cat "$D/knobs")
	if echo "$1" >"$D/knobs" 2>/tmp/knob.err; then
		echo "# '$1' was accepted"
		return 1
	fi
	grep -q "Invalid argument" /tmp/knob.err || { say </tmp/knob.err; return 1; }
	[ "$(cat "$D/knobs")" = "$tap_before" ]
}

tap_done() { [ $tap_fails -eq 0 ]; }

# hold_pages <dir> <pages> [steps...]: smm_map maps and writes that many
# pages, then waits in its run step until release_pages (the steps after
# it run then).  $hold_pid is its pid, <dir>/map.out its output.  Fails,
# showing that output, when it did not get to its run step.
hold_pages() {
	hold_dir=$1 hold_n=$2
	shift 2
	rm -f "$hold_dir/mapped" "$hold_dir/release"
	smm_map map "$hold_n" touch \
		run "touch $hold_dir/mapped; while [ ! -e $hold_dir/release ]; do sleep 0.1; done" \
		"$@" >"$hold_dir/map.out" 2>&1 &
	hold_pid=$!
	tap_i=0
	while [ ! -e "$hold_dir/mapped" ] && [ $tap_i -lt 1200 ] && kill -0 $hold_pid 2>/dev/null; do
		sleep 0.1
		tap_i=$((tap_i + 1))
	done
	[ -e "$hold_dir/mapped" ] ||
		{ echo "# smm_map did not get to its run step:"; say <"$hold_dir/map.out"; return 1; }
}

# release_pages: the holder goes on and ends; its exit status.
release_pages() {
	touch "$hold_dir/release"
	wait $hold_pid
}
