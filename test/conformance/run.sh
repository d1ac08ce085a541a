#!/bin/sh
# Runs every Pacemaker scheduler conformance case through `pacer simulate`
# and compares with crm_simulate's output the way upstream's cts-scheduler
# does (whitespace and blank lines ignored). Diffs of failing cases are left
# in $OUT. Usage: run.sh PACER_BINARY [CORPUS_DIR] [OUT_DIR]
set -u
PACER=${1:?usage: run.sh PACER_BINARY [CORPUS_DIR] [OUT_DIR]}
CORPUS=${2:-../shared/conformance/pcmk-scheduler}
OUT=${3:-build/conformance-diffs}
if [ ! -f "$CORPUS/index.csv" ]; then
	echo "conformance corpus not found at $CORPUS" >&2
	exit 2
fi
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; fail=0
p1=0; t1=0; p2=0; t2=0; p3=0; t3=0
tail -n +2 "$CORPUS/index.csv" | while IFS=, read -r name features tier class nr nn; do
	got="$OUT/$name.got"
	"$PACER" simulate -x "$CORPUS/xml/$name.xml" -S >"$got" 2>&1
	if diff -u --ignore-all-space --ignore-blank-lines "$CORPUS/summary/$name.summary" "$got" >"$OUT/$name.diff"; then
		echo "$tier pass $name"
		rm -f "$OUT/$name.diff" "$got"
	else
		echo "$tier fail $name"
	fi
done >"$OUT/results.txt"
for t in 1 2 3; do
	tp=$(grep -c "^$t pass " "$OUT/results.txt")
	tf=$(grep -c "^$t fail " "$OUT/results.txt")
	echo "tier $t: $tp of $((tp + tf)) passed"
done
pass=$(grep -c " pass " "$OUT/results.txt")
fail=$(grep -c " fail " "$OUT/results.txt")
echo "diffs of failing cases: $OUT"
echo "$pass passed, $fail failed"
