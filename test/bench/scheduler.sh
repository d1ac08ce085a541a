#!/usr/bin/env bash
# make bench-scheduler: `pacer simulate` side by side with Debian's
# crm_simulate (pacemaker-cli-utils) in one run, on CIBs from
# ../shared/tools/gen-cib.py: wall time and peak RSS of schedule-only (-R)
# and of -S (simulated execution, printed).
# Usage: test/bench/scheduler.sh BIN_DIR SHARED_DIR
# SIZES (nodes x primitives) defaults to the five sizes.
# CRM_S_MAX_PRIMS: crm_simulate -S is run only up to this many primitives
# (default 500): it takes hours at 32x2000.
# CRM_MAX_PRIMS: crm_simulate -R only up to this many (default: all).
set -euo pipefail
bin=$1 shared=$2
sizes=${SIZES:-"2x50 16x500 32x2000 32x5000 64x10000"}
crm_s_max=${CRM_S_MAX_PRIMS:-500}
crm_max=${CRM_MAX_PRIMS:-1000000}
work=$(mktemp -d -t pacer-bench-sched.XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
have_crm=1; command -v crm_simulate >/dev/null || { have_crm=0; echo "crm_simulate not installed (apt-get install pacemaker-cli-utils): pacer only"; }

# run LABEL CMD...: one measured run; prints wall seconds and peak RSS.
run() {
	local size=$1 label=$2; shift 2
	local rc=0
	/usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || rc=$?
	read -r wall rss < <(tail -1 "$work/t")
	local note=""
	[ $rc = 0 ] || note="(exit $rc)"
	printf '%-9s %-24s %9ss %9s MB %s\n' "$size" "$label" "$wall" "$((rss / 1024))" "$note"
}

printf '%-9s %-24s %10s %12s\n' size run wall maxrss
for size in $sizes; do
	n=${size%x*} r=${size#*x}
	python3 "$shared/tools/gen-cib.py" --nodes "$n" --resources "$r" --seed 1 -o "$work/cib.xml"
	run "$size" "pacer simulate -R" "$bin/pacer" simulate -x "$work/cib.xml" -R
	if [ $have_crm = 1 ] && [ "$r" -le "$crm_max" ]; then
		run "$size" "crm_simulate -R" crm_simulate -x "$work/cib.xml" -R -Q
	fi
	run "$size" "pacer simulate -S" "$bin/pacer" simulate -x "$work/cib.xml" -S
	cp "$work/out" "$work/pacer-S.out"
	if [ $have_crm = 1 ] && [ "$r" -le "$crm_s_max" ]; then
		run "$size" "crm_simulate -S" crm_simulate -x "$work/cib.xml" -S
		if diff -q --ignore-all-space --ignore-blank-lines "$work/out" "$work/pacer-S.out" >/dev/null; then
			echo "$size: -S output identical"
		else
			echo "$size: -S output DIFFERS"
		fi
	fi
done
