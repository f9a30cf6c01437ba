# shellcheck shell=sh
# make check-harness, inside the VM: load one throwaway module named by
# smm.selftest= on the kernel command line, collect its KUnit results,
# unload it.  The host knows which failure the run must be judged for.
mod=$(sed -n 's/.*smm\.selftest=\([a-z_]*\).*/\1/p' /proc/cmdline)
if smm_insmod "harness_$mod"; then
	smm_kunit_results
	smm_rmmod "harness_$mod"
fi
