#!/bin/bash
# Defense: allow/deny, max_connections (stop polling), per-source
# concurrency and rate, UDP guard and reply ratio, session limits, counters,
# and descriptor exhaustion without a busy loop.
. "$srcdir/integration/lib.sh"
pn_need ss nc
P=17701
T="$PNTEST"

pn_config <<EOF
deny = { "127.0.0.9" }                    # global: every service without lists
service acl {
    plugin = ack
    listen = { "tcp://127.0.0.1:$P", "udp://127.0.0.1:$P", "tcp://[::1]:$P" }
    allow  = { "127.0.0.2", "127.0.1.0/24" }
    deny   = { "127.0.0.0/8" }
}
service capped {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+1))" }
    max_connections = 2
}
service per-source {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+2))" }
    max_per_source = 2
    source_prefix4 = 24
}
service rated {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+3))", "udp://127.0.0.1:$((P+3))" }
    rate_per_source = 5
    log_connections = false
}
service limits {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+4))" }
    max_duration = 1
    max_bytes_in = 100
}
service gen {
    plugin = chargen
    listen = { "udp://127.0.0.1:$((P+5))" }
    udp_reply_ratio = 2
    udp_reply_floor = 16
}
service plain {
    plugin = ack
    listen = { "tcp://127.0.0.1:$((P+6))", "udp://127.0.0.1:$((P+6))" }
}
EOF
pn_start

# allow/deny: the longest matching prefix decides.
pn_expect "$("$T" try 127.0.0.1 $P 127.0.0.2 hi)" "I got your message" "allowed host (/32 allow beats /8 deny)"
pn_expect "$("$T" try 127.0.0.1 $P 127.0.1.7 hi)" "I got your message" "allowed network"
pn_expect "$("$T" try 127.0.0.1 $P 127.0.0.3 hi)" "EOF" "denied host is closed at once"
pn_expect "$("$T" try ::1 $P ::1 hi)" "EOF" "IPv6 client outside the allow list is closed"
pn_expect "$(printf 'x\n' | nc -u -w1 -s 127.0.0.3 127.0.0.1 $P)" "" "denied datagram is dropped"
pn_expect "$(printf 'x\n' | nc -u -w1 -s 127.0.0.2 127.0.0.1 $P)" "Got your message" "allowed datagram is answered"
pn_expect "$("$T" try 127.0.0.1 $((P+6)) 127.0.0.9 hi)" "EOF" "the global deny applies to services without lists"
pn_expect "$("$T" try 127.0.0.1 $((P+6)) 127.0.0.8 hi)" "I got your message" "others pass the global list"
sleep 0.1
grep -q "service 'acl': refused 127.0.0.3:[0-9]*: not allowed (allow/deny)" "$PN_LOG" \
	&& pn_pass "a refusal is logged" || pn_fail "no refusal log line"

# max_connections: at the cap the listener is not polled; service resumes
# when a connection closes.
"$T" hold 127.0.0.1 $((P+1)) 127.0.0.1 2 3 > "$PN_TMP/hold1" &
holder=$!
sleep 0.5
pn_expect "$("$T" try 127.0.0.1 $((P+1)) 127.0.0.1 third)" "TIMEOUT" "a third client waits at max_connections = 2"
wait $holder
pn_expect "$("$T" try 127.0.0.1 $((P+1)) 127.0.0.1 again)" "I got your message" "served again once the others left"
grep -q "service 'capped': 2 connections open (max_connections): not accepting until one closes" "$PN_LOG" \
	&& pn_pass "the pause is logged" || pn_fail "no max_connections log line"

# max_per_source with /24 aggregation: 127.0.0.1 and .2 are one source.
"$T" hold 127.0.0.1 $((P+2)) 127.0.0.1 1 3 > /dev/null &
h1=$!
"$T" hold 127.0.0.1 $((P+2)) 127.0.0.2 1 3 > /dev/null &
h2=$!
sleep 0.5
pn_expect "$("$T" try 127.0.0.1 $((P+2)) 127.0.0.3 x)" "EOF" "a third connection from the same /24 is refused"
pn_expect "$("$T" try 127.0.0.1 $((P+2)) 127.0.1.1 x)" "I got your message" "another /24 is served meanwhile"
wait $h1 $h2
pn_expect "$("$T" try 127.0.0.1 $((P+2)) 127.0.0.3 x)" "I got your message" "the source is served again after"

# rate_per_source = 5 (burst 5): a burst of 20 gets 5 through; another
# source is not affected.
ok=0
for i in $(seq 1 20); do
	[ "$("$T" try 127.0.0.1 $((P+3)) 127.0.0.5 r)" = "I got your message" ] && ok=$((ok + 1))
