# shellcheck shell=sh
# The recording of real workloads' page references (scripts/record-trace):
# per workload, a fresh load with a region that holds all of its data (no
# reclaim, which would add faults of its own), the program run under
# trace-cmd, setting the fault window itself once its data is made
# (smm_workload -w) and taking it away after MAX_REFS faults (-W), and its
# events turned into a page trace (smm_refs) for the host.  Set before it: TRACES (workload names),
# REGION_MB, WINDOW, MAX_REFS; ARGS_<workload> (its arguments, if any).
D=/sys/kernel/debug/shadowmm
for w in $TRACES; do
	eval "args=\${ARGS_$w:-}"
	smm_insmod shadowmm size_mb="$REGION_MB" swap_mb=0 || continue
	# 64 MiB a CPU: no event may be lost (smm_refs refuses a report
	# that says some were).
	# shellcheck disable=SC2086
	smm_log "$w: recorded" trace-cmd record -q -b 65536 -e shadowmm:shadowmm_fault \
		-o /tmp/$w.dat smm_workload -w "$WINDOW" -W "$MAX_REFS" "$w" $args
	smm_check "$w: smm_workload exited 0 under trace-cmd" [ $? -eq 0 ]
	trace-cmd report -i /tmp/$w.dat 2>/dev/null |
		smm_refs -n "$w" -b "smm_workload: begin" -m "$MAX_REFS" \
			-c "recorded by scripts/record-trace: smm_workload $w${args:+ $args}, fault_window $WINDOW, region $REGION_MB MiB, $(uname -r)" \
			>/tmp/$w.trace 2>/tmp/$w.err
	smm_check "$w: page trace made (smm_refs: $(head -c 200 /tmp/$w.err))" [ -s /tmp/$w.trace ]
	smm_check "$w: fault_window 0 again" sh -c "echo 'fault_window 0' >$D/knobs"
	smm_file "$w.trace" /tmp/$w.trace
	rm -f /tmp/$w.dat /tmp/$w.trace
	smm_rmmod shadowmm
done
