# shellcheck shell=bash
# Shared by the host-side scripts (check, demo, run, lint, bench).
set -euo pipefail
# Tools' messages in English: smm_dkms_warnings and others match them.
export LC_ALL=C

SMM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMM_BUILD=$SMM_ROOT/build
export SMM_CACHE=${SMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shadowmm}
# Parallel jobs for the builds (the test kernel's, the modules', the tests').
export SMM_JOBS=${SMM_JOBS:-$(nproc)}

smm_say() { printf '==> %s\n' "$*" >&2; }

smm_kernel() { "$SMM_ROOT/scripts/vm/kernel" "${1:-debug}"; }

# smm_ksrc: the unpacked linux-source tree (unpacked first when it is not).
smm_ksrc() { "$SMM_ROOT/scripts/vm/kernel" --source; }

# smm_lock: one run at a time in this clone's build directory (make check,
# demo, run, shell, bench, stress), which a second run would overwrite
# under the first.  Held until the run and every process it started have
# exited (they inherit the descriptor); a run started inside one that holds
# it (the environment says so) does not take it again.
smm_lock() {
	[ "${SMM_LOCKED:-}" = "$SMM_BUILD" ] && return 0
	mkdir -p "$SMM_BUILD"
	exec {smm_lock_fd}>>"$SMM_BUILD/.lock"
	if ! flock -n "$smm_lock_fd"; then
		echo "$(basename "$0"): another run (make check, demo, run, shell, bench or stress)" \
			"is using this clone's build directory, $SMM_BUILD: try again when it has ended" >&2
		exit 2
	fi
	export SMM_LOCKED=$SMM_BUILD
}

# smm_build_modules KDIR [make args...]: shadowmm.ko, shadowmm_bench.ko,
# shadowmm_kunit.ko
smm_build_modules() {
	local kdir=$1
	shift
	"$SMM_ROOT/scripts/kbuild-for" "$kdir"
	make -s -j"$SMM_JOBS" -C "$kdir" M="$SMM_ROOT" "$@" modules
}

# smm_build_modules_copy KDIR DIR [make args...]: build in a scratch copy
# of the sources, for a kernel other than the one the checkout is built for.
smm_build_modules_copy() {
	local kdir=$1 dir=$2
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$SMM_ROOT" && git ls-files -co --exclude-standard -- Kbuild module include kunit bench |
		cpio -pdm --quiet "$dir")
	make -s -j"$SMM_JOBS" -C "$kdir" M="$dir" "$@" modules
}

# smm_stock_headers SERIES: the newest of Debian's stock linux-headers for
# SERIES (6.1, 6.12) in /usr/src, the generic amd64 flavour (not -rt-amd64
# or -cloud-amd64, which linux-headers-SERIES.*-amd64 also matches), or
# nothing.
smm_stock_headers() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1.*-amd64" \
		! -name '*-rt-amd64' ! -name '*-cloud-amd64' | sort -V | tail -1
}

# smm_version: the module's version, MODULE_VERSION() in module/main.c, the
# one modinfo reports; the DKMS package's version (dkms.conf).
smm_version() {
	local v
	v=$(sed -n 's/^MODULE_VERSION("\([^"]*\)");$/\1/p' "$SMM_ROOT/module/main.c")
	[ -n "$v" ] || { echo "no MODULE_VERSION(\"...\") in module/main.c" >&2; return 1; }
	echo "$v"
}

# smm_dkms_source DIR: the DKMS package's source tree (what dkms.conf
# builds: Kbuild, module, include, bench; no KUnit suites) with dkms.conf's
# version filled in.
smm_dkms_source() {
	local dir=$1 v
	v=$(smm_version)
	mkdir -p "$dir"
	(cd "$SMM_ROOT" && git ls-files -co --exclude-standard -- Kbuild module include bench |
		cpio -pdm --quiet "$dir")
	sed "s/^PACKAGE_VERSION=\"@SMM_VERSION@\"$/PACKAGE_VERSION=\"$v\"/" \
		"$SMM_ROOT/dkms.conf" >"$dir/dkms.conf"
}

