# shellcheck shell=sh
# make stress: Debian's 6.12 (scripts/stock), its CPU told it cannot map
# 2 MiB with one entry (clearcpuid=pse, set by scripts/stress).  The huge
# knob must refuse every mode but never (EOPNOTSUPP), and huge_test then
# skips its cases: the kernel would not map a PMD-sized folio whole
# (6.12), or would install a PMD the CPU cannot use (6.1).
smm_check "the CPU shows no pse (clearcpuid=pse took effect)" sh -c '! grep -qw pse /proc/cpuinfo'
if smm_insmod shadowmm size_mb=32 swap_mb=64; then
	smm_check "huge always is refused without pse" \
		sh -c '! echo "huge always" >/sys/kernel/debug/shadowmm/knobs'
	smm_check "huge advise is refused without pse" \
		sh -c '! echo "huge advise" >/sys/kernel/debug/shadowmm/knobs'
	smm_check "huge never is accepted" sh -c 'echo "huge never" >/sys/kernel/debug/shadowmm/knobs'
	smm_tap huge_test /tests/huge_test
	smm_rmmod shadowmm
fi
