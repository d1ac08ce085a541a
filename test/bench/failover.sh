#!/usr/bin/env bash
# failover.sh BIN PEERS_DIR - pacer's failover benchmark in the lab and the
# peers' (keepalived, Corosync+Pacemaker) in the same run, printed side by
# side. As root; run from the repository root (make bench-failover).
#
#   RUNS=10                          runs per configuration and fault
#   CONFIGS=3n,2n+w,3n-default       pacer's configurations (test/bench/failover)
#   FAULTS=kill,poweroff             pacer's faults (also: cutall)
#   PEERS="keepalived pacemaker"     peers to run ("" for none)
#   KA_CONFIGS="v2-1s v3-100ms" KA_FAULTS="kill linkdown"
#   PCMK_NODES="2 3" PCMK_TOKENS=1000 PCMK_FAULTS="kill poweroff"   (fencing on)
#   W=/var/tmp/pacer-bench-failover  work directory: logs, results, summary.txt
#
# Every system is measured the same way: a prober in the client namespace
# sends to the VIP every 10 ms; takeover = fault stamp to the first answer
# from another node, gap = the longest silence around the fault. pacer runs
# an IPaddr2 VIP and the lab fence device (stonith-action=off), configured
# with pacer configure, and its survivors' logs give the timeline (declared
# dead, new DC, fenced, VIP start). The peers' namespaces are pk-*
# (keepalived) and pp-* (Pacemaker): their veth names must fit in 15 bytes.
set -euo pipefail
BIN=${1:?usage: failover.sh BIN PEERS_DIR}
PEERS_DIR=${2:?usage: failover.sh BIN PEERS_DIR}
RUNS=${RUNS:-10}
CONFIGS=${CONFIGS:-3n,2n+w,3n-default}
FAULTS=${FAULTS:-kill,poweroff}
PEERS=${PEERS-keepalived pacemaker}
KA_CONFIGS=${KA_CONFIGS:-v2-1s v3-100ms}
KA_FAULTS=${KA_FAULTS:-kill linkdown}
PCMK_NODES=${PCMK_NODES:-2 3}
PCMK_TOKENS=${PCMK_TOKENS:-1000}
PCMK_FAULTS=${PCMK_FAULTS:-kill poweroff}
W=${W:-/var/tmp/pacer-bench-failover}

[ "$(id -u)" = 0 ] || { echo "bench-failover: run as root (network namespaces, loop devices)"; exit 1; }
BIN=$(cd "$BIN" && pwd)
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
rm -rf "$W"; mkdir -p "$W"
go build -o "$W/failover" ./test/bench/failover

echo "== machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); other network namespaces: $(ip netns list | wc -l)"
echo "== pacer: $CONFIGS; faults $FAULTS; $RUNS runs each ($(date -u +%FT%TZ))"
"$W/failover" run -bin "$BIN" -runs "$RUNS" -configs "$CONFIGS" -faults "$FAULTS" -out "$W/pacer.json" 2>&1 | tee "$W/pacer.log" ||
	echo "pacer: failed, see $W/pacer.log (the report has the runs done)"

peer_args=()
for p in $PEERS; do
	echo "== $p ($(date -u +%FT%TZ)); log $W/$p.log"
	case $p in
	keepalived)
		env RUNS="$RUNS" CONFIGS="$KA_CONFIGS" FAULTS="$KA_FAULTS" IDLE=0 W="$W/keepalived" LAB_PREFIX=pk- \
			bash "$PEERS_DIR/keepalived-failover.sh" > "$W/keepalived.log" 2>&1 ||
			echo "keepalived: failed (exit $?), see $W/keepalived.log"
		;;
	pacemaker)
		env RUNS="$RUNS" NODES="$PCMK_NODES" TOKENS="$PCMK_TOKENS" FENCING=on FAULTS="$PCMK_FAULTS" IDLE=0 \
			W="$W/pacemaker" LAB_PREFIX=pp- \
			bash "$PEERS_DIR/pacemaker-failover.sh" > "$W/pacemaker.log" 2>&1 ||
			echo "pacemaker: failed (exit $?), see $W/pacemaker.log"
		;;
	*)
		echo "unknown peer $p (keepalived, pacemaker)"
		exit 2
		;;
	esac
	peer_args+=(-peer "$W/$p/results.txt")
done

echo "== side by side ($(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
"$W/failover" report -pacer "$W/pacer.json" "${peer_args[@]}" | tee "$W/summary.txt"
echo "results in $W"
