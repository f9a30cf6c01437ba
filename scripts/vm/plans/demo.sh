# shellcheck shell=sh
# make demo, inside the VM: load the module and show it at work.
show() {
	echo "\$ $*"
	"$@"
	echo
}

smm_insmod shadowmm
smm_log "shadowmm is loaded" sh -c '
	dmesg | grep shadowmm | tail -n 3
	echo
	echo "\$ ls -l /dev/shadowmm"; ls -l /dev/shadowmm
	echo
	echo "\$ ls /sys/kernel/debug/shadowmm/"; ls /sys/kernel/debug/shadowmm/
	echo
	echo "\$ grep . /sys/module/shadowmm/parameters/*"
	grep . /sys/module/shadowmm/parameters/*'
smm_rmmod shadowmm
smm_log "unloaded" sh -c 'dmesg | grep shadowmm | tail -n 1'
