#!/bin/bash
# chat_scale.sh -- a chat room shared by two nodes through Redis beside one
# node alone (issue 15): deliveries/s and p99 latency of loadgen's chat
# mode with 50 members, split 25 + 25 over two pinetd nodes sharing the
# room (127.0.0.2 and 127.0.0.3, Redis on 127.0.0.1), and all 50 on one
# node without Redis (127.0.0.4), alternating, in one run; the median run
# of each and their ratio.  As root, in a network namespace of its own.
#
#   sudo bench/chat_scale.sh [--runs N] [--duration S] [--rate R]
#
# Needs redis-server, a pinetd built with hiredis (./configure) and the
# bench programs (make -C bench bench, done here).  Exit 0, 1 a run
# found a defect (lost, doubled or reordered line), 77 not root or no
# redis-server.
set -u
RUNS=3 DURATION=3 RATE=20 P=7110 R=7111
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:?}; shift ;;
	--duration) DURATION=${2:?}; shift ;;
	--rate) RATE=${2:?}; shift ;;
	*) echo "usage: $0 [--runs N] [--duration S] [--rate R]" >&2; exit 2 ;;
	esac
	shift
done
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${CHAT_SCALE_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: run as root (unshare -n)"; exit 77; }
	command -v redis-server >/dev/null || { echo "SKIP: no redis-server"; exit 77; }
	make -s -C "$REPO/bench" bench >/dev/null || exit 1
	CHAT_SCALE_NS=1 exec unshare -n "$BASH" "$0" --runs "$RUNS" \
		--duration "$DURATION" --rate "$RATE"
fi
ip link set lo up
W=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

redis-server --port $R --bind 127.0.0.1 --save '' --appendonly no >"$W/redis.log" 2>&1 &
PIDS+=($!)
node() { # node ADDR [REDIS]
	local name=${1##*.}
	{
		echo "plugin_dir = \"$REPO/plugins/.libs\""
		echo 'services_dir = ""'
		echo 'log_level = warning'
		echo 'service chat {'
		echo '    plugin = chat'
		echo "    listen = { \"tcp://$1:$P\" }"
		echo '    output_max = 1048576'
		[ -n "${2:-}" ] && echo "    redis = \"$2\"" && echo "    room = \"bench\""
		echo '}'
	} >"$W/n$name.conf"
	"$REPO/daemon/pinetd" -f -c "$W/n$name.conf" >"$W/n$name.log" 2>&1 &
	PIDS+=($!)
}
node 127.0.0.2 tcp://127.0.0.1:$R
node 127.0.0.3 tcp://127.0.0.1:$R
node 127.0.0.4
sleep 1
LG=$REPO/bench/loadgen
declare -A OUT
bad=0
for i in $(seq 1 "$RUNS"); do
	for cell in alone shared; do
		if [ $cell = alone ]; then
			args=(--host 127.0.0.4)
		else
			args=(--host 127.0.0.2 --host2 127.0.0.3)
		fi
		line=$("$LG" chat "${args[@]}" --port $P -c 50 --rate "$RATE" \
			--duration "$DURATION" --tag $cell 2>/dev/null) || bad=1
		echo "$line"
		OUT[$cell]+="$line"$'\n'
	done
done
median() { # CELL KEY: the run with the median deliveries/s, its KEY
	printf '%s' "${OUT[$1]}" | awk -v k="$2" '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		  rate[NR] = v["ops_per_s"]; val[NR] = v[k] }
		END { n = NR; for (i = 1; i <= n; i++) idx[i] = i
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (rate[idx[j]] < rate[idx[i]]) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
		      print val[idx[int((n + 1) / 2)]] }'
}
a=$(median alone ops_per_s) s=$(median shared ops_per_s)
ap=$(median alone p99_us) sp=$(median shared p99_us)
echo
echo "| 50 members at $RATE lines/s | deliveries/s | p99 (us) |"
echo "|---|---|---|"
echo "| one node alone | $a | $ap |"
echo "| two nodes through Redis (25 + 25) | $s | $sp |"
awk -v a="$a" -v s="$s" -v ap="$ap" -v sp="$sp" 'BEGIN {
	printf "| ratio shared / alone | %.3f | %.2f |\n", s / a, sp / ap }'
exit $bad
