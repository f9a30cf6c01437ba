# shellcheck shell=sh
# make check-harness, inside the VM: load each throwaway module named by
# smm.selftest= on the kernel command line (comma-separated) in turn,
# collect its KUnit results, unload it.  The host knows which failures the
# run must be judged for.
mods=$(sed -n 's/.*smm\.selftest=\([a-z_,]*\).*/\1/p' /proc/cmdline)
for mod in $(echo "$mods" | tr , ' '); do
	# In the kernel log before the load: the hang's run shows it got there.
	smm_kmsg "loading harness_$mod"
	if smm_insmod "harness_$mod"; then
		smm_kunit_results
		smm_rmmod "harness_$mod"
	fi
done