done
[ "$ok" -ge 5 ] && [ "$ok" -le 7 ] && pn_pass "rate_per_source: $ok of 20 quick connections served" \
	|| pn_fail "rate_per_source: $ok of 20 served, expected 5 to 7"
pn_expect "$("$T" try 127.0.0.1 $((P+3)) 127.0.0.6 r)" "I got your message" "another source is served at once"

# UDP guard: low and NFS source ports get no answer.
pn_expect "$(printf 'x\n' | nc -u -w1 -p 999 127.0.0.1 $((P+6)))" "" "a datagram from port 999 is dropped"
pn_expect "$(printf 'x\n' | nc -u -w1 -p 2049 127.0.0.1 $((P+6)))" "" "a datagram from port 2049 is dropped"
pn_expect "$(printf 'x\n' | nc -u -w1 -p 40123 127.0.0.1 $((P+6)))" "Got your message" "a normal source port is answered"
# Reply ratio: a 1-byte datagram to chargen gets at most max(2 x 1, 16).
pn_expect "$(printf 'x' | nc -u -w1 127.0.0.1 $((P+5)) | wc -c)" 16 "chargen's answer is cut to the floor"

# Session limits: max_bytes_in and max_duration close the connection.
out=$(head -c 200 /dev/zero | tr '\0' 'a' | timeout 5 nc 127.0.0.1 $((P+4)) | wc -c)
[ "$out" -le 200 ] && pn_pass "max_bytes_in closes the connection" || pn_fail "max_bytes_in: $out"
start=$(date +%s%N)
timeout 5 nc 127.0.0.1 $((P+4)) < /dev/zero > /dev/null 2>&1 &
sleep 0.1
exec 3<>/dev/tcp/127.0.0.1/$((P+4))
IFS= read -r -t 4 line <&3
ms=$(( ($(date +%s%N) - start) / 1000000 ))
exec 3>&-
[ "$ms" -ge 800 ] && [ "$ms" -lt 3000 ] && pn_pass "max_duration = 1 closed a silent connection after $ms ms" \
	|| pn_fail "max_duration: $ms ms"
sleep 0.2
grep -q "service 'limits': 127.0.0.1:[0-9]*: open for max_duration (1 s), closing" "$PN_LOG" \
	&& pn_pass "max_duration is logged" || pn_fail "no max_duration log line"
grep -q "closed (session limit)" "$PN_LOG" && pn_pass "the close reason is the session limit" \
	|| pn_fail "no session-limit close line"

# Counters on SIGUSR1.
kill -USR1 "$PN_PID"
sleep 0.3
grep -q "service 'acl': 0 open, 2 refused, 1 datagrams dropped" "$PN_LOG" \
	&& pn_pass "SIGUSR1 logs the counters" || { pn_fail "no counters line"; grep "service 'acl':" "$PN_LOG" | tail -3 >&2; }
pn_stop

# Descriptor exhaustion: with RLIMIT_NOFILE 40 and 60 clients, the daemon
# sheds what it cannot hold, does not spin, and serves again afterwards.
pn_config <<EOF
service echo {
    plugin = echo
    listen = { "tcp://127.0.0.1:$((P+7))" }
    log_connections = false
}
EOF
PINETD_SAVE=$PINETD_WRAPPER
PINETD_WRAPPER="prlimit --nofile=40:40 $PINETD_WRAPPER"
pn_start
PINETD_WRAPPER=$PINETD_SAVE
dpid=$(pgrep -P "$PN_PID" pinetd || echo "$PN_PID")
"$T" hold 127.0.0.1 $((P+7)) 127.0.0.1 60 4 > /dev/null &
holder=$!
sleep 1
t0=$(awk '{print $14 + $15}' /proc/$dpid/stat)
sleep 2
t1=$(awk '{print $14 + $15}' /proc/$dpid/stat)
[ $((t1 - t0)) -le 20 ] && pn_pass "no busy loop at EMFILE ($((t1 - t0)) ticks of CPU in 2 s)" \
	|| pn_fail "the daemon used $((t1 - t0)) ticks in 2 s at EMFILE"
grep -q "accept: Too many open files; connection refused" "$PN_LOG" \
	&& pn_pass "EMFILE is logged" || pn_fail "no EMFILE log line"
wait $holder
pn_expect "$(printf 'after\n' | nc -q1 127.0.0.1 $((P+7)))" "after" "served again once descriptors are free"
pn_stop
pn_done
