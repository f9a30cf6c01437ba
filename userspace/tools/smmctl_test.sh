#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# smmctl on recorded debugfs snapshots (testdata/), on the host: no module,
# no VM.  Every view as text and as JSON with exact values, top, record and
# plot, and the error cases (missing directory, malformed files named by
# file and line, exit statuses).
#
#   userspace/tools/smmctl_test.sh [SMMCTL]
#
# SMMCTL (or $SMMCTL): the binary; without it smmctl is built into a
# temporary directory.  Prints TAP and ends with "N passed, N failed";
# exits 0 only when every check passed.
#
# Checks are commands run by check(); many are eval of a single-quoted
# string, expanded when the check runs.
# shellcheck disable=SC2016
set -u

here=$(cd "$(dirname "$0")" && pwd)
data=$here/testdata
k2=$data/kernel-2node
r1=$data/reserved-1node
tmp=$(mktemp -d)
main_pid=$BASHPID
trap '[ "$BASHPID" = "$main_pid" ] && rm -rf "$tmp"' EXIT

smmctl=${1:-${SMMCTL:-}}
if [ -z "$smmctl" ]; then
	make -s -C "$here/.." O="$tmp/build" "$tmp/build/tools/smmctl" >&2 || exit 1
	smmctl=$tmp/build/tools/smmctl
fi
[ -x "$smmctl" ] || { echo "smmctl_test: $smmctl is not executable" >&2; exit 1; }
unset SMMCTL_ROOT

bin=$smmctl
# shellcheck source=userspace/tools/host_tap.sh
. "$here/host_tap.sh"

# has FILE TEXT: FILE has a line that is exactly TEXT
has() {
	grep -qxF -- "$2" "$1" && return 0
	echo "# no line \"$2\" in:"
	say <"$1"
	return 1
}

# err_is TEXT: stderr is exactly the one line TEXT
err_is() {
	[ "$(cat "$tmp/err")" = "$1" ] && return 0
	echo "# stderr, expected \"$1\":"
	say <"$tmp/err"
	return 1
}

# json ROOT VIEW PYTHON: the view's JSON is loaded as d and the Python
# statements (asserts) hold
json() {
	run --root "$1" "$2" --json
	status 0 || return 1
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['view'] == sys.argv[2] and d['root'] == sys.argv[3], (d['view'], d['root'])
$3
" "$tmp/out" "$2" "$1" 2>&1 | say
	[ "${PIPESTATUS[0]}" -eq 0 ]
}

echo "TAP version 13"

# Text views.
for v in status buddy zones slab lru vmas workingset swap; do
	for root in "$k2" "$r1"; do
		run --root "$root" "$v"
		check "$v on $(basename "$root") exits 0 with output" \
			eval 'status 0 && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]'
	done
done

run -r "$k2" status
check "status: zones against their watermarks, each state" eval '
	has "$tmp/out" "0    DMA            456       21       26       31      1024  ok" &&
	has "$tmp/out" "0    HighMem         48       32       40       48      2048  under_high" &&
	has "$tmp/out" "1    Normal         128      106      132      158      5120  under_low" &&
	has "$tmp/out" "1    HighMem         28       32       40       48      2048  under_min"'
check "status: LRU, store, region" eval '
	has "$tmp/out" "lru:      active 30720 kB, inactive 18432 kB, unevictable 1024 kB (mlocked 1024 kB)" &&
	has "$tmp/out" "store:    compressed lzo/zsmalloc, 3210/65536 slots used (4.9 %), 4399104 bytes stored, 0 corrupt" &&
	has "$tmp/out" "          SwapTotal 262144 kB, SwapFree 249304 kB" &&
	has "$tmp/out" "shadowmm: kernel backend, 16384 frames (16384 present) on 2 nodes, metadata 655360 bytes (9765 ppm)"'
check "status: largest caches by memory, ties by name" eval '
	[ "$(grep -A5 "^CACHE" "$tmp/out" | awk "NR > 1 { print \$1 }" | tr "\n" " ")" = "kmalloc-1k kmalloc-192 kmalloc-4k kmalloc-64 kmalloc-8k " ]'