# smm_dkms: the dkms program's path, or a message naming the package.
smm_dkms() {
	local d
	for d in "$(command -v dkms || true)" /usr/sbin/dkms /sbin/dkms; do
		if [ -f "$d" ] && [ -x "$d" ]; then
			echo "$d"
			return 0
		fi
	done
	echo "dkms is not installed: apt-get install dkms (scripts/bootstrap installs it)" >&2
	return 1
}

# smm_dkms_build KVER HEADERS OUT: the DKMS package (dkms.conf) built by
# dkms itself for kernel KVER against the linux-headers tree HEADERS,
# with W=1 (KBUILD_EXTRA_WARN, which Kbuild takes from the environment
# when make's command line has no W=), in a private DKMS tree and source
# tree under OUT/dkms, signed with a throwaway key made there: nothing is
# installed and the host's DKMS state is untouched.  OUT/dkms.log gets
# dkms's output and then the build's make.log; OUT/mod the built modules,
# decompressed where the kernel's modules are compressed (6.12's .ko.xz);
# OUT/built the names of the files dkms built, on one line.
# Return: 0 when dkms built and both modules are in OUT/mod.
smm_dkms_build() {
	local kver=$1 hdr=$2 out=$3 dkms ver run ok=1 m ko
	dkms=$(smm_dkms) || return 1
	ver=$(smm_version) || return 1
	run=$out/dkms
	rm -rf "$run" "$out/mod"
	mkdir -p "$run/src" "$run/tree" "$out/mod"
	smm_dkms_source "$run/src/shadowmm-$ver"
	local common=(-m shadowmm -v "$ver" --dkmstree "$run/tree" --sourcetree "$run/src")
	"$dkms" add "${common[@]}" >"$out/dkms.log" 2>&1 || ok=0
	# The signing key and certificate come from the environment, read
	# before DKMS's defaults under /var/lib/dkms.
	if [ $ok = 1 ]; then
		KBUILD_EXTRA_WARN=1 mok_signing_key=$run/mok.key mok_certificate=$run/mok.pub \
			"$dkms" build "${common[@]}" -k "$kver" --kernelsourcedir "$hdr" \
			-j "$SMM_JOBS" >>"$out/dkms.log" 2>&1 || ok=0
	fi
	local built=$run/tree/shadowmm/$ver/$kver/$(uname -m)
	for m in "$built/log/make.log" "$run/tree/shadowmm/$ver/build/make.log"; do
		[ -f "$m" ] && cat "$m" >>"$out/dkms.log"
	done
	(cd "$built/module" 2>/dev/null && echo *.ko*) >"$out/built" || true
	for m in shadowmm shadowmm_bench; do
		ko=$built/module/$m.ko
		if [ -f "$ko" ]; then
			cp "$ko" "$out/mod/$m.ko"
		elif [ -f "$ko.xz" ]; then
			xz -dc "$ko.xz" >"$out/mod/$m.ko"
		elif [ -f "$ko.zst" ]; then
			zstd -qdc "$ko.zst" >"$out/mod/$m.ko"
		else
			ok=0
		fi
	done
	[ $ok = 1 ]
}

# smm_dkms_warnings LOG: what a build's log says besides Kbuild's progress
# lines and DKMS's own framing of make.log: its warnings and errors.
smm_dkms_warnings() {
	sed -n '/^DKMS make.log for /,$p' "$1" | grep -vE \
		'^\s*(CC|LD|MODPOST|BTF)|Skipping BTF generation|^DKMS make.log for |^[A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] |^make(\[[0-9]+\])?: (Entering|Leaving) directory|^# (exit code|elapsed time)' || true
}

# smm_build_selftest_modules KDIR: the harness's throwaway modules
smm_build_selftest_modules() {
	make -s -j"$SMM_JOBS" -C "$1" M="$SMM_ROOT/scripts/vm/selftest" modules
}

