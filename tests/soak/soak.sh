#!/bin/bash
# soak.sh -- a bounded soak of the real daemon (not part of `make check`):
# 1,000,000 TCP connections and then 1,000,000 UDP datagrams through the
# echo plugin on loopback, every byte verified by soak.c, then the
# daemon's open descriptors must be back at their starting count and its
# RSS (supervisor and workers summed) within SOAK_RSS_BOUND_KIB of where
# it started.  Prints the figures; exit 0 pass, 1 fail.
#
#   tests/soak/soak.sh                       # from a built tree
#   SOAK_CONNS=100000 SOAK_DGRAMS=100000 tests/soak/soak.sh   # shorter
#
# Environment: SOAK_CONNS, SOAK_DGRAMS (counts, default 1000000 each),
# SOAK_CONC (connections in flight, 64), SOAK_WINDOW (unanswered
# datagrams per client socket, 16; 4 sockets), SOAK_PORT (17680),
# SOAK_TIMEOUT (seconds per half, 1800), SOAK_RSS_BOUND_KIB (1024),
# top_builddir (the build tree, default the source tree), CC.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
: "${top_builddir:=$srcdir/..}"
. "$srcdir/integration/lib.sh"

CONNS=${SOAK_CONNS:-1000000}
DGRAMS=${SOAK_DGRAMS:-1000000}
CONC=${SOAK_CONC:-64}
WINDOW=${SOAK_WINDOW:-16}
PORT=${SOAK_PORT:-17680}
LIMIT=${SOAK_TIMEOUT:-1800}
RSS_BOUND_KIB=${SOAK_RSS_BOUND_KIB:-1024}

SOAK=$PN_TMP/soak
${CC:-cc} -O2 -Wall -Wextra -o "$SOAK" "$here/soak.c" || exit 1

pn_config <<EOC
log_level = notice
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$PORT", "udp://127.0.0.1:$PORT" }
    log_connections = false
}
EOC
pn_start
PID=$PN_PID

# The supervisor and its workers.
procs() { echo "$PID $(cat "/proc/$PID/task/$PID/children" 2>/dev/null)"; }
fds() {
	local p n=0
	for p in $(procs); do n=$((n + $(ls "/proc/$p/fd" | wc -l))); done
	echo "$n"
}
rss() {
	local p n=0
	for p in $(procs); do
		n=$((n + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
	done
	echo "$n"
}
WORKERS0=$(procs)

# Warm-up: the first connections and datagrams allocate what the daemon
# keeps for good (datagram buffers, allocator arenas).
"$SOAK" tcp 127.0.0.1 "$PORT" 2000 "$CONC" >/dev/null || pn_fail "warm-up (tcp)"
"$SOAK" udp 127.0.0.1 "$PORT" 2000 "$WINDOW" >/dev/null || pn_fail "warm-up (udp)"
FD0=$(fds)
RSS0=$(rss)

start=$(date +%s)
if timeout "$LIMIT" "$SOAK" tcp 127.0.0.1 "$PORT" "$CONNS" "$CONC" >"$PN_TMP/tcp"; then
	pn_pass "$(cat "$PN_TMP/tcp")"
else
	pn_fail "tcp soak: $(cat "$PN_TMP/tcp")"
fi
FD_MID=$(fds)
RSS_MID=$(rss)
if timeout "$LIMIT" "$SOAK" udp 127.0.0.1 "$PORT" "$DGRAMS" "$WINDOW" >"$PN_TMP/udp"; then
	pn_pass "$(cat "$PN_TMP/udp")"
else
	pn_fail "udp soak: $(cat "$PN_TMP/udp")"
fi
total=$(($(date +%s) - start))

# Closing is asynchronous: let the daemon reap the last connections.
for i in $(seq 1 50); do
	[ "$(fds)" -le "$FD0" ] && break
	sleep 0.1
done
FD1=$(fds)
RSS1=$(rss)

pn_expect "$(procs)" "$WORKERS0" "the same supervisor and workers throughout"
echo "soak: $total s in all"
echo "soak: descriptors: $FD0 before, $FD_MID after TCP, $FD1 at the end"
echo "soak: VmRSS (KiB): $RSS0 before, $RSS_MID after TCP, $RSS1 at the end"
pn_expect "$FD1" "$FD0" "open descriptors back to the starting count"
if [ "$RSS1" -le $((RSS0 + RSS_BOUND_KIB)) ]; then
	pn_pass "RSS grew by $((RSS1 - RSS0)) KiB (bound $RSS_BOUND_KIB KiB)"
else
	pn_fail "RSS grew by $((RSS1 - RSS0)) KiB, bound $RSS_BOUND_KIB KiB"
fi
pn_stop
pn_done
