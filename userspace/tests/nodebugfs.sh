#!/bin/sh
# TAP test, run in a test VM booted with debugfs=off: shadowmm.ko loads
# without its debugfs files, says so once, serves /dev/shadowmm (object
# tests that need no debugfs: every byte comes back), refuses
# shadowmm_bench.ko (its bench file would have no directory) with ENODEV
# and stays loaded, smmctl names debugfs as what is missing, and unloads without a trace.
. "$(dirname "$0")/tap.sh"

debugfs_off() { ! grep -qw debugfs /proc/filesystems; }
said_once() { [ "$(dmesg | grep -c 'shadowmm: debugfs is not available')" = 1 ]; }
bench_refused() {
	if insmod "$BENCH" 2>/tmp/bench.err; then
		rmmod shadowmm_bench
		return 1
	fi
	grep -q "No such device" /tmp/bench.err || { say </tmp/bench.err; return 1; }
	loaded
}
objects_work() {
	/tests/object_test -t fresh_pages_read_zero -t recycled_frames_show_no_previous_bytes \
		-t bytes_persist_across_munmap_and_mmap -t second_open_is_a_distinct_object \
		-t read_sees_mapped_bytes_and_mapping_sees_written_bytes \
		-t fork_shares_map_shared_pages -t punch_hole_by_ioctl >/tmp/objects.log 2>&1 ||
		{ say </tmp/objects.log; return 1; }
}
smmctl_says_why() {
	if smmctl status >/tmp/smmctl.out 2>/tmp/smmctl.err; then
		say </tmp/smmctl.out
		return 1
	fi
	grep -qx "smmctl: shadowmm is loaded but $D is not there: mount debugfs (a kernel booted with debugfs=off has none)" \
		/tmp/smmctl.err || { say </tmp/smmctl.err; return 1; }
}
gone() { [ ! -e /dev/shadowmm ] && [ ! -e /sys/module/shadowmm ]; }

echo "1..9"
check "the kernel runs with debugfs=off" debugfs_off
if insmod "$MOD" size_mb=16; then
	ok "shadowmm loads without debugfs"
	check "the log says once that debugfs is not available" said_once
	check "/dev/shadowmm is there" test -c /dev/shadowmm
	check "objects keep their bytes" objects_work
	check "smmctl says debugfs is missing, not the module" smmctl_says_why
	check "shadowmm_bench is refused with ENODEV; shadowmm stays" bench_refused
	check "shadowmm unloads" rmmod shadowmm
	check "nothing of it is left" gone
else
	not_ok "shadowmm loads without debugfs"
fi
tap_done
