#!/bin/bash
# test_scaleout.sh -- the scale-out topology (issue 15): redis-server, two
# pinetd nodes on 127.0.0.2 and 127.0.0.3 serving one chat room shared
# through Redis, HAProxy on 127.0.0.1 balancing round robin with
# send-proxy-v2 to both.  Ten clients from 127.0.0.11-20
# and two more later from 127.0.0.31-32 (scaleout-clients.py): every line reaches the nine others exactly once
# whichever node each landed on; the nodes' logs name the clients' own
# addresses; an allow list refuses a client by its own address; a node
# killed: its clients reconnect through HAProxy to the other and the room
# goes on; Redis killed: the room goes on locally and its members are told
# once; Redis back: told once, shared again.  In a network namespace of
# its own; skipped (77) without haproxy, redis-server, unshare -n or a
# build with hiredis.
# Ports 19301 (the room: HAProxy and both nodes), 19302 (Redis).
if [ -z "${PN_SCALEOUT_NS:-}" ]; then
	for c in haproxy redis-server python3; do
		command -v "$c" >/dev/null 2>&1 ||
			{ echo "SKIP: $c not installed (Debian: apt-get install haproxy redis-server)"; exit 77; }
	done
	unshare -n true 2>/dev/null || { echo "SKIP: unshare -n not allowed"; exit 77; }
	grep -q '^#define HAVE_HIREDIS 1' "${top_builddir:-..}/config.h" ||
		{ echo "SKIP: pinetd was configured without hiredis (libhiredis-dev)"; exit 77; }
	PN_SCALEOUT_NS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up || exit 99
. "$srcdir/integration/lib.sh"

P=19301 # the room
R=19302 # redis
CLIENTS=$srcdir/integration/scaleout-clients.py
declare -A NODE_PID

# The nodes understand the PROXY protocol once the daemon has it
# (proxy_protocol, proxy_trusted); before, HAProxy connects plainly and
# the checks of the clients' own addresses are skipped.
pn_config <<EOF
service probe {
    plugin = echo
    listen = { "tcp://127.0.0.1:$P" }
    proxy_protocol = v2
    proxy_trusted = { "127.0.0.1/32" }
}
EOF
if "$PINETD" -t -c "$PN_CONF" >/dev/null 2>&1; then
	PP=1
	NODE_PP='proxy_protocol = v2
    proxy_trusted = { "127.0.0.1/32" }
    deny = { "127.0.0.21/32" }'
	SEND_PP=send-proxy-v2
else
	PP=0
	NODE_PP=
	SEND_PP=
	echo "note: this daemon has no proxy_protocol: HAProxy connects without send-proxy-v2; address checks skipped"
fi

node_start() {
	local n=$1
	cat >"$PN_TMP/node$n.conf" <<EOF
plugin_dir = "$PLUGIN_DIR"
services_dir = ""
service chat {
    plugin = chat
    listen = { "tcp://127.0.0.$n:$P" }
    output_max = 65536
    redis = "tcp://127.0.0.1:$R"
    room = "scaleout"
    node = "node$n"
    $NODE_PP
}
EOF
	"$PINETD" -f -c "$PN_TMP/node$n.conf" >>"$PN_TMP/node$n.log" 2>&1 &
	NODE_PID[$n]=$!
	pn_wait_port tcp $P || { echo "node $n did not listen" >&2; exit 1; }
	for i in $(seq 1 100); do
		grep -q "room pinetd:chat:scaleout shared as node node$n" "$PN_TMP/node$n.log" && return 0
		sleep 0.05
	done
	echo "node $n never shared the room; log:" >&2
	cat "$PN_TMP/node$n.log" >&2
	exit 1
}

# node_kill N: SIGKILL the node's supervisor and workers at once.
node_kill() {
	local pid=${NODE_PID[$1]} kids
	kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null)
	kill -KILL "$pid" $kids 2>/dev/null
	wait "$pid" 2>/dev/null
	NODE_PID[$1]=
}