check "status: fault and reclaim counters (allocstall and pgalloc summed)" eval '
	has "$tmp/out" "pgfault                       98765   pgmajfault                      321" &&
	has "$tmp/out" "pswpin                          321   pswpout                        3531" &&
	has "$tmp/out" "allocstall                       20   pgalloc                      229366"'
run -r "$r1" status
check "status: reserved backend, an empty zone" eval '
	has "$tmp/out" "shadowmm: reserved backend 0x1e000000+0x4000000, 16384 frames (16384 present) on 1 node, metadata 655360 bytes (9765 ppm)" &&
	has "$tmp/out" "0    HighMem          0        0        0        0         0  empty"'
run -r "$k2" buddy
check "buddy: blocks per order, free pages, totals, indexes" eval '
	has "$tmp/out" "0    Normal       35     20     11      6      4      2      1      1      0      0      0        487" &&
	has "$tmp/out" "total            103     48     27     14      9      3      2      1      2      0      0       1427" &&
	has "$tmp/out" "1    HighMem   0.000  0.214  0.428  0.714  1.000  1.000  1.000  1.000  1.000  1.000  1.000" &&
	has "$tmp/out" "0    DMA      -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000  0.943  0.957"'
run -r "$k2" slab
check "slab: sorted by memory, totals" eval '
	[ "$(sed -n 2p "$tmp/out")" = "kmalloc-1k                      70        80   88%     1024        8          2     10       80 kB" ] &&
	has "$tmp/out" "28 caches, 3458 of 3910 objects active, 376 kB in slabs"'
run -r "$k2" vmas
check "vmas: mappings and totals" eval '
	has "$tmp/out" "   1203 00600000-00610000                 rw-s  00010000        16       16       16        0        0" &&
	has "$tmp/out" "4 mappings, 1808 pages, 1452 resident; faults: 1540 minor, 16 major, 120 cow"'
run -r "$k2" workingset
check "workingset: histogram rows" eval '
	has "$tmp/out" "  512-1023                    200" &&
	has "$tmp/out" "node 1: age 9000, refaults 0, activated 0"'