# smm_build_userspace OUTDIR: static test programs and tools.
smm_build_userspace() {
	local ksrc
	ksrc=$(smm_ksrc) || return 1
	make -s -j"$SMM_JOBS" -C "$SMM_ROOT/userspace" O="$1" KSRC="$ksrc"
}

# smm_kunit_suites: the suite names declared in kunit/*.c (the first
# .name inside each struct kunit_suite; a pool config's .name is not one).
smm_kunit_suites() {
	awk '/struct kunit_suite [a-z0-9_]+ = \{/ { in_suite = 1 }
	     in_suite && /^[[:space:]]*\.name = "[a-z0-9_]+",/ {
		split($0, q, "\""); print q[2]; in_suite = 0 }' \
		"$SMM_ROOT"/kunit/*.c
}

# smm_initramfs OUT PLAN [SRC:DEST...]: modules (from $SMM_MODULE_DIR, by
# default the checkout) and userspace included.
smm_initramfs() {
	local out=$1 plan=$2
	shift 2
	# Never the last run's image, should this build fail.
	rm -f "$out"
	local files=()
	local f
	for f in "${SMM_MODULE_DIR:-$SMM_ROOT}"/shadowmm.ko \
		"${SMM_MODULE_DIR:-$SMM_ROOT}"/shadowmm_bench.ko \
		"${SMM_MODULE_DIR:-$SMM_ROOT}"/shadowmm_kunit.ko; do
		[ -f "$f" ] && files+=("$f:/modules/$(basename "$f")")
	done
	for f in "$SMM_BUILD"/userspace/tests/*; do
		[ -f "$f" ] && [ -x "$f" ] && files+=("$f:/tests/$(basename "$f")")
	done
	for f in "$SMM_ROOT"/userspace/tests/*.sh; do
		files+=("$f:/tests/$(basename "$f")")
	done
	for f in "$SMM_BUILD"/userspace/tools/* "$SMM_BUILD"/userspace/stress/*; do
		[ -f "$f" ] && [ -x "$f" ] && files+=("$f:/usr/bin/$(basename "$f")")
	done
	"$SMM_ROOT/scripts/vm/initramfs" "$out" "$plan" "${files[@]}" "$@"
}

# smm_plan OUT PLAN [VAR=value...]: a plan with variables set before it.
smm_plan() {
	local out=$1 plan=$2
	shift 2
	{
		local kv
		for kv in "$@"; do
			printf '%s=%q\n' "${kv%%=*}" "${kv#*=}"
		done
		cat "$plan"
	} >"$out"
}

# smm_counts FILE PASSED FAILED SKIPPED [PROBLEM...]: a counts record for
# scripts/check's summary; no-op when FILE is empty.
smm_counts() {
	local file=$1
	shift
	[ -n "$file" ] || return 0
	python3 - "$file" "$@" <<'PY'
import json, sys
f, p, n, s, *probs = sys.argv[1:]
json.dump({'passed': int(p), 'failed': int(n), 'skipped': int(s),
           'problems': probs}, open(f, 'w'))
PY
}

# smm_vm_check KDIR CPIO OUTDIR "EXTRA CMDLINE" [verdict args...]: boot,
# judge, and boot once more when the only failures were kernel reports
# from before the plan started (boot noise of the emulated machine, not of
# anything under test).  Returns the verdict's status, or 1 when
# scripts/vm/qemu itself failed (a bad setting: no run to judge).
smm_vm_check() {
	local kdir=$1 cpio=$2 outdir=$3 extra=$4 rc try
	shift 4
	for try in 1 2; do
		rc=0
		# shellcheck disable=SC2086
		"$SMM_ROOT/scripts/vm/qemu" "$kdir" "$cpio" "$outdir" $extra || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "  FAILED  scripts/vm/qemu exited with status $rc: no run in $outdir to judge" >&2
			return 1
		fi
		"$SMM_ROOT/scripts/vm/verdict" "$outdir" "$@" || rc=$?
		if [ "$rc" -ne 3 ] || [ "$try" -ne 1 ]; then
			break
		fi
		echo "  (kernel report while booting, before any test: booting once more)"
	done
	return "$rc"
}
