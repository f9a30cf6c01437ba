# shellcheck shell=sh
# make demo, inside the VM: load the module and show it at work (with
# shadowmm_bench.ko for the burst knobs that show the allocators).
D=/sys/kernel/debug/shadowmm

smm_insmod shadowmm
smm_insmod shadowmm_bench
smm_log "shadowmm is loaded" sh -c '
	dmesg | grep shadowmm: | tail -n 1
	echo
	echo "\$ ls -l /dev/shadowmm"; ls -l /dev/shadowmm
	echo
	echo "\$ ls /sys/kernel/debug/shadowmm/"; ls /sys/kernel/debug/shadowmm/
	echo
	echo "\$ grep . /sys/module/shadowmm/parameters/*"
	grep . /sys/module/shadowmm/parameters/*'
smm_log "where the memory came from: region" sh -c "head -n 9 $D/region"
smm_log "free blocks per order: buddyinfo (as /proc/buddyinfo)" cat $D/buddyinfo
smm_log "one zone in detail: zoneinfo (as /proc/zoneinfo)" sh -c \
	"sed -n '/Node 0, zone   Normal/,/start_sfn/p' $D/zoneinfo"
smm_log "an allocation burst of orders 0..3, traced" sh -c "
	cd /tmp
	trace-cmd record -q -e shadowmm -o /tmp/burst.dat \
		sh -c 'echo burst 16 > $D/knobs' >/dev/null 2>&1
	trace-cmd report -i /tmp/burst.dat 2>/dev/null | grep -v '^cpus=' | head -n 24
	echo ...
	echo
	echo 'events in the burst:'
	trace-cmd report -i /tmp/burst.dat 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if (\$i ~ /^shadowmm_/) print \$i }' |
		sort | uniq -c"
smm_log "slab caches after 200 kmallocs of every size class: slabinfo (as /proc/slabinfo)" sh -c "
	echo 'slab_burst 200' > $D/knobs
	head -n 2 $D/slabinfo; grep '^kmalloc-' $D/slabinfo
	echo; grep -E '^(MemTotal|MemFree|Slab):' $D/meminfo"
smm_log "/dev/shadowmm: map 16 pages, touch them, munmap a hole, as debugfs vmas sees it (traced)" sh -c "
	cd /tmp
	trace-cmd record -q -e shadowmm:shadowmm_fault -e shadowmm:shadowmm_vma_open \
		-e shadowmm:shadowmm_vma_split -e shadowmm:shadowmm_vma_close -o /tmp/map.dat \
		smm_map map 16 show touch show unmap 6 4 show check info >/tmp/map.out 2>&1
	cat /tmp/map.out
	echo
	echo '\$ trace-cmd report (the first faults and the munmap):'
	trace-cmd report -i /tmp/map.dat 2>/dev/null | grep -v '^cpus=' |
		grep -E 'shadowmm_(vma|fault)' | sed -n '1,6p;/vma_split/,\$p' | head -n 16
	echo
	echo 'events:'
	trace-cmd report -i /tmp/map.dat 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if (\$i ~ /^shadowmm_/) print \$i }' |
		sort | uniq -c
	echo; grep -E '^(MemFree|Objects):' $D/meminfo"
smm_log "counters: vmstat (as /proc/vmstat)" cat $D/vmstat
smm_log "fragmentation: extfrag_index and unusable_index" sh -c \
	"cat $D/extfrag_index; echo; cat $D/unusable_index"
smm_log "consistency check: validate" cat $D/validate
smm_rmmod shadowmm_bench
smm_rmmod shadowmm
smm_insmod shadowmm phys_base=0x1e000000 phys_size=0x4000000
smm_log "the reserved backend: the memmap=64M\$0x1e000000 range, across both nodes" sh -c \
	"head -n 9 $D/region; echo; cat $D/buddyinfo; echo; grep shadowmm /proc/iomem"
smm_rmmod shadowmm

# Reclaim: a small region and a store, three times the region mapped,
# written and read back while trace-cmd records reclaim.
reclaim_demo() (
	pages=$(($(awk '/^MemTotal:/ { print $2 }' $D/meminfo) * 3 / 4))
	grep -E '^(MemTotal|MemFree|SwapTotal|SwapFree):' $D/meminfo
	echo
	cd /tmp || exit
	# smmctl samples the counters, the LRU and the free lists every 0.2 s
	# meanwhile (/tmp/reclaim.csv, plotted on the host).
	smmctl record -o /tmp/reclaim.csv -i 0.2 -- trace-cmd record -q -o /tmp/reclaim.dat \
		-e shadowmm:shadowmm_kswapd_wake -e shadowmm:shadowmm_reclaim_begin \
		-e shadowmm:shadowmm_reclaim_end -e shadowmm:shadowmm_lru_shrink_inactive \
		-e shadowmm:shadowmm_lru_evict -e shadowmm:shadowmm_refault \
		smm_map map "$pages" touch run "echo '  meminfo after the write, the mapping live:'
			grep -E '^(MemFree|Active|Inactive|Unevictable|SwapTotal|SwapFree):' \
			$D/meminfo | sed 's/^/    /'" check info >/tmp/reclaim.out 2>&1
	cat /tmp/reclaim.out
	echo
	grep -E '^(pswpin|pswpout|pgscan|pgsteal|workingset|allocstall)' $D/vmstat
	echo
	trace-cmd report -i /tmp/reclaim.dat 2>/dev/null | grep -v '^cpus=' >/tmp/reclaim.txt
	echo '$ trace-cmd report (the first events):'
	head -n 12 /tmp/reclaim.txt
	echo ...
	echo
	echo 'events:'
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^shadowmm_/) print $i }' /tmp/reclaim.txt |
		sort | uniq -c
)
smm_insmod shadowmm size_mb=16 swap_mb=64
smm_log "reclaim: map 3x the 16 MiB region, write it all, read it back (traced)" reclaim_demo
smm_check "reclaim: 3x the region written and read back, every byte right" \
	grep -q '^\$ read back [0-9]* pages: 0 bad bytes$' /tmp/reclaim.out
smm_log "consistency check after reclaim: validate" cat $D/validate
# The recording, for the host to plot (a record the verdict does not
# show), and last, what reclaim left, as smmctl sums it up.
smm_file reclaim.csv /tmp/reclaim.csv
smm_log "after reclaim: smmctl status" smmctl status
smm_rmmod shadowmm
smm_log "unloaded" sh -c 'dmesg | grep shadowmm: | tail -n 1'
