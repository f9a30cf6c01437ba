# shellcheck shell=sh
# make shell, inside the VM: the module loaded (and shadowmm_bench.ko: the
# bench file, the burst knobs), a shell on the console.
# shellcheck disable=SC2086 # SMM_PARAMS: one word a parameter
insmod /modules/shadowmm.ko $SMM_PARAMS && insmod /modules/shadowmm_bench.ko &&
	echo "shadowmm and shadowmm_bench loaded: /dev/shadowmm, /sys/kernel/debug/shadowmm/ (rmmod shadowmm_bench first)"
echo "Modules are in /modules, tests in /tests.  Exit the shell to power off."
setsid cttyhack sh -l
