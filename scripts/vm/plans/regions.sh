# shellcheck shell=sh
# scripts/bench --regions (and make bench), inside the VM: how shadowmm's
# costs scale with its region.  For each size in SMM_REGION_SIZES (MiB,
# set by scripts/bench), region_bench loads shadowmm itself
# SMM_REGION_REPEATS times (size_mb=SIZE, swap_mb twice the region) and
# times the load, validate, first-touch faults over most of the region,
# reclaim while writing past it (half the region, at most 64 MiB), reads
# every page back and checks its bytes, validates again with the region
# full and times the unload (userspace/bench/region_bench.c).  The VM has
# the memory the largest size needs (scripts/bench gives it SMM_MEM).
sizes=${SMM_REGION_SIZES:-16 64 256 1024 2048}
header=-H
for mb in $sizes; do
	smm_log "region benchmark $mb" /usr/bin/region_bench $header -r "${SMM_REGION_REPEATS:-3}" \
		-k "$SMM_MODDIR/shadowmm.ko" -m "$mb"
	smm_check "regions $mb MiB: loaded, validate ok idle and full, every byte read back right, unloaded" [ $? -eq 0 ]
	header=
	# A failed run may leave the module loaded; the next size needs it gone.
	if grep -q '^shadowmm ' /proc/modules; then
		smm_rmmod shadowmm
	fi
done
