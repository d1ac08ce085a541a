#!/usr/bin/env bash
# make demo: three pacerd on loopback UDP. Once they have all joined, node
# charlie is killed with SIGKILL and the other two declare it dead.
set -euo pipefail
bin=${1:-bin}
bin=$(cd "$bin" && pwd)
work=$(mktemp -d -t pacer-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Three free loopback ports, picked by the kernel.
read -r p1 p2 p3 < <(python3 - <<'PY' 2>/dev/null || echo "27401 27402 27403"
import socket
ss=[socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
for s in ss: s.bind(("127.0.0.1",0))
print(*[s.getsockname()[1] for s in ss])
PY
)
names=(alpha bravo charlie); ports=($p1 $p2 $p3)

"$bin/pacer" keygen --authkey "$work/authkey" >/dev/null
for i in 0 1 2; do
	{
		echo "cluster = \"demo\""
		echo "keepalive = \"200ms\""
		echo "warntime = \"600ms\""
		echo "deadtime = \"1s\""
		echo "initdead = \"5s\""
		echo "authkey = \"$work/authkey\""
		echo "data_dir = \"$work/${names[$i]}\""
		echo "socket = \"$work/${names[$i]}.sock\""
		echo "[node]"
		echo "name = \"${names[$i]}\""
		echo "id = $((i + 1))"
		for j in 0 1 2; do
			[ "$j" = "$i" ] && continue
			echo "[[peer]]"
			echo "name = \"${names[$j]}\""
			echo "id = $((j + 1))"
		done
		echo "[[link]]"
		echo "name = \"ring0\""
		echo "kind = \"udp\""
		echo "bind = \"127.0.0.1:${ports[$i]}\""
		echo "[link.peers]"
		for j in 0 1 2; do
			[ "$j" = "$i" ] && continue
			echo "${names[$j]} = \"127.0.0.1:${ports[$j]}\""
		done
	} >"$work/${names[$i]}.toml"
done

echo "== starting alpha, bravo, charlie on 127.0.0.1:${p1},${p2},${p3} (keepalive 200ms, deadtime 1s)"
for i in 0 1 2; do
	n=${names[$i]}
	"$bin/pacerd" --config "$work/$n.toml" 2> >(sed -u "s/^/[$n] /" >"$work/$n.log") &
	pids+=($!)
done

wait_for() { # wait_for SECONDS PATTERN FILE... : until every file has the pattern
	local deadline=$((SECONDS + $1)) pat=$2; shift 2
	while [ $SECONDS -lt $deadline ]; do
		local all=1
		for f in "$@"; do grep -q "$pat" "$f" 2>/dev/null || all=0; done
		[ $all = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

wait_for 10 'node joined.*"node": "[a-z]*"' "$work/alpha.log" "$work/bravo.log" "$work/charlie.log" || { cat "$work"/*.log; exit 1; }
sleep 1
cat "$work/alpha.log" "$work/bravo.log" "$work/charlie.log" | grep -E 'started|node joined|link up' || true

echo
echo "== $(date +%T.%3N) killing charlie (SIGKILL, pid ${pids[2]})"
kill -9 "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true
if ! wait_for 10 'node declared dead' "$work/alpha.log" "$work/bravo.log"; then
	echo "charlie was not declared dead" >&2
	cat "$work"/*.log >&2
	exit 1
fi
grep -hE 'node warn|node declared dead' "$work/alpha.log" "$work/bravo.log"
echo
echo "== alpha and bravo declared charlie dead; the cluster goes on with two nodes"
