#!/bin/sh
# TAP test, run in the test VM with shadowmm not loaded: suspend and
# hibernation against the module.  Its kswapd and kcompactd threads are
# freezable, as the kernel's are, and kswapd freezes in the middle of a
# balance run; a "reclaim N" knob run ends for the freezer, which would
# otherwise wait for it and fail; a pool of the reserved backend
# refuses hibernation, whose image would not hold its range.
#
# /sys/power/pm_test "freezer" stops suspend and hibernation right after
# every task is frozen: the kernel waits a few seconds and thaws them, so
# the machine never sleeps.  A kernel without it (no CONFIG_PM_DEBUG)
# skips the freezing checks; the thread flags are checked everywhere.
. "$(dirname "$0")/tap.sh"

P=/sys/power
T=/tmp/pm
PF_NOFREEZE=32768
# Pages of the 128 MiB pool (32768 frames) a program holds: nearly full.
HOLD=30000
mkdir -p $T

echo "1..7"

# flags <pid>: the task's flags (field 9 of /proc/PID/stat; the name in
# parentheses holds no blank for the threads looked at here).
flags() {
	read -r _ _ _ _ _ _ _ _ f _ <"/proc/$1/stat" && echo "$f"
}

# pid_of <comm>: the first task of that name.
pid_of() {
	for d in /proc/[0-9]*; do
		read -r c <"$d/comm" 2>/dev/null || continue
		[ "$c" = "$1" ] && { echo "${d#/proc/}"; return 0; }
	done
	return 1
}

# freezable <comm...>: each named thread is one the freezer freezes, as
# the kernel's kswapd0 is, where kthreadd (pid 2) is not: the reading of
# the flag is checked on both.
freezable() {
	[ $(($(flags 2) & PF_NOFREEZE)) -ne 0 ] || { echo "# kthreadd reads as freezable"; return 1; }
	for c in kswapd0 "$@"; do
		p=$(pid_of "$c") || { echo "# no thread $c"; return 1; }
		[ $(($(flags "$p") & PF_NOFREEZE)) -eq 0 ] ||
			{ echo "# $c (pid $p) is not freezable: flags $(flags "$p")"; return 1; }
	done
}

vmstat() { awk -v k="$1" '$1 == k { print $2 }' $D/vmstat; }

can_test() {
	[ -w $P/pm_test ] && grep -qw "$1" $P/state
}

# sleep_test <state>: suspend (freeze) or hibernate (disk) as far as the
# freezer, with a 5 s freeze timeout; the write's error, if any, in
# $T/sleep.err.
sleep_test() {
	# Without the test mode the write would really suspend, with nothing
	# to wake the machine.
	echo freezer >$P/pm_test || return 1
	echo 5000 >$P/pm_freeze_timeout || return 1
	echo 1 >/sys/module/suspend/parameters/pm_test_delay 2>/dev/null
	echo "$1" >$P/state 2>$T/sleep.err
	r=$?
	echo none >$P/pm_test
	return $r
}

# moving <counter>: the vmstat counter grows over the next 0.3 s.
moving() {
	m0=$(vmstat "$1")
	sleep 0.3
	[ "$(vmstat "$1")" != "$m0" ]
}

