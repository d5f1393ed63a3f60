#!/bin/bash
# SIGTERM: stop accepting, let open connections finish within
# shutdown_timeout, then close them and exit 0.  Connection log lines.
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=17451

pn_config <<EOF
shutdown_timeout = 30
service ack {
    plugin = ack
    listen = { "tcp://127.0.0.1:$P" }
}
EOF
pn_start

# The log: one line at accept, one at close with duration and bytes.
pn_expect "$(printf 'hello\n' | nc -q1 127.0.0.1 $P)" "I got your message" "ack answers"
sleep 0.2
grep -q "pinetd: info: service 'ack': connection from 127.0.0.1:[0-9]*$" "$PN_LOG" \
	&& pn_pass "the accept is logged with service and peer" || pn_fail "no accept log line"
grep -q "pinetd: info: service 'ack': 127.0.0.1:[0-9]* closed (peer closed) after [0-9.]* s, 6 bytes in, 19 bytes out$" "$PN_LOG" \
	&& pn_pass "the close is logged with duration and bytes" || { pn_fail "no close log line"; cat "$PN_LOG" >&2; }

# An open connection finishes its work after SIGTERM.
exec 3<>/dev/tcp/127.0.0.1/$P
pn_expect "$(pn_line 3 before)" "I got your message" "a held connection is served"
kill -TERM "$PN_PID"
for i in $(seq 1 50); do ss -Hltn "sport = :$P" | grep -q . || break; sleep 0.05; done
pn_expect "$(ss -Hltn "sport = :$P" | wc -l)" 0 "SIGTERM stops accepting at once"
pn_expect "$(pn_line 3 during)" "I got your message" "the open connection is still served while stopping"
kill -0 "$PN_PID" 2>/dev/null && pn_pass "the daemon waits for the open connection" || pn_fail "the daemon left early"
exec 3>&-
rc=0
timeout 10 tail --pid="$PN_PID" -f /dev/null || rc=$?
pn_expect "$rc" 0 "the daemon exits once the connection closed"
wait "$PN_PID"; pn_expect "$?" 0 "exit status 0"
PN_PID=
grep -q "waiting up to 30 s for 1 connection" "$PN_LOG" && pn_pass "the wait is logged" || pn_fail "the wait is not logged"

# shutdown_timeout expires: the idle client is closed, exit 0.
sed -i 's/shutdown_timeout = 30/shutdown_timeout = 1/' "$PN_CONF"
pn_start
exec 3<>/dev/tcp/127.0.0.1/$P
pn_expect "$(pn_line 3 x)" "I got your message" "a second held connection"
start=$(date +%s%N)
kill -TERM "$PN_PID"
rc=0
wait "$PN_PID" || rc=$?
PN_PID=
ms=$(( ($(date +%s%N) - start) / 1000000 ))
pn_expect "$rc" 0 "exit 0 after the grace period"
[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ] && pn_pass "stopped after the 1 s grace period ($ms ms)" \
	|| pn_fail "stopped after $ms ms, expected about 1000"
IFS= read -r -t 2 eof <&3; rc=$?
[ "$rc" -ne 0 ] && [ -z "$eof" ] && pn_pass "the client saw the connection close" || pn_fail "the client got '$eof'"
exec 3>&-
grep -q "deadline reached: closing the remaining connections" "$PN_LOG" \
	&& pn_pass "the forced close is logged" || pn_fail "the forced close is not logged"
grep -q "127.0.0.1:[0-9]* closed (shutdown)" "$PN_LOG" \
	&& pn_pass "the connection's close says shutdown" || pn_fail "no shutdown close line"
pn_done