redis_start() {
	redis-server --port $R --bind 127.0.0.1 --save '' --appendonly no \
		>>"$PN_TMP/redis.out" 2>&1 &
	REDIS_PID=$!
	pn_wait_port tcp $R || { echo "redis-server did not listen" >&2; exit 1; }
}

redis_kill() {
	kill -KILL "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}

scaleout_cleanup() {
	local n
	for n in "${!NODE_PID[@]}"; do
		[ -n "${NODE_PID[$n]}" ] && node_kill "$n"
	done
	[ -n "${HAPROXY_PID:-}" ] && kill "$HAPROXY_PID" 2>/dev/null
	[ -n "${REDIS_PID:-}" ] && redis_kill
	wait 2>/dev/null
	pn_cleanup
}
trap scaleout_cleanup EXIT

redis_start
node_start 2
node_start 3
cat >"$PN_TMP/haproxy.cfg" <<EOF
global
    maxconn 256
defaults
    mode tcp
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch 1
frontend room
    bind 127.0.0.1:$P
    default_backend nodes
backend nodes
    balance roundrobin
    server node2 127.0.0.2:$P $SEND_PP
    server node3 127.0.0.3:$P $SEND_PP
EOF
haproxy -db -f "$PN_TMP/haproxy.cfg" >"$PN_TMP/haproxy.out" 2>&1 &
HAPROXY_PID=$!
for i in $(seq 1 100); do
	ss -Hltn "src 127.0.0.1:$P" | grep -q . && break
	sleep 0.05
done

out=$(HOOK_KILL_NODE="kill -KILL $(echo ${NODE_PID[2]} $(cat /proc/${NODE_PID[2]}/task/*/children))" \
	HOOK_KILL_REDIS="kill -KILL $REDIS_PID" \
	HOOK_START_REDIS="redis-server --port $R --bind 127.0.0.1 --save '' --appendonly no >>$PN_TMP/redis.out 2>&1 & echo \$! >$PN_TMP/redis2.pid; for i in \$(seq 1 100); do ss -Hltn 'sport = :$R' | grep -q . && break; sleep 0.05; done" \
	HOOK_START_NODE="$PINETD -f -c $PN_TMP/node2.conf >>$PN_TMP/node2b.log 2>&1 & echo \$! >$PN_TMP/node2b.pid; for i in \$(seq 1 100); do grep -q 'shared as node' $PN_TMP/node2b.log && break; sleep 0.05; done" \
	DENIED_SRC=$([ "$PP" = 1 ] && echo 127.0.0.21) \
	timeout 120 python3 "$CLIENTS" $P 10 2>&1)
rc=$?
printf '%s\n' "$out"
pn_expect "$rc" 0 "the clients' phases passed"
wait "${NODE_PID[2]}" 2>/dev/null
NODE_PID[2]=$(cat "$PN_TMP/node2b.pid" 2>/dev/null)
REDIS_PID=$(cat "$PN_TMP/redis2.pid" 2>/dev/null)

if [ "$PP" = 1 ]; then
	for i in $(seq 11 20); do
		if grep -q "connection from 127.0.0.$i:" "$PN_TMP"/node*.log; then
			pn_pass "a node logged client 127.0.0.$i by its own address"
		else
			pn_fail "no node logged 127.0.0.$i"
		fi
	done
	grep -q "127.0.0.21" "$PN_TMP"/node*.log &&
		pn_pass "the refused client is logged by its own address" ||
		pn_fail "the refused client 127.0.0.21 is not in the logs"
	if grep -q "connection from 127.0.0.1:" "$PN_TMP"/node*.log; then
		pn_fail "a node logged HAProxy's address instead of a client's"
	else
		pn_pass "no node logged HAProxy's own address"
	fi
fi
grep -q "connection from" "$PN_TMP/node2b.log" &&
	pn_pass "the restarted node served one of the last two clients" ||
	pn_fail "the restarted node got none of the last two clients"
grep -q "the room is local" "$PN_TMP/node3.log" &&
	pn_pass "the node logged losing Redis" || pn_fail "no log of losing Redis"
pn_done
