#!/usr/bin/env bash
# make bench-cib: read + validate + write of generated CIBs with pacer, side
# by side with crm_verify -x (Debian's pacemaker-cli-utils) in one run.
# Usage: test/bench/cib.sh BIN_DIR SHARED_DIR
set -euo pipefail
bin=$1 shared=$2
work=$(mktemp -d -t pacer-bench-cib.XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
have_crm=1; command -v crm_verify >/dev/null || { have_crm=0; echo "crm_verify not installed (apt-get install pacemaker-cli-utils): pacer only"; }
echo 'property cib-bootstrap-options: bench-marker=1' > "$work/upd.crm"
printf '%-10s %-48s %8s %10s\n' size tool wall maxrss
for size in 16x500 32x2000; do
	n=${size%x*} r=${size#*x}
	python3 "$shared/tools/gen-cib.py" --nodes "$n" --resources "$r" --seed 1 -o "$work/cib.xml"
	cp "$work/cib.xml" "$work/edit.xml"
	/usr/bin/time -f "%e %M" -o "$work/t" "$bin/pacer" --cib-file "$work/edit.xml" configure load update "$work/upd.crm"
	read -r wall rss < "$work/t"
	printf '%-10s %-48s %7ss %8s MB\n' "$size" "pacer configure load update (read+validate+write)" "$wall" "$((rss / 1024))"
	/usr/bin/time -f "%e %M" -o "$work/t" "$bin/pacer" --cib-file "$work/cib.xml" configure verify >/dev/null
	read -r wall rss < "$work/t"
	printf '%-10s %-48s %7ss %8s MB\n' "$size" "pacer configure verify (read+validate)" "$wall" "$((rss / 1024))"
	if [ $have_crm = 1 ]; then
		/usr/bin/time -f "%e %M" -o "$work/t" crm_verify -x "$work/cib.xml" >/dev/null 2>&1 || true
		read -r wall rss < "$work/t"
		printf '%-10s %-48s %7ss %8s MB\n' "$size" "crm_verify -x" "$wall" "$((rss / 1024))"
	fi
done
