# shellcheck shell=sh
# make shell, inside the VM: the module loaded, a shell on the console.
insmod /modules/shadowmm.ko $SMM_PARAMS && echo "shadowmm loaded: /dev/shadowmm, /sys/kernel/debug/shadowmm/"
echo "Modules are in /modules, tests in /tests.  Exit the shell to power off."
setsid cttyhack sh -l