# wait_moving <counter>: up to 10 s for the counter to start growing.
wait_moving() {
	w0=$(vmstat "$1")
	i=0
	while [ "$(vmstat "$1")" = "$w0" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(vmstat "$1")" != "$w0" ]
}

# freeze_ok: suspend's freezer test succeeds, or says why not.
freeze_ok() {
	sleep_test freeze && return 0
	echo "# the freeze failed:"
	say <$T/sleep.err
	dmesg | grep -i -A3 "freezing.*failed" | say
	return 1
}

# kernel_threads_froze_in: how long the freezer waited for the kernel's
# threads, in milliseconds, from its log line ("Freezing remaining
# freezable tasks completed (elapsed 0.003 seconds)"; 6.1 ends it "done.").
kernel_threads_froze_in() {
	dmesg | sed -n 's/.*remaining freezable tasks.*elapsed \([0-9]*\)\.\([0-9]*\) seconds.*/\1\2/p' |
		tail -1 | sed 's/^0*//; s/^$/0/'
}

# kswapd_frozen_mid_run: with the pool full and its watermarks raised
# far above its free frames, one allocation starts a kswapd run of
# seconds on the test kernel.  Frozen while it still evicts, the freeze
# succeeds at once and the run goes on after the thaw: kswapd froze
# between two batches.  Had it frozen only once its run was over, the
# freezer would have waited for the run (or given up after its 5 s).  A
# run that ended on its own before the freezer came to kswapd (a fast
# kernel) leaves nothing to tell: skipped.
kswapd_frozen_mid_run() {
	echo "min_free_kbytes $(($(cat /sys/module/shadowmm/parameters/size_mb) * 256))" >$D/knobs &&
		echo "watermark_scale_factor 3000" >$D/knobs || return 1
	# Frames parked on the per-CPU lists would serve the allocation
	# without a look at the watermarks.
	echo "drain_pcp 1" >$D/knobs || return 1
	smm_map map 256 touch >/dev/null 2>&1
	if ! wait_moving pgsteal_kswapd || ! moving pgsteal_kswapd; then
		echo "# kswapd was not evicting when the freeze began"
		grep -E "^(pageoutrun|pgsteal|pgscan|kswapd)" $D/vmstat | say
		return 2
	fi
	dmesg -c >/dev/null
	freeze_ok || return 1
	wait_moving pgsteal_kswapd && return 0
	ms=$(kernel_threads_froze_in)
	if [ "${ms:-0}" -ge 500 ]; then
		echo "# the freezer waited $ms ms for the kernel's threads, and kswapd evicted nothing after the thaw: it froze only once its run was over"
		return 1
	fi
	echo "# kswapd's run was over before the freezer came to it"
	return 2
}

# reclaim_knob_lets_freeze: a "reclaim N" run over a full region (many
# seconds) is still evicting when the freeze begins: the freezer's wake-up
# ends it before its next batch, and every task freezes.  A run that went
# on would keep its writer from freezing: the freezer would give up
# after its 5 s (pm_freeze_timeout).  (The write's EINTR is not seen
# here: busybox's echo writes again after one, which starts a new run.)
reclaim_knob_lets_freeze() {
	rm -f $T/knob.rc
	(
		echo "reclaim $HOLD" >$D/knobs
		echo $? >$T/knob.rc
	) &
	kp=$!
	if ! wait_moving pswpout || ! moving pswpout || [ -e $T/knob.rc ]; then
		echo "# the reclaim run was not evicting when the freeze began"
		wait $kp
		return 2
	fi
	freeze_ok || { wait $kp; return 1; }
	wait $kp
}

# result <description> <command...>: 2 from the command is a skip (the
# run could not be set up as the check needs it).
result() {
	r_d=$1
	shift
	"$@"
	case $? in
	0) ok "$r_d" ;;
	2) skip "$r_d" "the moment it needs did not come" ;;
	*) not_ok "$r_d" ;;
	esac
}

# One zone (a small DMA zone above its high watermark would end kswapd's
# runs at once).
check "insmod" insmod "$MOD" size_mb=128 swap_mb=256 zone_split=0,100,0
WSF=$(awk '$1 == "watermark_scale_factor" { print $2 }' $D/knobs)
MFK=$(awk '$1 == "min_free_kbytes" { print $2 }' $D/knobs)
check "kswapd and kcompactd are freezable" freezable smm_kswapd0 smm_kcompactd0

if can_test freeze; then
	hold_pages $T $HOLD
	result "kswapd freezes between batches of a long run, and goes on after the thaw" \
		kswapd_frozen_mid_run
	release_pages
	# Watermarks as loaded again (kswapd stops), and a full pool again
	# for the knob's run to evict.
	echo "watermark_scale_factor $WSF" >$D/knobs
	echo "min_free_kbytes $MFK" >$D/knobs
	hold_pages $T $HOLD
	result "a reclaim knob run under way lets the freezer freeze its writer" reclaim_knob_lets_freeze
	release_pages
else
	skip "kswapd freezes between batches of a long run, and goes on after the thaw" \
		"no /sys/power/pm_test or no suspend to idle"
	skip "a reclaim knob run under way lets the freezer freeze its writer" \
		"no /sys/power/pm_test or no suspend to idle"
fi
check "rmmod" rmmod shadowmm

# hibernates_as_far_as_the_freezer <params...>: loaded with them, the
# module lets hibernation's freezer test pass (a small pool: an image
# needs as much free memory again as everything it saves).
hibernates_as_far_as_the_freezer() {
	insmod "$MOD" "$@" || return 1
	sleep_test disk || { say <$T/sleep.err; rmmod shadowmm; return 1; }
	rmmod shadowmm
}

# refuses_hibernation: the reserved range the VM sets aside
# (scripts/vm/qemu, memmap=) is a pool's: hibernation fails with EBUSY
# before it freezes anything, and the log says why.
refuses_hibernation() {
	insmod "$MOD" phys_base=0x1e000000 phys_size=0x2000000 || return 1
	dmesg -c >/dev/null
	if sleep_test disk; then
		echo "# hibernation was not refused"
		rmmod shadowmm
		return 1
	fi
	rmmod shadowmm
	grep -q "Device or resource busy" $T/sleep.err ||
		{ say <$T/sleep.err; return 1; }
	dmesg | grep -q "shadowmm: hibernation refused: the reserved range" ||
		{ echo "# no log line"; dmesg | say; return 1; }
}

if can_test disk; then
	check "hibernation's freezer test passes with a kernel-backed pool" \
		hibernates_as_far_as_the_freezer size_mb=16 swap_mb=32
	check "a reserved pool refuses hibernation with EBUSY and a log line" refuses_hibernation
else
	skip "hibernation's freezer test passes with a kernel-backed pool" "no hibernation"
	skip "a reserved pool refuses hibernation with EBUSY and a log line" "no hibernation"
fi
tap_done
