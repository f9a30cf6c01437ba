#!/bin/sh
# TAP test, run in the test VM: shadowmm.ko loads, registers /dev/shadowmm
# and its debugfs directory, unloads without a trace (20 times in a row,
# checked by kmemleak), and refuses bad parameter values with a message.
. "$(dirname "$0")/tap.sh"
KL=/sys/kernel/debug/kmemleak

dev_mode_is() { [ -c /dev/shadowmm ] && [ "$(stat -c %a /dev/shadowmm)" = "$1" ]; }
dev_owner_root() { [ "$(stat -c %u:%g /dev/shadowmm)" = 0:0 ]; }
param_is() { [ "$(cat /sys/module/shadowmm/parameters/$1)" = "$2" ]; }
gone() {
	[ ! -e /dev/shadowmm ] && [ ! -e /sys/kernel/debug/shadowmm ] &&
		[ ! -e /sys/module/shadowmm ]
}

cycles() {
	i=0
	while [ $i -lt 20 ]; do
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

echo "TAP version 13"
echo "1..15"
check "insmod with defaults" insmod $MOD
check "/dev/shadowmm is a char device with mode 0600" dev_mode_is 600
check "/dev/shadowmm is owned by root" dev_owner_root
check "debugfs directory exists" test -d /sys/kernel/debug/shadowmm
check "parameter size_mb reads 64" param_is size_mb 64
check "parameter dev_mode reads 0600" param_is dev_mode 0600
check "rmmod" rmmod shadowmm
check "unload removes device, debugfs and sysfs entries" gone
[ -w $KL ] && echo clear >$KL
check "20 load/unload cycles" cycles
check "kmemleak finds nothing after 20 cycles" no_leaks
check "size_mb=0 refused with a message" refused "size_mb=0 is invalid" size_mb=0
check "size_mb=5000 refused with a message" refused "size_mb=5000 is invalid" size_mb=5000
check "size_mb=abc refused with a message" refused "size_mb=abc is invalid" size_mb=abc
check "dev_mode=0777 refused with a message" refused "dev_mode=0777 is invalid" dev_mode=0777
if insmod $MOD dev_mode=0660 && dev_mode_is 660 && rmmod shadowmm; then
	ok "dev_mode=0660 gives a 0660 device"
else
	not_ok "dev_mode=0660 gives a 0660 device"
	rmmod shadowmm 2>/dev/null
fi
tap_done
