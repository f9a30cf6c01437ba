#!/bin/sh
# TAP test, run in the test VM with shadowmm not loaded: rmmod is refused
# while anything holds the module (an open object, a mapping of one, an
# open debugfs file) and succeeds, leaving nothing behind, right after the
# last holder goes.
. "$(dirname "$0")/tap.sh"

echo "1..9"

gone() {
	! loaded && [ ! -e /dev/shadowmm ] && [ ! -e "$D" ]
}

# rmmod_refused: rmmod fails, the module stays and its device still works.
rmmod_refused() {
	if rmmod shadowmm 2>/tmp/held.err; then
		echo "# rmmod succeeded"
		return 1
	fi
	loaded && [ -c /dev/shadowmm ] && grep -qx ok "$D/validate"
}

# mapped_refused: rmmod, tried while smm_map holds a mapping, fails and
# the mapping still reads back (the run step's command exits 0 either
# way: smm_map stops at one that fails).
mapped_refused() {
	smm_map map 64 touch run 'if rmmod shadowmm 2>/dev/null; then echo UNLOADED; fi' \
		check >/tmp/held.out 2>&1 || { say </tmp/held.out; return 1; }
	! grep -q UNLOADED /tmp/held.out && loaded
}

check "insmod" insmod "$MOD" size_mb=16 swap_mb=32
exec 5<>/dev/shadowmm
check "rmmod refused while an object is open" rmmod_refused
exec 5>&-
check "rmmod refused while a program maps an object" mapped_refused
# A debugfs file's fops name the module as owner: an open one holds it.
exec 6<"$D/vmas"
check "rmmod refused while a debugfs file is open" rmmod_refused
check "the debugfs file still reads" sh -c 'cat <&6 >/dev/null'
exec 6<&-
check "rmmod succeeds right after the last holder is gone" rmmod shadowmm
check "nothing is left after the unload" gone
check "the module loads again" insmod "$MOD" size_mb=16 swap_mb=32
check "and unloads" rmmod shadowmm
tap_done