# JSON views, exact values.
check "status --json" json "$k2" status '
assert d["region"]["backend"] == "kernel" and d["region"]["phys_base"] is None
assert d["region"]["frames"] == 16384 and d["region"]["page_size"] == 4096
assert [n["last_sfn"] for n in d["region"]["nodes"]] == [8191, 16383]
assert len(d["region"]["chunks"]) == 16 and d["region"]["chunks"][8] == {"index": 8, "pfn": 0x142000, "node": 1}
assert d["memory"] == {"total_kb": 65536, "free_kb": 5708, "slab_kb": 376, "objects_kb": 50176, "objects_pinned_kb": 512}
z = {(z["node"], z["zone"]): z for z in d["zones"]}
assert len(z) == 6 and z[(1, "Normal")] == {"node": 1, "zone": "Normal", "free": 128, "min": 106, "low": 132, "high": 158, "managed": 5120, "state": "under_low"}
assert [z[(0, "HighMem")]["state"], z[(1, "HighMem")]["state"], z[(0, "DMA")]["state"]] == ["under_high", "under_min", "ok"]
assert d["lru"] == {"active_kb": 30720, "inactive_kb": 18432, "unevictable_kb": 1024, "mlocked_kb": 1024}
s = d["store"]
assert (s["backend"], s["compressor"], s["pool"], s["file"]) == ("compressed", "lzo", "zsmalloc", None)
assert (s["slots"], s["used"], s["free"], s["stored_bytes"], s["corrupt"]) == (65536, 3210, 62326, 4399104, 0)
assert (s["swap_total_kb"], s["swap_free_kb"], s["stored_per_page"]) == (262144, 249304, 1370.4)
assert [c["name"] for c in d["slab_top"]] == ["kmalloc-1k", "kmalloc-192", "kmalloc-4k", "kmalloc-64", "kmalloc-8k"]
assert d["slab_top"][0] == {"name": "kmalloc-1k", "memory_bytes": 81920, "active_objs": 70, "num_objs": 80, "objsize": 1024}
c = d["counters"]
assert (c["pgfault"], c["pgmajfault"], c["pgscan_kswapd"], c["pgscan_direct"]) == (98765, 321, 9000, 1200)
assert (c["pgsteal_kswapd"], c["pgsteal_direct"], c["pswpin"], c["pswpout"]) == (3300, 600, 321, 3531)
assert (c["allocstall"], c["pgalloc"], c["pgfree"], c["pgalloc_fail"]) == (20, 229366, 215900, 2)'
check "status --json: reserved backend, empty zone, no slab of 0 bytes" json "$r1" status '
assert (d["region"]["backend"], d["region"]["phys_base"], d["region"]["phys_size"]) == ("reserved", 0x1e000000, 0x4000000)
assert d["zones"][2] == {"node": 0, "zone": "HighMem", "free": 0, "min": 0, "low": 0, "high": 0, "managed": 0, "state": "empty"}
assert [c["name"] for c in d["slab_top"]] == ["kmalloc-64"]'
check "buddy --json" json "$k2" buddy '
assert d["orders"] == 11 and len(d["zones"]) == 6
z = d["zones"][4]
assert (z["node"], z["zone"], z["free_pages"]) == (1, "Normal", 128)
assert z["free_blocks"] == [40, 12, 6, 3, 1, 0, 0, 0, 0, 0, 0]
assert z["unusable_index"] == [0.0, 0.312, 0.5, 0.687, 0.875, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
assert z["extfrag_index"][:6] == [-1.0, -1.0, -1.0, -1.0, -1.0, 0.92]
assert d["total_free_blocks"] == [103, 48, 27, 14, 9, 3, 2, 1, 2, 0, 0] and d["total_free_pages"] == 1427'
check "buddy --json: a populated zone less" json "$r1" buddy '
assert [z["zone"] for z in d["zones"]] == ["DMA", "Normal"] and d["total_free_pages"] == 15359'
check "zones --json" json "$k2" zones '
z = d["zones"][1]
assert (z["node"], z["zone"], z["populated"], z["free"], z["state"]) == (0, "Normal", True, 487, "ok")
assert (z["min"], z["low"], z["high"], z["spanned"], z["present"], z["managed"]) == (106, 132, 158, 5120, 5120, 5120)
assert (z["protection"], z["nr_free_pages"], z["nr_free_pcp"]) == ([0, 0, 64], 487, 77)
assert (z["start_sfn"], z["start_pfn"]) == (1024, 272384)
assert z["pagesets"] == [{"cpu": 0, "count": 57, "high": 120, "batch": 20}, {"cpu": 1, "count": 20, "high": 120, "batch": 20}]
assert d["zones"][3]["protection"] == [0, 20, 28]'
check "zones --json: an unpopulated zone" json "$r1" zones '
z = d["zones"][2]
assert (z["populated"], z["start_pfn"], z["pagesets"], z["start_sfn"], z["state"]) == (False, None, [], 16384, "empty")'
check "slab --json" json "$k2" slab '
assert d["page_size"] == 4096 and d["total_bytes"] == 385024 and len(d["caches"]) == 28
c = d["caches"][3]
assert c == {"name": "kmalloc-64", "active_objs": 950, "num_objs": 1024, "objsize": 64, "objperslab": 64,
	"pagesperslab": 1, "limit": 128, "batchcount": 64, "sharedfactor": 0, "active_slabs": 15,
	"num_slabs": 16, "sharedavail": 0, "memory_bytes": 65536, "use_percent": 92.8}, c
assert d["caches"][-1]["use_percent"] is None'
check "lru --json" json "$k2" lru '
assert (d["active_kb"], d["inactive_kb"], d["unevictable_kb"], d["mlocked_kb"]) == (30720, 18432, 1024, 1024)
assert d["inactive_percent"] == 37.5
c = d["counters"]
assert (c["pgactivate"], c["pgdeactivate"], c["pgrefill"], c["pgsteal_zero"]) == (5120, 4000, 8000, 369)
assert (c["workingset_nodereclaim"], c["pageoutrun"], c["kswapd_giveup"]) == (5, 77, 1)'
check "vmas --json" json "$k2" vmas '
v = d["vmas"]
assert len(v) == 4 and d["page_size"] == 4096
assert v[1] == {"pid": 412, "start": "0x7f3a1c400000", "end": "0x7f3a1c600000", "perms": "r--p",
	"offset": "0x400000", "pages": 512, "resident": 180, "minor": 200, "major": 0, "cow": 0}, v[1]
assert d["totals"] == {"mappings": 4, "pages": 1808, "resident": 1452, "minor": 1540, "major": 16, "cow": 120}'
check "vmas --json: none" json "$r1" vmas '
assert d["vmas"] == [] and d["totals"]["mappings"] == 0'
check "workingset --json" json "$k2" workingset '
assert (d["shadow_only"], d["shadow_only_max"]) == (37, 4096)
n0, n1 = d["nodes"]
assert (n0["node"], n0["age"], n0["refaults"], n0["activated"]) == (0, 15872, 412, 96)
assert n0["distances"][0] == {"min": 0, "max": 0, "refaults": 12}
assert n0["distances"][4] == {"min": 2048, "max": 4095, "refaults": 20}
assert sum(b["refaults"] for b in n0["distances"]) == 412
assert n1["distances"] == [] and n1["age"] == 9000
assert d["counters"] == {"workingset_refault": 412, "workingset_activate": 96, "workingset_nodereclaim": 5}'
check "swap --json" json "$k2" swap '
assert d["store"]["used"] == 3210 and d["counters"] == {"pswpin": 321, "pswpout": 3531, "pgmajfault": 321}'
check "swap --json: a file name with quotes, a backslash and UTF-8" json "$r1" swap '
s = d["store"]
assert (s["backend"], s["file"], s["compressor"]) == ("file", "smm \"swap\"\\dir \u00e9.img", None), s["file"]
assert (s["stored_bytes"], s["slots"], s["used"]) == (None, 16384, 0)'

# Escaping of what is not UTF-8 or is a control character.
cp -r "$r1" "$tmp/esc"
printf 'backend file a\tb\001c\377d\nslots 1\nused 0\ncorrupt 0\n' >"$tmp/esc/swap"
check "JSON escapes a tab, a control character and a byte that is not UTF-8" json "$tmp/esc" swap '
assert d["store"]["file"] == "a\tb\u0001c\ufffdd", repr(d["store"]["file"])
raw = open(sys.argv[1], "rb").read()
assert b"\\t" in raw and b"\\u0001" in raw and b"\\ufffd" in raw and b"\xff" not in raw'

# The directory, and files that are not as the module writes them.
run --root "$tmp/nowhere" status
check "missing --root directory: exit 1, says so" eval \
	'status 1 && err_is "smmctl: $tmp/nowhere: no such directory (given by --root)"'
SMMCTL_ROOT=$tmp/nowhere "$smmctl" zones >"$tmp/out" 2>"$tmp/err"
rc=$?
check "missing SMMCTL_ROOT directory: exit 1, says so" eval \
	'status 1 && err_is "smmctl: $tmp/nowhere: no such directory (given by SMMCTL_ROOT)"'
if [ ! -e /sys/kernel/debug/shadowmm ]; then
	run status
	check "module not loaded: exit 1, how to load it" eval \
		'status 1 && err_is "smmctl: shadowmm is not loaded (no /sys/kernel/debug/shadowmm): load it with insmod shadowmm.ko, and mount debugfs"'
else
	ok "module not loaded # SKIP /sys/kernel/debug/shadowmm exists here"
fi

# A directory the user may not enter (debugfs is 0700) is named as such,
# not as debugfs missing.  Checked as nobody, from a copy of smmctl
# nobody can run.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 711 "$tmp"
	mkdir -p "$tmp/pub/priv/shadowmm"
	chmod 755 "$tmp/pub"
	chmod 700 "$tmp/pub/priv"
	cp "$smmctl" "$tmp/pub/smmctl"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$tmp/pub/smmctl" --root "$tmp/pub/priv/shadowmm" status >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "a --root directory not to be entered: exit 1, permission denied" eval \
		'status 1 && err_is "smmctl: $tmp/pub/priv/shadowmm: permission denied (given by --root)"'
else
	ok "a --root directory not to be entered # SKIP not root, or no setpriv"
fi

# broken NAME VIEW SED: a copy of kernel-2node with NAME edited by SED
broken() {
	rm -rf "$tmp/bad"
	cp -r "$k2" "$tmp/bad"
	sed -i "$3" "$tmp/bad/$1"
	run --root "$tmp/bad" "$2"
}

broken zoneinfo zones '3s/21/2x/'
check "zoneinfo: a bad watermark names file and line" eval \
	'status 1 && err_is "smmctl: $tmp/bad/zoneinfo:3: expected \"min <pages>\": \"        min      2x\""'
broken zoneinfo status '/^        low/d'
check "zoneinfo: a missing line names the zone's first line" eval \
	'status 1 && err_is "smmctl: $tmp/bad/zoneinfo:1: zone DMA of node 0 has no \"low\" line"'
broken zoneinfo zones '1s/^/  spanned  4\n/'
check "zoneinfo: a line before the first zone" eval \
	'status 1 && err_is "smmctl: $tmp/bad/zoneinfo:1: expected \"Node <nid>, zone <name>\" first: \"  spanned  4\""'
broken buddyinfo buddy '2s/      0 $//'
check "buddyinfo: a row short of an order" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/buddyinfo:2: expected 11 counts (orders 0..10) after the zone: " "$tmp/err"'
broken unusable_index buddy '5s/0.500/0,500/'
check "unusable_index: not an index" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/unusable_index:5: expected 11 indexes like 0.123" "$tmp/err"'
broken meminfo lru '/^Active:/d'
check "meminfo: a missing line, at the end of the file" eval \
	'status 1 && err_is "smmctl: $tmp/bad/meminfo:11: end of file: no \"Active:\" line"'
broken meminfo status '2s/ kB$//'
check "meminfo: no unit" eval \
	'status 1 && err_is "smmctl: $tmp/bad/meminfo:2: expected \"<Name>: <n> kB\": \"MemFree:            5708\""'
broken vmstat status '/^allocstall_normal/s/ 17$/ -17/'
check "vmstat: a negative counter" eval \
	'status 1 && err_is "smmctl: $tmp/bad/vmstat:7: expected \"<name> <n>\": \"allocstall_normal -17\""'
broken slabinfo slab '1s/2.1/2.2/'
check "slabinfo: another version" eval \
	'status 1 && err_is "smmctl: $tmp/bad/slabinfo:1: expected \"slabinfo - version: 2.1\": \"slabinfo - version: 2.2\""'
broken slabinfo slab '6s/ : slabdata/ slabdata/'
check "slabinfo: a row without its separator" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/slabinfo:6: expected \"<name> <active_objs>" "$tmp/err"'
broken region status '/^nodes:/s/2/3/'
check "region: nodes against node lines" eval \
	'status 1 && err_is "smmctl: $tmp/bad/region:27: end of file: \"nodes: 3\" but 2 \"node <nid>:\" lines"'
broken region slab '7s/4096-byte/4096 byte/'
check "region: descriptor line" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/region:7: expected \"descriptor: <n> bytes per <size>-byte frame\"" "$tmp/err"'
broken vmas vmas '3s/r--p/r-p/'
check "vmas: bad permissions" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/vmas:3: expected \"<pid> <start>-<end>" "$tmp/err"'
broken swap swap '1s/compressed/zswap/'
check "swap: an unknown backend" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/swap:1: expected \"backend none\"" "$tmp/err"'
# swap's lines are read apart: used may pass slots for a moment.
broken swap swap '/^used /s/3210/65540/'
check "swap: more used than slots shows none free, not a wrapped count" eval \
	'status 0 && has "$tmp/out" "slots:     65536, 65540 used (100.0 %), 0 free (0 kB)"'
broken workingset workingset '4s/-0 /+0 /'
check "workingset: a bad histogram row" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad/workingset:4: expected a histogram row" "$tmp/err"'
broken vmstat lru '1!d'
rm "$tmp/bad/vmstat"
run --root "$tmp/bad" lru
check "a missing file" eval \
	'status 1 && err_is "smmctl: $tmp/bad/vmstat: No such file or directory"'

# The command line.
run frobnicate
check "unknown command: exit 2" eval 'status 2 && grep -q "frobnicate: unknown command" "$tmp/err"'
run -r "$k2" status -i 1
check "an option the view does not take: exit 2" eval 'status 2 && grep -q "status does not take -i" "$tmp/err"'
run -r "$k2" top -i 0
check "an interval out of range: exit 2" eval 'status 2 && grep -q -- "-i 0: expected seconds" "$tmp/err"'
run -r "$k2" record -- true
check "record without -o: exit 2" eval 'status 2 && grep -q "record needs -o FILE" "$tmp/err"'
run --help
check "--help: usage on stdout" eval 'status 0 && grep -q "^usage: smmctl" "$tmp/out"'

# top: ANSI screens, JSON lines with rates from vmstat's differences.
run -r "$k2" top -n 2 -i 0.1
check "top: two screens, each cleared, then it stops" eval '
	status 0 && [ "$(grep -c "smmctl top" "$tmp/out")" -eq 2 ] &&
	[ "$(grep -o "$(printf "\033\\[H\033\\[2J")" "$tmp/out" | wc -l)" -eq 2 ] &&
	grep -q "^1    HighMem         28       32       40       48  under_min" "$tmp/out"'
cp -r "$k2" "$tmp/live"
(
	sleep 0.5
	sed 's/^pgfault 98765$/pgfault 99765/' "$tmp/live/vmstat" >"$tmp/live/vmstat.new"
	mv "$tmp/live/vmstat.new" "$tmp/live/vmstat"
) &
run -r "$tmp/live" top -n 2 -i 1 --json
wait
check "top --json: a line a refresh, rates over the interval" eval '
	status 0 && python3 -c "
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
assert a[\"view\"] == \"top\" and a[\"interval_s\"] is None and a[\"rates\"][\"pgfault\"] is None
assert b[\"counters\"][\"pgfault\"] == 99765 and b[\"rates\"][\"pswpout\"] == 0.0
assert 0.9 < b[\"interval_s\"] < 1.5, b[\"interval_s\"]
assert abs(b[\"rates\"][\"pgfault\"] - 1000 / b[\"interval_s\"]) < 1, b[\"rates\"]
assert a[\"zones\"][5][\"state\"] == \"under_min\" and len(b[\"slab_top\"]) == 5
" "$tmp/out" 2>&1 | say; [ "${PIPESTATUS[0]}" -eq 0 ]'

# top on a terminal: q quits and the terminal is as before; Ctrl-C too,
# by SIGINT.
tty_run() {
	python3 - "$smmctl" "$k2" "$1" <<'EOF'
import os, pty, select, signal, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--root", sys.argv[2], "top", "-i", "0.2"])
before = termios.tcgetattr(fd)
out, end = b"", time.time() + 5
while b"CACHE" not in out and time.time() < end:
    if select.select([fd], [], [], 0.1)[0]:
        out += os.read(fd, 65536)
during = termios.tcgetattr(fd)
assert b"\x1b[H\x1b[2J" in out and b"under_min" in out, out[-300:]
assert not during[3] & termios.ICANON and not during[3] & termios.ECHO, "not raw"
os.write(fd, b"q" if sys.argv[3] == "q" else b"\x03")
end = time.time() + 5
while time.time() < end:
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if select.select([fd], [], [], 0.1)[0]:
        try:
            os.read(fd, 65536)
        except OSError:
            pass
else:
    os.kill(pid, signal.SIGKILL)
    sys.exit("top did not quit")
after = termios.tcgetattr(fd)
assert after[3] & termios.ICANON and after[3] & termios.ECHO, "terminal not restored"
if sys.argv[3] == "q":
    assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0, st
else:
    assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGINT, st
EOF
}
check "top on a terminal: non-canonical, q quits with 0, terminal restored" eval 'tty_run q 2>&1 | say; [ "${PIPESTATUS[0]}" -eq 0 ]'
check "top on a terminal: Ctrl-C restores the terminal, ends by SIGINT" eval 'tty_run intr 2>&1 | say; [ "${PIPESTATUS[0]}" -eq 0 ]'

# record: the program's status, a CSV of every sample.
cp -r "$k2" "$tmp/rec"
cat >"$tmp/prog" <<EOF
#!/bin/sh
sleep 0.3
sed 's/^pswpout 3531\$/pswpout 3631/' "$tmp/rec/vmstat" >"$tmp/rec/vmstat.new"
mv "$tmp/rec/vmstat.new" "$tmp/rec/vmstat"
sleep 0.3
echo "\$*"
exit 3
EOF
chmod +x "$tmp/prog"
run -r "$tmp/rec" record -o "$tmp/rec.csv" -i 0.1 -- "$tmp/prog" -x --y
check "record: the program's exit status and arguments" eval \
	'status 3 && has "$tmp/out" "-x --y" && grep -q "^smmctl: [0-9]* samples over" "$tmp/err"'
check "record: the documented columns" python3 -c '
import sys
h = open(sys.argv[1]).readline().strip().split(",")
want = ["time_s", "mem_free_kb", "active_kb", "inactive_kb", "unevictable_kb", "swap_total_kb",
	"swap_free_kb", "pgfault", "pgmajfault", "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd",
	"pgsteal_direct", "pswpin", "pswpout", "workingset_refault", "workingset_activate", "allocstall",
	"pgalloc", "pgfree", "pgalloc_fail"] + ["free_o%d" % o for o in range(11)]
want += ["n%d_%s_o%d" % (n, z, o) for n in (0, 1) for z in ("DMA", "Normal", "HighMem") for o in range(11)]
assert h == want, h
' "$tmp/rec.csv"
check "record: samples from start to exit, values as read" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) >= 5, len(rows)
t = [float(r["time_s"]) for r in rows]
assert t[0] == 0 and t == sorted(t) and 0.5 < t[-1] < 2, t
assert rows[0]["pswpout"] == "3531" and rows[-1]["pswpout"] == "3631"
r = rows[0]
assert (r["active_kb"], r["swap_free_kb"], r["pgfault"], r["allocstall"]) == ("30720", "249304", "98765", "20")
assert [r["free_o%d" % o] for o in range(11)] == ["103", "48", "27", "14", "9", "3", "2", "1", "2", "0", "0"]
assert r["n1_Normal_o0"] == "40" and r["n0_DMA_o8"] == "1"
' "$tmp/rec.csv"
run -r "$k2" record -o "$tmp/x.csv" -- "$tmp/no-such-program"
check "record: a program that cannot run exits 127" eval \
	'status 127 && grep -q "cannot run $tmp/no-such-program: No such file or directory" "$tmp/err"'
run -r "$tmp/nowhere" record -o "$tmp/x.csv" -- touch "$tmp/ran"
check "record: no directory, the program does not run" eval \
	'status 1 && [ ! -e "$tmp/ran" ] && grep -q "no such directory" "$tmp/err"'

# record -o as root in a directory others write (/tmp): a name planted
# there is refused, never written through, and the program does not run.
echo victim >"$tmp/victim"
ln -s victim "$tmp/link.csv"
run -r "$k2" record -o "$tmp/link.csv" -- touch "$tmp/ran"
check "record: a symbolic link at -o is refused, its target untouched" eval '
	status 1 && [ ! -e "$tmp/ran" ] && [ "$(cat "$tmp/victim")" = victim ] &&
	err_is "smmctl: $tmp/link.csv: a symbolic link: refusing to write through it"'
ln "$tmp/victim" "$tmp/hard.csv"
mkfifo "$tmp/fifo.csv"
run -r "$k2" record -o "$tmp/hard.csv" -- touch "$tmp/ran"
cp "$tmp/err" "$tmp/err.hard"
# A FIFO without a reader would block an open for writing: timeout.
timeout 10 "$smmctl" -r "$k2" record -o "$tmp/fifo.csv" -- touch "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "record: a FIFO or a hard link at -o is refused, the file untouched" eval '
	status 1 && [ ! -e "$tmp/ran" ] && [ "$(cat "$tmp/victim")" = victim ] &&
	err_is "smmctl: $tmp/fifo.csv: not a regular file: refusing to write it" &&
	grep -qxF "smmctl: $tmp/hard.csv: another name links to it: refusing to empty it" "$tmp/err.hard"'

# plot
is_png() { [ "$(head -c 4 "$tmp/plots/$1.png" | od -An -c | tr -d " ")" = "211PNG" ]; }
if command -v gnuplot >/dev/null; then
	run plot "$tmp/rec.csv" -o "$tmp/plots"
	check "plot: three PNGs" eval 'status 0 && is_png buddy && is_png lru && is_png rates'
	check "plot: rates from the counters' differences" eval '
		awk "!/^#/ && \$7 > 0 { n++ } END { exit n != 1 }" "$tmp/plots/rates.dat"'
else
	ok "plot: three PNGs # SKIP no gnuplot"
	ok "plot: rates # SKIP no gnuplot"
fi
PATH=/nonexistent "$smmctl" plot "$tmp/rec.csv" -o "$tmp/plots2" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "plot: gnuplot missing, scripts written, says so" eval '
	status 1 && [ -s "$tmp/plots2/buddy.gp" ] && [ -s "$tmp/plots2/rates.dat" ] &&
	grep -q "^smmctl: gnuplot is not installed (not found in PATH): install it" "$tmp/err"'
# plot into a directory others may write without the sticky bit is
# refused: someone could swap plot's own directory there for theirs.
mkdir -m 777 "$tmp/open"
run plot "$tmp/rec.csv" -o "$tmp/open"
check "plot: a directory others may rename entries of is refused" eval '
	status 1 && grep -q "^smmctl: $tmp/open: other users may rename its entries" "$tmp/err" &&
	[ -z "$(ls -A "$tmp/open")" ]'
# plot as root into a sticky directory another user can write (as /tmp):
# whatever that user left at plot's names (a script of their own, links)
# is neither written through nor run, and plot's own directory is gone
# after.
mkdir -m 1777 "$tmp/shared"
echo "system('touch $tmp/pwned')" >"$tmp/shared/buddy.gp"
[ "$(id -u)" -ne 0 ] || chown 65534 "$tmp/shared/buddy.gp"
ln "$tmp/shared/buddy.gp" "$tmp/planted.gp"
cp "$tmp/planted.gp" "$tmp/planted.orig"
ln -s ../victim "$tmp/shared/lru.dat"
echo victim2 >"$tmp/victim2"
ln -s ../victim2 "$tmp/shared/rates.png"
# Without gnuplot, the scripts and data alone (exit 1).
if command -v gnuplot >/dev/null; then
	run plot "$tmp/rec.csv" -o "$tmp/shared"
	want=0
else
	PATH=/nonexistent "$smmctl" plot "$tmp/rec.csv" -o "$tmp/shared" >"$tmp/out" 2>"$tmp/err"
	rc=$? want=1
fi
check "plot: names planted in the directory are replaced, not written or run" eval "status $want"' &&
	cmp -s "$tmp/planted.gp" "$tmp/planted.orig" && [ ! -e "$tmp/pwned" ] &&
	[ "$(cat "$tmp/victim")" = victim ] && [ "$(cat "$tmp/victim2")" = victim2 ] &&
	[ ! -L "$tmp/shared/lru.dat" ] && [ ! -L "$tmp/shared/rates.png" ] &&
	head -n 1 "$tmp/shared/buddy.gp" | grep -q "^# made by smmctl plot" &&
	[ -z "$(find "$tmp/shared" "$tmp/plots2" -name ".smmctl-plot-*")" ] ||
	{ ls -la "$tmp/shared" | say; false; }'
run plot "$tmp/none.csv"
check "plot: an unreadable file" eval \
	'status 1 && err_is "smmctl: $tmp/none.csv: No such file or directory"'
sed '3s/,[0-9]*$/,x/' "$tmp/rec.csv" >"$tmp/bad.csv"
run plot "$tmp/bad.csv"
# The quote is the row's own start, not a field of the header (which the
# reader had cut into fields).
check "plot: a malformed row names file and line, and quotes that row" eval \
	'status 1 && grep -q "^smmctl: $tmp/bad.csv:3: field 98 (n1_HighMem_o10) is not a number" "$tmp/err" &&
	grep -qF ": \"$(sed -n 3p "$tmp/bad.csv" | cut -c1-20)" "$tmp/err" ||
	{ say <"$tmp/err"; false; }'

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
