# shellcheck shell=sh
# Helpers for VM plans.  Output for the host goes to fd 3, the results
# channel; every record is framed by "@@SMM" marker lines:
#   @@SMM BOOT <uname -r>
#   @@SMM BEGIN <ktap|tap|log|dmesg|kmemleak|file> <name>
#   @@SMM END <kind> <name> <exit status>
#   @@SMM CHECK <ok|fail> <description>
#   @@SMM SKIP <description> # <why>
#   @@SMM DONE
SMM_MODDIR=${SMM_MODDIR:-/modules}
SMM_KUNIT_DIR=/sys/kernel/debug/kunit

smm_open_channel() {
	if [ -c /dev/ttyS1 ]; then
		stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
		exec 3>/dev/ttyS1
	else
		exec 3>/dev/console
	fi
}

smm_mark() {
	echo "@@SMM $*" >&3
}

# smm_check <description> <command...>: one pass/fail line for the host.
smm_check() {
	local desc=$1
	shift
	if "$@" >/tmp/smm_check.out 2>&1; then
		smm_mark CHECK ok "$desc"
		return 0
	fi
	smm_mark CHECK fail "$desc"
	smm_mark BEGIN log "$desc"
	cat /tmp/smm_check.out >&3
	smm_mark END log "$desc" 1
	return 1
}

# smm_skip <description> <why>: a check this kernel cannot run, and why.
smm_skip() {
	smm_mark SKIP "$1 # $2"
}

# smm_tap <name> <command...>: run a program that prints TAP.
smm_tap() {
	local name=$1 rc l t
	shift
	smm_mark BEGIN tap "$name"
	smm_kmsg "$name begins"
	# Each case a kselftest-harness test starts, and each check a shell
	# test ends, is named in the kernel log too: a report there shows
	# which case ran, and the console how long each took.  Shell
	# builtins only: a fork costs a tenth of a second under emulation
	# with KASAN.
	{
		"$@" 2>&1
		echo "@smm-rc $?"
	} | while IFS= read -r l; do
		case $l in
		"#  RUN "*)
			t=${l#"#  RUN "}
			while [ "${t# }" != "$t" ]; do t=${t# }; done
			smm_kmsg "$name: ${t% ...}"
			;;
		"ok "* | "not ok "*)
			# A shell test's checks: the console shows each one's end.
			smm_kmsg "$name: $l"
			;;
		*"@smm-rc "*)
			# After output that did not end its last line.
			[ -z "${l%%@smm-rc *}" ] || echo "${l%%@smm-rc *}" >&3
			echo "${l##*@smm-rc }" >/tmp/smm_tap.rc
			# What a leftover process of the test still prints is
			# not waited for (it may be unkillable: the plan goes on).
			break
			;;
		esac
		printf '%s\n' "$l" >&3
	done
	read -r rc </tmp/smm_tap.rc 2>/dev/null || rc=1
	rm -f /tmp/smm_tap.rc
	smm_kmsg "$name ends, exit status $rc"
	smm_mark END tap "$name" $rc
	return $rc
}

# smm_kmsg <text>: a line in the kernel log, so the console shows which
# test ran when the kernel reported something, and how long each took.
smm_kmsg() {
	echo "shadowmm-vm: $*" 2>/dev/null >/dev/kmsg
}

# smm_log <name> <command...>: output shown to the user (demo, run).
smm_log() {
	local name=$1 rc
	shift
	smm_mark BEGIN log "$name"
	"$@" >&3 2>&1
	rc=$?
	smm_mark END log "$name" $rc
	return $rc
}

# smm_file <name> <path>: a file for the host (scripts/demo takes it out
# of results.log); the verdict neither judges nor shows it.
smm_file() {
	smm_mark BEGIN file "$1"
	cat "$2" >&3
	smm_mark END file "$1" $?
}

# smm_insmod <module> [params...]: load, reported as a check.
smm_insmod() {
	local mod=$1
	shift
	smm_check "insmod $mod $*" insmod "$SMM_MODDIR/$mod.ko" "$@"
}

smm_rmmod() {
	smm_check "rmmod $1" smm_rmmod_or_show "$1"
}

# An unload refused because something still holds the module: the user
# tasks left (a test's child that never exited), each with its state and
# kernel stack, where it is stuck.
smm_rmmod_or_show() {
	local d comm
	rmmod "$1" && return 0
	echo "tasks left besides the plan's shells, with their kernel stacks:"
	for d in /proc/[0-9]*; do
		# Kernel threads have no executable.
		readlink "$d/exe" >/dev/null 2>&1 || continue
		comm=$(cat "$d/comm" 2>/dev/null) || continue
		case $comm in init | sh | rmmod) continue ;; esac
		echo "${d#/proc/} $comm $(grep '^State:' "$d/status" 2>/dev/null)"
		head -n 16 "$d/stack" 2>/dev/null
	done
	return 1
}

# smm_kunit_results: hand the host the KTAP of every suite that ran.
smm_kunit_results() {
	local d s
	[ -d $SMM_KUNIT_DIR ] || return 0
	for d in $SMM_KUNIT_DIR/*/; do
		[ -f "$d/results" ] || continue
		s=$(basename "$d")
		smm_mark BEGIN ktap "$s"
		cat "$d/results" >&3
		smm_mark END ktap "$s" 0
	done
}

# smm_kunit_module <module> [params...]: load a module of KUnit suites
# (they run at load), collect their results, unload it.
smm_kunit_module() {
	smm_insmod "$@" || return
	smm_kunit_results
	smm_rmmod "$1"
}

smm_kmemleak_scan() {
	local kl=/sys/kernel/debug/kmemleak t0 left
	[ -w $kl ] || return 0
	# Two scans, so that what one finds unreferenced for a moment is not
	# reported.  Only objects 5 s old when a scan starts are reported:
	# the first scan runs while the last ones age, and the second starts
	# at least 6 s after the plan's end (date counts whole seconds).
	t0=$(date +%s)
	echo scan >$kl
	left=$((t0 + 7 - $(date +%s)))
	[ "$left" -le 0 ] || sleep "$left"
	echo scan >$kl
	smm_mark BEGIN kmemleak report
	cat $kl >&3
	smm_mark END kmemleak report 0
}

smm_finish() {
	smm_kmemleak_scan
	smm_mark BEGIN dmesg kernel
	dmesg >&3
	smm_mark END dmesg kernel 0
	smm_mark DONE
	# Closing the tty waits until the UART has sent every byte.
	exec 3>&-
	sync
	poweroff -f
}
